//! Random-effects inference for μ: the pooled estimate with weights 1/(v_i + τ²), its
//! interval by one of four methods, and the prediction interval.
//!
//! | method | standard error | critical value | reference |
//! |---|---|---|---|
//! | [`CiMethod::Z`] | 1/√Σw | Φ⁻¹(1 − α/2) | Wald |
//! | [`CiMethod::T`] | 1/√Σw | t(k − 1) | metafor `test = "t"` |
//! | [`CiMethod::Hksj`] | √(q/Σw), q = Σw(y − μ̂)²/(k − 1) | t(k − 1) | Hartung & Knapp 2001; Sidik & Jonkman 2002 (metafor `test = "knha"`) |
//! | [`CiMethod::HksjAdhoc`] | √(max(1, q)/Σw) | t(k − 1) | Knapp & Hartung 2003; Röver et al. 2015 (metafor `test = "adhoc"`) |
//!
//! Prediction interval ([`PiMethod`]): μ̂ ± crit·√(SE² + τ²) with SE of the chosen
//! method and crit the critical value of that method (metafor's `predict()`), or
//! t(k − 2) (Higgins, Thompson & Spiegelhalter 2009).
//!
//! # Degenerate cases
//! - One study: every method gives the z interval, as metafor does (with a warning);
//!   the prediction interval following the CI is then the CI (τ² = 0). The
//!   Higgins-Thompson-Spiegelhalter interval needs k ≥ 3 and is NaN (`null` in JSON)
//!   below that.
//! - Identical estimates with HKSJ: the variance factor q is 0, so the interval has
//!   width 0 and the statistic is infinite (metafor: se 0, zval Inf, p 0); the
//!   `hksj-adhoc` floor q ≥ 1 is the remedy.

use super::fixed::{critical_value, PooledEstimate};
use crate::weighted::inverse_variance;

/// How the confidence interval of μ is formed. See the module documentation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CiMethod {
    /// Normal (Wald) interval.
    Z,
    /// t with k − 1 degrees of freedom.
    T,
    /// Hartung-Knapp-Sidik-Jonkman.
    Hksj,
    /// HKSJ with the variance factor floored at 1.
    HksjAdhoc,
}

crate::spelling::spellings!(CiMethod, "interval method", {
    CiMethod::Z => ["z"],
    CiMethod::T => ["t"],
    CiMethod::Hksj => ["hksj", "knha"],
    CiMethod::HksjAdhoc => ["hksj-adhoc", "adhoc"],
});

/// How the prediction interval is formed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PiMethod {
    /// The critical value of the confidence interval method (metafor's `predict()`).
    FollowCi,
    /// t with k − 2 degrees of freedom (Higgins, Thompson & Spiegelhalter 2009).
    HigginsThompsonSpiegelhalter,
}

crate::spelling::spellings!(PiMethod, "prediction interval method", {
    PiMethod::FollowCi => ["ci"],
    PiMethod::HigginsThompsonSpiegelhalter => ["hts"],
});

/// Inference for μ with weights 1/(v_i + τ²); `tau2 = 0` gives the fixed-effect model.
/// k must be at least 1. The t-based methods need k ≥ 2: with one study every method
/// gives the z interval (metafor does the same, warning "Setting argument test="z"
/// since k=1"); `df` is then `None`.
pub fn inference(
    yi: &[f64],
    vi: &[f64],
    tau2: f64,
    method: CiMethod,
    level: f64,
) -> PooledEstimate {
    let k = yi.len() as f64;
    let method = if yi.len() < 2 { CiMethod::Z } else { method };
    let (mu, se, sw) = inverse_variance(yi, vi, tau2);
    match method {
        CiMethod::Z => PooledEstimate::wald(mu, se, level, None),
        CiMethod::T => PooledEstimate::wald(mu, se, level, Some(k - 1.0)),
        CiMethod::Hksj | CiMethod::HksjAdhoc => {
            // q = Σ w (y − μ)² / (k − 1), formed as m² Σ w ((y − μ)/m)² with m the
            // largest |y − μ|, so that deviations near 1e-170 do not square to 0 (an SE
            // of 0 and p = 0); SE = √(q / Σw) = m √(Σ w ((y − μ)/m)² / ((k − 1) Σw)).
            let m = yi.iter().fold(0.0f64, |m, &y| m.max((y - mu).abs()));
            let scaled = if m > 0.0 {
                yi.iter()
                    .zip(vi)
                    .map(|(&y, &v)| ((y - mu) / m).powi(2) / (v + tau2))
                    .sum::<f64>()
                    / (k - 1.0)
            } else {
                0.0
            };
            let se_hksj = m * (scaled / sw).sqrt();
            let se = if method == CiMethod::HksjAdhoc {
                // max(q, 1): the Knapp-Hartung SE, or the Wald SE where it is smaller.
                se_hksj.max((1.0 / sw).sqrt())
            } else {
                se_hksj
            };
            PooledEstimate::wald(mu, se, level, Some(k - 1.0))
        }
    }
}

/// The prediction interval μ̂ ± crit·√(SE² + τ²); see the module documentation.
pub fn prediction_interval(
    pooled: &PooledEstimate,
    tau2: f64,
    k: usize,
    method: PiMethod,
    level: f64,
) -> (f64, f64) {
    let df = match method {
        PiMethod::FollowCi => pooled.df,
        PiMethod::HigginsThompsonSpiegelhalter => Some(k as f64 - 2.0),
    };
    let crit = critical_value(level, df);
    // √(SE² + τ²) as hypot, which neither underflows nor overflows in the squares.
    let half = crit * pooled.se.hypot(tau2.sqrt());
    (pooled.estimate - half, pooled.estimate + half)
}
