//! Pooling: fixed-effect (inverse variance, Mantel-Haenszel, Peto) and random-effects
//! models, with heterogeneity.
//!
//! One engine: [`pool_effects`] pools any [`Effects`] by inverse variance;
//! [`pool`] computes the effects of a table and adds the Mantel-Haenszel and Peto
//! estimates, which need the 2x2 counts. Stages, in order (as metafor's `rma`): study
//! effects, fixed-effect estimate, Cochran's Q about it, τ², random-effects estimate and
//! intervals, heterogeneity statistics. The [`Fit`] records every setting used.
//!
//! # Degenerate cases
//! What a fit gives where the data are legal but degenerate, and what metafor 3.8-1
//! does (checked in `tests/degenerate.rs`):
//! - **One study**: its estimate and SE; τ² = 0, Q = 0 (p = 1), I² = 0, H² = 1; every
//!   interval is the z interval, as metafor (which warns and sets `test = "z"`); the τ²
//!   limits are NaN (metafor's `confint` stops). Warnings say so.
//! - **Identical estimates**: τ² = 0 for every estimator; the random-effects results
//!   equal the fixed-effect ones; HKSJ has width 0 (metafor too).
//! - **τ² on the boundary**: exactly 0, and random equals fixed (see [`tau2`]).
//! - **A sampling variance of 0** (or one so small that 1/v overflows): an error naming
//!   the study, with file, row and column from [`pool`] ([`Error::Input`]) or
//!   [`Error::Degenerate`] from [`pool_effects`] and [`fit_slices`]. Its inverse-variance
//!   weight is infinite, so the fixed-effect estimate and Q, which every fit reports,
//!   are undefined. metafor 3.8-1 stops for the fixed-effect model ("Division by zero
//!   when computing the inverse variance weights") and for DL, PM and HS ("... cannot
//!   be used when there are non-positive sampling variances"); REML, ML, EB, SJ and HE
//!   it fits when their τ² is above 0 (the weights 1/(v + τ²) are then finite), without
//!   Q, I² or H² (`tests/golden/zero_variance.csv`, from
//!   `tests/golden/generate_zero_variance.R`). metapool refuses these too, as its fits
//!   always carry the fixed-effect estimate and Q; the message says so.
//! - **Variances more than 1e7 apart**: a warning, as metafor's. Tiny variances (1e-300)
//!   beside ordinary ones give the limit of every result as the variance goes to 0;
//!   huge ones (1e300) weights of about 0.
//! - **No study left** after exclusions (every study double-zero under a rule that drops
//!   them, or not estimable): [`Error::Degenerate`] from [`effect::compute`]; metafor
//!   stops ("Processing terminated since k = 0"), or for `rma.mh` returns NA (no events)
//!   or an estimate with SE 0 (only events); `rma.peto` stops.
//! - **ML/REML not converging**: the score equation is solved on a bracket, with a
//!   warning ([`tau2::Convergence`]); metafor stops.
//! - **A likelihood with several local maxima**: ML and REML report the highest, with
//!   a warning naming every local maximum seen; metafor reports the one its Fisher
//!   scoring reaches from its start.
//! - **Mantel-Haenszel (or Peto) with one informative table**: Q = 0, p = 1, I² = 0,
//!   H² = 1 (Q about the MH estimate of one table is rounding noise), as metafor.
//! - **A Mantel-Haenszel ratio of 0 or ∞** (for the RR, no event in one arm of any
//!   table; for the OR, Σ a d/N or Σ b c/N = 0): the fixed-effect estimate, its
//!   interval and test, and Q, its p-value and I² from Q are not numbers, with a
//!   warning; metafor's `rma.mh` gives NA for all of them.

pub mod fixed;
pub mod mantel_haenszel;
pub mod peto;
pub mod random;
pub mod tau2;

pub use self::fixed::PooledEstimate;
pub use self::mantel_haenszel::RdVariance;
pub use self::random::{CiMethod, PiMethod};
pub use self::tau2::{Convergence, Tau2Method};

use crate::data::{DataType, StudyData, StudyTable, Table2x2};
use crate::effect::binary::increments;
use crate::effect::{self, AddTo, DoubleZero, EffectOptions, Effects, Measure, ZeroCellRule};
use crate::error::{Error, Result};
use crate::heterogeneity::{heterogeneity, Heterogeneity, I2Ci};
use crate::level::Level;
use crate::weighted;
use serde::Serialize;

/// The fixed-effect method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FixedMethod {
    /// Inverse variance.
    InverseVariance,
    /// Mantel-Haenszel (binary data: OR, RR, RD).
    MantelHaenszel,
    /// Peto's one-step odds ratio (binary data).
    Peto,
}

crate::spelling::spellings!(FixedMethod, "fixed-effect method", {
    FixedMethod::InverseVariance => ["iv"],
    FixedMethod::MantelHaenszel => ["mh"],
    FixedMethod::Peto => ["peto"],
});

/// Which cells enter the Mantel-Haenszel sums.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum MhCells {
    /// The observed counts (metafor's `rma.mh`).
    Observed,
    /// The counts with the zero-cell increment of the effect options (RevMan 5).
    Incremented,
}

crate::spelling::spellings!(MhCells, "MH cells", {
    MhCells::Observed => ["observed"],
    MhCells::Incremented => ["incremented"],
});

/// Which Cochran's Q the DerSimonian-Laird estimator uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub enum DlQ {
    /// Q about the inverse-variance fixed estimate (metafor's `rma(method = "DL")`).
    InverseVariance,
    /// Q about the fixed estimate in use, MH or Peto included (RevMan 5).
    FixedInUse,
}

/// Which I² the text report leads with (JSON carries both).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub enum I2Definition {
    /// From Q (RevMan 5).
    FromQ,
    /// From τ² (metafor, RevMan Web).
    FromTau2,
}

/// Options of a pooled analysis; [`crate::profile::Profile`] bundles them.
///
/// Non-exhaustive, so that an option can be added: start from [`PoolOptions::default`]
/// (or a profile) and set the fields that differ.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[non_exhaustive]
pub struct PoolOptions {
    /// Fixed-effect method.
    pub fixed: FixedMethod,
    /// Interval method of the inverse-variance fixed-effect estimate (MH and Peto
    /// always use z).
    pub fixed_ci: CiMethod,
    /// τ² estimator; `None` fits the fixed-effect model only.
    pub tau2: Option<Tau2Method>,
    /// Interval method of the random-effects estimate.
    pub ci: CiMethod,
    /// Prediction interval method.
    pub pi: PiMethod,
    /// Confidence level (written in percent in the JSON output).
    pub level: Level,
    /// Variance of the MH risk difference.
    pub rd_variance: RdVariance,
    /// Cells in the MH sums.
    pub mh_cells: MhCells,
    /// Q used by DerSimonian-Laird.
    pub dl_q: DlQ,
    /// I² interval method.
    pub i2_ci: I2Ci,
    /// Whether to compute the τ², I² and H² confidence intervals (Q-profile); off, the
    /// limits are NaN. Audits that pool thousands of candidate tables turn it off.
    pub heterogeneity_ci: bool,
    /// Which I² leads in text output.
    pub i2: I2Definition,
}

impl Default for PoolOptions {
    /// metafor's defaults: inverse variance, REML, z intervals, 95%.
    fn default() -> Self {
        PoolOptions {
            fixed: FixedMethod::InverseVariance,
            fixed_ci: CiMethod::Z,
            tau2: Some(Tau2Method::REML),
            ci: CiMethod::Z,
            pi: PiMethod::FollowCi,
            level: Level::NINETY_FIVE,
            rd_variance: RdVariance::SatoGreenlandRobins,
            mh_cells: MhCells::Observed,
            dl_q: DlQ::InverseVariance,
            i2_ci: I2Ci::QProfile,
            heterogeneity_ci: true,
            i2: I2Definition::FromTau2,
        }
    }
}

/// The fixed-effect result (JSON `fixed`).
#[derive(Debug, Clone, PartialEq)]
pub struct FixedFit {
    /// `iv`, `mh` or `peto`.
    pub method: FixedMethod,
    /// The pooled estimate (analysis scale) with its interval and test: statistic z, or
    /// t with `df` for a t-based IV interval.
    pub pooled: PooledEstimate,
}

impl Serialize for FixedFit {
    /// `{"method", "estimate", "se", "ci_lower", "ci_upper", "z", "df", "p_value"}`: the
    /// statistic named `z`, as the JSON output always named it.
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let method = |m: &mut S::SerializeMap| m.serialize_entry("method", &self.method);
        self.pooled
            .serialize_within(s, fixed::Flat::Fixed, method, |_| Ok(()))
    }
}

/// The random-effects result (JSON `random`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RandomFit {
    /// The τ² estimator.
    pub tau2_method: Tau2Method,
    /// The interval method.
    pub ci_method: CiMethod,
    /// The τ² estimate.
    pub tau2: f64,
    /// The pooled estimate (analysis scale) with its interval and test: SE adjusted for
    /// HKSJ, statistic z or t, df null for z. Flattened into this object in JSON.
    #[serde(flatten)]
    pub pooled: PooledEstimate,
    /// Lower prediction limit.
    pub pi_lower: f64,
    /// Upper prediction limit.
    pub pi_upper: f64,
    /// How τ² was reached.
    pub convergence: Convergence,
}

impl RandomFit {
    /// What the τ² estimator warned about: its fallback, and several local maxima of
    /// the likelihood, each prefixed by the estimator's name (as a [`Fit`] lists them).
    pub fn convergence_warnings(&self) -> Vec<String> {
        self.convergence
            .warnings()
            .into_iter()
            .map(|w| format!("{}: {w}", self.tau2_method))
            .collect()
    }
}

/// One study of a fit (an element of JSON `studies`), as [`StudyRows`] hands it out.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct StudyRow<'a> {
    /// Label.
    pub study: &'a str,
    /// Index of the study in the input table (0-based).
    pub index: usize,
    /// Effect (analysis scale).
    pub yi: f64,
    /// Sampling variance.
    pub vi: f64,
    /// Weight (%) in the fixed-effect estimate.
    pub weight_fixed: f64,
    /// Weight (%) in the random-effects estimate (null without one).
    pub weight_random: Option<f64>,
}

/// The studies of a fit with their effects and weights (JSON `studies`: one
/// [`StudyRow`] each), held one column each: the study effects the fit pooled, moved
/// into it, and the weights.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct StudyRows {
    labels: crate::data::Texts,
    index: Vec<usize>,
    yi: Vec<f64>,
    vi: Vec<f64>,
    weight_fixed: Vec<f64>,
    weight_random: Option<Vec<f64>>,
}

impl StudyRows {
    /// The number of studies.
    pub fn len(&self) -> usize {
        self.yi.len()
    }

    /// True when there is no study (or the rows were left out: [`StudyRows::clear`]).
    pub fn is_empty(&self) -> bool {
        self.yi.is_empty()
    }

    /// Study `i`, `None` beyond the last.
    pub fn get(&self, i: usize) -> Option<StudyRow<'_>> {
        Some(StudyRow {
            study: self.labels.get(i)?,
            index: *self.index.get(i)?,
            yi: *self.yi.get(i)?,
            vi: *self.vi.get(i)?,
            weight_fixed: *self.weight_fixed.get(i)?,
            weight_random: self.weight_random.as_ref().and_then(|w| w.get(i).copied()),
        })
    }

    /// The studies in order.
    pub fn iter(&self) -> StudyRowsIter<'_> {
        StudyRowsIter {
            rows: self,
            front: 0,
            back: self.len(),
        }
    }

    /// Drops every row (the fit's report then has none).
    pub fn clear(&mut self) {
        *self = StudyRows::default();
    }

    /// Replaces each study's index with `map[index]` (the index in a larger table).
    ///
    /// # Panics
    /// When an index is out of range of `map`.
    pub(crate) fn reindex(&mut self, map: &[usize]) {
        for i in &mut self.index {
            *i = map[*i];
        }
    }
}

/// The studies of [`StudyRows`] in order.
#[derive(Debug, Clone)]
pub struct StudyRowsIter<'a> {
    rows: &'a StudyRows,
    front: usize,
    back: usize,
}

impl<'a> Iterator for StudyRowsIter<'a> {
    type Item = StudyRow<'a>;

    fn next(&mut self) -> Option<StudyRow<'a>> {
        if self.front == self.back {
            return None;
        }
        self.front += 1;
        self.rows.get(self.front - 1)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.back - self.front;
        (n, Some(n))
    }
}

impl DoubleEndedIterator for StudyRowsIter<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        if self.front == self.back {
            return None;
        }
        self.back -= 1;
        self.rows.get(self.back)
    }
}

impl ExactSizeIterator for StudyRowsIter<'_> {}

impl<'a> IntoIterator for &'a StudyRows {
    type Item = StudyRow<'a>;
    type IntoIter = StudyRowsIter<'a>;

    fn into_iter(self) -> StudyRowsIter<'a> {
        self.iter()
    }
}

impl Serialize for StudyRows {
    /// As a sequence of [`StudyRow`].
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

/// A pooled analysis: everything the JSON output of `metapool pool` holds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fit {
    /// Effect measure (ratio measures on the log scale).
    pub measure: Measure,
    /// Number of studies with an estimable effect (those in `studies`).
    pub k: usize,
    /// Number of studies in the input, excluded ones included (metafor's `k` for
    /// `rma.mh` and `rma.peto`).
    pub k_all: usize,
    /// Confidence level (written in percent in the JSON output, `"level": 95`).
    pub level: Level,
    /// Fixed-effect estimate.
    pub fixed: FixedFit,
    /// Random-effects estimate, when a τ² estimator was chosen.
    pub random: Option<RandomFit>,
    /// Heterogeneity.
    pub heterogeneity: Heterogeneity,
    /// Studies with their effects and weights.
    pub studies: StudyRows,
    /// Studies left out, and why.
    pub excluded: Vec<effect::Excluded>,
    /// Warnings (increments, exclusions, boundary estimates, convergence).
    pub warnings: Vec<String>,
    /// The options used.
    pub options: PoolOptions,
}

impl Fit {
    /// The estimate in use: the random-effects estimate when a τ² estimator was chosen
    /// (its interval by the CI method of the options), else the fixed-effect one. On
    /// the analysis scale: [`Measure::to_natural`] gives the ratio of a ratio measure.
    pub fn pooled(&self) -> &PooledEstimate {
        match &self.random {
            Some(random) => &random.pooled,
            None => &self.fixed.pooled,
        }
    }
}

/// The ratio of the largest to the smallest sampling variance from which a fit warns
/// that its results may be numerically unstable (metafor's `1/evtol`).
const VARIANCE_RATIO_WARNING: f64 = 1e7;

/// The message for a study whose inverse-variance weight 1/v is infinite. What it says
/// of metafor 3.8-1 is checked against `tests/golden/zero_variance.csv`.
fn infinite_weight(study: &str, v: f64) -> String {
    format!(
        "{study} has a sampling variance of {}: its inverse-variance weight is infinite, and \
         the fixed-effect estimate and Q that every fit reports are undefined (metafor 3.8-1 \
         stops for FE, DL, PM and HS; it fits REML, ML, EB, SJ and HE when their tau2 is \
         above 0, without Q or I2); expected a variance greater than 0",
        crate::error::Shown(v)
    )
}

/// The first study at which the running sum Σ y_i²/v_i (formed as (y_i/√v_i)², so
/// that y_i² itself cannot overflow first) stops being finite, if any. The sum is
/// formed whole first ([`weighted::sum_studies`], in another order); only when it comes
/// within a factor 2 of the largest double (its terms are positive, so the running sum
/// in study order ends within rounding of it) is it run study by study to find where.
fn overflowing_study(yi: &[f64], vi: &[f64]) -> Option<usize> {
    #[derive(Clone, Copy)]
    struct Standardised(f64);
    impl weighted::StudySums for Standardised {
        fn add(&mut self, y: f64, v: f64, _: f64) {
            self.0 += (y / v.sqrt()).powi(2);
        }
        fn merge(&mut self, other: &Self) {
            self.0 += other.0;
        }
    }
    if weighted::sum_studies(yi, vi, Standardised(0.0)).0 <= f64::MAX / 2.0 {
        return None;
    }
    let mut sum = 0.0f64;
    yi.iter().zip(vi).position(|(y, v)| {
        sum += (y / v.sqrt()).powi(2);
        !sum.is_finite()
    })
}

/// The first study whose weight 1/v_i is not finite, if any.
fn infinite_weight_study(vi: &[f64]) -> Option<usize> {
    weighted::first_where(vi, |v| !(1.0 / v).is_finite())
}

/// The message for estimates whose squared standardised size overflows.
fn overflow(study: &str) -> String {
    format!(
        "{study}: the estimates are too large for their sampling variances to pool in double \
         precision (the sum of y²/v overflows from this study on); expected estimates whose \
         squares over their variances stay below 1e308: rescale the data"
    )
}

/// Refuses effects with a sampling variance of 0 (or so small that 1/v overflows):
/// see the module documentation. With the table, the error names its file and row.
///
/// Also refuses estimates so large for their variances that Σ y_i²/v_i, the core of Q
/// and of every weighted sum, overflows double precision (|y| near 1e154 with v = 1,
/// say): the fit would be finite nonsense. The error names the study at which the sum
/// overflows.
fn check_variances(effects: &Effects, table: Option<&StudyTable>) -> Result<()> {
    let place = table.map(|t| {
        let row = |i: usize| effects.index.get(i).and_then(|&j| t.rows.get(j)).copied();
        (t.source.as_str(), t.data_type(), row)
    });
    check_columns(
        &effects.yi,
        &effects.vi,
        &|i| effects.labels[i].to_string(),
        place
            .as_ref()
            .map(|(s, d, row)| (*s, *d, row as &dyn Fn(usize) -> Option<usize>)),
    )
}

/// Where a study's values came from: the table's source, its data type, and the row of
/// study i.
type Place<'a> = (&'a str, DataType, &'a dyn Fn(usize) -> Option<usize>);

/// [`check_variances`] of the columns `yi`, `vi`, study i labelled `label(i)`; with its
/// [`Place`], the error names the file, row and column.
fn check_columns(
    yi: &[f64],
    vi: &[f64],
    label: &dyn Fn(usize) -> String,
    place: Option<Place<'_>>,
) -> Result<()> {
    // One pass for the common case: every weight finite, Σ y²/v far from overflowing.
    #[derive(Clone, Copy)]
    struct Screen {
        infinite: usize,
        standardised: f64,
    }
    impl weighted::StudySums for Screen {
        fn weights_at(&self) -> Option<f64> {
            Some(0.0)
        }
        #[inline(always)]
        fn add(&mut self, y: f64, v: f64, w: f64) {
            self.infinite += usize::from(!w.is_finite());
            self.standardised += (y / v.sqrt()).powi(2);
        }
        fn merge(&mut self, other: &Self) {
            self.infinite += other.infinite;
            self.standardised += other.standardised;
        }
    }
    let zero = Screen {
        infinite: 0,
        standardised: 0.0,
    };
    let screen = weighted::sum_studies(yi, vi, zero);
    if screen.infinite == 0 && screen.standardised <= f64::MAX / 2.0 {
        return Ok(());
    }
    let (i, message, variance) = if let Some(i) = infinite_weight_study(vi) {
        let message = infinite_weight(&format!("study '{}'", label(i)), vi[i]);
        (i, message, true)
    } else if let Some(i) = overflowing_study(yi, vi) {
        (i, overflow(&format!("study '{}'", label(i))), false)
    } else {
        return Ok(());
    };
    match place {
        Some((source, data_type, row)) => {
            let column = match (data_type, variance) {
                (DataType::GenericVariance, true) => Some("vi"),
                (DataType::GenericSe, true) => Some("sei"),
                (DataType::GenericVariance | DataType::GenericSe, false) => Some("yi"),
                (DataType::GenericCi, false) => Some("estimate"),
                _ => None,
            };
            Err(Error::input(source, row(i), column, message))
        }
        None => Err(Error::Degenerate(message)),
    }
}

/// The warnings about the study effects themselves, whatever is fitted to them: those of
/// [`effect::compute`] (zero-cell increments, studies excluded, repeated study labels)
/// and sampling variances more than 1e7 apart (metafor's warning). A [`Fit`] lists them
/// first; `metapool sensitivity`, `regress` and `bias` report the same ones.
pub fn data_warnings(effects: &Effects) -> Vec<String> {
    let mut warnings = effects.warnings.clone();
    warnings.extend(variance_spread_warning(&effects.vi));
    warnings
}

/// The warning for sampling variances more than [`VARIANCE_RATIO_WARNING`] apart.
fn variance_spread_warning(vi: &[f64]) -> Option<String> {
    let (v_min, v_max) = weighted::variance_range(vi);
    (v_max / v_min >= VARIANCE_RATIO_WARNING).then(|| {
        format!(
            "the largest sampling variance is {:.1e} times the smallest: results may be \
             numerically unstable (metafor warns from 1e7)",
            v_max / v_min
        )
    })
}

/// The study effects of `table` that an inverse-variance analysis with `options` pools
/// ([`pool`] with `FixedMethod::InverseVariance`), checked as `pool` checks them: a
/// sampling variance of 0, or estimates too large for their variances, is an error
/// naming file, row and column. The analyses built on study effects (sensitivity,
/// meta-regression, small-study effects) take their effects from here, so that they
/// refuse and warn as `pool` does.
///
/// # Errors
/// As [`effect::compute`]; [`Error::Input`] as above.
pub fn study_effects(table: &StudyTable, effect_options: &EffectOptions) -> Result<Effects> {
    let effects = effect::compute(table, effect_options)?;
    check_variances(&effects, Some(table))?;
    Ok(effects)
}

/// Pools study effects by inverse variance (fixed effect and, with `options.tau2`,
/// random effects).
///
/// # Errors
/// [`Error::InvalidArgument`] for a Mantel-Haenszel or Peto request (they need the
/// table: use [`pool`]) or a level outside (0, 1); [`Error::Degenerate`] with no study
/// or a study whose sampling variance is 0 (see the module documentation).
pub fn pool_effects(effects: &Effects, options: &PoolOptions) -> Result<Fit> {
    pool_owned_effects(effects.clone(), options)
}

/// [`pool_effects`] of effects the fit takes in (as its study rows).
fn pool_owned_effects(effects: Effects, options: &PoolOptions) -> Result<Fit> {
    if options.fixed != FixedMethod::InverseVariance {
        return Err(Error::InvalidArgument(format!(
            "the {} fixed-effect method needs 2x2 counts; pool the study table instead",
            options.fixed.name()
        )));
    }
    check_variances(&effects, None)?;
    let SliceFit {
        fixed,
        random,
        heterogeneity,
    } = fit_slices(&effects.yi, &effects.vi, options)?;
    let weights = weighted::weights_percent(&effects.vi, 0.0);
    assemble(effects, fixed, weights, random, heterogeneity, options)
}

/// The random-effects fit and the heterogeneity statistics of study effects, given the
/// fixed-effect estimate Q is centred on: that of `options.fixed` (with inverse variance,
/// the inverse-variance estimate, whose Q is then the one DerSimonian-Laird takes).
/// Works on slices and allocates nothing (but a message when an iterative estimator
/// needed its fallback).
pub fn random_and_heterogeneity(
    yi: &[f64],
    vi: &[f64],
    fixed_centre: f64,
    options: &PoolOptions,
) -> (Option<RandomFit>, Heterogeneity) {
    let k = yi.len();
    let q = weighted::cochran_q(yi, vi, fixed_centre);
    let random = options.tau2.map(|method| {
        let q_dl = match options.dl_q {
            // The fixed estimate in use is the inverse-variance one: its Q is that Q.
            DlQ::FixedInUse => q,
            DlQ::InverseVariance if options.fixed == FixedMethod::InverseVariance => q,
            DlQ::InverseVariance => {
                let (mu_iv, _, _) = weighted::inverse_variance(yi, vi, 0.0);
                weighted::cochran_q(yi, vi, mu_iv)
            }
        };
        let est = tau2::estimate(method, yi, vi, q_dl);
        let re = random::inference(yi, vi, est.tau2, options.ci, options.level.proportion());
        let (pi_lower, pi_upper) =
            random::prediction_interval(&re, est.tau2, k, options.pi, options.level.proportion());
        RandomFit {
            tau2_method: method,
            // One study: every interval method is the z interval (see `random`).
            ci_method: if k < 2 { CiMethod::Z } else { options.ci },
            tau2: est.tau2,
            pooled: re,
            pi_lower,
            pi_upper,
            convergence: est.convergence,
        }
    });
    let i2_ci = options.heterogeneity_ci.then_some(options.i2_ci);
    let het = heterogeneity(
        yi,
        vi,
        q,
        random.as_ref().map(|r| r.tau2),
        i2_ci,
        options.level.proportion(),
    );
    (random, het)
}

/// The numbers of an inverse-variance analysis of study effects given as slices:
/// no labels, no study rows, no allocation. The engine behind [`pool_effects`] and the
/// batch API; a [`Fit`] holds the same three parts (fixed, random, heterogeneity) with
/// the study rows, warnings and options around them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SliceFit {
    /// The inverse-variance fixed-effect estimate (written as its [`PooledEstimate`]
    /// alone, `statistic` and all: a slice fit's method is always `iv`).
    #[serde(serialize_with = "serialize_pooled")]
    pub fixed: FixedFit,
    /// The random-effects fit, when a τ² estimator is chosen.
    pub random: Option<RandomFit>,
    /// Heterogeneity.
    pub heterogeneity: Heterogeneity,
}

fn serialize_pooled<S: serde::Serializer>(
    fixed: &FixedFit,
    serializer: S,
) -> std::result::Result<S::Ok, S::Error> {
    fixed.pooled.serialize(serializer)
}

/// Pools study effects `yi` with variances `vi` by inverse variance; see [`SliceFit`].
///
/// # Errors
/// [`Error::Degenerate`] when there is no study or a sampling variance is 0;
/// [`Error::InvalidArgument`] for a level outside (0, 1), lengths that differ, a
/// negative or non-finite variance or a non-finite estimate.
pub fn fit_slices(yi: &[f64], vi: &[f64], options: &PoolOptions) -> Result<SliceFit> {
    if yi.is_empty() {
        return Err(Error::Degenerate("no study to pool".into()));
    }
    if yi.len() != vi.len() {
        return Err(Error::InvalidArgument(format!(
            "{} estimates and {} variances to pool",
            yi.len(),
            vi.len()
        )));
    }
    if let Some(i) = weighted::first_where(vi, |v| !(1.0 / v).is_finite()) {
        return Err(Error::Degenerate(infinite_weight(
            &format!("study {}", i + 1),
            vi[i],
        )));
    }
    if let Some(i) = weighted::first_where(vi, |v| !((v > 0.0) & v.is_finite())) {
        return Err(Error::InvalidArgument(format!(
            "study {} has a sampling variance of {}; expected a finite number greater than 0",
            i + 1,
            vi[i]
        )));
    }
    if let Some(i) = weighted::first_where(yi, |y| !y.is_finite()) {
        return Err(Error::InvalidArgument(format!(
            "study {} has an estimate of {}; expected a finite number",
            i + 1,
            yi[i]
        )));
    }
    fit_checked_slices(yi, vi, options)
}

/// [`fit_slices`] of effects already checked as it checks them (one or more, finite
/// estimates, variances whose weights 1/v are finite), as [`check_variances`] and the
/// table's checks leave them.
fn fit_checked_slices(yi: &[f64], vi: &[f64], options: &PoolOptions) -> Result<SliceFit> {
    let fixed = FixedFit {
        method: FixedMethod::InverseVariance,
        pooled: random::inference(yi, vi, 0.0, options.fixed_ci, options.level.proportion()),
    };
    let (random, heterogeneity) = random_and_heterogeneity(yi, vi, fixed.pooled.estimate, options);
    // Estimates too large for their variances overflow Q (checked after the fit, at no
    // cost to fits that do not overflow).
    if !(heterogeneity.q.is_finite() && fixed.pooled.estimate.is_finite()) {
        return Err(Error::Degenerate(match overflowing_study(yi, vi) {
            Some(i) => overflow(&format!("study {}", i + 1)),
            None => "the estimates differ by so much that Cochran's Q, Σ (y − μ̂)²/v, \
                     overflows double precision (its squared differences pass 1e308); \
                     expected estimates whose differences, squared over their variances, \
                     stay below 1e308: rescale the data"
                .to_string(),
        }));
    }
    Ok(SliceFit {
        fixed,
        random,
        heterogeneity,
    })
}

/// Assembles a [`Fit`]: the random part and heterogeneity, weights, study rows and
/// warnings around a fixed-effect result.
fn finish(
    effects: Effects,
    fixed_fit: FixedFit,
    weights_fixed: Vec<f64>,
    options: &PoolOptions,
) -> Result<Fit> {
    let (yi, vi) = (&effects.yi, &effects.vi);
    let (random, het) = random_and_heterogeneity(yi, vi, fixed_fit.pooled.estimate, options);
    assemble(effects, fixed_fit, weights_fixed, random, het, options)
}

fn assemble(
    effects: Effects,
    fixed_fit: FixedFit,
    weights_fixed: Vec<f64>,
    random: Option<RandomFit>,
    het: Heterogeneity,
    options: &PoolOptions,
) -> Result<Fit> {
    let k = effects.yi.len();
    let warnings = fit_warnings(data_warnings(&effects), random.as_ref(), k, options);
    let weights_random = random
        .as_ref()
        .map(|r| weighted::weights_percent(&effects.vi, r.tau2));
    let Effects {
        measure,
        labels,
        yi,
        vi,
        index,
        excluded,
        ..
    } = effects;
    let studies = StudyRows {
        labels,
        index,
        yi,
        vi,
        weight_fixed: weights_fixed,
        weight_random: weights_random,
    };
    Ok(Fit {
        measure,
        k,
        k_all: k + excluded.len(),
        level: options.level,
        fixed: fixed_fit,
        random,
        heterogeneity: het,
        studies,
        excluded,
        warnings,
        options: *options,
    })
}

/// The warnings of a fit of k studies: those of the data (`data`), how τ² was reached,
/// and what one study cannot give.
fn fit_warnings(
    mut warnings: Vec<String>,
    random: Option<&RandomFit>,
    k: usize,
    options: &PoolOptions,
) -> Vec<String> {
    if let Some(r) = random {
        warnings.extend(r.convergence_warnings());
    }
    if k == 1 {
        warnings.push("only one study: no heterogeneity can be estimated (tau2 = 0)".into());
        let t_based = |m: CiMethod| m != CiMethod::Z;
        if t_based(options.ci) || t_based(options.fixed_ci) {
            warnings
                .push("only one study: z intervals replace the t-based ones (as metafor)".into());
        }
    }
    warnings
}

/// [`pool`] of a `yi,vi` table given as its two columns, whose study i is row i + 2 of
/// `source` and is labelled i + 1 (as [`StudyTable::numbered`]), with the fit's study
/// rows left out (as `--studies none` leaves them out of the report): the same checks,
/// errors, warnings and numbers, without copying the columns or forming the rows. For
/// columns of 10⁶ studies held elsewhere (numpy arrays).
///
/// # Errors
/// As [`pool`] of that table: [`Error::Input`] naming the row and column of a value
/// that is not finite, a negative or zero variance, or estimates too large for their
/// variances; [`Error::InvalidArgument`] for columns of different lengths or a
/// fixed-effect method other than inverse variance.
pub fn pool_yi_vi_without_rows(
    source: &str,
    yi: &[f64],
    vi: &[f64],
    effect_options: &EffectOptions,
    options: &PoolOptions,
) -> Result<Fit> {
    // The table's order: its checks, the fixed-effect method, then the effects' options.
    crate::data::validate_yi_vi(source, yi, vi, |i| i + 2)?;
    if options.fixed != FixedMethod::InverseVariance {
        return Err(needs_binary(options.fixed));
    }
    effect_options.zero_cell.check()?;
    let row = |i: usize| Some(i + 2);
    check_columns(
        yi,
        vi,
        &|i| (i + 1).to_string(),
        Some((source, DataType::GenericVariance, &row)),
    )?;
    let SliceFit {
        fixed,
        random,
        heterogeneity,
    } = fit_checked_slices(yi, vi, options).map_err(|e| in_source(e, source))?;
    let k = yi.len();
    let data = variance_spread_warning(vi).into_iter().collect();
    Ok(Fit {
        measure: effect_options.measure,
        k,
        k_all: k,
        level: options.level,
        warnings: fit_warnings(data, random.as_ref(), k, options),
        fixed,
        random,
        heterogeneity,
        studies: StudyRows::default(),
        excluded: Vec::new(),
        options: *options,
    })
}

/// A fit's error with no answer, named after the file it was asked of.
fn in_source(e: Error, source: &str) -> Error {
    match e {
        Error::Degenerate(m) if !m.starts_with(source) => {
            Error::Degenerate(format!("{source}: {m}"))
        }
        other => other,
    }
}

/// The error for a Mantel-Haenszel or Peto fit of data that are not 2x2 counts.
fn needs_binary(method: FixedMethod) -> Error {
    Error::InvalidArgument(format!(
        "the {} fixed-effect method needs binary (2x2) data",
        method.name()
    ))
}

/// The warning for a Mantel-Haenszel or Peto estimate that is 0 or infinite on the
/// ratio scale (its log ±∞), or not a number.
fn undefined_fixed(method: FixedMethod, measure: Measure) -> String {
    let why = match (method, measure) {
        (FixedMethod::MantelHaenszel, Measure::RR) => {
            "no study has an event in one of the arms (the sum Σ a n_c/N or Σ c n_e/N is 0)"
        }
        (FixedMethod::MantelHaenszel, Measure::OR) => {
            "the sum Σ a d/N or Σ b c/N is 0 (no study has an event in one arm and a \
             non-event in the other in that direction)"
        }
        _ => "its sums carry no information",
    };
    format!(
        "the {} fixed-effect estimate is undefined: {why}; the fixed-effect results and \
         Cochran's Q about it are not numbers",
        match method {
            FixedMethod::MantelHaenszel => "Mantel-Haenszel",
            FixedMethod::Peto => "Peto",
            FixedMethod::InverseVariance => "inverse-variance",
        }
    )
}

/// Computes the study effects of `table` and pools them, with the Mantel-Haenszel or
/// Peto fixed-effect estimate when `options.fixed` asks for it.
///
/// # Errors
/// As [`effect::compute`] and [`pool_effects`]; [`Error::InvalidArgument`] when MH or
/// Peto is asked of non-binary data or MH of an unsupported measure; [`Error::Input`]
/// naming file and row (and the `vi` or `sei` column) for a sampling variance of 0.
pub fn pool(
    table: &StudyTable,
    effect_options: &EffectOptions,
    options: &PoolOptions,
) -> Result<Fit> {
    let measure = effect_options.measure;
    let arms = match (&table.data, options.fixed) {
        (_, FixedMethod::InverseVariance) => {
            // A fit with no answer names the file it was asked of.
            return pool_owned_effects(study_effects(table, effect_options)?, options)
                .map_err(|e| in_source(e, &table.source));
        }
        (StudyData::Binary(arms), _) => arms,
        _ => return Err(needs_binary(options.fixed)),
    };
    let all: Vec<Table2x2> = (0..table.k())
        .map(|i| Table2x2::of_study(arms, i))
        .collect();
    let (effects, estimate, se, weights) = match options.fixed {
        FixedMethod::MantelHaenszel => {
            let effects = effect::compute(table, effect_options)?;
            // metafor's rma.mh forms the MH sums from every observed table (double zeros
            // included: they move the RD); RevMan from the tables its zero-cell rule
            // keeps, with the increment added.
            let kept: Vec<Table2x2> = effects.index.iter().map(|&i| all[i]).collect();
            let kept = match options.mh_cells {
                MhCells::Observed => kept,
                MhCells::Incremented => {
                    let inc = increments(&kept, &effect_options.zero_cell);
                    kept.iter().zip(inc).map(|(t, add)| t.plus(add)).collect()
                }
            };
            let tables = match options.mh_cells {
                MhCells::Observed => &all,
                MhCells::Incremented => &kept,
            };
            let (est, se) = match measure {
                Measure::OR => mantel_haenszel::log_odds_ratio(tables),
                Measure::RR => mantel_haenszel::log_risk_ratio(tables),
                Measure::RD => mantel_haenszel::risk_difference(tables, options.rd_variance),
                other => {
                    return Err(Error::InvalidArgument(format!(
                        "Mantel-Haenszel pools OR, RR or RD, not {other}"
                    )))
                }
            };
            let weights = mantel_haenszel::weights_percent(&kept, measure);
            let mut effects = effects;
            // Double zeros left out of the study rows still move the MH risk difference
            // (weight n_e n_c / N, difference 0) when the sums are formed from every
            // observed table: say so, lest "excluded" be read as "not in the estimate".
            if measure == Measure::RD && options.mh_cells == MhCells::Observed {
                let in_sums: Vec<&str> = effects
                    .excluded
                    .iter()
                    .filter(|e| all[e.index].is_double_zero())
                    .map(|e| e.study.as_str())
                    .collect();
                if !in_sums.is_empty() {
                    effects.warnings.push(format!(
                        "{} double-zero {} ('{}') {} no study-level risk difference in the \
                         table, Q or I², but {} in the Mantel-Haenszel estimate (risk \
                         difference 0, weight n_e n_c / N), as in metafor's rma.mh, whose k \
                         counts {}",
                        in_sums.len(),
                        if in_sums.len() == 1 {
                            "study"
                        } else {
                            "studies"
                        },
                        in_sums.join("', '"),
                        if in_sums.len() == 1 { "has" } else { "have" },
                        if in_sums.len() == 1 { "is" } else { "are" },
                        if in_sums.len() == 1 { "it" } else { "them" },
                    ));
                }
            }
            (effects, est, se, weights)
        }
        _ => {
            if !matches!(measure, Measure::OR | Measure::PETO) {
                return Err(Error::InvalidArgument(format!(
                    "Peto's method pools odds ratios (measure OR or PETO), not {measure}"
                )));
            }
            // Peto's study effects need no increment; double-zero tables (V = 0) are not
            // estimable and drop out (metafor's rma.peto, RevMan).
            let peto_options = EffectOptions {
                measure: Measure::PETO,
                zero_cell: ZeroCellRule {
                    increment: 0.0,
                    add_to: AddTo::None,
                    double_zero: DoubleZero::Drop,
                },
                ..*effect_options
            };
            let effects = effect::compute(table, &peto_options)?;
            let (est, se) = peto::log_odds_ratio(&all);
            let kept: Vec<Table2x2> = effects.index.iter().map(|&i| all[i]).collect();
            (effects, est, se, peto::weights_percent(&kept))
        }
    };
    check_variances(&effects, Some(table))?;
    // An MH (or Peto) ratio of 0 or ∞: its sums have no information; undefined.
    let mut effects = effects;
    let (estimate, se) = if estimate.is_finite() {
        (estimate, se)
    } else {
        effects
            .warnings
            .push(undefined_fixed(options.fixed, measure));
        (f64::NAN, f64::NAN)
    };
    let fe = PooledEstimate::wald(estimate, se, options.level.proportion(), None);
    let fixed = FixedFit {
        method: options.fixed,
        pooled: fe,
    };
    // Q about a Mantel-Haenszel or Peto estimate is formed over the tables that carry
    // information (not double zeros); with at most one of them it is 0 on 0 degrees of
    // freedom, whatever the estimate (metafor's rma.mh: QE = 0, QEp = 1, I2 = 0, H2 = 1).
    let informative = effects
        .index
        .iter()
        .filter(|&&i| !all[i].is_double_zero())
        .count();
    let mut fit = finish(effects, fixed, weights, options)?;
    if informative <= 1 {
        let h = &mut fit.heterogeneity;
        (h.q, h.p_value, h.i2_q) = (0.0, 1.0, 0.0);
        if fit.random.is_none() {
            h.h2 = 1.0;
        }
    }
    Ok(fit)
}
