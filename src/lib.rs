//! # metapool: meta-analysis you can audit
//!
//! metapool computes study-level effect sizes, pools them, measures heterogeneity and
//! checks reported figures against their inputs. Data flow in one direction:
//!
//! ```text
//! CSV ──> StudyTable ──> Effects (yi, vi per study) ──> Fit ──> Report
//!    data::read_csv_path   effect::compute(measure, zero-cell rule)
//! ```
//!
//! # Modules, in layers
//! Each module uses only modules of lower layers (`tests/module_layers.rs` checks it):
//!
//! | layer | modules | holds |
//! |---|---|---|
//! | leaves | [`error`]; [`distribution`], [`level`], [`printed`], [`weighted`] | errors; normal, t, χ² and F; the confidence [`Level`]; printed numbers and their symmetry; the weighted mean, Cochran's Q and the generalised Q |
//! | read | [`data`] | study tables, the 2x2 table |
//! | effects | [`effect`] | study effects yi, vi |
//! | fit | [`heterogeneity`], [`model`] | Q, I², H², τ² intervals; fixed and random effects |
//! | presets | [`profile`] | metafor, RevMan 5, RevMan Web defaults |
//! | analyses | [`analysis`] | subgroups, sensitivity, meta-regression, small-study effects, batch |
//! | audit | [`audit`] | printed figures checked against their inputs |
//! | report | [`report`] | text, JSON, CSV, SVG |
//!
//! ```
//! use metapool::data::read_csv_str;
//! use metapool::effect::{compute, EffectOptions, Measure};
//!
//! // Ladurner 2005, all-cause death (Cochrane CD007026 pub6, analysis 1.1.2).
//! let table = read_csv_str("example", "study,events_e,n_e,events_c,n_c\nLadurner 2005,6,78,6,68\n")?;
//! let effects = compute(&table, &EffectOptions::new(Measure::RR))?;
//! let rr = effects.yi[0].exp();
//! assert!((rr - 0.8718).abs() < 1e-4);
//! # Ok::<(), metapool::Error>(())
//! ```

#![warn(missing_docs)]

pub mod analysis;
pub mod audit;
pub mod data;
pub mod distribution;
pub mod effect;
pub mod error;
pub mod heterogeneity;
pub mod level;
pub mod model;
pub mod printed;
pub mod profile;
pub mod report;
pub mod weighted;

pub use error::{Error, Location, Result};
pub use level::Level;
