//! RevMan 5 "Data and analyses" CSV exports.
//!
//! The export has one row per comparison, outcome, subgroup and study, with the columns
//! `Comparison Number, Outcome Number, Subgroup Number, Name, Data Type, Statistical
//! Method, Effect Measure, Analysis Model, Events 1, Mean 1, SD 1, Total 1, Events 2,
//! Mean 2, SD 2, Total 2, Effect Estimate, SE, CI Start, CI End, Weight, Q, P(Q), I²(Q),
//! Tau², Z, P(Z), Qint, P(Qint), I²(Qint), df, …` (header names are matched ignoring
//! case, spaces and the `²`/`2` spelling; columns the wizard left out are simply not
//! checked). The layout follows a real export (`tests/revman/Fleiss93_CR.csv`, the
//! export R's meta package ships as an example, read by its `read.rm5`):
//! - a **comparison** row has Outcome Number 0 (or empty) and only names things;
//! - an **outcome** row has Subgroup Number 0 (or empty) and a `Statistical Method`: it
//!   carries the analysis's data type (`DIC`, `CON`; the long names `Dichotomous`,
//!   `Continuous` are accepted too), method (`MH`, `IV`, `PETO`), measure (`OR`, `RR`,
//!   `RD`, `PETO_OR`, `MD`, `SMD`, or the long names), model (`Fixed`, `Random`) and the
//!   printed pooled figures (its Events/Total cells are the analysis totals);
//! - a **subgroup** row has a Subgroup Number above 0 and a `Data Type` (or, in an
//!   export without those cells, no totals): its figures are the subgroup's pooled
//!   result;
//! - a **study** row has both `Total 1` and `Total 2` and neither `Data Type` nor
//!   `Statistical Method`; its Subgroup Number (0: none) places it. Dichotomous studies
//!   carry means and SDs of 0, continuous ones events of 0: the cells of the other data
//!   type are ignored.
//!
//! Studies belong to the outcome and subgroup whose numbers they carry. Group 1 is the
//! experimental arm (`_e`), group 2 the control arm (`_c`).

use super::{BinaryArms, ContinuousArms, StudyData, StudyTable};
use crate::error::{Error, Result};
use std::collections::BTreeMap;
use std::path::Path;

/// Printed figures of a pooled row (outcome or subgroup) or a study row, as text (the
/// number of printed decimals matters).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PrintedRow {
    /// The row's name (study ID, subgroup or outcome name).
    pub name: String,
    /// Row number in the file (header = 1).
    pub row: usize,
    /// Column name → printed text, for the figure columns that are not empty.
    pub figures: BTreeMap<String, String>,
}

/// One outcome (analysis) of an export.
#[derive(Debug, Clone, PartialEq)]
pub struct RevManOutcome {
    /// "comparison.outcome", e.g. "1.4".
    pub id: String,
    /// The outcome's name.
    pub name: String,
    /// `DIC` (dichotomous) or `CON` (continuous); others are reported but not re-run.
    pub data_type: String,
    /// `MH`, `IV` or `PETO` (or `Mantel-Haenszel`, `Inverse Variance`, `Peto`).
    pub method: String,
    /// `RR`, `OR`, `RD`, `PETO_OR`, `MD`, `SMD` (or `Risk Ratio`, `Odds Ratio`, …).
    pub measure: String,
    /// `Fixed` or `Random` (or `Fixed effect`, `Random effects`).
    pub model: String,
    /// The outcome row's printed figures.
    pub pooled: PrintedRow,
    /// Subgroup number → its printed row.
    pub subgroups: BTreeMap<String, PrintedRow>,
    /// The studies, with their subgroup numbers in `subgroup`.
    pub table: Option<StudyTable>,
    /// Each study's printed row, in table order.
    pub studies: Vec<PrintedRow>,
}

/// The figure columns compared with the recomputation (the arm totals only on pooled
/// rows, where they are sums of the studies').
pub const FIGURE_COLUMNS: [&str; 19] = [
    "events 1",
    "total 1",
    "events 2",
    "total 2",
    "effect estimate",
    "ci start",
    "ci end",
    "weight",
    "q",
    "p(q)",
    "i2(q)",
    "tau2",
    "z",
    "p(z)",
    "se",
    "qint",
    "p(qint)",
    "i2(qint)",
    "df",
];

/// A Comparison, Outcome or Subgroup Number that names none: empty or 0.
fn is_none(number: &str) -> bool {
    number.is_empty() || number == "0"
}

/// A cell as text: UTF-8, or else Latin-1 (one character a byte), the code page of
/// exports written on Windows (`I²(Q)` is the byte 0xB2 there).
fn text(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) => s.trim().to_string(),
        Err(_) => bytes
            .iter()
            .map(|&b| char::from(b))
            .collect::<String>()
            .trim()
            .to_string(),
    }
}

fn norm(h: &str) -> String {
    h.trim().to_lowercase().replace('²', "2")
}

/// Reads a RevMan 5 export.
///
/// # Errors
/// [`Error::Io`] when unreadable; [`Error::Input`] with row and column for a missing
/// column or a study cell that is not a number.
pub fn read_revman(path: &Path) -> Result<Vec<RevManOutcome>> {
    let file = path.display().to_string();
    let mut rdr = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(true)
        .from_path(path)
        .map_err(|e| Error::Io {
            file: file.clone(),
            source: std::io::Error::other(e.to_string()),
        })?;
    let header: Vec<String> = rdr
        .byte_headers()
        .map_err(|e| Error::input(&file, Some(1), None, e.to_string()))?
        .iter()
        .map(|h| norm(text(h).trim_start_matches('\u{feff}')))
        .collect();
    let col = |name: &str| -> Result<usize> {
        header.iter().position(|h| h == name).ok_or_else(|| {
            Error::input(
                &file,
                Some(1),
                Some(name),
                format!("missing RevMan column '{name}'"),
            )
        })
    };
    let c = |name: &str| col(name);
    let (cn, on, sn, nm) = (
        c("comparison number")?,
        c("outcome number")?,
        c("subgroup number")?,
        c("name")?,
    );
    let (dt, sm, em, am) = (
        c("data type")?,
        c("statistical method")?,
        c("effect measure")?,
        c("analysis model")?,
    );
    let (e1, m1, s1, t1) = (c("events 1")?, c("mean 1")?, c("sd 1")?, c("total 1")?);
    let (e2, m2, s2, t2) = (c("events 2")?, c("mean 2")?, c("sd 2")?, c("total 2")?);
    let figure_idx: Vec<(String, usize)> = FIGURE_COLUMNS
        .iter()
        .filter_map(|f| col(f).ok().map(|i| (f.to_string(), i)))
        .collect();

    struct StudyRow {
        printed: PrintedRow,
        subgroup: String,
        cells: [String; 8],
    }
    let mut outcomes: Vec<RevManOutcome> = Vec::new();
    let mut studies: BTreeMap<String, Vec<StudyRow>> = BTreeMap::new();
    for (i, rec) in rdr.byte_records().enumerate() {
        let row = i + 2;
        let r = rec.map_err(|e| Error::input(&file, Some(row), None, e.to_string()))?;
        let get = |j: usize| r.get(j).map(text).unwrap_or_default();
        let printed = PrintedRow {
            name: get(nm),
            row,
            figures: figure_idx
                .iter()
                .filter(|(_, j)| !get(*j).is_empty())
                .map(|(f, j)| (f.clone(), get(*j)))
                .collect(),
        };
        let id = format!("{}.{}", get(cn), get(on));
        let is_study =
            !get(t1).is_empty() && !get(t2).is_empty() && get(dt).is_empty() && get(sm).is_empty();
        if is_none(&get(on)) {
            continue;
        } else if is_study {
            let subgroup = get(sn);
            studies.entry(id).or_default().push(StudyRow {
                printed,
                subgroup: if is_none(&subgroup) {
                    String::new()
                } else {
                    subgroup
                },
                cells: [
                    get(e1),
                    get(m1),
                    get(s1),
                    get(t1),
                    get(e2),
                    get(m2),
                    get(s2),
                    get(t2),
                ],
            });
        } else if is_none(&get(sn)) && !get(sm).is_empty() {
            outcomes.push(RevManOutcome {
                id,
                name: get(nm),
                data_type: get(dt),
                method: get(sm),
                measure: get(em),
                model: get(am),
                pooled: printed,
                subgroups: BTreeMap::new(),
                table: None,
                studies: Vec::new(),
            });
        } else if let Some(o) = outcomes.iter_mut().find(|o| o.id == id) {
            o.subgroups.insert(get(sn), printed);
        }
    }
    for o in &mut outcomes {
        let rows = studies.remove(&o.id).unwrap_or_default();
        if rows.is_empty() {
            continue;
        }
        let num = |s: &StudyRow, j: usize, name: &str| -> Result<f64> {
            super::csv::parse_number(&s.cells[j])
                .map_err(|m| Error::input(&file, Some(s.printed.row), Some(name), m))
        };
        let column = |j: usize, name: &str| {
            rows.iter()
                .map(|s| num(s, j, name))
                .collect::<Result<Vec<f64>>>()
        };
        let data_type = o.data_type.to_ascii_lowercase();
        let data = if data_type == "dic" || data_type == "dichotomous" {
            StudyData::Binary(BinaryArms {
                events_e: column(0, "Events 1")?,
                n_e: column(3, "Total 1")?,
                events_c: column(4, "Events 2")?,
                n_c: column(7, "Total 2")?,
            })
        } else if data_type == "con" || data_type == "continuous" {
            StudyData::Continuous(ContinuousArms {
                mean_e: column(1, "Mean 1")?,
                sd_e: column(2, "SD 1")?,
                n_e: column(3, "Total 1")?,
                mean_c: column(5, "Mean 2")?,
                sd_c: column(6, "SD 2")?,
                n_c: column(7, "Total 2")?,
            })
        } else {
            continue;
        };
        let mut table = StudyTable::from_parts(
            file.clone(),
            rows.iter().map(|s| s.printed.name.clone()).collect(),
            rows.iter().map(|s| s.printed.row).collect(),
            data,
            None,
            Vec::new(),
        )?;
        if rows.iter().any(|s| !s.subgroup.is_empty()) {
            table.subgroup = Some(rows.iter().map(|s| s.subgroup.clone()).collect());
        }
        o.table = Some(table);
        o.studies = rows.into_iter().map(|s| s.printed).collect();
    }
    Ok(outcomes)
}
