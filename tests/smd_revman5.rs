//! RevMan 5's standardised mean difference, checked against cases derived by hand from
//! the formulas of Deeks JJ, Higgins JPT, *Statistical algorithms in Review Manager 5*
//! (2010), section "Standardised mean difference":
//! g = (1 − 3/(4N − 9)) (m_e − m_c)/s, var(g) = N/(n_e n_c) + g²/(2(N − 3.94)),
//! with s the pooled SD and N = n_e + n_c. Each expected value is written as the exact
//! fraction of the hand derivation. Tolerance 1e-14 relative.

use metapool::effect::continuous::{standardized_mean_difference, Arm};
use metapool::effect::SmdCorrection;

fn rel(a: f64, b: f64) -> f64 {
    ((a - b) / b).abs()
}

#[test]
fn revman5_smd_equal_arms_by_hand() {
    // n = 10 per arm, means 5 and 3, SD 2 in both: s = 2, d = 1, N = 20,
    // J = 1 − 3/71 = 68/71, g = 68/71, var = 20/100 + (68/71)²/(2 × 16.06).
    let (g, v) = standardized_mean_difference(
        Arm::new(5.0, 2.0, 10.0),
        Arm::new(3.0, 2.0, 10.0),
        SmdCorrection::RevMan5,
    );
    let g_hand = 68.0 / 71.0;
    let v_hand = 0.2 + (4624.0 / 5041.0) / 32.12;
    assert!(rel(g, g_hand) < 1e-14, "{g} vs {g_hand}");
    assert!(rel(v, v_hand) < 1e-14, "{v} vs {v_hand}");
}

#[test]
fn revman5_smd_unequal_arms_by_hand() {
    // n_e = 12, n_c = 8, means 10 and 7, SDs 3 and 4:
    // s² = (11·9 + 7·16)/18 = 211/18, d = 3/√(211/18), N = 20, J = 68/71,
    // g² = (68/71)² · 9 · 18/211, var = 20/96 + g²/(2 × 16.06).
    let (g, v) = standardized_mean_difference(
        Arm::new(10.0, 3.0, 12.0),
        Arm::new(7.0, 4.0, 8.0),
        SmdCorrection::RevMan5,
    );
    let g2_hand = (4624.0 / 5041.0) * 162.0 / 211.0;
    let v_hand = 20.0 / 96.0 + g2_hand / 32.12;
    assert!(rel(g * g, g2_hand) < 1e-14, "{} vs {g2_hand}", g * g);
    assert!(g > 0.0);
    assert!(rel(v, v_hand) < 1e-14, "{v} vs {v_hand}");
}

#[test]
fn revman5_and_exact_hedges_differ_only_slightly() {
    // The approximation J ≈ 1 − 3/(4N − 9) is within 0.1% of the exact J at N = 20.
    // Exact J(18) from R: exp(lgamma(9) - log(sqrt(9)) - lgamma(8.5)) = 0.95765 (5 digits).
    let (g_rm, _) = standardized_mean_difference(
        Arm::new(5.0, 2.0, 10.0),
        Arm::new(3.0, 2.0, 10.0),
        SmdCorrection::RevMan5,
    );
    let (g_ex, _) = standardized_mean_difference(
        Arm::new(5.0, 2.0, 10.0),
        Arm::new(3.0, 2.0, 10.0),
        SmdCorrection::ExactHedges,
    );
    assert!((g_ex - 0.95765).abs() < 5e-6, "{g_ex}");
    assert!(rel(g_rm, g_ex) < 1e-3);
}

/// N = n_e + n_c = 3 (arms of 1 and 2): RevMan 5's J = 1 − 3/(4N − 9) is 1 − 3/3 = 0, so
/// g would be 0 (−0 for a negative d) whatever the means, with a variance term
/// g²/(2(N − 3.94)) over a negative N − 3.94. RevMan 5 shows such a study as not
/// estimable; so does the exact correction here (J(N − 2) needs N − 2 > 1). The function
/// returns non-finite values for N < 4 as its documentation says, and the effects leave
/// the study out with a warning instead of pooling an SMD of −0.
#[test]
fn revman5_smd_with_three_participants_is_not_estimable() {
    use metapool::data::{ContinuousArms, StudyData, StudyTable};
    use metapool::effect::{compute, EffectOptions, Measure};
    for correction in [SmdCorrection::RevMan5, SmdCorrection::ExactHedges] {
        let (g, v) = standardized_mean_difference(
            Arm::new(3.0, 1.0, 1.0),
            Arm::new(5.0, 2.0, 2.0),
            correction,
        );
        assert!(!g.is_finite() && !v.is_finite(), "{correction:?}: {g}, {v}");
    }
    let table = StudyTable::new(
        "n3",
        vec!["three", "twenty"],
        StudyData::Continuous(ContinuousArms {
            mean_e: vec![3.0, 5.0],
            sd_e: vec![1.0, 2.0],
            n_e: vec![1.0, 10.0],
            mean_c: vec![5.0, 3.0],
            sd_c: vec![2.0, 2.0],
            n_c: vec![2.0, 10.0],
        }),
    )
    .expect("table");
    let mut options = EffectOptions::new(Measure::SMD);
    options.smd = SmdCorrection::RevMan5;
    let effects = compute(&table, &options).expect("effects");
    assert_eq!(*effects.labels(), ["twenty"]);
    assert_eq!(effects.excluded().len(), 1);
    assert_eq!(effects.excluded()[0].study, "three");
    assert!(
        effects.warnings().iter().any(|w| w.contains("'three'")),
        "{:?}",
        effects.warnings()
    );
}
