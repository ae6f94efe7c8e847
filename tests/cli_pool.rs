//! `metapool pool` driven as a user runs it: exit codes, streams, the JSON fields of
//! the design, and the numbers against metafor (tests/golden/rma.csv, from
//! tests/golden/generate_rma.R; tolerance 1e-8 relative).

use std::process::{Command, Output};

fn metapool(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_metapool"))
        .args(args)
        .output()
        .expect("run metapool")
}

fn golden(
    dataset: &str,
    measure: &str,
    fit: &str,
    method: &str,
    test: &str,
    quantity: &str,
) -> f64 {
    let mut rdr = csv::Reader::from_path("tests/golden/rma.csv").expect("golden");
    for rec in rdr.records() {
        let r = rec.expect("record");
        if (&r[0], &r[1], &r[2], &r[3], &r[4], &r[5])
            == (dataset, measure, fit, method, test, quantity)
        {
            return r[6].parse().expect("number");
        }
    }
    panic!("no golden value for {dataset} {measure} {fit} {method} {test} {quantity}");
}

fn json(args: &[&str]) -> serde_json::Value {
    json_with_status(args, 0)
}

/// The JSON of a run that exits with `status` (`revman` exits 1 when a figure does
/// not hold).
fn json_with_status(args: &[&str], status: i32) -> serde_json::Value {
    let out = metapool(args);
    assert_eq!(
        out.status.code(),
        Some(status),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON on stdout")
}

fn close(actual: &serde_json::Value, expected: f64) {
    let a = actual.as_f64().expect("a number");
    assert!(
        (a - expected).abs() <= 1e-8 * expected.abs() + 1e-12,
        "{a} vs metafor {expected}"
    );
}

#[test]
fn json_has_the_fields_of_the_design() {
    let v = json(&["pool", "tests/golden/inputs/bcg.csv", "--format", "json"]);
    for key in [
        "measure",
        "k",
        "level",
        "fixed",
        "random",
        "heterogeneity",
        "studies",
    ] {
        assert!(v.get(key).is_some(), "missing {key}");
    }
    for key in [
        "method", "estimate", "se", "ci_lower", "ci_upper", "z", "p_value",
    ] {
        assert!(v["fixed"].get(key).is_some(), "fixed.{key}");
    }
    for key in [
        "tau2_method",
        "estimate",
        "se",
        "ci_lower",
        "ci_upper",
        "statistic",
        "df",
        "p_value",
        "pi_lower",
        "pi_upper",
    ] {
        assert!(v["random"].get(key).is_some(), "random.{key}");
    }
    for key in [
        "q",
        "df",
        "p_value",
        "i2_q",
        "i2_tau2",
        "h2",
        "tau2",
        "tau",
        "tau2_ci_lower",
        "tau2_ci_upper",
        "i2_ci_lower",
        "i2_ci_upper",
    ] {
        assert!(v["heterogeneity"].get(key).is_some(), "heterogeneity.{key}");
    }
    for key in ["study", "yi", "vi", "weight_fixed", "weight_random"] {
        assert!(v["studies"][0].get(key).is_some(), "studies.{key}");
    }
    assert_eq!(v["measure"], "RR");
    assert_eq!(v["k"], 13);
    assert_eq!(v["fixed"]["method"], "iv");
    assert_eq!(v["random"]["tau2_method"], "REML");
}

/// R: rma(yi, vi, data=es, method="REML", test="knha", control=list(threshold=1e-10, ...))
#[test]
fn reml_with_hksj_matches_metafor_on_bcg() {
    let v = json(&[
        "pool",
        "tests/golden/inputs/bcg.csv",
        "--profile",
        "metafor",
        "--tau2",
        "REML",
        "--ci",
        "hksj",
        "--format",
        "json",
    ]);
    let g = |q| golden("bcg", "RR", "rma", "REML", "knha", q);
    close(&v["random"]["estimate"], g("beta"));
    close(&v["random"]["se"], g("se"));
    close(&v["random"]["ci_lower"], g("ci.lb"));
    close(&v["random"]["ci_upper"], g("ci.ub"));
    close(&v["random"]["pi_lower"], g("pi.lb"));
    close(&v["heterogeneity"]["tau2"], g("tau2"));
    close(&v["heterogeneity"]["q"], g("QE"));
    close(&v["heterogeneity"]["i2_tau2"], g("I2"));
    close(&v["heterogeneity"]["tau2_ci_upper"], g("tau2.ub"));
}

/// R: rma(yi, vi, data=es, method="DL", test="t") with escalc(measure="SMD")
#[test]
fn smd_dl_with_t_matches_metafor_on_normand1999() {
    let v = json(&[
        "pool",
        "tests/golden/inputs/normand1999.csv",
        "--measure",
        "SMD",
        "--tau2",
        "DL",
        "--ci",
        "t",
        "--format",
        "json",
    ]);
    let g = |q| golden("normand1999", "SMD", "rma", "DL", "t", q);
    close(&v["random"]["estimate"], g("beta"));
    close(&v["random"]["ci_upper"], g("ci.ub"));
    close(&v["random"]["p_value"], g("pval"));
    close(&v["random"]["df"], g("dfs"));
}

/// R: rma.mh(ai, n1i, ci, n2i, measure="OR")
#[test]
fn mantel_haenszel_or_matches_rma_mh_on_nielweise2007() {
    let v = json(&[
        "pool",
        "tests/golden/inputs/nielweise2007.csv",
        "--measure",
        "OR",
        "--fixed",
        "mh",
        "--tau2",
        "none",
        "--format",
        "json",
    ]);
    let g = |q| golden("nielweise2007", "OR", "rma.mh", "MH", "z", q);
    close(&v["fixed"]["estimate"], g("beta"));
    close(&v["fixed"]["se"], g("se"));
    close(&v["heterogeneity"]["q"], g("QE"));
    assert!(v["random"].is_null());
}

#[test]
fn revman5_text_report_prints_the_cochrane_figure() {
    let out = metapool(&[
        "pool",
        "data/cd007026/pub7_nonfatal_sae.csv",
        "--profile",
        "revman5",
        "--tau2",
        "none",
    ]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).expect("utf-8");
    assert!(text.contains("2.39 [1.10, 5.23]"), "{text}");
    assert!(text.contains("Heterogeneity:"), "{text}");
    assert!(text.contains("Test for overall effect"), "{text}");
}

#[test]
fn csv_report_has_a_row_per_study_and_pooled_rows() {
    let out = metapool(&["pool", "tests/golden/inputs/bcg.csv", "--format", "csv"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).expect("utf-8");
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("row,study,yi,vi"));
    assert_eq!(lines.iter().filter(|l| l.starts_with("study,")).count(), 13);
    assert!(lines.iter().any(|l| l.starts_with("fixed,")));
    assert!(lines.iter().any(|l| l.starts_with("random,")));
}

#[test]
fn bad_input_exits_2_with_file_row_and_column_on_stderr_only() {
    let dir = std::env::temp_dir().join(format!("metapool-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("bad.csv");
    std::fs::write(
        &file,
        "study,events_e,n_e,events_c,n_c\nA,1,10,2,10\nB,12,10,2,10\n",
    )
    .expect("write");
    let out = metapool(&["pool", file.to_str().expect("path")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad.csv") && err.contains("row 3") && err.contains("events_e"),
        "{err}"
    );
}

#[test]
fn usage_errors_exit_2_and_help_exits_0() {
    assert_eq!(metapool(&["pool"]).status.code(), Some(2));
    assert_eq!(
        metapool(&["pool", "tests/golden/inputs/bcg.csv", "--tau2", "XX"])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        metapool(&["pool", "tests/golden/inputs/bcg.csv", "--level", "120"])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(metapool(&["--help"]).status.code(), Some(0));
    assert_eq!(metapool(&["--version"]).status.code(), Some(0));
}

/// Higgins-Thompson-Spiegelhalter prediction interval, t(k − 2): reference values from
/// tests/golden/generate_pi_hts.R (the formula applied in R to metafor's fits).
#[test]
fn hts_prediction_interval_matches_r() {
    let mut rdr = csv::Reader::from_path("tests/golden/pi_hts.csv").expect("golden");
    for rec in rdr.records() {
        let r = rec.expect("record");
        let file = format!("tests/golden/inputs/{}.csv", &r[0]);
        let v = json(&[
            "pool",
            &file,
            "--measure",
            &r[1],
            "--tau2",
            &r[2],
            "--pi",
            "hts",
            "--format",
            "json",
        ]);
        close(&v["random"]["pi_lower"], r[3].parse().expect("number"));
        close(&v["random"]["pi_upper"], r[4].parse().expect("number"));
    }
}

/// Higgins & Thompson's (2002) I² interval (`--i2-ci ht`): reference values from
/// tests/golden/generate_i2_ht.R (the paper's formulas written in R, Q from metafor's
/// fits). The rows without a data set check the formula from Q and k alone, both forms
/// of SE(ln H) (Q > k and Q ≤ k) among them.
#[test]
fn higgins_thompson_i2_interval_matches_r() {
    let mut rdr = csv::Reader::from_path("tests/golden/i2_ht.csv").expect("golden");
    let mut checked = 0;
    for rec in rdr.records() {
        let r = rec.expect("record");
        let level: f64 = r[2].parse().expect("level");
        let (lower, upper) = if r[0].is_empty() {
            let (q, k): (f64, usize) = (r[3].parse().expect("Q"), r[4].parse().expect("k"));
            metapool::heterogeneity::i2_higgins_thompson(q, k, level)
        } else {
            let file = format!("tests/golden/inputs/{}.csv", &r[0]);
            let percent = format!("{}", level * 100.0);
            let v = json(&[
                "pool",
                &file,
                "--measure",
                &r[1],
                "--tau2",
                "DL",
                "--i2-ci",
                "ht",
                "--level",
                &percent,
                "--format",
                "json",
            ]);
            close(&v["heterogeneity"]["q"], r[3].parse().expect("Q"));
            let h = &v["heterogeneity"];
            (
                h["i2_ci_lower"].as_f64().expect("lower"),
                h["i2_ci_upper"].as_f64().expect("upper"),
            )
        };
        for (ours, expected) in [(lower, &r[5]), (upper, &r[6])] {
            let expected: f64 = expected.parse().expect("number");
            assert!(
                (ours - expected).abs() <= 1e-10 * expected.abs().max(1.0),
                "{:?}: {ours} vs {expected}",
                r
            );
        }
        checked += 1;
    }
    assert_eq!(checked, 12);
}

/// `metapool revman`: the hand-made export of CD007026.pub6 analysis 1.4
/// (tests/revman/README.md) is re-run and every printed figure reproduced (exit 0); a
/// figure changed by hand is reported as not reproduced (exit 1, as `diff`).
#[test]
fn revman_export_is_rerun_and_its_figures_checked() {
    let out = metapool(&["revman", "tests/revman/cd007026_pub6_analysis_1_4.csv"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).expect("utf-8");
    assert!(text.contains("18 printed figures, 18 reproduced"), "{text}");
    let original =
        std::fs::read_to_string("tests/revman/cd007026_pub6_analysis_1_4.csv").expect("export");
    let dir = std::env::temp_dir().join(format!("metapool-revman-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let changed = dir.join("changed.csv");
    std::fs::write(&changed, original.replacen("2.15", "2.25", 1)).expect("write");
    let v = json_with_status(
        &[
            "revman",
            changed.to_str().expect("path"),
            "--format",
            "json",
        ],
        1,
    );
    let out = metapool(&["revman", changed.to_str().expect("path")]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("NOT REPRODUCED"));
    let bad: Vec<&serde_json::Value> = revman_checks(&v)
        .into_iter()
        .filter(|c| c["verdict"]["kind"] != "reproduced")
        .collect();
    assert_eq!(bad.len(), 1, "{bad:?}");
    assert_eq!(bad[0]["printed"], "2.25");
    assert_eq!(bad[0]["verdict"]["recomputed"], "2.15");
}

/// The checks of every outcome of a `metapool revman --format json` report.
fn revman_checks(v: &serde_json::Value) -> Vec<&serde_json::Value> {
    v["outcomes"]
        .as_array()
        .expect("outcomes")
        .iter()
        .flat_map(|o| o["checks"].as_array().expect("checks"))
        .collect()
}

/// `metapool revman` on a real RevMan 5 export (tests/revman/Fleiss93_CR.csv, shipped
/// with R's meta package): 94 printed figures (80 printed to 8 decimals, 6 arm totals,
/// and on each outcome row Weight, Qint, P(Qint) and I²(Qint)), all reproduced. The two
/// P(Q) are RevMan 5's own χ² tail (0.12694225 and 0.22600895), 7e-8 and 6e-8 above the
/// exact one that R's `pchisq` gives (0.126942178044 and 0.226008892901), as
/// tests/revman/README.md explains; the two P(Qint) of outcomes without subgroups are
/// RevMan's placeholders 0 and 1 (a test on 0 df has no P value).
/// The same export in Latin-1 (as written on Windows) reads the same.
#[test]
fn real_revman_export_is_reproduced_with_revmans_own_p_q() {
    let v = json_with_status(
        &["revman", "tests/revman/Fleiss93_CR.csv", "--format", "json"],
        0,
    );
    let checks = revman_checks(&v);
    assert_eq!(checks.len(), 94);
    assert!(checks.iter().all(|c| c["verdict"]["kind"] == "reproduced"));
    let p_q: Vec<&&serde_json::Value> = checks.iter().filter(|c| c["column"] == "P(Q)").collect();
    assert_eq!(p_q.len(), 2);
    for (check, exact) in p_q.iter().zip([0.126942178044, 0.226008892901]) {
        let printed: f64 = check["printed"]
            .as_str()
            .expect("text")
            .parse()
            .expect("number");
        // Not the exact tail at the printed 8 decimals: RevMan's own.
        assert!((printed - exact).abs() > 5e-8, "{check}");
        assert_eq!(check["verdict"]["recomputed"], check["printed"]);
    }
    let bytes = std::fs::read_to_string("tests/revman/Fleiss93_CR.csv").expect("export");
    let latin1: Vec<u8> = bytes
        .chars()
        .map(|c| u8::try_from(u32::from(c)).expect("Latin-1"))
        .collect();
    let dir = std::env::temp_dir().join(format!("metapool-revman-latin1-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let path = dir.join("Fleiss93_CR.csv");
    std::fs::write(&path, latin1).expect("write");
    let w = json_with_status(
        &["revman", path.to_str().expect("path"), "--format", "json"],
        0,
    );
    assert_eq!(w["outcomes"], v["outcomes"]);
}

/// `metapool regress` and `metapool sensitivity` against the metafor values of
/// tests/golden/regression.csv (rma(yi, vi, mods = ~ ablat, data = bcg_mods, method =
/// 'REML', test = 'knha')) and tests/golden/sensitivity.csv (influence of the bcg REML fit).
#[test]
fn regress_and_sensitivity_commands_match_metafor() {
    let golden = |file: &str, keys: &[&str], quantity_col: usize| -> f64 {
        let mut rdr = csv::Reader::from_path(file).expect("golden");
        for rec in rdr.records() {
            let r = rec.expect("record");
            if keys.iter().enumerate().all(|(i, k)| &r[i] == *k) {
                return r[quantity_col].parse().expect("number");
            }
        }
        panic!("no {keys:?} in {file}");
    };
    let regress = [
        "regress",
        "tests/golden/inputs/bcg_mods.csv",
        "--mods",
        "ablat",
        "--measure",
        "GEN",
        "--ci",
        "hksj",
        "--format",
        "json",
    ];
    let v = json(&regress);
    let expected = golden(
        "tests/golden/regression.csv",
        &["bcg_mods", "ablat", "REML", "knha", "beta.2"],
        5,
    );
    close(&v["coefficients"][1]["estimate"], expected);
    let expected = golden(
        "tests/golden/regression.csv",
        &["bcg_mods", "ablat", "REML", "knha", "QMp"],
        5,
    );
    close(&v["qm_p_value"], expected);
    // The permutation test: random (13! arrangements), reproducible from its seed, and
    // run with the Knapp-Hartung tests of the fit (its library function is checked
    // against metafor's permutest on metafor's own draws in tests/regression_golden.rs).
    let args = [
        &regress[..],
        &["--permutation", "--iterations", "300", "--seed", "42"],
    ]
    .concat();
    let (a, b) = (json(&args), json(&args));
    assert_eq!(a["permutation"], b["permutation"]);
    let test = &a["permutation"];
    assert_eq!(test["scheme"], "rows");
    assert_eq!(test["exact"], false);
    assert_eq!(test["iterations"], 300);
    assert_eq!(test["seed"], 42);
    let p = test["p_values"][1].as_f64().expect("p");
    assert!(p > 0.0 && p < 0.05, "{p}");
    let v = json(&[
        "sensitivity",
        "tests/golden/inputs/bcg.csv",
        "--format",
        "json",
    ]);
    let expected = golden(
        "tests/golden/sensitivity.csv",
        &["bcg", "RR", "REML", "influence", "1", "cook.d"],
        6,
    );
    close(&v["influence"][0]["cook_d"], expected);
    let expected = golden(
        "tests/golden/sensitivity.csv",
        &["bcg", "RR", "REML", "leave1out", "13", "estimate"],
        6,
    );
    close(&v["leave_one_out"][12]["estimate"], expected);
}

/// `metapool effects`: study-level yi, vi as CSV, against metafor's escalc
/// (tests/golden/rma.csv keeps the effects each fit used: escalc defaults, measure RR).
#[test]
fn effects_command_prints_yi_and_vi() {
    let out = metapool(&["effects", "tests/golden/inputs/bcg.csv", "--measure", "RR"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).expect("utf-8");
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("study,yi,vi"));
    let first: Vec<&str> = lines.next().expect("a study").rsplitn(3, ',').collect();
    let (yi, vi): (f64, f64) = (first[1].parse().expect("yi"), first[0].parse().expect("vi"));
    let g = |q| golden("bcg", "RR", "escalc", "", "", q);
    assert!(
        (yi - g("yi.1")).abs() < 1e-12 && (vi - g("vi.1")).abs() < 1e-12,
        "{yi} {vi}"
    );
}

/// `metapool bias` against metafor's regtest, ranktest and trimfill on dat.bcg
/// (tests/golden/bias.csv from tests/golden/generate_bias.R).
#[test]
fn bias_command_matches_metafor() {
    let golden = |keys: [&str; 7]| -> f64 {
        let mut rdr = csv::Reader::from_path("tests/golden/bias.csv").expect("golden");
        for rec in rdr.records() {
            let r = rec.expect("record");
            if (0..7).all(|i| r[i] == *keys[i]) {
                return r[7].parse().expect("number");
            }
        }
        panic!("no {keys:?}");
    };
    let v = json(&["bias", "tests/golden/inputs/bcg.csv", "--format", "json"]);
    close(
        &v["regression_test_of_model"]["statistic"],
        golden(["bcg", "RR", "regtest", "REML", "z", "sei", "zval"]),
    );
    close(
        &v["egger"]["statistic"],
        golden(["bcg", "RR", "regtest", "lm", "t", "sei", "zval"]),
    );
    close(
        &v["begg"]["p_value"],
        golden(["bcg", "RR", "ranktest", "", "", "", "pval"]),
    );
    close(
        &v["trim_and_fill"]["se_k0"],
        golden(["bcg", "RR", "trimfill", "REML", "z", "L0", "se.k0"]),
    );
    close(
        &v["trim_and_fill"]["filled"][0]["yi"],
        golden(["bcg", "RR", "trimfill", "REML", "z", "L0", "fill.yi.1"]),
    );
    close(
        &v["trim_and_fill"]["fit"]["random"]["estimate"],
        golden(["bcg", "RR", "trimfill", "REML", "z", "L0", "beta"]),
    );
    assert_eq!(v["trim_and_fill"]["k0"], 1);
}

/// metafor reads `level = 0.95` as 95% (metafor 3.8-1 `.level()`); so does `--level`:
/// the CI is metafor's 95% CI. R: rma(yi, vi, data=es, method="REML", test="z").
#[test]
fn level_given_as_a_proportion_is_read_as_metafor_reads_it() {
    let g = |q| golden("bcg", "RR", "rma", "REML", "z", q);
    for level in ["0.95", "95"] {
        let v = json(&[
            "pool",
            "tests/golden/inputs/bcg.csv",
            "--level",
            level,
            "--format",
            "json",
        ]);
        close(&v["random"]["ci_lower"], g("ci.lb"));
        close(&v["random"]["ci_upper"], g("ci.ub"));
        assert_eq!(v["level"], 95.0, "--level {level}");
    }
    let out = metapool(&["pool", "tests/golden/inputs/bcg.csv", "--level", "0.95"]);
    let text = String::from_utf8(out.stdout).expect("utf-8");
    assert!(text.contains("95% CI"), "{text}");
    assert!(!text.contains(" 1% CI"), "{text}");
}

#[test]
fn level_metafor_would_read_as_alpha_is_refused_with_a_suggestion() {
    let out = metapool(&["pool", "tests/golden/inputs/bcg.csv", "--level", "0.05"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("did you mean 95?"), "{stderr}");
}

/// Hackshaw 1998's odds ratios with CIs (metadat dat.hackshaw1998), read without
/// `--measure`: pooled as GEN on the natural scale, with a warning that the intervals
/// are those of ratios; with `--measure OR` the fixed-effect z is metafor's.
/// R: rma(yi, vi, data=es, method="FE", test="z") (tests/golden/rma.csv).
#[test]
fn ratio_intervals_read_without_a_measure_are_flagged() {
    let out = metapool(&[
        "pool",
        "tests/golden/inputs/hackshaw1998_ci.csv",
        "--format",
        "json",
    ]);
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("symmetric about its estimate on the log scale")
            && stderr.contains("--measure OR"),
        "{stderr}"
    );
    for command in ["bias", "sensitivity"] {
        let out = metapool(&[command, "tests/golden/inputs/hackshaw1998_ci.csv"]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("on the log scale"), "{command}: {stderr}");
    }
    let v = json(&[
        "pool",
        "tests/golden/inputs/hackshaw1998_ci.csv",
        "--measure",
        "OR",
        "--tau2",
        "none",
        "--format",
        "json",
    ]);
    close(
        &v["fixed"]["z"],
        golden("hackshaw1998_ci", "OR", "rma", "FE", "z", "zval"),
    );
    assert!(v["warnings"]
        .as_array()
        .expect("warnings")
        .iter()
        .all(|w| !w.as_str().unwrap_or_default().contains("log scale")));
}

/// Mean differences with CIs symmetric on the natural scale: no warning.
#[test]
fn difference_intervals_are_not_flagged_as_ratios() {
    let dir = std::env::temp_dir().join(format!("metapool-md-ci-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let path = dir.join("md.csv");
    std::fs::write(
        &path,
        "study,estimate,ci_lower,ci_upper\nA,1.10,0.37,1.83\nB,2.50,1.50,3.50\nC,0.80,0.20,1.40\n",
    )
    .expect("write");
    let out = metapool(&["pool", path.to_str().expect("path")]);
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("log scale"), "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// The heterogeneity lines say which I² they print, and each I² interval stands beside
/// its own I²: the Q-profile interval beside metafor's τ²-based I² (92.2%), the
/// Higgins-Thompson interval beside the Q-based one, 100 (Q − df)/Q = 92.1%. R:
/// rma(yi, vi, data=es, method="REML") on dat.bcg (tests/golden/rma.csv: I2, QE).
#[test]
fn heterogeneity_lines_name_their_i2() {
    let g = |q| golden("bcg", "RR", "rma", "REML", "z", q);
    let text = |extra: &[&str]| {
        let mut args = vec!["pool", "tests/golden/inputs/bcg.csv"];
        args.extend(extra);
        let out = metapool(&args);
        assert!(out.status.success());
        String::from_utf8(out.stdout).expect("utf-8")
    };
    let t = text(&[]);
    assert!(
        t.contains(&format!("I\u{b2} = {:.0}% (from Tau\u{b2})", g("I2"))),
        "{t}"
    );
    assert!(
        t.contains(&format!("I\u{b2} = {:.1}% [", g("I2")))
            && t.contains("CI from the Q-profile limits of Tau\u{b2}"),
        "{t}"
    );
    let (q, df) = (g("QE"), g("k") - 1.0);
    let t = text(&["--i2-ci", "ht"]);
    assert!(
        t.contains(&format!("I\u{b2} = {:.1}% [", 100.0 * (q - df) / q))
            && t.contains("from Chi\u{b2}, Higgins-Thompson CI"),
        "{t}"
    );
    let t = text(&["--profile", "revman5"]);
    assert!(t.contains("% (from Chi\u{b2})"), "{t}");
}

/// Identical estimates under HKSJ: the standard error is 0 and the statistic infinite;
/// metafor gives zval = Inf, se = 0, pval = 0 (R: rma(c(0.2, 0.2, 0.2), c(0.01, 0.02,
/// 0.03), method = "DL", test = "knha")). The JSON writes +∞ as "Infinity", apart from
/// null, which stays "undefined": the τ² limits of a single study (metafor's confint
/// stops there).
#[test]
fn infinite_statistics_are_written_apart_from_undefined_ones() {
    let dir = std::env::temp_dir().join(format!("metapool-inf-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let path = dir.join("identical.csv");
    std::fs::write(&path, "study,yi,vi\nA,0.2,0.01\nB,0.2,0.02\nC,0.2,0.03\n").expect("write");
    let file = path.to_str().expect("path");
    let v = json(&[
        "pool", file, "--tau2", "DL", "--ci", "hksj", "--format", "json",
    ]);
    assert_eq!(v["random"]["statistic"], "Infinity", "{}", v["random"]);
    assert_eq!(v["random"]["se"], 0.0);
    assert_eq!(v["random"]["p_value"], 0.0);
    let one = dir.join("one.csv");
    std::fs::write(&one, "study,yi,vi\nA,0.2,0.01\n").expect("write");
    let v = json(&["pool", one.to_str().expect("path"), "--format", "json"]);
    assert!(
        v["heterogeneity"]["tau2_ci_lower"].is_null(),
        "{}",
        v["heterogeneity"]
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// `--studies none` leaves the study rows out and nothing else; without the option, more
/// than 10⁴ studies leave them out with a warning, and `--studies all` writes them.
#[test]
fn study_rows_are_optional_and_left_out_by_default_for_large_k() {
    let bcg = "tests/golden/inputs/bcg.csv";
    let mut all = json(&["pool", bcg, "--format", "json"]);
    let none = json(&["pool", bcg, "--format", "json", "--studies", "none"]);
    assert_eq!(all["studies"].as_array().map(Vec::len), Some(13));
    assert_eq!(none["studies"].as_array().map(Vec::len), Some(0));
    all["studies"] = serde_json::json!([]);
    assert_eq!(all, none, "only the study rows differ");

    let dir = std::env::temp_dir().join(format!("metapool-studies-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let big = dir.join("k10001.csv");
    let mut text = String::from("study,yi,vi\n");
    for i in 0..10_001 {
        text += &format!(
            "s{i},{},{}\n",
            (i % 7) as f64 / 10.0,
            0.01 + (i % 5) as f64 / 100.0
        );
    }
    std::fs::write(&big, text).expect("write the table");
    let big = big.to_str().expect("path");
    let out = metapool(&["pool", big, "--tau2", "DL", "--format", "json"]);
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("10001 studies: the study rows are left out"),
        "{stderr}"
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(v["studies"].as_array().map(Vec::len), Some(0));
    assert_eq!(v["k"], 10_001);
    let v = json(&[
        "pool",
        big,
        "--tau2",
        "DL",
        "--format",
        "json",
        "--studies",
        "all",
    ]);
    assert_eq!(v["studies"].as_array().map(Vec::len), Some(10_001));
    // Asked for, the rows come without the warning that they are left out.
    let out = metapool(&["pool", big, "--tau2", "DL", "--studies", "all"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && !stderr.contains("left out"),
        "{stderr}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// `metapool effects` takes the options of the study effects that `pool` takes, so it
/// writes the effects `pool` pools (here intervals printed at 90%), and warns of the
/// pooling options it has no use for.
#[test]
fn effects_are_the_study_effects_pool_pools() {
    let file = "tests/golden/inputs/hackshaw1998_ci.csv";
    let args = ["--measure", "OR", "--input-level", "90"];
    let fit = json(&[&["pool", file, "--format", "json"][..], &args[..]].concat());
    let out = metapool(&[&["effects", file, "--tau2", "DL"][..], &args[..]].concat());
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("--tau2 has no effect on `metapool effects`"),
        "{stderr}"
    );
    let text = String::from_utf8(out.stdout).expect("UTF-8");
    let rows: Vec<&str> = text.lines().skip(1).collect();
    let studies = fit["studies"].as_array().expect("studies");
    assert_eq!(rows.len(), studies.len());
    // serde_json reads a number to within an ulp (without its float_roundtrip feature).
    let same = |cell: &str, json: &serde_json::Value| {
        let (a, b) = (
            cell.parse::<f64>().expect("a number"),
            json.as_f64().expect("a number"),
        );
        (a - b).abs() <= 4.0 * f64::EPSILON * b.abs()
    };
    for (row, study) in rows.iter().zip(studies) {
        let cells: Vec<&str> = row.rsplitn(3, ',').collect();
        assert!(same(cells[0], &study["vi"]), "{row}: {}", study["vi"]);
        assert!(same(cells[1], &study["yi"]), "{row}: {}", study["yi"]);
    }
}
