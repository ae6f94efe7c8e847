//! Internal consistency of a printed estimate with its confidence interval.
//!
//! A Wald interval is symmetric about the estimate on the analysis scale (log for
//! ratios): estimate = (lower + upper)/2. Printed numbers are rounded, so each stands for
//! an interval of true values ([`Printed::bounds`]); the figure is consistent when some
//! true values within rounding satisfy the symmetry. The implied standard error is
//! SE = (upper − lower)/(2 z_{1−α/2}), the implied z = estimate/SE (or
//! (estimate − null)/SE), and the implied two-sided p = 2(1 − Φ(|z|)) (Altman & Bland,
//! BMJ 2011;343:d2090). Ranges are carried through from the rounding bounds.

pub use crate::printed::Scale;

use crate::printed::{symmetry, Symmetry};

use super::figure::{Printed, Relation};
use crate::distribution::normal_two_sided_p;
use crate::error::{Error, Result};
use serde::Serialize;

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
///
/// The lower bound of the SE range is at least 0: limits closer than their rounding
/// allow an interval of no width.
///
/// # Errors
/// [`Error::InvalidArgument`] when `level` is not in (0, 1), a printed value is not
/// finite, the lower limit is above the upper, or (ratio scale) a value is below zero;
/// [`Error::Degenerate`] when the limits print equal (the interval has no width at the
/// printed precision: SE 0, z and p undefined) or, on the ratio scale, a value prints
/// as zero (its logarithm is −∞ at that precision).
pub fn check_ci(
    estimate: Printed,
    lower: Printed,
    upper: Printed,
    scale: Scale,
    level: f64,
) -> Result<Implied> {
    if !(level > 0.0 && level < 1.0) {
        return Err(Error::InvalidArgument(format!(
            "level {level}: expected a proportion in (0, 1)"
        )));
    }
    for x in [estimate, lower, upper] {
        if !x.value.is_finite() {
            return Err(Error::InvalidArgument(format!(
                "{}: expected a finite number",
                x.value
            )));
        }
    }
    if lower.value > upper.value {
        return Err(Error::InvalidArgument(format!(
            "the lower limit {} is above the upper limit {}; expected lower <= upper",
            lower.text(),
            upper.text()
        )));
    }
    if lower.value == upper.value {
        return Err(Error::Degenerate(format!(
            "the limits print equal ({}): the interval has no width at the printed \
             precision, so the implied SE is 0 and z and p are undefined",
            lower.text()
        )));
    }
    if scale == Scale::Ratio {
        for x in [estimate, lower, upper] {
            if x.value < 0.0 {
                return Err(Error::InvalidArgument(format!(
                    "{}: a ratio must be above 0",
                    x.text()
                )));
            }
            if x.value == 0.0 {
                return Err(Error::Degenerate(format!(
                    "the ratio {} has no logarithm at its printed precision (its rounding \
                     interval reaches 0); the check needs more decimals",
                    x.text()
                )));
            }
        }
    }
    let g = |x: f64| scale.to_analysis(x);
    // A positive printed value is at least one unit of its last digit, so its rounding
    // interval stays above zero and every logarithm below is finite.
    let Symmetry {
        midpoint: mid,
        symmetric,
    } = symmetry(estimate, lower, upper, scale);
    let (el, eh) = estimate.bounds();
    let (ll, lh) = lower.bounds();
    let (ul, uh) = upper.bounds();
    let z_crit = crate::distribution::normal_critical(level);
    let se = (g(upper.value) - g(lower.value)) / (2.0 * z_crit);
    let se_range = (
        ((g(ul) - g(lh)) / (2.0 * z_crit)).max(0.0),
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
    Ok(Implied {
        symmetric,
        midpoint: mid,
        se,
        se_range,
        z,
        p: normal_two_sided_p(z),
        p_range,
    })
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

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Printed {
        Printed::parse(s).expect("number")
    }

    /// Issue 12, item 12: a CI whose lower limit is above the upper was consistent with
    /// a negative SE (2.39 (5.23 to 1.10) on the ratio scale: SE −0.398); a level of
    /// 1.5 or NaN gave SE NaN and a verdict.
    #[test]
    fn impossible_intervals_and_levels_are_errors() {
        let reversed = check_ci(p("2.39"), p("5.23"), p("1.10"), Scale::Ratio, 0.95);
        assert!(matches!(reversed, Err(Error::InvalidArgument(m)) if m.contains("above")));
        for level in [1.5, f64::NAN, 0.0, 1.0, -0.5] {
            let r = check_ci(p("2.39"), p("1.10"), p("5.23"), Scale::Ratio, level);
            assert!(matches!(r, Err(Error::InvalidArgument(_))), "{level}");
        }
        let negative = check_ci(p("-0.5"), p("-0.9"), p("-0.1"), Scale::Ratio, 0.95);
        assert!(matches!(negative, Err(Error::InvalidArgument(_))));
        let nan = Printed {
            value: f64::NAN,
            decimals: 2,
        };
        assert!(check_ci(nan, p("1.10"), p("5.23"), Scale::Difference, 0.95).is_err());
    }

    /// Degenerate but legal: limits that print equal, a ratio printed as zero.
    #[test]
    fn degenerate_intervals_say_why() {
        let equal = check_ci(p("1.00"), p("1.00"), p("1.00"), Scale::Difference, 0.95);
        assert!(matches!(equal, Err(Error::Degenerate(m)) if m.contains("print equal")));
        let zero = check_ci(p("0.00"), p("0.00"), p("0.02"), Scale::Ratio, 0.95);
        assert!(matches!(zero, Err(Error::Degenerate(m)) if m.contains("logarithm")));
        // Limits closer than their rounding: the SE range starts at 0 and p at 0, not NaN.
        let close =
            check_ci(p("1.0"), p("1.0"), p("1.1"), Scale::Difference, 0.95).expect("an interval");
        assert_eq!(close.se_range.0, 0.0);
        assert_eq!(close.p_range.0, 0.0);
        assert!(close.p_range.1.is_finite());
    }
}
