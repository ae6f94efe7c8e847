//! Begg and Mazumdar's rank correlation test (Begg & Mazumdar 1994).

use super::*;

/// The largest k for which [`rank_correlation_test`] computes the exact p-value (the
/// exact null distribution of Kendall's score costs O(k³) operations).
pub const EXACT_KENDALL_MAX_K: usize = 1000;

/// How the p-value of Kendall's τ was found.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "method", rename_all = "snake_case")]
#[non_exhaustive]
pub enum KendallPValue {
    /// The exact permutation distribution of the score (no ties).
    Exact,
    /// The normal approximation S/√Var(S), ties corrected, no continuity correction.
    Normal {
        /// The z statistic.
        z: f64,
    },
}

/// Begg and Mazumdar's rank correlation test (metafor's `ranktest` object).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RankCorrelationTest {
    /// Number of studies.
    pub k: usize,
    /// Kendall's τ (τ_b) between the standardized effects and the variances.
    pub tau: f64,
    /// Kendall's score S = (concordant − discordant pairs).
    pub score: f64,
    /// Whether either variable has ties.
    pub ties: bool,
    /// How the p-value was computed.
    pub p_value_method: KendallPValue,
    /// Two-sided p-value of the test of τ = 0.
    pub p_value: f64,
}

/// Begg and Mazumdar's rank correlation test.
///
/// # Formula
/// The standardized effects y*ᵢ = (yi − μ̂)/√(vi − 1/Σw), μ̂ = Σwy/Σw, w = 1/vi (the
/// fixed-effect estimate whatever the model, as metafor's `ranktest`), and Kendall's
/// τ_b = S/√((n₀ − n₁)(n₀ − n₂)) between y* and vi, S = Σ_{i<j} sign(y*ᵢ − y*ⱼ)
/// sign(vᵢ − vⱼ), n₀ = k(k − 1)/2, n₁ and n₂ the tied pairs of each variable (Begg &
/// Mazumdar 1994, *Biometrics* 50:1088-1101; Kendall 1970, *Rank correlation methods*).
///
/// P-value: without ties, the exact two-sided permutation p-value of the number of
/// concordant pairs q = (S + n₀)/2: 2 P(T ≤ q) when q ≤ n₀/2, else 2 P(T ≥ q), at most 1,
/// T having the distribution of the inversions of a random permutation (R's `cor.test`
/// with `exact = TRUE`, which metafor uses whatever k), up to k =
/// [`EXACT_KENDALL_MAX_K`]. With ties (or larger k), z = S/√Var(S) with t and u the sizes
/// of the tie groups of each variable (Kendall 1970, ch. 4):
///
/// ```text
/// Var(S) = [k(k−1)(2k+5) − Σt(t−1)(2t+5) − Σu(u−1)(2u+5)]/18
///        + Σt(t−1)·Σu(u−1)/(2k(k−1)) + Σt(t−1)(t−2)·Σu(u−1)(u−2)/(9k(k−1)(k−2))
/// ```
///
/// # Errors
/// [`Error::InvalidArgument`] for lengths that differ; [`Error::Degenerate`] with fewer
/// than three studies, a non-finite value or a variance ≤ 0.
pub fn rank_correlation_test(yi: &[f64], vi: &[f64]) -> Result<RankCorrelationTest> {
    check_effects("the rank correlation test", yi, vi, 3)?;
    let k = yi.len();
    let (mu, _, sum_w) = inverse_variance(yi, vi, 0.0);
    let standardized: Vec<f64> = yi
        .iter()
        .zip(vi)
        .map(|(&y, &v)| (y - mu) / (v - 1.0 / sum_w).sqrt())
        .collect();
    let mut score = 0.0;
    for i in 0..k {
        for j in (i + 1)..k {
            let a = sign(standardized[i] - standardized[j]);
            let b = sign(vi[i] - vi[j]);
            score += a * b;
        }
    }
    let ties_y = tie_groups(&standardized);
    let ties_v = tie_groups(vi);
    let n = k as f64;
    let n0 = n * (n - 1.0) / 2.0;
    let pairs = |groups: &[f64]| groups.iter().map(|t| t * (t - 1.0) / 2.0).sum::<f64>();
    let tau = score / ((n0 - pairs(&ties_y)) * (n0 - pairs(&ties_v))).sqrt();
    let ties = !(ties_y.is_empty() && ties_v.is_empty());
    let (p_value_method, p_value) = if !ties && k <= EXACT_KENDALL_MAX_K {
        let concordant = ((score + n0) / 2.0).round() as usize;
        (KendallPValue::Exact, kendall_exact_p(concordant, k))
    } else {
        let sum = |g: &[f64], f: &dyn Fn(f64) -> f64| g.iter().map(|&t| f(t)).sum::<f64>();
        let v0 = n * (n - 1.0) * (2.0 * n + 5.0);
        let vt = sum(&ties_y, &|t| t * (t - 1.0) * (2.0 * t + 5.0));
        let vu = sum(&ties_v, &|t| t * (t - 1.0) * (2.0 * t + 5.0));
        let v1 = sum(&ties_y, &|t| t * (t - 1.0)) * sum(&ties_v, &|t| t * (t - 1.0));
        let v2 = sum(&ties_y, &|t| t * (t - 1.0) * (t - 2.0))
            * sum(&ties_v, &|t| t * (t - 1.0) * (t - 2.0));
        let var_s = (v0 - vt - vu) / 18.0
            + v1 / (2.0 * n * (n - 1.0))
            + v2 / (9.0 * n * (n - 1.0) * (n - 2.0));
        let z = score / var_s.sqrt();
        (KendallPValue::Normal { z }, normal_two_sided_p(z))
    };
    Ok(RankCorrelationTest {
        k,
        tau,
        score,
        ties,
        p_value_method,
        p_value,
    })
}

fn sign(x: f64) -> f64 {
    if x > 0.0 {
        1.0
    } else if x < 0.0 {
        -1.0
    } else {
        0.0
    }
}

/// The sizes (≥ 2) of the groups of equal values.
fn tie_groups(values: &[f64]) -> Vec<f64> {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mut groups = Vec::new();
    let mut run = 1usize;
    for i in 1..=sorted.len() {
        if i < sorted.len() && sorted[i] == sorted[i - 1] {
            run += 1;
        } else {
            if run > 1 {
                groups.push(run as f64);
            }
            run = 1;
        }
    }
    groups
}

/// The exact two-sided p-value of q concordant pairs among k untied observations.
///
/// The number T of concordant pairs under independence has the distribution of the
/// number of inversions of a random permutation of k elements: the sum of independent
/// uniform variables on {0, …, i − 1}, i = 1..k, whose probabilities are convolved step by
/// step with a running sum (probabilities rather than counts, so that k! never appears).
/// T is symmetric about n₀/2, so the tail beyond q is P(T ≤ m) with m = min(q, n₀ − q),
/// and only the probabilities of 0..=m are needed: the cost is O(k·m).
fn kendall_exact_p(q: usize, k: usize) -> f64 {
    let max = k * (k - 1) / 2;
    let m = if 2 * q > max { max - q.min(max) } else { q };
    let mut p = vec![0.0; m + 1];
    let mut next = vec![0.0; m + 1];
    p[0] = 1.0;
    let mut top = 0;
    for i in 2..=k {
        // next[j] = (1/i) Σ_{s=0}^{i−1} p[j − s]
        let new_top = (top + i - 1).min(m);
        let mut window = 0.0;
        for j in 0..=new_top {
            if j <= top {
                window += p[j];
            }
            if j >= i && j - i <= top {
                window -= p[j - i];
            }
            next[j] = window / i as f64;
        }
        std::mem::swap(&mut p, &mut next);
        top = new_top;
    }
    let tail: f64 = p[..=top].iter().sum();
    (2.0 * tail).min(1.0)
}
