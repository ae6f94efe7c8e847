//! Small-study effects against metafor 3.8-1: `regtest` (every τ² estimator, the z, t,
//! knha and adhoc tests, model "lm", every predictor), `ranktest` and `trimfill` (L0 and
//! R0, side chosen or given, fixed and random effects), and Harbord's test against R's
//! `lm` on the published formula (metafor has none).
//!
//! Expected values: `tests/golden/bias.csv`, written by `tests/golden/generate_bias.R`
//! (the exact R call of every value is in its `call` column) from the inputs in
//! `tests/golden/inputs/`, with effects computed as `tests/golden/generate_rma.R`
//! computes them (escalc defaults). R ran with `control=list(threshold=1e-10,
//! maxiter=1000, tol=1e-12)`, which regtest and trimfill pass on to their refits.
//!
//! Tolerance: 1e-8 relative, with absolute floors of 1e-10 (values at or near 0, such as
//! a τ² that metafor's Fisher scoring leaves within its threshold of the boundary) and
//! 1e-12 for p-values. Counts (k, k₀, the side) must be equal.

use metapool::analysis::bias::{
    egger_test, harbord_test, peters_test, rank_correlation_test, regression_test, trim_and_fill,
    KendallPValue, MissingEstimator, Predictor, RegressionModel, Side, TrimFillOptions,
};
use metapool::data::{read_csv_path, StudyData, Table2x2};
use metapool::effect::{compute, Measure};
use metapool::model::{CiMethod, PoolOptions, Tau2Method};
use metapool::profile::Profile;
use metapool::Level;
use std::collections::BTreeMap;

const REL: f64 = 1e-8;

/// (dataset, measure, analysis, method, test, option)
type Key = (String, String, String, String, String, String);
type Block = BTreeMap<String, String>;

fn golden() -> BTreeMap<Key, Block> {
    let mut rdr = csv::Reader::from_path("tests/golden/bias.csv").expect("golden file");
    let mut blocks: BTreeMap<Key, Block> = BTreeMap::new();
    for rec in rdr.records() {
        let r = rec.expect("record");
        let key = (
            r[0].into(),
            r[1].into(),
            r[2].into(),
            r[3].into(),
            r[4].into(),
            r[5].into(),
        );
        if &r[6] == "warning" {
            continue;
        }
        blocks
            .entry(key)
            .or_default()
            .insert(r[6].into(), r[7].into());
    }
    blocks
}

struct Data {
    yi: Vec<f64>,
    vi: Vec<f64>,
    ni: Option<Vec<f64>>,
}

fn data(dataset: &str, measure: &str) -> Data {
    let table = read_csv_path(format!("tests/golden/inputs/{dataset}.csv")).expect("input");
    let measure: Measure = measure.parse().expect("measure");
    let (effect, _) = Profile::Metafor.options(measure, table.data_type(), None);
    let effects = compute(&table, &effect).expect("effects");
    assert_eq!(
        effects.yi().len(),
        table.k(),
        "{dataset}: a study was dropped"
    );
    let ni = match table.data() {
        StudyData::Binary(b) => Some(b.n_e.iter().zip(&b.n_c).map(|(a, c)| a + c).collect()),
        StudyData::Continuous(c) => Some(c.n_e.iter().zip(&c.n_c).map(|(a, c)| a + c).collect()),
        _ => None,
    };
    Data {
        yi: effects.yi().to_vec(),
        vi: effects.vi().to_vec(),
        ni,
    }
}

fn options(method: &str, test: &str) -> PoolOptions {
    let ci: CiMethod = test.parse().expect("test");
    let mut options = PoolOptions::default();
    if method == "FE" {
        options.tau2 = None;
        options.fixed_ci = ci;
    } else {
        options.tau2 = Some(method.parse::<Tau2Method>().expect("method"));
        options.ci = ci;
    }
    options
}

fn close(quantity: &str, actual: f64, expected: f64) -> bool {
    let abs = if quantity.starts_with("pval") || quantity == "p.k0" {
        1e-12
    } else {
        1e-10
    };
    (actual - expected).abs() <= REL * expected.abs() + abs
}

/// Compares every number of a block with ours; `ours` returns None for a quantity we do
/// not report (counted and listed).
struct Tally {
    compared: usize,
    problems: Vec<String>,
    skipped: BTreeMap<String, usize>,
    /// The largest relative difference among values above 1e-6 in magnitude, and where.
    worst: (f64, String),
}

impl Tally {
    fn new() -> Self {
        Tally {
            compared: 0,
            problems: Vec::new(),
            skipped: BTreeMap::new(),
            worst: (0.0, String::new()),
        }
    }

    fn block(&mut self, key: &Key, block: &Block, ours: impl Fn(&str) -> Option<f64>) {
        for (quantity, value) in block {
            let Ok(expected) = value.parse::<f64>() else {
                continue;
            };
            match ours(quantity) {
                Some(actual) => {
                    self.compared += 1;
                    let relative = (actual - expected).abs() / expected.abs();
                    if expected.abs() > 1e-6 && relative > self.worst.0 {
                        self.worst = (relative, format!("{key:?} {quantity}"));
                    }
                    if !close(quantity, actual, expected) {
                        self.problems.push(format!(
                            "{key:?} {quantity}: {actual} vs metafor {expected}"
                        ));
                    }
                }
                None => *self.skipped.entry(quantity.clone()).or_default() += 1,
            }
        }
    }

    fn finish(self, what: &str, at_least: usize) {
        eprintln!(
            "{what}: compared {}; not compared: {:?}; largest relative difference {:.1e} ({})",
            self.compared, self.skipped, self.worst.0, self.worst.1
        );
        assert!(
            self.compared >= at_least,
            "{what}: only {} values compared",
            self.compared
        );
        assert!(
            self.problems.is_empty(),
            "{what}: {} mismatches:\n{}",
            self.problems.len(),
            self.problems.join("\n")
        );
    }
}

#[test]
fn effect_sizes_are_those_of_the_r_script() {
    let mut tally = Tally::new();
    for (key, block) in golden().iter().filter(|(k, _)| k.2 == "escalc") {
        let d = data(&key.0, &key.1);
        tally.block(key, block, |q| {
            let (name, i) = q.split_once('.')?;
            let i: usize = i.parse().ok()?;
            match name {
                "yi" => d.yi.get(i - 1).copied(),
                "vi" => d.vi.get(i - 1).copied(),
                "ni" => d.ni.as_ref()?.get(i - 1).copied(),
                _ => None,
            }
        });
    }
    tally.finish("escalc", 1_000);
}

#[test]
fn regression_tests_match_metafor_regtest() {
    let mut tally = Tally::new();
    let mut blocks = 0;
    for (key, block) in golden().iter().filter(|(k, _)| k.2 == "regtest") {
        let (dataset, measure, _, method, test, predictor) = key;
        let d = data(dataset, measure);
        let predictor: Predictor = predictor.parse().expect("predictor");
        let (model, opts) = if method == "lm" {
            (RegressionModel::WeightedLeastSquares, options("FE", "z"))
        } else {
            (RegressionModel::MetaRegression, options(method, test))
        };
        let result = regression_test(&d.yi, &d.vi, d.ni.as_deref(), predictor, model, &opts)
            .unwrap_or_else(|e| panic!("{key:?}: {e}"));
        if predictor == Predictor::StandardError {
            assert_eq!(
                egger_test(&d.yi, &d.vi, model, &opts).expect("egger"),
                result
            );
        }
        if predictor == Predictor::InverseSampleSize {
            let ni = d.ni.as_deref().expect("sample sizes");
            assert_eq!(
                peters_test(&d.yi, &d.vi, ni, model, &opts).expect("peters"),
                result
            );
        }
        blocks += 1;
        let fit = &result.fit;
        tally.block(key, block, |q| {
            let limit = result.limit_estimate.as_ref();
            Some(match q {
                "zval" => result.statistic,
                "pval" => result.p_value,
                "dfs" => result.df?,
                "est" => limit?.estimate,
                "ci.lb" => limit?.ci_lower,
                "ci.ub" => limit?.ci_upper,
                "fit.tau2" => fit.tau2,
                "fit.b0" => fit.intercept.estimate,
                "fit.b1" => fit.slope.estimate,
                "fit.se0" => fit.intercept.se,
                "fit.se1" => fit.slope.se,
                "fit.QE" => fit.q_residual,
                _ => return None,
            })
        });
    }
    assert!(blocks >= 300, "only {blocks} regtest blocks");
    tally.finish("regtest", 3_000);
}

#[test]
fn rank_correlation_test_matches_metafor_ranktest() {
    let (mut tally, mut exact, mut normal) = (Tally::new(), 0, 0);
    for (key, block) in golden().iter().filter(|(k, _)| k.2 == "ranktest") {
        let d = data(&key.0, &key.1);
        let result = rank_correlation_test(&d.yi, &d.vi).expect("ranktest");
        match result.p_value_method {
            KendallPValue::Exact => exact += 1,
            _ => normal += 1,
        }
        tally.block(key, block, |q| match q {
            "tau" => Some(result.tau),
            "pval" => Some(result.p_value),
            _ => None,
        });
    }
    // Exact p-values (k up to 102, no ties) and normal ones (ties) are both exercised.
    assert!(exact >= 8 && normal >= 3, "exact {exact}, normal {normal}");
    tally.finish("ranktest", 28);
}

#[test]
fn trim_and_fill_matches_metafor_trimfill() {
    let mut tally = Tally::new();
    let mut problems = Vec::new();
    let mut filled_somewhere = 0;
    for (key, block) in golden().iter().filter(|(k, _)| k.2 == "trimfill") {
        let (dataset, measure, _, method, test, option) = key;
        let d = data(dataset, measure);
        let (estimator, side) = match option.split_once(':') {
            Some((e, s)) => (e, Some(s.parse::<Side>().expect("side"))),
            None => (option.as_str(), None),
        };
        let mut trim = TrimFillOptions::default();
        trim.estimator = match estimator {
            "L0" => MissingEstimator::L0,
            "R0" => MissingEstimator::R0,
            other => panic!("{other}"),
        };
        trim.side = side;
        let result = trim_and_fill(&d.yi, &d.vi, &trim, &options(method, test))
            .unwrap_or_else(|e| panic!("{key:?}: {e}"));
        assert!(result.converged, "{key:?}");
        let side_name = match result.side {
            Side::Left => "left",
            Side::Right => "right",
        };
        if block.get("side").map(String::as_str) != Some(side_name) {
            problems.push(format!(
                "{key:?}: side {side_name} vs {:?}",
                block.get("side")
            ));
        }
        filled_somewhere += usize::from(result.k0 > 0);
        let estimate = result
            .fit
            .random
            .as_ref()
            .map_or(&result.fit.fixed.pooled, |r| &r.pooled);
        let tau2 = result.fit.random.as_ref().map_or(0.0, |r| r.tau2);
        tally.block(key, block, |q| {
            if let Some(j) = q.strip_prefix("fill.yi.") {
                return Some(result.filled.get(j.parse::<usize>().ok()? - 1)?.yi);
            }
            if let Some(j) = q.strip_prefix("fill.vi.") {
                return Some(result.filled.get(j.parse::<usize>().ok()? - 1)?.vi);
            }
            Some(match q {
                "k0" => result.k0 as f64,
                "se.k0" => result.se_k0,
                "p.k0" => result.p_value_k0?,
                "k" => (result.k + result.k0) as f64,
                "beta" => estimate.estimate,
                "se" => estimate.se,
                "zval" => estimate.statistic,
                "pval" => estimate.p_value,
                "ci.lb" => estimate.ci_lower,
                "ci.ub" => estimate.ci_upper,
                "tau2" => tau2,
                _ => return None,
            })
        });
        // Every filled study of metafor is one of ours, in the same order: checked above
        // through fill.yi.<j>; none of ours is missing from metafor's list either.
        if block.contains_key(&format!("fill.yi.{}", result.filled.len() + 1)) {
            problems.push(format!("{key:?}: metafor filled more studies"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(
        filled_somewhere >= 40,
        "only {filled_somewhere} fits filled studies"
    );
    tally.finish("trimfill", 1_500);
}

#[test]
fn harbord_test_matches_r_lm_on_the_published_formula() {
    let mut tally = Tally::new();
    for (key, block) in golden().iter().filter(|(k, _)| k.2 == "harbord") {
        let table = read_csv_path(format!("tests/golden/inputs/{}.csv", key.0)).expect("input");
        let StudyData::Binary(b) = table.data() else {
            panic!("{}: binary data expected", key.0);
        };
        let tables: Vec<Table2x2> = (0..b.n_e.len()).map(|i| Table2x2::of_study(b, i)).collect();
        let result =
            harbord_test(&tables, Level::NINETY_FIVE).unwrap_or_else(|e| panic!("{key:?}: {e}"));
        tally.block(key, block, |q| {
            Some(match q {
                "k" => result.k as f64,
                "bias" => result.bias.estimate,
                "se.bias" => result.bias.se,
                "t" => result.statistic,
                "pval" => result.p_value,
                "dfs" => result.df,
                "ci.lb" => result.bias.ci_lower,
                "ci.ub" => result.bias.ci_upper,
                "slope" => result.slope.estimate,
                "se.slope" => result.slope.se,
                _ => return None,
            })
        });
    }
    tally.finish("harbord", 50);
}

/// Harbord's Z and V by hand for three tables (a, b, c, d) = (10, 40, 5, 45),
/// (3, 17, 6, 14), (20, 80, 20, 80): Z = (ad − bc)/N = 2.5, −1.5, 0 and
/// V = (a+b)(c+d)(a+c)(b+d)/(N²(N − 1)) = 50·50·15·85/(100²·99), 20·20·9·31/(40²·39),
/// 100·100·40·160/(200²·199). With three points the OLS line through (√V, Z/√V) is
/// checked against the closed form of a simple regression.
#[test]
fn harbord_test_on_three_tables_by_hand() {
    let v = [
        50.0 * 50.0 * 15.0 * 85.0 / (100.0f64.powi(2) * 99.0),
        20.0 * 20.0 * 9.0 * 31.0 / (40.0f64.powi(2) * 39.0),
        100.0 * 100.0 * 40.0 * 160.0 / (200.0f64.powi(2) * 199.0),
    ];
    let z = [2.5, -1.5, 0.0];
    let x: Vec<f64> = v.iter().map(|v: &f64| v.sqrt()).collect();
    let y: Vec<f64> = z.iter().zip(&x).map(|(z, x)| z / x).collect();
    let (mx, my) = (x.iter().sum::<f64>() / 3.0, y.iter().sum::<f64>() / 3.0);
    let sxx: f64 = x.iter().map(|x| (x - mx).powi(2)).sum();
    let sxy: f64 = x.iter().zip(&y).map(|(x, y)| (x - mx) * (y - my)).sum();
    let slope = sxy / sxx;
    let bias = my - slope * mx;
    let rss: f64 = x
        .iter()
        .zip(&y)
        .map(|(x, y)| (y - bias - slope * x).powi(2))
        .sum();
    let se_bias = (rss / 1.0 * (1.0 / 3.0 + mx * mx / sxx)).sqrt();
    let r = harbord_test(
        &tables(
            &[10.0, 3.0, 20.0],
            &[50.0, 20.0, 100.0],
            &[5.0, 6.0, 20.0],
            &[50.0, 20.0, 100.0],
        ),
        Level::NINETY_FIVE,
    )
    .expect("harbord");
    assert_eq!((r.k, r.df), (3, 1.0));
    for (ours, hand) in [
        (r.bias.estimate, bias),
        (r.slope.estimate, slope),
        (r.bias.se, se_bias),
    ] {
        assert!(
            (ours - hand).abs() <= 1e-12 * hand.abs(),
            "{ours} vs {hand}"
        );
    }
}

/// A table with a zero margin (no events in either arm) carries no information: Harbord's
/// test leaves it out and says which.
#[test]
fn harbord_test_leaves_out_tables_without_information() {
    let r = harbord_test(
        &tables(
            &[10.0, 0.0, 3.0, 20.0],
            &[50.0, 30.0, 20.0, 100.0],
            &[5.0, 0.0, 6.0, 20.0],
            &[50.0, 30.0, 20.0, 100.0],
        ),
        Level::NINETY_FIVE,
    )
    .expect("harbord");
    assert_eq!((r.k, r.excluded.clone()), (3, vec![1]));
}

#[test]
fn bad_input_is_refused_with_a_reason() {
    let opts = PoolOptions::default();
    let e = egger_test(
        &[0.1, 0.2],
        &[0.1, 0.2],
        RegressionModel::MetaRegression,
        &opts,
    )
    .expect_err("two studies");
    assert!(e.to_string().contains("at least 3"), "{e}");
    let e = egger_test(
        &[0.1, 0.2, 0.3],
        &[0.1, 0.0, 0.2],
        RegressionModel::MetaRegression,
        &opts,
    )
    .expect_err("zero variance");
    assert!(e.to_string().contains("study 2"), "{e}");
    let e = regression_test(
        &[0.1, 0.2, 0.3],
        &[0.1, 0.1, 0.2],
        None,
        Predictor::InverseSampleSize,
        RegressionModel::MetaRegression,
        &opts,
    )
    .expect_err("no ni");
    assert!(e.to_string().contains("sample sizes"), "{e}");
    let e = rank_correlation_test(&[0.1, 0.2], &[0.1, 0.2]).expect_err("two studies");
    assert!(e.to_string().contains("at least 3"), "{e}");
}

/// 2x2 tables from events and arm sizes.
fn tables(events_e: &[f64], n_e: &[f64], events_c: &[f64], n_c: &[f64]) -> Vec<Table2x2> {
    (0..events_e.len())
        .map(|i| Table2x2::from_arms(events_e[i], n_e[i], events_c[i], n_c[i]))
        .collect()
}
