//! Granularity checks (GRIM-style, Brown & Heathers 2017): can a printed percentage or
//! mean arise from whole patients, and do arms add up to a printed total?

use super::figure::Printed;

/// The counts k in 0..=n for which 100 k / n prints as `percent`.
pub fn attainable_counts(percent: Printed, n: u64) -> Vec<u64> {
    (0..=n)
        .filter(|&k| percent.matches(100.0 * k as f64 / n as f64))
        .collect()
}

/// True when a percentage can arise from whole patients out of n.
pub fn percent_attainable(percent: Printed, n: u64) -> bool {
    n > 0 && !attainable_counts(percent, n).is_empty()
}

/// True when a mean of whole-number items can print as `mean` with n participants
/// (GRIM: some integer total S has S/n rounding to the printed mean).
pub fn mean_attainable(mean: Printed, n: u64) -> bool {
    if n == 0 {
        return false;
    }
    let (lo, hi) = mean.bounds();
    let nf = n as f64;
    let (s_lo, s_hi) = ((lo * nf).floor() as i64 - 1, (hi * nf).ceil() as i64 + 1);
    (s_lo..=s_hi).any(|s| mean.matches(s as f64 / nf))
}

/// Every allocation of `total` participants to as many arms as `percents` (each arm at
/// least one) under which every printed percentage is attainable in its arm.
pub fn allocations(percents: &[Printed], total: u64) -> Vec<Vec<u64>> {
    let mut out = Vec::new();
    let mut current = Vec::with_capacity(percents.len());
    fn walk(percents: &[Printed], left: u64, current: &mut Vec<u64>, out: &mut Vec<Vec<u64>>) {
        let arms_left = percents.len() - current.len();
        if arms_left == 1 {
            if left >= 1 && percent_attainable(percents[current.len()], left) {
                current.push(left);
                out.push(current.clone());
                current.pop();
            }
            return;
        }
        for n in 1..=left.saturating_sub(arms_left as u64 - 1) {
            if percent_attainable(percents[current.len()], n) {
                current.push(n);
                walk(percents, left - n, current, out);
                current.pop();
            }
        }
    }
    if !percents.is_empty() {
        walk(percents, total, &mut current, &mut out);
    }
    out
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
        assert_eq!(attainable_counts(p("19"), 62), vec![12]);
    }

    #[test]
    fn grim_means() {
        // 5.19 with 28 items: 145/28 = 5.1786, 146/28 = 5.2143: not attainable.
        assert!(!mean_attainable(p("5.19"), 28));
        assert!(mean_attainable(p("5.18"), 28));
    }
}
