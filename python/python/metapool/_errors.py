"""The exceptions of metapool: one per kind of the library's errors."""

from typing import Optional


class Error(Exception):
    """A failure reported by the metapool library."""


class InputError(Error, ValueError):
    """The input is malformed or invalid, or an option is.

    For an error located in a table, ``file`` names the table (a file, ``"data frame"``
    or the arrays), ``row`` its row as a spreadsheet counts it (the header is row 1, the
    first study row 2, so element ``i`` of an array or position ``i`` of a data frame is
    row ``i + 2``) and ``column`` the column's header; each is ``None`` when unknown.
    """

    def __init__(
        self,
        message: str,
        file: Optional[str] = None,
        row: Optional[int] = None,
        column: Optional[str] = None,
    ) -> None:
        super().__init__(message)
        self.file = file
        self.row = row
        self.column = column


class ComputeError(Error, ValueError):
    """The data are legal but the computation asked for has no answer (no study left
    after dropping double-zero studies, a variance of zero where one is needed)."""


class ReadError(Error, OSError):
    """A file could not be opened or read."""

    def __init__(self, message: str, file: Optional[str] = None) -> None:
        super().__init__(message)
        self.file = file


class MetapoolWarning(UserWarning):
    """A warning about the data or the analysis (the command line's ``warning:`` lines)."""
