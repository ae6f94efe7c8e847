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
//! | ML | the global maximum of the likelihood on τ² ≥ 0 (a root of the score Σ w²e² − Σ w, or 0) |
//! | REML | the global maximum of the restricted likelihood (a root of yᵀPPy − tr P; Harville 1977, or 0) |
//!
//! (e = y − Xb̂(τ²) and w = 1/(vi + τ²).) Each estimator is written once, in the τ²
//! engine of the crate ([`crate::model::tau2::estimate_model`]) that pooling and
//! meta-regression share; this module supplies the weighted fit on [1, x] in closed
//! form, done with the moderator centred at its weighted mean, which makes XᵀWX
//! diagonal. PM and EB are solved by Newton's method on 1/Q_E from 0 (Brent's method on
//! a bracket as a safeguard), ML and REML by the likelihood engine on the design [1, x].
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
//! let StudyData::GenericVariance { yi, vi } = table.data() else { unreachable!() };
//! let options = PoolOptions::default(); // REML, z: metafor's rma() defaults
//! let egger = egger_test(yi, vi, RegressionModel::MetaRegression, &options)?;
//! assert!((egger.statistic - -0.8033).abs() < 1e-4); // regtest(res): z = -0.8033
//! let filled = trim_and_fill(yi, vi, &TrimFillOptions::default(), &options)?;
//! assert_eq!(filled.k0, 1); // trimfill(res): 1 study missing on the right
//! # Ok::<(), metapool::Error>(())
//! ```

use crate::distribution::normal_two_sided_p;
use crate::error::{Error, Result};
use crate::model::fixed::PooledEstimate;
use crate::model::tau2::{estimate_model, Convergence, Tau2Estimate, Tau2Model};
use crate::model::{fit_slices, CiMethod, FixedMethod, PoolOptions, SliceFit, Tau2Method};
use crate::weighted::inverse_variance;
use serde::Serialize;

mod harbord;
mod one_moderator;
mod rank;
mod regression_tests;
mod report;
mod trim_fill;

pub use harbord::*;
pub use one_moderator::*;
pub use rank::*;
pub use regression_tests::*;
pub use report::*;
pub use trim_fill::*;

// ---------------------------------------------------------------------------------------
// Checks
// ---------------------------------------------------------------------------------------

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
