//! Properties every inverse-variance meta-analysis must have, over random study sets
//! and every τ² estimator: relations, not numbers.
//!
//! - the pooled estimates do not depend on the order of the studies;
//! - shifting every yi by c shifts the estimates and limits by c and changes neither τ²,
//!   Q nor I² (generic yi, vi data);
//! - rescaling (yi·c, vi·c²) multiplies the estimates by c, the standard errors by |c|
//!   and τ² by c², and changes neither Q, I² nor the weights; every iterative estimator
//!   (ML, REML, PM, EB, SJ, the Q-profile limits, ML/REML meta-regression) to 1e-9 for
//!   c from 1e-150 to 1e150;
//! - every confidence interval contains its estimate; the weights sum to 100;
//!   I² lies in [0, 100]; τ², its limits and Q are 0 or more (also with variances
//!   spanning 20 orders of magnitude);
//! - the random-effects estimate lies within [min yi, max yi] (it is a weighted mean);
//! - the fixed and random-effects results coincide when τ² = 0.

use metapool::analysis::regression;
use metapool::effect::{Effects, Measure};
use metapool::model::{pool_effects, CiMethod, Fit, PoolOptions, Tau2Method};
use proptest::prelude::*;

const CASES: u32 = 64;

fn fit(studies: &[(f64, f64)], method: Tau2Method, ci: CiMethod) -> Fit {
    let labels: Vec<_> = (0..studies.len()).map(|i| format!("S{i}")).collect();
    let (yi, vi) = studies.iter().copied().unzip();
    let effects = Effects::from_yi_vi(Measure::GEN, labels, yi, vi).expect("valid effects");
    let mut options = PoolOptions::default();
    options.tau2 = Some(method);
    options.ci = ci;
    pool_effects(&effects, &options).expect("a fit")
}

/// |a − b| within `rel` of the larger magnitude, or `abs`.
fn close(a: f64, b: f64, rel: f64, abs: f64) -> bool {
    (a - b).abs() <= rel * a.abs().max(b.abs()) + abs
}

macro_rules! assert_close {
    ($a:expr, $b:expr, $rel:expr, $abs:expr, $($what:tt)+) => {{
        let (a, b) = ($a, $b);
        prop_assert!(close(a, b, $rel, $abs), "{}: {} vs {}", format!($($what)+), a, b);
    }};
}

/// A study: an estimate in [−3, 3] and a variance between 0.001 and 10 (log-uniform).
fn study() -> impl Strategy<Value = (f64, f64)> {
    (-3.0..3.0f64, -3.0..1.0f64).prop_map(|(y, e)| (y, 10f64.powf(e)))
}

fn studies() -> impl Strategy<Value = Vec<(f64, f64)>> {
    prop::collection::vec(study(), 2..=15)
}

/// Studies that agree closely (τ² = 0 for most estimators, boundary cases for all).
fn homogeneous() -> impl Strategy<Value = Vec<(f64, f64)>> {
    (
        -3.0..3.0f64,
        prop::collection::vec((-1.0..1.0f64, -2.0..0.0f64), 2..=10),
    )
        .prop_map(|(centre, rest)| {
            rest.into_iter()
                .map(|(d, e)| {
                    let v = 10f64.powf(e);
                    (centre + 0.05 * d * v.sqrt(), v)
                })
                .collect()
        })
}

/// Studies whose variances span up to 20 orders of magnitude (1e-10 to 1e10).
fn extreme_studies() -> impl Strategy<Value = Vec<(f64, f64)>> {
    prop::collection::vec((-3.0..3.0f64, -10.0..10.0f64), 2..=15)
        .prop_map(|s| s.into_iter().map(|(y, e)| (y, 10f64.powf(e))).collect())
}

fn methods() -> impl Iterator<Item = Tau2Method> {
    Tau2Method::ALL.into_iter()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]

    #[test]
    fn estimates_do_not_depend_on_study_order(
        (original, shuffled) in studies().prop_flat_map(|s| (Just(s.clone()), Just(s).prop_shuffle()))
    ) {
        for m in methods() {
            let (a, b) = (fit(&original, m, CiMethod::Z), fit(&shuffled, m, CiMethod::Z));
            let (ra, rb) = (a.random.expect("random"), b.random.expect("random"));
            assert_close!(a.fixed.pooled.estimate, b.fixed.pooled.estimate, 1e-12, 1e-14, "{m} fixed");
            assert_close!(a.fixed.pooled.se, b.fixed.pooled.se, 1e-12, 0.0, "{m} fixed se");
            assert_close!(ra.tau2, rb.tau2, 1e-9, 1e-13, "{m} tau2");
            assert_close!(ra.pooled.estimate, rb.pooled.estimate, 1e-9, 1e-12, "{m} random");
            assert_close!(ra.pooled.se, rb.pooled.se, 1e-9, 1e-13, "{m} random se");
            assert_close!(a.heterogeneity.q, b.heterogeneity.q, 1e-10, 1e-12, "{m} Q");
            assert_close!(a.heterogeneity.i2_tau2, b.heterogeneity.i2_tau2, 1e-8, 1e-9, "{m} I2");
        }
    }

    #[test]
    fn shifting_yi_shifts_the_estimates_and_nothing_else(
        s in studies(), c in -100.0..100.0f64
    ) {
        let shifted: Vec<(f64, f64)> = s.iter().map(|&(y, v)| (y + c, v)).collect();
        for m in methods() {
            for ci in [CiMethod::Z, CiMethod::Hksj] {
                let (a, b) = (fit(&s, m, ci), fit(&shifted, m, ci));
                let (ra, rb) = (a.random.expect("random"), b.random.expect("random"));
                let tol = 1e-10 * (1.0 + c.abs());
                assert_close!(a.fixed.pooled.estimate + c, b.fixed.pooled.estimate, 0.0, tol, "{m} fixed");
                assert_close!(ra.pooled.estimate + c, rb.pooled.estimate, 0.0, tol, "{m} random");
                assert_close!(ra.pooled.ci_lower + c, rb.pooled.ci_lower, 0.0, tol, "{m} {ci:?} lower");
                assert_close!(ra.pooled.ci_upper + c, rb.pooled.ci_upper, 0.0, tol, "{m} {ci:?} upper");
                assert_close!(ra.tau2, rb.tau2, 1e-7, 1e-12, "{m} tau2");
                assert_close!(ra.pooled.se, rb.pooled.se, 1e-7, 1e-12, "{m} {ci:?} se");
                assert_close!(a.heterogeneity.q, b.heterogeneity.q, 1e-7, 1e-10, "{m} Q");
                assert_close!(a.heterogeneity.i2_tau2, b.heterogeneity.i2_tau2, 1e-7, 1e-8, "{m} I2");
            }
        }
    }

    #[test]
    fn rescaling_scales_estimates_by_c_and_tau2_by_c_squared(
        s in studies(),
        magnitude in -2.0..2.0f64,
        negative in any::<bool>()
    ) {
        let c = if negative { -1.0 } else { 1.0 } * 10f64.powf(magnitude);
        let scaled: Vec<(f64, f64)> = s.iter().map(|&(y, v)| (y * c, v * c * c)).collect();
        for m in methods() {
            let (a, b) = (fit(&s, m, CiMethod::Z), fit(&scaled, m, CiMethod::Z));
            let (ra, rb) = (a.random.expect("random"), b.random.expect("random"));
            let abs = 1e-12 * c.abs();
            assert_close!(a.fixed.pooled.estimate * c, b.fixed.pooled.estimate, 1e-10, abs, "{m} fixed");
            assert_close!(a.fixed.pooled.se * c.abs(), b.fixed.pooled.se, 1e-10, 0.0, "{m} fixed se");
            assert_close!(ra.pooled.estimate * c, rb.pooled.estimate, 1e-7, abs, "{m} random");
            assert_close!(ra.pooled.se * c.abs(), rb.pooled.se, 1e-7, 0.0, "{m} random se");
            assert_close!(ra.tau2 * c * c, rb.tau2, 1e-7, 1e-12 * c * c, "{m} tau2");
            assert_close!(a.heterogeneity.q, b.heterogeneity.q, 1e-9, 1e-12, "{m} Q");
            assert_close!(a.heterogeneity.i2_tau2, b.heterogeneity.i2_tau2, 1e-7, 1e-8, "{m} I2");
            for (x, y) in a.studies.iter().zip(&b.studies) {
                assert_close!(x.weight_fixed, y.weight_fixed, 1e-10, 1e-12, "{m} weight");
                let (wx, wy) = (x.weight_random.expect("w"), y.weight_random.expect("w"));
                assert_close!(wx, wy, 1e-7, 1e-9, "{m} random weight");
            }
        }
    }

    /// Every iterative estimator is equivariant to rescaling to 1e-9 relative, for c
    /// from 1e-150 to 1e150 (variances rescaled by 1e-300 to 1e300; the likelihood's
    /// Σw² underflowed beyond 1e154 and REML lost its penalty term): ML, REML, PM, EB, SJ, the
    /// Q-profile limits of τ², and ML/REML meta-regression on one moderator. Values
    /// below 1e-12 of the smallest variance count as 0 (rounding noise).
    #[test]
    fn iterative_estimators_are_equivariant_to_rescaling_over_three_hundred_decades(
        s in prop::collection::vec(study(), 3..=15),
        x in prop::collection::vec(-1.0..1.0f64, 15),
        magnitude in -150.0..150.0f64,
    ) {
        let c = 10f64.powf(magnitude);
        let scaled: Vec<(f64, f64)> = s.iter().map(|&(y, v)| (y * c, v * c * c)).collect();
        let v_min = s.iter().map(|p| p.1).fold(f64::INFINITY, f64::min);
        let floor = 1e-12 * v_min * c * c;
        for m in [Tau2Method::ML, Tau2Method::REML, Tau2Method::PM, Tau2Method::EB, Tau2Method::SJ] {
            let (a, b) = (fit(&s, m, CiMethod::Z), fit(&scaled, m, CiMethod::Z));
            let (ra, rb) = (a.random.expect("random"), b.random.expect("random"));
            assert_close!(ra.tau2 * c * c, rb.tau2, 1e-9, floor, "{m} tau2 (c = {c:e})");
            let (ha, hb) = (&a.heterogeneity, &b.heterogeneity);
            assert_close!(ha.tau2_ci_lower * c * c, hb.tau2_ci_lower, 1e-9, floor, "{m} tau2 lower limit (c = {c:e})");
            assert_close!(ha.tau2_ci_upper * c * c, hb.tau2_ci_upper, 1e-9, floor, "{m} tau2 upper limit (c = {c:e})");
        }
        let k = s.len();
        let design = ndarray::Array2::from_shape_fn((k, 2), |(i, j)| if j == 0 { 1.0 } else { x[i] });
        let names = ["intrcpt".to_string(), "x".to_string()];
        // Meta-regression refuses variances whose Σ 1/v leaves 1e±289 (its scale check):
        // the variances here span 1e-3 c² to 10 c², inside that range for |c| ≤ 1e140.
        for method in [Some(Tau2Method::ML), Some(Tau2Method::REML)] {
            if magnitude.abs() > 140.0 {
                break;
            }
            let regress = |data: &[(f64, f64)]| {
                let (yi, vi): (Vec<f64>, Vec<f64>) = data.iter().copied().unzip();
                regression::fit(&yi, &vi, design.view(), &names, method, false, 0.95).expect("fit")
            };
            let (a, b) = (regress(&s), regress(&scaled));
            assert_close!(a.tau2 * c * c, b.tau2, 1e-9, floor, "{method:?} regression tau2 (c = {c:e})");
        }
    }

    #[test]
    fn intervals_weights_and_heterogeneity_stay_in_range(
        s in prop_oneof![studies(), extreme_studies()]
    ) {
        let (lo, hi) = s.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &(y, _)| {
            (lo.min(y), hi.max(y))
        });
        for m in methods() {
            for ci in [CiMethod::Z, CiMethod::T, CiMethod::Hksj, CiMethod::HksjAdhoc] {
                let f = fit(&s, m, ci);
                let r = f.random.as_ref().expect("random");
                let h = &f.heterogeneity;
                prop_assert!(f.fixed.pooled.ci_lower <= f.fixed.pooled.estimate && f.fixed.pooled.estimate <= f.fixed.pooled.ci_upper);
                prop_assert!(r.pooled.ci_lower <= r.pooled.estimate && r.pooled.estimate <= r.pooled.ci_upper, "{m} {ci:?}");
                prop_assert!(r.pi_lower <= r.pooled.ci_lower && r.pooled.ci_upper <= r.pi_upper, "{m} {ci:?} PI");
                prop_assert!(r.tau2 >= 0.0 && r.tau2.is_finite(), "{m}: tau2 {}", r.tau2);
                prop_assert!(h.q >= 0.0 && h.q.is_finite(), "Q {}", h.q);
                prop_assert!((0.0..=1.0).contains(&h.p_value), "p {}", h.p_value);
                prop_assert!(lo - 1e-12 <= r.pooled.estimate && r.pooled.estimate <= hi + 1e-12,
                    "{m}: {} outside [{lo}, {hi}]", r.pooled.estimate);
                prop_assert!(lo - 1e-12 <= f.fixed.pooled.estimate && f.fixed.pooled.estimate <= hi + 1e-12);
                for i2 in [h.i2_q, h.i2_tau2, h.i2_ci_lower, h.i2_ci_upper] {
                    prop_assert!((0.0..=100.0).contains(&i2), "{m}: I2 {i2}");
                }
                prop_assert!(h.i2_ci_lower <= h.i2_ci_upper);
                prop_assert!(0.0 <= h.tau2_ci_lower && h.tau2_ci_lower <= h.tau2_ci_upper,
                    "{m}: tau2 CI [{}, {}]", h.tau2_ci_lower, h.tau2_ci_upper);
                prop_assert!(h.h2 >= 1.0 || r.tau2 == 0.0, "{m}: H2 {}", h.h2);
                let wf: f64 = f.studies.iter().map(|s| s.weight_fixed).sum();
                let wr: f64 = f.studies.iter().map(|s| s.weight_random.expect("w")).sum();
                assert_close!(wf, 100.0, 1e-12, 0.0, "fixed weights");
                assert_close!(wr, 100.0, 1e-12, 0.0, "{m} random weights");
                prop_assert!(f.studies.iter().all(|s| s.weight_fixed >= 0.0));
            }
        }
    }

    #[test]
    fn fixed_and_random_coincide_when_tau2_is_zero(
        s in prop_oneof![studies(), homogeneous()]
    ) {
        for m in methods() {
            let f = fit(&s, m, CiMethod::Z);
            let r = f.random.as_ref().expect("random");
            if r.tau2 == 0.0 {
                prop_assert_eq!(r.pooled.estimate, f.fixed.pooled.estimate, "{}", m);
                prop_assert_eq!(r.pooled.se, f.fixed.pooled.se, "{}", m);
                prop_assert_eq!(r.pooled.ci_lower, f.fixed.pooled.ci_lower, "{}", m);
                prop_assert_eq!(r.pooled.ci_upper, f.fixed.pooled.ci_upper, "{}", m);
                prop_assert_eq!(r.pooled.ci_lower, r.pi_lower, "{}", m);
                prop_assert_eq!(f.heterogeneity.i2_tau2, 0.0);
                for s in &f.studies {
                    prop_assert_eq!(Some(s.weight_fixed), s.weight_random);
                }
            }
        }
    }

    #[test]
    fn identical_estimates_give_tau2_zero_for_every_estimator(
        y in -3.0..3.0f64,
        vi in prop::collection::vec(-3.0..1.0f64, 2..=12)
    ) {
        let s: Vec<(f64, f64)> = vi.iter().map(|e| (y, 10f64.powf(*e))).collect();
        for m in methods() {
            let f = fit(&s, m, CiMethod::Z);
            let r = f.random.as_ref().expect("random");
            prop_assert_eq!(r.tau2, 0.0, "{}", m);
            prop_assert_eq!(f.heterogeneity.q, 0.0);
            assert_close!(r.pooled.estimate, y, 1e-14, 0.0, "{m}");
        }
    }
}

/// A case proptest found (2026-11-22): with ML at k = 2 and the data scaled by 10^-2,
/// τ² near 1e-6 met an absolute stopping rule after a large relative step; the
/// random-effects estimate moved by 5e-6 relative under rescaling. The rule for a
/// converged Newton step is relative now.
#[test]
fn ml_converges_to_relative_precision_when_tau2_is_small() {
    let s = [
        (1.1475278832367832, 0.0020994409105533265),
        (1.2736411821880809, 0.004692332167625212),
    ];
    let c = 10f64.powf(-1.999507261469347);
    let scaled: Vec<(f64, f64)> = s.iter().map(|&(y, v)| (y * c, v * c * c)).collect();
    for m in methods() {
        let (a, b) = (fit(&s, m, CiMethod::Z), fit(&scaled, m, CiMethod::Z));
        let (ra, rb) = (a.random.expect("random"), b.random.expect("random"));
        assert!(
            close(ra.pooled.estimate * c, rb.pooled.estimate, 1e-7, 1e-12 * c),
            "{m} random"
        );
        assert!(
            close(ra.tau2 * c * c, rb.tau2, 1e-7, 1e-12 * c * c),
            "{m} tau2"
        );
    }
}

/// HKSJ and the prediction interval at the small end of double precision: with τ² = 0
/// (DerSimonian-Laird truncated: Q < df), multiplying the estimates by c multiplies μ̂,
/// the HKSJ SE and the prediction interval by c and leaves the statistic and p. For
/// estimates near 1e-170 and 1e-300, whose squared deviations underflow, they gave an
/// SE of 0, p = 0 and a prediction interval of zero width.
#[test]
fn hksj_and_prediction_intervals_survive_tiny_estimates() {
    let (yi, vi) = ([0.1, -0.1, 0.3], [1.0, 2.0, 1.0]);
    let at = |c: f64| {
        let s: Vec<(f64, f64)> = yi.iter().zip(&vi).map(|(y, v)| (y * c, *v)).collect();
        fit(&s, Tau2Method::DL, CiMethod::Hksj)
            .random
            .expect("random")
    };
    let base = at(1.0);
    assert_eq!(base.tau2, 0.0);
    for c in [1e-170, 1e-300] {
        let r = at(c);
        assert!(
            close(r.pooled.statistic, base.pooled.statistic, 1e-9, 0.0),
            "statistic (c = {c:e}): {}",
            r.pooled.statistic
        );
        assert!(
            close(r.pooled.p_value, base.pooled.p_value, 1e-9, 0.0),
            "p (c = {c:e}): {}",
            r.pooled.p_value
        );
        let width = (r.pi_upper - r.pi_lower) / c;
        assert!(
            close(width, base.pi_upper - base.pi_lower, 1e-9, 0.0),
            "PI width (c = {c:e}): {width}"
        );
    }
}
