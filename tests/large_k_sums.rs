//! The sums over studies at large k (`weighted::sum_studies`: blocks summed on all cores
//! from 65536 studies): a fit depends on the data alone, not on the number of threads,
//! and its estimates are the roots and maxima their definitions say. The Q-profile
//! limits, searched from the estimate of τ² on either side of each root, solve
//! Q(τ²) = χ² quantile whatever the start.

use metapool::distribution::chisq_quantile;
use metapool::heterogeneity::{tau2_q_profile, tau2_q_profile_from};
use metapool::model::{fit_slices, PoolOptions, Tau2Method};
use metapool::weighted::{generalized_q, PARALLEL_FROM};

/// k studies with variances in [0.01, 1] and between-study variance 0.1 (a fixed
/// xorshift stream and the Box-Muller transform).
fn studies(k: usize) -> (Vec<f64>, Vec<f64>) {
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut uniform = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        ((state >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    };
    let vi: Vec<f64> = (0..k).map(|_| 0.01 + 0.99 * uniform()).collect();
    let yi = vi
        .iter()
        .map(|v| {
            let z = (-2.0 * uniform().ln()).sqrt() * (std::f64::consts::TAU * uniform()).cos();
            0.2 + z * (v + 0.1).sqrt()
        })
        .collect();
    (yi, vi)
}

fn reml() -> PoolOptions {
    let mut options = PoolOptions::default();
    options.tau2 = Some(Tau2Method::REML);
    options
}

#[test]
fn a_fit_is_the_same_on_one_two_and_three_threads() {
    let (yi, vi) = studies(3 * PARALLEL_FROM + 17);
    let fits: Vec<String> = [1, 2, 3]
        .iter()
        .map(|&threads| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .expect("thread pool");
            let fit = pool.install(|| fit_slices(&yi, &vi, &reml()).expect("fit"));
            serde_json::to_string(&fit).expect("json")
        })
        .collect();
    assert_eq!(fits[0], fits[1]);
    assert_eq!(fits[0], fits[2]);
}

#[test]
fn the_reml_estimate_is_a_root_of_the_score_at_large_k() {
    let (yi, vi) = studies(200_000);
    let fit = fit_slices(&yi, &vi, &reml()).expect("fit");
    let tau2 = fit.random.expect("random effects").tau2;
    // The REML score, ½[Σw²r² − tr P], with the sums formed plainly, in long runs of
    // positive terms.
    let score = |t: f64| {
        let w: Vec<f64> = vi.iter().map(|v| 1.0 / (v + t)).collect();
        let sw: f64 = w.iter().sum();
        let mu = w.iter().zip(&yi).map(|(w, y)| w * y).sum::<f64>() / sw;
        let sw2: f64 = w.iter().map(|w| w * w).sum();
        let sw2r2: f64 = w.iter().zip(&yi).map(|(w, y)| (w * (y - mu)).powi(2)).sum();
        0.5 * (sw2r2 - (sw - sw2 / sw))
    };
    assert!(
        score(tau2 * (1.0 - 1e-6)) > 0.0,
        "the score is positive just below"
    );
    assert!(score(tau2 * (1.0 + 1e-6)) < 0.0, "and negative just above");
}

#[test]
fn the_q_profile_limits_solve_their_equations_from_any_start() {
    for k in [40, PARALLEL_FROM + 1] {
        let (yi, vi) = studies(k);
        let df = k as f64 - 1.0;
        let (lower, upper) = tau2_q_profile(&yi, &vi, 0.95);
        for (limit, p) in [(lower, 0.975), (upper, 0.025)] {
            let (q, _) = generalized_q(&yi, &vi, limit);
            let target = chisq_quantile(p, df);
            if limit == 0.0 {
                assert!(
                    q <= target,
                    "k = {k}: a limit of 0 needs Q(0) = {q} <= {target}"
                );
            } else {
                assert!(
                    (q - target).abs() <= 1e-10 * target,
                    "k = {k}: Q = {q}, target {target}"
                );
            }
        }
        // From the estimate (between the limits), from far to the right of both, and
        // from far to the left: the same limits.
        for start in [0.1, 1e3, 1e-9] {
            let (l, u) = tau2_q_profile_from(&yi, &vi, 0.95, start);
            assert!(
                (l - lower).abs() <= 1e-12 * lower,
                "k = {k}, start {start}: {l} vs {lower}"
            );
            assert!(
                (u - upper).abs() <= 1e-12 * upper,
                "k = {k}, start {start}: {u} vs {upper}"
            );
        }
    }
}

#[test]
fn a_q_profile_limit_at_zero_stays_at_zero_from_a_start_right_of_it() {
    // Homogeneous studies: Q(0) is below the upper quantile's target, so the lower
    // limit is 0, and a start at τ² = 1 (right of it) must not move it.
    let yi = vec![0.10, 0.12, 0.11, 0.09, 0.10];
    let vi = vec![0.04, 0.05, 0.03, 0.06, 0.04];
    assert_eq!(tau2_q_profile(&yi, &vi, 0.95).0, 0.0);
    assert_eq!(tau2_q_profile_from(&yi, &vi, 0.95, 1.0).0, 0.0);
}
