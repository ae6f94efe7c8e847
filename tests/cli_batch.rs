//! `metapool batch`: one row per meta-analysis, against metafor.
//!
//! Expected values: tests/golden/batch_yusuf1985.csv from tests/golden/generate_subgroups.R,
//! one `rma(yi, vi, method = "REML")` per table of dat.yusuf1985 (log odds ratios,
//! escalc defaults). Tolerance 1e-8 relative (1e-10 absolute for τ² at 0).

use std::collections::HashMap;
use std::process::Command;

fn run(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_metapool"))
        .args(args)
        .output()
        .expect("run")
}

#[test]
fn every_group_matches_its_own_metafor_fit() {
    let out = run(&[
        "batch",
        "tests/golden/inputs/yusuf1985.csv",
        "--group-by",
        "subgroup",
        "--measure",
        "OR",
        "--tau2",
        "REML",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut rdr = csv::Reader::from_reader(out.stdout.as_slice());
    let header = rdr.headers().expect("header").clone();
    let col = |name: &str| header.iter().position(|h| h == name).expect(name);
    let ours: HashMap<String, csv::StringRecord> = rdr
        .records()
        .map(|r| r.expect("row"))
        .map(|r| (r[col("group")].to_string(), r))
        .collect();
    let mut golden = csv::Reader::from_path("tests/golden/batch_yusuf1985.csv").expect("golden");
    let mut n = 0;
    for rec in golden.records() {
        let g = rec.expect("golden row");
        let row = &ours[&g[0]];
        for (name, gi) in [
            ("random_estimate", 2),
            ("random_se", 3),
            ("tau2", 4),
            ("q", 5),
        ] {
            let expected: f64 = g[gi].parse().expect("number");
            let actual: f64 = row[col(name)].parse().expect("our number");
            assert!(
                (actual - expected).abs() <= 1e-8 * expected.abs() + 1e-10,
                "group {} {name}: {actual} vs {expected}",
                &g[0]
            );
        }
        assert_eq!(
            row[col("k")].parse::<usize>().expect("k"),
            g[1].parse::<usize>().expect("k")
        );
        n += 1;
    }
    assert_eq!(n, ours.len());
    assert_eq!(n, 6); // tables 6, 9, 10, 11, 12a, 12b of dat.yusuf1985
}

#[test]
fn a_group_that_cannot_be_pooled_gets_an_error_row_and_the_others_go_on() {
    let dir = std::env::temp_dir().join(format!("metapool-batch-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let file = dir.join("groups.csv");
    std::fs::write(
        &file,
        "study,events_e,n_e,events_c,n_c,ma\nA,1,10,2,10,one\nB,3,12,4,11,one\nC,0,10,0,10,two\n",
    )
    .expect("write");
    let out = run(&[
        "batch",
        file.to_str().expect("path"),
        "--group-by",
        "ma",
        "--drop00",
        "drop",
        "--format",
        "jsonl",
    ]);
    assert!(out.status.success());
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .expect("utf-8")
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect();
    assert_eq!(lines.len(), 2);
    assert!(lines[0]["error"].is_null());
    assert!(
        lines[1]["error"]
            .as_str()
            .expect("error")
            .contains("no study"),
        "{}",
        lines[1]
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("1 of 2 groups"));
}

#[test]
fn an_unknown_grouping_column_exits_2() {
    let out = run(&["batch", "tests/golden/inputs/bcg.csv", "--group-by", "nope"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nope"));
}

/// A bad row (a negative count in the second row of group 6 of dat.yusuf1985) used to
/// abort every group with exit 2: it is now the error of its group, naming file, row
/// and column, and every other group still matches its metafor fit
/// (tests/golden/batch_yusuf1985.csv; 1e-8 relative).
#[test]
fn a_bad_row_is_the_error_of_its_group_only() {
    let text = std::fs::read_to_string("tests/golden/inputs/yusuf1985.csv").expect("input");
    let bad = text.replacen("\"Clausen 6\",\"18\"", "\"Clausen 6\",\"-18\"", 1);
    assert_ne!(bad, text);
    let path = std::env::temp_dir().join(format!("metapool-batch-bad-{}.csv", std::process::id()));
    std::fs::write(&path, bad).expect("write");
    let out = run(&[
        "batch",
        path.to_str().expect("path"),
        "--group-by",
        "subgroup",
        "--measure",
        "OR",
        "--tau2",
        "REML",
    ]);
    let _ = std::fs::remove_file(&path);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut rdr = csv::Reader::from_reader(out.stdout.as_slice());
    let header = rdr.headers().expect("header").clone();
    let col = |name: &str| header.iter().position(|h| h == name).expect(name);
    let ours: HashMap<String, csv::StringRecord> = rdr
        .records()
        .map(|r| r.expect("row"))
        .map(|r| (r[col("group")].to_string(), r))
        .collect();
    let error = &ours["6"][col("error")];
    assert!(
        error.contains(", row 3, column 'events_e'") && error.contains("0 or more"),
        "{error}"
    );
    let mut golden = csv::Reader::from_path("tests/golden/batch_yusuf1985.csv").expect("golden");
    let mut n = 0;
    for rec in golden.records() {
        let g = rec.expect("golden row");
        if &g[0] == "6" {
            continue;
        }
        let row = &ours[&g[0]];
        assert_eq!(&row[col("error")], "", "group {}", &g[0]);
        let expected: f64 = g[2].parse().expect("number");
        let actual: f64 = row[col("random_estimate")].parse().expect("our number");
        assert!(
            (actual - expected).abs() <= 1e-8 * expected.abs() + 1e-10,
            "group {}: {actual} vs {expected}",
            &g[0]
        );
        n += 1;
    }
    assert_eq!(n, 5, "groups compared");
}
