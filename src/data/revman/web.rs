//! RevMan Web data packages.
//!
//! A data package is what RevMan Web hands out for a review (version 1 of the format, the
//! one Cochrane produced until September 2024): a zip holding the article PDF, the forest
//! plots as SVG and a nested zip `…-files/…-data.zip`. The nested zip holds
//! `…-analysis-data/` with three CSV files, the ones read here, and `…-study-data/`
//! (study information, risk of bias, references: not read):
//!
//! - `…-overall-estimates-and-settings.csv`: one row per analysis: `Analysis group` (the
//!   comparison's number) and `Analysis number` (the outcome's), which make the analysis
//!   "group.number" ("1.2"); `Analysis name`, `Analysis group name`; the settings `Data
//!   type`, `Log-scale data`, `Statistical method`, `Effect measure`, `Analysis model`,
//!   `Swap event and non-event`, `Study CI`, `Estimate CI`; and the pooled figures RevMan
//!   printed;
//! - `…-data-rows.csv`: one row per study and analysis: the analysis's numbers,
//!   `Subgroup` (the subgroup's name, empty without subgroups), `Study`, the study data of
//!   every data type side by side (`GIV Mean, GIV SE, Experimental mean, Experimental SD,
//!   Experimental cases, Experimental N, Control mean, Control SD, Control cases, Control
//!   N, O-E, Variance`: the cells of the other data types hold 0) and the study's printed
//!   `Weight`, `Mean` (its effect), `CI start`, `CI end`;
//! - `…-subgroup-estimates.csv`: one row per subgroup of an analysis: `Subgroup` (its
//!   name), `Subgroup number` and its pooled figures.
//!
//! The layout follows a real package, `tests/revman/Fleiss1993_revman_web.zip` (the
//! example review R's meta package ships; see `tests/revman/README.md`). Its files are
//! UTF-8 with a byte-order mark; figures are printed rounded to 6 decimals with trailing
//! zeros dropped (`0.00101` is 0.001010); an analysis RevMan did not compute (the SMD
//! analysis there) prints 0 for every computed figure, read as printed figures like any
//! other. "Experimental" is arm 1 (`_e`), "Control" arm 2 (`_c`).
//!
//! # The printed figures
//! Header names are matched ignoring case, white space and the `²`/`2` spelling (a header
//! saved again after a Latin-1 reading, `TauÂ²`, is read as what it was, with a warning).
//!
//! | column | [`Figure`] | | column | [`Figure`] |
//! |---|---|---|---|---|
//! | `Experimental cases` | `Events1` | | `Heterogeneity Chi²` | `Q` |
//! | `Experimental N` | `Total1` | | `Heterogeneity df` | `Df` |
//! | `Control cases` | `Events2` | | `Heterogeneity P` | `PQ` |
//! | `Control N` | `Total2` | | `Heterogeneity I²` | `I2Q` |
//! | `Weight` | `Weight` | | `Effect Z` | `Z` |
//! | `Mean` | `EffectEstimate` | | `Effect P` | `PZ` |
//! | `CI start` | `CiStart` | | `Subgroup Chi²` | `Qint` |
//! | `CI end` | `CiEnd` | | `Subgroup df` | `DfQint` |
//! | `Heterogeneity Tau²` | `Tau2` | | `Subgroup P`, `Subgroup I²` | `PQint`, `I2Qint` |
//!
//! The analysis row has the pooled figures but `Weight`; a subgroup row the same but the
//! subgroup test; a study row `Weight`, `Mean`, `CI start` and `CI end` (its arm totals
//! are its data, not printed figures). Empty cells are no printed figures; on rows of
//! continuous data the `cases` cells are placeholders (0 or empty), not figures. A column
//! the reader does not know is not read: a warning names it, and its non-empty cells are
//! listed with the row's figures (without a [`Figure`]) for the audit to list as not
//! checked. Descriptive columns (`Data source`, `Outcome`, the intervention and group
//! labels, `Unit of effect measure`, `Study year`, `Footnotes`, the `ID` identifiers, and
//! the display switches `Subgroup estimates`, `Overall estimates`, `Test for subgroup
//! differences`) are not read.
//!
//! # The analyses
//! `Data type` `Dichotomous` and `Continuous` are re-run with the measure of `Effect
//! measure` (`Odds Ratio`, `Risk Ratio`, `Risk Difference`, `Peto Odds Ratio`; `Mean
//! Difference`, `Standardized Mean Difference`); `Generic inverse variance` (`GIV`) and
//! `O-E and variance` (`O-E`) with [`Measure::GEN`], the measure being only a name there;
//! `Other data` is read, not re-run. The method (`MH`, `IV`, `Peto`), model (`Fixed
//! effect`, `Random effects`) and measure must go with each other and with the data type
//! (the rules the CSV export's reader applies: `measures_of`, `methods_of`). Levels are `Study CI` and `Estimate CI` (`95%`; 95%
//! when the cell is empty or the column absent). `Swap event and non-event` (`true`,
//! `false`; also a measure named `… (Non-event)`) sets [`Analysis::swap_events`].
//!
//! Assumptions (no package at hand has these data types, so they follow RevMan's data
//! entry):
//! - `GIV Mean` is on the analysis scale, the log for a ratio measure, as RevMan's generic
//!   inverse-variance entry takes it; `GIV SE` is its standard error;
//! - a generic analysis is of a ratio ([`Analysis::ratio`]: analysed on the log scale,
//!   printed exponentiated) when `Log-scale data` is true or its measure's name is one
//!   (contains "ratio", or is HR, OR or RR); an O-E analysis always is (Peto's
//!   exp((O − E)/V));
//! - on generic and O-E study rows the `cases` and `N` cells (the participants RevMan lets
//!   one enter for display) may be empty or counts; the means and SDs are placeholders.
//!
//! # Subgroups
//! A study row's `Subgroup` is matched by name to the subgroup rows of its analysis,
//! whose `Subgroup number` it takes ([`RevManStudy::subgroup`]). A name no subgroup row
//! has is numbered after the analysis's subgroup rows, in order of first appearance, with
//! a warning (its pooled figures are not in the package). `Applicability` other than
//! `SUBGROUP_AND_OVERALL` (the only value of the package at hand) is warned about; the
//! study is read as any other.
//!
//! # Input: what is read, what is an error
//! - [`read_web_zip_bytes`] takes the outer package zip or the data zip itself. The three
//!   files are found by the end of their names (`overall-estimates-and-settings.csv`,
//!   `data-rows.csv`, `subgroup-estimates.csv`, any case) in the archive, else in a nested
//!   zip: the one member ending `-data.zip`, else the one nested zip that holds them (one
//!   level of nesting: a zip inside the nested zip is not opened). Mac resource forks
//!   (`__MACOSX/`, `._…`) are skipped. Each member is decompressed in memory within
//!   [`InputLimits`] for the whole package (a zip bomb is an error), CSV members with the
//!   NUL-byte and line-length checks of every input file.
//! - [`read_web_folder`] takes the unpacked folder: the three files anywhere in it or in
//!   its folders up to 4 levels down, else a `…-data.zip` there. Symbolic links are
//!   followed only when they lead to a place inside the folder (others are skipped with a
//!   warning); at most 100 000 entries are looked at.
//!
//! Errors ([`Error::Input`]) name the zip (`source`, and `source: member` for a member of
//! it, `source: member: member` in the nested zip) or the file in the folder, with row and
//! column: a zip that is not readable (truncated, corrupt); a package without the
//! overall-estimates or the data-rows file (the subgroup-estimates file may be absent: no
//! subgroups); two files ending the same way; an empty file, a UTF-16 file, a missing
//! required column (`Analysis group`, `Analysis number`, `Analysis name`, `Data type`,
//! `Statistical method`, `Effect measure`, `Analysis model` in the overall file; `Analysis
//! group`, `Analysis number`, `Study` and the data columns of each data type that has
//! study rows in the data-rows file; `Analysis group`, `Analysis number`, `Subgroup`,
//! `Subgroup number` in the subgroup file), a repeated column; a row with fewer or more
//! cells than the header; an analysis or subgroup number that is not a whole number from
//! 1; two rows of one analysis in the overall file, two subgroup rows with one number or
//! one name; a data type, method, measure or model the reader does not know, or that do
//! not go together; a flag other than true or false; a level outside (0, 100); within an
//! analysis, studies with and without a subgroup; a study cell that is not a number, a
//! count that is negative, not whole or above its `N`, a negative SD, SE or variance, a
//! placeholder that is not 0 or empty.
//!
//! Text that is not UTF-8 is read cell by cell as Latin-1 (one character a byte, the
//! code page a spreadsheet on Windows saves in), with a warning.
//!
//! Study rows and subgroup rows of an analysis the overall file has no row for are kept
//! in an outcome that is not re-run (its data type, method, measure and model are not
//! known): every printed figure stays in the review. Outcomes are in the order of their
//! numbers (group, then number); studies in file order.

use super::csv_export::{fold, text, undo_latin1_reading};
use super::{checked_count, checked_events, checked_not_negative, names_a_ratio};
use super::{
    measure_of, measures_of, method_of, methods_of, model_of, Analysis, Figure, PrintedFigure,
    PrintedRow, RevManOutcome, RevManStudy, Review, ReviewFormat, StudyArms,
};
use crate::data::csv::{parse_number, shown, Records};
use crate::data::input::{open_path, read_bounded, read_bounded_binary, read_path};
use crate::data::{DataType, InputLimits};
use crate::error::{Error, Result};
use crate::measure::Measure;
use std::collections::BTreeMap;
use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};

/// Reads the unpacked folder of a data package (see the module documentation).
///
/// # Errors
/// [`Error::Io`] when the folder or a file of the package cannot be read;
/// [`Error::Input`] naming the file, row and column for every error of the module
/// documentation, and for a folder that holds no data package.
pub fn read_web_folder(path: &Path) -> Result<Review> {
    read_folder(path, &InputLimits::default())
}

/// The number of files named `…overall-estimates-and-settings.csv` in a folder and its
/// subfolders, at most 4 levels down (symbolic links are not followed here; at most
/// 100 000 entries are looked at): 1 for the folder of an unpacked data package.
pub fn packages_in(path: &Path) -> usize {
    fn look(dir: &Path, depth: usize, budget: &mut usize, found: &mut usize) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            if *budget == 0 {
                return;
            }
            *budget -= 1;
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            let name = entry.file_name().to_string_lossy().into_owned();
            if kind.is_file() && kind_of(&name) == Some(Kind::Overall) {
                *found += 1;
            } else if kind.is_dir() && depth < MAX_DEPTH {
                look(&entry.path(), depth + 1, budget, found);
            }
        }
    }
    let mut found = 0;
    look(path, 0, &mut MAX_ENTRIES.clone(), &mut found);
    found
}

/// Whether `name` is one of the files a data package's folder holds (its three CSVs, a
/// nested `…-data.zip`).
pub(super) fn is_package_file(name: &str) -> bool {
    kind_of(name).is_some() || ends_with(name, "-data.zip")
}

/// Reads a data package from the bytes of its zip, the package as downloaded or its
/// nested data zip; `source` names it in messages.
///
/// # Errors
/// [`Error::Input`] naming the zip, its member, row and column for every error of the
/// module documentation.
pub fn read_web_zip_bytes(source: &str, bytes: &[u8]) -> Result<Review> {
    read_zip(source, bytes, &InputLimits::default())
}

fn read_zip(source: &str, bytes: &[u8], limits: &InputLimits) -> Result<Review> {
    let mut budget = Budget::new(limits);
    let files = zip_files(source, bytes, false, &mut budget)?;
    assemble(source, &files, Vec::new())
}

// ---------------------------------------------------------------------------------------
// The files of a package.

/// The three CSV files of a package's analysis data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// `…-overall-estimates-and-settings.csv`.
    Overall,
    /// `…-data-rows.csv`.
    DataRows,
    /// `…-subgroup-estimates.csv`.
    Subgroups,
}

impl Kind {
    const ALL: [Kind; 3] = [Kind::Overall, Kind::DataRows, Kind::Subgroups];

    /// How the file's name ends.
    fn suffix(self) -> &'static str {
        match self {
            Kind::Overall => "overall-estimates-and-settings.csv",
            Kind::DataRows => "data-rows.csv",
            Kind::Subgroups => "subgroup-estimates.csv",
        }
    }

    fn index(self) -> usize {
        self as usize
    }

    /// The columns of the file the reader knows.
    fn columns(self) -> &'static [(&'static str, Col)] {
        match self {
            Kind::Overall => OVERALL,
            Kind::DataRows => DATA_ROWS,
            Kind::Subgroups => SUBGROUPS,
        }
    }

    /// The columns every file of the kind must have.
    fn required(self) -> &'static [Col] {
        match self {
            Kind::Overall => &[
                Col::Group,
                Col::Number,
                Col::AnalysisName,
                Col::DataType,
                Col::Method,
                Col::Measure,
                Col::Model,
            ],
            Kind::DataRows => &[Col::Group, Col::Number, Col::Study],
            Kind::Subgroups => &[Col::Group, Col::Number, Col::Subgroup, Col::SubgroupNumber],
        }
    }
}

/// A column of a package file that the reader knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Col {
    /// `Analysis group`: the comparison's number.
    Group,
    /// `Analysis number`: the outcome's number within its group.
    Number,
    AnalysisName,
    /// `Analysis group name`: the comparison's name.
    GroupName,
    DataType,
    /// `Log-scale data`: generic data entered on the log scale.
    LogScale,
    Method,
    Measure,
    Model,
    /// `Swap event and non-event`.
    Swap,
    /// `Study CI`: the level of the study intervals.
    StudyCi,
    /// `Estimate CI`: the level of the pooled intervals.
    EstimateCi,
    /// `Subgroup`: the subgroup's name.
    Subgroup,
    SubgroupNumber,
    Applicability,
    Study,
    GivMean,
    GivSe,
    ExpMean,
    ExpSd,
    CtlMean,
    CtlSd,
    Oe,
    Variance,
    Figure(Figure),
    /// Descriptive columns and identifiers: not read.
    Label,
}

/// The arm totals, as the package names them.
const ARM_TOTALS: [(&str, Col); 4] = [
    ("Experimental cases", Col::Figure(Figure::Events1)),
    ("Experimental N", Col::Figure(Figure::Total1)),
    ("Control cases", Col::Figure(Figure::Events2)),
    ("Control N", Col::Figure(Figure::Total2)),
];

/// The columns of the overall-estimates-and-settings file, in its order.
const OVERALL: &[(&str, Col)] = &[
    ("Analysis group", Col::Group),
    ("Analysis number", Col::Number),
    ("Analysis name", Col::AnalysisName),
    ("Analysis group name", Col::GroupName),
    ("Data source", Col::Label),
    ("Data source eligibility", Col::Label),
    ("Data type", Col::DataType),
    ("Log-scale data", Col::LogScale),
    ("Outcome", Col::Label),
    ("Intervention grouping", Col::Label),
    ("Experimental intervention", Col::Label),
    ("Control intervention", Col::Label),
    ("Subgroup by", Col::Label),
    ("Filter criteria", Col::Label),
    ("Experimental group label", Col::Label),
    ("Control group label", Col::Label),
    ("Statistical method", Col::Method),
    ("Effect measure", Col::Measure),
    ("Unit of effect measure", Col::Label),
    ("Analysis model", Col::Model),
    ("Subgroup estimates", Col::Label),
    ("Overall estimates", Col::Label),
    ("Test for subgroup differences", Col::Label),
    ("Swap event and non-event", Col::Swap),
    ("Study CI", Col::StudyCi),
    ("Estimate CI", Col::EstimateCi),
    ARM_TOTALS[0],
    ARM_TOTALS[1],
    ARM_TOTALS[2],
    ARM_TOTALS[3],
    ("Mean", Col::Figure(Figure::EffectEstimate)),
    ("CI start", Col::Figure(Figure::CiStart)),
    ("CI end", Col::Figure(Figure::CiEnd)),
    ("Heterogeneity Tau²", Col::Figure(Figure::Tau2)),
    ("Heterogeneity Chi²", Col::Figure(Figure::Q)),
    ("Heterogeneity df", Col::Figure(Figure::Df)),
    ("Heterogeneity P", Col::Figure(Figure::PQ)),
    ("Heterogeneity I²", Col::Figure(Figure::I2Q)),
    ("Effect Z", Col::Figure(Figure::Z)),
    ("Effect P", Col::Figure(Figure::PZ)),
    ("Subgroup Chi²", Col::Figure(Figure::Qint)),
    ("Subgroup df", Col::Figure(Figure::DfQint)),
    ("Subgroup P", Col::Figure(Figure::PQint)),
    ("Subgroup I²", Col::Figure(Figure::I2Qint)),
    ("ID", Col::Label),
];

/// The columns of the data-rows file, in its order.
const DATA_ROWS: &[(&str, Col)] = &[
    ("Analysis group", Col::Group),
    ("Analysis number", Col::Number),
    ("Analysis name", Col::AnalysisName),
    ("Subgroup", Col::Subgroup),
    ("Applicability", Col::Applicability),
    ("Study", Col::Study),
    ("Study year", Col::Label),
    ("GIV Mean", Col::GivMean),
    ("GIV SE", Col::GivSe),
    ("Experimental mean", Col::ExpMean),
    ("Experimental SD", Col::ExpSd),
    ARM_TOTALS[0],
    ARM_TOTALS[1],
    ("Control mean", Col::CtlMean),
    ("Control SD", Col::CtlSd),
    ARM_TOTALS[2],
    ARM_TOTALS[3],
    ("O-E", Col::Oe),
    ("Variance", Col::Variance),
    ("Weight", Col::Figure(Figure::Weight)),
    ("Mean", Col::Figure(Figure::EffectEstimate)),
    ("CI start", Col::Figure(Figure::CiStart)),
    ("CI end", Col::Figure(Figure::CiEnd)),
    ("Footnotes", Col::Label),
];

/// The columns of the subgroup-estimates file, in its order.
const SUBGROUPS: &[(&str, Col)] = &[
    ("Analysis group", Col::Group),
    ("Analysis number", Col::Number),
    ("Subgroup", Col::Subgroup),
    ("Subgroup number", Col::SubgroupNumber),
    ARM_TOTALS[0],
    ARM_TOTALS[1],
    ARM_TOTALS[2],
    ARM_TOTALS[3],
    ("Weight", Col::Figure(Figure::Weight)),
    ("Mean", Col::Figure(Figure::EffectEstimate)),
    ("CI start", Col::Figure(Figure::CiStart)),
    ("CI end", Col::Figure(Figure::CiEnd)),
    ("Heterogeneity Tau²", Col::Figure(Figure::Tau2)),
    ("Heterogeneity Chi²", Col::Figure(Figure::Q)),
    ("Heterogeneity df", Col::Figure(Figure::Df)),
    ("Heterogeneity P", Col::Figure(Figure::PQ)),
    ("Heterogeneity I²", Col::Figure(Figure::I2Q)),
    ("Effect Z", Col::Figure(Figure::Z)),
    ("Effect P", Col::Figure(Figure::PZ)),
    ("ID", Col::Label),
];

/// One CSV file of a package.
struct Member {
    /// Its name as in the archive or the folder (`PrintedRow::file`).
    file: String,
    /// Its name in messages: the zip and the member, or the file's path.
    label: String,
    bytes: Vec<u8>,
}

/// The analysis data of a package.
struct Files {
    overall: Member,
    data_rows: Member,
    /// Absent: no subgroups.
    subgroups: Option<Member>,
}

/// A name's last component.
fn base_name(name: &str) -> &str {
    name.rsplit(['/', '\\']).next().unwrap_or(name)
}

/// Mac resource forks in an archive or folder (`__MACOSX/…`, `._name`): not files of the
/// package.
fn ignored(name: &str) -> bool {
    name.split(['/', '\\']).any(|c| c == "__MACOSX") || base_name(name).starts_with("._")
}

fn kind_of(name: &str) -> Option<Kind> {
    if ignored(name) {
        return None;
    }
    let base = base_name(name).to_ascii_lowercase();
    Kind::ALL.into_iter().find(|k| base.ends_with(k.suffix()))
}

fn ends_with(name: &str, suffix: &str) -> bool {
    !ignored(name) && base_name(name).to_ascii_lowercase().ends_with(suffix)
}

/// A member's or file's name for a message: control characters escaped, at most 200
/// characters.
fn shown_name(name: &str) -> String {
    crate::data::csv::shown_at_most(name, 200)
}

/// The position in `names` of the file of each kind; two of one kind are an error.
fn pick(label: &str, names: &[String]) -> Result<[Option<usize>; 3]> {
    let mut found: [Option<usize>; 3] = [None; 3];
    for (i, name) in names.iter().enumerate() {
        if let Some(kind) = kind_of(name) {
            if let Some(first) = found[kind.index()] {
                return Err(Error::input(
                    label,
                    None,
                    None,
                    format!(
                        "two files end in '{}': '{}' and '{}'; expected one data package, with \
                         one file of each kind",
                        kind.suffix(),
                        shown_name(&names[first]),
                        shown_name(name)
                    ),
                ));
            }
            found[kind.index()] = Some(i);
        }
    }
    Ok(found)
}

/// The error of a package without its overall-estimates or data-rows file.
fn missing_files(label: &str, found: &[Option<usize>; 3], more: &str) -> Error {
    let missing: Vec<String> = [Kind::Overall, Kind::DataRows]
        .into_iter()
        .filter(|k| found[k.index()].is_none())
        .map(|k| format!("'…{}'", k.suffix()))
        .collect();
    Error::input(
        label,
        None,
        None,
        format!(
            "not a RevMan Web data package: no file ending {} in it{more}; a data package \
             holds its analysis data as …overall-estimates-and-settings.csv, …data-rows.csv \
             and …subgroup-estimates.csv, in the zip or in its nested …-data.zip",
            missing.join(" or ")
        ),
    )
}

// ---------------------------------------------------------------------------------------
// Zip archives.

type Archive<'a> = zip::ZipArchive<Cursor<&'a [u8]>>;

/// Opens a zip archive. One that begins after other bytes is refused: in a package cut
/// short, the zip reader would find the stored nested data zip's directory and read it
/// as the archive (and packages have no self-extracting head).
fn open_zip<'a>(label: &str, bytes: &'a [u8]) -> Result<Archive<'a>> {
    let unreadable = |why: String| {
        Error::input(
            label,
            None,
            None,
            format!("not a readable zip archive: {why}"),
        )
    };
    let archive =
        zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| unreadable(e.to_string()))?;
    if archive.offset() != 0 {
        return Err(unreadable(format!(
            "the only archive directory found belongs to a zip that begins at byte {} (a \
             member stored in it?): is the file cut short?",
            archive.offset()
        )));
    }
    // The archive keeps one member of a name that stands twice: which one another unzip
    // tool takes is not known, so neither is read.
    if archive.has_duplicate_names() {
        return Err(unreadable(
            "two of its members have the same name: which one holds the data is not known; \
             expected each file of the package once"
                .to_string(),
        ));
    }
    Ok(archive)
}

/// The names of an archive's members, `None` for directories.
fn member_names(archive: &Archive) -> Vec<Option<String>> {
    archive
        .file_names()
        .zip(archive.file_names_raw())
        .map(|(name, raw)| {
            let name = match name {
                Ok(n) => n.into_owned(),
                Err(_) => String::from_utf8_lossy(raw).into_owned(),
            };
            (!name.ends_with('/')).then_some(name)
        })
        .collect()
}

/// What may still be decompressed of a package: [`InputLimits::max_bytes`] for all its
/// members together.
struct Budget {
    left: u64,
    limits: InputLimits,
}

impl Budget {
    fn new(limits: &InputLimits) -> Self {
        Budget {
            left: limits.max_bytes,
            limits: *limits,
        }
    }

    fn too_large(&self, label: &str, what: &str) -> Error {
        Error::input(
            label,
            None,
            None,
            format!(
                "the member {what}, beyond the input limit of {} bytes for all the members of \
                 the package together ({} bytes of it left); raise it with --max-input-size \
                 if the package is really that large",
                self.limits.max_bytes, self.left
            ),
        )
    }

    /// Decompresses member `index` of `archive`: CSV text (`text`: with the checks of
    /// every input file) or a nested zip.
    fn read(
        &mut self,
        archive: &mut Archive,
        index: usize,
        label: &str,
        text: bool,
    ) -> Result<Vec<u8>> {
        let corrupt = |e: std::io::Error| {
            Error::input(
                label,
                None,
                None,
                format!("not a readable zip archive: this member cannot be decompressed: {e}"),
            )
        };
        let mut file = archive.by_index(index).map_err(|e| {
            Error::input(
                label,
                None,
                None,
                format!("not a readable zip archive: this member cannot be read: {e}"),
            )
        })?;
        if file.size() > self.left {
            return Err(self.too_large(label, &format!("unpacks to {} bytes", file.size())));
        }
        let limited = (&mut file).take(self.left.saturating_add(1));
        let bytes = if text {
            // The size is bounded by `take`, the lines and NUL bytes by `read_bounded`.
            let limits = InputLimits::new(self.left.saturating_add(1), self.limits.max_line_bytes);
            match read_bounded(label, limited, None, &limits) {
                Err(Error::Io { source, .. }) => return Err(corrupt(source)),
                other => other?,
            }
        } else {
            let mut bytes = Vec::new();
            let mut limited = limited;
            limited.read_to_end(&mut bytes).map_err(corrupt)?;
            bytes
        };
        if bytes.len() as u64 > self.left {
            return Err(self.too_large(label, "unpacks to more bytes"));
        }
        self.left -= bytes.len() as u64;
        Ok(bytes)
    }
}

/// The analysis data in a zip (`label` names it), or in a nested zip unless `nested`
/// (the zip is already one).
fn zip_files(label: &str, bytes: &[u8], nested: bool, budget: &mut Budget) -> Result<Files> {
    let mut archive = open_zip(label, bytes)?;
    let names = member_names(&archive);
    let files: Vec<(usize, String)> = names
        .into_iter()
        .enumerate()
        .filter_map(|(i, n)| n.map(|n| (i, n)))
        .collect();
    let listed: Vec<String> = files.iter().map(|(_, n)| n.clone()).collect();
    let found = pick(label, &listed)?;
    let holds = |found: &[Option<usize>; 3]| {
        found[Kind::Overall.index()].is_some() || found[Kind::DataRows.index()].is_some()
    };
    if holds(&found) || nested {
        if found[..2].iter().any(Option::is_none) {
            let more = if nested && listed.iter().any(|n| ends_with(n, ".zip")) {
                " (a zip in it is not opened: one level of nested zips is read)"
            } else {
                ""
            };
            return Err(missing_files(label, &found, more));
        }
        let mut member = |at: Option<usize>| -> Result<Option<Member>> {
            let Some(at) = at else { return Ok(None) };
            let (index, name) = &files[at];
            let member_label = format!("{label}: {}", shown_name(name));
            let bytes = budget.read(&mut archive, *index, &member_label, true)?;
            Ok(Some(Member {
                file: name.clone(),
                label: member_label,
                bytes,
            }))
        };
        let overall = member(found[0])?;
        let data_rows = member(found[1])?;
        let subgroups = member(found[2])?;
        return match (overall, data_rows) {
            (Some(overall), Some(data_rows)) => Ok(Files {
                overall,
                data_rows,
                subgroups,
            }),
            _ => Err(missing_files(label, &found, "")),
        };
    }
    let zips: Vec<&(usize, String)> = files.iter().filter(|(_, n)| ends_with(n, ".zip")).collect();
    let data_zips: Vec<&(usize, String)> = zips
        .iter()
        .copied()
        .filter(|(_, n)| ends_with(n, "-data.zip"))
        .collect();
    let candidates = if data_zips.is_empty() {
        zips
    } else {
        data_zips
    };
    if let [(index, name)] = candidates[..] {
        let inner_label = format!("{label}: {}", shown_name(name));
        let inner = budget.read(&mut archive, *index, &inner_label, false)?;
        return zip_files(&inner_label, &inner, true, budget);
    }
    // Several nested zips: the one that holds the analysis data.
    let mut holding: Vec<(String, Vec<u8>)> = Vec::new();
    for (index, name) in candidates {
        let inner_label = format!("{label}: {}", shown_name(name));
        let inner = budget.read(&mut archive, *index, &inner_label, false)?;
        let held = open_zip(&inner_label, &inner).ok().is_some_and(|a| {
            let names: Vec<String> = member_names(&a).into_iter().flatten().collect();
            pick(&inner_label, &names).map_or(true, |f| holds(&f))
        });
        if held {
            holding.push((inner_label, inner));
        }
    }
    match &holding[..] {
        [] => Err(missing_files(label, &found, " (nor in a nested zip)")),
        [(inner_label, inner)] => zip_files(inner_label, inner, true, budget),
        [(first, _), (second, _), ..] => Err(Error::input(
            label,
            None,
            None,
            format!(
                "two nested zips hold analysis data, '{first}' and '{second}'; expected one \
                 data package"
            ),
        )),
    }
}

// ---------------------------------------------------------------------------------------
// Folders.

/// The deepest folder looked in, below the folder named.
const MAX_DEPTH: usize = 4;

/// The most folder entries looked at.
const MAX_ENTRIES: usize = 100_000;

/// The files of a folder whose names a package's files have.
struct Walk<'a> {
    label: &'a str,
    /// The folder, canonical: symbolic links are followed only within it.
    root: PathBuf,
    entries: usize,
    /// (path relative to the folder with `/`, path).
    found: Vec<(String, PathBuf)>,
    warnings: &'a mut Vec<String>,
}

impl Walk<'_> {
    fn visit(&mut self, dir: &Path, rel: &str, depth: usize) -> Result<()> {
        let listed =
            std::fs::read_dir(dir).and_then(|entries| entries.collect::<std::io::Result<Vec<_>>>());
        let mut entries = match listed {
            Ok(e) => e,
            Err(source) if depth == 0 => {
                return Err(Error::Io {
                    file: self.label.to_string(),
                    source,
                })
            }
            Err(e) => {
                self.warnings.push(format!(
                    "{}: not looked in, it cannot be read: {e}",
                    dir.display()
                ));
                return Ok(());
            }
        };
        entries.sort_by_key(std::fs::DirEntry::file_name);
        for entry in entries {
            self.entries += 1;
            if self.entries > MAX_ENTRIES {
                return Err(Error::input(
                    self.label,
                    None,
                    None,
                    format!(
                        "more than {MAX_ENTRIES} files and folders in it, {MAX_DEPTH} levels \
                         down: is this the folder of a data package? Name the folder the \
                         package was unpacked to, or its zip"
                    ),
                ));
            }
            let name = entry.file_name().to_string_lossy().into_owned();
            let child = if rel.is_empty() {
                name.clone()
            } else {
                format!("{rel}/{name}")
            };
            if ignored(&child) {
                continue;
            }
            let path = entry.path();
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            let (is_dir, is_file) = if kind.is_symlink() {
                match std::fs::canonicalize(&path) {
                    Ok(target) if target.starts_with(&self.root) => {
                        let Ok(meta) = std::fs::metadata(&target) else {
                            continue;
                        };
                        (meta.is_dir(), meta.is_file())
                    }
                    _ => {
                        self.warnings.push(format!(
                            "{}: a symbolic link that leads out of the folder (or nowhere): \
                             not followed",
                            path.display()
                        ));
                        continue;
                    }
                }
            } else {
                (kind.is_dir(), kind.is_file())
            };
            if is_dir {
                if depth < MAX_DEPTH {
                    self.visit(&path, &child, depth + 1)?;
                }
            } else if is_file && (kind_of(&name).is_some() || ends_with(&name, "-data.zip")) {
                self.found.push((child, path));
            }
        }
        Ok(())
    }
}

fn read_folder(path: &Path, limits: &InputLimits) -> Result<Review> {
    let label = path.display().to_string();
    let root = std::fs::canonicalize(path).map_err(|source| Error::Io {
        file: label.clone(),
        source,
    })?;
    let mut warnings = Vec::new();
    let mut walk = Walk {
        label: &label,
        root,
        entries: 0,
        found: Vec::new(),
        warnings: &mut warnings,
    };
    walk.visit(path, "", 0)?;
    let found = walk.found;
    let names: Vec<String> = found.iter().map(|(rel, _)| rel.clone()).collect();
    let csvs = pick(&label, &names)?;
    if csvs[0].is_some() || csvs[1].is_some() {
        if csvs[..2].iter().any(Option::is_none) {
            return Err(missing_files(&label, &csvs, ""));
        }
        let member = |at: Option<usize>| -> Result<Option<Member>> {
            let Some(at) = at else { return Ok(None) };
            let (rel, full) = &found[at];
            Ok(Some(Member {
                file: rel.clone(),
                label: full.display().to_string(),
                bytes: read_path(full, limits)?,
            }))
        };
        let (Some(overall), Some(data_rows)) = (member(csvs[0])?, member(csvs[1])?) else {
            return Err(missing_files(&label, &csvs, ""));
        };
        let files = Files {
            overall,
            data_rows,
            subgroups: member(csvs[2])?,
        };
        return assemble(&label, &files, warnings);
    }
    let zips: Vec<&(String, PathBuf)> = found
        .iter()
        .filter(|(rel, _)| ends_with(rel, "-data.zip"))
        .collect();
    match zips[..] {
        [] if csvs[2].is_some() => Err(missing_files(&label, &csvs, " (nor a …-data.zip)")),
        [] => Err(Error::input(
            &label,
            None,
            None,
            format!(
                "the folder holds no RevMan Web data package: no file ending \
                 'overall-estimates-and-settings.csv', 'data-rows.csv' or '-data.zip' in it \
                 or in its folders up to {MAX_DEPTH} levels down; expected the folder a data \
                 package was unpacked to (or name the package's zip itself)"
            ),
        )),
        [(_, zip_path)] => {
            let zip_label = zip_path.display().to_string();
            let (name, file, size) = open_path(zip_path)?;
            let bytes = read_bounded_binary(&name, file, size, limits)?;
            let mut budget = Budget::new(limits);
            let files = zip_files(&zip_label, &bytes, true, &mut budget)?;
            assemble(&label, &files, warnings)
        }
        [(first, _), (second, _), ..] => Err(Error::input(
            &label,
            None,
            None,
            format!(
                "two data zips in the folder, '{}' and '{}'; expected one data package",
                shown_name(first),
                shown_name(second)
            ),
        )),
    }
}

// ---------------------------------------------------------------------------------------
// The CSV files.

/// A data row as text.
#[derive(Debug, Clone)]
struct Raw {
    row: usize,
    cells: Vec<String>,
}

/// One CSV file, read.
struct Table {
    kind: Kind,
    /// Its name as in the archive or the folder.
    file: String,
    /// Its name in messages.
    label: String,
    header_row: usize,
    /// Each field's name as the header writes it.
    names: Vec<String>,
    columns: Vec<Option<Col>>,
    rows: Vec<Raw>,
}

fn known(kind: Kind, name: &str) -> Option<Col> {
    let folded = fold(name);
    kind.columns()
        .iter()
        .find(|(n, _)| fold(n) == folded)
        .map(|&(_, c)| c)
}

impl Table {
    fn read(kind: Kind, member: &Member, warnings: &mut Vec<String>) -> Result<Table> {
        let label = member.label.as_str();
        let bytes = member.bytes.as_slice();
        if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
            return Err(Error::input(
                label,
                Some(1),
                None,
                "the file is UTF-16 text; expected UTF-8 as RevMan Web writes it",
            ));
        }
        let data = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        if std::str::from_utf8(data).is_err() {
            warnings.push(format!(
                "{label}: not UTF-8 text: its cells that are not UTF-8 are read as Latin-1 \
                 (one character a byte)"
            ));
        }
        let mut records = Records::new(label, data);
        let mut record = ::csv::ByteRecord::new();
        let Some(header_row) = records.next_record(&mut record)? else {
            let first = kind.columns()[0].0;
            return Err(Error::input(
                label,
                Some(1),
                Some(first),
                format!(
                    "empty file: expected the header of a RevMan Web …{} file, which begins \
                     '{}'",
                    kind.suffix(),
                    kind.columns()[..3]
                        .iter()
                        .map(|(n, _)| *n)
                        .collect::<Vec<_>>()
                        .join(",")
                ),
            ));
        };
        let mut table = Table {
            kind,
            file: member.file.clone(),
            label: label.to_string(),
            header_row,
            names: Vec::with_capacity(record.len()),
            columns: Vec::with_capacity(record.len()),
            rows: Vec::new(),
        };
        table.header(&record, warnings)?;
        while let Some(row) = records.next_record(&mut record)? {
            let raw = table.raw(row, &record)?;
            table.rows.push(raw);
        }
        Ok(table)
    }

    fn header(&mut self, record: &::csv::ByteRecord, warnings: &mut Vec<String>) -> Result<()> {
        let (label, row) = (self.label.clone(), self.header_row);
        for field in record {
            let name = text(field);
            let (name, column) = match known(self.kind, &name) {
                Some(c) => (name, Some(c)),
                None => match undo_latin1_reading(&name)
                    .and_then(|n| known(self.kind, &n).map(|c| (n, c)))
                {
                    Some((repaired, c)) => {
                        warnings.push(format!(
                            "{label}, row {row}: header '{name}' read as '{repaired}' (UTF-8 \
                             text that was read as Latin-1 and saved again)"
                        ));
                        (repaired, Some(c))
                    }
                    None => (name, None),
                },
            };
            self.names.push(name);
            self.columns.push(column);
        }
        for (j, column) in self.columns.iter().enumerate() {
            if let Some(c) = column.filter(|c| *c != Col::Label) {
                if self.columns[..j].contains(&Some(c)) {
                    return Err(Error::input(
                        &label,
                        Some(row),
                        Some(&self.names[j]),
                        "the column appears twice in the header; expected each column once",
                    ));
                }
            }
        }
        for &column in self.kind.required() {
            if self.find(column).is_none() {
                let name = self.name_of(column);
                return Err(Error::input(
                    &label,
                    Some(row),
                    Some(&name),
                    format!(
                        "missing column '{name}' (header has: {}); the …{} file of a RevMan \
                         Web data package needs the columns {}",
                        shown(&self.names.join(",")),
                        self.kind.suffix(),
                        self.kind
                            .required()
                            .iter()
                            .map(|&c| self.name_of(c))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ));
            }
        }
        for (j, column) in self.columns.iter().enumerate() {
            if column.is_none() && !self.names[j].is_empty() {
                warnings.push(format!(
                    "{label}, row {row}, column '{}': not a column of the RevMan Web …{} \
                     file, not read; its cells are listed with the printed figures as not \
                     checked",
                    shown(&self.names[j]),
                    self.kind.suffix()
                ));
            }
        }
        Ok(())
    }

    fn find(&self, column: Col) -> Option<usize> {
        self.columns.iter().position(|c| *c == Some(column))
    }

    /// A field's name for a message: the header's text, or its position when empty.
    fn name(&self, field: usize) -> String {
        match self.names.get(field) {
            Some(n) if !n.is_empty() => n.clone(),
            _ => format!("field {}", field + 1),
        }
    }

    /// A column's name: as the header writes it, else as the format does.
    fn name_of(&self, column: Col) -> String {
        match self.find(column) {
            Some(j) => self.name(j),
            None => self
                .kind
                .columns()
                .iter()
                .find(|(_, c)| *c == column)
                .map_or_else(
                    || match column {
                        Col::Figure(f) => f.name().to_string(),
                        _ => format!("{column:?}"),
                    },
                    |(n, _)| (*n).to_string(),
                ),
        }
    }

    fn cell<'r>(&self, raw: &'r Raw, column: Col) -> &'r str {
        self.find(column).map_or("", |j| raw.cells[j].as_str())
    }

    fn error(&self, row: usize, column: Col, message: impl Into<String>) -> Error {
        Error::input(&self.label, Some(row), Some(&self.name_of(column)), message)
    }

    /// A data record as text, checked for its length and for line breaks.
    fn raw(&self, row: usize, record: &::csv::ByteRecord) -> Result<Raw> {
        let (len, expected) = (record.len(), self.names.len());
        if len != expected {
            let plural = |n: usize| if n == 1 { "" } else { "s" };
            let (field, why) = if len < expected {
                (
                    len,
                    format!(
                        " (none for '{}'): the row is cut short",
                        shown(&self.names[len..].join("', '"))
                    ),
                )
            } else {
                (
                    expected,
                    ": a comma inside a name or a number splits a cell in two unless the cell \
                     is quoted"
                        .to_string(),
                )
            };
            return Err(Error::input(
                &self.label,
                Some(row),
                Some(&self.name(field)),
                format!(
                    "this row has {len} cell{} but the header has {expected}{why}",
                    plural(len)
                ),
            ));
        }
        let cells = super::csv_export::record_cells(
            record,
            |j| matches!(self.columns[j], Some(c) if c != Col::Label),
        )
        .map_err(|(j, m)| Error::input(&self.label, Some(row), Some(&self.name(j)), m))?;
        Ok(Raw { row, cells })
    }

    /// A whole number from 1: an analysis or subgroup number.
    fn number(&self, raw: &Raw, column: Col) -> Result<u32> {
        let cell = self.cell(raw, column);
        if !cell.is_empty() && cell.bytes().all(|b| b.is_ascii_digit()) {
            if let Ok(n) = cell.parse::<u32>() {
                if n > 0 {
                    return Ok(n);
                }
            }
        }
        Err(self.error(
            raw.row,
            column,
            format!(
                "'{}' is not a whole number from 1; expected the number RevMan gives the row \
                 (1, 2, …)",
                shown(cell)
            ),
        ))
    }

    /// The analysis a row belongs to: (group, number).
    fn analysis_of(&self, raw: &Raw) -> Result<(u32, u32)> {
        Ok((
            self.number(raw, Col::Group)?,
            self.number(raw, Col::Number)?,
        ))
    }

    /// A true/false cell (empty: false).
    fn flag(&self, raw: &Raw, column: Col) -> Result<bool> {
        let cell = self.cell(raw, column);
        match cell.to_lowercase().as_str() {
            "" | "false" | "no" => Ok(false),
            "true" | "yes" => Ok(true),
            _ => Err(self.error(
                raw.row,
                column,
                format!("'{}' is neither true nor false", shown(cell)),
            )),
        }
    }

    /// A cell of a placeholder column: empty or 0.
    fn placeholder(&self, raw: &Raw, column: Col, what: &str) -> Result<()> {
        let cell = self.cell(raw, column);
        if cell.is_empty() || parse_number(cell) == Ok(0.0) {
            return Ok(());
        }
        Err(self.error(
            raw.row,
            column,
            format!(
                "'{}' on {what}, which has no {}; expected 0 or an empty cell",
                shown(cell),
                self.name_of(column)
            ),
        ))
    }

    /// The printed cells of a row: its figures but those `skip` names, and the cells of
    /// unknown columns.
    fn printed(&self, raw: &Raw, name: &str, skip: impl Fn(Figure) -> bool) -> PrintedRow {
        let mut figures = Vec::new();
        for (j, column) in self.columns.iter().enumerate() {
            let cell = &raw.cells[j];
            if cell.is_empty() {
                continue;
            }
            let figure = match column {
                Some(Col::Figure(f)) if !skip(*f) => Some(*f),
                None => None,
                Some(_) => continue,
            };
            figures.push(PrintedFigure {
                figure,
                column: self.name(j),
                text: cell.clone(),
            });
        }
        PrintedRow {
            name: name.to_string(),
            row: raw.row,
            file: Some(self.file.clone()),
            figures,
        }
    }
}

// ---------------------------------------------------------------------------------------
// The review.

/// The data type of an analysis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum WebType {
    Dichotomous,
    Continuous,
    /// Generic inverse variance.
    Generic,
    /// O-E and variance.
    ObservedMinusExpected,
    /// Other data: read, not re-run.
    Other,
}

fn web_type_of(text: &str) -> Option<WebType> {
    Some(match text.to_lowercase().as_str() {
        "dichotomous" | "dic" => WebType::Dichotomous,
        "continuous" | "con" => WebType::Continuous,
        "generic inverse variance" | "giv" | "generic" => WebType::Generic,
        "o-e and variance" | "o-e" | "oe" => WebType::ObservedMinusExpected,
        "other data" | "other" | "oth" => WebType::Other,
        _ => return None,
    })
}

impl WebType {
    /// The columns of a study row's data.
    fn data_columns(self) -> &'static [Col] {
        const E1: Col = Col::Figure(Figure::Events1);
        const T1: Col = Col::Figure(Figure::Total1);
        const E2: Col = Col::Figure(Figure::Events2);
        const T2: Col = Col::Figure(Figure::Total2);
        match self {
            WebType::Dichotomous => &[E1, T1, E2, T2],
            WebType::Continuous => &[Col::ExpMean, Col::ExpSd, T1, Col::CtlMean, Col::CtlSd, T2],
            WebType::Generic => &[Col::GivMean, Col::GivSe],
            WebType::ObservedMinusExpected => &[Col::Oe, Col::Variance],
            WebType::Other => &[],
        }
    }

    /// A row of this data type, for a message.
    fn row_of(self) -> &'static str {
        match self {
            WebType::Dichotomous => "a study row of dichotomous data",
            WebType::Continuous => "a study row of continuous data",
            WebType::Generic => "a study row of generic inverse-variance data",
            WebType::ObservedMinusExpected => "a study row of O-E and variance data",
            WebType::Other => "a study row of other data",
        }
    }
}

/// The rows of one analysis, in file order.
#[derive(Default)]
struct Group<'t> {
    overall: Option<&'t Raw>,
    subgroups: Vec<&'t Raw>,
    studies: Vec<&'t Raw>,
}

fn assemble(source: &str, files: &Files, mut warnings: Vec<String>) -> Result<Review> {
    let overall = Table::read(Kind::Overall, &files.overall, &mut warnings)?;
    let data = Table::read(Kind::DataRows, &files.data_rows, &mut warnings)?;
    let subgroups = files
        .subgroups
        .as_ref()
        .map(|m| Table::read(Kind::Subgroups, m, &mut warnings))
        .transpose()?;
    let mut groups: BTreeMap<(u32, u32), Group> = BTreeMap::new();
    for raw in &overall.rows {
        let key = overall.analysis_of(raw)?;
        let group = groups.entry(key).or_default();
        if let Some(first) = group.overall {
            return Err(overall.error(
                raw.row,
                Col::Number,
                format!(
                    "a second row of analysis {}.{} (the first is row {}); expected one row per \
                     analysis",
                    key.0, key.1, first.row
                ),
            ));
        }
        group.overall = Some(raw);
    }
    if let Some(table) = &subgroups {
        for raw in &table.rows {
            let key = table.analysis_of(raw)?;
            groups.entry(key).or_default().subgroups.push(raw);
        }
    }
    for raw in &data.rows {
        let key = data.analysis_of(raw)?;
        groups.entry(key).or_default().studies.push(raw);
    }
    if groups.is_empty() {
        return Err(overall.error(
            overall.header_row,
            Col::Group,
            "no analysis in the package: the overall-estimates and data-rows files have no \
             rows; expected the rows of at least one analysis",
        ));
    }
    let mut assembler = Assembler {
        overall: &overall,
        data: &data,
        subgroups: subgroups.as_ref(),
        warnings: &mut warnings,
    };
    let outcomes = groups
        .into_iter()
        .map(|(key, group)| assembler.outcome(key, &group))
        .collect::<Result<Vec<_>>>()?;
    Ok(Review {
        source: source.to_string(),
        format: ReviewFormat::WebPackage,
        outcomes,
        warnings,
    })
}

/// Builds the outcomes from the rows of the three files.
struct Assembler<'a> {
    overall: &'a Table,
    data: &'a Table,
    subgroups: Option<&'a Table>,
    warnings: &'a mut Vec<String>,
}

impl Assembler<'_> {
    fn outcome(&mut self, (g, n): (u32, u32), group: &Group) -> Result<RevManOutcome> {
        let id = format!("{g}.{n}");
        let settings = group
            .overall
            .map(|raw| self.settings(&id, raw))
            .transpose()?;
        let web_type = settings.as_ref().map(|s| s.0);
        let continuous = web_type == Some(WebType::Continuous);

        // Subgroup rows, by number; their names, for the study rows.
        let mut subgroups: BTreeMap<u32, PrintedRow> = BTreeMap::new();
        let mut names: Vec<(String, u32)> = Vec::new();
        if let Some(table) = self.subgroups {
            for raw in &group.subgroups {
                let number = table.number(raw, Col::SubgroupNumber)?;
                let name = table.cell(raw, Col::Subgroup);
                if let Some(first) = subgroups.get(&number) {
                    return Err(table.error(
                        raw.row,
                        Col::SubgroupNumber,
                        format!(
                            "a second subgroup row numbered {id}.{number} (the first is row {}); \
                             expected one row per subgroup",
                            first.row
                        ),
                    ));
                }
                if let Some(first) = subgroups
                    .values()
                    .find(|s| !name.is_empty() && s.name == name)
                {
                    return Err(table.error(
                        raw.row,
                        Col::Subgroup,
                        format!(
                            "a second subgroup of analysis {id} named '{}' (the first is row \
                             {}); expected each subgroup once",
                            shown(name),
                            first.row
                        ),
                    ));
                }
                if continuous {
                    self.pooled_placeholders(table, raw)?;
                }
                names.push((name.to_string(), number));
                subgroups.insert(
                    number,
                    table.printed(raw, name, |f| continuous && is_events(f)),
                );
            }
        }

        // The data columns of the analysis's data type.
        if let (Some(t), Some(raw), false) = (web_type, group.overall, group.studies.is_empty()) {
            let needed = t.data_columns();
            if let Some(&missing) = needed.iter().find(|&&c| self.data.find(c).is_none()) {
                let name = self.data.name_of(missing);
                return Err(Error::input(
                    &self.data.label,
                    Some(self.data.header_row),
                    Some(&name),
                    format!(
                        "missing column '{name}': analysis {id} ({}, row {} of {}) has study \
                         rows, whose data are in the columns {}",
                        shown(self.overall.cell(raw, Col::DataType)),
                        raw.row,
                        base_name(&self.overall.file),
                        needed
                            .iter()
                            .map(|&c| self.data.name_of(c))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ));
            }
        }

        // Study rows.
        let mut next = subgroups.keys().max().copied().unwrap_or(0);
        let mut studies = Vec::with_capacity(group.studies.len());
        for raw in &group.studies {
            let name = self.data.cell(raw, Col::Subgroup);
            let subgroup = if name.is_empty() {
                0
            } else if let Some((_, number)) = names.iter().find(|(n, _)| n == name) {
                *number
            } else {
                next += 1;
                names.push((name.to_string(), next));
                self.warnings.push(format!(
                    "{}, row {}: analysis {id} has studies in subgroup '{}' but {} has no row \
                     of it: numbered {next}, its pooled figures are not in the package",
                    self.data.label,
                    raw.row,
                    shown(name),
                    self.subgroups
                        .map_or("the package has no subgroup-estimates file, so it", |t| {
                            base_name(&t.file)
                        })
                ));
                next
            };
            let applicability = self.data.cell(raw, Col::Applicability);
            if !applicability.is_empty()
                && !applicability.eq_ignore_ascii_case("SUBGROUP_AND_OVERALL")
            {
                self.warnings.push(format!(
                    "{}, row {}, column '{}': '{}' is read as a study of its subgroup and of \
                     the overall analysis (SUBGROUP_AND_OVERALL, the only value of the \
                     package at hand)",
                    self.data.label,
                    raw.row,
                    self.data.name_of(Col::Applicability),
                    shown(applicability)
                ));
            }
            let arms = match web_type {
                Some(t) => self.study_arms(raw, t)?,
                None => None,
            };
            studies.push(RevManStudy {
                printed: self.data.printed(
                    raw,
                    self.data.cell(raw, Col::Study),
                    Figure::is_arm_total,
                ),
                subgroup,
                arms,
            });
        }
        let with_subgroups = !subgroups.is_empty() || studies.iter().any(|s| s.subgroup > 0);
        if with_subgroups {
            if let Some(s) = studies.iter().find(|s| s.subgroup == 0) {
                let other = subgroups
                    .values()
                    .chain(
                        studies
                            .iter()
                            .filter(|s| s.subgroup > 0)
                            .map(|s| &s.printed),
                    )
                    .map(|r| {
                        format!(
                            "row {} of {}",
                            r.row,
                            base_name(r.file.as_deref().unwrap_or_default())
                        )
                    })
                    .next()
                    .unwrap_or_default();
                return Err(self.data.error(
                    s.printed.row,
                    Col::Subgroup,
                    format!(
                        "a study without a subgroup in analysis {id}, whose other rows are in \
                         subgroups ({other}); expected the name of its subgroup"
                    ),
                ));
            }
        }

        let (Some(raw), Some((_, analysis))) = (group.overall, settings) else {
            let name = group
                .studies
                .first()
                .map(|r| self.data.cell(r, Col::AnalysisName).to_string())
                .unwrap_or_default();
            return Ok(RevManOutcome {
                id: id.clone(),
                comparison: String::new(),
                name,
                row: None,
                data_type: String::new(),
                method: String::new(),
                measure: String::new(),
                model: String::new(),
                analysis: Err(format!(
                    "no row in {} for analysis {id} (a row with Analysis group {g} and Analysis \
                     number {n}): its data type, method, measure and model are not known",
                    base_name(&self.overall.file)
                )),
                pooled: None,
                subgroups,
                studies,
            });
        };
        let t = self.overall;
        if continuous {
            self.pooled_placeholders(t, raw)?;
        }
        let written = |c: Col| t.cell(raw, c).to_string();
        Ok(RevManOutcome {
            id,
            comparison: written(Col::GroupName),
            name: written(Col::AnalysisName),
            row: Some(raw.row),
            data_type: written(Col::DataType),
            method: written(Col::Method),
            measure: written(Col::Measure),
            model: written(Col::Model),
            analysis,
            pooled: Some(t.printed(raw, t.cell(raw, Col::AnalysisName), |f| {
                continuous && is_events(f)
            })),
            subgroups,
            studies,
        })
    }

    /// The data type of an analysis row and what to re-run, or why it is not re-run.
    fn settings(
        &self,
        id: &str,
        raw: &Raw,
    ) -> Result<(WebType, std::result::Result<Analysis, String>)> {
        let t = self.overall;
        let cell = |c: Col| t.cell(raw, c);
        let data_type_text = cell(Col::DataType);
        let web_type = web_type_of(data_type_text).ok_or_else(|| {
            t.error(
                raw.row,
                Col::DataType,
                format!(
                    "'{}' is not a RevMan Web data type; expected Dichotomous, Continuous, \
                     Generic inverse variance or O-E and variance (or Other data: read, not \
                     re-run)",
                    shown(data_type_text)
                ),
            )
        })?;
        let data_type = match web_type {
            WebType::Dichotomous => DataType::Binary,
            WebType::Continuous => DataType::Continuous,
            WebType::Generic => DataType::GenericSe,
            WebType::ObservedMinusExpected => DataType::GenericVariance,
            WebType::Other => {
                return Ok((
                    web_type,
                    Err(format!(
                        "metapool re-runs dichotomous, continuous, generic inverse-variance and \
                         O-E analyses; analysis {id} is other data ('{}')",
                        shown(data_type_text)
                    )),
                ))
            }
        };
        let unknown = |column: Col, expected: &str| {
            t.error(
                raw.row,
                column,
                format!(
                    "'{}' is not a RevMan Web {}; expected {expected}",
                    shown(cell(column)),
                    t.name_of(column).to_lowercase()
                ),
            )
        };
        let method = method_of(cell(Col::Method)).ok_or_else(|| {
            unknown(
                Col::Method,
                "MH, IV or Peto (Mantel-Haenszel, Inverse variance, Peto)",
            )
        })?;
        let model = model_of(cell(Col::Model))
            .ok_or_else(|| unknown(Col::Model, "Fixed effect or Random effects"))?;
        let log_scale = t.flag(raw, Col::LogScale)?;
        let swap = t.flag(raw, Col::Swap)?;
        let measure_text = cell(Col::Measure);
        let (measure, ratio, swapped_name) = match web_type {
            WebType::Dichotomous | WebType::Continuous => {
                let (measure, swapped) = measure_of(measure_text).ok_or_else(|| {
                    unknown(
                        Col::Measure,
                        "Odds Ratio, Risk Ratio, Risk Difference, Peto Odds Ratio \
                         (dichotomous) or Mean Difference, Standardized Mean Difference \
                         (continuous)",
                    )
                })?;
                (measure, measure.is_ratio(), swapped)
            }
            WebType::Generic => (
                Measure::GEN,
                log_scale || names_a_ratio(measure_text),
                false,
            ),
            _ => (Measure::GEN, true, false),
        };
        if let Some(expected) = measures_of(data_type).filter(|m| !m.0.contains(&measure)) {
            return Err(t.error(
                raw.row,
                Col::Measure,
                format!(
                    "'{}' does not go with {} data; expected {}",
                    shown(measure_text),
                    shown(data_type_text),
                    expected.1
                ),
            ));
        }
        if let Some(expected) = methods_of(data_type, measure).filter(|m| !m.0.contains(&method)) {
            return Err(t.error(
                raw.row,
                Col::Method,
                format!(
                    "'{}' does not go with the measure '{}'; expected {}",
                    shown(cell(Col::Method)),
                    shown(measure_text),
                    expected.1
                ),
            ));
        }
        let level = |column: Col| -> Result<f64> {
            let text = cell(column);
            if text.is_empty() {
                return Ok(0.95);
            }
            let number = text.strip_suffix('%').unwrap_or(text).trim();
            match number.parse::<f64>() {
                Ok(l) if l > 0.0 && l < 100.0 => Ok(l / 100.0),
                _ => Err(t.error(
                    raw.row,
                    column,
                    format!(
                        "'{}' is not a confidence level; expected a percentage between 0 and \
                         100 such as 95%",
                        shown(text)
                    ),
                )),
            }
        };
        let (study_level, total_level) = (level(Col::StudyCi)?, level(Col::EstimateCi)?);
        Ok((
            web_type,
            Ok(Analysis {
                data_type,
                method,
                measure,
                ratio,
                swap_events: swap || swapped_name,
                model,
                study_level,
                total_level,
            }),
        ))
    }

    /// The `cases` cells of a pooled row of continuous data: placeholders.
    fn pooled_placeholders(&self, table: &Table, raw: &Raw) -> Result<()> {
        for f in [Figure::Events1, Figure::Events2] {
            table.placeholder(raw, Col::Figure(f), "a pooled row of continuous data")?;
        }
        Ok(())
    }

    /// The data of a study row, checked (`None` for other data).
    fn study_arms(&self, raw: &Raw, web_type: WebType) -> Result<Option<StudyArms>> {
        let t = self.data;
        let what = web_type.row_of();
        let (e1, t1, e2, t2) = (
            Col::Figure(Figure::Events1),
            Col::Figure(Figure::Total1),
            Col::Figure(Figure::Events2),
            Col::Figure(Figure::Total2),
        );
        let number = |column: Col| -> Result<f64> {
            parse_number(t.cell(raw, column)).map_err(|m| t.error(raw.row, column, m))
        };
        let count = |column: Col| -> Result<f64> {
            checked_count(number(column)?).map_err(|m| t.error(raw.row, column, m))
        };
        let not_negative = |column: Col, what: &str| -> Result<f64> {
            checked_not_negative(number(column)?, what).map_err(|m| t.error(raw.row, column, m))
        };
        let within = |events: f64, total: f64, e: Col, n: Col| -> Result<()> {
            checked_events(events, total, &t.name_of(n)).map_err(|m| t.error(raw.row, e, m))
        };
        let placeholders = |columns: &[Col]| -> Result<()> {
            columns
                .iter()
                .try_for_each(|&c| t.placeholder(raw, c, what))
        };
        // The participants of a generic or O-E row: empty, or counts.
        let participants = || -> Result<()> {
            let optional = |c: Col| -> Result<Option<f64>> {
                if t.cell(raw, c).is_empty() {
                    Ok(None)
                } else {
                    count(c).map(Some)
                }
            };
            for (e, n) in [(e1, t1), (e2, t2)] {
                if let (Some(events), Some(total)) = (optional(e)?, optional(n)?) {
                    within(events, total, e, n)?;
                }
            }
            Ok(())
        };
        let means = [Col::ExpMean, Col::ExpSd, Col::CtlMean, Col::CtlSd];
        Ok(Some(match web_type {
            WebType::Dichotomous => {
                let (total_1, total_2) = (count(t1)?, count(t2)?);
                let (events_1, events_2) = (count(e1)?, count(e2)?);
                within(events_1, total_1, e1, t1)?;
                within(events_2, total_2, e2, t2)?;
                placeholders(&[Col::GivMean, Col::GivSe])?;
                placeholders(&means)?;
                placeholders(&[Col::Oe, Col::Variance])?;
                StudyArms::Dichotomous {
                    events_1,
                    total_1,
                    events_2,
                    total_2,
                }
            }
            WebType::Continuous => {
                let arms = StudyArms::Continuous {
                    mean_1: number(Col::ExpMean)?,
                    sd_1: not_negative(Col::ExpSd, "a standard deviation")?,
                    total_1: count(t1)?,
                    mean_2: number(Col::CtlMean)?,
                    sd_2: not_negative(Col::CtlSd, "a standard deviation")?,
                    total_2: count(t2)?,
                };
                placeholders(&[Col::GivMean, Col::GivSe, e1, e2, Col::Oe, Col::Variance])?;
                arms
            }
            WebType::Generic => {
                let arms = StudyArms::Generic {
                    estimate: number(Col::GivMean)?,
                    se: not_negative(Col::GivSe, "a standard error")?,
                };
                participants()?;
                placeholders(&means)?;
                placeholders(&[Col::Oe, Col::Variance])?;
                arms
            }
            WebType::ObservedMinusExpected => {
                let arms = StudyArms::ObservedMinusExpected {
                    o_e: number(Col::Oe)?,
                    variance: not_negative(Col::Variance, "a variance")?,
                };
                participants()?;
                placeholders(&[Col::GivMean, Col::GivSe])?;
                placeholders(&means)?;
                arms
            }
            WebType::Other => return Ok(None),
        }))
    }
}

fn is_events(f: Figure) -> bool {
    matches!(f, Figure::Events1 | Figure::Events2)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(file: &str, bytes: &[u8]) -> Member {
        Member {
            file: file.to_string(),
            label: format!("t.zip: {file}"),
            bytes: bytes.to_vec(),
        }
    }

    /// A package of an overall file and a data-rows file, read.
    fn package(overall: &str, data_rows: &[u8]) -> Result<Review> {
        let files = Files {
            overall: member("x-overall-estimates-and-settings.csv", overall.as_bytes()),
            data_rows: member("x-data-rows.csv", data_rows),
            subgroups: None,
        };
        assemble("t.zip", &files, Vec::new())
    }

    fn message(read: Result<Review>) -> String {
        match read {
            Err(e @ Error::Input { .. }) => e.to_string(),
            other => panic!("expected an input error: {other:?}"),
        }
    }

    const OVERALL_HEADER: &str = "Analysis group,Analysis number,Analysis name,Data type,\
        Log-scale data,Statistical method,Effect measure,Analysis model,Swap event and \
        non-event,Study CI,Estimate CI,Mean\n";
    const DATA_HEADER: &str = "Analysis group,Analysis number,Study,GIV Mean,GIV SE,\
        Experimental cases,Experimental N,Control cases,Control N,O-E,Variance,Weight\n";

    #[test]
    fn generic_o_e_and_other_data_are_read_with_their_scale() {
        let overall = format!(
            "{OVERALL_HEADER}\
             1,1,Survival,O-E and variance,false,Peto,Hazard Ratio,Fixed effect,false,95%,95%,0.8\n\
             1,2,Log HR,Generic inverse variance,true,IV,Hazard Ratio,Random effects,false,90%,99%,0.7\n\
             1,3,Change,GIV,false,IV,Mean difference,Fixed effect,false,,,1.2\n\
             1,4,Odds,Generic inverse variance,false,IV,OR,Fixed effect,false,,,1.1\n\
             1,5,Scores,Other data,,,,,,,,\n"
        );
        let data = format!(
            "{DATA_HEADER}\
             1,1,A,0,0,,100,,98,-3.2,12.5,60\n\
             1,2,B,-0.22,0.1,0,50,0,50,0,0,40\n\
             1,3,C,1.2,0.5,,,,,0.0,0.0,100\n\
             1,4,D,0.1,0.3,,,,,,,100\n\
             1,5,E,7,x,,,,,,,\n"
        );
        let review = package(&overall, data.as_bytes()).expect("reads");
        let o: Vec<&RevManOutcome> = review.outcomes.iter().collect();
        let a = |i: usize| o[i].analysis.as_ref().expect("re-run");
        assert_eq!(a(0).data_type, DataType::GenericVariance);
        assert_eq!(a(0).measure, Measure::GEN);
        assert!(a(0).ratio);
        assert_eq!(
            o[0].studies[0].arms,
            Some(StudyArms::ObservedMinusExpected {
                o_e: -3.2,
                variance: 12.5
            })
        );
        assert_eq!(a(1).data_type, DataType::GenericSe);
        assert!(a(1).ratio, "log-scale data");
        assert_eq!((a(1).study_level, a(1).total_level), (0.9, 0.99));
        assert_eq!(a(1).model, super::super::Model::Random);
        assert_eq!(
            o[1].studies[0].arms,
            Some(StudyArms::Generic {
                estimate: -0.22,
                se: 0.1
            })
        );
        assert!(!a(2).ratio, "a mean difference");
        assert!(a(3).ratio, "named OR");
        let reason = o[4].analysis.as_ref().expect_err("other data");
        assert!(reason.contains("other data"), "{reason}");
        assert_eq!(o[4].studies[0].arms, None);
        assert_eq!(o[4].studies[0].printed.name, "E");
    }

    #[test]
    fn settings_that_are_not_known_or_do_not_go_together_are_errors() {
        let data = format!("{DATA_HEADER}1,1,A,0,0,1,10,2,10,0,0,100\n");
        for (row, says) in [
            (
                "1,1,N,Dichotomus,false,MH,Odds Ratio,Fixed effect,false,95%,95%,1",
                "column 'Data type': 'Dichotomus' is not a RevMan Web data type",
            ),
            (
                "1,1,N,Dichotomous,false,MH,Mean Difference,Fixed effect,false,95%,95%,1",
                "column 'Effect measure': 'Mean Difference' does not go with Dichotomous",
            ),
            (
                "1,1,N,Dichotomous,false,MH,Odds Ratio,Mixed,false,95%,95%,1",
                "column 'Analysis model': 'Mixed' is not a RevMan Web analysis model",
            ),
            (
                "1,1,N,Dichotomous,maybe,MH,Odds Ratio,Fixed effect,false,95%,95%,1",
                "column 'Log-scale data': 'maybe' is neither true nor false",
            ),
            (
                "1,1,N,Dichotomous,false,MH,Odds Ratio,Fixed effect,false,95%,100%,1",
                "column 'Estimate CI': '100%' is not a confidence level",
            ),
            (
                "0,1,N,Dichotomous,false,MH,Odds Ratio,Fixed effect,false,95%,95%,1",
                "column 'Analysis group': '0' is not a whole number from 1",
            ),
        ] {
            let e = message(package(
                &format!("{OVERALL_HEADER}{row}\n"),
                data.as_bytes(),
            ));
            assert!(
                e.starts_with("t.zip: x-overall-estimates-and-settings.csv, row 2, "),
                "{e}"
            );
            assert!(e.contains(says), "{e}");
        }
        let row = "1,1,N,Dichotomous,false,MH,Odds Ratio,Fixed effect,false,95%,95%,1\n";
        let twice = format!("{OVERALL_HEADER}{row}{row}");
        let e = message(package(&twice, data.as_bytes()));
        assert!(
            e.contains("row 3, column 'Analysis number': a second row of analysis 1.1"),
            "{e}"
        );
        // Swapped events are read as such.
        let swapped = row.replace("false,95%", "true,95%");
        let review =
            package(&format!("{OVERALL_HEADER}{swapped}"), data.as_bytes()).expect("reads");
        assert!(
            review.outcomes[0]
                .analysis
                .as_ref()
                .expect("re-run")
                .swap_events
        );
    }

    #[test]
    fn study_data_are_checked() {
        let overall = format!(
            "{OVERALL_HEADER}1,1,S,Generic inverse variance,false,IV,Hazard Ratio,Fixed effect,false,95%,95%,1\n"
        );
        for (row, column, says) in [
            (
                "1,1,A,0.1,-0.2,,,,,,,",
                "GIV SE",
                "a standard error must be 0 or more",
            ),
            (
                "1,1,A,0.1,0.2,,,,,3,,",
                "O-E",
                "expected 0 or an empty cell",
            ),
            (
                "1,1,A,0.1,0.2,5,4,,,,,",
                "Experimental cases",
                "5 events exceed Experimental N = 4",
            ),
            (
                "1,1,A,0.1,0.2,1.5,,,,,,",
                "Experimental cases",
                "1.5 is not a count",
            ),
            ("1,1,A,,0.2,,,,,,,", "GIV Mean", "missing value"),
            (
                "1,1,A,0.1,0.2,,,,,,",
                "Weight",
                "this row has 11 cells but the header has 12",
            ),
        ] {
            let data = format!("{DATA_HEADER}{row}\n");
            let e = message(package(&overall, data.as_bytes()));
            assert!(
                e.starts_with(&format!(
                    "t.zip: x-data-rows.csv, row 2, column '{column}': "
                )),
                "{e}"
            );
            assert!(e.contains(says), "{e}");
        }
        // The data columns of the analysis's data type must be there.
        let data = "Analysis group,Analysis number,Study,Weight\n1,1,A,100\n";
        let e = message(package(&overall, data.as_bytes()));
        assert!(
            e.starts_with("t.zip: x-data-rows.csv, row 1, column 'GIV Mean': missing column"),
            "{e}"
        );
    }

    #[test]
    fn latin1_text_and_a_mangled_header_are_read_with_warnings() {
        let overall = format!(
            "{}1,1,S,Dichotomous,false,MH,Risk Ratio,Fixed effect,false,95%,95%,1,\n",
            OVERALL_HEADER.replace("Mean\n", "Mean,Heterogeneity TauÂ²\n")
        );
        let mut data = format!("{DATA_HEADER}1,1,").into_bytes();
        data.extend_from_slice(b"M\xfcller,0,0,1,10,2,10,0,0,100\n");
        let review = package(&overall, &data).expect("reads");
        assert_eq!(review.outcomes[0].studies[0].printed.name, "Müller");
        assert_eq!(review.warnings.len(), 2, "{:?}", review.warnings);
        assert!(review.warnings[0].contains("read as 'Heterogeneity Tau²'"));
        assert!(review.warnings[1].contains("x-data-rows.csv: not UTF-8 text"));
    }

    fn fixture() -> Vec<u8> {
        std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/revman/Fleiss1993_revman_web.zip"
        ))
        .expect("the fixture zip")
    }

    #[test]
    fn decompression_is_bounded_for_the_whole_package() {
        let bytes = fixture();
        assert!(read_zip("p.zip", &bytes, &InputLimits::DEFAULT).is_ok());
        // The nested data zip (3535 bytes) is beyond a limit of 1000 bytes.
        let e = message(read_zip("p.zip", &bytes, &InputLimits::new(1000, 1 << 20)));
        assert!(
            e.starts_with("p.zip: Fleiss1993/921923100913455418-files/921923100913455418-data.zip: the member unpacks to 3535 bytes, beyond the input limit of 1000 bytes"),
            "{e}"
        );
        // It fits in 4000, its CSV files (2164 and 1273 bytes) do not.
        let e = message(read_zip("p.zip", &bytes, &InputLimits::new(4000, 1 << 20)));
        assert!(
            e.contains("-data.zip: 921923100913455418-analysis-data/"),
            "{e}"
        );
        assert!(e.contains("beyond the input limit of 4000 bytes"), "{e}");
    }
}
