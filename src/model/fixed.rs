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
    /// No estimate: every number NaN (null in JSON, an empty CSV cell), `df` `None`.
    pub const ABSENT: PooledEstimate = PooledEstimate {
        estimate: f64::NAN,
        se: f64::NAN,
        ci_lower: f64::NAN,
        ci_upper: f64::NAN,
        statistic: f64::NAN,
        df: None,
        p_value: f64::NAN,
    };

    /// Serialises an object that holds this estimate and writes it flat: the entries
    /// `before` writes, the estimate's fields with the keys and order that object always
    /// had ([`Flat`]), the entries `after` writes. The one place where an estimate is
    /// written inside another object: [`crate::model::FixedFit`], the refits of
    /// [`crate::analysis::sensitivity`], the coefficients of
    /// [`crate::analysis::regression`].
    ///
    /// # Errors
    /// Those of the serializer.
    pub fn serialize_within<S: serde::Serializer>(
        &self,
        serializer: S,
        layout: Flat,
        before: impl FnOnce(&mut S::SerializeMap) -> std::result::Result<(), S::Error>,
        after: impl FnOnce(&mut S::SerializeMap) -> std::result::Result<(), S::Error>,
    ) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(None)?;
        before(&mut map)?;
        map.serialize_entry("estimate", &self.estimate)?;
        map.serialize_entry("se", &self.se)?;
        match layout {
            Flat::Fixed => {
                map.serialize_entry("ci_lower", &self.ci_lower)?;
                map.serialize_entry("ci_upper", &self.ci_upper)?;
                map.serialize_entry("z", &self.statistic)?;
                map.serialize_entry("df", &self.df)?;
                map.serialize_entry("p_value", &self.p_value)?;
            }
            Flat::TestFirst => {
                map.serialize_entry("statistic", &self.statistic)?;
                map.serialize_entry("p_value", &self.p_value)?;
                map.serialize_entry("ci_lower", &self.ci_lower)?;
                map.serialize_entry("ci_upper", &self.ci_upper)?;
            }
        }
        after(&mut map)?;
        map.end()
    }

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

/// The keys and order in which [`PooledEstimate::serialize_within`] writes an estimate
/// inside another object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flat {
    /// `estimate, se, ci_lower, ci_upper, z, df, p_value`: the JSON `fixed` object, whose
    /// statistic is named `z`.
    Fixed,
    /// `estimate, se, statistic, p_value, ci_lower, ci_upper` (no `df`): a refit of the
    /// sensitivity analyses, a meta-regression coefficient.
    TestFirst,
}

/// The two-sided critical value at confidence `level` of the normal (`df = None`) or
/// t distribution ([`crate::distribution::normal_critical`], [`crate::distribution::t_critical`]).
pub fn critical_value(level: f64, df: Option<f64>) -> f64 {
    match df {
        Some(df) => crate::distribution::t_critical(level, df),
        None => crate::distribution::normal_critical(level),
    }
}
