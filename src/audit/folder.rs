//! A folder of Cochrane review files checked at once (`metapool revman DIR/`): every
//! review file of the folder ([`crate::data::revman::review_files`]) read, audited and
//! (with a profile) re-analysed in parallel, one summary per review. A file that cannot
//! be read is that file's error; the others are checked all the same.

use super::reanalysis::reanalyse;
use super::revman::{audit_review, OutcomeStatus};
use crate::data::revman::{read_revman, review_files, ReviewFormat};
use crate::error::{Error, Result};
use crate::profile::Profile;
use rayon::prelude::*;
use serde::Serialize;
use std::path::Path;

/// The audit of one review of a folder, summed up.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReviewSummary {
    /// Its format.
    pub format: ReviewFormat,
    /// Analyses in it.
    pub analyses: usize,
    /// Analyses whose printed figures are all reproduced (or that RevMan left
    /// uncomputed, their counts reproduced).
    pub reproduced: usize,
    /// Analyses with a figure not reproduced or not checked, or not re-run.
    pub not_reproduced: usize,
    /// Printed figures checked.
    pub figures: usize,
    /// Figures reproduced.
    pub figures_reproduced: usize,
    /// Figures not reproduced.
    pub figures_not_reproduced: usize,
    /// Figures not checked.
    pub figures_not_checked: usize,
    /// With a re-analysis: the analyses whose conclusion changes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub changed: Option<usize>,
    /// Whether every figure holds (and, with a re-analysis, no conclusion changes).
    pub holds: bool,
}

/// One file of the folder: its summary or its error.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FolderEntry {
    /// The file (or package folder).
    pub file: String,
    /// Its summary, when it could be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<ReviewSummary>,
    /// Why it could not be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Its warnings.
    pub warnings: Vec<String>,
}

/// Every review of a folder.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FolderAudit {
    /// The folder.
    pub folder: String,
    /// The profile of the re-analysis, if one was asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    /// Review files found.
    pub files: usize,
    /// Reviews read.
    pub read: usize,
    /// Reviews whose every figure holds.
    pub holding: usize,
    /// Files that could not be read.
    pub errors: usize,
    /// One entry per review file, in the order of their paths.
    pub entries: Vec<FolderEntry>,
}

impl FolderAudit {
    /// Whether every review was read and holds.
    pub fn holds(&self) -> bool {
        self.errors == 0 && self.holding == self.entries.len()
    }
}

/// Audits one file of the folder.
fn entry(path: &Path, profile: Option<Profile>) -> FolderEntry {
    let file = path.display().to_string();
    let review = match read_revman(path) {
        Ok(review) => review,
        Err(e) => {
            return FolderEntry {
                file,
                summary: None,
                error: Some(e.to_string()),
                warnings: Vec::new(),
            }
        }
    };
    let audit = audit_review(&review);
    let reproduced = audit
        .outcomes
        .iter()
        .filter(|o| {
            matches!(
                o.status,
                OutcomeStatus::Reproduced | OutcomeStatus::NotComputed
            )
        })
        .count();
    let changed = profile.map(|p| reanalyse(&review, &audit, p).changed);
    FolderEntry {
        file,
        summary: Some(ReviewSummary {
            format: review.format,
            analyses: audit.outcomes.len(),
            reproduced,
            not_reproduced: audit.outcomes.len() - reproduced,
            figures: audit.figures,
            figures_reproduced: audit.reproduced,
            figures_not_reproduced: audit.not_reproduced,
            figures_not_checked: audit.not_checked,
            changed,
            holds: audit.holds() && changed.unwrap_or(0) == 0,
        }),
        error: None,
        warnings: audit.warnings,
    }
}

/// Audits (and with `profile`, re-analyses) every review file of `dir` in parallel.
///
/// # Errors
/// As [`review_files`]: the folder cannot be listed; [`Error::Input`] when it holds no
/// review file. A file that cannot be read is its entry's error, not this function's
/// (the command exits with 2 when no file of the folder could be read).
pub fn audit_folder(dir: &Path, profile: Option<Profile>) -> Result<FolderAudit> {
    let files = review_files(dir)?;
    if files.is_empty() {
        return Err(Error::input(
            dir.display().to_string(),
            None,
            None,
            "no review file in the folder: metapool revman reads *.rm5, *.zip and *.csv \
             files and unpacked data packages, 4 levels down (symbolic links are not \
             followed)",
        ));
    }
    let entries: Vec<FolderEntry> = files.par_iter().map(|f| entry(f, profile)).collect();
    Ok(FolderAudit {
        folder: dir.display().to_string(),
        profile: profile.map(|p| p.name().to_string()),
        files: entries.len(),
        read: entries.iter().filter(|e| e.summary.is_some()).count(),
        holding: entries
            .iter()
            .filter(|e| e.summary.as_ref().is_some_and(|s| s.holds))
            .count(),
        errors: entries.iter().filter(|e| e.error.is_some()).count(),
        entries,
    })
}
