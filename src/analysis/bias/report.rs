//! Every small-study analysis of a study table at once: what `metapool bias` reports.

use super::*;
use crate::data::{StudyData, StudyTable};
use crate::effect::Effects;

/// A result, or why it could not be computed: an analysis among several that fails
/// says so in the report instead of vanishing (JSON: the result's fields, or
/// `{"error": "..."}`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Computed<T> {
    /// The result.
    Value(T),
    /// The reason it could not be computed.
    NotComputed {
        /// The error message.
        error: String,
    },
}

impl<T> Computed<T> {
    /// The value, if computed.
    pub fn value(&self) -> Option<&T> {
        match self {
            Computed::Value(v) => Some(v),
            Computed::NotComputed { .. } => None,
        }
    }
}

impl<T> From<Result<T>> for Computed<T> {
    fn from(r: Result<T>) -> Self {
        match r {
            Ok(v) => Computed::Value(v),
            Err(e) => Computed::NotComputed {
                error: e.to_string(),
            },
        }
    }
}

/// The number of studies below which small-study tests carry a warning: meta's
/// `metabias` refuses fewer than 10 by default (its `k.min = 10`), after Sterne et al.
/// 2011 (*BMJ* 343:d4002), who advise against the tests below 10 studies, their power
/// being too low to tell chance from asymmetry.
pub const SMALL_STUDY_MIN_K: usize = 10;

/// The small-study analyses of one meta-analysis (`metapool bias`).
///
/// Two regression tests of Egger's kind are reported, named: [`egger`](Self::egger),
/// Egger's original test as most papers and meta's `metabias` compute it (weighted
/// least squares of yi on √vi with weights 1/vi and a multiplicative dispersion, t on
/// k − 2 df; metafor `regtest(x, model = "lm")`), and
/// [`regression_test_of_model`](Self::regression_test_of_model), the same predictor in
/// the meta-regression of the model in use (metafor's default `regtest(x)`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SmallStudyEffects {
    /// Egger's test: weighted regression with multiplicative dispersion (metafor
    /// `regtest(x, model = "lm")`, meta `metabias(method.bias = "Egger")`).
    pub egger: RegressionTest,
    /// The regression test on √vi with the model of the analysis (fixed or random
    /// effects; metafor `regtest(x)`).
    pub regression_test_of_model: RegressionTest,
    /// Begg and Mazumdar's rank correlation test.
    pub begg: RankCorrelationTest,
    /// Peters' test (binary data only).
    pub peters: Option<RegressionTest>,
    /// Harbord's test (binary data only), or why it could not be computed.
    pub harbord: Option<Computed<HarbordTest>>,
    /// Trim and fill.
    pub trim_and_fill: TrimAndFill,
    /// Warnings (those of the study effects, an analysis not computed, too few
    /// studies).
    pub warnings: Vec<String>,
}

/// Runs every small-study analysis on the effects of `table` with the model of
/// `options`.
///
/// # Errors
/// As [`egger_test`], [`rank_correlation_test`], [`peters_test`] and [`trim_and_fill`];
/// Harbord's test, which needs informative 2x2 tables, reports its error in the result
/// (and a warning) instead.
pub fn small_study_effects(
    table: &StudyTable,
    effects: &Effects,
    options: &PoolOptions,
    trim: &TrimFillOptions,
) -> Result<SmallStudyEffects> {
    let (yi, vi) = (&effects.yi, &effects.vi);
    let mut warnings = effects.warnings.clone();
    let egger = egger_test(yi, vi, RegressionModel::WeightedLeastSquares, options)?;
    let regression_test_of_model = egger_test(yi, vi, RegressionModel::MetaRegression, options)?;
    if effects.k() < SMALL_STUDY_MIN_K {
        warnings.push(format!(
            "{} studies: small-study tests have too little power below {SMALL_STUDY_MIN_K} \
             studies to tell asymmetry from chance (Sterne et al. 2011); meta's metabias \
             refuses them by default (k.min = {SMALL_STUDY_MIN_K})",
            effects.k()
        ));
    }
    let begg = rank_correlation_test(yi, vi)?;
    let (peters, harbord) = match &table.data {
        StudyData::Binary(b) => {
            let pick = |v: &[f64]| effects.index.iter().map(|&i| v[i]).collect::<Vec<f64>>();
            let (ee, ne, ec, nc) = (
                pick(&b.events_e),
                pick(&b.n_e),
                pick(&b.events_c),
                pick(&b.n_c),
            );
            let ni: Vec<f64> = ne.iter().zip(&nc).map(|(a, b)| a + b).collect();
            let peters = peters_test(yi, vi, &ni, RegressionModel::MetaRegression, options)?;
            let harbord: Computed<HarbordTest> =
                harbord_test(&ee, &ne, &ec, &nc, options.level).into();
            if let Computed::NotComputed { error } = &harbord {
                warnings.push(format!("Harbord's test not computed: {error}"));
            }
            (Some(peters), Some(harbord))
        }
        _ => (None, None),
    };
    let trim_and_fill = trim_and_fill(yi, vi, trim, options)?;
    Ok(SmallStudyEffects {
        egger,
        regression_test_of_model,
        begg,
        peters,
        harbord,
        trim_and_fill,
        warnings,
    })
}
