//! The front door: one expression from data to a pooled analysis.
//!
//! [`Pool`] gathers the options of a pooled analysis on top of a [`Profile`] (metafor's
//! defaults unless told otherwise) and fits them to estimates and variances held in
//! memory ([`Pool::fit_yi_vi`]), to 2×2 tables ([`Pool::fit_2x2`]) or to a study table
//! read from a file ([`Pool::fit_table`]). It is a thin layer: each setter replaces one
//! choice of the profile, as the command line's flags do ([`Overrides`]), and the fit is
//! [`crate::model::pool`] or [`crate::model::pool_effects`] with the options
//! [`Profile::resolve`] gives.
//!
//! ```
//! use metapool::model::{CiMethod, Tau2Method};
//! use metapool::Pool;
//!
//! // BCG vaccine trials (Colditz et al. 1994), log risk ratios and their variances.
//! let yi = [-0.889, -1.585, -1.348, -1.442, -0.218, -0.786, -1.621, 0.012, -0.469, -1.371, -0.339, 0.446, -0.017];
//! let vi = [0.326, 0.195, 0.415, 0.020, 0.051, 0.007, 0.223, 0.004, 0.056, 0.073, 0.012, 0.533, 0.071];
//! let fit = Pool::new().tau2(Tau2Method::REML).ci(CiMethod::Hksj).fit_yi_vi(&yi, &vi)?;
//! let mu = fit.pooled();
//! assert!(mu.ci_lower < mu.estimate && mu.estimate < mu.ci_upper);
//! # Ok::<(), metapool::Error>(())
//! ```

use crate::data::{BinaryArms, StudyData, StudyTable};
use crate::effect::{AddTo, DoubleZero, Effects, Measure, SmdCorrection};
use crate::error::Result;
use crate::heterogeneity::I2Ci;
use crate::level::Level;
use crate::model::{self, CiMethod, Fit, FixedMethod, MhCells, PiMethod, RdVariance, Tau2Method};
use crate::profile::{Overrides, Profile, Tau2Choice};

/// A pooled analysis to be fitted: a profile and the options set on top of it.
///
/// `Pool::new()` is metafor's `rma()`: inverse variance, REML, z intervals, 95%.
/// [`Pool::profile`] starts from RevMan 5's or RevMan Web's conventions instead. Every
/// setter takes and returns the builder, so an analysis is one expression.
#[derive(Debug, Clone, PartialEq)]
#[must_use]
pub struct Pool {
    profile: Profile,
    overrides: Overrides,
}

impl Default for Pool {
    /// [`Pool::new`].
    fn default() -> Self {
        Pool::new()
    }
}

impl Pool {
    /// metafor's defaults ([`Profile::Metafor`]).
    pub fn new() -> Self {
        Pool::profile(Profile::Metafor)
    }

    /// The defaults of `profile`: the zero-cell rule, fixed-effect method, τ²
    /// estimator, intervals and SMD correction it bundles (see [`crate::profile`]).
    pub fn profile(profile: Profile) -> Self {
        Pool {
            profile,
            overrides: Overrides::default(),
        }
    }

    /// The options set on top of the profile, as the command line's flags set them.
    pub fn with_overrides(profile: Profile, overrides: Overrides) -> Self {
        Pool { profile, overrides }
    }

    /// The effect measure (default by data type: RR for 2×2 tables, MD for continuous
    /// data, GEN for estimates given as such). For [`Pool::fit_yi_vi`] it says what the
    /// estimates are (log ratios for RR and OR), for the labels of the output.
    pub fn measure(mut self, measure: Measure) -> Self {
        self.overrides.measure = Some(measure);
        self
    }

    /// The fixed-effect method: inverse variance, Mantel-Haenszel or Peto (the last two
    /// need 2×2 tables).
    pub fn fixed(mut self, method: FixedMethod) -> Self {
        self.overrides.fixed = Some(method);
        self
    }

    /// The τ² estimator of the random-effects model; `None` fits the fixed-effect model
    /// only (the command line's `--tau2 none`).
    pub fn tau2(mut self, method: impl Into<Option<Tau2Method>>) -> Self {
        self.overrides.tau2 = Some(Tau2Choice(method.into()));
        self
    }

    /// The interval method of the random-effects estimate (z, t, Hartung-Knapp-Sidik-
    /// Jonkman, or its ad hoc variant).
    pub fn ci(mut self, method: CiMethod) -> Self {
        self.overrides.ci = Some(method);
        self
    }

    /// The prediction interval's method.
    pub fn pi(mut self, method: PiMethod) -> Self {
        self.overrides.pi = Some(method);
        self
    }

    /// The confidence level of every interval of the output.
    pub fn level(mut self, level: Level) -> Self {
        self.overrides.level = Some(level);
        self
    }

    /// The level at which the input's intervals were printed (a table with
    /// `estimate, ci_lower, ci_upper`; default 95%).
    pub fn input_level(mut self, level: Level) -> Self {
        self.overrides.input_level = Some(level);
        self
    }

    /// The zero-cell increment and the studies that get it.
    pub fn zero_cells(mut self, increment: f64, add_to: AddTo) -> Self {
        self.overrides.increment = Some(increment);
        self.overrides.add_to = Some(add_to);
        self
    }

    /// What becomes of studies with no event in either arm.
    pub fn double_zero(mut self, rule: DoubleZero) -> Self {
        self.overrides.double_zero = Some(rule);
        self
    }

    /// The small-sample correction of the standardised mean difference.
    pub fn smd(mut self, correction: SmdCorrection) -> Self {
        self.overrides.smd = Some(correction);
        self
    }

    /// The variance of the Mantel-Haenszel risk difference.
    pub fn rd_variance(mut self, variance: RdVariance) -> Self {
        self.overrides.rd_variance = Some(variance);
        self
    }

    /// The cells that enter the Mantel-Haenszel sums (observed, or with the increment).
    pub fn mh_cells(mut self, cells: MhCells) -> Self {
        self.overrides.mh_cells = Some(cells);
        self
    }

    /// The interval of I² and H².
    pub fn i2_ci(mut self, method: I2Ci) -> Self {
        self.overrides.i2_ci = Some(method);
        self
    }

    /// The profile this analysis starts from.
    pub fn base_profile(&self) -> Profile {
        self.profile
    }

    /// The options set on top of the profile.
    pub fn overrides(&self) -> &Overrides {
        &self.overrides
    }

    /// Pools the study table `table` (any layout the readers recognise): the study
    /// effects, the fixed-effect estimate by the method in use (Mantel-Haenszel and
    /// Peto from the 2×2 counts), τ², the random-effects estimate, heterogeneity.
    ///
    /// # Errors
    /// As [`model::pool`]: input errors name the table's source, row and column.
    pub fn fit_table(&self, table: &StudyTable) -> Result<Fit> {
        let (effect_options, pool_options) =
            self.profile.resolve(table.data_type(), &self.overrides);
        model::pool(table, &effect_options, &pool_options)
    }

    /// Pools estimates `yi` with sampling variances `vi`, both on the analysis scale
    /// (log ratios for ratio measures), by inverse variance: metafor's `rma(yi, vi)`.
    /// The studies are labelled 1 to k in the output.
    ///
    /// # Errors
    /// [`crate::Error::InvalidArgument`] when the lengths differ, a value is not finite,
    /// a variance is negative, or a Mantel-Haenszel or Peto method is set (they need 2×2
    /// counts: [`Pool::fit_2x2`]); [`crate::Error::Degenerate`] with no study or a
    /// variance of 0 (see [`crate::model`]).
    pub fn fit_yi_vi(&self, yi: &[f64], vi: &[f64]) -> Result<Fit> {
        let data_type = crate::data::DataType::GenericVariance;
        let (effect_options, pool_options) = self.profile.resolve(data_type, &self.overrides);
        let labels = crate::data::Texts::numbered(yi.len());
        let effects =
            Effects::from_yi_vi(effect_options.measure, labels, yi.to_vec(), vi.to_vec())?;
        model::pool_effects(&effects, &pool_options)
    }

    /// Pools 2×2 tables given as columns: events and sizes of the experimental (`_e`)
    /// and control (`_c`) arms, study by study. The studies are labelled 1 to k, and an
    /// error names study i as row i + 1 of a table `2x2 tables` (as if read from a file
    /// with a header).
    ///
    /// # Errors
    /// As [`Pool::fit_table`]; [`crate::Error::InvalidArgument`] when the columns differ
    /// in length.
    pub fn fit_2x2(
        &self,
        events_e: &[f64],
        n_e: &[f64],
        events_c: &[f64],
        n_c: &[f64],
    ) -> Result<Fit> {
        let arms = BinaryArms {
            events_e: events_e.to_vec(),
            n_e: n_e.to_vec(),
            events_c: events_c.to_vec(),
            n_c: n_c.to_vec(),
        };
        let table = StudyTable::numbered("2x2 tables", StudyData::Binary(arms))?;
        self.fit_table(&table)
    }
}
