//! Analyses after the main pooled estimate: subgroups, meta-regression, sensitivity
//! (leave-one-out, cumulative, influence), small-study effects, and many meta-analyses
//! at once (batch).

pub mod batch;
pub mod bias;
pub mod regression;
pub mod sensitivity;
pub mod subgroup;
