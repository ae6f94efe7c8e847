//! The inverse-variance pooled estimate, and the confidence intervals shared by every
//! model.

use crate::distribution::{normal_quantile, normal_two_sided_p, t_quantile, t_two_sided_p};
use serde::Serialize;

/// Inverse-variance weighted mean of `yi` with weights 1/(v_i + τ²).
///
/// # Formula
/// μ̂ = Σ w_i y_i / Σ w_i, SE(μ̂) = 1/√Σw_i, w_i = 1/(v_i + τ²) (τ² = 0 for the
/// fixed-effect model; Borenstein et al. 2009, ch. 11 and 12). Returns (μ̂, SE, Σw).
pub fn inverse_variance(yi: &[f64], vi: &[f64], tau2: f64) -> (f64, f64, f64) {
    let (mut sw, mut swy) = (0.0, 0.0);
    for (&y, &v) in yi.iter().zip(vi) {
        let w = 1.0 / (v + tau2);
        sw += w;
        swy += w * y;
    }
    (swy / sw, 1.0 / sw.sqrt(), sw)
}

/// Relative weights in percent, 100 w_i / Σw with w_i = 1/(v_i + τ²).
pub fn weights_percent(vi: &[f64], tau2: f64) -> Vec<f64> {
    let sw: f64 = vi.iter().map(|v| 1.0 / (v + tau2)).sum();
    vi.iter().map(|v| 100.0 / (v + tau2) / sw).collect()
}

/// A pooled estimate with its interval and test, on the analysis scale.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PooledEstimate {
    /// The estimate.
    pub estimate: f64,
    /// Its standard error (adjusted, for Hartung-Knapp intervals).
    pub se: f64,
    /// Lower confidence limit.
    pub ci_lower: f64,
    /// Upper confidence limit.
    pub ci_upper: f64,
    /// Test statistic estimate / se (z, or t with `df`).
    pub statistic: f64,
    /// Degrees of freedom of a t-based interval; `None` for z.
    pub df: Option<f64>,
    /// Two-sided p-value of the test of estimate = 0.
    pub p_value: f64,
}

impl PooledEstimate {
    /// Wald-type interval estimate ± crit·se with crit from the normal distribution
    /// (`df = None`) or Student's t with `df` degrees of freedom.
    pub fn wald(estimate: f64, se: f64, level: f64, df: Option<f64>) -> Self {
        let upper_p = 1.0 - (1.0 - level) / 2.0;
        let (crit, statistic) = (critical_value(upper_p, df), estimate / se);
        let p_value = match df {
            Some(df) => t_two_sided_p(statistic, df),
            None => normal_two_sided_p(statistic),
        };
        PooledEstimate {
            estimate,
            se,
            ci_lower: estimate - crit * se,
            ci_upper: estimate + crit * se,
            statistic,
            df,
            p_value,
        }
    }
}

/// The `p` quantile of the normal (`df = None`) or t distribution.
pub fn critical_value(p: f64, df: Option<f64>) -> f64 {
    match df {
        Some(df) => t_quantile(p, df),
        None => normal_quantile(p),
    }
}
