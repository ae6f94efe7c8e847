//! Subgroup analysis against metafor: per-subgroup fixed and random fits and the
//! test for subgroup differences. Expected values: tests/golden/subgroups.csv from
//! tests/golden/generate_subgroups.R (R calls in its `call` column). Tolerance 1e-8
//! relative (1e-12 absolute for values at 0).

use metapool::analysis::subgroup::subgroups;
use metapool::data::read_csv_path;
use metapool::model::Tau2Method;
use metapool::profile::Profile;

#[test]
fn bcg_by_allocation_matches_metafor() {
    let table = read_csv_path("tests/golden/inputs/bcg_alloc.csv").expect("input");
    let mut rdr = csv::Reader::from_path("tests/golden/subgroups.csv").expect("golden");
    let mut n = 0;
    for method in ["DL", "REML"] {
        let (effect, mut options) =
            Profile::Metafor.resolve(table.data_type(), &Default::default());
        options.tau2 = Some(method.parse::<Tau2Method>().expect("method"));
        let a = subgroups(&table, &effect, &options).expect("subgroups");
        for rec in rdr.records() {
            let r = rec.expect("record");
            if &r[2] != method {
                continue;
            }
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
                    "fixed.beta" => g.fit.fixed.estimate,
                    "fixed.se" => g.fit.fixed.se,
                    "random.beta" => random.estimate,
                    "random.se" => random.se,
                    "tau2" => random.tau2,
                    other => panic!("{other}"),
                }
            };
            assert!(
                (actual - expected).abs() <= 1e-8 * expected.abs() + 1e-12,
                "{method} {} {}: {actual} vs {expected}",
                &r[3],
                &r[4]
            );
            n += 1;
        }
        rdr = csv::Reader::from_path("tests/golden/subgroups.csv").expect("golden");
    }
    assert_eq!(n, 2 * (3 * 5 + 4));
}
