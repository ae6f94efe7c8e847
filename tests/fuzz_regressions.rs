//! Inputs found by the `read_and_pool` fuzz target (`fuzz/`), fed through the same
//! path: `read_csv_reader`, `model::pool` with the metafor and RevMan 5 profiles, every
//! τ² estimator and the other measures of the data type, then every report. An error
//! is a fine answer to these inputs; a panic is the bug each one found.
//!
//! The audit targets (`figure_parser`, `claims_registry`) share their bodies with this
//! file (`fuzz/fuzz_targets/audit_bodies.rs`); their seeds run here.

use metapool::analysis::subgroup::subgroups;
use metapool::data::{read_csv_reader, DataType, StudyTable};
use metapool::distribution::{chisq_cdf, chisq_sf};
use metapool::effect::{EffectOptions, Measure};
use metapool::model::{pool, PoolOptions, Tau2Method};
use metapool::profile::{Overrides, Profile};
use metapool::report;

#[path = "../fuzz/fuzz_targets/audit_bodies.rs"]
mod audit_bodies;

fn pool_and_render(table: &StudyTable, effect: &EffectOptions, options: &PoolOptions) {
    let Ok(fit) = pool(table, effect, options) else {
        return;
    };
    let _ = report::text::render(table, &fit);
    let _ = report::fit_json(&fit);
    let _ = report::csv::render(&fit);
    let _ = report::svg::forest(table, &fit, None);
    let _ = report::svg::funnel(&fit, None);
}

/// The body of `fuzz/fuzz_targets/read_and_pool.rs`.
fn read_and_pool(data: &[u8]) {
    let Ok(table) = read_csv_reader("fuzz", data) else {
        return;
    };
    let data_type = table.data_type();
    let defaults = Overrides::default();
    let (effect, options) = Profile::Metafor.resolve(data_type, &defaults);
    pool_and_render(&table, &effect, &options);
    for method in Tau2Method::ALL {
        let mut options = options;
        options.tau2 = Some(method);
        pool_and_render(&table, &effect, &options);
    }
    let mut fixed_only = options;
    fixed_only.tau2 = None;
    pool_and_render(&table, &effect, &fixed_only);
    let (effect, options) = Profile::RevMan5.resolve(data_type, &defaults);
    pool_and_render(&table, &effect, &options);
    let others: &[Measure] = match data_type {
        DataType::Binary => &[Measure::OR, Measure::RD, Measure::PETO],
        DataType::Continuous => &[Measure::SMD, Measure::ROM],
        _ => &[],
    };
    for &measure in others {
        let mut overrides = Overrides::default();
        overrides.measure = Some(measure);
        for profile in [Profile::Metafor, Profile::RevMan5] {
            let (effect, options) = profile.resolve(data_type, &overrides);
            pool_and_render(&table, &effect, &options);
        }
    }
    if table.subgroup().is_some() {
        let (effect, options) = Profile::Metafor.resolve(data_type, &defaults);
        if let Ok(sg) = subgroups(&table, &effect, &options) {
            let _ = report::text::render_subgroups(&sg);
            let _ = report::svg::forest(&table, &sg.overall, Some(&sg));
        }
    }
}

/// fuzz/artifacts/read_and_pool/minimized-from-b7417a2fe1a91c93beae8b5b62812e5e132fc62b:
/// a yi of 1e308 makes Cochran's Q overflow to +inf, and statrs' `gamma_ur` (behind
/// `chisq_sf`) panicked on an infinite argument ("XInvalid").
#[test]
fn an_effect_of_1e308_overflowing_q_to_infinity_does_not_panic() {
    read_and_pool(b"\"study\",\"yi\",\"sei\"\n\"al\",\"1e308\",\"0.9\"\n\"Co69\",\"74\",.72");
    read_and_pool(b"study,yi,sei\na,1e308,1\nb,0,1\n");
}

#[test]
fn chi_squared_tails_at_infinity_are_their_limits() {
    assert_eq!(chisq_sf(f64::INFINITY, 1.0), 0.0);
    assert_eq!(chisq_cdf(f64::INFINITY, 1.0), 1.0);
    assert_eq!(chisq_sf(3.0, f64::INFINITY), 1.0);
    assert_eq!(chisq_cdf(3.0, f64::INFINITY), 0.0);
    assert!(chisq_sf(f64::INFINITY, f64::INFINITY).is_nan());
}

/// Every file of `fuzz/corpus/<target>/`, through `body`.
fn run_seeds(target: &str, body: fn(&[u8])) {
    let dir = std::path::Path::new("fuzz/corpus").join(target);
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).expect("corpus folder") {
        let path = entry.expect("corpus entry").path();
        body(&std::fs::read(&path).expect("seed"));
        n += 1;
    }
    assert!(n > 0, "no seed in {}", dir.display());
}

/// The seeds of the audit targets: the rows of data/claims.csv, the hostile figures of
/// issue 12 (`2.39 [é]`, `2.39 (·1.10-5.23)`, a reversed CI, inputs outside the folder).
#[test]
fn the_seeds_of_the_audit_fuzz_targets_run_clean() {
    run_seeds("figure_parser", audit_bodies::figure_parser);
    run_seeds("claims_registry", audit_bodies::claims_registry);
    audit_bodies::remove_scratch();
}

/// Found by the `distributions` target (2026-12-01): the χ² quantile of degrees of
/// freedom 5e-324 (ν/2 rounds to 0) was NaN; the limit as ν → 0 is 0.
#[test]
fn chi_squared_quantile_of_subnormal_degrees_of_freedom_is_zero() {
    use metapool::distribution::chisq_quantile;
    for df in [5e-324, 1e-310, 1e-301] {
        for p in [5e-324, 1e-300, 0.5, 0.975, 1.0 - f64::EPSILON] {
            assert_eq!(chisq_quantile(p, df), 0.0, "p = {p:e}, df = {df:e}");
        }
    }
}

/// Found by the `distributions` target (2026-12-01, second run): the t and χ²
/// quantiles at p = 0 and p = 1 were NaN; they are the limits of the quantile
/// functions there, as `normal_quantile` gives them.
#[test]
fn quantiles_at_the_ends_of_the_unit_interval_are_their_limits() {
    use metapool::distribution::{chisq_quantile, normal_quantile, t_quantile};
    assert_eq!(normal_quantile(1.0), f64::INFINITY);
    for df in [1e-310, 1.0, 2.0, 3.5, 1e9, f64::INFINITY] {
        assert_eq!(t_quantile(0.0, df), f64::NEG_INFINITY, "{df}");
        assert_eq!(t_quantile(1.0, df), f64::INFINITY, "{df}");
        assert_eq!(chisq_quantile(0.0, df), 0.0, "{df}");
        assert_eq!(chisq_quantile(1.0, df), f64::INFINITY, "{df}");
    }
    assert!(t_quantile(1.0, -1.0).is_nan() && chisq_quantile(0.0, f64::NAN).is_nan());
}

/// Found by the `distributions` target (2026-12-01, third run): t_sf(−∞, 1e300) was NaN
/// (the large-ν approximation formed ∞/∞), and t_sf(1e200, 1e300) was 1/2 (t²
/// overflowed); their values are 1 and 0.
#[test]
fn t_tails_with_infinite_or_huge_statistics_and_huge_degrees_of_freedom() {
    use metapool::distribution::t_sf;
    for df in [1.0, 3.0, 1e9, 1e300, f64::INFINITY] {
        assert_eq!(t_sf(f64::NEG_INFINITY, df), 1.0, "{df}");
        assert_eq!(t_sf(f64::INFINITY, df), 0.0, "{df}");
    }
    assert_eq!(t_sf(1e200, 1e300), 0.0);
    assert_eq!(t_sf(-1e200, 1e300), 1.0);
}
