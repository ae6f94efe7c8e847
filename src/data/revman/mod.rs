//! Cochrane review files: one in-memory review from any of the three files Cochrane
//! hands out.
//!
//! - [`rm5`]: a RevMan 5 review file (`.rm5`, XML);
//! - [`web`]: a RevMan Web data package (the zip as downloaded, with its nested data
//!   zip, or the unpacked folder);
//! - [`csv_export`]: a RevMan 5 "Data and analyses" CSV export.
//!
//! [`read_revman`] recognises the format from the content, not from the file's name:
//! XML (`<?xml` or `<COCHRANE_REVIEW` at the start) is a review file, a zip archive
//! (`PK\x03\x04`) or a folder holding `…overall-estimates-and-settings.csv` is a data
//! package, anything else is read as a CSV export.
//!
//! Every reader builds the same [`Review`]: outcomes (analyses, numbered
//! "comparison.outcome" as RevMan numbers them, "Analysis 1.2") > subgroups > study
//! rows, each row with the figures RevMan printed, as printed ([`PrintedRow`]), and the
//! study data the audit re-runs ([`StudyArms`]). What an outcome asks for (data type,
//! method, measure, model, confidence levels) is parsed into an [`Analysis`], or the
//! reason it cannot be re-run is kept in its place.
//!
//! # Precision of the printed figures
//! Each format stores its figures at its own precision ([`Precision`]):
//! - `.rm5`: RevMan's doubles, written in full (`0.8968655609130709`): a figure is
//!   reproduced when it agrees to 1e-9 relative;
//! - CSV export: as printed (8 decimals, or what the cell shows);
//! - data package: rounded to 6 decimals, trailing zeros dropped (`0.00101` is
//!   0.001010).

pub mod csv_export;
pub mod rm5;
pub mod web;

pub use csv_export::{read_csv_export, read_csv_export_bytes};

use super::DataType;
use crate::error::Result;
use crate::measure::Measure;
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

/// The file a review was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewFormat {
    /// A RevMan 5 review file (`.rm5`).
    Rm5,
    /// A RevMan Web data package (zip or folder).
    WebPackage,
    /// A RevMan 5 "Data and analyses" CSV export.
    CsvExport,
}

impl ReviewFormat {
    /// The precision of the format's printed figures (see the module documentation).
    pub fn precision(self) -> Precision {
        match self {
            ReviewFormat::Rm5 => Precision::Double,
            ReviewFormat::WebPackage => Precision::Decimals(6),
            ReviewFormat::CsvExport => Precision::AsPrinted,
        }
    }

    /// The format in a reader's words.
    pub fn name(self) -> &'static str {
        match self {
            ReviewFormat::Rm5 => "RevMan 5 review file",
            ReviewFormat::WebPackage => "RevMan Web data package",
            ReviewFormat::CsvExport => "RevMan 5 CSV export",
        }
    }

    /// What [`PrintedRow::row`] counts: rows of a CSV file, lines of an XML file.
    pub fn row_word(self) -> &'static str {
        match self {
            ReviewFormat::Rm5 => "line",
            ReviewFormat::WebPackage | ReviewFormat::CsvExport => "row",
        }
    }
}

/// The precision a format stores its figures at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Precision {
    /// As printed: a value is reproduced when it rounds to the printed digits.
    AsPrinted,
    /// Rounded to this many decimals, trailing zeros dropped.
    Decimals(u32),
    /// A double written in full: reproduced within 1e-9 relative.
    Double,
}

/// Reads a review in any of the three formats, recognised from the content: a file, or
/// the folder of an unpacked data package.
///
/// # Errors
/// [`Error::Io`](crate::error::Error::Io) when unreadable;
/// [`Error::Input`](crate::error::Error::Input) naming the file and the row, element or
/// column for every error of the format's reader.
pub fn read_revman(path: &Path) -> Result<Review> {
    if path.is_dir() {
        return web::read_web_folder(path);
    }
    let (file, mut reader, known) = super::input::open_path(path)?;
    let limits = super::InputLimits::default();
    // A zip archive holds NUL bytes: it is read within the size limit only, text with
    // every check of an input file.
    let mut head = Vec::with_capacity(64);
    (&mut reader)
        .take(64)
        .read_to_end(&mut head)
        .map_err(|source| crate::error::Error::Io {
            file: file.clone(),
            source,
        })?;
    // XML has its own checks (its declared encoding, a NUL as an XML error at its line)
    // and no line-length limit: like a zip, it is read within the size limit only.
    let binary = format_of(&head) != ReviewFormat::CsvExport;
    let whole = std::io::Cursor::new(head).chain(reader);
    let bytes = if binary {
        super::input::read_bounded_binary(&file, whole, known, &limits)?
    } else {
        super::input::read_bounded(&file, whole, known, &limits)?
    };
    read_revman_bytes(&file, &bytes)
}

/// The first bytes of a zip archive (a local file header).
pub(crate) const ZIP_MAGIC: &[u8] = b"PK\x03\x04";

/// Whether a folder is the unpacked folder of one data package (`metapool revman DIR`
/// reads it as that package): it holds one `…overall-estimates-and-settings.csv` (4
/// levels down at most) and no review file of its own beside the package's files.
pub fn is_package_folder(dir: &Path) -> bool {
    let own_reviews = std::fs::read_dir(dir).is_ok_and(|entries| {
        entries.flatten().any(|e| {
            let name = e.file_name().to_string_lossy().to_lowercase();
            e.file_type().is_ok_and(|t| t.is_file())
                && is_review_name(&name)
                && !web::is_package_file(&name)
        })
    });
    !own_reviews && web::packages_in(dir) == 1
}

/// The names of review files in a folder of reviews: `*.rm5`, `*.zip`, `*.csv`.
fn is_review_name(lower: &str) -> bool {
    [".rm5", ".zip", ".csv"].iter().any(|e| lower.ends_with(e))
}

/// What `metapool revman DIR` reads in a folder that is not a data package
/// ([`is_package_folder`]): the review files in it and in its subfolders (at most 4
/// levels down), in the order of their paths: files named `*.rm5`, `*.zip` or `*.csv`
/// (any case), and each subfolder that holds an unpacked data package, as one review.
/// Other files (a README, the PDF and SVG files of a package) are not read; symbolic
/// links are not followed; hidden files and folders (`.name`) are skipped.
///
/// # Errors
/// [`crate::Error::Io`] when the folder cannot be listed; [`crate::Error::Input`] when it holds more
/// than 100 000 entries.
pub fn review_files(dir: &Path) -> Result<Vec<std::path::PathBuf>> {
    const MAX_DEPTH: usize = 4;
    const MAX_ENTRIES: usize = 100_000;
    fn visit(
        dir: &Path,
        depth: usize,
        seen: &mut usize,
        out: &mut Vec<std::path::PathBuf>,
    ) -> Result<()> {
        let listed = std::fs::read_dir(dir).and_then(|e| e.collect::<std::io::Result<Vec<_>>>());
        let mut entries = listed.map_err(|source| crate::error::Error::Io {
            file: dir.display().to_string(),
            source,
        })?;
        entries.sort_by_key(std::fs::DirEntry::file_name);
        for entry in entries {
            *seen += 1;
            if *seen > MAX_ENTRIES {
                return Err(crate::error::Error::input(
                    dir.display().to_string(),
                    None,
                    None,
                    format!("more than {MAX_ENTRIES} files and folders: not a folder of reviews"),
                ));
            }
            let name = entry.file_name().to_string_lossy().to_lowercase();
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if name.starts_with('.') {
                continue;
            }
            let path = entry.path();
            if kind.is_dir() {
                if is_package_folder(&path) {
                    out.push(path);
                } else if depth < MAX_DEPTH {
                    visit(&path, depth + 1, seen, out)?;
                }
            } else if kind.is_file() && is_review_name(&name) {
                out.push(path);
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    visit(dir, 0, &mut 0, &mut out)?;
    Ok(out)
}

/// The format of a review file's content.
pub fn format_of(bytes: &[u8]) -> ReviewFormat {
    let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let start = text
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .map_or(&[][..], |i| &text[i..]);
    // A zip archive starts with a local file header, or with the end of its central
    // directory when it is empty; XML with its declaration or root, in UTF-8 or UTF-16.
    if start.starts_with(ZIP_MAGIC) || start.starts_with(b"PK\x05\x06") {
        ReviewFormat::WebPackage
    } else if start.starts_with(b"<?xml")
        || start.starts_with(b"<COCHRANE_REVIEW")
        || start.starts_with(b"\xFF\xFE<\x00")
        || start.starts_with(b"\xFE\xFF\x00<")
    {
        ReviewFormat::Rm5
    } else {
        ReviewFormat::CsvExport
    }
}

/// Reads a review from memory, recognising its format; `source` names it in messages.
///
/// # Errors
/// As [`read_revman`].
pub fn read_revman_bytes(source: &str, bytes: &[u8]) -> Result<Review> {
    match format_of(bytes) {
        ReviewFormat::Rm5 => rm5::read_rm5_bytes(source, bytes),
        ReviewFormat::WebPackage => web::read_web_zip_bytes(source, bytes),
        ReviewFormat::CsvExport => read_csv_export_bytes(source, bytes),
    }
}

/// A figure column: a number RevMan printed and the audit recomputes. The arm totals are
/// figures on pooled rows (sums of their studies') and inputs on study rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Figure {
    /// `Events 1`.
    Events1,
    /// `Total 1`.
    Total1,
    /// `Events 2`.
    Events2,
    /// `Total 2`.
    Total2,
    /// `Effect Estimate` (natural scale for ratios).
    EffectEstimate,
    /// `SE` (analysis scale: of the log ratio for ratio measures).
    Se,
    /// `CI Start`.
    CiStart,
    /// `CI End`.
    CiEnd,
    /// `Weight` (%).
    Weight,
    /// `Q`, Cochran's heterogeneity statistic.
    Q,
    /// `P(Q)`.
    PQ,
    /// `I²(Q)` (%).
    I2Q,
    /// `Tau²`.
    Tau2,
    /// `Z`, the test of the overall effect (its absolute value).
    Z,
    /// `P(Z)`.
    PZ,
    /// `Qint`, the test for subgroup differences.
    Qint,
    /// `P(Qint)`.
    PQint,
    /// `I²(Qint)` (%).
    I2Qint,
    /// `df`.
    Df,
    /// The degrees of freedom of the test for subgroup differences (data package
    /// `Subgroup df`).
    DfQint,
    /// The base-10 logarithm of a ratio (`.rm5` `LOG_EFFECT_SIZE`: RevMan's forest
    /// plots are drawn on it).
    LogEffectEstimate,
    /// The base-10 logarithm of the lower limit (`.rm5` `LOG_CI_START`).
    LogCiStart,
    /// The base-10 logarithm of the upper limit (`.rm5` `LOG_CI_END`).
    LogCiEnd,
    /// The variance of a study's effect on the analysis scale (`.rm5` `VAR` of
    /// dichotomous and continuous data: SE²).
    Var,
    /// Peto's O − E of a dichotomous study row (`.rm5` `O_E`; 0 unless the method is
    /// Peto).
    Oe,
    /// The number of studies of an outcome or subgroup (`.rm5` `STUDIES`).
    Studies,
    /// Whether RevMan could estimate the row's effect (`.rm5` `ESTIMABLE`: `YES` or
    /// `NO`).
    Estimable,
}

impl Figure {
    /// The figure columns of the RevMan 5 CSV export, in its order.
    pub const CSV_EXPORT: [Figure; 19] = [
        Figure::Events1,
        Figure::Total1,
        Figure::Events2,
        Figure::Total2,
        Figure::EffectEstimate,
        Figure::Se,
        Figure::CiStart,
        Figure::CiEnd,
        Figure::Weight,
        Figure::Q,
        Figure::PQ,
        Figure::I2Q,
        Figure::Tau2,
        Figure::Z,
        Figure::PZ,
        Figure::Qint,
        Figure::PQint,
        Figure::I2Qint,
        Figure::Df,
    ];

    /// The figure's name as the CSV export's header writes it (for the figures only
    /// `.rm5` files hold, a name in the same style).
    pub fn name(self) -> &'static str {
        match self {
            Figure::Events1 => "Events 1",
            Figure::Total1 => "Total 1",
            Figure::Events2 => "Events 2",
            Figure::Total2 => "Total 2",
            Figure::EffectEstimate => "Effect Estimate",
            Figure::Se => "SE",
            Figure::CiStart => "CI Start",
            Figure::CiEnd => "CI End",
            Figure::Weight => "Weight",
            Figure::Q => "Q",
            Figure::PQ => "P(Q)",
            Figure::I2Q => "I²(Q)",
            Figure::Tau2 => "Tau²",
            Figure::Z => "Z",
            Figure::PZ => "P(Z)",
            Figure::Qint => "Qint",
            Figure::PQint => "P(Qint)",
            Figure::I2Qint => "I²(Qint)",
            Figure::Df => "df",
            Figure::DfQint => "df(Qint)",
            Figure::LogEffectEstimate => "log Effect Estimate",
            Figure::LogCiStart => "log CI Start",
            Figure::LogCiEnd => "log CI End",
            Figure::Var => "Var",
            Figure::Oe => "O-E",
            Figure::Studies => "Studies",
            Figure::Estimable => "Estimable",
        }
    }

    /// The arm totals: inputs on study rows, sums on pooled rows.
    pub(crate) fn is_arm_total(self) -> bool {
        matches!(
            self,
            Figure::Events1 | Figure::Total1 | Figure::Events2 | Figure::Total2
        )
    }
}

/// A printed cell of a pooled or study row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PrintedFigure {
    /// The figure, or `None` for a column the RevMan 5 export does not have.
    pub figure: Option<Figure>,
    /// The column as the export's header writes it.
    pub column: String,
    /// The cell as printed (the number of decimals matters).
    pub text: String,
}

/// The printed figures of a pooled row (outcome or subgroup) or a study row.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PrintedRow {
    /// The row's name (study ID, subgroup or outcome name).
    pub name: String,
    /// Where it is: the row in a CSV file (header = 1), the line of the element in an
    /// `.rm5` file.
    pub row: usize,
    /// The file of a data package the row is in (`None`: the review file itself).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// Its non-empty figure cells (and cells of unknown columns), in column order; on
    /// study rows without the arm totals, which are inputs there.
    pub figures: Vec<PrintedFigure>,
}

/// The analysis model of an outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Model {
    /// `Fixed`: the fixed-effect estimate of the method.
    Fixed,
    /// `Random`: DerSimonian-Laird about the fixed-effect estimate of the method.
    Random,
}

/// The statistical method of an outcome, as the export names it (`Statistical Method`).
/// The audit maps it to the fixed-effect method it re-runs with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Method {
    /// `MH`: Mantel-Haenszel.
    #[serde(rename = "mh")]
    MantelHaenszel,
    /// `IV`: inverse variance.
    #[serde(rename = "iv")]
    InverseVariance,
    /// `PETO`: Peto's one-step odds ratio.
    #[serde(rename = "peto")]
    Peto,
}

/// What an outcome row asks for, when metapool can re-run it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Analysis {
    /// The outcome type: [`DataType::Binary`] (dichotomous), [`DataType::Continuous`],
    /// [`DataType::GenericSe`] (generic inverse variance: an estimate and its SE) or
    /// [`DataType::GenericVariance`] (O-E and variance, read as Peto's (O − E)/V with
    /// variance 1/V).
    pub data_type: DataType,
    /// `MH`, `IV` or `PETO`.
    pub method: Method,
    /// `RR`, `OR`, `RD`, `PETO_OR`, `MD` or `SMD`; [`Measure::GEN`] for generic inverse
    /// variance and O-E outcomes, whose measure (a hazard ratio, a mean difference) is
    /// only a name: see [`ratio`](Self::ratio).
    pub measure: Measure,
    /// Whether the effects are analysed on the log scale and printed exponentiated (the
    /// ratio measures, O-E outcomes, and generic outcomes of a ratio).
    pub ratio: bool,
    /// Whether events and non-events are swapped before the analysis (dichotomous data).
    pub swap_events: bool,
    /// `Fixed` or `Random`.
    pub model: Model,
    /// Level of the study intervals, a proportion (0.95 unless `Study Confidence
    /// Interval` says otherwise).
    pub study_level: f64,
    /// Level of the pooled intervals (`Total Confidence Interval`).
    pub total_level: f64,
}

/// The data of one study row.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub enum StudyArms {
    /// `Events 1, Total 1, Events 2, Total 2`.
    Dichotomous {
        /// `Events 1`.
        events_1: f64,
        /// `Total 1`.
        total_1: f64,
        /// `Events 2`.
        events_2: f64,
        /// `Total 2`.
        total_2: f64,
    },
    /// `Mean 1, SD 1, Total 1, Mean 2, SD 2, Total 2`.
    Continuous {
        /// `Mean 1`.
        mean_1: f64,
        /// `SD 1`.
        sd_1: f64,
        /// `Total 1`.
        total_1: f64,
        /// `Mean 2`.
        mean_2: f64,
        /// `SD 2`.
        sd_2: f64,
        /// `Total 2`.
        total_2: f64,
    },
    /// A generic inverse-variance row: the estimate on the analysis scale (log for a
    /// ratio) and its standard error.
    Generic {
        /// The estimate (analysis scale).
        estimate: f64,
        /// Its standard error.
        se: f64,
    },
    /// An O-E and variance row: Peto's observed minus expected events and the variance V.
    ObservedMinusExpected {
        /// O − E.
        o_e: f64,
        /// V, the variance of O − E.
        variance: f64,
    },
}

impl StudyArms {
    /// Why the study's effect is undefined before any measure is chosen (an arm total
    /// of 0, an SD of 0), if it is.
    pub fn not_estimable(&self) -> Option<String> {
        let positive = |x: f64, what: &str| {
            (!(x > 0.0 && x.is_finite())).then(|| {
                format!("{what} is {x}: its effect and variance are undefined ({what} above 0 is needed)")
            })
        };
        let (totals, sds) = match *self {
            StudyArms::Generic { se, .. } => return positive(se, "SE"),
            StudyArms::ObservedMinusExpected { variance, .. } => {
                return positive(variance, "Variance")
            }
            StudyArms::Dichotomous {
                total_1, total_2, ..
            } => ([total_1, total_2], None),
            StudyArms::Continuous {
                sd_1,
                total_1,
                sd_2,
                total_2,
                ..
            } => ([total_1, total_2], Some([sd_1, sd_2])),
        };
        let mut why = Vec::new();
        for (arm, total) in totals.iter().enumerate() {
            if *total == 0.0 {
                why.push(format!("Total {} is 0", arm + 1));
            }
        }
        for (arm, sd) in sds.iter().flatten().enumerate() {
            if *sd == 0.0 {
                why.push(format!("SD {} is 0", arm + 1));
            }
        }
        (!why.is_empty()).then(|| {
            format!(
                "{}: its effect and variance are undefined (arm totals of at least 1 and \
                 standard deviations above 0 are needed)",
                why.join(", ")
            )
        })
    }
}

/// One study row of an outcome.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RevManStudy {
    /// Its printed figures (effect, SE, CI, weight).
    pub printed: PrintedRow,
    /// Its Subgroup Number (0: none).
    pub subgroup: u32,
    /// Its data, for the outcomes that are re-run (`None` otherwise).
    pub arms: Option<StudyArms>,
}

/// One outcome (analysis) of an export.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RevManOutcome {
    /// "comparison.outcome", e.g. "1.4".
    pub id: String,
    /// The name of its comparison (empty when the file has none).
    pub comparison: String,
    /// The outcome's name (without an outcome row: empty, or in a data package the name
    /// its study rows give).
    pub name: String,
    /// The outcome row, `None` when the export has subgroup or study rows of the outcome
    /// but no outcome row.
    pub row: Option<usize>,
    /// Data type as the export writes it.
    pub data_type: String,
    /// Statistical method as the export writes it.
    pub method: String,
    /// Effect measure as the export writes it.
    pub measure: String,
    /// Analysis model as the export writes it.
    pub model: String,
    /// What to re-run, or why the outcome is not re-run.
    pub analysis: std::result::Result<Analysis, String>,
    /// The outcome row's printed figures.
    pub pooled: Option<PrintedRow>,
    /// Subgroup Number → its printed row.
    pub subgroups: BTreeMap<u32, PrintedRow>,
    /// The study rows, in file order.
    pub studies: Vec<RevManStudy>,
}

impl RevManOutcome {
    /// Every printed row of the outcome: outcome row, subgroup rows, study rows.
    pub fn printed_rows(&self) -> impl Iterator<Item = &PrintedRow> {
        self.pooled
            .iter()
            .chain(self.subgroups.values())
            .chain(self.studies.iter().map(|s| &s.printed))
    }
}

/// A review as read, from any of the three formats.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Review {
    /// File name, or the label given to an in-memory source.
    pub source: String,
    /// The format it was read from.
    pub format: ReviewFormat,
    /// Its outcomes (analyses), by comparison and outcome number.
    pub outcomes: Vec<RevManOutcome>,
    /// Things worth knowing that are not errors (a repaired header, an unknown column, a
    /// subgroup without its row).
    pub warnings: Vec<String>,
}

pub(crate) fn method_of(text: &str) -> Option<Method> {
    Some(match text.to_lowercase().as_str() {
        "mh" | "m-h" | "mantel-haenszel" => Method::MantelHaenszel,
        "iv" | "inverse variance" | "inverse-variance" => Method::InverseVariance,
        "peto" => Method::Peto,
        _ => return None,
    })
}

/// The measure, and whether its name says the events were swapped for non-events.
pub(crate) fn measure_of(text: &str) -> Option<(Measure, bool)> {
    let lower = text.to_lowercase();
    let (name, swapped) = match lower.strip_suffix("(non-event)") {
        Some(base) => (base.trim(), true),
        None => (lower.as_str(), false),
    };
    let measure = match name {
        "rr" | "risk ratio" => Measure::RR,
        "or" | "odds ratio" => Measure::OR,
        "rd" | "risk difference" => Measure::RD,
        "peto_or" | "peto odds ratio" => Measure::PETO,
        "md" | "mean difference" => Measure::MD,
        "smd"
        | "std. mean difference"
        | "standardised mean difference"
        | "standardized mean difference" => Measure::SMD,
        _ => return None,
    };
    Some((measure, swapped))
}

pub(crate) fn model_of(text: &str) -> Option<Model> {
    Some(match text.to_lowercase().as_str() {
        "fixed" | "fixed effect" | "fixed-effect" | "fixed effects" => Model::Fixed,
        "random" | "random effects" | "random-effects" | "random effect" => Model::Random,
        _ => return None,
    })
}

/// The measures an outcome of `data_type` can have, and their names for a message;
/// `None` when any name goes (generic inverse variance, O-E: the measure is a name).
pub(crate) fn measures_of(data_type: DataType) -> Option<(&'static [Measure], &'static str)> {
    match data_type {
        DataType::Binary => Some((
            &[Measure::RR, Measure::OR, Measure::RD, Measure::PETO],
            "RR, OR, RD or PETO_OR",
        )),
        DataType::Continuous => Some((&[Measure::MD, Measure::SMD], "MD or SMD")),
        _ => None,
    }
}

/// The methods that go with a data type and measure, and their names for a message:
/// inverse variance for continuous data, Peto for the Peto odds ratio, Mantel-Haenszel or
/// inverse variance for the other dichotomous measures; `None` when any goes.
pub(crate) fn methods_of(
    data_type: DataType,
    measure: Measure,
) -> Option<(&'static [Method], &'static str)> {
    match (data_type, measure) {
        (DataType::Continuous, _) => Some((&[Method::InverseVariance], "IV")),
        (DataType::Binary, Measure::PETO) => Some((&[Method::Peto], "PETO")),
        (DataType::Binary, _) => Some((
            &[Method::MantelHaenszel, Method::InverseVariance],
            "MH or IV",
        )),
        _ => None,
    }
}

/// The largest count accepted: 2^53, beyond which not every whole number is an `f64`.
pub(crate) const MAX_COUNT: f64 = 9_007_199_254_740_992.0;

/// A study count (events, participants) as every reader checks it: a whole number from
/// 0 to 2^53; otherwise the message.
pub(crate) fn checked_count(x: f64) -> std::result::Result<f64, String> {
    if x < 0.0 || x.fract() != 0.0 || x > MAX_COUNT {
        return Err(format!(
            "{} is not a count; expected a whole number from 0 to 2^53",
            crate::error::Shown(x)
        ));
    }
    Ok(x)
}

/// The events of an arm within its total, `total_name` naming the total as the file
/// does; otherwise the message.
pub(crate) fn checked_events(
    events: f64,
    total: f64,
    total_name: &str,
) -> std::result::Result<(), String> {
    if events > total {
        return Err(format!(
            "{events} events exceed {total_name} = {total}; expected 0 to {total} events"
        ));
    }
    Ok(())
}

/// A standard deviation, standard error or variance (`what`): 0 or more; otherwise the
/// message.
pub(crate) fn checked_not_negative(x: f64, what: &str) -> std::result::Result<f64, String> {
    if x < 0.0 {
        return Err(format!("{what} must be 0 or more, found {x}"));
    }
    Ok(x)
}

/// Whether the name of a generic or O-E analysis's measure names a ratio: it says
/// "ratio", or is HR, OR, RR or IRR.
pub(crate) fn names_a_ratio(measure: &str) -> bool {
    let lower = measure.trim().to_lowercase();
    lower.contains("ratio") || matches!(lower.as_str(), "hr" | "or" | "rr" | "irr")
}
