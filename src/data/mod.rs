//! Study tables: the validated input of every analysis.
//!
//! A [`StudyTable`] holds one row per study in struct-of-arrays form: the study labels,
//! the data of one of the five layouts of the input format ([`StudyData`]), an optional
//! subgroup column and any further columns as text covariates. Tables are read from
//! CSV by [`read_csv_path`] / [`read_csv_reader`] or built in memory with
//! [`StudyTable::new`]; both paths run the same validation, so a `StudyTable` that
//! exists is one whose counts, sizes and standard deviations make sense.
//!
//! # Validation
//! - counts (`events_*`) are whole numbers from 0 to the arm size (and at most 2^53);
//! - arm sizes (`n_*`) are whole numbers of at least 1;
//! - standard deviations are greater than 0; variances and standard errors are 0 or more;
//! - every number is finite;
//! - with an estimate and CI, `ci_lower <= estimate <= ci_upper` (positivity of a
//!   ratio-scale estimate is checked when the measure is known, in [`crate::effect`]).
//!
//! Each failure is an [`Error::Input`] naming file, row and column.
//!
//! Study labels may repeat (a trial reported in two rows, two arms of one trial): each
//! repeat is warned about in [`StudyTable::warnings`] (the first ten one by one, the
//! rest in one summary line), and the rows are kept.

mod csv;
pub mod input;
pub mod revman;
mod table2x2;
mod texts;

pub(crate) use self::csv::no_group_column;
pub(crate) use self::csv::Records;
pub use self::csv::{
    group_runs, layout_of_columns, read_csv_groups, read_csv_path, read_csv_path_by_row,
    read_csv_path_by_row_within, read_csv_path_within, read_csv_reader, read_csv_str,
    read_csv_str_by_row, GroupChunks, GroupRuns, RejectedRow, RowChecked, RowChunk,
};
pub(crate) use self::csv::{parse_number, shown};
pub use self::input::{parse_size, InputLimits};
pub use self::table2x2::Table2x2;
pub use self::texts::{Iter as TextsIter, Texts};

use crate::error::{Error, Result, Shown};
use serde::Serialize;

/// The layout of a study table, recognised from its header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub enum DataType {
    /// `events_e, n_e, events_c, n_c`: a 2x2 table per study.
    Binary,
    /// `mean_e, sd_e, n_e, mean_c, sd_c, n_c`: means, SDs and sizes per arm.
    Continuous,
    /// `yi, vi`: an estimate and its sampling variance.
    GenericVariance,
    /// `yi, sei`: an estimate and its standard error.
    GenericSe,
    /// `estimate, ci_lower, ci_upper`: an estimate and its confidence interval, on the
    /// natural scale.
    GenericCi,
}

impl DataType {
    /// The required columns of the layout, in the order of the input format.
    pub fn required_columns(self) -> &'static [&'static str] {
        match self {
            DataType::Binary => &["study", "events_e", "n_e", "events_c", "n_c"],
            DataType::Continuous => &["study", "mean_e", "sd_e", "n_e", "mean_c", "sd_c", "n_c"],
            DataType::GenericVariance => &["study", "yi", "vi"],
            DataType::GenericSe => &["study", "yi", "sei"],
            DataType::GenericCi => &["study", "estimate", "ci_lower", "ci_upper"],
        }
    }
}

/// Two-arm binary data: events and sizes of the experimental (`_e`) and control (`_c`)
/// arms, in columns as read. Counts are stored as `f64` holding whole numbers; study
/// `i`'s [`Table2x2`] is [`Table2x2::of_study`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BinaryArms {
    /// Events in the experimental arm.
    pub events_e: Vec<f64>,
    /// Size of the experimental arm.
    pub n_e: Vec<f64>,
    /// Events in the control arm.
    pub events_c: Vec<f64>,
    /// Size of the control arm.
    pub n_c: Vec<f64>,
}

/// Two-arm continuous data: mean, standard deviation and size per arm.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ContinuousArms {
    /// Mean of the experimental arm.
    pub mean_e: Vec<f64>,
    /// Standard deviation of the experimental arm.
    pub sd_e: Vec<f64>,
    /// Size of the experimental arm.
    pub n_e: Vec<f64>,
    /// Mean of the control arm.
    pub mean_c: Vec<f64>,
    /// Standard deviation of the control arm.
    pub sd_c: Vec<f64>,
    /// Size of the control arm.
    pub n_c: Vec<f64>,
}

/// The study data of a table, one variant per layout.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub enum StudyData {
    /// 2x2 tables.
    Binary(BinaryArms),
    /// Means, SDs and sizes.
    Continuous(ContinuousArms),
    /// Estimates `yi` with sampling variances `vi` (analysis scale).
    GenericVariance {
        /// Estimates.
        yi: Vec<f64>,
        /// Sampling variances.
        vi: Vec<f64>,
    },
    /// Estimates `yi` with standard errors `sei` (analysis scale).
    GenericSe {
        /// Estimates.
        yi: Vec<f64>,
        /// Standard errors.
        sei: Vec<f64>,
    },
    /// Estimates with confidence limits on the natural scale.
    GenericCi {
        /// Point estimates.
        estimate: Vec<f64>,
        /// Lower confidence limits.
        ci_lower: Vec<f64>,
        /// Upper confidence limits.
        ci_upper: Vec<f64>,
    },
}

impl StudyData {
    /// The layout of the data.
    pub fn data_type(&self) -> DataType {
        match self {
            StudyData::Binary(_) => DataType::Binary,
            StudyData::Continuous(_) => DataType::Continuous,
            StudyData::GenericVariance { .. } => DataType::GenericVariance,
            StudyData::GenericSe { .. } => DataType::GenericSe,
            StudyData::GenericCi { .. } => DataType::GenericCi,
        }
    }

    /// Number of studies (the length of every column).
    pub fn len(&self) -> usize {
        self.columns()[0].1.len()
    }

    /// True when the data hold no study.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The numeric columns with their header names, in the order of the input format.
    pub fn columns(&self) -> Vec<(&'static str, &[f64])> {
        match self {
            StudyData::Binary(b) => vec![
                ("events_e", &b.events_e),
                ("n_e", &b.n_e),
                ("events_c", &b.events_c),
                ("n_c", &b.n_c),
            ],
            StudyData::Continuous(c) => vec![
                ("mean_e", &c.mean_e),
                ("sd_e", &c.sd_e),
                ("n_e", &c.n_e),
                ("mean_c", &c.mean_c),
                ("sd_c", &c.sd_c),
                ("n_c", &c.n_c),
            ],
            StudyData::GenericVariance { yi, vi } => vec![("yi", yi), ("vi", vi)],
            StudyData::GenericSe { yi, sei } => vec![("yi", yi), ("sei", sei)],
            StudyData::GenericCi {
                estimate,
                ci_lower,
                ci_upper,
            } => vec![
                ("estimate", estimate),
                ("ci_lower", ci_lower),
                ("ci_upper", ci_upper),
            ],
        }
    }

    /// The studies at `indices`, in that order.
    ///
    /// # Panics
    /// When an index is out of range of a column. The data of a [`StudyTable`] have
    /// columns of one length; [`crate::analysis::subgroup::subset`] selects from a
    /// table with a range check.
    pub fn select(&self, indices: &[usize]) -> StudyData {
        let pick = |v: &[f64]| indices.iter().map(|&i| v[i]).collect::<Vec<f64>>();
        match self {
            StudyData::Binary(b) => StudyData::Binary(BinaryArms {
                events_e: pick(&b.events_e),
                n_e: pick(&b.n_e),
                events_c: pick(&b.events_c),
                n_c: pick(&b.n_c),
            }),
            StudyData::Continuous(c) => StudyData::Continuous(ContinuousArms {
                mean_e: pick(&c.mean_e),
                sd_e: pick(&c.sd_e),
                n_e: pick(&c.n_e),
                mean_c: pick(&c.mean_c),
                sd_c: pick(&c.sd_c),
                n_c: pick(&c.n_c),
            }),
            StudyData::GenericVariance { yi, vi } => StudyData::GenericVariance {
                yi: pick(yi),
                vi: pick(vi),
            },
            StudyData::GenericSe { yi, sei } => StudyData::GenericSe {
                yi: pick(yi),
                sei: pick(sei),
            },
            StudyData::GenericCi {
                estimate,
                ci_lower,
                ci_upper,
            } => StudyData::GenericCi {
                estimate: pick(estimate),
                ci_lower: pick(ci_lower),
                ci_upper: pick(ci_upper),
            },
        }
    }

    /// Checks every rule of the module documentation; `rows[i]` is the row number
    /// reported for study `i`.
    fn validate(&self, source: &str, rows: &[usize]) -> Result<()> {
        if let StudyData::GenericVariance { yi, vi } = self {
            check_length("yi", yi.len(), rows.len())?;
            check_length("vi", vi.len(), rows.len())?;
            return validate_yi_vi(source, yi, vi, |i| rows[i]);
        }
        let columns = self.columns();
        let k = rows.len();
        for (name, values) in &columns {
            check_length(name, values.len(), k)?;
        }
        let at = |i: usize, column: &str, message: String| {
            Error::input(source, Some(rows[i]), Some(column), message)
        };
        for (name, values) in &columns {
            for (i, &x) in values.iter().enumerate() {
                if !x.is_finite() {
                    return Err(at(
                        i,
                        name,
                        format!("{x} is not a finite number; expected a finite number"),
                    ));
                }
            }
        }
        let check_count = |i: usize, column: &str, x: f64| -> Result<()> {
            if x < 0.0 {
                return Err(at(
                    i,
                    column,
                    format!("a count must be 0 or more, found {}", Shown(x)),
                ));
            }
            if x.fract() != 0.0 {
                return Err(at(
                    i,
                    column,
                    format!("a count must be a whole number, found {}", Shown(x)),
                ));
            }
            if x > MAX_COUNT {
                return Err(at(
                    i,
                    column,
                    format!(
                        "a count must be at most 2^53 = {MAX_COUNT}, found {}",
                        Shown(x)
                    ),
                ));
            }
            Ok(())
        };
        let check_size = |i: usize, column: &str, n: f64| -> Result<()> {
            if n < 1.0 {
                return Err(at(
                    i,
                    column,
                    format!("an arm size must be at least 1, found {}", Shown(n)),
                ));
            }
            if n.fract() != 0.0 {
                return Err(at(
                    i,
                    column,
                    format!("an arm size must be a whole number, found {}", Shown(n)),
                ));
            }
            check_count(i, column, n)
        };
        let check_sd = |i: usize, column: &str, sd: f64| -> Result<()> {
            if sd <= 0.0 {
                return Err(at(
                    i,
                    column,
                    format!(
                        "a standard deviation must be greater than 0, found {}",
                        Shown(sd)
                    ),
                ));
            }
            Ok(())
        };
        match self {
            StudyData::Binary(b) => {
                for i in 0..k {
                    for (events, n, ecol, ncol) in [
                        (b.events_e[i], b.n_e[i], "events_e", "n_e"),
                        (b.events_c[i], b.n_c[i], "events_c", "n_c"),
                    ] {
                        check_count(i, ecol, events)?;
                        check_size(i, ncol, n)?;
                        if events > n {
                            return Err(at(
                                i,
                                ecol,
                                format!(
                                    "{events} events exceed the arm size {ncol} = {n}; expected \
                                     0 to {n} events"
                                ),
                            ));
                        }
                    }
                }
            }
            StudyData::Continuous(c) => {
                for i in 0..k {
                    check_sd(i, "sd_e", c.sd_e[i])?;
                    check_size(i, "n_e", c.n_e[i])?;
                    check_sd(i, "sd_c", c.sd_c[i])?;
                    check_size(i, "n_c", c.n_c[i])?;
                }
            }
            StudyData::GenericVariance { .. } => {}
            StudyData::GenericSe { sei, .. } => {
                for (i, &s) in sei.iter().enumerate() {
                    if s < 0.0 {
                        return Err(at(
                            i,
                            "sei",
                            format!("a standard error must be 0 or more, found {}", Shown(s)),
                        ));
                    }
                }
            }
            StudyData::GenericCi {
                estimate,
                ci_lower,
                ci_upper,
            } => {
                for i in 0..k {
                    let (est, lo, hi) = (estimate[i], ci_lower[i], ci_upper[i]);
                    if lo > est {
                        return Err(at(
                            i,
                            "ci_lower",
                            format!(
                                "the lower limit {lo} exceeds the estimate {est}; expected \
                                 ci_lower <= estimate <= ci_upper"
                            ),
                        ));
                    }
                    if hi < est {
                        return Err(at(
                            i,
                            "ci_upper",
                            format!(
                                "the upper limit {hi} is below the estimate {est}; expected \
                                 ci_lower <= estimate <= ci_upper"
                            ),
                        ));
                    }
                }
            }
        }
        Ok(())
    }
}

/// An [`Error::InvalidArgument`] unless column `name` has one value for each of `k`
/// studies.
/// The checks of a `yi,vi` table (every value finite, each column in turn, then every
/// variance 0 or more) on its columns, `row(i)` the row reported for study i; a
/// check of every value first, which the compiler can vectorise, then the search for
/// the first that fails. Also for columns held outside a [`StudyTable`]
/// ([`crate::model::pool_yi_vi_without_rows`]).
///
/// # Errors
/// [`Error::Input`] naming `source`, the row and the column of the first value that
/// fails; [`Error::InvalidArgument`] for columns of different lengths, and
/// [`Error::Input`] for none at all.
pub fn validate_yi_vi(
    source: &str,
    yi: &[f64],
    vi: &[f64],
    row: impl Fn(usize) -> usize,
) -> Result<()> {
    if yi.is_empty() && vi.is_empty() {
        return Err(Error::input(
            source,
            None,
            None,
            "no studies: the table has no data rows",
        ));
    }
    check_length("vi", vi.len(), yi.len())?;
    let at = |i: usize, column: &str, message: String| {
        Error::input(source, Some(row(i)), Some(column), message)
    };
    // One pass over both columns for the common case, where every value passes.
    #[derive(Clone, Copy)]
    struct Failing(usize);
    impl crate::weighted::StudySums for Failing {
        #[inline(always)]
        fn add(&mut self, y: f64, v: f64, _: f64) {
            self.0 += usize::from(!(y.is_finite() & v.is_finite() & (v >= 0.0)));
        }
        fn merge(&mut self, other: &Self) {
            self.0 += other.0;
        }
    }
    if crate::weighted::sum_studies(yi, vi, Failing(0)).0 == 0 {
        return Ok(());
    }
    for (name, values) in [("yi", yi), ("vi", vi)] {
        if let Some(i) = crate::weighted::first_where(values, |x| !x.is_finite()) {
            let x = values[i];
            return Err(at(
                i,
                name,
                format!("{x} is not a finite number; expected a finite number"),
            ));
        }
    }
    if let Some(i) = crate::weighted::first_where(vi, |v| v < 0.0) {
        return Err(at(
            i,
            "vi",
            format!("a variance must be 0 or more, found {}", Shown(vi[i])),
        ));
    }
    Ok(())
}

fn check_length(name: &str, n: usize, k: usize) -> Result<()> {
    if n != k {
        return Err(Error::InvalidArgument(format!(
            "column '{name}' has {n} values for {k} studies"
        )));
    }
    Ok(())
}

/// The largest count accepted: 2^53, beyond which not every whole number is an `f64`.
const MAX_COUNT: f64 = 9_007_199_254_740_992.0;

/// Repeated study labels warned about one by one; further repeats are summed up in one
/// warning.
const MAX_DUPLICATE_WARNINGS: usize = 10;

/// The warnings of study labels that repeat an earlier row's (the first ten one by
/// one, the rest in one line).
///
/// Most tables have none: the 64-bit hashes of the labels are sorted and compared first
/// (8 bytes a study), and only a table with two equal hashes is searched label by label.
fn duplicate_labels(source: &str, labels: &Texts, rows: &[usize]) -> Vec<String> {
    use std::hash::BuildHasher;
    let mut hashes: Vec<u64> = labels
        .iter()
        .map(|l| rustc_hash::FxBuildHasher.hash_one(l))
        .collect();
    hashes.sort_unstable();
    if hashes.windows(2).all(|w| w[0] != w[1]) {
        return Vec::new();
    }
    drop(hashes);
    let mut warnings = Vec::new();
    let mut seen =
        rustc_hash::FxHashMap::with_capacity_and_hasher(labels.len(), rustc_hash::FxBuildHasher);
    let mut repeats = 0usize;
    for (label, row) in labels.iter().zip(rows) {
        match seen.entry(label) {
            std::collections::hash_map::Entry::Occupied(first) => {
                repeats += 1;
                if repeats <= MAX_DUPLICATE_WARNINGS {
                    warnings.push(format!(
                        "{source}, row {row}, column 'study': study label '{}' repeats row {}",
                        csv::shown(label),
                        first.get()
                    ));
                }
            }
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(*row);
            }
        }
    }
    if repeats > MAX_DUPLICATE_WARNINGS {
        warnings.push(format!(
            "{source}, column 'study': {} more study labels repeat earlier rows",
            repeats - MAX_DUPLICATE_WARNINGS
        ));
    }
    warnings
}

/// A text column kept from the input beyond the required ones (a moderator, a
/// provenance note, a citation).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Covariate {
    /// Header name (trimmed, lower case).
    pub name: String,
    /// One cell per study, trimmed.
    pub values: Texts,
}

/// A validated table of studies. See the module documentation.
///
/// The fields are private so that every table in existence has passed the validation:
/// build one with [`StudyTable::new`] or a reader ([`read_csv_path`], [`read_csv_str`],
/// [`read_csv_reader`]), and read it through the accessors.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StudyTable {
    /// File name or in-memory label, used in error messages.
    pub(crate) source: String,
    /// Study labels, in input order.
    pub(crate) labels: Texts,
    /// Row number of each study in its source (header = 1).
    pub(crate) rows: Vec<usize>,
    /// The study data.
    pub(crate) data: StudyData,
    /// The `subgroup` column, when present.
    pub(crate) subgroup: Option<Texts>,
    /// Every other column, as text.
    pub(crate) covariates: Vec<Covariate>,
    /// Things worth knowing that are not errors (duplicate study labels).
    pub(crate) warnings: Vec<String>,
}

impl StudyTable {
    /// Builds and validates a table in memory. Rows are numbered as if the table had
    /// been read from a file with a header: study `i` (from 0) is row `i + 2`.
    ///
    /// # Errors
    /// [`Error::Input`] for any rule of the module documentation, located in `source`;
    /// [`Error::InvalidArgument`] when the columns differ in length.
    pub fn new(
        source: impl Into<String>,
        labels: impl Into<Texts>,
        data: StudyData,
    ) -> Result<Self> {
        let labels = labels.into();
        let rows = (0..labels.len()).map(|i| i + 2).collect();
        Self::from_parts(source.into(), labels, rows, data, None, Vec::new())
    }

    /// [`StudyTable::new`] with the studies labelled `1` to `k` (data given without
    /// names: arrays), which are distinct, so that no label is compared with another.
    ///
    /// # Errors
    /// As [`StudyTable::new`].
    pub fn numbered(source: impl Into<String>, data: StudyData) -> Result<Self> {
        let k = data.len();
        let rows = (0..k).map(|i| i + 2).collect();
        Self::assemble(
            source.into(),
            Texts::numbered(k),
            rows,
            data,
            None,
            Vec::new(),
            true,
        )
    }

    pub(crate) fn from_parts(
        source: String,
        labels: Texts,
        rows: Vec<usize>,
        data: StudyData,
        subgroup: Option<Texts>,
        covariates: Vec<Covariate>,
    ) -> Result<Self> {
        Self::assemble(source, labels, rows, data, subgroup, covariates, false)
    }

    /// The table of its parts, validated; `distinct_labels` when the labels are known to
    /// be distinct (no warning to look for).
    fn assemble(
        source: String,
        labels: Texts,
        rows: Vec<usize>,
        data: StudyData,
        subgroup: Option<Texts>,
        covariates: Vec<Covariate>,
        distinct_labels: bool,
    ) -> Result<Self> {
        if labels.is_empty() {
            return Err(Error::input(
                source,
                None,
                None,
                "no studies: the table has no data rows",
            ));
        }
        if data.len() != labels.len() {
            return Err(Error::InvalidArgument(format!(
                "{} labels for {} studies",
                labels.len(),
                data.len()
            )));
        }
        let k = labels.len();
        if let Some(s) = &subgroup {
            check_length("subgroup", s.len(), k)?;
        }
        for c in &covariates {
            check_length(&c.name, c.values.len(), k)?;
        }
        if rows.len() != k {
            return Err(Error::InvalidArgument(format!(
                "{} row numbers for {k} studies",
                rows.len()
            )));
        }
        data.validate(&source, &rows)?;
        let warnings = if distinct_labels {
            Vec::new()
        } else {
            duplicate_labels(&source, &labels, &rows)
        };
        Ok(StudyTable {
            source,
            labels,
            rows,
            data,
            subgroup,
            covariates,
            warnings,
        })
    }

    /// File name or in-memory label, used in error messages.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Study labels, in input order.
    pub fn labels(&self) -> &Texts {
        &self.labels
    }

    /// Row number of each study in its source (header = 1).
    pub fn rows(&self) -> &[usize] {
        &self.rows
    }

    /// The study data.
    pub fn data(&self) -> &StudyData {
        &self.data
    }

    /// The `subgroup` column, when present: one label per study.
    pub fn subgroup(&self) -> Option<&Texts> {
        self.subgroup.as_ref()
    }

    /// Every column beyond the required ones and `subgroup`, as text.
    pub fn covariates(&self) -> &[Covariate] {
        &self.covariates
    }

    /// Things worth knowing that are not errors (duplicate study labels).
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// Number of studies.
    pub fn k(&self) -> usize {
        self.labels.len()
    }

    /// The table with `values` (one per study) as its subgroup column, replacing any.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] when there are not [`k`](Self::k) values.
    pub fn with_subgroup(mut self, values: impl Into<Texts>) -> Result<Self> {
        let values = values.into();
        check_length("subgroup", values.len(), self.k())?;
        self.subgroup = Some(values);
        Ok(self)
    }

    /// The table with one more text column (a moderator, a note), named `name` (matched
    /// trimmed and in lower case, as a header is) with one value per study.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] when there are not [`k`](Self::k) values, or the table
    /// already has a column of that name.
    pub fn with_covariate(mut self, name: &str, values: impl Into<Texts>) -> Result<Self> {
        let values = values.into();
        let name = name.trim().to_lowercase();
        check_length(&name, values.len(), self.k())?;
        if self.covariate(&name).is_some() {
            return Err(Error::InvalidArgument(format!(
                "the table already has a column named '{name}'"
            )));
        }
        self.covariates.push(Covariate { name, values });
        Ok(self)
    }

    /// The layout of the table.
    pub fn data_type(&self) -> DataType {
        self.data.data_type()
    }

    /// The covariate column of that name (header names are matched trimmed and in
    /// lower case).
    pub fn covariate(&self, name: &str) -> Option<&Covariate> {
        let name = name.trim().to_lowercase();
        self.covariates.iter().find(|c| c.name == name)
    }

    /// A covariate column parsed as numbers, for use as a moderator.
    ///
    /// # Errors
    /// [`Error::Input`] naming the column when it is absent, and the row when a cell is
    /// empty, not a number or not finite.
    pub fn numeric_covariate(&self, name: &str) -> Result<Vec<f64>> {
        let column = self.covariate(name).ok_or_else(|| {
            Error::input(
                &self.source,
                Some(1),
                Some(name),
                format!("no column named '{name}'"),
            )
        })?;
        column
            .values
            .iter()
            .zip(&self.rows)
            .map(|(cell, &row)| {
                csv::parse_number(cell)
                    .map_err(|m| Error::input(&self.source, Some(row), Some(&column.name), m))
            })
            .collect()
    }
}
