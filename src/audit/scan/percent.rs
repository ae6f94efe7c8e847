//! Percentages, with their numerator and denominator where printed: `41% (25/61)`,
//! `25/61 (41%)`, `25 of 61 (41%)`, `41% of 61 patients`, `41% (n = 25)`; ranges
//! (`22–28%`) are one figure with their limits. Not results: the level of an interval
//! (`95% CI`) and the strength of a preparation (`0.1% nasal spray`, `1% solution`).
//!
//! # Checks (GRIM-style, Brown & Heathers 2017; [`crate::audit::granularity`])
//! - n and N printed: 100 n / N prints as the percentage (half-up or half-even).
//! - N alone: some whole count out of N prints as the percentage.
//! - Percentages of the arms of one trial (`three arms: ... 41% ... 28% ... 19%`) with the
//!   trial's total printed before them in the paragraph: some allocation of the total to
//!   the arms makes every percentage attainable ([`crate::audit::granularity::allocations`]).

use super::text::Tokens;
use super::{consistent, inconsistent, not_checkable, FigureKind, Scan, ScannedFigure};
use crate::audit::granularity::{allocations, percent_attainable};
use crate::printed::Printed;

/// Words after a percentage that make it the strength of a preparation.
const PREPARATIONS: &[&str] = &[
    "solution",
    "solutions",
    "nasal",
    "spray",
    "drops",
    "aqueous",
    "cream",
    "gel",
    "ointment",
    "saline",
    "lidocaine",
    "glucose",
    "dextrose",
    "w/v",
    "v/v",
    "w/w",
    "concentration",
    "preparation",
    "strength",
    "chlorhexidine",
    "povidone",
    "alcohol",
    "ethanol",
    "formulation",
];

/// A numerator and denominator read around a percentage.
#[derive(Default)]
struct Counts {
    n: Option<Printed>,
    big_n: Option<Printed>,
    first: Option<usize>,
    last: Option<usize>,
    tokens: Vec<usize>,
}

/// A whole number at token `i`, free.
fn whole(scan: &Scan, i: usize) -> Option<Printed> {
    scan.free_num(i)
        .filter(|p| p.decimals == 0 && p.value >= 0.0)
}

/// `(25/61)`, `(n = 25)`, `(25 of 61)` right after the percentage's `%` at token `j`;
/// `of 61 patients` too.
fn counts_after(scan: &Scan, j: usize) -> Counts {
    let t = &scan.t;
    let mut c = Counts::default();
    if t.is_sym(j, '(') || t.is_sym(j, '[') || t.is_sym(j, ',') {
        let k = j + 1;
        if let (Some(n), true, Some(big)) = (
            whole(scan, k),
            t.is_sym(k + 1, '/') || t.word_in(k + 1, &["of"]),
            whole(scan, k + 2),
        ) {
            c.n = Some(n);
            c.big_n = Some(big);
            c.tokens = vec![k, k + 2];
            c.last = Some(if t.is_sym(k + 3, ')') || t.is_sym(k + 3, ']') {
                k + 3
            } else {
                k + 2
            });
        } else if t.word_in(k, &["n"]) && t.is_sym(k + 1, '=') {
            if let Some(n) = whole(scan, k + 2) {
                c.n = Some(n);
                c.tokens = vec![k + 2];
                c.last = Some(if t.is_sym(k + 3, ')') { k + 3 } else { k + 2 });
            }
        }
    } else if t.word_in(j, &["of"]) {
        if let Some(big) = whole(scan, j + 1) {
            if super::count::is_count_noun(t, j + 2) {
                c.big_n = Some(big);
                c.tokens = vec![j + 1];
                c.last = Some(j + 1);
            }
        } else {
            // "78% of users (992/1,400)": who, then the counts in brackets.
            for words in 1..=2 {
                if (1..=words).all(|w| t.is_word(j + w) && !t.word_in(j + w, &["n"]))
                    && t.is_sym(j + words + 1, '(')
                {
                    let counts = counts_after(scan, j + words + 1);
                    if counts.n.is_some() && counts.big_n.is_some() {
                        return counts;
                    }
                }
            }
        }
    }
    c
}

/// `25/61 (`, `25 of 61 (` or `25 (` before the percentage at token `i` (the bracket at
/// `i − 1`).
fn counts_before(scan: &Scan, i: usize) -> Counts {
    let t = &scan.t;
    let mut c = Counts::default();
    let Some(open) = i.checked_sub(1) else {
        return c;
    };
    if !t.is_sym(open, '(') && !t.is_sym(open, '[') {
        return c;
    }
    let Some(b) = open.checked_sub(1) else {
        return c;
    };
    // "58 of 90 participants (72%)", "62 out of 410 people in the exercise groups (15%)".
    if t.is_word(b) {
        let mut k = b;
        for _ in 0..6 {
            if !t.is_word(k) {
                break;
            }
            let Some(before) = k.checked_sub(1) else {
                return c;
            };
            k = before;
        }
        let counted = super::count::is_count_noun(t, k + 1);
        if let (Some(big), Some(of), true) = (whole(scan, k), k.checked_sub(1), counted) {
            if t.word_in(of, &["of"]) {
                let n_at = if t.word_in(of.wrapping_sub(1), &["out"]) {
                    of.wrapping_sub(2)
                } else {
                    of.wrapping_sub(1)
                };
                if let Some(n) = whole(scan, n_at) {
                    c.n = Some(n);
                    c.big_n = Some(big);
                    c.first = Some(n_at);
                    c.tokens = vec![n_at, k];
                }
            }
        }
        return c;
    }
    let Some(last_number) = whole(scan, b) else {
        return c;
    };
    if let Some(a) = b.checked_sub(2) {
        if let Some(n) = whole(scan, a) {
            if t.is_sym(a + 1, '/') || t.word_in(a + 1, &["of"]) {
                c.n = Some(n);
                c.big_n = Some(last_number);
                c.first = Some(a);
                c.tokens = vec![a, b];
                return c;
            }
        }
    }
    c.n = Some(last_number);
    c.first = Some(b);
    c.tokens = vec![b];
    // "Of 61 patients, 25 (41%)": the denominator just before.
    let denominator = b.checked_sub(4).filter(|&of| {
        t.word_in(of, &["of"])
            && whole(scan, of + 1).is_some()
            && super::count::is_count_noun(t, of + 2)
            && t.is_sym(of + 3, ',')
    });
    if let Some(of) = denominator {
        c.big_n = whole(scan, of + 1);
        c.tokens.push(of + 1);
    }
    c
}

/// True when the number and `%` at token `i` are the level of an interval, the strength
/// of a preparation, part of a heterogeneity statement or a study's weight (a column
/// headed `Weight`).
fn not_a_result(t: &Tokens, i: usize) -> bool {
    // A study's weight in a forest plot's `Weight` column.
    if t.header_names(i, &["weight", "weights"]) {
        return true;
    }
    let after = i + 2;
    if t.word_in(
        after,
        &[
            "ci",
            "cis",
            "confidence",
            "pi",
            "prediction",
            "cri",
            "credible",
            "ui",
            "level",
            "significance",
            "power",
        ],
    ) {
        return true;
    }
    // "0.1% nasal spray", "1% w/v", "0.1% or 1% aqueous solution": the strength of a
    // preparation, also when other strengths stand between.
    let mut j = after;
    let mut names = 0;
    for _ in 0..6 {
        if t.word_in(j, PREPARATIONS) || (t.word_in(j, &["w", "v"]) && t.is_sym(j + 1, '/')) {
            return true;
        }
        if t.word_in(j, &["or", "and", "to"])
            || t.is_dash(j)
            || t.num(j).is_some()
            || t.is_sym(j, '%')
            || t.is_sym(j, ',')
        {
            j += 1;
        } else if t.is_word(j) && names < 2 {
            // The name of the drug: "0.1% atropine solution".
            names += 1;
            j += 1;
        } else {
            return false;
        }
    }
    false
}

/// True when the header of the table column of token `i` names I².
pub(crate) fn header_names_i2(t: &Tokens, i: usize) -> bool {
    t.header_names(i, &["i²", "i2", "i^2"])
}

/// Finds the values of I² printed bare, without `%`, in a table column whose header
/// names I² (`I² (%)`).
pub(crate) fn find_i2_cells(scan: &mut Scan) {
    for i in 0..scan.t.len() {
        let Some(p) = scan.free_num(i) else { continue };
        let t = &scan.t;
        if !(0.0..=100.0).contains(&p.value) || !t.alone_in_cell(i, i) || !header_names_i2(t, i) {
            continue;
        }
        let mut figure = ScannedFigure::blank(FigureKind::I2);
        figure.i2 = Some(p.value);
        figure.verdict = super::heterogeneity::check_i2_cell(t, i, p, None);
        scan.claim(i, i);
        scan.push(i, i, figure);
    }
}

/// Finds the percentages.
pub(crate) fn find(scan: &mut Scan) {
    for i in 0..scan.t.len() {
        let Some(p) = scan.free_num(i) else { continue };
        if !scan.t.is_sym(i + 1, '%') || not_a_result(&scan.t, i) {
            continue;
        }
        let t = &scan.t;
        // A range: "22–28%", "±8–12%".
        let range_from = i
            .checked_sub(2)
            .filter(|&a| t.is_dash(a + 1) && scan.free_num(a).is_some());
        // "41 to 49%": a range with "to" bounds a criterion ("an ejection fraction of 41
        // to 49%"), not a result.
        if i.checked_sub(2)
            .is_some_and(|a| t.word_in(a + 1, &["to"]) && t.num(a).is_some())
        {
            continue;
        }
        if header_names_i2(t, i) {
            // "60% (10% to 80%)": I² with its own interval.
            let interval = super::heterogeneity::i2_interval_at(t, i + 2);
            let mut figure = ScannedFigure::blank(FigureKind::I2);
            figure.i2 = Some(p.value);
            figure.lower = interval.map(|(lo, _, _)| lo.value);
            figure.upper = interval.map(|(_, hi, _)| hi.value);
            figure.verdict =
                super::heterogeneity::check_i2_cell(t, i, p, interval.map(|(lo, hi, _)| (lo, hi)));
            let last = interval.map_or(i + 1, |(_, _, close)| close);
            scan.claim(i, last);
            scan.push(i, last, figure);
            continue;
        }
        let mut figure = ScannedFigure::blank(FigureKind::Percent);
        if let Some(a) = range_from {
            let lo = t.num(a).map(|x| x.value);
            figure.lower = lo;
            figure.upper = Some(p.value);
            figure.unit = Some("%".to_string());
            figure.verdict = not_checkable("a range of percentages, without counts");
            let first = if t.is_sym(a.wrapping_sub(1), '±') {
                a - 1
            } else {
                a
            };
            scan.claim(a, i + 1);
            scan.push(first, i + 1, figure);
            continue;
        }
        figure.value = Some(p.value);
        figure.unit = Some("%".to_string());
        let mut counts = counts_after(scan, i + 2);
        if counts.n.is_none() && counts.big_n.is_none() {
            counts = counts_before(scan, i);
        }
        figure.n = counts.n.map(|n| n.value as u64);
        figure.big_n = counts.big_n.map(|n| n.value as u64);
        figure.verdict = check(p, counts.n, counts.big_n);
        let first = counts.first.unwrap_or(i);
        let mut last = counts.last.unwrap_or(i + 1).max(i + 1);
        // "25 (41%)": the bracket the percentage stands in is part of the figure.
        if first < i && last == i + 1 && t.is_sym(i - 1, '(') && t.is_sym(i + 2, ')') {
            last = i + 2;
        }
        for k in counts.tokens.clone() {
            scan.claim(k, k);
        }
        scan.claim(i, i + 1);
        scan.push(first, last, figure);
    }
}

/// The checks of a percentage against its counts; see the module documentation.
fn check(p: Printed, n: Option<Printed>, big_n: Option<Printed>) -> super::Verdict {
    match (n, big_n) {
        (Some(n), Some(big)) => {
            if big.value == 0.0 {
                return inconsistent(format!("a percentage of {}/0 is undefined", n.text()));
            }
            let exact = 100.0 * n.value / big.value;
            if p.matches(exact) {
                consistent(format!(
                    "{}/{} = {}%",
                    n.text(),
                    big.text(),
                    super::estimate::fmt(exact)
                ))
            } else {
                inconsistent(format!(
                    "{}/{} = {}%, which does not print as {}%",
                    n.text(),
                    big.text(),
                    super::estimate::fmt(exact),
                    p.text()
                ))
            }
        }
        (None, Some(big)) => {
            let total = big.value as u64;
            if percent_attainable(p, total) {
                consistent(format!(
                    "{}% can arise from whole counts out of {total}",
                    p.text()
                ))
            } else {
                inconsistent(format!(
                    "no whole count out of {total} prints as {}% (GRIM)",
                    p.text()
                ))
            }
        }
        _ => not_checkable("no denominator is printed with the percentage"),
    }
}

/// Number words for the arms of a trial.
fn arms_word(w: &str) -> Option<u64> {
    match w {
        "two" | "2" => Some(2),
        "three" | "3" => Some(3),
        "four" | "4" => Some(4),
        "five" | "5" => Some(5),
        _ => None,
    }
}

/// The number of arms a trial is said to have at token `i`: `three-arm`, `three arms`,
/// `3 groups`; returns the count.
fn arms_at(t: &Tokens, i: usize) -> Option<u64> {
    let k = if t.word_in(i, &["two", "three", "four", "five"]) {
        arms_word(&t.lower(i))?
    } else {
        let n = t.num(i)?;
        if n.decimals > 0 || !(2.0..=5.0).contains(&n.value) {
            return None;
        }
        n.value as u64
    };
    let noun = if t.is_dash(i + 1) { i + 2 } else { i + 1 };
    t.word_in(noun, &["arm", "arms", "armed", "group", "groups"])
        .then_some(k)
}

/// Checks the percentages of the arms of one trial against the trial's total (see the
/// module documentation): in a paragraph, after a count of participants and a number of
/// arms, as many percentages without counts as there are arms.
pub(crate) fn check_arm_groups(scan: &mut Scan) {
    let t = &scan.t;
    let mut i = 0;
    while i < t.len() {
        let Some(k) = arms_at(t, i) else {
            i += 1;
            continue;
        };
        // The paragraph (or line) the arms are named in.
        let end = (i + 1..t.len())
            .find(|&j| t.is_barrier(j) || t.toks[j].after_line_end)
            .unwrap_or(t.len());
        let start = (0..i)
            .rev()
            .find(|&j| t.is_barrier(j) || t.toks[j].after_line_end)
            .unwrap_or(0);
        let total = scan.people_counted(start, i);
        let members: Vec<usize> = scan
            .drafts
            .iter()
            .enumerate()
            .filter(|(_, d)| {
                d.figure.kind == FigureKind::Percent
                    && d.first > i
                    && d.last < end
                    && d.figure.value.is_some()
                    && d.figure.big_n.is_none()
                    && d.figure.n.is_none()
            })
            .map(|(j, _)| j)
            .collect();
        if let Some(total) = total.filter(|_| members.len() as u64 == k) {
            let percents: Vec<Printed> = members
                .iter()
                .filter_map(|&j| {
                    let d = &scan.drafts[j];
                    t.num(d.first)
                })
                .collect();
            let verdict = match allocations(&percents, total as u64) {
                Ok(a) if a.count > 0 => consistent(format!(
                    "{} allocations of the {total} participants to {k} arms make every percentage attainable{}",
                    a.count,
                    a.most_nearly_equal.map_or(String::new(), |m| format!(
                        " (the most nearly equal: {})",
                        m.iter().map(u64::to_string).collect::<Vec<_>>().join(" + ")
                    ))
                )),
                Ok(_) => inconsistent(format!(
                    "no allocation of the {total} participants to {k} arms makes every percentage attainable"
                )),
                Err(e) => not_checkable(format!("the arms' sizes could not be searched: {e}")),
            };
            for &j in &members {
                scan.drafts[j].figure.big_n = None;
                scan.drafts[j].figure.verdict = verdict.clone();
            }
        }
        i = end;
    }
}

#[cfg(test)]
mod tests {
    use super::super::{scan_text, FigureKind};
    use crate::audit::VerdictKind;

    type Read = (Option<f64>, Option<u64>, Option<u64>, VerdictKind);

    fn percents(text: &str) -> Vec<Read> {
        scan_text(text)
            .into_iter()
            .filter(|f| f.kind == FigureKind::Percent)
            .map(|f| (f.value, f.n, f.big_n, f.verdict.kind))
            .collect()
    }

    #[test]
    fn with_counts() {
        use VerdictKind::*;
        assert_eq!(
            percents("41% (25/61)"),
            vec![(Some(41.0), Some(25), Some(61), Consistent)]
        );
        assert_eq!(
            percents("25 of 61 (41%)"),
            vec![(Some(41.0), Some(25), Some(61), Consistent)]
        );
        assert_eq!(
            percents("41% (20/61)"),
            vec![(Some(41.0), Some(20), Some(61), Inconsistent)]
        );
        assert_eq!(
            percents("41% of 62 patients"),
            vec![(Some(41.0), None, Some(62), Inconsistent)]
        );
        // Who the percentage is of, then its counts.
        assert_eq!(
            percents("78% of users (992/1,400) slept better"),
            vec![(Some(78.0), Some(992), Some(1400), Inconsistent)]
        );
        assert_eq!(
            percents("71% of chronic users (992/1,400)"),
            vec![(Some(71.0), Some(992), Some(1400), Consistent)]
        );
        assert!(percents("0.1% nasal spray and 95% CI").is_empty());
        assert_eq!(percents("in 22–28% of cases").len(), 1);
    }
}
