//! Raw bytes -> `read_csv_reader` -> `model::pool` (several option sets) -> reports.
//!
//! Errors are fine (bad input must give an `Err`); a panic, abort, hang or runaway
//! allocation is a bug.
#![no_main]

use libfuzzer_sys::fuzz_target;
use metapool::analysis::subgroup::subgroups;
use metapool::data::{read_csv_reader, DataType, StudyTable};
use metapool::effect::{EffectOptions, Measure};
use metapool::model::{pool, PoolOptions, Tau2Method};
use metapool::profile::{Overrides, Profile};
use metapool::report;

/// Pools `table` with one option set and renders every report of the fit.
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

/// The measures of a data type besides its default one.
fn other_measures(data_type: DataType) -> &'static [Measure] {
    match data_type {
        DataType::Binary => &[Measure::OR, Measure::RD, Measure::PETO],
        DataType::Continuous => &[Measure::SMD, Measure::ROM],
        _ => &[],
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(table) = read_csv_reader("fuzz", data) else {
        return;
    };
    let data_type = table.data_type();
    let defaults = Overrides::default();

    // metafor's defaults (REML), then every tau^2 estimator and the fixed-effect model.
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

    // RevMan 5 (MH or Peto fixed effect for binary data, DL, its zero-cell rule).
    let (effect, options) = Profile::RevMan5.resolve(data_type, &defaults);
    pool_and_render(&table, &effect, &options);

    // The other measures of the data type, under both profiles.
    for &measure in other_measures(data_type) {
        let mut overrides = Overrides::default();
        overrides.measure = Some(measure);
        for profile in [Profile::Metafor, Profile::RevMan5] {
            let (effect, options) = profile.resolve(data_type, &overrides);
            pool_and_render(&table, &effect, &options);
        }
    }

    // Subgroups, when the table has a subgroup column.
    if table.subgroup().is_some() {
        let (effect, options) = Profile::Metafor.resolve(data_type, &defaults);
        if let Ok(sg) = subgroups(&table, &effect, &options) {
            let _ = report::text::render_subgroups(&sg);
            let _ = report::svg::forest(&table, &sg.overall, Some(&sg));
        }
    }
});
