//! The reports of `metapool scan`: the figures found in a document (or in each document
//! of a folder) with their verdicts, as text and CSV (JSON is the serialisation of the
//! same structures, [`super::json`]), and the figures as rows of a claims registry.
//!
//! CSV columns ([`write_scan_csv`]), one row per figure: `document, line, start, end,
//! kind, text, measure, estimate, lower, upper, level, interval, p, test, z, i2, q, df,
//! tau2, n, N, value, unit, verdict, reason`.
//!
//! Claims ([`write_claims`]): the columns of `data/claims.csv` (`id, document, claim,
//! figure, measures, inputs, check, params, notes`), one row per figure, `inputs` left
//! `none` to be linked to a study table; the check is the one `metapool audit` makes
//! from the printed figure alone (`ci_consistency` for an estimate with a confidence
//! interval, `sum` for a count with its arms, `granularity_percent` for a percentage with
//! its denominator, `none` with what is missing otherwise).

use super::csv::{num, writer};
use super::revman::terminal_safe;
use super::TextSink;
use crate::audit::scan::{DocumentScan, FigureKind, FolderScan, ScannedFigure};

/// One line of text for a figure or reason as a terminal shows it.
fn one_line(s: &str) -> String {
    terminal_safe(&s.replace(['\n', '\r'], " "))
}

/// Writes one document's figures as text: one line per figure (its line, the figure as
/// printed, its kind, the verdict and the reason), then the counts.
///
/// # Errors
/// The error of `out`.
pub fn write_scan(out: &mut dyn std::io::Write, scan: &DocumentScan) -> std::io::Result<()> {
    let mut text = TextSink::new(out);
    write_document(&mut text, scan);
    text.finish()
}

fn write_document(text: &mut TextSink, scan: &DocumentScan) {
    for w in &scan.warnings {
        *text += &format!("{}: warning: {}\n", one_line(&scan.document), one_line(w));
    }
    for f in &scan.figures {
        *text += &format!(
            "{}:{}  {}  {}  {}{}\n",
            one_line(&scan.document),
            f.line,
            one_line(&f.text),
            f.kind.name(),
            f.verdict.kind.label().to_uppercase(),
            if f.verdict.reason.is_empty() {
                String::new()
            } else {
                format!(": {}", one_line(&f.verdict.reason))
            }
        );
    }
    *text += &format!(
        "{}: {} figures found, {} inconsistent, {} not checkable\n",
        one_line(&scan.document),
        scan.figures.len(),
        scan.inconsistent(),
        scan.not_checkable()
    );
}

/// Writes a folder's scans as text: each document's, its errors, then the counts.
///
/// # Errors
/// The error of `out`.
pub fn write_folder_scan(out: &mut dyn std::io::Write, folder: &FolderScan) -> std::io::Result<()> {
    let mut text = TextSink::new(out);
    for d in &folder.documents {
        write_document(&mut text, d);
    }
    for e in &folder.errors {
        text += &format!("{}: error: {}\n", one_line(&e.document), one_line(&e.error));
    }
    let figures: usize = folder.documents.iter().map(|d| d.figures.len()).sum();
    let inconsistent: usize = folder
        .documents
        .iter()
        .map(DocumentScan::inconsistent)
        .sum();
    let not_checkable: usize = folder
        .documents
        .iter()
        .map(DocumentScan::not_checkable)
        .sum();
    text += &format!(
        "{}: {} documents scanned, {} errors; {figures} figures found, {inconsistent} \
         inconsistent, {not_checkable} not checkable\n",
        one_line(&folder.folder),
        folder.documents.len(),
        folder.errors.len()
    );
    text.finish()
}

const CSV_HEADER: [&str; 25] = [
    "document", "line", "start", "end", "kind", "text", "measure", "estimate", "lower", "upper",
    "level", "interval", "p", "test", "z", "i2", "q", "df", "tau2", "n", "N", "value", "unit",
    "verdict", "reason",
];

/// A number as the registry writes it: whole numbers without a decimal point.
fn plain(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        num(x)
    }
}

fn opt(x: Option<f64>) -> String {
    x.map_or_else(String::new, num)
}

fn csv_row(document: &str, f: &ScannedFigure) -> [String; 25] {
    [
        document.to_string(),
        f.line.to_string(),
        f.start.to_string(),
        f.end.to_string(),
        f.kind.name().to_string(),
        f.text.clone(),
        f.measure.clone().unwrap_or_default(),
        opt(f.estimate),
        opt(f.lower),
        opt(f.upper),
        opt(f.level),
        f.interval.clone().unwrap_or_default(),
        f.p.clone().unwrap_or_default(),
        f.test.clone().unwrap_or_default(),
        opt(f.z),
        opt(f.i2),
        opt(f.q),
        opt(f.df),
        opt(f.tau2),
        f.n.map_or_else(String::new, |n| n.to_string()),
        f.big_n.map_or_else(String::new, |n| n.to_string()),
        opt(f.value),
        f.unit.clone().unwrap_or_default(),
        f.verdict.kind.label().to_string(),
        f.verdict.reason.clone(),
    ]
}

/// Writes the figures of the documents as CSV, one row per figure.
///
/// # Errors
/// The error of `out`.
pub fn write_scan_csv<'a>(
    out: &mut dyn std::io::Write,
    documents: impl IntoIterator<Item = &'a DocumentScan>,
) -> std::io::Result<()> {
    let mut w = writer(out);
    w.write_record(CSV_HEADER)?;
    for d in documents {
        for f in &d.figures {
            w.write_record(csv_row(&d.document, f))?;
        }
    }
    w.flush()
}

/// The figure as the claims registry prints it (`2.39 (1.10 to 5.23)`, `41%`,
/// `P < 0.001`, `1070`), from the figure's own text where it can be read back.
fn registry_figure(f: &ScannedFigure) -> String {
    // The number as printed (its decimals), found in `text`, a part of the figure's text.
    let number_in = |text: &str, x: f64| {
        let t = text
            .replace(['\u{2212}', '\u{2010}', '\u{2011}'], "-")
            .replace(['\u{00B7}', '\u{2219}'], ".");
        let plain = format!("{x}");
        let decimals = t
            .split(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-'))
            .filter_map(|w| w.parse::<f64>().ok().filter(|v| *v == x).map(|_| w))
            .map(|w| w.split_once('.').map_or(0, |(_, d)| d.len()))
            .next();
        decimals.map_or(plain, |d| format!("{x:.d$}"))
    };
    let number = |x: f64| number_in(&f.text, x);
    match f.kind {
        FigureKind::EstimateCi => match (f.estimate, f.lower, f.upper) {
            (Some(e), Some(l), Some(u)) => {
                format!("{} ({} to {})", number(e), number(l), number(u))
            }
            _ => f.text.clone(),
        },
        FigureKind::Estimate => f.estimate.map_or_else(|| f.text.clone(), number),
        FigureKind::PValue => f.p.as_deref().map_or_else(
            || f.text.clone(),
            |p| {
                let (relation, value) =
                    p.split_at(p.char_indices().nth(1).map_or(p.len(), |(i, _)| i));
                format!("P {relation} {value}")
            },
        ),
        FigureKind::I2 => {
            // I² as printed after its name (a τ² before it may print the same value).
            let after_name = f.text.rfind('I').map_or(f.text.as_str(), |k| &f.text[k..]);
            f.i2.map_or_else(
                || f.text.clone(),
                |v| format!("{}%", number_in(after_name, v)),
            )
        }
        FigureKind::Percent => match (f.value, f.lower, f.upper) {
            (Some(v), _, _) => format!("{}%", number(v)),
            (None, Some(l), Some(u)) => format!("{}-{}%", number(l), number(u)),
            _ => f.text.clone(),
        },
        FigureKind::Count => f.value.map_or_else(|| f.text.clone(), number),
        _ => f.text.clone(),
    }
}

/// The registry check for a figure and its parameters.
fn registry_check(f: &ScannedFigure) -> (&'static str, String) {
    let missing = |what: &str| ("none", format!("missing={what}"));
    match f.kind {
        FigureKind::EstimateCi if f.interval.as_deref() == Some("confidence") => {
            let scale = match f.measure.as_deref() {
                Some(m) if crate::audit::scan::estimate::names_ratio(m) => "scale=ratio; ",
                Some(_) => "scale=difference; ",
                None => "",
            };
            (
                "ci_consistency",
                format!(
                    "{scale}level={}",
                    f.level.map_or_else(|| "95".into(), plain)
                ),
            )
        }
        FigureKind::Count if f.parts.is_some() => {
            let parts: Vec<String> = f.parts.iter().flatten().map(|&p| plain(p)).collect();
            ("sum", format!("parts={}", parts.join("+")))
        }
        FigureKind::Percent if f.big_n.is_some() && f.value.is_some() => (
            "granularity_percent",
            format!("total={}", f.big_n.unwrap_or(0)),
        ),
        _ => missing("the inputs behind the figure (link them in inputs)"),
    }
}

/// Writes the figures of the documents as rows of a claims registry (see the module
/// documentation); ids are `S<document>-<figure>`, from 1.
///
/// # Errors
/// The error of `out`.
pub fn write_claims<'a>(
    out: &mut dyn std::io::Write,
    documents: impl IntoIterator<Item = &'a DocumentScan>,
) -> std::io::Result<()> {
    let mut w = writer(out);
    w.write_record([
        "id", "document", "claim", "figure", "measures", "inputs", "check", "params", "notes",
    ])?;
    for (d, doc) in documents.into_iter().enumerate() {
        for (k, f) in doc.figures.iter().enumerate() {
            let (check, params) = registry_check(f);
            let measures = match (&f.measure, &f.test, &f.unit) {
                (Some(m), _, _) => m.clone(),
                (None, Some(t), _) => format!("p-value ({t})"),
                (None, None, Some(u)) if f.kind == FigureKind::Count => u.clone(),
                _ => f.kind.name().to_string(),
            };
            w.write_record([
                format!("S{}-{}", d + 1, k + 1),
                doc.document.clone(),
                f.text.replace(['\n', '\r'], " "),
                registry_figure(f),
                measures,
                "none".to_string(),
                check.to_string(),
                params,
                format!(
                    "found by metapool scan at line {}: {}{}",
                    f.line,
                    f.verdict.kind.label(),
                    if f.verdict.reason.is_empty() {
                        String::new()
                    } else {
                        format!(" ({})", f.verdict.reason)
                    }
                ),
            ])?;
        }
    }
    w.flush()
}
