//! Sensitivity analyses: leave-one-out, cumulative meta-analysis and influence
//! diagnostics, as metafor's `leave1out()`, `cumul()` and `influence()` report them for
//! an intercept-only model.
//!
//! Every refit uses the options of the full analysis (same τ² estimator and interval
//! method), on the inverse-variance path ([`fit_slices`]).
//!
//! # Influence diagnostics (Viechtbauer & Cheung 2010)
//! With μ̂, SE and τ̂² from all studies, and μ̂₍₋ᵢ₎, SE₍₋ᵢ₎, τ̂²₍₋ᵢ₎, Q₍₋ᵢ₎ without study i,
//! w_i = 1/(v_i + τ̂²):
//! - hat value h_i = w_i/Σw, weight = 100 h_i;
//! - studentized deleted residual (y_i − μ̂₍₋ᵢ₎)/√(v_i + τ̂²₍₋ᵢ₎ + SE₍₋ᵢ₎²);
//! - DFFITS (μ̂ − μ̂₍₋ᵢ₎)/√(h_i (τ̂²₍₋ᵢ₎ + v_i));
//! - Cook's distance (μ̂ − μ̂₍₋ᵢ₎)²/SE²;
//! - covariance ratio SE₍₋ᵢ₎²/SE²;
//! - τ̂²₍₋ᵢ₎ and Q₍₋ᵢ₎.

use crate::error::{Error, Result};
use crate::model::{fit_slices, PoolOptions, SliceFit};
use serde::Serialize;

/// One refit's summary (a row of `leave1out()` or `cumul()`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Refit {
    /// The study left out (leave-one-out) or the last study added (cumulative), as an
    /// index into the input.
    pub study: usize,
    /// Pooled estimate (random effects when fitted, else fixed).
    pub estimate: f64,
    /// Its standard error.
    pub se: f64,
    /// Test statistic.
    pub statistic: f64,
    /// Two-sided p-value.
    pub p_value: f64,
    /// Lower confidence limit.
    pub ci_lower: f64,
    /// Upper confidence limit.
    pub ci_upper: f64,
    /// Cochran's Q.
    pub q: f64,
    /// Its p-value.
    pub q_p_value: f64,
    /// τ² (0 without a random-effects model).
    pub tau2: f64,
    /// I² (%): from τ² with a random-effects model, from Q without.
    pub i2: f64,
    /// H².
    pub h2: f64,
}

fn refit(study: usize, fit: &SliceFit) -> Refit {
    let h = &fit.heterogeneity;
    // The random-effects estimate with a τ² estimator, the fixed-effect one without.
    let (p, i2) = match &fit.random {
        Some(r) => (&r.pooled, h.i2_tau2),
        None => (&fit.fixed, h.i2_q),
    };
    Refit {
        study,
        estimate: p.estimate,
        se: p.se,
        statistic: p.statistic,
        p_value: p.p_value,
        ci_lower: p.ci_lower,
        ci_upper: p.ci_upper,
        q: h.q,
        q_p_value: h.p_value,
        tau2: h.tau2,
        i2,
        h2: h.h2,
    }
}

fn check(yi: &[f64], vi: &[f64], at_least: usize) -> Result<()> {
    if yi.len() != vi.len() {
        return Err(Error::InvalidArgument(format!(
            "{} estimates and {} variances",
            yi.len(),
            vi.len()
        )));
    }
    if yi.len() < at_least {
        return Err(Error::Degenerate(format!(
            "{} studies; this analysis needs at least {at_least}",
            yi.len()
        )));
    }
    Ok(())
}

/// Fits the studies but `i`, for each i (metafor's `leave1out()`). The refits share one
/// buffer.
///
/// # Errors
/// [`Error::Degenerate`] with fewer than two studies; as [`fit_slices`].
pub fn leave_one_out(yi: &[f64], vi: &[f64], options: &PoolOptions) -> Result<Vec<Refit>> {
    check(yi, vi, 2)?;
    let k = yi.len();
    let (mut y, mut v) = (Vec::with_capacity(k - 1), Vec::with_capacity(k - 1));
    (0..k)
        .map(|i| {
            y.clear();
            v.clear();
            for j in (0..k).filter(|&j| j != i) {
                y.push(yi[j]);
                v.push(vi[j]);
            }
            Ok(refit(i, &fit_slices(&y, &v, options)?))
        })
        .collect()
}

/// Fits the first 1, 2, …, k studies in `order` (indices into the input; metafor's
/// `cumul()`, whose default order is the input order).
///
/// # Errors
/// [`Error::InvalidArgument`] when `order` is not a permutation of the studies; as
/// [`fit_slices`].
pub fn cumulative(
    yi: &[f64],
    vi: &[f64],
    order: &[usize],
    options: &PoolOptions,
) -> Result<Vec<Refit>> {
    check(yi, vi, 1)?;
    let mut seen = vec![false; yi.len()];
    if order.len() != yi.len()
        || order
            .iter()
            .any(|&i| i >= yi.len() || std::mem::replace(&mut seen[i], true))
    {
        return Err(Error::InvalidArgument(
            "the order must list every study once".into(),
        ));
    }
    let y: Vec<f64> = order.iter().map(|&i| yi[i]).collect();
    let v: Vec<f64> = order.iter().map(|&i| vi[i]).collect();
    (1..=y.len())
        .map(|n| Ok(refit(order[n - 1], &fit_slices(&y[..n], &v[..n], options)?)))
        .collect()
}

/// Influence diagnostics of one study (a row of metafor's `influence()`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Influence {
    /// The study (index into the input).
    pub study: usize,
    /// Studentized deleted residual.
    pub rstudent: f64,
    /// DFFITS.
    pub dffits: f64,
    /// Cook's distance.
    pub cook_d: f64,
    /// Covariance ratio.
    pub cov_r: f64,
    /// τ² without the study.
    pub tau2_del: f64,
    /// Q without the study.
    pub q_del: f64,
    /// Hat value.
    pub hat: f64,
    /// Weight (%).
    pub weight: f64,
}

/// Influence diagnostics of every study; see the module documentation.
///
/// # Errors
/// As [`leave_one_out`].
pub fn influence(yi: &[f64], vi: &[f64], options: &PoolOptions) -> Result<Vec<Influence>> {
    let full = refit(usize::MAX, &fit_slices(yi, vi, options)?);
    let deleted = leave_one_out(yi, vi, options)?;
    let sum_w: f64 = vi.iter().map(|v| 1.0 / (v + full.tau2)).sum();
    Ok(deleted
        .iter()
        .map(|d| {
            let i = d.study;
            let hat = 1.0 / (vi[i] + full.tau2) / sum_w;
            Influence {
                study: i,
                rstudent: (yi[i] - d.estimate) / (vi[i] + d.tau2 + d.se * d.se).sqrt(),
                dffits: (full.estimate - d.estimate) / (hat * (d.tau2 + vi[i])).sqrt(),
                cook_d: (full.estimate - d.estimate).powi(2) / (full.se * full.se),
                cov_r: (d.se * d.se) / (full.se * full.se),
                tau2_del: d.tau2,
                q_del: d.q,
                hat,
                weight: 100.0 * hat,
            }
        })
        .collect())
}
