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

use super::{Effects, Measure};
use crate::data::{StudyData, StudyTable};
use crate::distribution::normal_quantile;
use crate::error::{Error, Result};

/// Standard error implied by a symmetric confidence interval on the analysis scale.
///
/// # Formula
/// SE = (upper − lower) / (2 Φ⁻¹(1 − (1 − level)/2)) (Cochrane Handbook 6.3.1).
pub fn se_from_ci(lower: f64, upper: f64, level: f64) -> f64 {
    (upper - lower) / (2.0 * normal_quantile(1.0 - (1.0 - level) / 2.0))
}

pub(super) fn compute(
    table: &StudyTable,
    data: &StudyData,
    measure: Measure,
    level: f64,
) -> Result<Effects> {
    crate::model::check_level(level)?;
    let labels = table.labels.clone();
    let (yi, vi) = match data {
        StudyData::GenericVariance { yi, vi } => (yi.clone(), vi.clone()),
        StudyData::GenericSe { yi, sei } => (yi.clone(), sei.iter().map(|s| s * s).collect()),
        StudyData::GenericCi {
            estimate,
            ci_lower,
            ci_upper,
        } => {
            let k = table.k();
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
                                    "a {measure} must be greater than 0 on the natural scale, found {value}"
                                ),
                            ));
                        }
                    }
                    (est, lo, hi) = (est.ln(), lo.ln(), hi.ln());
                }
                let se = se_from_ci(lo, hi, level);
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
    Effects::from_yi_vi(measure, labels, yi, vi)
}
