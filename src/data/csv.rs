//! Reading study tables in the CSV input format of the design (header row required).
//!
//! The layout is recognised from the header: `events_e` means binary, `mean_e`
//! continuous, `yi` with `vi` or `sei` generic, `estimate` with `ci_lower` and
//! `ci_upper` generic with a confidence interval. Header names are matched after
//! trimming white space and folding to lower case; a UTF-8 byte-order mark and CRLF line
//! ends are accepted. Cells are trimmed. Numbers use a decimal point and no thousands
//! separator. Rows are numbered as a spreadsheet shows them: the header is row 1 and
//! the n-th record is row n + 1 (blank lines are skipped and not counted).

use super::{BinaryArms, ContinuousArms, Covariate, DataType, StudyData, StudyTable};
use crate::error::{Error, Result};
use std::io::Read;
use std::path::Path;

/// Reads a study table from a CSV file.
///
/// # Errors
/// [`Error::Io`] when the file cannot be opened; [`Error::Input`] naming file, row and
/// column for any malformed or invalid cell (see [`crate::data`]).
pub fn read_csv_path(path: impl AsRef<Path>) -> Result<StudyTable> {
    let path = path.as_ref();
    let name = path.display().to_string();
    let file = std::fs::File::open(path).map_err(|source| Error::Io {
        file: name.clone(),
        source,
    })?;
    read_csv_reader(name, std::io::BufReader::new(file))
}

/// Reads a study table from CSV text; `source` names it in error messages.
///
/// # Errors
/// As [`read_csv_path`].
pub fn read_csv_str(source: &str, text: &str) -> Result<StudyTable> {
    read_csv_reader(source, text.as_bytes())
}

/// Reads a study table from any reader; `source` names it in error messages.
///
/// # Errors
/// As [`read_csv_path`].
pub fn read_csv_reader<R: Read>(source: impl Into<String>, reader: R) -> Result<StudyTable> {
    let source = source.into();
    let mut rdr = ::csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .trim(::csv::Trim::All)
        .from_reader(reader);
    let header: Vec<String> = rdr
        .headers()
        .map_err(|e| csv_error(&source, e, 1))?
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').trim().to_lowercase())
        .collect();
    if header.iter().all(String::is_empty) {
        return Err(Error::input(
            &source,
            Some(1),
            None,
            "empty file: expected a header row such as 'study,events_e,n_e,events_c,n_c'",
        ));
    }
    let columns = HeaderMap::new(&source, header)?;
    let data_type = columns.recognise()?;
    let required = data_type.required_columns();
    let required_idx: Vec<usize> = required
        .iter()
        .map(|name| columns.require(name))
        .collect::<Result<_>>()?;
    let subgroup_idx = columns.find("subgroup");
    let covariate_idx: Vec<usize> = (0..columns.names.len())
        .filter(|i| !required_idx.contains(i) && Some(*i) != subgroup_idx)
        .collect();

    let mut labels = Vec::new();
    let mut rows = Vec::new();
    let mut numeric: Vec<Vec<f64>> = vec![Vec::new(); required.len() - 1];
    let mut subgroup = Vec::new();
    let mut covariates: Vec<Vec<String>> = vec![Vec::new(); covariate_idx.len()];
    let mut record = ::csv::StringRecord::new();
    loop {
        match rdr.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(csv_error(&source, e, rows.len() + 2)),
        }
        let row = rows.len() + 2;
        let label = &record[required_idx[0]];
        if label.is_empty() {
            return Err(Error::input(
                &source,
                Some(row),
                Some("study"),
                "the study label is empty",
            ));
        }
        labels.push(label.to_owned());
        rows.push(row);
        for (j, &idx) in required_idx[1..].iter().enumerate() {
            let value = parse_number(&record[idx])
                .map_err(|m| Error::input(&source, Some(row), Some(required[j + 1]), m))?;
            numeric[j].push(value);
        }
        if let Some(idx) = subgroup_idx {
            subgroup.push(record[idx].to_owned());
        }
        for (j, &idx) in covariate_idx.iter().enumerate() {
            covariates[j].push(record[idx].to_owned());
        }
    }
    if labels.is_empty() {
        return Err(Error::input(
            &source,
            None,
            None,
            "no studies: the file has a header but no data rows",
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
    StudyTable::from_parts(
        source,
        labels,
        rows,
        data,
        subgroup_idx.map(|_| subgroup),
        covariates,
    )
}

/// The header, checked for empty and duplicate names.
struct HeaderMap<'a> {
    source: &'a str,
    names: Vec<String>,
}

impl<'a> HeaderMap<'a> {
    fn new(source: &'a str, names: Vec<String>) -> Result<Self> {
        for (i, name) in names.iter().enumerate() {
            if name.is_empty() {
                return Err(Error::input(
                    source,
                    Some(1),
                    None,
                    format!("header field {} is empty; every column needs a name", i + 1),
                ));
            }
            if names[..i].contains(name) {
                return Err(Error::input(
                    source,
                    Some(1),
                    Some(name),
                    "duplicate column name in the header",
                ));
            }
        }
        Ok(HeaderMap { source, names })
    }

    fn find(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n == name)
    }

    fn require(&self, name: &str) -> Result<usize> {
        self.find(name).ok_or_else(|| {
            Error::input(
                self.source,
                Some(1),
                Some(name),
                format!(
                    "missing required column '{name}' (header has: {})",
                    self.names.join(",")
                ),
            )
        })
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
                Some(1),
                Some("yi"),
                "column 'yi' needs either 'vi' (variance) or 'sei' (standard error)",
            )),
            [] => Err(Error::input(
                self.source,
                Some(1),
                None,
                format!(
                    "cannot recognise the data type from the header '{}': expected \
                     study,events_e,n_e,events_c,n_c (binary), \
                     study,mean_e,sd_e,n_e,mean_c,sd_c,n_c (continuous), study,yi,vi, \
                     study,yi,sei or study,estimate,ci_lower,ci_upper",
                    self.names.join(",")
                ),
            )),
            _ => Err(Error::input(
                self.source,
                Some(1),
                None,
                format!(
                    "the header mixes the columns of several data types ({}); keep one layout per file",
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

/// Parses one numeric cell; the message says what was expected.
pub(crate) fn parse_number(cell: &str) -> std::result::Result<f64, String> {
    let cell = cell.trim();
    if cell.is_empty() {
        return Err("missing value; expected a number".into());
    }
    match cell.parse::<f64>() {
        Ok(x) if x.is_finite() => Ok(x),
        Ok(_) => Err(format!("'{cell}' is not a finite number")),
        Err(_) => {
            let hint = if cell.contains(',') {
                "; write numbers with a decimal point and no thousands separator (1234.5)"
            } else {
                ""
            };
            Err(format!("'{cell}' is not a number{hint}"))
        }
    }
}

/// Turns a csv error into an input error at `row`.
fn csv_error(source: &str, e: ::csv::Error, row: usize) -> Error {
    use ::csv::ErrorKind;
    let row = Some(row);
    let message = match e.kind() {
        ErrorKind::Utf8 { .. } => "the text is not valid UTF-8; save the file as UTF-8".to_string(),
        ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("this row has {len} fields but the header has {expected_len}"),
        ErrorKind::Io(err) => format!("read error: {err}"),
        _ => e.to_string(),
    };
    Error::input(source, row, None, message)
}
