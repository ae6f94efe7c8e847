//! Meta-regression: the mixed-effects model y = Xβ + u + e, u ~ N(0, τ²), e_i ~ N(0, v_i),
//! with one or more moderators (numeric, or categorical as dummy variables), as
//! metafor's `rma(yi, vi, mods = ...)` fits it.
//!
//! # Formulas (Viechtbauer 2005; Raudenbush 2009)
//! W = diag(1/(v_i + τ²)), β̂ = (XᵀWX)⁻¹XᵀWy, Var(β̂) = (XᵀWX)⁻¹,
//! P = W − WX(XᵀWX)⁻¹XᵀW (all traces below are formed from p × p products, O(k p²)).
//! - τ² by any [`Tau2Method`], each written once in the τ² engine
//!   ([`crate::model::tau2::estimate_model`]; this module's model supplies the weighted
//!   fit on the design): DL (Q_E − (k − p)) / (tr W₀ − tr[(XᵀW₀X)⁻¹XᵀW₀²X]),
//!   W₀ = diag(1/v_i), 0 if negative; HE (yᵀP_O y − tr(P_O V))/(k − p) with the OLS
//!   projection P_O, 0 if negative; HS (Q_E − k)/Σ 1/v_i, 0 if negative; SJ
//!   τ₀² Q_E(τ₀²)/(k − p), τ₀² = Σ(y_i − ȳ)²/k; PM and EB the root of Q_E(τ²) = k − p;
//!   ML and REML the global maximum of the (restricted) likelihood on τ² ≥ 0, by the
//!   engine of [`mod@crate::model::tau2::likelihood`] (a scan of the score
//!   U = ½(yᵀPPy − tr P) (REML) or ½(yᵀPPy − tr W) (ML), then safeguarded Newton steps
//!   in each bracket). `None` (`FE`, `none`; [`Tau2Method::parse_model`]) fixes τ² = 0.
//! - Q_E = Σ (y_i − x_iᵀβ̂₀)²/v_i about the fixed-effect fit, df k − p (residual
//!   heterogeneity); Q_M = β̂₂ᵀ Var(β̂₂)⁻¹ β̂₂ over the coefficients but the intercept,
//!   χ²(m) (or F(m, k − p) with Knapp-Hartung, Q_M/m).
//! - Knapp-Hartung: Var(β̂) multiplied by s² = yᵀPy/(k − p), t(k − p) tests.
//! - I² = 100 τ²/(τ² + ṽ), ṽ = (k − p)/tr P₀; H² = 1 + τ²/ṽ (FE: I² from Q_E and
//!   H² = Q_E/(k − p), as metafor); R² = 100 max(0, (τ²₀ −
//!   τ²)/τ²₀) with τ²₀ of the intercept-only model by the same estimator.
//!
//! Linear algebra: the design matrix is an `ndarray` array (the array type of Rust
//! analysis code, so callers pass theirs as they have it); the fit copies it once into
//! nalgebra, whose matrix products and Cholesky factorisation (p × p systems only)
//! do the solves.
//!
//! Tests: Wald (z and χ²) or Knapp-Hartung (t and F), chosen from the interval method of
//! a pooled analysis by [`knapp_hartung_for`]: `z` and `hksj`. metafor's `test = "t"`
//! (t without the s² factor) and `"adhoc"` are not implemented here, and are refused
//! rather than replaced by one of the two.
//!
//! Categorical moderators: the levels sorted as R sorts a factor's levels (here:
//! byte order), the first one the reference, coefficients named `<column><level>`.
//!
//! # From a study table ([`regression_data`]), as metafor decides
//! - A study with a missing moderator value (an empty cell, `NA` or `NaN`) is omitted,
//!   with a warning naming its row and the k used (metafor's `na.action = "na.omit"`:
//!   "Studies with NAs omitted from model fitting."); a column numeric but for its
//!   missing cells stays numeric.
//! - A moderator constant over the studies used (a categorical one with one level), or
//!   a design column that is a linear combination of those before it, is dropped with a
//!   warning naming it ("Redundant predictors dropped from the model."); when no
//!   moderator is left the meta-regression is refused (metafor would fit the
//!   intercept-only model, which is `metapool pool`).
//! - A moderator whose squares (over the sampling variances or not) leave the range in
//!   which XᵀWX keeps its digits (Σ x² or Σ x²/vi beyond 1e±289: values beyond about
//!   1e144 or below 1e-144 with variances near 1) is refused naming its column and the power of ten to
//!   rescale it by ([`check_design`]); it was reported as collinear.
//!
//! # Complexity
//! A fit is O(k p²) per evaluation of the likelihood (p × p solves only, no k × k
//! matrix); the permutation test makes [`Model::permutation_refits`] fits, after an
//! O(k log k) count of the distinct row arrangements.

use crate::distribution::{chisq_sf, f_sf, normal_two_sided_p, t_two_sided_p};
use crate::error::{Error, Result};
use crate::level::Level;
use crate::model::fixed::{Flat, PooledEstimate};
use crate::model::tau2::likelihood::{self, Derivatives, ProfileLikelihood, Scales};
use crate::model::tau2::{self, Convergence, Tau2Estimate, Tau2Method, Tau2Model};
use nalgebra::{DMatrix, DVector};
use ndarray::{Array2, ArrayView2, Axis};
use serde::Serialize;

/// A moderator column: numeric values, or the labels of a categorical variable.
#[derive(Debug, Clone, PartialEq)]
pub enum Moderator {
    /// A numeric moderator.
    Numeric(String, Vec<f64>),
    /// A categorical moderator (dummy-coded).
    Categorical(String, Vec<String>),
}

/// The design matrix (with an intercept column first) and the coefficient names.
///
/// # Errors
/// [`Error::InvalidArgument`] when the columns differ in length from `k`;
/// [`Error::Degenerate`] for a categorical moderator with one level, which has no
/// dummy column ([`regression_data`] drops it with a warning first).
pub fn design(k: usize, moderators: &[Moderator]) -> Result<(Array2<f64>, Vec<String>)> {
    let mut columns: Vec<Vec<f64>> = vec![vec![1.0; k]];
    let mut names = vec!["intrcpt".to_string()];
    for m in moderators {
        match m {
            Moderator::Numeric(name, x) => {
                if x.len() != k {
                    return Err(Error::InvalidArgument(format!(
                        "moderator {name}: {} values for {k} studies",
                        x.len()
                    )));
                }
                columns.push(x.clone());
                names.push(name.clone());
            }
            Moderator::Categorical(name, labels) => {
                if labels.len() != k {
                    return Err(Error::InvalidArgument(format!(
                        "moderator {name}: {} values for {k} studies",
                        labels.len()
                    )));
                }
                let mut levels: Vec<&String> = labels.iter().collect();
                levels.sort();
                levels.dedup();
                if levels.len() < 2 && k > 0 {
                    return Err(Error::Degenerate(format!(
                        "the categorical moderator {name} has one level ('{}'): it has no \
                         contrast with the intercept; drop it",
                        levels[0]
                    )));
                }
                for level in levels.iter().skip(1) {
                    columns.push(
                        labels
                            .iter()
                            .map(|l| f64::from(u8::from(l == *level)))
                            .collect(),
                    );
                    names.push(format!("{name}{level}"));
                }
            }
        }
    }
    let p = columns.len();
    Ok((Array2::from_shape_fn((k, p), |(i, j)| columns[j][i]), names))
}

/// One coefficient.
#[derive(Debug, Clone, PartialEq)]
pub struct Coefficient {
    /// Its name (`intrcpt`, a moderator, or moderator and level).
    pub name: String,
    /// The estimate with its interval and test: z, or t with the residual df k − p
    /// under Knapp-Hartung.
    pub estimate: PooledEstimate,
}

impl Serialize for Coefficient {
    /// `{"name", "estimate", "se", "statistic", "p_value", "ci_lower", "ci_upper"}`, flat
    /// as the JSON output always had it ([`Flat::TestFirst`]).
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let name = |m: &mut S::SerializeMap| m.serialize_entry("name", &self.name);
        self.estimate
            .serialize_within(s, Flat::TestFirst, name, |_| Ok(()))
    }
}

/// A fitted meta-regression.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Regression {
    /// The τ² estimator (`None`: the fixed-effects meta-regression, τ² = 0; `"FE"` in
    /// JSON).
    #[serde(serialize_with = "serialize_model")]
    pub method: Option<Tau2Method>,
    /// Coefficients, intercept first.
    pub coefficients: Vec<Coefficient>,
    /// Residual τ².
    pub tau2: f64,
    /// Q_E, the test for residual heterogeneity.
    pub qe: f64,
    /// Its p-value (df k − p).
    pub qe_p_value: f64,
    /// Q_M, the omnibus test of the moderators (with Knapp-Hartung the F statistic Q_M/m).
    pub qm: f64,
    /// Its p-value.
    pub qm_p_value: f64,
    /// Residual I² (%).
    pub i2: f64,
    /// Residual H².
    pub h2: f64,
    /// R² (%), the share of τ² accounted for (NaN for FE).
    pub r2: f64,
    /// Studies.
    pub k: usize,
    /// Coefficients.
    pub p: usize,
    /// True with Knapp-Hartung tests.
    pub knapp_hartung: bool,
    /// How τ² was reached (ML and REML: iterations and the local maxima of the
    /// likelihood seen).
    pub convergence: Convergence,
}

/// Products of a weighted fit at a given τ².
struct Weighted {
    w: DVector<f64>,
    /// (XᵀWX)⁻¹.
    inv: DMatrix<f64>,
    /// ln |XᵀWX|.
    ln_det: f64,
    beta: DVector<f64>,
    /// Residuals y − Xβ̂.
    resid: DVector<f64>,
}

/// XᵀD, D = diag(d): the columns of Xᵀ scaled, O(k p) (no k × k diagonal matrix).
fn xt_diag(x: &DMatrix<f64>, d: &DVector<f64>) -> DMatrix<f64> {
    let mut xtd = x.transpose();
    for (mut column, &dj) in xtd.column_iter_mut().zip(d.iter()) {
        column *= dj;
    }
    xtd
}

fn weighted(x: &DMatrix<f64>, y: &DVector<f64>, vi: &[f64], tau2: f64) -> Result<Weighted> {
    let w = DVector::from_iterator(vi.len(), vi.iter().map(|v| 1.0 / (v + tau2)));
    let xtw = xt_diag(x, &w);
    let xtwx = &xtw * x;
    // The designs fitted have passed `check_design` (no redundant column, every column
    // of a moderate scale) or are [1, x] with x not constant (the regression tests):
    // what fails here is the weighting.
    let cholesky = xtwx.cholesky().ok_or_else(|| {
        Error::Degenerate(format!(
            "XᵀWX is not positive definite in double precision at τ² = {tau2}: with the \
             weights 1/(vi + τ²) the moderators are collinear to the last digit (the \
             sampling variances differ so much that a few studies carry all the weight); \
             expected moderators that vary among the studies with most of the weight"
        ))
    })?;
    let ln_det = 2.0 * cholesky.l_dirty().diagonal().map(f64::ln).sum();
    let inv = cholesky.inverse();
    let beta = &inv * (&xtw * y);
    let resid = y - x * &beta;
    Ok(Weighted {
        w,
        inv,
        ln_det,
        beta,
        resid,
    })
}

/// tr[(XᵀWX)⁻¹ XᵀW^a X] for a = 2, 3 (p × p products).
fn trace_term(x: &DMatrix<f64>, fit: &Weighted, power: i32) -> f64 {
    (&fit.inv * (xt_diag(x, &fit.w.map(|w| w.powi(power))) * x)).trace()
}

/// tr P = Σw − tr[(XᵀWX)⁻¹XᵀW²X].
fn trace_p(x: &DMatrix<f64>, fit: &Weighted) -> f64 {
    fit.w.sum() - trace_term(x, fit, 2)
}

/// tr(PP) = Σw² − 2 tr[(XᵀWX)⁻¹XᵀW³X] + tr([(XᵀWX)⁻¹XᵀW²X]²).
fn trace_pp(x: &DMatrix<f64>, fit: &Weighted) -> f64 {
    let a = &fit.inv * (xt_diag(x, &fit.w.map(|w| w * w)) * x);
    fit.w.map(|w| w * w).sum() - 2.0 * trace_term(x, fit, 3) + (&a * &a).trace()
}

/// yᵀPPy = Σ (w_i r_i)².
fn ypy2(fit: &Weighted) -> f64 {
    fit.w.component_mul(&fit.resid).norm_squared()
}

/// `"FE"` for the fixed-effects model, else the estimator's name.
fn serialize_model<S: serde::Serializer>(
    method: &Option<Tau2Method>,
    serializer: S,
) -> std::result::Result<S::Ok, S::Error> {
    serializer.serialize_str(method.map_or("FE", Tau2Method::name))
}

/// τ² of the mixed-effects model y = Xβ + u + e by `method` ([`tau2::estimate_model`]
/// of [`Design`]); 0 for the fixed-effects model.
fn estimate_tau2(
    x: &DMatrix<f64>,
    y: &DVector<f64>,
    vi: &[f64],
    method: Option<Tau2Method>,
) -> Result<Tau2Estimate> {
    match method {
        None => Ok(Tau2Estimate::fixed_at_zero()),
        Some(method) => tau2::estimate_model(method, &Design { x, y, vi }, None),
    }
}

/// The mixed-effects model on a design matrix, for the τ² engine: each quantity from
/// the weighted fit at τ² (p × p products and solves, O(k p²)).
struct Design<'a> {
    x: &'a DMatrix<f64>,
    y: &'a DVector<f64>,
    vi: &'a [f64],
}

impl Tau2Model for Design<'_> {
    fn studies(&self) -> (&[f64], &[f64]) {
        (self.y.as_slice(), self.vi)
    }

    fn coefficients(&self) -> usize {
        self.x.ncols()
    }

    /// Q_E = Σ w r², r = y − Xβ̂; dQ_E/dτ² = −yᵀPPy ([`ypy2`]).
    fn residual_q(&self, tau2: f64) -> Result<(f64, f64)> {
        let fit = weighted(self.x, self.y, self.vi, tau2)?;
        Ok((residual_q(&fit), -ypy2(&fit)))
    }

    fn trace_p(&self, tau2: f64) -> Result<f64> {
        Ok(trace_p(self.x, &weighted(self.x, self.y, self.vi, tau2)?))
    }

    /// yᵀP_O y = Σ r², r the OLS residuals; tr(P_O V) = Σv − tr[(XᵀX)⁻¹XᵀVX].
    fn ordinary_least_squares(&self) -> Result<(f64, f64)> {
        let (x, vi) = (self.x, self.vi);
        let ols = weighted(x, self.y, &vec![0.0; vi.len()], 1.0)?;
        let rss = ols.resid.norm_squared();
        let v = DVector::from_column_slice(vi);
        let tr_pv = vi.iter().sum::<f64>() - (&ols.inv * (xt_diag(x, &v) * x)).trace();
        Ok((rss, tr_pv))
    }

    fn likelihood_maximum(&self, reml: bool) -> Result<Tau2Estimate> {
        likelihood_tau2(self.x, self.y, self.vi, reml)
    }
}

/// Q_E = Σ w r² of a weighted fit.
fn residual_q(fit: &Weighted) -> f64 {
    fit.resid
        .component_mul(&fit.resid)
        .component_mul(&fit.w)
        .sum()
}

/// ML or REML τ² of the mixed-effects model y = Xβ + u + e: the global maximum of the
/// (restricted) likelihood by the engine of [`mod@crate::model::tau2::likelihood`].
///
/// # Errors
/// [`Error::Degenerate`] for collinear moderators.
pub(crate) fn likelihood_tau2(
    x: &DMatrix<f64>,
    y: &DVector<f64>,
    vi: &[f64],
    reml: bool,
) -> Result<Tau2Estimate> {
    let model = MixedEffects::new(x, y, vi, reml)?;
    // Collinear moderators make XᵀWX singular for every τ²: said once, here (on the
    // data rescaled by v_min, whose weights cannot overflow).
    let (y_scaled, vi_scaled) = model.rescaled(model.scales.v_min);
    weighted(x, &y_scaled, &vi_scaled, 0.0)?;
    let estimate = likelihood::global_maximum(&model, likelihood::MAX_REFINE);
    if estimate.tau2.is_nan() {
        return Err(Error::Degenerate(format!(
            "{} failed: the likelihood could not be evaluated",
            if reml { "REML" } else { "ML" }
        )));
    }
    Ok(estimate)
}

/// The (restricted) likelihood of the mixed-effects model, for the τ² engine.
struct MixedEffects<'a> {
    x: &'a DMatrix<f64>,
    y: &'a DVector<f64>,
    vi: &'a [f64],
    reml: bool,
    scales: Scales,
    /// ln |XᵀX|, in the REML constant.
    ln_det_xtx: f64,
}

impl<'a> MixedEffects<'a> {
    fn new(x: &'a DMatrix<f64>, y: &'a DVector<f64>, vi: &'a [f64], reml: bool) -> Result<Self> {
        let ols = weighted(x, y, &vec![0.0; vi.len()], 1.0)?;
        let v_min = vi.iter().copied().fold(f64::INFINITY, f64::min);
        let v_max = vi.iter().copied().fold(0.0, f64::max);
        Ok(MixedEffects {
            x,
            y,
            vi,
            reml,
            scales: Scales {
                v_min,
                v_max,
                rss: ols.resid.norm_squared(),
            },
            ln_det_xtx: ols.ln_det,
        })
    }
}

impl ProfileLikelihood for MixedEffects<'_> {
    fn dimensions(&self) -> (usize, usize) {
        (self.x.nrows(), self.x.ncols())
    }

    fn reml(&self) -> bool {
        self.reml
    }

    fn scales(&self) -> Scales {
        self.scales
    }

    /// REML: U = ½(yᵀPPy − tr P), I = ½ tr(PP), J = yᵀPPPy − ½ tr(PP); ML: Σw and Σw²
    /// in place of tr P and tr(PP). yᵀPPPy = aᵀPa with a = Py = W r:
    /// Σ w a² − (XᵀWa)ᵀ(XᵀWX)⁻¹(XᵀWa). Not a number if XᵀWX is singular.
    ///
    /// Evaluated on the data rescaled by s = v_min + τ² (y/√s, v/s, τ²/s), whose
    /// weights lie in (0, 1]: its score is s U, its informations s² I, so that the
    /// [`Derivatives`] (times s) are its score and its informations over s.
    fn derivatives(&self, tau2: f64) -> Derivatives {
        let s = self.scales.v_min + tau2;
        let (y, vi) = self.rescaled(s);
        let Ok(fit) = weighted(self.x, &y, &vi, tau2 / s) else {
            return Derivatives {
                score: f64::NAN,
                expected: f64::NAN,
                observed: f64::NAN,
            };
        };
        let a = fit.w.component_mul(&fit.resid);
        let xtwa = xt_diag(self.x, &fit.w) * &a;
        let ypppy = fit.w.dot(&a.component_mul(&a)) - xtwa.dot(&(&fit.inv * &xtwa));
        let (penalty, trace_pp) = if self.reml {
            (trace_p(self.x, &fit), trace_pp(self.x, &fit))
        } else {
            (fit.w.sum(), fit.w.map(|w| w * w).sum())
        };
        Derivatives {
            score: 0.5 * (ypy2(&fit) - penalty),
            expected: 0.5 * trace_pp / s,
            observed: (ypppy - 0.5 * trace_pp) / s,
        }
    }

    /// ML: −½[k ln 2π + Σ ln(v_i + τ²) + yᵀPy]; REML: −½[(k − p) ln 2π − ln|XᵀX| +
    /// Σ ln(v_i + τ²) + ln|XᵀWX| + yᵀPy]. Evaluated on the data rescaled by s = v_min
    /// (weights in (0, 1]), where yᵀPy is the same, Σ ln(v_i + τ²) is less by k ln s
    /// and ln|XᵀWX| more by p ln s.
    fn log_likelihood(&self, tau2: f64) -> f64 {
        let s = self.scales.v_min;
        let (y, vi) = self.rescaled(s);
        let Ok(fit) = weighted(self.x, &y, &vi, tau2 / s) else {
            return f64::NAN;
        };
        let (k, p) = (self.x.nrows() as f64, self.x.ncols() as f64);
        let ln_2pi = (2.0 * std::f64::consts::PI).ln();
        let log_v: f64 = self.vi.iter().map(|v| (v + tau2).ln()).sum();
        let ypy = fit.resid.component_mul(&fit.resid).dot(&fit.w);
        if self.reml {
            let ln_det = fit.ln_det - p * s.ln();
            -0.5 * ((k - p) * ln_2pi - self.ln_det_xtx + log_v + ln_det + ypy)
        } else {
            -0.5 * (k * ln_2pi + log_v + ypy)
        }
    }
}

impl MixedEffects<'_> {
    /// The estimates divided by √s and the variances by s.
    fn rescaled(&self, s: f64) -> (DVector<f64>, Vec<f64>) {
        let root_s = s.sqrt();
        (
            self.y.map(|y| y / root_s),
            self.vi.iter().map(|v| v / s).collect(),
        )
    }
}

/// Whether the tests of a meta-regression are Knapp-Hartung's, for the interval method
/// `ci` of the pooled analysis: `Z` gives Wald tests (metafor `test = "z"`), `Hksj`
/// Knapp-Hartung tests (`test = "knha"`).
///
/// # Errors
/// [`Error::InvalidArgument`] for `T` and `HksjAdhoc`, which meta-regression does not
/// implement (they are refused, not replaced).
pub fn knapp_hartung_for(ci: crate::model::CiMethod) -> Result<bool> {
    use crate::model::CiMethod;
    match ci {
        CiMethod::Z => Ok(false),
        CiMethod::Hksj => Ok(true),
        other => Err(Error::InvalidArgument(format!(
            "meta-regression: the interval method {} (--ci) is not implemented; expected z \
             (Wald tests) or hksj (Knapp-Hartung tests)",
            other.name()
        ))),
    }
}

/// Fits the meta-regression of `yi` (variances `vi`) on the design `x` (intercept
/// first) with τ² by `method` (`None`: the fixed-effects model), Wald or Knapp-Hartung
/// tests at `level` (a proportion): [`Model::fit`].
///
/// # Errors
/// [`Error::Degenerate`] with no residual degree of freedom, collinear moderators, or
/// ML/REML not converging; [`Error::InvalidArgument`] for a level outside (0, 1).
pub fn fit(
    yi: &[f64],
    vi: &[f64],
    x: ArrayView2<'_, f64>,
    names: &[String],
    method: Option<Tau2Method>,
    knapp_hartung: bool,
    level: f64,
) -> Result<Regression> {
    Model {
        yi,
        vi,
        x,
        names,
        method,
        knapp_hartung,
        level: Level::new(level)?,
    }
    .fit()
}

/// A meta-regression: the studies, the design matrix (intercept first, one column a
/// coefficient, named by `names`), the τ² estimator, the tests and the level.
#[derive(Debug, Clone, Copy)]
pub struct Model<'a> {
    /// Study estimates.
    pub yi: &'a [f64],
    /// Their sampling variances.
    pub vi: &'a [f64],
    /// The design matrix, k × p (see [`design`]).
    pub x: ArrayView2<'a, f64>,
    /// The coefficients' names.
    pub names: &'a [String],
    /// τ² estimator (`None`: the fixed-effects model, τ² = 0).
    pub method: Option<Tau2Method>,
    /// Knapp-Hartung tests (t and F) instead of Wald (z and χ²).
    pub knapp_hartung: bool,
    /// Confidence level.
    pub level: Level,
}

impl Model<'_> {
    /// Fits the model (see the module documentation).
    ///
    /// # Errors
    /// [`Error::Degenerate`] with no residual degree of freedom, collinear moderators,
    /// or ML/REML not converging.
    pub fn fit(&self) -> Result<Regression> {
        fit_with(self, true)
    }
}

/// [`Model::fit`], with R² (which refits the intercept-only model) only when `with_r2`:
/// the refits of a permutation test do without it, as metafor's (`skipr2`).
fn fit_with(model: &Model<'_>, with_r2: bool) -> Result<Regression> {
    let Model {
        yi,
        vi,
        x,
        names,
        method,
        knapp_hartung,
        level,
    } = *model;
    let (k, p) = (yi.len(), x.ncols());
    if x.nrows() != k || vi.len() != k || names.len() != p {
        return Err(Error::InvalidArgument(
            "the design does not match the studies".into(),
        ));
    }
    if with_r2 {
        // Rearranged rows (permutations) and flipped signs keep the columns' values, so
        // the observed fit checks the design for every refit of a permutation test.
        check_design(x, names, vi)?;
    }
    let x = &DMatrix::from_fn(k, p, |i, j| x[[i, j]]);
    if k <= p {
        return Err(Error::Degenerate(format!(
            "{k} studies for {p} coefficients: no residual degree of freedom"
        )));
    }
    let y = DVector::from_column_slice(yi);
    let Tau2Estimate { tau2, convergence } = estimate_tau2(x, &y, vi, method)?;
    let fit = weighted(x, &y, vi, tau2)?;
    let df = (k - p) as f64;
    let s2 = if knapp_hartung {
        residual_q(&fit) / df
    } else {
        1.0
    };
    let vb = &fit.inv * s2;
    let crit = if knapp_hartung {
        crate::distribution::t_critical(level.proportion(), df)
    } else {
        crate::distribution::normal_critical(level.proportion())
    };
    let coefficients = (0..p)
        .map(|j| {
            let (b, se) = (fit.beta[j], vb[(j, j)].sqrt());
            let statistic = b / se;
            Coefficient {
                name: names[j].clone(),
                estimate: PooledEstimate {
                    estimate: b,
                    se,
                    ci_lower: b - crit * se,
                    ci_upper: b + crit * se,
                    statistic,
                    df: knapp_hartung.then_some(df),
                    p_value: if knapp_hartung {
                        t_two_sided_p(statistic, df)
                    } else {
                        normal_two_sided_p(statistic)
                    },
                },
            }
        })
        .collect();
    // Omnibus test of the coefficients but the intercept.
    let m = p - 1;
    let (qm, qm_p_value) = if m == 0 {
        (f64::NAN, f64::NAN)
    } else {
        let b2 = fit.beta.rows(1, m).into_owned();
        let v22 = vb.view((1, 1), (m, m)).into_owned();
        let inv22 = v22
            .cholesky()
            .map(|c| c.inverse())
            .ok_or_else(|| Error::Degenerate("singular covariance of the moderators".into()))?;
        let qm = (b2.transpose() * inv22 * &b2)[(0, 0)];
        if knapp_hartung {
            let f = qm / m as f64;
            (f, f_sf(f, m as f64, df))
        } else {
            (qm, chisq_sf(qm, m as f64))
        }
    };
    let fe = weighted(x, &y, vi, 0.0)?;
    let qe = residual_q(&fe);
    let vt = df / trace_p(x, &fe);
    let r2 = if method.is_none() || !with_r2 {
        f64::NAN
    } else {
        let ones = DMatrix::from_element(k, 1, 1.0);
        let tau2_0 = estimate_tau2(&ones, &y, vi, method)?.tau2;
        if tau2_0 > 0.0 {
            100.0 * ((tau2_0 - tau2) / tau2_0).max(0.0)
        } else {
            0.0
        }
    };
    Ok(Regression {
        method,
        coefficients,
        tau2,
        qe,
        qe_p_value: chisq_sf(qe, df),
        qm,
        qm_p_value,
        // With τ² fixed at 0 metafor reports the Q-based I² and H² = Q_E/df.
        i2: if method.is_none() {
            crate::heterogeneity::i2_from_q(qe, df)
        } else {
            100.0 * tau2 / (vt + tau2)
        },
        h2: if method.is_none() {
            qe / df
        } else {
            1.0 + tau2 / vt
        },
        r2,
        k,
        p,
        knapp_hartung,
        convergence,
    })
}

/// How a permutation test rearranges the data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PermutationScheme {
    /// Meta-regression: the rows of the design matrix are permuted against (y_i, v_i).
    Rows,
    /// Intercept-only model: the signs of the y_i are flipped.
    Signs,
}

/// Settings of [`Model::permutation_test`], metafor's `permutest(x, exact, iter, seed)`.
///
/// Non-exhaustive, so that a setting can be added: start from
/// [`PermutationOptions::default`] and set the fields that differ.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct PermutationOptions {
    /// Draws of the random test (metafor's `iter`, default 1000); the exact test is used
    /// instead whenever it needs no more arrangements than this.
    pub iterations: usize,
    /// Ask for the exact test whatever the number of arrangements (metafor's `exact`).
    pub exact: bool,
    /// Seed of the random draws (Xoshiro256++ seeded by SplitMix64, rand 0.10): the same
    /// seed gives the same p-values on every machine.
    pub seed: u64,
}

impl Default for PermutationOptions {
    fn default() -> Self {
        Self {
            iterations: 1000,
            exact: false,
            seed: 1,
        }
    }
}

/// A permutation test of a meta-regression (or of an intercept-only model).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PermutationTest {
    /// Permutation p-value of each coefficient (two-sided, from |z| or |t|).
    pub p_values: Vec<f64>,
    /// Permutation p-value of the omnibus test Q_M (of the intercept, Q_M = z², when the
    /// model has no moderator).
    pub qm_p_value: f64,
    /// Rows permuted or signs flipped.
    pub scheme: PermutationScheme,
    /// True when every distinct arrangement was refitted.
    pub exact: bool,
    /// Arrangements whose refit entered the p-values (with the observed one).
    pub iterations: usize,
    /// The seed of the random draws (`None` for the exact test).
    pub seed: Option<u64>,
}

/// The rearrangements a permutation test refits.
#[derive(Debug, Clone, PartialEq)]
pub enum Arrangement {
    /// Row i of the permuted design is row `rows[i]` of the original (0-based).
    Rows(Vec<usize>),
    /// y_i multiplied by `signs[i]` (±1).
    Signs(Vec<f64>),
}

/// Tallies |statistic| ≥ |observed| − tol per coefficient and Q_M ≥ observed − tol over
/// the refits, with tol = √ε absolute as metafor's `comptol`.
struct Tally<'a> {
    observed: &'a Regression,
    at_least: Vec<usize>,
    qm_at_least: usize,
    fits: usize,
}

impl<'a> Tally<'a> {
    fn new(observed: &'a Regression) -> Self {
        Self {
            observed,
            at_least: vec![0; observed.coefficients.len()],
            qm_at_least: 0,
            fits: 0,
        }
    }

    fn add(&mut self, r: &Regression) {
        let tol = f64::EPSILON.sqrt();
        for ((count, c), o) in self
            .at_least
            .iter_mut()
            .zip(&r.coefficients)
            .zip(&self.observed.coefficients)
        {
            if c.estimate.statistic.abs() >= o.estimate.statistic.abs() - tol {
                *count += 1;
            }
        }
        if omnibus(r) >= omnibus(self.observed) - tol {
            self.qm_at_least += 1;
        }
        self.fits += 1;
    }

    fn finish(self, scheme: PermutationScheme, seed: Option<u64>) -> PermutationTest {
        let n = self.fits as f64;
        PermutationTest {
            p_values: self.at_least.iter().map(|&a| a as f64 / n).collect(),
            qm_p_value: self.qm_at_least as f64 / n,
            scheme,
            exact: seed.is_none(),
            iterations: self.fits,
            seed,
        }
    }
}

/// Q_M, or z² (t²) of the intercept when the model has no moderator, as metafor.
fn omnibus(r: &Regression) -> f64 {
    if r.p == 1 {
        r.coefficients[0].estimate.statistic.powi(2)
    } else {
        r.qm
    }
}

/// A model with the intercept as its only column (metafor's `int.only`).
fn intercept_only(x: ArrayView2<'_, f64>) -> bool {
    x.ncols() == 1 && x.iter().all(|&v| v == 1.0)
}

/// The model refitted on one arrangement; `None` when the refit fails (metafor drops
/// such arrangements from the exact test and draws again in the random one).
fn refit(model: &Model<'_>, arrangement: &Arrangement) -> Option<Regression> {
    match arrangement {
        Arrangement::Rows(rows) => {
            let xp = model.x.select(Axis(0), rows);
            fit_with(
                &Model {
                    x: xp.view(),
                    ..*model
                },
                false,
            )
            .ok()
        }
        Arrangement::Signs(signs) => {
            let y: Vec<f64> = model.yi.iter().zip(signs).map(|(y, s)| y * s).collect();
            fit_with(&Model { yi: &y, ..*model }, false).ok()
        }
    }
}

impl Model<'_> {
    /// The permutation test of a meta-regression, as metafor's `permutest()` (Follmann &
    /// Proschan 1999; Higgins & Thompson 2004; Viechtbauer et al. 2015).
    ///
    /// The model is refitted on rearranged data: with moderators, the rows of the design
    /// matrix are permuted (k!/Π m_j! distinct arrangements when rows repeat); without, the
    /// signs of the y_i are flipped (2^k arrangements). A p-value is the share of refits
    /// whose |z| (|t| with Knapp-Hartung) is at least the observed one, less √ε; Q_M
    /// likewise. When the distinct arrangements number no more than
    /// `options.iterations`, or `options.exact` asks for it, every one is refitted (the
    /// exact test); otherwise the observed arrangement plus `iterations − 1` random ones
    /// drawn from `options.seed`, a failed refit being replaced by a new draw (metafor's
    /// rule). Both rules are metafor's.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] when the exact test is asked for with more than 10⁷
    /// arrangements, fewer than 2 iterations, or when 100 × `iterations` draws fail to
    /// refit; as [`Model::fit`] for the observed model.
    pub fn permutation_test(&self, options: &PermutationOptions) -> Result<PermutationTest> {
        self.permutation_test_with(options, &|| {})
    }

    /// Whether the permutation test flips signs (no moderator), the number of distinct
    /// arrangements, and whether the test is exact.
    fn permutation_plan(&self, options: &PermutationOptions) -> (bool, f64, bool) {
        let signs = intercept_only(self.x);
        let distinct = if signs {
            2f64.powi(self.yi.len() as i32)
        } else {
            distinct_row_arrangements(self.x)
        };
        (
            signs,
            distinct,
            options.exact || distinct <= options.iterations as f64,
        )
    }

    /// The refits [`Model::permutation_test`] makes with `options` (the steps of the
    /// progress of [`Model::permutation_test_with`]): every distinct arrangement for the
    /// exact test, `iterations − 1` draws for the random one (and one more for each
    /// draw that fails to refit).
    pub fn permutation_refits(&self, options: &PermutationOptions) -> usize {
        match self.permutation_plan(options) {
            (_, distinct, true) => distinct.min(1e7) as usize,
            _ => options.iterations.saturating_sub(1),
        }
    }

    /// [`Model::permutation_test`], calling `progress` after each refit. Each refit is a
    /// fit of the k studies: O(k p²) times the iterations of τ²; the test makes
    /// [`Model::permutation_refits`] of them.
    ///
    /// # Errors
    /// As [`Model::permutation_test`].
    pub fn permutation_test_with(
        &self,
        options: &PermutationOptions,
        progress: &dyn Fn(),
    ) -> Result<PermutationTest> {
        use rand::seq::SliceRandom;
        use rand::{RngExt, SeedableRng};
        let (yi, x) = (self.yi, self.x);
        if options.iterations < 2 {
            return Err(Error::InvalidArgument(
                "a permutation test needs at least 2 iterations".into(),
            ));
        }
        let observed = self.fit()?;
        let k = yi.len();
        let (signs, distinct, exact) = self.permutation_plan(options);
        let scheme = if signs {
            PermutationScheme::Signs
        } else {
            PermutationScheme::Rows
        };
        if exact && distinct > 1e7 {
            let refits = if distinct.is_finite() {
                format!("{distinct:.3e}")
            } else {
                "more than 1e308".to_string()
            };
            return Err(Error::InvalidArgument(format!(
                "an exact permutation test of these {k} studies needs {refits} refits (every \
                 distinct arrangement), and at most 1e7 are made; drop --exact for a random \
                 test"
            )));
        }
        let mut tally = Tally::new(&observed);
        if !exact {
            // The observed arrangement is the first of the random draws (metafor's rule).
            tally.add(&observed);
        }
        let mut add = |a: &Arrangement| {
            let r = refit(self, a);
            progress();
            if let Some(r) = r {
                tally.add(&r);
                true
            } else {
                false
            }
        };
        if exact {
            if signs {
                for mask in 0u64..(1u64 << k) {
                    let s = (0..k)
                        .map(|i| if mask >> i & 1 == 1 { -1.0 } else { 1.0 })
                        .collect();
                    add(&Arrangement::Signs(s));
                }
            } else {
                let (order, mut ranks) = row_ranks(x);
                loop {
                    add(&Arrangement::Rows(
                        ranks.iter().map(|&r| order[r]).collect(),
                    ));
                    if !next_permutation(&mut ranks) {
                        break;
                    }
                }
            }
            return Ok(tally.finish(scheme, None));
        }
        let mut rng = rand::rngs::Xoshiro256PlusPlus::seed_from_u64(options.seed);
        let (mut accepted, mut failed) = (0usize, 0usize);
        let mut rows: Vec<usize> = (0..k).collect();
        while accepted + 1 < options.iterations {
            let arrangement = if signs {
                Arrangement::Signs(
                    (0..k)
                        .map(|_| if rng.random_bool(0.5) { -1.0 } else { 1.0 })
                        .collect(),
                )
            } else {
                rows.shuffle(&mut rng);
                Arrangement::Rows(rows.clone())
            };
            if add(&arrangement) {
                accepted += 1;
            } else {
                failed += 1;
                if failed > 100 * options.iterations {
                    return Err(Error::InvalidArgument(format!(
                        "the permutation test: {failed} rearrangements failed to refit"
                    )));
                }
            }
        }
        Ok(tally.finish(scheme, Some(options.seed)))
    }

    /// The permutation test over arrangements given by the caller, for instance those
    /// metafor drew under `set.seed()`: the observed arrangement counts as one more refit
    /// (as in metafor's random test) unless `includes_observed` says it is among them (as
    /// in the exact test). Refits that fail are left out. Same statistics as
    /// [`Model::permutation_test`].
    ///
    /// # Errors
    /// As [`Model::fit`] for the observed model; [`Error::InvalidArgument`] for an
    /// arrangement of the wrong length or with an index out of range.
    pub fn permutation_test_given(
        &self,
        arrangements: &[Arrangement],
        includes_observed: bool,
    ) -> Result<PermutationTest> {
        let k = self.yi.len();
        let observed = self.fit()?;
        let mut tally = Tally::new(&observed);
        if !includes_observed {
            tally.add(&observed);
        }
        let mut scheme = if intercept_only(self.x) {
            PermutationScheme::Signs
        } else {
            PermutationScheme::Rows
        };
        for a in arrangements {
            let ok = match a {
                Arrangement::Rows(r) => {
                    scheme = PermutationScheme::Rows;
                    r.len() == k && r.iter().all(|&i| i < k)
                }
                Arrangement::Signs(s) => {
                    scheme = PermutationScheme::Signs;
                    s.len() == k
                }
            };
            if !ok {
                return Err(Error::InvalidArgument(format!(
                    "an arrangement does not fit {k} studies"
                )));
            }
            if let Some(r) = refit(self, a) {
                tally.add(&r);
            }
        }
        let mut test = tally.finish(scheme, None);
        test.exact = includes_observed;
        Ok(test)
    }
}

/// The number of distinct row arrangements of x, k!/Π m_j! with m_j the multiplicity
/// of each distinct row (infinite beyond f64).
fn distinct_row_arrangements(x: ArrayView2<'_, f64>) -> f64 {
    let (_, ranks) = row_ranks(x);
    let mut count = 1f64;
    let mut seen = vec![0usize; ranks.len()];
    for (n, &r) in ranks.iter().enumerate() {
        seen[r] += 1;
        count *= (n + 1) as f64 / seen[r] as f64;
    }
    count
}

/// Row indices of x sorted by row content, and each sorted position's rank: the first
/// sorted position holding the same content, so identical rows share a rank and their
/// exchanges are not counted twice.
fn row_ranks(x: ArrayView2<'_, f64>) -> (Vec<usize>, Vec<usize>) {
    let key = |i: usize| x.row(i).iter().map(|v| v.to_bits()).collect::<Vec<u64>>();
    let mut order: Vec<usize> = (0..x.nrows()).collect();
    order.sort_by_key(|&i| key(i));
    let keys: Vec<Vec<u64>> = order.iter().map(|&i| key(i)).collect();
    // Sorted, equal contents are adjacent: a position's rank is the start of its run
    // (O(k p) after the sort, where a search from the start was O(k² p)).
    let mut ranks = Vec::with_capacity(keys.len());
    for t in 0..keys.len() {
        let rank = if t > 0 && keys[t] == keys[t - 1] {
            ranks[t - 1]
        } else {
            t
        };
        ranks.push(rank);
    }
    (order, ranks)
}

/// Advances to the next lexicographic permutation (with repeated values), false after
/// the last (Knuth, TAOCP 7.2.1.2, algorithm L).
fn next_permutation(a: &mut [usize]) -> bool {
    let n = a.len();
    if n < 2 {
        return false;
    }
    let mut i = n - 1;
    while i > 0 && a[i - 1] >= a[i] {
        i -= 1;
    }
    if i == 0 {
        return false;
    }
    let mut j = n - 1;
    while a[j] <= a[i - 1] {
        j -= 1;
    }
    a.swap(i - 1, j);
    a[i..].reverse();
    true
}

/// Whether a moderator cell is missing: empty, or `NA` or `NaN` in any case, as R's
/// `read.csv` reads a numeric column (empty cells and `NA` are `NA`, `NaN` is not a
/// number, and `is.na()` is true for both). A study with a missing moderator value is
/// omitted from the meta-regression (metafor's `na.action = "na.omit"`).
pub fn is_missing(cell: &str) -> bool {
    let cell = cell.trim();
    cell.is_empty() || cell.eq_ignore_ascii_case("na") || cell.eq_ignore_ascii_case("nan")
}

/// Texts that stand for a missing value in some programs but that metapool does not read
/// as missing ([`is_missing`]): in a column that is numeric otherwise they are an error,
/// not a level of a categorical moderator.
const MISSING_LOOKALIKES: [&str; 7] = ["n/a", "null", "none", ".", "-", "?", "missing"];

use crate::data::shown;

/// The most studies a warning lists by row; further ones are counted.
const MAX_ROWS_LISTED: usize = 10;

/// Rows as a message lists them: at most [`MAX_ROWS_LISTED`], then how many more.
fn rows_listed(rows: &[usize]) -> String {
    let mut listed: Vec<String> = rows
        .iter()
        .take(MAX_ROWS_LISTED)
        .map(ToString::to_string)
        .collect();
    if rows.len() > MAX_ROWS_LISTED {
        listed.push(format!("and {} more", rows.len() - MAX_ROWS_LISTED));
    }
    listed.join(", ")
}

/// The data of a meta-regression of a study table: the studies with every moderator
/// present, the design matrix of the moderators that vary, and what was left out
/// ([`regression_data`]).
#[derive(Debug, Clone, PartialEq)]
pub struct RegressionData {
    /// The estimates of the studies used.
    pub yi: Vec<f64>,
    /// Their sampling variances.
    pub vi: Vec<f64>,
    /// The design matrix (intercept first), one row per study used.
    pub x: Array2<f64>,
    /// The coefficients' names.
    pub names: Vec<String>,
    /// For each study used, its position in the effects given.
    pub used: Vec<usize>,
    /// The rows (in the table's file) of the studies omitted for a missing moderator
    /// value.
    pub omitted_rows: Vec<usize>,
    /// The coefficients dropped as redundant (a moderator constant over the studies
    /// used, a categorical one with one level, a column that is a linear combination of
    /// those before it).
    pub dropped: Vec<String>,
    /// What was omitted or dropped, and moderators read as categorical although some of
    /// their cells are numbers.
    pub warnings: Vec<String>,
}

/// The meta-regression of the study `effects` of `table` on the moderator `columns`,
/// decided as metafor's `rma(yi, vi, mods = ...)` decides it:
///
/// - **Missing values** ([`is_missing`]: empty, `NA`, `NaN`): the studies with a missing
///   value in any moderator are omitted, with a warning naming their rows and the k left
///   (metafor: "Studies with NAs omitted from model fitting."). A column is numeric when
///   every cell that is not missing is a number, so one missing cell does not make a
///   numeric moderator categorical.
/// - **Categorical** moderators (a cell that is not a number): dummy-coded by [`design`],
///   the levels of the studies used. When some cells are numbers a warning names the
///   first cell that is not. A cell that stands for a missing value elsewhere (`.`,
///   `n/a`, `-`, `?`, `null`, `none`, `missing`) in a column otherwise numeric, or a
///   number that is not finite (`inf`), is an error naming file, row and column.
/// - **Redundant predictors**: a moderator constant over the studies used (a
///   categorical one with one level) and a design column that is a linear combination
///   of the columns before it (R's `lm` tolerance, 1e-7 relative; metafor checks with
///   `lm(yi ~ X - 1)`) are dropped, with a warning naming them (metafor: "Redundant
///   predictors dropped from the model."; for a one-level factor in a formula R's
///   `model.matrix` stops instead: "contrasts can be applied only to factors with 2 or
///   more levels").
/// - **Nothing left**: when every moderator is dropped, an error (the model would be the
///   intercept-only model, which `metapool pool` fits; metafor fits it with its
///   warning). When every study is omitted, an error.
///
/// # Errors
/// [`Error::Input`] naming the column for a column the table does not have, and file,
/// row and column for the cells above; [`Error::Degenerate`] (naming the columns) when
/// no study or no moderator is left; as [`check_design`] (moderators whose squares
/// overflow or underflow double precision, naming the column).
pub fn regression_data(
    table: &crate::data::StudyTable,
    effects: &crate::effect::Effects,
    columns: &[String],
) -> Result<RegressionData> {
    let k = effects.k();
    let row_of = |p: usize| table.rows.get(effects.index[p]).copied();
    // Cells of each moderator for the studies of the effects.
    let mut named = Vec::with_capacity(columns.len());
    for c in columns {
        let name = c.trim();
        let column = table.covariate(name).ok_or_else(|| {
            Error::input(
                &table.source,
                Some(1),
                Some(name),
                format!("no column named '{name}' to use as a moderator"),
            )
        })?;
        let cells: Vec<&str> = effects.index.iter().map(|&i| &column.values[i]).collect();
        named.push((column.name.clone(), cells));
    }
    let mut warnings = Vec::new();
    // Numeric or categorical, from the cells that are not missing.
    let mut numeric = Vec::with_capacity(named.len());
    for (name, cells) in &named {
        let present = || (0..k).filter(|&p| !is_missing(cells[p]));
        let parsed = |p: usize| cells[p].trim().parse::<f64>().ok();
        let not_a_number: Vec<usize> = present().filter(|&p| parsed(p).is_none()).collect();
        if let Some(p) = present()
            .find(|&p| parsed(p).is_some_and(|x| !x.is_finite()))
            .filter(|_| not_a_number.is_empty())
        {
            return Err(Error::input(
                &table.source,
                row_of(p),
                Some(name),
                format!(
                    "the moderator value '{}' is not a finite number; expected a finite number, \
                     or NA or an empty cell for a missing value (the study is then omitted)",
                    shown(cells[p].trim())
                ),
            ));
        }
        let numbers = present().count() - not_a_number.len();
        if !not_a_number.is_empty() && numbers > 0 {
            let lookalike = not_a_number.iter().copied().find(|&p| {
                MISSING_LOOKALIKES.contains(&cells[p].trim().to_ascii_lowercase().as_str())
            });
            if let Some(p) = lookalike.filter(|_| {
                not_a_number.iter().all(|&q| {
                    MISSING_LOOKALIKES.contains(&cells[q].trim().to_ascii_lowercase().as_str())
                })
            }) {
                return Err(Error::input(
                    &table.source,
                    row_of(p),
                    Some(name),
                    format!(
                        "'{}' in a moderator whose other values are numbers; expected a \
                         number, or NA or an empty cell for a missing value (the study is \
                         then omitted)",
                        shown(cells[p].trim())
                    ),
                ));
            }
            let first = not_a_number[0];
            warnings.push(format!(
                "{}, column '{name}': the moderator is categorical (dummy-coded) although \
                 {numbers} of its cells are numbers: row {} holds '{}', which is not a number",
                table.source,
                row_of(first).map_or("?".to_string(), |r| r.to_string()),
                shown(cells[first].trim())
            ));
        }
        numeric.push(not_a_number.is_empty());
    }
    // Studies with every moderator present.
    let used: Vec<usize> = (0..k)
        .filter(|&p| named.iter().all(|(_, cells)| !is_missing(cells[p])))
        .collect();
    let omitted: Vec<usize> = (0..k)
        .filter(|&p| named.iter().any(|(_, cells)| is_missing(cells[p])))
        .collect();
    let omitted_rows: Vec<usize> = omitted.iter().filter_map(|&p| row_of(p)).collect();
    let names_of_columns = named
        .iter()
        .map(|(n, _)| format!("'{n}'"))
        .collect::<Vec<_>>()
        .join(", ");
    if used.is_empty() {
        return Err(Error::Degenerate(format!(
            "{}: every study has a missing value in the moderators ({names_of_columns}): no \
             study left for the meta-regression",
            table.source
        )));
    }
    if !omitted.is_empty() {
        warnings.push(format!(
            "{}: {} of {k} studies omitted from the meta-regression for a missing value in \
             the moderators ({names_of_columns}; rows {}): k = {} (metafor: \"Studies with \
             NAs omitted from model fitting.\")",
            table.source,
            omitted.len(),
            rows_listed(&omitted_rows),
            used.len()
        ));
    }
    // The moderators over the studies used; constant ones dropped.
    let mut dropped = Vec::new();
    let mut moderators = Vec::new();
    for ((name, cells), is_numeric) in named.iter().zip(numeric) {
        let values: Vec<&str> = used.iter().map(|&p| cells[p].trim()).collect();
        let moderator = if is_numeric {
            Moderator::Numeric(
                name.clone(),
                values
                    .iter()
                    .map(|c| c.parse::<f64>().unwrap_or(f64::NAN))
                    .collect(),
            )
        } else {
            Moderator::Categorical(name.clone(), values.iter().map(|c| c.to_string()).collect())
        };
        let constant = match &moderator {
            Moderator::Numeric(_, x) => x.iter().all(|v| v == &x[0]),
            Moderator::Categorical(_, l) => l.iter().all(|v| v == &l[0]),
        };
        if constant {
            let what = if is_numeric {
                format!("takes one value ({})", values[0])
            } else {
                format!("has one level ('{}')", shown(values[0]))
            };
            warnings.push(format!(
                "{}, column '{name}': the moderator {what} in the {} studies used: it is \
                 redundant with the intercept and dropped from the model (metafor: \
                 \"Redundant predictors dropped from the model.\")",
                table.source,
                used.len()
            ));
            dropped.push(name.clone());
        } else {
            moderators.push(moderator);
        }
    }
    let (mut x, mut names) = design(used.len(), &moderators)?;
    let yi: Vec<f64> = used.iter().map(|&p| effects.yi[p]).collect();
    let vi: Vec<f64> = used.iter().map(|&p| effects.vi[p]).collect();
    check_scale(x.view(), &names, &vi).map_err(|(j, message)| {
        // Column 0 is the intercept: the variances are at fault, not a moderator.
        let column = (j > 0).then(|| moderator_of(&names[j], &moderators));
        Error::input(&table.source, None, column.as_deref(), message)
    })?;
    let redundant = redundant_columns(x.view());
    if !redundant.is_empty() {
        let keep: Vec<usize> = (0..names.len())
            .filter(|j| !redundant.contains(j))
            .collect();
        let listed: Vec<String> = redundant.iter().map(|&j| names[j].clone()).collect();
        warnings.push(format!(
            "{}: the coefficient{} {} {} a linear combination of the columns before {} in the \
             design: dropped from the model (metafor: \"Redundant predictors dropped from the \
             model.\")",
            table.source,
            if listed.len() == 1 { "" } else { "s" },
            listed.join(", "),
            if listed.len() == 1 { "is" } else { "are" },
            if listed.len() == 1 { "it" } else { "them" },
        ));
        dropped.extend(listed);
        x = x.select(Axis(1), &keep);
        names = keep.iter().map(|&j| names[j].clone()).collect();
    }
    if names.len() == 1 {
        return Err(Error::Degenerate(format!(
            "{}: no moderator left to regress on: {} redundant with the intercept in the {} \
             studies used (see the warnings); expected a moderator that varies (the \
             intercept-only model is the pooled estimate: metapool pool)",
            table.source,
            if dropped.len() == 1 {
                format!("'{}' is", dropped[0])
            } else {
                format!("'{}' are", dropped.join("', '"))
            },
            used.len()
        )));
    }
    Ok(RegressionData {
        yi,
        vi,
        x,
        names,
        used,
        omitted_rows,
        dropped,
        warnings,
    })
}

/// The moderator column a coefficient comes from (`dose`, or `grp` for `grpB`).
fn moderator_of(coefficient: &str, moderators: &[Moderator]) -> String {
    moderators
        .iter()
        .map(|m| match m {
            Moderator::Numeric(n, _) | Moderator::Categorical(n, _) => n,
        })
        .find(|n| coefficient.starts_with(n.as_str()))
        .map_or_else(|| coefficient.to_string(), |n| n.clone())
}

/// The tolerance of [`redundant_columns`]: R's `lm` (and `qr`) default.
const REDUNDANCY_TOLERANCE: f64 = 1e-7;

/// The columns of `x` that are linear combinations of the columns before them: by
/// Gram-Schmidt (orthogonalised twice) on the columns scaled by their largest value, a
/// column whose part orthogonal to the columns kept before it has a norm below 1e-7
/// times its own (R's `qr` with `lm`'s tolerance, which metafor uses to drop redundant
/// predictors). O(k p²).
pub fn redundant_columns(x: ArrayView2<'_, f64>) -> Vec<usize> {
    let mut basis: Vec<Vec<f64>> = Vec::new();
    let mut redundant = Vec::new();
    for (j, column) in x.axis_iter(Axis(1)).enumerate() {
        let scale = column.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        if !(scale > 0.0 && scale.is_finite()) {
            if scale == 0.0 {
                redundant.push(j);
            }
            continue;
        }
        let mut c: Vec<f64> = column.iter().map(|v| v / scale).collect();
        let norm0 = c.iter().map(|v| v * v).sum::<f64>().sqrt();
        for _ in 0..2 {
            for q in &basis {
                let dot: f64 = q.iter().zip(&c).map(|(a, b)| a * b).sum();
                for (ci, qi) in c.iter_mut().zip(q) {
                    *ci -= dot * qi;
                }
            }
        }
        let norm = c.iter().map(|v| v * v).sum::<f64>().sqrt();
        if norm <= REDUNDANCY_TOLERANCE * norm0 {
            redundant.push(j);
        } else {
            basis.push(c.iter().map(|v| v / norm).collect());
        }
    }
    redundant
}

/// The range of the sums of squares of a design column in which XᵀWX keeps its digits:
/// within 1e±289 of 1, far from overflow (1.8e308) and from the subnormal numbers
/// (below 2.2e-308), whatever τ² shrinks the weights to.
const SCALE_LIMIT: f64 = 1e289;

/// Each column of the design must have Σ x_ij² (the ordinary least-squares fits of HE
/// and of the REML constant) and Σ x_ij²/v_i (the weighted fits) within
/// [1/[`SCALE_LIMIT`], [`SCALE_LIMIT`]] (or be all zero): else XᵀWX overflows or loses
/// its digits in the subnormal range, and its factorisation fails or lies. On failure
/// the column and a message in the user's terms (its largest value, and the power of
/// ten to divide it by).
fn check_scale(
    x: ArrayView2<'_, f64>,
    names: &[String],
    vi: &[f64],
) -> std::result::Result<(), (usize, String)> {
    for (j, column) in x.axis_iter(Axis(1)).enumerate() {
        let largest = column.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        if largest == 0.0 {
            continue;
        }
        // Σ (x/M)² and Σ (x/M)²/v, times M² in logarithms so that neither part overflows.
        let (mut squares, mut weighted) = (0.0, 0.0);
        for (&value, &v) in column.iter().zip(vi) {
            let scaled = (value / largest).powi(2);
            squares += scaled;
            weighted += scaled / v;
        }
        let log_m2 = 2.0 * largest.log10();
        let (log_squares, log_weighted) = (squares.log10() + log_m2, weighted.log10() + log_m2);
        // Out of range, or not a number (a sum that overflowed).
        let out = |l: f64| l.is_nan() || l.abs() > SCALE_LIMIT.log10();
        if !(out(log_squares) || out(log_weighted)) {
            continue;
        }
        if column.iter().all(|&value| value == 1.0) {
            let v_min = vi.iter().copied().fold(f64::INFINITY, f64::min);
            return Err((
                j,
                format!(
                    "the sampling variances (the smallest {v_min:e}) give Σ 1/vi = \
                     1e{log_weighted:.0}, outside the range of double precision in which the \
                     meta-regression can be computed; expected variances of moderate size: \
                     rescale the estimates (multiplying them by c multiplies the variances \
                     by c²)"
                ),
            ));
        }
        let power = largest.log10().round();
        return Err((
            j,
            format!(
                "the moderator '{}' has values up to {largest:e} in absolute value: the sums of \
                 its squares (Σ x² = 1e{log_squares:.0}, Σ x²/vi = 1e{log_weighted:.0}) leave \
                 the range of double precision, and the meta-regression cannot be computed; \
                 expected values of moderate size: rescale the moderator (divide it by \
                 1e{power:.0}, say)",
                names[j]
            ),
        ));
    }
    Ok(())
}

/// The checks of a design before a meta-regression is fitted: every value finite, the
/// scale of each column (Σ x_ij² and Σ x_ij²/v_i within 1e±289, so that XᵀX and XᵀWX
/// neither overflow nor lose their digits among the subnormal numbers), and no column a
/// linear combination of those before it ([`redundant_columns`]). [`regression_data`] drops redundant
/// columns with a warning before this; a design given directly is refused instead.
///
/// # Errors
/// [`Error::InvalidArgument`] naming the coefficient for a value that is not finite;
/// [`Error::Degenerate`] naming the coefficient for a scale problem or a redundant
/// column.
pub fn check_design(x: ArrayView2<'_, f64>, names: &[String], vi: &[f64]) -> Result<()> {
    if let Some(((i, j), v)) = x.indexed_iter().find(|(_, v)| !v.is_finite()) {
        return Err(Error::InvalidArgument(format!(
            "the design has {v} for '{}' in study {}; expected finite numbers",
            names.get(j).map_or("?", String::as_str),
            i + 1
        )));
    }
    check_scale(x, names, vi).map_err(|(_, message)| Error::Degenerate(message))?;
    let redundant = redundant_columns(x);
    if !redundant.is_empty() {
        let listed: Vec<&str> = redundant
            .iter()
            .map(|&j| names.get(j).map_or("?", String::as_str))
            .collect();
        return Err(Error::Degenerate(format!(
            "the moderators are collinear: {} {} a linear combination of the columns before \
             in the design (drop {})",
            listed.join(", "),
            if listed.len() == 1 { "is" } else { "are" },
            if listed.len() == 1 { "it" } else { "them" },
        )));
    }
    Ok(())
}
