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
use crate::effect::{AddTo, DoubleZero, EffectOptions, Measure, SmdCorrection, ZeroCellRule};
use crate::error::{Error, Result};
use crate::heterogeneity::I2Ci;
use crate::level::Level;
use crate::model::{
    CiMethod, DlQ, FixedMethod, I2Definition, MhCells, PiMethod, PoolOptions, RdVariance,
    Tau2Method,
};
#[cfg(feature = "cli")]
use crate::spelling::parser;
use std::str::FromStr;

/// A named bundle of defaults. See the module documentation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Profile {
    /// metafor 3.8 / 4.x defaults.
    Metafor,
    /// RevMan 5.
    RevMan5,
    /// RevMan Web.
    RevManWeb,
}

crate::spelling::spellings!(Profile, "profile", {
    Profile::Metafor => ["metafor"],
    Profile::RevMan5 => ["revman5", "revman-5"],
    Profile::RevManWeb => ["revman-web", "revmanweb"],
});

impl Profile {
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
/// `Some` replaces the profile's choice. With the `cli` feature it is the `clap::Args`
/// the commands flatten; each field's documentation is its help.
///
/// Non-exhaustive, so that an option can be added: start from [`Overrides::default`]
/// (nothing overridden) and set the fields wanted.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
#[cfg_attr(feature = "cli", derive(clap::Args))]
pub struct Overrides {
    /// Effect measure [default: RR for binary, MD for continuous, GEN for generic data].
    #[cfg_attr(feature = "cli", arg(long, value_parser = parser::<Measure>()))]
    pub measure: Option<Measure>,
    /// Fixed-effect method: inverse variance, Mantel-Haenszel or Peto [default: the
    /// profile's].
    #[cfg_attr(feature = "cli", arg(long, value_parser = parser::<FixedMethod>()))]
    pub fixed: Option<FixedMethod>,
    /// τ² estimator, or none for the fixed-effect model only [default: the profile's].
    #[cfg_attr(feature = "cli", arg(long, value_parser = parser::<Tau2Choice>()))]
    pub tau2: Option<Tau2Choice>,
    /// Interval of the random-effects estimate [default: the profile's].
    #[cfg_attr(feature = "cli", arg(long, value_parser = parser::<CiMethod>()))]
    pub ci: Option<CiMethod>,
    /// Prediction interval: ci (critical value of the CI method) or hts (t with k-2 df)
    /// [default: the profile's: ci for metafor, hts for RevMan].
    #[cfg_attr(feature = "cli", arg(long, value_parser = parser::<PiMethod>()))]
    pub pi: Option<PiMethod>,
    /// I² and H² interval: qprofile (from the Q-profile limits of τ², as metafor's
    /// confint) or ht (Higgins & Thompson 2002, from ln H) [default: qprofile].
    #[cfg_attr(feature = "cli", arg(long, value_parser = parser::<I2Ci>()))]
    pub i2_ci: Option<I2Ci>,
    /// Confidence level of the output: a percentage in (1, 100), as 95, or a proportion
    /// in (0.5, 1), as 0.95 [default: 95].
    #[cfg_attr(
        feature = "cli",
        arg(long, allow_negative_numbers = true, value_parser = LevelParser)
    )]
    pub level: Option<Level>,
    /// Level at which the table's confidence intervals (ci_lower, ci_upper) were printed
    /// [default: 95; a ci_level column gives it row by row]. A property of the data:
    /// the output's level does not change it.
    #[cfg_attr(
        feature = "cli",
        arg(long, allow_negative_numbers = true, value_parser = LevelParser)
    )]
    pub input_level: Option<Level>,
    /// Zero-cell increment [default: 0.5].
    #[cfg_attr(
        feature = "cli",
        arg(long = "add", value_name = "ADD", allow_negative_numbers = true)
    )]
    pub increment: Option<f64>,
    /// Studies that get the increment [default: only0, the studies with a zero cell].
    #[cfg_attr(feature = "cli", arg(long = "to", value_name = "TO", value_parser = parser::<AddTo>()))]
    pub add_to: Option<AddTo>,
    /// Double-zero studies: kept, dropped, or dropped for RR and OR only (ratios)
    /// [default: the profile's: keep for metafor (drop with MH or Peto), ratios for
    /// RevMan].
    #[cfg_attr(feature = "cli", arg(long = "drop00", value_name = "DROP00", value_parser = parser::<DoubleZero>()))]
    pub double_zero: Option<DoubleZero>,
    /// SMD correction: Hedges' exact J or RevMan 5's approximation [default: the
    /// profile's: exact for metafor, revman5 for RevMan].
    #[cfg_attr(feature = "cli", arg(long, value_parser = parser::<SmdCorrection>()))]
    pub smd: Option<SmdCorrection>,
    /// Variance of the MH risk difference: sgr (Sato 1989) or gr (Greenland-Robins 1985)
    /// [default: the profile's: sgr for metafor, gr for RevMan].
    #[cfg_attr(feature = "cli", arg(long, value_parser = parser::<RdVariance>()))]
    pub rd_variance: Option<RdVariance>,
    /// Cells in the MH sums: as observed, or with the zero-cell increment [default: the
    /// profile's: observed for metafor, incremented for RevMan].
    #[cfg_attr(feature = "cli", arg(long, value_parser = parser::<MhCells>()))]
    pub mh_cells: Option<MhCells>,
}

impl Overrides {
    /// The command-line flags of the options given (`--tau2`, `--pi`, ...), in the
    /// order of the fields: what a command that has no use for some of them warns about.
    pub fn flags_given(&self) -> Vec<&'static str> {
        [
            (self.measure.is_some(), "--measure"),
            (self.fixed.is_some(), "--fixed"),
            (self.tau2.is_some(), "--tau2"),
            (self.ci.is_some(), "--ci"),
            (self.pi.is_some(), "--pi"),
            (self.i2_ci.is_some(), "--i2-ci"),
            (self.level.is_some(), "--level"),
            (self.input_level.is_some(), "--input-level"),
            (self.increment.is_some(), "--add"),
            (self.add_to.is_some(), "--to"),
            (self.double_zero.is_some(), "--drop00"),
            (self.smd.is_some(), "--smd"),
            (self.rd_variance.is_some(), "--rd-variance"),
            (self.mh_cells.is_some(), "--mh-cells"),
        ]
        .into_iter()
        .filter_map(|(given, flag)| given.then_some(flag))
        .collect()
    }
}

/// The command line's parser of a confidence level (`--level`, `--input-level`): a
/// percentage (95) or a proportion (0.95), as [`Level::from_user`] reads it, held as a
/// proportion; a refusal names the option and the value, and says what is expected.
#[cfg(feature = "cli")]
#[derive(Debug, Clone, Copy, Default)]
pub struct LevelParser;

#[cfg(feature = "cli")]
impl clap::builder::TypedValueParser for LevelParser {
    type Value = Level;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> std::result::Result<Level, clap::Error> {
        let text = value.to_string_lossy();
        let text = text.trim();
        let option = arg.and_then(clap::Arg::get_long).unwrap_or("level");
        text.parse::<f64>()
            .map_err(|_| format!("{text}: expected a number"))
            .and_then(Level::from_user)
            .map_err(|e| {
                clap::Error::raw(
                    clap::error::ErrorKind::ValueValidation,
                    format!("--{option} {e}\n"),
                )
                .with_cmd(cmd)
            })
    }
}

/// The τ² of an override: an estimator, or `none` (`Tau2Choice(None)`) for the
/// fixed-effect model only. Spelt as [`Tau2Method`] is, or `none`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tau2Choice(pub Option<Tau2Method>);

impl FromStr for Tau2Choice {
    type Err = Error;
    /// [`Tau2Method::parse_model`]: `none` or `FE`, or an estimator.
    fn from_str(s: &str) -> Result<Self> {
        Tau2Method::parse_model(s).map(Tau2Choice)
    }
}

#[cfg(feature = "cli")]
impl clap::ValueEnum for Tau2Choice {
    fn value_variants<'a>() -> &'a [Self] {
        static CHOICES: std::sync::LazyLock<Vec<Tau2Choice>> = std::sync::LazyLock::new(|| {
            std::iter::once(Tau2Choice(None))
                .chain(Tau2Method::ALL.map(|m| Tau2Choice(Some(m))))
                .collect()
        });
        &CHOICES
    }
    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        match self.0 {
            None => Some(clap::builder::PossibleValue::new("none").alias("FE")),
            Some(m) => m.to_possible_value(),
        }
    }
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
        if let Some(Tau2Choice(tau2)) = overrides.tau2 {
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
