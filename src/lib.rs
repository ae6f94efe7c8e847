//! # metapool: meta-analysis you can audit
//!
//! metapool computes study-level effect sizes, pools them (inverse variance,
//! Mantel-Haenszel, Peto; eight τ² estimators; z, t and Hartung-Knapp intervals;
//! prediction intervals), measures heterogeneity, and checks reported figures against
//! their inputs. Data flow in one direction:
//!
//! ```text
//! CSV ──> StudyTable ──> Effects (yi, vi per study) ──> Fit ──> analyses ──> audit ──> report
//!   data::read_csv_path  effect::compute                model::pool   analysis   audit   report
//! ```
//!
//! # Three common uses
//!
//! **Pool estimates held in memory** (metafor's `rma(yi, vi, test = "knha")`), with
//! [`Pool`], the front door:
//!
//! ```
//! use metapool::model::{CiMethod, Tau2Method};
//! use metapool::Pool;
//!
//! // BCG vaccine trials (Colditz et al. 1994): log risk ratios and their variances.
//! let yi = [-0.889, -1.585, -1.348, -1.442, -0.218, -0.786, -1.621, 0.012, -0.469, -1.371, -0.339, 0.446, -0.017];
//! let vi = [0.326, 0.195, 0.415, 0.020, 0.051, 0.007, 0.223, 0.004, 0.056, 0.073, 0.012, 0.533, 0.071];
//! let fit = Pool::new().tau2(Tau2Method::REML).ci(CiMethod::Hksj).fit_yi_vi(&yi, &vi)?;
//! let mu = fit.pooled(); // the random-effects estimate, on the log scale
//! println!("RR {:.2} [{:.2}, {:.2}]", mu.estimate.exp(), mu.ci_lower.exp(), mu.ci_upper.exp());
//! # Ok::<(), metapool::Error>(())
//! ```
//!
//! **Recompute a review's figure from its study table**, with a program's conventions
//! (here RevMan 5's: Mantel-Haenszel, fixed effect; Cochrane review CD007026.pub7, non-fatal
//! serious adverse events, printed as RR 2.39 (1.10 to 5.23)):
//!
//! ```
//! use metapool::data::read_csv_path;
//! use metapool::profile::Profile;
//! use metapool::Pool;
//!
//! let table = read_csv_path("data/cd007026/pub7_nonfatal_sae.csv")?;
//! let fit = Pool::profile(Profile::RevMan5).tau2(None).fit_table(&table)?;
//! let rr = fit.pooled().estimate.exp();
//! assert_eq!(format!("{rr:.2}"), "2.39");
//! # Ok::<(), metapool::Error>(())
//! ```
//!
//! **Audit a printed figure** against the recomputed one, at the printed precision
//! ([`audit::figure::Figure`]: reproduced when the recomputed values round to the printed
//! ones):
//!
//! ```
//! use metapool::audit::figure::Figure;
//! use metapool::profile::Profile;
//! use metapool::Pool;
//!
//! let table = metapool::data::read_csv_path("data/cd007026/pub7_nonfatal_sae.csv")?;
//! let mu = Pool::profile(Profile::RevMan5).tau2(None).fit_table(&table)?.pooled().clone();
//! let (rr, lower, upper) = (mu.estimate.exp(), mu.ci_lower.exp(), mu.ci_upper.exp());
//! let printed = Figure::parse("2.39 (1.10 to 5.23)")?;
//! assert!(printed.matches_estimate(rr, lower, upper));
//! assert_eq!(printed.format_like(rr, lower, upper), "2.39 (1.10 to 5.23)");
//! # Ok::<(), metapool::Error>(())
//! ```
//!
//! Every option parses from the words of the command line (`"REML".parse::<Tau2Method>()`,
//! [`spelling`]); each subcommand of `metapool` is one call of [`command`] whose result
//! writes itself as text, JSON or CSV ([`report::Report`]). Without the default `cli`
//! feature the crate builds without clap and indicatif (`default-features = false`);
//! [`command`]'s argument types then lose only their `clap::Args` derive.
//!
//! # Modules, in layers
//! Each module uses only modules of lower layers (`tests/module_layers.rs` checks it):
//!
//! | layer | modules | holds |
//! |---|---|---|
//! | leaves | [`error`]; [`distribution`], [`level`], [`measure`], [`printed`], [`spelling`], [`weighted`] | errors; normal, t, χ² and F; the confidence [`Level`]; the effect measures and their scales; printed numbers and their symmetry; the words of every option; the weighted mean, Cochran's Q and the generalised Q |
//! | read | [`data`] | study tables, the 2x2 table |
//! | effects | [`effect`] | study effects yi, vi |
//! | fit | [`heterogeneity`], [`model`] | Q, I², H², τ² intervals; fixed and random effects |
//! | presets | [`profile`] | metafor, RevMan 5, RevMan Web defaults |
//! | analyses | [`analysis`], [`builder`] | subgroups, sensitivity, meta-regression, small-study effects, batch; the [`Pool`] builder |
//! | audit | [`audit`] | printed figures checked against their inputs |
//! | report | [`report`] | text, JSON, CSV, SVG |
//! | commands | [`command`] | each subcommand of `metapool`: its request, run and result |

#![warn(missing_docs)]

pub mod analysis;
pub mod audit;
pub mod builder;
pub mod command;
pub mod data;
pub mod distribution;
pub mod effect;
pub mod error;
pub mod heterogeneity;
pub mod level;
pub mod measure;
pub mod model;
pub mod printed;
pub mod profile;
pub mod report;
pub mod spelling;
pub mod weighted;

pub use builder::Pool;
pub use error::{Error, Location, Result};
pub use level::Level;
