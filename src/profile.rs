//! Profiles: named bundles of defaults that reproduce another program's figures.
//!
//! A profile only chooses options; every choice is also a plain option of
//! [`EffectOptions`] and [`PoolOptions`], and no code path asks which program it
//! imitates.
//!
//! | option | `metafor` (3.8 / 4.x) | `revman5` | `revman-web` |
//! |---|---|---|---|
//! | zero cells (study effects) | ½ to `only0`, double zeros kept (`escalc`); dropped with MH or Peto (`rma.mh`, `rma.peto`) | ½ to `only0`, double zeros dropped for RR/OR, kept for RD | as RevMan 5 |
//! | fixed-effect method, binary data | inverse variance (`rma`); MH or Peto on request | Mantel-Haenszel (Peto for measure PETO) | Mantel-Haenszel (Peto for measure PETO) |
//! | cells in the MH sums | observed | with the ½ increment | with the ½ increment |
//! | MH risk-difference variance | Sato-Greenland-Robins 1989 | Greenland-Robins 1985 | Greenland-Robins 1985 |
//! | τ² | REML | DerSimonian-Laird | REML |
//! | Q behind DL | about the IV estimate | about the fixed estimate in use (MH) | about the fixed estimate in use |
//! | CI of μ | z | z | z (HKSJ on request) |
//! | prediction interval | critical value of the CI (z or t(k − 1)) | t(k − 2) (Higgins et al. 2009; RevMan 5 prints none) | t(k − 2) |
//! | SMD | Hedges' g, exact J | Hedges' g, J = 1 − 3/(4N − 9), RevMan variance | as RevMan 5 (assumed) |
//! | I² shown | from τ² | from Q | from τ² |
//! | τ² and I² CI | Q-profile | Q-profile (RevMan 5 prints none) | Q-profile |
//!
//! RevMan Web: Cochrane's published statistical-methods notes for RevMan Web (2023)
//! describe REML as the default τ² estimator for new analyses, the Q-profile interval for
//! τ², optional Hartung-Knapp-Sidik-Jonkman intervals and prediction intervals with
//! t(k − 2). What they do not state (the SMD correction, the increment inside MH sums)
//! is assumed to be as in RevMan 5.

use crate::data::DataType;
use crate::effect::{DoubleZero, EffectOptions, Measure, SmdCorrection, ZeroCellRule};
use crate::error::{Error, Result};
use crate::heterogeneity::I2Ci;
use crate::level::Level;
use crate::model::{
    CiMethod, DlQ, FixedMethod, I2Definition, MhCells, PiMethod, PoolOptions, RdVariance,
    Tau2Method,
};
use serde::Serialize;
use std::str::FromStr;

/// A named bundle of defaults. See the module documentation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub enum Profile {
    /// metafor 3.8 / 4.x defaults.
    Metafor,
    /// RevMan 5.
    RevMan5,
    /// RevMan Web.
    RevManWeb,
}

impl FromStr for Profile {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Ok(match s.trim().to_ascii_lowercase().as_str() {
            "metafor" => Profile::Metafor,
            "revman5" | "revman-5" => Profile::RevMan5,
            "revman-web" | "revmanweb" => Profile::RevManWeb,
            other => {
                return Err(Error::InvalidArgument(format!(
                    "unknown profile '{other}': expected metafor, revman5 or revman-web"
                )))
            }
        })
    }
}

impl Profile {
    /// The command-line name.
    pub fn name(self) -> &'static str {
        match self {
            Profile::Metafor => "metafor",
            Profile::RevMan5 => "revman5",
            Profile::RevManWeb => "revman-web",
        }
    }

    /// The profile in the words of a report a reviewer reads.
    pub fn plain_name(self) -> &'static str {
        match self {
            Profile::Metafor => "metafor's defaults",
            Profile::RevMan5 => "RevMan 5's conventions",
            Profile::RevManWeb => "RevMan Web's conventions",
        }
    }

    /// The profile's fixed-effect method for a measure and data type.
    pub fn default_fixed(self, measure: Measure, data_type: DataType) -> FixedMethod {
        match (self, data_type, measure) {
            (Profile::Metafor, _, _) => FixedMethod::InverseVariance,
            (_, DataType::Binary, Measure::PETO) => FixedMethod::Peto,
            (_, DataType::Binary, Measure::RR | Measure::OR | Measure::RD) => {
                FixedMethod::MantelHaenszel
            }
            _ => FixedMethod::InverseVariance,
        }
    }

    /// Effect and pooling options for `measure` on `data_type`, with the fixed-effect
    /// method `fixed` or the profile's own.
    pub fn options(
        self,
        measure: Measure,
        data_type: DataType,
        fixed: Option<FixedMethod>,
    ) -> (EffectOptions, PoolOptions) {
        let fixed = fixed.unwrap_or_else(|| self.default_fixed(measure, data_type));
        let mut effect = EffectOptions::new(measure);
        let mut pool = PoolOptions {
            fixed,
            ..PoolOptions::default()
        };
        match self {
            Profile::Metafor => {
                if fixed != FixedMethod::InverseVariance {
                    // rma.mh and rma.peto: drop00 = TRUE for the study effects.
                    effect.zero_cell.double_zero = DoubleZero::Drop;
                }
            }
            Profile::RevMan5 | Profile::RevManWeb => {
                effect.zero_cell = ZeroCellRule::revman();
                effect.smd = SmdCorrection::RevMan5;
                pool.mh_cells = MhCells::Incremented;
                pool.rd_variance = RdVariance::GreenlandRobins;
                pool.dl_q = DlQ::FixedInUse;
                pool.pi = PiMethod::HigginsThompsonSpiegelhalter;
                pool.ci = CiMethod::Z;
                pool.i2_ci = I2Ci::QProfile;
                if self == Profile::RevMan5 {
                    pool.tau2 = Some(Tau2Method::DL);
                    pool.i2 = I2Definition::FromQ;
                } else {
                    pool.tau2 = Some(Tau2Method::REML);
                    pool.i2 = I2Definition::FromTau2;
                }
            }
        }
        (effect, pool)
    }
}

/// Options given one by one on top of a profile (the command line's flags). Each
/// `Some` replaces the profile's choice.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Overrides {
    /// Effect measure; default by data type: RR (binary), MD (continuous), GEN (generic).
    pub measure: Option<Measure>,
    /// Fixed-effect method.
    pub fixed: Option<FixedMethod>,
    /// τ² estimator: `Some(None)` fits the fixed-effect model only.
    pub tau2: Option<Option<Tau2Method>>,
    /// Interval method of the random-effects estimate.
    pub ci: Option<CiMethod>,
    /// Prediction interval method.
    pub pi: Option<PiMethod>,
    /// Confidence level of the output's intervals.
    pub level: Option<Level>,
    /// Confidence level at which the input table's intervals (`ci_lower`, `ci_upper`)
    /// were printed (default 95%; a `ci_level` column sets it row by row). A property
    /// of the data: the output's `level` does not change it.
    pub input_level: Option<Level>,
    /// Zero-cell increment.
    pub increment: Option<f64>,
    /// Which studies get the increment.
    pub add_to: Option<crate::effect::AddTo>,
    /// Double-zero studies.
    pub double_zero: Option<DoubleZero>,
    /// SMD correction.
    pub smd: Option<SmdCorrection>,
    /// MH risk-difference variance.
    pub rd_variance: Option<RdVariance>,
    /// Cells in the MH sums.
    pub mh_cells: Option<MhCells>,
    /// Confidence interval of I² (and H²).
    pub i2_ci: Option<I2Ci>,
}

/// The measure used when none is given: RR for binary data, MD for continuous data,
/// GEN for generic data.
pub fn default_measure(data_type: DataType) -> Measure {
    match data_type {
        DataType::Binary => Measure::RR,
        DataType::Continuous => Measure::MD,
        _ => Measure::GEN,
    }
}

impl Profile {
    /// The profile's options with `overrides` applied.
    pub fn resolve(
        self,
        data_type: DataType,
        overrides: &Overrides,
    ) -> (EffectOptions, PoolOptions) {
        let measure = overrides
            .measure
            .unwrap_or_else(|| default_measure(data_type));
        let (mut effect, mut pool) = self.options(measure, data_type, overrides.fixed);
        if let Some(tau2) = overrides.tau2 {
            pool.tau2 = tau2;
        }
        if let Some(ci) = overrides.ci {
            pool.ci = ci;
        }
        if let Some(pi) = overrides.pi {
            pool.pi = pi;
        }
        if let Some(level) = overrides.level {
            pool.level = level;
        }
        if let Some(level) = overrides.input_level {
            effect.level = level;
        }
        if let Some(increment) = overrides.increment {
            effect.zero_cell.increment = increment;
        }
        if let Some(add_to) = overrides.add_to {
            effect.zero_cell.add_to = add_to;
        }
        if let Some(double_zero) = overrides.double_zero {
            effect.zero_cell.double_zero = double_zero;
        }
        if let Some(smd) = overrides.smd {
            effect.smd = smd;
        }
        if let Some(rd) = overrides.rd_variance {
            pool.rd_variance = rd;
        }
        if let Some(cells) = overrides.mh_cells {
            pool.mh_cells = cells;
        }
        if let Some(i2_ci) = overrides.i2_ci {
            pool.i2_ci = i2_ci;
        }
        (effect, pool)
    }
}
