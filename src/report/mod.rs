//! Reports of a fit: RevMan-like text, JSON (the format of the design) and CSV.
//!
//! Every JSON document is written through [`json`], which keeps NaN (`null`:
//! undefined or not computed) apart from ±∞ (`"Infinity"`, `"-Infinity"`); the CSV
//! outputs write NaN as an empty cell and ±∞ as `Infinity`, `-Infinity`.

pub mod csv;
pub mod json;
pub mod number;
pub mod revman;
pub mod scan;
pub mod svg;
pub mod text;

use crate::model::Fit;

/// What a command's result writes, in the formats the command offers.
pub trait Report {
    /// The formats of the report.
    type Format: Copy;

    /// Writes the report in `format` to `out`.
    ///
    /// # Errors
    /// The error of `out` (a full disk, a closed pipe).
    fn write(&self, format: Self::Format, out: &mut dyn std::io::Write) -> std::io::Result<()>;

    /// True unless the report checked printed figures and some do not hold (`metapool
    /// revman` and `audit` then exit with status 1, as `diff` does).
    fn holds(&self) -> bool {
        true
    }
}

/// The formats of a report that is text or JSON (no CSV).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ReportFormat {
    /// Text for a reader.
    #[default]
    Text,
    /// JSON (the format of the design).
    Json,
}

crate::spelling::spellings!(ReportFormat, "format", {
    ReportFormat::Text => ["text"],
    ReportFormat::Json => ["json"],
});

/// The formats of the report of a fit: text, JSON or CSV.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FitFormat {
    /// Text as RevMan prints it.
    #[default]
    Text,
    /// JSON (the format of the design).
    Json,
    /// CSV: one row per study, then the pooled rows ([`csv`]).
    Csv,
}

crate::spelling::spellings!(FitFormat, "format", {
    FitFormat::Text => ["text"],
    FitFormat::Json => ["json"],
    FitFormat::Csv => ["csv"],
});

/// Which study rows a report of one pooled analysis writes (`--studies`): every one, or
/// none (the pooled rows, heterogeneity and the options only). Without the option,
/// every one up to [`Studies::SHOWN_UP_TO`] studies, none above (with a warning), so that
/// the summary of 10⁶ studies is not a document of 200 MB unless asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Studies {
    /// Every study row.
    All,
    /// No study row.
    None,
}

crate::spelling::spellings!(Studies, "studies", {
    Studies::All => ["all"],
    Studies::None => ["none"],
});

impl Studies {
    /// The largest number of studies whose rows are written when `--studies` is not given.
    pub const SHOWN_UP_TO: usize = 10_000;
}

/// The formats of a report of many meta-analyses: one CSV row or one JSON object per line
/// (JSON Lines) per meta-analysis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BatchFormat {
    /// CSV ([`csv::batch_header`]).
    #[default]
    Csv,
    /// JSON Lines.
    Jsonl,
}

crate::spelling::spellings!(BatchFormat, "format", {
    BatchFormat::Csv => ["csv"],
    BatchFormat::Jsonl => ["jsonl"],
});

/// The JSON document of `metapool pool --format json` (analysis scale: log for ratio
/// measures), with a final line end. NaN is written as `null`, ±∞ as `"Infinity"` and
/// `"-Infinity"` ([`json`]).
///
/// # Errors
/// Only if serialisation fails, which plain numbers and strings cannot make it do.
pub fn fit_json(fit: &Fit) -> crate::Result<String> {
    json::to_string_pretty(fit)
}

/// A writer seen as a [`std::fmt::Write`], for the text reports: the text goes to the
/// writer as it is made (`write!`, `push`, `+=`), and the first error of the writer is
/// kept for [`TextSink::finish`] (what follows it is not written).
pub(crate) struct TextSink<'a> {
    out: &'a mut dyn std::io::Write,
    error: Option<std::io::Error>,
}

impl<'a> TextSink<'a> {
    /// A sink writing to `out`.
    pub(crate) fn new(out: &'a mut dyn std::io::Write) -> Self {
        TextSink { out, error: None }
    }

    /// Writes one character.
    pub(crate) fn push(&mut self, c: char) {
        let _ = std::fmt::Write::write_char(self, c);
    }

    /// The first error of the writer, if any.
    pub(crate) fn finish(self) -> std::io::Result<()> {
        self.error.map_or(Ok(()), Err)
    }
}

impl std::fmt::Write for TextSink<'_> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        if self.error.is_some() {
            return Err(std::fmt::Error);
        }
        self.out.write_all(s.as_bytes()).map_err(|e| {
            self.error = Some(e);
            std::fmt::Error
        })
    }
}

impl std::ops::AddAssign<&str> for TextSink<'_> {
    fn add_assign(&mut self, s: &str) {
        let _ = std::fmt::Write::write_str(self, s);
    }
}

/// The text a report writes ([`TextSink`]), as a `String`.
pub(crate) fn to_text(
    write: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>,
) -> String {
    let mut bytes = Vec::new();
    // Writing to memory cannot fail.
    let _ = write(&mut bytes);
    String::from_utf8(bytes).unwrap_or_default()
}

/// Formats a number with `digits` decimals (in exponent notation beyond 1e15, so that
/// an extreme value does not print hundreds of digits); `-` for a non-finite value.
pub(crate) fn fixed(x: f64, digits: usize) -> String {
    if x.is_finite() && x.abs() >= 1e15 {
        format!("{x:.digits$e}")
    } else if x.is_finite() {
        format!("{x:.digits$}")
    } else {
        "-".into()
    }
}

/// Formats an effect with its interval on the natural scale: `2.39 [1.10, 5.23]`.
pub(crate) fn effect_ci(estimate: f64, lower: f64, upper: f64, digits: usize) -> String {
    format!(
        "{} [{}, {}]",
        fixed(estimate, digits),
        fixed(lower, digits),
        fixed(upper, digits)
    )
}

/// A p-value as RevMan prints it: `P < 0.00001` below that, else 2 significant
/// decimals in the style `P = 0.04`.
pub(crate) fn p_value(p: f64) -> String {
    if !p.is_finite() {
        "P = -".into()
    } else if p < 0.00001 {
        "P < 0.00001".into()
    } else if p < 0.0001 {
        format!("P = {p:.5}")
    } else if p < 0.001 {
        format!("P = {p:.4}")
    } else if p < 0.01 {
        format!("P = {p:.3}")
    } else {
        format!("P = {p:.2}")
    }
}

/// The audit as text ([`write_audit`]).
pub fn audit_text(audited: &[crate::audit::claims::Audited]) -> String {
    to_text(|out| write_audit(out, audited))
}

/// Writes the audit as text to `out`: one block per claim with its id, the printed
/// figure, the recomputed figure, the verdict and the reason.
///
/// # Errors
/// The error of `out`.
pub fn write_audit(
    out: &mut dyn std::io::Write,
    audited: &[crate::audit::claims::Audited],
) -> std::io::Result<()> {
    let mut out = TextSink::new(out);
    for a in audited {
        let c = &a.claim;
        let v = &a.verdict;
        out += &format!(
            "{:<5} {:<24} -> {:<28} {}\n",
            c.id,
            c.figure,
            if v.recomputed.is_empty() {
                "-"
            } else {
                &v.recomputed
            },
            v.kind.label().to_uppercase()
        );
        if !v.reason.is_empty() {
            out += &format!("      {}\n", v.reason);
        }
    }
    out.finish()
}

/// Writes `contents` to the file `path` as one step: into a temporary file beside it,
/// then renamed over it, so that a reader (or a second run writing the same file)
/// never sees half a plot. A symbolic link is followed (the file it names is written,
/// the link kept), an existing file keeps its permissions, and a path that is not a
/// regular file (`/dev/stdout`, a named pipe, a device) is written to directly, never
/// replaced. A path that names one of `inputs` (the same file, through any link) is
/// refused: a plot must not overwrite the data it was drawn from.
///
/// # Errors
/// [`crate::Error::InvalidArgument`] when `path` is one of `inputs`;
/// [`crate::Error::Write`] when the file cannot be written.
pub fn write_file(
    path: &std::path::Path,
    contents: &[u8],
    inputs: &[&std::path::Path],
) -> crate::Result<()> {
    use std::io::Write as _;
    let name = path.display().to_string();
    if let Some(input) = inputs.iter().find(|input| same_file(path, input)) {
        return Err(crate::Error::InvalidArgument(format!(
            "{name} is the input file {}: writing the plot there would overwrite the data; \
             choose another file for the plot",
            input.display()
        )));
    }
    let fail = |source| crate::Error::write(name.clone(), source);
    // What the path names, through its links.
    let existing = std::fs::metadata(path).ok();
    if existing.as_ref().is_some_and(|m| !m.is_file()) {
        return std::fs::OpenOptions::new()
            .write(true)
            .open(path)
            .and_then(|mut f| f.write_all(contents).and_then(|()| f.flush()))
            .map_err(fail);
    }
    let target = match std::fs::canonicalize(path) {
        Ok(resolved) if existing.is_some() => resolved,
        _ => path.to_path_buf(),
    };
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let file_name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let temporary = dir.join(format!(".{file_name}.{}-{nanos}.tmp", std::process::id()));
    let result = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&temporary)
        .and_then(|mut f| {
            f.write_all(contents)?;
            f.flush()?;
            if let Some(m) = &existing {
                f.set_permissions(m.permissions())?;
            }
            Ok(())
        })
        .and_then(|()| std::fs::rename(&temporary, &target));
    if let Err(e) = result {
        let _ = std::fs::remove_file(&temporary);
        return Err(fail(e));
    }
    Ok(())
}

/// True when `a` and `b` name one file: the same existing file (through links, `.` and
/// `..`), or the same place a write would create, through links that point to files
/// not made yet (a link `l.svg -> p.svg` and `p.svg`, before either plot exists).
pub fn same_target(a: &std::path::Path, b: &std::path::Path) -> bool {
    same_file(a, b) || matches!((write_target(a), write_target(b)), (Some(x), Some(y)) if x == y)
}

/// Where a write to `path` lands: its symbolic links followed (at most 40, as the
/// kernel's limit), in its folder made canonical. `None` when the folder does not exist.
fn write_target(path: &std::path::Path) -> Option<std::path::PathBuf> {
    let mut path = path.to_path_buf();
    for _ in 0..40 {
        match std::fs::read_link(&path) {
            Ok(to) => {
                path = match path.parent() {
                    Some(parent) if to.is_relative() => parent.join(to),
                    _ => to,
                }
            }
            Err(_) => break,
        }
    }
    let folder = std::fs::canonicalize(dir_of(path.parent()?)).ok()?;
    Some(folder.join(path.file_name()?))
}

/// A parent path as a folder (`.` for the empty parent of a bare file name).
fn dir_of(p: &std::path::Path) -> &std::path::Path {
    if p.as_os_str().is_empty() {
        std::path::Path::new(".")
    } else {
        p
    }
}

/// True when `a` and `b` name one existing file (through links, `.` and `..`).
fn same_file(a: &std::path::Path, b: &std::path::Path) -> bool {
    let (Ok(ma), Ok(mb)) = (std::fs::metadata(a), std::fs::metadata(b)) else {
        return false;
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        ma.dev() == mb.dev() && ma.ino() == mb.ino()
    }
    #[cfg(not(unix))]
    {
        let _ = (ma, mb);
        matches!(
            (std::fs::canonicalize(a), std::fs::canonicalize(b)),
            (Ok(x), Ok(y)) if x == y
        )
    }
}
