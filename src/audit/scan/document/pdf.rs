//! PDF to text: the glyphs of each page (from `pdf-extract`, which reads the PDF with
//! `lopdf`) laid out again by their positions, one line of text per baseline (see the
//! module doc of `document`).
//!
//! `pdf-extract`'s own plain-text output keeps the order in which a PDF draws its
//! glyphs, which for tables made column by column (RevMan's forest plots) puts every
//! cell on a line of its own, and it spaces glyphs whose width the font does not give
//! (RevMan's digits: `9 .9 5`). Here every glyph is placed by its position instead.

use crate::error::{Error, Result};
use pdf_extract::{Document, MediaBox, OutputDev, OutputError, Transform};
use std::panic::{catch_unwind, AssertUnwindSafe};

/// The warning for a PDF whose pages have no text.
pub(super) const NO_TEXT_LAYER: &str =
    "the PDF has no text layer (a scanned document?): no figures can be found";

/// A gap wider than this many font sizes between two glyphs of a line is a TAB (the
/// next column of a table); a word space is about a quarter of one.
const TAB_GAP: f64 = 1.0;

/// A gap wider than this many font sizes between glyphs without a space glyph between
/// them is a word space.
const SPACE_GAP: f64 = 0.2;

/// On a page that draws its word spaces as space glyphs (RevMan's, Word's), a gap
/// without one is no word space unless wider than this many font sizes (RevMan draws
/// `I ssue` with a small gap), and a TAB (a table's next cell) when wider than
/// [`CELL_GAP`].
const SPACE_GAP_WITH_SPACES: f64 = 0.3;

/// See [`SPACE_GAP_WITH_SPACES`].
const CELL_GAP: f64 = 0.4;

/// Glyphs whose baselines differ by less than this many font sizes are on one line (a
/// superscript is raised by about a third of one).
const SAME_LINE: f64 = 0.45;

/// Consecutive lines whose baselines are more than this many font sizes apart have a
/// blank line between them.
const PARAGRAPH_GAP: f64 = 2.0;

/// The PDF's text and the warnings of its decoding.
pub(super) fn decode(name: &str, bytes: &[u8]) -> Result<(String, Vec<String>)> {
    let fail =
        |what: String| Error::input(name, None, None, format!("cannot read the PDF: {what}"));
    // pdf-extract and lopdf can panic on malformed input; a panic is caught and reported
    // as bad input (the default panic hook still prints its message to standard error:
    // replacing the hook would change it for every thread of the process).
    let doc = catch_unwind(|| Document::load_mem(bytes))
        .map_err(|p| fail(panic_message(&p)))?
        .map_err(|e| fail(e.to_string()))?;
    let mut doc = doc;
    if doc.is_encrypted() {
        // lopdf opens a PDF whose user password is empty; one still encrypted needs a
        // password.
        if doc.decrypt("").is_err() || doc.is_encrypted() {
            return Err(Error::input(
                name,
                None,
                None,
                "the PDF is encrypted (it needs a password): save a copy without a password",
            ));
        }
    }
    let pages: Vec<u32> = catch_unwind(AssertUnwindSafe(|| doc.get_pages().into_keys().collect()))
        .map_err(|p| fail(panic_message(&p)))?;
    let mut warnings = Vec::new();
    let mut texts = Vec::with_capacity(pages.len());
    for page in pages {
        let mut layout = Layout::default();
        let done = catch_unwind(AssertUnwindSafe(|| {
            pdf_extract::output_doc_page(&doc, &mut layout, page)
        }));
        match done {
            Ok(Ok(())) => {}
            Ok(Err(e)) => warnings.push(format!(
                "page {page} of the PDF could not be read: {}",
                output_error(&e)
            )),
            Err(p) => warnings.push(format!(
                "page {page} of the PDF could not be read: {}",
                panic_message(&p)
            )),
        }
        // What was read of a page that failed is kept.
        layout.end_page_if_open();
        texts.extend(layout.pages);
    }
    let texts: Vec<String> = texts.into_iter().filter(|t| !t.is_empty()).collect();
    if texts.is_empty() {
        warnings.push(NO_TEXT_LAYER.to_string());
    }
    Ok((texts.join("\n\n"), warnings))
}

/// What a panic said.
fn panic_message(p: &Box<dyn std::any::Any + Send>) -> String {
    let what = p
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown failure".to_string());
    format!("the PDF library failed ({what})")
}

/// An error of pdf-extract, said.
fn output_error(e: &OutputError) -> String {
    match e {
        OutputError::PdfError(e) => e.to_string(),
        OutputError::FormatError(e) => e.to_string(),
        OutputError::IoError(e) => e.to_string(),
    }
}

/// One glyph drawn on a page.
#[derive(Debug, Clone)]
struct Glyph {
    /// Where it starts along the baseline.
    x: f64,
    /// The baseline, from the top of the page down.
    y: f64,
    /// The font size on the page.
    size: f64,
    /// Its advance width on the page.
    advance: f64,
    /// Whether the width is known (from the font) or guessed.
    known_width: bool,
    /// The glyph's text: `text[start..end]` of the page.
    start: usize,
    /// End of its text.
    end: usize,
    /// White space only (a space glyph).
    space: bool,
}

/// The glyphs of the page being read, and the text of the pages read.
#[derive(Default)]
struct Layout {
    /// Upright glyphs of the current page.
    glyphs: Vec<Glyph>,
    /// Rotated glyphs' text, in drawing order: put at the end of the page.
    rotated: String,
    /// The text of the current page's glyphs.
    text: String,
    /// A page is open.
    open: bool,
    /// The pages' text.
    pages: Vec<String>,
}

impl Layout {
    /// Lays out the glyphs of the open page into its text.
    fn end_page_if_open(&mut self) {
        if !self.open {
            return;
        }
        self.open = false;
        let mut page = lay_out(&self.glyphs, &self.text);
        let rotated = self.rotated.trim();
        if !rotated.is_empty() {
            if !page.is_empty() {
                page.push_str("\n\n");
            }
            page.push_str(rotated);
        }
        self.pages.push(page);
        self.glyphs.clear();
        self.text.clear();
        self.rotated.clear();
    }
}

impl OutputDev for Layout {
    fn begin_page(
        &mut self,
        _page_num: u32,
        _media_box: &MediaBox,
        _art_box: Option<(f64, f64, f64, f64)>,
    ) -> std::result::Result<(), OutputError> {
        self.end_page_if_open();
        self.open = true;
        Ok(())
    }

    fn end_page(&mut self) -> std::result::Result<(), OutputError> {
        self.end_page_if_open();
        Ok(())
    }

    fn output_character(
        &mut self,
        trm: &Transform,
        width: f64,
        _spacing: f64,
        font_size: f64,
        char: &str,
    ) -> std::result::Result<(), OutputError> {
        let scale = (trm.m11 * trm.m22 - trm.m12 * trm.m21).abs().sqrt();
        let size = font_size.abs() * scale;
        if !size.is_finite() || size <= 0.0 || !trm.m31.is_finite() || !trm.m32.is_finite() {
            return Ok(());
        }
        let text = spelt_out(char);
        let upright = trm.m12.abs() <= 0.1 * scale && trm.m21.abs() <= 0.1 * scale && trm.m11 > 0.0;
        if !upright {
            self.rotated.push_str(&text);
            return Ok(());
        }
        let (x, y) = (trm.m31, -trm.m32);
        // A glyph whose width the font does not give is as wide as the distance to the
        // next glyph drawn right after it on its baseline, or half its size.
        if let Some(last) = self.glyphs.last_mut() {
            if !last.known_width {
                let dx = x - last.x;
                if (y - last.y).abs() < 0.1 * size && dx > 0.0 && dx < size {
                    last.advance = dx;
                }
            }
        }
        let known_width = width.is_finite() && width > 0.0;
        let start = self.text.len();
        self.text.push_str(&text);
        self.glyphs.push(Glyph {
            x,
            y,
            size,
            advance: if known_width {
                width * size
            } else {
                0.5 * size
            },
            known_width,
            start,
            end: self.text.len(),
            space: text.chars().all(char::is_whitespace),
        });
        Ok(())
    }

    fn begin_word(&mut self) -> std::result::Result<(), OutputError> {
        Ok(())
    }

    fn end_word(&mut self) -> std::result::Result<(), OutputError> {
        Ok(())
    }

    fn end_line(&mut self) -> std::result::Result<(), OutputError> {
        Ok(())
    }
}

/// A glyph's text with ligatures spelt out and control characters dropped.
fn spelt_out(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            'ﬀ' => out.push_str("ff"),
            'ﬁ' => out.push_str("fi"),
            'ﬂ' => out.push_str("fl"),
            'ﬃ' => out.push_str("ffi"),
            'ﬄ' => out.push_str("ffl"),
            'ﬅ' | 'ﬆ' => out.push_str("st"),
            '\t' | '\n' | '\r' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// The text of a page's glyphs: lines top to bottom, each left to right.
fn lay_out(glyphs: &[Glyph], text: &str) -> String {
    // Does the page draw its word spaces (one space glyph in 30 glyphs at least)?
    let spaces = glyphs.iter().filter(|g| g.space).count();
    let spaced = spaces > 0 && spaces.saturating_mul(30) >= glyphs.len();
    let mut order: Vec<usize> = (0..glyphs.len()).collect();
    order.sort_by(|&a, &b| glyphs[a].y.total_cmp(&glyphs[b].y));
    // Lines: runs of glyphs (by baseline) within SAME_LINE of the line's first glyph.
    let mut lines: Vec<Vec<usize>> = Vec::new();
    let mut first = 0.0;
    let mut size = 0.0_f64;
    for &i in &order {
        let g = &glyphs[i];
        match lines.last_mut() {
            Some(line) if (g.y - first).abs() < SAME_LINE * size.max(g.size) => {
                line.push(i);
                size = size.max(g.size);
            }
            _ => {
                lines.push(vec![i]);
                first = g.y;
                size = g.size;
            }
        }
    }
    let mut out = String::new();
    let mut last: Option<(f64, f64)> = None;
    for line in &mut lines {
        // Left to right; glyphs at one place keep their drawing order (stable sort).
        line.sort_by(|&a, &b| glyphs[a].x.total_cmp(&glyphs[b].x));
        let s = line_text(glyphs, line, text, spaced);
        if s.is_empty() {
            continue;
        }
        let baseline = line
            .iter()
            .map(|&i| glyphs[i].y)
            .fold(f64::INFINITY, f64::min);
        let size = line.iter().map(|&i| glyphs[i].size).fold(0.0, f64::max);
        if let Some((y, sz)) = last {
            out.push('\n');
            if baseline - y > PARAGRAPH_GAP * size.max(sz) {
                out.push('\n');
            }
        }
        out.push_str(&s);
        last = Some((baseline, size));
    }
    out
}

/// The text of one line's glyphs (sorted left to right): a space between words, a TAB
/// at a wide gap; `spaced` when the page draws its word spaces.
fn line_text(glyphs: &[Glyph], line: &[usize], text: &str, spaced: bool) -> String {
    // The line's baseline and size are its largest glyph's: a smaller glyph above it is
    // a superscript, below it a subscript.
    let main = line
        .iter()
        .map(|&i| &glyphs[i])
        .max_by(|a, b| a.size.total_cmp(&b.size));
    let (base, main_size) = main.map_or((0.0, 0.0), |g| (g.y, g.size));
    let mut out = String::new();
    let mut prev: Option<&Glyph> = None;
    let mut saw_space = false;
    for &i in line {
        let g = &glyphs[i];
        if g.space {
            saw_space = true;
            continue;
        }
        if let Some(p) = prev {
            // A glyph drawn twice at one place (fake bold) is written once.
            if (g.x - p.x).abs() < 0.05 * g.size && text[g.start..g.end] == text[p.start..p.end] {
                continue;
            }
            let gap = g.x - (p.x + p.advance);
            let size = g.size.max(p.size);
            let (space_gap, tab_gap) = match (spaced, saw_space) {
                (false, _) => (SPACE_GAP, TAB_GAP),
                (true, true) => (0.0, TAB_GAP),
                (true, false) => (SPACE_GAP_WITH_SPACES, CELL_GAP),
            };
            if gap > tab_gap * size {
                out.push('\t');
            } else if saw_space || gap > space_gap * size {
                out.push(' ');
            }
        }
        let glyph_text = &text[g.start..g.end];
        let scripted = if g.size < 0.85 * main_size && base - g.y > 0.2 * main_size {
            glyph_text
                .chars()
                .map(super::superscript)
                .collect::<Option<String>>()
        } else if g.size < 0.85 * main_size && g.y - base > 0.1 * main_size {
            glyph_text
                .chars()
                .map(super::subscript)
                .collect::<Option<String>>()
        } else {
            None
        };
        out.push_str(scripted.as_deref().unwrap_or(glyph_text));
        prev = Some(g);
        saw_space = false;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn glyph(text: &mut String, s: &str, x: f64, y: f64, size: f64, w: f64) -> Glyph {
        let start = text.len();
        text.push_str(s);
        Glyph {
            x,
            y,
            size,
            advance: w * size,
            known_width: true,
            start,
            end: text.len(),
            space: s.trim().is_empty(),
        }
    }

    #[test]
    fn glyphs_are_laid_out_in_lines_and_cells() {
        let mut t = String::new();
        let mut g = Vec::new();
        // Column by column, as RevMan draws a table: two rows, two columns.
        for (s, x, y) in [
            ("0.96", 100.0, 10.0),
            ("1.20", 100.0, 22.0),
            ("0.65", 160.0, 10.0),
            ("0.90", 160.0, 22.0),
        ] {
            for (k, c) in s.chars().enumerate() {
                g.push(glyph(
                    &mut t,
                    &c.to_string(),
                    x + 5.0 * k as f64,
                    y,
                    10.0,
                    0.5,
                ));
            }
        }
        // A superscript in a smaller font, raised; a word space glyph.
        g.push(glyph(&mut t, "I", 100.0, 50.0, 10.0, 0.3));
        g.push(glyph(&mut t, "2", 103.0, 46.5, 6.0, 0.5));
        g.push(glyph(&mut t, " ", 106.0, 50.0, 10.0, 0.25));
        g.push(glyph(&mut t, "=", 108.5, 50.0, 10.0, 0.5));
        assert_eq!(lay_out(&g, &t), "0.96\t0.65\n1.20\t0.90\n\nI² =");
    }

    /// A PDF of the given objects (numbered from 1; object 1 the catalog), with `trailer`
    /// added to its trailer dictionary.
    fn pdf(objects: &[&str], trailer: &str) -> Vec<u8> {
        let mut out = b"%PDF-1.4\n".to_vec();
        let mut offsets = Vec::new();
        for (k, o) in objects.iter().enumerate() {
            offsets.push(out.len());
            out.extend_from_slice(format!("{} 0 obj\n{o}\nendobj\n", k + 1).as_bytes());
        }
        let xref = out.len();
        out.extend_from_slice(
            format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
        );
        for o in offsets {
            out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
        }
        out.extend_from_slice(
            format!(
                "trailer\n<< /Size {} /Root 1 0 R {trailer} >>\nstartxref\n{xref}\n%%EOF\n",
                objects.len() + 1
            )
            .as_bytes(),
        );
        out
    }

    /// A stream object of `content`.
    fn stream(content: &str) -> String {
        format!(
            "<< /Length {} >>\nstream\n{content}\nendstream",
            content.len()
        )
    }

    /// A PDF whose pages have the given content streams, in Helvetica.
    fn pdf_of_pages(pages: &[&str], trailer: &str) -> Vec<u8> {
        let n = pages.len();
        let kids: Vec<String> = (0..n).map(|k| format!("{} 0 R", 4 + 2 * k)).collect();
        let mut objects = vec![
            "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
            format!("<< /Type /Pages /Kids [{}] /Count {n} >>", kids.join(" ")),
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_string(),
        ];
        for (k, content) in pages.iter().enumerate() {
            objects.push(format!(
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents {} 0 R >>",
                5 + 2 * k
            ));
            objects.push(stream(content));
        }
        let refs: Vec<&str> = objects.iter().map(String::as_str).collect();
        pdf(&refs, trailer)
    }

    fn decoded(bytes: &[u8]) -> (String, Vec<String>) {
        match decode("t.pdf", bytes) {
            Ok(d) => d,
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn a_pdf_text_layer_in_lines_cells_and_pages() {
        let page1 = "BT /F1 12 Tf 72 700 Td (RR 0.96 \\(95% CI 0.65 to 1.41\\)) Tj ET\n\
                     BT /F1 12 Tf 72 686 Td (P < 0.001) Tj ET\n\
                     BT /F1 12 Tf 200 600 Td (0.65) Tj ET\n\
                     BT /F1 12 Tf 72 600 Td (0.96) Tj ET";
        let page2 = "BT /F1 10 Tf 72 700 Td (I) Tj 2.78 4 Td /F1 6 Tf (2) Tj 3.34 -4 Td /F1 10 Tf ( = 59%) Tj ET";
        let (text, warnings) = decoded(&pdf_of_pages(&[page1, page2], ""));
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(
            text,
            "RR 0.96 (95% CI 0.65 to 1.41)\nP < 0.001\n\n0.96\t0.65\n\nI² = 59%"
        );
    }

    #[test]
    fn a_pdf_without_text_is_a_warning() {
        let (text, warnings) = decoded(&pdf_of_pages(&["0 0 m 100 100 l S", ""], ""));
        assert_eq!(text, "");
        assert_eq!(warnings, vec![NO_TEXT_LAYER.to_string()]);
    }

    #[test]
    fn an_encrypted_pdf_is_an_error() {
        let o = "<".to_string() + &"41".repeat(32) + ">";
        let enc = format!("<< /Filter /Standard /V 1 /R 2 /O {o} /U {o} /P -4 >>");
        // A PDF with an encryption dictionary (object 6) in its trailer.
        let objects = [
            "<< /Type /Catalog /Pages 2 0 R >>",
            "<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 5 0 R >>",
            "<< /Length 4 >>\nstream\nxxxx\nendstream",
            enc.as_str(),
        ];
        let bytes = pdf(&objects, &format!("/Encrypt 6 0 R /ID [{o} {o}]"));
        let e = match decode("t.pdf", &bytes) {
            Ok(d) => panic!("decoded: {d:?}"),
            Err(e) => e.to_string(),
        };
        assert_eq!(
            e,
            "t.pdf: the PDF is encrypted (it needs a password): save a copy without a password"
        );
    }

    #[test]
    fn a_broken_pdf_is_an_error() {
        for bytes in [
            &b"%PDF-1.4\ngarbage"[..],
            b"%PDF-",
            b"%PDF-1.7\n1 0 obj << /Type /Catalog",
        ] {
            match decode("t.pdf", bytes) {
                Ok(d) => panic!("decoded: {d:?}"),
                Err(e) => {
                    let e = e.to_string();
                    assert!(e.starts_with("t.pdf: cannot read the PDF: "), "{e}");
                }
            }
        }
    }

    #[test]
    fn ligatures_are_spelt_out() {
        assert_eq!(
            spelt_out("eﬀect identiﬁcation\u{0}"),
            "effect identification"
        );
    }
}
