//! Leave-one-out, cumulative and influence analyses against metafor's `leave1out()`,
//! `cumul()` and `influence()`. Expected values: tests/golden/sensitivity.csv from
//! tests/golden/generate_sensitivity.R (the R call of each block in its `call` column).
//! Tolerance 1e-8 relative (1e-10 absolute near 0, 1e-12 for p-values).

use metapool::analysis::sensitivity::{cumulative, influence, leave_one_out};
use metapool::data::read_csv_path;
use metapool::effect::compute;
use metapool::model::Tau2Method;
use metapool::profile::{Overrides, Profile};
use std::collections::BTreeMap;

#[test]
fn leave1out_cumul_and_influence_match_metafor() {
    let mut rdr = csv::Reader::from_path("tests/golden/sensitivity.csv").expect("golden");
    let mut blocks: BTreeMap<(String, String, String), Vec<csv::StringRecord>> = BTreeMap::new();
    for rec in rdr.records() {
        let r = rec.expect("record");
        blocks
            .entry((r[0].into(), r[1].into(), r[2].into()))
            .or_default()
            .push(r);
    }
    let mut compared = 0;
    let mut problems = Vec::new();
    for ((dataset, measure, method), rows) in &blocks {
        let table = read_csv_path(format!("tests/golden/inputs/{dataset}.csv")).expect("input");
        let mut overrides = Overrides::default();
        overrides.measure = Some(measure.parse().expect("measure"));
        let (effect, mut options) = Profile::Metafor.resolve(table.data_type(), &overrides);
        options.tau2 = if method == "FE" {
            None
        } else {
            Some(method.parse::<Tau2Method>().expect("method"))
        };
        let e = compute(&table, &effect).expect("effects");
        let l1o = leave_one_out(e.yi(), e.vi(), &options).expect("leave1out");
        let order: Vec<usize> = (0..e.k()).collect();
        let cu = cumulative(e.yi(), e.vi(), &order, &options).expect("cumul");
        let inf = influence(e.yi(), e.vi(), &options).expect("influence");
        for r in rows {
            let i: usize = r[4].parse::<usize>().expect("study") - 1;
            let expected: f64 = match r[6].parse() {
                Ok(x) => x,
                Err(_) => continue,
            };
            let refit = |x: &metapool::analysis::sensitivity::Refit, q: &str| match q {
                "estimate" => x.pooled.estimate,
                "se" => x.pooled.se,
                "zval" => x.pooled.statistic,
                "pval" => x.pooled.p_value,
                "ci.lb" => x.pooled.ci_lower,
                "ci.ub" => x.pooled.ci_upper,
                "Q" => x.q,
                "Qp" => x.q_p_value,
                "tau2" => x.tau2,
                "I2" => x.i2,
                "H2" => x.h2,
                other => panic!("{other}"),
            };
            let q = &r[5];
            let actual = match &r[3] {
                "leave1out" => refit(&l1o[i], q),
                "cumul" => refit(&cu[i], q),
                _ => {
                    let x = &inf[i];
                    match q {
                        "rstudent" => x.rstudent,
                        "dffits" => x.dffits,
                        "cook.d" => x.cook_d,
                        "cov.r" => x.cov_r,
                        "tau2.del" => x.tau2_del,
                        "QE.del" => x.q_del,
                        "hat" => x.hat,
                        "weight" => x.weight,
                        other => panic!("{other}"),
                    }
                }
            };
            let abs = if q.ends_with('p') || q == "pval" {
                1e-12
            } else {
                1e-10
            };
            compared += 1;
            // Written so that a NaN of ours fails: NaN compares false.
            let close = (actual - expected).abs() <= 1e-8 * expected.abs() + abs;
            if !close {
                problems.push(format!(
                    "{dataset} {measure} {method} {} study {} {q}: {actual} vs metafor {expected}",
                    &r[3],
                    i + 1
                ));
            }
        }
    }
    assert!(compared > 1500, "{compared}");
    assert!(
        problems.is_empty(),
        "{} mismatches:\n{}",
        problems.len(),
        problems.join("\n")
    );
}
