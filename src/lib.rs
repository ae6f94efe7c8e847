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
pub mod command;
pub mod data;
pub mod distribution;
pub mod effect;
pub mod error;
pub mod heterogeneity;
pub mod model;
pub mod profile;
pub mod report;
pub mod spelling;

pub use error::{Error, Location, Result};
