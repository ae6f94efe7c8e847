//! The pooled estimate with its interval and test, and the critical values shared by
//! every model. The weighted mean it is formed from is in [`crate::weighted`].

use crate::distribution::{normal_two_sided_p, t_two_sided_p};
use serde::Serialize;

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
        let (crit, statistic) = (critical_value(level, df), estimate / se);
        let p_value = match df {
            // An SE of 0 (HKSJ with identical estimates): metafor reports p = 0.
            _ if statistic.is_infinite() => 0.0,
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

/// The two-sided critical value at confidence `level` of the normal (`df = None`) or
/// t distribution ([`crate::distribution::normal_critical`], [`crate::distribution::t_critical`]).
pub fn critical_value(level: f64, df: Option<f64>) -> f64 {
    match df {
        Some(df) => crate::distribution::t_critical(level, df),
        None => crate::distribution::normal_critical(level),
    }
}
