//! The one error type of the crate.
//!
//! Errors about input data carry a [`Location`]: the file (or the name given to an
//! in-memory source), the row and the column. Rows are counted the way a spreadsheet
//! shows them: the header is row 1 and the first study is row 2; blank lines count as
//! rows, and a quoted cell that runs over several lines stays in one row. So the number
//! is the line number of the record in a file without embedded line breaks.
//! Columns are named by their header.
//!
//! # Whose fault, and the exit status
//! [`Error::is_user_error`] says whether the user fixes the error by changing the input
//! or the command line (`metapool` exits with status 2) or whether the machine failed
//! (status 1). Each variant says which it is.

use std::fmt;

/// Where in an input table a problem was found.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Location {
    /// File name, or the label given to an in-memory source.
    pub file: String,
    /// Row as a spreadsheet counts it (header = 1, first data row = 2), if known.
    pub row: Option<usize>,
    /// Column header, if the problem belongs to one column.
    pub column: Option<String>,
    /// True in an XML file (a RevMan 5 review file): `row` is then a line of the file
    /// and `column` the element (with its attribute), `element DICH_DATA, attribute
    /// EVENTS_1`.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub xml: bool,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        let (row, column) = if self.xml {
            ("line", "")
        } else {
            ("row", "column ")
        };
        if let Some(n) = self.row {
            write!(f, ", {row} {n}")?;
        }
        match &self.column {
            Some(c) if self.xml => write!(f, ", {c}")?,
            Some(c) => write!(f, ", {column}'{c}'")?,
            None => {}
        }
        Ok(())
    }
}

/// Every failure the library reports.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The input data is malformed or invalid; the location says where. A user error
    /// (exit status 2).
    #[error("{location}: {message}")]
    Input {
        /// Where the problem is.
        location: Location,
        /// What is wrong and what was expected.
        message: String,
    },
    /// A file could not be opened or read (a missing file, a folder, no permission).
    /// Only reads: output that cannot be written is [`Error::Write`]. A user error
    /// (exit status 2): the user names another file or fixes its permissions.
    #[error("{file}: {source}")]
    Io {
        /// The file that could not be read.
        file: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// Output could not be written (a full disk, a closed pipe, a folder that cannot be
    /// written). [`Error::is_broken_pipe`] tells a reader that went away (`| head`) from
    /// the rest. Not a user error (exit status 1; a closed pipe ends quietly with 0).
    #[error("{file}: cannot write: {source}")]
    Write {
        /// The file written to, or `standard output`.
        file: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A result could not be serialised (JSON). The crate's results cannot make this
    /// happen; it is an internal error (exit status 1), not the input's fault.
    #[error("cannot serialise the output: {0}")]
    Serialize(String),
    /// The machine ran out of a resource the input is entitled to: memory for a table
    /// the size limits allow. Not the input's fault (exit status 1).
    #[error("out of memory: {0}")]
    OutOfMemory(String),
    /// An option or argument is invalid (a level outside (0, 100), a measure that does
    /// not fit the data type, an increment below zero, ...). A user error (exit status
    /// 2).
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// The data are legal but the requested computation has no answer (no study left
    /// after dropping double-zero studies, a variance of zero where one is needed). A
    /// user error (exit status 2): the data or the options must change. Never used for
    /// a failure of the machine or of serialisation.
    #[error("cannot compute: {0}")]
    Degenerate(String),
}

impl Error {
    /// An input error at a file, row and column.
    pub fn input(
        file: impl Into<String>,
        row: Option<usize>,
        column: Option<&str>,
        message: impl Into<String>,
    ) -> Self {
        Error::Input {
            location: Location {
                file: file.into(),
                row,
                column: column.map(str::to_owned),
                xml: false,
            },
            message: message.into(),
        }
    }

    /// An [`Error::Input`] in an XML file: its line and element (`DICH_DATA`, or with
    /// the attribute, `DICH_DATA attribute EVENTS_1`).
    pub fn xml(
        file: impl Into<String>,
        line: Option<usize>,
        element: Option<&str>,
        message: impl Into<String>,
    ) -> Self {
        Error::Input {
            location: Location {
                file: file.into(),
                row: line,
                column: element.map(str::to_owned),
                xml: true,
            },
            message: message.into(),
        }
    }

    /// True for errors a user fixes by changing the input or the command line: bad or
    /// unreadable input, an invalid option, data with no answer (the command line exits
    /// with status 2 for these). False for failures of the machine: output that cannot
    /// be written ([`Error::Write`]), memory that cannot be had ([`Error::OutOfMemory`]);
    /// those exit with status 1, as does a result that cannot be serialised
    /// ([`Error::Serialize`]).
    pub fn is_user_error(&self) -> bool {
        matches!(
            self,
            Error::Input { .. }
                | Error::Io { .. }
                | Error::InvalidArgument(_)
                | Error::Degenerate(_)
        )
    }

    /// True when output went to a reader that closed its end (`metapool ... | head`):
    /// the command line then stops quietly with status 0, as `cat` does.
    pub fn is_broken_pipe(&self) -> bool {
        let Error::Write { source, .. } = self else {
            return false;
        };
        // The CSV writer wraps the error of its output in its own: follow the chain.
        let mut error: Option<&(dyn std::error::Error + 'static)> = Some(source);
        while let Some(e) = error {
            if e.downcast_ref::<std::io::Error>()
                .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            {
                return true;
            }
            // csv's error does not name its cause as `source`.
            if let Some(::csv::ErrorKind::Io(io)) =
                e.downcast_ref::<::csv::Error>().map(|c| c.kind())
            {
                if io.kind() == std::io::ErrorKind::BrokenPipe {
                    return true;
                }
            }
            error = e
                .downcast_ref::<std::io::Error>()
                .and_then(std::io::Error::get_ref)
                .map(|inner| inner as &(dyn std::error::Error + 'static))
                .or_else(|| e.source());
        }
        false
    }

    /// A write error on `file` (`standard output` for stdout). A value that could not
    /// be serialised as JSON while it was written (the JSON writers of
    /// [`crate::report::json`] pass serde_json's error through `std::io::Error`) is
    /// [`Error::Serialize`], not a write error: the output was not at fault.
    pub fn write(file: impl Into<String>, source: std::io::Error) -> Self {
        let serialisation = source
            .get_ref()
            .and_then(|inner| inner.downcast_ref::<serde_json::Error>())
            .filter(|e| !e.is_io())
            .map(ToString::to_string);
        match serialisation {
            Some(message) => Error::Serialize(message),
            None => Error::Write {
                file: file.into(),
                source,
            },
        }
    }
}

/// The crate's result type.
pub type Result<T> = std::result::Result<T, Error>;

/// A number as a message shows it: as Rust writes it (`0.25`, `3`) between 1e-5 and
/// 1e16, in exponent notation beyond (`1e-300`, not three hundred digits).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Shown(pub f64);

impl fmt::Display for Shown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let x = self.0;
        if x.is_finite() && x != 0.0 && !(1e-5..1e16).contains(&x.abs()) {
            write!(f, "{x:e}")
        } else {
            write!(f, "{x}")
        }
    }
}
