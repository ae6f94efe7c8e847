//! The report commands (`regress`, `sensitivity`, `bias`, `revman`, `audit`) driven as a
//! user runs them: formats, refused options, exit codes, and what a report names.

use std::path::PathBuf;
use std::process::{Command, Output};

fn metapool(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_metapool"))
        .args(args)
        .output()
        .expect("run metapool")
}

/// A scratch file, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str, text: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("metapool-reports-{}", std::process::id()));
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

fn refused(out: &Output, says: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        out.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(stderr.contains(says), "{stderr}");
}

/// The report commands have text and JSON only: CSV is refused, not replaced by text
/// (`revman` writes CSV: tests/revman_reanalysis.rs).
#[test]
fn csv_format_is_refused_by_the_report_commands() {
    for args in [
        &[
            "regress",
            "tests/golden/inputs/bcg_mods.csv",
            "--mods",
            "ablat",
        ][..],
        &["sensitivity", "tests/golden/inputs/bcg.csv"],
        &["bias", "tests/golden/inputs/bcg.csv"],
        &["audit", "data/claims.csv"],
    ] {
        let mut all = args.to_vec();
        all.extend(["--format", "csv"]);
        refused(&metapool(&all), "possible values: text, json");
    }
}

/// `regress --ci t` and `--ci hksj-adhoc` were run as Wald and Knapp-Hartung tests:
/// they are refused, naming the two tests meta-regression has.
#[test]
fn regress_refuses_interval_methods_it_does_not_implement() {
    for ci in ["t", "hksj-adhoc"] {
        let out = metapool(&[
            "regress",
            "tests/golden/inputs/bcg_mods.csv",
            "--mods",
            "ablat",
            "--ci",
            ci,
        ]);
        refused(
            &out,
            "expected z (Wald tests) or hksj (Knapp-Hartung tests)",
        );
    }
}

/// Harbord's test needs three tables without a zero margin; with two, the other tests
/// are reported and Harbord's says why it is missing (it was dropped without a word).
#[test]
fn bias_reports_why_harbords_test_was_not_computed() {
    let file = Scratch::new(
        "harbord.csv",
        "study,events_e,n_e,events_c,n_c\nA,0,20,0,20\nB,0,30,0,25\nC,0,12,0,25\nD,3,50,8,52\nE,10,100,12,98\n",
    );
    let out = metapool(&["bias", file.path()]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("Harbord's test:")
            && text.contains("not computed: ")
            && text.contains("at least 3 tables"),
        "{text}"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("Harbord's test not computed"));
    let out = metapool(&["bias", file.path(), "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert!(v["harbord"]["error"]
        .as_str()
        .expect("an error")
        .contains("at least 3 tables"));
    assert!(v["egger"]["statistic"].is_number());
}

/// Writes a claims registry beside the data (its inputs are relative to its folder).
fn registry(name: &str, rows: &[(&str, &str, &str)]) -> Scratch {
    let mut text = String::from("id,document,claim,figure,measures,inputs,check,params,notes\n");
    for (i, (figure, check, params)) in rows.iter().enumerate() {
        text += &format!(
            "T{},doc,claim,\"{figure}\",RR,cd007026/pub7_nonfatal_sae.csv,{check},\"{params}\",\n",
            i + 1
        );
    }
    let path = PathBuf::from("data").join(format!("test-{}-{name}", std::process::id()));
    std::fs::write(&path, text).expect("write");
    Scratch(path)
}

const SAE: &str = "measure=RR; profile=revman5; fixed=mh; tau2=none";

fn audit_fails(file: &Scratch, column: &str, says: &str) {
    let out = metapool(&["audit", file.path()]);
    refused(&out, says);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("{}, row 2, column '{column}'", file.path())),
        "{stderr}"
    );
}

/// `pooled=banana` was read as fixed, a misspelt key and an unknown check were ignored:
/// each is now an input error naming file, row and column (exit 2).
#[test]
fn audit_refuses_unknown_keys_values_and_checks() {
    let cases = [
        (
            "banana",
            "2.39 (1.10 to 5.23)",
            "recompute",
            format!("{SAE}; pooled=banana"),
            "params",
            "expected fixed or random",
        ),
        (
            "misspelt",
            "2.39 (1.10 to 5.23)",
            "recompute",
            format!("{SAE}; poled=fixed"),
            "params",
            "no parameter 'poled'",
        ),
        (
            "no-equals",
            "2.39 (1.10 to 5.23)",
            "recompute",
            format!("{SAE}; pooled"),
            "params",
            "expected key=value",
        ),
        (
            "twice",
            "2.39 (1.10 to 5.23)",
            "recompute",
            format!("{SAE}; tau2=DL"),
            "params",
            "given twice",
        ),
        (
            "level",
            "2.39 (1.10 to 5.23)",
            "recompute",
            format!("{SAE}; level=0.05"),
            "params",
            "did you mean 95?",
        ),
        (
            "scale",
            "2.39 (1.10 to 5.23)",
            "ci_consistency",
            "scale=log".to_string(),
            "params",
            "expected difference or ratio",
        ),
        (
            "check",
            "2.39 (1.10 to 5.23)",
            "recompte",
            SAE.to_string(),
            "check",
            "unknown check 'recompte'",
        ),
        (
            "figure",
            "2.39 from 1.10",
            "recompute",
            SAE.to_string(),
            "figure",
            "cannot read",
        ),
    ];
    for (name, figure, check, params, column, says) in &cases {
        let file = registry(name, &[(figure, check, params)]);
        audit_fails(&file, column, says);
    }
}

/// `level=90` was ignored and the 95% figure REPRODUCED: the level now applies, and the
/// 90% interval of the same data does not print as the 95% figure (Cochrane CD007026
/// pub7, summary of findings: RR 2.39, 95% CI 1.10 to 5.23).
#[test]
fn audit_applies_a_claims_level() {
    let verdict = |params: &str| {
        let file = registry("lvl", &[("2.39 (1.10 to 5.23)", "recompute", params)]);
        let out = metapool(&["audit", file.path(), "--format", "json"]);
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
        v[0]["verdict"]["kind"].as_str().expect("kind").to_string()
    };
    assert_eq!(verdict(&format!("{SAE}; level=95")), "reproduced");
    assert_eq!(verdict(&format!("{SAE}; level=0.95")), "reproduced");
    assert_ne!(verdict(&format!("{SAE}; level=90")), "reproduced");
}

/// The published figure as papers print it, with the measure's name and "95% CI", or as
/// meta prints it, "[1.10; 5.23]": read, and reproduced (Cochrane CD007026 pub7).
#[test]
fn audit_reads_figures_as_published() {
    for figure in ["RR 2.39 (95% CI 1.10 to 5.23)", "2.39 [1.10; 5.23]"] {
        let file = registry("forms", &[(figure, "recompute", SAE)]);
        let out = metapool(&["audit", file.path(), "--format", "json"]);
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
        assert_eq!(v[0]["verdict"]["kind"], "reproduced", "{figure}: {v}");
    }
}

/// `metapool audit` exits as `diff` does: 0 when every figure holds, 1 when one does
/// not (it exited 0 either way). The figure is Cochrane CD007026 pub7's RR 2.39 (1.10
/// to 5.23); 2.49 (1.12 to 5.56) is what metafor's rma.mh gives instead.
#[test]
fn audit_exits_1_when_a_figure_does_not_hold() {
    let holds = registry("holds", &[("2.39 (1.10 to 5.23)", "recompute", SAE)]);
    assert_eq!(metapool(&["audit", holds.path()]).status.code(), Some(0));
    let fails = registry(
        "fails",
        &[
            ("2.39 (1.10 to 5.23)", "recompute", SAE),
            ("2.49 (1.12 to 5.56)", "recompute", SAE),
        ],
    );
    let out = metapool(&["audit", fails.path()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("NOT REPRODUCED"));
    let out = metapool(&["audit", fails.path(), "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
}

/// `regress --tau2 none` fits the fixed-effects meta-regression (metafor:
/// "Fixed-Effects with Moderators Model"); it was labelled "Mixed-effects".
#[test]
fn regress_without_tau2_is_labelled_fixed_effects() {
    let out = metapool(&[
        "regress",
        "tests/golden/inputs/bcg_mods.csv",
        "--mods",
        "ablat",
        "--tau2",
        "none",
    ]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("Fixed-effects meta-regression"), "{text}");
    assert!(!text.contains("Mixed-effects"), "{text}");
    let out = metapool(&[
        "regress",
        "tests/golden/inputs/bcg_mods.csv",
        "--mods",
        "ablat",
    ]);
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("Mixed-effects (REML)"));
}

/// One value of tests/golden/bias.csv (tests/golden/generate_bias.R, metafor 3.8-1).
fn bias_golden(keys: &[&str]) -> f64 {
    let mut rdr = csv::Reader::from_path("tests/golden/bias.csv").expect("golden");
    for rec in rdr.records() {
        let r = rec.expect("record");
        if keys.iter().enumerate().all(|(i, k)| &r[i] == *k) {
            return r[keys.len()].parse().expect("number");
        }
    }
    panic!("no {keys:?} in tests/golden/bias.csv");
}

fn close(actual: &serde_json::Value, expected: f64) {
    let a = actual.as_f64().expect("a number");
    assert!(
        (a - expected).abs() <= 1e-8 * expected.abs() + 1e-12,
        "{a} vs metafor {expected}"
    );
}

/// `bias` reports Egger's test as papers and meta's metabias compute it (weighted
/// regression with multiplicative dispersion: metafor regtest(model = "lm")) and the
/// regression test of the model in use (regtest(x) of the REML fit), both named; it
/// reported only the second. R: regtest(rma(yi, vi, data=es, method="REML"),
/// model="lm") and regtest(rma(yi, vi, data=es, method="REML")) on dat.bcg (log RR);
/// tolerance 1e-8 relative.
#[test]
fn bias_reports_eggers_test_and_the_regression_test_of_the_model() {
    let out = metapool(&["bias", "tests/golden/inputs/bcg.csv", "--format", "json"]);
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let lm = |q| bias_golden(&["bcg", "RR", "regtest", "lm", "t", "sei", q]);
    close(&v["egger"]["statistic"], lm("zval"));
    close(&v["egger"]["p_value"], lm("pval"));
    close(&v["egger"]["df"], lm("dfs"));
    close(&v["egger"]["limit_estimate"]["estimate"], lm("est"));
    assert_eq!(v["egger"]["model"], "lm");
    let rma = |q| bias_golden(&["bcg", "RR", "regtest", "REML", "z", "sei", q]);
    close(&v["regression_test_of_model"]["statistic"], rma("zval"));
    close(&v["regression_test_of_model"]["p_value"], rma("pval"));
    assert_eq!(v["regression_test_of_model"]["model"], "rma");
    let out = metapool(&["bias", "tests/golden/inputs/bcg.csv"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("Egger's test (weighted regression on SE, multiplicative dispersion)")
            && text.contains("Regression test of the model in use (REML random-effects"),
        "{text}"
    );
    assert!(!text.contains("below 10 studies"), "{text}");
}

/// Below 10 studies the small-study tests carry a warning, as meta's metabias refuses
/// them by default (k.min = 10). dat.normand1999 has 9 studies; Egger's test there is
/// metafor's regtest(model = "lm") (tests/golden/bias.csv).
#[test]
fn small_study_tests_below_ten_studies_carry_a_warning() {
    let out = metapool(&[
        "bias",
        "tests/golden/inputs/normand1999.csv",
        "--measure",
        "MD",
        "--format",
        "json",
    ]);
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("9 studies: small-study tests") && stderr.contains("k.min = 10"),
        "{stderr}"
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert!(v["warnings"][0]
        .as_str()
        .expect("warning")
        .contains("below 10 studies"));
    close(
        &v["egger"]["statistic"],
        bias_golden(&["normand1999", "MD", "regtest", "lm", "t", "sei", "zval"]),
    );
}
