//! Hostile and broken input to the analyses built on study effects (`regress`,
//! `sensitivity`, `bias`): missing and redundant moderators, tests that cannot be
//! fitted, errors that name file, row and column, and the warnings `pool` gives.
//! Reference values from metafor 3.8-1 are given with the R call that produced them.

use metapool::analysis::regression::{design, fit, Model, Moderator, PermutationOptions};
use metapool::model::Tau2Method;
use std::path::PathBuf;
use std::process::{Command, Output};

fn metapool(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_metapool"))
        .args(args)
        .output()
        .expect("run metapool")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn json(out: &Output) -> serde_json::Value {
    assert!(out.status.success(), "{}", stderr(out));
    serde_json::from_slice(&out.stdout).expect("JSON")
}

/// A scratch file, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str, text: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("metapool-hostile-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("scratch directory");
        let path = dir.join(name);
        std::fs::write(&path, text).expect("write");
        Scratch(path)
    }

    fn path(&self) -> &str {
        self.0.to_str().expect("path")
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// dat.bcg (tests/golden/inputs/bcg_mods.csv) with `ablat` missing in rows 4 (`NA`) and
/// 7 (empty), a one-level column `grp`, a copy of `ablat` times 2 (`ablat2`), a column
/// with `.` in row 4 (`dot`) and one of values near 1e200 (`big`).
fn bcg_with_missing(name: &str) -> Scratch {
    let text = std::fs::read_to_string("tests/golden/inputs/bcg_mods.csv").expect("bcg_mods");
    let mut lines = text.lines();
    let mut out = format!("{},grp,ablat2,dot,big\n", lines.next().expect("header"));
    for (i, line) in lines.enumerate() {
        let mut cells: Vec<String> = line.split(',').map(str::to_owned).collect();
        // study, yi, vi, ablat, year, alloc (the study labels hold no comma)
        let ablat: f64 = cells[3].trim_matches('"').parse().expect("ablat");
        let year: f64 = cells[4].trim_matches('"').parse().expect("year");
        let ablat2 = 2.0 * ablat;
        match i {
            2 => cells[3] = "NA".into(),
            5 => cells[3] = String::new(),
            _ => {}
        }
        let dot = if i == 2 {
            ".".to_string()
        } else {
            year.to_string()
        };
        out += &format!("{},x,{ablat2},{dot},{:e}\n", cells.join(","), year * 1e200);
    }
    Scratch::new(name, &out)
}

fn close(actual: &serde_json::Value, expected: f64) {
    let a = actual.as_f64().unwrap_or(f64::NAN);
    assert!(
        (a - expected).abs() <= 1e-8 * expected.abs() + 1e-10,
        "{a} vs {expected}"
    );
}

/// One `NA` cell made the numeric moderator categorical (`ablat44`, `ablatNA`, ...), exit
/// 0. Now the studies with a missing value are omitted with a warning naming their rows
/// and k, and the moderator stays numeric: metafor 3.8-1,
/// `rma(yi, vi, mods = ~ ablat, data = read.csv(file), control = list(threshold =
/// 1e-14))` ("Studies with NAs omitted from model fitting."): k = 11, intrcpt 0.27338609106226419, ablat -0.03089667985643306,
/// tau2 0.087380333866963922.
#[test]
#[allow(clippy::excessive_precision)] // the digits as R printed them
fn regress_omits_studies_with_a_missing_moderator_value() {
    let file = bcg_with_missing("bcg_missing_1.csv");
    let out = metapool(&[
        "regress",
        file.path(),
        "--mods",
        "ablat",
        "--format",
        "json",
    ]);
    let err = stderr(&out);
    assert!(
        err.contains("2 of 13 studies omitted")
            && err.contains("rows 4, 7")
            && err.contains("k = 11"),
        "{err}"
    );
    let v = json(&out);
    assert_eq!(v["k"], 11);
    assert_eq!(v["omitted_rows"], serde_json::json!([4, 7]));
    let names: Vec<&str> = v["coefficients"]
        .as_array()
        .expect("coefficients")
        .iter()
        .map(|c| c["name"].as_str().expect("name"))
        .collect();
    assert_eq!(names, ["intrcpt", "ablat"]);
    close(&v["coefficients"][0]["estimate"], 0.27338609106226419);
    close(&v["coefficients"][1]["estimate"], -0.03089667985643306);
    close(&v["tau2"], 0.087380333866963922);
    assert!(v["warnings"][0]
        .as_str()
        .expect("warning")
        .contains("omitted"));
}

/// `--permutation` refits the studies the model was fitted to: its test is the test of
/// the model of the 11 studies with `ablat` present (the same draws from the same seed).
#[test]
fn the_permutation_test_uses_the_studies_of_the_fit() {
    let file = bcg_with_missing("bcg_missing_2.csv");
    let out = metapool(&[
        "regress",
        file.path(),
        "--mods",
        "ablat",
        "--permutation",
        "--iterations",
        "200",
        "--format",
        "json",
    ]);
    let v = json(&out);
    let table = metapool::data::read_csv_path(file.path()).expect("table");
    let metapool::data::StudyData::GenericVariance { yi, vi } = table.data() else {
        panic!("yi, vi")
    };
    let ablat = &table.covariate("ablat").expect("ablat").values;
    let kept: Vec<usize> = (0..yi.len()).filter(|&i| i != 2 && i != 5).collect();
    let x: Vec<f64> = kept
        .iter()
        .map(|&i| ablat[i].parse().expect("number"))
        .collect();
    let (y, w): (Vec<f64>, Vec<f64>) = kept.iter().map(|&i| (yi[i], vi[i])).unzip();
    let (design, names) = design(11, &[Moderator::Numeric("ablat".into(), x)]).expect("design");
    let mut options = PermutationOptions::default();
    options.iterations = 200;
    options.exact = false;
    options.seed = 1;
    let test = Model {
        yi: &y,
        vi: &w,
        x: design.view(),
        names: &names,
        method: Some(Tau2Method::REML),
        knapp_hartung: false,
        level: metapool::Level::NINETY_FIVE,
    }
    .permutation_test(&options)
    .expect("permutation test");
    assert_eq!(v["permutation"]["iterations"], 200);
    for (j, p) in test.p_values.iter().enumerate() {
        assert_eq!(v["permutation"]["p_values"][j].as_f64(), Some(*p), "{j}");
    }
}

/// A one-level categorical moderator was dropped without a word. Now it is dropped with
/// a warning naming it (as metafor drops a constant predictor: "Redundant predictors
/// dropped from the model."), and so is a moderator that is a multiple of another; the
/// fit is that of `ablat` alone (the metafor values above).
#[test]
fn redundant_moderators_are_dropped_with_a_warning_naming_them() {
    let file = bcg_with_missing("bcg_missing_3.csv");
    let out = metapool(&[
        "regress",
        file.path(),
        "--mods",
        "ablat,grp,ablat2",
        "--format",
        "json",
    ]);
    let err = stderr(&out);
    assert!(
        err.contains("column 'grp'") && err.contains("one level ('x')") && err.contains("dropped"),
        "{err}"
    );
    assert!(err.contains("ablat2 is a linear combination"), "{err}");
    let v = json(&out);
    assert_eq!(v["dropped"], serde_json::json!(["grp", "ablat2"]));
    assert_eq!(v["p"], 2);
    close(&v["coefficients"][1]["estimate"], -0.03089667985643306);
    let text = stdout(&metapool(&["regress", file.path(), "--mods", "ablat,grp"]));
    assert!(text.contains("Note: ") && text.contains("'grp'"), "{text}");
}

/// With every moderator dropped nothing is left to regress on: an error (exit 2) naming
/// the moderator, not the intercept-only model in silence.
#[test]
fn a_regression_with_no_moderator_left_is_an_error() {
    let file = bcg_with_missing("bcg_missing_4.csv");
    let out = metapool(&["regress", file.path(), "--mods", "grp"]);
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    let err = stderr(&out);
    assert!(
        err.contains("no moderator left") && err.contains("'grp'"),
        "{err}"
    );
}

/// A `.` in an otherwise numeric column is not a level of a categorical moderator: an
/// error naming file, row and column, and how to write a missing value.
#[test]
fn a_missing_value_lookalike_in_a_numeric_moderator_is_an_error() {
    let file = bcg_with_missing("bcg_missing_5.csv");
    let out = metapool(&["regress", file.path(), "--mods", "dot"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains(&format!("{}, row 4, column 'dot'", file.path()))
            && err.contains("NA or an empty cell"),
        "{err}"
    );
}

/// A moderator near 1e200 was reported as collinear ("XᵀWX is singular"): its squares
/// overflow. The error names the column, what went wrong and the rescaling.
#[test]
fn a_moderator_out_of_scale_is_named_not_called_collinear() {
    let file = bcg_with_missing("bcg_missing_6.csv");
    let out = metapool(&["regress", file.path(), "--mods", "big"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("column 'big'")
            && err.contains("rescale the moderator")
            && !err.contains("collinear"),
        "{err}"
    );
    // In the library, collinear moderators name the redundant coefficient.
    let x = vec![1.0, 2.0, 3.0, 4.0, 5.0];
    let mods = [
        Moderator::Numeric("a".into(), x.clone()),
        Moderator::Numeric("b".into(), x.iter().map(|v| 3.0 * v - 1.0).collect()),
    ];
    let (design, names) = design(5, &mods).expect("design");
    let yi = [0.1, 0.3, 0.2, 0.5, 0.4];
    let vi = [0.1, 0.2, 0.1, 0.3, 0.2];
    let e = fit(
        &yi,
        &vi,
        design.view(),
        &names,
        Some(Tau2Method::DL),
        false,
        0.95,
    )
    .expect_err("collinear");
    assert!(
        e.to_string()
            .contains("collinear: b is a linear combination"),
        "{e}"
    );
}

/// 2x2 tables with the same total in every study: Peters' test (predictor 1/n) cannot be
/// fitted. `bias` failed as a whole (exit 2), losing every other test; now Peters' test
/// carries its error (text and JSON) and the others are reported.
#[test]
fn bias_reports_each_test_with_its_own_result_or_error() {
    let file = Scratch::new(
        "same_n.csv",
        "study,events_e,n_e,events_c,n_c\nA,1,50,3,50\nB,2,50,4,50\nC,1,50,5,50\n\
         D,3,50,8,50\nE,10,50,12,50\nF,4,50,6,50\n",
    );
    let out = metapool(&["bias", file.path(), "--format", "json"]);
    let err = stderr(&out);
    let v = json(&out);
    let peters = v["peters"]["error"].as_str().expect("Peters' error");
    assert!(peters.contains("same sample size (100)"), "{peters}");
    assert!(err.contains("Peters' test not computed"), "{err}");
    for test in ["egger", "regression_test_of_model"] {
        assert!(v[test]["statistic"].is_number(), "{test}");
    }
    assert!(v["begg"]["tau"].is_number());
    assert!(v["harbord"]["statistic"].is_number());
    assert!(v["trim_and_fill"]["k0"].is_number());
    let text = stdout(&metapool(&["bias", file.path()]));
    assert!(
        text.contains("Peters' test (predictor: 1/n):            not computed: ")
            && text.contains("Harbord's test:                           t(4)")
            && text.contains("Trim and fill (L0)"),
        "{text}"
    );
}

/// Peters' and Harbord's tests failing together: both errors are kept, in the report
/// and on stderr.
#[test]
fn bias_keeps_harbords_error_beside_peters() {
    let file = Scratch::new(
        "both_fail.csv",
        "study,events_e,n_e,events_c,n_c\nA,0,50,0,50\nB,0,50,0,50\nC,0,50,0,50\n\
         D,3,50,8,50\nE,10,50,12,50\n",
    );
    let out = metapool(&["bias", file.path(), "--format", "json"]);
    let err = stderr(&out);
    let v = json(&out);
    assert!(v["peters"]["error"].is_string() && v["harbord"]["error"].is_string());
    assert!(
        err.contains("Peters' test not computed") && err.contains("Harbord's test not computed"),
        "{err}"
    );
    assert!(v["egger"]["statistic"].is_number());
}

/// Errors of the regression tests named "a meta-regression on one moderator", which
/// the user did not ask for; they name the test.
#[test]
fn bias_errors_name_the_test() {
    let file = Scratch::new("two.csv", "study,yi,vi\nA,0.1,0.1\nB,0.2,0.2\n");
    let out = metapool(&["bias", file.path()]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("Egger's") && !err.contains("meta-regression on one moderator"),
        "{err}"
    );
}

/// A sampling variance of 0: `sensitivity` named "study 1" (the first study of a
/// leave-one-out refit, here the wrong one) without file, row or column; `bias` named
/// "a meta-regression on one moderator". Each now gives `pool`'s error.
#[test]
fn a_zero_variance_is_named_by_file_row_and_column() {
    let file = Scratch::new(
        "zero_variance.csv",
        "study,yi,vi\nA,0.1,0.1\nB,0.2,0\nC,0.3,0.2\nD,0.1,0.3\n",
    );
    let expected = format!("{}, row 3, column 'vi': study 'B'", file.path());
    for command in ["pool", "sensitivity", "bias"] {
        let out = metapool(&[command, file.path()]);
        assert_eq!(out.status.code(), Some(2), "{command}");
        assert!(
            stderr(&out).contains(&expected),
            "{command}: {}",
            stderr(&out)
        );
    }
}

/// `sensitivity`, `regress` and `bias` print the warnings of the data that `pool` prints
/// (zero-cell increments, repeated labels, variances 1e7 apart): `sensitivity` and
/// `regress` left out the last.
#[test]
fn the_analyses_warn_about_the_data_as_pool_does() {
    let binary = Scratch::new(
        "zero_cells.csv",
        "study,events_e,n_e,events_c,n_c,dose\nA,0,20,3,20,1\nB,2,30,4,25,2\nA,1,12,5,25,3\n\
         D,3,50,8,52,4\nE,10,100,12,98,5\n",
    );
    let generic = Scratch::new(
        "spread.csv",
        "study,yi,vi,dose\nA,0.1,0.0001,1\nB,0.3,1000,2\nB,0.2,0.5,3\nD,0.4,0.2,4\nE,0.0,0.3,5\n",
    );
    for file in [&binary, &generic] {
        let pooled = stderr(&metapool(&["pool", file.path()]));
        let lines: Vec<&str> = pooled.lines().collect();
        assert!(lines.len() >= 2, "{pooled}");
        for command in [
            &["sensitivity", file.path()][..],
            &["regress", file.path(), "--mods", "dose"],
            &["bias", file.path()],
        ] {
            let err = stderr(&metapool(command));
            for line in &lines {
                assert!(err.contains(line), "{command:?} lacks {line}:\n{err}");
            }
        }
    }
}

/// `sensitivity` and `regress` refit by inverse variance: with a Mantel-Haenszel or Peto
/// fixed-effect method (asked for, or revman5's default for 2x2 tables) they used
/// inverse variance in silence (and, for Peto, other effects than `pool`). They refuse,
/// as `bias` does, naming the fix.
#[test]
fn analyses_refuse_fixed_effect_methods_they_do_not_fit() {
    let file = "tests/golden/inputs/bcg.csv";
    for command in [
        &["sensitivity", file, "--fixed", "mh"][..],
        &["sensitivity", file, "--profile", "revman5"],
        &["sensitivity", file, "--fixed", "peto", "--measure", "OR"],
        &["bias", file, "--fixed", "mh"],
    ] {
        let out = metapool(command);
        assert_eq!(out.status.code(), Some(2), "{command:?}");
        assert!(stderr(&out).contains("add --fixed iv"), "{}", stderr(&out));
    }
    let out = metapool(&["sensitivity", file, "--profile", "revman5", "--fixed", "iv"]);
    assert!(out.status.success(), "{}", stderr(&out));
}

/// Begg's test with a study that carries all the weight (its variance at or below 1/Σw
/// in double precision): its standardized effect is 0/0 or the root of a negative
/// number. The NaN was counted as a tie with every study; now the test says why it
/// cannot be computed, naming the study.
#[test]
fn begg_with_a_study_carrying_all_the_weight_is_an_error() {
    let e = metapool::analysis::bias::rank_correlation_test(&[0.5, 0.1, 0.2], &[1e-300, 1.0, 2.0])
        .expect_err("undefined standardized effect");
    assert!(
        e.to_string().contains("study 1 carries all the weight"),
        "{e}"
    );
}
