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
    /// Σw.
    sum_w: f64,
    /// Q_E = Σ w e².
    pub(super) q_e: f64,
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
    let mut q_e = 0.0;
    let (mut sw2, mut sw2d2) = (0.0, 0.0);
    for ((&y, &v), &xi) in yi.iter().zip(vi).zip(x) {
        let w = 1.0 / (v + tau2);
        let d = xi - xbar;
        let e = (y - ybar) - b1 * d;
        q_e += w * e * e;
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
        tr_p,
    }
}

/// The root in (0, ∞) of a function positive at 0 and negative for large arguments: the
/// upper end `start` is doubled until the sign changes, then Brent's method.
fn root_from_zero(f: impl Fn(f64) -> f64, start: f64) -> (f64, Convergence) {
    let (root, iterations, converged) = crate::weighted::bracketed_root(f, 0.0, start);
    let fallback = (!converged).then(|| {
        "Brent's method did not converge; the midpoint of the last bracket is reported".to_string()
    });
    (
        root,
        Convergence {
            iterations,
            converged,
            fallback,
            ..Convergence::closed_form()
        },
    )
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
        Tau2Method::DL => (
            truncate((at_zero.q_e - df) / at_zero.tr_p),
            Convergence::closed_form(),
        ),
        Tau2Method::HS => (
            truncate((at_zero.q_e - k) / at_zero.sum_w),
            Convergence::closed_form(),
        ),
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
            (truncate((ols.q_e - trace) / df), Convergence::closed_form())
        }
        Tau2Method::SJ => {
            let tau2_0 = unweighted_ss / k;
            if tau2_0 == 0.0 {
                return (0.0, Convergence::closed_form());
            }
            (
                tau2_0 * wls(yi, vi, x, tau2_0).q_e / df,
                Convergence::closed_form(),
            )
        }
        Tau2Method::PM | Tau2Method::EB => {
            if at_zero.q_e <= df {
                return (0.0, Convergence::closed_form());
            }
            root_from_zero(|t| wls(yi, vi, x, t).q_e - df, unweighted_ss / k)
        }
        Tau2Method::ML | Tau2Method::REML => {
            // The one engine of ML and REML (the global maximum of the likelihood), with
            // the design [1, x].
            let design =
                nalgebra::DMatrix::from_fn(yi.len(), 2, |i, j| if j == 0 { 1.0 } else { x[i] });
            let y = nalgebra::DVector::from_column_slice(yi);
            match crate::analysis::regression::likelihood_tau2(
                &design,
                &y,
                vi,
                method == Tau2Method::REML,
            ) {
                Ok(estimate) => (estimate.tau2, estimate.convergence),
                Err(e) => (
                    f64::NAN,
                    Convergence {
                        converged: false,
                        fallback: Some(e.to_string()),
                        ..Convergence::closed_form()
                    },
                ),
            }
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
