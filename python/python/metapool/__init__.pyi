"""Type stubs of metapool (the names editors complete)."""

import os
from typing import Any, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np
import numpy.typing as npt

from ._errors import ComputeError as ComputeError
from ._errors import Error as Error
from ._errors import InputError as InputError
from ._errors import MetapoolWarning as MetapoolWarning
from ._errors import ReadError as ReadError

__version__: str
BATCH_COLUMNS: List[str]

ArrayLike = Union[npt.ArrayLike, Sequence[float]]
PathLike = Union[str, os.PathLike[str]]
TableLike = Union[PathLike, Any, Mapping[str, Sequence[Any]]]
Level = Union[float, str]

class Record:
    def __getattr__(self, name: str) -> Any: ...
    def __getitem__(self, name: str) -> Any: ...
    def __contains__(self, name: str) -> bool: ...
    def keys(self) -> List[str]: ...
    def to_dict(self) -> Dict[str, Any]: ...

class FixedFit(Record):
    method: str
    estimate: float
    se: float
    ci_lower: float
    ci_upper: float
    z: float
    df: Optional[float]
    p_value: float

class RandomFit(Record):
    tau2_method: str
    ci_method: str
    tau2: float
    estimate: float
    se: float
    ci_lower: float
    ci_upper: float
    statistic: float
    df: Optional[float]
    p_value: float
    pi_lower: float
    pi_upper: float
    convergence: Record

class Heterogeneity(Record):
    q: float
    df: float
    p_value: float
    i2_q: float
    i2_tau2: float
    h2: float
    tau2: float
    tau: float
    tau2_ci_lower: Optional[float]
    tau2_ci_upper: Optional[float]
    i2_ci_lower: Optional[float]
    i2_ci_upper: Optional[float]
    h2_ci_lower: Optional[float]
    h2_ci_upper: Optional[float]
    typical_variance: float

class Fit:
    estimate: float
    se: float
    ci_lower: float
    ci_upper: float
    statistic: float
    p_value: float
    measure: str
    k: int
    k_all: int
    level: float
    run_warnings: List[str]
    @property
    def natural(self) -> Tuple[float, float, float]: ...
    @property
    def fixed(self) -> FixedFit: ...
    @property
    def random(self) -> Optional[RandomFit]: ...
    @property
    def heterogeneity(self) -> Heterogeneity: ...
    @property
    def tau2(self) -> float: ...
    @property
    def options(self) -> Record: ...
    @property
    def excluded(self) -> List[Record]: ...
    @property
    def warnings(self) -> List[str]: ...
    @property
    def subgroups(self) -> Optional[Record]: ...
    def studies(self) -> Dict[str, Any]: ...
    def to_dict(self) -> Dict[str, Any]: ...
    def to_json(self) -> str: ...
    def to_csv(self) -> str: ...

class Report:
    run_warnings: List[str]
    def __getattr__(self, name: str) -> Any: ...
    def to_dict(self) -> Any: ...
    def to_json(self) -> str: ...

class Effects:
    study: List[str]
    index: npt.NDArray[np.int64]
    yi: npt.NDArray[np.float64]
    vi: npt.NDArray[np.float64]
    measure: str
    excluded: List[Record]
    run_warnings: List[str]
    def __iter__(self) -> Iterator[npt.NDArray[np.float64]]: ...
    def to_frame(self) -> Any: ...
    def to_csv(self) -> str: ...

class Audit:
    figure: str
    reproduced: bool
    recomputed: str
    def __bool__(self) -> bool: ...
    def to_dict(self) -> Dict[str, Any]: ...

# The options of every analysis, with the command line's names and spellings.
# profile: "metafor" | "revman5" | "revman-web"; measure: "RR" | "OR" | "RD" | "PETO" |
# "MD" | "SMD" | "ROM" | "GEN"; fixed: "iv" | "mh" | "peto"; tau2: "DL" | "REML" | "ML" |
# "PM" | "EB" | "SJ" | "HE" | "HS" | None; ci: "z" | "t" | "hksj" | "hksj-adhoc";
# pi: "ci" | "hts"; i2_ci: "qprofile" | "ht"; to: "only0" | "all" | "if0all" | "none";
# drop00: "keep" | "drop" | "ratios"; smd: "exact" | "revman5"; rd_variance: "sgr" |
# "gr"; mh_cells: "observed" | "incremented"; studies: "all" | "none".

def pool(
    yi: ArrayLike,
    vi: Optional[ArrayLike] = ...,
    *,
    sei: Optional[ArrayLike] = ...,
    study: Optional[Sequence[Any]] = ...,
    profile: str = ...,
    measure: str = ...,
    tau2: Optional[str] = ...,
    ci: str = ...,
    pi: str = ...,
    i2_ci: str = ...,
    level: Level = ...,
    studies: str = ...,
) -> Fit: ...
def pool_2x2(
    events_e: ArrayLike,
    n_e: ArrayLike,
    events_c: ArrayLike,
    n_c: ArrayLike,
    *,
    study: Optional[Sequence[Any]] = ...,
    profile: str = ...,
    measure: str = ...,
    fixed: str = ...,
    tau2: Optional[str] = ...,
    ci: str = ...,
    pi: str = ...,
    i2_ci: str = ...,
    level: Level = ...,
    add: float = ...,
    to: str = ...,
    drop00: str = ...,
    rd_variance: str = ...,
    mh_cells: str = ...,
    studies: str = ...,
) -> Fit: ...
def pool_continuous(
    mean_e: ArrayLike,
    sd_e: ArrayLike,
    n_e: ArrayLike,
    mean_c: ArrayLike,
    sd_c: ArrayLike,
    n_c: ArrayLike,
    *,
    study: Optional[Sequence[Any]] = ...,
    profile: str = ...,
    measure: str = ...,
    tau2: Optional[str] = ...,
    ci: str = ...,
    pi: str = ...,
    i2_ci: str = ...,
    level: Level = ...,
    smd: str = ...,
    studies: str = ...,
) -> Fit: ...
def pool_generic(
    estimate: ArrayLike,
    ci_lower: ArrayLike,
    ci_upper: ArrayLike,
    *,
    study: Optional[Sequence[Any]] = ...,
    profile: str = ...,
    measure: str = ...,
    tau2: Optional[str] = ...,
    ci: str = ...,
    pi: str = ...,
    i2_ci: str = ...,
    level: Level = ...,
    input_level: Level = ...,
    studies: str = ...,
) -> Fit: ...
def pool_table(table: TableLike, *, subgroup: Optional[str] = ..., **options: Any) -> Fit: ...
def subgroups(table: TableLike, column: str = ..., **options: Any) -> Fit: ...
def read_csv(path: PathLike) -> Any: ...
def effects(table: Optional[TableLike] = ..., **columns_and_options: Any) -> Effects: ...
def batch(table: TableLike, group_by: str = ..., **options: Any) -> Any: ...
def regress(
    table: TableLike,
    mods: Union[str, Sequence[str]],
    *,
    permutation: bool = ...,
    iterations: int = ...,
    seed: int = ...,
    exact: bool = ...,
    **options: Any,
) -> Report: ...
def sensitivity(table: TableLike, *, order: Optional[str] = ..., **options: Any) -> Report: ...
def leave_one_out(table: TableLike, **options: Any) -> Any: ...
def influence(table: TableLike, **options: Any) -> Any: ...
def bias(
    table: TableLike, *, estimator: str = ..., side: Optional[str] = ..., **options: Any
) -> Report: ...
def egger(table: TableLike, **options: Any) -> Record: ...
def trimfill(
    table: TableLike, *, estimator: str = ..., side: Optional[str] = ..., **options: Any
) -> Record: ...
def audit(figure: str, fit: Fit) -> Audit: ...
def revman(path: PathLike, *, reanalyse: Optional[str] = ...) -> Report: ...
def read_revman(path: PathLike) -> Report: ...
