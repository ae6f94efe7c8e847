//! Analyses after the main pooled estimate: subgroups (more to come: meta-regression,
//! sensitivity, small-study effects).

pub mod batch;
pub mod sensitivity;
pub mod subgroup;
