//! CSV report: one row per study, then the pooled rows. Columns: `row` (study, fixed,
//! random, prediction), `study`, `yi`, `vi` (analysis scale), `estimate`, `ci_lower`,
//! `ci_upper` (natural scale: exponentiated for ratio measures; Wald z intervals for
//! studies), `weight_fixed`, `weight_random` (%).
//!
//! With subgroups ([`write_subgroups`]) four columns follow: `subgroup` (the study's
//! subgroup; on pooled rows the subgroup pooled, empty for all studies together), and
//! `q`, `df`, `p_value`: Cochran's Q of the studies pooled on `fixed` rows, and the test
//! for subgroup differences on the rows `difference` (study `fixed` or `random`).
//! A subgroup that could not be pooled has a row `not_pooled` with the reason in
//! `study`.
//!
//! Every cell goes through the csv crate's writer, which quotes a cell holding a comma,
//! a quote, a line feed or a carriage return (RFC 4180), so that any label reads back
//! as one cell.

use crate::analysis::batch::BatchRow;
use crate::analysis::subgroup::{SubgroupAnalysis, SubgroupTest};
use crate::effect::Effects;
use crate::model::Fit;
use crate::report::number::Numbers;
use std::io::Write;

/// A number in Rust's shortest round-trip form (`{:?}`: exponent notation below 1e-4
/// and from 1e16, so that 1e-300 is not written with 300 digits); an empty cell for
/// NaN (undefined or absent) and `Infinity` / `-Infinity` for ±∞, as in the JSON
/// output ([`crate::report::json`]; R's `as.numeric` and Python's `float` read them).
/// The writers of this module format into a reused buffer instead ([`Numbers::debug`]).
pub fn num(x: f64) -> String {
    Numbers::default().debug(x).to_string()
}

/// The header of the study table report.
const HEADER: [&str; 9] = [
    "row",
    "study",
    "yi",
    "vi",
    "estimate",
    "ci_lower",
    "ci_upper",
    "weight_fixed",
    "weight_random",
];

/// The columns that follow [`HEADER`] with subgroups.
const SUBGROUP_HEADER: [&str; 4] = ["subgroup", "q", "df", "p_value"];

/// A CSV writer with the crate's quoting (cells holding `,`, `"`, LF or CR quoted).
pub fn writer<W: Write>(out: W) -> ::csv::Writer<W> {
    ::csv::WriterBuilder::new()
        .flexible(false)
        .quote_style(::csv::QuoteStyle::Necessary)
        .from_writer(out)
}

/// The rows of one fit: its studies (with `subgroup` of each study, when given), then
/// its pooled rows; the cells of `extra` are appended to every row (the subgroup
/// columns).
fn write_fit<'a, W: Write, const N: usize>(
    c: &mut Cells<W>,
    fit: &Fit,
    studies: bool,
    extra: impl Fn(Row) -> [Cell<'a>; N],
) -> std::io::Result<()> {
    use Cell::{Empty, Num, Text};
    let m = fit.measure;
    let z = crate::distribution::normal_critical(fit.level.proportion());
    if studies {
        for s in &fit.studies {
            let se = s.vi.sqrt();
            c.cells(&[
                Text("study"),
                Text(s.study),
                Num(s.yi),
                Num(s.vi),
                Num(m.to_natural(s.yi)),
                Num(m.to_natural(s.yi - z * se)),
                Num(m.to_natural(s.yi + z * se)),
                Num(s.weight_fixed),
                s.weight_random.map_or(Empty, Num),
            ])?;
            c.cells(&extra(Row::Study(s.index)))?;
            c.end_row()?;
        }
    }
    let f = &fit.fixed.pooled;
    c.cells(&[
        Text("fixed"),
        Text(fit.fixed.method.name()),
        Num(f.estimate),
        Num(f.se * f.se),
        Num(m.to_natural(f.estimate)),
        Num(m.to_natural(f.ci_lower)),
        Num(m.to_natural(f.ci_upper)),
        Text("100"),
        Empty,
    ])?;
    c.cells(&extra(Row::Fixed))?;
    c.end_row()?;
    if let Some(r) = &fit.random {
        let method = r.tau2_method.to_string();
        c.cells(&[
            Text("random"),
            Text(&method),
            Num(r.pooled.estimate),
            Num(r.pooled.se * r.pooled.se),
            Num(m.to_natural(r.pooled.estimate)),
            Num(m.to_natural(r.pooled.ci_lower)),
            Num(m.to_natural(r.pooled.ci_upper)),
            Empty,
            Text("100"),
        ])?;
        c.cells(&extra(Row::Pooled))?;
        c.end_row()?;
        c.cells(&[
            Text("prediction"),
            Text(&method),
            Empty,
            Empty,
            Empty,
            Num(m.to_natural(r.pi_lower)),
            Num(m.to_natural(r.pi_upper)),
            Empty,
            Empty,
        ])?;
        c.cells(&extra(Row::Pooled))?;
        c.end_row()?;
    }
    Ok(())
}

/// One cell of a row written by [`Cells`].
#[derive(Clone, Copy)]
enum Cell<'a> {
    /// Text as it is (quoted by the writer if need be).
    Text(&'a str),
    /// A number in the form of [`num`].
    Num(f64),
    /// A number as `Display` writes it ([`Numbers::display`]: never an exponent).
    Display(f64),
    /// An empty cell.
    Empty,
}

/// A CSV writer ([`writer`]) fed cell by cell, numbers formatted in a reused buffer
/// ([`Numbers`]): writing a row allocates nothing.
struct Cells<W: Write> {
    w: ::csv::Writer<W>,
    numbers: Numbers,
}

impl<W: Write> Cells<W> {
    fn new(out: W) -> Self {
        Cells {
            w: writer(out),
            numbers: Numbers::default(),
        }
    }

    /// Writes `cells` to the current row.
    fn cells(&mut self, cells: &[Cell]) -> std::io::Result<()> {
        for cell in cells {
            match *cell {
                Cell::Text(text) => self.w.write_field(text)?,
                Cell::Num(x) => self.w.write_field(self.numbers.debug(x))?,
                Cell::Display(x) => self.w.write_field(self.numbers.display(x))?,
                Cell::Empty => self.w.write_field("")?,
            }
        }
        Ok(())
    }

    /// Ends the current row.
    fn end_row(&mut self) -> std::io::Result<()> {
        Ok(self.w.write_record(None::<&[u8]>)?)
    }

    /// Writes `cells` as a whole row.
    fn row(&mut self, cells: &[Cell]) -> std::io::Result<()> {
        self.cells(cells)?;
        self.end_row()
    }

    /// Flushes the writer: the end of the report.
    fn finish(mut self) -> std::io::Result<()> {
        self.w.flush()
    }
}

/// Which row of a fit the subgroup columns are asked for.
#[derive(Clone, Copy)]
enum Row {
    /// A study, by its index in the table.
    Study(usize),
    /// The fixed-effect row (which carries Q).
    Fixed,
    /// The random-effects and prediction rows.
    Pooled,
}

/// Writes the CSV report of a fit to `out`.
///
/// # Errors
/// The error of `out` (a full disk, a closed pipe).
pub fn write<W: Write>(out: W, fit: &Fit) -> std::io::Result<()> {
    let mut c = Cells::new(out);
    c.w.write_record(HEADER)?;
    write_fit(&mut c, fit, true, |_| [])?;
    c.finish()
}

/// Writes the CSV report of a subgroup analysis to `out`: every study with its
/// subgroup, the pooled rows of all studies, of each subgroup, and the tests for
/// subgroup differences (columns in the module documentation).
///
/// # Errors
/// The error of `out`.
pub fn write_subgroups<W: Write>(out: W, sg: &SubgroupAnalysis) -> std::io::Result<()> {
    use Cell::{Empty, Num, Text};
    let mut c = Cells::new(out);
    c.w.write_record(HEADER.iter().chain(&SUBGROUP_HEADER))?;
    // The subgroup of each study, by its index in the table.
    let size = sg
        .overall
        .studies
        .iter()
        .map(|s| s.index + 1)
        .max()
        .unwrap_or(0);
    let mut subgroup_of = vec![""; size];
    for g in &sg.groups {
        for s in &g.fit.studies {
            if let Some(slot) = subgroup_of.get_mut(s.index) {
                *slot = g.subgroup.as_str();
            }
        }
    }
    let of_study = |index: usize| subgroup_of.get(index).copied().unwrap_or("");
    let heterogeneity = |fit: &Fit, subgroup, row: Row| match row {
        Row::Study(i) => [Text(of_study(i)), Empty, Empty, Empty],
        Row::Fixed => [
            Text(subgroup),
            Num(fit.heterogeneity.q),
            Num(fit.heterogeneity.df),
            Num(fit.heterogeneity.p_value),
        ],
        Row::Pooled => [Text(subgroup), Empty, Empty, Empty],
    };
    let overall = &sg.overall;
    write_fit(&mut c, overall, true, |row| heterogeneity(overall, "", row))?;
    for g in &sg.groups {
        write_fit(&mut c, &g.fit, false, |row| {
            heterogeneity(&g.fit, &g.subgroup, row)
        })?;
    }
    for u in &sg.not_pooled {
        let mut row = [Empty; HEADER.len() + SUBGROUP_HEADER.len()];
        row[0] = Text("not_pooled");
        row[1] = Text(&u.reason);
        row[HEADER.len()] = Text(&u.subgroup);
        c.row(&row)?;
    }
    let test = |name, t: &SubgroupTest| {
        let mut row = [Empty; HEADER.len() + SUBGROUP_HEADER.len()];
        row[0] = Text("difference");
        row[1] = Text(name);
        row[HEADER.len() + 1] = Num(t.q);
        row[HEADER.len() + 2] = Num(t.df);
        row[HEADER.len() + 3] = Num(t.p_value);
        row
    };
    c.row(&test("fixed", &sg.test_fixed))?;
    if let Some(t) = &sg.test_random {
        c.row(&test("random", t))?;
    }
    c.finish()
}

/// The CSV header of a batch ([`batch_cells`]): `group`, `k`, `measure`, the
/// [`BatchRow::NUMBER_COLUMNS`], `error`.
pub fn batch_header() -> Vec<&'static str> {
    let mut header = vec!["group", "k", "measure"];
    header.extend(BatchRow::NUMBER_COLUMNS);
    header.push("error");
    header
}

/// A batch row's CSV cells, in the order of [`batch_header`]: numbers in Rust's
/// shortest round-trip form (`{:?}`: exponent notation below 1e-4 and from 1e16),
/// absent ones (NaN) as empty cells, ±∞ as `Infinity` and `-Infinity` ([`num`]). Write
/// them with a CSV writer ([`writer`]), which quotes what needs quoting.
pub fn batch_cells(row: &BatchRow) -> Vec<String> {
    let mut numbers = Numbers::default();
    batch_row(row)
        .iter()
        .map(|cell| match *cell {
            Cell::Text(text) => text.to_owned(),
            Cell::Num(x) => numbers.debug(x).to_owned(),
            Cell::Display(x) => numbers.display(x).to_owned(),
            Cell::Empty => String::new(),
        })
        .collect()
}

/// The cells of a batch row: `group`, `k`, `measure`, the
/// [`BatchRow::NUMBER_COLUMNS`], `error`.
fn batch_row(row: &BatchRow) -> [Cell<'_>; 24] {
    let mut cells = [Cell::Empty; 24];
    cells[0] = Cell::Text(&row.group);
    // A count, written as an integer.
    cells[1] = Cell::Display(row.k as f64);
    cells[2] = Cell::Text(&row.measure);
    for (cell, x) in cells[3..23].iter_mut().zip(row.numbers()) {
        *cell = Cell::Num(x);
    }
    cells[23] = Cell::Text(row.error.as_deref().unwrap_or(""));
    cells
}

/// The CSV text of a fit ([`write()`] to a string).
pub fn render(fit: &Fit) -> String {
    let mut out = Vec::new();
    // Writing to memory cannot fail.
    let _ = write(&mut out, fit);
    String::from_utf8(out).unwrap_or_default()
}

/// Writes the batch report to `out`: [`batch_header`], then one row per meta-analysis
/// ([`batch_cells`], made in parallel by chunks of 4096 rows).
///
/// # Errors
/// The error of `out` (a full disk, a closed pipe).
pub fn write_batch<W: Write>(out: W, rows: &[BatchRow]) -> std::io::Result<()> {
    write_batch_part(out, rows, true)
}

/// Writes rows of the batch report to `out`, after [`batch_header`] when `header`: the
/// pieces of [`write_batch`] for a batch written as it is pooled.
///
/// # Errors
/// The error of `out`.
pub fn write_batch_part<W: Write>(
    mut out: W,
    rows: &[BatchRow],
    header: bool,
) -> std::io::Result<()> {
    use rayon::prelude::*;
    if header {
        let mut w = writer(&mut out);
        w.write_record(batch_header())?;
        w.flush()?;
    }
    // Pieces of 1024 rows are written to memory in parallel, then to `out` in order (a
    // CSV record's text does not depend on the records around it).
    let pieces: Vec<std::io::Result<Vec<u8>>> = rows
        .par_chunks(1024)
        .map(|piece| {
            // About 400 bytes a row: room for them, so that the piece is not copied as it grows.
            let mut c = Cells::new(Vec::with_capacity(piece.len() * 512));
            for row in piece {
                c.row(&batch_row(row))?;
            }
            c.w.into_inner().map_err(|e| e.into_error())
        })
        .collect();
    for piece in pieces {
        out.write_all(&piece?)?;
    }
    Ok(())
}

/// Writes the study effects to `out`: the columns `study`, `yi`, `vi` (analysis
/// scale: log for ratio measures), numbers in Rust's shortest round-trip form as
/// `Display` writes it (never an exponent: [`Numbers::display`]).
///
/// # Errors
/// The error of `out`.
pub fn write_effects<W: Write>(out: W, effects: &Effects) -> std::io::Result<()> {
    let mut c = Cells::new(out);
    c.w.write_record(["study", "yi", "vi"])?;
    for ((label, &yi), &vi) in effects.labels.iter().zip(&effects.yi).zip(&effects.vi) {
        c.row(&[Cell::Text(label), Cell::Display(yi), Cell::Display(vi)])?;
    }
    c.finish()
}
