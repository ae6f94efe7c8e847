//! The front door, `metapool::Pool`, against metafor 3.8-1 (`tests/golden/rma.csv`, from
//! `tests/golden/generate_rma.R`; tolerance 1e-8 relative): pooling yi/vi held in memory
//! is one expression and gives `rma(yi, vi)`; 2×2 columns give `rma.mh`; a profile is a
//! preset of the same builder.

use metapool::data::read_csv_path;
use metapool::model::{CiMethod, FixedMethod, PooledEstimate, Tau2Method};
use metapool::profile::Profile;
use metapool::{Level, Pool};

/// metafor's value of `quantity` for the BCG trials (`dataset` bcg) fitted by `fit`
/// with `method` and `test`.
fn golden(measure: &str, fit: &str, method: &str, test: &str, quantity: &str) -> f64 {
    let mut rdr = csv::Reader::from_path("tests/golden/rma.csv").expect("golden");
    for rec in rdr.records() {
        let r = rec.expect("record");
        if (&r[0], &r[1], &r[2], &r[3], &r[4], &r[5])
            == ("bcg", measure, fit, method, test, quantity)
        {
            return r[6].parse().expect("number");
        }
    }
    panic!("no golden value for bcg {measure} {fit} {method} {test} {quantity}");
}

fn close(got: f64, expected: f64, what: &str) {
    let tol = 1e-8 * expected.abs().max(1e-300);
    assert!(
        (got - expected).abs() <= tol,
        "{what}: {got} against metafor's {expected}"
    );
}

/// metafor's escalc of the BCG trials (log risk ratios and their variances).
fn bcg_yi_vi() -> (Vec<f64>, Vec<f64>) {
    (1..=13)
        .map(|i| {
            (
                golden("RR", "escalc", "", "", &format!("yi.{i}")),
                golden("RR", "escalc", "", "", &format!("vi.{i}")),
            )
        })
        .unzip()
}

/// The BCG 2×2 columns of `tests/golden/inputs/bcg.csv`.
fn bcg_columns() -> [Vec<f64>; 4] {
    let mut rdr = csv::Reader::from_path("tests/golden/inputs/bcg.csv").expect("bcg.csv");
    let mut cols: [Vec<f64>; 4] = Default::default();
    for rec in rdr.records() {
        let r = rec.expect("record");
        for (j, col) in cols.iter_mut().enumerate() {
            col.push(r[j + 1].parse().expect("a count"));
        }
    }
    cols
}

fn check_against(mu: &PooledEstimate, measure: &str, fit: &str, method: &str, test: &str) {
    let g = |q: &str| golden(measure, fit, method, test, q);
    close(mu.estimate, g("beta"), "estimate");
    close(mu.se, g("se"), "se");
    close(mu.ci_lower, g("ci.lb"), "ci_lower");
    close(mu.ci_upper, g("ci.ub"), "ci_upper");
    close(mu.p_value, g("pval"), "p_value");
}

#[test]
fn pooling_yi_vi_from_memory_is_one_expression_and_gives_rma() {
    let (yi, vi) = bcg_yi_vi();
    let fit = Pool::new()
        .tau2(Tau2Method::REML)
        .ci(CiMethod::Hksj)
        .fit_yi_vi(&yi, &vi)
        .expect("a fit");
    check_against(fit.pooled(), "RR", "rma", "REML", "knha");
    let random = fit.random.as_ref().expect("random effects");
    close(
        random.tau2,
        golden("RR", "rma", "REML", "knha", "tau2"),
        "tau2",
    );
    close(
        fit.heterogeneity.q,
        golden("RR", "rma", "REML", "knha", "QE"),
        "QE",
    );

    // The defaults are metafor's rma(): REML with z tests.
    let default = Pool::new().fit_yi_vi(&yi, &vi).expect("a fit");
    check_against(default.pooled(), "RR", "rma", "REML", "z");

    // τ² = none: the fixed-effect model, and pooled() is its estimate.
    let fixed = Pool::new().tau2(None).fit_yi_vi(&yi, &vi).expect("a fit");
    assert!(fixed.random.is_none());
    assert_eq!(fixed.pooled(), &fixed.fixed.pooled);
    check_against(fixed.pooled(), "RR", "rma", "FE", "z");

    // Every estimator goes through the same door.
    for method in Tau2Method::ALL {
        let fit = Pool::new().tau2(method).fit_yi_vi(&yi, &vi).expect("a fit");
        check_against(fit.pooled(), "RR", "rma", method.name(), "z");
    }
}

#[test]
fn two_by_two_columns_give_rma_mh() {
    let [events_e, n_e, events_c, n_c] = bcg_columns();
    let fit = Pool::new()
        .fixed(FixedMethod::MantelHaenszel)
        .tau2(None)
        .fit_2x2(&events_e, &n_e, &events_c, &n_c)
        .expect("a fit");
    check_against(fit.pooled(), "RR", "rma.mh", "MH", "z");
}

#[test]
fn a_profile_is_a_preset_of_the_same_builder() {
    let table = read_csv_path("tests/golden/inputs/bcg.csv").expect("bcg.csv");
    let [events_e, n_e, events_c, n_c] = bcg_columns();
    // The table and its columns give the same fit, whatever the profile.
    for profile in [Profile::Metafor, Profile::RevMan5, Profile::RevManWeb] {
        let from_table = Pool::profile(profile).fit_table(&table).expect("a fit");
        let from_columns = Pool::profile(profile)
            .fit_2x2(&events_e, &n_e, &events_c, &n_c)
            .expect("a fit");
        assert_eq!(from_table.pooled(), from_columns.pooled(), "{profile:?}");
        assert_eq!(from_table.options, from_columns.options, "{profile:?}");
    }
    // RevMan 5's preset is Mantel-Haenszel with DerSimonian-Laird (metafor: rma.mh for
    // the fixed effect; the Q behind DL about the MH estimate).
    let revman = Pool::profile(Profile::RevMan5)
        .fit_table(&table)
        .expect("a fit");
    assert_eq!(revman.options.fixed, FixedMethod::MantelHaenszel);
    assert_eq!(revman.options.tau2, Some(Tau2Method::DL));
    check_against(&revman.fixed.pooled, "RR", "rma.mh", "MH", "z");
    // A setter on top of a profile replaces that one choice only.
    let reml = Pool::profile(Profile::RevMan5)
        .tau2(Tau2Method::REML)
        .fit_table(&table)
        .expect("a fit");
    assert_eq!(reml.options.tau2, Some(Tau2Method::REML));
    assert_eq!(reml.options.fixed, FixedMethod::MantelHaenszel);
}

#[test]
fn the_level_is_a_validated_value() {
    let (yi, vi) = bcg_yi_vi();
    let at_90 = Pool::new()
        .level(Level::new(0.9).expect("90%"))
        .fit_yi_vi(&yi, &vi)
        .expect("a fit");
    let at_95 = Pool::new().fit_yi_vi(&yi, &vi).expect("a fit");
    assert_eq!(at_90.level.percent(), 90.0);
    let (w90, w95) = (
        at_90.pooled().ci_upper - at_90.pooled().ci_lower,
        at_95.pooled().ci_upper - at_95.pooled().ci_lower,
    );
    // The widths are in the ratio of the normal quantiles z(0.95) / z(0.975).
    close(
        w90 / w95,
        1.6448536269514722 / 1.959963984540054,
        "width ratio",
    );
    assert!(Level::new(1.0).is_err() && Level::new(f64::NAN).is_err());
}

#[test]
fn bad_data_in_memory_is_an_error_not_a_panic() {
    let pool = Pool::new();
    assert!(pool.fit_yi_vi(&[0.1, 0.2], &[0.01]).is_err());
    assert!(pool.fit_yi_vi(&[], &[]).is_err());
    assert!(pool.fit_yi_vi(&[0.1, f64::NAN], &[0.01, 0.02]).is_err());
    assert!(pool.fit_yi_vi(&[0.1, 0.2], &[0.01, -0.02]).is_err());
    assert!(pool.fit_yi_vi(&[0.1, 0.2], &[0.01, 0.0]).is_err());
    let mh = Pool::new().fixed(FixedMethod::MantelHaenszel);
    assert!(mh.fit_yi_vi(&[0.1, 0.2], &[0.01, 0.02]).is_err());
    assert!(pool
        .fit_2x2(&[1.0, 2.0], &[10.0], &[1.0, 2.0], &[10.0, 10.0])
        .is_err());
    let e = pool
        .fit_2x2(&[1.0, 12.0], &[10.0, 10.0], &[1.0, 2.0], &[10.0, 10.0])
        .expect_err("more events than patients");
    assert!(e.to_string().contains("2x2 tables"), "{e}");
}
