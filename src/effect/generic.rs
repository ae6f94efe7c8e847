//! Generic effects: an estimate with its variance, standard error or confidence
//! interval.
//!
//! - `yi, vi`: taken as they are (analysis scale);
//! - `yi, sei`: vi = sei²;
//! - `estimate, ci_lower, ci_upper` (natural scale): with a ratio measure (RR, OR, PETO,
//!   ROM) yi = ln(estimate) and SE = (ln(upper) − ln(lower)) / (2 z); otherwise
//!   yi = estimate and SE = (upper − lower) / (2 z); z = Φ⁻¹(1 − (1 − level)/2). This is
//!   how RevMan's generic inverse-variance entry and the Cochrane Handbook (section
//!   6.3.1) obtain an SE from a CI.
//!
//! A table of estimates with CIs read with a difference measure (GEN, the default for
//! generic data) is pooled on the natural scale and tested against 0. When every
//! interval is symmetric about its estimate on the log scale within the rounding of its
//! printed digits, and not every one is on the natural scale, the figures are ratios
//! (RR, OR, HR) and the analysis is almost surely wrong: the effects carry a warning
//! that names the choice ([`looks_like_ratios`]). metapool warns rather than refuses,
//! as a difference measure with skewed intervals is legal.

use super::{Effects, Measure};
use crate::data::{StudyData, StudyTable};
use crate::error::{Error, Result};
use crate::level::Level;
use crate::printed::{symmetry, Printed, Scale};

/// Standard error implied by a symmetric confidence interval on the analysis scale.
///
/// # Formula
/// SE = (upper − lower) / (2 Φ⁻¹(1 − (1 − level)/2)) (Cochrane Handbook 6.3.1).
pub fn se_from_ci(lower: f64, upper: f64, level: f64) -> f64 {
    (upper - lower) / (2.0 * crate::distribution::normal_critical(level))
}

/// Whether a column of printed estimates with CIs looks like ratios: every estimate and
/// limit positive, every interval symmetric on the log scale within rounding, and at
/// least one not symmetric on the natural scale (see [`symmetry`]). Each number is read
/// at the precision of its shortest decimal form (1.18 has 2 decimals).
pub fn looks_like_ratios(estimate: &[f64], lower: &[f64], upper: &[f64]) -> bool {
    let printed = |x: f64| Printed::parse(&x.to_string()).ok();
    let mut natural_everywhere = true;
    for ((&e, &l), &u) in estimate.iter().zip(lower).zip(upper) {
        let (Some(pe), Some(pl), Some(pu)) = (printed(e), printed(l), printed(u)) else {
            return false;
        };
        if l <= 0.0 || e <= 0.0 || u <= 0.0 {
            return false;
        }
        if l == u {
            // No width at the printed precision: symmetric on every scale, no evidence.
            continue;
        }
        // A reversed interval is no evidence of ratios.
        if l > u || !symmetry(pe, pl, pu, Scale::Ratio).symmetric {
            return false;
        }
        natural_everywhere &= symmetry(pe, pl, pu, Scale::Difference).symmetric;
    }
    !estimate.is_empty() && !natural_everywhere
}

/// The column that gives the level of each row's interval.
pub const CI_LEVEL_COLUMN: &str = "ci_level";

/// The levels of the `ci_level` column, row by row, read as `--level` is (95 or 0.95),
/// when the table has one.
///
/// # Errors
/// [`Error::Input`] naming the row and the column for a cell that is not a level.
fn row_levels(table: &StudyTable) -> Result<Option<Vec<Level>>> {
    let Some(column) = table.covariate(CI_LEVEL_COLUMN) else {
        return Ok(None);
    };
    column
        .values
        .iter()
        .enumerate()
        .map(|(i, cell)| {
            let fail = |m: String| {
                Error::input(&table.source, Some(table.rows[i]), Some(CI_LEVEL_COLUMN), m)
            };
            let value = crate::data::parse_number(cell).map_err(fail)?;
            Level::from_user(value).map_err(fail)
        })
        .collect::<Result<Vec<Level>>>()
        .map(Some)
}

pub(super) fn compute(
    table: &StudyTable,
    data: &StudyData,
    measure: Measure,
    level: Level,
) -> Result<Effects> {
    let labels = table.labels.clone();
    let mut warnings = Vec::new();
    let (yi, vi) = match data {
        StudyData::GenericVariance { yi, vi } => (yi.clone(), vi.clone()),
        StudyData::GenericSe { yi, sei } => (yi.clone(), sei.iter().map(|s| s * s).collect()),
        StudyData::GenericCi {
            estimate,
            ci_lower,
            ci_upper,
        } => {
            let k = table.k();
            if !measure.is_ratio() && looks_like_ratios(estimate, ci_lower, ci_upper) {
                warnings.push(format!(
                    "{}: every confidence interval is symmetric about its estimate on the \
                     log scale and not on the natural one, as ratios (RR, OR, HR) are; \
                     they are pooled as {measure} on the natural scale and tested against \
                     0; give a ratio measure (--measure OR or RR) to pool their logarithms",
                    table.source
                ));
            }
            let levels = row_levels(table)?;
            let (mut yi, mut vi) = (Vec::with_capacity(k), Vec::with_capacity(k));
            for i in 0..k {
                let (mut est, mut lo, mut hi) = (estimate[i], ci_lower[i], ci_upper[i]);
                if measure.is_ratio() {
                    for (value, column) in [(lo, "ci_lower"), (est, "estimate"), (hi, "ci_upper")] {
                        if value <= 0.0 {
                            return Err(Error::input(
                                &table.source,
                                Some(table.rows[i]),
                                Some(column),
                                format!(
                                    "a {measure} must be greater than 0 on the natural scale, found {}", crate::error::Shown(value)
                                ),
                            ));
                        }
                    }
                    (est, lo, hi) = (est.ln(), lo.ln(), hi.ln());
                }
                let se = se_from_ci(lo, hi, levels.as_ref().map_or(level, |l| l[i]).proportion());
                yi.push(est);
                vi.push(se * se);
            }
            (yi, vi)
        }
        _ => {
            return Err(Error::InvalidArgument(format!(
                "measure {measure} does not fit {:?} data",
                data.data_type()
            )))
        }
    };
    let mut effects = Effects::from_yi_vi(measure, labels, yi, vi)?;
    effects.warnings = warnings;
    Ok(effects)
}
