//! Granularity checks (GRIM-style, Brown & Heathers 2017): can a printed percentage or
//! mean arise from whole patients, and do arms add up to a printed total?
//!
//! A percentage p printed with half-unit h arises from k patients out of n when
//! 100 k / n rounds to p, that is 100 k / n ∈ [p − h, p + h] (ties as
//! [`Printed::matches`] decides them). As 100 k / n increases with k, the counts that
//! do form one range, found by bisection from the closed-form guess
//! k ≈ (p ± h) n / 100 ([`attainable_counts`]); and once the step 100/n is below h every
//! n can: some k is within h/2 of p. So whether a percentage is attainable costs a few
//! comparisons whatever n is, and the allocations of a total to arms
//! ([`allocations`]) are counted from a table of attainable arm sizes per arm.

use super::figure::Printed;
use crate::error::{Error, Result};
use serde::Serialize;
use std::ops::RangeInclusive;

/// The smallest k in `0..=n` with `pred(k)` (`n + 1` when there is none), for a `pred`
/// that is false and then true; the bisection starts from a bracket around `guess`.
fn partition_point(n: u64, guess: u64, pred: impl Fn(u64) -> bool) -> u128 {
    // The answer is in lo..=hi, where hi = n + 1 means none.
    let (mut lo, mut hi) = (0u128, n as u128 + 1);
    let guess = guess.min(n) as u128;
    for probe in [guess.saturating_sub(2), (guess + 2).min(n as u128)] {
        if probe >= lo && probe < hi {
            if pred(probe as u64) {
                hi = probe;
            } else {
                lo = probe + 1;
            }
        }
    }
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if pred(mid as u64) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    lo
}

/// The counts k in 0..=n for which 100 k / n prints as `percent`: one range, as
/// 100 k / n increases with k (empty when there is none, and for n = 0).
pub fn attainable_counts(percent: Printed, n: u64) -> RangeInclusive<u64> {
    #[allow(clippy::reversed_empty_ranges)]
    const NONE: RangeInclusive<u64> = 1..=0;
    if n == 0 || !percent.value.is_finite() {
        return NONE;
    }
    let x = |k: u64| 100.0 * k as f64 / n as f64;
    let (lo, hi) = percent.bounds();
    let guess = |bound: f64| (bound * n as f64 / 100.0).clamp(0.0, n as f64) as u64;
    // First k that prints as p or lies above it; last k that prints as p or lies below.
    let first = partition_point(n, guess(lo), |k| {
        percent.matches(x(k)) || x(k) > percent.value
    });
    let past_last = partition_point(n, guess(hi), |k| {
        !(percent.matches(x(k)) || x(k) < percent.value)
    });
    if first >= past_last {
        return NONE;
    }
    // Both are within 0..=n here.
    first as u64..=(past_last - 1) as u64
}

/// True when a percentage can arise from whole patients out of n.
pub fn percent_attainable(percent: Printed, n: u64) -> bool {
    !attainable_counts(percent, n).is_empty()
}

/// True when a mean of whole-number items can print as `mean` with n participants
/// (GRIM: some integer total S has S/n rounding to the printed mean).
///
/// The totals that can lie in [(m − h) n, (m + h) n]; when that interval is at least 4
/// wide, the integer nearest m n is within 1/2 of it, so S/n is within h/4 of m and
/// prints as m. Otherwise at most seven totals around it are tried.
pub fn mean_attainable(mean: Printed, n: u64) -> bool {
    if n == 0 || !mean.value.is_finite() {
        return false;
    }
    let nf = n as f64;
    if 2.0 * mean.half_unit() * nf >= 4.0 {
        return true;
    }
    let (lo, _) = mean.bounds();
    let s_lo = (lo * nf).floor() - 1.0;
    (0..8).any(|i| mean.matches((s_lo + f64::from(i)) / nf))
}

/// The most work [`allocations`] does: arm-size tuples visited plus table entries
/// computed. The allocations of a total T to k arms of at least one participant number
/// C(T − 1, k − 1), so the bound admits three arms up to T = 14,143 and two arms up to
/// about 10⁸; 10⁸ tuples take some 4 s in a development build.
pub const MAX_ALLOCATION_WORK: u128 = 100_000_000;

/// The allocations of a total to arms under which every printed percentage is
/// attainable in its arm.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Allocations {
    /// How many allocations (n₁, …, n_k) with every nᵢ ≥ 1 and Σ nᵢ = total make every
    /// percentage attainable.
    pub count: u128,
    /// The most nearly equal of them (smallest max − min; among ties the first in
    /// increasing order of n₁, then n₂, …), when there is one.
    pub most_nearly_equal: Option<Vec<u64>>,
}

/// C(total − 1, arms − 1): the ways to write `total` as an ordered sum of `arms` whole
/// numbers of at least 1, or `None` when it exceeds `cap`.
pub fn compositions(total: u64, arms: usize, cap: u128) -> Option<u128> {
    if arms == 0 {
        return Some(u128::from(total == 0));
    }
    if total == 0 || arms as u64 > total {
        return Some(0);
    }
    let m = u128::from(total - 1);
    let j = (arms as u128 - 1).min(m - (arms as u128 - 1));
    // C(m, i) increases with i up to m/2, so the running value may stop at the cap.
    let mut c: u128 = 1;
    for i in 0..j {
        c = c.checked_mul(m - i)? / (i + 1);
        if c > cap {
            return None;
        }
    }
    Some(c)
}

/// Which arm sizes make a percentage attainable, for sizes 0..=max: a table up to the
/// size beyond which every size does.
struct Sizes {
    below: Vec<bool>,
}

impl Sizes {
    /// The length of the table: sizes 0..=max, or up to the first size beyond which
    /// every size makes the percentage attainable (with n > 100/h the step 100/n is
    /// below h, and some k is within h/2 of p).
    fn len(percent: Printed, max: u64) -> u64 {
        let every_beyond = (100.0 / percent.half_unit()).min(1e18) as u64 + 1;
        max.saturating_add(1).min(every_beyond)
    }

    fn new(percent: Printed, max: u64) -> Self {
        Sizes {
            below: (0..Self::len(percent, max))
                .map(|n| percent_attainable(percent, n))
                .collect(),
        }
    }

    fn has(&self, n: u64) -> bool {
        usize::try_from(n)
            .ok()
            .and_then(|i| self.below.get(i).copied())
            .unwrap_or(true)
    }
}

/// Every allocation of `total` participants to as many arms as `percents` (each arm at
/// least one) under which every printed percentage is attainable in its arm: how many,
/// and the most nearly equal.
///
/// # Errors
/// [`Error::InvalidArgument`] for a percentage outside [0, 100];
/// [`Error::Degenerate`] when the work ([`MAX_ALLOCATION_WORK`]) would be exceeded,
/// naming the count of allocations to try.
pub fn allocations(percents: &[Printed], total: u64) -> Result<Allocations> {
    let none = Allocations {
        count: 0,
        most_nearly_equal: None,
    };
    if let Some(p) = percents
        .iter()
        .find(|p| !(p.value >= 0.0 && p.value <= 100.0))
    {
        return Err(Error::InvalidArgument(format!(
            "{}%: expected a percentage in [0, 100]",
            p.text()
        )));
    }
    let k = percents.len();
    let Some(tuples) = compositions(total, k, MAX_ALLOCATION_WORK) else {
        return Err(too_much_work(total, k));
    };
    if tuples == 0 {
        return Ok(none);
    }
    // The largest size an arm can have leaves one participant to each other arm.
    let max_arm = total - (k as u64 - 1);
    let entries: u128 = percents
        .iter()
        .map(|&p| u128::from(Sizes::len(p, max_arm)))
        .sum();
    if tuples + entries > MAX_ALLOCATION_WORK {
        return Err(too_much_work(total, k));
    }
    let tables: Vec<Sizes> = percents.iter().map(|&p| Sizes::new(p, max_arm)).collect();
    if k == 1 {
        return Ok(if tables[0].has(total) {
            Allocations {
                count: 1,
                most_nearly_equal: Some(vec![total]),
            }
        } else {
            none
        });
    }
    // An odometer over the sizes of the first k − 1 arms, in increasing order; the last
    // arm takes what is left. used[i] = the sum of the sizes before arm i; low[i] and
    // high[i] their smallest and largest.
    let mut size = vec![0u64; k - 1];
    let mut used = vec![0u64; k];
    let (mut low, mut high) = (vec![u64::MAX; k], vec![0u64; k]);
    let mut count: u128 = 0;
    let mut best: Option<(u64, Vec<u64>)> = None;
    let mut arm = 0;
    loop {
        let left = total - used[arm];
        let max_here = left - (k - 1 - arm) as u64;
        let mut next = size[arm] + 1;
        while next <= max_here && !tables[arm].has(next) {
            next += 1;
        }
        if next > max_here {
            if arm == 0 {
                break;
            }
            arm -= 1;
            continue;
        }
        size[arm] = next;
        let (lo, hi) = (low[arm].min(next), high[arm].max(next));
        if arm == k - 2 {
            let last = left - next;
            if tables[k - 1].has(last) {
                count += 1;
                let spread = hi.max(last) - lo.min(last);
                if best.as_ref().is_none_or(|(s, _)| spread < *s) {
                    let mut a = size.clone();
                    a.push(last);
                    best = Some((spread, a));
                }
            }
        } else {
            used[arm + 1] = used[arm] + next;
            low[arm + 1] = lo;
            high[arm + 1] = hi;
            arm += 1;
            size[arm] = 0;
        }
    }
    Ok(Allocations {
        count,
        most_nearly_equal: best.map(|(_, a)| a),
    })
}

fn too_much_work(total: u64, arms: usize) -> Error {
    let count = compositions(total, arms, u128::MAX)
        .map_or_else(|| "more than 10^38".to_string(), |c| c.to_string());
    Error::Degenerate(format!(
        "{count} allocations of {total} to {arms} arms would have to be tried, beyond the \
         bound of {MAX_ALLOCATION_WORK} (tuples plus table entries) on the work of the \
         check"
    ))
}

/// True when the parts add up to the printed total exactly.
pub fn sums_to(parts: &[f64], total: f64) -> bool {
    (parts.iter().sum::<f64>() - total).abs() < 1e-9
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Printed {
        Printed::parse(s).expect("number")
    }

    #[test]
    fn percentages_of_62_patients() {
        // 25/62 = 40.3%, 26/62 = 41.9%: 41% cannot come from 62 patients.
        assert!(!percent_attainable(p("41"), 62));
        // 12/62 = 19.35%
        assert_eq!(attainable_counts(p("19"), 62), 12..=12);
    }

    /// The range found by bisection is the set the definition gives, k by k.
    #[test]
    fn attainable_counts_are_those_of_the_definition() {
        for text in [
            "41", "28", "19", "0", "100", "50", "33.3", "66.7", "12.35", "0.5",
        ] {
            let q = p(text);
            for n in 0..=700u64 {
                let brute: Vec<u64> = (0..=n)
                    .filter(|&k| n > 0 && q.matches(100.0 * k as f64 / n as f64))
                    .collect();
                let range: Vec<u64> = attainable_counts(q, n).collect();
                assert_eq!(range, brute, "{text}% of {n}");
            }
        }
        // A huge n costs a bisection, not a scan.
        assert!(percent_attainable(p("41.3"), u64::MAX));
        assert!(!percent_attainable(p("150"), 1000));
    }

    #[test]
    fn grim_means() {
        // 5.19 with 28 items: 145/28 = 5.1786, 146/28 = 5.2143: not attainable.
        assert!(!mean_attainable(p("5.19"), 28));
        assert!(mean_attainable(p("5.18"), 28));
        // Large n: every mean is attainable, found without a scan of the totals.
        assert!(mean_attainable(p("5.19"), u64::MAX));
        for n in 1..=400u64 {
            for text in ["5.19", "2.5", "0.07", "-1.33"] {
                let m = p(text);
                let (lo, hi) = m.bounds();
                let brute = ((lo * n as f64).floor() as i64 - 1
                    ..=(hi * n as f64).ceil() as i64 + 1)
                    .any(|s| m.matches(s as f64 / n as f64));
                assert_eq!(mean_attainable(m, n), brute, "{text} with {n}");
            }
        }
    }

    /// The counting agrees with the enumeration it replaces (every allocation listed,
    /// the most nearly equal the first of least spread).
    #[test]
    fn allocations_agree_with_the_enumeration() {
        fn brute(percents: &[Printed], total: u64) -> Vec<Vec<u64>> {
            let mut out = Vec::new();
            fn walk(ps: &[Printed], left: u64, cur: &mut Vec<u64>, out: &mut Vec<Vec<u64>>) {
                let arms_left = ps.len() - cur.len();
                if arms_left == 1 {
                    if left >= 1 && percent_attainable(ps[cur.len()], left) {
                        cur.push(left);
                        out.push(cur.clone());
                        cur.pop();
                    }
                    return;
                }
                for n in 1..=left.saturating_sub(arms_left as u64 - 1) {
                    if percent_attainable(ps[cur.len()], n) {
                        cur.push(n);
                        walk(ps, left - n, cur, out);
                        cur.pop();
                    }
                }
            }
            walk(percents, total, &mut Vec::new(), &mut out);
            out
        }
        for (figure, totals) in [
            (vec!["41", "28", "19"], vec![3u64, 10, 59, 100, 186, 187]),
            (vec!["50", "50"], vec![1, 2, 7, 40]),
            (vec!["33.3"], vec![3, 6, 10]),
            (vec!["10", "20", "30", "40"], vec![4, 30, 61]),
        ] {
            let ps: Vec<Printed> = figure.iter().map(|s| p(s)).collect();
            for total in totals {
                let all = brute(&ps, total);
                let counted = allocations(&ps, total).expect("within the bound");
                assert_eq!(counted.count, all.len() as u128, "{figure:?} of {total}");
                let closest = all
                    .iter()
                    .min_by_key(|a| a.iter().max().unwrap_or(&0) - a.iter().min().unwrap_or(&0))
                    .cloned();
                assert_eq!(counted.most_nearly_equal, closest, "{figure:?} of {total}");
            }
        }
    }

    /// Issue 12, item 6: total 4000 over three arms did not finish in 100 s; 1e30 ran up
    /// to u64::MAX. Now the first is counted and the second refused with the count.
    #[test]
    fn large_totals_are_counted_or_refused() {
        let ps = [p("41"), p("28"), p("19")];
        let a = allocations(&ps, 4000).expect("within the bound");
        assert!(a.count > 0 && a.most_nearly_equal.is_some());
        match allocations(&ps, u64::MAX) {
            Err(Error::Degenerate(m)) => assert!(m.contains("beyond the bound"), "{m}"),
            other => panic!("{other:?}"),
        }
        assert_eq!(compositions(186, 3, u128::MAX), Some(185 * 184 / 2));
        assert_eq!(compositions(5, 5, u128::MAX), Some(1));
        assert_eq!(compositions(4, 5, u128::MAX), Some(0));
        assert_eq!(compositions(u64::MAX, 3, MAX_ALLOCATION_WORK), None);
        assert!(allocations(&[p("141")], 10).is_err());
    }
}
