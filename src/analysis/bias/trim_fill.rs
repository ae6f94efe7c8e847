//! Trim and fill (Duval & Tweedie 2000a, 2000b).

use super::*;

/// The side of the funnel plot on which studies are missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// Missing studies have effects below the pooled estimate.
    Left,
    /// Missing studies have effects above the pooled estimate.
    Right,
}

crate::spelling::spellings!(Side, "side", {
    Side::Left => ["left"],
    Side::Right => ["right"],
});

/// The estimator of the number of missing studies (Duval & Tweedie 2000a, 2000b).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum MissingEstimator {
    /// L0 = (4T − k(k + 1))/(2k − 1), T the Wilcoxon signed-rank statistic (the default).
    L0,
    /// R0 = γ* − 1, γ* the length of the rightmost run of positive ranks.
    R0,
}

crate::spelling::spellings!(MissingEstimator, "missing-studies estimator", {
    MissingEstimator::L0 => ["L0"],
    MissingEstimator::R0 => ["R0"],
});

/// Options of [`trim_and_fill`].
///
/// Non-exhaustive, so that an option can be added: start from
/// [`TrimFillOptions::default`] and set the fields that differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct TrimFillOptions {
    /// The estimator of k₀ (default L0).
    pub estimator: MissingEstimator,
    /// The side of the missing studies; `None` chooses it from Egger's regression (see
    /// [`trim_and_fill`]).
    pub side: Option<Side>,
    /// Iterations at most (default 100, as metafor).
    pub max_iter: usize,
}

impl Default for TrimFillOptions {
    /// metafor's defaults: L0, side from the regression test, 100 iterations.
    fn default() -> Self {
        TrimFillOptions {
            estimator: MissingEstimator::L0,
            side: None,
            max_iter: 100,
        }
    }
}

/// A study added by trim and fill.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FilledStudy {
    /// Its effect, 2μ̂₀ − y of the study it mirrors (μ̂₀ the trimmed estimate).
    pub yi: f64,
    /// Its sampling variance, that of the study it mirrors.
    pub vi: f64,
    /// The index (0-based) of the study it mirrors.
    pub mirror_of: usize,
}

/// The result of the trim-and-fill method (metafor's `trimfill` object).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrimAndFill {
    /// The estimator of k₀.
    pub estimator: MissingEstimator,
    /// The side on which studies were filled.
    pub side: Side,
    /// The slope of Egger's regression that chose the side (`None` when it was given).
    pub side_slope: Option<f64>,
    /// Number of observed studies.
    pub k: usize,
    /// Estimated number of missing studies.
    pub k0: usize,
    /// Standard error of k₀ (metafor `se.k0`).
    pub se_k0: f64,
    /// P-value of the test of no missing study on that side (R0 only; metafor `p.k0`).
    pub p_value_k0: Option<f64>,
    /// The unrounded estimator (L0 or R0) at the last iteration.
    pub statistic: f64,
    /// The estimate after trimming the k₀ most extreme studies: the centre of the filling.
    pub trimmed_estimate: f64,
    /// Iterations used.
    pub iterations: usize,
    /// Whether k₀ repeated within `max_iter` iterations.
    pub converged: bool,
    /// The filled studies.
    pub filled: Vec<FilledStudy>,
    /// The fit to the observed and filled studies (the model of the options).
    pub fit: SliceFit,
    /// Warnings (no convergence).
    pub warnings: Vec<String>,
}

/// The pooled estimate of the model of `options` (fixed effect, or random effects with
/// τ² by its estimator): the model's own pooling ([`fit_slices`]).
fn centre(yi: &[f64], vi: &[f64], options: &PoolOptions) -> Result<f64> {
    let fit = fit_slices(yi, vi, options)?;
    Ok(fit
        .random
        .map_or(fit.fixed.pooled.estimate, |random| random.pooled.estimate))
}

/// Ranks 1..k of `values` (average ranks for ties).
fn average_ranks(values: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
    let mut ranks = vec![0.0; values.len()];
    let mut start = 0;
    while start < order.len() {
        let mut end = start + 1;
        while end < order.len() && values[order[end]] == values[order[start]] {
            end += 1;
        }
        let rank = (start + 1 + end) as f64 / 2.0;
        for &i in &order[start..end] {
            ranks[i] = rank;
        }
        start = end;
    }
    ranks
}

/// L0 and R0 for the centred values `c` (missing studies on the left: the excess is on
/// the right).
fn missing_estimates(c: &[f64]) -> (f64, f64) {
    let k = c.len() as f64;
    let abs: Vec<f64> = c.iter().map(|x| x.abs()).collect();
    let ranks = average_ranks(&abs);
    let t: f64 = c
        .iter()
        .zip(&ranks)
        .filter(|(x, _)| **x > 0.0)
        .map(|(_, r)| r)
        .sum();
    let l0 = (4.0 * t - k * (k + 1.0)) / (2.0 * k - 1.0);
    let mut order: Vec<usize> = (0..c.len()).collect();
    order.sort_by(|&a, &b| abs[a].total_cmp(&abs[b]));
    let run = order.iter().rev().take_while(|&&i| c[i] > 0.0).count();
    (l0, run as f64 - 1.0)
}

/// The trim-and-fill method of Duval and Tweedie.
///
/// # Formula
/// With the studies on the side opposite to the missing ones made the largest (yi, or −yi
/// when studies are missing on the right), sorted: from k₀ = 0, the model of `options` is
/// fitted to the k − k₀ smallest, giving μ̂₀; the ranks rᵢ of |yi − μ̂₀| over all k studies
/// (average ranks for ties) give T = Σ_{yi > μ̂₀} rᵢ and
/// - L0 = (4T − k(k + 1))/(2k − 1), k₀ = max(0, round(L0)),
///   SE = 4√Var(T)/(2k − 1), Var(T) = [k(k+1)(2k+1) + 10L0³ + 27L0² + 17L0 − 18kL0²
///   − 18kL0 + 6k²L0]/24 at the last unrounded L0 (Duval & Tweedie 2000a, *Biometrics*
///   56:455-463, with γ = L0 as metafor evaluates it);
/// - R0 = γ* − 1, γ* the number of the largest |yi − μ̂₀| that are all above μ̂₀,
///   k₀ = max(0, R0), SE = √(2k₀ + 2), p = 2^−(k₀+1) (Duval & Tweedie 2000b, *JASA*
///   95:89-98);
///
/// repeated until k₀ repeats (at most `max_iter` times). The k₀ most extreme studies are
/// mirrored about μ̂₀ (2μ̂₀ − yi, same vi; listed as metafor's `trimfill` lists them, from
/// the least to the most extreme trimmed study) and the model of `options` refitted to the
/// k + k₀ studies, test included.
///
/// metafor's `trimfill(x)` refits the trimmed and filled data with `test = "z"` and its
/// default convergence control whatever `x` used; `trim_and_fill` uses the options it is
/// given, which is metafor's `trimfill(x, test = ..., control = ...)`.
///
/// Side (when not given): the slope of the regression test [`egger_test`] with the model
/// of `options`: negative, studies are missing on the right; otherwise on the left (as
/// metafor chooses it).
///
/// # Errors
/// As [`fit_slices`]; [`Error::Degenerate`] with fewer than three studies when the side
/// must be chosen (two otherwise); as [`egger_test`] for that choice.
pub fn trim_and_fill(
    yi: &[f64],
    vi: &[f64],
    trim: &TrimFillOptions,
    options: &PoolOptions,
) -> Result<TrimAndFill> {
    check_options("trim and fill", options)?;
    let min_k = if trim.side.is_some() { 2 } else { 3 };
    check_effects("trim and fill", yi, vi, min_k)?;
    let k = yi.len();
    let (side, side_slope) = match trim.side {
        Some(side) => (side, None),
        None => {
            let egger = egger_test(yi, vi, RegressionModel::MetaRegression, options)?;
            let slope = egger.fit.slope.estimate;
            let side = if slope < 0.0 { Side::Right } else { Side::Left };
            (side, Some(slope))
        }
    };
    // Work on the scale where the missing studies are on the left.
    let flip = if side == Side::Left { 1.0 } else { -1.0 };
    let mut order: Vec<usize> = (0..k).collect();
    order.sort_by(|&a, &b| (flip * yi[a]).total_cmp(&(flip * yi[b])));
    let y: Vec<f64> = order.iter().map(|&i| flip * yi[i]).collect();
    let v: Vec<f64> = order.iter().map(|&i| vi[i]).collect();

    let (mut k0, mut iterations, mut converged) = (0usize, 0usize, false);
    let (mut mu0, mut statistic);
    loop {
        iterations += 1;
        mu0 = centre(&y[..k - k0], &v[..k - k0], options)?;
        let centred: Vec<f64> = y.iter().map(|x| x - mu0).collect();
        let (l0, r0) = missing_estimates(&centred);
        statistic = match trim.estimator {
            MissingEstimator::L0 => l0,
            MissingEstimator::R0 => r0,
        };
        // L0 < k(k + 1)/(2k − 1) ≤ k − 1 for k ≥ 2 and R0 ≤ k − 1: one study always stays.
        let next = statistic.round().max(0.0) as usize;
        if next == k0 {
            converged = true;
            break;
        }
        k0 = next.min(k - 1);
        if iterations >= trim.max_iter.max(1) {
            break;
        }
    }
    let mut warnings = Vec::new();
    if !converged {
        warnings.push(format!(
            "trim and fill: the number of missing studies did not settle in {iterations} \
             iterations; the last estimate ({k0}) is used"
        ));
    }
    let (se_k0, p_value_k0) = match trim.estimator {
        MissingEstimator::L0 => {
            let (n, g) = (k as f64, statistic);
            let var_t =
                (n * (n + 1.0) * (2.0 * n + 1.0) + 10.0 * g.powi(3) + 27.0 * g * g + 17.0 * g
                    - 18.0 * n * g * g
                    - 18.0 * n * g
                    + 6.0 * n * n * g)
                    / 24.0;
            (4.0 * var_t.sqrt() / (2.0 * n - 1.0), None)
        }
        MissingEstimator::R0 => {
            let g = k0 as f64;
            ((2.0 * g + 2.0).sqrt(), Some(0.5f64.powf(g + 1.0)))
        }
    };
    let trimmed_estimate = flip * mu0;
    let filled: Vec<FilledStudy> = (k - k0..k)
        .map(|j| FilledStudy {
            yi: 2.0 * trimmed_estimate - yi[order[j]],
            vi: vi[order[j]],
            mirror_of: order[j],
        })
        .collect();
    let mut all_y = yi.to_vec();
    let mut all_v = vi.to_vec();
    all_y.extend(filled.iter().map(|f| f.yi));
    all_v.extend(filled.iter().map(|f| f.vi));
    // The observed studies fit (the trimmed fits above); an error here is the filled
    // studies' (mirrored estimates whose squares overflow, say): say so, not "study j".
    let fit = fit_slices(&all_y, &all_v, options).map_err(|e| {
        Error::Degenerate(format!(
            "trim and fill: the fit of the {k} studies with the {k0} filled ones (studies \
             {} to {} of that fit, the mirror images 2μ̂₀ − yi of the most extreme) failed: {e}",
            k + 1,
            k + k0
        ))
    })?;
    Ok(TrimAndFill {
        estimator: trim.estimator,
        side,
        side_slope,
        k,
        k0,
        se_k0,
        p_value_k0,
        statistic,
        trimmed_estimate,
        iterations,
        converged,
        filled,
        fit,
        warnings,
    })
}
