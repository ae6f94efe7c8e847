//! Meta-regression: the mixed-effects model y = Xβ + u + e, u ~ N(0, τ²), e_i ~ N(0, v_i),
//! with one or more moderators (numeric, or categorical as dummy variables), as
//! metafor's `rma(yi, vi, mods = ...)` fits it.
//!
//! # Formulas (Viechtbauer 2005; Raudenbush 2009)
//! W = diag(1/(v_i + τ²)), β̂ = (XᵀWX)⁻¹XᵀWy, Var(β̂) = (XᵀWX)⁻¹,
//! P = W − WX(XᵀWX)⁻¹XᵀW (all traces below are formed from p × p products, O(k p²)).
//! - τ² by DL: (Q_E − (k − p)) / (tr W₀ − tr[(XᵀW₀X)⁻¹XᵀW₀²X]), W₀ = diag(1/v_i), 0 if
//!   negative; HE: (yᵀP_O y − tr(P_O V))/(k − p) with the OLS projection P_O, 0 if
//!   negative; ML and REML by Fisher scoring, τ² ← τ² + (yᵀPPy − tr P)/tr(PP) (REML) or
//!   (yᵀPPy − tr W)/tr(W²) (ML), with step-halving to stay ≥ 0, from the HE estimate,
//!   to a change below 1e-12; FE fixes τ² = 0.
//! - Q_E = Σ (y_i − x_iᵀβ̂₀)²/v_i about the fixed-effect fit, df k − p (residual
//!   heterogeneity); Q_M = β̂₂ᵀ Var(β̂₂)⁻¹ β̂₂ over the coefficients but the intercept,
//!   χ²(m) (or F(m, k − p) with Knapp-Hartung, Q_M/m).
//! - Knapp-Hartung: Var(β̂) multiplied by s² = yᵀPy/(k − p), t(k − p) tests.
//! - I² = 100 τ²/(τ² + ṽ), ṽ = (k − p)/tr P₀; H² = 1 + τ²/ṽ (FE: I² from Q_E and
//!   H² = Q_E/(k − p), as metafor); R² = 100 max(0, (τ²₀ −
//!   τ²)/τ²₀) with τ²₀ of the intercept-only model by the same estimator.
//!
//! Linear algebra: nalgebra's matrices and Cholesky factorisation (p × p systems only).
//! Categorical moderators: the levels sorted as R sorts a factor's levels (here:
//! byte order), the first one the reference, coefficients named `<column><level>`.

use crate::distribution::{
    chisq_sf, normal_quantile, normal_two_sided_p, t_quantile, t_two_sided_p,
};
use crate::error::{Error, Result};
use nalgebra::{DMatrix, DVector};
use serde::Serialize;

/// τ² estimators available for meta-regression.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub enum RegressionTau2 {
    /// Fixed effects (τ² = 0).
    FE,
    /// DerSimonian-Laird.
    DL,
    /// Hedges.
    HE,
    /// Maximum likelihood.
    ML,
    /// Restricted maximum likelihood.
    REML,
}

impl std::str::FromStr for RegressionTau2 {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Ok(match s.trim().to_ascii_uppercase().as_str() {
            "FE" | "NONE" => RegressionTau2::FE,
            "DL" => RegressionTau2::DL,
            "HE" => RegressionTau2::HE,
            "ML" => RegressionTau2::ML,
            "REML" => RegressionTau2::REML,
            other => {
                return Err(Error::InvalidArgument(format!(
                "meta-regression supports the tau2 estimators FE, DL, HE, ML and REML, not {other}"
            )))
            }
        })
    }
}

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
/// [`Error::InvalidArgument`] when the columns differ in length from `k`.
pub fn design(k: usize, moderators: &[Moderator]) -> Result<(DMatrix<f64>, Vec<String>)> {
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
    Ok((DMatrix::from_fn(k, p, |i, j| columns[j][i]), names))
}

/// One coefficient.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Coefficient {
    /// Its name (`intrcpt`, a moderator, or moderator and level).
    pub name: String,
    /// Estimate.
    pub estimate: f64,
    /// Standard error.
    pub se: f64,
    /// z or t statistic.
    pub statistic: f64,
    /// Two-sided p-value.
    pub p_value: f64,
    /// Lower confidence limit.
    pub ci_lower: f64,
    /// Upper confidence limit.
    pub ci_upper: f64,
}

/// A fitted meta-regression.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Regression {
    /// Coefficients, intercept first.
    pub coefficients: Vec<Coefficient>,
    /// Residual τ².
    pub tau2: f64,
    /// Q_E, the test for residual heterogeneity.
    pub qe: f64,
    /// Its p-value (df k − p).
    pub qe_p_value: f64,
    /// Q_M, the omnibus test of the moderators (F statistic × m with Knapp-Hartung).
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
    /// Iterations of ML/REML.
    pub iterations: usize,
}

/// Products of a weighted fit at a given τ².
struct Weighted {
    w: DVector<f64>,
    /// (XᵀWX)⁻¹.
    inv: DMatrix<f64>,
    beta: DVector<f64>,
    /// Residuals y − Xβ̂.
    resid: DVector<f64>,
}

fn weighted(x: &DMatrix<f64>, y: &DVector<f64>, vi: &[f64], tau2: f64) -> Result<Weighted> {
    let w = DVector::from_iterator(vi.len(), vi.iter().map(|v| 1.0 / (v + tau2)));
    let xtw = x.transpose() * DMatrix::from_diagonal(&w);
    let xtwx = &xtw * x;
    let inv = xtwx
        .cholesky()
        .ok_or_else(|| Error::Degenerate("the moderators are collinear (XᵀWX is singular)".into()))?
        .inverse();
    let beta = &inv * (&xtw * y);
    let resid = y - x * &beta;
    Ok(Weighted {
        w,
        inv,
        beta,
        resid,
    })
}

/// tr[(XᵀWX)⁻¹ XᵀW^a X] for a = 2, 3 (p × p products).
fn trace_term(x: &DMatrix<f64>, fit: &Weighted, power: i32) -> f64 {
    let wa = DMatrix::from_diagonal(&fit.w.map(|w| w.powi(power)));
    (&fit.inv * (x.transpose() * wa * x)).trace()
}

/// tr P = Σw − tr[(XᵀWX)⁻¹XᵀW²X].
fn trace_p(x: &DMatrix<f64>, fit: &Weighted) -> f64 {
    fit.w.sum() - trace_term(x, fit, 2)
}

/// tr(PP) = Σw² − 2 tr[(XᵀWX)⁻¹XᵀW³X] + tr([(XᵀWX)⁻¹XᵀW²X]²).
fn trace_pp(x: &DMatrix<f64>, fit: &Weighted) -> f64 {
    let w2 = DMatrix::from_diagonal(&fit.w.map(|w| w * w));
    let a = &fit.inv * (x.transpose() * w2 * x);
    fit.w.map(|w| w * w).sum() - 2.0 * trace_term(x, fit, 3) + (&a * &a).trace()
}

/// yᵀPPy = Σ (w_i r_i)².
fn ypy2(fit: &Weighted) -> f64 {
    fit.w.component_mul(&fit.resid).norm_squared()
}

fn estimate_tau2(
    x: &DMatrix<f64>,
    y: &DVector<f64>,
    vi: &[f64],
    method: RegressionTau2,
) -> Result<(f64, usize)> {
    let (k, p) = (x.nrows() as f64, x.ncols() as f64);
    Ok(match method {
        RegressionTau2::FE => (0.0, 0),
        RegressionTau2::DL => {
            let fe = weighted(x, y, vi, 0.0)?;
            let qe = fe.resid.component_mul(&fe.resid).component_mul(&fe.w).sum();
            (((qe - (k - p)) / trace_p(x, &fe)).max(0.0), 0)
        }
        RegressionTau2::HE => (hedges(x, y, vi)?, 0),
        RegressionTau2::ML | RegressionTau2::REML => {
            let reml = method == RegressionTau2::REML;
            let mut tau2 = hedges(x, y, vi)?;
            for iteration in 1..=10_000 {
                let fit = weighted(x, y, vi, tau2)?;
                let mut step = if reml {
                    (ypy2(&fit) - trace_p(x, &fit)) / trace_pp(x, &fit)
                } else {
                    (ypy2(&fit) - fit.w.sum()) / fit.w.map(|w| w * w).sum()
                };
                while tau2 + step < 0.0 {
                    step /= 2.0;
                }
                tau2 += step;
                if step.abs() <= 1e-12 * tau2.max(1.0) {
                    return Ok((tau2, iteration));
                }
            }
            return Err(Error::Degenerate(format!(
                "{method:?} did not converge in 10000 Fisher-scoring steps"
            )));
        }
    })
}

fn hedges(x: &DMatrix<f64>, y: &DVector<f64>, vi: &[f64]) -> Result<f64> {
    let (k, p) = (x.nrows() as f64, x.ncols() as f64);
    let ols = weighted(x, y, &vec![0.0; vi.len()], 1.0)?;
    let rss = ols.resid.norm_squared();
    let v = DMatrix::from_diagonal(&DVector::from_column_slice(vi));
    let tr_pv = vi.iter().sum::<f64>() - (&ols.inv * (x.transpose() * v * x)).trace();
    Ok(((rss - tr_pv) / (k - p)).max(0.0))
}

/// Fits the meta-regression of `yi` (variances `vi`) on the design `x` (intercept
/// first) with τ² by `method`, Wald or Knapp-Hartung tests at `level`.
///
/// # Errors
/// [`Error::Degenerate`] with no residual degree of freedom, collinear moderators, or
/// ML/REML not converging.
pub fn fit(
    yi: &[f64],
    vi: &[f64],
    x: &DMatrix<f64>,
    names: &[String],
    method: RegressionTau2,
    knapp_hartung: bool,
    level: f64,
) -> Result<Regression> {
    let (k, p) = (yi.len(), x.ncols());
    if x.nrows() != k || vi.len() != k || names.len() != p {
        return Err(Error::InvalidArgument(
            "the design does not match the studies".into(),
        ));
    }
    if k <= p {
        return Err(Error::Degenerate(format!(
            "{k} studies for {p} coefficients: no residual degree of freedom"
        )));
    }
    let y = DVector::from_column_slice(yi);
    let (tau2, iterations) = estimate_tau2(x, &y, vi, method)?;
    let fit = weighted(x, &y, vi, tau2)?;
    let df = (k - p) as f64;
    let s2 = if knapp_hartung {
        fit.resid
            .component_mul(&fit.resid)
            .component_mul(&fit.w)
            .sum()
            / df
    } else {
        1.0
    };
    let vb = &fit.inv * s2;
    let crit = if knapp_hartung {
        t_quantile(1.0 - (1.0 - level) / 2.0, df)
    } else {
        normal_quantile(1.0 - (1.0 - level) / 2.0)
    };
    let coefficients = (0..p)
        .map(|j| {
            let (b, se) = (fit.beta[j], vb[(j, j)].sqrt());
            let statistic = b / se;
            Coefficient {
                name: names[j].clone(),
                estimate: b,
                se,
                statistic,
                p_value: if knapp_hartung {
                    t_two_sided_p(statistic, df)
                } else {
                    normal_two_sided_p(statistic)
                },
                ci_lower: b - crit * se,
                ci_upper: b + crit * se,
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
    let qe = fe.resid.component_mul(&fe.resid).component_mul(&fe.w).sum();
    let vt = df / trace_p(x, &fe);
    let r2 = if method == RegressionTau2::FE {
        f64::NAN
    } else {
        let ones = DMatrix::from_element(k, 1, 1.0);
        let (tau2_0, _) = estimate_tau2(&ones, &y, vi, method)?;
        if tau2_0 > 0.0 {
            100.0 * ((tau2_0 - tau2) / tau2_0).max(0.0)
        } else {
            0.0
        }
    };
    Ok(Regression {
        coefficients,
        tau2,
        qe,
        qe_p_value: chisq_sf(qe, df),
        qm,
        qm_p_value,
        // With τ² fixed at 0 metafor reports the Q-based I² and H² = Q_E/df.
        i2: if method == RegressionTau2::FE {
            crate::heterogeneity::i2_from_q(qe, df)
        } else {
            100.0 * tau2 / (vt + tau2)
        },
        h2: if method == RegressionTau2::FE {
            qe / df
        } else {
            1.0 + tau2 / vt
        },
        r2,
        k,
        p,
        knapp_hartung,
        iterations,
    })
}

/// Upper tail of the F distribution with (d1, d2) degrees of freedom, through the
/// incomplete beta function: P(F > f) = I_{d2/(d2 + d1 f)}(d2/2, d1/2).
fn f_sf(f: f64, d1: f64, d2: f64) -> f64 {
    crate::distribution::inc_beta(d2 / 2.0, d1 / 2.0, d2 / (d2 + d1 * f))
}

/// The exact permutation test of a meta-regression (metafor's `permutest(exact =
/// TRUE)`): the moderator rows are permuted over every distinct arrangement, the model
/// refitted, and each p-value is the share of arrangements whose |statistic| (or Q_M)
/// is at least the observed one (with a relative tolerance of √ε, as metafor).
/// Returns (p-values of the coefficients, p-value of Q_M, arrangements).
///
/// # Errors
/// [`Error::InvalidArgument`] with more than 10 studies (10! arrangements); as [`fit`].
pub fn permutation_test(
    yi: &[f64],
    vi: &[f64],
    x: &DMatrix<f64>,
    names: &[String],
    method: RegressionTau2,
    level: f64,
) -> Result<(Vec<f64>, f64, usize)> {
    let k = yi.len();
    if k > 10 {
        return Err(Error::InvalidArgument(format!(
            "an exact permutation test of {k} studies is too large (k! arrangements)"
        )));
    }
    let observed = fit(yi, vi, x, names, method, false, level)?;
    let tol = f64::EPSILON.sqrt();
    // Distinct arrangements of the rows of x: permute row indices sorted by row content.
    let key = |i: usize| x.row(i).iter().map(|v| v.to_bits()).collect::<Vec<u64>>();
    let mut order: Vec<usize> = (0..k).collect();
    order.sort_by_key(|&i| key(i));
    let keys: Vec<Vec<u64>> = order.iter().map(|&i| key(i)).collect();
    // The rank of a row is the first position of its content in the sorted order, so
    // identical rows share a rank and their exchanges are not counted twice.
    let mut ranks: Vec<usize> = (0..k)
        .map(|t| keys.iter().position(|kk| *kk == keys[t]).unwrap_or(t))
        .collect();
    let (mut at_least, mut qm_at_least, mut count) = (vec![0usize; x.ncols()], 0usize, 0usize);
    loop {
        let xp = DMatrix::from_fn(k, x.ncols(), |i, c| x[(order[ranks[i]], c)]);
        if let Ok(r) = fit(yi, vi, &xp, names, method, false, level) {
            for (c, coef) in r.coefficients.iter().enumerate() {
                if coef.statistic.abs() >= observed.coefficients[c].statistic.abs() * (1.0 - tol) {
                    at_least[c] += 1;
                }
            }
            if r.qm >= observed.qm * (1.0 - tol) {
                qm_at_least += 1;
            }
        }
        count += 1;
        if !next_permutation(&mut ranks) {
            break;
        }
    }
    Ok((
        at_least.iter().map(|&a| a as f64 / count as f64).collect(),
        qm_at_least as f64 / count as f64,
        count,
    ))
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

/// The moderators named by `columns`, for the studies `index` of a table: numeric when
/// every cell is a number, categorical otherwise.
///
/// # Errors
/// [`Error::Input`] naming a column the table does not have.
pub fn moderators_of(
    table: &crate::data::StudyTable,
    index: &[usize],
    columns: &[String],
) -> Result<Vec<Moderator>> {
    columns
        .iter()
        .map(|c| {
            let name = c.trim();
            let column = table.covariate(name).ok_or_else(|| {
                Error::input(
                    &table.source,
                    Some(1),
                    Some(name),
                    format!("no column named '{name}' to use as a moderator"),
                )
            })?;
            let cells: Vec<&String> = index.iter().map(|&i| &column.values[i]).collect();
            let numbers: Option<Vec<f64>> = cells
                .iter()
                .map(|s| s.trim().parse::<f64>().ok().filter(|x| x.is_finite()))
                .collect();
            Ok(match numbers {
                Some(x) => Moderator::Numeric(name.to_string(), x),
                None => {
                    Moderator::Categorical(name.to_string(), cells.into_iter().cloned().collect())
                }
            })
        })
        .collect()
}
