//! Heterogeneity: Cochran's Q, I², H², τ and their confidence intervals.
//!
//! # Definitions side by side
//! | quantity | formula | used by |
//! |---|---|---|
//! | Q | Σ w_i (y_i − θ̂)², w_i = 1/v_i, θ̂ the fixed-effect estimate in use (IV, MH or Peto) | RevMan, metafor (`rma.mh` centres on the MH estimate) |
//! | I² from Q | 100 · max(0, (Q − df)/Q) | RevMan 5, meta (Higgins & Thompson 2002) |
//! | I² from τ² | 100 · τ²/(ṽ + τ²), ṽ = (k − 1) Σw / ((Σw)² − Σw²) | metafor (`rma` random-effects models), RevMan Web with REML |
//! | H² | 1 + τ²/ṽ for a random-effects fit, Q/df otherwise | metafor |
//! | τ² CI | Q-profile: the τ² where the generalised Q equals χ²_{k−1} quantiles | metafor `confint()` (Viechtbauer 2007) |
//! | I² CI | the I² of the τ² bounds (metafor), or Higgins & Thompson's interval for ln H | metafor; meta |
//!
//! With DerSimonian-Laird the two I² coincide when Q is the IV Q; they differ for
//! other estimators. ṽ is metafor's "typical" within-study variance (Higgins &
//! Thompson 2002, eq. 9).
//!
//! # Degenerate cases (as metafor 3.8-1 unless said)
//! - One study: Q = 0 on 0 df with p = 1, I² = 0, H² = 1, ṽ = 0; the τ² and I² limits are
//!   NaN (`null` in JSON; metafor's `confint` stops with "k = 1").
//! - τ² = 0: I² from τ² is 0 and H² is 1 (also when ṽ = 0).
//! - Identical estimates: Q = 0, and both Q-profile limits of τ² are 0 (metafor reports
//!   the interval as empty, "both bounds fall below 0", with the limits at 0).
//! - One tiny variance beside ordinary ones: ṽ = (k − 1)/[`trace_p`] stays finite and
//!   accurate (the textbook form gives 0/0; metafor gives a rounding artefact).
//! - I² near 100: the H² limits are 1 + τ²/ṽ (not 100/(100 − I²), which overflows).
//! - Higgins & Thompson's I² interval needs k ≥ 3 and is NaN below.

use crate::distribution::{chisq_quantile, chisq_sf};
use crate::weighted::{trace_p, GeneralizedQRoots, RootPath};
use serde::Serialize;

/// How the confidence interval of I² is formed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum I2Ci {
    /// From the Q-profile bounds of τ², I² = 100 τ²/(ṽ + τ²) (metafor `confint()`).
    QProfile,
    /// Higgins & Thompson (2002, appendix A.2): a normal interval for ln H.
    HigginsThompson,
}

crate::spelling::spellings!(I2Ci, "I2 interval", {
    I2Ci::QProfile => ["qprofile"],
    I2Ci::HigginsThompson => ["ht"],
});

/// Heterogeneity statistics of one meta-analysis. Names follow the JSON output.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Heterogeneity {
    /// Cochran's Q about the fixed-effect estimate in use.
    pub q: f64,
    /// Degrees of freedom, k − 1.
    pub df: f64,
    /// P-value of the Q test (upper tail of χ²_df).
    pub p_value: f64,
    /// I² (%) from Q: 100 · max(0, (Q − df)/Q).
    pub i2_q: f64,
    /// I² (%) from τ²: 100 · τ²/(ṽ + τ²).
    pub i2_tau2: f64,
    /// H²: 1 + τ²/ṽ with a random-effects fit, Q/df without.
    pub h2: f64,
    /// τ² of the random-effects fit (0 without one).
    pub tau2: f64,
    /// τ = √τ².
    pub tau: f64,
    /// Lower Q-profile limit of τ² (NaN without a random-effects fit).
    pub tau2_ci_lower: f64,
    /// Upper Q-profile limit of τ².
    pub tau2_ci_upper: f64,
    /// Lower limit of I² (%).
    pub i2_ci_lower: f64,
    /// Upper limit of I² (%).
    pub i2_ci_upper: f64,
    /// Lower limit of H².
    pub h2_ci_lower: f64,
    /// Upper limit of H².
    pub h2_ci_upper: f64,
    /// ṽ, the typical within-study variance.
    pub typical_variance: f64,
}

/// metafor's typical within-study variance ṽ = (k − 1) Σw / ((Σw)² − Σw²), w = 1/v;
/// 0 for one study (as metafor). Computed as (k − 1) / [`trace_p`], which stays
/// finite and accurate when one variance is tiny beside the others.
pub fn typical_within_variance(vi: &[f64]) -> f64 {
    if vi.len() < 2 {
        return 0.0;
    }
    (vi.len() as f64 - 1.0) / trace_p(vi, 0.0)
}

/// I² (%) from Q: 100 · max(0, (Q − df)/Q) (Higgins & Thompson 2002); 0 for Q = 0 or
/// df = 0 (one study), 100 for an infinite Q, not a number for an undefined Q.
pub fn i2_from_q(q: f64, df: f64) -> f64 {
    if q.is_nan() {
        f64::NAN
    } else if q == f64::INFINITY {
        100.0
    } else if q > 0.0 && df > 0.0 {
        100.0 * ((q - df) / q).max(0.0)
    } else {
        0.0
    }
}

/// I² (%) from τ²: 100 τ²/(ṽ + τ²), formed as 100/(1 + ṽ/τ²), which neither
/// overflows for τ² near the largest double nor rounds above 100; 0 when τ² = 0 (also
/// for one study, where ṽ = 0).
pub fn i2_from_tau2(tau2: f64, typical_variance: f64) -> f64 {
    if tau2 == 0.0 {
        return 0.0;
    }
    100.0 / (1.0 + typical_variance / tau2)
}

/// Q-profile confidence interval of τ² (Viechtbauer 2007): the lower limit solves
/// Q(τ²) = χ²_{k−1, 1−α/2}, the upper Q(τ²) = χ²_{k−1, α/2}; a limit is 0 when Q(0)
/// is already below its target, and not a number when its search does not converge
/// (a limit beyond the largest double).
pub fn tau2_q_profile(yi: &[f64], vi: &[f64], level: f64) -> (f64, f64) {
    tau2_q_profile_from(yi, vi, level, 0.0)
}

/// [`tau2_q_profile`] with the search for each limit started from `estimate` (the
/// estimate of τ², usually between them: a few Newton steps from either side), or from
/// 0 when it is 0.
pub fn tau2_q_profile_from(yi: &[f64], vi: &[f64], level: f64, estimate: f64) -> (f64, f64) {
    let df = yi.len() as f64 - 1.0;
    let alpha = 1.0 - level;
    let roots = GeneralizedQRoots::new(yi, vi);
    // A limit whose search did not converge (a root beyond the largest double, where
    // the bracket's doubling stops) is not a number, not the bracket's midpoint.
    let root = |target: f64| {
        let found = roots.root(target, estimate);
        match found.path {
            RootPath::Bracketed {
                converged: false, ..
            } => f64::NAN,
            _ => found.tau2,
        }
    };
    let lower = root(chisq_quantile(1.0 - alpha / 2.0, df));
    let upper = root(chisq_quantile(alpha / 2.0, df));
    (lower, upper)
}

/// Higgins & Thompson's (2002) interval for I² (%) via ln H, H = √(Q/df):
/// SE(ln H) = ½ (ln Q − ln df)/(√(2Q) − √(2k − 3)) when Q > k, else
/// √(1/(2(k − 2)) · (1 − 1/(3(k − 2)²))); limits of H are exp(ln H ± z·SE), floored at 1.
pub fn i2_higgins_thompson(q: f64, k: usize, level: f64) -> (f64, f64) {
    let kf = k as f64;
    let df = kf - 1.0;
    let ln_h = 0.5 * (q / df).ln().max(0.0);
    let se = if q > kf {
        0.5 * (q.ln() - df.ln()) / ((2.0 * q).sqrt() - (2.0 * kf - 3.0).sqrt())
    } else {
        ((1.0 / (2.0 * (kf - 2.0))) * (1.0 - 1.0 / (3.0 * (kf - 2.0) * (kf - 2.0)))).sqrt()
    };
    let z = crate::distribution::normal_critical(level);
    let i2 = |ln_h: f64| {
        let h2 = (2.0 * ln_h).exp().max(1.0);
        100.0 * (h2 - 1.0) / h2
    };
    (i2(ln_h - z * se), i2(ln_h + z * se))
}

/// All heterogeneity statistics. `q` is Cochran's Q about the fixed estimate in use;
/// `tau2` is `Some` when a random-effects model was fitted; `yi`, `vi` are the study
/// effects with their within-study variances; `i2_ci` is `None` to skip the intervals.
pub fn heterogeneity(
    yi: &[f64],
    vi: &[f64],
    q: f64,
    tau2: Option<f64>,
    i2_ci: Option<I2Ci>,
    level: f64,
) -> Heterogeneity {
    let k = yi.len();
    let df = k as f64 - 1.0;
    let vt = typical_within_variance(vi);
    // One study: Q = 0 on 0 degrees of freedom (about the study's own estimate, or the
    // rounding noise of a Mantel-Haenszel or Peto estimate of one table); metafor
    // reports Q = 0, p = 1, I² = 0, H² = 1. An undefined Q stays undefined.
    let q = if k < 2 && !q.is_nan() { 0.0 } else { q };
    let p_value = if df > 0.0 { chisq_sf(q, df) } else { 1.0 };
    let i2_q = i2_from_q(q, df);
    let tau2_value = tau2.unwrap_or(0.0);
    let h2 = match tau2 {
        _ if k < 2 => 1.0,
        Some(t) => 1.0 + t / vt,
        None => q / df,
    };
    let (mut tl, mut tu, mut il, mut iu, mut hl, mut hu) =
        (f64::NAN, f64::NAN, f64::NAN, f64::NAN, f64::NAN, f64::NAN);
    if let (Some(_), Some(i2_ci), true) = (tau2, i2_ci, k >= 2) {
        (tl, tu) = tau2_q_profile_from(yi, vi, level, tau2_value);
        match i2_ci {
            I2Ci::QProfile => {
                (il, iu) = (i2_from_tau2(tl, vt), i2_from_tau2(tu, vt));
                // H² = 1 + τ²/ṽ, which equals 100/(100 − I²) but keeps its digits when
                // I² rounds to 100.
                (hl, hu) = (1.0 + tl / vt, 1.0 + tu / vt);
            }
            I2Ci::HigginsThompson => {
                (il, iu) = if k >= 3 {
                    i2_higgins_thompson(q, k, level)
                } else {
                    (f64::NAN, f64::NAN)
                };
                (hl, hu) = (100.0 / (100.0 - il), 100.0 / (100.0 - iu));
            }
        }
    }
    Heterogeneity {
        q,
        df,
        p_value,
        i2_q,
        i2_tau2: i2_from_tau2(tau2_value, vt),
        h2,
        tau2: tau2_value,
        tau: tau2_value.sqrt(),
        tau2_ci_lower: tl,
        tau2_ci_upper: tu,
        i2_ci_lower: il,
        i2_ci_upper: iu,
        h2_ci_lower: hl,
        h2_ci_upper: hu,
        typical_variance: vt,
    }
}
