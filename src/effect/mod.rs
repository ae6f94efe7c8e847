//! Study-level effect sizes: an estimate `yi` and its sampling variance `vi` per study.
//!
//! [`compute`] turns a [`StudyTable`] into [`Effects`] for a [`Measure`], applying the
//! zero-cell rule of [`EffectOptions`] to binary data and the SMD correction to
//! continuous data. Ratio measures (RR, OR, Peto OR, ROM) are on the log scale.
//!
//! | measure | data | estimate | variance | reference |
//! |---|---|---|---|---|
//! | `RR` | binary | log(p_e / p_c) | 1/a − 1/n_e + 1/c − 1/n_c | [`binary::log_risk_ratio`] |
//! | `OR` | binary | log(ad / bc) | 1/a + 1/b + 1/c + 1/d | [`binary::log_odds_ratio`] |
//! | `RD` | binary | p_e − p_c | p_e(1−p_e)/n_e + p_c(1−p_c)/n_c | [`binary::risk_difference`] |
//! | `PETO` | binary | (O − E)/V | 1/V | [`binary::peto_log_odds_ratio`] |
//! | `MD` | continuous | m_e − m_c | sd_e²/n_e + sd_c²/n_c | [`continuous::mean_difference`] |
//! | `SMD` | continuous | Hedges' g | see [`continuous::standardized_mean_difference`] | |
//! | `ROM` | continuous | log(m_e / m_c) | sd_e²/(n_e m_e²) + sd_c²/(n_c m_c²) | [`continuous::log_ratio_of_means`] |
//! | `GEN` and ratio measures | generic | yi, or log(estimate) with SE from the CI | [`generic`] | |
//!
//! # Zero cells
//! The conventions in use, all available through [`ZeroCellRule`]:
//! - metafor's `escalc` (the default here): add 1/2 to every cell of a study with a
//!   zero cell (`to = "only0"`), keep double-zero studies (`drop00 = FALSE`);
//! - RevMan 5 and RevMan Web ([`ZeroCellRule::revman`]): add 1/2 to every cell of a study
//!   with a zero cell, drop double-zero studies for RR and OR, keep them for RD
//!   (Deeks & Higgins, *Statistical algorithms in Review Manager 5*, 2010);
//! - `to = "all"` (every study), `to = "if0all"` (every study, when any has a zero cell),
//!   `to = "none"`; any increment.
//!
//! A double-zero study is one with no events in both arms, or with all participants
//! having the event in both arms (metafor's definition of `drop00`).

pub mod binary;
pub mod continuous;
pub mod generic;

use crate::data::{StudyData, StudyTable};
use crate::error::{Error, Result};
use crate::level::Level;
pub use crate::measure::Measure;
use serde::Serialize;

/// Which studies receive the zero-cell increment (metafor's `to`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum AddTo {
    /// Only studies with a zero cell (`"only0"`).
    Only0,
    /// Every study (`"all"`).
    All,
    /// Every study, when at least one study has a zero cell (`"if0all"`).
    If0All,
    /// No study (`"none"`).
    None,
}

crate::spelling::spellings!(AddTo, "zero-cell target", {
    AddTo::Only0 => ["only0"],
    AddTo::All => ["all"],
    AddTo::If0All => ["if0all"],
    AddTo::None => ["none"],
});

/// What happens to double-zero studies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DoubleZero {
    /// Keep them (metafor's `escalc` default, `drop00 = FALSE`).
    Keep,
    /// Drop them for every measure (`drop00 = TRUE`).
    Drop,
    /// Drop them for RR and OR, keep them for RD (RevMan).
    DropForRatios,
}

crate::spelling::spellings!(DoubleZero, "double-zero rule", {
    DoubleZero::Keep => ["keep"],
    DoubleZero::Drop => ["drop"],
    DoubleZero::DropForRatios => ["ratios"],
});

/// A zero-cell convention: the increment, which studies get it, and what happens to
/// double-zero studies. See the module documentation.
///
/// Non-exhaustive, so that a setting can be added: start from a convention
/// ([`ZeroCellRule::metafor`], the default, [`ZeroCellRule::revman`],
/// [`ZeroCellRule::none`]) and set the fields that differ.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[non_exhaustive]
pub struct ZeroCellRule {
    /// The amount added to each cell of a 2x2 table that receives the increment.
    pub increment: f64,
    /// Which studies receive it.
    pub add_to: AddTo,
    /// Whether double-zero studies are dropped.
    pub double_zero: DoubleZero,
}

impl ZeroCellRule {
    /// metafor's `escalc` defaults: `add = 1/2, to = "only0", drop00 = FALSE`.
    pub const fn metafor() -> Self {
        ZeroCellRule {
            increment: 0.5,
            add_to: AddTo::Only0,
            double_zero: DoubleZero::Keep,
        }
    }

    /// RevMan 5 / RevMan Web: 1/2 to every cell of a study with a zero cell; double-zero
    /// studies dropped for RR and OR, kept for RD.
    pub const fn revman() -> Self {
        ZeroCellRule {
            increment: 0.5,
            add_to: AddTo::Only0,
            double_zero: DoubleZero::DropForRatios,
        }
    }

    /// No increment, double-zero studies kept.
    pub const fn none() -> Self {
        ZeroCellRule {
            increment: 0.0,
            add_to: AddTo::None,
            double_zero: DoubleZero::Keep,
        }
    }

    /// Whether a double-zero study is dropped for this measure.
    pub fn drops_double_zero(&self, measure: Measure) -> bool {
        match self.double_zero {
            DoubleZero::Keep => false,
            DoubleZero::Drop => true,
            DoubleZero::DropForRatios => {
                matches!(measure, Measure::RR | Measure::OR | Measure::PETO)
            }
        }
    }

    pub(crate) fn check(&self) -> Result<()> {
        if !(self.increment.is_finite() && self.increment >= 0.0) {
            return Err(Error::InvalidArgument(format!(
                "the zero-cell increment (--add) must be a finite number of 0 or more, found {}",
                crate::error::Shown(self.increment)
            )));
        }
        Ok(())
    }
}

impl Default for ZeroCellRule {
    fn default() -> Self {
        Self::metafor()
    }
}

/// The small-sample correction of the standardised mean difference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SmdCorrection {
    /// Hedges' exact J = Γ(m/2) / (√(m/2) Γ((m−1)/2)), m = n_e + n_c − 2, with the
    /// large-sample variance 1/n_e + 1/n_c + g²/(2(n_e + n_c)) (metafor's `escalc`,
    /// `measure = "SMD"`, `vtype = "LS"`).
    ExactHedges,
    /// RevMan 5: J = 1 − 3/(4N − 9), variance N/(n_e n_c) + g²/(2(N − 3.94)).
    RevMan5,
}

crate::spelling::spellings!(SmdCorrection, "SMD correction", {
    SmdCorrection::ExactHedges => ["exact"],
    SmdCorrection::RevMan5 => ["revman5"],
});

/// Options of [`compute`].
///
/// Non-exhaustive, so that an option can be added: start from [`EffectOptions::new`]
/// (metafor's defaults for a measure) and set the fields that differ.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[non_exhaustive]
pub struct EffectOptions {
    /// The effect measure.
    pub measure: Measure,
    /// Zero-cell convention for binary data.
    pub zero_cell: ZeroCellRule,
    /// SMD correction for continuous data.
    pub smd: SmdCorrection,
    /// Confidence level at which the intervals of generic estimates (`ci_lower`,
    /// `ci_upper`) were printed (written in percent in the JSON output); a
    /// `ci_level` column of the table gives it row by row instead. A property of the
    /// input, apart from the level of the output's intervals.
    pub level: Level,
}

impl EffectOptions {
    /// metafor's defaults for a measure: zero cells as `escalc`, exact Hedges' g, 95%.
    pub fn new(measure: Measure) -> Self {
        EffectOptions {
            measure,
            zero_cell: ZeroCellRule::metafor(),
            smd: SmdCorrection::ExactHedges,
            level: Level::NINETY_FIVE,
        }
    }
}

/// A study left out of the effects, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Excluded {
    /// Index of the study in the table.
    pub index: usize,
    /// Its label.
    pub study: String,
    /// Why it was left out.
    pub reason: String,
}

/// Study-level effects in columns, ready for pooling.
///
/// The fields are private so that the columns always have one entry per study: build
/// effects with [`compute`] or [`Effects::from_yi_vi`], and read them through the
/// accessors.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Effects {
    /// The measure (ratio measures on the log scale).
    pub(crate) measure: Measure,
    /// Study labels of the included studies.
    pub(crate) labels: crate::data::Texts,
    /// Estimates.
    pub(crate) yi: Vec<f64>,
    /// Sampling variances.
    pub(crate) vi: Vec<f64>,
    /// For each included study, its index in the table.
    pub(crate) index: Vec<usize>,
    /// Studies left out (double-zero studies under a rule that drops them).
    pub(crate) excluded: Vec<Excluded>,
    /// Notes worth passing on (increments added, studies dropped).
    pub(crate) warnings: Vec<String>,
}

impl Effects {
    /// Builds effects from estimates and variances already on the analysis scale.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] when the lengths differ, a value is not finite, or a
    /// variance is negative.
    pub fn from_yi_vi(
        measure: Measure,
        labels: impl Into<crate::data::Texts>,
        yi: Vec<f64>,
        vi: Vec<f64>,
    ) -> Result<Self> {
        let labels = labels.into();
        if labels.len() != yi.len() || yi.len() != vi.len() {
            return Err(Error::InvalidArgument(format!(
                "{} labels, {} estimates and {} variances",
                labels.len(),
                yi.len(),
                vi.len()
            )));
        }
        if let Some(i) =
            (0..yi.len()).find(|&i| !yi[i].is_finite() || !vi[i].is_finite() || vi[i] < 0.0)
        {
            return Err(Error::InvalidArgument(format!(
                "study '{}': estimate {} with variance {} (finite values and a variance of 0 or more are needed)",
                &labels[i],
                crate::error::Shown(yi[i]),
                crate::error::Shown(vi[i])
            )));
        }
        Ok(Effects {
            measure,
            index: (0..yi.len()).collect(),
            labels,
            yi,
            vi,
            excluded: Vec::new(),
            warnings: Vec::new(),
        })
    }

    /// The measure (ratio measures on the log scale).
    pub fn measure(&self) -> Measure {
        self.measure
    }

    /// Study labels of the included studies.
    pub fn labels(&self) -> &crate::data::Texts {
        &self.labels
    }

    /// Estimates, on the analysis scale.
    pub fn yi(&self) -> &[f64] {
        &self.yi
    }

    /// Sampling variances.
    pub fn vi(&self) -> &[f64] {
        &self.vi
    }

    /// For each included study, its index in the table.
    pub fn index(&self) -> &[usize] {
        &self.index
    }

    /// Studies left out (double-zero studies under a rule that drops them).
    pub fn excluded(&self) -> &[Excluded] {
        &self.excluded
    }

    /// Notes worth passing on (increments added, studies dropped).
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// Number of included studies.
    pub fn k(&self) -> usize {
        self.yi.len()
    }

    /// Standard errors √vi.
    pub fn sei(&self) -> Vec<f64> {
        self.vi.iter().map(|v| v.sqrt()).collect()
    }
}

/// Computes study-level effects for the measure of `options`.
///
/// # Errors
/// [`Error::InvalidArgument`] when the measure does not fit the data type or an option
/// is out of range; [`Error::Input`] (with file, row and column) when a study's data
/// cannot give the measure (a non-positive mean for ROM, a non-positive ratio estimate
/// or limit for a generic ratio measure); [`Error::Degenerate`] when no study is left.
pub fn compute(table: &StudyTable, options: &EffectOptions) -> Result<Effects> {
    options.zero_cell.check()?;
    let measure = options.measure;
    let mismatch = || {
        Error::InvalidArgument(format!(
            "measure {measure} does not fit {:?} data",
            table.data_type()
        ))
    };
    let mut effects = match &table.data {
        StudyData::Binary(arms) => {
            if !matches!(
                measure,
                Measure::RR | Measure::OR | Measure::RD | Measure::PETO
            ) {
                return Err(mismatch());
            }
            binary::compute(table, arms, measure, &options.zero_cell)?
        }
        StudyData::Continuous(arms) => {
            if !matches!(measure, Measure::MD | Measure::SMD | Measure::ROM) {
                return Err(mismatch());
            }
            continuous::compute(table, arms, measure, options.smd)?
        }
        data => generic::compute(table, data, measure, options.level)?,
    };
    if effects.k() == 0 {
        // Say why, once per distinct reason, with its count.
        let mut reasons: Vec<(&str, usize)> = Vec::new();
        for e in &effects.excluded {
            match reasons.iter_mut().find(|(r, _)| *r == e.reason) {
                Some((_, n)) => *n += 1,
                None => reasons.push((&e.reason, 1)),
            }
        }
        let reasons: Vec<String> = reasons
            .iter()
            .map(|(reason, n)| format!("{n} x {reason}"))
            .collect();
        return Err(Error::Degenerate(format!(
            "{}: no study left to analyse: all {} studies were excluded ({}); expected at \
             least one study with an estimable {measure}",
            table.source,
            effects.excluded.len(),
            reasons.join("; ")
        )));
    }
    effects.warnings.extend(table.warnings.iter().cloned());
    Ok(effects)
}
