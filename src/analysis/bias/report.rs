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

    /// Why it was not computed, if it was not.
    pub fn error(&self) -> Option<&str> {
        match self {
            Computed::Value(_) => None,
            Computed::NotComputed { error } => Some(error),
        }
    }
}

impl<T> From<Result<T>> for Computed<T> {
    fn from(r: Result<T>) -> Self {
        match r {
            Ok(v) => Computed::Value(v),
            // The reason itself: "cannot compute: " would repeat "not computed".
            Err(Error::Degenerate(reason)) => Computed::NotComputed { error: reason },
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
///
/// Every analysis carries its own result or the reason it could not be computed
/// ([`Computed`]; JSON: its fields or `{"error": "..."}`), so that one that fails (Peters'
/// test when every study has the same sample size, Harbord's without three informative
/// tables) does not take the others with it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SmallStudyEffects {
    /// Egger's test: weighted regression with multiplicative dispersion (metafor
    /// `regtest(x, model = "lm")`, meta `metabias(method.bias = "Egger")`).
    pub egger: Computed<RegressionTest>,
    /// The regression test on √vi with the model of the analysis (fixed or random
    /// effects; metafor `regtest(x)`).
    pub regression_test_of_model: Computed<RegressionTest>,
    /// Begg and Mazumdar's rank correlation test.
    pub begg: Computed<RankCorrelationTest>,
    /// Peters' test (binary data only).
    pub peters: Option<Computed<RegressionTest>>,
    /// Harbord's test (binary data only).
    pub harbord: Option<Computed<HarbordTest>>,
    /// Trim and fill.
    pub trim_and_fill: Computed<TrimAndFill>,
    /// Warnings: those of the study effects ([`crate::model::data_warnings`], as a
    /// pooled fit lists them), too few studies, each analysis not computed (with its
    /// reason), and trim and fill's.
    pub warnings: Vec<String>,
}

impl SmallStudyEffects {
    /// The analyses as (name, error) for those not computed, in report order.
    pub fn not_computed(&self) -> Vec<(&'static str, &str)> {
        [
            (EGGER, self.egger.error()),
            (
                REGRESSION_TEST_OF_MODEL,
                self.regression_test_of_model.error(),
            ),
            (BEGG, self.begg.error()),
            (PETERS, self.peters.as_ref().and_then(Computed::error)),
            (HARBORD, self.harbord.as_ref().and_then(Computed::error)),
            (TRIM_AND_FILL, self.trim_and_fill.error()),
        ]
        .into_iter()
        .filter_map(|(name, e)| e.map(|e| (name, e)))
        .collect()
    }
}

/// The analyses' names in the warnings of [`SmallStudyEffects`].
const EGGER: &str = "Egger's test";
const REGRESSION_TEST_OF_MODEL: &str = "The regression test of the model in use";
const BEGG: &str = "Begg and Mazumdar's rank correlation test";
const PETERS: &str = "Peters' test";
const HARBORD: &str = "Harbord's test";
const TRIM_AND_FILL: &str = "Trim and fill";

/// The steps [`small_study_effects`] reports to its `progress` (one per analysis, the
/// binary ones counted whatever the data).
pub const SMALL_STUDY_STEPS: usize = 6;

/// Runs every small-study analysis on the effects of `table` with the model of
/// `options`; each analysis that fails carries its error in the result (and a warning
/// naming it), the others are still computed. `progress` is called after each analysis.
///
/// # Complexity
/// O(k log k) for the rank correlation test and trim and fill (sorts: trim and fill
/// ranks the k studies at each of its iterations, at most `trim.max_iter`), O(k) times
/// the passes of the τ² estimator for the regression tests; no k × k matrix. The exact
/// p-value of Kendall's score, for k ≤ [`EXACT_KENDALL_MAX_K`] without ties, is
/// O(k³) at worst.
///
/// # Errors
/// [`Error::InvalidArgument`] for options no analysis can use (a level outside (0, 1), a
/// Mantel-Haenszel or Peto fixed method); [`Error::Degenerate`] when not one analysis
/// could be computed, with every reason.
pub fn small_study_effects(
    table: &StudyTable,
    effects: &Effects,
    options: &PoolOptions,
    trim: &TrimFillOptions,
    progress: &dyn Fn(),
) -> Result<SmallStudyEffects> {
    check_options("the small-study analyses", options)?;
    let (yi, vi) = (&effects.yi, &effects.vi);
    let mut warnings = crate::model::data_warnings(effects);
    if effects.k() < SMALL_STUDY_MIN_K {
        warnings.push(format!(
            "{} studies: small-study tests have too little power below {SMALL_STUDY_MIN_K} \
             studies to tell asymmetry from chance (Sterne et al. 2011); meta's metabias \
             refuses them by default (k.min = {SMALL_STUDY_MIN_K})",
            effects.k()
        ));
    }
    let egger = egger_test(yi, vi, RegressionModel::WeightedLeastSquares, options).into();
    progress();
    let regression_test_of_model =
        egger_test(yi, vi, RegressionModel::MetaRegression, options).into();
    progress();
    let begg = rank_correlation_test(yi, vi).into();
    progress();
    let (peters, harbord) = match &table.data {
        StudyData::Binary(b) => {
            let tables: Vec<crate::data::Table2x2> = effects
                .index
                .iter()
                .map(|&i| crate::data::Table2x2::of_study(b, i))
                .collect();
            let ni: Vec<f64> = effects.index.iter().map(|&i| b.n_e[i] + b.n_c[i]).collect();
            let peters = peters_test(yi, vi, &ni, RegressionModel::MetaRegression, options);
            progress();
            let harbord = harbord_test(&tables, options.level);
            progress();
            (Some(peters.into()), Some(harbord.into()))
        }
        _ => {
            progress();
            progress();
            (None, None)
        }
    };
    let trim_and_fill: Computed<TrimAndFill> = trim_and_fill(yi, vi, trim, options).into();
    progress();
    if let Computed::Value(t) = &trim_and_fill {
        warnings.extend(t.warnings.iter().cloned());
    }
    let report = SmallStudyEffects {
        egger,
        regression_test_of_model,
        begg,
        peters,
        harbord,
        trim_and_fill,
        warnings,
    };
    let failed: Vec<String> = report
        .not_computed()
        .iter()
        .map(|(name, e)| format!("{name} not computed: {e}"))
        .collect();
    let analyses = 4 + 2 * usize::from(report.peters.is_some());
    if failed.len() == analyses {
        return Err(Error::Degenerate(format!(
            "no small-study analysis could be computed: {}",
            failed.join("; ")
        )));
    }
    let mut report = report;
    report.warnings.extend(failed);
    Ok(report)
}
