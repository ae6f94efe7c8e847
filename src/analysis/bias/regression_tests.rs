//! Regression tests for funnel-plot asymmetry: Egger, Peters and the other predictors
//! of metafor's `regtest`.

use super::*;

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

    /// The test on this predictor as messages name it.
    pub fn test_name(self) -> &'static str {
        match self {
            Predictor::StandardError => "the regression test on the standard error (Egger's)",
            Predictor::Variance => "the regression test on the variance",
            Predictor::SampleSize => "the regression test on the sample size",
            Predictor::InverseSampleSize => "the regression test on 1/n (Peters')",
            Predictor::SqrtSampleSize => "the regression test on √n",
            Predictor::InverseSqrtSampleSize => "the regression test on 1/√n",
        }
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
    let what = predictor.test_name();
    let x: Vec<f64> = if predictor.needs_sample_sizes() {
        let ni = ni.ok_or_else(|| {
            Error::InvalidArgument(format!("{what} needs the sample sizes of the studies"))
        })?;
        if ni.len() != yi.len() {
            return Err(Error::InvalidArgument(format!(
                "{what}: {} sample sizes for {} studies",
                ni.len(),
                yi.len()
            )));
        }
        if let Some(i) = ni.iter().position(|&n| !(n > 0.0 && n.is_finite())) {
            return Err(Error::Degenerate(format!(
                "{what}: study {} has the sample size {}; expected a number greater than 0",
                i + 1,
                ni[i]
            )));
        }
        if yi.len() >= 3 && ni.iter().all(|&n| n == ni[0]) {
            return Err(Error::Degenerate(format!(
                "{what}: every study has the same sample size ({}), so the predictor does \
                 not vary and its slope cannot be estimated",
                ni[0]
            )));
        }
        vi.iter()
            .zip(ni)
            .map(|(&v, &n)| predictor.value(v, n))
            .collect()
    } else {
        if yi.len() >= 3 && vi.iter().all(|&v| v == vi[0]) {
            return Err(Error::Degenerate(format!(
                "{what}: every study has the same sampling variance ({}), so the predictor \
                 does not vary and its slope cannot be estimated",
                vi[0]
            )));
        }
        vi.iter().map(|&v| predictor.value(v, f64::NAN)).collect()
    };
    let fit = fit_one_moderator_as(
        what,
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
