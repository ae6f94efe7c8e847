//! Study-level effect sizes against metafor's `escalc`.
//!
//! Expected values: `tests/golden/escalc.csv`, written by `tests/golden/generate.R`
//! (metafor 3.8-1, metadat 1.2.0; versions in `tests/golden/versions.txt`) from the
//! inputs in `tests/golden/inputs/`. The R call for each block is
//! `escalc(measure = M, ai, n1i, ci, n2i, add = A, to = T, drop00 = D)` for binary data
//! and `escalc(measure = M, m1i, sd1i, n1i, m2i, sd2i, n2i)` for continuous data.
//! `NA` in the file means metafor gives no estimate: the study must be excluded here.
//!
//! Tolerance: 1e-10 relative (1e-14 absolute for values that are exactly 0).

use metapool::data::read_csv_path;
use metapool::effect::{compute, AddTo, DoubleZero, EffectOptions, Measure, ZeroCellRule};
use std::collections::BTreeMap;

const REL: f64 = 1e-10;
const ABS_AT_ZERO: f64 = 1e-14;

#[derive(Debug)]
struct Row {
    row: usize,
    yi: Option<f64>,
    vi: Option<f64>,
}

type Key = (String, String, String, String, String, String);

fn golden() -> BTreeMap<Key, Vec<Row>> {
    let mut rdr = csv::Reader::from_path("tests/golden/escalc.csv").expect("golden file");
    let mut blocks: BTreeMap<Key, Vec<Row>> = BTreeMap::new();
    for rec in rdr.records() {
        let r = rec.expect("golden record");
        let num = |s: &str| {
            if s == "NA" {
                None
            } else {
                Some(s.parse::<f64>().expect("number"))
            }
        };
        let key = (
            r[0].into(),
            r[1].into(),
            r[2].into(),
            r[3].into(),
            r[4].into(),
            r[5].into(),
        );
        blocks.entry(key).or_default().push(Row {
            row: r[6].parse().expect("row"),
            yi: num(&r[7]),
            vi: num(&r[8]),
        });
    }
    blocks
}

fn close(actual: f64, expected: f64) -> bool {
    let diff = (actual - expected).abs();
    if expected == 0.0 {
        diff <= ABS_AT_ZERO
    } else {
        diff <= REL * expected.abs()
    }
}

fn options_for(key: &Key) -> EffectOptions {
    let (_, measure, add, to, drop00, variant) = key;
    let mut options = EffectOptions::new(measure.parse::<Measure>().expect("measure"));
    if add != "NA" {
        let mut rule = ZeroCellRule::default();
        rule.increment = add.parse().expect("add");
        rule.add_to = to.parse::<AddTo>().expect("to");
        rule.double_zero = if drop00 == "TRUE" {
            DoubleZero::Drop
        } else {
            DoubleZero::Keep
        };
        options.zero_cell = rule;
    }
    if variant == "ci95" {
        options.level = metapool::Level::NINETY_FIVE;
    }
    options
}

/// Compares one block; returns a description of each mismatch.
fn check_block(key: &Key, rows: &[Row], options: &EffectOptions) -> Vec<String> {
    let table = read_csv_path(format!("tests/golden/inputs/{}.csv", key.0)).expect("input table");
    let effects = compute(&table, options).expect("effects");
    let mut by_row = BTreeMap::new();
    for (j, &i) in effects.index().iter().enumerate() {
        by_row.insert(i + 1, (effects.yi()[j], effects.vi()[j]));
    }
    let mut problems = Vec::new();
    for r in rows {
        match (r.yi, r.vi, by_row.get(&r.row)) {
            (Some(yi), Some(vi), Some(&(ayi, avi))) => {
                if !close(ayi, yi) || !close(avi, vi) {
                    problems.push(format!(
                        "{key:?} row {}: ({ayi}, {avi}) vs metafor ({yi}, {vi})",
                        r.row
                    ));
                }
            }
            (None, _, None) | (_, None, None) => {}
            (None, _, Some(v)) | (_, None, Some(v)) => problems.push(format!(
                "{key:?} row {}: metafor gives NA, we give {v:?}",
                r.row
            )),
            (Some(yi), Some(vi), None) => problems.push(format!(
                "{key:?} row {}: metafor gives ({yi}, {vi}), we excluded it",
                r.row
            )),
        }
    }
    problems
}

#[test]
fn escalc_every_measure_and_zero_cell_option_matches_metafor() {
    let blocks = golden();
    assert!(
        blocks.len() > 200,
        "golden file has {} blocks",
        blocks.len()
    );
    let compared: usize = blocks
        .values()
        .map(|rows| rows.iter().filter(|r| r.yi.is_some()).count())
        .sum();
    assert!(compared > 6000, "only {compared} estimates compared");
    let problems: Vec<String> = blocks
        .iter()
        .flat_map(|(key, rows)| check_block(key, rows, &options_for(key)))
        .collect();
    assert!(
        problems.is_empty(),
        "{} mismatches:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// RevMan's rule is metafor's `to = "only0"` with `drop00 = TRUE` for RR and OR and
/// `drop00 = FALSE` for RD, so the same golden blocks check it.
#[test]
fn revman_zero_cell_rule_matches_escalc_only0_with_drop00_for_ratios() {
    let blocks = golden();
    let mut checked = 0;
    for (key, rows) in &blocks {
        let (_, measure, add, to, drop00, _) = key;
        let wanted_drop = if measure == "RD" { "FALSE" } else { "TRUE" };
        if matches!(measure.as_str(), "RR" | "OR" | "RD")
            && add == "0.5"
            && to == "only0"
            && drop00 == wanted_drop
        {
            let mut options = EffectOptions::new(measure.parse().expect("measure"));
            options.zero_cell = ZeroCellRule::revman();
            let problems = check_block(key, rows, &options);
            assert!(problems.is_empty(), "{}", problems.join("\n"));
            checked += 1;
        }
    }
    assert!(checked >= 18, "checked {checked} blocks");
}
