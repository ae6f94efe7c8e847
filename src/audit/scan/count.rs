//! Counts of studies and participants: `6 RCTs`, `1517 participants`, `six randomised
//! trials`, `1,773 patients`, `30 233 participants` (thousands grouped by a space),
//! `186 acute ischaemic stroke patients`, `n = 1070`, `(total n=442)`; with the arms
//! that make them up where printed: `110 patients (30 Semax, 80 control)`.
//!
//! A number is a count when a noun of studies or people follows it, with at most three
//! words between (a year, 1900 to 2100, only when the noun follows it directly), or when
//! it follows `n =`.
//!
//! # Checks
//! The arms printed in brackets after a count add up to it exactly
//! ([`crate::audit::granularity::sums_to`]).

use super::text::{Tok, Tokens};
use super::{consistent, inconsistent, not_checkable, FigureKind, Scan, ScannedFigure};
use crate::audit::granularity::sums_to;
use crate::printed::Printed;

/// Nouns that count studies.
const STUDIES: &[&str] = &[
    "studies", "study", "trials", "trial", "rcts", "rct", "cohorts", "reviews", "datasets",
];

/// Nouns that count people.
const PEOPLE: &[&str] = &[
    "participants",
    "participant",
    "patients",
    "patient",
    "subjects",
    "people",
    "persons",
    "individuals",
    "women",
    "men",
    "children",
    "adults",
    "infants",
    "neonates",
    "newborns",
    "volunteers",
    "pregnancies",
    "mothers",
    "babies",
    "girls",
    "boys",
    "adolescents",
    "residents",
    "users",
    "smokers",
    "survivors",
    "eyes",
    "cases",
];

/// True when token `i` is a noun of studies or people.
pub(crate) fn is_count_noun(t: &Tokens, i: usize) -> bool {
    t.word_in(i, STUDIES) || t.word_in(i, PEOPLE)
}

/// True when a count's unit counts people (not studies).
pub(crate) fn counts_people(unit: &str) -> bool {
    PEOPLE.iter().any(|w| w.eq_ignore_ascii_case(unit)) || unit == "participants"
}

/// The value of a number word (`six`, `twelve`, `twenty`).
fn number_word(w: &str) -> Option<f64> {
    // Every number word starts with z, o, t, f, s, e or n and has 3 to 9 letters.
    let first = w.as_bytes().first()?.to_ascii_lowercase();
    if !(3..=9).contains(&w.len())
        || !matches!(first, b'z' | b'o' | b't' | b'f' | b's' | b'e' | b'n')
    {
        return None;
    }
    const WORDS: &[&str] = &[
        "zero",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "thirteen",
        "fourteen",
        "fifteen",
        "sixteen",
        "seventeen",
        "eighteen",
        "nineteen",
        "twenty",
    ];
    if let Some(k) = WORDS.iter().position(|x| x.eq_ignore_ascii_case(w)) {
        return Some(k as f64);
    }
    const TENS: &[(&str, f64)] = &[
        ("thirty", 30.0),
        ("forty", 40.0),
        ("fifty", 50.0),
        ("sixty", 60.0),
        ("seventy", 70.0),
        ("eighty", 80.0),
        ("ninety", 90.0),
    ];
    TENS.iter()
        .find(|(x, _)| x.eq_ignore_ascii_case(w))
        .map(|(_, v)| *v)
}

/// The noun a count at token `i` counts, with at most three words between: its token.
fn noun_after(t: &Tokens, i: usize, year_like: bool) -> Option<usize> {
    let mut j = i + 1;
    for words in 0..4 {
        if is_count_noun(t, j) {
            return Some(j);
        }
        if year_like || words == 3 || t.get(j).is_none_or(|x| x.after_line_end) {
            return None;
        }
        // Words between ("acute ischaemic stroke", "randomised controlled", "eligible"),
        // hyphenated ones too ("placebo-controlled").
        if t.is_word(j)
            && !t.word_in(
                j,
                &[
                    "of", "and", "or", "to", "in", "vs", "versus", "with", "per", "at", "for",
                    "from",
                ],
            )
        {
            j += 1;
            if t.is_dash(j) && t.is_word(j + 1) {
                j += 2;
            }
            continue;
        }
        return None;
    }
    None
}

/// Arms in brackets after token `j`: `(30 Semax, 80 control)`, `(n = 60 and n = 62)`;
/// their values, number tokens and the closing bracket's token.
fn parts_after(scan: &Scan, j: usize) -> Option<(Vec<f64>, Vec<usize>, usize)> {
    let t = &scan.t;
    if !t.is_sym(j, '(') && !t.is_sym(j, '[') {
        return None;
    }
    let mut k = j + 1;
    let mut values = Vec::new();
    let mut tokens = Vec::new();
    for _ in 0..8 {
        if t.word_in(k, &["n"]) && t.is_sym(k + 1, '=') {
            k += 2;
        }
        let v = scan
            .free_num(k)
            .filter(|p| p.decimals == 0 && p.value >= 0.0)?;
        // A percentage, or a count of people ("(4,986 participants; 2,497 ...)"), is no arm.
        if t.is_sym(k + 1, '%') || is_count_noun(t, k + 1) {
            return None;
        }
        values.push(v.value);
        tokens.push(k);
        k += 1;
        // The arm's name: a few words.
        let mut words = 0;
        while words < 4
            && (t.is_word(k) || t.is_sym(k, '+') || t.is_dash(k))
            && !t.word_in(k, &["and", "vs", "versus"])
        {
            k += 1;
            words += 1;
        }
        if t.is_sym(k, ')') || t.is_sym(k, ']') {
            return (values.len() >= 2).then_some((values, tokens, k));
        }
        if t.is_sym(k, ',') || t.is_sym(k, ';') || t.word_in(k, &["and", "vs", "versus"]) {
            k += 1;
            if t.word_in(k, &["and"]) {
                k += 1;
            }
            continue;
        }
        return None;
    }
    None
}

/// Finds the counts.
pub(crate) fn find(scan: &mut Scan) {
    let mut i = 0;
    while i < scan.t.len() {
        let Some((value, first, last_number)) = count_at(scan, i) else {
            i += 1;
            continue;
        };
        let t = &scan.t;
        let (unit, after) =
            if t.word_in(first.wrapping_sub(2), &["n"]) && t.is_sym(first.wrapping_sub(1), '=') {
                (None, last_number + 1)
            } else {
                let year_like = (1900.0..=2100.0).contains(&value) && t.num(first).is_some();
                match noun_after(t, last_number, year_like) {
                    // "a 2022 study", "the 2021 trial": a year.
                    Some(noun) if year_like && t.word_in(noun, STUDIES) => {
                        i += 1;
                        continue;
                    }
                    Some(noun) => (Some(t.lower(noun).into_owned()), noun + 1),
                    None => {
                        i += 1;
                        continue;
                    }
                }
            };
        let mut figure = ScannedFigure::blank(FigureKind::Count);
        figure.value = Some(value);
        figure.unit = unit.or(Some("participants".to_string()));
        let mut last = after - 1;
        let start =
            if t.word_in(first.wrapping_sub(2), &["n"]) && t.is_sym(first.wrapping_sub(1), '=') {
                first - 2
            } else if t.is_dash(first.wrapping_sub(1))
                && scan
                    .free_num(first.wrapping_sub(2))
                    .is_some_and(|p| p.decimals == 0)
            {
                // A range of counts: "60–240 participants".
                figure.lower = t.num(first - 2).map(|p| p.value);
                figure.upper = Some(value);
                scan.claim(first - 2, first - 2);
                first - 2
            } else {
                first
            };
        figure.verdict = match parts_after(scan, after) {
            Some((parts, tokens, close)) => {
                let sum = parts
                    .iter()
                    .map(|p| format!("{p}"))
                    .collect::<Vec<_>>()
                    .join(" + ");
                for k in tokens {
                    scan.claim(k, k);
                }
                last = close;
                figure.parts = Some(parts.clone());
                if sums_to(&parts, value) {
                    consistent(format!("{sum} = {value}"))
                } else {
                    inconsistent(format!(
                        "{sum} = {}, not {value}",
                        parts.iter().sum::<f64>()
                    ))
                }
            }
            None => not_checkable("no arms or parts are printed to add up"),
        };
        scan.claim(first, last_number);
        scan.push(start, last, figure);
        i = last + 1;
    }
}

/// A count at token `i`: a whole number (or a number word, or two groups of digits
/// split by a space: `30 233`), free, after `n =` or before a noun; returns its value
/// and its first and last tokens.
fn count_at(scan: &Scan, i: usize) -> Option<(f64, usize, usize)> {
    let t = &scan.t;
    let whole = |k: usize| {
        scan.free_num(k)
            .filter(|p: &Printed| p.decimals == 0 && p.value >= 0.0)
    };
    if let Some(p) = whole(i) {
        if t.is_sym(i + 1, '%') || t.is_sym(i + 1, '/') {
            return None;
        }
        // "30 233 participants": a group of 1 to 3 digits, a space, exactly three.
        if let Some(q) = whole(i + 1) {
            let (a, b) = (t.slice(i), t.slice(i + 1));
            let gap = &t.text[t.toks[i].end..t.toks[i + 1].start];
            if a.len() <= 3 && b.len() == 3 && gap == " " && b.bytes().all(|c| c.is_ascii_digit()) {
                return Some((p.value * 1000.0 + q.value, i, i + 1));
            }
        }
        return Some((p.value, i, i));
    }
    if matches!(t.get(i)?.tok, Tok::Word) && !scan.claimed[i] {
        let v = number_word(t.slice(i))?;
        // "Twenty three", "twenty-three".
        if v >= 20.0 {
            let unit = if t.is_dash(i + 1) { i + 2 } else { i + 1 };
            if let Some(u) = t
                .is_word(unit)
                .then(|| number_word(t.slice(unit)))
                .flatten()
            {
                if (1.0..10.0).contains(&u) {
                    return Some((v + u, i, unit));
                }
            }
        }
        return Some((v, i, i));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::super::{scan_text, FigureKind};
    use crate::audit::VerdictKind;

    fn counts(text: &str) -> Vec<(f64, String, VerdictKind)> {
        scan_text(text)
            .into_iter()
            .filter(|f| f.kind == FigureKind::Count)
            .map(|f| {
                (
                    f.value.unwrap_or(f64::NAN),
                    f.unit.unwrap_or_default(),
                    f.verdict.kind,
                )
            })
            .collect()
    }

    #[test]
    fn the_forms_of_the_issue() {
        use VerdictKind::*;
        assert_eq!(
            counts("6 RCTs, 1517 participants"),
            vec![
                (6.0, "rcts".into(), NotCheckable),
                (1517.0, "participants".into(), NotCheckable)
            ]
        );
        assert_eq!(
            counts("six randomised trials"),
            vec![(6.0, "trials".into(), NotCheckable)]
        );
        assert_eq!(
            counts("1,773 patients"),
            vec![(1773.0, "patients".into(), NotCheckable)]
        );
        assert_eq!(
            counts("30 233 participants"),
            vec![(30233.0, "participants".into(), NotCheckable)]
        );
        assert_eq!(
            counts("n = 1070"),
            vec![(1070.0, "participants".into(), NotCheckable)]
        );
        assert_eq!(
            counts("110 patients (30 Semax, 80 control)"),
            vec![(110.0, "patients".into(), Consistent)]
        );
        assert_eq!(
            counts("120 patients (50 treated, 60 control)"),
            vec![(120.0, "patients".into(), Inconsistent)]
        );
        assert!(counts("In 2019 several patients").is_empty());
        assert!(counts("for 12 weeks").is_empty());
    }
}
