//! Hostile and broken input to the table commands, as a user (or an attacker) gives it:
//! outputs that cannot be written, files that are not tables or are too large, plots
//! written over their input or by two runs at once, labels that break CSV, intervals
//! printed at another level, subgroups that cannot be pooled. Each case is run through
//! the binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn metapool() -> Command {
    Command::new(env!("CARGO_BIN_EXE_metapool"))
}

fn run(args: &[&str]) -> Output {
    metapool().args(args).output().expect("run metapool")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Asserts that a run was refused as bad input: exit status 2, nothing on stdout, and a
/// message on stderr that says `says`.
#[track_caller]
fn refused(out: &Output, says: &str) {
    let text = stderr(out);
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(
        out.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(text.contains(says), "expected '{says}' in: {text}");
}

/// A scratch directory, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("metapool-hostile-{}-{name}", std::process::id()));
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

fn s(p: &Path) -> &str {
    p.to_str().expect("path")
}

/// A generic table of `k` studies (deterministic values).
fn generic_table(k: usize) -> String {
    let mut text = String::from("study,yi,vi\n");
    for i in 0..k {
        let yi = ((i * 7919) % 1000) as f64 / 1000.0 - 0.5;
        let vi = 0.01 + ((i * 104729) % 100) as f64 / 1000.0;
        text += &format!("s{i},{yi},{vi}\n");
    }
    text
}

/// `| head -1`: the reader closes its end; metapool stops quietly with status 0.
#[test]
fn a_closed_pipe_ends_quietly_with_status_0() {
    let dir = Scratch::new("pipe");
    let table = dir.file("big.csv", generic_table(5000).as_bytes());
    for format in ["text", "csv", "json"] {
        let mut child = metapool()
            .args(["pool", s(&table), "--tau2", "DL", "--format", format])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        // Read one line, then close the pipe: the output (over 64 KiB, more than a
        // pipe holds) is still being written.
        let mut stdout = child.stdout.take().expect("stdout");
        let mut first = [0u8; 16];
        let _ = std::io::Read::read(&mut stdout, &mut first);
        drop(stdout);
        let out = child.wait_with_output().expect("wait");
        assert_eq!(out.status.code(), Some(0), "{format}: {}", stderr(&out));
        assert!(
            !stderr(&out).contains("panicked"),
            "{format}: {}",
            stderr(&out)
        );
    }
}

/// `> /dev/full`: a write error, exit status 1 (not a user error), one message.
#[cfg(target_os = "linux")]
#[test]
fn a_full_disk_is_an_error_with_status_1() {
    for format in ["text", "csv", "json"] {
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .expect("/dev/full");
        let out = metapool()
            .args(["pool", "tests/golden/inputs/bcg.csv", "--format", format])
            .stdout(full)
            .output()
            .expect("run");
        let text = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{format}: {text}");
        assert!(
            text.starts_with("metapool: standard output: cannot write:"),
            "{text}"
        );
        assert!(!text.contains("panicked"), "{text}");
    }
}

/// A closed stderr does not turn warnings into a panic.
#[cfg(unix)]
#[test]
fn a_closed_stderr_is_not_a_panic() {
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "{} pool tests/golden/inputs/bcg.csv --measure OR --tau2 DL --add 0.5 --to all 2>&-",
            env!("CARGO_BIN_EXE_metapool")
        ))
        .output()
        .expect("sh");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

/// `/dev/zero` (or any binary file) is refused at its first bytes, not read until
/// memory is gone.
#[cfg(unix)]
#[test]
fn a_device_or_binary_file_is_refused_at_its_first_bytes() {
    let out = run(&["pool", "/dev/zero"]);
    refused(&out, "/dev/zero, row 1: byte 1 is a NUL byte");
    let dir = Scratch::new("binary");
    let file = dir.file("t.csv", b"study,yi,vi\nA,0.1,0.01\nB,0.2\x00,0.01\n");
    let out = run(&["pool", s(&file)]);
    refused(&out, "row 3: byte 29 is a NUL byte");
}

/// Limits on file size and line length, named in the message and overridable.
#[test]
fn size_and_line_limits_are_named_and_can_be_raised() {
    let dir = Scratch::new("limits");
    let table = dir.file("t.csv", generic_table(100).as_bytes());
    let out = run(&["pool", s(&table), "--max-input-size", "1K"]);
    refused(&out, "larger than the input limit of 1 KiB (1024 bytes)");
    refused(&out, "--max-input-size");
    assert_eq!(
        run(&["pool", s(&table), "--max-input-size", "1M"])
            .status
            .code(),
        Some(0)
    );
    let long = format!("study,yi,vi\nA,0.1,0.01\nB,0.2,0.01{}\n", " ".repeat(200));
    let file = dir.file("long.csv", long.as_bytes());
    let out = run(&["pool", s(&file), "--max-line-length", "100"]);
    refused(&out, "row 3: a line longer than the limit of 100 bytes");
    assert_eq!(run(&["pool", s(&file)]).status.code(), Some(0));
    let out = run(&["pool", s(&file), "--max-line-length", "ten"]);
    refused(&out, "expected a size such as 2G");
}

/// Blank lines reserve no memory: 20 MB of line breaks after two studies read under a
/// 600 MB address-space limit (the reader once reserved columns per line break).
#[cfg(target_os = "linux")]
#[test]
fn blank_lines_reserve_no_memory() {
    let dir = Scratch::new("blank");
    let mut text = b"study,yi,vi\nA,0.1,0.01\nB,0.3,0.02\n".to_vec();
    text.extend(std::iter::repeat_n(b'\n', 20_000_000));
    let file = dir.file("blank.csv", &text);
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "ulimit -v 600000; {} pool {} --tau2 DL --format csv",
            env!("CARGO_BIN_EXE_metapool"),
            s(&file)
        ))
        .output()
        .expect("sh");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("study,B,0.3,0.02"));
}

/// A header of 3 × 10⁵ columns (4 MB) is checked for duplicates in one pass (the
/// check was quadratic: 107 s), and the duplicate is named.
#[test]
fn a_wide_header_is_checked_for_duplicates_in_linear_time() {
    let dir = Scratch::new("wide");
    let mut header = String::from("study,yi,vi");
    for i in 0..300_000 {
        header += &format!(",c{i}");
    }
    let mut text = header.clone();
    text += ",c7\nA,0.1,0.01";
    text += &",x".repeat(300_001);
    text.push('\n');
    let file = dir.file("wide.csv", text.as_bytes());
    let out = run(&["pool", s(&file)]);
    refused(&out, "row 1, column 'c7': duplicate column name");
}

/// `--forest` or `--funnel` naming the input (through any path to it) is refused and
/// the data are left as they were.
#[test]
fn a_plot_never_overwrites_its_input() {
    let dir = Scratch::new("overwrite");
    let table = dir.file("t.csv", generic_table(5).as_bytes());
    let before = std::fs::read(&table).expect("read");
    let other_path = dir.0.join(".").join("t.csv");
    for flag in ["--forest", "--funnel"] {
        for target in [s(&table), s(&other_path)] {
            let out = run(&["pool", s(&table), flag, target]);
            refused(&out, "would overwrite the data");
            assert_eq!(std::fs::read(&table).expect("read"), before);
        }
    }
}

/// Two runs writing the same plot at once leave a whole plot (written to a temporary
/// file and renamed), and no temporary file behind.
#[test]
fn plots_are_written_atomically() {
    let dir = Scratch::new("atomic");
    let small = dir.file("small.csv", generic_table(3).as_bytes());
    let large = dir.file("large.csv", generic_table(400).as_bytes());
    let plot = dir.0.join("forest.svg");
    for _ in 0..10 {
        let children: Vec<_> = [&small, &large]
            .iter()
            .map(|t| {
                metapool()
                    .args(["pool", s(t), "--forest", s(&plot)])
                    .stdout(Stdio::null())
                    .spawn()
                    .expect("spawn")
            })
            .collect();
        for mut c in children {
            assert!(c.wait().expect("wait").success());
        }
        let svg = std::fs::read_to_string(&plot).expect("plot");
        assert!(
            svg.starts_with("<svg") || svg.starts_with("<?xml"),
            "{}",
            &svg[..40]
        );
        assert_eq!(svg.matches("</svg>").count(), 1);
        assert!(svg.trim_end().ends_with("</svg>"));
    }
    let names: Vec<String> = std::fs::read_dir(&dir.0)
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 3, "{names:?}");
}

/// A label with a bare carriage return (or a comma, a quote, a line feed) is quoted by
/// every CSV writer, so the output reads back with one record per study.
#[test]
fn csv_outputs_quote_every_label_that_needs_it() {
    let dir = Scratch::new("quote");
    let labels = [
        "cr\rinside",
        "lf\ninside",
        "comma, inside",
        "quote \" inside",
        "plain",
    ];
    let mut text = String::from("study,yi,vi,analysis\n");
    for (i, l) in labels.iter().enumerate() {
        text += &format!("\"{}\",0.{i},0.0{},a\n", l.replace('"', "\"\""), i + 1);
    }
    let table = dir.file("t.csv", text.as_bytes());
    let read_back = |bytes: &[u8]| -> Vec<Vec<String>> {
        csv::ReaderBuilder::new()
            .has_headers(true)
            .from_reader(bytes)
            .records()
            .map(|r| r.expect("record").iter().map(str::to_owned).collect())
            .collect()
    };
    let out = run(&["effects", s(&table)]);
    assert!(out.status.success(), "{}", stderr(&out));
    let records = read_back(&out.stdout);
    assert_eq!(records.len(), labels.len());
    for (r, l) in records.iter().zip(labels) {
        assert_eq!(r[0], l);
    }
    let out = run(&["pool", s(&table), "--format", "csv"]);
    let records = read_back(&out.stdout);
    let studies: Vec<&str> = records
        .iter()
        .filter(|r| r[0] == "study")
        .map(|r| r[1].as_str())
        .collect();
    assert_eq!(studies, labels);
    // A group named with a carriage return in `batch`.
    let text = "study,yi,vi,analysis\nA,0.1,0.01,\"g\rone\"\nB,0.2,0.02,\"g\rone\"\n";
    let table = dir.file("b.csv", text.as_bytes());
    let out = run(&["batch", s(&table), "--group-by", "analysis"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let records = read_back(&out.stdout);
    assert_eq!(records.len(), 1);
    assert_eq!(records[0][0], "g\rone");
}

/// `--level` is the level of the output: it does not change how the table's intervals
/// are read (Q stays 47.50 on Hackshaw 1998); `--input-level` and a `ci_level` column
/// say at which level they were printed.
#[test]
fn the_level_of_input_intervals_is_a_property_of_the_data() {
    let q = |args: &[&str]| -> f64 {
        let mut all = vec![
            "pool",
            "tests/golden/inputs/hackshaw1998_ci.csv",
            "--measure",
            "OR",
            "--format",
            "json",
        ];
        all.extend_from_slice(args);
        let out = run(&all);
        assert!(out.status.success(), "{}", stderr(&out));
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
        v["heterogeneity"]["q"].as_f64().expect("q")
    };
    let at_95 = q(&[]);
    // metafor 3.8-1's QE for these intervals at 95% (tests/golden/rma.csv,
    // hackshaw1998_ci, OR).
    assert!((at_95 - 47.49794576379633).abs() < 1e-8 * at_95, "{at_95}");
    assert_eq!(q(&["--level", "90"]), at_95);
    let at_90 = q(&["--input-level", "90"]);
    // Read at 90%, every SE is the interval's width over 2 z₀.₉₅ instead of 2 z₀.₉₇₅, so
    // every weight, and Q, is multiplied by (z₀.₉₅ / z₀.₉₇₅)² (R: qnorm(0.95) =
    // 1.6448536269514722, qnorm(0.975) = 1.959963984540054).
    let ratio = (1.6448536269514722f64 / 1.959963984540054).powi(2);
    assert!(
        (at_90 - at_95 * ratio).abs() < 1e-9 * at_90,
        "{at_90} vs {}",
        at_95 * ratio
    );
    // The same, row by row, from a column; a bad cell names its row and column.
    let text = std::fs::read_to_string("tests/golden/inputs/hackshaw1998_ci.csv").expect("read");
    let mut lines = text.lines();
    let header = lines.next().expect("header");
    let mut with_column = format!("{header},ci_level\n");
    for l in lines.clone() {
        with_column += &format!("{l},90\n");
    }
    let dir = Scratch::new("level");
    let file = dir.file("levels.csv", with_column.as_bytes());
    let out = run(&["pool", s(&file), "--measure", "OR", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["heterogeneity"]["q"].as_f64(), Some(at_90));
    let bad = with_column.replacen(",90\n", ",150\n", 1);
    let file = dir.file("bad.csv", bad.as_bytes());
    let out = run(&["pool", s(&file), "--measure", "OR"]);
    refused(&out, "row 2, column 'ci_level'");
}

/// `--subgroup ... --format csv` writes the subgroups: their pooled rows, Q and the
/// tests for subgroup differences.
#[test]
fn subgroup_results_are_in_the_csv_output() {
    let out = run(&[
        "pool",
        "tests/golden/inputs/bcg_alloc.csv",
        "--subgroup",
        "subgroup",
        "--format",
        "csv",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let records: Vec<Vec<String>> = csv::Reader::from_reader(&out.stdout[..])
        .records()
        .map(|r| r.expect("record").iter().map(str::to_owned).collect())
        .collect();
    let fixed: Vec<&str> = records
        .iter()
        .filter(|r| r[0] == "fixed")
        .map(|r| r[9].as_str())
        .collect();
    assert_eq!(fixed, ["", "random", "alternate", "systematic"]);
    let difference: Vec<&Vec<String>> = records.iter().filter(|r| r[0] == "difference").collect();
    assert_eq!(difference.len(), 2);
    // The test for subgroup differences of the JSON output.
    let json = run(&[
        "pool",
        "tests/golden/inputs/bcg_alloc.csv",
        "--subgroup",
        "subgroup",
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).expect("json");
    let q: f64 = difference[0][10].parse().expect("q");
    // serde_json's parser is not correctly rounded (its last digit may differ).
    let from_json = v["subgroups"]["test_fixed"]["q"].as_f64().expect("q");
    assert!((from_json - q).abs() <= 1e-14 * q, "{from_json} vs {q}");
}

/// A subgroup with no estimable study is listed as not pooled, with its reason, and
/// the other subgroups are pooled.
#[test]
fn a_subgroup_that_cannot_be_pooled_is_named_and_the_others_go_on() {
    let dir = Scratch::new("subgroup");
    let table = dir.file(
        "t.csv",
        b"study,events_e,n_e,events_c,n_c,subgroup\nA,3,50,5,50,one\nB,4,40,9,41,one\n\
          C,0,30,0,30,none\nD,0,20,0,22,none\n",
    );
    let out = run(&[
        "pool",
        s(&table),
        "--subgroup",
        "subgroup",
        "--profile",
        "revman5",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("subgroup 'none' (2 studies) could not be pooled"),
        "{}",
        stderr(&out)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("not estimable"), "{text}");
    let out = run(&[
        "pool",
        s(&table),
        "--subgroup",
        "subgroup",
        "--profile",
        "revman5",
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["subgroups"]["not_pooled"][0]["subgroup"], "none");
    assert_eq!(v["subgroups"]["groups"].as_array().map(Vec::len), Some(1));
}

/// Extreme numbers in messages are written in exponent notation, not as 300 digits;
/// `--level 1e-300` is refused without suggesting an impossible level.
#[test]
fn messages_write_extreme_numbers_in_exponent_notation() {
    let dir = Scratch::new("extreme");
    let cases: [(&[u8], &[&str], &str); 3] = [
        (
            b"study,yi,vi\nA,1,-1e-300\nB,2,1\n",
            &[],
            "a variance must be 0 or more, found -1e-300",
        ),
        (
            b"study,events_e,n_e,events_c,n_c\nA,1e300,1e300,1,2\nB,1,2,1,2\n",
            &[],
            "found 1e300",
        ),
        (
            b"study,yi,vi\nA,1,1\nB,2,1\n",
            &["--level", "1e-300"],
            "--level 1e-300: expected",
        ),
    ];
    for (i, (bytes, args, says)) in cases.iter().enumerate() {
        let file = dir.file(&format!("{i}.csv"), bytes);
        let mut all = vec!["pool", s(&file)];
        all.extend_from_slice(args);
        let out = run(&all);
        refused(&out, says);
        let text = stderr(&out);
        assert!(text.len() < 400 && !text.contains("did you mean"), "{text}");
    }
}

/// A group of `batch` that cannot be pooled names the file, row, column and study of
/// the problem, as `pool` does (it said "study 1" of the group).
#[test]
fn batch_errors_name_the_row_and_the_study() {
    let dir = Scratch::new("batch-row");
    let file = dir.file(
        "b.csv",
        b"study,yi,vi,g\nC,1,0.1,b\nD,2,0.2,b\nE,1,0,c\nF,1,1,c\n",
    );
    let out = run(&["batch", s(&file), "--group-by", "g"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("b.csv, row 4, column 'vi': study 'E' has a sampling variance of 0"),
        "{text}"
    );
}

/// A plot path that is a symbolic link writes the file it names and keeps the link; an
/// existing plot keeps its permissions; a named pipe (or a device, `/dev/stdout`) is
/// written to, never replaced by a file (the rename replaced it); `--forest` and
/// `--funnel` naming one file are refused.
#[cfg(unix)]
#[test]
fn plots_follow_links_and_never_replace_what_is_not_a_file() {
    use std::os::unix::fs::{FileTypeExt, PermissionsExt};
    let dir = Scratch::new("plot-targets");
    let table = dir.file("t.csv", generic_table(4).as_bytes());
    let real = dir.file("real.svg", b"old");
    std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o640)).expect("mode");
    let link = dir.0.join("link.svg");
    std::os::unix::fs::symlink(&real, &link).expect("symlink");
    let out = run(&["pool", s(&table), "--forest", s(&link)]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(std::fs::symlink_metadata(&link)
        .expect("link")
        .file_type()
        .is_symlink());
    let svg = std::fs::read_to_string(&real).expect("real");
    assert!(svg.trim_end().ends_with("</svg>"));
    let mode = std::fs::metadata(&real).expect("real").permissions().mode() & 0o777;
    assert_eq!(mode, 0o640);
    let fifo = dir.0.join("pipe.svg");
    assert!(Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo")
        .success());
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read(&fifo).expect("read the pipe"))
    };
    let out = run(&["pool", s(&table), "--funnel", s(&fifo)]);
    assert!(out.status.success(), "{}", stderr(&out));
    let got = reader.join().expect("reader");
    assert!(String::from_utf8_lossy(&got).trim_end().ends_with("</svg>"));
    assert!(std::fs::symlink_metadata(&fifo)
        .expect("fifo")
        .file_type()
        .is_fifo());
    let both = dir.0.join("both.svg");
    let out = run(&[
        "pool",
        s(&table),
        "--forest",
        s(&both),
        "--funnel",
        s(&both),
    ]);
    refused(&out, "--forest and --funnel both name");
    assert!(!both.exists());
    // A link to a plot not written yet names the same file: the second plot would
    // replace the first.
    let (target, link) = (dir.0.join("same.svg"), dir.0.join("l2.svg"));
    std::os::unix::fs::symlink("same.svg", &link).expect("symlink");
    let out = run(&[
        "pool",
        s(&table),
        "--forest",
        s(&target),
        "--funnel",
        s(&link),
    ]);
    refused(&out, "--forest and --funnel both name");
    assert!(!target.exists());
}

/// A level within 1e-16 of 100% has a finite critical value (z = 8.29 at
/// 1 − 1.1e-16): the quantile is taken of the tail (1 − level)/2, not of 1 − α/2,
/// which rounds to 1 (the interval was infinite), for the output and for the input's
/// intervals alike.
#[test]
fn a_level_next_to_100_percent_has_a_finite_interval() {
    let out = run(&[
        "pool",
        "tests/golden/inputs/bcg_yi_vi.csv",
        "--level",
        "99.99999999999999",
        "--format",
        "json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let (est, lo, hi) = (
        v["fixed"]["estimate"].as_f64().expect("estimate"),
        v["fixed"]["ci_lower"].as_f64().expect("finite lower limit"),
        v["fixed"]["ci_upper"].as_f64().expect("finite upper limit"),
    );
    let se = v["fixed"]["se"].as_f64().expect("se");
    // 1 − level = 1.1e-16, so z = −Φ⁻¹(5.6e-17), about 8.29.
    let z = (hi - est) / se;
    assert!(z.is_finite() && z > 8.0 && z < 8.5, "z = {z}");
    assert!((est - lo - (hi - est)).abs() < 1e-12);
    let out = run(&[
        "pool",
        "tests/golden/inputs/hackshaw1998_ci.csv",
        "--measure",
        "OR",
        "--input-level",
        "99.99999999999999",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
}

/// A continuous study whose effect or variance leaves double precision (an SD of
/// 1e300) is an error naming its row, not a study dropped for "the SMD correction
/// needs n_e + n_c >= 4" (the reason every non-finite effect was given).
#[test]
fn a_continuous_effect_beyond_double_precision_is_an_error_of_its_row() {
    let dir = Scratch::new("continuous");
    let file = dir.file(
        "c.csv",
        b"study,mean_e,sd_e,n_e,mean_c,sd_c,n_c\na,1,1e300,20,0,1,20\nb,1,1,20,0,1,20\n",
    );
    let out = run(&["pool", s(&file), "--measure", "MD"]);
    refused(&out, "c.csv, row 2: the MD");
    assert!(!stderr(&out).contains("n_e + n_c"), "{}", stderr(&out));
    // The SMD of those arms is finite (about 0): pooled, the SD printed as 1e300.
    let out = run(&["pool", s(&file), "--measure", "SMD"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("1 (1e300) 20"));
}

/// Identical studies: Begg's rank correlation is undefined (every pair tied: τ_b is
/// 0/0, R's cor.test gives NA), not "tau = NaN (P = 1.00)"; with every analysis of
/// `bias` undefined the command says why for each, exit 2.
#[test]
fn begg_on_identical_studies_is_not_computed() {
    let dir = Scratch::new("begg");
    let file = dir.file(
        "i.csv",
        b"study,yi,vi\na,0.5,0.1\nb,0.5,0.1\nc,0.5,0.1\nd,0.5,0.1\n",
    );
    let out = run(&["bias", s(&file)]);
    refused(&out, "Kendall's tau is undefined");
    assert!(!stderr(&out).contains("NaN"), "{}", stderr(&out));
}

/// Estimates whose squared differences overflow (1e200 apart, variances 1e200: each
/// y²/v is 1e200, Q about 1e400) are refused naming the file and Q, not "the sum of
/// y²/v" that does not overflow.
#[test]
fn estimates_too_far_apart_name_the_file_and_q() {
    let dir = Scratch::new("far");
    let file = dir.file(
        "f.csv",
        b"study,yi,vi\na,1e200,1e200\nb,-1e200,1e200\nc,1e199,1e199\n",
    );
    let out = run(&["pool", s(&file)]);
    refused(
        &out,
        "f.csv: the estimates differ by so much that Cochran's Q",
    );
}

/// Studies with an empty subgroup label form a subgroup of their own, with a warning
/// naming the first row (in the CSV their subgroup's rows look like the rows of all
/// studies, which have an empty subgroup too).
#[test]
fn an_empty_subgroup_label_is_warned_about() {
    let dir = Scratch::new("empty-subgroup");
    let file = dir.file(
        "e.csv",
        b"study,yi,vi,subgroup\na,0.1,0.1,x\nb,0.2,0.1,x\nc,0.3,0.1,\nd,0.1,0.2,y\n",
    );
    let out = run(&[
        "pool",
        s(&file),
        "--subgroup",
        "subgroup",
        "--format",
        "csv",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out)
            .contains("e.csv, row 4 (the subgroup column): 1 study has an empty subgroup label"),
        "{}",
        stderr(&out)
    );
}
