//! Reading an input file into memory within limits on its size and its line length.
//!
//! Every file metapool reads (a study table, a claims registry and its inputs, a RevMan
//! export) goes through [`read_bounded`] (whole) or the same checks piece by piece (a
//! study table, read in blocks), so that a file that is not a table at all
//! (`/dev/zero`, a disk image, a spreadsheet's binary) is refused at its first bytes
//! and a file too large for the machine is refused before it is read:
//!
//! - a NUL byte (0x00) ends the reading: CSV and text files never hold one, binary
//!   files and UTF-16 text do (a UTF-16 byte-order mark is named as such);
//! - a file larger than [`InputLimits::max_bytes`] (default 1 GiB: a table of 3 × 10⁷
//!   generic studies) is refused, from its size when the file system knows it, else as
//!   soon as that many bytes have been read;
//! - a line longer than [`InputLimits::max_line_bytes`] (default 16 MiB: a header of a
//!   million columns) is refused as soon as it has been read that far.
//!
//! The messages name the file, the row (line) and the limit, and how to raise it
//! (`--max-input-size`, `--max-line-length` on the command line).

use crate::error::{Error, Result};
use std::io::Read;

/// Limits on the files metapool reads. With the `cli` feature, the command line's
/// `--max-input-size` and `--max-line-length` (sizes as [`parse_size`] reads them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
#[non_exhaustive]
pub struct InputLimits {
    /// Largest input file read: bytes, or with K, M, G (powers of 1024).
    #[cfg_attr(
        feature = "cli",
        arg(long = "max-input-size", value_name = "SIZE", value_parser = parse_size, default_value = "1G")
    )]
    pub max_bytes: u64,
    /// Longest line of an input file (without its line end): bytes, or with K, M, G.
    #[cfg_attr(
        feature = "cli",
        arg(long = "max-line-length", value_name = "SIZE", value_parser = parse_size, default_value = "16M")
    )]
    pub max_line_bytes: u64,
}

/// A size in bytes as a user writes it: a whole number, optionally followed by K, M, G
/// or T (KiB, MiB, GiB, TiB; `KB`, `KiB` and any case also read).
///
/// # Errors
/// A text that is not such a size, or a size beyond 2⁶⁴ − 1 bytes.
pub fn parse_size(text: &str) -> std::result::Result<u64, String> {
    let t = text.trim();
    let (digits, unit) = match t.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => t.split_at(i),
        None => (t, ""),
    };
    let expected = || format!("'{t}': expected a size such as 2G, 512M or 1000000");
    let scale: u64 = match unit.trim().to_ascii_uppercase().as_str() {
        "" | "B" => 1,
        "K" | "KB" | "KIB" => 1 << 10,
        "M" | "MB" | "MIB" => 1 << 20,
        "G" | "GB" | "GIB" => 1 << 30,
        "T" | "TB" | "TIB" => 1 << 40,
        _ => return Err(expected()),
    };
    digits
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(scale))
        .ok_or_else(expected)
}

impl InputLimits {
    /// The default limits: 1 GiB per file, 16 MiB per line.
    pub const DEFAULT: InputLimits = InputLimits {
        max_bytes: 1 << 30,
        max_line_bytes: 16 << 20,
    };

    /// Limits of `max_bytes` per file and `max_line_bytes` per line.
    pub fn new(max_bytes: u64, max_line_bytes: u64) -> Self {
        InputLimits {
            max_bytes,
            max_line_bytes,
        }
    }
}

impl Default for InputLimits {
    fn default() -> Self {
        InputLimits::DEFAULT
    }
}

/// A size as a message shows it: `1 GiB (1073741824 bytes)`.
fn size(bytes: u64) -> String {
    const UNITS: [(&str, u64); 3] = [("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)];
    for (unit, scale) in UNITS {
        if bytes >= scale && bytes.is_multiple_of(scale) {
            return format!("{} {unit} ({bytes} bytes)", bytes / scale);
        }
    }
    format!("{bytes} bytes")
}

/// The message of a UTF-16 file.
pub(crate) const UTF16: &str =
    "the file is UTF-16 text; expected UTF-8: save it as 'CSV UTF-8 (comma delimited)'";

/// Reads `reader` to its end within `limits`; `name` names it in messages and `known`
/// is its size when the file system knows it.
///
/// # Errors
/// [`Error::Input`] for a NUL byte, a file beyond `limits.max_bytes` or a line beyond
/// `limits.max_line_bytes` (with the row); [`Error::Io`] when reading fails;
/// [`Error::OutOfMemory`] when the memory for a file within the limits cannot be had.
pub fn read_bounded(
    name: &str,
    reader: impl Read,
    known: Option<u64>,
    limits: &InputLimits,
) -> Result<Vec<u8>> {
    let mut input = Bounded::new(name, reader, known, limits)?;
    let mut bytes = buffer_for(name, known, limits)?;
    while input.fill(&mut bytes, CHUNK)? > 0 {}
    Ok(bytes)
}

/// The bytes asked of the reader at a time.
const CHUNK: usize = 1 << 20;

/// An empty buffer with room for a file of `known` bytes (at most the limit).
///
/// # Errors
/// [`Error::OutOfMemory`] when that memory cannot be had.
fn buffer_for(name: &str, known: Option<u64>, limits: &InputLimits) -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    let reserve = known.unwrap_or(0).min(limits.max_bytes) as usize;
    bytes.try_reserve_exact(reserve).map_err(|_| {
        Error::OutOfMemory(format!(
            "{name}: {} for the file's bytes",
            size(reserve as u64)
        ))
    })?;
    Ok(bytes)
}

/// A reader whose bytes are checked as they arrive, within [`InputLimits`]: the
/// reading of [`read_bounded`], piece by piece, so that a file can be read in blocks
/// (`metapool batch` streams its input) with the same checks and the same messages.
pub(crate) struct Bounded<R> {
    name: String,
    reader: R,
    limits: InputLimits,
    /// Bytes read so far.
    read: u64,
    /// Length of the line the bytes read so far end in.
    line: u64,
    /// Line ends before the last byte read (LF, CRLF and lone CR each once; a CR at
    /// the very end is not counted until the next byte says whether an LF follows).
    rows_done: usize,
    /// The last byte read was a CR.
    last_cr: bool,
}

impl<R: Read> Bounded<R> {
    /// A reader of `name` (its size `known` when the file system knows it).
    ///
    /// # Errors
    /// [`Error::Input`] when the known size is beyond the limit.
    pub(crate) fn new(
        name: &str,
        reader: R,
        known: Option<u64>,
        limits: &InputLimits,
    ) -> Result<Self> {
        let input = Bounded {
            name: name.to_owned(),
            reader,
            limits: *limits,
            read: 0,
            line: 0,
            rows_done: 0,
            last_cr: false,
        };
        if known.is_some_and(|n| n > limits.max_bytes) {
            return Err(input.too_large());
        }
        Ok(input)
    }

    fn too_large(&self) -> Error {
        Error::input(
            &self.name,
            None,
            None,
            format!(
                "the file is larger than the input limit of {}; raise it with \
                 --max-input-size if the file is really a table",
                size(self.limits.max_bytes)
            ),
        )
    }

    /// The row of byte `at` of `new`, the bytes read after those already counted.
    fn row_in(&self, new: &[u8], at: usize) -> usize {
        let head = &new[..at.min(new.len())];
        // A CR that ended the bytes before is a line end of its own unless an LF follows
        // (CRLF is counted at its LF).
        let pending_cr = usize::from(self.last_cr && head.first() != Some(&b'\n'));
        self.rows_done + pending_cr + row_of(head, head.len())
    }

    /// Appends the next bytes of the input to `buf`, up to `want` of them (fewer only at
    /// its end), checking them as [`read_bounded`] does; returns how many (0 at the end).
    ///
    /// # Errors
    /// As [`read_bounded`].
    pub(crate) fn fill(&mut self, buf: &mut Vec<u8>, want: usize) -> Result<usize> {
        let begin = buf.len();
        while buf.len() - begin < want {
            let start = buf.len();
            let room = want - (start - begin);
            buf.try_reserve(room).map_err(|_| {
                Error::OutOfMemory(format!("{}: {} read", self.name, size(self.read)))
            })?;
            buf.resize(start + room, 0);
            let n = loop {
                match self.reader.read(&mut buf[start..]) {
                    Ok(n) => break n,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(source) => {
                        buf.truncate(start);
                        return Err(Error::Io {
                            file: self.name.clone(),
                            source,
                        });
                    }
                }
            };
            buf.truncate(start + n);
            if n == 0 {
                break;
            }
            self.check(&buf[start..])?;
        }
        Ok(buf.len() - begin)
    }

    /// Checks the bytes `new`, read after all those checked before.
    fn check(&mut self, new: &[u8]) -> Result<()> {
        if self.read == 0 && (new.starts_with(&[0xFF, 0xFE]) || new.starts_with(&[0xFE, 0xFF])) {
            return Err(Error::input(&self.name, Some(1), None, UTF16));
        }
        if let Some(at) = memchr::memchr(0, new) {
            return Err(Error::input(
                &self.name,
                Some(self.row_in(new, at)),
                None,
                format!(
                    "byte {} is a NUL byte (0x00): this is not a text file (a spreadsheet \
                     saved in its own format, UTF-16 text or binary data?); expected CSV \
                     text in UTF-8",
                    self.read + at as u64 + 1
                ),
            ));
        }
        if self.read + new.len() as u64 > self.limits.max_bytes {
            return Err(self.too_large());
        }
        if self.line + new.len() as u64 <= self.limits.max_line_bytes
            && !self.last_cr
            && memchr::memchr(b'\r', new).is_none()
        {
            // No line of these bytes can be too long, and every line end is an LF: they
            // are counted as such (the loop below does the same, byte by byte).
            self.rows_done += memchr::memchr_iter(b'\n', new).count();
            self.line = match memchr::memrchr(b'\n', new) {
                Some(i) => (new.len() - i - 1) as u64,
                None => self.line + new.len() as u64,
            };
            self.read += new.len() as u64;
            return Ok(());
        }
        // One pass over the bytes: the length of each line, and the line ends (an LF;
        // a CR not followed by an LF, counted at the byte after it).
        let mut line_ends = 0usize;
        let mut after_cr = self.last_cr;
        let mut line_start = 0;
        for (i, &b) in new.iter().enumerate() {
            line_ends += usize::from(b == b'\n' || after_cr);
            after_cr = b == b'\r';
            if b == b'\n' || b == b'\r' {
                self.line = 0;
                line_start = i + 1;
            } else {
                self.line += 1;
                if self.line > self.limits.max_line_bytes {
                    return Err(Error::input(
                        &self.name,
                        Some(self.row_in(new, line_start)),
                        None,
                        format!(
                            "a line longer than the limit of {}; expected CSV text with one \
                             record a line (raise the limit with --max-line-length if the \
                             line is really a record)",
                            size(self.limits.max_line_bytes)
                        ),
                    ));
                }
            }
        }
        self.rows_done += line_ends;
        self.last_cr = after_cr;
        self.read += new.len() as u64;
        Ok(())
    }
}

/// Reads the file `path` within `limits` (its name, as given, names it in messages).
///
/// # Errors
/// [`Error::Io`] when it cannot be opened or read; as [`read_bounded`].
pub fn read_path(path: &std::path::Path, limits: &InputLimits) -> Result<Vec<u8>> {
    let (name, file, size) = open_path(path)?;
    read_bounded(&name, file, size, limits)
}

/// Reads `reader` to its end within `limits.max_bytes` only, without the checks of text
/// (NUL bytes, line lengths): binary input such as a zip archive. `name` names it in
/// messages and `known` is its size when the file system knows it.
///
/// # Errors
/// [`Error::Input`] for input beyond `limits.max_bytes`; [`Error::Io`] when reading fails;
/// [`Error::OutOfMemory`] when the memory for input within the limits cannot be had.
pub(crate) fn read_bounded_binary(
    name: &str,
    reader: impl Read,
    known: Option<u64>,
    limits: &InputLimits,
) -> Result<Vec<u8>> {
    let too_large = || {
        Error::input(
            name,
            None,
            None,
            format!(
                "the file is larger than the input limit of {}; raise it with \
                 --max-input-size if the file is really that large",
                size(limits.max_bytes)
            ),
        )
    };
    if known.is_some_and(|n| n > limits.max_bytes) {
        return Err(too_large());
    }
    let mut bytes = buffer_for(name, known, limits)?;
    reader
        .take(limits.max_bytes.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|source| Error::Io {
            file: name.to_owned(),
            source,
        })?;
    if bytes.len() as u64 > limits.max_bytes {
        return Err(too_large());
    }
    Ok(bytes)
}

/// The file `path` opened, with its name for messages and its size when it is a
/// regular file.
///
/// # Errors
/// [`Error::Io`] when it cannot be opened.
pub(crate) fn open_path(path: &std::path::Path) -> Result<(String, std::fs::File, Option<u64>)> {
    let name = path.display().to_string();
    let file = std::fs::File::open(path).map_err(|source| Error::Io {
        file: name.clone(),
        source,
    })?;
    let size = file
        .metadata()
        .ok()
        .filter(|m| m.is_file())
        .map(|m| m.len());
    Ok((name, file, size))
}

/// The row (line, from 1) of byte `at`, counting LF, CRLF and CR line ends.
fn row_of(bytes: &[u8], at: usize) -> usize {
    let head = &bytes[..at.min(bytes.len())];
    let lf = head.iter().filter(|&&b| b == b'\n').count();
    let lone_cr = head
        .windows(2)
        .filter(|w| w[0] == b'\r' && w[1] != b'\n')
        .count()
        + usize::from(head.last() == Some(&b'\r'));
    lf + lone_cr + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(bytes: &[u8], limits: &InputLimits) -> Result<Vec<u8>> {
        read_bounded("t.csv", bytes, None, limits)
    }

    #[test]
    fn a_nul_byte_is_refused_with_its_row() {
        let e = read(b"study,yi,vi\nA,1,\x001\n", &InputLimits::DEFAULT).unwrap_err();
        let text = e.to_string();
        assert!(
            text.starts_with("t.csv, row 2: byte 17 is a NUL byte"),
            "{text}"
        );
    }

    #[test]
    fn limits_on_size_and_line_are_named() {
        let limits = InputLimits::new(20, 8);
        let e = read(b"study,yi\nA,1\nB,2\nC,3\nD,4\n", &limits).unwrap_err();
        assert!(e.to_string().contains("input limit of 20 bytes"), "{e}");
        let e = read(b"study,yi\nA,1\nB,123456789\n", &InputLimits::new(100, 8)).unwrap_err();
        assert!(
            e.to_string().starts_with("t.csv, row 3: a line longer"),
            "{e}"
        );
        // A line of exactly the limit is fine, with every line end.
        for text in [
            &b"12345678\n12345678"[..],
            b"12345678\r12345678",
            b"1234\r\n5678",
        ] {
            assert_eq!(read(text, &InputLimits::new(100, 8)).unwrap(), text);
        }
        assert!(read(b"12345678\r\n123456789", &InputLimits::new(100, 8)).is_err());
    }

    #[test]
    fn a_known_size_above_the_limit_is_refused_before_reading() {
        let e = read_bounded("big", &b""[..], Some(2 << 30), &InputLimits::DEFAULT).unwrap_err();
        assert!(e.to_string().contains("1 GiB (1073741824 bytes)"), "{e}");
    }

    #[test]
    fn pieces_of_any_size_are_checked_as_the_whole_input() {
        let limits = InputLimits::new(1000, 6);
        let texts: [&[u8]; 6] = [
            b"ab\r\ncd\r\x00",
            b"ab\rcd\r\n\r\x00e",
            b"a\n\n\r\r\n\x00",
            b"12\r\n1234567\n",
            b"123\r1234\r\n123456\r1234567",
            b"ok\r\nfine\rend\n",
        ];
        for text in texts {
            let whole = format!("{:?}", read(text, &limits).map_err(|e| e.to_string()));
            for want in 1..=text.len() + 1 {
                let mut input = Bounded::new("t.csv", text, None, &limits).unwrap();
                let mut bytes = Vec::new();
                let read = loop {
                    match input.fill(&mut bytes, want) {
                        Ok(0) => break Ok(bytes),
                        Ok(_) => {}
                        Err(e) => break Err(e.to_string()),
                    }
                };
                assert_eq!(format!("{read:?}"), whole, "{text:?} by {want}");
            }
        }
    }

    #[test]
    fn lines_longer_than_a_chunk_are_measured_across_chunks() {
        let mut text = vec![b'x'; 3 << 20];
        text.push(b'\n');
        assert!(read(&text, &InputLimits::new(1 << 30, 4 << 20)).is_ok());
        assert!(read(&text, &InputLimits::new(1 << 30, 2 << 20)).is_err());
    }
}
