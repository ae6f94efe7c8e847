//! Estimators of the between-study variance τ² in the random-effects model
//! y_i = μ + u_i + e_i, u_i ~ N(0, τ²), e_i ~ N(0, v_i).
//!
//! Every estimator works on slices in O(k) time per iteration and allocates nothing.
//! Notation: w_i = 1/v_i (fixed-effect weights), w_i(τ²) = 1/(v_i + τ²),
//! μ(τ²) = Σ w_i(τ²) y_i / Σ w_i(τ²), and the generalised Q statistic
//! Q(τ²) = Σ w_i(τ²) (y_i − μ(τ²))², which decreases in τ².
//!
//! | method | estimator | reference |
//! |---|---|---|
//! | DL | max(0, (Q − (k − 1)) / (Σw − Σw²/Σw)) | DerSimonian & Laird 1986 |
//! | HE | max(0, (Σ(y − ȳ)² − (1 − 1/k) Σv) / (k − 1)) | Hedges 1983 (metafor "HE") |
//! | HS | max(0, (Q − k) / Σw) | Hunter & Schmidt 2004 (metafor "HS") |
//! | SJ | τ₀² Σ w_i(τ₀²)(y − μ(τ₀²))² / (k − 1), τ₀² = Σ(y − ȳ)²/k | Sidik & Jonkman 2005 |
//! | PM | root of Q(τ²) = k − 1, 0 if Q(0) < k − 1 | Paule & Mandel 1982 |
//! | EB | identical to PM in the intercept-only model (Viechtbauer et al. 2015); an alias | Morris 1983 |
//! | ML | maximum of the log-likelihood on τ² ≥ 0 | Hardy & Thompson 1996 |
//! | REML | maximum of the restricted log-likelihood on τ² ≥ 0 | Viechtbauer 2005 |
//!
//! The DL, HE and HS moment estimators are truncated at zero as metafor does.
//!
//! ML and REML are the global maximum of the (restricted) likelihood on τ² ≥ 0, which
//! need not be unimodal: [`likelihood::global_maximum`] bounds the maximiser, scans the
//! score on a grid adapted to the variances and the spread of the estimates, refines
//! every local maximum it brackets by safeguarded Newton-Raphson and keeps the highest;
//! [`Convergence::local_maxima`] says how many it saw, and [`Convergence::maxima`] lists
//! them when there are several (a fit warns). The same engine serves meta-regression
//! and the regression tests. Every stopping rule is relative to τ², so that rescaling
//! the data (y → c y, v → c² v) rescales τ² by c².
//!
//! PM is solved by Newton's method on the convex decreasing Q(τ²) from τ² = 0, whose
//! iterates increase monotonically to the root (the same routine gives the Q-profile
//! confidence interval in [`crate::heterogeneity`]).
//!
//! # Numerics and degenerate cases
//! - Residuals y_i − μ(τ²) are formed about the estimate of the study with the largest
//!   weight ([`WeightedMean`]), Σw²r² as Σ(w r)², and Σw − Σw²/Σw (the DerSimonian-Laird
//!   denominator and the REML correction to the score) as 2 Σ_{i<j} w_i w_j / Σw
//!   ([`trace_p`]). Algebraically nothing changes; numerically the estimators stay exact
//!   when one variance is tiny beside the others (1e-300 beside 0.04: each estimator
//!   then gives its limit as that variance goes to 0, which metafor 3.8-1 gives at 1e-12
//!   but not at 1e-300), and the REML score no longer cancels for very large k (10^6
//!   studies used to need the fallback).
//! - One study: τ² = 0 for every estimator (as metafor).
//! - Identical estimates: Q(τ²) = 0, so τ² = 0 for every estimator.
//! - The boundary: DL, HE and HS are truncated at 0 (never −0); PM is 0 when Q(0) ≤ k − 1;
//!   ML and REML are 0 when 0 is the highest local maximum (a score ≤ 0 there makes 0 a
//!   local maximum, not necessarily the global one). metafor's scoring approaches a
//!   boundary maximum from the inside and stops at a small positive value (ML on two
//!   studies: 4.3e-12 with `threshold = 1e-10`); metapool reports the maximum, 0.
//! - ML or REML not converging (or an infinite or zero information): the score equation
//!   is solved in the bracket of the maximum and [`Convergence`] says so, where metafor
//!   stops with "Fisher scoring algorithm did not converge". The Newton iterations of PM
//!   fall back likewise.

use super::fixed::{trace_p, TraceP, WeightedMean};
use serde::Serialize;

pub mod likelihood;

/// A τ² estimator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[non_exhaustive]
pub enum Tau2Method {
    /// DerSimonian-Laird.
    DL,
    /// Restricted maximum likelihood.
    REML,
    /// Maximum likelihood.
    ML,
    /// Paule-Mandel.
    PM,
    /// Empirical Bayes (Morris); equal to PM without moderators.
    EB,
    /// Sidik-Jonkman.
    SJ,
    /// Hedges (the unweighted method of moments).
    HE,
    /// Hunter-Schmidt.
    HS,
}

// The names used by metafor.
crate::spelling::spellings!(Tau2Method, "tau2 estimator", {
    Tau2Method::DL => ["DL"],
    Tau2Method::REML => ["REML"],
    Tau2Method::ML => ["ML"],
    Tau2Method::PM => ["PM"],
    Tau2Method::EB => ["EB"],
    Tau2Method::SJ => ["SJ"],
    Tau2Method::HE => ["HE"],
    Tau2Method::HS => ["HS"],
});

impl Tau2Method {
    /// Every estimator.
    pub const ALL: [Tau2Method; 8] = [
        Tau2Method::DL,
        Tau2Method::REML,
        Tau2Method::ML,
        Tau2Method::PM,
        Tau2Method::EB,
        Tau2Method::SJ,
        Tau2Method::HE,
        Tau2Method::HS,
    ];
}

/// How an iterative estimator ended.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Convergence {
    /// Iterations used (0 for closed-form estimators).
    pub iterations: usize,
    /// True when the stopping rule was met (always true for closed forms).
    pub converged: bool,
    /// The fallback used when the primary algorithm did not converge.
    pub fallback: Option<String>,
    /// ML and REML: the number of local maxima of the likelihood on τ² ≥ 0 that the
    /// scan saw (the estimate is the highest); `None` for the other estimators.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub local_maxima: Option<usize>,
    /// Every local maximum seen, when there are more than one (empty otherwise).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub maxima: Vec<LocalMaximum>,
}

/// A local maximum of the (restricted) log-likelihood.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct LocalMaximum {
    /// Its τ².
    pub tau2: f64,
    /// The log-likelihood there (metafor's constants).
    pub log_likelihood: f64,
}

impl Convergence {
    /// No iteration: a closed-form estimate.
    pub(crate) fn closed_form() -> Self {
        Convergence {
            iterations: 0,
            converged: true,
            fallback: None,
            local_maxima: None,
            maxima: Vec::new(),
        }
    }

    /// The warning a fit prints when the likelihood has several local maxima, naming
    /// them; `None` with one.
    pub fn multiple_maxima_warning(&self) -> Option<String> {
        if self.maxima.len() < 2 {
            return None;
        }
        let listed: Vec<String> = self
            .maxima
            .iter()
            .map(|m| {
                format!(
                    "tau2 = {:.6e} (log-likelihood {:.6})",
                    m.tau2, m.log_likelihood
                )
            })
            .collect();
        Some(format!(
            "the likelihood has {} local maxima on tau2 >= 0: {}; the highest is reported",
            self.maxima.len(),
            listed.join(", ")
        ))
    }
}

/// A τ² estimate and how it was reached.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Tau2Estimate {
    /// The estimate (≥ 0).
    pub tau2: f64,
    /// Convergence report.
    pub convergence: Convergence,
}

impl Tau2Estimate {
    /// A closed-form estimate (or the boundary value 0), no iterations.
    pub(crate) fn closed_form(tau2: f64) -> Self {
        Tau2Estimate {
            tau2,
            convergence: Convergence::closed_form(),
        }
    }

    /// No estimate: `yi` and `vi` differ in length (not a number, with the reason).
    fn mismatched(k_yi: usize, k_vi: usize) -> Self {
        Tau2Estimate {
            tau2: f64::NAN,
            convergence: Convergence {
                converged: false,
                fallback: Some(format!("{k_yi} estimates but {k_vi} variances")),
                ..Convergence::closed_form()
            },
        }
    }

    /// The boundary maximum τ² = 0 of ML or REML, with the local maxima seen.
    fn boundary(local_maxima: usize) -> Self {
        Tau2Estimate {
            tau2: 0.0,
            convergence: Convergence {
                local_maxima: Some(local_maxima),
                ..Convergence::closed_form()
            },
        }
    }

    /// An iteration that converged in `iterations` steps.
    fn iterated(tau2: f64, iterations: usize) -> Self {
        Tau2Estimate {
            tau2,
            convergence: Convergence {
                iterations,
                ..Convergence::closed_form()
            },
        }
    }

    /// The result of [`bracketed_root`] after `iterations` steps of an iteration that
    /// did not converge, saying `why` the fallback was used.
    fn bracketed(
        (tau2, evaluations, converged): (f64, usize, bool),
        iterations: usize,
        why: String,
    ) -> Self {
        Tau2Estimate {
            tau2,
            convergence: Convergence {
                iterations: iterations + evaluations,
                converged,
                fallback: Some(why),
                ..Convergence::closed_form()
            },
        }
    }
}

const MAX_ITER: usize = 100;
/// A Newton step this small (relative) is the last one: quadratic convergence leaves an
/// error of order its square (1e-16) after it.
const NEWTON_LAST_STEP: f64 = 1e-8;

/// Weighted mean μ = Σ w y / Σ w with w_i = 1/(v_i + τ²), kept as a reference and a
/// shift so that residuals stay accurate (see [`WeightedMean`]).
fn weighted_mean(yi: &[f64], vi: &[f64], tau2: f64) -> WeightedMean {
    WeightedMean::new(yi, vi, tau2)
}

/// max(0, x) that never returns −0 (`f64::max` may, for x = −0).
fn truncate_at_zero(x: f64) -> f64 {
    if x > 0.0 {
        x
    } else {
        0.0
    }
}

/// The generalised Q statistic Q(τ²) = Σ w_i(τ²)(y_i − μ(τ²))² and its derivative
/// dQ/dτ² = −Σ w_i(τ²)² (y_i − μ(τ²))².
pub fn generalized_q(yi: &[f64], vi: &[f64], tau2: f64) -> (f64, f64) {
    generalized_q_about(yi, vi, tau2, WeightedMean::reference_of(yi, vi).0)
}

/// [`generalized_q`] with the reference estimate of [`WeightedMean`] found beforehand,
/// for iterations (two passes instead of three).
fn generalized_q_about(yi: &[f64], vi: &[f64], tau2: f64, reference: f64) -> (f64, f64) {
    let mean = WeightedMean::with_reference(yi, vi, tau2, reference);
    let (mut q, mut dq) = (0.0, 0.0);
    for (&y, &v) in yi.iter().zip(vi) {
        let w = 1.0 / (v + tau2);
        let r = mean.residual(y);
        q += w * r * r;
        dq -= (w * r) * (w * r);
    }
    (q, dq)
}

/// The τ² ≥ 0 at which Q(τ²) equals `target`, or 0 when Q(0) ≤ target (Q decreases in
/// τ²). Newton's method from 0 on 1/Q(τ²) − 1/target, which is close to linear in τ²
/// (exactly so when the v_i are equal, where Q = Σ(y_i − ȳ)²/(v + τ²)), so that far
/// roots (the upper Q-profile limit) take a few steps rather than the many of Newton on
/// Q itself, which is convex; Brent's method on a bracket as a safeguard.
pub fn solve_generalized_q(yi: &[f64], vi: &[f64], target: f64) -> Tau2Estimate {
    let reference = WeightedMean::reference_of(yi, vi).0;
    let (q0, _) = generalized_q_about(yi, vi, 0.0, reference);
    if q0.partial_cmp(&target) != Some(std::cmp::Ordering::Greater) {
        return Tau2Estimate::closed_form(0.0);
    }
    let mut tau2 = 0.0;
    for iteration in 1..=MAX_ITER {
        let (q, dq) = generalized_q_about(yi, vi, tau2, reference);
        // g = 1/Q − 1/target, g' = −Q'/Q²: the step −g/g' = Q (1 − Q/target) / Q'.
        let step = q * (1.0 - q / target) / dq;
        // An infinite slope (weights near 1e300 at τ² = 0) gives a step of 0 that is
        // no convergence, and a step below 0 leaves the domain (1/Q is concave when the
        // mean does not move much, so steps from 0 stay left of the root, but not
        // always): fall back to the bracket.
        if !step.is_finite() || !dq.is_finite() || tau2 + step < 0.0 {
            break;
        }
        tau2 += step;
        // Newton converges quadratically: after a step below NEWTON_LAST_STEP (relative)
        // the error is of order its square, far below TOL, and no check step is needed.
        if step.abs() <= NEWTON_LAST_STEP * tau2.max(1e-300) || q == target {
            return Tau2Estimate::iterated(tau2, iteration);
        }
    }
    // A start on the scale of the data: the last iterate, or the smallest variance.
    let start = if tau2 > 0.0 {
        tau2
    } else {
        WeightedMean::reference_of(yi, vi).1
    };
    Tau2Estimate::bracketed(
        bracketed_root(
            |t| generalized_q_about(yi, vi, t, reference).0 - target,
            0.0,
            start,
        ),
        MAX_ITER,
        "Newton's method did not converge; Brent's method on a bracket used".into(),
    )
}

/// Root of a function that is positive at `lo` and negative somewhere above: the upper
/// end, from `start` (> 0: a value on the scale of the data, so that the search is
/// scale-free), is doubled until the sign changes, then Brent's method (the `roots`
/// crate) to a relative tolerance of 1e-15. Returns the root (the midpoint of the last
/// bracket if Brent's method failed), the evaluations used and whether it converged.
pub(crate) fn bracketed_root(f: impl Fn(f64) -> f64, lo: f64, start: f64) -> (f64, usize, bool) {
    let (mut lo, mut hi) = (lo, start);
    let mut evaluations = 0;
    while f(hi) > 0.0 && hi < 1e300 {
        lo = hi;
        hi *= 2.0;
        evaluations += 1;
    }
    let mut convergency = RelativeConvergency { evaluations: 0 };
    let found = roots::find_root_brent(lo, hi, &f, &mut convergency);
    let converged = found.is_ok();
    (
        found.unwrap_or(0.5 * (lo + hi)),
        evaluations + convergency.evaluations,
        converged,
    )
}

/// Stops Brent's method when two iterates agree to 1e-15 relative, or |f| = 0.
struct RelativeConvergency {
    evaluations: usize,
}

impl roots::Convergency<f64> for RelativeConvergency {
    fn is_root_found(&mut self, y: f64) -> bool {
        self.evaluations += 1;
        y == 0.0
    }
    fn is_converged(&mut self, x1: f64, x2: f64) -> bool {
        (x1 - x2).abs() <= 1e-15 * x1.abs().max(x2.abs()).max(f64::MIN_POSITIVE)
    }
    fn is_iteration_limit_reached(&mut self, iter: usize) -> bool {
        iter >= 200
    }
}

/// DerSimonian-Laird from Cochran's Q about any centre: max(0, (Q − (k − 1)) / (Σw −
/// Σw²/Σw)), w_i = 1/v_i. RevMan 5 passes Q about the Mantel-Haenszel estimate.
/// The denominator is computed by [`trace_p`], which neither cancels nor overflows
/// when one variance is tiny beside the others.
pub fn dersimonian_laird(vi: &[f64], q: f64) -> f64 {
    let k = vi.len() as f64;
    truncate_at_zero((q - (k - 1.0)) / trace_p(vi, 0.0))
}

/// Cochran's Q with inverse-variance weights about `centre`: Σ (y_i − centre)² / v_i.
/// Not a number when `yi` and `vi` differ in length.
pub fn cochran_q(yi: &[f64], vi: &[f64], centre: f64) -> f64 {
    if yi.len() != vi.len() {
        return f64::NAN;
    }
    yi.iter()
        .zip(vi)
        .map(|(&y, &v)| (y - centre) * (y - centre) / v)
        .sum()
}

fn unweighted_mean_and_ss(yi: &[f64]) -> (f64, f64) {
    let k = yi.len() as f64;
    let mean = yi.iter().sum::<f64>() / k;
    (mean, yi.iter().map(|y| (y - mean) * (y - mean)).sum())
}

/// Hedges' estimator (metafor "HE").
pub fn hedges(yi: &[f64], vi: &[f64]) -> f64 {
    let k = yi.len() as f64;
    let (_, ss) = unweighted_mean_and_ss(yi);
    let sv: f64 = vi.iter().sum();
    truncate_at_zero((ss - (1.0 - 1.0 / k) * sv) / (k - 1.0))
}

/// Hunter-Schmidt estimator (metafor "HS").
pub fn hunter_schmidt(yi: &[f64], vi: &[f64]) -> f64 {
    let k = yi.len() as f64;
    let sw = weighted_mean(yi, vi, 0.0).sum_w;
    truncate_at_zero((generalized_q(yi, vi, 0.0).0 - k) / sw)
}

/// Sidik-Jonkman estimator with the start τ₀² = Σ(y − ȳ)²/k.
pub fn sidik_jonkman(yi: &[f64], vi: &[f64]) -> f64 {
    let k = yi.len() as f64;
    let (_, ss) = unweighted_mean_and_ss(yi);
    let tau2_0 = ss / k;
    if tau2_0 == 0.0 {
        return 0.0;
    }
    let (q, _) = generalized_q(yi, vi, tau2_0);
    tau2_0 * q / (k - 1.0)
}

/// Score, expected information and observed information of the (restricted)
/// log-likelihood in τ², with μ profiled out, each multiplied by s = v_min + τ²
/// ([`likelihood::Derivatives`]).
///
/// ML: U = ½[Σw²r² − Σw], I = ½Σw², J = Σw³r² − ½Σw² − (Σw²r)²/Σw. REML adds the terms
/// of the restricted likelihood: U += ½Σw²/Σw, I = ½[Σw² − 2Σw³/Σw + (Σw²/Σw)²],
/// J += Σw³/Σw − ½(Σw²/Σw)²; r_i = y_i − μ(τ²), w_i = 1/(v_i + τ²) (J is −d²ℓ/dτ²,
/// differentiating μ(τ²) too).
///
/// The sums are formed in u_i = s w_i ∈ (0, 1] and ρ_i = r_i/√s, so that s U =
/// ½[Σu²ρ² − Σu] and s I = ½Σu²/s: no power of a weight underflows or overflows at any
/// scale of the data (variances from 1e-300 to 1e300; Σw² itself underflows for
/// variances above 1e154). The REML score takes tr P from [`TraceP`] (no cancelling
/// when one weight dominates) and Σu²ρ² as Σ(u ρ)².
fn score_information(
    yi: &[f64],
    vi: &[f64],
    tau2: f64,
    reml: bool,
    reference: (f64, f64),
) -> (f64, f64, f64) {
    let mean = WeightedMean::with_reference(yi, vi, tau2, reference.0);
    let s = reference.1 + tau2;
    let root_s = s.sqrt();
    let mut trace = TraceP::new(1.0);
    let (mut su, mut su2, mut su3, mut su2r2, mut su3r2, mut su2r) = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
    for (&y, &v) in yi.iter().zip(vi) {
        let u = s / (v + tau2);
        trace.add_weight(u);
        let u2 = u * u;
        let rho = mean.residual(y) / root_s;
        let ur = u * rho;
        su += u;
        su2 += u2;
        su3 += u2 * u;
        su2r2 += ur * ur;
        su3r2 += ur * ur * u;
        su2r += ur * u;
    }
    let observed_ml = (su3r2 - 0.5 * su2 - su2r * su2r / su) / s;
    if reml {
        (
            0.5 * (su2r2 - trace.value()),
            0.5 * (su2 - 2.0 * su3 / su + (su2 / su) * (su2 / su)) / s,
            observed_ml + (su3 / su - 0.5 * (su2 / su) * (su2 / su)) / s,
        )
    } else {
        (0.5 * (su2r2 - su), 0.5 * su2 / s, observed_ml)
    }
}

/// ML (`reml = false`) or REML (`reml = true`): the global maximum of the likelihood
/// on τ² ≥ 0 ([`likelihood::global_maximum`]); see the module docs.
pub fn likelihood(yi: &[f64], vi: &[f64], reml: bool) -> Tau2Estimate {
    likelihood_with(yi, vi, reml, likelihood::MAX_REFINE)
}

/// [`likelihood()`] with a chosen number of Newton steps per bracket before Brent's
/// method takes over.
pub fn likelihood_with(yi: &[f64], vi: &[f64], reml: bool, max_refine: usize) -> Tau2Estimate {
    if yi.len() != vi.len() {
        return Tau2Estimate::mismatched(yi.len(), vi.len());
    }
    if yi.len() < 2 {
        return Tau2Estimate::closed_form(0.0);
    }
    likelihood::global_maximum(&likelihood::InterceptOnly::new(yi, vi, reml), max_refine)
}

/// τ² by `method`. `q_fixed` is Cochran's Q about the fixed-effect estimate in use,
/// which the DerSimonian-Laird estimator takes (IV-centred in metafor, MH-centred in
/// RevMan 5 when Mantel-Haenszel is the fixed method).
///
/// Needs k ≥ 2; with k = 1 τ² is 0 by definition (as metafor). Lengths that differ
/// give τ² not a number, with the reason in [`Convergence::fallback`].
pub fn estimate(method: Tau2Method, yi: &[f64], vi: &[f64], q_fixed: f64) -> Tau2Estimate {
    if yi.len() != vi.len() {
        return Tau2Estimate::mismatched(yi.len(), vi.len());
    }
    if yi.len() < 2 {
        return Tau2Estimate::closed_form(0.0);
    }
    let closed = Tau2Estimate::closed_form;
    match method {
        Tau2Method::DL => closed(dersimonian_laird(vi, q_fixed)),
        Tau2Method::HE => closed(hedges(yi, vi)),
        Tau2Method::HS => closed(hunter_schmidt(yi, vi)),
        Tau2Method::SJ => closed(sidik_jonkman(yi, vi)),
        Tau2Method::PM | Tau2Method::EB => solve_generalized_q(yi, vi, yi.len() as f64 - 1.0),
        Tau2Method::ML | Tau2Method::REML => likelihood(yi, vi, method == Tau2Method::REML),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// dat.bcg log risk ratios (metafor `escalc(measure = "RR")`), read from
    /// tests/golden/inputs/bcg_yi_vi.csv.
    fn bcg() -> (Vec<f64>, Vec<f64>) {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/golden/inputs/bcg_yi_vi.csv"
        );
        let table = crate::data::read_csv_path(path).expect("bcg");
        match table.data {
            crate::data::StudyData::GenericVariance { yi, vi } => (yi, vi),
            _ => panic!("yi, vi expected"),
        }
    }

    /// REML τ² of metafor 3.8-1 for dat.bcg, RR (tests/golden/rma.csv, bcg RR rma REML).
    #[allow(clippy::excessive_precision)] // the digits as R printed them
    const REML_METAFOR: f64 = 0.31324325813679349;

    #[test]
    fn reml_by_fisher_scoring_matches_metafor_on_bcg() {
        let (yi, vi) = bcg();
        let est = likelihood(&yi, &vi, true);
        assert!(
            (est.tau2 - REML_METAFOR).abs() < 1e-8 * REML_METAFOR,
            "{}",
            est.tau2
        );
        assert!(est.convergence.converged && est.convergence.fallback.is_none());
        assert!(est.convergence.iterations < 20);
    }

    #[test]
    fn reml_fallback_by_brent_reports_itself_and_agrees() {
        let (yi, vi) = bcg();
        let est = likelihood_with(&yi, &vi, true, 1);
        assert!(est.convergence.fallback.is_some());
        assert!(
            (est.tau2 - REML_METAFOR).abs() < 1e-8 * REML_METAFOR,
            "{}",
            est.tau2
        );
    }
}
