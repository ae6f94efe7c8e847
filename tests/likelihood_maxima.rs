//! ML and REML where the likelihood has more than one local maximum: the estimate is
//! the global maximum on τ² ≥ 0, in pooling and in meta-regression, and the fit says
//! how many local maxima it saw.
//!
//! Expected values: `tests/golden/multimodal.csv`, written by
//! `tests/golden/generate_multimodal.R` (metafor 3.8-1 `rma` with a threshold of 1e-12;
//! the script checks by a dense scan of metafor's profile log-likelihood that each is
//! the global maximum, and counts the local maxima of that scan). Before the global
//! search, metapool returned τ² = 0 for `two_zeros_and_outlier` (the score at 0 is
//! negative, yet 0 is only a local maximum) and 0.0193 for the REML fit of
//! `cluster_and_outlier` (the peak nearest the DerSimonian-Laird start).
//!
//! Tolerance: 1e-8 relative (1e-10 absolute for τ² = 0, where metafor stops within its
//! threshold of 0).

use metapool::analysis::regression;
use metapool::model::{fit_slices, PoolOptions, Tau2Method};

fn cases() -> Vec<(Vec<f64>, Vec<f64>, &'static str)> {
    vec![
        (
            vec![0.0, 0.0, 20.0],
            vec![1.0, 1.0, 30.0],
            "two_zeros_and_outlier",
        ),
        (
            vec![-12.004, 0.658, 0.808, 0.483, 0.674, -0.113, -0.4],
            vec![5.895, 0.778, 2.855, 0.653, 3.598, 0.04, 0.019],
            "cluster_and_outlier",
        ),
    ]
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-8 * a.abs().max(b.abs()) + 1e-10
}

#[test]
fn ml_and_reml_find_the_global_maximum_that_metafor_finds() {
    let data = cases();
    let mut rdr = csv::Reader::from_path("tests/golden/multimodal.csv").expect("golden file");
    let mut checked = 0;
    let mut failures = Vec::new();
    for rec in rdr.records() {
        let r = rec.expect("record");
        let (yi, vi, _) = data.iter().find(|c| c.2 == &r[0]).expect("case");
        let (model, method) = (&r[1], &r[2]);
        let num = |i: usize| r[i].parse::<f64>().expect("number");
        let (tau2, b, se, loglik) = (num(3), num(4), num(5), num(6));
        let maxima: usize = r[7].parse().expect("maxima");
        let (ours_tau2, ours_b, ours_se, convergence) =
            if model == "rma" {
                let mut options = PoolOptions::default();
                options.tau2 = Some(method.parse::<Tau2Method>().expect("method"));
                let fit = fit_slices(yi, vi, &options).expect("fit");
                let random = fit.random.expect("random");
                (
                    random.tau2,
                    random.pooled.estimate,
                    random.pooled.se,
                    random.convergence,
                )
            } else {
                let k = yi.len();
                let x = ndarray::Array2::from_shape_fn((k, 2), |(i, j)| {
                    if j == 0 {
                        1.0
                    } else {
                        (i + 1) as f64
                    }
                });
                let names = ["intrcpt".to_string(), "x".to_string()];
                let method = if method == "REML" {
                    Some(Tau2Method::REML)
                } else {
                    Some(Tau2Method::ML)
                };
                let fit =
                    regression::fit(yi, vi, x.view(), &names, method, false, 0.95).expect("fit");
                let intercept = &fit.coefficients[0].estimate;
                (fit.tau2, intercept.estimate, intercept.se, fit.convergence)
            };
        let what = format!("{} {model} {method}", &r[0]);
        for (name, ours, expected) in [
            ("tau2", ours_tau2, tau2),
            ("b", ours_b, b),
            ("se", ours_se, se),
        ] {
            if !close(ours, expected) {
                failures.push(format!("{what} {name}: {ours} vs metafor {expected}"));
            }
        }
        if convergence.local_maxima != Some(maxima) {
            failures.push(format!(
                "{what}: {:?} local maxima seen, the scan finds {maxima}",
                convergence.local_maxima
            ));
        }
        if maxima > 1 {
            let highest = convergence
                .maxima
                .iter()
                .map(|m| m.log_likelihood)
                .fold(f64::NEG_INFINITY, f64::max);
            if !close(highest, loglik) {
                failures.push(format!(
                    "{what} log-likelihood: {highest} vs metafor {loglik}"
                ));
            }
            if convergence.multiple_maxima_warning().is_none() {
                failures.push(format!("{what}: no warning of several maxima"));
            }
        }
        checked += 1;
    }
    assert_eq!(checked, 8);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A fit whose likelihood has several maxima warns, naming them.
#[test]
fn a_fit_with_several_maxima_warns() {
    let (yi, vi, _) = &cases()[0];
    let effects = metapool::effect::Effects::from_yi_vi(
        metapool::effect::Measure::GEN,
        vec!["s1", "s2", "s3"],
        yi.clone(),
        vi.clone(),
    )
    .expect("effects");
    let fit = metapool::model::pool_effects(&effects, &PoolOptions::default()).expect("fit");
    assert!(
        fit.warnings.iter().any(|w| w.contains("2 local maxima")),
        "{:?}",
        fit.warnings
    );
}

/// The REML maximum of a two-study set and of a meta-regression stays where it is when
/// the data are rescaled by 10^±120 (y·c, v·c²): the weights' squares underflowed in
/// the scan beyond variances of 1e154 (REML then reported two maxima and a τ² of
/// 0.161 c² instead of 0.285 c²), and meta-regression refused variances below 1e-155
/// (it refuses them now only where Σ 1/v leaves 1e±289).
#[test]
fn the_maximum_survives_rescaling_to_the_ends_of_double_precision() {
    let (yi, vi) = (
        [0.621657237237716, -0.207927691529136],
        [0.00398697357947619, 0.113672598273039],
    );
    let base = metapool::model::tau2::likelihood(&yi, &vi, true).tau2;
    for c in [1e-150, 1e-120, 1e120, 1e150] {
        let y: Vec<f64> = yi.iter().map(|y| y * c).collect();
        let v: Vec<f64> = vi.iter().map(|v| v * c * c).collect();
        let scaled = metapool::model::tau2::likelihood(&y, &v, true);
        assert!(
            (scaled.tau2 / (c * c) - base).abs() <= 1e-9 * base,
            "c = {c:e}: {} vs {base}",
            scaled.tau2 / (c * c)
        );
        assert_eq!(scaled.convergence.local_maxima, Some(1), "c = {c:e}");
    }
    let yi = [0.0, 0.01, -0.01, 0.02, 5.0, -5.0];
    let vi = [0.001, 0.001, 0.001, 0.001, 0.5, 0.5];
    let x = [0.0, 1.0, 2.0, 3.0, 1.0, 2.0];
    let design = ndarray::Array2::from_shape_fn((6, 2), |(i, j)| if j == 0 { 1.0 } else { x[i] });
    let names = ["intrcpt".to_string(), "x".to_string()];
    let fit = |c: f64| {
        let y: Vec<f64> = yi.iter().map(|y| y * c).collect();
        let v: Vec<f64> = vi.iter().map(|v| v * c * c).collect();
        metapool::analysis::regression::fit(
            &y,
            &v,
            design.view(),
            &names,
            Some(Tau2Method::REML),
            false,
            0.95,
        )
        .expect("fit")
        .tau2
            / (c * c)
    };
    let base = fit(1.0);
    // Meta-regression refuses variances whose Σ 1/v leaves 1e±289 (its scale check).
    for c in [1e-140, 1e-77, 1e85, 1e140] {
        assert!(
            (fit(c) - base).abs() <= 1e-9 * base,
            "c = {c:e}: {} vs {base}",
            fit(c)
        );
    }
}
