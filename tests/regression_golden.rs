//! Meta-regression against metafor's `rma(yi, vi, mods = ...)` and `permutest()`.
//! Expected values: tests/golden/regression.csv from tests/golden/generate_regression.R
//! (the R call of each block in its `call` column, fitted with `control =
//! list(threshold = 1e-14)`), and tests/golden/permutest.csv with the draws metafor made
//! in tests/golden/permutest_draws.csv, from tests/golden/generate_permutest.R.
//! Tolerance 1e-8 relative (1e-10 absolute near 0, 1e-12 for p-values).

use metapool::analysis::regression::{
    design, fit, Arrangement, Model, Moderator, PermutationOptions, PermutationScheme,
};
use metapool::data::{read_csv_path, StudyData};
use metapool::model::Tau2Method;
use std::collections::BTreeMap;

fn load(dataset: &str, mods: &str) -> (Vec<f64>, Vec<f64>, Vec<Moderator>) {
    let t = read_csv_path(format!("tests/golden/inputs/{dataset}.csv")).expect("input");
    let StudyData::GenericVariance { yi, vi } = t.data().clone() else {
        panic!("yi, vi")
    };
    let moderators = mods
        .split(',')
        .filter(|m| !m.is_empty())
        .map(|m| match t.numeric_covariate(m) {
            Ok(x) => Moderator::Numeric(m.to_string(), x),
            Err(_) => Moderator::Categorical(
                m.to_string(),
                t.covariate(m).expect("column").values.to_vec(),
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
    let mut fixed_effect_r2 = 0;
    for ((dataset, mods, method, test), rows) in &blocks {
        let (yi, vi, moderators) = load(dataset, mods);
        let (x, names) = design(yi.len(), &moderators).expect("design");
        let method = Tau2Method::parse_model(method).expect("method");
        let r = fit(&yi, &vi, x.view(), &names, method, test == "knha", 0.95).expect("fit");
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
                let c = &r.coefficients[j.parse::<usize>().expect("index") - 1].estimate;
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
            // metafor 3.8 prints an R² for a fixed-effect meta-regression; metapool
            // defines R² as the share of τ² accounted for (Raudenbush 2009), which a
            // fixed-effect model has none of, and gives none (NaN). Counted, not compared.
            if q == "R2" && method.is_none() {
                fixed_effect_r2 += 1;
                continue;
            }
            compared += 1;
            // Written so that a NaN of ours fails: NaN compares false.
            let close = (actual - expected).abs() <= 1e-8 * expected.abs() + abs;
            if !close {
                problems.push(format!(
                    "{dataset} ~{mods} {method:?} {test} {q}: {actual} vs metafor {expected}"
                ));
            }
        }
    }
    assert!(compared > 900, "{compared}");
    assert_eq!(fixed_effect_r2, 6, "the fixed-effect models' R² left out");
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
        let method = Tau2Method::parse_model(method).expect("method");
        let mut options = PermutationOptions::default();
        options.exact = true;
        let model = Model {
            yi: &yi[..7],
            vi: &vi[..7],
            x: xm.view(),
            names: &names,
            method,
            knapp_hartung: false,
            level: metapool::Level::NINETY_FIVE,
        };
        let test = model.permutation_test(&options).expect("test");
        assert!(test.exact && test.seed.is_none());
        for (q, ours) in [
            ("perm.pval.1", test.p_values[0]),
            ("perm.pval.2", test.p_values[1]),
            ("perm.QMp", test.qm_p_value),
        ] {
            assert!(
                (values[q] - ours).abs() < 1e-12,
                "{dataset} {q}: {ours} vs permutest {}",
                values[q]
            );
        }
    }
}

/// One case of tests/golden/permutest.csv.
struct PermutestCase {
    dataset: String,
    rows: usize,
    mods: String,
    method: Option<Tau2Method>,
    knha: bool,
    iter: usize,
    seed: Option<u64>,
    values: BTreeMap<String, f64>,
}

fn permutest_cases() -> BTreeMap<String, PermutestCase> {
    let mut rdr = csv::Reader::from_path("tests/golden/permutest.csv").expect("golden");
    let mut cases: BTreeMap<String, PermutestCase> = BTreeMap::new();
    for rec in rdr.records() {
        let r = rec.expect("record");
        let case = cases
            .entry(r[0].to_string())
            .or_insert_with(|| PermutestCase {
                dataset: r[1].to_string(),
                rows: r[2].parse().expect("rows"),
                mods: r[3].to_string(),
                method: Tau2Method::parse_model(&r[4]).expect("method"),
                knha: &r[5] == "knha",
                iter: r[6].parse().expect("iter"),
                seed: r[7].parse().ok(),
                values: BTreeMap::new(),
            });
        case.values
            .insert(r[9].to_string(), r[10].parse().expect("number"));
    }
    cases
}

/// The case's studies and design (intercept only when it names no moderator).
type Inputs = (Vec<f64>, Vec<f64>, ndarray::Array2<f64>, Vec<String>);

fn permutest_model(c: &PermutestCase) -> Inputs {
    let (yi, vi, moderators) = load(&c.dataset, &c.mods);
    let n = c.rows;
    let moderators: Vec<Moderator> = moderators
        .into_iter()
        .map(|m| match m {
            Moderator::Numeric(name, x) => Moderator::Numeric(name, x[..n].to_vec()),
            Moderator::Categorical(name, x) => Moderator::Categorical(name, x[..n].to_vec()),
        })
        .collect();
    let (x, names) = design(n, &moderators).expect("design");
    (yi[..n].to_vec(), vi[..n].to_vec(), x, names)
}

/// The model of a case, on its inputs.
fn model_of<'a>(
    c: &PermutestCase,
    (yi, vi, x, names): (&'a [f64], &'a [f64], &'a ndarray::Array2<f64>, &'a [String]),
) -> Model<'a> {
    Model {
        yi,
        vi,
        x: x.view(),
        names,
        method: c.method,
        knapp_hartung: c.knha,
        level: metapool::Level::NINETY_FIVE,
    }
}

/// metafor's random permutation tests (rows permuted; signs flipped for intercept-only
/// models), replayed on the very draws metafor made under its seed: the p-values must
/// agree to the last bit. The exact cases go through the exact test.
#[test]
fn permutation_tests_match_permutest_on_its_own_draws() {
    let cases = permutest_cases();
    assert_eq!(cases.len(), 9);
    let mut draws: BTreeMap<String, Vec<Arrangement>> = BTreeMap::new();
    let mut rdr = csv::Reader::from_path("tests/golden/permutest_draws.csv").expect("draws");
    for rec in rdr.records() {
        let r = rec.expect("record");
        let case = &cases[&r[0]];
        let numbers: Vec<f64> = r[2]
            .split(' ')
            .map(|v| v.parse().expect("number"))
            .collect();
        let arrangement = if case.mods.is_empty() {
            Arrangement::Signs(numbers)
        } else {
            Arrangement::Rows(numbers.iter().map(|&i| i as usize - 1).collect())
        };
        draws.entry(r[0].to_string()).or_default().push(arrangement);
    }
    for (id, c) in &cases {
        let (yi, vi, x, names) = permutest_model(c);
        let model = model_of(c, (&yi, &vi, &x, &names));
        let test = match c.seed {
            Some(_) => {
                let d = &draws[id];
                assert_eq!(d.len(), c.iter - 1, "{id}");
                model.permutation_test_given(d, false)
            }
            None => {
                let mut options = PermutationOptions::default();
                options.iterations = c.iter;
                options.exact = true;
                options.seed = 1;
                model.permutation_test(&options)
            }
        }
        .expect("test");
        let expected_scheme = if c.mods.is_empty() {
            PermutationScheme::Signs
        } else {
            PermutationScheme::Rows
        };
        assert_eq!(test.scheme, expected_scheme, "{id}");
        assert_eq!(test.exact, c.seed.is_none(), "{id}");
        for (j, p) in test.p_values.iter().enumerate() {
            let expected = c.values[&format!("pval.{}", j + 1)];
            assert!(
                (p - expected).abs() < 1e-12,
                "{id} pval.{}: {p} vs permutest {expected}",
                j + 1
            );
        }
        let expected = c.values["QMp"];
        assert!(
            (test.qm_p_value - expected).abs() < 1e-12,
            "{id} QMp: {} vs permutest {expected}",
            test.qm_p_value
        );
    }
}

/// Our own seeded draws: the same seed gives the same p-values, the exact test is chosen
/// when the arrangements are no more than the iterations (metafor's rule), and the
/// random p-values lie within Monte Carlo error of metafor's (4 standard errors of two
/// independent estimates from 1000 draws).
#[test]
fn seeded_permutation_tests_are_reproducible_and_agree_in_distribution() {
    for (id, c) in &permutest_cases() {
        if c.seed.is_none() {
            continue;
        }
        let (yi, vi, x, names) = permutest_model(c);
        let model = model_of(c, (&yi, &vi, &x, &names));
        let mut options = PermutationOptions::default();
        options.iterations = c.iter;
        options.exact = false;
        options.seed = 20261122;
        let run = || model.permutation_test(&options).expect("test");
        let a = run();
        if id.starts_with("bcg") {
            assert_eq!(a, run(), "{id}: not reproducible");
        }
        assert!(
            !a.exact && a.seed == Some(20261122) && a.iterations == c.iter,
            "{id}"
        );
        for (j, p) in a.p_values.iter().enumerate() {
            let expected = c.values[&format!("pval.{}", j + 1)];
            let se = (2.0 * expected.max(0.01) * (1.0 - expected).max(0.01) / c.iter as f64).sqrt();
            assert!(
                (p - expected).abs() < 4.0 * se,
                "{id} pval.{}: {p} vs permutest {expected}",
                j + 1
            );
        }
    }
    // 2^8 = 256 sign patterns <= 1000 iterations: exact without asking.
    let (yi, vi, _) = load("bcg_mods", "");
    let (x, names) = design(8, &[]).expect("design");
    let model = Model {
        yi: &yi[..8],
        vi: &vi[..8],
        x: x.view(),
        names: &names,
        method: Some(Tau2Method::REML),
        knapp_hartung: false,
        level: metapool::Level::NINETY_FIVE,
    };
    let t = model
        .permutation_test(&PermutationOptions::default())
        .expect("test");
    assert!(t.exact && t.iterations == 256 && t.scheme == PermutationScheme::Signs);
}
