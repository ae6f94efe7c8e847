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
/// # Complexity
/// S by Knight's merge-sort count of discordant pairs, O(k log k) (it was the sum over
/// the k(k − 1)/2 pairs; both are exact integer counts, ties included); the exact
/// p-value O(k · min(q, n₀ − q)), at most about k³/4 operations, for k ≤
/// [`EXACT_KENDALL_MAX_K`] only.
///
/// # Errors
/// [`Error::InvalidArgument`] for lengths that differ; [`Error::Degenerate`] with fewer
/// than three studies, a non-finite value or a variance ≤ 0, and when a study carries
/// all the weight of the fixed-effect estimate (vi ≤ 1/Σw in double precision: its
/// standardized effect is 0/0 or the root of a negative number).
pub fn rank_correlation_test(yi: &[f64], vi: &[f64]) -> Result<RankCorrelationTest> {
    check_effects("the rank correlation test", yi, vi, 3)?;
    let k = yi.len();
    let (mu, _, sum_w) = inverse_variance(yi, vi, 0.0);
    let standardized: Vec<f64> = yi
        .iter()
        .zip(vi)
        .map(|(&y, &v)| (y - mu) / (v - 1.0 / sum_w).sqrt())
        .collect();
    if let Some(i) = standardized.iter().position(|z| z.is_nan()) {
        return Err(Error::Degenerate(format!(
            "the rank correlation test: study {} carries all the weight of the pooled \
             estimate (its variance {} is not above 1/Σw = {}), so its standardized effect \
             (yi − μ̂)/√(vi − 1/Σw) is undefined",
            i + 1,
            vi[i],
            1.0 / sum_w
        )));
    }
    let score = kendall_score(&standardized, vi);
    let ties_y = tie_groups(&standardized);
    let ties_v = tie_groups(vi);
    let n = k as f64;
    let n0 = n * (n - 1.0) / 2.0;
    let pairs = |groups: &[f64]| groups.iter().map(|t| t * (t - 1.0) / 2.0).sum::<f64>();
    let (untied_y, untied_v) = (n0 - pairs(&ties_y), n0 - pairs(&ties_v));
    if untied_y == 0.0 || untied_v == 0.0 {
        // Every pair tied in one of the two rankings: τ_b is 0/0 (R's cor.test: NA).
        return Err(Error::Degenerate(format!(
            "the rank correlation test: every study has the same {}, so Kendall's tau \
             is undefined",
            if untied_v == 0.0 {
                "sampling variance"
            } else {
                "standardized effect"
            }
        )));
    }
    let tau = score / (untied_y * untied_v).sqrt();
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

/// The order of two values that are not NaN: -0 and +0 equal, as `==` and the sign of
/// their difference have them (a NaN, which callers exclude, compares equal).
fn order(a: f64, b: f64) -> std::cmp::Ordering {
    a.partial_cmp(&b).unwrap_or(std::cmp::Ordering::Equal)
}

/// Kendall's score S = Σ_{i<j} sign(xᵢ − xⱼ) sign(yᵢ − yⱼ) (ties count 0), by Knight's
/// algorithm in O(k log k) (Knight 1966, *JASA* 61:436-439).
///
/// # Formula
/// With the pairs sorted by x, then by y among equal x, a pair is discordant exactly
/// when its y values are in the wrong order (an inversion, counted while merge-sorting
/// the y sequence); then S = n₀ − n₁ − n₂ + n₃ − 2D, n₀ = k(k − 1)/2, n₁ and n₂ the pairs
/// tied in x and in y, n₃ those tied in both, D the inversions. Every count is an
/// integer, so S is the sum over pairs exactly. The values must not be NaN.
fn kendall_score(x: &[f64], y: &[f64]) -> f64 {
    let k = x.len() as u64;
    let mut idx: Vec<usize> = (0..x.len()).collect();
    idx.sort_by(|&a, &b| order(x[a], x[b]).then(order(y[a], y[b])));
    let equal = |a: f64, b: f64| order(a, b) == std::cmp::Ordering::Equal;
    let n1 = tied_pairs(idx.len(), |t| equal(x[idx[t - 1]], x[idx[t]]));
    let n3 = tied_pairs(idx.len(), |t| {
        equal(x[idx[t - 1]], x[idx[t]]) && equal(y[idx[t - 1]], y[idx[t]])
    });
    let mut ys: Vec<f64> = idx.iter().map(|&i| y[i]).collect();
    let discordant = sort_counting_inversions(&mut ys);
    let n2 = tied_pairs(ys.len(), |t| equal(ys[t - 1], ys[t]));
    let n0 = k * k.saturating_sub(1) / 2;
    // C − D = (n₀ − n₁ − n₂ + n₃ − D) − D may be negative: formed in i128.
    let score = i128::from(n0) - i128::from(n1) - i128::from(n2) + i128::from(n3)
        - 2 * i128::from(discordant);
    score as f64
}

/// The pairs within runs of a sorted sequence of `n` values, `same(t)` telling whether
/// the values at t − 1 and t are equal: Σ t(t − 1)/2 over the runs.
fn tied_pairs(n: usize, same: impl Fn(usize) -> bool) -> u64 {
    let (mut pairs, mut run) = (0u64, 1u64);
    for t in 1..=n {
        if t < n && same(t) {
            run += 1;
        } else {
            pairs += run * (run - 1) / 2;
            run = 1;
        }
    }
    pairs
}

/// Sorts `values` (no NaN) ascending and returns the number of inversions, pairs i < j
/// with values[i] > values[j] strictly (equal values are not inverted): a bottom-up
/// merge sort, O(k log k).
fn sort_counting_inversions(values: &mut [f64]) -> u64 {
    let n = values.len();
    let mut inversions = 0u64;
    let mut width = 1;
    let (mut from, mut to) = (values.to_vec(), vec![0.0; n]);
    while width < n {
        let mut start = 0;
        while start < n {
            let mid = (start + width).min(n);
            let end = (start + 2 * width).min(n);
            let (mut i, mut j, mut out) = (start, mid, start);
            while i < mid && j < end {
                if order(from[j], from[i]) == std::cmp::Ordering::Less {
                    // from[j] is below every value left in from[i..mid].
                    inversions += (mid - i) as u64;
                    to[out] = from[j];
                    j += 1;
                } else {
                    to[out] = from[i];
                    i += 1;
                }
                out += 1;
            }
            to[out..out + (mid - i)].copy_from_slice(&from[i..mid]);
            out += mid - i;
            to[out..out + (end - j)].copy_from_slice(&from[j..end]);
            start = end;
        }
        std::mem::swap(&mut from, &mut to);
        width *= 2;
    }
    values.copy_from_slice(&from);
    inversions
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

#[cfg(test)]
mod tests {
    use super::*;

    /// S as the sum over pairs, the definition (and the O(k²) loop Knight's count replaced).
    fn score_by_pairs(x: &[f64], y: &[f64]) -> f64 {
        let sign = |d: f64| {
            if d > 0.0 {
                1.0
            } else if d < 0.0 {
                -1.0
            } else {
                0.0
            }
        };
        let mut s = 0.0;
        for i in 0..x.len() {
            for j in (i + 1)..x.len() {
                s += sign(x[i] - x[j]) * sign(y[i] - y[j]);
            }
        }
        s
    }

    /// Knight's count equals the pairwise sum, with ties in either variable and in both,
    /// -0 beside +0 and infinities (a study whose variance equals 1/Σw), on sequences
    /// of every length up to 60 from a fixed generator.
    #[test]
    fn knights_count_is_the_sum_over_pairs_ties_included() {
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = |m: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % m
        };
        let special = [0.0, -0.0, f64::INFINITY, f64::NEG_INFINITY, 1e-300, -1e300];
        for n in 0..=60usize {
            for levels in [2u64, 5, 1000] {
                let draw = |next: &mut dyn FnMut(u64) -> u64| -> f64 {
                    if next(10) == 0 {
                        special[next(special.len() as u64) as usize]
                    } else {
                        next(levels) as f64 - (levels / 2) as f64
                    }
                };
                let x: Vec<f64> = (0..n).map(|_| draw(&mut next)).collect();
                let y: Vec<f64> = (0..n).map(|_| draw(&mut next)).collect();
                assert_eq!(kendall_score(&x, &y), score_by_pairs(&x, &y), "{x:?} {y:?}");
            }
        }
    }
}
