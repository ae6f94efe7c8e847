//! The hand-made RevMan 5 review files of `tests/revman/handmade/` (see its README)
//! read and re-run as each of their analyses names itself, against the figures the
//! Cochrane review prints.
//!
//! `cd007026_pub6.rm5` holds comparison 1 of Ziganshina LE et al., Cerebrolysin for
//! acute ischaemic stroke, Cochrane Database Syst Rev 2020, CD007026.pub6, with the study
//! rows of `data/cd007026/` and no computed figure: every analysis is re-run from its
//! rows with the options its `DICH_OUTCOME` names (`audit::revman::file_options`) and
//! compared with the printed RR [95% CI] of PMC7387239 table CD007026-tbl-0003, at the
//! printed two decimals.
//!
//! The two variants of analysis 1.4 (90% intervals; swapped events) have no published
//! figures: their tests check properties that follow from the 95% publication and from
//! the definitions, never a pooled number typed in.

use metapool::analysis::review::{rerun, Rerun};
use metapool::audit::revman::{audit_review, file_options, OutcomeStatus};
use metapool::data::revman::{read_revman, Model, RevManOutcome, Review, StudyArms};
use metapool::data::{read_csv_path, StudyData};
use metapool::distribution::normal_critical;
use metapool::model::Fit;
use metapool::printed::Printed;
use std::path::Path;

const PUB6: &str = "tests/revman/handmade/cd007026_pub6.rm5";
const CI90: &str = "tests/revman/handmade/cd007026_pub6_1_4_ci90.rm5";
const SWAP: &str = "tests/revman/handmade/cd007026_pub6_1_4_swap_events.rm5";

/// One row of pub6's Comparison 1: the analysis, the subgroup (0: the analysis
/// itself), the studies and participants, and RR [95% CI] as printed.
struct PrintedRow {
    analysis: &'static str,
    subgroup: u32,
    studies: usize,
    participants: f64,
    rr: [&'static str; 3],
}

const fn row(
    analysis: &'static str,
    subgroup: u32,
    studies: usize,
    participants: f64,
    rr: [&'static str; 3],
) -> PrintedRow {
    PrintedRow {
        analysis,
        subgroup,
        studies,
        participants,
        rr,
    }
}

/// Ziganshina LE et al. Cerebrolysin for acute ischaemic stroke. Cochrane Database Syst
/// Rev 2020, CD007026.pub6, Comparison 1, Cerebrolysin versus placebo (PMC7387239 table
/// CD007026-tbl-0003), every row "Risk Ratio (M-H, Random, 95% CI)"; typed from
/// cerebrolysin.md section 2 (the project's copy of the table).
const COMPARISON_1: [PrintedRow; 16] = [
    row("1.1", 0, 6, 1517.0, ["0.90", "0.61", "1.32"]),
    row("1.1", 1, 3, 1235.0, ["0.88", "0.56", "1.39"]),
    row("1.1", 2, 1, 146.0, ["0.87", "0.29", "2.58"]),
    row("1.1", 3, 1, 36.0, ["1.17", "0.37", "3.73"]),
    row("1.1", 4, 1, 100.0, ["0.50", "0.05", "5.34"]),
    row("1.2", 0, 4, 1435.0, ["1.15", "0.81", "1.65"]),
    row("1.2", 1, 2, 1189.0, ["1.23", "0.84", "1.81"]),
    row("1.2", 2, 1, 146.0, ["0.75", "0.26", "2.12"]),
    row("1.2", 3, 1, 100.0, ["1.00", "0.15", "6.82"]),
    row("1.3", 0, 3, 1335.0, ["0.90", "0.59", "1.38"]),
    row("1.3", 1, 2, 1189.0, ["0.90", "0.57", "1.44"]),
    row("1.3", 2, 1, 146.0, ["0.87", "0.29", "2.58"]),
    row("1.4", 0, 4, 1435.0, ["2.15", "1.01", "4.55"]),
    row("1.4", 1, 2, 1189.0, ["2.86", "1.23", "6.66"]),
    row("1.4", 2, 1, 146.0, ["0.29", "0.01", "7.03"]),
    row("1.4", 3, 1, 100.0, ["1.00", "0.15", "6.82"]),
];

/// The printed rows the file cannot reproduce, and why: the per-trial SAE counts of
/// CASTA and CERE-LYSE-1 are not in the project's sources (`data/cd007026/figures.csv`:
/// "missing=the SAE counts of CASTA and CERE-LYSE-1"), so the file's analysis 1.2 holds
/// two of its four trials and subgroup 1.2.1 none.
const WITHOUT_ROWS: [(&str, u32); 2] = [("1.2", 0), ("1.2", 1)];

fn review(path: &str) -> Review {
    read_revman(Path::new(path)).expect("a readable review file")
}

fn outcome<'a>(review: &'a Review, id: &str) -> &'a RevManOutcome {
    review
        .outcomes
        .iter()
        .find(|o| o.id == id)
        .unwrap_or_else(|| panic!("outcome {id} in {}", review.source))
}

/// The outcome re-run as the file names it.
fn rerun_of(review: &Review, o: &RevManOutcome) -> Rerun {
    let analysis = o.analysis.as_ref().expect("an analysis to re-run");
    let (effect, options) = file_options(analysis).expect("the file's options");
    rerun(
        &review.source,
        o,
        analysis,
        &effect,
        &options,
        analysis.model,
    )
}

/// The fit of the analysis (subgroup 0) or of one subgroup.
fn fit_of(rerun: &Rerun, subgroup: u32) -> &Fit {
    if subgroup == 0 {
        return rerun.overall.as_ref().expect("the analysis pooled");
    }
    let g = rerun
        .subgroups
        .iter()
        .find(|g| g.number == subgroup)
        .unwrap_or_else(|| panic!("subgroup {subgroup}"));
    g.fit.as_ref().expect("the subgroup pooled")
}

/// The random-effects RR and its CI limits (natural scale).
fn random_rr(fit: &Fit) -> [f64; 3] {
    let r = &fit.random.as_ref().expect("a random-effects fit").pooled;
    [r.estimate.exp(), r.ci_lower.exp(), r.ci_upper.exp()]
}

fn counts(arms: Option<StudyArms>) -> [f64; 4] {
    match arms {
        Some(StudyArms::Dichotomous {
            events_1,
            total_1,
            events_2,
            total_2,
        }) => [events_1, total_1, events_2, total_2],
        other => panic!("a dichotomous study row expected, found {other:?}"),
    }
}

/// The study rows of the analysis (subgroup 0) or of one subgroup: indices into the
/// outcome's rows.
fn members(o: &RevManOutcome, subgroup: u32) -> Vec<usize> {
    (0..o.studies.len())
        .filter(|&i| subgroup == 0 || o.studies[i].subgroup == subgroup)
        .collect()
}

/// (study, subgroup name, events 1, total 1, events 2, total 2) of a data file, the
/// CASTA/CERE-LYSE-1 candidates file restricted to `candidate`.
fn data_rows(file: &str, candidate: Option<&str>) -> Vec<(String, String, [f64; 4])> {
    let t = read_csv_path(format!("data/cd007026/{file}")).expect("data file");
    let StudyData::Binary(b) = t.data() else {
        panic!("binary data expected in {file}")
    };
    let chosen = t.covariate("candidate").map(|c| c.values.clone());
    (0..t.k())
        .filter(|&i| match (&chosen, candidate) {
            (Some(c), Some(want)) => &c[i] == want,
            _ => true,
        })
        .map(|i| {
            (
                t.labels()[i].to_owned(),
                t.subgroup().expect("a subgroup column")[i].to_owned(),
                [b.events_e[i], b.n_e[i], b.events_c[i], b.n_c[i]],
            )
        })
        .collect()
}

/// The rows of an outcome of the file in the same form, in the file's order.
fn file_rows(o: &RevManOutcome) -> Vec<(String, String, [f64; 4])> {
    o.studies
        .iter()
        .map(|s| {
            (
                s.printed.name.clone(),
                o.subgroups[&s.subgroup].name.clone(),
                counts(s.arms),
            )
        })
        .collect()
}

/// The file holds the rows of `data/cd007026/` and nothing else: per analysis, the
/// rows of its data file, with CASTA and CERE-LYSE-1 of candidate split 1 (of 13) for
/// the death analyses 1.1 and 1.3 (the split is not unique: see the README).
#[test]
fn the_file_holds_the_rows_of_the_project_data_and_no_figure() {
    let review = review(PUB6);
    assert!(review.warnings.is_empty(), "{:?}", review.warnings);
    let ids: Vec<&str> = review.outcomes.iter().map(|o| o.id.as_str()).collect();
    assert_eq!(ids, ["1.1", "1.2", "1.3", "1.4"]);
    let candidate = data_rows("casta_cerelyse1_death_candidates.csv", Some("1"));
    assert_eq!(candidate.len(), 2);
    let with_candidate = |file: &str| -> Vec<(String, String, [f64; 4])> {
        candidate
            .iter()
            .cloned()
            .chain(data_rows(file, None))
            .collect()
    };
    for (id, expected) in [
        ("1.1", with_candidate("pub6_1_1_all_cause_death.csv")),
        ("1.2", data_rows("pub6_1_2_total_sae.csv", None)),
        ("1.3", with_candidate("pub6_1_3_fatal_sae.csv")),
        ("1.4", data_rows("pub6_1_4_nonfatal_sae.csv", None)),
    ] {
        let o = outcome(&review, id);
        assert_eq!(file_rows(o), expected, "analysis {id}");
        assert_eq!(o.comparison, "Cerebrolysin versus placebo");
        assert_eq!(
            (o.method.as_str(), o.measure.as_str(), o.model.as_str()),
            ("MH", "RR", "Random"),
            "analysis {id}"
        );
        let a = o.analysis.as_ref().expect("an analysis");
        assert_eq!(
            (a.model, a.swap_events, a.study_level, a.total_level),
            (Model::Random, false, 0.95, 0.95),
            "analysis {id}"
        );
        // No computed figure: every result attribute is empty.
        let rows = o
            .pooled
            .iter()
            .chain(o.subgroups.values())
            .chain(o.studies.iter().map(|s| &s.printed));
        for r in rows {
            assert!(r.figures.is_empty(), "{id}, {}: {:?}", r.name, r.figures);
        }
    }
    // Subgroup names as pub6 prints them, in its order.
    let names = |id: &str| -> Vec<String> {
        outcome(&review, id)
            .subgroups
            .values()
            .map(|r| r.name.clone())
            .collect()
    };
    assert_eq!(
        names("1.1"),
        [
            "30 mL x 10 d",
            "50 mL x 21 d",
            "10 mL and 50 mL x 10 d",
            "30 mL x 7 d then 10 mL"
        ]
    );
    assert_eq!(
        names("1.2"),
        ["30 mL x 10 d", "50 mL x 21 d", "30 mL x 7 d then 10 mL"]
    );
    assert_eq!(names("1.3"), ["30 mL x 10 d", "50 mL x 21 d"]);
    assert_eq!(names("1.4"), names("1.2"));
}

/// Every printed row of Comparison 1 whose trials the file holds: the number of
/// studies, the participants (the sum of the arm totals) and RR [95% CI] at the
/// printed two decimals, from the random-effects re-run (DerSimonian-Laird about the
/// MH estimate, RevMan's zero-cell rule).
#[test]
fn pub6_comparison_1_reproduced_at_the_printed_decimals() {
    let review = review(PUB6);
    let mut reproduced = Vec::new();
    for p in &COMPARISON_1 {
        let label = if p.subgroup == 0 {
            p.analysis.to_string()
        } else {
            format!("{}.{}", p.analysis, p.subgroup)
        };
        let o = outcome(&review, p.analysis);
        let rerun = rerun_of(&review, o);
        assert!(
            rerun.left_out.iter().all(Option::is_none),
            "{label}: {:?}",
            rerun.left_out
        );
        let rows = members(o, p.subgroup);
        if WITHOUT_ROWS.contains(&(p.analysis, p.subgroup)) {
            // Not reproducible from the file: it lacks trials of the printed row.
            assert!(rows.len() < p.studies, "{label}");
            continue;
        }
        assert_eq!(rows.len(), p.studies, "{label}: studies");
        let participants: f64 = rows
            .iter()
            .map(|&i| {
                let c = counts(o.studies[i].arms);
                c[1] + c[3]
            })
            .sum();
        assert_eq!(participants, p.participants, "{label}: participants");
        let fit = fit_of(&rerun, p.subgroup);
        assert_eq!(fit.level.proportion(), 0.95);
        let rr = random_rr(fit);
        let shown = format!("{:.2} [{:.2}, {:.2}]", rr[0], rr[1], rr[2]);
        let printed = format!("{} [{}, {}]", p.rr[0], p.rr[1], p.rr[2]);
        for (text, value) in p.rr.iter().zip(rr) {
            assert!(
                Printed::parse(text)
                    .expect("a printed number")
                    .matches(value),
                "{label}: printed {printed}, re-run {shown} ({rr:?})"
            );
        }
        assert_eq!(shown, printed, "{label}");
        reproduced.push(label);
    }
    assert_eq!(
        reproduced,
        [
            "1.1", "1.1.1", "1.1.2", "1.1.3", "1.1.4", "1.2.2", "1.2.3", "1.3", "1.3.1", "1.3.2",
            "1.4", "1.4.1", "1.4.2", "1.4.3"
        ]
    );
}

/// A one-study subgroup's random-effects result is that study's RR (τ² = 0, the
/// study's own variance): RevMan's zero-cell rule for Ladurner 2005 in 1.4.2 (0 of 78
/// vs 1 of 68: 0.5 added to every cell) gives 0.29 [0.01, 7.03] as printed.
#[test]
fn a_one_study_subgroup_is_its_study() {
    let review = review(PUB6);
    let mut seen = 0;
    for o in &review.outcomes {
        let rerun = rerun_of(&review, o);
        for g in &rerun.subgroups {
            let [i] = g.members[..] else { continue };
            let fit = g.fit.as_ref().expect("pooled");
            let r = fit.random.as_ref().expect("random effects");
            let study = rerun.study(i).expect("in the fit");
            assert_eq!(r.tau2, 0.0, "{}.{}", o.id, g.number);
            assert!((r.pooled.estimate - study.yi).abs() <= 1e-12);
            assert!((r.pooled.se - study.vi.sqrt()).abs() <= 1e-12);
            seen += 1;
        }
    }
    // 1.1.2, 1.1.3, 1.1.4, 1.2.2, 1.2.3, 1.3.2, 1.4.2, 1.4.3.
    assert_eq!(seen, 8);
    // The zero cell of 1.4.2, by hand: ln((0.5/79)/(1.5/69)).
    let o = outcome(&review, "1.4");
    let rerun = rerun_of(&review, o);
    let ladurner = o
        .studies
        .iter()
        .position(|s| s.printed.name == "Ladurner 2005")
        .expect("Ladurner 2005");
    assert_eq!(counts(o.studies[ladurner].arms), [0.0, 78.0, 1.0, 68.0]);
    let by_hand = ((0.5 / 79.0) / (1.5 / 69.0_f64)).ln();
    assert!((rerun.study(ladurner).expect("in the fit").yi - by_hand).abs() <= 1e-12);
}

/// The rows the file cannot reproduce. pub6 1.2 (1.15 [0.81, 1.65], 4 studies) and
/// 1.2.1 (1.23 [0.84, 1.81], 2 studies) need the SAE counts of CASTA and CERE-LYSE-1,
/// which the project's sources do not give; the file does not make them up. Its 1.2
/// holds Ladurner 2005 and Gharagozli 2017 only, and its subgroup 1.2.1 no study, so
/// the re-run has no fit for 1.2.1 and its 1.2 is not pub6's 1.2. The subgroup test of
/// 1.2 is on the two subgroups with studies.
#[test]
fn analysis_1_2_lacks_the_trials_of_subgroup_1_2_1() {
    let review = review(PUB6);
    let o = outcome(&review, "1.2");
    let rerun = rerun_of(&review, o);
    assert_eq!(o.studies.len(), 2);
    let g1 = &rerun.subgroups[0];
    assert_eq!((g1.number, g1.members.len()), (1, 0));
    assert_eq!(
        g1.fit.as_ref().err().map(String::as_str),
        Some("no study row carries subgroup 1")
    );
    let test = rerun.test.as_ref().expect("a subgroup test");
    assert!(test.is_some());
}

/// pub6 disagrees with itself on all-cause death: its Summary of findings (PMC7387239
/// table CD007026-tbl-0001) prints 0.89 (0.60 to 1.31) for the 6 studies and 1517
/// participants of Analysis 1.1, which prints 0.90 [0.61, 1.32]. The file's data give
/// the analysis's figure, not the summary's.
#[test]
fn the_summary_of_findings_death_figure_is_not_the_analysis_figure() {
    let review = review(PUB6);
    let rerun = rerun_of(&review, outcome(&review, "1.1"));
    let rr = random_rr(fit_of(&rerun, 0));
    let summary = ["0.89", "0.60", "1.31"];
    assert!(summary
        .iter()
        .zip(rr)
        .all(|(t, v)| !Printed::parse(t).unwrap().matches(v)));
}

/// `metapool revman` on the file: it reads (no error), and with no figure in the file
/// there is nothing to check: every outcome is "not checked", so the audit does not
/// hold and the command exits with 1 (not 2, an error of the reader).
#[test]
fn the_audit_reads_the_file_and_has_nothing_to_check() {
    for path in [PUB6, CI90, SWAP] {
        let audit = audit_review(&review(path));
        assert_eq!(audit.figures, 0, "{path}");
        assert!(audit.outcomes.iter().all(|o| o.excluded.is_empty()));
        assert!(audit
            .outcomes
            .iter()
            .all(|o| o.status == OutcomeStatus::NotChecked && o.checks.is_empty()));
        assert!(!audit.holds());
    }
    assert_eq!(audit_review(&review(PUB6)).outcomes.len(), 4);
}

// ---------------------------------------------------------------------------------
// Properties (no published figure): the 90% and swapped-events variants of 1.4.
// ---------------------------------------------------------------------------------

/// PROPERTY. `cd007026_pub6_1_4_ci90.rm5` is analysis 1.4 with CI_STUDY="90" and
/// CI_TOTAL="90". pub6 publishes no 90% interval, so only what follows from the 95%
/// re-run is checked, for the analysis and each subgroup: the same point estimate and
/// τ², a narrower interval, and a log-scale half-width z(0.95)/z(0.975) times the 95%
/// one.
#[test]
fn property_ci90_variant_is_the_95_percent_interval_rescaled() {
    let review90 = review(CI90);
    let review95 = review(PUB6);
    let o90 = outcome(&review90, "1.4");
    let o95 = outcome(&review95, "1.4");
    assert_eq!(file_rows(o90), file_rows(o95));
    let a = o90.analysis.as_ref().expect("an analysis");
    assert_eq!((a.study_level, a.total_level), (0.90, 0.90));
    let (r90, r95) = (rerun_of(&review90, o90), rerun_of(&review95, o95));
    let ratio = normal_critical(0.90) / normal_critical(0.95);
    for subgroup in [0, 1, 2, 3] {
        let (f90, f95) = (fit_of(&r90, subgroup), fit_of(&r95, subgroup));
        assert_eq!(f90.level.proportion(), 0.90);
        let (p90, p95) = (
            &f90.random.as_ref().expect("random").pooled,
            &f95.random.as_ref().expect("random").pooled,
        );
        assert_eq!(p90.estimate, p95.estimate, "subgroup {subgroup}");
        assert_eq!(
            f90.random.as_ref().map(|r| r.tau2),
            f95.random.as_ref().map(|r| r.tau2)
        );
        assert!(p90.ci_lower > p95.ci_lower && p90.ci_upper < p95.ci_upper);
        let half = |p: &metapool::model::PooledEstimate| (p.ci_upper - p.ci_lower) / 2.0;
        let got = half(p90) / half(p95);
        assert!(
            (got - ratio).abs() <= 1e-12 * ratio,
            "subgroup {subgroup}: {got} vs {ratio}"
        );
        // Symmetric about the estimate on the log scale, as the 95% interval.
        assert!(((p90.ci_upper - p90.estimate) - (p90.estimate - p90.ci_lower)).abs() <= 1e-12);
    }
}

/// PROPERTY. `cd007026_pub6_1_4_swap_events.rm5` is analysis 1.4 with
/// SWAP_EVENTS="YES": the re-run is the RR of non-events. pub6 prints no figure of it,
/// so per study the identity RR = (1 − p_e)/(1 − p_c) is checked, p = events/total of
/// the file's row. Ladurner 2005 (0 of 78 events) has no non-event left in its
/// Cerebrolysin arm once swapped: a zero cell, so RevMan's rule adds 0.5 to every cell
/// and the identity holds for the corrected table, (78.5/79)/(67.5/69). The pooled RR
/// of non-events lies within the range of the study RRs (a weighted mean on the log
/// scale); its value is not checked (nothing published).
#[test]
fn property_swapped_events_are_the_rr_of_non_events() {
    let review = review(SWAP);
    let o = outcome(&review, "1.4");
    assert_eq!(file_rows(o), file_rows(outcome(&self::review(PUB6), "1.4")));
    assert!(o.analysis.as_ref().expect("an analysis").swap_events);
    let rerun = rerun_of(&review, o);
    assert!(rerun.left_out.iter().all(Option::is_none));
    let mut corrected = Vec::new();
    let mut yi = Vec::new();
    for (i, s) in o.studies.iter().enumerate() {
        let [e1, t1, e2, t2] = counts(s.arms);
        let study = rerun.study(i).expect("in the fit");
        let zero_cell = [e1, t1 - e1, e2, t2 - e2].contains(&0.0);
        let expected = if zero_cell {
            corrected.push(s.printed.name.clone());
            ((t1 - e1 + 0.5) / (t1 + 1.0)) / ((t2 - e2 + 0.5) / (t2 + 1.0))
        } else {
            (1.0 - e1 / t1) / (1.0 - e2 / t2)
        };
        assert!(
            (study.yi.exp() - expected).abs() <= 1e-12 * expected,
            "{}: {} vs {expected}",
            s.printed.name,
            study.yi.exp()
        );
        yi.push(study.yi);
    }
    assert_eq!(corrected, ["Ladurner 2005"]);
    let (lo, hi) = yi
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), &y| {
            (l.min(y), h.max(y))
        });
    let fit = fit_of(&rerun, 0);
    for estimate in [
        fit.fixed.pooled.estimate,
        fit.random.as_ref().expect("random").pooled.estimate,
    ] {
        assert!(
            (lo..=hi).contains(&estimate),
            "{estimate} outside [{lo}, {hi}]"
        );
    }
}

/// `fleiss_giv.rm5`: the two Fleiss analyses entered as generic inverse variance, each
/// study's estimate and SE as RevMan printed them (see the README). On the log scale
/// (1.1, `LOG_DATA="YES"`, odds ratios): every study's interval is RevMan's own
/// `CI_START`/`CI_END` of `Fleiss1993.rm5`, to 1e-9. On the natural scale (1.2, mean
/// differences with the 8-decimal SEs of `Fleiss93_CR.csv`): the inverse-variance pooled
/// result is the export's printed analysis row (estimate, CI, Q, RevMan's P(Q), I², Z,
/// P(Z), weights) to its 8 decimals, within 3e-8 (its SEs were entered rounded to 8
/// decimals).
#[test]
fn generic_inverse_variance_reproduces_revmans_printed_figures() {
    use metapool::data::revman::Figure;
    let giv = review("tests/revman/handmade/fleiss_giv.rm5");
    let fleiss = review("tests/revman/Fleiss1993.rm5");
    let printed = |row: &metapool::data::revman::PrintedRow, f: Figure| -> f64 {
        row.figures
            .iter()
            .find(|c| c.figure == Some(f))
            .expect("printed")
            .text
            .parse()
            .expect("number")
    };
    // 1.1 on the log scale.
    let o = outcome(&giv, "1.1");
    let a = o.analysis.as_ref().expect("re-run");
    assert!(a.ratio);
    let run = rerun_of(&giv, o);
    let z = normal_critical(0.95);
    for (i, s) in fleiss.outcomes[0].studies.iter().enumerate() {
        let fitted = run.study(i).expect("fitted");
        assert_eq!(fitted.study, s.printed.name);
        let se = fitted.vi.sqrt();
        for (got, f) in [
            ((fitted.yi - z * se).exp(), Figure::CiStart),
            ((fitted.yi + z * se).exp(), Figure::CiEnd),
        ] {
            let want = printed(&s.printed, f);
            assert!(
                (got - want).abs() <= 1e-9 * want,
                "{}: {got} vs RevMan {want}",
                s.printed.name
            );
        }
    }
    // 1.2 on the natural scale, against the export's analysis row.
    let export = review("tests/revman/Fleiss93_CR.csv");
    let row = export.outcomes[1].pooled.clone().expect("analysis row");
    let o = outcome(&giv, "1.2");
    assert!(!o.analysis.as_ref().expect("re-run").ratio);
    let run = rerun_of(&giv, o);
    let fit = run.overall.as_ref().expect("fit");
    let p = &fit.fixed.pooled;
    let h = &fit.heterogeneity;
    let revman_p = metapool::distribution::revman5_chisq_sf(h.q, h.df).expect("summed");
    for (got, f) in [
        (p.estimate, Figure::EffectEstimate),
        (p.ci_lower, Figure::CiStart),
        (p.ci_upper, Figure::CiEnd),
        (h.q, Figure::Q),
        (revman_p, Figure::PQ),
        (h.i2_q, Figure::I2Q),
        (p.statistic.abs(), Figure::Z),
        (p.p_value, Figure::PZ),
    ] {
        let want = printed(&row, f);
        assert!(
            (got - want).abs() <= 3e-8 * want.abs().max(1.0),
            "{}: {got} vs RevMan {want}",
            f.name()
        );
    }
    for (i, s) in export.outcomes[1].studies.iter().enumerate() {
        let want = printed(&s.printed, Figure::Weight);
        let got = run.weight(i).expect("weight");
        assert!((got - want).abs() <= 3e-8 * want, "{}", s.printed.name);
    }
}
