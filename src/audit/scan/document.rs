//! Documents decoded to text: plain text, Markdown, HTML and PDF.
//!
//! `metapool scan` looks for figures in the text of a document; this module turns the
//! document's bytes into that text. Offsets and lines that `scan` reports count in the
//! decoded text.
//!
//! # Which format
//! The content decides first, the file name's extension helps:
//! - a file that starts with `%PDF-` (within its first 1024 bytes) is a **PDF**;
//! - **HTML** when the name ends in `.html`, `.htm` or `.xhtml`, or the content starts
//!   (after white space) with `<!DOCTYPE html`, `<html` or an XML declaration followed
//!   by one of those, or it clearly is HTML: several tags such as `<p>`, `<div>`,
//!   `<table>`, `<br>` in its first 4 KiB (a `.md` file is still Markdown then);
//! - **Markdown** when the name ends in `.md` or `.markdown`;
//! - plain **text** otherwise (also for standard input, `-`, when the content says
//!   nothing else).
//!
//! Text, Markdown and HTML must be UTF-8 (a UTF-8 byte-order mark is dropped). UTF-16
//! text, bytes that are not UTF-8 (the error names the byte and its line), and binary
//! files (NUL bytes; zip archives such as `.docx`) are refused as bad input (exit status
//! 2). An empty document is fine: it has no figures.
//!
//! # Plain text
//! Read as it is, but line ends (`CRLF`, a lone `CR`) become `LF`. Every other character
//! is kept: the line numbers `scan` reports are the file's own.
//!
//! # Markdown
//! Read line by line, keeping every line where it is (line numbers are the file's own):
//! - a table row `| 0.96 | 0.65 |` becomes its cells separated by a TAB
//!   (`0.96<TAB>0.65`), so that the numbers of two cells never run together; an escaped
//!   `\|` in a cell is a `|`; the line under the header (`|---|:--:|`) becomes a single TAB (the table stays one block);
//! - `**` and `__` (strong emphasis) are dropped, and the backticks of a code span that
//!   holds only a number (`` `0.96` ``);
//! - HTML superscripts and subscripts of digits become Unicode ones (`I<sup>2</sup>` reads
//!   `I²`), and `<br>` a space;
//! - everything else (`#` headings, `*`, `_`, links) is left as it is.
//!
//! # HTML
//! Read as a browser would show the text: tags are dropped, and with them the content of
//! `<script>`, `<style>`, `<template>` and comments; what is in `<head>` is dropped but
//! its `<title>`. Character references are decoded: every HTML5 named one (`&minus;`,
//! `&ndash;`, `&nbsp;`, `&le;`, `&plusmn;`, `&sup2;`, ...) and numeric ones (`&#8722;`,
//! `&#x2212;`). White space from the source's layout collapses to one space (but in
//! `<pre>`). Block elements (`p`, `div`, `br`, `li`, `tr`, `h1`–`h6`, `table`, `pre`,
//! `blockquote`, lists, `section`, `caption`, `figure`, ...) end a line, with at most one
//! blank line between blocks. Each table row is one line, its cells (`td`, `th`)
//! separated by a TAB; a line break inside a cell is a space. Inline elements (`span`,
//! `b`, `i`, `em`, `strong`, `a`, `small`, ...) are dropped without adding space, but a
//! superscript or subscript of digits and signs becomes the Unicode one: `I<sup>2</sup> =
//! 59%` reads `I² = 59%`, `10<sup>-3</sup>` reads `10⁻³` (so that a footnote mark or an
//! exponent never runs into the number before it). Malformed HTML (unclosed tags, a `<`
//! in the text, a file cut short) still gives its text. Time and memory are linear in the
//! file's size.
//!
//! # PDF
//! The text layer of each page, in reading order: the characters of one line of the page
//! (one baseline) form one line of text, left to right, whichever order the PDF draws
//! them in; words are separated by a space, and a wide gap (a table's next column) by a
//! TAB, so that a table row is one line with its cells apart. A wide vertical gap gives a
//! blank line, and pages are separated by a blank line. Ligatures (`ﬁ`, `ﬀ`, ...) are
//! spelt out. A word hyphenated at a line's end stays so.
//!
//! A PDF without text (a scanned document) gives no text and the warning "the PDF has no
//! text layer (a scanned document?): no figures can be found". An encrypted PDF that
//! needs a password, and a PDF that cannot be read, are bad input. A page that cannot be
//! read is left out with a warning naming it. Where the PDF library fails on a damaged
//! file (it panics), the failure is caught and reported as bad input, but the library's
//! own message is printed to standard error first.
//!
//! Limitations: a page in two columns is read across both columns, line by line, the
//! columns separated by a TAB (a sentence that wraps within a column continues on the
//! next line after the other column's text); rotated text is put at the end of its page.

mod html;
mod markdown;
mod pdf;

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
    /// For HTML, the line of the file (from 1) each line of `text` starts on; empty
    /// when the lines of `text` are the file's own (plain text and Markdown) or the
    /// file has none (PDF).
    pub source_lines: Vec<u32>,
}

/// The UTF-8 byte-order mark.
const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Decodes a document's bytes; `name` (a file name, or `-` for standard input) names it
/// in messages and its extension helps tell the format.
///
/// # Errors
/// [`Error::Input`] naming the document when its bytes are no text metapool reads:
/// UTF-16 or UTF-32 text, bytes that are not UTF-8, a binary file, a PDF that cannot be
/// read or needs a password.
pub fn decode(name: &str, bytes: &[u8]) -> Result<Decoded> {
    if is_pdf(bytes) {
        let (text, warnings) = pdf::decode(name, bytes)?;
        return Ok(Decoded {
            format: DocumentFormat::Pdf,
            text,
            warnings,
            source_lines: Vec::new(),
        });
    }
    if let Some(encoding) = wide_bom(bytes) {
        return Err(Error::input(
            name,
            None,
            None,
            format!("{encoding} text; save it as UTF-8"),
        ));
    }
    if memchr::memchr(0, bytes).is_some() {
        return Err(Error::input(name, None, None, binary_message(bytes)));
    }
    let bytes = bytes.strip_prefix(UTF8_BOM).unwrap_or(bytes);
    let text = utf8(name, bytes)?;
    let format = text_format(name, text);
    let (text, source_lines) = match format {
        DocumentFormat::Html => html::decode(text),
        DocumentFormat::Markdown => (markdown::decode(&normalise_line_ends(text)), Vec::new()),
        _ => (normalise_line_ends(text), Vec::new()),
    };
    Ok(Decoded {
        format,
        text,
        warnings: Vec::new(),
        source_lines,
    })
}

/// True when `%PDF-` starts within the first 1024 bytes (as PDF readers accept it).
fn is_pdf(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(1024)];
    memchr::memmem::find(head, b"%PDF-").is_some()
}

/// The name of a UTF-16 or UTF-32 encoding its byte-order mark announces.
fn wide_bom(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"\xFF\xFE\x00\x00") {
        Some("UTF-32 (little-endian)")
    } else if bytes.starts_with(b"\x00\x00\xFE\xFF") {
        Some("UTF-32 (big-endian)")
    } else if bytes.starts_with(b"\xFF\xFE") {
        Some("UTF-16 (little-endian)")
    } else if bytes.starts_with(b"\xFE\xFF") {
        Some("UTF-16 (big-endian)")
    } else {
        None
    }
}

/// What to say of a file with NUL bytes: which kind of binary file, where it is known.
fn binary_message(bytes: &[u8]) -> String {
    let kind = if bytes.starts_with(b"PK\x03\x04") {
        "a zip archive (a .docx, .xlsx or .odt?)"
    } else if bytes.starts_with(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1") {
        "an old Microsoft Office file (a .doc or .xls?)"
    } else {
        "a binary file (it has NUL bytes)"
    };
    format!("{kind}, not a document: scan reads PDF, HTML, Markdown and plain text")
}

/// The bytes as UTF-8, or the error naming the first byte that is not and its line.
fn utf8<'a>(name: &str, bytes: &'a [u8]) -> Result<&'a str> {
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok(text),
        Err(e) => {
            let at = e.valid_up_to();
            let line = 1 + memchr::memchr_iter(b'\n', &bytes[..at]).count();
            let byte = bytes.get(at).copied().unwrap_or(0);
            let what = if e.error_len().is_none() {
                format!("the text ends inside a character (the byte 0x{byte:02X} at line {line} starts one that is cut short)")
            } else if (0x80..0xC0).contains(&byte) || byte >= 0xF8 {
                format!("the byte 0x{byte:02X} at line {line} is not a UTF-8 character (a Latin-1 or Windows-1252 file?)")
            } else {
                format!("the byte 0x{byte:02X} at line {line} is not followed by the bytes of a UTF-8 character (a Latin-1 or Windows-1252 file?)")
            };
            Err(Error::input(
                name,
                Some(line),
                None,
                format!("not UTF-8 text: {what}; expected UTF-8"),
            ))
        }
    }
}

/// The extension of a file name, lower case, without the dot.
fn extension(name: &str) -> Option<String> {
    let file = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let (stem, ext) = file.rsplit_once('.')?;
    (!stem.is_empty()).then(|| ext.to_ascii_lowercase())
}

/// Text, Markdown or HTML: from the extension and the start of the content.
fn text_format(name: &str, text: &str) -> DocumentFormat {
    let ext = extension(name);
    match ext.as_deref() {
        Some("html" | "htm" | "xhtml") => return DocumentFormat::Html,
        _ if starts_as_html(text) => return DocumentFormat::Html,
        Some("md" | "markdown") => return DocumentFormat::Markdown,
        _ => {}
    }
    if looks_like_html(text) {
        DocumentFormat::Html
    } else {
        DocumentFormat::Text
    }
}

/// Whether `text` starts with `prefix`, ASCII case ignored.
fn starts_with_ignore_case(text: &str, prefix: &str) -> bool {
    text.len() >= prefix.len()
        && text.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
}

/// Starts (after white space, an XML declaration and comments) with `<!DOCTYPE html` or
/// `<html`.
fn starts_as_html(text: &str) -> bool {
    let mut rest = text.trim_start();
    for _ in 0..8 {
        if starts_with_ignore_case(rest, "<!doctype html") || starts_with_ignore_case(rest, "<html")
        {
            return true;
        }
        let skip = if rest.starts_with("<?") {
            rest.find("?>").map(|i| i + 2)
        } else if rest.starts_with("<!--") {
            rest.find("-->").map(|i| i + 3)
        } else {
            None
        };
        match skip {
            Some(i) => rest = rest[i..].trim_start(),
            None => return false,
        }
    }
    false
}

/// Several HTML block tags in the first 4 KiB.
fn looks_like_html(text: &str) -> bool {
    let mut end = text.len().min(4096);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let head = text[..end].to_ascii_lowercase();
    const TAGS: &[&str] = &[
        "<p>", "<p ", "<div", "<table", "<br>", "<br/", "<br ", "<tr>", "<tr ", "<td", "<li>",
        "<h1", "<h2", "<h3", "<body", "<head", "<span", "</p>", "</div>",
    ];
    let found: usize = TAGS.iter().map(|t| head.matches(t).count().min(3)).sum();
    found >= 3
}

/// `CRLF` and a lone `CR` as `LF`.
fn normalise_line_ends(text: &str) -> String {
    if memchr::memchr(b'\r', text.as_bytes()).is_none() {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find('\r') {
        out.push_str(&rest[..i]);
        out.push('\n');
        rest = &rest[i + 1..];
        if let Some(r) = rest.strip_prefix('\n') {
            rest = r;
        }
    }
    out.push_str(rest);
    out
}

/// The Unicode superscript of a character, where there is one.
fn superscript(c: char) -> Option<char> {
    Some(match c {
        '0' => '⁰',
        '1' => '¹',
        '2' => '²',
        '3' => '³',
        '4' => '⁴',
        '5' => '⁵',
        '6' => '⁶',
        '7' => '⁷',
        '8' => '⁸',
        '9' => '⁹',
        '+' => '⁺',
        '-' | '−' | '–' => '⁻',
        '=' => '⁼',
        '(' => '⁽',
        ')' => '⁾',
        _ => return None,
    })
}

/// The Unicode subscript of a character, where there is one.
fn subscript(c: char) -> Option<char> {
    Some(match c {
        '0' => '₀',
        '1' => '₁',
        '2' => '₂',
        '3' => '₃',
        '4' => '₄',
        '5' => '₅',
        '6' => '₆',
        '7' => '₇',
        '8' => '₈',
        '9' => '₉',
        '+' => '₊',
        '-' | '−' | '–' => '₋',
        '=' => '₌',
        '(' => '₍',
        ')' => '₎',
        _ => return None,
    })
}

/// The content of a `<sup>` (`sup` true) or `<sub>` as Unicode super- or subscripts, if
/// it is short and every character has one (white space around it is dropped).
fn scripted(content: &str, sup: bool) -> Option<String> {
    let content = content.trim();
    if content.is_empty() || content.chars().count() > 8 {
        return None;
    }
    content
        .chars()
        .map(|c| if sup { superscript(c) } else { subscript(c) })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text_of(name: &str, bytes: &[u8]) -> Decoded {
        match decode(name, bytes) {
            Ok(d) => d,
            Err(e) => panic!("{name}: {e}"),
        }
    }

    fn error_of(name: &str, bytes: &[u8]) -> String {
        match decode(name, bytes) {
            Ok(d) => panic!("{name} decoded: {d:?}"),
            Err(e) => {
                assert!(e.is_user_error(), "{e}");
                e.to_string()
            }
        }
    }

    #[test]
    fn plain_text_is_kept_but_its_line_ends() {
        let d = text_of(
            "a.txt",
            "RR 0.96 (95% CI 0.65\u{2009}to\u{2009}1.41)\r\nP < 0.001\rI² = 59%\n−1.2".as_bytes(),
        );
        assert_eq!(d.format, DocumentFormat::Text);
        assert_eq!(
            d.text,
            "RR 0.96 (95% CI 0.65\u{2009}to\u{2009}1.41)\nP < 0.001\nI² = 59%\n−1.2"
        );
        assert!(d.warnings.is_empty());
        assert_eq!(text_of("a.txt", b"a\r\n\r\nb\r").text, "a\n\nb\n");
    }

    #[test]
    fn a_utf8_bom_is_dropped() {
        assert_eq!(text_of("-", b"\xEF\xBB\xBFP = 0.03").text, "P = 0.03");
        let d = text_of("-", b"\xEF\xBB\xBF<!DOCTYPE html><p>P = 0.03</p>");
        assert_eq!(
            (d.format, d.text.as_str()),
            (DocumentFormat::Html, "P = 0.03")
        );
    }

    #[test]
    fn an_empty_document_is_empty_text() {
        for name in ["a.txt", "a.md", "a.html", "-"] {
            let d = text_of(name, b"");
            assert_eq!(d.text, "");
            assert!(d.warnings.is_empty());
        }
    }

    #[test]
    fn invalid_utf8_is_an_error_with_its_line() {
        let e = error_of("a.txt", b"first\nsecond\nthe caf\xE9 line\n");
        assert!(e.contains("a.txt, row 3"), "{e}");
        assert!(e.contains("not UTF-8 text: the byte 0xE9 at line 3"), "{e}");
        assert!(e.ends_with("expected UTF-8"), "{e}");
        let e = error_of("a.md", b"x\n\x93quoted\x94");
        assert!(
            e.contains("the byte 0x93 at line 2 is not a UTF-8 character"),
            "{e}"
        );
        let e = error_of("a.html", b"<p>cut \xE2\x88");
        assert!(e.contains("the text ends inside a character"), "{e}");
    }

    #[test]
    fn nul_bytes_are_a_binary_file() {
        let e = error_of("a.txt", b"abc\x00def");
        assert!(e.contains("a binary file"), "{e}");
        assert!(e.contains("not a document"), "{e}");
        let e = error_of("a.docx", b"PK\x03\x04\x14\x00\x00\x00");
        assert!(e.contains("a zip archive"), "{e}");
    }

    #[test]
    fn utf16_is_an_error_naming_it() {
        let e = error_of("a.txt", b"\xFF\xFEP\x00 \x00=\x00");
        assert!(
            e.contains("UTF-16 (little-endian) text; save it as UTF-8"),
            "{e}"
        );
        let e = error_of("a.html", b"\xFE\xFF\x00<\x00p");
        assert!(
            e.contains("UTF-16 (big-endian) text; save it as UTF-8"),
            "{e}"
        );
    }

    #[test]
    fn the_format_comes_from_the_content_then_the_extension() {
        let f = |name: &str, text: &str| text_of(name, text.as_bytes()).format;
        assert_eq!(f("a.txt", "plain"), DocumentFormat::Text);
        assert_eq!(f("-", "plain"), DocumentFormat::Text);
        assert_eq!(f("a.md", "# Results"), DocumentFormat::Markdown);
        assert_eq!(f("dir.v2/A.MARKDOWN", "x"), DocumentFormat::Markdown);
        assert_eq!(f("a.HTM", "x"), DocumentFormat::Html);
        assert_eq!(f("a.xhtml", "x"), DocumentFormat::Html);
        assert_eq!(f("a.txt", "  <!doctype HTML><p>x"), DocumentFormat::Html);
        assert_eq!(f("a.md", "<html><body>x"), DocumentFormat::Html);
        assert_eq!(
            f(
                "-",
                "<?xml version=\"1.0\"?>\n<!-- saved -->\n<html xmlns=\"x\">"
            ),
            DocumentFormat::Html
        );
        assert_eq!(
            f("-", "<div><p>one</p><p>two</p><br></div>"),
            DocumentFormat::Html
        );
        assert_eq!(
            f("a.md", "<div><p>one</p><p>two</p></div>"),
            DocumentFormat::Markdown
        );
        assert_eq!(f("-", "P<0.05 and <p> once"), DocumentFormat::Text);
        assert_eq!(f(".md", "x"), DocumentFormat::Text);
    }

    #[test]
    fn superscripts_of_digits() {
        assert_eq!(scripted("2", true).as_deref(), Some("²"));
        assert_eq!(scripted(" −3 ", true).as_deref(), Some("⁻³"));
        assert_eq!(scripted("a", true), None);
        assert_eq!(scripted("", true), None);
        assert_eq!(scripted("4", false).as_deref(), Some("₄"));
    }
}
