//! `metapool batch` reads a file in chunks of whole groups (issue 14): the rows it writes
//! are those of the whole table read at once, for a file of many chunks, bad rows,
//! quoted labels, CRLF line ends and groups that recur.
//!
//! Expected values: the in-memory path (`read_csv_path_by_row` + `batch_by_row`), which
//! the metafor goldens of tests/cli_batch.rs check.

use metapool::analysis::batch::{batch_by_row, batch_chunks, BatchRow};
use metapool::data::{group_runs, read_csv_groups, read_csv_path_by_row, InputLimits};
use metapool::profile::{Overrides, Profile};
use std::fmt::Write as _;

/// A file of `groups` meta-analyses (`analysis,study,yi,vi`), larger than one chunk
/// (4 MiB) when `groups` is about 10⁵: group `g` has 1 + g % 17 studies; some rows are
/// bad (a negative variance, a number that is not one, an empty label), some labels
/// are quoted and hold a comma, a quote or a line break, some lines end in CRLF.
fn table(groups: usize, order: impl Fn(usize) -> usize) -> String {
    table_quoted(groups, order, true)
}

/// [`table`], with quoted labels or without (then every block is plain text, read line
/// by line).
fn table_quoted(groups: usize, order: impl Fn(usize) -> usize, quoted: bool) -> String {
    let mut text = String::from("analysis,study,yi,vi\n");
    for n in 0..groups {
        let g = order(n);
        for s in 0..1 + g % 17 {
            let yi = ((g * 31 + s * 7) % 101) as f64 / 50.0 - 1.0;
            let vi = 0.01 + ((g * 13 + s * 3) % 89) as f64 / 100.0;
            let label = match (g + s) % 97 {
                0 if quoted => format!("\"s{s}, \"\"quoted\"\"\""),
                1 if quoted => format!("\"s{s}\nsecond line\""),
                _ => format!("s{s}"),
            };
            let (yi, vi, label) = match (g * 7 + s) % 1009 {
                0 => (yi.to_string(), "-0.5".to_string(), label),
                1 => ("x".to_string(), vi.to_string(), label),
                2 => (yi.to_string(), vi.to_string(), String::new()),
                _ => (yi.to_string(), vi.to_string(), label),
            };
            let end = if g.is_multiple_of(5) { "\r\n" } else { "\n" };
            let _ = write!(text, "a{g},{label},{yi},{vi}{end}");
        }
    }
    text
}

fn whole(path: &std::path::Path) -> Vec<BatchRow> {
    let checked = read_csv_path_by_row(path).unwrap();
    let (effect, options) =
        Profile::Metafor.resolve(checked.table.data_type(), &Overrides::default());
    batch_by_row(&checked, "analysis", &effect, &options, &|| ()).unwrap()
}

fn chunked(path: &std::path::Path) -> Vec<BatchRow> {
    let mut chunks = read_csv_groups(path, "analysis", &InputLimits::DEFAULT).unwrap();
    let (effect, options) = Profile::Metafor.resolve(chunks.data_type(), &Overrides::default());
    let mut rows = Vec::new();
    let counts = batch_chunks(
        &mut chunks,
        "analysis",
        &effect,
        &options,
        &|| (),
        &mut |piece| {
            rows.extend_from_slice(piece);
            Ok(())
        },
    )
    .unwrap();
    assert_eq!(counts.groups, rows.len());
    rows
}

/// The same rows, compared as the CSV writes them (NaN != NaN).
fn assert_same_rows(got: &[BatchRow], expected: &[BatchRow]) {
    assert_eq!(got.len(), expected.len());
    for (g, e) in got.iter().zip(expected) {
        assert_eq!(
            metapool::report::csv::batch_cells(g),
            metapool::report::csv::batch_cells(e)
        );
    }
}

fn write(name: &str, text: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("metapool-batch-stream-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn chunks_of_whole_groups_give_the_rows_of_the_whole_table() {
    let path = write("consecutive.csv", &table(60_000, |n| n));
    assert!(std::fs::metadata(&path).unwrap().len() > 2 * (4 << 20));
    let runs = group_runs(&path, "analysis", &InputLimits::DEFAULT).unwrap();
    assert!(runs.consecutive && runs.regular, "{runs:?}");
    assert_eq!(runs.groups, 60_000);
    let expected = whole(&path);
    assert_eq!(expected.len(), 60_000);
    assert!(expected.iter().any(|r| r.error.is_some()));
    assert_same_rows(&chunked(&path), &expected);
}

#[test]
fn chunks_of_plain_text_end_with_whole_groups() {
    // No quote: every block is read line by line, and many end on a whole line.
    let path = write("plain.csv", &table_quoted(150_000, |n| n, false));
    assert!(std::fs::metadata(&path).unwrap().len() > 4 * (4 << 20));
    assert_same_rows(&chunked(&path), &whole(&path));
}

#[test]
fn groups_that_recur_are_found_before_any_row_is_written() {
    // Every group twice, far apart: not consecutive.
    let text = table(60_000, |n| n % 30_000);
    let path = write("recurring.csv", &text);
    let runs = group_runs(&path, "analysis", &InputLimits::DEFAULT).unwrap();
    assert!(!runs.consecutive, "{runs:?}");
    assert_eq!(runs.groups, 30_000);
    // The command reads such a file whole: its rows are those of the whole table.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_metapool"))
        .args(["batch", path.to_str().unwrap(), "--group-by", "analysis"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let mut expected = Vec::new();
    metapool::report::csv::write_batch(&mut expected, &whole(&path)).unwrap();
    assert!(
        out.stdout == expected,
        "the output differs from the whole table's"
    );
}

#[test]
fn a_malformed_row_late_in_a_large_file_fails_before_any_output() {
    let mut text = table(60_000, |n| n);
    text.push_str("a_last,s1,0.5\n");
    let path = write("malformed.csv", &text);
    let runs = group_runs(&path, "analysis", &InputLimits::DEFAULT).unwrap();
    assert!(!runs.regular, "{runs:?}");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_metapool"))
        .args(["batch", path.to_str().unwrap(), "--group-by", "analysis"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty(), "rows were written before the error");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("this row has 3 cells but the header has 4"),
        "{stderr}"
    );
}

#[test]
fn a_pipe_is_read_once_and_whole() {
    use std::io::Write;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_metapool"))
        .args(["batch", "/dev/stdin", "--group-by", "grp"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"study,yi,vi,grp\nA,0.1,0.01,g\nB,0.2,0.02,g\nC,0.3,0.03,h\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(stdout.lines().count(), 3, "{stdout}");
    assert!(
        stdout.lines().nth(1).unwrap().starts_with("g,2,GEN,"),
        "{stdout}"
    );
}
