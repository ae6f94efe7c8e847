//! The inverse-variance pooled estimate, and the confidence intervals shared by every
//! model.

use crate::distribution::{normal_two_sided_p, t_two_sided_p};
use serde::Serialize;

/// Inverse-variance weighted mean of `yi` with weights 1/(v_i + τ²).
///
/// # Formula
/// μ̂ = Σ w_i y_i / Σ w_i, SE(μ̂) = 1/√Σw_i, w_i = 1/(v_i + τ²) (τ² = 0 for the
/// fixed-effect model; Borenstein et al. 2009, ch. 11 and 12). Returns (μ̂, SE, Σw),
/// not numbers when `yi` and `vi` differ in length. μ̂ is formed as [`WeightedMean`]
/// forms it.
pub fn inverse_variance(yi: &[f64], vi: &[f64], tau2: f64) -> (f64, f64, f64) {
    if yi.len() != vi.len() {
        return (f64::NAN, f64::NAN, f64::NAN);
    }
    let m = WeightedMean::new(yi, vi, tau2);
    (m.mean(), 1.0 / m.sum_w.sqrt(), m.sum_w)
}

/// The weighted mean μ = Σ w_i y_i / Σ w_i, w_i = 1/(v_i + τ²), held as a reference
/// estimate and a shift: μ = y_r + δ with y_r the estimate of the study with the
/// largest weight and δ = Σ w_i (y_i − y_r) / Σ w_i.
///
/// Algebraically the plain weighted mean; numerically it stays exact where the plain
/// sums lose everything: when one weight dwarfs the others (a variance of 1e-300 beside
/// variances of 0.04, say), Σ w y rounds away the other studies and the rounding error
/// of μ, multiplied by the huge weight, swamps Q and the likelihood scores. Residuals
/// are formed as (y_i − y_r) − δ ([`WeightedMean::residual`]), so that the dominant
/// study's residual is −δ exactly rather than a rounding error of y_r.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WeightedMean {
    /// y_r, the estimate of the study with the largest weight.
    pub reference: f64,
    /// δ = Σ w_i (y_i − y_r) / Σ w_i.
    pub shift: f64,
    /// Σ w_i.
    pub sum_w: f64,
}

impl WeightedMean {
    /// The weighted mean of `yi` with weights 1/(v_i + τ²) (two passes, no allocation).
    pub fn new(yi: &[f64], vi: &[f64], tau2: f64) -> Self {
        // The smallest v_i + τ² is the smallest v_i, whatever τ².
        Self::with_reference(yi, vi, tau2, Self::reference_of(yi, vi).0)
    }

    /// The reference of [`WeightedMean::new`]: the estimate and variance of the study
    /// with the smallest variance (the largest weight for every τ²). Iterative
    /// estimators find it once and pass it to [`WeightedMean::with_reference`].
    pub fn reference_of(yi: &[f64], vi: &[f64]) -> (f64, f64) {
        let (mut reference, mut smallest) = (yi.first().copied().unwrap_or(0.0), f64::INFINITY);
        for (&y, &v) in yi.iter().zip(vi) {
            if v < smallest {
                smallest = v;
                reference = y;
            }
        }
        (reference, smallest)
    }

    /// The weighted mean about a known reference estimate (one pass, no allocation).
    pub fn with_reference(yi: &[f64], vi: &[f64], tau2: f64, reference: f64) -> Self {
        let (mut sw, mut swd) = (0.0, 0.0);
        for (&y, &v) in yi.iter().zip(vi) {
            let w = 1.0 / (v + tau2);
            sw += w;
            swd += w * (y - reference);
        }
        WeightedMean {
            reference,
            shift: swd / sw,
            sum_w: sw,
        }
    }

    /// μ = y_r + δ.
    pub fn mean(&self) -> f64 {
        self.reference + self.shift
    }

    /// The residual y − μ, formed as (y − y_r) − δ.
    pub fn residual(&self, y: f64) -> f64 {
        (y - self.reference) - self.shift
    }
}

/// Σw − Σw²/Σw with w_i = 1/(v_i + τ²): the trace of the projection matrix P of the
/// intercept-only model, which is the denominator of the DerSimonian-Laird estimator
/// (τ² = 0), the REML correction to the score, and (k − 1) divided by metafor's typical
/// within-study variance ṽ.
///
/// # Formula
/// Σw − Σw²/Σw = ((Σw)² − Σw²)/Σw = 2 Σ_{i<j} w_i w_j / Σw. The last form sums
/// positive terms only, so it does not cancel when one weight dominates (the first
/// form gives 0 or a negative number there), and it is computed with the weights
/// divided by the largest, so that it does not overflow for variances near 1e-300.
/// 0 for one study.
pub fn trace_p(vi: &[f64], tau2: f64) -> f64 {
    let smallest = vi.iter().map(|v| v + tau2).fold(f64::INFINITY, f64::min);
    let mut trace = TraceP::new(smallest);
    for &v in vi {
        trace.add(v + tau2);
    }
    trace.value()
}

/// The running sums of [`trace_p`], so that a loop over the studies that computes other
/// sums can form it in the same pass.
#[derive(Debug, Clone, Copy)]
pub struct TraceP {
    smallest: f64,
    su: f64,
    pairs: f64,
}

impl TraceP {
    /// Sums for weights scaled by the smallest v_i + τ².
    pub fn new(smallest: f64) -> Self {
        TraceP {
            smallest,
            su: 0.0,
            pairs: 0.0,
        }
    }

    /// Adds a study with v_i + τ² = `v_plus_tau2`.
    pub fn add(&mut self, v_plus_tau2: f64) {
        // u_i = w_i / max w, in (0, 1].
        self.add_scaled(self.smallest / v_plus_tau2);
    }

    /// Adds a study whose weight 1/(v_i + τ²) is `w` (saves a division in loops that
    /// have it already).
    pub fn add_weight(&mut self, w: f64) {
        self.add_scaled(self.smallest * w);
    }

    fn add_scaled(&mut self, u: f64) {
        self.pairs += u * self.su;
        self.su += u;
    }

    /// Σw − Σw²/Σw.
    pub fn value(&self) -> f64 {
        if self.pairs == 0.0 {
            return 0.0;
        }
        2.0 * (self.pairs / self.su) / self.smallest
    }
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
