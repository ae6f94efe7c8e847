//! The confidence level: one validated type, a proportion in (0, 1), everywhere in the
//! library.
//!
//! Every option and result holds the level as a [`Level`], which cannot be built outside
//! (0, 1). A user writes it as a percentage (`--level 95`, a claim's `level=95`) or as a
//! proportion (`0.95`); [`Level::from_user`] reads both, as metafor 3.8-1's `.level()`
//! does for values in (1, 100) (percent) and (0.5, 1) (proportion). metafor reads a
//! value in (0, 0.5] as α (0.05 gives a 95% interval, 0.3 a 70% one); metapool refuses
//! such a value rather than guess which was meant. The JSON output writes every level
//! in percent (`"level": 95`, and in the options used), as the design of the output has
//! it.

use crate::error::{Error, Result, Shown};
use serde::Serialize;

/// A confidence level, a proportion strictly between 0 and 1 (0.95 for 95%).
///
/// Serialised in percent (`95`, `97.5`), rounded as [`Level::percent`] rounds.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
pub struct Level(f64);

impl Level {
    /// 95%, the default of every interval.
    pub const NINETY_FIVE: Level = Level(0.95);

    /// The level of a proportion in (0, 1).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for a proportion outside (0, 1) (0, 1, NaN, ...).
    pub fn new(proportion: f64) -> Result<Level> {
        if proportion > 0.0 && proportion < 1.0 {
            Ok(Level(proportion))
        } else {
            Err(Error::InvalidArgument(format!(
                "the confidence level must lie strictly between 0 and 100%, found {}%",
                Shown(proportion * 100.0)
            )))
        }
    }

    /// Reads a confidence level as a user writes it.
    ///
    /// - a value in (1, 100) is a percentage: 95 gives 0.95;
    /// - a value in (0.5, 1) is a proportion: 0.95 gives 0.95 (metafor reads it so);
    /// - anything else is refused: 0, 1 (a 1% interval as a percentage, 100% as metafor
    ///   reads it), 100 and above, negative values, NaN, and values in
    ///   (0, 0.5], which metafor reads as α while a reader may mean a proportion.
    ///
    /// # Errors
    /// A message (without the name of the option, which the caller adds) saying what
    /// was expected.
    pub fn from_user(value: f64) -> std::result::Result<Level, String> {
        if value == 1.0 {
            Err(
                "1: expected a percentage in (1, 100) or a proportion in (0.5, 1); 1 is \
                 ambiguous (a 1% interval read as a percentage, while metafor reads it as the \
                 proportion 1, a 100% interval)"
                    .to_string(),
            )
        } else if value > 1.0 && value < 100.0 {
            Ok(Level(value / 100.0))
        } else if value > 0.5 && value < 1.0 {
            Ok(Level(value))
        } else if value > 1e-4 && value <= 0.5 {
            Err(format!(
                "{}: expected a percentage in (1, 100) or a proportion in (0.5, 1); \
                 did you mean {}? (metafor reads a level of at most 0.5 as alpha)",
                Shown(value),
                Shown(100.0 * (1.0 - value))
            ))
        } else {
            Err(format!(
                "{}: expected a percentage in (1, 100) (95) or a proportion in (0.5, 1) (0.95)",
                Shown(value)
            ))
        }
    }

    /// The level as a proportion in (0, 1), 1 − α.
    pub fn proportion(self) -> f64 {
        self.0
    }

    /// The level in percent, for labels ("95% CI", "97.5% CI") and the JSON output:
    /// rounded to 9 decimals, so that 0.9 gives 90, not 90.00000000000001.
    pub fn percent(self) -> f64 {
        (self.0 * 100.0 * 1e9).round() / 1e9
    }
}

impl Default for Level {
    /// 95%.
    fn default() -> Self {
        Level::NINETY_FIVE
    }
}

impl Serialize for Level {
    /// In percent (the JSON output's `"level": 95`).
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        serializer.serialize_f64(self.percent())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(value: f64) -> std::result::Result<f64, String> {
        Level::from_user(value).map(Level::proportion)
    }

    /// metafor 3.8-1, `metafor:::.level`: `level >= 1` is percent, `0.5 < level < 1` a
    /// proportion (R: `rma(yi, vi, level = 0.95)` and `level = 95` give the same CI).
    #[test]
    fn a_level_below_one_is_a_proportion_as_in_metafor() {
        assert_eq!(user(95.0), Ok(0.95));
        assert_eq!(user(0.95), Ok(0.95));
        assert_eq!(user(90.0), Ok(0.9));
        assert_eq!(user(1.5), Ok(0.015));
        assert!(user(1.0).unwrap_err().contains("ambiguous"));
        assert_eq!(Level::new(0.9).map(Level::percent).ok(), Some(90.0));
        assert_eq!(format!("{}", Level::new(0.975).unwrap().percent()), "97.5");
    }

    #[test]
    fn levels_metafor_reads_as_alpha_or_out_of_range_are_refused() {
        for bad in [0.05, 0.5, 0.0, -95.0, 100.0, 150.0, f64::NAN, f64::INFINITY] {
            assert!(user(bad).is_err(), "{bad}");
        }
        assert!(user(0.05).unwrap_err().contains("did you mean 95?"));
    }

    #[test]
    fn a_proportion_outside_the_unit_interval_is_no_level() {
        for bad in [0.0, 1.0, -0.5, 1.5, f64::NAN] {
            assert!(Level::new(bad).is_err(), "{bad}");
        }
        assert_eq!(Level::new(0.95).ok(), Some(Level::NINETY_FIVE));
    }
}
