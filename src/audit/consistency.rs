//! Internal consistency of a printed estimate with its confidence interval.
//!
//! A Wald interval is symmetric about the estimate on the analysis scale (log for
//! ratios): estimate = (lower + upper)/2. Printed numbers are rounded, so each stands for
//! an interval of true values ([`Printed::bounds`]); the figure is consistent when some
//! true values within rounding satisfy the symmetry. The implied standard error is
//! SE = (upper − lower)/(2 z_{1−α/2}), the implied z = estimate/SE (or
//! (estimate − null)/SE), and the implied two-sided p = 2(1 − Φ(|z|)) (Altman & Bland,
//! BMJ 2011;343:d2090). Ranges are carried through from the rounding bounds.

use super::figure::{Printed, Relation};
use crate::distribution::{normal_quantile, normal_two_sided_p};
use serde::Serialize;

/// The scale on which the interval is symmetric.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Scale {
    /// Differences (MD, RD, SMD): the natural scale.
    Difference,
    /// Ratios (RR, OR, HR): the log scale; the null is 1.
    Ratio,
}

impl Scale {
    fn to_analysis(self, x: f64) -> f64 {
        match self {
            Scale::Difference => x,
            Scale::Ratio => x.ln(),
        }
    }
}

/// What a printed estimate and CI imply.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Implied {
    /// True when the estimate can be the midpoint of its limits within rounding.
    pub symmetric: bool,
    /// Range of the midpoint of the limits (analysis scale) over the rounding bounds.
    pub midpoint: (f64, f64),
    /// Implied standard error (analysis scale), from the printed limits.
    pub se: f64,
    /// Range of the implied SE over the rounding bounds of the limits.
    pub se_range: (f64, f64),
    /// Implied z statistic against the null (0, or 1 for ratios), from the printed values.
    pub z: f64,
    /// Implied two-sided p-value.
    pub p: f64,
    /// Range of the implied p over the rounding bounds.
    pub p_range: (f64, f64),
}

/// Checks a printed estimate with its CI at confidence `level` (in (0, 1)).
pub fn check_ci(
    estimate: Printed,
    lower: Printed,
    upper: Printed,
    scale: Scale,
    level: f64,
) -> Implied {
    let g = |x: f64| scale.to_analysis(x);
    let (el, eh) = estimate.bounds();
    let (ll, lh) = lower.bounds();
    let (ul, uh) = upper.bounds();
    let mid = ((g(ll) + g(ul)) / 2.0, (g(lh) + g(uh)) / 2.0);
    let symmetric = mid.0 <= g(eh) && g(el) <= mid.1;
    let z_crit = normal_quantile(1.0 - (1.0 - level) / 2.0);
    let se = (g(upper.value) - g(lower.value)) / (2.0 * z_crit);
    let se_range = (
        (g(ul) - g(lh)) / (2.0 * z_crit),
        (g(uh) - g(ll)) / (2.0 * z_crit),
    );
    let z = g(estimate.value) / se;
    // |z| is largest with the estimate farthest from the null and the SE smallest.
    let far = g(el).abs().max(g(eh).abs());
    let near = if g(el) <= 0.0 && g(eh) >= 0.0 {
        0.0
    } else {
        g(el).abs().min(g(eh).abs())
    };
    let p_range = (
        normal_two_sided_p(far / se_range.0),
        normal_two_sided_p(near / se_range.1),
    );
    Implied {
        symmetric,
        midpoint: mid,
        se,
        se_range,
        z,
        p: normal_two_sided_p(z),
        p_range,
    }
}

/// Whether a printed p-value (`P < x`, `P = x`, `P > x`) is attainable by a true p in
/// `range`.
pub fn p_consistent(relation: Relation, printed: Printed, range: (f64, f64)) -> bool {
    let (lo, hi) = range;
    match relation {
        Relation::Below => lo < printed.value,
        Relation::Above => hi > printed.value,
        Relation::Equal => {
            let (pl, ph) = printed.bounds();
            lo <= ph && pl <= hi
        }
    }
}

/// The null standard error of a Mann-Whitney effect (probability of superiority)
/// estimated from two arms of sizes n1 and n2: √((n1 + n2 + 1)/(12 n1 n2)), the null
/// variance of U/(n1 n2) (Mann & Whitney 1947).
pub fn mann_whitney_null_se(n1: f64, n2: f64) -> f64 {
    ((n1 + n2 + 1.0) / (12.0 * n1 * n2)).sqrt()
}
