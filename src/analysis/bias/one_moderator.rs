//! Weighted regression on one moderator: the two-parameter mixed-effects model behind
//! the regression tests, with τ² by every estimator (see the table of the parent module).

use super::*;

/// The weighted least-squares fit of y on [1, x] with weights 1/(vᵢ + τ²), and the sums
/// that the τ² estimators need.
#[derive(Debug, Clone, Copy)]
pub(super) struct Wls {
    pub(super) b0: f64,
    pub(super) b1: f64,
    /// (XᵀWX)⁻¹ entries.
    pub(super) var_b0: f64,
    pub(super) var_b1: f64,
    /// Q_E = Σ w e².
    pub(super) q_e: f64,
    /// yᵀPPy = Σ (w e)², minus the derivative of Q_E in τ².
    q_e_slope: f64,
    /// tr P.
    tr_p: f64,
}

/// # Formula
/// x̄ = Σwx/Σw, ȳ = Σwy/Σw, d = x − x̄, S_xx = Σw d²: b₁ = Σw d (y − ȳ)/S_xx,
/// b₀ = ȳ − b₁x̄, Var(b₀) = 1/Σw + x̄²/S_xx, Var(b₁) = 1/S_xx; with A = (XᵀWX)⁻¹ =
/// diag(1/Σw, 1/S_xx) in the centred basis, tr P = Σw − tr(A XᵀW²X) = Σw − Σw²/Σw −
/// Σw²d²/S_xx.
pub(super) fn wls(yi: &[f64], vi: &[f64], x: &[f64], tau2: f64) -> Wls {
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
    let (mut q_e, mut q_e_slope) = (0.0, 0.0);
    let (mut sw2, mut sw2d2) = (0.0, 0.0);
    for ((&y, &v), &xi) in yi.iter().zip(vi).zip(x) {
        let w = 1.0 / (v + tau2);
        let d = xi - xbar;
        let e = (y - ybar) - b1 * d;
        q_e += w * e * e;
        q_e_slope += (w * e) * (w * e);
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
        q_e,
        q_e_slope,
        tr_p,
    }
}

/// The model yᵢ = b₀ + b₁xᵢ + uᵢ + eᵢ of the regression tests, for the τ² engine: the
/// weighted fit in closed form ([`wls`]); the likelihood by the general design [1, x].
#[derive(Debug, Clone, Copy)]
struct OneModerator<'a> {
    yi: &'a [f64],
    vi: &'a [f64],
    x: &'a [f64],
}

impl Tau2Model for OneModerator<'_> {
    fn studies(&self) -> (&[f64], &[f64]) {
        (self.yi, self.vi)
    }

    fn coefficients(&self) -> usize {
        2
    }

    fn residual_q(&self, tau2: f64) -> Result<(f64, f64)> {
        let fit = wls(self.yi, self.vi, self.x, tau2);
        Ok((fit.q_e, -fit.q_e_slope))
    }

    fn trace_p(&self, tau2: f64) -> Result<f64> {
        Ok(wls(self.yi, self.vi, self.x, tau2).tr_p)
    }

    /// Unit weights: yᵀP_O y the residual sum of squares of the OLS line, and
    /// tr(P_O V) = Σ vᵢ (1 − hᵢ) with the leverages hᵢ = 1/k + dᵢ²/Σd², d = x − x̄.
    fn ordinary_least_squares(&self) -> Result<(f64, f64)> {
        let (yi, vi, x) = (self.yi, self.vi, self.x);
        let k = yi.len() as f64;
        let ones = vec![1.0; yi.len()];
        let ols = wls(yi, &ones, x, 0.0);
        let xbar = x.iter().sum::<f64>() / k;
        let sxx: f64 = x.iter().map(|xi| (xi - xbar) * (xi - xbar)).sum();
        let trace: f64 = vi
            .iter()
            .zip(x)
            .map(|(&v, &xi)| v * (1.0 - 1.0 / k - (xi - xbar) * (xi - xbar) / sxx))
            .sum();
        Ok((ols.q_e, trace))
    }

    fn likelihood_maximum(&self, reml: bool) -> Result<Tau2Estimate> {
        let x = self.x;
        let design = nalgebra::DMatrix::from_fn(x.len(), 2, |i, j| if j == 0 { 1.0 } else { x[i] });
        let y = nalgebra::DVector::from_column_slice(self.yi);
        crate::analysis::regression::likelihood_tau2(&design, &y, self.vi, reml)
    }
}

/// τ² of the model yi = b₀ + b₁xᵢ + uᵢ + eᵢ by `method` ([`estimate_model`] with
/// p = 2; see the module documentation); not a number, with the reason in
/// [`Convergence::fallback`], when the likelihood cannot be evaluated. Needs k ≥ 3.
pub fn tau2_one_moderator(
    method: Tau2Method,
    yi: &[f64],
    vi: &[f64],
    x: &[f64],
) -> (f64, Convergence) {
    let estimate = estimate_model(method, &OneModerator { yi, vi, x }, None)
        .unwrap_or_else(Tau2Estimate::not_evaluated);
    (estimate.tau2, estimate.convergence)
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
    fit_one_moderator_as(
        "a meta-regression on one moderator",
        yi,
        vi,
        x,
        weighted_least_squares,
        options,
    )
}

/// [`fit_one_moderator`] for the analysis `what` (a test's name), which its errors name.
pub(super) fn fit_one_moderator_as(
    what: &str,
    yi: &[f64],
    vi: &[f64],
    x: &[f64],
    weighted_least_squares: bool,
    options: &PoolOptions,
) -> Result<OneModeratorFit> {
    check_options(what, options)?;
    check_effects(what, yi, vi, 3)?;
    if x.len() != yi.len() {
        return Err(Error::InvalidArgument(format!(
            "{what}: {} moderator values for {} studies",
            x.len(),
            yi.len()
        )));
    }
    if let Some(i) = x.iter().position(|v| !v.is_finite()) {
        return Err(Error::Degenerate(format!(
            "{what}: the moderator of study {} is {}; expected a finite number",
            i + 1,
            x[i]
        )));
    }
    if x.iter().all(|&v| v == x[0]) {
        return Err(Error::Degenerate(format!(
            "{what}: the moderator is {} in every study: its slope cannot be estimated",
            x[0]
        )));
    }
    let df = yi.len() as f64 - 2.0;
    let (tau2_method, (tau2, convergence), method) = if weighted_least_squares {
        (None, (0.0, Convergence::closed_form()), CiMethod::T)
    } else {
        let estimated = options
            .tau2
            .map(|m| tau2_one_moderator(m, yi, vi, x))
            .unwrap_or_else(|| (0.0, Convergence::closed_form()));
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
            options.level.proportion(),
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
