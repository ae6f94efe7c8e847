//! RevMan 5 "Data and analyses" CSV exports.
//!
//! The export has one row per comparison, outcome, subgroup and study, with the columns
//! `Comparison Number, Outcome Number, Subgroup Number, Name, Data Type, Statistical
//! Method, Effect Measure, Analysis Model, Events 1, Mean 1, SD 1, Total 1, Events 2,
//! Mean 2, SD 2, Total 2, Effect Estimate, SE, CI Start, CI End, Weight, Q, P(Q), I²(Q),
//! Tau², Z, P(Z), Qint, P(Qint), I²(Qint), df, …`. The layout follows a real export
//! (`tests/revman/Fleiss93_CR.csv`, the export R's meta package ships as an example,
//! read by its `read.rm5`):
//! - a **comparison** row has Outcome Number 0 (or empty) and only names a comparison;
//! - an **outcome** row has Subgroup Number 0 (or empty) and a `Data Type`: it carries
//!   the analysis's data type (`DIC`, `CON`; the long names `Dichotomous`, `Continuous`
//!   are accepted too), method (`MH`, `IV`, `PETO`), measure (`OR`, `RR`, `RD`,
//!   `PETO_OR`, `MD`, `SMD`, or the long names), model (`Fixed`, `Random`) and the
//!   printed pooled figures (its Events/Total cells are the analysis totals);
//! - a **subgroup** row has a Subgroup Number above 0 and a `Data Type`: its figures are
//!   the subgroup's pooled result;
//! - a **study** row has no `Data Type`; its Comparison, Outcome and Subgroup Numbers
//!   (0: none) place it. Dichotomous studies carry means and SDs of 0 (or empty cells),
//!   continuous ones events of 0: the placeholders of the other data type.
//!
//! Group 1 is the experimental arm (`_e`), group 2 the control arm (`_c`).
//!
//! # Header
//! Header names are matched ignoring case, white space and the `²`/`2` spelling. The
//! columns above up to `Total 2` are required (a missing one is an error naming it);
//! the figure columns are optional (the export wizard lets one leave them out). A header
//! written in UTF-8, read as Latin-1 and saved again as UTF-8 (`TauÂ²`, `IÂ²(Q)`) is read
//! as what it was (`Tau²`), with a warning. Known columns that carry no figure (`Group
//! Label 1`, `Year of study`, `Risk of bias tables`, display settings, …) are not read.
//! A column the RevMan 5 export does not have is not read either; a warning names it,
//! and its non-empty cells on outcome, subgroup and study rows are listed by the audit as
//! figures not checked (on comparison rows the warning counts them).
//!
//! # Hostile input: what is an error, what is reported
//! Errors ([`Error::Input`], exit 2) name file, row and the column as the export's own
//! header writes it:
//! - an empty file, a UTF-16 file, a missing required column, a repeated column;
//! - a row with fewer or more cells than the header (a row cut short, an unquoted
//!   comma), a quote left open (at the row and column where it opens), a line break
//!   inside a cell that metapool reads;
//! - a Comparison, Outcome or Subgroup Number that is not a whole number, a data row
//!   with Comparison Number 0;
//! - a comparison row (Outcome Number 0) that carries anything but its name: a study
//!   row numbered for no outcome is an error, not a comparison row;
//! - a Data Type, Statistical Method, Effect Measure or Analysis Model the reader does not
//!   know (parsed into enums; nothing defaults to a fixed-effect or any other analysis),
//!   and a method that does not go with the measure or data type (Peto with a risk
//!   ratio, Mantel-Haenszel or a ratio with continuous data, …);
//! - a study row with a `Statistical Method`, `Effect Measure` or `Analysis Model` (a
//!   pooled row whose Data Type is missing), a subgroup row whose data type, method,
//!   measure or model differs from its outcome row's;
//! - two outcome rows with the same numbers, two subgroup rows with the same numbers;
//! - within one outcome, study rows with and without a subgroup;
//! - a study cell that is not a number, a count that is negative, not whole or above
//!   `Total`, a negative SD, a placeholder of the other data type that is not 0;
//! - `Study Confidence Interval` or `Total Confidence Interval` other than a level in
//!   (0, 100) (`95`, `95%`), `Swap event and non-event` other than YES or NO;
//! - an export without any outcome (a header-only export, comparison rows only).
//!
//! Reported, not errors (the audit lists every printed figure of these rows as checked
//! or not checked, with the reason):
//! - rows in any order: subgroup and study rows above their outcome row are placed by
//!   their numbers;
//! - subgroup and study rows whose outcome has no outcome row (a missing outcome row, an
//!   Outcome Number no outcome row has): an outcome without a row, not re-run, for want
//!   of its data type, method, measure and model;
//! - a subgroup row that no study row carries; studies of a subgroup without a subgroup
//!   row (a warning: its pooled figures are not in the export);
//! - outcomes of the data types metapool does not re-run from this export (generic
//!   inverse variance `IV`, O-E and variance `IPD`, other data `OTH`, or the long names;
//!   only `DIC` and `CON` are confirmed by an export at hand, the other codes follow the
//!   outcome types of RevMan's own files);
//! - a study with an arm total of 0, or an SD of 0 in continuous data: its effect and
//!   variance are undefined here, so it is left out of the re-run with a warning (its
//!   totals still count in the arm totals of the pooled rows);
//! - outcomes without study rows.
//!
//! Confidence levels are 95% unless the export's `Study Confidence Interval` and `Total
//! Confidence Interval` columns say otherwise (RevMan's default; both of the committed
//! exports are at 95%).

use super::{
    checked_count, checked_events, checked_not_negative, measure_of, measures_of, method_of,
    methods_of, model_of, Analysis, Figure, PrintedFigure, PrintedRow, RevManOutcome, RevManStudy,
    Review, ReviewFormat, StudyArms,
};
use crate::data::csv::{parse_number, shown, Records};
use crate::data::DataType;
use crate::error::{Error, Result};
use std::collections::BTreeMap;
use std::path::Path;

/// A column of the export that the reader knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    ComparisonNumber,
    OutcomeNumber,
    SubgroupNumber,
    Name,
    DataType,
    StatisticalMethod,
    EffectMeasure,
    AnalysisModel,
    StudyCi,
    TotalCi,
    SwapEvents,
    Figure(Figure),
    Mean1,
    Sd1,
    Mean2,
    Sd2,
    /// `O-E`: study data of O-E outcomes.
    Oe,
    /// `Var`: study data of O-E outcomes.
    Var,
    /// Labels and display settings: not read.
    Label,
}

/// The columns of the export other than the figures, by the name RevMan writes (the
/// list R's meta `read.rm5` reads).
const COLUMNS: [(&str, Column); 28] = [
    ("Comparison Number", Column::ComparisonNumber),
    ("Outcome Number", Column::OutcomeNumber),
    ("Subgroup Number", Column::SubgroupNumber),
    ("Name", Column::Name),
    ("Data Type", Column::DataType),
    ("Statistical Method", Column::StatisticalMethod),
    ("Effect Measure", Column::EffectMeasure),
    ("Analysis Model", Column::AnalysisModel),
    ("Study Confidence Interval", Column::StudyCi),
    ("Total Confidence Interval", Column::TotalCi),
    ("Swap event and non-event", Column::SwapEvents),
    ("Mean 1", Column::Mean1),
    ("SD 1", Column::Sd1),
    ("Mean 2", Column::Mean2),
    ("SD 2", Column::Sd2),
    ("O-E", Column::Oe),
    ("Var", Column::Var),
    ("Totals", Column::Label),
    ("Test for subgroup differences", Column::Label),
    (
        "Entered data are on log scale (Generic Inverse Variance only)",
        Column::Label,
    ),
    (
        "Enter number of participants (Generic Inverse Variance) for display only",
        Column::Label,
    ),
    ("Group Label 1", Column::Label),
    ("Group Label 2", Column::Label),
    ("Left Graph Label", Column::Label),
    ("Right Graph Label", Column::Label),
    ("Year of study", Column::Label),
    ("User defined order", Column::Label),
    ("Risk of bias tables", Column::Label),
];

/// The columns every export must have.
const REQUIRED: [(&str, Column); 16] = [
    ("Comparison Number", Column::ComparisonNumber),
    ("Outcome Number", Column::OutcomeNumber),
    ("Subgroup Number", Column::SubgroupNumber),
    ("Name", Column::Name),
    ("Data Type", Column::DataType),
    ("Statistical Method", Column::StatisticalMethod),
    ("Effect Measure", Column::EffectMeasure),
    ("Analysis Model", Column::AnalysisModel),
    ("Events 1", Column::Figure(Figure::Events1)),
    ("Mean 1", Column::Mean1),
    ("SD 1", Column::Sd1),
    ("Total 1", Column::Figure(Figure::Total1)),
    ("Events 2", Column::Figure(Figure::Events2)),
    ("Mean 2", Column::Mean2),
    ("SD 2", Column::Sd2),
    ("Total 2", Column::Figure(Figure::Total2)),
];

/// A header name folded for matching: lower case, without white space, `²` as `2`.
pub(super) fn fold(name: &str) -> String {
    name.chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .map(|c| if c == '²' { '2' } else { c })
        .collect()
}

/// The column a header name names, if the reader knows it.
fn known(name: &str) -> Option<Column> {
    let folded = fold(name);
    Figure::CSV_EXPORT
        .iter()
        .find(|f| fold(f.name()) == folded)
        .map(|&f| Column::Figure(f))
        .or_else(|| {
            COLUMNS
                .iter()
                .find(|(n, _)| fold(n) == folded)
                .map(|&(_, c)| c)
        })
}

/// Text that was UTF-8, read as Latin-1 and saved again as UTF-8 (`TauÂ²` for `Tau²`):
/// what it was, when its characters are bytes that form UTF-8 text.
pub(super) fn undo_latin1_reading(text: &str) -> Option<String> {
    if text.is_ascii() {
        return None;
    }
    let bytes: Vec<u8> = text
        .chars()
        .map(|c| u8::try_from(u32::from(c)).ok())
        .collect::<Option<_>>()?;
    String::from_utf8(bytes).ok().filter(|s| s != text)
}

/// A cell as text: UTF-8, or else Latin-1 (one character a byte), the code page of
/// exports written on Windows (`I²(Q)` is the byte 0xB2 there); trimmed.
pub(super) fn text(bytes: &[u8]) -> String {
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

/// Whether CSV text ends inside a quoted cell, as the csv reader reads it: a quote
/// opens a quoted cell only at the start of a cell, and `""` inside one is a quote.
fn ends_inside_quote(data: &[u8]) -> bool {
    #[derive(PartialEq)]
    enum State {
        CellStart,
        Unquoted,
        Quoted,
        QuoteInQuoted,
    }
    let mut state = State::CellStart;
    for &b in data {
        state = match (state, b) {
            (State::CellStart, b'"') => State::Quoted,
            (State::CellStart | State::Unquoted | State::QuoteInQuoted, b',' | b'\n' | b'\r') => {
                State::CellStart
            }
            (State::CellStart | State::Unquoted, _) => State::Unquoted,
            (State::Quoted, b'"') => State::QuoteInQuoted,
            (State::Quoted, _) => State::Quoted,
            (State::QuoteInQuoted, b'"') => State::Quoted,
            (State::QuoteInQuoted, _) => State::Unquoted,
        };
    }
    state == State::Quoted
}

/// Reads a RevMan 5 export from a file.
///
/// # Errors
/// [`Error::Io`] when unreadable; [`Error::Input`] naming file, row and column for every
/// error of the module documentation.
pub fn read_csv_export(path: &Path) -> Result<Review> {
    let file = path.display().to_string();
    let bytes = crate::data::input::read_path(path, &crate::data::InputLimits::default())?;
    read_csv_export_bytes(&file, &bytes)
}

/// Reads a RevMan 5 export from memory; `source` names it in messages.
///
/// # Errors
/// As [`read_csv_export`].
pub fn read_csv_export_bytes(source: &str, bytes: &[u8]) -> Result<Review> {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(Error::input(
            source,
            Some(1),
            None,
            "the file is UTF-16 text; expected the CSV export as RevMan writes it (UTF-8 \
             or Latin-1)",
        ));
    }
    let data = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut records = Records::new(source, data);
    let mut all = Vec::new();
    loop {
        let mut record = ::csv::ByteRecord::new();
        match records.next_record(&mut record)? {
            Some(row) => all.push((row, record)),
            None => break,
        }
    }
    let Some((header_row, header_record)) = all.first() else {
        return Err(Error::input(
            source,
            Some(1),
            Some("Comparison Number"),
            "empty file: expected a RevMan 5 'Data and analyses' export, whose header \
             begins 'Comparison Number,Outcome Number,Subgroup Number,Name'",
        ));
    };
    if let Some((row, record)) = all.last().filter(|_| ends_inside_quote(data)) {
        // The open quote runs to the end of the file: it opens the last cell of the last
        // record.
        let field = record.len().saturating_sub(1);
        let column = header_record
            .get(field)
            .map(|n| shown(&text(n)))
            .filter(|n| !n.is_empty() && record.len() <= header_record.len())
            .unwrap_or_else(|| format!("field {}", field + 1));
        return Err(Error::input(
            source,
            Some(*row),
            Some(&column),
            "a quoted cell opens here and is never closed (it runs to the end of the \
             file): is a closing quote (\") missing?",
        ));
    }
    let mut warnings = Vec::new();
    let header = Header::new(source, *header_row, header_record, &mut warnings)?;
    let mut rows = Vec::with_capacity(all.len() - 1);
    for (row, record) in &all[1..] {
        rows.push(header.raw(*row, record)?);
    }
    let outcomes = Assembler {
        source,
        header: &header,
        warnings: &mut warnings,
    }
    .assemble(rows)?;
    Ok(Review {
        source: source.to_string(),
        format: ReviewFormat::CsvExport,
        outcomes,
        warnings,
    })
}

/// The header: each field's name as the file writes it and the column it is.
struct Header {
    source: String,
    row: usize,
    names: Vec<String>,
    columns: Vec<Option<Column>>,
}

impl Header {
    fn new(
        source: &str,
        row: usize,
        record: &::csv::ByteRecord,
        warnings: &mut Vec<String>,
    ) -> Result<Self> {
        let mut names = Vec::with_capacity(record.len());
        let mut columns = Vec::with_capacity(record.len());
        for field in record {
            let name = text(field);
            let (name, column) = match known(&name) {
                Some(c) => (name, Some(c)),
                None => match undo_latin1_reading(&name).and_then(|n| known(&n).map(|c| (n, c))) {
                    Some((repaired, c)) => {
                        warnings.push(format!(
                            "{source}, row {row}: header '{name}' read as '{repaired}' \
                             (UTF-8 text that was read as Latin-1 and saved again)"
                        ));
                        (repaired, Some(c))
                    }
                    None => (name, None),
                },
            };
            names.push(name);
            columns.push(column);
        }
        for (j, column) in columns.iter().enumerate() {
            if let Some(c) = column.filter(|c| *c != Column::Label) {
                if columns[..j].contains(&Some(c)) {
                    return Err(Error::input(
                        source,
                        Some(row),
                        Some(&names[j]),
                        "the column appears twice in the header; expected each column once",
                    ));
                }
            }
        }
        let header = Header {
            source: source.to_string(),
            row,
            names,
            columns,
        };
        for (name, column) in REQUIRED {
            if header.find(column).is_none() {
                return Err(Error::input(
                    source,
                    Some(row),
                    Some(name),
                    format!(
                        "missing column '{name}' (header has: {}); a RevMan 5 export needs \
                         the columns {}",
                        shown(&header.names.join(",")),
                        REQUIRED.map(|(n, _)| n).join(", ")
                    ),
                ));
            }
        }
        for (j, column) in header.columns.iter().enumerate() {
            if column.is_none() && !header.names[j].is_empty() {
                warnings.push(format!(
                    "{source}, row {row}, column '{}': not a column of the RevMan 5 export, \
                     not read; its cells on outcome, subgroup and study rows are listed as \
                     not checked",
                    shown(&header.names[j])
                ));
            }
        }
        Ok(header)
    }

    fn find(&self, column: Column) -> Option<usize> {
        self.columns.iter().position(|c| *c == Some(column))
    }

    /// A field's name for a message: the header's text, or its position when empty.
    fn name(&self, field: usize) -> String {
        match self.names.get(field) {
            Some(n) if !n.is_empty() => n.clone(),
            _ => format!("field {}", field + 1),
        }
    }

    /// The name of a column the header has (required columns always are there).
    fn name_of(&self, column: Column) -> String {
        self.find(column).map_or_else(
            || {
                REQUIRED
                    .iter()
                    .chain(&COLUMNS)
                    .find(|(_, c)| *c == column)
                    .map_or_else(
                        || match column {
                            Column::Figure(f) => f.name().to_string(),
                            _ => String::new(),
                        },
                        |(n, _)| n.to_string(),
                    )
            },
            |j| self.name(j),
        )
    }

    fn error(&self, row: usize, column: Column, message: impl Into<String>) -> Error {
        Error::input(
            &self.source,
            Some(row),
            Some(&self.name_of(column)),
            message,
        )
    }

    /// A data record as text, checked for its length and for line breaks.
    fn raw(&self, row: usize, record: &::csv::ByteRecord) -> Result<Raw> {
        let (len, expected) = (record.len(), self.names.len());
        let broken = record
            .iter()
            .position(|f| f.contains(&b'\n') || f.contains(&b'\r'));
        if len != expected {
            let plural = |n: usize| if n == 1 { "" } else { "s" };
            let mut message = format!(
                "this row has {len} cell{} but the header has {expected}",
                plural(len)
            );
            let field = if let Some(j) = broken {
                message.push_str(
                    ": a quoted cell runs over a line break here: is a closing quote (\") \
                     missing?",
                );
                j
            } else if len < expected {
                message.push_str(&format!(
                    " (none for '{}'): the row is cut short; every row of the export has a \
                     cell in every column, empty ones included",
                    shown(&self.names[len..].join("', '"))
                ));
                len
            } else {
                message.push_str(
                    ": a comma inside a name or a number (1,234) splits a cell in two unless \
                     the cell is quoted",
                );
                expected
            };
            return Err(Error::input(
                &self.source,
                Some(row),
                Some(&self.name(field)),
                message,
            ));
        }
        let cells = record_cells(
            record,
            |j| matches!(self.columns[j], Some(c) if c != Column::Label),
        )
        .map_err(|(j, m)| Error::input(&self.source, Some(row), Some(&self.name(j)), m))?;
        Ok(Raw { row, cells })
    }
}

/// The cells of a record as text ([`text`]: UTF-8, or Latin-1 byte by byte); a line
/// break inside a cell that is read (`read(j)`) is refused: its index and the message.
pub(super) fn record_cells(
    record: &::csv::ByteRecord,
    read: impl Fn(usize) -> bool,
) -> std::result::Result<Vec<String>, (usize, String)> {
    let cells: Vec<String> = record.iter().map(text).collect();
    match cells
        .iter()
        .enumerate()
        .find(|(j, cell)| read(*j) && cell.contains(['\n', '\r']))
    {
        Some((j, cell)) => Err((
            j,
            format!(
                "the cell '{}' runs over a line break: is a closing quote (\") missing?",
                shown(cell)
            ),
        )),
        None => Ok(cells),
    }
}

/// A data row as text.
#[derive(Debug, Clone)]
struct Raw {
    row: usize,
    cells: Vec<String>,
}

/// Where a row belongs.
struct Numbers {
    comparison: u32,
    outcome: u32,
    subgroup: u32,
}

/// The rows of one outcome (Comparison and Outcome Number), in any order of the file.
#[derive(Default)]
struct Group {
    outcome: Option<Raw>,
    subgroups: BTreeMap<u32, Raw>,
    studies: Vec<(u32, Raw)>,
}

/// The data type of an outcome row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RevManType {
    Dichotomous,
    Continuous,
    /// Generic inverse variance, O-E and variance, other data: read, not re-run.
    NotReRun(&'static str),
}

fn data_type_of(text: &str) -> Option<RevManType> {
    Some(match text.to_lowercase().as_str() {
        "dic" | "dichotomous" => RevManType::Dichotomous,
        "con" | "continuous" => RevManType::Continuous,
        "iv" | "giv" | "generic inverse variance" => {
            RevManType::NotReRun("generic inverse variance")
        }
        "ipd" | "o-e" | "o-e and variance" => RevManType::NotReRun("O-E and variance"),
        "oth" | "other" | "other data" => RevManType::NotReRun("other data"),
        _ => return None,
    })
}

/// Builds the outcomes from the rows of the file.
struct Assembler<'a> {
    source: &'a str,
    header: &'a Header,
    warnings: &'a mut Vec<String>,
}

impl Assembler<'_> {
    fn cell<'r>(&self, raw: &'r Raw, column: Column) -> &'r str {
        self.header
            .find(column)
            .map_or("", |j| raw.cells[j].as_str())
    }

    fn error(&self, raw: &Raw, column: Column, message: impl Into<String>) -> Error {
        self.header.error(raw.row, column, message)
    }

    fn number(&self, raw: &Raw, column: Column) -> Result<u32> {
        let cell = self.cell(raw, column);
        if cell.is_empty() {
            return Ok(0);
        }
        if cell.bytes().all(|b| b.is_ascii_digit()) {
            if let Ok(n) = cell.parse::<u32>() {
                return Ok(n);
            }
        }
        Err(self.error(
            raw,
            column,
            format!(
                "'{}' is not a whole number; expected the number RevMan gives the row (1, 2, \
                 …; 0 or empty for none)",
                shown(cell)
            ),
        ))
    }

    fn assemble(mut self, rows: Vec<Raw>) -> Result<Vec<RevManOutcome>> {
        let mut groups: BTreeMap<(u32, u32), Group> = BTreeMap::new();
        let mut unread_on_comparison_rows = 0usize;
        for raw in rows {
            let n = Numbers {
                comparison: self.number(&raw, Column::ComparisonNumber)?,
                outcome: self.number(&raw, Column::OutcomeNumber)?,
                subgroup: self.number(&raw, Column::SubgroupNumber)?,
            };
            if n.outcome == 0 {
                unread_on_comparison_rows += self.comparison_row(&raw, &n)?;
                continue;
            }
            if n.comparison == 0 {
                return Err(self.error(
                    &raw,
                    Column::ComparisonNumber,
                    "a row of outcome data without a Comparison Number; expected the number of \
                     its comparison (1, 2, …)",
                ));
            }
            let group = groups.entry((n.comparison, n.outcome)).or_default();
            let id = format!("{}.{}", n.comparison, n.outcome);
            if !self.cell(&raw, Column::DataType).is_empty() {
                let (first, what, column) = if n.subgroup == 0 {
                    (group.outcome.as_ref(), "outcome", Column::OutcomeNumber)
                } else {
                    (
                        group.subgroups.get(&n.subgroup),
                        "subgroup",
                        Column::SubgroupNumber,
                    )
                };
                if let Some(first) = first {
                    return Err(self.error(
                        &raw,
                        column,
                        format!(
                            "a second {what} row numbered {id}{} (the first is row {}); \
                             expected one row per {what}",
                            if n.subgroup == 0 {
                                String::new()
                            } else {
                                format!(".{}", n.subgroup)
                            },
                            first.row
                        ),
                    ));
                }
                if n.subgroup == 0 {
                    group.outcome = Some(raw);
                } else {
                    group.subgroups.insert(n.subgroup, raw);
                }
            } else {
                for column in [
                    Column::StatisticalMethod,
                    Column::EffectMeasure,
                    Column::AnalysisModel,
                ] {
                    let cell = self.cell(&raw, column);
                    if !cell.is_empty() {
                        return Err(self.error(
                            &raw,
                            column,
                            format!(
                                "'{}' on a row without a Data Type: outcome and subgroup rows \
                                 have a Data Type, study rows neither a Data Type nor a {}; is \
                                 the Data Type missing?",
                                shown(cell),
                                self.header.name_of(column)
                            ),
                        ));
                    }
                }
                group.studies.push((n.subgroup, raw));
            }
        }
        if unread_on_comparison_rows > 0 {
            self.warnings.push(format!(
                "{}: {unread_on_comparison_rows} cell{} of columns that are not read {} on \
                 comparison rows, not listed",
                self.source,
                if unread_on_comparison_rows == 1 {
                    ""
                } else {
                    "s"
                },
                if unread_on_comparison_rows == 1 {
                    "is"
                } else {
                    "are"
                },
            ));
        }
        if groups.is_empty() {
            return Err(self.header.error(
                self.header.row,
                Column::OutcomeNumber,
                "no outcome in the export: no row has an Outcome Number above 0; expected the \
                 rows of at least one analysis (outcome, subgroup and study rows)",
            ));
        }
        groups
            .into_iter()
            .map(|((c, o), group)| self.outcome(format!("{c}.{o}"), group))
            .collect()
    }

    /// Checks a comparison row (Outcome Number 0): a name and nothing else. Returns the
    /// number of its cells in columns that are not read.
    fn comparison_row(&self, raw: &Raw, n: &Numbers) -> Result<usize> {
        if n.comparison == 0 {
            return Err(self.error(
                raw,
                Column::ComparisonNumber,
                "a row without a Comparison Number or an Outcome Number; expected the numbers \
                 of its comparison and outcome",
            ));
        }
        if n.subgroup != 0 {
            return Err(self.error(
                raw,
                Column::OutcomeNumber,
                format!(
                    "a row with Subgroup Number {} but no Outcome Number; expected the number \
                     of its outcome",
                    n.subgroup
                ),
            ));
        }
        let mut unread = 0;
        for (j, column) in self.header.columns.iter().enumerate() {
            let cell = &raw.cells[j];
            if cell.is_empty() {
                continue;
            }
            match column {
                None => unread += 1,
                Some(
                    Column::ComparisonNumber
                    | Column::OutcomeNumber
                    | Column::SubgroupNumber
                    | Column::Name
                    | Column::Label,
                ) => {}
                Some(_) => {
                    return Err(Error::input(
                        self.source,
                        Some(raw.row),
                        Some(&self.header.name(j)),
                        format!(
                            "'{}' on a comparison row (Outcome Number 0), which only names a \
                             comparison; is the Outcome Number missing?",
                            shown(cell)
                        ),
                    ))
                }
            }
        }
        Ok(unread)
    }

    /// The printed cells of a row: its figures (on study rows without the arm totals,
    /// inputs there; on continuous rows without the events, placeholders there) and the
    /// cells of unknown columns.
    fn printed(&self, raw: &Raw, study: bool, continuous: bool) -> PrintedRow {
        let mut figures = Vec::new();
        for (j, column) in self.header.columns.iter().enumerate() {
            let cell = &raw.cells[j];
            if cell.is_empty() {
                continue;
            }
            let figure = match column {
                Some(Column::Figure(f)) => {
                    if (study && f.is_arm_total())
                        || (continuous && matches!(f, Figure::Events1 | Figure::Events2))
                    {
                        continue;
                    }
                    Some(*f)
                }
                None => None,
                Some(_) => continue,
            };
            figures.push(PrintedFigure {
                figure,
                column: self.header.name(j),
                text: cell.clone(),
            });
        }
        PrintedRow {
            name: self.cell(raw, Column::Name).to_string(),
            row: raw.row,
            file: None,
            figures,
        }
    }

    fn outcome(&mut self, id: String, group: Group) -> Result<RevManOutcome> {
        let Group {
            outcome,
            subgroups,
            studies,
        } = group;
        // Within an outcome, studies are all in subgroups or none is.
        let with_subgroups = !subgroups.is_empty() || studies.iter().any(|(s, _)| *s > 0);
        if with_subgroups {
            if let Some((_, raw)) = studies.iter().find(|(s, _)| *s == 0) {
                let other = subgroups
                    .values()
                    .map(|r| r.row)
                    .chain(studies.iter().filter(|(s, _)| *s > 0).map(|(_, r)| r.row))
                    .min()
                    .unwrap_or(raw.row);
                return Err(self.error(
                    raw,
                    Column::SubgroupNumber,
                    format!(
                        "a study without a subgroup (Subgroup Number 0) in outcome {id}, whose \
                         other rows are in subgroups (row {other}); expected a Subgroup Number \
                         above 0"
                    ),
                ));
            }
        }
        let mut without_row: Vec<u32> = Vec::new();
        for (s, raw) in &studies {
            if *s > 0 && !subgroups.contains_key(s) && !without_row.contains(s) {
                without_row.push(*s);
                self.warnings.push(format!(
                    "{}, row {}: outcome {id} has studies in subgroup {s} but no subgroup row \
                     {id}.{s}: that subgroup's pooled figures are not in the export",
                    self.source, raw.row
                ));
            }
        }
        for sub in subgroups.values() {
            let theirs = self.cell(sub, Column::DataType);
            if data_type_of(theirs).is_none() {
                return Err(self.error(
                    sub,
                    Column::DataType,
                    format!("'{}' is not a RevMan 5 data type", shown(theirs)),
                ));
            }
        }
        let Some(raw) = outcome else {
            let reason = format!(
                "the export has no outcome row for {id} (a row with Outcome Number {} and \
                 Subgroup Number 0 that has a Data Type): its data type, method, measure and \
                 model are not known",
                id.rsplit('.').next().unwrap_or_default()
            );
            return Ok(RevManOutcome {
                comparison: String::new(),
                id,
                name: String::new(),
                row: None,
                data_type: String::new(),
                method: String::new(),
                measure: String::new(),
                model: String::new(),
                analysis: Err(reason),
                pooled: None,
                subgroups: subgroups
                    .iter()
                    .map(|(s, r)| (*s, self.printed(r, false, false)))
                    .collect(),
                studies: studies
                    .iter()
                    .map(|(s, r)| RevManStudy {
                        printed: self.printed(r, true, false),
                        subgroup: *s,
                        arms: None,
                    })
                    .collect(),
            });
        };
        let written = |c: Column| self.cell(&raw, c).to_string();
        let data_type_text = written(Column::DataType);
        let data_type = data_type_of(&data_type_text).ok_or_else(|| {
            self.error(
                &raw,
                Column::DataType,
                format!(
                    "'{}' is not a RevMan 5 data type; expected DIC (dichotomous) or CON \
                     (continuous), or IV, IPD, OTH (generic inverse variance, O-E and \
                     variance, other data: read but not re-run)",
                    shown(&data_type_text)
                ),
            )
        })?;
        for sub in subgroups.values() {
            let theirs = self.cell(sub, Column::DataType);
            if data_type_of(theirs) != Some(data_type) {
                return Err(self.error(
                    sub,
                    Column::DataType,
                    format!(
                        "the subgroup row says '{}' where its outcome row (row {}) says '{}'; \
                         expected the data type of the outcome",
                        shown(theirs),
                        raw.row,
                        shown(&data_type_text)
                    ),
                ));
            }
        }
        let analysis = match data_type {
            RevManType::NotReRun(name) => Err(format!(
                "metapool re-runs dichotomous (DIC) and continuous (CON) outcomes; this one \
                 is {name} ('{}')",
                shown(&data_type_text)
            )),
            RevManType::Dichotomous | RevManType::Continuous => {
                self.analysis(&raw, data_type, &subgroups)?
            }
        };
        let continuous = data_type == RevManType::Continuous;
        let arms = matches!(data_type, RevManType::Dichotomous | RevManType::Continuous);
        if arms {
            for row in std::iter::once(&raw).chain(subgroups.values()) {
                self.pooled_placeholders(row, continuous)?;
            }
        }
        let mut read_studies = Vec::with_capacity(studies.len());
        for (s, r) in &studies {
            let arms = if arms {
                Some(self.study_arms(r, continuous)?)
            } else {
                None
            };
            read_studies.push(RevManStudy {
                printed: self.printed(r, true, continuous),
                subgroup: *s,
                arms,
            });
        }
        Ok(RevManOutcome {
            comparison: String::new(),
            name: written(Column::Name),
            row: Some(raw.row),
            data_type: data_type_text.clone(),
            method: written(Column::StatisticalMethod),
            measure: written(Column::EffectMeasure),
            model: written(Column::AnalysisModel),
            analysis,
            pooled: Some(self.printed(&raw, false, continuous)),
            subgroups: subgroups
                .iter()
                .map(|(s, r)| (*s, self.printed(r, false, continuous)))
                .collect(),
            studies: read_studies,
            id,
        })
    }

    /// The analysis of a dichotomous or continuous outcome row: method, measure and model
    /// parsed and checked against each other and against the subgroup rows; `Err` with
    /// the reason when the analysis swaps events for non-events.
    fn analysis(
        &self,
        raw: &Raw,
        data_type: RevManType,
        subgroups: &BTreeMap<u32, Raw>,
    ) -> Result<std::result::Result<Analysis, String>> {
        let unknown = |column: Column, expected: &str| {
            self.error(
                raw,
                column,
                format!(
                    "'{}' is not a RevMan 5 {}; expected {expected}",
                    shown(self.cell(raw, column)),
                    self.header.name_of(column).to_lowercase()
                ),
            )
        };
        let method = method_of(self.cell(raw, Column::StatisticalMethod)).ok_or_else(|| {
            unknown(
                Column::StatisticalMethod,
                "MH, IV or PETO (Mantel-Haenszel, Inverse Variance, Peto)",
            )
        })?;
        let (measure, swapped_name) = measure_of(self.cell(raw, Column::EffectMeasure))
            .ok_or_else(|| {
                unknown(
                    Column::EffectMeasure,
                    "RR, OR, RD, PETO_OR (dichotomous) or MD, SMD (continuous)",
                )
            })?;
        let model = model_of(self.cell(raw, Column::AnalysisModel))
            .ok_or_else(|| unknown(Column::AnalysisModel, "Fixed or Random"))?;
        let data_type = match data_type {
            RevManType::Continuous => DataType::Continuous,
            _ => DataType::Binary,
        };
        if let Some(expected) = measures_of(data_type).filter(|m| !m.0.contains(&measure)) {
            return Err(self.error(
                raw,
                Column::EffectMeasure,
                format!(
                    "'{}' does not go with {} data; expected {}",
                    shown(self.cell(raw, Column::EffectMeasure)),
                    self.cell(raw, Column::DataType),
                    expected.1
                ),
            ));
        }
        if let Some(expected) = methods_of(data_type, measure).filter(|m| !m.0.contains(&method)) {
            return Err(self.error(
                raw,
                Column::StatisticalMethod,
                format!(
                    "'{}' does not go with the measure '{}'; expected {}",
                    shown(self.cell(raw, Column::StatisticalMethod)),
                    shown(self.cell(raw, Column::EffectMeasure)),
                    expected.1
                ),
            ));
        }
        for sub in subgroups.values() {
            for (column, same) in [
                (
                    Column::StatisticalMethod,
                    method_of(self.cell(sub, Column::StatisticalMethod)) == Some(method),
                ),
                (
                    Column::EffectMeasure,
                    measure_of(self.cell(sub, Column::EffectMeasure)).map(|m| m.0) == Some(measure),
                ),
                (
                    Column::AnalysisModel,
                    model_of(self.cell(sub, Column::AnalysisModel)) == Some(model),
                ),
            ] {
                let theirs = self.cell(sub, column);
                if !theirs.is_empty() && !same {
                    return Err(self.error(
                        sub,
                        column,
                        format!(
                            "the subgroup row says '{}' where its outcome row (row {}) says \
                             '{}'; expected the outcome's or an empty cell",
                            shown(theirs),
                            raw.row,
                            shown(self.cell(raw, column))
                        ),
                    ));
                }
            }
        }
        let level = |column: Column| -> Result<f64> {
            let cell = self.cell(raw, column);
            if cell.is_empty() {
                return Ok(0.95);
            }
            let number = cell.strip_suffix('%').unwrap_or(cell).trim();
            match number.parse::<f64>() {
                Ok(l) if l > 0.0 && l < 100.0 => Ok(l / 100.0),
                _ => Err(self.error(
                    raw,
                    column,
                    format!(
                        "'{}' is not a confidence level; expected a percentage between 0 and \
                         100 such as 95",
                        shown(cell)
                    ),
                )),
            }
        };
        let (study_level, total_level) = (level(Column::StudyCi)?, level(Column::TotalCi)?);
        let swap = self.cell(raw, Column::SwapEvents);
        let swapped = match swap.to_lowercase().as_str() {
            "" | "no" => swapped_name,
            "yes" => true,
            _ => {
                return Err(self.error(
                    raw,
                    Column::SwapEvents,
                    format!("'{}' is neither YES nor NO", shown(swap)),
                ))
            }
        };
        Ok(Ok(Analysis {
            data_type,
            method,
            measure,
            ratio: measure.is_ratio(),
            swap_events: swapped,
            model,
            study_level,
            total_level,
        }))
    }

    /// A cell of the other data type (or a mean or SD on a pooled row): empty or 0.
    fn placeholder(&self, raw: &Raw, column: Column, what: &str) -> Result<()> {
        let cell = self.cell(raw, column);
        if cell.is_empty() || parse_number(cell) == Ok(0.0) {
            return Ok(());
        }
        Err(self.error(
            raw,
            column,
            format!(
                "'{}' on {what}, which has no {}; expected 0 or an empty cell",
                shown(cell),
                self.header.name_of(column)
            ),
        ))
    }

    fn pooled_placeholders(&self, raw: &Raw, continuous: bool) -> Result<()> {
        for column in [Column::Mean1, Column::Sd1, Column::Mean2, Column::Sd2] {
            self.placeholder(raw, column, "a pooled row")?;
        }
        if continuous {
            for column in [
                Column::Figure(Figure::Events1),
                Column::Figure(Figure::Events2),
            ] {
                self.placeholder(raw, column, "a row of continuous data")?;
            }
        }
        Ok(())
    }

    /// The data of a study row of a dichotomous or continuous outcome, checked.
    fn study_arms(&self, raw: &Raw, continuous: bool) -> Result<StudyArms> {
        let number = |column: Column| -> Result<f64> {
            parse_number(self.cell(raw, column)).map_err(|m| self.error(raw, column, m))
        };
        let count = |column: Column| -> Result<f64> {
            checked_count(number(column)?).map_err(|m| self.error(raw, column, m))
        };
        let (t1, t2) = (
            Column::Figure(Figure::Total1),
            Column::Figure(Figure::Total2),
        );
        let (total_1, total_2) = (count(t1)?, count(t2)?);
        if !continuous {
            self.placeholders(
                raw,
                &[Column::Mean1, Column::Sd1, Column::Mean2, Column::Sd2],
            )?;
            let (e1, e2) = (
                Column::Figure(Figure::Events1),
                Column::Figure(Figure::Events2),
            );
            let (events_1, events_2) = (count(e1)?, count(e2)?);
            for (events, total, e, t) in [(events_1, total_1, e1, t1), (events_2, total_2, e2, t2)]
            {
                checked_events(events, total, &self.header.name_of(t))
                    .map_err(|m| self.error(raw, e, m))?;
            }
            return Ok(StudyArms::Dichotomous {
                events_1,
                total_1,
                events_2,
                total_2,
            });
        }
        self.placeholders(
            raw,
            &[
                Column::Figure(Figure::Events1),
                Column::Figure(Figure::Events2),
            ],
        )?;
        let sd = |column: Column| -> Result<f64> {
            checked_not_negative(number(column)?, "a standard deviation")
                .map_err(|m| self.error(raw, column, m))
        };
        Ok(StudyArms::Continuous {
            mean_1: number(Column::Mean1)?,
            sd_1: sd(Column::Sd1)?,
            total_1,
            mean_2: number(Column::Mean2)?,
            sd_2: sd(Column::Sd2)?,
            total_2,
        })
    }

    fn placeholders(&self, raw: &Raw, columns: &[Column]) -> Result<()> {
        let what = if columns.contains(&Column::Mean1) {
            "a study row of dichotomous data"
        } else {
            "a study row of continuous data"
        };
        for &column in columns.iter().chain(&[Column::Oe, Column::Var]) {
            self.placeholder(raw, column, what)?;
        }
        Ok(())
    }
}
