//! Recomputes figures of the Cochrane review of Cerebrolysin for acute ischaemic stroke
//! (CD007026) from the trial extracts in `data/cd007026/`, beside the printed figures.
//!
//! Run: `cargo run --example pool_cochrane`
use metapool::data::read_csv_path;
use metapool::effect::{compute, EffectOptions, Measure, ZeroCellRule};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let file = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/data/cd007026/pub6_1_4_nonfatal_sae.csv"
    );
    let table = read_csv_path(file)?;
    let mut options = EffectOptions::new(Measure::RR);
    options.zero_cell = ZeroCellRule::revman();
    let effects = compute(&table, &options)?;
    // Printed single-trial rows of CD007026.pub6, Comparison 1 (PMC7387239 table
    // CD007026-tbl-0003); the first two trials form subgroup 1.4.1 and have no
    // single-trial row.
    let printed = [
        None,
        None,
        Some("1.4.2: 0.29 [0.01, 7.03]"),
        Some("1.4.3: 1.00 [0.15, 6.82]"),
    ];
    let z = metapool::distribution::normal_quantile(0.975);
    println!("CD007026.pub6 analysis 1.4, people with non-fatal serious adverse events");
    println!("Risk ratio per trial, RevMan zero-cell rule, 95% Wald CI on the log scale\n");
    println!(
        "{:<26} {:>9} {:>9} {:>22}   printed",
        "trial", "E", "C", "RR [95% CI]"
    );
    let metapool::data::StudyData::Binary(arms) = &table.data else {
        return Err("expected binary data".into());
    };
    for (j, &i) in effects.index.iter().enumerate() {
        let (yi, se) = (effects.yi[j], effects.vi[j].sqrt());
        println!(
            "{:<26} {:>9} {:>9} {:>22}   {}",
            table.labels[i],
            format!("{}/{}", arms.events_e[i], arms.n_e[i]),
            format!("{}/{}", arms.events_c[i], arms.n_c[i]),
            format!(
                "{:.2} [{:.2}, {:.2}]",
                yi.exp(),
                (yi - z * se).exp(),
                (yi + z * se).exp()
            ),
            printed[i].unwrap_or("(in subgroup 1.4.1)")
        );
    }
    Ok(())
}
