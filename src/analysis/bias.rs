//! Small-study effects: tests for funnel-plot asymmetry and the trim-and-fill method.
//!
//! Every function takes the study effects as slices (`yi`, `vi`, and the sample sizes or
//! 2x2 counts where a method needs them) and, where a model is fitted, the
//! [`PoolOptions`] of the analysis: `tau2` chooses the model (`None`: fixed effect, or a
//! τ² estimator: random effects) and `ci` (`fixed_ci` without τ²) the test, as the
//! `method` and `test` of the metafor fit passed to `regtest` or `trimfill`.
//!
//! | analysis | function | what is computed | statistic | reference | metafor 3.8-1 |
//! |---|---|---|---|---|---|
//! | Egger's regression test | [`egger_test`] | yi = b₀ + b₁·√vi + u_i + e_i, weights 1/(vi + τ²) (τ² by the estimator of the fit, as a meta-regression) or weighted least squares with weights 1/vi and a multiplicative dispersion | b₁/SE(b₁): z, or t on k − 2 df; b₀ is the limit estimate | Egger et al. 1997; Sterne & Egger 2005 | `regtest(x)`, `regtest(x, model = "lm")` |
//! | Other regression tests | [`regression_test`] | the same with the predictor vi, ni, 1/ni, √ni or 1/√ni | as above | Moreno et al. 2009; Stanley & Doucouliagos 2014 (PET-PEESE) | `regtest(x, predictor = ...)` |
//! | Peters' test | [`peters_test`] | the regression on 1/ni, ni the total sample size | as above | Peters et al. 2006 | `regtest(x, predictor = "ninv")` |
//! | Harbord's test | [`harbord_test`] | ordinary least squares of Z/√V on √V, Z = (ad − bc)/N the efficient score and V = (a+b)(c+d)(a+c)(b+d)/(N²(N − 1)) the Fisher information of the log odds ratio | intercept/SE: t on k − 2 df | Harbord, Egger & Sterne 2006 | none (checked against R's `lm`) |
//! | Begg and Mazumdar's rank correlation test | [`rank_correlation_test`] | Kendall's τ between (yi − μ̂)/√(vi − 1/Σw) and vi, μ̂ the fixed-effect estimate | exact p without ties, else normal with the tie-corrected variance | Begg & Mazumdar 1994 | `ranktest(x)` |
//! | Trim and fill | [`trim_and_fill`] | number k₀ of studies missing on one side (L0 or R0), the filled studies mirrored about the trimmed estimate, the model refitted to all | k₀ with its SE (R0: and a p-value) | Duval & Tweedie 2000a, 2000b | `trimfill(x)`, `estimator = "R0"` |
//!
//! The regression tests with a random-effects model fit the two-parameter mixed-effects
//! model yi = b₀ + b₁ xᵢ + uᵢ + eᵢ, uᵢ ~ N(0, τ²), eᵢ ~ N(0, vi) ([`fit_one_moderator`]),
//! with τ² from the same estimator as the pooled fit, extended to a moderator as metafor
//! extends it (X = [1, x], p = 2, W = diag(1/(vi + τ²)), P = W − WX(XᵀWX)⁻¹XᵀW, the residual
//! Q_E(τ²) = yᵀPy):
//!
//! | estimator | τ² with one moderator |
//! |---|---|
//! | DL | max(0, (Q_E(0) − (k − 2)) / tr P(0)) |
//! | HE | max(0, (RSS_OLS − tr(P_OLS V)) / (k − 2)), P_OLS = I − X(XᵀX)⁻¹Xᵀ |
//! | HS | max(0, (Q_E(0) − k) / Σ 1/vi) |
//! | SJ | τ₀² Q_E(τ₀²) / (k − 2), τ₀² = Σ(yi − ȳ)²/k (the unweighted mean, as metafor) |
//! | PM, EB | the root of Q_E(τ²) = k − 2; 0 when Q_E(0) ≤ k − 2 |
//! | ML | the root of Σ w²e² − Σ w (the score), 0 when it is ≤ 0 at τ² = 0 |
//! | REML | the root of yᵀPPy − tr P (the restricted score; Harville 1977), 0 when ≤ 0 at 0 |
//!
//! (e = y − Xb̂(τ²) and w = 1/(vi + τ²); ML and REML are solved by Brent's method on a
//! bracket, the score being continuous and negative for large τ².) The 2x2 algebra is
//! done with the moderator centred at its weighted mean, which makes XᵀWX diagonal.
//!
//! # Agreement with metafor
//! `tests/bias_golden.rs` compares every number with metafor 3.8-1 (`tests/golden/bias.csv`,
//! from `tests/golden/generate_bias.R`) on fourteen data sets: 1e-8 relative (absolute
//! floors of 1e-10, and 1e-12 for p-values). Harbord's test, which metafor does not have,
//! is compared with R's `lm` on the published formula. Known differences, documented where
//! they arise:
//! - [`trim_and_fill`] refits with the test and the precision of the options; metafor's
//!   `trimfill(x)` with `test = "z"` and its default convergence threshold whatever `x`
//!   used (REML estimates off by up to about 1e-4 relative).
//! - [`rank_correlation_test`]: without ties metafor gives the exact p-value whatever k
//!   (R's `cor.test(exact = TRUE)`); metapool computes it up to k = [`EXACT_KENDALL_MAX_K`]
//!   and uses the normal approximation above.
//! - ML and REML are solved to 1e-15 relative, metafor's Fisher scoring to its threshold
//!   (1e-10 in the reference file: 1.5e-8 relative on the smallest meta-regression τ²).
//!
//! ```
//! use metapool::analysis::bias::{egger_test, trim_and_fill, RegressionModel, TrimFillOptions};
//! use metapool::data::{read_csv_path, StudyData};
//! use metapool::model::PoolOptions;
//!
//! // dat.bcg, log risk ratios (metafor: escalc(measure = "RR")).
//! let table = read_csv_path("tests/golden/inputs/bcg_yi_vi.csv")?;
//! let StudyData::GenericVariance { yi, vi } = &table.data else { unreachable!() };
//! let options = PoolOptions::default(); // REML, z: metafor's rma() defaults
//! let egger = egger_test(yi, vi, RegressionModel::MetaRegression, &options)?;
//! assert!((egger.statistic - -0.8033).abs() < 1e-4); // regtest(res): z = -0.8033
//! let filled = trim_and_fill(yi, vi, &TrimFillOptions::default(), &options)?;
//! assert_eq!(filled.k0, 1); // trimfill(res): 1 study missing on the right
//! # Ok::<(), metapool::Error>(())
//! ```

use crate::distribution::normal_two_sided_p;
use crate::error::{Error, Result};
use crate::model::fixed::{inverse_variance, PooledEstimate};
use crate::model::tau2::{self, cochran_q, Convergence};
use crate::model::{fit_slices, CiMethod, FixedMethod, PoolOptions, SliceFit, Tau2Method};
use serde::Serialize;

/// The largest k for which [`rank_correlation_test`] computes the exact p-value (the
/// exact null distribution of Kendall's score costs O(k³) operations).
pub const EXACT_KENDALL_MAX_K: usize = 1000;

// ---------------------------------------------------------------------------------------
// Checks
// ---------------------------------------------------------------------------------------

fn check_level(level: f64) -> Result<()> {
    if level > 0.0 && level < 1.0 {
        Ok(())
    } else {
        Err(Error::InvalidArgument(format!(
            "the confidence level must lie strictly between 0 and 100%, found {}%",
            level * 100.0
        )))
    }
}

/// Equal lengths, at least `min_k` studies, finite estimates and positive finite variances.
fn check_effects(what: &str, yi: &[f64], vi: &[f64], min_k: usize) -> Result<()> {
    if yi.len() != vi.len() {
        return Err(Error::InvalidArgument(format!(
            "{what}: {} estimates and {} variances",
            yi.len(),
            vi.len()
        )));
    }
    if yi.len() < min_k {
        return Err(Error::Degenerate(format!(
            "{what} needs at least {min_k} studies, found {}",
            yi.len()
        )));
    }
    if let Some(i) = yi.iter().position(|y| !y.is_finite()) {
        return Err(Error::Degenerate(format!(
            "{what}: study {} has the estimate {}; expected a finite number",
            i + 1,
            yi[i]
        )));
    }
    if let Some(i) = vi.iter().position(|&v| !(v > 0.0 && (1.0 / v).is_finite())) {
        return Err(Error::Degenerate(format!(
            "{what}: study {} has the sampling variance {}; expected a finite variance greater than 0",
            i + 1,
            vi[i]
        )));
    }
    Ok(())
}

/// The options must describe an inverse-variance model (MH and Peto have no meta-regression).
fn check_options(what: &str, options: &PoolOptions) -> Result<()> {
    check_level(options.level)?;
    if options.fixed != FixedMethod::InverseVariance {
        return Err(Error::InvalidArgument(format!(
            "{what} uses inverse-variance models; the {} fixed-effect method has none",
            options.fixed.name()
        )));
    }
    Ok(())
}

/// The interval method of the model the options describe.
fn ci_method(options: &PoolOptions) -> CiMethod {
    if options.tau2.is_some() {
        options.ci
    } else {
        options.fixed_ci
    }
}

// ---------------------------------------------------------------------------------------
// Weighted regression on one moderator
// ---------------------------------------------------------------------------------------

/// The weighted least-squares fit of y on [1, x] with weights 1/(vᵢ + τ²), and the sums
/// that the τ² estimators need.
#[derive(Debug, Clone, Copy)]
struct Wls {
    b0: f64,
    b1: f64,
    /// (XᵀWX)⁻¹ entries.
    var_b0: f64,
    var_b1: f64,
    /// Σw.
    sum_w: f64,
    /// Q_E = Σ w e².
    q_e: f64,
    /// yᵀPPy = Σ (w e)².
    y_ppy: f64,
    /// tr P.
    tr_p: f64,
}

/// # Formula
/// x̄ = Σwx/Σw, ȳ = Σwy/Σw, d = x − x̄, S_xx = Σw d²: b₁ = Σw d (y − ȳ)/S_xx,
/// b₀ = ȳ − b₁x̄, Var(b₀) = 1/Σw + x̄²/S_xx, Var(b₁) = 1/S_xx; with A = (XᵀWX)⁻¹ =
/// diag(1/Σw, 1/S_xx) in the centred basis, tr P = Σw − tr(A XᵀW²X) = Σw − Σw²/Σw −
/// Σw²d²/S_xx; yᵀPPy = Σ(w e)² since Py = We.
fn wls(yi: &[f64], vi: &[f64], x: &[f64], tau2: f64) -> Wls {
    let (mut sw, mut swx, mut swy) = (0.0, 0.0, 0.0);
    for ((&y, &v), &xi) in yi.iter().zip(vi).zip(x) {
        let w = 1.0 / (v + tau2);
        sw += w;
        swx += w * xi;
        swy += w * y;
    }
    let (xbar, ybar) = (swx / sw, swy / sw);
    let (mut sxx, mut sxy) = (0.0, 0.0);
    for ((&y, &v), &xi) in yi.iter().zip(vi).zip(x) {
        let w = 1.0 / (v + tau2);
        let d = xi - xbar;
        sxx += w * d * d;
        sxy += w * d * (y - ybar);
    }
    let b1 = sxy / sxx;
    let (mut q_e, mut y_ppy) = (0.0, 0.0);
    let (mut sw2, mut sw2d2) = (0.0, 0.0);
    for ((&y, &v), &xi) in yi.iter().zip(vi).zip(x) {
        let w = 1.0 / (v + tau2);
        let d = xi - xbar;
        let e = (y - ybar) - b1 * d;
        q_e += w * e * e;
        y_ppy += (w * e) * (w * e);
        sw2 += w * w;
        sw2d2 += w * w * d * d;
    }
    let (a0, a1) = (1.0 / sw, 1.0 / sxx);
    let tr_p = sw - (sw2 * a0 + sw2d2 * a1);
    Wls {
        b0: ybar - b1 * xbar,
        b1,
        var_b0: a0 + xbar * xbar * a1,
        var_b1: a1,
        sum_w: sw,
        q_e,
        y_ppy,
        tr_p,
    }
}

/// The root in (0, ∞) of a function positive at 0 and negative for large arguments: the
/// upper end `start` is doubled until the sign changes, then Brent's method.
fn root_from_zero(f: impl Fn(f64) -> f64, start: f64) -> (f64, Convergence) {
    let (root, iterations, converged) = crate::model::tau2::bracketed_root(f, 0.0, start);
    let fallback = (!converged).then(|| {
        "Brent's method did not converge; the midpoint of the last bracket is reported".to_string()
    });
    (
        root,
        Convergence {
            iterations,
            converged,
            fallback,
        },
    )
}

fn closed_form() -> Convergence {
    Convergence {
        iterations: 0,
        converged: true,
        fallback: None,
    }
}

/// τ² of the model yi = b₀ + b₁xᵢ + uᵢ + eᵢ by `method`; see the module documentation.
/// Needs k ≥ 3.
pub fn tau2_one_moderator(
    method: Tau2Method,
    yi: &[f64],
    vi: &[f64],
    x: &[f64],
) -> (f64, Convergence) {
    let k = yi.len() as f64;
    let df = k - 2.0;
    let at_zero = wls(yi, vi, x, 0.0);
    let truncate = |t: f64| if t > 0.0 { t } else { 0.0 };
    let unweighted_ss = {
        let mean = yi.iter().sum::<f64>() / k;
        yi.iter().map(|y| (y - mean) * (y - mean)).sum::<f64>()
    };
    match method {
        Tau2Method::DL => (truncate((at_zero.q_e - df) / at_zero.tr_p), closed_form()),
        Tau2Method::HS => (truncate((at_zero.q_e - k) / at_zero.sum_w), closed_form()),
        Tau2Method::HE => {
            // Ordinary least squares: unit weights, leverages h = 1/k + d²/Σd².
            let ones = vec![1.0; yi.len()];
            let ols = wls(yi, &ones, x, 0.0);
            let xbar = x.iter().sum::<f64>() / k;
            let sxx: f64 = x.iter().map(|xi| (xi - xbar) * (xi - xbar)).sum();
            let trace: f64 = vi
                .iter()
                .zip(x)
                .map(|(&v, &xi)| v * (1.0 - 1.0 / k - (xi - xbar) * (xi - xbar) / sxx))
                .sum();
            (truncate((ols.q_e - trace) / df), closed_form())
        }
        Tau2Method::SJ => {
            let tau2_0 = unweighted_ss / k;
            if tau2_0 == 0.0 {
                return (0.0, closed_form());
            }
            (tau2_0 * wls(yi, vi, x, tau2_0).q_e / df, closed_form())
        }
        Tau2Method::PM | Tau2Method::EB => {
            if at_zero.q_e <= df {
                return (0.0, closed_form());
            }
            root_from_zero(|t| wls(yi, vi, x, t).q_e - df, unweighted_ss / k)
        }
        Tau2Method::ML | Tau2Method::REML => {
            let reml = method == Tau2Method::REML;
            let score = |t: f64| {
                let fit = wls(yi, vi, x, t);
                if reml {
                    fit.y_ppy - fit.tr_p
                } else {
                    fit.y_ppy - fit.sum_w
                }
            };
            if score(0.0) <= 0.0 {
                return (0.0, closed_form());
            }
            root_from_zero(score, unweighted_ss / k)
        }
    }
}

/// A weighted regression on one moderator (JSON of the regression tests).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OneModeratorFit {
    /// The τ² estimator (`None`: fixed-effect or weighted least squares).
    pub tau2_method: Option<Tau2Method>,
    /// The interval method (`T` for weighted least squares).
    pub ci_method: CiMethod,
    /// τ² (0 without an estimator).
    pub tau2: f64,
    /// The residual heterogeneity Q_E = Σ w e² with w = 1/vi.
    pub q_residual: f64,
    /// The factor applied to the variances of b₀ and b₁ (1, or the HKSJ or
    /// weighted-least-squares dispersion Σw e²/(k − 2), w = 1/(vi + τ²)).
    pub variance_factor: f64,
    /// The intercept b₀ with its interval and test.
    pub intercept: PooledEstimate,
    /// The slope b₁ with its interval and test.
    pub slope: PooledEstimate,
    /// How τ² was reached.
    pub convergence: Convergence,
}

/// Fits yi = b₀ + b₁xᵢ + uᵢ + eᵢ with the model and test of `options`.
///
/// # Formula
/// b̂ = (XᵀWX)⁻¹XᵀWy, Var(b̂) = φ(XᵀWX)⁻¹, W = diag(1/(vi + τ²)), τ² by `options.tau2`
/// (see the module documentation; 0 for the fixed-effect model). φ = 1 for the z and t
/// tests (t on k − 2 df); φ = Σw e²/(k − 2) for HKSJ, max(1, φ) for its ad hoc variant
/// (Knapp & Hartung 2003; metafor `test = "knha"`, `"adhoc"`), on k − 2 df. With
/// `weighted_least_squares`, τ² = 0 and φ = Σe²/vi/(k − 2) on k − 2 df whatever the test:
/// R's `lm(yi ~ x, weights = 1/vi)` (metafor `regtest(model = "lm")`).
///
/// # Errors
/// [`Error::InvalidArgument`] for lengths that differ, a level outside (0, 1) or a
/// Mantel-Haenszel or Peto fixed method; [`Error::Degenerate`] with fewer than three
/// studies, a non-finite value, a variance ≤ 0 or a moderator that does not vary.
pub fn fit_one_moderator(
    yi: &[f64],
    vi: &[f64],
    x: &[f64],
    weighted_least_squares: bool,
    options: &PoolOptions,
) -> Result<OneModeratorFit> {
    check_options("a meta-regression", options)?;
    check_effects("a meta-regression on one moderator", yi, vi, 3)?;
    if x.len() != yi.len() {
        return Err(Error::InvalidArgument(format!(
            "{} moderator values for {} studies",
            x.len(),
            yi.len()
        )));
    }
    if let Some(i) = x.iter().position(|v| !v.is_finite()) {
        return Err(Error::Degenerate(format!(
            "the moderator of study {} is {}; expected a finite number",
            i + 1,
            x[i]
        )));
    }
    if x.iter().all(|&v| v == x[0]) {
        return Err(Error::Degenerate(
            "the moderator takes one value only: its slope cannot be estimated".into(),
        ));
    }
    let df = yi.len() as f64 - 2.0;
    let (tau2_method, (tau2, convergence), method) = if weighted_least_squares {
        (None, (0.0, closed_form()), CiMethod::T)
    } else {
        let estimated = options
            .tau2
            .map(|m| tau2_one_moderator(m, yi, vi, x))
            .unwrap_or_else(|| (0.0, closed_form()));
        (options.tau2, estimated, ci_method(options))
    };
    let fit = wls(yi, vi, x, tau2);
    let dispersion = fit.q_e / df;
    let variance_factor = match method {
        _ if weighted_least_squares => dispersion,
        CiMethod::Z | CiMethod::T => 1.0,
        CiMethod::Hksj => dispersion,
        CiMethod::HksjAdhoc => dispersion.max(1.0),
    };
    let t_df = (method != CiMethod::Z).then_some(df);
    let coefficient = |estimate: f64, variance: f64| {
        PooledEstimate::wald(
            estimate,
            (variance * variance_factor).sqrt(),
            options.level,
            t_df,
        )
    };
    Ok(OneModeratorFit {
        tau2_method,
        ci_method: method,
        tau2,
        q_residual: if tau2 == 0.0 {
            fit.q_e
        } else {
            wls(yi, vi, x, 0.0).q_e
        },
        variance_factor,
        intercept: coefficient(fit.b0, fit.var_b0),
        slope: coefficient(fit.b1, fit.var_b1),
        convergence,
    })
}

// ---------------------------------------------------------------------------------------
// Regression tests: Egger, Peters and the other predictors
// ---------------------------------------------------------------------------------------

/// The model of a regression test (metafor's `model` argument of `regtest`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub enum RegressionModel {
    /// The fixed- or mixed-effects meta-regression of the fit (metafor `"rma"`, the
    /// default; Sterne & Egger 2005).
    #[serde(rename = "rma")]
    MetaRegression,
    /// Weighted least squares with weights 1/vi and a multiplicative dispersion, t on
    /// k − 2 df: Egger's original test (metafor `"lm"`).
    #[serde(rename = "lm")]
    WeightedLeastSquares,
}

/// The predictor of a regression test (metafor's `predictor` argument of `regtest`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub enum Predictor {
    /// The standard error √vi (Egger's test; the default).
    #[serde(rename = "sei")]
    StandardError,
    /// The sampling variance vi (the PEESE limit estimate).
    #[serde(rename = "vi")]
    Variance,
    /// The sample size ni.
    #[serde(rename = "ni")]
    SampleSize,
    /// 1/ni (Peters' test).
    #[serde(rename = "ninv")]
    InverseSampleSize,
    /// √ni.
    #[serde(rename = "sqrtni")]
    SqrtSampleSize,
    /// 1/√ni.
    #[serde(rename = "sqrtninv")]
    InverseSqrtSampleSize,
}

impl Predictor {
    /// metafor's name.
    pub fn name(self) -> &'static str {
        match self {
            Predictor::StandardError => "sei",
            Predictor::Variance => "vi",
            Predictor::SampleSize => "ni",
            Predictor::InverseSampleSize => "ninv",
            Predictor::SqrtSampleSize => "sqrtni",
            Predictor::InverseSqrtSampleSize => "sqrtninv",
        }
    }

    /// Whether the predictor needs the sample sizes.
    pub fn needs_sample_sizes(self) -> bool {
        !matches!(self, Predictor::StandardError | Predictor::Variance)
    }

    /// Whether the intercept is a limit estimate: the predictor goes to 0 as the study
    /// grows infinitely precise (metafor reports `est` for these only).
    pub fn has_limit_estimate(self) -> bool {
        !matches!(self, Predictor::SampleSize | Predictor::SqrtSampleSize)
    }

    fn value(self, v: f64, n: f64) -> f64 {
        match self {
            Predictor::StandardError => v.sqrt(),
            Predictor::Variance => v,
            Predictor::SampleSize => n,
            Predictor::InverseSampleSize => 1.0 / n,
            Predictor::SqrtSampleSize => n.sqrt(),
            Predictor::InverseSqrtSampleSize => 1.0 / n.sqrt(),
        }
    }
}

impl std::str::FromStr for Predictor {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Ok(match s.trim().to_ascii_lowercase().as_str() {
            "sei" => Predictor::StandardError,
            "vi" => Predictor::Variance,
            "ni" => Predictor::SampleSize,
            "ninv" => Predictor::InverseSampleSize,
            "sqrtni" => Predictor::SqrtSampleSize,
            "sqrtninv" => Predictor::InverseSqrtSampleSize,
            other => {
                return Err(Error::InvalidArgument(format!(
                    "unknown predictor '{other}': expected sei, vi, ni, ninv, sqrtni or sqrtninv"
                )))
            }
        })
    }
}

/// A regression test for funnel-plot asymmetry (metafor's `regtest` object).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RegressionTest {
    /// The model.
    pub model: RegressionModel,
    /// The predictor.
    pub predictor: Predictor,
    /// Number of studies.
    pub k: usize,
    /// The test statistic of the slope, b₁/SE(b₁) (metafor `zval`).
    pub statistic: f64,
    /// Degrees of freedom of a t statistic (k − 2; `None` for z).
    pub df: Option<f64>,
    /// Two-sided p-value of the test of no asymmetry, b₁ = 0.
    pub p_value: f64,
    /// The limit estimate, b₀ with its interval (metafor `est`, `ci.lb`, `ci.ub`), for
    /// the predictors that vanish at infinite precision; `None` for ni and √ni.
    pub limit_estimate: Option<PooledEstimate>,
    /// The fitted regression.
    pub fit: OneModeratorFit,
}

/// A regression test for funnel-plot asymmetry: the regression of yi on a predictor of
/// study size, with the model of `options` or Egger's weighted least squares.
///
/// # Formula
/// yi = b₀ + b₁ xᵢ (+ uᵢ) + eᵢ with xᵢ the [`Predictor`], fitted by
/// [`fit_one_moderator`]; the test is b₁/SE(b₁) against the normal distribution, or t on
/// k − 2 df for the t-based tests and weighted least squares. b₀, the expected effect of
/// a study with x = 0, is the limit estimate (Egger et al. 1997, *BMJ* 315:629-634;
/// Sterne & Egger 2005, in *Publication bias in meta-analysis*, ch. 6; metafor's
/// `regtest`).
///
/// `ni` (the total sample size of each study) is needed for the predictors built on it.
///
/// # Errors
/// As [`fit_one_moderator`]; [`Error::InvalidArgument`] when the predictor needs `ni` and
/// none is given, or it has another length; [`Error::Degenerate`] for a sample size ≤ 0.
pub fn regression_test(
    yi: &[f64],
    vi: &[f64],
    ni: Option<&[f64]>,
    predictor: Predictor,
    model: RegressionModel,
    options: &PoolOptions,
) -> Result<RegressionTest> {
    let x: Vec<f64> = if predictor.needs_sample_sizes() {
        let ni = ni.ok_or_else(|| {
            Error::InvalidArgument(format!(
                "the predictor {} needs the sample sizes of the studies",
                predictor.name()
            ))
        })?;
        if ni.len() != yi.len() {
            return Err(Error::InvalidArgument(format!(
                "{} sample sizes for {} studies",
                ni.len(),
                yi.len()
            )));
        }
        if let Some(i) = ni.iter().position(|&n| !(n > 0.0 && n.is_finite())) {
            return Err(Error::Degenerate(format!(
                "study {} has the sample size {}; expected a number greater than 0",
                i + 1,
                ni[i]
            )));
        }
        vi.iter()
            .zip(ni)
            .map(|(&v, &n)| predictor.value(v, n))
            .collect()
    } else {
        vi.iter().map(|&v| predictor.value(v, f64::NAN)).collect()
    };
    let fit = fit_one_moderator(
        yi,
        vi,
        &x,
        model == RegressionModel::WeightedLeastSquares,
        options,
    )?;
    Ok(RegressionTest {
        model,
        predictor,
        k: yi.len(),
        statistic: fit.slope.statistic,
        df: fit.slope.df,
        p_value: fit.slope.p_value,
        limit_estimate: predictor
            .has_limit_estimate()
            .then(|| fit.intercept.clone()),
        fit,
    })
}

/// Egger's regression test: [`regression_test`] with the standard error as predictor.
///
/// # Formula
/// yi = b₀ + b₁√vi + uᵢ + eᵢ (the meta-regression of the fit: metafor's default
/// `regtest(x)`), or Egger's original weighted regression yi = b₀ + b₁√vi + eᵢ with
/// weights 1/vi and a multiplicative dispersion (`model = "lm"`), which is the regression
/// of yi/√vi on 1/√vi with the roles of intercept and slope exchanged (Egger et al. 1997,
/// *BMJ* 315:629-634). The test of b₁ = 0 is the test of asymmetry; b₀ is the limit
/// estimate (PET: Stanley & Doucouliagos 2014).
///
/// # Errors
/// As [`regression_test`].
pub fn egger_test(
    yi: &[f64],
    vi: &[f64],
    model: RegressionModel,
    options: &PoolOptions,
) -> Result<RegressionTest> {
    regression_test(yi, vi, None, Predictor::StandardError, model, options)
}

/// Peters' test: [`regression_test`] with 1/ni as predictor, ni the total sample size.
///
/// # Formula
/// yi = b₀ + b₁/ni (+ uᵢ) + eᵢ with weights 1/(vi + τ²) (metafor
/// `regtest(x, predictor = "ninv")`; Peters et al. 2006, *JAMA* 295:676-680). Peters
/// et al. weight by SF/N (events times non-events over the total, as Stata's `metabias`);
/// metafor, and so metapool, by the inverse sampling variance of the fit.
///
/// # Errors
/// As [`regression_test`].
pub fn peters_test(
    yi: &[f64],
    vi: &[f64],
    ni: &[f64],
    model: RegressionModel,
    options: &PoolOptions,
) -> Result<RegressionTest> {
    regression_test(
        yi,
        vi,
        Some(ni),
        Predictor::InverseSampleSize,
        model,
        options,
    )
}

// ---------------------------------------------------------------------------------------
// Harbord's test
// ---------------------------------------------------------------------------------------

/// Harbord's modified test for small-study effects (binary data).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HarbordTest {
    /// Number of tables in the regression.
    pub k: usize,
    /// Indices (0-based) of the tables left out because a margin is zero (V = 0).
    pub excluded: Vec<usize>,
    /// The intercept ("bias"), its standard error, t test on k − 2 df and interval.
    pub bias: PooledEstimate,
    /// The slope (an estimate of the log odds ratio).
    pub slope: PooledEstimate,
    /// The test statistic, bias/SE (t on k − 2 df).
    pub statistic: f64,
    /// Degrees of freedom, k − 2.
    pub df: f64,
    /// Two-sided p-value of the test of no small-study effects.
    pub p_value: f64,
}

/// Harbord's test: the ordinary least-squares regression of Z/√V on √V, tested at the
/// intercept, from the 2x2 tables (events and totals per arm).
///
/// # Formula
/// For each table with a = events_e, b = n_e − a, c = events_c, d = n_c − c, N = n_e + n_c:
/// Z = (ad − bc)/N = a − (a + b)(a + c)/N, the efficient score of the log odds ratio at 0,
/// and V = (a + b)(c + d)(a + c)(b + d)/(N²(N − 1)), its variance (Fisher's information).
/// Z/√V = β₀ + β₁√V + ε by ordinary least squares; the test of β₀ = 0 is t on k − 2 df.
/// Tables with V = 0 (a zero margin) carry no information and are left out. Harbord,
/// Egger & Sterne 2006, *Stat Med* 25:3443-3457; Harbord, Harris & Sterne 2009, *Stata
/// Journal* 9:197-210 (`metabias, harbord`). metafor 3.8-1 has no such test:
/// `tests/bias_golden.rs` checks it against R's `lm()` on these Z and V.
///
/// # Errors
/// [`Error::InvalidArgument`] for slices of different lengths or a level outside (0, 1);
/// [`Error::Degenerate`] for counts that are negative, not finite or exceed their total,
/// fewer than three informative tables, or √V that does not vary.
pub fn harbord_test(
    events_e: &[f64],
    n_e: &[f64],
    events_c: &[f64],
    n_c: &[f64],
    level: f64,
) -> Result<HarbordTest> {
    check_level(level)?;
    let k = events_e.len();
    if [n_e.len(), events_c.len(), n_c.len()]
        .iter()
        .any(|&l| l != k)
    {
        return Err(Error::InvalidArgument(format!(
            "Harbord's test: {k} experimental events, {} totals, {} control events, {} totals",
            n_e.len(),
            events_c.len(),
            n_c.len()
        )));
    }
    let (mut y, mut x, mut excluded) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..k {
        let (a, n1, c, n2) = (events_e[i], n_e[i], events_c[i], n_c[i]);
        let valid = [a, n1, c, n2].iter().all(|v| v.is_finite() && *v >= 0.0);
        if !valid || a > n1 || c > n2 {
            return Err(Error::Degenerate(format!(
                "Harbord's test: table {} has events {a}/{n1} and {c}/{n2}; expected counts \
                 between 0 and their arm's total",
                i + 1
            )));
        }
        let (b, d) = (n1 - a, n2 - c);
        let n = n1 + n2;
        let v = n1 * n2 * (a + c) * (b + d) / (n * n * (n - 1.0));
        if !(v > 0.0 && v.is_finite()) {
            excluded.push(i);
            continue;
        }
        let z = (a * d - b * c) / n;
        y.push(z / v.sqrt());
        x.push(v.sqrt());
    }
    if y.len() < 3 {
        return Err(Error::Degenerate(format!(
            "Harbord's test needs at least 3 tables without a zero margin, found {}",
            y.len()
        )));
    }
    if x.iter().all(|&v| v == x[0]) {
        return Err(Error::Degenerate(
            "Harbord's test: every table has the same information V".into(),
        ));
    }
    // Ordinary least squares is the weighted fit with unit weights and the dispersion
    // RSS/(k − 2).
    let ones = vec![1.0; y.len()];
    let fit = wls(&y, &ones, &x, 0.0);
    let df = y.len() as f64 - 2.0;
    let sigma2 = fit.q_e / df;
    let bias = PooledEstimate::wald(fit.b0, (fit.var_b0 * sigma2).sqrt(), level, Some(df));
    let slope = PooledEstimate::wald(fit.b1, (fit.var_b1 * sigma2).sqrt(), level, Some(df));
    Ok(HarbordTest {
        k: y.len(),
        excluded,
        statistic: bias.statistic,
        df,
        p_value: bias.p_value,
        bias,
        slope,
    })
}

// ---------------------------------------------------------------------------------------
// Begg and Mazumdar's rank correlation test
// ---------------------------------------------------------------------------------------

/// How the p-value of Kendall's τ was found.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "method", rename_all = "snake_case")]
#[non_exhaustive]
pub enum KendallPValue {
    /// The exact permutation distribution of the score (no ties).
    Exact,
    /// The normal approximation S/√Var(S), ties corrected, no continuity correction.
    Normal {
        /// The z statistic.
        z: f64,
    },
}

/// Begg and Mazumdar's rank correlation test (metafor's `ranktest` object).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RankCorrelationTest {
    /// Number of studies.
    pub k: usize,
    /// Kendall's τ (τ_b) between the standardized effects and the variances.
    pub tau: f64,
    /// Kendall's score S = (concordant − discordant pairs).
    pub score: f64,
    /// Whether either variable has ties.
    pub ties: bool,
    /// How the p-value was computed.
    pub p_value_method: KendallPValue,
    /// Two-sided p-value of the test of τ = 0.
    pub p_value: f64,
}

/// Begg and Mazumdar's rank correlation test.
///
/// # Formula
/// The standardized effects y*ᵢ = (yi − μ̂)/√(vi − 1/Σw), μ̂ = Σwy/Σw, w = 1/vi (the
/// fixed-effect estimate whatever the model, as metafor's `ranktest`), and Kendall's
/// τ_b = S/√((n₀ − n₁)(n₀ − n₂)) between y* and vi, S = Σ_{i<j} sign(y*ᵢ − y*ⱼ)
/// sign(vᵢ − vⱼ), n₀ = k(k − 1)/2, n₁ and n₂ the tied pairs of each variable (Begg &
/// Mazumdar 1994, *Biometrics* 50:1088-1101; Kendall 1970, *Rank correlation methods*).
///
/// P-value: without ties, the exact two-sided permutation p-value of the number of
/// concordant pairs q = (S + n₀)/2: 2 P(T ≤ q) when q ≤ n₀/2, else 2 P(T ≥ q), at most 1,
/// T having the distribution of the inversions of a random permutation (R's `cor.test`
/// with `exact = TRUE`, which metafor uses whatever k), up to k =
/// [`EXACT_KENDALL_MAX_K`]. With ties (or larger k), z = S/√Var(S) with t and u the sizes
/// of the tie groups of each variable (Kendall 1970, ch. 4):
///
/// ```text
/// Var(S) = [k(k−1)(2k+5) − Σt(t−1)(2t+5) − Σu(u−1)(2u+5)]/18
///        + Σt(t−1)·Σu(u−1)/(2k(k−1)) + Σt(t−1)(t−2)·Σu(u−1)(u−2)/(9k(k−1)(k−2))
/// ```
///
/// # Errors
/// [`Error::InvalidArgument`] for lengths that differ; [`Error::Degenerate`] with fewer
/// than three studies, a non-finite value or a variance ≤ 0.
pub fn rank_correlation_test(yi: &[f64], vi: &[f64]) -> Result<RankCorrelationTest> {
    check_effects("the rank correlation test", yi, vi, 3)?;
    let k = yi.len();
    let (mu, _, sum_w) = inverse_variance(yi, vi, 0.0);
    let standardized: Vec<f64> = yi
        .iter()
        .zip(vi)
        .map(|(&y, &v)| (y - mu) / (v - 1.0 / sum_w).sqrt())
        .collect();
    let mut score = 0.0;
    for i in 0..k {
        for j in (i + 1)..k {
            let a = sign(standardized[i] - standardized[j]);
            let b = sign(vi[i] - vi[j]);
            score += a * b;
        }
    }
    let ties_y = tie_groups(&standardized);
    let ties_v = tie_groups(vi);
    let n = k as f64;
    let n0 = n * (n - 1.0) / 2.0;
    let pairs = |groups: &[f64]| groups.iter().map(|t| t * (t - 1.0) / 2.0).sum::<f64>();
    let tau = score / ((n0 - pairs(&ties_y)) * (n0 - pairs(&ties_v))).sqrt();
    let ties = !(ties_y.is_empty() && ties_v.is_empty());
    let (p_value_method, p_value) = if !ties && k <= EXACT_KENDALL_MAX_K {
        let concordant = ((score + n0) / 2.0).round() as usize;
        (KendallPValue::Exact, kendall_exact_p(concordant, k))
    } else {
        let sum = |g: &[f64], f: &dyn Fn(f64) -> f64| g.iter().map(|&t| f(t)).sum::<f64>();
        let v0 = n * (n - 1.0) * (2.0 * n + 5.0);
        let vt = sum(&ties_y, &|t| t * (t - 1.0) * (2.0 * t + 5.0));
        let vu = sum(&ties_v, &|t| t * (t - 1.0) * (2.0 * t + 5.0));
        let v1 = sum(&ties_y, &|t| t * (t - 1.0)) * sum(&ties_v, &|t| t * (t - 1.0));
        let v2 = sum(&ties_y, &|t| t * (t - 1.0) * (t - 2.0))
            * sum(&ties_v, &|t| t * (t - 1.0) * (t - 2.0));
        let var_s = (v0 - vt - vu) / 18.0
            + v1 / (2.0 * n * (n - 1.0))
            + v2 / (9.0 * n * (n - 1.0) * (n - 2.0));
        let z = score / var_s.sqrt();
        (KendallPValue::Normal { z }, normal_two_sided_p(z))
    };
    Ok(RankCorrelationTest {
        k,
        tau,
        score,
        ties,
        p_value_method,
        p_value,
    })
}

fn sign(x: f64) -> f64 {
    if x > 0.0 {
        1.0
    } else if x < 0.0 {
        -1.0
    } else {
        0.0
    }
}

/// The sizes (≥ 2) of the groups of equal values.
fn tie_groups(values: &[f64]) -> Vec<f64> {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mut groups = Vec::new();
    let mut run = 1usize;
    for i in 1..=sorted.len() {
        if i < sorted.len() && sorted[i] == sorted[i - 1] {
            run += 1;
        } else {
            if run > 1 {
                groups.push(run as f64);
            }
            run = 1;
        }
    }
    groups
}

/// The exact two-sided p-value of q concordant pairs among k untied observations.
///
/// The number T of concordant pairs under independence has the distribution of the
/// number of inversions of a random permutation of k elements: the sum of independent
/// uniform variables on {0, …, i − 1}, i = 1..k, whose probabilities are convolved step by
/// step with a running sum (probabilities rather than counts, so that k! never appears).
/// T is symmetric about n₀/2, so the tail beyond q is P(T ≤ m) with m = min(q, n₀ − q),
/// and only the probabilities of 0..=m are needed: the cost is O(k·m).
fn kendall_exact_p(q: usize, k: usize) -> f64 {
    let max = k * (k - 1) / 2;
    let m = if 2 * q > max { max - q.min(max) } else { q };
    let mut p = vec![0.0; m + 1];
    let mut next = vec![0.0; m + 1];
    p[0] = 1.0;
    let mut top = 0;
    for i in 2..=k {
        // next[j] = (1/i) Σ_{s=0}^{i−1} p[j − s]
        let new_top = (top + i - 1).min(m);
        let mut window = 0.0;
        for j in 0..=new_top {
            if j <= top {
                window += p[j];
            }
            if j >= i && j - i <= top {
                window -= p[j - i];
            }
            next[j] = window / i as f64;
        }
        std::mem::swap(&mut p, &mut next);
        top = new_top;
    }
    let tail: f64 = p[..=top].iter().sum();
    (2.0 * tail).min(1.0)
}

// ---------------------------------------------------------------------------------------
// Trim and fill
// ---------------------------------------------------------------------------------------

/// The side of the funnel plot on which studies are missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    /// Missing studies have effects below the pooled estimate.
    Left,
    /// Missing studies have effects above the pooled estimate.
    Right,
}

impl std::str::FromStr for Side {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "left" => Ok(Side::Left),
            "right" => Ok(Side::Right),
            other => Err(Error::InvalidArgument(format!(
                "unknown side '{other}': expected left or right"
            ))),
        }
    }
}

/// The estimator of the number of missing studies (Duval & Tweedie 2000a, 2000b).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub enum MissingEstimator {
    /// L0 = (4T − k(k + 1))/(2k − 1), T the Wilcoxon signed-rank statistic (the default).
    L0,
    /// R0 = γ* − 1, γ* the length of the rightmost run of positive ranks.
    R0,
}

/// Options of [`trim_and_fill`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct TrimFillOptions {
    /// The estimator of k₀ (default L0).
    pub estimator: MissingEstimator,
    /// The side of the missing studies; `None` chooses it from Egger's regression (see
    /// [`trim_and_fill`]).
    pub side: Option<Side>,
    /// Iterations at most (default 100, as metafor).
    pub max_iter: usize,
}

impl Default for TrimFillOptions {
    /// metafor's defaults: L0, side from the regression test, 100 iterations.
    fn default() -> Self {
        TrimFillOptions {
            estimator: MissingEstimator::L0,
            side: None,
            max_iter: 100,
        }
    }
}

/// A study added by trim and fill.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FilledStudy {
    /// Its effect, 2μ̂₀ − y of the study it mirrors (μ̂₀ the trimmed estimate).
    pub yi: f64,
    /// Its sampling variance, that of the study it mirrors.
    pub vi: f64,
    /// The index (0-based) of the study it mirrors.
    pub mirror_of: usize,
}

/// The result of the trim-and-fill method (metafor's `trimfill` object).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrimAndFill {
    /// The estimator of k₀.
    pub estimator: MissingEstimator,
    /// The side on which studies were filled.
    pub side: Side,
    /// The slope of Egger's regression that chose the side (`None` when it was given).
    pub side_slope: Option<f64>,
    /// Number of observed studies.
    pub k: usize,
    /// Estimated number of missing studies.
    pub k0: usize,
    /// Standard error of k₀ (metafor `se.k0`).
    pub se_k0: f64,
    /// P-value of the test of no missing study on that side (R0 only; metafor `p.k0`).
    pub p_value_k0: Option<f64>,
    /// The unrounded estimator (L0 or R0) at the last iteration.
    pub statistic: f64,
    /// The estimate after trimming the k₀ most extreme studies: the centre of the filling.
    pub trimmed_estimate: f64,
    /// Iterations used.
    pub iterations: usize,
    /// Whether k₀ repeated within `max_iter` iterations.
    pub converged: bool,
    /// The filled studies.
    pub filled: Vec<FilledStudy>,
    /// The fit to the observed and filled studies (the model of the options).
    pub fit: SliceFit,
    /// Warnings (no convergence).
    pub warnings: Vec<String>,
}

/// The pooled estimate of the model of `options` (fixed effect, or random effects with
/// τ² by its estimator).
fn centre(yi: &[f64], vi: &[f64], options: &PoolOptions) -> f64 {
    let tau2 = match options.tau2 {
        None => 0.0,
        Some(method) => {
            let (mu_iv, _, _) = inverse_variance(yi, vi, 0.0);
            tau2::estimate(method, yi, vi, cochran_q(yi, vi, mu_iv)).tau2
        }
    };
    inverse_variance(yi, vi, tau2).0
}

/// Ranks 1..k of `values` (average ranks for ties).
fn average_ranks(values: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
    let mut ranks = vec![0.0; values.len()];
    let mut start = 0;
    while start < order.len() {
        let mut end = start + 1;
        while end < order.len() && values[order[end]] == values[order[start]] {
            end += 1;
        }
        let rank = (start + 1 + end) as f64 / 2.0;
        for &i in &order[start..end] {
            ranks[i] = rank;
        }
        start = end;
    }
    ranks
}

/// L0 and R0 for the centred values `c` (missing studies on the left: the excess is on
/// the right).
fn missing_estimates(c: &[f64]) -> (f64, f64) {
    let k = c.len() as f64;
    let abs: Vec<f64> = c.iter().map(|x| x.abs()).collect();
    let ranks = average_ranks(&abs);
    let t: f64 = c
        .iter()
        .zip(&ranks)
        .filter(|(x, _)| **x > 0.0)
        .map(|(_, r)| r)
        .sum();
    let l0 = (4.0 * t - k * (k + 1.0)) / (2.0 * k - 1.0);
    let mut order: Vec<usize> = (0..c.len()).collect();
    order.sort_by(|&a, &b| abs[a].total_cmp(&abs[b]));
    let run = order.iter().rev().take_while(|&&i| c[i] > 0.0).count();
    (l0, run as f64 - 1.0)
}

/// The trim-and-fill method of Duval and Tweedie.
///
/// # Formula
/// With the studies on the side opposite to the missing ones made the largest (yi, or −yi
/// when studies are missing on the right), sorted: from k₀ = 0, the model of `options` is
/// fitted to the k − k₀ smallest, giving μ̂₀; the ranks rᵢ of |yi − μ̂₀| over all k studies
/// (average ranks for ties) give T = Σ_{yi > μ̂₀} rᵢ and
/// - L0 = (4T − k(k + 1))/(2k − 1), k₀ = max(0, round(L0)),
///   SE = 4√Var(T)/(2k − 1), Var(T) = [k(k+1)(2k+1) + 10L0³ + 27L0² + 17L0 − 18kL0²
///   − 18kL0 + 6k²L0]/24 at the last unrounded L0 (Duval & Tweedie 2000a, *Biometrics*
///   56:455-463, with γ = L0 as metafor evaluates it);
/// - R0 = γ* − 1, γ* the number of the largest |yi − μ̂₀| that are all above μ̂₀,
///   k₀ = max(0, R0), SE = √(2k₀ + 2), p = 2^−(k₀+1) (Duval & Tweedie 2000b, *JASA*
///   95:89-98);
///
/// repeated until k₀ repeats (at most `max_iter` times). The k₀ most extreme studies are
/// mirrored about μ̂₀ (2μ̂₀ − yi, same vi; listed as metafor's `trimfill` lists them, from
/// the least to the most extreme trimmed study) and the model of `options` refitted to the
/// k + k₀ studies, test included.
///
/// metafor's `trimfill(x)` refits the trimmed and filled data with `test = "z"` and its
/// default convergence control whatever `x` used; `trim_and_fill` uses the options it is
/// given, which is metafor's `trimfill(x, test = ..., control = ...)`.
///
/// Side (when not given): the slope of the regression test [`egger_test`] with the model
/// of `options`: negative, studies are missing on the right; otherwise on the left (as
/// metafor chooses it).
///
/// # Errors
/// As [`fit_slices`]; [`Error::Degenerate`] with fewer than three studies when the side
/// must be chosen (two otherwise); as [`egger_test`] for that choice.
pub fn trim_and_fill(
    yi: &[f64],
    vi: &[f64],
    trim: &TrimFillOptions,
    options: &PoolOptions,
) -> Result<TrimAndFill> {
    check_options("trim and fill", options)?;
    let min_k = if trim.side.is_some() { 2 } else { 3 };
    check_effects("trim and fill", yi, vi, min_k)?;
    let k = yi.len();
    let (side, side_slope) = match trim.side {
        Some(side) => (side, None),
        None => {
            let egger = egger_test(yi, vi, RegressionModel::MetaRegression, options)?;
            let slope = egger.fit.slope.estimate;
            let side = if slope < 0.0 { Side::Right } else { Side::Left };
            (side, Some(slope))
        }
    };
    // Work on the scale where the missing studies are on the left.
    let flip = if side == Side::Left { 1.0 } else { -1.0 };
    let mut order: Vec<usize> = (0..k).collect();
    order.sort_by(|&a, &b| (flip * yi[a]).total_cmp(&(flip * yi[b])));
    let y: Vec<f64> = order.iter().map(|&i| flip * yi[i]).collect();
    let v: Vec<f64> = order.iter().map(|&i| vi[i]).collect();

    let (mut k0, mut iterations, mut converged) = (0usize, 0usize, false);
    let (mut mu0, mut statistic);
    loop {
        iterations += 1;
        mu0 = centre(&y[..k - k0], &v[..k - k0], options);
        let centred: Vec<f64> = y.iter().map(|x| x - mu0).collect();
        let (l0, r0) = missing_estimates(&centred);
        statistic = match trim.estimator {
            MissingEstimator::L0 => l0,
            MissingEstimator::R0 => r0,
        };
        // L0 < k(k + 1)/(2k − 1) ≤ k − 1 for k ≥ 2 and R0 ≤ k − 1: one study always stays.
        let next = statistic.round().max(0.0) as usize;
        if next == k0 {
            converged = true;
            break;
        }
        k0 = next.min(k - 1);
        if iterations >= trim.max_iter.max(1) {
            break;
        }
    }
    let mut warnings = Vec::new();
    if !converged {
        warnings.push(format!(
            "trim and fill: the number of missing studies did not settle in {iterations} \
             iterations; the last estimate ({k0}) is used"
        ));
    }
    let (se_k0, p_value_k0) = match trim.estimator {
        MissingEstimator::L0 => {
            let (n, g) = (k as f64, statistic);
            let var_t =
                (n * (n + 1.0) * (2.0 * n + 1.0) + 10.0 * g.powi(3) + 27.0 * g * g + 17.0 * g
                    - 18.0 * n * g * g
                    - 18.0 * n * g
                    + 6.0 * n * n * g)
                    / 24.0;
            (4.0 * var_t.sqrt() / (2.0 * n - 1.0), None)
        }
        MissingEstimator::R0 => {
            let g = k0 as f64;
            ((2.0 * g + 2.0).sqrt(), Some(0.5f64.powf(g + 1.0)))
        }
    };
    let trimmed_estimate = flip * mu0;
    let filled: Vec<FilledStudy> = (k - k0..k)
        .map(|j| FilledStudy {
            yi: 2.0 * trimmed_estimate - yi[order[j]],
            vi: vi[order[j]],
            mirror_of: order[j],
        })
        .collect();
    let mut all_y = yi.to_vec();
    let mut all_v = vi.to_vec();
    all_y.extend(filled.iter().map(|f| f.yi));
    all_v.extend(filled.iter().map(|f| f.vi));
    let fit = fit_slices(&all_y, &all_v, options)?;
    Ok(TrimAndFill {
        estimator: trim.estimator,
        side,
        side_slope,
        k,
        k0,
        se_k0,
        p_value_k0,
        statistic,
        trimmed_estimate,
        iterations,
        converged,
        filled,
        fit,
        warnings,
    })
}
