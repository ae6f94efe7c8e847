//! Analyses after the main pooled estimate: subgroups, meta-regression, sensitivity
//! (leave-one-out, cumulative, influence), small-study effects, and many meta-analyses
//! at once (batch).

pub mod batch;
pub mod bias;
pub mod regression;
pub mod review;
pub mod sensitivity;
pub mod subgroup;

use crate::data::StudyTable;
use crate::effect::{EffectOptions, Effects};
use crate::error::{Error, Result};
use crate::model::{FixedMethod, PoolOptions};

/// The study effects of the analyses that fit inverse-variance models on them
/// (sensitivity, meta-regression, small-study effects): those `pool` pools by inverse
/// variance, checked as `pool` checks them. A Mantel-Haenszel or Peto fixed-effect
/// method (asked for, or the profile's default) is refused rather than replaced;
/// `analysis` names the analysis in the message (`metapool regress`).
///
/// # Errors
/// [`Error::InvalidArgument`] for a fixed-effect method other than inverse variance;
/// as [`crate::model::study_effects`].
pub fn inverse_variance_effects(
    analysis: &str,
    table: &StudyTable,
    effect_options: &EffectOptions,
    pool_options: &PoolOptions,
) -> Result<Effects> {
    if pool_options.fixed != FixedMethod::InverseVariance {
        return Err(Error::InvalidArgument(format!(
            "`{analysis}` fits inverse-variance models, and the {} fixed-effect method \
             (from --fixed or the profile) has none here; add --fixed iv",
            pool_options.fixed.name()
        )));
    }
    crate::model::study_effects(table, effect_options)
}
