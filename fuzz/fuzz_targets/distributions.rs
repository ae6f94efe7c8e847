//! Raw bytes -> f64 triples (every bit pattern: subnormals, ±0, ±∞, NaNs) -> every
//! distribution function of `metapool::distribution`.
//!
//! Each function must be total: a value for any input, never a panic or a hang. Where
//! the input is in the function's domain (a probability in [0, 1], degrees of freedom
//! above 0, not NaN), tail probabilities and cdfs lie in [0, 1] and are not NaN, and
//! quantiles are not NaN (χ² at x = ν = ∞, which has no limit, excepted); a violation
//! aborts the run as a crash.
#![no_main]

use libfuzzer_sys::fuzz_target;
use metapool::distribution::*;

fn probability(name: &str, value: f64, inputs: (f64, f64)) {
    assert!(
        (0.0..=1.0).contains(&value),
        "{name}{inputs:?} = {value}: not a probability"
    );
}

fuzz_target!(|data: &[u8]| {
    for chunk in data.chunks_exact(16) {
        let x = f64::from_le_bytes(chunk[..8].try_into().expect("8 bytes"));
        let df = f64::from_le_bytes(chunk[8..].try_into().expect("8 bytes"));
        let x_ok = !x.is_nan();
        let df_ok = df > 0.0; // false for NaN
                              // Normal.
        let _ = normal_pdf(x);
        if x_ok {
            probability("normal_sf", normal_sf(x), (x, 0.0));
            probability("normal_cdf", normal_cdf(x), (x, 0.0));
            probability("normal_two_sided_p", normal_two_sided_p(x), (x, 0.0));
        }
        let q = normal_quantile(x);
        if (0.0..=1.0).contains(&x) {
            assert!(!q.is_nan(), "normal_quantile({x}) is NaN");
        }
        // Student t and χ².
        let (t_sf_value, t_p) = (t_sf(x, df), t_two_sided_p(x, df));
        let (c_sf, c_cdf) = (chisq_sf(x, df), chisq_cdf(x, df));
        if x_ok && df_ok {
            probability("t_sf", t_sf_value, (x, df));
            probability("t_two_sided_p", t_p, (x, df));
            // χ² at x = ∞ with ν = ∞ has no limit: NaN, as documented.
            if !(x.is_infinite() && df.is_infinite()) {
                probability("chisq_sf", c_sf, (x, df));
                probability("chisq_cdf", c_cdf, (x, df));
            }
        }
        let (tq, cq) = (t_quantile(x, df), chisq_quantile(x, df));
        if (0.0..=1.0).contains(&x) && df_ok {
            assert!(!tq.is_nan(), "t_quantile({x}, {df}) is NaN");
            assert!(!cq.is_nan(), "chisq_quantile({x}, {df}) is NaN");
        }
        // The incomplete beta function, in its three arguments.
        let _ = inc_beta(x, df, x.abs().fract());
        let _ = inc_beta(df.abs(), x.abs(), 0.5);
    }
});
