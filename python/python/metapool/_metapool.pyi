"""Type stubs of the extension module (called by metapool's wrappers)."""

from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np
import numpy.typing as npt

__version__: str

class PoolResult:
    measure: str
    k: int
    k_all: int
    level: float
    pooled: Tuple[float, float, float, float, float, float]
    natural: Tuple[float, float, float]
    def text(self) -> str: ...
    def json(self) -> str: ...
    def csv(self) -> str: ...
    def part(self, name: str) -> str: ...
    def studies(self) -> Dict[str, Any]: ...
    def audit(self, figure: str) -> Tuple[bool, str]: ...

class Document:
    text: str
    json: str
    warnings: List[str]

EffectColumns = Tuple[
    List[str], npt.NDArray[np.int64], npt.NDArray[np.float64], npt.NDArray[np.float64],
    str, str, str, List[str],
]

def pool_arrays(
    layout: str, columns: Sequence[npt.NDArray[np.float64]], study: Optional[List[str]] = ..., **options: Any
) -> Tuple[PoolResult, List[str]]: ...
def pool_table(
    kind: str, table: str, subgroup: Optional[str] = ..., **options: Any
) -> Tuple[PoolResult, List[str]]: ...
def effects_arrays(
    layout: str, columns: Sequence[npt.NDArray[np.float64]], study: Optional[List[str]] = ..., **options: Any
) -> EffectColumns: ...
def effects_table(kind: str, table: str, **options: Any) -> EffectColumns: ...
def batch(kind: str, table: str, group_by: str, **options: Any) -> Tuple[Dict[str, Any], List[str]]: ...
def regress(
    kind: str, table: str, mods: List[str], permutation: bool = ..., iterations: int = ...,
    seed: int = ..., exact: bool = ..., **options: Any,
) -> Document: ...
def sensitivity(kind: str, table: str, order: Optional[str] = ..., **options: Any) -> Document: ...
def bias(kind: str, table: str, estimator: str = ..., side: Optional[str] = ..., **options: Any) -> Document: ...
def revman(path: str, reanalyse: Optional[str] = ...) -> Document: ...
