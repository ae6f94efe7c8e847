//! `metapool scan`: find every statistical figure a meta-analysis or trial report prints
//! in a document, and check each one for internal consistency at its printed precision.
//!
//! The document is decoded to text first ([`document`]: plain text, Markdown, HTML,
//! PDF); the text is read as a stream of tokens ([`text`]); one module per kind of
//! figure recognises its figures among them and checks them.

pub mod count;
pub mod document;
pub mod estimate;
pub mod heterogeneity;
pub mod p_value;
pub mod percent;
pub mod text;

use super::{Verdict, VerdictKind};
use crate::printed::{Printed, Scale};
use serde::Serialize;
use std::collections::HashMap;
use text::{Positions, Tokens};

pub use document::{decode, Decoded, DocumentFormat};

/// What kind of figure was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum FigureKind {
    /// An effect estimate with its interval: `RR 0.96 (95% CI 0.65 to 1.41)`.
    EstimateCi,
    /// An effect estimate printed without an interval: `risk ratio about 0.96`.
    Estimate,
    /// A p-value: `P < 0.0001`, `p=.03`, `P for interaction = 0.04`.
    PValue,
    /// I², with Q (Chi²), df, its p and τ² where printed: `I² = 59%`.
    I2,
    /// Heterogeneity printed without I²: `Chi² = 12.3, df = 5`, `Tau² = 0.04`.
    Heterogeneity,
    /// A percentage, with its numerator and denominator where printed: `41% (25/61)`.
    Percent,
    /// A count of studies or participants: `6 RCTs`, `1,773 patients`.
    Count,
}

impl FigureKind {
    /// The kind's name, as the JSON and CSV output write it.
    pub fn name(self) -> &'static str {
        match self {
            FigureKind::EstimateCi => "estimate_ci",
            FigureKind::Estimate => "estimate",
            FigureKind::PValue => "p_value",
            FigureKind::I2 => "i2",
            FigureKind::Heterogeneity => "heterogeneity",
            FigureKind::Percent => "percent",
            FigureKind::Count => "count",
        }
    }
}

/// A figure found in a document, with what was read from it and its verdict.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScannedFigure {
    /// What kind of figure.
    pub kind: FigureKind,
    /// The figure as printed (decoded text).
    pub text: String,
    /// The line it starts on (from 1): the file's own line for text, Markdown and HTML
    /// ([`scan_document`]), the line of the decoded text for PDF and for [`scan_text`].
    pub line: usize,
    /// Offset of its first character in the decoded text, in characters.
    pub start: usize,
    /// Offset just past its last character, in characters.
    pub end: usize,
    /// The measure: `RR`, `OR`, `HR`, `MD`, `SMD`, ... (from the figure, its sentence or
    /// its table header).
    pub measure: Option<String>,
    /// The point estimate.
    pub estimate: Option<f64>,
    /// The lower limit of the interval.
    pub lower: Option<f64>,
    /// The upper limit of the interval.
    pub upper: Option<f64>,
    /// The level of the interval in percent (95 unless another is printed).
    pub level: Option<f64>,
    /// What the interval is: `confidence`, `prediction` or `credible`.
    pub interval: Option<String>,
    /// The p-value as printed, with its relation: `<0.001`, `=0.03`.
    pub p: Option<String>,
    /// The test a p-value belongs to where the text says: `heterogeneity`,
    /// `interaction`, `subgroup differences`, `egger`, `overall effect`.
    pub test: Option<String>,
    /// A z statistic printed with the figure.
    pub z: Option<f64>,
    /// I² in percent.
    pub i2: Option<f64>,
    /// Cochran's Q (Chi²).
    pub q: Option<f64>,
    /// Degrees of freedom of Q.
    pub df: Option<f64>,
    /// τ².
    pub tau2: Option<f64>,
    /// A numerator (events) printed with a percentage.
    pub n: Option<u64>,
    /// A denominator (total) printed with a percentage.
    #[serde(rename = "N")]
    pub big_n: Option<u64>,
    /// The value of a percentage (in percent) or of a count.
    pub value: Option<f64>,
    /// The unit of a count (`participants`, `studies`, ...) or of an estimate (`points`).
    pub unit: Option<String>,
    /// The arms printed with a count (`110 patients (30 treated, 80 control)`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parts: Option<Vec<f64>>,
    /// The verdict: consistent, inconsistent (why, with the numbers) or not checkable
    /// (what is missing).
    pub verdict: Verdict,
}

/// The scan of one document.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DocumentScan {
    /// The document's name as given.
    pub document: String,
    /// How it was decoded.
    pub format: DocumentFormat,
    /// The figures, in the order of the text.
    pub figures: Vec<ScannedFigure>,
    /// What the reader should know: text lost in decoding, a PDF without text.
    pub warnings: Vec<String>,
}

impl ScannedFigure {
    /// A figure of `kind` with nothing read yet and the verdict "not checkable".
    fn blank(kind: FigureKind) -> Self {
        ScannedFigure {
            kind,
            text: String::new(),
            line: 0,
            start: 0,
            end: 0,
            measure: None,
            estimate: None,
            lower: None,
            upper: None,
            level: None,
            interval: None,
            p: None,
            test: None,
            z: None,
            i2: None,
            q: None,
            df: None,
            tau2: None,
            n: None,
            big_n: None,
            value: None,
            unit: None,
            parts: None,
            verdict: not_checkable(""),
        }
    }
}

/// The verdict "consistent", because of `reason`.
fn consistent(reason: impl Into<String>) -> Verdict {
    Verdict::new(VerdictKind::Consistent, "", reason)
}

/// The verdict "inconsistent", because of `reason` (with the numbers).
fn inconsistent(reason: impl Into<String>) -> Verdict {
    Verdict::new(VerdictKind::Inconsistent, "", reason)
}

/// The verdict "not checkable", for want of `missing`.
fn not_checkable(missing: impl Into<String>) -> Verdict {
    Verdict::new(VerdictKind::NotCheckable, "", missing)
}

/// A figure being read: the tokens it spans (first and last, inclusive) and what was
/// read from it.
pub(crate) struct Draft {
    first: usize,
    last: usize,
    figure: ScannedFigure,
}

/// What a p-value's neighbours say it is the p-value of.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Beside {
    /// An estimate with its confidence interval (the scale, when the measure names it).
    Interval {
        estimate: Printed,
        lower: Printed,
        upper: Printed,
        scale: Option<Scale>,
        /// The level, a proportion.
        level: f64,
    },
    /// A χ² statistic with its degrees of freedom (Q, or a test for subgroup
    /// differences).
    ChiSquare {
        q: Printed,
        df: Printed,
        test: &'static str,
    },
    /// A z statistic.
    Z(Printed),
    /// A Mann-Whitney effect (probability of superiority) with the total of its two arms,
    /// whose split is not printed (taken as equal).
    MannWhitney { estimate: Printed, total: u64 },
}

/// The state of a scan: the tokens, which of them a figure has taken, the figures read
/// so far and what the p-values stand beside (keyed by the token of their `P`).
pub(crate) struct Scan<'a> {
    t: Tokens<'a>,
    claimed: Vec<bool>,
    drafts: Vec<Draft>,
    beside: HashMap<usize, Beside>,
    /// The estimate with its interval of a table row (by the row's first token), for the
    /// p-value in a cell of that row; `None` when the row has more than one.
    row_interval: HashMap<usize, Option<Beside>>,
    /// The estimates with their intervals of RevMan's `Total` and `Subtotal` rows, in
    /// order (by the estimate's token), each taken by the `Test for overall effect: Z =`
    /// printed after it.
    totals: Vec<(usize, Beside)>,
}

impl<'a> Scan<'a> {
    fn new(text: &'a str) -> Self {
        let t = Tokens::new(text);
        // The level of an interval ("95% CI", "CI 95%") is no figure of its own.
        let claimed = (0..t.len()).map(|i| estimate::is_level(&t, i)).collect();
        Scan {
            t,
            claimed,
            drafts: Vec::new(),
            beside: HashMap::new(),
            row_interval: HashMap::new(),
            totals: Vec::new(),
        }
    }

    /// Marks tokens `first..=last` as taken by a figure.
    fn claim(&mut self, first: usize, last: usize) {
        for c in &mut self.claimed[first..=last.min(self.t.len().saturating_sub(1))] {
            *c = true;
        }
    }

    /// True when token `i` is a number no figure has taken.
    fn free_num(&self, i: usize) -> Option<Printed> {
        if self.claimed.get(i).copied().unwrap_or(true) {
            None
        } else {
            self.t.num(i)
        }
    }

    /// The last count of people found at tokens `start..before` (a trial's total for its
    /// arms, or for a Mann-Whitney effect), if any.
    fn people_counted(&self, start: usize, before: usize) -> Option<f64> {
        self.drafts
            .iter()
            .filter(|d| {
                d.figure.kind == FigureKind::Count
                    && d.first >= start
                    && d.first < before
                    && d.figure.unit.as_deref().is_some_and(count::counts_people)
            })
            .filter_map(|d| d.figure.value)
            .next_back()
    }

    fn push(&mut self, first: usize, last: usize, figure: ScannedFigure) {
        self.drafts.push(Draft {
            first,
            last,
            figure,
        });
    }

    /// The figures, in the order of the text, with their text and places.
    fn finish(self) -> Vec<ScannedFigure> {
        let Scan { t, mut drafts, .. } = self;
        // Found kind by kind: sorted by place (small keys moved, not the figures).
        let mut order: Vec<(usize, usize, usize)> = drafts
            .iter()
            .enumerate()
            .map(|(k, d)| (d.first, d.last, k))
            .collect();
        order.sort_unstable();
        let mut slots: Vec<Option<Draft>> = drafts.drain(..).map(Some).collect();
        let drafts: Vec<Draft> = order
            .into_iter()
            .filter_map(|(_, _, k)| slots[k].take())
            .collect();
        // Character offsets and lines of every start and end, in one pass over the text.
        let mut offsets: Vec<usize> = drafts
            .iter()
            .flat_map(|d| [t.toks[d.first].start, t.toks[d.last].end])
            .collect();
        offsets.sort_unstable();
        offsets.dedup();
        let mut positions = Positions::new(t.text);
        let places: Vec<(usize, usize)> = offsets.iter().map(|&o| positions.at(o)).collect();
        let place = |byte: usize| offsets.binary_search(&byte).map_or((0, 0), |k| places[k]);
        drafts
            .into_iter()
            .map(|d| {
                let (start_byte, end_byte) = (t.toks[d.first].start, t.toks[d.last].end);
                let (start, line) = place(start_byte);
                let (end, _) = place(end_byte);
                ScannedFigure {
                    text: t.text[start_byte..end_byte].to_string(),
                    line,
                    start,
                    end,
                    ..d.figure
                }
            })
            .collect()
    }
}

/// Finds and checks every figure in decoded `text`, in the order of the text.
///
/// The kinds are read in turn, each from the tokens the ones before left: heterogeneity
/// statements ([`heterogeneity`]), estimates with intervals ([`estimate`]), percentages
/// ([`percent`]), counts ([`count`]), the estimates printed without an interval, and last
/// the p-values ([`p_value`]), checked against what the others found beside them.
///
/// A long text is cut at blank lines into pieces of some 64 KiB, scanned in parallel: no
/// figure, and none of the context a figure is read with (its line, its table, its
/// paragraph), crosses a blank line.
pub fn scan_text(text: &str) -> Vec<ScannedFigure> {
    use rayon::prelude::*;
    const PIECE: usize = 64 << 10;
    if text.len() < 2 * PIECE {
        return scan_piece(text);
    }
    let mut starts = vec![0];
    let mut at = PIECE;
    while at < text.len() {
        match memchr::memmem::find(&text.as_bytes()[at..], b"\n\n") {
            Some(k) => {
                let start = at + k + 2;
                if start < text.len() {
                    starts.push(start);
                }
                at = start + PIECE;
            }
            None => break,
        }
    }
    starts.push(text.len());
    let pieces: Vec<Vec<ScannedFigure>> = starts
        .par_windows(2)
        .map(|w| scan_piece(&text[w[0]..w[1]]))
        .collect();
    // Character offsets and lines of the pieces' starts.
    let mut figures = Vec::with_capacity(pieces.iter().map(Vec::len).sum());
    let mut positions = Positions::new(text);
    for (piece, &start) in pieces.into_iter().zip(&starts) {
        let (chars, line) = positions.at(start);
        figures.extend(piece.into_iter().map(|f| ScannedFigure {
            start: f.start + chars,
            end: f.end + chars,
            line: f.line + line - 1,
            ..f
        }));
    }
    figures
}

/// Finds and checks the figures of one piece of text ([`scan_text`]).
fn scan_piece(text: &str) -> Vec<ScannedFigure> {
    let mut scan = Scan::new(text);
    heterogeneity::find(&mut scan);
    estimate::find_intervals(&mut scan);
    percent::find(&mut scan);
    percent::find_i2_cells(&mut scan);
    count::find(&mut scan);
    estimate::find_bare(&mut scan);
    p_value::find(&mut scan);
    percent::check_arm_groups(&mut scan);
    scan.finish()
}

/// Decodes a document's bytes ([`decode`]) and scans its text.
///
/// # Errors
/// As [`decode`]: bytes that are no document metapool reads.
pub fn scan_document(name: &str, bytes: &[u8]) -> crate::error::Result<DocumentScan> {
    let decoded = decode(name, bytes)?;
    let mut figures = scan_text(&decoded.text);
    // HTML: the line of the file, not of the decoded text.
    for f in &mut figures {
        if let Some(&line) = decoded.source_lines.get(f.line.wrapping_sub(1)) {
            f.line = line as usize;
        }
    }
    Ok(DocumentScan {
        document: name.to_string(),
        format: decoded.format,
        figures,
        warnings: decoded.warnings,
    })
}

impl DocumentScan {
    /// The figures found inconsistent.
    pub fn inconsistent(&self) -> usize {
        self.count(VerdictKind::Inconsistent)
    }

    /// The figures that could not be checked.
    pub fn not_checkable(&self) -> usize {
        self.count(VerdictKind::NotCheckable)
    }

    fn count(&self, kind: VerdictKind) -> usize {
        self.figures
            .iter()
            .filter(|f| f.verdict.kind == kind)
            .count()
    }

    /// True unless some figure is inconsistent (a figure not checkable is only
    /// unconfirmed: most figures of a document print nothing to check them against).
    pub fn holds(&self) -> bool {
        self.inconsistent() == 0
    }
}

/// Reads and scans the document at `path`, within `limits` (its name, as given, names
/// it).
///
/// # Errors
/// [`crate::error::Error::Io`] when it cannot be read; [`crate::error::Error::Input`]
/// when it is larger than the limits allow or is no document ([`decode`]).
pub fn scan_path(
    path: &std::path::Path,
    limits: &crate::data::InputLimits,
) -> crate::error::Result<DocumentScan> {
    let (name, file, size) = crate::data::input::open_path(path)?;
    let bytes = crate::data::input::read_bounded_binary(&name, file, size, limits)?;
    scan_document(&name, &bytes)
}

/// Reads and scans a document from `reader` (standard input), named `name`.
///
/// # Errors
/// As [`scan_path`].
pub fn scan_reader(
    name: &str,
    reader: impl std::io::Read,
    limits: &crate::data::InputLimits,
) -> crate::error::Result<DocumentScan> {
    let bytes = crate::data::input::read_bounded_binary(name, reader, None, limits)?;
    scan_document(name, &bytes)
}

/// A document of a folder that could not be scanned.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScanError {
    /// The document.
    pub document: String,
    /// Why.
    pub error: String,
}

/// The scans of every document in a folder.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FolderScan {
    /// The folder as given.
    pub folder: String,
    /// The documents scanned, in the order of their names.
    pub documents: Vec<DocumentScan>,
    /// The documents that could not be read, each with its error.
    pub errors: Vec<ScanError>,
}

impl FolderScan {
    /// True unless some figure of some document is inconsistent or some document could
    /// not be read.
    pub fn holds(&self) -> bool {
        self.errors.is_empty() && self.documents.iter().all(DocumentScan::holds)
    }
}

/// The most files [`scan_folder`] lists in a folder.
pub const MAX_FOLDER_FILES: usize = 1_000_000;

/// Scans every file of the folder `dir` (not its subfolders, nor files whose names
/// start with `.`), in parallel, in the order of their names; a file that cannot be
/// read or decoded is that file's error.
///
/// # Errors
/// [`crate::error::Error::Io`] when the folder cannot be listed;
/// [`crate::error::Error::Input`] when it holds more than [`MAX_FOLDER_FILES`] entries.
pub fn scan_folder(
    dir: &std::path::Path,
    limits: &crate::data::InputLimits,
) -> crate::error::Result<FolderScan> {
    use rayon::prelude::*;
    let name = dir.display().to_string();
    let io = |source| crate::error::Error::Io {
        file: name.clone(),
        source,
    };
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let entry = entry.map_err(io)?;
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        if entry
            .file_type()
            .is_ok_and(|t| t.is_file() || t.is_symlink())
        {
            files.push(entry.path());
        }
        if files.len() > MAX_FOLDER_FILES {
            return Err(crate::error::Error::input(
                name,
                None,
                None,
                format!("more than {MAX_FOLDER_FILES} files: scan it in parts"),
            ));
        }
    }
    files.sort();
    let scans: Vec<std::result::Result<DocumentScan, ScanError>> = files
        .par_iter()
        .filter(|p| p.is_file())
        .map(|p| {
            scan_path(p, limits).map_err(|e| ScanError {
                document: p.display().to_string(),
                error: e.to_string(),
            })
        })
        .collect();
    let mut folder = FolderScan {
        folder: name,
        documents: Vec::new(),
        errors: Vec::new(),
    };
    for s in scans {
        match s {
            Ok(d) => folder.documents.push(d),
            Err(e) => folder.errors.push(e),
        }
    }
    Ok(folder)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A long text scanned in parallel pieces gives the figures (with their places) of
    /// one scan of the whole.
    #[test]
    fn pieces_give_the_figures_of_the_whole() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scan/corpus");
        let mut text = String::new();
        let mut names: Vec<_> = std::fs::read_dir(&dir)
            .expect("the corpus")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "txt"))
            .collect();
        names.sort();
        while text.len() < 400 << 10 {
            for name in &names {
                text.push_str(&std::fs::read_to_string(name).expect("a document"));
                text.push_str("\n\n");
            }
        }
        let whole = scan_piece(&text);
        assert!(whole.len() > 1000);
        assert_eq!(scan_text(&text), whole);
    }
}
