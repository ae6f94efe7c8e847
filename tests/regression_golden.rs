//! Meta-regression against metafor's `rma(yi, vi, mods = ...)` and `permutest(exact =
//! TRUE)`. Expected values: tests/golden/regression.csv from
//! tests/golden/generate_regression.R (the R call of each block in its `call` column,
//! fitted with `control = list(threshold = 1e-14)`). Tolerance 1e-8 relative (1e-10
//! absolute near 0, 1e-12 for p-values).

use metapool::analysis::regression::{design, fit, permutation_test, Moderator, RegressionTau2};
use metapool::data::{read_csv_path, StudyData};
use std::collections::BTreeMap;

fn load(dataset: &str, mods: &str) -> (Vec<f64>, Vec<f64>, Vec<Moderator>) {
    let t = read_csv_path(format!("tests/golden/inputs/{dataset}.csv")).expect("input");
    let StudyData::GenericVariance { yi, vi } = t.data.clone() else {
        panic!("yi, vi")
    };
    let moderators = mods
        .split(',')
        .map(|m| match t.numeric_covariate(m) {
            Ok(x) => Moderator::Numeric(m.to_string(), x),
            Err(_) => Moderator::Categorical(
                m.to_string(),
                t.covariate(m).expect("column").values.clone(),
            ),
        })
        .collect();
    (yi, vi, moderators)
}

/// (dataset, moderators, method, test) → (quantity, value) rows.
type Blocks = BTreeMap<(String, String, String, String), Vec<(String, String)>>;

#[test]
fn every_model_matches_metafor() {
    let mut rdr = csv::Reader::from_path("tests/golden/regression.csv").expect("golden");
    let mut blocks: Blocks = BTreeMap::new();
    for rec in rdr.records() {
        let r = rec.expect("record");
        if r[0].contains('[') {
            continue;
        }
        blocks
            .entry((r[0].into(), r[1].into(), r[2].into(), r[3].into()))
            .or_default()
            .push((r[4].into(), r[5].into()));
    }
    let (mut compared, mut problems) = (0, Vec::new());
    for ((dataset, mods, method, test), rows) in &blocks {
        let (yi, vi, moderators) = load(dataset, mods);
        let (x, names) = design(yi.len(), &moderators).expect("design");
        let method: RegressionTau2 = method.parse().expect("method");
        let r = fit(&yi, &vi, &x, &names, method, test == "knha", 0.95).expect("fit");
        for (q, value) in rows {
            if q == "coefficients" {
                let ours: Vec<String> = r
                    .coefficients
                    .iter()
                    .map(|c| {
                        c.name
                            .replace("alloc", "factor(alloc)")
                            .replace("tester", "factor(tester)")
                            .replace("design", "factor(design)")
                    })
                    .collect();
                assert_eq!(ours.join(";"), *value, "{dataset} {mods}");
                continue;
            }
            let Ok(expected) = value.parse::<f64>() else {
                continue;
            };
            let coef = |name: &str| {
                let (field, j) = name.rsplit_once('.').expect("indexed");
                let c = &r.coefficients[j.parse::<usize>().expect("index") - 1];
                match field {
                    "beta" => c.estimate,
                    "se" => c.se,
                    "zval" => c.statistic,
                    "pval" => c.p_value,
                    "ci.lb" => c.ci_lower,
                    "ci.ub" => c.ci_upper,
                    other => panic!("{other}"),
                }
            };
            let actual = match q.as_str() {
                "tau2" => r.tau2,
                "QE" => r.qe,
                "QEp" => r.qe_p_value,
                "QM" => r.qm,
                "QMp" => r.qm_p_value,
                "I2" => r.i2,
                "H2" => r.h2,
                "R2" => r.r2,
                "k" => r.k as f64,
                "p" => r.p as f64,
                other => coef(other),
            };
            let abs = if q.contains("pval") || q.ends_with('p') {
                1e-12
            } else {
                1e-10
            };
            compared += 1;
            if (actual - expected).abs() > 1e-8 * expected.abs() + abs {
                problems.push(format!(
                    "{dataset} ~{mods} {method:?} {test} {q}: {actual} vs metafor {expected}"
                ));
            }
        }
    }
    assert!(compared > 900, "{compared}");
    assert!(
        problems.is_empty(),
        "{} mismatches:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// permutest(rma(yi, vi, mods = ~ x, data = d[1:7, ], method = M), exact = TRUE) on
/// three data sets: every distinct arrangement of the moderator is refitted, so the
/// p-values are exact and must agree exactly.
#[test]
fn exact_permutation_test_matches_permutest() {
    let mut rdr = csv::Reader::from_path("tests/golden/regression.csv").expect("golden");
    let mut expected: BTreeMap<(String, String, String), BTreeMap<String, f64>> = BTreeMap::new();
    for rec in rdr.records() {
        let r = rec.expect("record");
        if let Some(dataset) = r[0].strip_suffix("[1:7]") {
            expected
                .entry((dataset.to_string(), r[1].to_string(), r[2].to_string()))
                .or_default()
                .insert(r[4].to_string(), r[5].parse().expect("number"));
        }
    }
    assert_eq!(expected.len(), 3);
    for ((dataset, mods, method), values) in &expected {
        let (yi, vi, moderators) = load(dataset, mods);
        let Moderator::Numeric(name, x) = &moderators[0] else {
            panic!("numeric moderator")
        };
        let (xm, names) =
            design(7, &[Moderator::Numeric(name.clone(), x[..7].to_vec())]).expect("design");
        let method: RegressionTau2 = method.parse().expect("method");
        let (p, qm_p, _) =
            permutation_test(&yi[..7], &vi[..7], &xm, &names, method, 0.95).expect("test");
        for (q, ours) in [
            ("perm.pval.1", p[0]),
            ("perm.pval.2", p[1]),
            ("perm.QMp", qm_p),
        ] {
            assert!(
                (values[q] - ours).abs() < 1e-12,
                "{dataset} {q}: {ours} vs permutest {}",
                values[q]
            );
        }
    }
}
