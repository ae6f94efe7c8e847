//! The claims registry and the checks behind `metapool audit`.
//!
//! A registry is a CSV file (`data/claims.csv`) with one claim per row and the columns
//! `id, document, claim, figure, measures, inputs, check, params, notes`:
//! `figure` is the printed figure to check (see [`Figure`]), `inputs` the study tables
//! (paths relative to the registry's folder, `;`-separated, or `none`), `check` one of
//! the kinds below, and `params` its settings as `key=value; key=value`.
//!
//! | check | figure | what it does | params |
//! |---|---|---|---|
//! | `recompute` | an estimate, with or without its CI | pools the input (binary tables) and compares at the printed precision | `measure` (RR, OR, RD or PETO), `profile`, optional `fixed`, `tau2` (or `none`), `pooled` (`fixed`/`random`, default `fixed`), `level` (default 95), `subgroup`, `compare_profile` with optional `compare_note` |
//! | `recompute_candidates` | as `recompute` | as `recompute`, once per candidate set (input 2 has a `candidate` column) added to input 1; for each listed `pooled` model | as `recompute`; `pooled` may list `fixed,random`; `multiarm` names a trial of input 1 to try also as two comparisons ([`two_comparisons`]) |
//! | `ci_consistency` | an estimate with its CI | estimate against its CI; implied SE, z and p | `scale` (`difference`/`ratio`, default `difference`), `level` (default 95) |
//! | `mann_whitney_p` | a probability in [0, 1], no CI | a printed p against the null SE of a Mann-Whitney effect | `n1`, `n2`, `p` |
//! | `sum` | a number | parts against a printed total | `parts` (`a+b+...`) |
//! | `granularity_percent` | `;`-separated percentages in [0, 100] | the percentages against a total split into arms | `total` |
//! | `relative_difference` | a range `a-b%` or one value `a%` | a printed range against the relative and absolute differences of two percentages | `a`, `b` (percentages) |
//! | `none` | anything | nothing can be checked | `missing` (what is missing) |
//!
//! Only `recompute` (one input or more) and `recompute_candidates` (two) read inputs;
//! the other checks take `none`. Values of `measure`, `profile`, `fixed`, `tau2`,
//! `pooled` and `scale` are read without regard to case; `n1`, `n2` and `total` are
//! whole numbers of participants from 1 to 2^53.
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
//! holds.
//!
//! # Bounds on work
//! - `multiarm`: the splits of the named trial are counted first
//!   ([`TwoComparisons::count_up_to`]); more than [`MAX_FITS`] pooled fits (splits ×
//!   candidate sets × models) is not checkable;
//! - `granularity_percent`: beyond
//!   [`MAX_ALLOCATION_WORK`](super::granularity::MAX_ALLOCATION_WORK) it is not checkable.
//!
//! Verdicts are kept for the thread by the figure, check, params and the bytes of the
//! inputs, so that two registries that check one figure the same way (the Cochrane
//! figures and a web page quoting one) run it once, and an input that changed is read
//! anew.

use super::consistency::{check_ci, mann_whitney_null_se, p_consistent, Scale};
use super::figure::{Figure, Printed, Relation};
use super::granularity::{allocations, percent_attainable, sums_to};
use super::reconstruct::{pooled_figure, two_comparisons, KnownTrial, Pooled, TwoComparisons};
use super::{Verdict, VerdictKind};
use crate::data::{read_csv_reader, Records, StudyData, StudyTable};
use crate::distribution::normal_two_sided_p;
use crate::effect::Measure;
use crate::error::{Error, Result};
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
    /// Input files, `;`-separated, or `none`.
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
    /// Each input: its cell and the path it resolves to.
    inputs: Vec<(String, PathBuf)>,
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
            let inputs = validate(&claim, &base)
                .map_err(|(column, m)| at(row, column, format!("claim {}: {m}", claim.id)))?;
            rows.push(Row { row, claim, inputs });
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

    /// The files the claims' inputs resolve to, claim by claim (inside the registry's
    /// folder unless [`AuditOptions::allowing_outside`] was asked for).
    pub fn input_paths(&self) -> impl Iterator<Item = &Path> {
        self.rows
            .iter()
            .flat_map(|r| r.inputs.iter().map(|(_, p)| p.as_path()))
    }

    /// Audits every claim, in order.
    ///
    /// # Errors
    /// [`Error::Input`] naming the registry, row and column for a cell found wrong when
    /// its check runs (a `subgroup` or `multiarm` that names nothing in the inputs). A
    /// check that cannot run on its data gets a `not checkable` verdict naming the row
    /// and column instead, so one bad row does not hide the others.
    pub fn audit(&self) -> Result<Vec<Audited>> {
        self.rows
            .iter()
            .map(|r| {
                let verdict = match audit_cached(&r.claim, &r.inputs) {
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
    let inputs =
        validate(claim, &Base::new(base, AuditOptions::default())).map_err(|(c, m)| cell(c, m))?;
    match audit_cached(claim, &inputs) {
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

/// An input read for a check: its cell, its path, its bytes.
struct Input {
    cell: String,
    path: PathBuf,
    bytes: Vec<u8>,
}

/// The verdict cache key: figure, check, params, and each input's path and bytes.
type Key = (String, String, String, Vec<(String, Vec<u8>)>);

thread_local! {
    /// Verdicts of checks already run in this thread (see the module documentation).
    static DONE: std::cell::RefCell<BTreeMap<Key, Verdict>> =
        const { std::cell::RefCell::new(BTreeMap::new()) };
}

/// The cache holds at most this many verdicts (it is emptied when full) ...
const CACHE_ENTRIES: usize = 64;
/// ... each with inputs of at most this many bytes (larger ones are not kept), so that
/// a long-lived thread auditing many registries holds at most 64 MiB of keys.
const CACHE_KEY_BYTES: usize = 1 << 20;

/// Reads the inputs once, and runs the check unless the same figure, check, params and
/// input bytes have a verdict already.
fn audit_cached(claim: &Claim, inputs: &[(String, PathBuf)]) -> Checked<Verdict> {
    let mut read = Vec::with_capacity(inputs.len());
    for (cell, path) in inputs {
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
        });
    }
    let key: Key = (
        claim.figure.clone(),
        claim.check.clone(),
        claim.params.clone(),
        read.iter()
            .map(|i| (i.path.display().to_string(), i.bytes.clone()))
            .collect(),
    );
    if let Some(v) = DONE.with(|d| d.borrow().get(&key).cloned()) {
        return Ok(v);
    }
    let v = run(claim, &read)?;
    if key.3.iter().map(|(_, b)| b.len()).sum::<usize>() <= CACHE_KEY_BYTES {
        DONE.with(|d| {
            let mut d = d.borrow_mut();
            if d.len() >= CACHE_ENTRIES {
                d.clear();
            }
            d.insert(key, v.clone());
        });
    }
    Ok(v)
}

/// The parameters of each check: required, then optional.
const CHECKS: &[(&str, &[&str], &[&str])] = &[
    (
        "recompute",
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
    (
        "recompute_candidates",
        &["measure", "profile"],
        &["fixed", "tau2", "pooled", "level", "subgroup", "multiarm"],
    ),
    ("ci_consistency", &[], &["scale", "level"]),
    ("mann_whitney_p", &["n1", "n2", "p"], &[]),
    ("sum", &["parts"], &[]),
    ("granularity_percent", &["total"], &[]),
    ("relative_difference", &["a", "b"], &[]),
    ("none", &[], &["missing"]),
];

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

    /// The path of an input cell. Unless inputs may leave the folder, an absolute path
    /// or a `..` that climbs out of it is refused before anything is opened, and a path
    /// that leads out through a symbolic link after its links are resolved.
    fn resolve(&self, cell: &str) -> std::result::Result<PathBuf, String> {
        let outside = |why: &str| {
            format!(
                "'{cell}' {why}; expected a study table inside the registry's folder (paths \
                 relative to it, separated by ';'), or --allow-outside to read files \
                 elsewhere"
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
        let missing = || {
            format!(
                "no file '{cell}' in the registry's folder; expected a study table (paths \
                 relative to the registry's folder, separated by ';')"
            )
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
        if !path.is_file() {
            return Err(missing());
        }
        Ok(path)
    }
}

/// The cells of `inputs` that name files.
fn input_cells(inputs: &str) -> Vec<&str> {
    inputs
        .split(';')
        .map(str::trim)
        .filter(|s| !s.is_empty() && !s.eq_ignore_ascii_case("none"))
        .collect()
}

/// Checks a claim's check, parameters, figure and inputs; returns the inputs resolved.
/// The error names the column.
fn validate(
    claim: &Claim,
    base: &Base,
) -> std::result::Result<Vec<(String, PathBuf)>, (&'static str, String)> {
    let Some((_, required, optional)) = CHECKS.iter().find(|(c, ..)| *c == claim.check) else {
        let known: Vec<&str> = CHECKS.iter().map(|(c, ..)| *c).collect();
        return Err((
            "check",
            format!(
                "unknown check '{}'; expected one of {}",
                claim.check,
                known.join(", ")
            ),
        ));
    };
    let p = parse_params(&claim.params).map_err(|e| ("params", e))?;
    check_figure(claim, &p).map_err(|e| ("figure", e))?;
    check_params(claim, &p, required, optional).map_err(|e| ("params", e))?;
    let cells = input_cells(&claim.inputs);
    let (min, max, what) = match claim.check.as_str() {
        "recompute" => (1, usize::MAX, "at least one study table"),
        "recompute_candidates" => (2, 2, "two files: the trials; the candidates"),
        _ => (0, 0, "none: the check reads no file"),
    };
    if cells.len() < min || cells.len() > max {
        return Err((
            "inputs",
            format!(
                "{} input{} for {}; expected {what}",
                cells.len(),
                if cells.len() == 1 { "" } else { "s" },
                claim.check
            ),
        ));
    }
    cells
        .iter()
        .map(|c| base.resolve(c).map(|path| (c.to_string(), path)))
        .collect::<std::result::Result<_, _>>()
        .map_err(|e| ("inputs", e))
}

/// The figure must be of the kind its check reads.
fn check_figure(claim: &Claim, p: &BTreeMap<String, String>) -> std::result::Result<(), String> {
    let text = claim.figure.as_str();
    let check = claim.check.as_str();
    let read = |t: &str| Figure::parse(t).map_err(|e| e.to_string());
    match check {
        "none" => Ok(()),
        "relative_difference" => percent_range(text).map(drop),
        "granularity_percent" => {
            for part in text.split(';') {
                match Figure::parse(part) {
                    Ok(Figure::Percent(q)) if (0.0..=100.0).contains(&q.value) => {}
                    _ => {
                        return Err(format!(
                            "'{}': expected percentages in [0, 100] separated by ';' \
                             ('41%; 28%; 19%')",
                            part.trim()
                        ))
                    }
                }
            }
            Ok(())
        }
        "sum" => Printed::parse(text)
            .map(drop)
            .map_err(|_| format!("'{text}': expected a printed total such as '1070'")),
        "mann_whitney_p" => match read(text)? {
            Figure::Estimate {
                estimate, ci: None, ..
            } if (0.0..=1.0).contains(&estimate.value) => Ok(()),
            _ => Err(format!(
                "'{text}': expected a Mann-Whitney effect alone, a probability in [0, 1] \
                 such as '0.62' (the check uses no CI)"
            )),
        },
        _ => {
            let Figure::Estimate { estimate, ci, .. } = read(text)? else {
                return Err(format!(
                    "'{text}': expected an estimate{} such as '2.39 (1.10 to 5.23)'",
                    if check == "ci_consistency" {
                        " with its CI"
                    } else {
                        ", with or without its CI,"
                    }
                ));
            };
            if check == "ci_consistency" && ci.is_none() {
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
            // A ratio (the ratio scale, or a ratio measure) cannot be below 0.
            let ratio = match check {
                "ci_consistency" => {
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
            Ok(())
        }
    }
}

/// The parameters of a check: known keys, required ones present, values readable, and
/// combinations that can be computed.
fn check_params(
    claim: &Claim,
    p: &BTreeMap<String, String>,
    required: &[&str],
    optional: &[&str],
) -> std::result::Result<(), String> {
    let text = |e: Error| match e {
        Error::InvalidArgument(m) => m,
        other => other.to_string(),
    };
    for key in p.keys() {
        if !required.contains(&key.as_str()) && !optional.contains(&key.as_str()) {
            let mut known: Vec<&str> = required.iter().chain(optional.iter()).copied().collect();
            known.sort_unstable();
            return Err(format!(
                "the check {} takes no parameter '{key}'; expected {}",
                claim.check,
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
                claim.check
            ));
        }
    }
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
            }
            "profile" | "compare_profile" => {
                value.parse::<Profile>().map(drop).map_err(text)?;
            }
            "fixed" => value.parse::<FixedMethod>().map(drop).map_err(text)?,
            "tau2" => tau2_param(value).map(drop).map_err(text)?,
            "pooled" => {
                let kinds = pooled_kinds(p).map_err(text)?;
                if claim.check == "recompute" && kinds.len() > 1 {
                    return Err(format!(
                        "pooled={value}: expected one model (fixed or random) for recompute"
                    ));
                }
            }
            "level" => level_param(value).map(drop).map_err(text)?,
            "scale" => scale_param(value).map(drop).map_err(text)?,
            "n1" | "n2" | "total" => {
                participants(value, key).map(drop)?;
            }
            "p" => match Figure::parse(value) {
                Ok(Figure::PValue { value: v, .. }) if (0.0..=1.0).contains(&v.value) => {}
                _ => {
                    return Err(format!(
                        "p={value}: expected a p-value in [0, 1] such as 'P < 0.0001'"
                    ))
                }
            },
            "parts" => {
                for x in value.split('+') {
                    finite(x, "parts")?;
                }
            }
            "a" | "b" => match Printed::parse(value) {
                Ok(q) if (0.0..=100.0).contains(&q.value) => {}
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
            }
        }
    }
    if p.contains_key("compare_note") && !p.contains_key("compare_profile") {
        return Err(
            "compare_note without compare_profile: the note describes the comparison; \
             expected compare_profile=<profile> beside it"
                .into(),
        );
    }
    if p.contains_key("measure") {
        // The settings the check will pool with must be computable.
        let kinds = pooled_kinds(p).map_err(text)?;
        for key in ["profile", "compare_profile"] {
            if !p.contains_key(key) {
                continue;
            }
            let s = settings(p, key).map_err(text)?;
            let m = s.effect.measure;
            match s.pool.fixed {
                FixedMethod::MantelHaenszel
                    if !matches!(m, Measure::RR | Measure::OR | Measure::RD) =>
                {
                    return Err(format!(
                        "fixed=mh with measure={m}: Mantel-Haenszel pools OR, RR or RD; \
                         expected one of those or fixed=iv"
                    ))
                }
                FixedMethod::Peto if !matches!(m, Measure::OR | Measure::PETO) => {
                    return Err(format!(
                        "fixed=peto with measure={m}: Peto's method pools odds ratios; \
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
    Ok(())
}

fn tau2_param(value: &str) -> Result<Option<Tau2Method>> {
    if value.eq_ignore_ascii_case("none") {
        Ok(None)
    } else {
        value.parse::<Tau2Method>().map(Some)
    }
}

fn level_param(value: &str) -> Result<f64> {
    let x = finite(value, "level").map_err(Error::InvalidArgument)?;
    crate::level::Level::from_user(x)
        .map(crate::level::Level::proportion)
        .map_err(|e| Error::InvalidArgument(format!("level={e}")))
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

/// A claim's parameters; [`Registry::read`] has checked them.
/// The claim's params; for a check with a level, the level printed with the figure's
/// CI (`90% CI`) is its `level` when the params give none, and must agree with it
/// when they do.
fn params(claim: &Claim) -> Checked<BTreeMap<String, String>> {
    let mut p = parse_params(&claim.params).map_err(|e| Failure::Cell("params", e))?;
    let with_level = ["recompute", "recompute_candidates", "ci_consistency"];
    if with_level.contains(&claim.check.as_str()) {
        let printed = cell("figure", Figure::parse(&claim.figure))?.printed_level();
        if let Some(printed) = printed {
            match p.get("level") {
                None => {
                    p.insert("level".into(), format!("{}", printed * 100.0));
                }
                Some(given) => {
                    let given_level = cell("params", level_param(given))?;
                    if (given_level - printed).abs() > 1e-9 {
                        return Err(Failure::Cell(
                            "params",
                            format!(
                                "level={given} but the figure prints a {}% CI; give the \
                                 level the figure was printed at",
                                printed * 100.0
                            ),
                        ));
                    }
                }
            }
        }
    }
    Ok(p)
}

fn param<'a>(p: &'a BTreeMap<String, String>, key: &str) -> Checked<&'a str> {
    p.get(key)
        .map(String::as_str)
        .ok_or_else(|| Failure::Cell("params", format!("the check needs the parameter '{key}'")))
}

/// A cell [`Registry::read`] has checked, read again: a failure is a wrong cell.
fn cell<T>(column: &'static str, r: std::result::Result<T, impl std::fmt::Display>) -> Checked<T> {
    r.map_err(|e| Failure::Cell(column, e.to_string()))
}

/// The failure of a pooling: not checkable, blamed on the parameters for an option the
/// pooling refuses and on the inputs otherwise (a computation with no answer).
fn pooling(e: Error) -> Failure {
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
        (Some(s), Some(groups)) => groups[i] == s,
        (Some(_), None) => false,
    };
    Ok((0..table.k())
        .filter(|&i| keep(i))
        .map(|i| KnownTrial {
            study: table.labels[i].clone(),
            events_e: b.events_e[i] as u64,
            n_e: b.n_e[i] as u64,
            events_c: b.events_c[i] as u64,
            n_c: b.n_c[i] as u64,
        })
        .collect())
}

/// The pooling settings named by a claim's params.
struct Settings {
    profile: Profile,
    effect: crate::effect::EffectOptions,
    pool: crate::model::PoolOptions,
}

fn settings(p: &BTreeMap<String, String>, profile_key: &str) -> Result<Settings> {
    let get = |k: &str| {
        p.get(k)
            .ok_or_else(|| Error::InvalidArgument(format!("the check needs the parameter '{k}'")))
    };
    let measure: Measure = get("measure")?.parse()?;
    let profile: Profile = get(profile_key)?.parse()?;
    let fixed = p
        .get("fixed")
        .map(|f| f.parse::<FixedMethod>())
        .transpose()?;
    let (effect, mut pool) = profile.options(measure, crate::data::DataType::Binary, fixed);
    if let Some(t) = p.get("tau2") {
        pool.tau2 = tau2_param(t)?;
    }
    if let Some(level) = p.get("level") {
        // The level of the recomputed figure; the level of an input's own intervals is
        // a property of the input (its `ci_level` column, else 95%).
        pool.level = crate::level::Level::new(level_param(level)?)?;
    }
    Ok(Settings {
        profile,
        effect,
        pool,
    })
}

/// The pooled models a claim names (`pooled=fixed`, `random` or `fixed,random`, in any
/// case; default fixed), each once.
fn pooled_kinds(p: &BTreeMap<String, String>) -> Result<Vec<Pooled>> {
    let mut kinds = Vec::new();
    for s in p.get("pooled").map_or("fixed", String::as_str).split(',') {
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
                "pooled={}: {} is listed twice; expected each model once",
                p["pooled"],
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

/// Runs one checked claim on its inputs.
fn run(claim: &Claim, inputs: &[Input]) -> Checked<Verdict> {
    let p = params(claim)?;
    match claim.check.as_str() {
        "recompute" => recompute(claim, &p, inputs),
        "recompute_candidates" => recompute_candidates(claim, &p, inputs),
        "ci_consistency" => {
            let Figure::Estimate {
                estimate,
                ci: Some((lo, hi)),
                ..
            } = cell("figure", Figure::parse(&claim.figure))?
            else {
                return Err(Failure::Cell(
                    "figure",
                    "expected an estimate with its CI".into(),
                ));
            };
            let scale = cell("params", p.get("scale").map(|s| scale_param(s)).transpose())?
                .unwrap_or(Scale::Difference);
            let level =
                cell("params", p.get("level").map(|l| level_param(l)).transpose())?.unwrap_or(0.95);
            let implied = match check_ci(estimate, lo, hi, scale, level) {
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
        "mann_whitney_p" => {
            let Figure::Estimate { estimate, .. } = cell("figure", Figure::parse(&claim.figure))?
            else {
                return Err(Failure::Cell("figure", "expected an estimate".into()));
            };
            let n1 = cell("params", participants(param(&p, "n1")?, "n1"))? as f64;
            let n2 = cell("params", participants(param(&p, "n2")?, "n2"))? as f64;
            let Figure::PValue { relation, value } =
                cell("params", Figure::parse(param(&p, "p")?))?
            else {
                return Err(Failure::Cell(
                    "params",
                    "p must be a p-value such as 'P < 0.0001'".into(),
                ));
            };
            Ok(mann_whitney(estimate, n1, n2, relation, value))
        }
        "sum" => {
            let total = cell("figure", Printed::parse(&claim.figure))?;
            let parts: Vec<f64> = param(&p, "parts")?
                .split('+')
                .map(|x| cell("params", finite(x, "parts")))
                .collect::<Checked<_>>()?;
            let sum: f64 = parts.iter().sum();
            Ok(if sums_to(&parts, total.value) {
                Verdict::new(
                    VerdictKind::Consistent,
                    format!("{sum}"),
                    format!("{} = {sum}", p["parts"]),
                )
            } else {
                Verdict::new(
                    VerdictKind::Inconsistent,
                    format!("{sum}"),
                    format!("{} = {sum}, not {}", p["parts"], total.text()),
                )
            })
        }
        "granularity_percent" => granularity(claim, &p),
        "relative_difference" => relative_difference(claim, &p),
        "none" => Ok(Verdict::new(
            VerdictKind::NotCheckable,
            "",
            format!(
                "missing: {}",
                p.get("missing").map_or("the inputs", String::as_str)
            ),
        )),
        other => Err(Failure::Cell("check", format!("unknown check '{other}'"))),
    }
}

fn recompute(claim: &Claim, p: &BTreeMap<String, String>, inputs: &[Input]) -> Checked<Verdict> {
    let figure = cell("figure", Figure::parse(&claim.figure))?;
    let s = cell("params", settings(p, "profile"))?;
    let subgroup = p.get("subgroup").map(String::as_str);
    let mut trials = Vec::new();
    for input in inputs {
        trials.extend(known_trials_in(&table(input)?, &input.cell, subgroup)?);
    }
    if let Some(sg) = subgroup {
        if trials.is_empty() {
            return Err(no_subgroup(sg));
        }
    }
    let kind = cell("params", pooled_kinds(p))?[0];
    let (e, lo, hi) = pooled_figure(&trials, &s.effect, &s.pool, kind).map_err(pooling)?;
    let recomputed = figure.format_like(e, lo, hi);
    let mut reason = format!(
        "{} ({}), {} trial{}",
        s.profile.plain_name(),
        kind_name(kind),
        trials.len(),
        if trials.len() == 1 { "" } else { "s" }
    );
    if p.contains_key("compare_profile") {
        let o = cell("params", settings(p, "compare_profile"))?;
        let (e2, lo2, hi2) = pooled_figure(&trials, &o.effect, &o.pool, kind).map_err(pooling)?;
        reason += &format!(
            "; {} give {} ({})",
            o.profile.plain_name(),
            figure.format_like(e2, lo2, hi2),
            p.get("compare_note")
                .map_or("another convention", String::as_str)
        );
    }
    Ok(if figure.matches_estimate(e, lo, hi) {
        Verdict::new(VerdictKind::Reproduced, recomputed, reason)
    } else {
        Verdict::new(
            VerdictKind::NotReproduced,
            recomputed.clone(),
            format!("recomputed {recomputed}; {reason}"),
        )
    })
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
    claim: &Claim,
    p: &BTreeMap<String, String>,
    inputs: &[Input],
) -> Checked<Verdict> {
    let figure = cell("figure", Figure::parse(&claim.figure))?;
    let s = cell("params", settings(p, "profile"))?;
    let [base_input, candidates_input] = inputs else {
        return Err(Failure::Cell(
            "inputs",
            "recompute_candidates needs two inputs (trials; candidates)".into(),
        ));
    };
    let subgroup = p.get("subgroup").map(String::as_str);
    let fixed_trials = known_trials_in(&table(base_input)?, &base_input.cell, subgroup)?;
    let cand_table = table(candidates_input)?;
    let cand_trials = known_trials_in(&cand_table, &candidates_input.cell, None)?;
    let in_subgroup: Vec<bool> = (0..cand_table.k())
        .map(|i| match (subgroup, &cand_table.subgroup) {
            (Some(s), Some(groups)) => groups[i] == s,
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
        let set = sets.entry(id.as_str()).or_default();
        if keep {
            set.push(t);
        }
    }
    let kinds = cell("params", pooled_kinds(p))?;
    let multiarm = p.get("multiarm");
    let (single, multi): (Vec<KnownTrial>, Vec<KnownTrial>) = fixed_trials
        .iter()
        .cloned()
        .partition(|t| Some(&t.study) != multiarm);
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
    for &kind in &kinds {
        let (mut as_one, mut as_two, mut tried_two) = (Vec::new(), 0usize, 0usize);
        for (id, set) in &ordered {
            let trials: Vec<KnownTrial> = set.iter().chain(&fixed_trials).cloned().collect();
            let (e, lo, hi) = pooled_figure(&trials, &s.effect, &s.pool, kind).map_err(pooling)?;
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
                    pooled_figure(&trials, &s.effect, &s.pool, kind).map_err(pooling)?;
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
                                multiarm.map_or("", String::as_str),
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

fn granularity(claim: &Claim, p: &BTreeMap<String, String>) -> Checked<Verdict> {
    let percents: Vec<Printed> = claim
        .figure
        .split(';')
        .map(|s| match cell("figure", Figure::parse(s))? {
            Figure::Percent(q) => Ok(q),
            _ => Err(Failure::Cell(
                "figure",
                format!("'{}' is not a percentage", s.trim()),
            )),
        })
        .collect::<Checked<_>>()?;
    let total = cell("params", participants(param(p, "total")?, "total"))?;
    let arms = percents.len() as u64;
    let found = allocations(&percents, total).map_err(|e| match e {
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
fn relative_difference(claim: &Claim, p: &BTreeMap<String, String>) -> Checked<Verdict> {
    let (lo, hi) = cell("figure", percent_range(&claim.figure))?;
    let a = cell("params", Printed::parse(param(p, "a")?))?;
    let b = cell("params", Printed::parse(param(p, "b")?))?;
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
    Ok(if rel.is_some_and(overlaps) || overlaps(abs) {
        Verdict::new(VerdictKind::Consistent, recomputed, reason)
    } else {
        Verdict::new(
            VerdictKind::Inconsistent,
            recomputed,
            format!("neither is {}: {reason}", claim.figure),
        )
    })
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

    /// The verdict cache stays bounded however many distinct claims a thread audits.
    #[test]
    fn the_verdict_cache_is_bounded() {
        for i in 0..(3 * CACHE_ENTRIES) {
            let claim = Claim {
                id: format!("c{i}"),
                document: String::new(),
                claim: String::new(),
                figure: format!("{i}"),
                measures: String::new(),
                inputs: "none".into(),
                check: "sum".into(),
                params: format!("parts={i}"),
                notes: String::new(),
            };
            let v = audit_cached(&claim, &[]).unwrap_or_else(|_| panic!("claim {i}"));
            assert_eq!(v.kind, VerdictKind::Consistent);
            assert!(DONE.with(|d| d.borrow().len()) <= CACHE_ENTRIES);
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
