//! `metapool revman FILE --reanalyse revman-web` against metafor
//! (`tests/golden/reanalysis.csv`, written by `tests/golden/generate_reanalysis.R`), the
//! conclusions it flags, its text and CSV, and `metapool revman DIR/` on a folder of
//! review files with a broken one among them.

use metapool::audit::reanalysis::{reanalyse, Change, ResultSource};
use metapool::audit::revman::audit_review;
use metapool::data::revman::read_revman;
use metapool::profile::Profile;
use std::path::Path;
use std::process::Command;

fn metapool(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_metapool"))
        .args(args)
        .output()
        .expect("run metapool")
}

fn close(got: f64, want: f64, tolerance: f64, what: &str) {
    let scale = want.abs().max(1.0);
    assert!(
        (got - want).abs() <= tolerance * scale,
        "{what}: {got} vs metafor {want}"
    );
}

/// Every analysis of the golden file reproduces metafor's REML + HKSJ fit: estimate,
/// interval and prediction interval to 1e-8 (natural scale, exp for ratios), τ² and
/// its Q-profile interval to 1e-7 (metafor's root finding stops at 1e-12 on τ²; τ² at
/// the boundary is 0 here and 2.4e-13 there), I² to 1e-7 points.
#[test]
fn the_reanalysis_reproduces_metafor() {
    let mut rdr = csv::Reader::from_path("tests/golden/reanalysis.csv").expect("golden");
    let mut rows = 0;
    for rec in rdr.records() {
        let r = rec.expect("row");
        let value = |j: usize| -> f64 { r[j].parse().expect("number") };
        let review = read_revman(Path::new(&r[0])).expect("review");
        let audit = audit_review(&review);
        let re = reanalyse(&review, &audit, Profile::RevManWeb);
        let a = re
            .analyses
            .iter()
            .find(|a| a.id == r[1])
            .expect("the analysis");
        let x = a.reanalysed.as_ref().expect("re-analysed");
        let ratio = a.null == 1.0;
        let natural = |y: f64| if ratio { y.exp() } else { y };
        let what = format!("{} {}", &r[0], &r[1]);
        assert_eq!(x.k, r[2].parse::<usize>().expect("k"), "{what}");
        close(x.result.estimate, natural(value(3)), 1e-8, &what);
        close(x.result.lower, natural(value(4)), 1e-8, &what);
        close(x.result.upper, natural(value(5)), 1e-8, &what);
        close(x.prediction.0, natural(value(6)), 1e-8, &what);
        close(x.prediction.1, natural(value(7)), 1e-8, &what);
        close(x.tau2, value(8), 1e-7, &what);
        close(x.tau2_ci.0, value(9), 1e-7, &what);
        close(x.tau2_ci.1, value(10), 1e-7, &what);
        close(x.i2, value(11), 1e-7, &what);
        close(x.p_value, value(12), 1e-8, &what);
        rows += 1;
    }
    assert_eq!(rows, 3);
}

/// The Fleiss aspirin analysis: printed OR 0.90 [0.84, 0.96] (M-H fixed effect); with
/// random effects, REML and HKSJ the interval includes 1: the conclusion changes. Its
/// SMD analysis has no printed result (RevMan left it uncomputed): the review's own
/// method stands in for it.
#[test]
fn a_change_of_conclusion_is_flagged() {
    let review = read_revman(Path::new("tests/revman/Fleiss1993.rm5")).expect("review");
    let re = reanalyse(&review, &audit_review(&review), Profile::RevManWeb);
    let a = &re.analyses[0];
    assert_eq!(a.review_source, ResultSource::Printed);
    let printed = a.review.expect("printed");
    assert_eq!(printed.estimate, 0.8968655609130709);
    assert_eq!(a.changes, [Change::NowIncludesNull]);
    assert!(a.reproduced);
    let b = &re.analyses[1];
    assert_eq!(b.review_source, ResultSource::ReRun);
    assert_eq!((re.rerun, re.reproduced, re.changed), (2, 2, 2));
    assert!(!re.holds());
}

#[test]
fn the_command_prints_each_analysis_and_the_summary() {
    let out = metapool(&[
        "revman",
        "tests/revman/Fleiss1993.rm5",
        "--reanalyse",
        "revman-web",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).expect("UTF-8");
    assert!(text.contains("Analysis 1.1 Aspirin"), "{text}");
    assert!(
        text.contains("printed      0.8969 [0.8405, 0.9570]"),
        "{text}"
    );
    assert!(
        text.contains("revman-web   0.8683 [0.7406, 1.0180]"),
        "{text}"
    );
    assert!(
        text.contains("CHANGED: the interval now includes 1"),
        "{text}"
    );
    assert!(
        text.ends_with("2 analyses re-run, 2 reproduced, 2 changed\n"),
        "{text}"
    );
    let out = metapool(&[
        "revman",
        "tests/revman/Fleiss1993.rm5",
        "--reanalyse",
        "revman-web",
        "--format",
        "csv",
    ]);
    let csv = String::from_utf8(out.stdout).expect("UTF-8");
    let mut rdr = csv::Reader::from_reader(csv.as_bytes());
    let header = rdr.headers().expect("header").clone();
    assert_eq!(&header[0], "source");
    assert_eq!(header.len(), 25);
    assert_eq!(rdr.records().count(), 2);
    let out = metapool(&[
        "revman",
        "tests/revman/Fleiss1993.rm5",
        "--reanalyse",
        "none",
    ]);
    assert_eq!(out.status.code(), Some(2));
}

/// The checks as CSV: one row per printed figure, with the verdict.
#[test]
fn the_checks_as_csv_have_one_row_per_figure() {
    let out = metapool(&["revman", "tests/revman/Fleiss1993.rm5", "--format", "csv"]);
    assert_eq!(out.status.code(), Some(0));
    let mut rdr = csv::Reader::from_reader(&out.stdout[..]);
    let rows: Vec<csv::StringRecord> = rdr.records().map(|r| r.expect("row")).collect();
    assert_eq!(rows.len(), 111);
    assert!(rows.iter().all(|r| &r[8] == "reproduced"));
    let p = rows.iter().find(|r| &r[5] == "P_CHI2").expect("P_CHI2");
    assert_eq!((&p[1], &p[3], &p[6]), ("1.1", "441", "0.1269422521561745"));
}

/// A folder of review files: one line per review, the broken file's error among them,
/// the others checked all the same; files that are not review files are not read.
#[test]
fn a_folder_of_reviews_gives_one_line_per_review() {
    let dir = std::env::temp_dir().join(format!("metapool-revman-dir-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("web")).expect("dir");
    for (from, to) in [
        ("tests/revman/Fleiss1993.rm5", "a_fleiss.rm5"),
        ("tests/revman/Fleiss93_CR.csv", "b_fleiss_export.csv"),
        ("tests/revman/Fleiss1993_revman_web.zip", "c_fleiss_web.zip"),
        ("tests/revman/README.md", "README.md"),
    ] {
        std::fs::copy(from, dir.join(to)).expect("copy");
    }
    let analysis = "tests/revman/Fleiss1993_web/921923100913455418-analysis-data";
    for entry in std::fs::read_dir(analysis).expect("package folder") {
        let entry = entry.expect("entry");
        std::fs::copy(entry.path(), dir.join("web").join(entry.file_name())).expect("copy");
    }
    let text = std::fs::read_to_string("tests/revman/Fleiss1993.rm5").expect("rm5");
    std::fs::write(dir.join("d_cut.rm5"), &text[..text.len() / 2]).expect("cut");
    let folder = dir.to_str().expect("path");
    let out = metapool(&["revman", folder]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8(out.stdout).expect("UTF-8");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 6, "{stdout}");
    assert!(lines[0].contains("a_fleiss.rm5: RevMan 5 review file, 2 analyses, 2 reproduced"));
    assert!(lines[1].contains("b_fleiss_export.csv: RevMan 5 CSV export"));
    assert!(lines[2].contains("c_fleiss_web.zip: RevMan Web data package"));
    assert!(lines[3].contains("d_cut.rm5: error:") && lines[3].contains("not well-formed"));
    assert!(
        lines[4].contains("web: RevMan Web data package"),
        "{}",
        lines[4]
    );
    assert_eq!(lines[5], "5 review files: 4 read, 4 hold, 1 errors");
    let out = metapool(&["revman", folder, "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(v["entries"].as_array().expect("entries").len(), 5);
    assert_eq!(v["errors"], 1);
    let out = metapool(&[
        "revman",
        folder,
        "--reanalyse",
        "revman-web",
        "--format",
        "csv",
    ]);
    let mut rdr = csv::Reader::from_reader(&out.stdout[..]);
    let rows: Vec<csv::StringRecord> = rdr.records().map(|r| r.expect("row")).collect();
    assert_eq!(rows.len(), 5);
    assert_eq!(&rows[0][9], "2");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Found by a hostile review: a folder without review files, or whose every file is
/// broken, is bad input (exit 2), not a success or a failed check; a study name cannot
/// send escape sequences to the terminal; a NUL byte in a review file is an XML error at
/// its line, not a CSV one; an outcome numbered 0 is refused; a figure in exponent
/// notation is checked at its mantissa's digits.
#[test]
fn hostile_review_findings_stay_fixed() {
    let dir = std::env::temp_dir().join(format!("metapool-revman-hostile-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("empty")).expect("dir");
    std::fs::create_dir_all(dir.join("bad")).expect("dir");
    let out = metapool(&["revman", dir.join("empty").to_str().expect("path")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no review file"));
    std::fs::write(
        dir.join("bad/a.rm5"),
        "<?xml version=\"1.0\"?><COCHRANE_REVIEW>",
    )
    .expect("w");
    std::fs::write(dir.join("bad/b.csv"), "not,an\nexport,at all\n").expect("w");
    let out = metapool(&["revman", dir.join("bad").to_str().expect("path")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let text = std::fs::read_to_string("tests/revman/Fleiss1993.rm5").expect("rm5");
    let export = std::fs::read_to_string("tests/revman/Fleiss93_CR.csv").expect("csv");
    let named = dir.join("named.csv");
    std::fs::write(
        &named,
        export.replacen(",MRC-1,", ",MRC\u{1b}[31m-1\u{202e},", 1),
    )
    .expect("w");
    let out = metapool(&["revman", named.to_str().expect("path")]);
    let stdout = String::from_utf8(out.stdout).expect("UTF-8");
    assert!(!stdout.contains('\u{1b}') && !stdout.contains('\u{202e}'));
    assert!(stdout.contains("MRC\\u{1b}[31m-1\\u{202e}"), "{stdout}");
    let nul = dir.join("nul.rm5");
    std::fs::write(&nul, text.replacen("<NAME>Aspirin", "<NAME>\0Aspirin", 1)).expect("w");
    let out = metapool(&["revman", nul.to_str().expect("path")]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr.contains("line 442") && stderr.contains("XML"),
        "{stderr}"
    );
    let zero = dir.join("zero.rm5");
    std::fs::write(
        &zero,
        text.replacen(" NO=\"1\" P_CHI2=", " NO=\"0\" P_CHI2=", 1),
    )
    .expect("w");
    let out = metapool(&["revman", zero.to_str().expect("path")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("attribute NO"));
    let sci = dir.join("sci.csv");
    std::fs::write(&sci, export.replacen(",0.71971415,", ",7.1971415E-1,", 1)).expect("w");
    let out = metapool(&["revman", sci.to_str().expect("path")]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let _ = std::fs::remove_dir_all(&dir);
}
