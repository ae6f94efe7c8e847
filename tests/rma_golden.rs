//! Pooled estimates, intervals and heterogeneity against metafor's `rma`, `rma.mh`,
//! `rma.peto`, `predict` and `confint`.
//!
//! Expected values: `tests/golden/rma.csv`, written by `tests/golden/generate_rma.R`
//! (metafor 3.8-1; the exact R call of every block is in its `call` column) from the
//! inputs in `tests/golden/inputs/`. R ran with `control=list(threshold=1e-10)`.
//!
//! Tolerance: 1e-8 relative, with an absolute floor of 1e-10 for quantities that are
//! zero or nearly so (τ² on the boundary, where metafor stops within its threshold of
//! 0 and metapool returns 0 exactly) and 1e-12 absolute for p-values.

use metapool::data::{read_csv_path, DataType};
use metapool::effect::{DoubleZero, EffectOptions, Measure};
use metapool::model::{pool, CiMethod, Fit, FixedMethod, PoolOptions, Tau2Method};
use metapool::profile::Profile;
use std::collections::BTreeMap;

const REL: f64 = 1e-8;

type Key = (String, String, String, String, String);

fn golden() -> BTreeMap<Key, Vec<(String, String)>> {
    let mut rdr = csv::Reader::from_path("tests/golden/rma.csv").expect("golden file");
    let mut blocks: BTreeMap<Key, Vec<(String, String)>> = BTreeMap::new();
    for rec in rdr.records() {
        let r = rec.expect("record");
        let key = (
            r[0].into(),
            r[1].into(),
            r[2].into(),
            r[3].into(),
            r[4].into(),
        );
        blocks
            .entry(key)
            .or_default()
            .push((r[5].into(), r[6].into()));
    }
    blocks
}

fn options_for(key: &Key, data_type: DataType) -> (EffectOptions, PoolOptions) {
    let (_, measure, fit, method, test) = key;
    let measure: Measure = measure.parse().expect("measure");
    let ci: CiMethod = test.parse().expect("test");
    let fixed = match fit.as_str() {
        "rma.mh" => FixedMethod::MantelHaenszel,
        "rma.peto" => FixedMethod::Peto,
        _ => FixedMethod::InverseVariance,
    };
    let (mut effect, mut pool) = Profile::Metafor.options(measure, data_type, Some(fixed));
    if fit == "rma.peto" {
        effect.zero_cell.double_zero = DoubleZero::Drop;
    }
    if method == "FE" || fit != "rma" {
        pool.tau2 = None;
        pool.fixed_ci = ci;
    } else {
        pool.tau2 = Some(method.parse::<Tau2Method>().expect("method"));
        pool.ci = ci;
    }
    (effect, pool)
}

/// Our value of a metafor quantity, or None when we do not report it.
fn ours(fit: &Fit, quantity: &str) -> Option<f64> {
    let het = &fit.heterogeneity;
    // The estimate in use: random effects when fitted, else fixed.
    let e = fit.random.as_ref().map_or(&fit.fixed.pooled, |r| &r.pooled);
    let (estimate, se, lo, hi, stat, df, p) = (
        e.estimate,
        e.se,
        e.ci_lower,
        e.ci_upper,
        e.statistic,
        e.df,
        e.p_value,
    );
    if let Some(i) = quantity.strip_prefix("weight.") {
        let i: usize = i.parse().ok()?;
        let s = fit.studies.get(i - 1).expect("study row");
        return Some(s.weight_random.unwrap_or(s.weight_fixed));
    }
    Some(match quantity {
        "beta" => estimate,
        "se" => se,
        "ci.lb" => lo,
        "ci.ub" => hi,
        "zval" => stat,
        "pval" => p,
        "dfs" => df?,
        "k" => fit.k_all as f64,
        "k.yi" => fit.k as f64,
        "tau2" => het.tau2,
        "QE" => het.q,
        "QEp" => het.p_value,
        "I2" => {
            if fit.random.is_some() {
                het.i2_tau2
            } else {
                het.i2_q
            }
        }
        "H2" => het.h2,
        "vt" => het.typical_variance,
        "pi.lb" => fit.random.as_ref()?.pi_lower,
        "pi.ub" => fit.random.as_ref()?.pi_upper,
        "tau2.lb" => het.tau2_ci_lower,
        "tau2.ub" => het.tau2_ci_upper,
        "I2.lb" => het.i2_ci_lower,
        "I2.ub" => het.i2_ci_upper,
        "H2.lb" => het.h2_ci_lower,
        "H2.ub" => het.h2_ci_upper,
        _ => return None,
    })
}

fn close(quantity: &str, actual: f64, expected: f64) -> bool {
    let abs = match quantity {
        "pval" | "QEp" => 1e-12,
        _ => 1e-10,
    };
    (actual - expected).abs() <= REL * expected.abs() + abs
}

#[test]
fn rma_rma_mh_and_rma_peto_match_metafor() {
    let blocks = golden();
    let (mut compared, mut problems) = (0usize, Vec::new());
    let mut capped = 0;
    let mut skipped: BTreeMap<String, usize> = BTreeMap::new();
    for (key, rows) in &blocks {
        if key.2 == "escalc" {
            continue;
        }
        let table = read_csv_path(format!("tests/golden/inputs/{}.csv", key.0)).expect("input");
        let (effect, options) = options_for(key, table.data_type());
        let fit = match pool(&table, &effect, &options) {
            Ok(fit) => fit,
            Err(e) => {
                problems.push(format!("{key:?}: {e}"));
                continue;
            }
        };
        // confint() searches τ² only up to max(100, 10·τ̂²) and then reports that cap as
        // the limit; metapool solves for the true limit. Upper limits at the cap are
        // skipped.
        let get = |name: &str| {
            rows.iter()
                .find(|(q, _)| q == name)
                .and_then(|(_, v)| v.parse::<f64>().ok())
        };
        let at_cap = match (get("tau2.ub"), get("tau2")) {
            (Some(ub), Some(t)) => (ub - f64::max(100.0, 10.0 * t)).abs() <= 1e-9 * ub,
            _ => false,
        };
        for (quantity, value) in rows {
            if at_cap && matches!(quantity.as_str(), "tau2.ub" | "I2.ub" | "H2.ub") {
                capped += 1;
                continue;
            }
            let Ok(expected) = value.parse::<f64>() else {
                *skipped.entry(quantity.clone()).or_default() += 1;
                continue;
            };
            match ours(&fit, quantity) {
                Some(actual) => {
                    compared += 1;
                    if !close(quantity, actual, expected) {
                        problems.push(format!(
                            "{key:?} {quantity}: {actual} vs metafor {expected}"
                        ));
                    }
                }
                None => *skipped.entry(quantity.clone()).or_default() += 1,
            }
        }
    }
    eprintln!(
        "compared {compared}; upper limits at metafor's cap: {capped}; not compared: {skipped:?}"
    );
    assert!(compared > 20_000, "only {compared} values compared");
    assert!(
        problems.is_empty(),
        "{} mismatches:\n{}",
        problems.len(),
        problems.join("\n")
    );
}
