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
//! characters, with line breaks shown as `\n`. The file is read within [`InputLimits`]
//! (a NUL byte, a file or a line beyond the limits are refused:
//! [`crate::data::input`]).
//!
//! # Reading in blocks
//! A file is read in blocks of 4 MiB, each checked as it arrives and parsed into
//! columns (the file's bytes are never held whole); so the first problem in file order
//! is the one reported. A block of UTF-8 text without a quote is split at its line ends
//! and commas; any other block goes through the `csv` crate's reader. Both read a
//! quote-free text alike (tests in this module compare them for every block size).
//! [`read_csv_groups`] reads a file in chunks of whole groups for `metapool batch`.
//!
//! # Row numbers
//! Rows are numbered as a spreadsheet shows the file: every line counts, blank ones
//! included, so the header is row 1 (unless blank lines precede it) and the first study
//! row 2; a quoted cell that runs over several lines stays in one row.

use super::input::{open_path, Bounded, InputLimits, UTF16};
use super::{BinaryArms, ContinuousArms, Covariate, DataType, StudyData, StudyTable, Texts};
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
    let (name, file, size) = open_path(path.as_ref())?;
    BlockReader::new(name, file, size, limits)?
        .read_all(false)?
        .validate()
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
    let (name, file, size) = open_path(path.as_ref())?;
    BlockReader::new(name, file, size, limits)?
        .read_all(true)?
        .validate_by_row()
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

/// Reads a study table from a CSV file in chunks of whole groups: runs of consecutive
/// rows with one value in the text column `column` (`study`, `subgroup` or another
/// text column), each chunk read row by row as [`read_csv_path_by_row`] reads a file.
/// A chunk holds about 4 MiB of the file, or one group when a group is larger; the
/// file is never held whole. A group whose rows are not all consecutive comes in
/// several chunks: [`group_runs`] tells whether a file has one.
///
/// # Errors
/// [`Error::Io`] when the file cannot be opened or read; [`Error::Input`] for a header
/// that [`read_csv_path`] refuses, and when the header has no text column `column`.
pub fn read_csv_groups(
    path: impl AsRef<Path>,
    column: &str,
    limits: &InputLimits,
) -> Result<GroupChunks<std::fs::File>> {
    let (name, file, size) = open_path(path.as_ref())?;
    GroupChunks::new(BlockReader::new(name, file, size, limits)?, column)
}

/// The error of a table without the text column `column` to group its rows by.
pub(crate) fn no_group_column(source: &str, column: &str) -> Error {
    Error::input(
        source,
        Some(1),
        Some(column),
        format!("no column named '{column}' to group by"),
    )
}

/// How the rows of a file fall into groups by the text column `column`: how many
/// groups, whether each is one run of consecutive rows (then [`read_csv_groups`]
/// gives every group in one chunk), and whether every row has one cell per column and
/// the text is UTF-8 (then no problem of the whole file can end a reading by chunks
/// after its first chunk). Reads the file in blocks, looking at that column only, and
/// holds 8 bytes per group (a hash of its value: two values with one hash, about one
/// chance in 10⁷ with 10⁶ groups, read as a group that recurs, never the reverse).
///
/// # Errors
/// As [`read_csv_groups`].
pub fn group_runs(path: impl AsRef<Path>, column: &str, limits: &InputLimits) -> Result<GroupRuns> {
    let (name, file, size) = open_path(path.as_ref())?;
    let reader = BlockReader::new(name, file, size, limits)?;
    let group = reader
        .layout
        .text_column(column)
        .ok_or_else(|| no_group_column(&reader.text.source, column))?;
    reader.scan_groups(group)
}

/// The groups of a file ([`group_runs`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GroupRuns {
    /// The number of groups (distinct values of the column).
    pub groups: usize,
    /// Every group is one run of consecutive rows.
    pub consecutive: bool,
    /// Every row has as many cells as the header, and the text is UTF-8.
    pub regular: bool,
}

/// The groups seen by [`BlockReader::scan_groups`].
struct GroupScan {
    /// The hash of each group's value.
    seen: rustc_hash::FxHashSet<u64>,
    /// The value of the last row.
    last: Option<u64>,
    consecutive: bool,
    regular: bool,
}

impl GroupScan {
    fn row(&mut self, cell: &[u8]) {
        let cell = std::str::from_utf8(cell).map_or(cell.trim_ascii(), |c| c.trim().as_bytes());
        let hash = {
            use std::hash::{BuildHasher, Hasher};
            let mut h = rustc_hash::FxBuildHasher.build_hasher();
            h.write(cell);
            h.write_u8(0xff);
            h.finish()
        };
        if self.last != Some(hash) {
            self.consecutive &= self.seen.insert(hash);
            self.last = Some(hash);
        }
    }
}

/// The chunks of a table read by [`read_csv_groups`].
pub struct GroupChunks<R> {
    reader: BlockReader<R>,
    /// The place of the grouping column.
    group: usize,
    /// Rows read so far.
    rows: usize,
}

impl<R: Read> GroupChunks<R> {
    fn new(reader: BlockReader<R>, column: &str) -> Result<Self> {
        let group = reader
            .layout
            .text_column(column)
            .ok_or_else(|| no_group_column(&reader.text.source, column))?;
        Ok(GroupChunks {
            reader,
            group,
            rows: 0,
        })
    }

    /// The layout of the table, from its header.
    pub fn data_type(&self) -> DataType {
        self.reader.layout.data_type
    }

    /// The next chunk of whole groups, `None` after the last.
    ///
    /// # Errors
    /// As [`read_csv_path_by_row`] for what concerns the whole file (its encoding, a row
    /// with too few or too many cells, a quote left open): these end the reading at the
    /// row that has the problem. [`Error::Input`] at the end of a file with no data row.
    pub fn next_chunk(&mut self) -> Result<Option<RowChunk>> {
        let mut columns = Columns::with_capacity(&self.reader.layout, 0);
        loop {
            if !self
                .reader
                .next_block(&mut columns, true, Some(self.group))?
            {
                if self.rows == 0 {
                    return Err(no_rows(&self.reader.text.source));
                }
                return Ok(None);
            }
            if columns.len() > 0 {
                break;
            }
        }
        self.rows += columns.len();
        let parsed = columns.into_parsed(&self.reader.layout, self.reader.text.source.clone())?;
        let (table, rejected) = parsed.validate_rows()?;
        Ok(Some(RowChunk { table, rejected }))
    }
}

/// A chunk of whole groups of rows ([`GroupChunks::next_chunk`]): the valid rows, and
/// the rows set aside with their errors.
#[derive(Debug)]
pub struct RowChunk {
    /// The valid rows, validated as [`read_csv_path`] validates a table (`None` when
    /// every row of the chunk was set aside).
    pub table: Option<StudyTable>,
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
    parse_csv_bytes(source.to_owned(), text.as_bytes(), false)?.validate()
}

/// Reads a study table from CSV text row by row, as [`read_csv_path_by_row`] reads a
/// file: a row with a bad cell is set aside with its error; `source` names the text in
/// error messages. The reading of an in-memory table (a data frame of the Python
/// package) by `batch`.
///
/// # Errors
/// As [`read_csv_path_by_row`].
pub fn read_csv_str_by_row(source: &str, text: &str) -> Result<RowChecked> {
    parse_csv_bytes(source.to_owned(), text.as_bytes(), true)?.validate_by_row()
}

/// Reads a study table from any reader, within the default [`InputLimits`]; `source`
/// names it in error messages.
///
/// # Errors
/// As [`read_csv_path`].
pub fn read_csv_reader<R: Read>(source: impl Into<String>, reader: R) -> Result<StudyTable> {
    BlockReader::new(source.into(), reader, None, &InputLimits::default())?
        .read_all(false)?
        .validate()
}

/// A parsed table before validation, so that callers can free the file's bytes first.
struct Parsed {
    source: String,
    labels: Texts,
    rows: Vec<usize>,
    data: StudyData,
    subgroup: Option<Texts>,
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
        let (table, mut rejected) = self.validate_rows()?;
        match table {
            Some(table) => Ok(RowChecked { table, rejected }),
            // Every row was rejected (there is at least one: a table has rows).
            None => Err(rejected.swap_remove(0).error),
        }
    }

    /// The valid rows as a table (`None` when there is none) and the rows set aside.
    fn validate_rows(self) -> Result<(Option<StudyTable>, Vec<RejectedRow>)> {
        let k = self.labels.len();
        if k == 0 {
            return Ok((None, Vec::new()));
        }
        if self.row_errors.is_empty() && self.data.validate(&self.source, &self.rows).is_ok() {
            return Ok((Some(self.validate()?), Vec::new()));
        }
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
        let mut rejected = Vec::new();
        for (i, e) in errors.into_iter().enumerate() {
            if let Some(error) = e {
                rejected.push(RejectedRow {
                    row: self.rows[i],
                    label: self.labels[i].to_owned(),
                    subgroup: self.subgroup.as_ref().map(|s| s[i].to_owned()),
                    covariates: self
                        .covariates
                        .iter()
                        .map(|c| (c.name.clone(), c.values[i].to_owned()))
                        .collect(),
                    error,
                });
            }
        }
        if valid.is_empty() {
            return Ok((None, rejected));
        }
        let table = StudyTable::from_parts(
            self.source.clone(),
            self.labels.select(&valid),
            valid.iter().map(|&i| self.rows[i]).collect(),
            self.data.select(&valid),
            self.subgroup.as_ref().map(|s| s.select(&valid)),
            self.covariates
                .iter()
                .map(|c| Covariate {
                    name: c.name.clone(),
                    values: c.values.select(&valid),
                })
                .collect(),
        )?;
        Ok((Some(table), rejected))
    }
}

fn parse_csv_bytes(source: String, bytes: &[u8], by_row: bool) -> Result<Parsed> {
    let data = without_bom(&source, bytes)?;
    let mut records = Records::new(&source, data);
    let layout = Layout::read(&source, &mut records)?;
    // Sized from the count of lines that can hold a record, so that no column is copied
    // while it grows (a 10⁶-row table would otherwise hold old and new buffers at
    // once), and blank lines or rows of empty cells reserve nothing.
    let mut columns = Columns::with_capacity(&layout, record_lines(data));
    let mut record = ::csv::ByteRecord::new();
    while let Some(row) = records.next_record(&mut record)? {
        columns.push(&layout, &source, row, &record, by_row)?;
    }
    columns.into_parsed(&layout, source)
}

/// The text of a file after its UTF-8 byte-order mark, if any.
///
/// # Errors
/// [`Error::Input`] for UTF-16 text (its byte-order mark).
fn without_bom<'a>(source: &str, bytes: &'a [u8]) -> Result<&'a [u8]> {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(Error::input(source, Some(1), None, UTF16));
    }
    Ok(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes))
}

/// The layout of a table whose columns are named `names` (a data frame's, say), and
/// the place of each of its required columns ([`DataType::required_columns`], the study
/// label first), recognised as the header of a CSV file is (names trimmed and matched
/// without regard to case; header row 1 in messages).
///
/// # Errors
/// [`Error::Input`] located in `source` for an empty or repeated name, names of no
/// layout or of several, or a missing required column.
pub fn layout_of_columns(source: &str, names: &[&str]) -> Result<(DataType, Vec<usize>)> {
    let names = names
        .iter()
        .map(|n| n.trim_start_matches('\u{feff}').trim().to_lowercase())
        .collect();
    let header = HeaderMap::new(source, 1, names)?;
    let data_type = header.recognise()?;
    let places = header.required_places(data_type.required_columns())?;
    Ok((data_type, places))
}

/// A table's header: its layout and the place of each of its columns.
struct Layout {
    header: HeaderMap,
    data_type: DataType,
    /// The layout's required columns ([`DataType::required_columns`]) and their places.
    required: &'static [&'static str],
    required_idx: Vec<usize>,
    subgroup_idx: Option<usize>,
    /// Every other column, kept as text.
    covariate_idx: Vec<usize>,
}

impl Layout {
    /// Reads the header, the first record of `records`, and recognises the layout.
    ///
    /// # Errors
    /// [`Error::Input`] for an empty file, a header that is not UTF-8, separated by
    /// another character than the comma, with an empty or repeated name, of no layout
    /// or of several, or without a required column.
    fn read(source: &str, records: &mut Records) -> Result<Layout> {
        let mut header = ::csv::ByteRecord::new();
        let Some(header_row) = records.next_record(&mut header)? else {
            return Err(Error::input(
                source,
                Some(1),
                None,
                "empty file: expected a header row such as 'study,events_e,n_e,events_c,n_c'",
            ));
        };
        let mut names = Vec::with_capacity(header.len());
        for (i, field) in header.iter().enumerate() {
            let name = std::str::from_utf8(field).map_err(|_| {
                Error::input(
                    source,
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
                        source,
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
        let header = HeaderMap::new(source, header_row, names)?;
        let data_type = header.recognise()?;
        let required = data_type.required_columns();
        let required_idx = header.required_places(required)?;
        let subgroup_idx = header.find("subgroup");
        let covariate_idx: Vec<usize> = (0..header.names.len())
            .filter(|i| !required_idx.contains(i) && Some(*i) != subgroup_idx)
            .collect();
        Ok(Layout {
            header,
            data_type,
            required,
            required_idx,
            subgroup_idx,
            covariate_idx,
        })
    }

    /// The place of the text column `name` (matched trimmed and in lower case, as the
    /// header is): the study label, `subgroup` or another text column; `None` for a
    /// numeric column of the layout and a name the header lacks.
    fn text_column(&self, name: &str) -> Option<usize> {
        let name = name.trim().to_lowercase();
        if name == "study" {
            return Some(self.required_idx[0]);
        }
        if name == "subgroup" {
            return self.subgroup_idx;
        }
        self.covariate_idx
            .iter()
            .copied()
            .find(|&i| self.header.names[i] == name)
    }
}

/// The columns of the rows read so far, before validation.
struct Columns {
    labels: Texts,
    rows: Vec<usize>,
    /// The layout's numeric columns, in the order of [`Layout::required`] after the label.
    numeric: Vec<Vec<f64>>,
    subgroup: Texts,
    covariates: Vec<Texts>,
    /// With a row-by-row reading: the first cell error of each row that has one, by
    /// study index (its numbers are NaN).
    row_errors: Vec<(usize, Error)>,
}

impl Columns {
    fn with_capacity(layout: &Layout, rows: usize) -> Self {
        Columns {
            labels: Texts::with_capacity(rows, 0),
            rows: Vec::with_capacity(rows),
            numeric: (1..layout.required.len())
                .map(|_| Vec::with_capacity(rows))
                .collect(),
            subgroup: Texts::with_capacity(
                if layout.subgroup_idx.is_some() {
                    rows
                } else {
                    0
                },
                0,
            ),
            covariates: layout
                .covariate_idx
                .iter()
                .map(|_| Texts::with_capacity(rows, 0))
                .collect(),
            row_errors: Vec::new(),
        }
    }

    fn len(&self) -> usize {
        self.labels.len()
    }

    /// The cell of row `i` in the text column at `column` (a place the layout has:
    /// [`Layout::text_column`]).
    fn text(&self, layout: &Layout, column: usize, i: usize) -> &str {
        if column == layout.required_idx[0] {
            &self.labels[i]
        } else if Some(column) == layout.subgroup_idx {
            &self.subgroup[i]
        } else {
            layout
                .covariate_idx
                .iter()
                .position(|&c| c == column)
                .map_or("", |j| &self.covariates[j][i])
        }
    }

    /// Adds the rows of `other` after these.
    fn append(&mut self, other: Columns) {
        let before = self.len();
        self.labels.append(&other.labels);
        self.rows.extend(other.rows);
        for (column, more) in self.numeric.iter_mut().zip(other.numeric) {
            column.extend(more);
        }
        self.subgroup.append(&other.subgroup);
        for (column, more) in self.covariates.iter_mut().zip(&other.covariates) {
            column.append(more);
        }
        self.row_errors
            .extend(other.row_errors.into_iter().map(|(i, e)| (before + i, e)));
    }

    /// Keeps the first `n` rows.
    fn truncate(&mut self, n: usize) {
        self.labels.truncate(n);
        self.rows.truncate(n);
        for column in &mut self.numeric {
            column.truncate(n);
        }
        self.subgroup.truncate(n);
        for column in &mut self.covariates {
            column.truncate(n);
        }
        self.row_errors.retain(|(i, _)| *i < n);
    }

    /// Reads `record`, spreadsheet row `row`, into the columns.
    ///
    /// # Errors
    /// [`Error::Input`] for a record with too few or too many cells or a cell that is
    /// not UTF-8; and, unless `by_row`, for an empty label or a number that is not one.
    /// With `by_row`, the first such cell error of the row is kept in `row_errors`.
    fn push(
        &mut self,
        layout: &Layout,
        source: &str,
        row: usize,
        record: &::csv::ByteRecord,
        by_row: bool,
    ) -> Result<()> {
        layout.header.check_length(row, record)?;
        // The record's text, when each of its cells is UTF-8: then the whole is, and each
        // cell begins and ends on a character boundary of it.
        let text = std::str::from_utf8(record.as_slice()).ok().filter(|text| {
            (0..record.len()).all(|i| record.range(i).is_some_and(|r| text.get(r).is_some()))
        });
        let Some(text) = text else {
            for (field, name) in record.iter().zip(&layout.header.names) {
                std::str::from_utf8(field).map_err(|e| {
                    Error::input(
                        source,
                        Some(row),
                        Some(name),
                        format!(
                            "the text is not valid UTF-8 (byte {} of the cell); expected \
                             UTF-8: save the file as 'CSV UTF-8'",
                            e.valid_up_to() + 1
                        ),
                    )
                })?;
            }
            // Not reached: a record of UTF-8 cells is UTF-8 text, cut at their ends.
            return Err(Error::input(
                source,
                Some(row),
                None,
                "the text is not valid UTF-8; expected UTF-8: save the file as 'CSV UTF-8'",
            ));
        };
        let cell = |i: usize| {
            record
                .range(i)
                .and_then(|r| text.get(r))
                .unwrap_or_default()
        };
        self.push_cells(layout, source, row, cell, by_row)
    }

    /// Reads a line of text without a quote, spreadsheet row `row`, into the columns: its
    /// cells are the text between its commas.
    ///
    /// # Errors
    /// As [`Columns::push`].
    fn push_plain(
        &mut self,
        layout: &Layout,
        source: &str,
        row: usize,
        line: &str,
        by_row: bool,
        cells: &mut Vec<(usize, usize)>,
    ) -> Result<()> {
        cells.clear();
        let mut start = 0;
        for comma in memchr::memchr_iter(b',', line.as_bytes()) {
            cells.push((start, comma));
            start = comma + 1;
        }
        cells.push((start, line.len()));
        if cells.len() != layout.header.names.len() {
            // The message of a record of that length.
            let record = ::csv::ByteRecord::from(
                cells.iter().map(|&(a, b)| &line[a..b]).collect::<Vec<_>>(),
            );
            layout.header.check_length(row, &record)?;
        }
        let cell = |i: usize| cells.get(i).map_or("", |&(a, b)| &line[a..b]);
        self.push_cells(layout, source, row, cell, by_row)
    }

    /// Reads the cells of row `row` (`cell(i)`: the text of column `i`, untrimmed).
    fn push_cells<'c>(
        &mut self,
        layout: &Layout,
        source: &str,
        row: usize,
        cell: impl Fn(usize) -> &'c str,
        by_row: bool,
    ) -> Result<()> {
        let cell = |i: usize| trim(cell(i));
        let label = cell(layout.required_idx[0]);
        let mut row_error = None;
        if label.is_empty() {
            row_error = Some(Error::input(
                source,
                Some(row),
                Some("study"),
                "the study label is empty; expected a name for the study",
            ));
        }
        self.labels.push(label);
        self.rows.push(row);
        for (j, &idx) in layout.required_idx[1..].iter().enumerate() {
            let value = match parse_number(cell(idx)) {
                Ok(value) => value,
                Err(m) => {
                    if row_error.is_none() {
                        row_error = Some(Error::input(
                            source,
                            Some(row),
                            Some(layout.required[j + 1]),
                            m,
                        ));
                    }
                    f64::NAN
                }
            };
            self.numeric[j].push(value);
        }
        if let Some(idx) = layout.subgroup_idx {
            self.subgroup.push(cell(idx));
        }
        for (j, &idx) in layout.covariate_idx.iter().enumerate() {
            self.covariates[j].push(cell(idx));
        }
        if let Some(e) = row_error {
            if !by_row {
                return Err(e);
            }
            self.row_errors.push((self.labels.len() - 1, e));
        }
        Ok(())
    }

    /// The columns as a table before validation.
    ///
    /// # Errors
    /// [`Error::Input`] when no row was read.
    fn into_parsed(self, layout: &Layout, source: String) -> Result<Parsed> {
        if self.labels.is_empty() {
            return Err(no_rows(&source));
        }
        let mut it = self.numeric.into_iter();
        let mut next = || it.next().unwrap_or_default();
        let data = match layout.data_type {
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
        let covariates = layout
            .covariate_idx
            .iter()
            .zip(self.covariates)
            .map(|(&idx, values)| Covariate {
                name: layout.header.names[idx].clone(),
                values,
            })
            .collect();
        Ok(Parsed {
            source,
            labels: self.labels,
            rows: self.rows,
            data,
            subgroup: layout.subgroup_idx.map(|_| self.subgroup),
            covariates,
            row_errors: self.row_errors,
        })
    }
}

/// The error of a table with a header and no row.
fn no_rows(source: &str) -> Error {
    Error::input(
        source,
        None,
        None,
        "no studies: the file has a header but no data rows; expected one row per study \
         below the header",
    )
}

/// The bytes a [`BlockReader`] reads at a time: about 10⁵ rows of a generic table.
const BLOCK: usize = 1 << 22;

/// A table read from a reader in blocks of [`BLOCK`] bytes, so that the file's bytes are
/// never held whole: each block is parsed into [`Columns`] and dropped, but for its last
/// record, which the block may cut and which is read again with the next block. The
/// bytes are checked as they arrive ([`Bounded`]), so a problem is reported at the first
/// place in the file that has one. Rows are numbered as [`Records`] numbers them in the
/// whole text.
struct BlockReader<R> {
    text: Text<R>,
    layout: Layout,
    record: ::csv::ByteRecord,
    /// Where the cells of a plain line are (reused from line to line).
    cells: Vec<(usize, usize)>,
}

/// The bytes of a [`BlockReader`]'s input read and not yet parsed.
struct Text<R> {
    source: String,
    input: Bounded<R>,
    /// The bytes; they begin at `at`.
    buf: Vec<u8>,
    at: Resume,
    /// The input has no more bytes than those in `buf`.
    eof: bool,
    /// The bytes read at a time ([`BLOCK`]; less in tests of the cuts).
    block: usize,
}

impl<R: Read> Text<R> {
    /// Reads up to `want` more bytes into `buf`; notes the end of the input.
    fn fill(&mut self, want: usize) -> Result<()> {
        if !self.eof && self.input.fill(&mut self.buf, want)? < want {
            self.eof = true;
        }
        Ok(())
    }

    /// Reads a block more than `buf` holds.
    fn grow(&mut self) -> Result<()> {
        self.fill(self.buf.len().max(self.block))
    }

    /// Drops the bytes before `at` (a place in `buf`).
    fn consume(&mut self, at: Resume) {
        self.buf.drain(..at.byte);
        self.at = Resume { byte: 0, ..at };
    }

    fn records(&self) -> Records<'_> {
        Records::resume_at(&self.source, &self.buf, self.at)
    }
}

impl<R: Read> BlockReader<R> {
    /// Opens the table `source` (its size `known` when the file system knows it) and
    /// reads its header.
    ///
    /// # Errors
    /// As [`Bounded`] for the bytes read, and as [`Layout::read`] for the header.
    fn new(source: String, reader: R, known: Option<u64>, limits: &InputLimits) -> Result<Self> {
        Self::with_block(source, reader, known, limits, BLOCK)
    }

    /// [`BlockReader::new`] reading `block` bytes at a time.
    fn with_block(
        source: String,
        reader: R,
        known: Option<u64>,
        limits: &InputLimits,
        block: usize,
    ) -> Result<Self> {
        let input = Bounded::new(&source, reader, known, limits)?;
        let mut text = Text {
            source,
            input,
            buf: Vec::new(),
            at: Resume {
                byte: 0,
                row: 1,
                after_cr: false,
            },
            eof: false,
            block,
        };
        text.fill(block)?;
        let bom = text.buf.len() - without_bom(&text.source, &text.buf)?.len();
        text.buf.drain(..bom);
        let mut record = ::csv::ByteRecord::new();
        loop {
            let mut records = text.records();
            let whole = records.next_record(&mut record)?.is_some()
                && records.position().byte < text.buf.len();
            if whole || text.eof {
                let mut records = text.records();
                let layout = Layout::read(&text.source, &mut records)?;
                let rest = records.position();
                text.consume(rest);
                return Ok(BlockReader {
                    text,
                    layout,
                    record,
                    cells: Vec::new(),
                });
            }
            text.grow()?;
        }
    }

    /// Reads every row that follows.
    ///
    /// # Errors
    /// As [`Columns::push`]; [`Error::Input`] when there is no row.
    fn read_all(mut self, by_row: bool) -> Result<Parsed> {
        let mut columns = Columns::with_capacity(&self.layout, 0);
        while self.next_block(&mut columns, by_row, None)? {}
        columns.into_parsed(&self.layout, self.text.source)
    }

    /// [`group_runs`] of the rest of the text, by the text column at `group`. A block
    /// without a quote is split at its line ends; one with a quote is read by records.
    fn scan_groups(mut self, group: usize) -> Result<GroupRuns> {
        let mut scan = GroupScan {
            seen: rustc_hash::FxHashSet::default(),
            last: None,
            consecutive: true,
            regular: true,
        };
        let cells = self.layout.header.names.len();
        let text = &mut self.text;
        loop {
            if text.buf.len() < text.block {
                text.fill(text.block - text.buf.len())?;
            }
            if text.buf.is_empty() {
                break;
            }
            let rest = if text.buf.contains(&b'"') {
                // UTF-8 cells make UTF-8 text: the separators and quotes are ASCII.
                scan.regular &= std::str::from_utf8(&text.buf).is_ok();
                let mut records = text.records();
                let mut after_last = records.position();
                let mut cut = None;
                while records.next_record(&mut self.record)?.is_some() {
                    if !text.eof && records.position().byte >= text.buf.len() {
                        cut = Some(records.last_start());
                        break;
                    }
                    scan.regular &= self.record.len() == cells;
                    scan.row(self.record.get(group).unwrap_or_default());
                    after_last = records.position();
                }
                match cut {
                    None if text.eof => records.position(),
                    None => after_last,
                    Some(cut) => cut,
                }
            } else {
                let end = if text.eof {
                    text.buf.len()
                } else {
                    text.buf
                        .iter()
                        .rposition(|&b| b == b'\n' || b == b'\r')
                        .map_or(0, |i| i + 1)
                };
                scan.regular &= std::str::from_utf8(&text.buf[..end]).is_ok();
                let block = &text.buf[..end];
                let mut start = 0;
                for line_end in memchr::memchr2_iter(b'\n', b'\r', block).chain([end]) {
                    let line = &block[start..line_end];
                    start = line_end + 1;
                    // A blank line, or a row of empty cells, is no row.
                    if line.iter().all(|&b| b == b',' || b.is_ascii_whitespace()) {
                        continue;
                    }
                    // The cell at `group`: between the commas before and after it.
                    let (mut commas, mut cell_start, mut cell_end) = (0, 0, line.len());
                    for comma in memchr::memchr_iter(b',', line) {
                        commas += 1;
                        if commas == group {
                            cell_start = comma + 1;
                        } else if commas == group + 1 {
                            cell_end = comma;
                        }
                    }
                    scan.regular &= commas + 1 == cells;
                    let cell = if commas < group {
                        &[][..]
                    } else {
                        &line[cell_start..cell_end]
                    };
                    scan.row(cell);
                }
                // Row numbers are not needed here.
                Resume {
                    byte: end,
                    row: 0,
                    after_cr: false,
                }
            };
            if rest.byte == 0 && !text.eof {
                text.grow()?;
                continue;
            }
            text.consume(rest);
            if text.eof && text.buf.is_empty() {
                break;
            }
        }
        Ok(GroupRuns {
            groups: scan.seen.len(),
            consecutive: scan.consecutive,
            regular: scan.regular,
        })
    }

    /// Parses the next block into `columns`: its whole records, or with `group` (the
    /// place of a text column) its whole groups of consecutive rows with one value in
    /// that column (a group larger than a block is read whole). Returns false, reading
    /// nothing, at the end of the input.
    ///
    /// # Errors
    /// As [`Columns::push`].
    fn next_block(
        &mut self,
        columns: &mut Columns,
        by_row: bool,
        group: Option<usize>,
    ) -> Result<bool> {
        let before = columns.len();
        loop {
            let text = &mut self.text;
            if text.buf.len() < text.block {
                text.fill(text.block - text.buf.len())?;
            }
            if text.eof && text.buf.is_empty() {
                return Ok(false);
            }
            // Where each row read begins, to cut the block after a whole group.
            let mut starts = Vec::new();
            let starts_wanted = group.is_some();
            let read = match plain_text(&text.buf, text.eof) {
                Some((plain, eof)) => read_plain(
                    &self.layout,
                    &text.source,
                    plain,
                    text.at,
                    eof,
                    columns,
                    by_row,
                    starts_wanted.then_some(&mut starts),
                    &mut self.cells,
                )?,
                None => read_records(
                    &self.layout,
                    text,
                    columns,
                    by_row,
                    starts_wanted.then_some(&mut starts),
                    &mut self.record,
                )?,
            };
            let rest = match group {
                None => read.cut.unwrap_or(read.end),
                Some(_) if text.eof => read.end,
                Some(g) => {
                    // The last group may go on in the next block (whether the block cuts
                    // a row or ends with a whole one): it is read again with it, unless
                    // it began with the block.
                    let last = columns.len();
                    let mut first = last;
                    while first > before
                        && columns.text(&self.layout, g, first - 1)
                            == columns.text(&self.layout, g, last - 1)
                    {
                        first -= 1;
                    }
                    columns.truncate(first);
                    match starts.get(first - before) {
                        Some(&start) => start,
                        // The block is one group: a larger one is read below.
                        None => read.cut.unwrap_or(read.end),
                    }
                }
            };
            if columns.len() == before && !text.eof {
                // No whole record, or one group, in the block: read a larger one.
                text.grow()?;
                continue;
            }
            text.consume(rest);
            return Ok(true);
        }
    }
}

/// Where the reading of a block ended ([`read_plain`], [`read_records`]).
struct BlockEnd {
    /// Where the row the block may cut begins (`None` when the input ends in the block,
    /// or the block ends with a whole row).
    cut: Option<Resume>,
    /// Where the text after the rows read begins, when no row is cut.
    end: Resume,
}

/// The text of a block as UTF-8 without a quote, and whether it is the end of the
/// input: the block, or the block but for a character its end cuts; `None` for a block
/// with a quote or bytes that are not UTF-8 (read by [`read_records`], whose messages
/// name the cell).
fn plain_text(buf: &[u8], eof: bool) -> Option<(&str, bool)> {
    if memchr::memchr(b'"', buf).is_some() {
        return None;
    }
    match std::str::from_utf8(buf) {
        Ok(text) => Some((text, eof)),
        // A character cut by the end of the block: the rest comes with the next.
        Err(e) if e.error_len().is_none() && !eof => std::str::from_utf8(&buf[..e.valid_up_to()])
            .ok()
            .map(|t| (t, false)),
        Err(_) => None,
    }
}

/// Reads the rows of `plain`, a text without a quote that begins at `at`: each line is
/// a row (line ends LF, CRLF or CR; a blank line or a line of empty cells is counted
/// and skipped), its cells the text between its commas, as the CSV reader reads such a
/// text; the last line is cut unless `eof`. A text of more than two pieces of
/// [`PIECE`] bytes is cut after line feeds into pieces read in parallel, each from the
/// row the line ends before it give, and put together in order (the first error in
/// file order is the one returned).
#[allow(clippy::too_many_arguments)]
fn read_plain(
    layout: &Layout,
    source: &str,
    plain: &str,
    at: Resume,
    eof: bool,
    columns: &mut Columns,
    by_row: bool,
    starts: Option<&mut Vec<Resume>>,
    cells: &mut Vec<(usize, usize)>,
) -> Result<BlockEnd> {
    use rayon::prelude::*;
    let bytes = plain.as_bytes();
    let n = (bytes.len() / PIECE).min(rayon::current_num_threads() * 2);
    // Where the pieces begin: after the first line feed from each n-th of the text.
    let mut bounds = vec![0];
    for p in 1..n {
        let from = (bytes.len() * p / n).max(bounds[bounds.len() - 1] + 1);
        match bytes
            .get(from..)
            .and_then(|rest| memchr::memchr(b'\n', rest))
        {
            Some(k) if from + k + 1 < bytes.len() => bounds.push(from + k + 1),
            _ => break,
        }
    }
    if bounds.len() == 1 {
        return read_plain_piece(
            layout, source, plain, at, eof, columns, by_row, starts, cells,
        );
    }
    bounds.push(bytes.len());
    // The row each piece begins with: one a line end before it (an LF; a CR not followed
    // by an LF), but for the LF that ends a CRLF begun before the text.
    let mut resumes = vec![at];
    for w in bounds.windows(2).take(bounds.len() - 2) {
        let piece = &bytes[w[0]..w[1]];
        let lone_cr = memchr::memchr_iter(b'\r', piece)
            .filter(|&i| piece.get(i + 1) != Some(&b'\n'))
            .count();
        let skipped = usize::from(w[0] == 0 && at.after_cr && piece.first() == Some(&b'\n'));
        let rows = memchr::memchr_iter(b'\n', piece).count() + lone_cr - skipped;
        let previous = resumes[resumes.len() - 1];
        resumes.push(Resume {
            byte: 0,
            row: previous.row + rows,
            after_cr: false,
        });
    }
    let wanted = starts.is_some();
    let read: Vec<Result<(Columns, Vec<Resume>, BlockEnd)>> = bounds
        .par_windows(2)
        .zip(resumes.par_iter())
        .enumerate()
        .map(|(p, (w, &resume))| {
            let last = p == bounds.len() - 2;
            let mut piece_columns = Columns::with_capacity(layout, 0);
            let mut piece_starts = Vec::new();
            let end = read_plain_piece(
                layout,
                source,
                &plain[w[0]..w[1]],
                resume,
                last && eof,
                &mut piece_columns,
                by_row,
                wanted.then_some(&mut piece_starts),
                &mut Vec::new(),
            )?;
            let shift = |r: Resume| Resume {
                byte: r.byte + w[0],
                ..r
            };
            let piece_starts = piece_starts.into_iter().map(shift).collect();
            let end = BlockEnd {
                cut: end.cut.map(shift),
                end: shift(end.end),
            };
            Ok((piece_columns, piece_starts, end))
        })
        .collect();
    let mut starts = starts;
    let mut block_end = None;
    for piece in read {
        let (piece_columns, piece_starts, end) = piece?;
        columns.append(piece_columns);
        if let Some(starts) = starts.as_deref_mut() {
            starts.extend(piece_starts);
        }
        block_end = Some(end);
    }
    Ok(block_end.unwrap_or(BlockEnd { cut: None, end: at }))
}

/// The bytes of a piece of plain text read by one thread ([`read_plain`]).
const PIECE: usize = 1 << 20;

/// [`read_plain`] of one piece, in one thread.
#[allow(clippy::too_many_arguments)]
fn read_plain_piece(
    layout: &Layout,
    source: &str,
    plain: &str,
    at: Resume,
    eof: bool,
    columns: &mut Columns,
    by_row: bool,
    mut starts: Option<&mut Vec<Resume>>,
    cells: &mut Vec<(usize, usize)>,
) -> Result<BlockEnd> {
    let bytes = plain.as_bytes();
    let after_cr = |pos: usize| match pos.checked_sub(1) {
        Some(i) => bytes[i] == b'\r',
        None => at.after_cr,
    };
    let mut pos = 0;
    let mut row = at.row;
    if at.after_cr && bytes.first() == Some(&b'\n') {
        // The end of the CRLF that ended the row before.
        pos = 1;
    }
    loop {
        let here = Resume {
            byte: pos,
            row,
            after_cr: after_cr(pos),
        };
        let (line_end, next) = match memchr::memchr2(b'\n', b'\r', &bytes[pos..]) {
            Some(k) => {
                let end = pos + k;
                let crlf = bytes[end] == b'\r' && bytes.get(end + 1) == Some(&b'\n');
                (end, end + 1 + usize::from(crlf))
            }
            None if pos == bytes.len() => {
                return Ok(BlockEnd {
                    cut: None,
                    end: here,
                })
            }
            None if !eof => {
                return Ok(BlockEnd {
                    cut: Some(here),
                    end: here,
                })
            }
            None => (bytes.len(), bytes.len()),
        };
        let line = &plain[pos..line_end];
        if !line.bytes().all(|b| b == b',' || b.is_ascii_whitespace()) {
            if let Some(starts) = starts.as_deref_mut() {
                starts.push(here);
            }
            columns.push_plain(layout, source, row, line, by_row, cells)?;
        }
        row += 1;
        pos = next;
    }
}

/// Reads the records of a block with the CSV reader (quoted cells; cells that are not
/// UTF-8, named in the message); the last record is cut unless the input ends.
fn read_records<R: Read>(
    layout: &Layout,
    text: &Text<R>,
    columns: &mut Columns,
    by_row: bool,
    mut starts: Option<&mut Vec<Resume>>,
    record: &mut ::csv::ByteRecord,
) -> Result<BlockEnd> {
    let mut records = text.records();
    // After the last record read: the rows of empty cells and blank lines after it may
    // be cut too, and are read again with the next block.
    let mut after_last = records.position();
    while let Some(row) = records.next_record(record)? {
        if !text.eof && records.position().byte >= text.buf.len() {
            // The block may cut this record: it is read again with the next.
            return Ok(BlockEnd {
                cut: Some(records.last_start()),
                end: after_last,
            });
        }
        if let Some(starts) = starts.as_deref_mut() {
            starts.push(records.last_start());
        }
        columns.push(layout, &text.source, row, record, by_row)?;
        after_last = records.position();
    }
    Ok(BlockEnd {
        cut: None,
        end: if text.eof {
            records.position()
        } else {
            after_last
        },
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
    /// The byte before `data` (in the file) was a CR: an LF at the start of `data` ends
    /// that line (CRLF), it is no blank line.
    after_cr: bool,
    /// Where the bytes of the last record returned begin (with any blank lines before
    /// it), and the row number of their first line: the place to read again from.
    last_start: Resume,
}

/// A place in a CSV text to resume reading from ([`Records::resume_at`]): the bytes
/// from `byte` on, whose first line is row `row`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Resume {
    pub(crate) byte: usize,
    pub(crate) row: usize,
    pub(crate) after_cr: bool,
}

impl<'a> Records<'a> {
    pub(crate) fn new(source: &'a str, data: &'a [u8]) -> Self {
        Self::resume_at(
            source,
            data,
            Resume {
                byte: 0,
                row: 1,
                after_cr: false,
            },
        )
    }

    /// The records of `data`, a piece of a CSV text that begins at `at` (its `byte` is
    /// ignored: `data` begins there), numbered as in the whole text.
    pub(crate) fn resume_at(source: &'a str, data: &'a [u8], at: Resume) -> Self {
        let reader = ::csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .trim(::csv::Trim::None)
            .from_reader(data);
        Records {
            source,
            data,
            reader,
            next_row: at.row,
            after_cr: at.after_cr,
            last_start: Resume { byte: 0, ..at },
        }
    }

    /// Where the last record returned begins, to read it again from there.
    pub(crate) fn last_start(&self) -> Resume {
        self.last_start
    }

    /// Where the text after the last record returned begins.
    pub(crate) fn position(&self) -> Resume {
        let byte = (self.reader.position().byte() as usize).min(self.data.len());
        Resume {
            byte,
            row: self.next_row,
            after_cr: self.byte_before_is_cr(byte),
        }
    }

    fn byte_before_is_cr(&self, byte: usize) -> bool {
        match byte.checked_sub(1) {
            Some(i) => self.data[i] == b'\r',
            None => self.after_cr,
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
            let resume = Resume {
                byte: start,
                row: self.next_row,
                after_cr: self.byte_before_is_cr(start),
            };
            if lead > 0 && span[0] == b'\n' && resume.after_cr {
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
            self.last_start = resume;
            return Ok(Some(row));
        }
    }
}

/// The header, checked for empty and duplicate names.
struct HeaderMap {
    source: String,
    row: usize,
    names: Vec<String>,
}

impl HeaderMap {
    fn new(source: &str, row: usize, names: Vec<String>) -> Result<Self> {
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
        Ok(HeaderMap {
            source: source.to_owned(),
            row,
            names,
        })
    }

    fn find(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n == name)
    }

    /// The header as text for a message, cut to a readable length.
    fn shown(&self) -> String {
        shown(&self.names.join(","))
    }

    /// The place of each column of `layout`, in its order.
    fn required_places(&self, layout: &[&str]) -> Result<Vec<usize>> {
        layout
            .iter()
            .map(|name| self.require(name, layout))
            .collect()
    }

    fn require(&self, name: &str, layout: &[&str]) -> Result<usize> {
        self.find(name).ok_or_else(|| {
            Error::input(
                &self.source,
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
        Err(Error::input(&self.source, Some(row), None, message))
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
                &self.source,
                Some(self.row),
                Some("yi"),
                "column 'yi' needs either 'vi' (variance) or 'sei' (standard error)",
            )),
            [] => Err(Error::input(
                &self.source,
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
                &self.source,
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

/// `text` without the white space at its ends, as [`str::trim`] (Unicode white space):
/// ASCII first, which is all most cells have.
fn trim(text: &str) -> &str {
    let ascii = text.trim_ascii();
    let plain = |b: Option<&u8>| b.is_none_or(|&b| b.is_ascii() && b != 0x0B);
    if plain(ascii.as_bytes().first()) && plain(ascii.as_bytes().last()) {
        ascii
    } else {
        ascii.trim()
    }
}

/// Cell text as a message shows it: at most 40 characters (then `…`), line breaks and
/// other control characters escaped, so that a message stays on one short line.
pub(crate) fn shown(text: &str) -> String {
    shown_at_most(text, 40)
}

/// [`shown`] with at most `max` characters.
pub(crate) fn shown_at_most(text: &str, max: usize) -> String {
    let mut out = String::new();
    for (i, c) in text.chars().enumerate() {
        if i == max {
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
    let cell = trim(cell);
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Everything a parse gives, as text, to compare two readings.
    fn summary(parsed: Result<Parsed>) -> String {
        match parsed {
            Err(e) => format!("error: {e}"),
            Ok(p) => format!(
                "{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}",
                p.labels,
                p.rows,
                p.data,
                p.subgroup,
                p.covariates,
                p.row_errors
                    .iter()
                    .map(|(i, e)| format!("{i}: {e}"))
                    .collect::<Vec<_>>()
            ),
        }
    }

    const TEXTS: [&str; 11] = [
        "study,yi,vi\n  \n\u{e9},1,0.1\r\n,,\r\u{fc} ,2,0.2\n\u{a0}x\u{a0},3,0.3",
        "study,yi,vi,note\na,1,0.1,\u{2212}\u{b7}\r\nb,2,0.2,\u{1f600}\n",
        "study,yi,vi,subgroup\na,1,0.1,x\nb,2,0.2,x\nc,3,0.3,y\nd,4,0.4,y\ne,5,0.5,z\n",
        "\u{feff}study,yi,vi\r\na,1,0.1\r\n\r\nb,2,0.2\r\n,,\r\nc,3,0.3",
        "study,yi,vi\ra,1,0.1\r\rb,2,0.2\rc,3,0.3\r",
        "\n\nstudy,yi,vi,note\n\"a\nb\",1,0.1,\"x,y\"\nc,-1,0.2,\"q\"\"uote\"\n\n,,,\nd,2,0.3,z\n",
        "study,yi,vi\na,1,0.1\nb,x,0.2\n,3,0.3\nd,4,\ne,5,0.5\n",
        "study,yi,vi\na,1,0.1\nb,2\nc,3,0.3\n",
        "study,yi,vi\na,1,0.1\n\"b,2,0.2\nc,3,0.3\n",
        "study,yi,vi\n",
        "study;yi;vi\na;1;2\n",
    ];

    #[test]
    fn blocks_of_any_size_read_what_the_whole_text_reads() {
        for text in TEXTS {
            let whole = summary(parse_csv_bytes("t.csv".into(), text.as_bytes(), true));
            for block in 1..=text.len() + 1 {
                let blocks = BlockReader::with_block(
                    "t.csv".into(),
                    text.as_bytes(),
                    None,
                    &InputLimits::DEFAULT,
                    block,
                )
                .and_then(|b| b.read_all(true));
                assert_eq!(summary(blocks), whole, "block {block} of {text:?}");
            }
        }
    }

    #[test]
    fn the_group_scan_sees_the_groups_the_rows_have() {
        let texts = [
            "g,study,yi,vi\na,s1,1,1\na,s2,1,1\n\n,,,\nb , s1,1,1\r\nb,s2,1,1\rc,s,1,1",
            "g,study,yi,vi\na,s1,1,1\nb,s2,1,1\na,s3,1,1\n",
            "g,study,yi,vi\n\"a,1\",s1,1,1\n\"a,1\",s2,1,1\nb,\"s\n3\",1,1\n",
            "g,study,yi,vi\na,s1,1,1\na,s2,1\nb,s3,1,1\n",
            "g,study,yi,vi\na,s1,1,1\n\u{a0}a\u{a0},s2,1,1\n",
        ];
        for text in texts {
            // The groups of the rows as the whole text reads them.
            let layout_of = |t: &str| {
                let data = t.as_bytes();
                let mut records = Records::new("t.csv", data);
                Layout::read("t.csv", &mut records).unwrap()
            };
            let layout = layout_of(text);
            let group = layout.text_column("g").unwrap();
            let expected = match parse_csv_bytes("t.csv".into(), text.as_bytes(), true) {
                Err(_) => None,
                Ok(p) => {
                    let values = p.covariates[0].values.to_vec();
                    let mut runs: Vec<&String> = values.iter().collect();
                    runs.dedup();
                    let mut distinct = runs.clone();
                    distinct.sort();
                    distinct.dedup();
                    Some((distinct.len(), distinct.len() == runs.len()))
                }
            };
            for block in 1..=text.len() + 1 {
                let reader = BlockReader::with_block(
                    "t.csv".into(),
                    text.as_bytes(),
                    None,
                    &InputLimits::DEFAULT,
                    block,
                )
                .unwrap();
                let runs = reader.scan_groups(group).unwrap();
                match expected {
                    None => assert!(!runs.regular, "block {block} of {text:?}"),
                    Some((groups, consecutive)) => {
                        assert!(runs.regular, "block {block} of {text:?}");
                        assert_eq!(
                            (runs.groups, runs.consecutive),
                            (groups, consecutive),
                            "block {block} of {text:?}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn large_blocks_read_in_parallel_pieces_read_what_the_whole_text_reads() {
        // Several pieces of 1 MiB: line ends of every kind, blank lines, rows of empty
        // cells and bad rows throughout.
        let mut text = String::from("study,yi,vi,subgroup\r\n");
        let mut i = 0u64;
        while text.len() < 5 << 20 {
            i += 1;
            let end = ["\n", "\r\n", "\r"][(i % 7 % 3) as usize];
            match i % 101 {
                0 => text.push_str(end),
                1 => text.push_str(&format!(",,,{end}")),
                2 => text.push_str(&format!("s{i},x,0.1,g{}{end}", i / 1000)),
                3 => text.push_str(&format!("s{i},1,0.1{end}")),
                _ => text.push_str(&format!(
                    "s{i},{}.5,0.{},g{}{end}",
                    i % 13,
                    i % 9 + 1,
                    i / 1000
                )),
            }
        }
        let whole = summary(parse_csv_bytes("t.csv".into(), text.as_bytes(), true));
        assert!(
            whole.starts_with("error: t.csv, row 4: this row has 3 cells"),
            "{whole}"
        );
        // Without the short rows: a table, with its bad cells kept by row.
        let text: String = text
            .split_inclusive(['\n', '\r'])
            .filter(|line| line.matches(',').count() != 2)
            .collect();
        let whole = summary(parse_csv_bytes("t.csv".into(), text.as_bytes(), true));
        assert!(!whole.starts_with("error"));
        for block in [BLOCK, 3 << 20, 6 << 20, 1 << 20] {
            for bytes in [text.as_bytes(), &text.as_bytes()[..text.len() - 7]] {
                let expected = summary(parse_csv_bytes("t.csv".into(), bytes, true));
                let blocks = BlockReader::with_block(
                    "t.csv".into(),
                    bytes,
                    None,
                    &InputLimits::DEFAULT,
                    block,
                )
                .and_then(|b| b.read_all(true));
                assert!(summary(blocks) == expected, "block {block}");
            }
        }
    }

    #[test]
    fn blocks_name_the_bytes_that_are_not_utf8_as_the_whole_text_does() {
        let text: &[u8] = b"study,yi,vi\na,1,0.1\r\nb\xc3,2,0.2\nc,3,0.3\n";
        let whole = summary(parse_csv_bytes("t.csv".into(), text, true));
        assert!(whole.contains("not valid UTF-8"), "{whole}");
        for block in 1..=text.len() + 1 {
            let blocks =
                BlockReader::with_block("t.csv".into(), text, None, &InputLimits::DEFAULT, block)
                    .and_then(|b| b.read_all(true));
            assert_eq!(summary(blocks), whole, "block {block}");
        }
    }

    #[test]
    fn blocks_by_group_end_at_the_end_of_a_group() {
        let text = TEXTS[2];
        let whole = summary(parse_csv_bytes("t.csv".into(), text.as_bytes(), true));
        for block in 1..=text.len() + 1 {
            let mut reader = BlockReader::with_block(
                "t.csv".into(),
                text.as_bytes(),
                None,
                &InputLimits::DEFAULT,
                block,
            )
            .unwrap();
            let group = reader.layout.text_column("subgroup").unwrap();
            let mut all = Columns::with_capacity(&reader.layout, 0);
            let mut seen_groups: Vec<String> = Vec::new();
            loop {
                let mut columns = Columns::with_capacity(&reader.layout, 0);
                if !reader.next_block(&mut columns, true, Some(group)).unwrap() {
                    break;
                }
                if columns.len() > 0 {
                    // A chunk begins with a group of its own: none goes on from the last.
                    let g = columns.text(&reader.layout, group, 0).to_owned();
                    assert!(
                        !seen_groups.contains(&g),
                        "block {block}: {g} in two chunks"
                    );
                }
                for i in 0..columns.len() {
                    let g = columns.text(&reader.layout, group, i).to_owned();
                    if seen_groups.last() != Some(&g) {
                        assert!(!seen_groups.contains(&g), "block {block}: {g} cut");
                        seen_groups.push(g);
                    }
                    all.labels.push(&columns.labels[i]);
                    all.rows.push(columns.rows[i]);
                    for (a, c) in all.numeric.iter_mut().zip(&columns.numeric) {
                        a.push(c[i]);
                    }
                    all.subgroup.push(&columns.subgroup[i]);
                }
            }
            let layout = &reader.layout;
            let got = summary(all.into_parsed(layout, "t.csv".into()));
            assert_eq!(got, whole, "block {block}");
        }
    }
}
