//! Sensitivity analyses: leave-one-out, cumulative meta-analysis and influence
//! diagnostics, as metafor's `leave1out()`, `cumul()` and `influence()` report them for
//! an intercept-only model.
//!
//! Every refit uses the options of the full analysis (same τ² estimator and interval
//! method), on the inverse-variance path ([`fit_slices`]), without the Q-profile
//! intervals of τ², I² and H² (no refit reports them; they cost more than the fit).
//!
//! # Complexity
//! A refit of n studies is one [`fit_slices`]: O(n), a few passes over the studies for
//! a closed-form τ² estimator, a few tens for REML, ML, PM and EB (the scan of the
//! likelihood or of the generalised Q and the iterations in its bracket). So
//! - [`leave_one_out`]: k refits of k − 1 studies, O(k) each, O(k²) in all;
//! - [`cumulative`]: refits of 1, 2, …, k studies, O(k²/2) in all;
//! - [`influence`]: the leave-one-out refits and one fit of all studies, then O(1) per
//!   study;
//! - [`sensitivity`]: the three at once, sharing the leave-one-out refits (2k + 1
//!   fits), in parallel on every core.
//!
//! At k = 3 × 10⁴ with REML that is about 9 × 10⁸ study visits times the passes of a
//! fit: tens of seconds. Leave-one-out sums by subtraction (Σw − w_i and the like) would
//! make a closed-form refit O(1) but lose the digits of Q to cancellation when one
//! study dominates, and REML still iterates over all the other studies; every refit is
//! therefore a full fit.
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
use crate::model::fixed::Flat;
use crate::model::{fit_slices, Convergence, PoolOptions, PooledEstimate, SliceFit};
use rayon::prelude::*;
use serde::Serialize;

/// One refit's summary (a row of `leave1out()` or `cumul()`).
#[derive(Debug, Clone, PartialEq)]
pub struct Refit {
    /// The study left out (leave-one-out) or the last study added (cumulative), as an
    /// index into the input.
    pub study: usize,
    /// The pooled estimate in use (random effects when fitted, else fixed) with its
    /// interval and test.
    pub pooled: PooledEstimate,
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
    /// What the τ² estimator of this refit warned about (its fallback, several local
    /// maxima of the likelihood); empty for most refits.
    pub warnings: Vec<String>,
    /// How this refit's τ² was reached (`None`, and absent from JSON, without a
    /// random-effects model).
    pub convergence: Option<Convergence>,
}

impl Serialize for Refit {
    /// `{"study", "estimate", "se", "statistic", "p_value", "ci_lower", "ci_upper", "q",
    /// "q_p_value", "tau2", "i2", "h2", "warnings", "convergence"}`, flat as the JSON
    /// output always had it ([`Flat::TestFirst`]); no `convergence` without a
    /// random-effects model.
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let study = |m: &mut S::SerializeMap| m.serialize_entry("study", &self.study);
        let heterogeneity = |m: &mut S::SerializeMap| {
            for (key, x) in [
                ("q", self.q),
                ("q_p_value", self.q_p_value),
                ("tau2", self.tau2),
                ("i2", self.i2),
                ("h2", self.h2),
            ] {
                m.serialize_entry(key, &x)?;
            }
            m.serialize_entry("warnings", &self.warnings)?;
            match &self.convergence {
                Some(c) => m.serialize_entry("convergence", c),
                None => Ok(()),
            }
        };
        self.pooled
            .serialize_within(s, Flat::TestFirst, study, heterogeneity)
    }
}

/// The options of the refits: those of the analysis without the heterogeneity
/// intervals, which no refit reports.
fn refit_options(options: &PoolOptions) -> PoolOptions {
    PoolOptions {
        heterogeneity_ci: false,
        ..*options
    }
}

fn refit(study: usize, fit: &SliceFit) -> Refit {
    let h = &fit.heterogeneity;
    // The random-effects estimate with a τ² estimator, the fixed-effect one without.
    let (p, i2) = match &fit.random {
        Some(r) => (&r.pooled, h.i2_tau2),
        None => (&fit.fixed.pooled, h.i2_q),
    };
    Refit {
        study,
        pooled: p.clone(),
        q: h.q,
        q_p_value: h.p_value,
        tau2: h.tau2,
        i2,
        h2: h.h2,
        warnings: fit
            .random
            .as_ref()
            .map(|r| r.convergence_warnings())
            .unwrap_or_default(),
        convergence: fit.random.as_ref().map(|r| r.convergence.clone()),
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

/// Fits the studies but `i`, for each i (metafor's `leave1out()`): k refits of k − 1
/// studies, O(k) each (see the module documentation), in parallel.
///
/// # Errors
/// [`Error::Degenerate`] with fewer than two studies; as [`fit_slices`] for the fit of
/// all studies (so that an error names a study of the input, not of a refit).
pub fn leave_one_out(yi: &[f64], vi: &[f64], options: &PoolOptions) -> Result<Vec<Refit>> {
    check(yi, vi, 2)?;
    fit_slices(yi, vi, &refit_options(options))?;
    leave_one_out_refits(yi, vi, options, &|| {})
}

/// The leave-one-out refits, `progress` called after each; the fit of all studies has
/// been checked.
fn leave_one_out_refits(
    yi: &[f64],
    vi: &[f64],
    options: &PoolOptions,
    progress: &(dyn Fn() + Sync),
) -> Result<Vec<Refit>> {
    let k = yi.len();
    let options = refit_options(options);
    let refits: Vec<Result<Refit>> = (0..k)
        .into_par_iter()
        .map_init(
            || (Vec::with_capacity(k - 1), Vec::with_capacity(k - 1)),
            |(y, v), i| {
                y.clear();
                v.clear();
                y.extend_from_slice(&yi[..i]);
                y.extend_from_slice(&yi[i + 1..]);
                v.extend_from_slice(&vi[..i]);
                v.extend_from_slice(&vi[i + 1..]);
                let r = fit_slices(y, v, &options).map(|fit| refit(i, &fit));
                progress();
                r
            },
        )
        .collect();
    refits.into_iter().collect()
}

/// Fits the first 1, 2, …, k studies in `order` (indices into the input; metafor's
/// `cumul()`, whose default order is the input order): refits of 1 to k studies,
/// O(k²/2) in all, in parallel.
///
/// # Errors
/// [`Error::InvalidArgument`] when `order` is not a permutation of the studies; as
/// [`fit_slices`] for the fit of all studies.
pub fn cumulative(
    yi: &[f64],
    vi: &[f64],
    order: &[usize],
    options: &PoolOptions,
) -> Result<Vec<Refit>> {
    check(yi, vi, 1)?;
    check_order(yi.len(), order)?;
    fit_slices(yi, vi, &refit_options(options))?;
    cumulative_refits(yi, vi, order, options, &|| {})
}

fn check_order(k: usize, order: &[usize]) -> Result<()> {
    let mut seen = vec![false; k];
    if order.len() != k
        || order
            .iter()
            .any(|&i| i >= k || std::mem::replace(&mut seen[i], true))
    {
        return Err(Error::InvalidArgument(
            "the order must list every study once".into(),
        ));
    }
    Ok(())
}

/// The cumulative refits, `progress` called after each; the order and the fit of all
/// studies have been checked.
fn cumulative_refits(
    yi: &[f64],
    vi: &[f64],
    order: &[usize],
    options: &PoolOptions,
    progress: &(dyn Fn() + Sync),
) -> Result<Vec<Refit>> {
    let options = refit_options(options);
    let y: Vec<f64> = order.iter().map(|&i| yi[i]).collect();
    let v: Vec<f64> = order.iter().map(|&i| vi[i]).collect();
    let refits: Vec<Result<Refit>> = (1..=y.len())
        .into_par_iter()
        .map(|n| {
            let r = fit_slices(&y[..n], &v[..n], &options).map(|fit| refit(order[n - 1], &fit));
            progress();
            r
        })
        .collect();
    refits.into_iter().collect()
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

/// Influence diagnostics of every study; see the module documentation. Makes the
/// leave-one-out refits (O(k²) in all); [`sensitivity`] shares them with
/// [`leave_one_out`].
///
/// # Errors
/// As [`leave_one_out`].
pub fn influence(yi: &[f64], vi: &[f64], options: &PoolOptions) -> Result<Vec<Influence>> {
    check(yi, vi, 2)?;
    let full = refit(usize::MAX, &fit_slices(yi, vi, &refit_options(options))?);
    let deleted = leave_one_out_refits(yi, vi, options, &|| {})?;
    Ok(influence_of(yi, vi, &full, &deleted))
}

/// The diagnostics from the fit of all studies and the leave-one-out refits, O(k).
fn influence_of(yi: &[f64], vi: &[f64], full: &Refit, deleted: &[Refit]) -> Vec<Influence> {
    let sum_w: f64 = vi.iter().map(|v| 1.0 / (v + full.tau2)).sum();
    deleted
        .iter()
        .map(|d| {
            let i = d.study;
            let hat = 1.0 / (vi[i] + full.tau2) / sum_w;
            Influence {
                study: i,
                rstudent: (yi[i] - d.pooled.estimate)
                    / (vi[i] + d.tau2 + d.pooled.se * d.pooled.se).sqrt(),
                dffits: (full.pooled.estimate - d.pooled.estimate)
                    / (hat * (d.tau2 + vi[i])).sqrt(),
                cook_d: (full.pooled.estimate - d.pooled.estimate).powi(2)
                    / (full.pooled.se * full.pooled.se),
                cov_r: (d.pooled.se * d.pooled.se) / (full.pooled.se * full.pooled.se),
                tau2_del: d.tau2,
                q_del: d.q,
                hat,
                weight: 100.0 * hat,
            }
        })
        .collect()
}

/// Every sensitivity analysis of one meta-analysis (`metapool sensitivity`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sensitivity {
    /// [`leave_one_out`], in input order.
    pub leave_one_out: Vec<Refit>,
    /// [`cumulative`], in the order given.
    pub cumulative: Vec<Refit>,
    /// [`influence`], in input order.
    pub influence: Vec<Influence>,
}

impl Sensitivity {
    /// The number of fits [`sensitivity`] makes for k studies (the unit of its
    /// `progress`): k leave-one-out and k cumulative refits and the fit of all studies.
    pub fn fits(k: usize) -> usize {
        2 * k + 1
    }
}

/// Leave-one-out, cumulative (in `order`) and influence analyses at once, the
/// leave-one-out refits serving the influence diagnostics: [`Sensitivity::fits`] fits,
/// O(k²) in all, in parallel; `progress` is called after each fit (from any thread).
///
/// # Errors
/// As [`leave_one_out`] and [`cumulative`].
pub fn sensitivity(
    yi: &[f64],
    vi: &[f64],
    order: &[usize],
    options: &PoolOptions,
    progress: &(dyn Fn() + Sync),
) -> Result<Sensitivity> {
    check(yi, vi, 2)?;
    check_order(yi.len(), order)?;
    let full = refit(usize::MAX, &fit_slices(yi, vi, &refit_options(options))?);
    progress();
    let leave_one_out = leave_one_out_refits(yi, vi, options, progress)?;
    let cumulative = cumulative_refits(yi, vi, order, options, progress)?;
    let influence = influence_of(yi, vi, &full, &leave_one_out);
    Ok(Sensitivity {
        leave_one_out,
        cumulative,
        influence,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// [`sensitivity`] gives what the three functions give (the leave-one-out refits
    /// shared with the influence diagnostics), and reports every fit to its progress.
    #[test]
    fn sensitivity_is_the_three_analyses_at_once() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/golden/inputs/bcg_yi_vi.csv"
        );
        let table = crate::data::read_csv_path(path).expect("bcg");
        let crate::data::StudyData::GenericVariance { yi, vi } = &table.data else {
            panic!("yi, vi")
        };
        let options = PoolOptions::default();
        let order: Vec<usize> = (0..yi.len()).rev().collect();
        let fits = AtomicUsize::new(0);
        let all = sensitivity(yi, vi, &order, &options, &|| {
            fits.fetch_add(1, Ordering::Relaxed);
        })
        .expect("sensitivity");
        assert_eq!(fits.into_inner(), Sensitivity::fits(yi.len()));
        assert_eq!(
            all.leave_one_out,
            leave_one_out(yi, vi, &options).expect("l1o")
        );
        assert_eq!(
            all.cumulative,
            cumulative(yi, vi, &order, &options).expect("cumulative")
        );
        assert_eq!(
            all.influence,
            influence(yi, vi, &options).expect("influence")
        );
    }
}
