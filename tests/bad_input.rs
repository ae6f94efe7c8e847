//! A catalogue of malformed study tables fed to `metapool pool` as a user feeds them:
//! each is written to a file and the binary is run on it.
//!
//! Every bad case must exit with status 2, print nothing on stdout, and print exactly
//! one line on stderr that names the file, the row (header = row 1) and the column
//! where there is one, and says what was expected. Where a forgiving reading is safe
//! (a byte-order mark, CRLF or CR line ends, quoted or padded numbers, blank lines,
//! rows of empty cells) the file must be accepted and give the same result as the
//! plain file.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A scratch directory, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("metapool-bad-input-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("scratch directory");
        Scratch(dir)
    }

    fn file(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, bytes).expect("write the case");
        path
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn pool(path: &Path, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_metapool"))
        .arg("pool")
        .arg(path)
        .args(extra)
        .output()
        .expect("run metapool")
}

/// One malformed input and what the message must say.
struct Bad {
    name: &'static str,
    bytes: Vec<u8>,
    args: &'static [&'static str],
    row: Option<usize>,
    column: Option<&'static str>,
    says: &'static [&'static str],
}

fn bad(
    name: &'static str,
    text: impl Into<Vec<u8>>,
    row: Option<usize>,
    column: Option<&'static str>,
    says: &'static [&'static str],
) -> Bad {
    Bad {
        name,
        bytes: text.into(),
        args: &[],
        row,
        column,
        says,
    }
}

const BIN: &str = "study,events_e,n_e,events_c,n_c\n";
const CONT: &str = "study,mean_e,sd_e,n_e,mean_c,sd_c,n_c\n";
const GEN: &str = "study,yi,vi\n";
const SE: &str = "study,yi,sei\n";
const CI: &str = "study,estimate,ci_lower,ci_upper\n";

/// Words by which a message says what was expected.
const EXPECTATION: &[&str] = &["expected", "must", "needs", "need a"];

/// Checks one failed run; returns a description of what is wrong, if anything.
fn check_failure(case: &Bad, path: &Path, out: &Output) -> Option<String> {
    let stderr = String::from_utf8_lossy(&out.stderr);
    let mut problems = Vec::new();
    if out.status.code() != Some(2) {
        problems.push(format!("exit status {:?}, expected 2", out.status.code()));
    }
    if !out.stdout.is_empty() {
        problems.push(format!("{} bytes on stdout", out.stdout.len()));
    }
    let lines: Vec<&str> = stderr.lines().collect();
    if lines.len() != 1 {
        problems.push(format!("{} lines on stderr", lines.len()));
    }
    let message = lines.first().copied().unwrap_or_default();
    let prefix = format!("metapool: {}", path.display());
    if !message.starts_with(&prefix) {
        problems.push(format!("does not start with '{prefix}'"));
    }
    match case.row {
        Some(row) => {
            let named = [",", ":"]
                .iter()
                .any(|end| message.contains(&format!(", row {row}{end}")));
            if !named {
                problems.push(format!("does not name row {row}"));
            }
        }
        None => {
            if message.contains(", row ") {
                problems.push("names a row".into());
            }
        }
    }
    match case.column {
        Some(column) => {
            if !message.contains(&format!(", column '{column}':")) {
                problems.push(format!("does not name column '{column}'"));
            }
        }
        None => {
            if message.contains(", column '") {
                problems.push("names a column".into());
            }
        }
    }
    for phrase in case.says {
        if !message.contains(phrase) {
            problems.push(format!("does not say '{phrase}'"));
        }
    }
    if !EXPECTATION.iter().any(|w| message.contains(w)) {
        problems.push("does not say what was expected".into());
    }
    if message.len() > 400 {
        problems.push(format!("message of {} bytes", message.len()));
    }
    (!problems.is_empty()).then(|| format!("{}: {} [{message}]", case.name, problems.join("; ")))
}

fn catalogue() -> Vec<Bad> {
    let utf16: Vec<u8> = std::iter::once([0xFF, 0xFE])
        .chain(
            "study,yi,vi\nA,0.1,0.01\n"
                .encode_utf16()
                .map(u16::to_le_bytes),
        )
        .flatten()
        .collect();
    let mut cases = vec![
        // The file as a whole.
        bad("empty file", "", Some(1), None, &["empty file"]),
        bad(
            "only blank lines",
            "\n\r\n\n",
            Some(1),
            None,
            &["empty file"],
        ),
        bad("header only", GEN, None, None, &["no studies"]),
        bad(
            "header and empty rows only",
            format!("{GEN},,\n, ,\n"),
            None,
            None,
            &["no studies"],
        ),
        bad("UTF-16 text", utf16, Some(1), None, &["UTF-16", "UTF-8"]),
        bad(
            "non-UTF-8 bytes in a label",
            b"study,yi,vi\nA,0.1,0.01\n\xff\xfe,0.2,0.02\n".to_vec(),
            Some(3),
            Some("study"),
            &["not valid UTF-8"],
        ),
        bad(
            "Latin-1 byte in a covariate",
            b"study,yi,vi,unit\nA,0.1,0.01,\xb5g\n".to_vec(),
            Some(2),
            Some("unit"),
            &["not valid UTF-8"],
        ),
        bad(
            "non-UTF-8 bytes in the header",
            b"stu\xffdy,yi,vi\nA,0.1,0.01\n".to_vec(),
            Some(1),
            None,
            &["not valid UTF-8"],
        ),
        // The header.
        bad(
            "unrecognisable header",
            "study,a,b\nA,1,2\n",
            Some(1),
            None,
            &["cannot recognise"],
        ),
        bad(
            "missing column n_c",
            "study,events_e,n_e,events_c\nA,1,10,2\n",
            Some(1),
            Some("n_c"),
            &["missing required column", "study,events_e,n_e,events_c,n_c"],
        ),
        bad(
            "missing study column",
            "yi,vi\n0.1,0.01\n",
            Some(1),
            Some("study"),
            &["missing required column"],
        ),
        bad(
            "yi without vi or sei",
            "study,yi\nA,0.1\n",
            Some(1),
            Some("yi"),
            &["'vi'", "'sei'"],
        ),
        bad(
            "two layouts in one header",
            "study,yi,vi,events_e,n_e,events_c,n_c\nA,1,1,1,2,1,2\n",
            Some(1),
            None,
            &["mixes"],
        ),
        bad(
            "duplicate column",
            "study,yi,vi,yi\nA,0.1,0.01,0.2\n",
            Some(1),
            Some("yi"),
            &["duplicate column"],
        ),
        bad(
            "empty column name",
            "study,,yi,vi\nA,x,0.1,0.01\n",
            Some(1),
            None,
            &["header field 2 is empty"],
        ),
        bad(
            "semicolon-delimited (European Excel)",
            "study;yi;vi\nA;0,1;0,01\n",
            Some(1),
            None,
            &["';'", "comma"],
        ),
        bad(
            "tab-delimited",
            "study\tyi\tvi\nA\t0.1\t0.01\n",
            Some(1),
            None,
            &["tab"],
        ),
        // The shape of a row.
        bad(
            "too few cells",
            format!("{GEN}A,0.1,0.01\nB,0.2\n"),
            Some(3),
            None,
            &["2 cells", "header has 3", "'vi'"],
        ),
        bad(
            "too many cells",
            format!("{GEN}A,0.1,0.01,x\n"),
            Some(2),
            None,
            &["4 cells", "header has 3"],
        ),
        bad(
            "unquoted thousands separator",
            format!("{BIN}A,10,1,200,12,1180\n"),
            Some(2),
            None,
            &["6 cells", "1,234"],
        ),
        bad(
            "unquoted decimal comma",
            format!("{GEN}A,0,25,0.01\n"),
            Some(2),
            None,
            &["4 cells", "0,5"],
        ),
        bad(
            "unclosed quote",
            format!("{GEN}A,\"0.1,0.01\nB,0.2,0.02\n"),
            Some(2),
            None,
            &["closing quote"],
        ),
        bad(
            "unclosed quote in the last column",
            format!("{GEN}A,0.1,\"0.01\nB,0.2,0.02\n"),
            Some(2),
            Some("vi"),
            &["closing quote"],
        ),
        bad(
            "empty study label",
            format!("{GEN} ,0.1,0.01\n"),
            Some(2),
            Some("study"),
            &["label is empty"],
        ),
        // Numbers.
        bad(
            "quoted decimal comma",
            format!("{GEN}A,\"0,25\",0.01\n"),
            Some(2),
            Some("yi"),
            &["'0,25' is not a number", "decimal point"],
        ),
        bad(
            "quoted thousands separator",
            format!("{BIN}A,10,\"1,200\",12,1180\n"),
            Some(2),
            Some("n_e"),
            &["'1,200'", "thousands separator"],
        ),
        bad(
            "space as thousands separator",
            format!("{BIN}A,10,1 200,12,1180\n"),
            Some(2),
            Some("n_e"),
            &["'1 200'", "thousands separator"],
        ),
        bad(
            "percent sign",
            format!("{GEN}A,12%,0.01\n"),
            Some(2),
            Some("yi"),
            &["% sign"],
        ),
        bad(
            "NA for a missing value",
            format!("{GEN}A,0.1,NA\n"),
            Some(2),
            Some("vi"),
            &["'NA'", "missing values"],
        ),
        bad(
            "empty cell",
            format!("{CONT}A,10,,20,12,2,20\n"),
            Some(2),
            Some("sd_e"),
            &["missing value"],
        ),
        bad(
            "text for a number",
            format!("{GEN}A,abc,0.01\n"),
            Some(2),
            Some("yi"),
            &["'abc' is not a number"],
        ),
        bad(
            "hexadecimal",
            format!("{GEN}A,0x1A,0.01\n"),
            Some(2),
            Some("yi"),
            &["not a number"],
        ),
        bad(
            "NaN",
            format!("{GEN}A,NaN,0.01\n"),
            Some(2),
            Some("yi"),
            &["not a finite number"],
        ),
        bad(
            "inf",
            format!("{GEN}A,0.1,inf\n"),
            Some(2),
            Some("vi"),
            &["not a finite number"],
        ),
        bad(
            "-Infinity",
            format!("{SE}A,-Infinity,0.1\n"),
            Some(2),
            Some("yi"),
            &["not a finite number"],
        ),
        bad(
            "overflowing exponent",
            format!("{GEN}A,1e400,0.01\n"),
            Some(2),
            Some("yi"),
            &["not a finite number"],
        ),
        bad(
            "estimates whose squares over their variances overflow",
            format!("{GEN}A,0.1,0.01\nB,1e200,0.01\nC,-1e200,0.01\n"),
            Some(3),
            Some("yi"),
            &["too large", "rescale"],
        ),
        // Values that cannot be.
        bad(
            "negative count",
            format!("{BIN}A,4,20,-1,20\n"),
            Some(2),
            Some("events_c"),
            &["0 or more", "-1"],
        ),
        bad(
            "fractional count",
            format!("{BIN}A,2.5,20,1,20\n"),
            Some(2),
            Some("events_e"),
            &["whole number", "2.5"],
        ),
        bad(
            "fractional arm size",
            format!("{BIN}A,2,20,1,20.5\n"),
            Some(2),
            Some("n_c"),
            &["whole number", "20.5"],
        ),
        bad(
            "events above the arm size",
            format!("{BIN}A,4,20,1,20\nB,21,20,3,20\n"),
            Some(3),
            Some("events_e"),
            &["exceed", "0 to 20"],
        ),
        bad(
            "arm size 0",
            format!("{BIN}A,0,0,1,20\n"),
            Some(2),
            Some("n_e"),
            &["at least 1"],
        ),
        bad(
            "negative arm size",
            format!("{CONT}A,10,2,20,12,2,-20\n"),
            Some(2),
            Some("n_c"),
            &["at least 1"],
        ),
        bad(
            "count beyond 2^53",
            format!("{BIN}A,1,1e17,1,20\n"),
            Some(2),
            Some("n_e"),
            &["2^53"],
        ),
        bad(
            "SD of 0",
            format!("{CONT}A,10,2,20,12,0,20\n"),
            Some(2),
            Some("sd_c"),
            &["greater than 0"],
        ),
        bad(
            "negative SD",
            format!("{CONT}A,10,-2,20,12,2,20\n"),
            Some(2),
            Some("sd_e"),
            &["greater than 0"],
        ),
        bad(
            "negative variance",
            format!("{GEN}A,0.1,-0.01\n"),
            Some(2),
            Some("vi"),
            &["0 or more"],
        ),
        bad(
            "negative standard error",
            format!("{SE}A,0.1,-0.1\n"),
            Some(2),
            Some("sei"),
            &["0 or more"],
        ),
        bad(
            "CI above the estimate",
            format!("{CI}A,1.2,1.3,1.9\n"),
            Some(2),
            Some("ci_lower"),
            &["exceeds the estimate", "ci_lower <= estimate <= ci_upper"],
        ),
        bad(
            "CI below the estimate",
            format!("{CI}A,2.2,1.3,1.9\n"),
            Some(2),
            Some("ci_upper"),
            &["below the estimate"],
        ),
        // Row numbers where the file is not one record per line.
        bad(
            "blank line before the bad row",
            format!("{GEN}A,0.1,0.01\n\nB,x,0.02\n"),
            Some(4),
            Some("yi"),
            &["'x'"],
        ),
        bad(
            "CRLF blank lines before the bad row",
            format!("{GEN}A,0.1,0.01\r\n\r\n\r\nB,0.2,-1\r\n"),
            Some(5),
            Some("vi"),
            &["0 or more"],
        ),
        bad(
            "CR line ends (Excel for Mac)",
            "study,yi,vi\rA,0.1,0.01\r\rB,0.2,-1\r",
            Some(4),
            Some("vi"),
            &["0 or more"],
        ),
        bad(
            "quoted line break before the bad row",
            "study,yi,vi,note\nA,0.1,0.01,\"two\nlines\"\nB,x,0.02,\n",
            Some(3),
            Some("yi"),
            &["'x'"],
        ),
    ];
    // Cases that need a measure to be wrong.
    cases.push(Bad {
        args: &["--measure", "RR"],
        ..bad(
            "ratio CI with a limit of 0",
            format!("{CI}A,1.2,0.8,1.9\nB,0.5,0,0.9\n"),
            Some(3),
            Some("ci_lower"),
            &["greater than 0"],
        )
    });
    cases.push(Bad {
        args: &["--measure", "ROM"],
        ..bad(
            "ratio of means with a mean of 0",
            format!("{CONT}A,10,2,20,0,2,20\n"),
            Some(2),
            Some("mean_c"),
            &["non-zero means"],
        )
    });
    // The negative mean is in mean_e: the message names mean_e (it named mean_c).
    cases.push(Bad {
        args: &["--measure", "ROM"],
        ..bad(
            "ratio of means with a negative experimental mean",
            format!(
                "{CONT}A,10,2,20,12,2,20
B,-3,2,20,12,2,20
"
            ),
            Some(3),
            Some("mean_e"),
            &["same sign", "-3"],
        )
    });
    cases.push(Bad {
        args: &["--measure", "ROM"],
        ..bad(
            "ratio of means with a negative control mean",
            format!(
                "{CONT}A,10,2,20,-12,2,20
"
            ),
            Some(2),
            Some("mean_c"),
            &["same sign", "-12"],
        )
    });
    cases
}

#[test]
fn every_malformed_input_exits_2_with_one_located_message() {
    let scratch = Scratch::new("catalogue");
    let cases = catalogue();
    assert!(cases.len() >= 40, "{} cases", cases.len());
    let mut failures = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        let path = scratch.file(&format!("case{i:02}.csv"), &case.bytes);
        let out = pool(&path, case.args);
        if let Some(problem) = check_failure(case, &path, &out) {
            failures.push(problem);
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn a_missing_file_or_a_directory_is_a_user_error_naming_it() {
    let scratch = Scratch::new("missing");
    for path in [scratch.0.join("no-such-file.csv"), scratch.0.clone()] {
        let out = pool(&path, &[]);
        assert_eq!(out.status.code(), Some(2), "{}", path.display());
        assert!(out.stdout.is_empty());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.contains(&path.display().to_string()), "{stderr}");
    }
}

#[test]
fn a_10_mb_cell_or_line_gives_a_short_message() {
    let scratch = Scratch::new("long");
    let big = "x".repeat(10 << 20);
    let cell = scratch.file(
        "cell.csv",
        format!("{GEN}A,0.1,0.01\nB,{big},0.01\n").as_bytes(),
    );
    let line = scratch.file("line.csv", format!("{GEN}A,0.1,0.01\n{big}\n").as_bytes());
    for (path, column, says) in [
        (&cell, Some("yi"), "is not a number"),
        (&line, None, "1 cell but the header has 3"),
    ] {
        let case = Bad {
            name: "10 MB",
            bytes: Vec::new(),
            args: &[],
            row: Some(3),
            column,
            says: &[],
        };
        let out = pool(path, &[]);
        if let Some(problem) = check_failure(&case, path, &out) {
            panic!("{problem}");
        }
        assert!(String::from_utf8_lossy(&out.stderr).contains(says));
    }
}

/// 10^6 rows with the bad one last: the row number must be exact. Measured on this
/// machine (2 cores, the test profile): about 3 s in all to write the 21 MB file and
/// for metapool to reach the last row; pooling a valid 10^6-row table takes 12 to 30 s
/// there, so the bad row is put last rather than pooling a valid one.
#[test]
fn a_million_rows_with_the_bad_one_last() {
    use std::fmt::Write;
    let scratch = Scratch::new("million");
    let mut text = String::with_capacity(22 << 20);
    text.push_str(BIN);
    for i in 0..999_999u32 {
        let _ = writeln!(text, "S{i},{},100,{},100", i % 50, (i * 7) % 50);
    }
    text.push_str("Last,101,100,3,100\n");
    let path = scratch.file("million.csv", text.as_bytes());
    let case = bad(
        "10^6 rows",
        "",
        Some(1_000_001),
        Some("events_e"),
        &["exceed"],
    );
    let out = pool(&path, &[]);
    if let Some(problem) = check_failure(&case, &path, &out) {
        panic!("{problem}");
    }
}

/// JSON output of a run that must succeed.
fn accepted(path: &Path) -> (Vec<u8>, String) {
    let out = pool(path, &["--format", "json"]);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(0), "{}: {stderr}", path.display());
    (out.stdout, stderr)
}

#[test]
fn safe_forgiving_readings_are_accepted_and_change_nothing() {
    let scratch = Scratch::new("forgiving");
    let plain = "study,yi,vi\nA,0.1,0.01\nB,0.3,0.02\nC,-0.2,0.04\n";
    let (expected, _) = accepted(&scratch.file("plain.csv", plain.as_bytes()));
    let variants: &[(&str, &[u8])] = &[
        (
            "UTF-8 byte-order mark",
            b"\xef\xbb\xbfstudy,yi,vi\nA,0.1,0.01\nB,0.3,0.02\nC,-0.2,0.04\n",
        ),
        (
            "CRLF line ends",
            b"study,yi,vi\r\nA,0.1,0.01\r\nB,0.3,0.02\r\nC,-0.2,0.04\r\n",
        ),
        (
            "CR line ends",
            b"study,yi,vi\rA,0.1,0.01\rB,0.3,0.02\rC,-0.2,0.04\r",
        ),
        (
            "no final line end",
            b"study,yi,vi\nA,0.1,0.01\nB,0.3,0.02\nC,-0.2,0.04",
        ),
        (
            "quoted numbers",
            b"study,yi,vi\n\"A\",\"0.1\",\"0.01\"\nB,\"0.3\",0.02\nC,\"-0.2\",\"0.04\"\n",
        ),
        (
            "padded cells and header",
            b" Study , YI ,vi \n A , 0.1 ,0.01\nB,\t0.3,0.02 \nC,-0.2,0.04\n",
        ),
        (
            "number forms Rust and R both read",
            b"study,yi,vi\nA,+0.1,1e-2\nB,.3,0.020\nC,-2E-1,4e-2\n",
        ),
        (
            "blank lines and empty rows",
            b"\nstudy,yi,vi\n\nA,0.1,0.01\nB,0.3,0.02\n,,\nC,-0.2,0.04\n\n,,\n",
        ),
    ];
    for (i, (name, bytes)) in variants.iter().enumerate() {
        let (got, stderr) = accepted(&scratch.file(&format!("v{i}.csv"), bytes));
        assert_eq!(
            String::from_utf8_lossy(&got),
            String::from_utf8_lossy(&expected),
            "{name}"
        );
        assert!(stderr.is_empty(), "{name}: {stderr}");
    }
}

#[test]
fn duplicate_labels_are_allowed_and_warned_about_on_stderr() {
    let scratch = Scratch::new("duplicates");
    let path = scratch.file(
        "dup.csv",
        b"study,yi,vi\nSmith 2001,0.1,0.01\nJones 2003,0.3,0.02\nSmith 2001,0.2,0.03\n",
    );
    let (stdout, stderr) = accepted(&path);
    assert!(!stdout.is_empty());
    let warning = format!(
        "warning: {}, row 4, column 'study': study label 'Smith 2001' repeats row 2",
        path.display()
    );
    assert!(stderr.lines().any(|l| l == warning), "{stderr}");
}

#[test]
fn many_duplicate_labels_give_ten_warnings_and_a_count() {
    let scratch = Scratch::new("many-duplicates");
    let mut text = String::from(GEN);
    for i in 0..200 {
        text += &format!("Same,{},0.01\n", f64::from(i) / 100.0);
    }
    let (_, stderr) = accepted(&scratch.file("dup.csv", text.as_bytes()));
    let repeats: Vec<&str> = stderr.lines().filter(|l| l.contains("repeat")).collect();
    assert_eq!(repeats.len(), 11, "{stderr}");
    assert!(
        repeats[10].contains("189 more study labels repeat earlier rows"),
        "{stderr}"
    );
}
