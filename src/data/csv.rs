//! Reading study tables in the CSV input format of the design (header row required).
//!
//! The layout is recognised from the header: `events_e` means binary, `mean_e`
//! continuous, `yi` with `vi` or `sei` generic, `estimate` with `ci_lower` and
//! `ci_upper` generic with a confidence interval. Header names are matched after
//! trimming white space and folding to lower case. Cells are trimmed. Numbers use a
//! decimal point and no thousands separator.
//!
//! # Forgiving readings (safe: they cannot change a value)
//! - a UTF-8 byte-order mark (Excel's "CSV UTF-8") is skipped;
//! - line ends may be LF, CRLF or CR (Excel for Mac's "CSV (Macintosh)");
//! - cells may be quoted (`"0.25"` is 0.25) and padded with white space;
//! - blank lines, and rows whose cells are all empty (`,,,,`, which spreadsheets leave
//!   behind), are skipped.
//!
//! # Rejected, with a message saying what was expected
//! UTF-16 text, non-UTF-8 bytes (the column is named), a separator other than the comma
//! (`;` or tab, as Excel writes where the decimal separator is a comma), rows with too
//! few or too many cells (a decimal comma or thousands separator in an unquoted
//! number makes too many), numbers with a decimal comma, a thousands separator, a `%`
//! sign or an `NA`, and a quote left open. Cell text quoted in a message is cut to 40
//! characters, with line breaks shown as `\n`. Before any of this, the file is read
//! within [`InputLimits`] (a NUL byte, a file or a line beyond the limits are refused:
//! [`crate::data::input`]).
//!
//! # Row numbers
//! Rows are numbered as a spreadsheet shows the file: every line counts, blank ones
//! included, so the header is row 1 (unless blank lines precede it) and the first study
//! row 2; a quoted cell that runs over several lines stays in one row.

use super::input::{read_bounded, InputLimits, UTF16};
use super::{BinaryArms, ContinuousArms, Covariate, DataType, StudyData, StudyTable};
use crate::error::{Error, Result};
use std::io::Read;
use std::path::Path;

/// Reads a study table from a CSV file, within the default [`InputLimits`].
///
/// # Errors
/// [`Error::Io`] when the file cannot be opened or read; [`Error::Input`] naming file,
/// row and column for any malformed or invalid cell (see [`crate::data`]), and for a
/// file beyond the [`InputLimits`].
pub fn read_csv_path(path: impl AsRef<Path>) -> Result<StudyTable> {
    read_csv_path_within(path, &InputLimits::default())
}

/// [`read_csv_path`] within the given size limits.
///
/// # Errors
/// As [`read_csv_path`].
pub fn read_csv_path_within(path: impl AsRef<Path>, limits: &InputLimits) -> Result<StudyTable> {
    let path = path.as_ref();
    let (name, bytes) = read_file(path, limits)?;
    let parsed = parse_csv_bytes(name, &bytes, false)?;
    // The bytes are freed before validation.
    drop(bytes);
    parsed.validate()
}

/// Reads a study table from a CSV file row by row: a row with a bad cell (not a
/// number, a negative variance, events above the arm size, an empty label) is set
/// aside with its error instead of failing the file, so that a caller pooling groups
/// of rows (`metapool batch`) can give that row's group its error and pool the others.
///
/// # Errors
/// As [`read_csv_path`] for what concerns the whole file (its encoding, its header, a
/// row with too few or too many cells, a quote left open), and the error of the first
/// rejected row when every row is rejected.
pub fn read_csv_path_by_row(path: impl AsRef<Path>) -> Result<RowChecked> {
    read_csv_path_by_row_within(path, &InputLimits::default())
}

/// [`read_csv_path_by_row`] within the given size limits.
///
/// # Errors
/// As [`read_csv_path_by_row`].
pub fn read_csv_path_by_row_within(
    path: impl AsRef<Path>,
    limits: &InputLimits,
) -> Result<RowChecked> {
    let (name, bytes) = read_file(path.as_ref(), limits)?;
    let parsed = parse_csv_bytes(name, &bytes, true)?;
    drop(bytes);
    parsed.validate_by_row()
}

/// The name of `path` for messages and its bytes, read within `limits`.
fn read_file(path: &Path, limits: &InputLimits) -> Result<(String, Vec<u8>)> {
    Ok((
        path.display().to_string(),
        super::input::read_path(path, limits)?,
    ))
}

/// A table read row by row ([`read_csv_path_by_row`]): the valid rows, and the rows set
/// aside with their errors.
#[derive(Debug)]
pub struct RowChecked {
    /// The valid rows, validated as [`read_csv_path`] validates a table.
    pub table: StudyTable,
    /// The rows set aside, in file order.
    pub rejected: Vec<RejectedRow>,
}

/// A row set aside by [`read_csv_path_by_row`], with its text cells (to find its
/// group) and its error.
#[derive(Debug)]
pub struct RejectedRow {
    /// Row number (header = 1).
    pub row: usize,
    /// The study label (possibly empty).
    pub label: String,
    /// The `subgroup` cell, when the table has that column.
    pub subgroup: Option<String>,
    /// The cells of the other text columns: (header name, value).
    pub covariates: Vec<(String, String)>,
    /// Why the row was set aside (an [`Error::Input`] naming file, row and column).
    pub error: Error,
}

/// Reads a study table from CSV text; `source` names it in error messages.
///
/// # Errors
/// As [`read_csv_path`].
pub fn read_csv_str(source: &str, text: &str) -> Result<StudyTable> {
    read_csv_bytes(source.to_owned(), text.as_bytes())
}

/// Reads a study table from any reader; `source` names it in error messages. The
/// whole input is read into memory first, within the default [`InputLimits`].
///
/// # Errors
/// As [`read_csv_path`].
pub fn read_csv_reader<R: Read>(source: impl Into<String>, reader: R) -> Result<StudyTable> {
    let source = source.into();
    let bytes = read_bounded(&source, reader, None, &InputLimits::default())?;
    read_csv_bytes(source, &bytes)
}

fn read_csv_bytes(source: String, bytes: &[u8]) -> Result<StudyTable> {
    parse_csv_bytes(source, bytes, false)?.validate()
}

/// A parsed table before validation, so that callers can free the file's bytes first.
struct Parsed {
    source: String,
    labels: Vec<String>,
    rows: Vec<usize>,
    data: StudyData,
    subgroup: Option<Vec<String>>,
    covariates: Vec<Covariate>,
    /// With a row-by-row reading: the first cell error of each row that has one, by
    /// study index (its numbers are NaN).
    row_errors: Vec<(usize, Error)>,
}

impl Parsed {
    fn validate(self) -> Result<StudyTable> {
        StudyTable::from_parts(
            self.source,
            self.labels,
            self.rows,
            self.data,
            self.subgroup,
            self.covariates,
        )
    }

    /// Validates each row on its own; the invalid ones are set aside with their error.
    fn validate_by_row(self) -> Result<RowChecked> {
        let k = self.labels.len();
        let mut errors: Vec<Option<Error>> = (0..k).map(|_| None).collect();
        for (i, e) in self.row_errors {
            errors[i] = Some(e);
        }
        for (i, slot) in errors.iter_mut().enumerate() {
            if slot.is_none() {
                if let Err(e) = self
                    .data
                    .select(&[i])
                    .validate(&self.source, &[self.rows[i]])
                {
                    *slot = Some(e);
                }
            }
        }
        let valid: Vec<usize> = (0..k).filter(|&i| errors[i].is_none()).collect();
        let text = |v: &[String], idx: &[usize]| idx.iter().map(|&i| v[i].clone()).collect();
        let mut rejected = Vec::new();
        for (i, e) in errors.into_iter().enumerate() {
            if let Some(error) = e {
                rejected.push(RejectedRow {
                    row: self.rows[i],
                    label: self.labels[i].clone(),
                    subgroup: self.subgroup.as_ref().map(|s| s[i].clone()),
                    covariates: self
                        .covariates
                        .iter()
                        .map(|c| (c.name.clone(), c.values[i].clone()))
                        .collect(),
                    error,
                });
            }
        }
        if valid.is_empty() && !rejected.is_empty() {
            return Err(rejected.swap_remove(0).error);
        }
        let table = StudyTable::from_parts(
            self.source.clone(),
            text(&self.labels, &valid),
            valid.iter().map(|&i| self.rows[i]).collect(),
            self.data.select(&valid),
            self.subgroup.as_ref().map(|s| text(s, &valid)),
            self.covariates
                .iter()
                .map(|c| Covariate {
                    name: c.name.clone(),
                    values: text(&c.values, &valid),
                })
                .collect(),
        )?;
        Ok(RowChecked { table, rejected })
    }
}

fn parse_csv_bytes(source: String, bytes: &[u8], by_row: bool) -> Result<Parsed> {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(Error::input(&source, Some(1), None, UTF16));
    }
    let data = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut records = Records::new(&source, data);

    let mut header = ::csv::ByteRecord::new();
    let Some(header_row) = records.next_record(&mut header)? else {
        return Err(Error::input(
            &source,
            Some(1),
            None,
            "empty file: expected a header row such as 'study,events_e,n_e,events_c,n_c'",
        ));
    };
    let mut names = Vec::with_capacity(header.len());
    for (i, field) in header.iter().enumerate() {
        let name = std::str::from_utf8(field).map_err(|_| {
            Error::input(
                &source,
                Some(header_row),
                None,
                format!(
                    "header field {} is not valid UTF-8 text; expected UTF-8: save the file \
                     as 'CSV UTF-8'",
                    i + 1
                ),
            )
        })?;
        names.push(name.trim_start_matches('\u{feff}').trim().to_lowercase());
    }
    if let [only] = names.as_slice() {
        for (separator, named) in [(';', "';'"), ('\t', "a tab"), ('|', "'|'")] {
            if only.contains(separator) {
                return Err(Error::input(
                    &source,
                    Some(header_row),
                    None,
                    format!(
                        "the header has no comma but is separated by {named}; expected \
                         comma-separated values (save as 'CSV UTF-8 (comma delimited)' with \
                         a decimal point in numbers)"
                    ),
                ));
            }
        }
    }
    let columns = HeaderMap::new(&source, header_row, names)?;
    let data_type = columns.recognise()?;
    let required = data_type.required_columns();
    let required_idx: Vec<usize> = required
        .iter()
        .map(|name| columns.require(name, required))
        .collect::<Result<_>>()?;
    let subgroup_idx = columns.find("subgroup");
    let covariate_idx: Vec<usize> = (0..columns.names.len())
        .filter(|i| !required_idx.contains(i) && Some(*i) != subgroup_idx)
        .collect();

    // Sized from the count of lines that can hold a record, so that no column is copied
    // while it grows (a 10⁶-row table would otherwise hold old and new buffers at
    // once), and blank lines or rows of empty cells reserve nothing.
    let expected_rows = record_lines(data);
    let mut labels = Vec::with_capacity(expected_rows);
    let mut rows = Vec::with_capacity(expected_rows);
    let mut numeric: Vec<Vec<f64>> = (1..required.len())
        .map(|_| Vec::with_capacity(expected_rows))
        .collect();
    let mut subgroup = Vec::with_capacity(if subgroup_idx.is_some() {
        expected_rows
    } else {
        0
    });
    let mut covariates: Vec<Vec<String>> = covariate_idx
        .iter()
        .map(|_| Vec::with_capacity(expected_rows))
        .collect();
    let mut row_errors = Vec::new();
    let mut record = ::csv::ByteRecord::new();
    while let Some(row) = records.next_record(&mut record)? {
        columns.check_length(row, &record)?;
        for (field, name) in record.iter().zip(&columns.names) {
            std::str::from_utf8(field).map_err(|e| {
                Error::input(
                    &source,
                    Some(row),
                    Some(name),
                    format!(
                        "the text is not valid UTF-8 (byte {} of the cell); expected UTF-8: \
                         save the file as 'CSV UTF-8'",
                        e.valid_up_to() + 1
                    ),
                )
            })?;
        }
        // Every field is valid UTF-8 (checked just above).
        let cell = |i: usize| std::str::from_utf8(&record[i]).unwrap_or_default().trim();
        let label = cell(required_idx[0]);
        let mut row_error = None;
        if label.is_empty() {
            row_error = Some(Error::input(
                &source,
                Some(row),
                Some("study"),
                "the study label is empty; expected a name for the study",
            ));
        }
        labels.push(label.to_owned());
        rows.push(row);
        for (j, &idx) in required_idx[1..].iter().enumerate() {
            let value = match parse_number(cell(idx)) {
                Ok(value) => value,
                Err(m) => {
                    if row_error.is_none() {
                        row_error =
                            Some(Error::input(&source, Some(row), Some(required[j + 1]), m));
                    }
                    f64::NAN
                }
            };
            numeric[j].push(value);
        }
        if let Some(e) = row_error {
            if !by_row {
                return Err(e);
            }
            row_errors.push((labels.len() - 1, e));
        }
        if let Some(idx) = subgroup_idx {
            subgroup.push(cell(idx).to_owned());
        }
        for (j, &idx) in covariate_idx.iter().enumerate() {
            covariates[j].push(cell(idx).to_owned());
        }
    }
    if labels.is_empty() {
        return Err(Error::input(
            &source,
            None,
            None,
            "no studies: the file has a header but no data rows; expected one row per study \
             below the header",
        ));
    }
    let mut it = numeric.into_iter();
    let mut next = || it.next().unwrap_or_default();
    let data = match data_type {
        DataType::Binary => StudyData::Binary(BinaryArms {
            events_e: next(),
            n_e: next(),
            events_c: next(),
            n_c: next(),
        }),
        DataType::Continuous => StudyData::Continuous(ContinuousArms {
            mean_e: next(),
            sd_e: next(),
            n_e: next(),
            mean_c: next(),
            sd_c: next(),
            n_c: next(),
        }),
        DataType::GenericVariance => StudyData::GenericVariance {
            yi: next(),
            vi: next(),
        },
        DataType::GenericSe => StudyData::GenericSe {
            yi: next(),
            sei: next(),
        },
        DataType::GenericCi => StudyData::GenericCi {
            estimate: next(),
            ci_lower: next(),
            ci_upper: next(),
        },
    };
    let covariates = covariate_idx
        .iter()
        .zip(covariates)
        .map(|(&idx, values)| Covariate {
            name: columns.names[idx].clone(),
            values,
        })
        .collect();
    Ok(Parsed {
        source,
        labels,
        rows,
        data,
        subgroup: subgroup_idx.map(|_| subgroup),
        covariates,
        row_errors,
    })
}

/// The number of lines of `data` with a character other than a separator, a quote or
/// white space: at least the number of records that are not skipped (a record takes
/// one line or more, and a record of empty cells is skipped).
fn record_lines(data: &[u8]) -> usize {
    data.split(|&b| b == b'\n' || b == b'\r')
        .filter(|line| {
            line.iter()
                .any(|&b| !matches!(b, b',' | b'"' | b' ' | b'\t'))
        })
        .count()
}

/// The records of a CSV text with their spreadsheet row numbers; blank lines and rows
/// of empty cells are skipped (and counted). Also reads the claims registries of
/// [`crate::audit::claims`], so that their rows are numbered the same way.
pub(crate) struct Records<'a> {
    source: &'a str,
    data: &'a [u8],
    reader: ::csv::Reader<&'a [u8]>,
    /// The row number of the next line that starts a record.
    next_row: usize,
}

impl<'a> Records<'a> {
    pub(crate) fn new(source: &'a str, data: &'a [u8]) -> Self {
        let reader = ::csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .trim(::csv::Trim::None)
            .from_reader(data);
        Records {
            source,
            data,
            reader,
            next_row: 1,
        }
    }

    /// Reads the next record that has a non-empty cell into `record`; returns its row.
    pub(crate) fn next_record(&mut self, record: &mut ::csv::ByteRecord) -> Result<Option<usize>> {
        loop {
            let more = self.reader.read_byte_record(record).map_err(|e| {
                Error::input(
                    self.source,
                    Some(self.next_row),
                    None,
                    format!("cannot read the CSV text: {e}"),
                )
            })?;
            if !more {
                return Ok(None);
            }
            // The bytes consumed for this record begin with the line ends of any blank
            // lines before it (the csv reader skips those lines). A '\n' right after
            // the '\r' that ended the previous record is the rest of that CRLF.
            let start = record.position().map_or(0, |p| p.byte() as usize);
            let end = (self.reader.position().byte() as usize).min(self.data.len());
            let span = self.data.get(start..end).unwrap_or_default();
            let lead = span
                .iter()
                .take_while(|&&b| b == b'\n' || b == b'\r')
                .count();
            let mut blank = 0;
            let mut i = 0;
            if lead > 0 && span[0] == b'\n' && start > 0 && self.data[start - 1] == b'\r' {
                i = 1;
            }
            while i < lead {
                if span[i] == b'\r' && i + 1 < lead && span[i + 1] == b'\n' {
                    i += 1;
                }
                blank += 1;
                i += 1;
            }
            let row = self.next_row + blank;
            self.next_row = row + 1;
            if record.iter().all(|f| f.trim_ascii().is_empty()) {
                continue;
            }
            return Ok(Some(row));
        }
    }
}

/// The header, checked for empty and duplicate names.
struct HeaderMap<'a> {
    source: &'a str,
    row: usize,
    names: Vec<String>,
}

impl<'a> HeaderMap<'a> {
    fn new(source: &'a str, row: usize, names: Vec<String>) -> Result<Self> {
        let mut seen = std::collections::HashSet::with_capacity(names.len());
        for (i, name) in names.iter().enumerate() {
            if name.is_empty() {
                return Err(Error::input(
                    source,
                    Some(row),
                    None,
                    format!("header field {} is empty; every column needs a name", i + 1),
                ));
            }
            if !seen.insert(name.as_str()) {
                return Err(Error::input(
                    source,
                    Some(row),
                    Some(name),
                    "duplicate column name in the header; expected each name once",
                ));
            }
        }
        Ok(HeaderMap { source, row, names })
    }

    fn find(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n == name)
    }

    /// The header as text for a message, cut to a readable length.
    fn shown(&self) -> String {
        shown(&self.names.join(","))
    }

    fn require(&self, name: &str, layout: &[&str]) -> Result<usize> {
        self.find(name).ok_or_else(|| {
            Error::input(
                self.source,
                Some(self.row),
                Some(name),
                format!(
                    "missing required column '{name}' (header has: {}); expected the columns {}",
                    self.shown(),
                    layout.join(",")
                ),
            )
        })
    }

    /// A record with as many cells as the header, or an error saying what is wrong.
    fn check_length(&self, row: usize, record: &::csv::ByteRecord) -> Result<()> {
        let (len, expected) = (record.len(), self.names.len());
        if len == expected {
            return Ok(());
        }
        let open_quote = record
            .iter()
            .any(|f| f.contains(&b'\n') || f.contains(&b'\r'));
        let plural = |n: usize| if n == 1 { "" } else { "s" };
        let mut message = format!(
            "this row has {len} cell{} but the header has {expected}; expected {expected} \
             comma-separated cells",
            plural(len)
        );
        if len < expected && !open_quote {
            message.push_str(&format!(
                " (none for '{}'); a row needs a cell in every column, empty ones included",
                shown(&self.names[len..].join("', '"))
            ));
        }
        if open_quote {
            message.push_str(
                "; a quoted cell runs over a line break: is a closing quote (\") missing?",
            );
        } else if len > expected {
            message.push_str(
                "; a number written with a comma (1,234 or 0,5) splits into two cells: \
                 write 1234 or 0.5",
            );
        }
        Err(Error::input(self.source, Some(row), None, message))
    }

    /// The layout named by the header's signature column.
    fn recognise(&self) -> Result<DataType> {
        let has = |n: &str| self.find(n).is_some();
        let candidates: Vec<DataType> = [
            (has("events_e") || has("events_c"), DataType::Binary),
            (has("mean_e") || has("mean_c"), DataType::Continuous),
            (has("yi") && has("vi"), DataType::GenericVariance),
            (has("yi") && has("sei"), DataType::GenericSe),
            (has("estimate"), DataType::GenericCi),
        ]
        .into_iter()
        .filter_map(|(present, t)| present.then_some(t))
        .collect();
        match candidates.as_slice() {
            [one] => Ok(*one),
            [] if has("yi") => Err(Error::input(
                self.source,
                Some(self.row),
                Some("yi"),
                "column 'yi' needs either 'vi' (variance) or 'sei' (standard error)",
            )),
            [] => Err(Error::input(
                self.source,
                Some(self.row),
                None,
                format!(
                    "cannot recognise the data type from the header '{}': expected \
                     study,events_e,n_e,events_c,n_c (binary), \
                     study,mean_e,sd_e,n_e,mean_c,sd_c,n_c (continuous), study,yi,vi, \
                     study,yi,sei or study,estimate,ci_lower,ci_upper",
                    self.shown()
                ),
            )),
            _ => Err(Error::input(
                self.source,
                Some(self.row),
                None,
                format!(
                    "the header mixes the columns of several data types ({}); expected the columns \
                     of one layout per file",
                    candidates
                        .iter()
                        .map(|t| format!("{t:?}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )),
        }
    }
}

/// Cell text as a message shows it: at most 40 characters (then `…`), line breaks and
/// other control characters escaped, so that a message stays on one short line.
pub(crate) fn shown(text: &str) -> String {
    const MAX: usize = 40;
    let mut out = String::new();
    for (i, c) in text.chars().enumerate() {
        if i == MAX {
            out.push('…');
            break;
        }
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// Parses one numeric cell; the message says what was expected.
pub(crate) fn parse_number(cell: &str) -> std::result::Result<f64, String> {
    let cell = cell.trim();
    if cell.is_empty() {
        return Err("missing value; expected a number".into());
    }
    match cell.parse::<f64>() {
        Ok(x) if x.is_finite() => Ok(x),
        Ok(_) => Err(format!(
            "'{}' is not a finite number; expected a finite number",
            shown(cell)
        )),
        Err(_) => {
            let missing = ["na", "n/a", "null", "none", ".", "-", "?"];
            let hint = if cell.contains(['\n', '\r']) {
                "; expected a number, but the cell runs over a line break: is a closing \
                 quote (\") missing?"
            } else if cell.contains(',') {
                "; expected a number with a decimal point and no thousands separator (1234.5)"
            } else if missing.contains(&cell.to_lowercase().as_str()) {
                "; expected a number (missing values are not allowed: fill in the value or \
                 remove the study)"
            } else if cell.ends_with('%') {
                "; expected a number without a % sign"
            } else if cell.contains([' ', '\u{a0}', '\u{202f}', '\'', '_']) {
                "; expected a number without thousands separators or spaces (1234.5)"
            } else {
                "; expected a number such as 12 or 0.25"
            };
            Err(format!("'{}' is not a number{hint}", shown(cell)))
        }
    }
}
