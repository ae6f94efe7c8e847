//! The audit of reported figures: recompute a printed figure from its inputs where they
//! exist, check its internal consistency where they do not, and say plainly which.
//!
//! - [`figure`]: printed figures and their precision; a recomputed value *reproduces* a
//!   printed one when it rounds to it (half-up or half-even);
//! - [`consistency`]: an estimate against its own CI, the SE, z and p they imply;
//! - [`granularity`]: whether a percentage or mean can arise from whole patients
//!   (GRIM-style), and arms against a printed total;
//! - [`reconstruct`]: the integer tables consistent with printed results;
//! - [`claims`]: the registry of claims (`data/claims.csv`) and the checks behind
//!   `metapool audit`.
//!
//! # Exit status of `metapool audit` and `metapool revman`
//! As `diff`: 0 when every figure holds ([`VerdictKind::holds`]: reproduced or
//! consistent), 1 when some do not (not reproduced, inconsistent, or not checkable: a
//! figure that could not be checked is not confirmed), 2 for bad input.

pub mod claims;
pub mod consistency;
pub mod figure;
pub mod folder;
pub mod granularity;
pub mod reanalysis;
pub mod reconstruct;
pub mod revman;
pub mod scan;

use serde::Serialize;
use std::fmt;

/// The kind of a verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum VerdictKind {
    /// Recomputed from inputs and equal at the printed precision.
    Reproduced,
    /// Recomputed from inputs and different at the printed precision.
    NotReproduced,
    /// Internally consistent (no full inputs to recompute it).
    Consistent,
    /// Internally inconsistent.
    Inconsistent,
    /// Neither recomputable nor checkable for consistency: inputs are missing.
    NotCheckable,
}

impl VerdictKind {
    /// Whether the figure holds: reproduced, or consistent with its inputs. A figure
    /// not reproduced, inconsistent or not checkable does not.
    pub fn holds(self) -> bool {
        matches!(self, VerdictKind::Reproduced | VerdictKind::Consistent)
    }

    /// The words a reader sees.
    pub fn label(self) -> &'static str {
        match self {
            VerdictKind::Reproduced => "reproduced",
            VerdictKind::NotReproduced => "not reproduced",
            VerdictKind::Consistent => "consistent",
            VerdictKind::Inconsistent => "inconsistent",
            VerdictKind::NotCheckable => "not checkable",
        }
    }
}

/// A verdict on a reported figure, with the recomputed figure and the reason.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verdict {
    /// What kind of verdict.
    pub kind: VerdictKind,
    /// The recomputed figure, formatted like the printed one (empty when none).
    pub recomputed: String,
    /// Why: the difference, the inconsistency, or the missing input.
    pub reason: String,
}

impl Verdict {
    /// A verdict of `kind`.
    pub fn new(
        kind: VerdictKind,
        recomputed: impl Into<String>,
        reason: impl Into<String>,
    ) -> Self {
        Verdict {
            kind,
            recomputed: recomputed.into(),
            reason: reason.into(),
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.kind.label())?;
        if !self.reason.is_empty() {
            write!(f, ": {}", self.reason)?;
        }
        Ok(())
    }
}
