//! Subgroup analysis against metafor: per-subgroup fixed and random fits and the
//! test for subgroup differences, on dat.bcg by allocation (RR), dat.yusuf1985 by table
//! (OR) and dat.raudenbush1985 by tester (generic). Expected values:
//! tests/golden/subgroups.csv from tests/golden/generate_subgroups.R (R calls in its
//! `call` column). Tolerance 1e-8 relative (1e-12 absolute for values at 0).

use metapool::analysis::subgroup::{subgroups, use_column_as_subgroup};
use metapool::data::read_csv_path;
use metapool::model::Tau2Method;
use metapool::profile::{Overrides, Profile};

#[test]
fn subgroups_of_three_data_sets_match_metafor() {
    let rows: Vec<csv::StringRecord> = csv::Reader::from_path("tests/golden/subgroups.csv")
        .expect("golden")
        .records()
        .map(|r| r.expect("record"))
        .collect();
    let mut n = 0;
    for (dataset, measure, column) in [
        ("bcg_alloc", "RR", "subgroup"),
        ("yusuf1985", "OR", "subgroup"),
        ("raudenbush_mods", "GEN", "tester"),
    ] {
        let mut table = read_csv_path(format!("tests/golden/inputs/{dataset}.csv")).expect("input");
        use_column_as_subgroup(&mut table, column).expect("subgroup column");
        for method in ["DL", "REML"] {
            let mut overrides = Overrides::default();
            overrides.measure = Some(measure.parse().expect("measure"));
            let (effect, mut options) = Profile::Metafor.resolve(table.data_type(), &overrides);
            options.tau2 = Some(method.parse::<Tau2Method>().expect("method"));
            let a = subgroups(&table, &effect, &options).expect("subgroups");
            for r in rows.iter().filter(|r| &r[0] == dataset && &r[2] == method) {
                let expected: f64 = r[5].parse().expect("number");
                let actual = if r[3].is_empty() {
                    match &r[4] {
                        "fixed.Qbetween" => a.test_fixed.q,
                        "fixed.Qbetween.p" => a.test_fixed.p_value,
                        "random.Qbetween" => a.test_random.as_ref().expect("random").q,
                        "random.Qbetween.p" => a.test_random.as_ref().expect("random").p_value,
                        other => panic!("{other}"),
                    }
                } else {
                    let g = a
                        .groups
                        .iter()
                        .find(|g| g.subgroup == r[3])
                        .expect("subgroup");
                    let random = g.fit.random.as_ref().expect("random");
                    match &r[4] {
                        "fixed.beta" => g.fit.fixed.pooled.estimate,
                        "fixed.se" => g.fit.fixed.pooled.se,
                        "random.beta" => random.pooled.estimate,
                        "random.se" => random.pooled.se,
                        "tau2" => random.tau2,
                        other => panic!("{other}"),
                    }
                };
                assert!(
                    (actual - expected).abs() <= 1e-8 * expected.abs() + 1e-12,
                    "{dataset} {method} {} {}: {actual} vs {expected}",
                    &r[3],
                    &r[4]
                );
                n += 1;
            }
        }
    }
    assert_eq!(n, rows.len());
}
