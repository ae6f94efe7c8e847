//! The reference distributions of the crate, in one place: quantiles and tail
//! probabilities of the standard normal, Student's t and chi-squared distributions.
//!
//! They come from `statrs`; their accuracy against R (`qnorm`, `qt`, `qchisq`, `pnorm`,
//! `pt`, `pchisq`) is checked in `tests/distributions.rs`. Upper tails use survival
//! functions, never `1 - cdf`, so that small p-values keep their digits.

use statrs::distribution::{ChiSquared, ContinuousCDF, Normal, StudentsT};

fn standard_normal() -> Normal {
    Normal::standard()
}

/// Φ⁻¹(p), the standard normal quantile.
pub fn normal_quantile(p: f64) -> f64 {
    standard_normal().inverse_cdf(p)
}

/// 1 − Φ(x), the standard normal upper tail.
pub fn normal_sf(x: f64) -> f64 {
    standard_normal().sf(x)
}

/// Two-sided p-value of a z statistic, 2 (1 − Φ(|z|)).
pub fn normal_two_sided_p(z: f64) -> f64 {
    2.0 * normal_sf(z.abs())
}

/// Student's t quantile with `df` degrees of freedom (df > 0).
pub fn t_quantile(p: f64, df: f64) -> f64 {
    match StudentsT::new(0.0, 1.0, df) {
        Ok(t) => t.inverse_cdf(p),
        Err(_) => f64::NAN,
    }
}

/// Upper tail of Student's t with `df` degrees of freedom.
pub fn t_sf(x: f64, df: f64) -> f64 {
    match StudentsT::new(0.0, 1.0, df) {
        Ok(t) => t.sf(x),
        Err(_) => f64::NAN,
    }
}

/// Two-sided p-value of a t statistic with `df` degrees of freedom.
pub fn t_two_sided_p(t: f64, df: f64) -> f64 {
    2.0 * t_sf(t.abs(), df)
}

/// Chi-squared quantile with `df` degrees of freedom (df > 0).
pub fn chisq_quantile(p: f64, df: f64) -> f64 {
    match ChiSquared::new(df) {
        Ok(c) => c.inverse_cdf(p),
        Err(_) => f64::NAN,
    }
}

/// Upper tail of the chi-squared distribution with `df` degrees of freedom.
pub fn chisq_sf(x: f64, df: f64) -> f64 {
    match ChiSquared::new(df) {
        Ok(c) => c.sf(x),
        Err(_) => f64::NAN,
    }
}
