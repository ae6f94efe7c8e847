//! The extension module `metapool._metapool`: the metapool library's calls on numpy
//! arrays and CSV text, for the Python package `metapool`.
//!
//! This crate converts and calls; it computes nothing. Arrays become the library's
//! study table ([`StudyTable::new`], which validates them and names the row and column
//! of a bad value), keyword options are parsed by the library's own parsers (the
//! command line's words: `"REML".parse::<Tau2Method>()`), every analysis is the
//! library's command run on that table ([`metapool::command`]), and a result is the
//! library's report: its text and JSON writers give `repr` and `to_dict`, so that they
//! are the command line's output by construction. The GIL is released while the library
//! works, and every library error becomes a Python exception of `metapool._errors`.

use metapool::command::{
    BatchArgs, BiasArgs, EffectsArgs, PoolArgs, PoolReport, Progress, RegressArgs, RevmanArgs,
    SensitivityArgs, TableInput,
};
use metapool::data::{BinaryArms, ContinuousArms, StudyData, StudyTable, Texts};
use metapool::effect::Effects;
use metapool::level::Level;
use metapool::profile::{Overrides, Profile, Tau2Choice};
use metapool::report::{json, FitFormat, Report, ReportFormat, Studies};
use numpy::{IntoPyArray, PyReadonlyArray1};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Mutex;

/// A library error as the exception of `metapool._errors` that stands for its kind:
/// `InputError` (a `ValueError`) for bad input, with the file, row and column of an
/// error located in a table; `ComputeError` for data with no answer; `ReadError` (an
/// `OSError`) for a file that cannot be read; `Error` for the rest.
fn py_error(py: Python<'_>, error: metapool::Error) -> PyErr {
    let raise = || -> PyResult<PyErr> {
        let errors = py.import("metapool._errors")?;
        let message = error.to_string();
        let kwargs = PyDict::new(py);
        let class = match &error {
            metapool::Error::Input { location, .. } => {
                kwargs.set_item("file", &location.file)?;
                kwargs.set_item("row", location.row)?;
                kwargs.set_item("column", location.column.as_deref())?;
                "InputError"
            }
            metapool::Error::InvalidArgument(_) => "InputError",
            metapool::Error::Degenerate(_) => "ComputeError",
            metapool::Error::Io { file, .. } => {
                kwargs.set_item("file", file)?;
                "ReadError"
            }
            _ => "Error",
        };
        let exception = errors.getattr(class)?.call((message,), Some(&kwargs))?;
        Ok(PyErr::from_value(exception))
    };
    raise().unwrap_or_else(|e| e)
}

/// An input error raised from this crate (an option that is not understood), as
/// `metapool.InputError`.
fn input_error(py: Python<'_>, message: String) -> PyErr {
    py_error(py, metapool::Error::InvalidArgument(message))
}

/// The warnings of a run, kept for the Python layer to issue (`warnings.warn`).
#[derive(Default)]
struct Kept(Mutex<Vec<String>>);

impl Progress for Kept {
    fn warning(&self, message: &str) {
        if let Ok(mut kept) = self.0.lock() {
            kept.push(message.to_owned());
        }
    }
}

impl Kept {
    fn into_vec(self) -> Vec<String> {
        self.0.into_inner().unwrap_or_default()
    }
}

/// The options of an analysis: the profile and the options set on top of it, with the
/// command line's names (`--i2-ci` is `i2_ci`, `--add` is `add`, `--drop00` is
/// `drop00`), and the options of the call itself (`studies`).
struct Options {
    profile: Profile,
    overrides: Overrides,
    studies: Option<Studies>,
}

/// A word of the command line parsed by the library's parser of option `name`.
fn word<T: FromStr<Err = metapool::Error>>(
    py: Python<'_>,
    name: &str,
    value: &Bound<'_, PyAny>,
) -> PyResult<T> {
    let text: String = value.extract().map_err(|_| {
        PyTypeError::new_err(format!(
            "{name}: expected a string (the command line's --{} value), got {}",
            name.replace('_', "-"),
            type_name(value)
        ))
    })?;
    text.parse::<T>().map_err(|e| py_error(py, e))
}

/// A number option (`level`, `input_level`, `add`): a number, or its text.
fn number(name: &str, value: &Bound<'_, PyAny>) -> PyResult<f64> {
    if let Ok(x) = value.extract::<f64>() {
        return Ok(x);
    }
    let text: String = value
        .extract()
        .map_err(|_| PyTypeError::new_err(format!("{name}: expected a number")))?;
    text.trim()
        .parse::<f64>()
        .map_err(|_| PyValueError::new_err(format!("{name}: '{text}' is not a number")))
}

/// A confidence level as the command line reads it: a percentage (95) or a proportion
/// (0.95).
fn level(py: Python<'_>, name: &str, value: &Bound<'_, PyAny>) -> PyResult<Level> {
    Level::from_user(number(name, value)?).map_err(|e| input_error(py, format!("{name}: {e}")))
}

fn type_name(value: &Bound<'_, PyAny>) -> String {
    value
        .get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "an object".into())
}

impl Options {
    /// The options named in `kwargs`; an option of another name is a `TypeError`, as
    /// for any Python function, and `None` means "the profile's" except for `tau2`,
    /// where it is the command line's `--tau2 none` (the fixed-effect model only).
    fn from_kwargs(py: Python<'_>, kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<Options> {
        let mut options = Options {
            profile: Profile::Metafor,
            overrides: Overrides::default(),
            studies: None,
        };
        let Some(kwargs) = kwargs else {
            return Ok(options);
        };
        for (key, value) in kwargs.iter() {
            let key: String = key.extract()?;
            let o = &mut options.overrides;
            if value.is_none() {
                match key.as_str() {
                    "tau2" => o.tau2 = Some(Tau2Choice(None)),
                    k if KNOWN.contains(&k) => {}
                    k => return Err(unknown(k)),
                }
                continue;
            }
            let v = &value;
            match key.as_str() {
                "profile" => options.profile = word(py, &key, v)?,
                "measure" => o.measure = Some(word(py, &key, v)?),
                "fixed" => o.fixed = Some(word(py, &key, v)?),
                "tau2" => o.tau2 = Some(word(py, &key, v)?),
                "ci" => o.ci = Some(word(py, &key, v)?),
                "pi" => o.pi = Some(word(py, &key, v)?),
                "i2_ci" => o.i2_ci = Some(word(py, &key, v)?),
                "level" => o.level = Some(level(py, &key, v)?),
                "input_level" => o.input_level = Some(level(py, &key, v)?),
                "add" => o.increment = Some(number(&key, v)?),
                "to" => o.add_to = Some(word(py, &key, v)?),
                "drop00" => o.double_zero = Some(word(py, &key, v)?),
                "smd" => o.smd = Some(word(py, &key, v)?),
                "rd_variance" => o.rd_variance = Some(word(py, &key, v)?),
                "mh_cells" => o.mh_cells = Some(word(py, &key, v)?),
                "studies" => options.studies = Some(word(py, &key, v)?),
                k => return Err(unknown(k)),
            }
        }
        Ok(options)
    }

    /// The table input of a command: `file` (which names the input in messages) with
    /// these options.
    fn input(&self, file: impl Into<PathBuf>) -> TableInput {
        let mut input = TableInput::new(file);
        input.table.profile = self.profile;
        input.overrides = self.overrides.clone();
        input
    }
}

/// The keyword options every analysis takes.
const KNOWN: &[&str] = &[
    "profile",
    "measure",
    "fixed",
    "tau2",
    "ci",
    "pi",
    "i2_ci",
    "level",
    "input_level",
    "add",
    "to",
    "drop00",
    "smd",
    "rd_variance",
    "mh_cells",
    "studies",
];

fn unknown(key: &str) -> PyErr {
    PyTypeError::new_err(format!(
        "unexpected keyword argument '{key}'; the options are {}",
        KNOWN.join(", ")
    ))
}

/// A study table given by the Python layer: a CSV file, or the CSV text of a data frame
/// (`pandas.DataFrame.to_csv(index=False)`), read by the library's CSV reader either way
/// so that a data frame is read by the rules of a file, its rows numbered as the rows
/// of that file (the header is row 1, the frame's first row is row 2).
enum Source {
    Path(PathBuf),
    Text(String),
}

/// The name of a data frame in messages.
const FRAME: &str = "data frame";

impl Source {
    fn from_py(kind: &str, value: String) -> PyResult<Source> {
        match kind {
            "path" => Ok(Source::Path(value.into())),
            "text" => Ok(Source::Text(value)),
            _ => Err(PyValueError::new_err(format!("unknown table kind {kind}"))),
        }
    }

    /// The file that names the input of a command.
    fn file(&self) -> PathBuf {
        match self {
            Source::Path(p) => p.clone(),
            Source::Text(_) => PathBuf::from(FRAME),
        }
    }

    fn read(&self, input: &TableInput) -> metapool::Result<StudyTable> {
        match self {
            Source::Path(_) => input.read_table(),
            Source::Text(text) => metapool::data::read_csv_str(FRAME, text),
        }
    }
}

/// A pooled analysis: the library's report of `metapool pool` (the table, its fit and
/// its subgroups).
#[pyclass(frozen, module = "metapool._metapool")]
struct PoolResult {
    report: PoolReport,
}

/// The report written in `format` by the library's writer.
fn written<R: Report>(report: &R, format: R::Format) -> String {
    let mut out = Vec::new();
    // Writing to memory cannot fail.
    let _ = report.write(format, &mut out);
    String::from_utf8(out).unwrap_or_default()
}

fn json_of<T: serde::Serialize + ?Sized>(py: Python<'_>, value: &T) -> PyResult<String> {
    json::to_string(value).map_err(|e| py_error(py, e))
}

#[pymethods]
impl PoolResult {
    /// The text report (`metapool pool`'s output).
    fn text(&self) -> String {
        written(&self.report, FitFormat::Text)
    }

    /// The JSON document (`metapool pool --format json`).
    fn json(&self) -> String {
        written(&self.report, FitFormat::Json)
    }

    /// The CSV report (`metapool pool --format csv`).
    fn csv(&self) -> String {
        written(&self.report, FitFormat::Csv)
    }

    /// The JSON of one part of the fit (`fixed`, `random`, `heterogeneity`, `options`,
    /// `excluded`, `warnings`, `subgroups`): the value of that key in [`Self::json`].
    fn part(&self, py: Python<'_>, name: &str) -> PyResult<String> {
        let fit = &self.report.fit;
        match name {
            "fixed" => json_of(py, &fit.fixed),
            "random" => json_of(py, &fit.random),
            "heterogeneity" => json_of(py, &fit.heterogeneity),
            "options" => json_of(py, &fit.options),
            "excluded" => json_of(py, &fit.excluded),
            "warnings" => json_of(py, &fit.warnings),
            "subgroups" => json_of(py, &self.report.subgroups),
            _ => Err(PyValueError::new_err(format!("no part {name}"))),
        }
    }

    /// The measure, as the command line spells it.
    #[getter]
    fn measure(&self) -> String {
        self.report.fit.measure.to_string()
    }

    /// Studies pooled.
    #[getter]
    fn k(&self) -> usize {
        self.report.fit.k
    }

    /// Studies in the table.
    #[getter]
    fn k_all(&self) -> usize {
        self.report.fit.k_all
    }

    /// The confidence level, in percent.
    #[getter]
    fn level(&self) -> f64 {
        self.report.fit.level.percent()
    }

    /// The estimate in use (random effects when fitted, else fixed), analysis scale:
    /// estimate, se, ci_lower, ci_upper, statistic, p_value.
    #[getter]
    fn pooled(&self) -> (f64, f64, f64, f64, f64, f64) {
        let p = self.report.fit.pooled();
        (
            p.estimate,
            p.se,
            p.ci_lower,
            p.ci_upper,
            p.statistic,
            p.p_value,
        )
    }

    /// The estimate in use on the natural scale (ratios for ratio measures): estimate,
    /// ci_lower, ci_upper.
    #[getter]
    fn natural(&self) -> (f64, f64, f64) {
        let fit = &self.report.fit;
        let p = fit.pooled();
        let m = fit.measure;
        (
            m.to_natural(p.estimate),
            m.to_natural(p.ci_lower),
            m.to_natural(p.ci_upper),
        )
    }

    /// The study rows of the fit, column by column: labels, index, yi, vi,
    /// weight_fixed, weight_random (NaN without random effects).
    fn studies<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let rows = &self.report.fit.studies;
        let n = rows.len();
        let (mut labels, mut index) = (Vec::with_capacity(n), Vec::with_capacity(n));
        let (mut yi, mut vi) = (Vec::with_capacity(n), Vec::with_capacity(n));
        let (mut wf, mut wr) = (Vec::with_capacity(n), Vec::with_capacity(n));
        for r in rows.iter() {
            labels.push(r.study);
            index.push(r.index as i64);
            yi.push(r.yi);
            vi.push(r.vi);
            wf.push(r.weight_fixed);
            wr.push(r.weight_random.unwrap_or(f64::NAN));
        }
        let d = PyDict::new(py);
        d.set_item("study", PyList::new(py, labels)?)?;
        d.set_item("index", index.into_pyarray(py))?;
        d.set_item("yi", yi.into_pyarray(py))?;
        d.set_item("vi", vi.into_pyarray(py))?;
        d.set_item("weight_fixed", wf.into_pyarray(py))?;
        d.set_item("weight_random", wr.into_pyarray(py))?;
        Ok(d)
    }

    /// Whether the printed figure `figure` (`"2.39 (1.10 to 5.23)"`) is the estimate in
    /// use with its interval, on the natural scale, at the printed precision; and the
    /// recomputed figure printed in its style.
    fn audit(&self, py: Python<'_>, figure: &str) -> PyResult<(bool, String)> {
        let printed =
            metapool::audit::figure::Figure::parse(figure).map_err(|e| py_error(py, e))?;
        let (e, lo, hi) = self.natural();
        Ok((
            printed.matches_estimate(e, lo, hi),
            printed.format_like(e, lo, hi),
        ))
    }
}

/// A report that is text and JSON (regression, sensitivity, small-study effects, a
/// RevMan review), with the warnings of its run.
#[pyclass(frozen, module = "metapool._metapool", get_all)]
struct Document {
    /// The text report.
    text: String,
    /// The JSON document.
    json: String,
    /// The warnings of the run.
    warnings: Vec<String>,
}

/// A 1-D float64 array as a slice (the Python layer makes arrays contiguous float64
/// first; anything else is refused here, not copied).
fn slice<'a>(name: &str, array: &'a PyReadonlyArray1<'_, f64>) -> PyResult<&'a [f64]> {
    array.as_slice().map_err(|_| {
        PyValueError::new_err(format!("{name}: expected a contiguous 1-D float64 array"))
    })
}

/// The arrays of a call as slices, each named `array i` (from 1) when refused.
fn slices<'a>(columns: &'a [PyReadonlyArray1<'_, f64>]) -> PyResult<Vec<&'a [f64]>> {
    columns
        .iter()
        .enumerate()
        .map(|(i, a)| slice(&format!("array {}", i + 1), a))
        .collect()
}

/// The study data of a layout from its columns, in the order of
/// [`metapool::data::DataType::required_columns`] without `study`.
fn study_data(layout: &str, c: &[&[f64]]) -> Option<StudyData> {
    let v = |i: usize| c[i].to_vec();
    Some(match (layout, c.len()) {
        ("yi_vi", 2) => StudyData::GenericVariance { yi: v(0), vi: v(1) },
        ("yi_sei", 2) => StudyData::GenericSe {
            yi: v(0),
            sei: v(1),
        },
        ("ci", 3) => StudyData::GenericCi {
            estimate: v(0),
            ci_lower: v(1),
            ci_upper: v(2),
        },
        ("2x2", 4) => StudyData::Binary(BinaryArms {
            events_e: v(0),
            n_e: v(1),
            events_c: v(2),
            n_c: v(3),
        }),
        ("continuous", 6) => StudyData::Continuous(ContinuousArms {
            mean_e: v(0),
            sd_e: v(1),
            n_e: v(2),
            mean_c: v(3),
            sd_c: v(4),
            n_c: v(5),
        }),
        _ => return None,
    })
}

/// The study table of columns given as arrays, named `source` in messages; its rows
/// are numbered as if read from a file with a header (element i is row i + 2).
fn array_table(
    source: &str,
    layout: &str,
    columns: &[&[f64]],
    study: Option<Vec<String>>,
) -> metapool::Result<StudyTable> {
    let k = columns.first().map_or(0, |c| c.len());
    let data = study_data(layout, columns).ok_or_else(|| {
        metapool::Error::InvalidArgument(format!("{layout}: wrong number of columns"))
    })?;
    if let Some(c) = columns.iter().position(|c| c.len() != k) {
        return Err(metapool::Error::InvalidArgument(format!(
            "the arrays differ in length: {k} values in the first, {} in array {}",
            columns[c].len(),
            c + 1
        )));
    }
    if let Some(s) = &study {
        if s.len() != k {
            return Err(metapool::Error::InvalidArgument(format!(
                "{} study labels for {k} studies",
                s.len()
            )));
        }
    }
    match study {
        Some(given) => StudyTable::new(source, Texts::from(given), data),
        None => StudyTable::numbered(source, data),
    }
}

/// Pools studies given as arrays (`layout`: `yi_vi`, `yi_sei`, `ci`, `2x2`,
/// `continuous`) with the options of `metapool pool`, the GIL released while the
/// library validates and fits. Returns the result and the warnings of the run.
#[pyfunction]
#[pyo3(signature = (layout, columns, study=None, **options))]
fn pool_arrays(
    py: Python<'_>,
    layout: &str,
    columns: Vec<PyReadonlyArray1<'_, f64>>,
    study: Option<Vec<String>>,
    options: Option<&Bound<'_, PyDict>>,
) -> PyResult<(PoolResult, Vec<String>)> {
    let options = Options::from_kwargs(py, options)?;
    let slices = slices(&columns)?;
    let mut args = PoolArgs::new(options.input(ARRAYS));
    args.studies = options.studies;
    let kept = Kept::default();
    let report = py
        .detach(|| match (layout, slices.as_slice(), &study) {
            // Estimates and variances without labels are pooled where numpy holds them.
            ("yi_vi", [yi, vi], None) if yi.len() == vi.len() => args.run_yi_vi(yi, vi, &kept),
            _ => {
                let table = array_table(ARRAYS, layout, &slices, study)?;
                args.run_table(table, &kept)
            }
        })
        .map_err(|e| py_error(py, e))?;
    Ok((PoolResult { report }, kept.into_vec()))
}

/// The name of arrays in messages, with the numbering of their rows.
const ARRAYS: &str = "arrays (element i is row i + 2)";

/// Pools a study table (`kind` `path` or `text`: [`Source`]) with the options of
/// `metapool pool`; by subgroup with `subgroup`.
#[pyfunction]
#[pyo3(signature = (kind, table, subgroup=None, **options))]
fn pool_table(
    py: Python<'_>,
    kind: &str,
    table: String,
    subgroup: Option<String>,
    options: Option<&Bound<'_, PyDict>>,
) -> PyResult<(PoolResult, Vec<String>)> {
    let options = Options::from_kwargs(py, options)?;
    let source = Source::from_py(kind, table)?;
    let mut args = PoolArgs::new(options.input(source.file()));
    args.studies = options.studies;
    args.subgroup = subgroup;
    let kept = Kept::default();
    let report = py
        .detach(|| args.run_table(source.read(&args.input)?, &kept))
        .map_err(|e| py_error(py, e))?;
    Ok((PoolResult { report }, kept.into_vec()))
}

/// The study effects of a study table or of arrays: labels, index (0-based row of the
/// input), yi, vi, the measure, the studies excluded (JSON), and the warnings.
type EffectColumns<'py> = (
    Vec<String>,
    Bound<'py, numpy::PyArray1<i64>>,
    Bound<'py, numpy::PyArray1<f64>>,
    Bound<'py, numpy::PyArray1<f64>>,
    String,
    String,
    String,
    Vec<String>,
);

fn effect_columns<'py>(
    py: Python<'py>,
    effects: Effects,
    warnings: Vec<String>,
) -> PyResult<EffectColumns<'py>> {
    let csv = written(&effects, ());
    let excluded = json_of(py, effects.excluded())?;
    let measure = effects.measure().to_string();
    let labels = effects.labels().to_vec();
    let index: Vec<i64> = effects.index().iter().map(|&i| i as i64).collect();
    Ok((
        labels,
        index.into_pyarray(py),
        numpy::PyArray1::from_slice(py, effects.yi()),
        numpy::PyArray1::from_slice(py, effects.vi()),
        measure,
        excluded,
        csv,
        warnings,
    ))
}

/// The study effects (`metapool effects`) of a study table (`kind`: [`Source`]).
#[pyfunction]
#[pyo3(signature = (kind, table, **options))]
fn effects_table<'py>(
    py: Python<'py>,
    kind: &str,
    table: String,
    options: Option<&Bound<'_, PyDict>>,
) -> PyResult<EffectColumns<'py>> {
    let options = Options::from_kwargs(py, options)?;
    let source = Source::from_py(kind, table)?;
    let args = EffectsArgs::new(options.input(source.file()));
    let kept = Kept::default();
    let effects = py
        .detach(|| args.run_table(source.read(&args.input)?, &kept))
        .map_err(|e| py_error(py, e))?;
    effect_columns(py, effects, kept.into_vec())
}

/// The study effects (`metapool effects`) of studies given as arrays (`layout` as in
/// [`pool_arrays`]).
#[pyfunction]
#[pyo3(signature = (layout, columns, study=None, **options))]
fn effects_arrays<'py>(
    py: Python<'py>,
    layout: &str,
    columns: Vec<PyReadonlyArray1<'_, f64>>,
    study: Option<Vec<String>>,
    options: Option<&Bound<'_, PyDict>>,
) -> PyResult<EffectColumns<'py>> {
    let options = Options::from_kwargs(py, options)?;
    let slices = slices(&columns)?;
    let args = EffectsArgs::new(options.input("arrays"));
    let kept = Kept::default();
    let effects = py
        .detach(|| {
            let table = array_table(ARRAYS, layout, &slices, study)?;
            args.run_table(table, &kept)
        })
        .map_err(|e| py_error(py, e))?;
    effect_columns(py, effects, kept.into_vec())
}

/// `metapool batch` of a study table (`kind`: [`Source`]; a data frame is read row by
/// row, as a file is, so that a bad row fails its group only): the CSV columns of the
/// batch (`group`, `k`, `measure`, the numbers, `error`) and the warnings.
#[pyfunction]
#[pyo3(signature = (kind, table, group_by, **options))]
fn batch<'py>(
    py: Python<'py>,
    kind: &str,
    table: String,
    group_by: String,
    options: Option<&Bound<'_, PyDict>>,
) -> PyResult<(Bound<'py, PyDict>, Vec<String>)> {
    let options = Options::from_kwargs(py, options)?;
    let source = Source::from_py(kind, table)?;
    let args = BatchArgs::new(options.input(source.file()), group_by);
    let kept = Kept::default();
    let report = py
        .detach(|| match &source {
            Source::Path(_) => args.run(&kept),
            Source::Text(text) => {
                let checked = metapool::data::read_csv_str_by_row(FRAME, text)?;
                args.run_checked(&checked, &kept)
            }
        })
        .map_err(|e| py_error(py, e))?;
    Ok((batch_dict(py, report.rows)?, kept.into_vec()))
}

/// The rows of a batch as columns: `group`, `k`, `measure`, the numbers (float64
/// arrays), `error`.
fn batch_dict(
    py: Python<'_>,
    rows: Vec<metapool::analysis::batch::BatchRow>,
) -> PyResult<Bound<'_, PyDict>> {
    let n = rows.len();
    let columns = PyDict::new(py);
    let mut numbers: Vec<Vec<f64>> = (0..20).map(|_| Vec::with_capacity(n)).collect();
    let (mut group, mut k, mut measure, mut error) = (
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    );
    for r in &rows {
        for (column, x) in numbers.iter_mut().zip(r.numbers()) {
            column.push(x);
        }
        group.push(r.group.as_str());
        k.push(r.k as i64);
        measure.push(r.measure.as_str());
        error.push(r.error.as_deref());
    }
    columns.set_item("group", PyList::new(py, group)?)?;
    columns.set_item("k", k.into_pyarray(py))?;
    columns.set_item("measure", PyList::new(py, measure)?)?;
    for (name, column) in metapool::analysis::batch::BatchRow::NUMBER_COLUMNS
        .iter()
        .zip(numbers)
    {
        columns.set_item(*name, column.into_pyarray(py))?;
    }
    columns.set_item("error", PyList::new(py, error)?)?;
    Ok(columns)
}

/// The layout of a data frame with columns `names` (as a CSV header is read:
/// [`metapool::data::layout_of_columns`]): its name for [`study_data`] and the place of
/// each of its columns, the study label first; `None` when the names make no layout
/// (the frame is then read as CSV text, whose reader says why).
#[pyfunction]
fn frame_layout(names: Vec<String>) -> Option<(&'static str, Vec<usize>)> {
    use metapool::data::DataType;
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let (data_type, places) = metapool::data::layout_of_columns(FRAME, &names).ok()?;
    let layout = match data_type {
        DataType::Binary => "2x2",
        DataType::Continuous => "continuous",
        DataType::GenericVariance => "yi_vi",
        DataType::GenericSe => "yi_sei",
        DataType::GenericCi => "ci",
        // A layout this binding does not know yet: read as CSV text.
        _ => return None,
    };
    Some((layout, places))
}

/// A text column given as codes into its distinct values (`pandas.factorize`); `None`
/// for a code out of range.
fn decoded(codes: &[i64], values: &[String]) -> Option<Texts> {
    let mut texts = Texts::with_capacity(codes.len(), 0);
    for &c in codes {
        texts.push(values.get(usize::try_from(c).ok()?)?);
    }
    Some(texts)
}

/// `metapool batch` of a data frame given as its columns, without writing it as CSV:
/// the layout's numeric columns (float64, every value a number), the study labels and
/// the groups each as codes into their distinct values. The table is the one the CSV
/// reader would build of the frame (rows numbered from 2), pooled by the command's own
/// run. `None` when the table breaks a rule of the table: the caller then reads the
/// frame as CSV text row by row ([`batch`]), so that a bad row fails its group only.
#[pyfunction]
#[pyo3(signature = (layout, columns, labels, label_values, groups, group_values, group_by, **options))]
#[allow(clippy::too_many_arguments)]
fn batch_frame<'py>(
    py: Python<'py>,
    layout: &str,
    columns: Vec<PyReadonlyArray1<'_, f64>>,
    labels: PyReadonlyArray1<'_, i64>,
    label_values: Vec<String>,
    groups: PyReadonlyArray1<'_, i64>,
    group_values: Vec<String>,
    group_by: String,
    options: Option<&Bound<'_, PyDict>>,
) -> PyResult<Option<(Bound<'py, PyDict>, Vec<String>)>> {
    let options = Options::from_kwargs(py, options)?;
    let slices = slices(&columns)?;
    let (labels, groups) = (
        labels
            .as_slice()
            .map_err(|e| PyValueError::new_err(e.to_string()))?,
        groups
            .as_slice()
            .map_err(|e| PyValueError::new_err(e.to_string()))?,
    );
    let args = BatchArgs::new(options.input(FRAME), group_by.clone());
    let kept = Kept::default();
    let report = py.detach(|| {
        let labels = decoded(labels, &label_values)?;
        let groups = decoded(groups, &group_values)?;
        let data = study_data(layout, &slices)?;
        let table = StudyTable::new(FRAME, labels, data).ok()?;
        let table = if group_by.trim().eq_ignore_ascii_case("subgroup") {
            table.with_subgroup(groups)
        } else {
            table.with_covariate(&group_by, groups)
        }
        .ok()?;
        let checked = metapool::data::RowChecked {
            table,
            rejected: Vec::new(),
        };
        Some(args.run_checked(&checked, &kept))
    });
    match report {
        None => Ok(None),
        Some(report) => {
            let report = report.map_err(|e| py_error(py, e))?;
            Ok(Some((batch_dict(py, report.rows)?, kept.into_vec())))
        }
    }
}

/// A report of text and JSON from its run.
fn document<R: Report<Format = F>, F: Copy>(report: &R, text: F, json: F, kept: Kept) -> Document {
    Document {
        text: written(report, text),
        json: written(report, json),
        warnings: kept.into_vec(),
    }
}

/// A table command (`run`, given the table of `source` and the warnings' keeper) run
/// with the GIL released, as its text and JSON report with the warnings of the run.
fn table_document<R, F>(
    py: Python<'_>,
    source: &Source,
    input: &TableInput,
    run: F,
) -> PyResult<Document>
where
    R: Report<Format = ReportFormat> + Send,
    F: FnOnce(StudyTable, &Kept) -> metapool::Result<R> + Send,
{
    let kept = Kept::default();
    let report = py
        .detach(|| run(source.read(input)?, &kept))
        .map_err(|e| py_error(py, e))?;
    Ok(document(
        &report,
        ReportFormat::Text,
        ReportFormat::Json,
        kept,
    ))
}

/// `metapool regress` of a study table on the moderator columns `mods`.
#[pyfunction]
#[pyo3(signature = (kind, table, mods, permutation=false, iterations=1000, seed=1, exact=false, **options))]
#[allow(clippy::too_many_arguments)]
fn regress(
    py: Python<'_>,
    kind: &str,
    table: String,
    mods: Vec<String>,
    permutation: bool,
    iterations: usize,
    seed: u64,
    exact: bool,
    options: Option<&Bound<'_, PyDict>>,
) -> PyResult<Document> {
    let options = Options::from_kwargs(py, options)?;
    let source = Source::from_py(kind, table)?;
    let mut args = RegressArgs::new(options.input(source.file()), mods);
    args.permutation = permutation;
    args.iterations = iterations;
    args.seed = seed;
    args.exact = exact;
    table_document(py, &source, &args.input, |table, kept| {
        args.run_table(table, kept)
    })
}

/// `metapool sensitivity` of a study table: leave-one-out, cumulative (in the order of
/// the column `order`) and influence diagnostics.
#[pyfunction]
#[pyo3(signature = (kind, table, order=None, **options))]
fn sensitivity(
    py: Python<'_>,
    kind: &str,
    table: String,
    order: Option<String>,
    options: Option<&Bound<'_, PyDict>>,
) -> PyResult<Document> {
    let options = Options::from_kwargs(py, options)?;
    let source = Source::from_py(kind, table)?;
    let mut args = SensitivityArgs::new(options.input(source.file()));
    args.order = order;
    table_document(py, &source, &args.input, |table, kept| {
        args.run_table(table, kept)
    })
}

/// `metapool bias` of a study table: the small-study tests and trim and fill
/// (`estimator` `L0` or `R0`, `side` `left` or `right`, by default from Egger's test).
#[pyfunction]
#[pyo3(signature = (kind, table, estimator="L0", side=None, **options))]
fn bias(
    py: Python<'_>,
    kind: &str,
    table: String,
    estimator: &str,
    side: Option<String>,
    options: Option<&Bound<'_, PyDict>>,
) -> PyResult<Document> {
    let options = Options::from_kwargs(py, options)?;
    let source = Source::from_py(kind, table)?;
    let estimator = estimator.parse().map_err(|e| py_error(py, e))?;
    let side = side
        .map(|s| s.parse())
        .transpose()
        .map_err(|e| py_error(py, e))?;
    let mut args = BiasArgs::new(options.input(source.file()));
    args.estimator = estimator;
    args.side = side;
    table_document(py, &source, &args.input, |table, kept| {
        args.run_table(table, kept)
    })
}

/// `metapool revman` of a review file (RevMan 5 `.rm5`, a RevMan Web data package, a
/// RevMan 5 CSV export, or a folder of them): every printed figure checked, or with
/// `reanalyse` (a profile) every analysis re-run with its methods.
#[pyfunction]
#[pyo3(signature = (path, reanalyse=None))]
fn revman(py: Python<'_>, path: PathBuf, reanalyse: Option<String>) -> PyResult<Document> {
    let reanalyse = reanalyse
        .map(|p| p.parse::<Profile>())
        .transpose()
        .map_err(|e| py_error(py, e))?;
    let mut args = RevmanArgs::new(path);
    args.reanalyse = reanalyse;
    let kept = Kept::default();
    let report = py.detach(|| args.run(&kept)).map_err(|e| py_error(py, e))?;
    Ok(document(&report, FitFormat::Text, FitFormat::Json, kept))
}

/// The extension module.
#[pymodule]
fn _metapool(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PoolResult>()?;
    m.add_class::<Document>()?;
    m.add_function(wrap_pyfunction!(pool_arrays, m)?)?;
    m.add_function(wrap_pyfunction!(pool_table, m)?)?;
    m.add_function(wrap_pyfunction!(effects_arrays, m)?)?;
    m.add_function(wrap_pyfunction!(effects_table, m)?)?;
    m.add_function(wrap_pyfunction!(batch, m)?)?;
    m.add_function(wrap_pyfunction!(batch_frame, m)?)?;
    m.add_function(wrap_pyfunction!(frame_layout, m)?)?;
    m.add_function(wrap_pyfunction!(regress, m)?)?;
    m.add_function(wrap_pyfunction!(sensitivity, m)?)?;
    m.add_function(wrap_pyfunction!(bias, m)?)?;
    m.add_function(wrap_pyfunction!(revman, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
