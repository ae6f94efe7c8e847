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
//! | EB | identical to PM (Viechtbauer et al. 2015; with moderators too, the fixed point of Morris's iteration being the root of Q_E(τ²) = k − p); an alias | Morris 1983 |
//! | ML | maximum of the log-likelihood on τ² ≥ 0 | Hardy & Thompson 1996 |
//! | REML | maximum of the restricted log-likelihood on τ² ≥ 0 | Viechtbauer 2005 |
//!
//! The DL, HE and HS moment estimators are truncated at zero as metafor does.
//!
//! # One engine
//! Each estimator is written once, [`estimate_model`], in terms of what a weighted
//! least-squares fit of the model y = Xβ + u + e gives at a τ² ([`Tau2Model`]: the
//! residual Q_E(τ²) and its slope, tr P(τ²), the ordinary least-squares fit, the maximum
//! of the likelihood); the table above is its intercept-only form, in which
//! Q_E(τ²) = Q(τ²). Three models implement it: the intercept-only model of pooling
//! ([`likelihood::InterceptOnly`], on slices, no allocation), the one-moderator model of
//! the regression tests of small-study effects (`crate::analysis::bias`, closed forms)
//! and meta-regression on a design matrix (`crate::analysis::regression`).
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
//! PM is solved by Newton's method on 1/Q(τ²) from τ² = 0 ([`solve_residual_q`], with
//! Brent's method on a bracket as a safeguard: [`crate::weighted::decreasing_root`],
//! the routine that also gives the Q-profile confidence interval in
//! [`crate::heterogeneity`]).
//!
//! Every estimate says why it stopped ([`Termination`] in [`Convergence`]): converged,
//! at the boundary τ² = 0, by the bracketing fallback, at the iteration limit, or not
//! evaluated; the warnings are derived from it.
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
//!   is solved in the bracket of the maximum and [`Convergence`] says so
//!   ([`Termination::BracketingFallback`]), where metafor
//!   stops with "Fisher scoring algorithm did not converge". The Newton iterations of PM
//!   fall back likewise.

use crate::error::{Error, Result};
use crate::weighted::{
    decreasing_root, generalized_q_about, trace_p, RootPath, TraceP, WeightedMean,
};
use serde::Serialize;

pub mod likelihood;

/// A τ² estimator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
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
    /// The τ² of a model named as the command line (`--tau2`) and the claims registry
    /// (`tau2=`) name it: `none` or `FE` (the fixed-effect model, τ² = 0; the JSON of
    /// `regress` names it `FE`) is `None`, an estimator's name (any case) is that
    /// estimator. The one parser of a model's τ².
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for any other text.
    pub fn parse_model(s: &str) -> Result<Option<Tau2Method>> {
        let trimmed = s.trim();
        if trimmed.eq_ignore_ascii_case("none") || trimmed.eq_ignore_ascii_case("fe") {
            Ok(None)
        } else {
            trimmed.parse().map(Some).map_err(|_| {
                Error::InvalidArgument(format!(
                    "unknown tau2 estimator '{trimmed}': expected none (or FE, the \
                     fixed-effect model), {}",
                    crate::spelling::names::<Tau2Method>()
                ))
            })
        }
    }

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

/// Why the estimation of τ² stopped (as argmin's `TerminationReason`, for the
/// estimators of this module).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Termination {
    /// The stopping rule was met: a closed form at once, an iteration by its relative
    /// tolerance, or a likelihood maximum inside (0, ∞).
    Converged,
    /// The estimate is the boundary value τ² = 0: a moment estimator truncated there,
    /// Q_E(0) at most the target of Paule-Mandel, the highest maximum of the likelihood
    /// at 0, or no residual degree of freedom (one study).
    Boundary,
    /// The primary iteration did not converge; the root was found by Brent's method on a
    /// bracket.
    BracketingFallback(Primary),
    /// Neither the primary iteration nor Brent's method converged within their
    /// iteration limits; the midpoint of the last bracket is the estimate.
    IterationLimit(Primary),
    /// No estimate (τ² not a number): the model could not be evaluated, for the reason
    /// given.
    NotEvaluated(String),
}

/// The iteration that Brent's method took over from ([`Termination`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Primary {
    /// Newton's method on 1/Q_E(τ²) (Paule-Mandel and empirical Bayes).
    Newton,
    /// Safeguarded Newton-Raphson in the bracket of a maximum of the likelihood (ML and
    /// REML), for `steps` steps.
    NewtonRaphson {
        /// The steps made.
        steps: usize,
    },
}

impl Termination {
    /// The name in JSON (`"converged"`, `"boundary"`, `"bracketing_fallback"`,
    /// `"iteration_limit"`, `"not_evaluated"`).
    pub fn name(&self) -> &'static str {
        match self {
            Termination::Converged => "converged",
            Termination::Boundary => "boundary",
            Termination::BracketingFallback(_) => "bracketing_fallback",
            Termination::IterationLimit(_) => "iteration_limit",
            Termination::NotEvaluated(_) => "not_evaluated",
        }
    }

    /// True when the estimate met a stopping rule (Brent's method's, after a fallback).
    pub fn converged(&self) -> bool {
        matches!(
            self,
            Termination::Converged | Termination::Boundary | Termination::BracketingFallback(_)
        )
    }

    /// The warning text of a fallback or a failure; `None` when the primary iteration
    /// converged (or a closed form was used).
    pub fn fallback(&self) -> Option<String> {
        match self {
            Termination::Converged | Termination::Boundary => None,
            Termination::BracketingFallback(primary) | Termination::IterationLimit(primary) => {
                Some(match primary {
                    Primary::Newton => {
                        "Newton's method did not converge; Brent's method on a bracket used"
                            .to_string()
                    }
                    Primary::NewtonRaphson { steps } => format!(
                        "Newton-Raphson did not converge in {steps} steps; the score equation \
                         was solved by Brent's method in the bracket of the maximum"
                    ),
                })
            }
            Termination::NotEvaluated(reason) => Some(reason.clone()),
        }
    }
}

/// How an estimator of τ² ended.
///
/// In JSON: `iterations`, `converged` and `fallback` ([`Convergence::converged`],
/// [`Convergence::fallback`]), `local_maxima` and `maxima` when there are any, and
/// `termination` ([`Termination::name`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Convergence {
    /// Iterations used (0 for closed-form estimators).
    pub iterations: usize,
    /// Why it stopped.
    pub termination: Termination,
    /// ML and REML: the number of local maxima of the likelihood on τ² ≥ 0 that the
    /// scan saw (the estimate is the highest); `None` for the other estimators.
    pub local_maxima: Option<usize>,
    /// Every local maximum seen, when there are more than one (empty otherwise).
    pub maxima: Vec<LocalMaximum>,
}

impl Serialize for Convergence {
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let fields =
            4 + usize::from(self.local_maxima.is_some()) + usize::from(!self.maxima.is_empty());
        let mut s = serializer.serialize_struct("Convergence", fields)?;
        s.serialize_field("iterations", &self.iterations)?;
        s.serialize_field("converged", &self.converged())?;
        s.serialize_field("fallback", &self.fallback())?;
        if let Some(local_maxima) = self.local_maxima {
            s.serialize_field("local_maxima", &local_maxima)?;
        }
        if !self.maxima.is_empty() {
            s.serialize_field("maxima", &self.maxima)?;
        }
        s.serialize_field("termination", self.termination.name())?;
        s.end()
    }
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
    /// Stopped for `termination` after `iterations`, no likelihood scan.
    pub(crate) fn new(termination: Termination, iterations: usize) -> Self {
        Convergence {
            iterations,
            termination,
            local_maxima: None,
            maxima: Vec::new(),
        }
    }

    /// No iteration: a closed-form estimate (or τ² fixed at 0, not estimated).
    pub(crate) fn closed_form() -> Self {
        Convergence::new(Termination::Converged, 0)
    }

    /// True when the stopping rule was met (always true for closed forms and the
    /// boundary; true after a fallback whose bracket converged).
    pub fn converged(&self) -> bool {
        self.termination.converged()
    }

    /// The fallback used when the primary algorithm did not converge, or why there is no
    /// estimate ([`Termination::fallback`]).
    pub fn fallback(&self) -> Option<String> {
        self.termination.fallback()
    }

    /// What a fit warns about how τ² was reached: the fallback used, and several local
    /// maxima of the likelihood ([`Convergence::fallback`],
    /// [`Convergence::multiple_maxima_warning`]).
    pub fn warnings(&self) -> Vec<String> {
        [self.fallback(), self.multiple_maxima_warning()]
            .into_iter()
            .flatten()
            .collect()
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
    /// A closed-form estimate, no iterations: [`Termination::Boundary`] when it is 0.
    pub(crate) fn closed_form(tau2: f64) -> Self {
        let termination = if tau2 == 0.0 {
            Termination::Boundary
        } else {
            Termination::Converged
        };
        Tau2Estimate {
            tau2,
            convergence: Convergence::new(termination, 0),
        }
    }

    /// τ² fixed at 0 (the fixed-effect model): not estimated, nothing to iterate
    /// ([`Termination::Converged`]).
    pub(crate) fn fixed_at_zero() -> Self {
        Tau2Estimate {
            tau2: 0.0,
            convergence: Convergence::closed_form(),
        }
    }

    /// No estimate (not a number), for `reason`.
    fn not_a_number(reason: String) -> Self {
        Tau2Estimate {
            tau2: f64::NAN,
            convergence: Convergence::new(Termination::NotEvaluated(reason), 0),
        }
    }

    /// No estimate: `yi` and `vi` differ in length (not a number, with the reason).
    fn mismatched(k_yi: usize, k_vi: usize) -> Self {
        Self::not_a_number(format!("{k_yi} estimates but {k_vi} variances"))
    }

    /// No estimate: the model's weighted fit failed (`error` says why).
    pub(crate) fn not_evaluated(error: Error) -> Self {
        Self::not_a_number(error.to_string())
    }

    /// The boundary maximum τ² = 0 of ML or REML, with the local maxima seen.
    fn boundary(local_maxima: usize) -> Self {
        Tau2Estimate {
            tau2: 0.0,
            convergence: Convergence {
                local_maxima: Some(local_maxima),
                ..Convergence::new(Termination::Boundary, 0)
            },
        }
    }

    /// An iteration that converged in `iterations` steps.
    fn iterated(tau2: f64, iterations: usize) -> Self {
        Tau2Estimate {
            tau2,
            convergence: Convergence::new(Termination::Converged, iterations),
        }
    }

    /// The result of [`crate::weighted::bracketed_root`] after `iterations` steps of the `primary`
    /// iteration, which did not converge.
    fn bracketed(
        (tau2, evaluations, converged): (f64, usize, bool),
        iterations: usize,
        primary: Primary,
    ) -> Self {
        let termination = if converged {
            Termination::BracketingFallback(primary)
        } else {
            Termination::IterationLimit(primary)
        };
        Tau2Estimate {
            tau2,
            convergence: Convergence::new(termination, iterations + evaluations),
        }
    }
}

/// max(0, x) that never returns −0 (`f64::max` may, for x = −0).
fn truncate_at_zero(x: f64) -> f64 {
    if x > 0.0 {
        x
    } else {
        0.0
    }
}

/// What the τ² estimators need of a model y = Xβ + u + e, u ~ N(0, τ²I),
/// e ~ N(0, diag(v_i)), with k studies and p coefficients: the weighted least-squares fit
/// at a τ² (W = diag(1/(v_i + τ²)), β̂ = (XᵀWX)⁻¹XᵀWy, e = y − Xβ̂,
/// P = W − WX(XᵀWX)⁻¹XᵀW), the ordinary least-squares fit, and the maximum of the
/// likelihood. Every estimator of [`Tau2Method`] is written once, in these terms
/// ([`estimate_model`]); the models implement them:
///
/// - the intercept-only model of pooling, X = 1 ([`likelihood::InterceptOnly`]: closed
///   forms on slices, no allocation);
/// - the model with one moderator, X = [1, x], of the regression tests of small-study
///   effects (`crate::analysis::bias`, closed forms);
/// - a general design matrix, meta-regression (`crate::analysis::regression`, nalgebra).
pub trait Tau2Model {
    /// The estimates y_i and their sampling variances v_i (> 0), k of each.
    fn studies(&self) -> (&[f64], &[f64]);
    /// The coefficients p (the columns of X).
    fn coefficients(&self) -> usize;
    /// The residual heterogeneity Q_E(τ²) = yᵀP(τ²)y = Σ w_i e_i² and its derivative
    /// dQ_E/dτ² = −yᵀP(τ²)²y = −Σ (w_i e_i)² (dP/dτ² = −P²).
    ///
    /// # Errors
    /// [`Error::Degenerate`] when XᵀWX cannot be factorised.
    fn residual_q(&self, tau2: f64) -> Result<(f64, f64)>;
    /// tr P(τ²) = Σ w_i − tr[(XᵀWX)⁻¹XᵀW²X].
    ///
    /// # Errors
    /// As [`Tau2Model::residual_q`].
    fn trace_p(&self, tau2: f64) -> Result<f64>;
    /// The ordinary least-squares fit: its residual sum of squares yᵀP_O y and tr(P_O V),
    /// P_O = I − X(XᵀX)⁻¹Xᵀ, V = diag(v_i).
    ///
    /// # Errors
    /// As [`Tau2Model::residual_q`].
    fn ordinary_least_squares(&self) -> Result<(f64, f64)>;
    /// ML (`reml = false`) or REML: the global maximum of the (restricted) likelihood on
    /// τ² ≥ 0 ([`likelihood::global_maximum`] on the model's [`likelihood::ProfileLikelihood`]).
    ///
    /// # Errors
    /// As [`Tau2Model::residual_q`].
    fn likelihood_maximum(&self, reml: bool) -> Result<Tau2Estimate>;
}

/// The smallest v_i, the scale from which a bracket search starts.
fn smallest(vi: &[f64]) -> f64 {
    vi.iter().copied().fold(f64::INFINITY, f64::min)
}

/// Σ (y_i − ȳ)², ȳ the unweighted mean.
fn unweighted_ss(yi: &[f64]) -> f64 {
    let k = yi.len() as f64;
    let mean = yi.iter().sum::<f64>() / k;
    yi.iter().map(|y| (y - mean) * (y - mean)).sum()
}

/// τ² of `model` by `method` (see the module documentation for the intercept-only forms;
/// with p coefficients they are, as in metafor's `rma(yi, vi, mods)`, Raudenbush 2009):
///
/// | method | τ² |
/// |---|---|
/// | DL | max(0, (Q − (k − p)) / tr P(0)), Q = `q_fixed` or Q_E(0) (DerSimonian & Laird 1986) |
/// | HE | max(0, (yᵀP_O y − tr(P_O V)) / (k − p)) (Hedges 1983; Hedges & Olkin 1985) |
/// | HS | max(0, (Q_E(0) − k) / Σ 1/v_i) (Hunter & Schmidt 2004) |
/// | SJ | τ₀² Q_E(τ₀²) / (k − p), τ₀² = Σ(y_i − ȳ)²/k, ȳ unweighted (Sidik & Jonkman 2005) |
/// | PM, EB | the root of Q_E(τ²) = k − p, 0 when Q_E(0) ≤ k − p (Paule & Mandel 1982; the fixed point of Morris's 1983 empirical Bayes iteration is the same root) |
/// | ML, REML | the global maximum of the (restricted) likelihood on τ² ≥ 0 (Viechtbauer 2005) |
///
/// `q_fixed` is Cochran's Q about the fixed-effect estimate in use, which the
/// DerSimonian-Laird estimator takes (about the Mantel-Haenszel estimate in RevMan 5);
/// `None` takes Q_E(0). With k ≤ p, τ² = 0 (as metafor with one study).
///
/// # Errors
/// As [`Tau2Model::residual_q`] (the weighted fit fails).
pub fn estimate_model(
    method: Tau2Method,
    model: &impl Tau2Model,
    q_fixed: Option<f64>,
) -> Result<Tau2Estimate> {
    let ((yi, vi), p) = (model.studies(), model.coefficients());
    let k = yi.len();
    if k <= p {
        return Ok(Tau2Estimate::closed_form(0.0));
    }
    let closed = Tau2Estimate::closed_form;
    let df = k as f64 - p as f64;
    Ok(match method {
        Tau2Method::DL => {
            let q = match q_fixed {
                Some(q) => q,
                None => model.residual_q(0.0)?.0,
            };
            closed(truncate_at_zero((q - df) / model.trace_p(0.0)?))
        }
        Tau2Method::HE => {
            let (rss, trace_pv) = model.ordinary_least_squares()?;
            closed(truncate_at_zero((rss - trace_pv) / df))
        }
        Tau2Method::HS => {
            let sum_w: f64 = vi.iter().map(|v| 1.0 / (v + 0.0)).sum();
            closed(truncate_at_zero(
                (model.residual_q(0.0)?.0 - k as f64) / sum_w,
            ))
        }
        Tau2Method::SJ => {
            let tau2_0 = unweighted_ss(yi) / k as f64;
            if tau2_0 == 0.0 {
                return Ok(closed(0.0));
            }
            closed(tau2_0 * model.residual_q(tau2_0)?.0 / df)
        }
        Tau2Method::PM | Tau2Method::EB => solve_residual_q(model, df)?,
        Tau2Method::ML | Tau2Method::REML => {
            model.likelihood_maximum(method == Tau2Method::REML)?
        }
    })
}

/// The τ² ≥ 0 at which Q_E(τ²) equals `target`, or 0 when Q_E(0) ≤ target (Q_E
/// decreases in τ²): Newton's method on 1/Q_E(τ²) − 1/target with Brent's method on a
/// bracket as a safeguard ([`crate::weighted::decreasing_root`]), with how it stopped.
///
/// # Errors
/// As [`Tau2Model::residual_q`].
pub fn solve_residual_q(model: &impl Tau2Model, target: f64) -> Result<Tau2Estimate> {
    let root = decreasing_root(|t| model.residual_q(t), target, smallest(model.studies().1))?;
    Ok(match root.path {
        RootPath::Boundary => Tau2Estimate::closed_form(0.0),
        RootPath::Newton { iterations } => Tau2Estimate::iterated(root.tau2, iterations),
        RootPath::Bracketed {
            newton_steps,
            evaluations,
            converged,
        } => Tau2Estimate::bracketed(
            (root.tau2, evaluations, converged),
            newton_steps,
            Primary::Newton,
        ),
    })
}

/// The τ² ≥ 0 at which Q(τ²) of the intercept-only model equals `target`, or 0 when
/// Q(0) ≤ target ([`solve_residual_q`]); the Paule-Mandel estimator and the limits of the
/// Q-profile interval.
pub fn solve_generalized_q(yi: &[f64], vi: &[f64], target: f64) -> Tau2Estimate {
    if yi.len() != vi.len() {
        return Tau2Estimate::mismatched(yi.len(), vi.len());
    }
    let model = likelihood::InterceptOnly::new(yi, vi, false);
    solve_residual_q(&model, target).unwrap_or_else(Tau2Estimate::not_evaluated)
}

/// The intercept-only model y_i = μ + u_i + e_i: Q_E(τ²) is the generalised Q
/// ([`crate::weighted::generalized_q`]), tr P = Σw − Σw²/Σw ([`trace_p`]), and the ordinary
/// least-squares fit the unweighted mean, with yᵀP_O y = Σ(y_i − ȳ)² and
/// tr(P_O V) = (1 − 1/k) Σ v_i. None of them fails.
impl Tau2Model for likelihood::InterceptOnly<'_> {
    fn studies(&self) -> (&[f64], &[f64]) {
        (self.yi, self.vi)
    }

    fn coefficients(&self) -> usize {
        1
    }

    fn residual_q(&self, tau2: f64) -> Result<(f64, f64)> {
        Ok(generalized_q_about(
            self.yi,
            self.vi,
            tau2,
            self.reference.0,
        ))
    }

    fn trace_p(&self, tau2: f64) -> Result<f64> {
        Ok(trace_p(self.vi, tau2))
    }

    fn ordinary_least_squares(&self) -> Result<(f64, f64)> {
        let k = self.yi.len() as f64;
        let sum_v: f64 = self.vi.iter().sum();
        Ok((unweighted_ss(self.yi), (1.0 - 1.0 / k) * sum_v))
    }

    fn likelihood_maximum(&self, reml: bool) -> Result<Tau2Estimate> {
        Ok(likelihood::global_maximum(
            &likelihood::InterceptOnly { reml, ..*self },
            likelihood::MAX_REFINE,
        ))
    }
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
) -> ((f64, f64, f64), f64) {
    let mean = WeightedMean::with_reference(yi, vi, tau2, reference.0);
    let s = reference.1 + tau2;
    // About the mean itself δ is rounding: the one-pass forms are the direct sums.
    let (moments, _, _) = moments_about(yi, vi, tau2, s, mean);
    (moments.derivatives(s, reml), mean.mean())
}

/// The [`Moments`] at τ² (s = v_min + τ²) from sums about `centre`, a weighted mean at
/// τ² or near it (its residuals (y − y_r) − δ_c as [`WeightedMean::residual`] forms
/// them): with d_i those residuals over √s and δ = Σud/Σu, ρ_i = d_i − δ and, exactly,
/// Σu²ρ² = Σu²d² − 2δ Σu²d + δ² Σu², Σu³ρ² the same in u³, Σu²ρ = Σu²d − δ Σu².
/// Returns whether those differences hold their digits (δ² Σu² ≤ 1e-6 Σu²d² and
/// δ² Σu³ ≤ 1e-6 Σu³d²), and μ(τ²).
fn moments_about(
    yi: &[f64],
    vi: &[f64],
    tau2: f64,
    s: f64,
    centre: WeightedMean,
) -> (Moments, bool, f64) {
    let zero = ScoreSums {
        tau2,
        s,
        centre,
        inv_root_s: 1.0 / s.sqrt(),
        trace: TraceP::new(1.0),
        sums: [0.0; 8],
    };
    let n = crate::weighted::sum_studies(yi, vi, zero);
    let [su, sud, su2, su2d, su2d2, su3, su3d, su3d2] = n.sums;
    let delta = sud / su;
    let holds = delta * delta * su2 <= 1e-6 * su2d2 && delta * delta * su3 <= 1e-6 * su3d2;
    let moments = Moments {
        trace: n.trace.value(),
        su,
        su2,
        su3,
        su2r2: su2d2 - 2.0 * delta * su2d + delta * delta * su2,
        su3r2: su3d2 - 2.0 * delta * su3d + delta * delta * su3,
        su2r: su2d - delta * su2,
    };
    (moments, holds, centre.mean() + delta * s.sqrt())
}

/// The sums in u_i = s/(v_i + τ²) and ρ_i = r_i/√s the score and informations are
/// formed from, with tr P_u.
struct Moments {
    trace: f64,
    su: f64,
    su2: f64,
    su3: f64,
    su2r2: f64,
    su3r2: f64,
    su2r: f64,
}

impl Moments {
    /// The score, expected and observed information times s (see
    /// [`score_information`]).
    fn derivatives(&self, s: f64, reml: bool) -> (f64, f64, f64) {
        let Moments {
            trace,
            su,
            su2,
            su3,
            su2r2,
            su3r2,
            su2r,
        } = *self;
        let observed_ml = (su3r2 - 0.5 * su2 - su2r * su2r / su) / s;
        if reml {
            (
                0.5 * (su2r2 - trace),
                0.5 * (su2 - 2.0 * su3 / su + (su2 / su) * (su2 / su)) / s,
                observed_ml + (su3 / su - 0.5 * (su2 / su) * (su2 / su)) / s,
            )
        } else {
            (0.5 * (su2r2 - su), 0.5 * su2 / s, observed_ml)
        }
    }
}

/// [`score_information`] (with μ(τ²)) in one pass about `centre`, the weighted mean of
/// a τ² close by ([`moments_about`]); in two passes without one or where the one pass
/// would lose digits.
pub(super) fn score_information_near(
    yi: &[f64],
    vi: &[f64],
    tau2: f64,
    reml: bool,
    reference: (f64, f64),
    centre: Option<f64>,
) -> ((f64, f64, f64), f64) {
    let s = reference.1 + tau2;
    let near = centre.and_then(|centre| {
        let about = WeightedMean {
            reference: centre,
            shift: 0.0,
            sum_w: f64::NAN,
        };
        let (moments, holds, mean) = moments_about(yi, vi, tau2, s, about);
        let derivatives = moments.derivatives(s, reml);
        let finite = derivatives.0.is_finite() && derivatives.1.is_finite();
        (holds && finite).then_some((derivatives, mean))
    });
    near.unwrap_or_else(|| score_information(yi, vi, tau2, reml, reference))
}

/// The sums of [`moments_about`]: Σu, Σud, Σu², Σu²d, Σu²d², Σu³, Σu³d, Σu³d², with
/// u_i = s/(v_i + τ²) and d_i the residual about the centre over √s, and tr P_u.
#[derive(Debug, Clone, Copy)]
struct ScoreSums {
    tau2: f64,
    s: f64,
    centre: WeightedMean,
    inv_root_s: f64,
    trace: TraceP,
    sums: [f64; 8],
}

impl crate::weighted::StudySums for ScoreSums {
    fn weights_at(&self) -> Option<f64> {
        Some(self.tau2)
    }
    #[inline(always)]
    fn add(&mut self, y: f64, _: f64, w: f64) {
        let u = self.s * w;
        self.trace.add_weight(u);
        let d = self.centre.residual(y) * self.inv_root_s;
        let (u2, ud) = (u * u, u * d);
        let terms = [u, ud, u2, u2 * d, ud * ud, u2 * u, u2 * ud, u * ud * ud];
        for (sum, term) in self.sums.iter_mut().zip(terms) {
            *sum += term;
        }
    }
    fn merge(&mut self, other: &Self) {
        self.trace.merge(&other.trace);
        for (sum, other) in self.sums.iter_mut().zip(other.sums) {
            *sum += other;
        }
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

/// τ² by `method` in the intercept-only model ([`estimate_model`] of
/// [`likelihood::InterceptOnly`]). `q_fixed` is Cochran's Q about the fixed-effect
/// estimate in use, which the DerSimonian-Laird estimator takes (IV-centred in metafor,
/// MH-centred in RevMan 5 when Mantel-Haenszel is the fixed method).
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
    let model = likelihood::InterceptOnly::new(yi, vi, false);
    estimate_model(method, &model, Some(q_fixed)).unwrap_or_else(Tau2Estimate::not_evaluated)
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
        assert!(est.convergence.converged() && est.convergence.fallback().is_none());
        assert!(est.convergence.iterations < 20);
    }

    #[test]
    fn reml_fallback_by_brent_reports_itself_and_agrees() {
        let (yi, vi) = bcg();
        let est = likelihood_with(&yi, &vi, true, 1);
        assert!(est.convergence.fallback().is_some());
        assert_eq!(
            est.convergence.termination,
            Termination::BracketingFallback(Primary::NewtonRaphson { steps: 1 })
        );
        assert!(
            (est.tau2 - REML_METAFOR).abs() < 1e-8 * REML_METAFOR,
            "{}",
            est.tau2
        );
    }

    #[test]
    fn termination_names_the_boundary_and_the_converged_iteration() {
        let (yi, vi) = bcg();
        let q = crate::weighted::cochran_q(
            &yi,
            &vi,
            crate::weighted::inverse_variance(&yi, &vi, 0.0).0,
        );
        let reml = estimate(Tau2Method::REML, &yi, &vi, q);
        assert_eq!(reml.convergence.termination, Termination::Converged);
        assert_eq!(reml.convergence.termination.name(), "converged");
        // Identical estimates: τ² = 0 for every estimator, at the boundary.
        for method in Tau2Method::ALL {
            let est = estimate(method, &[0.5, 0.5, 0.5], &[0.1, 0.2, 0.3], 0.0);
            assert_eq!(est.tau2, 0.0, "{method}");
            assert_eq!(
                est.convergence.termination,
                Termination::Boundary,
                "{method}"
            );
            assert!(est.convergence.converged() && est.convergence.fallback().is_none());
        }
        let mismatched = estimate(Tau2Method::DL, &[0.1, 0.2], &[0.1], 0.0);
        assert_eq!(mismatched.convergence.termination.name(), "not_evaluated");
        assert!(!mismatched.convergence.converged());
    }
}
