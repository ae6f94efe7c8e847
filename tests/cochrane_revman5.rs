//! The RevMan 5 profile against the figures printed in the Cochrane review of
//! Cerebrolysin for acute ischaemic stroke (CD007026), from the trial extracts in
//! `data/cd007026/`.
//!
//! Printed figures: pub6 = Ziganshina et al. 2020, CD007026.pub6, Comparison 1
//! (PMC7387239 table CD007026-tbl-0003), every row "Risk Ratio (M-H, Random, 95% CI)";
//! pub7 = CD007026.pub7 (2023), Summary of findings 1 (PMC10565895 table
//! CD007026-tbl-0001). A figure is reproduced when the recomputed RR and both limits
//! round to the printed two decimals (tolerance: half the last printed digit).

use metapool::data::{read_csv_path, BinaryArms, DataType, StudyData, StudyTable};
use metapool::effect::Measure;
use metapool::model::{pool, Fit, FixedMethod};
use metapool::profile::Profile;

#[derive(Clone)]
struct Row {
    study: String,
    subgroup: String,
    counts: [f64; 4],
    candidate: Option<String>,
}

fn rows(file: &str) -> Vec<Row> {
    let t = read_csv_path(format!("data/cd007026/{file}")).expect("data file");
    let StudyData::Binary(b) = t.data() else {
        panic!("binary data expected")
    };
    let candidate = t.covariate("candidate").map(|c| c.values.clone());
    (0..t.k())
        .map(|i| Row {
            study: t.labels()[i].to_owned(),
            subgroup: t.subgroup().map_or(String::new(), |s| s[i].to_owned()),
            counts: [b.events_e[i], b.n_e[i], b.events_c[i], b.n_c[i]],
            candidate: candidate.as_ref().map(|c| c[i].to_owned()),
        })
        .collect()
}

fn table(rows: &[Row]) -> StudyTable {
    let col = |j: usize| rows.iter().map(|r| r.counts[j]).collect::<Vec<_>>();
    let arms = BinaryArms {
        events_e: col(0),
        n_e: col(1),
        events_c: col(2),
        n_c: col(3),
    };
    StudyTable::new(
        "cd007026",
        rows.iter().map(|r| r.study.clone()).collect::<Vec<_>>(),
        StudyData::Binary(arms),
    )
    .expect("valid table")
}

fn revman5(rows: &[Row], random: bool) -> Fit {
    let (effect, mut options) = Profile::RevMan5.options(
        Measure::RR,
        DataType::Binary,
        Some(FixedMethod::MantelHaenszel),
    );
    if !random {
        options.tau2 = None;
    }
    pool(&table(rows), &effect, &options).expect("fit")
}

fn printed_random(fit: &Fit) -> String {
    let r = fit.random.as_ref().expect("random-effects fit");
    format!(
        "{:.2} [{:.2}, {:.2}]",
        r.pooled.estimate.exp(),
        r.pooled.ci_lower.exp(),
        r.pooled.ci_upper.exp()
    )
}

fn in_subgroup(rows: &[Row], subgroup: &str) -> Vec<Row> {
    rows.iter()
        .filter(|r| r.subgroup == subgroup)
        .cloned()
        .collect::<Vec<_>>()
}

fn candidates() -> Vec<Vec<Row>> {
    let all = rows("casta_cerelyse1_death_candidates.csv");
    let mut ids: Vec<String> = all.iter().filter_map(|r| r.candidate.clone()).collect();
    ids.dedup();
    ids.iter()
        .map(|c| {
            all.iter()
                .filter(|r| r.candidate.as_ref() == Some(c))
                .cloned()
                .collect()
        })
        .collect()
}

#[test]
fn pub7_nonfatal_sae_mh_fixed_with_revman_zero_cells_prints_2_39_1_10_5_23() {
    let fit = revman5(&rows("pub7_nonfatal_sae.csv"), false);
    let f = &fit.fixed.pooled;
    assert_eq!(
        format!(
            "{:.2} ({:.2} to {:.2})",
            f.estimate.exp(),
            f.ci_lower.exp(),
            f.ci_upper.exp()
        ),
        "2.39 (1.10 to 5.23)"
    );
    // cerebrolysin.md section 4 gives the unrounded figure 2.3927 [1.0957, 5.2250].
    assert_eq!(
        format!(
            "{:.4} [{:.4}, {:.4}]",
            f.estimate.exp(),
            f.ci_lower.exp(),
            f.ci_upper.exp()
        ),
        "2.3927 [1.0957, 5.2250]"
    );
}

#[test]
fn pub6_analysis_1_4_nonfatal_sae_and_its_subgroups() {
    let all = rows("pub6_1_4_nonfatal_sae.csv");
    assert_eq!(
        printed_random(&revman5(&all, true)),
        "2.15 [1.01, 4.55]",
        "1.4"
    );
    assert_eq!(
        printed_random(&revman5(&in_subgroup(&all, "30 mL x 10 d"), true)),
        "2.86 [1.23, 6.66]",
        "1.4.1"
    );
    assert_eq!(
        printed_random(&revman5(&in_subgroup(&all, "50 mL x 21 d"), true)),
        "0.29 [0.01, 7.03]",
        "1.4.2"
    );
    assert_eq!(
        printed_random(&revman5(&in_subgroup(&all, "30 mL x 7 d then 10 mL"), true)),
        "1.00 [0.15, 6.82]",
        "1.4.3"
    );
}

#[test]
fn pub6_single_trial_rows_of_analyses_1_1_to_1_3() {
    let death = rows("pub6_1_1_all_cause_death.csv");
    assert_eq!(
        printed_random(&revman5(&in_subgroup(&death, "50 mL x 21 d"), true)),
        "0.87 [0.29, 2.58]",
        "1.1.2"
    );
    assert_eq!(
        printed_random(&revman5(
            &in_subgroup(&death, "10 mL and 50 mL x 10 d"),
            true
        )),
        "1.17 [0.37, 3.73]",
        "1.1.3"
    );
    assert_eq!(
        printed_random(&revman5(
            &in_subgroup(&death, "30 mL x 7 d then 10 mL"),
            true
        )),
        "0.50 [0.05, 5.34]",
        "1.1.4"
    );
    let sae = rows("pub6_1_2_total_sae.csv");
    assert_eq!(
        printed_random(&revman5(&in_subgroup(&sae, "50 mL x 21 d"), true)),
        "0.75 [0.26, 2.12]",
        "1.2.2"
    );
    assert_eq!(
        printed_random(&revman5(&in_subgroup(&sae, "30 mL x 7 d then 10 mL"), true)),
        "1.00 [0.15, 6.82]",
        "1.2.3"
    );
    let fatal = rows("pub6_1_3_fatal_sae.csv");
    assert_eq!(
        printed_random(&revman5(&fatal, true)),
        "0.87 [0.29, 2.58]",
        "1.3.2"
    );
}

/// cerebrolysin.md section 4: each split of the CASTA + CERE-LYSE-1 deaths in the
/// candidates file (the five listed there and eight more found by the reconstruction)
/// reproduces analyses 1.1, 1.1.1, 1.3 and 1.3.1.
#[test]
fn pub6_death_and_fatal_sae_analyses_hold_for_each_candidate_split() {
    let death = rows("pub6_1_1_all_cause_death.csv");
    let fatal = rows("pub6_1_3_fatal_sae.csv");
    let candidates = candidates();
    assert_eq!(candidates.len(), 13);
    for (c, cand) in candidates.iter().enumerate() {
        let all_death: Vec<Row> = cand.iter().chain(&death).cloned().collect();
        assert_eq!(
            printed_random(&revman5(&all_death, true)),
            "0.90 [0.61, 1.32]",
            "1.1, candidate {}",
            c + 1
        );
        assert_eq!(
            printed_random(&revman5(&in_subgroup(&all_death, "30 mL x 10 d"), true)),
            "0.88 [0.56, 1.39]",
            "1.1.1, candidate {}",
            c + 1
        );
        let all_fatal: Vec<Row> = cand.iter().chain(&fatal).cloned().collect();
        assert_eq!(
            printed_random(&revman5(&all_fatal, true)),
            "0.90 [0.59, 1.38]",
            "1.3, candidate {}",
            c + 1
        );
        assert_eq!(
            printed_random(&revman5(cand, true)),
            "0.90 [0.57, 1.44]",
            "1.3.1, candidate {}",
            c + 1
        );
    }
}

/// The MH risk difference with the Greenland-Robins (1985) variance, as Stata's
/// `metan`: for dat.bcg metan prints z = 11.56 (metafor's test
/// test_misc_metan_vs_rma.mh_with_dat.bcg.r records it beside metafor's 11.4708, which
/// uses the Sato et al. 1989 variance).
#[test]
fn mh_risk_difference_greenland_robins_variance_matches_metan_on_bcg() {
    let t = read_csv_path("tests/golden/inputs/bcg.csv").expect("bcg");
    let (effect, mut options) = Profile::RevMan5.options(Measure::RD, DataType::Binary, None);
    options.tau2 = None;
    let fit = pool(&t, &effect, &options).expect("fit");
    assert_eq!(format!("{:.2}", fit.fixed.pooled.statistic.abs()), "11.56");
    assert_eq!(format!("{:.4}", fit.fixed.pooled.estimate), "-0.0033");
}
