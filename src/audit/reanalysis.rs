//! A review re-analysed with another program's methods (`metapool revman FILE
//! --reanalyse PROFILE`): per analysis, the result the review printed beside the result
//! the profile's methods give, and whether the conclusion changes.
//!
//! # The re-analysis
//! Every analysis is re-run from its study rows ([`crate::analysis::review::rerun`]) as
//! a random-effects meta-analysis with the profile's conventions ([`Profile::options`]):
//! its τ² estimator, its interval, its prediction interval, the Q-profile interval of τ²
//! and its I². With `revman-web` that is Cochrane's current default, recommended by its
//! Statistical Methods Group in 2022 and implemented in RevMan in 2025: REML, the
//! Hartung-Knapp-Sidik-Jonkman interval (t on k − 1 df with the variance scaled by the
//! weighted residual sum of squares), the prediction interval on t(k − 2), I² from τ².
//! Other profiles keep their own interval (z for `revman5` and `metafor`). The measure
//! and the level are the review's. A review's fixed-effect analysis is re-analysed with
//! random effects too: the random-effects model is the default of those methods (a
//! choice, named in the report).
//!
//! # The printed result, and what changes
//! The printed result is the estimate and interval of the analysis row (natural scale);
//! where the file has none (RevMan left the analysis uncomputed), the review's own
//! method re-run stands in for it, and the report says so. The conclusion changes when
//! the interval newly includes or excludes the null (1 for ratios, 0 for differences),
//! or the estimate moves to the other side of it.

use super::revman::{file_options, OutcomeStatus, ReviewAudit};
use crate::analysis::review::rerun;
use crate::data::revman::{Analysis, Figure, Model, Review, ReviewFormat};
use crate::model::{CiMethod, Fit};
use crate::profile::Profile;
use serde::Serialize;

/// An estimate with its interval on the natural scale.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Interval {
    /// The estimate.
    pub estimate: f64,
    /// Lower limit.
    pub lower: f64,
    /// Upper limit.
    pub upper: f64,
}

impl Interval {
    /// Whether the interval holds `null`.
    fn includes(&self, null: f64) -> bool {
        self.lower <= null && null <= self.upper
    }
}

/// Where the review's result comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ResultSource {
    /// Printed in the file.
    Printed,
    /// Not in the file: the review's own method re-run.
    ReRun,
}

/// The re-analysed result of one analysis.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reanalysed {
    /// Studies pooled.
    pub k: usize,
    /// The random-effects estimate and its interval (natural scale).
    pub result: Interval,
    /// The prediction interval (natural scale; NaN with fewer than 3 studies).
    pub prediction: (f64, f64),
    /// τ² and its Q-profile interval.
    pub tau2: f64,
    /// The interval of τ².
    pub tau2_ci: (f64, f64),
    /// I² (%) as the profile defines it.
    pub i2: f64,
    /// P value of the test of the effect.
    pub p_value: f64,
    /// The τ² estimator and interval used, as named on the command line.
    pub methods: String,
}

/// A change of conclusion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    /// The interval held the null and no longer does.
    NowExcludesNull,
    /// The interval did not hold the null and now does.
    NowIncludesNull,
    /// The estimate is on the other side of the null.
    DirectionReversed,
}

impl Change {
    /// The change in words, with the null value.
    pub fn describe(self, null: f64) -> String {
        match self {
            Change::NowExcludesNull => format!("the interval no longer includes {null}"),
            Change::NowIncludesNull => format!("the interval now includes {null}"),
            Change::DirectionReversed => {
                format!("the estimate is now on the other side of {null}")
            }
        }
    }
}

/// One analysis of the review, printed and re-analysed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AnalysisReanalysis {
    /// "1.2".
    pub id: String,
    /// Its name.
    pub name: String,
    /// Measure, method and model as the file writes them.
    pub measure: String,
    /// The method.
    pub method: String,
    /// The model.
    pub model: String,
    /// Whether the audit reproduced every figure the file prints of it.
    pub reproduced: bool,
    /// The review's result (`None` when neither printed nor re-run).
    pub review: Option<Interval>,
    /// Where it comes from.
    pub review_source: ResultSource,
    /// The null value (1 for ratios, 0 for differences).
    pub null: f64,
    /// The re-analysis, or why there is none (in JSON the object, or `{"error": why}`).
    #[serde(serialize_with = "result_or_error")]
    pub reanalysed: std::result::Result<Reanalysed, String>,
    /// How the conclusion changes (empty: it does not).
    pub changes: Vec<Change>,
}

/// `Ok(x)` as `x`, `Err(why)` as `{"error": why}`.
fn result_or_error<S: serde::Serializer>(
    r: &std::result::Result<Reanalysed, String>,
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    #[derive(Serialize)]
    struct Failed<'a> {
        error: &'a str,
    }
    match r {
        Ok(x) => x.serialize(s),
        Err(why) => Failed { error: why }.serialize(s),
    }
}

/// A whole review re-analysed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReviewReanalysis {
    /// The file.
    pub source: String,
    /// Its format.
    pub format: ReviewFormat,
    /// The profile of the re-analysis, as named on the command line.
    pub profile: String,
    /// Analyses re-analysed.
    pub rerun: usize,
    /// Analyses whose printed figures the audit reproduced.
    pub reproduced: usize,
    /// Analyses whose conclusion changes.
    pub changed: usize,
    /// Every analysis of the review.
    pub analyses: Vec<AnalysisReanalysis>,
    /// The audit's warnings.
    pub warnings: Vec<String>,
}

impl ReviewReanalysis {
    /// Whether no conclusion changes and every printed figure holds.
    pub fn holds(&self) -> bool {
        self.changed == 0 && self.reproduced == self.analyses.len()
    }
}

/// The natural scale of an analysis.
fn natural(a: &Analysis, x: f64) -> f64 {
    if a.ratio {
        x.exp()
    } else {
        x
    }
}

/// The pooled result of a fit under `model`, on the natural scale.
fn interval(fit: &Fit, a: &Analysis, model: Model) -> Interval {
    let p = match (&fit.random, model) {
        (Some(r), Model::Random) => &r.pooled,
        _ => &fit.fixed.pooled,
    };
    Interval {
        estimate: natural(a, p.estimate),
        lower: natural(a, p.ci_lower),
        upper: natural(a, p.ci_upper),
    }
}

/// The estimate and interval printed on the analysis row, when all three are there.
fn printed(review: &Review, id: &str) -> Option<Interval> {
    let row = review
        .outcomes
        .iter()
        .find(|o| o.id == id)?
        .pooled
        .as_ref()?;
    let value = |f: Figure| {
        row.figures
            .iter()
            .find(|c| c.figure == Some(f))
            .and_then(|c| c.text.trim().parse::<f64>().ok())
            .filter(|x| x.is_finite())
    };
    Some(Interval {
        estimate: value(Figure::EffectEstimate)?,
        lower: value(Figure::CiStart)?,
        upper: value(Figure::CiEnd)?,
    })
}

/// How the conclusion moves from `before` to `after` about `null`.
fn changes(before: &Interval, after: &Interval, null: f64) -> Vec<Change> {
    let mut out = Vec::new();
    match (before.includes(null), after.includes(null)) {
        (true, false) => out.push(Change::NowExcludesNull),
        (false, true) => out.push(Change::NowIncludesNull),
        _ => {}
    }
    let side = |x: f64| (x - null).signum() * f64::from(u8::from(x != null));
    if side(before.estimate) * side(after.estimate) < 0.0 {
        out.push(Change::DirectionReversed);
    }
    out
}

/// Re-analyses every analysis of `review` with the methods of `profile` (see the
/// module documentation); `audit` is the review's audit, for the analyses it reproduced.
pub fn reanalyse(review: &Review, audit: &ReviewAudit, profile: Profile) -> ReviewReanalysis {
    let mut analyses = Vec::new();
    for (o, checked) in review.outcomes.iter().zip(&audit.outcomes) {
        let reproduced = matches!(
            checked.status,
            OutcomeStatus::Reproduced | OutcomeStatus::NotComputed
        );
        let mut entry = AnalysisReanalysis {
            id: o.id.clone(),
            name: o.name.clone(),
            measure: o.measure.clone(),
            method: o.method.clone(),
            model: o.model.clone(),
            reproduced,
            review: None,
            review_source: ResultSource::Printed,
            null: 0.0,
            reanalysed: Err(String::new()),
            changes: Vec::new(),
        };
        let a = match &o.analysis {
            Ok(a) => a,
            Err(reason) => {
                entry.reanalysed = Err(reason.clone());
                analyses.push(entry);
                continue;
            }
        };
        entry.null = if a.ratio { 1.0 } else { 0.0 };
        let computed = checked.status != OutcomeStatus::NotComputed;
        entry.review = printed(review, &o.id).filter(|_| computed);
        if entry.review.is_none() {
            if let Ok((effect, options)) = file_options(a) {
                let own = rerun(&review.source, o, a, &effect, &options, a.model);
                entry.review = own.overall.ok().map(|fit| interval(&fit, a, a.model));
                entry.review_source = ResultSource::ReRun;
            }
        }
        let (effect, mut options) = profile.options(a.measure, a.data_type, None);
        if profile == Profile::RevManWeb {
            options.ci = CiMethod::Hksj;
        }
        match crate::level::Level::new(a.total_level) {
            Ok(level) => options.level = level,
            Err(e) => {
                entry.reanalysed = Err(e.to_string());
                analyses.push(entry);
                continue;
            }
        }
        let tau2_method = options.tau2.unwrap_or(crate::model::Tau2Method::REML);
        options.tau2 = Some(tau2_method);
        let run = rerun(&review.source, o, a, &effect, &options, Model::Random);
        entry.reanalysed = run.overall.and_then(|fit| {
            let r = fit
                .random
                .as_ref()
                .ok_or_else(|| "the random-effects model has no fit".to_string())?;
            let h = &fit.heterogeneity;
            Ok(Reanalysed {
                k: fit.k,
                result: interval(&fit, a, Model::Random),
                prediction: (natural(a, r.pi_lower), natural(a, r.pi_upper)),
                tau2: r.tau2,
                tau2_ci: (h.tau2_ci_lower, h.tau2_ci_upper),
                i2: match options.i2 {
                    crate::model::I2Definition::FromQ => h.i2_q,
                    _ => h.i2_tau2,
                },
                p_value: r.pooled.p_value,
                methods: format!("{}, {}", tau2_method.name(), options.ci.name()),
            })
        });
        if let (Some(before), Ok(after)) = (&entry.review, &entry.reanalysed) {
            entry.changes = changes(before, &after.result, entry.null);
        }
        analyses.push(entry);
    }
    ReviewReanalysis {
        source: review.source.clone(),
        format: review.format,
        profile: profile.name().to_string(),
        rerun: analyses.iter().filter(|a| a.reanalysed.is_ok()).count(),
        reproduced: analyses.iter().filter(|a| a.reproduced).count(),
        changed: analyses.iter().filter(|a| !a.changes.is_empty()).count(),
        analyses,
        warnings: audit.warnings.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iv(estimate: f64, lower: f64, upper: f64) -> Interval {
        Interval {
            estimate,
            lower,
            upper,
        }
    }

    #[test]
    fn a_conclusion_changes_when_the_null_enters_or_leaves_the_interval() {
        assert_eq!(
            changes(&iv(0.9, 0.84, 0.96), &iv(0.88, 0.75, 1.03), 1.0),
            [Change::NowIncludesNull]
        );
        assert_eq!(
            changes(&iv(-1.0, -2.0, 0.1), &iv(-1.1, -2.0, -0.2), 0.0),
            [Change::NowExcludesNull]
        );
        assert_eq!(
            changes(&iv(1.1, 0.9, 1.3), &iv(0.95, 0.8, 1.2), 1.0),
            [Change::DirectionReversed]
        );
        assert!(changes(&iv(0.9, 0.84, 0.96), &iv(0.9, 0.8, 0.99), 1.0).is_empty());
        // An estimate at the null is on neither side.
        assert!(changes(&iv(1.0, 0.8, 1.2), &iv(0.9, 0.7, 1.1), 1.0).is_empty());
    }
}
