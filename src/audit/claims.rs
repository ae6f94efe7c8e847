//! The claims registry and the checks behind `metapool audit`.
//!
//! A registry is a CSV file (`data/claims.csv`) with one claim per row and the columns
//! `id, document, claim, figure, measures, inputs, check, params, notes`:
//! `figure` is the printed figure to check (see [`Figure`]), `inputs` the study tables
//! (paths relative to the registry's folder, `;`-separated, or `none`) or one analysis
//! of a Cochrane review (`review.rm5#1.2`: see [A review analysis as
//! input](#a-review-analysis-as-input)), `check` one of the kinds below, and `params`
//! its settings as `key=value; key=value`.
//!
//! | check | figure | what it does | params |
//! |---|---|---|---|
//! | `recompute` | an estimate, with or without its CI | pools the input (binary tables) and compares at the printed precision | `measure` (RR, OR, RD or PETO), `profile`, optional `fixed`, `tau2` (or `none`), `pooled` (`fixed`/`random`, default `fixed`), `level` (default 95), `subgroup`, `compare_profile` with optional `compare_note` |
//! | `recompute` of a review analysis (input `review.rm5#1.2`) | as `recompute` | re-runs the analysis as the review file names it and compares at the printed precision | none: the review file fixes them |
//! | `recompute_candidates` | as `recompute` | as `recompute`, once per candidate set (input 2 has a `candidate` column) added to input 1; for each listed `pooled` model | as `recompute`; `pooled` may list `fixed,random`; `multiarm` names a trial of input 1 to try also as two comparisons ([`two_comparisons`]) |
//! | `ci_consistency` | an estimate with its CI | estimate against its CI; implied SE, z and p | `scale` (`difference`/`ratio`, default `difference`), `level` (default 95) |
//! | `mann_whitney_p` | a probability in [0, 1], no CI | a printed p against the null SE of a Mann-Whitney effect | `n1`, `n2`, `p` |
//! | `sum` | a number | parts against a printed total | `parts` (`a+b+...`) |
//! | `granularity_percent` | `;`-separated percentages in [0, 100] | the percentages against a total split into arms | `total` |
//! | `relative_difference` | a range `a-b%` or one value `a%` | a printed range against the relative and absolute differences of two percentages | `a`, `b` (percentages) |
//! | `none` | anything | nothing can be checked | `missing` (what is missing) |
//!
//! Only `recompute` (one input or more, or one review analysis) and
//! `recompute_candidates` (two) read inputs; the other checks take `none`. Values of `measure`, `profile`, `fixed`, `tau2`,
//! `pooled` and `scale` are read without regard to case; `n1`, `n2` and `total` are
//! whole numbers of participants from 1 to 2^53.
//!
//! # A review analysis as input
//! An input `file#number` is an analysis of a Cochrane review: `Fleiss1993.rm5#1.1`,
//! analysis 1.1 of the review, or `review.rm5#1.4.2`, subgroup 2 of analysis 1.4. The
//! file may be any review file metapool reads, recognised from its content by
//! [`read_revman`]: a RevMan 5 review file (`.rm5`), a RevMan Web data package (the zip,
//! or the folder it unpacks to) or a RevMan 5 "Data and analyses" CSV export. The claim
//! is checked against the review's own study data, re-run as the review file names the
//! analysis ([`file_options`]: its method, measure, model and confidence level, with
//! RevMan 5's conventions; random effects by DerSimonian-Laird) by [`rerun`], and the
//! pooled result of the analysis's model (fixed or random) is compared with the printed
//! figure on the natural scale (a ratio exponentiated) at its printed precision, as
//! `recompute` compares a pooling.
//! The verdict's reason names what the figure was compared with, to four decimals (or
//! two more than printed): `OR 0.8969 (0.8405 to 0.9570), M-H fixed effect, from
//! Fleiss1993.rm5 analysis 1.1 (7 studies)`.
//!
//! - `#` separates the file from the number (the last `#` of the cell, so that a file
//!   name may hold one); a cell with a `#` is always a review analysis. The number is
//!   `comparison.outcome` or `comparison.outcome.subgroup`, whole numbers.
//! - The file part is resolved inside the registry's folder like any input (and
//!   refused outside it); it may be a file or a folder (an unpacked data package).
//! - The check is `recompute`, with the review analysis as its only input: a study table
//!   beside it, or a second review analysis, is an error of the `inputs` column, and so
//!   is a review analysis given to another check.
//! - The review file fixes the pooling: the claim takes no params. Every parameter
//!   (`measure`, `profile`, `fixed`, `tau2`, `pooled`, `level`, `subgroup`,
//!   `compare_profile`, `compare_note`) is an error of the `params` column saying so,
//!   never silently ignored. A figure that prints its CI's level (`90% CI`) at another
//!   level than the analysis's is an error of the `figure` column.
//! - The figure is an estimate, with or without its CI, as for `recompute`.
//! - When the check runs, a file that cannot be read as a review (the reader's message
//!   is passed on: it names the review file's row or element, and may quote the cell at
//!   fault there), a number the review has no analysis for (the message lists those it
//!   has), a subgroup the analysis does not have (the message lists its subgroups) and
//!   an analysis that cannot be re-run (with the reason: a data type metapool does not
//!   re-run, no study to estimate) are input errors naming the registry, the claim's
//!   row and the `inputs` column (exit status 2).
//! - The verdict cache keys a review analysis by the review as read (and the number),
//!   so that a review file or folder that changed is read anew.
//!
//! # Strict reading
//! The registry is read strictly ([`Registry::read`]): an unknown or missing column, an
//! empty or repeated `id`, an unknown check, a parameter the check does not take (a
//! misspelt key), a missing required parameter, a repeated parameter, an entry without
//! `=`, a value outside those listed (`pooled=banana`, `scale=log`, a level that is
//! neither a percentage nor a proportion: see [`crate::level`], a total of 10.5),
//! a figure that cannot be read or is of the wrong kind for its check (a percentage to
//! `recompute`, a CI whose lower limit is above the upper, a negative ratio), a
//! combination that cannot be computed (`pooled=random` with `tau2=none`, Mantel-Haenszel
//! with a measure it does not pool), an input file that does not exist or is outside
//! the registry's folder (below), or a count of inputs the check cannot use is an input
//! error naming the registry, the row and the column. Rows are numbered as a
//! spreadsheet shows them (header = row 1; blank lines count; a quoted cell over several
//! lines stays in one row). A `subgroup` or `multiarm` that names nothing in the inputs
//! is found when the check runs, and is the same input error.
//!
//! A check that is well formed but cannot run on its data (an input that is not a
//! binary study table, a pooling with no answer, a figure degenerate at its printed
//! precision, or more work than the bounds below) gets a `not checkable` verdict whose
//! reason names the registry, the row and the column, and the other claims are still
//! reported.
//!
//! # Inputs stay inside the registry's folder
//! A registry is data someone may send: its inputs are resolved inside its folder. An
//! absolute path, a `..` that climbs out of the folder or a symbolic link that points
//! out of it is refused, without opening the file, unless
//! [`AuditOptions::allowing_outside`] is asked for (`metapool audit --allow-outside`).
//! No message quotes an input beyond the cell at fault: an input that is not a binary
//! study table is named by its registry cell and the columns it lacks, never by what it
//! holds (the reader of a review file names its row or element at fault, and may quote
//! that one cell of the review).
//!
//! # Bounds on work
//! - `multiarm`: the splits of the named trial are counted first
//!   ([`TwoComparisons::count_up_to`]); more than [`MAX_FITS`] pooled fits (splits ×
//!   candidate sets × models) is not checkable;
//! - `granularity_percent`: beyond
//!   [`MAX_ALLOCATION_WORK`](super::granularity::MAX_ALLOCATION_WORK) it is not checkable.
//!
//! # Typed when read
//! [`Registry::read`] parses each row's `check`, `params` and `figure` into a [`Check`]:
//! one variant per check, with its parameters as values (a model as [`Pooled`], a level
//! as a proportion, a count of participants as a whole number, a profile as a
//! [`Profile`]). Nothing is read again, and nothing defaults silently, when the checks
//! run.
//!
//! # The verdict cache
//! A [`VerdictCache`] keeps verdicts by the figure, check, params and the bytes of the
//! inputs. [`Registry::audit`] uses one of its own; [`Registry::audit_with`] takes one
//! the caller keeps, so that two registries that check one figure the same way (the
//! Cochrane figures and a web page quoting one) run it once. An input that changed is
//! read anew: its bytes are part of the key.

use super::consistency::{check_ci, mann_whitney_null_se, p_consistent, Scale};
use super::figure::{Figure, Printed, Relation};
use super::granularity::{allocations, percent_attainable, sums_to};
use super::reconstruct::{pooled_figure, two_comparisons, KnownTrial, Pooled, TwoComparisons};
use super::revman::file_options;
use super::{Verdict, VerdictKind};
use crate::analysis::review::rerun;
use crate::data::revman::{read_revman, Method, Model, Review};
use crate::data::{read_csv_reader, Records, StudyData, StudyTable};
use crate::distribution::normal_two_sided_p;
use crate::effect::Measure;
use crate::error::{Error, Result};
use crate::level::Level;
use crate::model::{FixedMethod, Tau2Method};
use crate::profile::Profile;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

/// One row of the registry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Claim {
    /// Identifier (`D3-2`).
    pub id: String,
    /// The document that prints it.
    pub document: String,
    /// The claim as printed.
    pub claim: String,
    /// The figure to check.
    pub figure: String,
    /// What it says it measures.
    pub measures: String,
    /// Input files, `;`-separated, `none`, or one review analysis (`review.rm5#1.2`).
    pub inputs: String,
    /// The kind of check.
    pub check: String,
    /// Settings of the check.
    pub params: String,
    /// Notes.
    pub notes: String,
}

/// A claim with its verdict.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Audited {
    /// The claim.
    pub claim: Claim,
    /// The verdict.
    pub verdict: Verdict,
}

/// How a registry is read and audited.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct AuditOptions {
    /// Open inputs outside the registry's folder: absolute paths, `..` that climbs out,
    /// symbolic links that point out. Off by default.
    pub allow_outside: bool,
}

impl AuditOptions {
    /// The options with inputs outside the registry's folder allowed or not.
    pub fn allowing_outside(allow: bool) -> Self {
        AuditOptions {
            allow_outside: allow,
        }
    }
}

/// The most pooled fits a `recompute_candidates` claim with `multiarm` may make: every
/// split of the multi-arm trial for every candidate set and model. The committed
/// registries make 1614 × 13 × 2 = 41,964 (the 1614 splits of the Cortexin trial,
/// 7/208 against 0/64, 13 candidate sets, 2 models), 0.6 s in a development build; at
/// that rate 10⁶ fits take some 15 s.
pub const MAX_FITS: u128 = 1_000_000;

/// The registry's columns, in order.
const COLUMNS: [&str; 9] = [
    "id", "document", "claim", "figure", "measures", "inputs", "check", "params", "notes",
];

/// A registry read and checked: its claims with their rows and resolved inputs.
#[derive(Debug, Clone)]
pub struct Registry {
    /// The registry's name in messages.
    file: String,
    rows: Vec<Row>,
}

#[derive(Debug, Clone)]
struct Row {
    row: usize,
    claim: Claim,
    /// The check with its parameters and figure, as read.
    check: Check,
    /// Each input: its cell and the path it resolves to.
    inputs: Resolved,
}

impl Registry {
    /// Reads and checks a registry file; inputs are resolved inside its folder.
    ///
    /// # Errors
    /// [`Error::Io`] for a file that cannot be read; [`Error::Input`] naming the file,
    /// row and column for a malformed one (see the module documentation).
    pub fn read(path: &Path, options: AuditOptions) -> Result<Registry> {
        let name = path.display().to_string();
        let bytes = crate::data::input::read_path(path, &crate::data::InputLimits::default())?;
        let folder = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        Registry::from_bytes(&name, &bytes, folder, options)
    }

    /// Reads and checks a registry held in memory; `name` names it in messages and
    /// inputs are resolved inside `folder`.
    ///
    /// # Errors
    /// As [`Registry::read`].
    pub fn from_bytes(
        name: &str,
        bytes: &[u8],
        folder: &Path,
        options: AuditOptions,
    ) -> Result<Registry> {
        let at = |row: usize, column: &str, message: String| {
            Error::input(name, Some(row), Some(column), message)
        };
        if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
            return Err(Error::input(
                name,
                Some(1),
                None,
                "the file is UTF-16 text; expected UTF-8: save it as 'CSV UTF-8 (comma \
                 delimited)'",
            ));
        }
        let data = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        let mut records = Records::new(name, data);
        let mut record = ::csv::ByteRecord::new();
        let Some(header_row) = records.next_record(&mut record)? else {
            return Err(Error::input(
                name,
                Some(1),
                None,
                format!(
                    "empty registry; expected the columns {}",
                    COLUMNS.join(", ")
                ),
            ));
        };
        let mut headers = Vec::with_capacity(record.len());
        for (i, field) in record.iter().enumerate() {
            let Ok(h) = std::str::from_utf8(field) else {
                return Err(Error::input(
                    name,
                    Some(header_row),
                    None,
                    format!(
                        "header field {} is not valid UTF-8 text; expected the columns {}",
                        i + 1,
                        COLUMNS.join(", ")
                    ),
                ));
            };
            let h = h.trim_start_matches('\u{feff}').trim().to_string();
            if !COLUMNS.contains(&h.as_str()) {
                return Err(at(
                    header_row,
                    &h,
                    format!(
                        "unknown column; expected the columns {}",
                        COLUMNS.join(", ")
                    ),
                ));
            }
            if headers.contains(&h) {
                return Err(at(
                    header_row,
                    &h,
                    format!(
                        "column given twice; expected the columns {} once each",
                        COLUMNS.join(", ")
                    ),
                ));
            }
            headers.push(h);
        }
        if let Some(missing) = COLUMNS.iter().find(|c| !headers.iter().any(|h| h == **c)) {
            return Err(at(
                header_row,
                missing,
                format!(
                    "missing column; expected the columns {}",
                    COLUMNS.join(", ")
                ),
            ));
        }
        let base = Base::new(folder, options);
        let mut rows: Vec<Row> = Vec::new();
        while let Some(row) = records.next_record(&mut record)? {
            if record.len() < headers.len() {
                return Err(at(
                    row,
                    &headers[record.len()],
                    format!(
                        "{} cells; expected {}, one per column ({})",
                        record.len(),
                        headers.len(),
                        headers.join(", ")
                    ),
                ));
            }
            if record.len() > headers.len() {
                return Err(at(
                    row,
                    &headers[headers.len() - 1],
                    format!(
                        "{} cells; expected {}, one per column: a cell after the last \
                         column (quote a cell that holds a comma)",
                        record.len(),
                        headers.len()
                    ),
                ));
            }
            let mut cells: BTreeMap<&str, String> = BTreeMap::new();
            for (h, field) in headers.iter().zip(record.iter()) {
                let text = std::str::from_utf8(field).map_err(|_| {
                    at(
                        row,
                        h,
                        "the cell is not valid UTF-8 text; expected UTF-8: save the file as \
                         'CSV UTF-8'"
                            .into(),
                    )
                })?;
                cells.insert(h.as_str(), text.trim().to_string());
            }
            let mut take = |c: &str| cells.remove(c).unwrap_or_default();
            let claim = Claim {
                id: take("id"),
                document: take("document"),
                claim: take("claim"),
                figure: take("figure"),
                measures: take("measures"),
                inputs: take("inputs"),
                check: take("check"),
                params: take("params"),
                notes: take("notes"),
            };
            if claim.id.is_empty() {
                return Err(at(
                    row,
                    "id",
                    "empty id; expected an identifier for the claim".into(),
                ));
            }
            if let Some(first) = rows.iter().find(|r| r.claim.id == claim.id) {
                return Err(at(
                    row,
                    "id",
                    format!(
                        "claim {}: the id of row {} again; expected one row per id",
                        claim.id, first.row
                    ),
                ));
            }
            let (check, inputs) = validate(&claim, &base)
                .map_err(|(column, m)| at(row, column, format!("claim {}: {m}", claim.id)))?;
            rows.push(Row {
                row,
                claim,
                check,
                inputs,
            });
        }
        Ok(Registry {
            file: name.to_string(),
            rows,
        })
    }

    /// The claims, in order.
    pub fn claims(&self) -> impl Iterator<Item = &Claim> {
        self.rows.iter().map(|r| &r.claim)
    }

    /// The checks of the claims, in order, as read from their `check`, `params` and
    /// `figure` cells.
    pub fn checks(&self) -> impl Iterator<Item = &Check> {
        self.rows.iter().map(|r| &r.check)
    }

    /// The files the claims' inputs resolve to, claim by claim (inside the registry's
    /// folder unless [`AuditOptions::allowing_outside`] was asked for).
    pub fn input_paths(&self) -> impl Iterator<Item = &Path> {
        self.rows
            .iter()
            .flat_map(|r| r.inputs.iter().map(|(_, p)| p.as_path()))
    }

    /// Audits every claim, in order, with a verdict cache of its own.
    ///
    /// # Errors
    /// [`Error::Input`] naming the registry, row and column for a cell found wrong when
    /// its check runs (a `subgroup` or `multiarm` that names nothing in the inputs). A
    /// check that cannot run on its data gets a `not checkable` verdict naming the row
    /// and column instead, so one bad row does not hide the others.
    pub fn audit(&self) -> Result<Vec<Audited>> {
        self.audit_with(&mut VerdictCache::new())
    }

    /// Audits every claim, in order, taking verdicts from `cache` and keeping new ones
    /// in it: a check run before on the same figure, params and input bytes is not run
    /// again.
    ///
    /// # Errors
    /// As [`Registry::audit`].
    pub fn audit_with(&self, cache: &mut VerdictCache) -> Result<Vec<Audited>> {
        self.rows
            .iter()
            .map(|r| {
                let verdict = match cache.verdict(&r.claim, &r.check, &r.inputs) {
                    Ok(v) => v,
                    Err(Failure::Cell(column, m)) => {
                        return Err(Error::input(
                            &self.file,
                            Some(r.row),
                            Some(column),
                            format!("claim {}: {m}", r.claim.id),
                        ))
                    }
                    Err(Failure::NotCheckable(column, m)) => Verdict::new(
                        VerdictKind::NotCheckable,
                        "",
                        Error::input(&self.file, Some(r.row), Some(column), m).to_string(),
                    ),
                };
                Ok(Audited {
                    claim: r.claim.clone(),
                    verdict,
                })
            })
            .collect()
    }
}

/// Reads a registry and checks every row's check, parameters, figure and inputs, with
/// inputs inside its folder.
///
/// # Errors
/// As [`Registry::read`].
pub fn read_registry(path: &Path) -> Result<Vec<Claim>> {
    Ok(Registry::read(path, AuditOptions::default())?
        .claims()
        .cloned()
        .collect())
}

/// Audits every claim of a registry, in order, with inputs inside its folder.
///
/// # Errors
/// As [`Registry::read`] and [`Registry::audit`].
pub fn audit_registry(path: &Path) -> Result<Vec<Audited>> {
    audit_registry_with(path, AuditOptions::default())
}

/// Audits every claim of a registry, in order, with `options`.
///
/// # Errors
/// As [`Registry::read`] and [`Registry::audit`].
pub fn audit_registry_with(path: &Path, options: AuditOptions) -> Result<Vec<Audited>> {
    Registry::read(path, options)?.audit()
}

/// Checks and runs one claim; `base` is the folder its inputs are relative to (and stay
/// inside).
///
/// # Errors
/// [`Error::InvalidArgument`] naming the claim and the column for a malformed claim (as
/// [`Registry::read`] finds them). A check that cannot run on its data gives a
/// `not checkable` verdict.
pub fn audit(claim: &Claim, base: &Path) -> Result<Verdict> {
    let cell = |column: &str, m: String| {
        Error::InvalidArgument(format!("claim {}, column '{column}': {m}", claim.id))
    };
    let (check, inputs) =
        validate(claim, &Base::new(base, AuditOptions::default())).map_err(|(c, m)| cell(c, m))?;
    match VerdictCache::new().verdict(claim, &check, &inputs) {
        Ok(v) => Ok(v),
        Err(Failure::Cell(c, m)) => Err(cell(c, m)),
        Err(Failure::NotCheckable(c, m)) => Ok(Verdict::new(
            VerdictKind::NotCheckable,
            "",
            format!("column '{c}': {m}"),
        )),
    }
}

/// Why a check did not give a verdict.
enum Failure {
    /// A cell of the registry is wrong (bad input); the column and what was expected.
    Cell(&'static str, String),
    /// The check cannot run on its data; the column most to blame and why.
    NotCheckable(&'static str, String),
}

type Checked<T> = std::result::Result<T, Failure>;

/// The inputs of a claim: each cell with the path it resolves to.
type Resolved = Vec<(String, PathBuf)>;

/// An input read for a check: its cell, its path, its bytes (a review: the review as
/// read, and its `Debug` text as the bytes the cache keys it by).
struct Input {
    cell: String,
    path: PathBuf,
    bytes: Vec<u8>,
    review: Option<Box<Review>>,
}

/// The verdict cache key: figure, check, params, and each input's path and bytes.
type Key = (String, String, String, Vec<(String, Vec<u8>)>);

/// Verdicts of checks already run, by the claim's figure, check and params and the path
/// and bytes of each input (see the module documentation). It holds at most
/// [`VerdictCache::ENTRIES`] verdicts (it is emptied when full), each with inputs of at
/// most [`VerdictCache::KEY_BYTES`] bytes (larger ones are not kept), so that a
/// long-lived cache holds at most 64 MiB of keys.
#[derive(Debug, Clone, Default)]
pub struct VerdictCache {
    done: BTreeMap<Key, Verdict>,
}

impl VerdictCache {
    /// The most verdicts kept.
    pub const ENTRIES: usize = 64;
    /// The most bytes of inputs a kept verdict may have.
    pub const KEY_BYTES: usize = 1 << 20;

    /// An empty cache.
    pub fn new() -> Self {
        VerdictCache::default()
    }

    /// How many verdicts are kept.
    pub fn len(&self) -> usize {
        self.done.len()
    }

    /// Whether no verdict is kept.
    pub fn is_empty(&self) -> bool {
        self.done.is_empty()
    }

    /// Reads the inputs once, and runs the check unless the same figure, check, params
    /// and input bytes have a verdict already.
    fn verdict(
        &mut self,
        claim: &Claim,
        check: &Check,
        inputs: &[(String, PathBuf)],
    ) -> Checked<Verdict> {
        let mut read = Vec::with_capacity(inputs.len());
        for (cell, path) in inputs {
            if let Check::RecomputeReview { analysis, .. } = check {
                read.push(review_input(cell, path, analysis)?);
                continue;
            }
            let bytes = crate::data::input::read_path(path, &crate::data::InputLimits::default())
                .map_err(|e| {
                let why = match e {
                    // Not the message of a file's contents: only what went wrong.
                    Error::Io { source, .. } => source.to_string(),
                    Error::Input { message, .. } => message,
                    other => other.to_string(),
                };
                Failure::NotCheckable("inputs", format!("cannot read the input '{cell}': {why}"))
            })?;
            read.push(Input {
                cell: cell.clone(),
                path: path.clone(),
                bytes,
                review: None,
            });
        }
        let key: Key = (
            claim.figure.clone(),
            claim.check.clone(),
            claim.params.clone(),
            read.iter()
                .map(|i| {
                    let name = match (&i.review, check) {
                        // The same review file holds every analysis: the number too.
                        (Some(_), Check::RecomputeReview { analysis, .. }) => {
                            format!("{}#{}", i.path.display(), analysis.number())
                        }
                        _ => i.path.display().to_string(),
                    };
                    (name, i.bytes.clone())
                })
                .collect(),
        );
        if let Some(v) = self.done.get(&key) {
            return Ok(v.clone());
        }
        let v = run(claim, check, &read)?;
        if key.3.iter().map(|(_, b)| b.len()).sum::<usize>() <= Self::KEY_BYTES {
            if self.done.len() >= Self::ENTRIES {
                self.done.clear();
            }
            self.done.insert(key, v.clone());
        }
        Ok(v)
    }
}

/// Reads the review of a review analysis input. A file that cannot be read as a review
/// is an error of the `inputs` cell, with the reader's message.
fn review_input(cell: &str, path: &Path, analysis: &ReviewAnalysis) -> Checked<Input> {
    let review = read_revman(path).map_err(|e| {
        Failure::Cell(
            "inputs",
            format!(
                "the input '{cell}': '{}' cannot be read as a review (a RevMan 5 .rm5 file, \
                 a RevMan Web data package, a RevMan 5 CSV export): {e}; expected a review \
                 file that metapool reads",
                analysis.file
            ),
        )
    })?;
    Ok(Input {
        cell: cell.to_string(),
        path: path.to_path_buf(),
        bytes: format!("{review:?}").into_bytes(),
        review: Some(Box::new(review)),
    })
}

/// A claim's check with its parameters and figure, typed as [`Registry::read`] reads
/// them from the `check`, `params` and `figure` cells (the table of the module
/// documentation). Levels are proportions (`level=95` is 0.95): the `level` of the
/// params, else the level printed with the figure's CI, else the default.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Check {
    /// `recompute`: pool the inputs and compare with the printed figure.
    Recompute {
        /// The printed estimate, with or without its CI.
        figure: Figure,
        /// How to pool.
        pooling: Pooling,
        /// The pooled model compared (`pooled`, default fixed).
        model: Pooled,
        /// A second convention to report beside it (`compare_profile`, `compare_note`).
        compare: Option<Comparison>,
    },
    /// `recompute` of one analysis of a Cochrane review (the input `review.rm5#1.2`):
    /// re-run as the review file names it and compared with the printed figure (see
    /// the module documentation).
    RecomputeReview {
        /// The printed estimate, with or without its CI.
        figure: Figure,
        /// The analysis.
        analysis: ReviewAnalysis,
    },
    /// `recompute_candidates`: as `recompute`, once per candidate set and model.
    RecomputeCandidates {
        /// The printed estimate, with or without its CI.
        figure: Figure,
        /// How to pool.
        pooling: Pooling,
        /// The pooled models tried, each once, in the order listed (`pooled`, default
        /// fixed).
        models: Vec<Pooled>,
        /// The study label of a trial of the first input to try also as two
        /// comparisons (`multiarm`).
        multiarm: Option<String>,
    },
    /// `ci_consistency`: an estimate against its CI.
    CiConsistency {
        /// The estimate.
        estimate: Printed,
        /// Its CI, lower limit first.
        ci: (Printed, Printed),
        /// `scale` (default difference).
        scale: Scale,
        /// The level of the CI (default 95%).
        level: Level,
    },
    /// `mann_whitney_p`: a printed p against the null SE of a Mann-Whitney effect.
    MannWhitneyP {
        /// The Mann-Whitney effect, a probability.
        estimate: Printed,
        /// The participants of arm 1 (`n1`).
        n1: u64,
        /// The participants of arm 2 (`n2`).
        n2: u64,
        /// How the p-value is printed (`p`: `P < 0.0001`).
        relation: Relation,
        /// The printed p-value.
        p: Printed,
    },
    /// `sum`: parts against a printed total.
    Sum {
        /// The printed total.
        total: Printed,
        /// The parts (`parts=a+b+...`).
        parts: Vec<f64>,
        /// The parts as written.
        written: String,
    },
    /// `granularity_percent`: percentages against a total split into arms.
    GranularityPercent {
        /// The printed percentages, one per arm.
        percents: Vec<Printed>,
        /// The participants of all arms (`total`).
        total: u64,
    },
    /// `relative_difference`: a printed range against the relative and absolute
    /// differences of two percentages.
    RelativeDifference {
        /// The printed range, in percent, lower limit first.
        range: (f64, f64),
        /// The first percentage (`a`).
        a: Printed,
        /// The second percentage (`b`).
        b: Printed,
    },
    /// `none`: nothing can be checked.
    None {
        /// What is missing (`missing`).
        missing: Option<String>,
    },
}

/// An analysis of a Cochrane review, as an input cell `file#number` names it
/// (`Fleiss1993.rm5#1.1`, `review.rm5#1.4.2`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReviewAnalysis {
    /// The review file (or data package folder), as the cell writes it: relative to the
    /// registry's folder.
    pub file: String,
    /// The analysis, `comparison.outcome` as the review numbers it ("1.4").
    pub analysis: String,
    /// The subgroup of the analysis, for a number `comparison.outcome.subgroup` (2 for
    /// "1.4.2").
    pub subgroup: Option<u32>,
}

impl ReviewAnalysis {
    /// The number as written in the cell, normalised: "1.4" or "1.4.2".
    pub fn number(&self) -> String {
        match self.subgroup {
            Some(g) => format!("{}.{g}", self.analysis),
            None => self.analysis.clone(),
        }
    }

    /// Reads an input cell `file#number`; `None` for a cell without `#` (a study table).
    /// The last `#` separates the file from the number.
    fn parse(cell: &str) -> Option<std::result::Result<ReviewAnalysis, String>> {
        let (file, number) = cell.rsplit_once('#')?;
        let (file, number) = (file.trim(), number.trim());
        let example = "such as 'review.rm5#1.2' (analysis 1.2) or 'review.rm5#1.4.2' \
                       (subgroup 2 of analysis 1.4)";
        Some(if file.is_empty() {
            Err(format!(
                "'{cell}': no review file before '#'; expected a review file and an \
                 analysis number {example}"
            ))
        } else if number.is_empty() {
            Err(format!(
                "'{cell}': no analysis number after '#'; expected one {example}"
            ))
        } else {
            let parts: Option<Vec<u32>> = number
                .split('.')
                .map(|p| {
                    p.bytes()
                        .all(|b| b.is_ascii_digit())
                        .then(|| p.parse::<u32>().ok())
                        .flatten()
                })
                .collect();
            match parts.as_deref() {
                Some([_, _, 0]) => Err(format!(
                    "'{cell}': subgroup 0; expected a subgroup numbered from 1, {example}"
                )),
                Some(&[c, o]) => Ok(ReviewAnalysis {
                    file: file.to_string(),
                    analysis: format!("{c}.{o}"),
                    subgroup: None,
                }),
                Some(&[c, o, g]) => Ok(ReviewAnalysis {
                    file: file.to_string(),
                    analysis: format!("{c}.{o}"),
                    subgroup: Some(g),
                }),
                _ => Err(format!(
                    "'{cell}': '{number}' is not an analysis number; expected \
                     comparison.outcome or comparison.outcome.subgroup in whole numbers, \
                     {example}"
                )),
            }
        })
    }
}

/// How a `recompute` or `recompute_candidates` claim pools its binary inputs.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Pooling {
    /// `measure`: RR, OR, RD or PETO.
    pub measure: Measure,
    /// `profile`: the conventions pooled with.
    pub profile: Profile,
    /// `fixed`: the fixed-effect method, when not the profile's.
    pub fixed: Option<FixedMethod>,
    /// `tau2`: the estimator (`Some(None)` for `none`), when not the profile's.
    pub tau2: Option<Option<Tau2Method>>,
    /// The level of the recomputed figure, when not the profile's.
    pub level: Option<Level>,
    /// `subgroup`: pool the trials of that subgroup only.
    pub subgroup: Option<String>,
}

/// A second convention a `recompute` claim reports beside its own.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Comparison {
    /// `compare_profile`.
    pub profile: Profile,
    /// `compare_note`: how it differs (default "another convention").
    pub note: Option<String>,
}

/// The checks by their name in the registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Recompute,
    RecomputeCandidates,
    CiConsistency,
    MannWhitneyP,
    Sum,
    GranularityPercent,
    RelativeDifference,
    None,
}

impl Kind {
    const ALL: [Kind; 8] = [
        Kind::Recompute,
        Kind::RecomputeCandidates,
        Kind::CiConsistency,
        Kind::MannWhitneyP,
        Kind::Sum,
        Kind::GranularityPercent,
        Kind::RelativeDifference,
        Kind::None,
    ];

    fn name(self) -> &'static str {
        match self {
            Kind::Recompute => "recompute",
            Kind::RecomputeCandidates => "recompute_candidates",
            Kind::CiConsistency => "ci_consistency",
            Kind::MannWhitneyP => "mann_whitney_p",
            Kind::Sum => "sum",
            Kind::GranularityPercent => "granularity_percent",
            Kind::RelativeDifference => "relative_difference",
            Kind::None => "none",
        }
    }

    fn parse(text: &str) -> std::result::Result<Kind, String> {
        Kind::ALL
            .into_iter()
            .find(|k| k.name() == text)
            .ok_or_else(|| {
                let known: Vec<&str> = Kind::ALL.iter().map(|k| k.name()).collect();
                format!(
                    "unknown check '{text}'; expected one of {}",
                    known.join(", ")
                )
            })
    }

    /// The parameters of the check: required, then optional.
    fn params(self) -> (&'static [&'static str], &'static [&'static str]) {
        match self {
            Kind::Recompute => (
                &["measure", "profile"],
                &[
                    "fixed",
                    "tau2",
                    "pooled",
                    "level",
                    "subgroup",
                    "compare_profile",
                    "compare_note",
                ],
            ),
            Kind::RecomputeCandidates => (
                &["measure", "profile"],
                &["fixed", "tau2", "pooled", "level", "subgroup", "multiarm"],
            ),
            Kind::CiConsistency => (&[], &["scale", "level"]),
            Kind::MannWhitneyP => (&["n1", "n2", "p"], &[]),
            Kind::Sum => (&["parts"], &[]),
            Kind::GranularityPercent => (&["total"], &[]),
            Kind::RelativeDifference => (&["a", "b"], &[]),
            Kind::None => (&[], &["missing"]),
        }
    }

    /// Whether the check reads a level (given, or printed with the figure's CI).
    fn has_level(self) -> bool {
        matches!(
            self,
            Kind::Recompute | Kind::RecomputeCandidates | Kind::CiConsistency
        )
    }
}

/// A claim's parameters, `key=value; key=value`, read strictly: every entry needs a
/// `=`, and a key may not repeat.
fn parse_params(text: &str) -> std::result::Result<BTreeMap<String, String>, String> {
    let mut map = BTreeMap::new();
    for entry in text.split(';').map(str::trim).filter(|e| !e.is_empty()) {
        let Some((k, v)) = entry.split_once('=') else {
            return Err(format!("'{entry}': expected key=value"));
        };
        let (k, v) = (k.trim().to_string(), v.trim().to_string());
        if map.insert(k.clone(), v).is_some() {
            return Err(format!(
                "the parameter '{k}' is given twice; expected it once"
            ));
        }
    }
    Ok(map)
}

/// The folder inputs resolve in, and whether they may leave it.
struct Base {
    folder: PathBuf,
    /// The folder with its links resolved, when it exists.
    canonical: Option<PathBuf>,
    options: AuditOptions,
}

impl Base {
    fn new(folder: &Path, options: AuditOptions) -> Self {
        Base {
            folder: folder.to_path_buf(),
            canonical: folder.canonicalize().ok(),
            options,
        }
    }

    /// The path of an input cell (a study table, or with `target` a review's file
    /// part, which may be a folder). Unless inputs may leave the folder, an absolute path
    /// or a `..` that climbs out of it is refused before anything is opened, and a path
    /// that leads out through a symbolic link after its links are resolved.
    fn resolve(&self, cell: &str, target: Target) -> std::result::Result<PathBuf, String> {
        let expected = match target {
            Target::Table => {
                "a study table inside the registry's folder (paths relative to \
                              it, separated by ';')"
            }
            Target::Review => {
                "a review file or data package folder inside the registry's \
                               folder (a path relative to it, then '#' and the analysis \
                               number)"
            }
        };
        let outside = |why: &str| {
            format!(
                "'{cell}' {why}; expected {expected}, or --allow-outside to read files elsewhere"
            )
        };
        let relative = Path::new(cell);
        if !self.options.allow_outside {
            let mut depth: usize = 0;
            for c in relative.components() {
                match c {
                    Component::Prefix(_) | Component::RootDir => {
                        return Err(outside("is an absolute path"));
                    }
                    Component::ParentDir => {
                        depth = depth
                            .checked_sub(1)
                            .ok_or_else(|| outside("climbs out of the registry's folder"))?;
                    }
                    Component::CurDir => {}
                    Component::Normal(_) => depth += 1,
                }
            }
        }
        let path = self.folder.join(relative);
        let missing = || match target {
            Target::Table => format!(
                "no file '{cell}' in the registry's folder; expected a study table (paths \
                 relative to the registry's folder, separated by ';')"
            ),
            Target::Review => format!(
                "no file or folder '{cell}' in the registry's folder; expected a review \
                 file (a RevMan 5 .rm5 file, a RevMan 5 CSV export, a RevMan Web data \
                 package zip) or an unpacked data package folder, relative to the \
                 registry's folder"
            ),
        };
        if !self.options.allow_outside {
            let (Ok(real), Some(folder)) = (path.canonicalize(), &self.canonical) else {
                return Err(missing());
            };
            if !real.starts_with(folder) {
                return Err(outside(
                    "leads out of the registry's folder (a symbolic link)",
                ));
            }
        }
        if !(path.is_file() || target == Target::Review && path.is_dir()) {
            return Err(missing());
        }
        Ok(path)
    }
}

/// What an input cell names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    /// A study table: a file.
    Table,
    /// A review: a file, or the folder of an unpacked data package.
    Review,
}

/// The cells of `inputs` that name files.
fn input_cells(inputs: &str) -> Vec<&str> {
    inputs
        .split(';')
        .map(str::trim)
        .filter(|s| !s.is_empty() && !s.eq_ignore_ascii_case("none"))
        .collect()
}

/// A wrong cell: its column and what is wrong.
type CellError = (&'static str, String);

/// Reads a claim's check, parameters, figure and inputs; returns the check and the
/// inputs resolved (each cell with its path). The error names the column.
fn validate(claim: &Claim, base: &Base) -> std::result::Result<(Check, Resolved), CellError> {
    let kind = Kind::parse(&claim.check).map_err(|e| ("check", e))?;
    let p = parse_params(&claim.params).map_err(|e| ("params", e))?;
    let cells = input_cells(&claim.inputs);
    if let Some(review) = cells
        .iter()
        .find_map(|c| ReviewAnalysis::parse(c).map(|r| (*c, r)))
    {
        return validate_review(claim, kind, &p, &cells, review, base);
    }
    let figure = read_figure(kind, &claim.figure, &p).map_err(|e| ("figure", e))?;
    let params = read_params(kind, &p).map_err(|e| ("params", e))?;
    let (min, max, what) = match kind {
        Kind::Recompute => (1, usize::MAX, "at least one study table"),
        Kind::RecomputeCandidates => (2, 2, "two files: the trials; the candidates"),
        _ => (0, 0, "none: the check reads no file"),
    };
    if cells.len() < min || cells.len() > max {
        return Err((
            "inputs",
            format!(
                "{} input{} for {}; expected {what}",
                cells.len(),
                if cells.len() == 1 { "" } else { "s" },
                kind.name()
            ),
        ));
    }
    let inputs = cells
        .iter()
        .map(|c| {
            base.resolve(c, Target::Table)
                .map(|path| (c.to_string(), path))
        })
        .collect::<std::result::Result<_, _>>()
        .map_err(|e| ("inputs", e))?;
    Ok((check_of(kind, figure, params, &p)?, inputs))
}

/// Reads a claim whose inputs name a review analysis (`review`: its cell, and the
/// analysis or why the cell cannot be read): a `recompute` with that input alone and no
/// params (the review file fixes them), whose file part resolves inside the folder.
fn validate_review(
    claim: &Claim,
    kind: Kind,
    p: &BTreeMap<String, String>,
    cells: &[&str],
    (cell, review): (&str, std::result::Result<ReviewAnalysis, String>),
    base: &Base,
) -> std::result::Result<(Check, Resolved), CellError> {
    if kind != Kind::Recompute {
        return Err((
            "inputs",
            format!(
                "'{cell}' is a review analysis (file#number), which only recompute reads; \
                 expected for {}: {}",
                kind.name(),
                if kind == Kind::RecomputeCandidates {
                    "two study tables (the trials; the candidates)"
                } else {
                    "none (the check reads no file)"
                }
            ),
        ));
    }
    let review = review.map_err(|e| ("inputs", e))?;
    if cells.len() > 1 {
        let first = cells.iter().position(|c| *c == cell);
        let others: Vec<String> = (0..cells.len())
            .filter(|i| Some(*i) != first)
            .map(|i| format!("'{}'", cells[i]))
            .collect();
        return Err((
            "inputs",
            format!(
                "{} inputs with the review analysis '{cell}' ({} beside it); expected the \
                 review analysis alone: its figure is the review's own result, and nothing \
                 can be pooled with it",
                cells.len(),
                others.join(", ")
            ),
        ));
    }
    if let Some(key) = p.keys().next() {
        let why = match key.as_str() {
            "subgroup" => format!(
                "a subgroup of a review analysis is named by its number in the input \
                 ('{}#{}.1' for subgroup 1)",
                review.file, review.analysis
            ),
            "compare_profile" | "compare_note" => {
                "a review analysis is compared with the review's own settings only".into()
            }
            _ => format!(
                "the review file fixes the method, measure, model and level of analysis {}",
                review.number()
            ),
        };
        return Err((
            "params",
            format!(
                "the parameter '{key}' with the review analysis '{cell}': {why}; expected \
                 no params"
            ),
        ));
    }
    let figure = match read_figure(kind, &claim.figure, p).map_err(|e| ("figure", e))? {
        ReadFigure::Estimate(f) => f,
        _ => {
            return Err((
                "figure",
                "the figure was not read for its check".to_string(),
            ))
        }
    };
    let path = base
        .resolve(&review.file, Target::Review)
        .map_err(|e| ("inputs", e))?;
    Ok((
        Check::RecomputeReview {
            figure,
            analysis: review,
        },
        vec![(cell.to_string(), path)],
    ))
}

/// A figure read for its check.
enum ReadFigure {
    /// An estimate, with its CI when printed (`recompute`, `recompute_candidates`,
    /// `ci_consistency`).
    Estimate(Figure),
    /// A Mann-Whitney effect alone (`mann_whitney_p`).
    Effect(Printed),
    /// A total (`sum`).
    Total(Printed),
    /// Percentages (`granularity_percent`).
    Percents(Vec<Printed>),
    /// A range of percentages (`relative_difference`).
    Range((f64, f64)),
    /// Anything (`none`).
    Unread,
}

/// The figure, which must be of the kind its check reads.
fn read_figure(
    kind: Kind,
    text: &str,
    p: &BTreeMap<String, String>,
) -> std::result::Result<ReadFigure, String> {
    let read = |t: &str| Figure::parse(t).map_err(|e| e.to_string());
    match kind {
        Kind::None => Ok(ReadFigure::Unread),
        Kind::RelativeDifference => percent_range(text).map(ReadFigure::Range),
        Kind::GranularityPercent => text
            .split(';')
            .map(|part| match Figure::parse(part) {
                Ok(Figure::Percent(q)) if (0.0..=100.0).contains(&q.value) => Ok(q),
                _ => Err(format!(
                    "'{}': expected percentages in [0, 100] separated by ';' \
                     ('41%; 28%; 19%')",
                    part.trim()
                )),
            })
            .collect::<std::result::Result<_, _>>()
            .map(ReadFigure::Percents),
        Kind::Sum => Printed::parse(text)
            .map(ReadFigure::Total)
            .map_err(|_| format!("'{text}': expected a printed total such as '1070'")),
        Kind::MannWhitneyP => match read(text)? {
            Figure::Estimate {
                estimate, ci: None, ..
            } if (0.0..=1.0).contains(&estimate.value) => Ok(ReadFigure::Effect(estimate)),
            _ => Err(format!(
                "'{text}': expected a Mann-Whitney effect alone, a probability in [0, 1] \
                 such as '0.62' (the check uses no CI)"
            )),
        },
        Kind::Recompute | Kind::RecomputeCandidates | Kind::CiConsistency => {
            let figure = read(text)?;
            let Figure::Estimate { estimate, ci, .. } = figure.clone() else {
                return Err(format!(
                    "'{text}': expected an estimate{} such as '2.39 (1.10 to 5.23)'",
                    if kind == Kind::CiConsistency {
                        " with its CI"
                    } else {
                        ", with or without its CI,"
                    }
                ));
            };
            if kind == Kind::CiConsistency && ci.is_none() {
                return Err(format!(
                    "'{text}': expected an estimate with its CI such as '2.39 (1.10 to 5.23)'"
                ));
            }
            if let Some((lo, hi)) = ci {
                if lo.value > hi.value {
                    return Err(format!(
                        "'{text}': the lower limit {} is above the upper limit {}; expected \
                         lower <= upper",
                        lo.text(),
                        hi.text()
                    ));
                }
            }
            // A ratio (the ratio scale, or a ratio measure) cannot be below 0. (The
            // params are read after the figure: a value that cannot be read here is
            // their error.)
            let ratio = match kind {
                Kind::CiConsistency => {
                    p.get("scale").and_then(|s| scale_param(s).ok()) == Some(Scale::Ratio)
                }
                _ => p
                    .get("measure")
                    .and_then(|m| m.parse::<Measure>().ok())
                    .is_some_and(Measure::is_ratio),
            };
            let values = std::iter::once(estimate).chain(ci.into_iter().flat_map(|(l, h)| [l, h]));
            if ratio {
                if let Some(neg) = values.into_iter().find(|v| v.value < 0.0) {
                    return Err(format!(
                        "'{text}': the ratio {} is below 0; expected ratios of at least 0",
                        neg.text()
                    ));
                }
            }
            Ok(ReadFigure::Estimate(figure))
        }
    }
}

/// The values of a claim's parameters, each read once.
#[derive(Default)]
struct Params {
    measure: Option<Measure>,
    profile: Option<Profile>,
    compare_profile: Option<Profile>,
    compare_note: Option<String>,
    fixed: Option<FixedMethod>,
    tau2: Option<Option<Tau2Method>>,
    pooled: Option<Vec<Pooled>>,
    level: Option<Level>,
    scale: Option<Scale>,
    subgroup: Option<String>,
    multiarm: Option<String>,
    missing: Option<String>,
    n1: Option<u64>,
    n2: Option<u64>,
    total: Option<u64>,
    p: Option<(Relation, Printed)>,
    parts: Option<Vec<f64>>,
    a: Option<Printed>,
    b: Option<Printed>,
}

/// The parameters of a check: known keys, required ones present, values readable, and
/// combinations that can be computed.
fn read_params(kind: Kind, p: &BTreeMap<String, String>) -> std::result::Result<Params, String> {
    let text = |e: Error| match e {
        Error::InvalidArgument(m) => m,
        other => other.to_string(),
    };
    let (required, optional) = kind.params();
    for key in p.keys() {
        if !required.contains(&key.as_str()) && !optional.contains(&key.as_str()) {
            let mut known: Vec<&str> = required.iter().chain(optional.iter()).copied().collect();
            known.sort_unstable();
            return Err(format!(
                "the check {} takes no parameter '{key}'; expected {}",
                kind.name(),
                if known.is_empty() {
                    "none".to_string()
                } else {
                    format!("one of {}", known.join(", "))
                }
            ));
        }
    }
    for key in required {
        if !p.contains_key(*key) {
            return Err(format!(
                "the check {} needs the parameter '{key}'",
                kind.name()
            ));
        }
    }
    let mut read = Params::default();
    for (key, value) in p {
        match key.as_str() {
            "measure" => {
                let m = value.parse::<Measure>().map_err(text)?;
                if !matches!(m, Measure::RR | Measure::OR | Measure::RD | Measure::PETO) {
                    return Err(format!(
                        "measure={value}: the check pools binary tables; expected RR, OR, RD \
                         or PETO"
                    ));
                }
                read.measure = Some(m);
            }
            "profile" => read.profile = Some(value.parse::<Profile>().map_err(text)?),
            "compare_profile" => {
                read.compare_profile = Some(value.parse::<Profile>().map_err(text)?);
            }
            "fixed" => read.fixed = Some(value.parse::<FixedMethod>().map_err(text)?),
            "tau2" => read.tau2 = Some(tau2_param(value).map_err(text)?),
            "pooled" => {
                let kinds = pooled_kinds(value).map_err(text)?;
                if kind == Kind::Recompute && kinds.len() > 1 {
                    return Err(format!(
                        "pooled={value}: expected one model (fixed or random) for recompute"
                    ));
                }
                read.pooled = Some(kinds);
            }
            "level" => read.level = Some(level_param(value).map_err(text)?),
            "scale" => read.scale = Some(scale_param(value).map_err(text)?),
            "n1" => read.n1 = Some(participants(value, key)?),
            "n2" => read.n2 = Some(participants(value, key)?),
            "total" => read.total = Some(participants(value, key)?),
            "p" => match Figure::parse(value) {
                Ok(Figure::PValue { relation, value: v }) if (0.0..=1.0).contains(&v.value) => {
                    read.p = Some((relation, v));
                }
                _ => {
                    return Err(format!(
                        "p={value}: expected a p-value in [0, 1] such as 'P < 0.0001'"
                    ))
                }
            },
            "parts" => {
                read.parts = Some(
                    value
                        .split('+')
                        .map(|x| finite(x, "parts"))
                        .collect::<std::result::Result<_, _>>()?,
                );
            }
            "a" | "b" => match Printed::parse(value) {
                Ok(q) if (0.0..=100.0).contains(&q.value) => {
                    *if key == "a" { &mut read.a } else { &mut read.b } = Some(q);
                }
                _ => {
                    return Err(format!(
                        "{key}={value}: expected a percentage in [0, 100] (without '%')"
                    ))
                }
            },
            // Free text: a name or a description, which must not be empty.
            _ => {
                if value.is_empty() {
                    return Err(format!("{key}=: expected a value after '='"));
                }
                let slot = match key.as_str() {
                    "subgroup" => &mut read.subgroup,
                    "multiarm" => &mut read.multiarm,
                    "missing" => &mut read.missing,
                    _ => &mut read.compare_note,
                };
                *slot = Some(value.clone());
            }
        }
    }
    if read.compare_note.is_some() && read.compare_profile.is_none() {
        return Err(
            "compare_note without compare_profile: the note describes the comparison; \
             expected compare_profile=<profile> beside it"
                .into(),
        );
    }
    if let Some(pooling) = pooling_of(&read) {
        // The settings the check will pool with must be computable.
        let measure = pooling.measure;
        let kinds = read.pooled.as_deref().unwrap_or(&[Pooled::Fixed]);
        for (key, profile) in [
            ("profile", Some(pooling.profile)),
            ("compare_profile", read.compare_profile),
        ] {
            let Some(profile) = profile else { continue };
            let s = pooling.settings(profile);
            match s.pool.fixed {
                FixedMethod::MantelHaenszel
                    if !matches!(measure, Measure::RR | Measure::OR | Measure::RD) =>
                {
                    return Err(format!(
                        "fixed=mh with measure={measure}: Mantel-Haenszel pools OR, RR or RD; \
                         expected one of those or fixed=iv"
                    ))
                }
                FixedMethod::Peto if !matches!(measure, Measure::OR | Measure::PETO) => {
                    return Err(format!(
                        "fixed=peto with measure={measure}: Peto's method pools odds ratios; \
                         expected measure OR or PETO"
                    ))
                }
                _ => {}
            }
            if kinds.contains(&Pooled::Random) && s.pool.tau2.is_none() {
                return Err(format!(
                    "pooled=random with no tau2 estimator ({key} {} with tau2 {}); expected \
                     tau2=DL, REML, ... or pooled=fixed",
                    p[key],
                    p.get("tau2").map_or("of the profile", String::as_str)
                ));
            }
        }
    }
    Ok(read)
}

/// The pooling a claim's params name, when they name a measure and a profile.
fn pooling_of(read: &Params) -> Option<Pooling> {
    Some(Pooling {
        measure: read.measure?,
        profile: read.profile?,
        fixed: read.fixed,
        tau2: read.tau2,
        level: read.level,
        subgroup: read.subgroup.clone(),
    })
}

/// A parameter [`read_params`] has found present, because the check requires it.
fn needed<T>(value: Option<T>, key: &str) -> std::result::Result<T, CellError> {
    value.ok_or_else(|| ("params", format!("the check needs the parameter '{key}'")))
}

/// The typed check of a claim whose figure and params are read. For a check with a
/// level, the level printed with the figure's CI (`90% CI`) is its `level` when the
/// params give none (read as `level=90` would be), and must agree with it when they
/// do.
fn check_of(
    kind: Kind,
    figure: ReadFigure,
    mut read: Params,
    p: &BTreeMap<String, String>,
) -> std::result::Result<Check, CellError> {
    if let (true, ReadFigure::Estimate(f)) = (kind.has_level(), &figure) {
        if let Some(printed) = f.printed_level() {
            match (read.level, p.get("level")) {
                (Some(given_level), Some(given))
                    if (given_level.proportion() - printed).abs() > 1e-9 =>
                {
                    return Err((
                        "params",
                        format!(
                            "level={given} but the figure prints a {}% CI; give the level \
                             the figure was printed at",
                            printed * 100.0
                        ),
                    ));
                }
                (Some(_), _) => {}
                (None, _) => {
                    let as_given = format!("{}", printed * 100.0);
                    read.level =
                        Some(level_param(&as_given).map_err(|e| ("params", e.to_string()))?);
                }
            }
        }
    }
    let unread = || {
        (
            "figure",
            "the figure was not read for its check".to_string(),
        )
    };
    Ok(match (kind, figure) {
        (Kind::Recompute, ReadFigure::Estimate(figure)) => Check::Recompute {
            figure,
            pooling: needed(pooling_of(&read), "measure")?,
            model: read.pooled.as_ref().map_or(Pooled::Fixed, |k| k[0]),
            compare: read.compare_profile.map(|profile| Comparison {
                profile,
                note: read.compare_note.clone(),
            }),
        },
        (Kind::RecomputeCandidates, ReadFigure::Estimate(figure)) => Check::RecomputeCandidates {
            figure,
            pooling: needed(pooling_of(&read), "measure")?,
            models: read.pooled.clone().unwrap_or(vec![Pooled::Fixed]),
            multiarm: read.multiarm.clone(),
        },
        (
            Kind::CiConsistency,
            ReadFigure::Estimate(Figure::Estimate {
                estimate,
                ci: Some(ci),
                ..
            }),
        ) => Check::CiConsistency {
            estimate,
            ci,
            scale: read.scale.unwrap_or(Scale::Difference),
            level: read.level.unwrap_or_default(),
        },
        (Kind::MannWhitneyP, ReadFigure::Effect(estimate)) => {
            let (relation, p) = needed(read.p, "p")?;
            Check::MannWhitneyP {
                estimate,
                n1: needed(read.n1, "n1")?,
                n2: needed(read.n2, "n2")?,
                relation,
                p,
            }
        }
        (Kind::Sum, ReadFigure::Total(total)) => Check::Sum {
            total,
            parts: needed(read.parts, "parts")?,
            written: p.get("parts").cloned().unwrap_or_default(),
        },
        (Kind::GranularityPercent, ReadFigure::Percents(percents)) => Check::GranularityPercent {
            percents,
            total: needed(read.total, "total")?,
        },
        (Kind::RelativeDifference, ReadFigure::Range(range)) => Check::RelativeDifference {
            range,
            a: needed(read.a, "a")?,
            b: needed(read.b, "b")?,
        },
        (Kind::None, _) => Check::None {
            missing: read.missing,
        },
        _ => return Err(unread()),
    })
}

fn tau2_param(value: &str) -> Result<Option<Tau2Method>> {
    Tau2Method::parse_model(value)
}

fn level_param(value: &str) -> Result<Level> {
    let x = finite(value, "level").map_err(Error::InvalidArgument)?;
    Level::from_user(x).map_err(|e| Error::InvalidArgument(format!("level={e}")))
}

fn scale_param(value: &str) -> Result<Scale> {
    match value.to_ascii_lowercase().as_str() {
        "difference" => Ok(Scale::Difference),
        "ratio" => Ok(Scale::Ratio),
        _ => Err(Error::InvalidArgument(format!(
            "scale={value}: expected difference or ratio"
        ))),
    }
}

/// A finite number.
fn finite(text: &str, what: &str) -> std::result::Result<f64, String> {
    let t = text.trim();
    match t.parse::<f64>() {
        Ok(x) if x.is_finite() => Ok(x),
        _ => Err(format!(
            "{what}: '{t}' is not a finite number; expected one"
        )),
    }
}

/// A whole number of participants, 1 to 2^53 (every such count is exact in a double).
fn participants(text: &str, key: &str) -> std::result::Result<u64, String> {
    const MAX: u64 = 1 << 53;
    let t = text.trim();
    // Digits are read exactly; other forms ("186.0", "1e3") as a double.
    let n = match t.parse::<u64>() {
        Ok(n) => Some(n),
        Err(_) => t
            .parse::<f64>()
            .ok()
            .filter(|x| x.fract() == 0.0 && *x >= 1.0 && *x <= MAX as f64)
            .map(|x| x as u64),
    };
    match n {
        Some(n) if (1..=MAX).contains(&n) => Ok(n),
        _ => Err(format!(
            "{key}={text}: expected a whole number of participants from 1 to 2^53"
        )),
    }
}

/// A printed range `a-b%` (or `a%`, or `a% - b%`): its limits, lower first.
fn percent_range(text: &str) -> std::result::Result<(f64, f64), String> {
    let bad = || {
        format!("'{text}': expected a range of percentages such as '34-41%' or one such as '34%'")
    };
    let t = text.trim().replace(['−', '–'], "-");
    let t = t.strip_suffix('%').ok_or_else(bad)?;
    // A dash after the first character separates the limits (a leading minus stays).
    let first = t.chars().next().map_or(0, char::len_utf8);
    let (lo, hi) = match t[first..].find('-') {
        Some(pos) => (&t[..first + pos], &t[first + pos + 1..]),
        None => (t, t),
    };
    let read = |s: &str| {
        let s = s.trim();
        Printed::parse(s.strip_suffix('%').unwrap_or(s)).map_err(|_| bad())
    };
    let (lo, hi) = (read(lo)?.value, read(hi)?.value);
    if lo > hi {
        return Err(format!(
            "'{text}': the range runs from {lo} down to {hi}; expected the lower limit first"
        ));
    }
    Ok((lo, hi))
}

/// The failure of a pooling: not checkable, blamed on the parameters for an option the
/// pooling refuses and on the inputs otherwise (a computation with no answer).
fn pooling_failure(e: Error) -> Failure {
    match e {
        Error::InvalidArgument(m) => {
            Failure::NotCheckable("params", format!("the pooling refuses its options: {m}"))
        }
        other => Failure::NotCheckable("inputs", format!("the pooling has no answer: {other}")),
    }
}

/// The columns every binary study table has.
const BINARY: [&str; 5] = ["study", "events_e", "n_e", "events_c", "n_c"];

/// Reads an input as a study table. A file whose header lacks a column of binary data
/// is named by its cell and the columns it lacks, never by what it contains.
fn table(input: &Input) -> Checked<StudyTable> {
    let not_a_table = |why: String| {
        Failure::NotCheckable(
            "inputs",
            format!(
                "the input '{}' is not a binary study table: {why}; expected the columns {}",
                input.cell,
                BINARY.join(",")
            ),
        )
    };
    let data = input
        .bytes
        .strip_prefix(b"\xEF\xBB\xBF")
        .unwrap_or(&input.bytes);
    let utf16 = data.starts_with(&[0xFF, 0xFE]) || data.starts_with(&[0xFE, 0xFF]);
    let name = input.path.display().to_string();
    let mut records = Records::new(&name, data);
    let mut header = ::csv::ByteRecord::new();
    // (UTF-16 text is left to the reader, which says so.)
    if let (false, Ok(Some(_))) = (utf16, records.next_record(&mut header)) {
        let names: Vec<String> = header
            .iter()
            .map(|f| String::from_utf8_lossy(f).trim().to_lowercase())
            .collect();
        let lacking: Vec<&str> = BINARY
            .iter()
            .filter(|c| !names.iter().any(|n| n == *c))
            .copied()
            .collect();
        if !lacking.is_empty() {
            return Err(not_a_table(format!(
                "its first line lacks the column{} {}",
                if lacking.len() == 1 { "" } else { "s" },
                lacking.join(", ")
            )));
        }
    }
    read_csv_reader(name, &input.bytes[..]).map_err(|e| {
        Failure::NotCheckable(
            "inputs",
            format!(
                "the input '{}' cannot be read as a study table: {e}",
                input.cell
            ),
        )
    })
}

/// The trials of a binary table, those of one subgroup when `subgroup` is given.
fn known_trials_in(
    table: &StudyTable,
    cell: &str,
    subgroup: Option<&str>,
) -> Checked<Vec<KnownTrial>> {
    let StudyData::Binary(b) = &table.data else {
        return Err(Failure::NotCheckable(
            "inputs",
            format!("the input '{cell}' is not binary data; expected a binary study table"),
        ));
    };
    let keep = |i: usize| match (subgroup, &table.subgroup) {
        (None, _) => true,
        (Some(s), Some(groups)) => groups[i] == *s,
        (Some(_), None) => false,
    };
    Ok((0..table.k())
        .filter(|&i| keep(i))
        .map(|i| KnownTrial {
            study: table.labels[i].to_owned(),
            events_e: b.events_e[i] as u64,
            n_e: b.n_e[i] as u64,
            events_c: b.events_c[i] as u64,
            n_c: b.n_c[i] as u64,
        })
        .collect())
}

/// The pooling settings of a claim, with one of its profiles.
struct Settings {
    profile: Profile,
    effect: crate::effect::EffectOptions,
    pool: crate::model::PoolOptions,
}

impl Pooling {
    /// The options of `profile` (the claim's `profile` or `compare_profile`) for the
    /// claim's measure, with its `fixed`, `tau2` and level in place of the profile's.
    fn settings(&self, profile: Profile) -> Settings {
        let (effect, mut pool) =
            profile.options(self.measure, crate::data::DataType::Binary, self.fixed);
        if let Some(tau2) = self.tau2 {
            pool.tau2 = tau2;
        }
        if let Some(level) = self.level {
            // The level of the recomputed figure; the level of an input's own intervals
            // is a property of the input (its `ci_level` column, else 95%).
            pool.level = level;
        }
        Settings {
            profile,
            effect,
            pool,
        }
    }
}

/// The pooled models of a `pooled` parameter (`fixed`, `random` or `fixed,random`, in
/// any case), each once.
fn pooled_kinds(value: &str) -> Result<Vec<Pooled>> {
    let mut kinds = Vec::new();
    for s in value.split(',') {
        let kind = match s.trim().to_ascii_lowercase().as_str() {
            "fixed" => Pooled::Fixed,
            "random" => Pooled::Random,
            _ => {
                return Err(Error::InvalidArgument(format!(
                    "pooled={}: expected fixed or random",
                    s.trim()
                )))
            }
        };
        if kinds.contains(&kind) {
            return Err(Error::InvalidArgument(format!(
                "pooled={value}: {} is listed twice; expected each model once",
                s.trim()
            )));
        }
        kinds.push(kind);
    }
    Ok(kinds)
}

fn kind_name(k: Pooled) -> &'static str {
    match k {
        Pooled::Fixed => "fixed effect",
        Pooled::Random => "random effects",
    }
}

/// Runs one claim's check on its inputs.
fn run(claim: &Claim, check: &Check, inputs: &[Input]) -> Checked<Verdict> {
    match check {
        Check::Recompute {
            figure,
            pooling,
            model,
            compare,
        } => recompute(figure, pooling, *model, compare.as_ref(), inputs),
        Check::RecomputeReview { figure, analysis } => recompute_review(figure, analysis, inputs),
        Check::RecomputeCandidates {
            figure,
            pooling,
            models,
            multiarm,
        } => recompute_candidates(figure, pooling, models, multiarm.as_deref(), inputs),
        &Check::CiConsistency {
            estimate,
            ci: (lo, hi),
            scale,
            level,
        } => {
            let implied = match check_ci(estimate, lo, hi, scale, level.proportion()) {
                Ok(i) => i,
                Err(Error::Degenerate(m)) => return Err(Failure::NotCheckable("figure", m)),
                Err(e) => return Err(Failure::Cell("figure", e.to_string())),
            };
            let summary = format!(
                "implied SE {:.3}, z {:.2}, two-sided p {:.2e} (between {:.1e} and {:.1e} within rounding)",
                implied.se, implied.z, implied.p, implied.p_range.0, implied.p_range.1
            );
            Ok(if implied.symmetric {
                Verdict::new(
                    VerdictKind::Consistent,
                    format!("SE {:.3}, p {:.3}", implied.se, implied.p),
                    format!("CI symmetric about the estimate within rounding; {summary}"),
                )
            } else {
                Verdict::new(
                    VerdictKind::Inconsistent,
                    format!("SE {:.3}", implied.se),
                    format!(
                        "the estimate is not the midpoint of its CI within rounding; {summary}"
                    ),
                )
            })
        }
        &Check::MannWhitneyP {
            estimate,
            n1,
            n2,
            relation,
            p,
        } => Ok(mann_whitney(estimate, n1 as f64, n2 as f64, relation, p)),
        Check::Sum {
            total,
            parts,
            written,
        } => {
            let sum: f64 = parts.iter().sum();
            Ok(if sums_to(parts, total.value) {
                Verdict::new(
                    VerdictKind::Consistent,
                    format!("{sum}"),
                    format!("{written} = {sum}"),
                )
            } else {
                Verdict::new(
                    VerdictKind::Inconsistent,
                    format!("{sum}"),
                    format!("{written} = {sum}, not {}", total.text()),
                )
            })
        }
        Check::GranularityPercent { percents, total } => granularity(percents, *total),
        &Check::RelativeDifference { range, a, b } => {
            Ok(relative_difference(&claim.figure, range, a, b))
        }
        Check::None { missing } => Ok(Verdict::new(
            VerdictKind::NotCheckable,
            "",
            format!("missing: {}", missing.as_deref().unwrap_or("the inputs")),
        )),
    }
}

fn recompute(
    figure: &Figure,
    pooling: &Pooling,
    kind: Pooled,
    compare: Option<&Comparison>,
    inputs: &[Input],
) -> Checked<Verdict> {
    let s = pooling.settings(pooling.profile);
    let subgroup = pooling.subgroup.as_deref();
    let mut trials = Vec::new();
    for input in inputs {
        trials.extend(known_trials_in(&table(input)?, &input.cell, subgroup)?);
    }
    if let Some(sg) = subgroup {
        if trials.is_empty() {
            return Err(no_subgroup(sg));
        }
    }
    let (e, lo, hi) = pooled_figure(&trials, &s.effect, &s.pool, kind).map_err(pooling_failure)?;
    let mut reason = format!(
        "{} ({}), {} trial{}",
        s.profile.plain_name(),
        kind_name(kind),
        trials.len(),
        if trials.len() == 1 { "" } else { "s" }
    );
    if let Some(c) = compare {
        let o = pooling.settings(c.profile);
        let (e2, lo2, hi2) =
            pooled_figure(&trials, &o.effect, &o.pool, kind).map_err(pooling_failure)?;
        reason += &format!(
            "; {} give {} ({})",
            o.profile.plain_name(),
            figure.format_like(e2, lo2, hi2),
            c.note.as_deref().unwrap_or("another convention")
        );
    }
    Ok(compared(figure, (e, lo, hi), reason))
}

/// The verdict of a recomputed estimate and CI (natural scale) on a printed figure:
/// reproduced when all of them print as the figure, at its precision; `reason` says
/// what was recomputed, and how.
fn compared(figure: &Figure, (e, lo, hi): (f64, f64, f64), reason: String) -> Verdict {
    let recomputed = figure.format_like(e, lo, hi);
    if figure.matches_estimate(e, lo, hi) {
        Verdict::new(VerdictKind::Reproduced, recomputed, reason)
    } else {
        Verdict::new(
            VerdictKind::NotReproduced,
            recomputed.clone(),
            format!("recomputed {recomputed}; {reason}"),
        )
    }
}

/// A review analysis re-run as its review file names it and compared with the printed
/// figure (see the module documentation). No analysis of that number, a subgroup it
/// does not have, or an analysis that cannot be re-run is an error of the `inputs`
/// cell; a printed level that is not the analysis's, of the `figure` cell.
fn recompute_review(
    figure: &Figure,
    analysis: &ReviewAnalysis,
    inputs: &[Input],
) -> Checked<Verdict> {
    let Some(review) = inputs.first().and_then(|i| i.review.as_deref()) else {
        return Err(Failure::Cell(
            "inputs",
            "recompute of a review analysis needs the review as its input".into(),
        ));
    };
    let file = &analysis.file;
    let which = match analysis.subgroup {
        Some(g) => format!("analysis {}, subgroup {g}", analysis.analysis),
        None => format!("analysis {}", analysis.analysis),
    };
    let cell = |m: String| Failure::Cell("inputs", m);
    let Some(o) = review.outcomes.iter().find(|o| o.id == analysis.analysis) else {
        let ids: Vec<&str> = review.outcomes.iter().map(|o| o.id.as_str()).collect();
        return Err(cell(format!(
            "'{file}' has no analysis {}; expected one of its analyses: {}",
            analysis.analysis,
            if ids.is_empty() {
                "none (the review has no analysis)".to_string()
            } else {
                ids.join(", ")
            }
        )));
    };
    let cannot = |why: &str| {
        cell(format!(
            "{which} of '{file}' cannot be re-run: {why}; expected an analysis metapool \
             re-runs"
        ))
    };
    let a = o.analysis.as_ref().map_err(|why| cannot(why))?;
    if let Some(printed) = figure.printed_level() {
        if (printed - a.total_level).abs() > 1e-9 {
            return Err(Failure::Cell(
                "figure",
                format!(
                    "the figure prints a {}% CI, but analysis {} of '{file}' has {}% CIs; \
                     expected a figure at the level of the analysis",
                    printed * 100.0,
                    analysis.analysis,
                    a.total_level * 100.0
                ),
            ));
        }
    }
    let (effect, options) = file_options(a).map_err(|why| cannot(&why))?;
    let run = rerun(&review.source, o, a, &effect, &options, a.model);
    let fit = match analysis.subgroup {
        None => run.overall.as_ref(),
        Some(g) => {
            let Some(group) = run.subgroups.iter().find(|s| s.number == g) else {
                let numbers: Vec<String> =
                    run.subgroups.iter().map(|s| s.number.to_string()).collect();
                return Err(cell(format!(
                    "analysis {} of '{file}' has no subgroup {g}; expected {}",
                    analysis.analysis,
                    if numbers.is_empty() {
                        format!(
                            "the analysis alone ('{file}#{}'): it has no subgroups",
                            analysis.analysis
                        )
                    } else {
                        format!("one of its subgroups: {}", numbers.join(", "))
                    }
                )));
            };
            group.fit.as_ref()
        }
    };
    let fit = fit.map_err(|why| cannot(why))?;
    let model = match a.model {
        Model::Fixed => Pooled::Fixed,
        Model::Random => Pooled::Random,
    };
    let pooled = match (model, &fit.random) {
        (Pooled::Fixed, _) => &fit.fixed.pooled,
        (Pooled::Random, Some(r)) => &r.pooled,
        (Pooled::Random, None) => return Err(cannot("the random-effects model has no fit")),
    };
    let natural = |x: f64| if a.ratio { x.exp() } else { x };
    let (e, lo, hi) = (
        natural(pooled.estimate),
        natural(pooled.ci_lower),
        natural(pooled.ci_upper),
    );
    let d = match figure {
        Figure::Estimate { estimate, .. } => (estimate.decimals as usize + 2).max(4),
        _ => 4,
    };
    let measure = match a.measure {
        crate::effect::Measure::PETO => "Peto OR".to_string(),
        crate::effect::Measure::GEN => o.measure.clone(),
        m => m.to_string(),
    };
    let method = match a.method {
        Method::MantelHaenszel => "M-H",
        Method::InverseVariance => "IV",
        Method::Peto => "Peto",
    };
    let level = if (a.total_level - 0.95).abs() > 1e-9 {
        format!(", {}% CI", a.total_level * 100.0)
    } else {
        String::new()
    };
    let reason = format!(
        "{measure} {e:.d$} ({lo:.d$} to {hi:.d$}), {method} {}{level}, from {file} {which} \
         ({} stud{})",
        kind_name(model),
        fit.k,
        if fit.k == 1 { "y" } else { "ies" }
    );
    Ok(compared(figure, (e, lo, hi), reason))
}

fn no_subgroup(subgroup: &str) -> Failure {
    Failure::Cell(
        "params",
        format!(
            "subgroup={subgroup}: no trial of the inputs is in that subgroup; expected the \
             name of a subgroup of their 'subgroup' column"
        ),
    )
}

fn recompute_candidates(
    figure: &Figure,
    pooling: &Pooling,
    kinds: &[Pooled],
    multiarm: Option<&str>,
    inputs: &[Input],
) -> Checked<Verdict> {
    let s = pooling.settings(pooling.profile);
    let [base_input, candidates_input] = inputs else {
        return Err(Failure::Cell(
            "inputs",
            "recompute_candidates needs two inputs (trials; candidates)".into(),
        ));
    };
    let subgroup = pooling.subgroup.as_deref();
    let fixed_trials = known_trials_in(&table(base_input)?, &base_input.cell, subgroup)?;
    let cand_table = table(candidates_input)?;
    let cand_trials = known_trials_in(&cand_table, &candidates_input.cell, None)?;
    let in_subgroup: Vec<bool> = (0..cand_table.k())
        .map(|i| match (subgroup, &cand_table.subgroup) {
            (Some(s), Some(groups)) => groups[i] == *s,
            (Some(_), None) => false,
            (None, _) => true,
        })
        .collect();
    if let Some(sg) = subgroup {
        if fixed_trials.is_empty() && !in_subgroup.contains(&true) {
            return Err(no_subgroup(sg));
        }
    }
    let ids = &cand_table
        .covariate("candidate")
        .ok_or_else(|| {
            Failure::NotCheckable(
                "inputs",
                format!(
                    "the input '{}' has no column 'candidate'; expected the candidate sets \
                     numbered in it",
                    candidates_input.cell
                ),
            )
        })?
        .values;
    let mut sets: BTreeMap<&str, Vec<KnownTrial>> = BTreeMap::new();
    for ((id, t), keep) in ids.iter().zip(cand_trials).zip(in_subgroup) {
        let set = sets.entry(id).or_default();
        if keep {
            set.push(t);
        }
    }
    let (single, multi): (Vec<KnownTrial>, Vec<KnownTrial>) = fixed_trials
        .iter()
        .cloned()
        .partition(|t| Some(t.study.as_str()) != multiarm);
    // The splits of the multi-arm trial, counted before any is built.
    let variants: Option<TwoComparisons> = match (multiarm, multi.first()) {
        (None, _) => None,
        (Some(m), None) => {
            return Err(Failure::Cell(
                "params",
                format!(
                    "multiarm={m}: no trial of '{}' has that label; expected the study label \
                     of a trial of the first input",
                    base_input.cell
                ),
            ))
        }
        (Some(m), Some(_)) if multi.len() > 1 => {
            return Err(Failure::Cell(
                "params",
                format!(
                    "multiarm={m}: {} trials of '{}' have that label; expected one",
                    multi.len(),
                    base_input.cell
                ),
            ))
        }
        (Some(m), Some(trial)) => {
            let splits = two_comparisons(trial);
            let fits_per_split = (sets.len() as u128).max(1) * kinds.len() as u128;
            if splits.count_up_to(MAX_FITS / fits_per_split).is_none() {
                return Err(Failure::NotCheckable(
                    "params",
                    format!(
                        "multiarm={m}: entering the trial ({}/{} against {}/{}) as two \
                         comparisons means more than {} splits of its arms, each pooled \
                         with {} candidate set{} and {} model{}: beyond the bound of \
                         {MAX_FITS} pooled fits",
                        trial.events_e,
                        trial.n_e,
                        trial.events_c,
                        trial.n_c,
                        MAX_FITS / fits_per_split,
                        sets.len(),
                        if sets.len() == 1 { "" } else { "s" },
                        kinds.len(),
                        if kinds.len() == 1 { "" } else { "s" },
                    ),
                ));
            }
            Some(splits)
        }
    };
    let mut ordered: Vec<(&str, &Vec<KnownTrial>)> = sets.iter().map(|(k, v)| (*k, v)).collect();
    ordered.sort_by_key(|(id, _)| (id.parse::<u64>().unwrap_or(u64::MAX), id.to_string()));
    let mut parts = Vec::new();
    // The first input that reproduces the figure (its figure and its description),
    // and the figure of the first candidate (shown when none does).
    let mut shown: Option<(String, String)> = None;
    let mut first = String::new();
    // (candidate, None) as one comparison; (candidate, Some(v)) as two.
    let mut matched: std::collections::BTreeSet<(String, Option<usize>)> = Default::default();
    let arm = |t: &KnownTrial| format!("{}/{} against {}/{}", t.events_e, t.n_e, t.events_c, t.n_c);
    for &kind in kinds {
        let (mut as_one, mut as_two, mut tried_two) = (Vec::new(), 0usize, 0usize);
        for (id, set) in &ordered {
            let trials: Vec<KnownTrial> = set.iter().chain(&fixed_trials).cloned().collect();
            let (e, lo, hi) =
                pooled_figure(&trials, &s.effect, &s.pool, kind).map_err(pooling_failure)?;
            if first.is_empty() {
                first = figure.format_like(e, lo, hi);
            }
            if figure.matches_estimate(e, lo, hi) {
                as_one.push(id.to_string());
                matched.insert((id.to_string(), None));
                shown.get_or_insert_with(|| {
                    (
                        figure.format_like(e, lo, hi),
                        format!("candidate {id}, {}", kind_name(kind)),
                    )
                });
            }
            for (vi, v) in variants.clone().into_iter().flatten().enumerate() {
                let trials: Vec<KnownTrial> =
                    set.iter().chain(&single).chain(v.iter()).cloned().collect();
                let (e, lo, hi) =
                    pooled_figure(&trials, &s.effect, &s.pool, kind).map_err(pooling_failure)?;
                tried_two += 1;
                if figure.matches_estimate(e, lo, hi) {
                    as_two += 1;
                    matched.insert((id.to_string(), Some(vi)));
                    shown.get_or_insert_with(|| {
                        (
                            figure.format_like(e, lo, hi),
                            format!(
                                "candidate {id}, {}, with '{}' entered as two comparisons \
                                 (events/participants {} and {})",
                                kind_name(kind),
                                multiarm.unwrap_or(""),
                                arm(&v[0]),
                                arm(&v[1])
                            ),
                        )
                    });
                }
            }
        }
        let mut part = format!(
            "with {}, {} of the {} reproduce it{}",
            kind_name(kind),
            as_one.len(),
            sets.len(),
            if as_one.is_empty() || as_one.len() == sets.len() {
                String::new()
            } else {
                format!(" (candidates {})", as_one.join(", "))
            }
        );
        if let (Some(m), Some(trial)) = (multiarm, multi.first()) {
            part += &if tried_two == 0 {
                format!(
                    ", and '{m}' cannot be entered as two comparisons (its experimental arm \
                     of {} cannot be split into two arms of at least one participant)",
                    trial.n_e
                )
            } else {
                format!(
                    ", and {as_two} of {tried_two} do when '{m}' is entered as two comparisons against a halved control group (every split of its arm sizes and events tried)"
                )
            };
        }
        parts.push(part);
    }
    let file = candidates_input
        .path
        .file_name()
        .map_or_else(String::new, |f| f.to_string_lossy().into_owned());
    let reason = format!(
        "{}; the per-trial counts are not known, and {file} lists {} candidate sets \
         that agree with what the sources print: {}",
        s.profile.plain_name(),
        sets.len(),
        parts.join("; ")
    );
    let n = matched.len();
    Ok(match shown {
        Some((figure_shown, which)) => Verdict::new(
            VerdictKind::Consistent,
            figure_shown,
            format!(
                "consistent with {n} of the candidate inputs, not with a unique one; \
                 shown: {which}; {reason}"
            ),
        ),
        None => Verdict::new(
            VerdictKind::NotReproduced,
            first,
            format!("no candidate input reproduces it (shown: the first); {reason}"),
        ),
    })
}

/// A printed p against the null SE of a Mann-Whitney effect (probability of
/// superiority) for arms of n1 and n2: z = (estimate − 1/2)/SE, two-sided p, with the
/// range over the rounding of the estimate.
fn mann_whitney(
    estimate: Printed,
    n1: f64,
    n2: f64,
    relation: Relation,
    value: Printed,
) -> Verdict {
    let se = mann_whitney_null_se(n1, n2);
    let (lo, hi) = estimate.bounds();
    let z = (estimate.value - 0.5) / se;
    let range = (
        normal_two_sided_p((hi - 0.5).abs().max((lo - 0.5).abs()) / se),
        normal_two_sided_p(if lo <= 0.5 && hi >= 0.5 {
            0.0
        } else {
            (lo - 0.5).abs().min((hi - 0.5).abs()) / se
        }),
    );
    let reason = format!(
        "null SE {:.4} for arms of {n1} and {n2}; z = {:.2}; two-sided p {:.1e} (between {:.1e} and {:.1e} within rounding)",
        se, z, normal_two_sided_p(z), range.0, range.1
    );
    let kind = if p_consistent(relation, value, range) {
        VerdictKind::Consistent
    } else {
        VerdictKind::Inconsistent
    };
    Verdict::new(kind, format!("p = {:.1e}", normal_two_sided_p(z)), reason)
}

fn granularity(percents: &[Printed], total: u64) -> Checked<Verdict> {
    let arms = percents.len() as u64;
    let found = allocations(percents, total).map_err(|e| match e {
        Error::Degenerate(m) => Failure::NotCheckable("params", format!("total={total}: {m}")),
        other => Failure::Cell("figure", other.to_string()),
    })?;
    let mut reason = String::new();
    if total.is_multiple_of(arms) {
        let n = total / arms;
        let bad: Vec<String> = percents
            .iter()
            .filter(|q| !percent_attainable(**q, n))
            .map(|q| format!("{}%", q.text()))
            .collect();
        reason += &if bad.is_empty() {
            format!("with equal arms of {n} every percentage is attainable; ")
        } else {
            format!(
                "with equal arms of {n}, {} cannot arise from whole patients; ",
                bad.join(" and ")
            )
        };
    }
    reason += &format!(
        "{} allocations of {total} to {arms} arms make all of them attainable",
        found.count
    );
    if let Some(c) = &found.most_nearly_equal {
        reason += &format!(
            " (the most nearly equal: {})",
            c.iter().map(u64::to_string).collect::<Vec<_>>().join(" + ")
        );
    }
    Ok(if found.count == 0 {
        Verdict::new(VerdictKind::Inconsistent, "", reason)
    } else {
        Verdict::new(
            VerdictKind::Consistent,
            format!("{} allocations", found.count),
            format!("consistent only with some arm sizes: {reason}"),
        )
    })
}

/// A printed range against the relative increase 100 (a/b − 1) and the absolute
/// difference a − b of two printed percentages, each over the rounding of a and b.
fn relative_difference(figure: &str, (lo, hi): (f64, f64), a: Printed, b: Printed) -> Verdict {
    let ((al, ah), (bl, bh)) = (a.bounds(), b.bounds());
    let abs = (al - bh, ah - bl);
    let overlaps = |(x, y): (f64, f64)| x <= hi && lo <= y;
    // A printed b above zero is at least one unit of its last digit, so bl > 0.
    let rel = (b.value > 0.0).then(|| (100.0 * (al / bh - 1.0), 100.0 * (ah / bl - 1.0)));
    let relative = match rel {
        Some(r) => format!(
            "relative increase {:.0}% ({:.0}% to {:.0}% within rounding)",
            100.0 * (a.value / b.value - 1.0),
            r.0,
            r.1
        ),
        None => "no relative increase from 0%".to_string(),
    };
    let reason = format!(
        "{}% vs {}%: {relative}, absolute difference {:.0} points ({:.0} to {:.0})",
        a.text(),
        b.text(),
        a.value - b.value,
        abs.0,
        abs.1
    );
    let recomputed = match rel {
        Some(_) => format!(
            "{:.0}% relative, {:.0} points absolute",
            100.0 * (a.value / b.value - 1.0),
            a.value - b.value
        ),
        None => format!("{:.0} points absolute", a.value - b.value),
    };
    if rel.is_some_and(overlaps) || overlaps(abs) {
        Verdict::new(VerdictKind::Consistent, recomputed, reason)
    } else {
        Verdict::new(
            VerdictKind::Inconsistent,
            recomputed,
            format!("neither is {figure}: {reason}"),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_ranges() {
        assert_eq!(percent_range("34-41%"), Ok((34.0, 41.0)));
        assert_eq!(percent_range("34%"), Ok((34.0, 34.0)));
        assert_eq!(percent_range("34% - 41%"), Ok((34.0, 41.0)));
        assert_eq!(percent_range("-20--10%"), Ok((-20.0, -10.0)));
        for bad in ["41-34%", "banana", "34-41", "é-41%", "·%", "%", "-%"] {
            assert!(percent_range(bad).is_err(), "{bad}");
        }
    }

    /// A Mann-Whitney effect printed as 0.50 stands for [0.495, 0.505], which holds the
    /// null 1/2: the largest p within rounding is 1 (it was taken at the nearer end of
    /// the interval, 0.86 for arms of 221, and `P > 0.9` was inconsistent).
    #[test]
    fn mann_whitney_p_range_reaches_1_when_the_rounding_holds_the_null() {
        let half = Printed::parse("0.50").expect("number");
        let above = Printed::parse("0.9").expect("number");
        let v = mann_whitney(half, 221.0, 221.0, Relation::Above, above);
        assert_eq!(v.kind, VerdictKind::Consistent, "{v}");
        assert!(v.reason.contains("and 1.0e0 within rounding"), "{v}");
    }

    fn sum_claim(i: usize) -> Claim {
        Claim {
            id: format!("c{i}"),
            document: String::new(),
            claim: String::new(),
            figure: format!("{i}"),
            measures: String::new(),
            inputs: "none".into(),
            check: "sum".into(),
            params: format!("parts={i}"),
            notes: String::new(),
        }
    }

    /// The verdict cache stays bounded however many distinct claims it is asked about.
    #[test]
    fn the_verdict_cache_is_bounded() {
        let base = Base::new(Path::new("."), AuditOptions::default());
        let mut cache = VerdictCache::new();
        for i in 0..(3 * VerdictCache::ENTRIES) {
            let claim = sum_claim(i);
            let (check, inputs) = validate(&claim, &base).unwrap_or_else(|_| panic!("claim {i}"));
            let v = cache
                .verdict(&claim, &check, &inputs)
                .unwrap_or_else(|_| panic!("claim {i}"));
            assert_eq!(v.kind, VerdictKind::Consistent);
            assert!(cache.len() <= VerdictCache::ENTRIES);
        }
    }

    /// A check's parameters are values when read: the sum's parts, a default model.
    #[test]
    fn checks_are_typed_when_read() {
        let base = Base::new(Path::new("."), AuditOptions::default());
        let (check, _) = validate(&sum_claim(7), &base).expect("a sum");
        let Check::Sum { parts, written, .. } = check else {
            panic!("{check:?}");
        };
        assert_eq!((parts, written.as_str()), (vec![7.0], "7"));
        let unknown = Claim {
            check: "sums".into(),
            ..sum_claim(1)
        };
        let Err((column, message)) = validate(&unknown, &base) else {
            panic!("an unknown check was read");
        };
        assert_eq!(column, "check");
        assert!(message.contains("unknown check 'sums'"), "{message}");
    }

    /// An input cell with `#` names a review analysis: the last `#` separates the file
    /// from the number, which has two or three whole numbers.
    #[test]
    fn review_analysis_cells() {
        let read = |cell: &str| ReviewAnalysis::parse(cell).map(|r| r.map(|a| a.number()));
        assert_eq!(read("t.csv"), None);
        assert_eq!(read("review.rm5#1.2"), Some(Ok("1.2".to_string())));
        assert_eq!(read(" a#b.rm5 # 01.4.2 "), Some(Ok("1.4.2".to_string())));
        let Some(Ok(a)) = ReviewAnalysis::parse("a#b.rm5#1.4.2") else {
            panic!("not read");
        };
        assert_eq!((a.file.as_str(), a.analysis.as_str()), ("a#b.rm5", "1.4"));
        assert_eq!(a.subgroup, Some(2));
        for bad in [
            "review.rm5#",
            "#1.2",
            "review.rm5#1",
            "review.rm5#1.2.3.4",
            "review.rm5#1..2",
            "review.rm5#1.x",
            "review.rm5#-1.2",
            "review.rm5#+1.2",
            "review.rm5#1.2.0",
            "review.rm5#99999999999.1",
        ] {
            assert!(matches!(read(bad), Some(Err(_))), "{bad}");
        }
    }

    #[test]
    fn whole_numbers_of_participants() {
        assert_eq!(participants("186", "total"), Ok(186));
        for bad in [
            "10.5",
            "0",
            "-5",
            "NaN",
            "inf",
            "1e30",
            "9007199254740993",
            "",
        ] {
            assert!(participants(bad, "total").is_err(), "{bad}");
        }
    }
}
