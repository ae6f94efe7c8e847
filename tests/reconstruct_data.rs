//! Every `derived` row of data/ re-derived by `metapool::audit::reconstruct` from the
//! sourced figures, as shared/sources/cerebrolysin.md section 4 states them.
//!
//! Printed figures: CD007026.pub6 Comparison 1 (PMC7387239 table CD007026-tbl-0003),
//! every row "Risk Ratio (M-H, Random, 95% CI)"; CD007026.pub7 summary of findings
//! (PMC10565895 table CD007026-tbl-0001) for the totals. Convention: RevMan 5 (0.5 added
//! to every cell of a trial with a zero cell; DerSimonian-Laird about the MH estimate).

use metapool::audit::figure::Figure;
use metapool::audit::reconstruct::{
    by_subtraction, single_trial, splits, Constraint, KnownTrial, Pooled, Trial,
};
use metapool::data::{read_csv_path, DataType, StudyData};
use metapool::effect::{Measure, ZeroCellRule};
use metapool::model::FixedMethod;
use metapool::profile::Profile;

fn fig(s: &str) -> Figure {
    Figure::parse(s).expect("figure")
}

fn one(n_e: u64, n_c: u64, printed: &str) -> Vec<(u64, u64)> {
    single_trial(
        n_e,
        n_c,
        &fig(printed),
        Measure::RR,
        &ZeroCellRule::revman(),
        0.95,
    )
}

/// The (events_e, events_c) of a study in a data file.
fn events_in(file: &str, study: &str) -> (u64, u64) {
    let t = read_csv_path(format!("data/cd007026/{file}")).expect("data file");
    let StudyData::Binary(b) = t.data() else {
        panic!("binary")
    };
    let i = t
        .labels()
        .iter()
        .position(|l| l == study)
        .unwrap_or_else(|| panic!("{study} in {file}"));
    assert_eq!(
        &t.covariate("provenance").expect("provenance").values[i],
        "derived",
        "{study} in {file}"
    );
    (b.events_e[i] as u64, b.events_c[i] as u64)
}

fn known(study: &str, e: u64, n_e: u64, c: u64, n_c: u64) -> KnownTrial {
    KnownTrial {
        study: study.into(),
        events_e: e,
        n_e,
        events_c: c,
        n_c,
    }
}

#[test]
fn single_trial_rows_are_the_unique_tables_that_print_the_same() {
    // Ladurner 2005: 78 vs 68 (PMC7387239 tblf-0007)
    assert_eq!(
        one(78, 68, "0.87 [0.29, 2.58]"),
        vec![events_in("pub6_1_1_all_cause_death.csv", "Ladurner 2005")]
    );
    assert_eq!(
        one(78, 68, "0.87 [0.29, 2.58]"),
        vec![events_in("pub6_1_3_fatal_sae.csv", "Ladurner 2005")]
    );
    assert_eq!(
        one(78, 68, "0.87 [0.29, 2.58]"),
        vec![events_in("pub7_all_cause_death.csv", "Ladurner 2005")]
    );
    assert_eq!(
        one(78, 68, "0.87 [0.29, 2.58]"),
        vec![events_in("pub7_fatal_sae.csv", "Ladurner 2005")]
    );
    assert_eq!(
        one(78, 68, "0.75 [0.26, 2.12]"),
        vec![events_in("pub6_1_2_total_sae.csv", "Ladurner 2005")]
    );
    assert_eq!(
        one(78, 68, "0.29 [0.01, 7.03]"),
        vec![events_in("pub6_1_4_nonfatal_sae.csv", "Ladurner 2005")]
    );
    assert_eq!(
        one(78, 68, "0.29 [0.01, 7.03]"),
        vec![events_in("pub7_nonfatal_sae.csv", "Ladurner 2005")]
    );
    // Skvortsova 2004: 24 vs 12 (PubMed 15559222)
    assert_eq!(
        one(24, 12, "1.17 [0.37, 3.73]"),
        vec![events_in("pub6_1_1_all_cause_death.csv", "Skvortsova 2004")]
    );
    assert_eq!(
        one(24, 12, "1.17 [0.37, 3.73]"),
        vec![events_in("pub7_all_cause_death.csv", "Skvortsova 2004")]
    );
    // Gharagozli 2017: 100 in total (PMC5652261), 50/50 assumed
    assert_eq!(
        one(50, 50, "0.50 [0.05, 5.34]"),
        vec![events_in("pub6_1_1_all_cause_death.csv", "Gharagozli 2017")]
    );
    assert_eq!(
        one(50, 50, "1.00 [0.15, 6.82]"),
        vec![events_in("pub6_1_2_total_sae.csv", "Gharagozli 2017")]
    );
    assert_eq!(
        one(50, 50, "1.00 [0.15, 6.82]"),
        vec![events_in("pub6_1_4_nonfatal_sae.csv", "Gharagozli 2017")]
    );
}

fn revman5_random(
    name: &str,
    includes: Vec<bool>,
    known: Vec<KnownTrial>,
    printed: &str,
) -> Constraint {
    let (effect, pool) = Profile::RevMan5.options(
        Measure::RR,
        DataType::Binary,
        Some(FixedMethod::MantelHaenszel),
    );
    Constraint {
        name: name.into(),
        includes,
        known,
        figure: fig(printed),
        effect,
        pool,
        pooled: Pooled::Random,
    }
}

fn casta_cerelyse1() -> Vec<Trial> {
    // Arm sizes: CASTA PubMed 22282884 abstract; CERE-LYSE-1 PMC7387239 tblf-0005.
    vec![
        Trial {
            study: "CASTA (Heiss 2012)".into(),
            n_e: 529,
            n_c: 541,
        },
        Trial {
            study: "CERE-LYSE-1 (Lang 2013)".into(),
            n_e: 60,
            n_c: 59,
        },
    ]
}

#[test]
fn nonfatal_sae_split_of_casta_and_cere_lyse_1_is_unique() {
    // pub7 totals 20/667 vs 8/668 (three trials) minus Ladurner 0/78 vs 1/68.
    let (e_total, c_total) = (
        by_subtraction(20, &[0]).expect("e"),
        by_subtraction(8, &[1]).expect("c"),
    );
    assert_eq!((e_total, c_total), (20, 7));
    let ladurner = known("Ladurner 2005", 0, 78, 1, 68);
    let gharagozli = known("Gharagozli 2017", 2, 50, 2, 50);
    let constraints = vec![
        revman5_random("pub6 1.4.1", vec![true, true], vec![], "2.86 [1.23, 6.66]"),
        revman5_random(
            "pub6 1.4",
            vec![true, true],
            vec![ladurner, gharagozli],
            "2.15 [1.01, 4.55]",
        ),
    ];
    let found = splits(&casta_cerelyse1(), e_total, c_total, &constraints).expect("splits");
    let casta = events_in("pub7_nonfatal_sae.csv", "CASTA (Heiss 2012)");
    let cere = events_in("pub7_nonfatal_sae.csv", "CERE-LYSE-1 (Lang 2013)");
    assert_eq!(found, vec![vec![casta, cere]]);
    assert_eq!(
        events_in("pub6_1_4_nonfatal_sae.csv", "CASTA (Heiss 2012)"),
        casta
    );
    assert_eq!(
        events_in("pub6_1_4_nonfatal_sae.csv", "CERE-LYSE-1 (Lang 2013)"),
        cere
    );
}

#[test]
fn death_splits_of_casta_and_cere_lyse_1_include_the_five_listed_and_eight_more() {
    // pub7 fatal SAEs 38/667 vs 42/668 (CASTA, CERE-LYSE-1, Ladurner) minus Ladurner 6/6.
    let (e_total, c_total) = (
        by_subtraction(38, &[6]).expect("e"),
        by_subtraction(42, &[6]).expect("c"),
    );
    let ladurner = known("Ladurner 2005", 6, 78, 6, 68);
    let amiri = known("Amiri-Nikpour 2014", 1, 23, 2, 23); // sourced, PMC7387239 tblf-0003
    let skvortsova = known("Skvortsova 2004", 7, 24, 3, 12);
    let gharagozli = known("Gharagozli 2017", 1, 50, 2, 50);
    let constraints = vec![
        revman5_random("pub6 1.3.1", vec![true, true], vec![], "0.90 [0.57, 1.44]"),
        revman5_random(
            "pub6 1.3",
            vec![true, true],
            vec![ladurner.clone()],
            "0.90 [0.59, 1.38]",
        ),
        revman5_random(
            "pub6 1.1.1",
            vec![true, true],
            vec![amiri.clone()],
            "0.88 [0.56, 1.39]",
        ),
        revman5_random(
            "pub6 1.1",
            vec![true, true],
            vec![amiri, ladurner, skvortsova, gharagozli],
            "0.90 [0.61, 1.32]",
        ),
    ];
    let found = splits(&casta_cerelyse1(), e_total, c_total, &constraints).expect("splits");
    // The candidates file lists them in the same order (by CASTA events). It holds the
    // five splits cerebrolysin.md section 4 lists and eight more that this search finds
    // and that reproduce the same four printed analyses.
    let t =
        read_csv_path("data/cd007026/casta_cerelyse1_death_candidates.csv").expect("candidates");
    let StudyData::Binary(b) = t.data() else {
        panic!("binary")
    };
    let expected: Vec<Vec<(u64, u64)>> = (0..t.k() / 2)
        .map(|c| {
            (0..2)
                .map(|j| (b.events_e[2 * c + j] as u64, b.events_c[2 * c + j] as u64))
                .collect()
        })
        .collect();
    let mut found_sorted = found.clone();
    found_sorted.sort();
    assert_eq!(found_sorted, expected);
    for listed in [
        [(25, 30), (7, 6)],
        [(26, 31), (6, 5)],
        [(27, 31), (5, 5)],
        [(28, 31), (4, 5)],
        [(28, 32), (4, 4)],
    ] {
        assert!(
            found.contains(&listed.to_vec()),
            "{listed:?} of cerebrolysin.md section 4"
        );
    }
    assert_eq!(found.len(), 13);
}

#[test]
fn cortexin_row_by_subtraction_from_the_pub7_totals() {
    // pub7 all-cause death: 53/922 vs 47/767 over CASTA, CERE-LYSE-1, Amiri-Nikpour,
    // Ladurner, Skvortsova and the Cortexin trial; CASTA + CERE-LYSE-1 deaths 32 vs 36.
    let events_e = by_subtraction(53, &[32, 1, 6, 7]).expect("events");
    let events_c = by_subtraction(47, &[36, 2, 6, 3]).expect("events");
    let n_e = by_subtraction(922, &[529, 60, 23, 78, 24]).expect("n");
    let n_c = by_subtraction(767, &[541, 59, 23, 68, 12]).expect("n");
    let t = read_csv_path("data/cd007026/pub7_all_cause_death.csv").expect("data");
    let StudyData::Binary(b) = t.data() else {
        panic!("binary")
    };
    let i = t
        .labels()
        .iter()
        .position(|l| l.starts_with("Cortexin"))
        .expect("Cortexin row");
    assert_eq!(
        (
            b.events_e[i] as u64,
            b.n_e[i] as u64,
            b.events_c[i] as u64,
            b.n_c[i] as u64
        ),
        (events_e, n_e, events_c, n_c)
    );
    assert_eq!((events_e, n_e, events_c, n_c), (7, 208, 0, 64));
}
