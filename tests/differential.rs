//! The differential test: 680 generated data sets of the shapes that break meta-analysis
//! software, against metafor and, for the iterative τ² estimators, against an
//! independent maximisation of the likelihood.
//!
//! Inputs and expected values are committed in `tests/differential/` (see its README):
//! `generic.csv` and `binary.csv` (from `generate.R`, seeded), `expected.csv`,
//! `scan.csv` and `differences.csv` (from `fit.R`: metafor 3.8-1 with `control =
//! list(threshold = 1e-12, maxiter = 10000, tol = 1e-12)`, and the reference of
//! `common.R`). R is not needed to run this test.
//!
//! Where the expected values come from:
//! - DL, SJ, HE, HS (closed forms) and `rma.mh`: metafor's own fit.
//! - REML, ML, PM, EB: τ² is the reference of `common.R` (the global maximum of the
//!   (restricted) likelihood, found by a dense scan of the score and polished by
//!   bisection to machine precision; the root of Q(τ²) = k − 1 likewise), and every
//!   other key is metafor's at that τ² (`rma(..., tau2 = <reference>)`).
//! - Q, its p-value, I², H² (and DL, HS τ²): formulas that do not cancel where metafor's
//!   lose digits (one variance far below the others).
//!
//! Every expected value that is not metafor's free fit is listed in `differences.csv`
//! with its class; [`DOCUMENTED`] gives the reason of each class, and the test prints
//! them all. A class without a reason fails the test.
//!
//! Tolerance: 1e-8 relative, with absolute floors that scale with the data (so that
//! rescaled copies are held to the same standard): τ² 1e-10·ṽ (ṽ the typical
//! within-study variance); locations (estimate, interval limits) 1e-10·(max|y| +
//! max √v); SE 1e-10/√Σw; the statistic that location floor over 1/√Σw; Q, I², H²
//! 1e-10; p-values 1e-12, and below 1e-10 also 1e-6 relative (far tails).

use metapool::data::{BinaryArms, StudyData, StudyTable};
use metapool::effect::Measure;
use metapool::model::{pool, CiMethod, Fit, FixedMethod, Tau2Method};
use metapool::profile::Profile;
use std::collections::BTreeMap;

const DIR: &str = "tests/differential";
const REL: f64 = 1e-8;
const KEYS: [&str; 13] = [
    "tau2", "b", "se", "ci.lb", "ci.ub", "zval", "pval", "QE", "QEp", "I2", "H2", "pi.lb", "pi.ub",
];

/// Every class of `differences.csv` (assigned by `fit.R`): where the expected value is
/// not metafor's free-fit value, and why. A difference of another class fails the test.
const DOCUMENTED: &[(&str, &str)] = &[
    (
        "local_peak",
        "ML/REML: metafor's Fisher scoring (started at the HE estimate) stops at a local \
         maximum of the (restricted) likelihood that is not the global one; the scan finds \
         the higher maximum, which is expected (every key at the global maximum)",
    ),
    (
        "zero_after_local_peak",
        "ML/REML: metafor's Fisher scoring reaches a local maximum whose likelihood is below \
         that at tau2 = 0, so metafor sets tau2 = 0 ('may have gotten stuck at a local \
         maximum'); but 0 is not the maximum either: the global maximum is inside, expected",
    ),
    (
        "stopped_early",
        "metafor's stopping rule is absolute (|change in tau2| < threshold = 1e-12 for \
         REML/ML/EB, uniroot's tol = 1e-12 for PM), so where tau2 is small (data rescaled by \
         a small c, tau2 near the boundary) it stops before tau2 is accurate to 1e-8 \
         relative; the reference has the higher likelihood (or the smaller |Q - (k - 1)|)",
    ),
    (
        "metafor_error",
        "metafor stops with an error: Fisher scoring does not converge in 10000 iterations \
         (tau2 so large that an absolute change below 1e-12 is never reached, or slow \
         convergence), or PM's search interval [0, max(100, 10 mad(y)^2)] misses the root \
         ('tau2.max too low'); the reference value is expected",
    ),
    (
        "cancellation",
        "one sampling variance far below the others: metafor's Q, typical variance \
         (sum w - sum w^2/sum w) and so DL, HS, I2, H2 and the Q p-value lose digits to \
         cancellation; the expected values come from formulas that do not cancel (common.R), \
         which agree with exact rational arithmetic",
    ),
];
type Row = BTreeMap<String, String>;

fn read(name: &str) -> Vec<Row> {
    let mut rdr = csv::Reader::from_path(format!("{DIR}/{name}")).expect(name);
    let headers = rdr.headers().expect("header").clone();
    rdr.records()
        .map(|r| {
            let r = r.expect("record");
            headers
                .iter()
                .zip(r.iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

fn number(s: &str) -> f64 {
    s.parse().unwrap_or_else(|_| panic!("not a number: {s}"))
}

struct DataSet {
    family: String,
    table: StudyTable,
}

fn data_sets() -> BTreeMap<String, DataSet> {
    let mut columns: BTreeMap<String, (String, Vec<[f64; 4]>)> = BTreeMap::new();
    for r in read("generic.csv") {
        let e = columns
            .entry(r["id"].clone())
            .or_insert_with(|| (r["family"].clone(), Vec::new()));
        e.1.push([number(&r["yi"]), number(&r["vi"]), 0.0, 0.0]);
    }
    for r in read("binary.csv") {
        let e = columns
            .entry(r["id"].clone())
            .or_insert_with(|| (r["family"].clone(), Vec::new()));
        e.1.push(["events_e", "n_e", "events_c", "n_c"].map(|c| number(&r[c])));
    }
    columns
        .into_iter()
        .map(|(id, (family, rows))| {
            let labels: Vec<String> = (1..=rows.len()).map(|i| format!("s{i}")).collect();
            let col = |j: usize| rows.iter().map(|r| r[j]).collect::<Vec<f64>>();
            let data = if id.starts_with('g') {
                StudyData::GenericVariance {
                    yi: col(0),
                    vi: col(1),
                }
            } else {
                StudyData::Binary(BinaryArms {
                    events_e: col(0),
                    n_e: col(1),
                    events_c: col(2),
                    n_c: col(3),
                })
            };
            let table = StudyTable::new(id.clone(), labels, data).expect("valid table");
            (id, DataSet { family, table })
        })
        .collect()
}

/// metapool's fit for a row of `expected.csv`.
fn fit_row(table: &StudyTable, row: &Row) -> metapool::error::Result<Fit> {
    let measure: Measure = row["measure"].parse().expect("measure");
    let mh = row["fit"] == "rma.mh";
    let fixed = if mh {
        FixedMethod::MantelHaenszel
    } else {
        FixedMethod::InverseVariance
    };
    let (effect, mut options) = Profile::Metafor.options(measure, table.data_type(), Some(fixed));
    options.heterogeneity_ci = false;
    let test: CiMethod = row["test"].parse().expect("test");
    if mh {
        options.tau2 = None;
        options.fixed_ci = CiMethod::Z;
    } else {
        options.tau2 = Some(row["method"].parse::<Tau2Method>().expect("method"));
        options.ci = test;
    }
    pool(table, &effect, &options)
}

fn ours(fit: &Fit, key: &str) -> Option<f64> {
    let het = &fit.heterogeneity;
    // The estimate in use: random effects when fitted, else fixed.
    let e = fit.random.as_ref().map_or(&fit.fixed.pooled, |r| &r.pooled);
    let (estimate, se, lo, hi, stat, p) = (
        e.estimate,
        e.se,
        e.ci_lower,
        e.ci_upper,
        e.statistic,
        e.p_value,
    );
    Some(match key {
        "tau2" => fit.random.as_ref()?.tau2,
        "b" => estimate,
        "se" => se,
        "ci.lb" => lo,
        "ci.ub" => hi,
        "zval" => stat,
        "pval" => p,
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
        "pi.lb" => fit.random.as_ref()?.pi_lower,
        "pi.ub" => fit.random.as_ref()?.pi_upper,
        _ => return None,
    })
}

/// The absolute floors of one fit: they scale with the data (see the module docs).
struct Floors {
    tau2: f64,
    location: f64,
    se: f64,
}

impl Floors {
    fn of(yi: &[f64], vi: &[f64]) -> Self {
        let k = vi.len();
        let sw: f64 = vi.iter().map(|v| 1.0 / v).sum();
        // Σw − Σw²/Σw as Σ_i w_i (Σ_{j≠i} w_j) / Σw, as common.R forms it.
        let w: Vec<f64> = vi.iter().map(|v| 1.0 / v).collect();
        let mut after = vec![0.0; k];
        for i in (0..k.saturating_sub(1)).rev() {
            after[i] = after[i + 1] + w[i + 1];
        }
        let (mut trace, mut before) = (0.0, 0.0);
        for (wi, a) in w.iter().zip(&after) {
            trace += wi * (before + a);
            before += wi;
        }
        trace /= sw;
        let vt = if k < 2 {
            vi[0]
        } else {
            (k as f64 - 1.0) / trace
        };
        let ymax = yi.iter().fold(0.0f64, |m, y| m.max(y.abs()));
        let smax = vi.iter().fold(0.0f64, |m, v| m.max(v.sqrt()));
        Floors {
            tau2: 1e-10 * vt,
            location: 1e-10 * (ymax + smax),
            se: 1e-10 / sw.sqrt(),
        }
    }

    fn close(&self, key: &str, actual: f64, expected: f64) -> bool {
        if !expected.is_finite() || !actual.is_finite() {
            return actual == expected || (actual.is_nan() && expected.is_nan());
        }
        let abs = match key {
            "tau2" => self.tau2,
            "b" | "ci.lb" | "ci.ub" | "pi.lb" | "pi.ub" => self.location,
            "se" => self.se,
            "zval" => 1e-10 + self.location / (self.se * 1e10),
            "pval" | "QEp" => 1e-12,
            _ => 1e-10,
        };
        let diff = (actual - expected).abs();
        let tail_ok = !(matches!(key, "pval" | "QEp") && expected > 0.0 && expected < 1e-10)
            || diff <= 1e-6 * expected;
        diff <= REL * expected.abs() + abs && tail_ok
    }
}

#[derive(Default)]
struct Group {
    sets: std::collections::BTreeSet<String>,
    keys: std::collections::BTreeSet<String>,
    values: usize,
}

impl Group {
    fn add(&mut self, id: &str, key: &str) {
        self.sets.insert(id.to_string());
        self.keys.insert(key.to_string());
        self.values += 1;
    }
}

fn effects_of(fit: &Fit) -> (Vec<f64>, Vec<f64>) {
    (
        fit.studies.iter().map(|s| s.yi).collect(),
        fit.studies.iter().map(|s| s.vi).collect(),
    )
}

#[test]
fn differential_against_metafor_and_the_likelihood() {
    let sets = data_sets();
    let expected = read("expected.csv");
    let scan = read("scan.csv");

    // Documented differences: expected values that are not metafor's free fit.
    let mut documented: BTreeMap<&str, (std::collections::BTreeSet<String>, usize)> =
        BTreeMap::new();
    let mut unexplained = Vec::new();
    for r in &read("differences.csv") {
        let class = r["class"].as_str();
        match DOCUMENTED.iter().find(|(c, _)| *c == class) {
            Some((c, _)) => {
                let entry = documented.entry(c).or_default();
                entry
                    .0
                    .insert(format!("{} {} {}", r["id"], r["measure"], r["method"]));
                entry.1 += 1;
            }
            None => unexplained.push(format!(
                "{class}: {} ({}) {} {} {} {}: metafor {} [{}], reference {}",
                r["id"],
                sets[&r["id"]].family,
                r["measure"],
                r["method"],
                r["test"],
                r["key"],
                r["metafor"],
                r["metafor_status"],
                r["reference"]
            )),
        }
    }

    let (mut compared, mut rows_fitted) = (0usize, 0usize);
    let mut both_error = 0usize;
    let mut problems = Vec::new();
    // (family, measure and method) → (data sets, keys, values), the summary of mismatches.
    let mut grouped: BTreeMap<(String, String), Group> = BTreeMap::new();
    for row in &expected {
        let set = &sets[&row["id"]];
        let family = set.family.split(':').next().unwrap_or("").to_string();
        let label = format!(
            "{} ({}) {} {} {} {}",
            row["id"], set.family, row["measure"], row["fit"], row["method"], row["test"]
        );
        let result = fit_row(&set.table, row);
        let metafor_error = row["note"].starts_with("error:");
        let fit = match (result, metafor_error) {
            (Ok(fit), false) => fit,
            (Err(_), true) => {
                both_error += 1;
                continue;
            }
            (Ok(_), true) => {
                problems.push(format!("{label}: metapool fits, metafor: {}", row["note"]));
                grouped
                    .entry((family, format!("{} {}", row["measure"], row["method"])))
                    .or_default()
                    .add(&row["id"], "error");
                continue;
            }
            (Err(e), false) => {
                problems.push(format!("{label}: metapool error {e}"));
                grouped
                    .entry((family, format!("{} {}", row["measure"], row["method"])))
                    .or_default()
                    .add(&row["id"], "error");
                continue;
            }
        };
        rows_fitted += 1;
        let (yi, vi) = effects_of(&fit);
        let floors = Floors::of(&yi, &vi);
        for key in KEYS {
            let text = &row[key];
            if text == "NA" {
                continue;
            }
            let want = number(text);
            let Some(got) = ours(&fit, key) else {
                continue;
            };
            compared += 1;
            if !floors.close(key, got, want) {
                let rel = (got - want).abs() / want.abs();
                problems.push(format!(
                    "{label} {key}: metapool {got:e} vs {} {want:e} (rel {rel:.1e})",
                    row["source"]
                ));
                grouped
                    .entry((
                        family.clone(),
                        format!("{} {}", row["measure"], row["method"]),
                    ))
                    .or_default()
                    .add(&row["id"], key);
            }
        }
    }

    let families = sets.values().fold(BTreeMap::new(), |mut m, s| {
        *m.entry(s.family.split(':').next().unwrap_or("").to_string())
            .or_insert(0usize) += 1;
        m
    });
    let bimodal = scan
        .iter()
        .filter(|r| r["n_local"].parse::<usize>().is_ok_and(|n| n >= 2))
        .map(|r| (&r["id"], &r["measure"]))
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    eprintln!(
        "differential: {} data sets {families:?}; {} fits, {compared} values compared; \
         {both_error} fits where metafor and metapool both stop; {bimodal} (data set, measure) pairs with \
         two or more local maxima (ML or REML)",
        sets.len(),
        rows_fitted
    );
    eprintln!("documented differences from metafor (expected: the reference, see README):");
    for (class, reason) in DOCUMENTED {
        let (fits, values) = documented.get(class).cloned().unwrap_or_default();
        eprintln!(
            "  {class}: {values} values in {} fits. {reason}.\n    {}",
            fits.len(),
            fits.into_iter().collect::<Vec<_>>().join(", ")
        );
    }
    if !grouped.is_empty() {
        eprintln!("mismatches by family, method and key:");
        for ((family, method), g) in &grouped {
            eprintln!(
                "  {family:10} {method:8} {} data sets, {} values: {:?}",
                g.sets.len(),
                g.values,
                g.keys
            );
        }
    }
    assert!(sets.len() >= 500, "only {} data sets", sets.len());
    assert!(compared > 100_000, "only {compared} values compared");
    assert!(
        unexplained.is_empty() && problems.is_empty(),
        "{} differences between metafor and the reference without a documented reason:\n{}\n\
         {} mismatches:\n{}",
        unexplained.len(),
        unexplained.join("\n"),
        problems.len(),
        problems.join("\n")
    );
}
