//! RevMan Web data packages.

use super::Review;
use crate::error::{Error, Result};
use std::path::Path;

/// Reads the unpacked folder of a data package.
///
/// # Errors
/// [`Error::Input`] naming the file and column.
pub fn read_web_folder(path: &Path) -> Result<Review> {
    Err(Error::input(
        path.display().to_string(),
        None,
        None,
        "not yet read",
    ))
}

/// Reads a data package from the bytes of its zip.
///
/// # Errors
/// [`Error::Input`] naming the file and column.
pub fn read_web_zip_bytes(source: &str, _bytes: &[u8]) -> Result<Review> {
    Err(Error::input(source, None, None, "not yet read"))
}
