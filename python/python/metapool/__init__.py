"""metapool: meta-analysis for numpy and pandas users.

Every number comes from the metapool Rust library: this package converts its inputs
(numpy arrays, sequences, pandas data frames, CSV files) and calls the library, whose
text and JSON writers give each result's ``repr`` and ``to_dict()`` (the command line's
output, ``metapool pool FILE`` and ``metapool pool FILE --format json``).

Options have the command line's names and spellings: ``tau2="REML"``, ``ci="hksj"``,
``fixed="mh"``, ``profile="revman5"``, ``i2_ci="ht"`` (``--i2-ci``), ``add=0.5``
(``--add``), ``to="all"`` (``--to``), ``drop00="ratios"`` (``--drop00``);
``tau2=None`` is ``--tau2 none`` (the fixed-effect model only).

>>> import metapool
>>> fit = metapool.pool([-0.89, -1.59, -1.35], [0.33, 0.19, 0.42], tau2="DL")
>>> round(fit.estimate, 4)  # doctest: +SKIP
"""

from __future__ import annotations

import json
import math
import os
import warnings
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from . import _metapool
from ._errors import ComputeError, Error, InputError, MetapoolWarning, ReadError

__version__ = _metapool.__version__

__all__ = [
    "Error",
    "InputError",
    "ComputeError",
    "ReadError",
    "MetapoolWarning",
    "Fit",
    "Effects",
    "Record",
    "Report",
    "Audit",
    "pool",
    "pool_2x2",
    "pool_continuous",
    "pool_generic",
    "pool_table",
    "effects",
    "read_csv",
    "batch",
    "subgroups",
    "regress",
    "sensitivity",
    "leave_one_out",
    "influence",
    "bias",
    "egger",
    "trimfill",
    "audit",
    "read_revman",
    "revman",
]


# ---------------------------------------------------------------------------
# Inputs


def _issue(messages: Iterable[str]) -> None:
    """The warnings of a run, as the command line writes them on stderr."""
    for message in messages:
        warnings.warn(message, MetapoolWarning, stacklevel=3)


def _array(name: str, values: Any) -> np.ndarray:
    """``values`` as a contiguous 1-D float64 array: the array itself when it is one
    (no copy), else converted once; refused with an InputError naming ``name``."""
    if isinstance(values, (str, bytes)):
        raise InputError(f"{name}: expected a sequence of numbers, got a string", column=name)
    array = np.asarray(values)
    if array.dtype.kind == "c":
        raise InputError(f"{name}: expected real numbers, got complex values", column=name)
    if array.dtype.kind not in "fiub":
        try:
            array = array.astype(np.float64)
        except (TypeError, ValueError) as e:
            raise InputError(
                f"{name}: expected numbers, got {array.dtype} values ({e})", column=name
            ) from None
    if array.ndim != 1:
        raise InputError(
            f"{name}: expected a 1-D array (one value per study), got {array.ndim} dimensions",
            column=name,
        )
    return np.ascontiguousarray(array, dtype=np.float64)


def _labels(study: Optional[Sequence[Any]]) -> Optional[List[str]]:
    return None if study is None else [str(s) for s in study]


def _is_frame(table: Any) -> bool:
    return hasattr(table, "to_csv") and hasattr(table, "columns")


TableLike = Union[str, "os.PathLike[str]", Any]


def _table(table: TableLike) -> Tuple[str, str]:
    """A study table for the library: a path, or a data frame as the CSV text the
    library's reader reads (its rows numbered as a file's: the header is row 1)."""
    if isinstance(table, (str, os.PathLike)):
        return ("path", os.fspath(table))
    if isinstance(table, Mapping):
        import pandas as pd

        table = pd.DataFrame(dict(table))
    if _is_frame(table):
        return ("text", table.to_csv(index=False))
    raise TypeError(
        "expected a path to a CSV file or a pandas DataFrame (or a mapping of columns), "
        f"got {type(table).__name__}"
    )


# ---------------------------------------------------------------------------
# Results

_INFINITIES = {"Infinity": math.inf, "-Infinity": -math.inf}


def _value(value: Any) -> Any:
    """A JSON value for attribute access: objects as Records, the strings the JSON
    writes for infinities as floats, null (NaN: undefined or not computed) as NaN."""
    if isinstance(value, dict):
        return Record(value)
    if isinstance(value, list):
        return [_value(v) for v in value]
    if isinstance(value, str) and value in _INFINITIES:
        return _INFINITIES[value]
    return value


class Record:
    """A part of a result's JSON document with its keys as attributes (``null`` reads as
    ``None``; ``"Infinity"`` as ``math.inf``). ``to_dict()`` gives the JSON object."""

    __slots__ = ("_doc",)

    def __init__(self, doc: Dict[str, Any]) -> None:
        object.__setattr__(self, "_doc", doc)

    def __getattr__(self, name: str) -> Any:
        try:
            return _value(self._doc[name])
        except KeyError:
            raise AttributeError(name) from None

    def __getitem__(self, name: str) -> Any:
        return self._doc[name]

    def __contains__(self, name: str) -> bool:
        return name in self._doc

    def __dir__(self) -> List[str]:
        return list(self._doc)

    def keys(self) -> List[str]:
        return list(self._doc)

    def to_dict(self) -> Dict[str, Any]:
        return self._doc

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Record) and other._doc == self._doc

    def __repr__(self) -> str:
        inner = ", ".join(f"{k}={v!r}" for k, v in self._doc.items())
        return f"Record({inner})"


class Fit:
    """A pooled analysis: the fixed-effect and random-effects estimates, heterogeneity,
    the studies and their weights, as ``metapool pool`` reports them.

    ``repr`` is the text report; ``to_dict()`` the JSON document
    (``metapool pool --format json``: analysis scale, log for ratio measures); the
    estimate in use (random effects when fitted, else fixed) is ``estimate``, ``se``,
    ``ci_lower``, ``ci_upper``, ``statistic``, ``p_value``; on the natural scale
    (ratios), ``natural``.
    """

    def __init__(self, result: Any, warnings: Sequence[str] = ()) -> None:
        self._result = result
        (
            self.estimate,
            self.se,
            self.ci_lower,
            self.ci_upper,
            self.statistic,
            self.p_value,
        ) = result.pooled
        self.measure: str = result.measure
        self.k: int = result.k
        self.k_all: int = result.k_all
        self.level: float = result.level
        self.run_warnings: List[str] = list(warnings)

    def _part(self, name: str) -> Any:
        return json.loads(self._result.part(name))

    @property
    def natural(self) -> Tuple[float, float, float]:
        """The estimate in use and its interval on the natural scale (ratios for RR, OR,
        PETO and ROM)."""
        return self._result.natural

    @property
    def fixed(self) -> Record:
        return _value(self._part("fixed"))

    @property
    def random(self) -> Optional[Record]:
        return _value(self._part("random"))

    @property
    def heterogeneity(self) -> Record:
        return _value(self._part("heterogeneity"))

    @property
    def tau2(self) -> float:
        return self.heterogeneity.tau2

    @property
    def options(self) -> Record:
        return _value(self._part("options"))

    @property
    def excluded(self) -> List[Record]:
        return _value(self._part("excluded"))

    @property
    def warnings(self) -> List[str]:
        return self._part("warnings")

    @property
    def subgroups(self) -> Optional[Record]:
        return _value(self._part("subgroups"))

    def studies(self) -> Dict[str, Any]:
        """The study rows, column by column: ``study``, ``index``, ``yi``, ``vi``,
        ``weight_fixed``, ``weight_random`` (percent; NaN without random effects)."""
        return self._result.studies()

    def to_dict(self) -> Dict[str, Any]:
        """The JSON document of ``metapool pool --format json``."""
        return json.loads(self._result.json())

    def to_json(self) -> str:
        return self._result.json()

    def to_csv(self) -> str:
        """The CSV of ``metapool pool --format csv``."""
        return self._result.csv()

    def __str__(self) -> str:
        return self._result.text()

    def __repr__(self) -> str:
        return self._result.text()


class Report:
    """A report of an analysis (a meta-regression, the sensitivity analyses, the
    small-study analyses, a RevMan review): ``repr`` is the command's text, ``to_dict()``
    its JSON document, and its top-level keys are attributes."""

    def __init__(self, document: Any) -> None:
        self._text: str = document.text
        self._json: str = document.json
        self.run_warnings: List[str] = list(document.warnings)
        self._doc = json.loads(self._json)

    def __getattr__(self, name: str) -> Any:
        doc = self.__dict__.get("_doc", {})
        if isinstance(doc, dict) and name in doc:
            return _value(doc[name])
        raise AttributeError(name)

    def __dir__(self) -> List[str]:
        keys = list(self._doc) if isinstance(self._doc, dict) else []
        return sorted(set(keys) | set(super().__dir__()))

    def to_dict(self) -> Any:
        return self._doc

    def to_json(self) -> str:
        return self._json

    def __str__(self) -> str:
        return self._text

    def __repr__(self) -> str:
        return self._text


class Effects:
    """Study effects (``metapool effects``): ``study`` labels, ``index`` (the 0-based
    row of the input), ``yi`` and ``vi`` (analysis scale), the ``measure``, the studies
    ``excluded``. ``repr`` is the CSV of ``metapool effects``."""

    def __init__(self, columns: Tuple[Any, ...]) -> None:
        labels, index, yi, vi, measure, excluded, csv, run_warnings = columns
        self.study: List[str] = labels
        self.index: np.ndarray = index
        self.yi: np.ndarray = yi
        self.vi: np.ndarray = vi
        self.measure: str = measure
        self.excluded: List[Record] = _value(json.loads(excluded))
        self.run_warnings: List[str] = run_warnings
        self._csv: str = csv

    def __iter__(self):
        """``yi, vi = metapool.effects(...)``."""
        return iter((self.yi, self.vi))

    def to_frame(self) -> Any:
        import pandas as pd

        return pd.DataFrame(
            {"study": self.study, "index": self.index, "yi": self.yi, "vi": self.vi}
        )

    def to_csv(self) -> str:
        return self._csv

    def __repr__(self) -> str:
        return self._csv


class Audit:
    """A printed figure checked against the recomputed estimate at its printed
    precision: ``reproduced`` when the recomputed values round to the printed ones;
    ``recomputed`` is the recomputed figure printed in the figure's style."""

    def __init__(self, figure: str, reproduced: bool, recomputed: str) -> None:
        self.figure = figure
        self.reproduced = reproduced
        self.recomputed = recomputed

    def __bool__(self) -> bool:
        return self.reproduced

    def to_dict(self) -> Dict[str, Any]:
        return {
            "figure": self.figure,
            "recomputed": self.recomputed,
            "reproduced": self.reproduced,
        }

    def __repr__(self) -> str:
        verdict = "reproduced" if self.reproduced else "not reproduced"
        return f"{self.figure}: {verdict} (recomputed {self.recomputed})"


# ---------------------------------------------------------------------------
# Pooling


def _pool_arrays(layout: str, named: Sequence[Tuple[str, Any]], study, options) -> Fit:
    columns = [_array(name, values) for name, values in named]
    result, run_warnings = _metapool.pool_arrays(layout, columns, _labels(study), **options)
    _issue(run_warnings)
    return Fit(result, run_warnings)


def pool(
    yi: Any,
    vi: Any = None,
    *,
    sei: Any = None,
    study: Optional[Sequence[Any]] = None,
    **options: Any,
) -> Fit:
    """Pools estimates ``yi`` with sampling variances ``vi`` (or standard errors
    ``sei``), both on the analysis scale (log ratios for ratio measures): metafor's
    ``rma(yi, vi)``. Options as ``metapool pool``'s: ``tau2="REML"``, ``ci="z"``,
    ``pi``, ``level``, ``i2_ci``, ``measure`` (what the estimates are), ``profile``.
    Studies are labelled 1 to k unless ``study`` is given; an error names element i
    as row i + 2 (a file's row). Without ``study`` and with the study rows left out
    (``studies="none"``, or more than 10⁴ studies), float64 arrays are pooled where
    they are, without a copy: another thread must not write them during the call."""
    if (vi is None) == (sei is None):
        raise TypeError("pool() takes the variances vi or the standard errors sei (one of them)")
    if vi is not None:
        return _pool_arrays("yi_vi", [("yi", yi), ("vi", vi)], study, options)
    return _pool_arrays("yi_sei", [("yi", yi), ("sei", sei)], study, options)


def pool_2x2(
    events_e: Any,
    n_e: Any,
    events_c: Any,
    n_c: Any,
    *,
    study: Optional[Sequence[Any]] = None,
    **options: Any,
) -> Fit:
    """Pools 2x2 tables: events and sizes of the experimental and control arms.
    ``measure`` RR (default), OR, RD or PETO; ``fixed`` iv, mh or peto; the zero-cell
    options ``add``, ``to``, ``drop00``; ``rd_variance``, ``mh_cells``; ``profile``."""
    named = [("events_e", events_e), ("n_e", n_e), ("events_c", events_c), ("n_c", n_c)]
    return _pool_arrays("2x2", named, study, options)


def pool_continuous(
    mean_e: Any,
    sd_e: Any,
    n_e: Any,
    mean_c: Any,
    sd_c: Any,
    n_c: Any,
    *,
    study: Optional[Sequence[Any]] = None,
    **options: Any,
) -> Fit:
    """Pools means, SDs and sizes of two arms: ``measure`` MD (default), SMD or ROM;
    ``smd`` the SMD's small-sample correction."""
    named = [
        ("mean_e", mean_e),
        ("sd_e", sd_e),
        ("n_e", n_e),
        ("mean_c", mean_c),
        ("sd_c", sd_c),
        ("n_c", n_c),
    ]
    return _pool_arrays("continuous", named, study, options)


def pool_generic(
    estimate: Any,
    ci_lower: Any,
    ci_upper: Any,
    *,
    study: Optional[Sequence[Any]] = None,
    **options: Any,
) -> Fit:
    """Pools estimates given with their confidence intervals on the natural scale
    (``measure="RR"`` or ``"OR"`` for ratios, read on the log scale; ``input_level``
    the level they were printed at)."""
    named = [("estimate", estimate), ("ci_lower", ci_lower), ("ci_upper", ci_upper)]
    return _pool_arrays("ci", named, study, options)


def pool_table(table: TableLike, *, subgroup: Optional[str] = None, **options: Any) -> Fit:
    """Pools a study table: a CSV file in one of the documented layouts, or a pandas
    DataFrame with the same columns (``study``, ``events_e``, ``n_e``, ...). With
    ``subgroup`` (a column), by subgroup, with the tests for subgroup differences."""
    kind, data = _table(table)
    result, run_warnings = _metapool.pool_table(kind, data, subgroup, **options)
    _issue(run_warnings)
    return Fit(result, run_warnings)


def subgroups(table: TableLike, column: str = "subgroup", **options: Any) -> Fit:
    """``pool_table(table, subgroup=column)``: the fit of every subgroup and the tests
    for subgroup differences (``fit.subgroups``)."""
    return pool_table(table, subgroup=column, **options)


def read_csv(path: Union[str, "os.PathLike[str]"]) -> Any:
    """A study table file as a pandas DataFrame, after the library has read and
    validated it (an invalid file raises InputError naming the row and column).
    Column names are the file's, trimmed and in lower case; every cell is text as in
    the file, numbers converted to float."""
    import pandas as pd

    fspath = os.fspath(path)
    # Validate with the library's reader (the one every analysis uses).
    _metapool.effects_table("path", fspath)
    frame = pd.read_csv(fspath, dtype=str, keep_default_na=False, skip_blank_lines=True)
    frame.columns = [c.strip().lower() for c in frame.columns]
    for column in frame.columns:
        try:
            frame[column] = frame[column].str.strip().astype(float)
        except ValueError:
            frame[column] = frame[column].str.strip()
    return frame


def effects(
    table: Optional[TableLike] = None,
    *,
    yi: Any = None,
    vi: Any = None,
    sei: Any = None,
    events_e: Any = None,
    n_e: Any = None,
    events_c: Any = None,
    n_c: Any = None,
    mean_e: Any = None,
    sd_e: Any = None,
    mean_c: Any = None,
    sd_c: Any = None,
    estimate: Any = None,
    ci_lower: Any = None,
    ci_upper: Any = None,
    study: Optional[Sequence[Any]] = None,
    **options: Any,
) -> Effects:
    """The study effects yi and vi (``metapool effects``) of a study table, or of
    arrays given by the names of a table's columns (``events_e=..., n_e=...,
    events_c=..., n_c=...`` for 2x2 tables). ``yi, vi = metapool.effects(...)``."""
    if table is not None:
        kind, data = _table(table)
        return Effects(_metapool.effects_table(kind, data, **options))
    given = {
        k: v
        for k, v in dict(
            yi=yi, vi=vi, sei=sei, events_e=events_e, n_e=n_e, events_c=events_c, n_c=n_c,
            mean_e=mean_e, sd_e=sd_e, mean_c=mean_c, sd_c=sd_c, estimate=estimate,
            ci_lower=ci_lower, ci_upper=ci_upper,
        ).items()
        if v is not None
    }
    layouts = {
        "2x2": ("events_e", "n_e", "events_c", "n_c"),
        "continuous": ("mean_e", "sd_e", "n_e", "mean_c", "sd_c", "n_c"),
        "yi_vi": ("yi", "vi"),
        "yi_sei": ("yi", "sei"),
        "ci": ("estimate", "ci_lower", "ci_upper"),
    }
    for layout, names in layouts.items():
        if set(given) == set(names):
            columns = [_array(n, given[n]) for n in names]
            return Effects(
                _metapool.effects_arrays(layout, columns, _labels(study), **options)
            )
    raise TypeError(
        "effects() takes a table, or the columns of one layout: "
        + "; ".join(", ".join(names) for names in layouts.values())
    )


# ---------------------------------------------------------------------------
# Many meta-analyses

#: The columns of ``batch``'s DataFrame: those of ``metapool batch``'s CSV.
BATCH_COLUMNS = [
    "group", "k", "measure",
    "fixed_estimate", "fixed_se", "fixed_ci_lower", "fixed_ci_upper", "fixed_p_value",
    "random_estimate", "random_se", "random_ci_lower", "random_ci_upper", "random_p_value",
    "pi_lower", "pi_upper", "tau2", "tau2_ci_lower", "tau2_ci_upper",
    "q", "q_df", "q_p_value", "i2_q", "i2_tau2", "error",
]  # fmt: skip


def batch(table: TableLike, group_by: str = "analysis", **options: Any) -> Any:
    """One meta-analysis per group of rows (``metapool batch``), pooled in parallel:
    a pandas DataFrame with one row per group, in the order of each group's first row,
    and the columns of the command's CSV (``group``, ``k``, ``measure``, the fixed and
    random estimates, the prediction interval, tau2 with its interval, Q, I², and
    ``error``: the reason a group could not be pooled, else None). A bad row (a negative
    variance, a cell that is not a number) fails its group only, as in the command."""
    import pandas as pd

    if not isinstance(group_by, str):
        raise TypeError(f"group_by: expected a column name, got {type(group_by).__name__}")
    fast = _batch_frame(table, group_by, options)
    if fast is None:
        kind, data = _table(table)
        fast = _metapool.batch(kind, data, group_by, **options)
    columns, run_warnings = fast
    _issue(run_warnings)
    return pd.DataFrame(columns, columns=BATCH_COLUMNS)


def _batch_frame(table: Any, group_by: str, options: Dict[str, Any]) -> Any:
    """``batch`` of a data frame passed to the library as its columns (numbers as float64
    arrays, labels and groups as ``pandas.factorize`` codes), not as CSV text: the same
    table and the same run, without writing and reading the text. ``None`` when the
    frame is not plainly one the CSV reader would take whole (a cell that is not a
    number, an empty or padded label, names of no layout): it is then read as CSV text,
    row by row, whose reader names the row and column and fails that group only.

    Only columns whose values are the same whether compared in Python or as the text
    ``to_csv`` writes take this route: numbers of float64 or integer dtype, and labels
    and groups that are all strings or all integers. A float32 number (written in its
    shortest digits), a float, boolean, date or mixed group column (``1`` and ``1.0``,
    ``0.0`` and ``-0.0``, ``True`` and ``1`` are one key to pandas, two texts to the
    reader) goes as CSV text."""
    import numpy as np
    import pandas as pd

    if isinstance(table, Mapping):
        table = pd.DataFrame(dict(table))
    if not _is_frame(table):
        return None
    names = [str(c) for c in table.columns]
    layout = _metapool.frame_layout(names)
    wanted = group_by.strip().lower()
    at = [i for i, n in enumerate(names) if n.strip().lower() == wanted]
    if layout is None or len(at) != 1 or wanted == "study" or at[0] in layout[1]:
        return None
    name, places = layout
    columns = []
    for place in places[1:]:
        column = table.iloc[:, place]
        if not (column.dtype.kind in "iu" or column.dtype == np.float64):
            return None
        values = np.ascontiguousarray(column.to_numpy(dtype=np.float64))
        if not np.isfinite(values).all():
            return None
        columns.append(values)
    coded = []
    for place in (places[0], at[0]):
        column = table.iloc[:, place]
        plain = column.dtype.kind in "iu" or pd.api.types.infer_dtype(column, skipna=False) == "string"
        if not plain:
            return None
        codes, uniques = pd.factorize(column, sort=False)
        texts = [str(u) for u in uniques]
        if (codes < 0).any() or any(t == "" or t != t.strip() for t in texts):
            return None
        coded += [np.ascontiguousarray(codes, dtype=np.int64), texts]
    return _metapool.batch_frame(name, columns, *coded, group_by, **options)


# ---------------------------------------------------------------------------
# Analyses


def regress(
    table: TableLike,
    mods: Union[str, Sequence[str]],
    *,
    permutation: bool = False,
    iterations: int = 1000,
    seed: int = 1,
    exact: bool = False,
    **options: Any,
) -> Report:
    """Meta-regression on the moderator columns ``mods`` (``metapool regress``):
    ``coefficients``, ``tau2``, ``qm``, ``qe``, ``r2``, ...; Knapp-Hartung tests with
    ``ci="hksj"``; metafor's ``permutest`` with ``permutation=True``."""
    kind, data = _table(table)
    mods = [m.strip() for m in mods.split(",")] if isinstance(mods, str) else list(mods)
    report = Report(
        _metapool.regress(kind, data, mods, permutation, iterations, seed, exact, **options)
    )
    _issue(report.run_warnings)
    return report


def sensitivity(table: TableLike, *, order: Optional[str] = None, **options: Any) -> Report:
    """Leave-one-out, cumulative meta-analysis (in the order of the column ``order``)
    and influence diagnostics (``metapool sensitivity``)."""
    kind, data = _table(table)
    report = Report(_metapool.sensitivity(kind, data, order, **options))
    _issue(report.run_warnings)
    return report


def _frame(rows: List[Dict[str, Any]], studies: List[str]) -> Any:
    """Rows of a sensitivity analysis as a DataFrame, the study's label beside its
    position (``study``, as in the JSON)."""
    import pandas as pd

    frame = pd.DataFrame([{k: _value(v) for k, v in r.items() if not isinstance(v, (dict, list))} for r in rows])
    if "study" in frame:
        frame.insert(0, "label", [studies[i] for i in frame["study"]])
    return frame


def leave_one_out(table: TableLike, **options: Any) -> Any:
    """metafor's ``leave1out``: one refit per study left out, as a DataFrame (``label``,
    ``study`` its 0-based position, ``estimate``, ``se``, ``ci_lower``, ..., ``tau2``,
    ``i2``)."""
    doc = sensitivity(table, **options).to_dict()
    return _frame(doc["leave_one_out"], doc["studies"])


def influence(table: TableLike, **options: Any) -> Any:
    """metafor's ``influence``: ``rstudent``, ``dffits``, ``cook_d``, ``cov_r``,
    ``tau2_del``, ``q_del``, ``hat``, ``weight`` per study, as a DataFrame."""
    doc = sensitivity(table, **options).to_dict()
    return _frame(doc["influence"], doc["studies"])


def bias(
    table: TableLike, *, estimator: str = "L0", side: Optional[str] = None, **options: Any
) -> Report:
    """The small-study analyses (``metapool bias``): Egger's test, the regression test
    of the model, Begg and Mazumdar's, Peters', Harbord's, and trim and fill
    (``estimator`` L0 or R0; ``side`` left or right, by default from Egger's test)."""
    kind, data = _table(table)
    report = Report(_metapool.bias(kind, data, estimator, side, **options))
    _issue(report.run_warnings)
    return report


def _analysis(report: Report, key: str) -> Record:
    value = report.to_dict()[key]
    if isinstance(value, dict) and set(value) == {"error"}:
        raise ComputeError(f"{key}: {value['error']}")
    return _value(value)


def egger(table: TableLike, **options: Any) -> Record:
    """Egger's regression test (metafor's ``regtest(model = "lm")``): ``statistic``,
    ``df``, ``p_value``, ``limit_estimate``, ``fit``."""
    return _analysis(bias(table, **options), "egger")


def trimfill(
    table: TableLike, *, estimator: str = "L0", side: Optional[str] = None, **options: Any
) -> Record:
    """Trim and fill (metafor's ``trimfill``): ``k0``, ``side``, ``filled``, the fit
    with the filled studies."""
    return _analysis(bias(table, estimator=estimator, side=side, **options), "trim_and_fill")


def audit(figure: str, fit: Fit) -> Audit:
    """Checks a printed figure (``"2.39 (1.10 to 5.23)"``, ``"0.90 [0.61, 1.32]"``)
    against the estimate in use of ``fit`` and its interval, on the natural scale, at the
    printed precision."""
    reproduced, recomputed = fit._result.audit(figure)
    return Audit(figure, reproduced, recomputed)


def revman(path: Union[str, "os.PathLike[str]"], *, reanalyse: Optional[str] = None) -> Report:
    """A Cochrane review (RevMan 5 ``.rm5``, a RevMan Web data package, a RevMan 5
    "Data and analyses" CSV export, or a folder of them) with every printed figure
    checked (``metapool revman``); with ``reanalyse="revman-web"`` (a profile), every
    analysis re-analysed with its methods."""
    report = Report(_metapool.revman(os.fspath(path), reanalyse))
    _issue(report.run_warnings)
    return report


def read_revman(path: Union[str, "os.PathLike[str]"]) -> Report:
    """``revman(path)``: the review's analyses, each with its studies, its recomputed
    result and the check of every printed figure."""
    return revman(path)
