//! p-values: `P < 0.0001`, `p=.03`, `P = 0·01`, `(P = 0.002)`, `P for interaction =
//! 0.04`, `P-value of 0.03`, `P_interaction = 0.04`, with the test they belong to where
//! the text names it (heterogeneity, interaction, subgroup differences, Egger, trend,
//! overall effect).
//!
//! A `P` is a p-value when a relation (`=`, `<`, `>`, `≤`, `≥`, `of`) and a number in
//! [0, 1] follow it, with at most the name of its test between.
//!
//! # Checks
//! - Printed right after an estimate with its confidence interval: against the range of
//!   two-sided p-values the interval implies within rounding (the SE from the interval's
//!   width on the analysis scale, z = estimate/SE; Altman & Bland, BMJ 2011;343:d2090).
//!   With no measure named, either scale will do.
//! - After a z statistic (`Z = 2.10 (P = 0.04)`): against 2(1 − Φ(|z|)) over z's rounding.
//!   RevMan's `Test for overall effect: Z = 2.46 (P = 0.01)` is also checked against the
//!   `Total (95% CI)` or `Subtotal (95% CI)` row at most 8 lines above it: the p-values
//!   the z and the interval imply over their rounding must overlap (a z and p altered
//!   together are caught so).
//! - In a heterogeneity statement or a test for subgroup differences (`Chi² = 12.30, df = 5
//!   (P = 0.03)`): against the upper tail of χ² with df degrees of freedom over Q's
//!   rounding.
//! - Otherwise not checkable: nothing printed beside it implies a p-value.

use super::text::Tokens;
use super::{consistent, inconsistent, not_checkable, Beside, FigureKind, Scan, ScannedFigure};
use crate::audit::consistency::{check_ci, mann_whitney_null_se, p_consistent};
use crate::audit::figure::Relation;
use crate::audit::VerdictKind;
use crate::distribution::{chisq_sf, normal_two_sided_p};
use crate::printed::{Printed, Scale};

/// Words that name the test of a p-value, and the name reported.
const TESTS: &[(&str, &str)] = &[
    ("interaction", "interaction"),
    ("heterogeneity", "heterogeneity"),
    ("het", "heterogeneity"),
    ("trend", "trend"),
    ("egger", "egger"),
    ("egger's", "egger"),
    ("egger’s", "egger"),
    ("subgroup", "subgroup differences"),
    ("subgroups", "subgroup differences"),
    ("overall", "overall effect"),
    ("noninferiority", "noninferiority"),
    ("non-inferiority", "noninferiority"),
    ("superiority", "superiority"),
];

/// The test named by word `i`, if it names one.
fn test_named(t: &Tokens, i: usize) -> Option<&'static str> {
    let w = t.lower(i);
    TESTS
        .iter()
        .find(|(word, _)| *word == w)
        .map(|(_, name)| *name)
}

/// True when token `i` is a `P` that may start a p-value: `P`, `p`, `P-value`,
/// `Pinteraction`, `p_trend`.
pub(crate) fn is_p_word(t: &Tokens, i: usize) -> bool {
    if !t.is_word(i) {
        return false;
    }
    let w = t.slice(i);
    w.eq_ignore_ascii_case("p")
        || w.eq_ignore_ascii_case("pvalue")
        || w.eq_ignore_ascii_case("pinteraction")
        || w.eq_ignore_ascii_case("ptrend")
        || w.eq_ignore_ascii_case("pheterogeneity")
        || w.eq_ignore_ascii_case("phet")
}

/// A relation at token `i`: the relation and the token after it.
fn relation_at(t: &Tokens, i: usize) -> Option<(Relation, &'static str, usize)> {
    let tok = t.get(i)?;
    match tok.tok {
        super::text::Tok::Sym('=') => Some((Relation::Equal, "=", i + 1)),
        super::text::Tok::Sym('<') if t.is_sym(i + 1, '=') => Some((Relation::Below, "≤", i + 2)),
        super::text::Tok::Sym('>') if t.is_sym(i + 1, '=') => Some((Relation::Above, "≥", i + 2)),
        super::text::Tok::Sym('<') | super::text::Tok::Sym('≤') | super::text::Tok::Sym('⩽') => {
            Some((Relation::Below, "<", i + 1))
        }
        super::text::Tok::Sym('>') | super::text::Tok::Sym('≥') | super::text::Tok::Sym('⩾') => {
            Some((Relation::Above, ">", i + 1))
        }
        _ if t.word_in(i, &["of", "was", "is"]) => {
            if let Some(r) = relation_at(t, i + 1) {
                return Some(r);
            }
            Some((Relation::Equal, "=", i + 1))
        }
        _ => None,
    }
}

/// A p-value read at its `P` (token `i`): the relation, its sign, the number's token,
/// and the test named between.
struct Read {
    relation: Relation,
    sign: &'static str,
    number: usize,
    test: Option<&'static str>,
}

/// The token of the number of the p-value whose `P` is token `i`, if one is printed.
pub(crate) fn number_of_p(t: &Tokens, i: usize) -> Option<usize> {
    is_p_word(t, i)
        .then(|| read_at(t, i))
        .flatten()
        .map(|r| r.number)
}

fn read_at(t: &Tokens, i: usize) -> Option<Read> {
    let w = t.lower(i);
    let mut test = match &*w {
        "pinteraction" => Some("interaction"),
        "ptrend" => Some("trend"),
        "pheterogeneity" => Some("heterogeneity"),
        _ => None,
    };
    let mut j = i + 1;
    // "P-value", "P value", "P for interaction", "p_interaction", "P (two-sided)".
    for _ in 0..5 {
        if relation_at(t, j).is_some() && !t.word_in(j, &["of", "was", "is"]) {
            break;
        }
        let filler = t.is_dash(j) || t.is_sym(j, '_');
        if filler
            || t.word_in(
                j,
                &[
                    "value",
                    "values",
                    "for",
                    "two-sided",
                    "one-sided",
                    "two",
                    "sided",
                    "test",
                    "of",
                ],
            ) && !(t.word_in(j, &["of"]) && t.num(j + 1).is_some())
        {
            j += 1;
        } else if let Some(name) = test_named(t, j) {
            test = test.or(Some(name));
            j += 1;
        } else if t.word_in(j, &["differences", "difference", "effect"]) {
            j += 1;
        } else {
            break;
        }
    }
    // "P(interaction)=0.03": the test in brackets.
    if t.is_sym(j, '(') && test_named(t, j + 1).is_some() && t.is_sym(j + 2, ')') {
        test = test.or(test_named(t, j + 1));
        j += 3;
    }
    // "p for trend 0.002", "P interaction 0.71": a named test and its number, no sign.
    let (relation, sign, k) = match relation_at(t, j) {
        Some(r) => r,
        None if test.is_some() && t.num(j).is_some() => (Relation::Equal, "=", j),
        None => return None,
    };
    t.num(k)?;
    Some(Read {
        relation,
        sign,
        number: k,
        test,
    })
}

/// The test named in the words before the `P` at token `i`, in its statement.
fn test_before(t: &Tokens, i: usize) -> Option<&'static str> {
    let mut j = i;
    for _ in 0..12 {
        j = j.checked_sub(1)?;
        if t.is_barrier(j) || t.is_sym(j, '.') {
            return None;
        }
        if let Some(name) = test_named(t, j) {
            return Some(name);
        }
    }
    None
}

/// A z statistic printed right before the `P` at token `i` (`Z = 2.10 (P = 0.04)`,
/// `z = 2.1, p = 0.04`).
fn z_before(t: &Tokens, i: usize) -> Option<Printed> {
    let mut j = i.checked_sub(1)?;
    while t.is_sym(j, '(') || t.is_sym(j, ',') || t.is_sym(j, ';') {
        j = j.checked_sub(1)?;
    }
    let z = t.num(j)?;
    let sign = j.checked_sub(1)?;
    (t.is_sym(sign, '=') || t.is_sym(sign, ':')).then_some(())?;
    t.word_in(sign.checked_sub(1)?, &["z"]).then_some(z)
}

/// True when the p-value at `p`..=`number` is a threshold of significance, not a
/// result: `P < 0.05 was considered statistically significant`, `significance was set at
/// P < 0.05`, `an alpha of 0.05`.
fn is_threshold(t: &Tokens, p: usize, number: usize) -> bool {
    const AFTER: &[&str] = &[
        "considered",
        "significant",
        "statistically",
        "indicated",
        "defined",
        "denoted",
        "was",
        "were",
        "deemed",
        "regarded",
        "taken",
    ];
    const BEFORE: &[&str] = &[
        "significance",
        "threshold",
        "defined",
        "set",
        "considered",
        "level",
        "alpha",
        "α",
        "cut-off",
        "cutoff",
    ];
    let after = (number + 1..number + 4).any(|j| {
        t.word_in(j, AFTER) && !t.word_in(j, &["was", "were"])
            || (t.word_in(j, &["was", "were"])
                && t.word_in(
                    j + 1,
                    &[
                        "considered",
                        "deemed",
                        "regarded",
                        "taken",
                        "set",
                        "used",
                        "defined",
                    ],
                ))
    });
    let start = p.saturating_sub(6).max(t.line_start(p).min(p));
    after || (start..p).any(|j| t.word_in(j, BEFORE))
}

/// True when the header of the table column of token `i` names a p-value (`P`,
/// `P value`, `p-value`).
fn header_names_p(t: &Tokens, i: usize) -> bool {
    t.header_cell(i)
        .is_some_and(|cell| cell.into_iter().any(|j| is_p_word(t, j)))
}

/// Finds the p-values printed bare in a table column headed `P value` (`<0.001`,
/// `0.03`), each checked against the estimate with its interval of its row.
fn find_in_columns(scan: &mut Scan) {
    for i in 0..scan.t.len() {
        let Some(value) = scan.free_num(i) else {
            continue;
        };
        let t = &scan.t;
        let (relation, sign, first) = match i.checked_sub(1) {
            Some(b) if t.is_sym(b, '<') || t.is_sym(b, '≤') => (Relation::Below, "<", b),
            Some(b) if t.is_sym(b, '>') || t.is_sym(b, '≥') => (Relation::Above, ">", b),
            _ => (Relation::Equal, "=", i),
        };
        if !(0.0..=1.0).contains(&value.value)
            || !t.alone_in_cell(first, i)
            || !header_names_p(t, i)
        {
            continue;
        }
        let mut figure = ScannedFigure::blank(FigureKind::PValue);
        figure.p = Some(format!("{sign}{}", value.text()));
        figure.value = Some(value.value);
        // A column of heterogeneity p-values ("P het", "P for heterogeneity") is checked
        // against the Q and df of its row, not against the row's estimate.
        let heterogeneity = t.header_names(i, &["phet", "pheterogeneity", "het", "heterogeneity"]);
        figure.verdict = if heterogeneity {
            figure.test = Some("heterogeneity".to_string());
            match super::heterogeneity::row_q(t, i) {
                Some((q, df)) => check(
                    relation,
                    value,
                    Beside::ChiSquare {
                        q,
                        df,
                        test: "heterogeneity",
                    },
                ),
                None => not_checkable("no Q with its df is printed in its row"),
            }
        } else {
            match scan.row_interval.get(&t.line_start(i)).copied().flatten() {
                Some(b) => check(relation, value, b),
                None => not_checkable("no single estimate with its interval is printed in its row"),
            }
        };
        scan.claim(first, i);
        scan.push(first, i, figure);
    }
}

/// Finds the p-values, and checks each against what stands beside it.
pub(crate) fn find(scan: &mut Scan) {
    find_in_columns(scan);
    for i in 0..scan.t.len() {
        if !is_p_word(&scan.t, i) || scan.claimed[i] {
            continue;
        }
        let Some(read) = read_at(&scan.t, i) else {
            continue;
        };
        let Some(value) = scan.free_num(read.number) else {
            continue;
        };
        let t = &scan.t;
        if is_threshold(t, i, read.number) {
            continue;
        }
        let z = z_before(t, i);
        let beside = scan.beside.get(&i).copied().or(z.map(Beside::Z));
        // A test of interaction, trend or heterogeneity printed after an interval is no
        // p-value of that interval.
        let beside = beside.filter(|b| {
            !(matches!(b, Beside::Interval { .. })
                && matches!(
                    read.test,
                    Some("interaction" | "trend" | "heterogeneity" | "subgroup differences")
                ))
        });
        let mut figure = ScannedFigure::blank(FigureKind::PValue);
        figure.p = Some(format!("{}{}", read.sign, value.text()));
        figure.value = Some(value.value);
        figure.test = read
            .test
            .or(match beside {
                Some(Beside::ChiSquare { test, .. }) => Some(test),
                Some(Beside::Z(_)) => Some("overall effect"),
                Some(Beside::MannWhitney { .. }) => Some("mann-whitney"),
                _ => None,
            })
            .or_else(|| test_before(t, i))
            .map(str::to_string);
        figure.z = z.map(|z| z.value);
        figure.verdict = match beside {
            _ if !(0.0..=1.0).contains(&value.value) => inconsistent(format!(
                "P = {}: a p-value lies between 0 and 1",
                value.text()
            )),
            Some(b) => check(read.relation, value, b),
            None => not_checkable(
                "no estimate with its interval, z or χ² statistic is printed beside it",
            ),
        };
        if let Some(z) = z {
            // The z of RevMan's footer against the Total row above it (within 8 lines),
            // each total taken by one footer.
            let line = t.line_of(i);
            let above = scan
                .totals
                .iter()
                .rposition(|&(k, _)| k < i && line - t.line_of(k) <= 8);
            if let Some(k) = above {
                let (_, total) = scan.totals.remove(k);
                scan.totals.drain(..k);
                if figure.verdict.kind != VerdictKind::Inconsistent {
                    if let Some(v) = z_against_total(z, total) {
                        if v.kind == VerdictKind::Inconsistent {
                            figure.verdict = v;
                        } else {
                            figure.verdict.reason =
                                format!("{}; {}", figure.verdict.reason, v.reason);
                        }
                    }
                }
            }
        }
        scan.claim(i, read.number);
        scan.push(i, read.number, figure);
    }
}

/// The two-sided normal p-values of a printed z over its rounding: 2(1 − Φ(|z|)) at the
/// far and the near end of `z ± ½` unit of its last digit.
fn z_p_range(z: Printed) -> (f64, f64) {
    let (zl, zh) = z.bounds();
    let (near, far) = if zl <= 0.0 && zh >= 0.0 {
        (0.0, zl.abs().max(zh.abs()))
    } else {
        (zl.abs().min(zh.abs()), zl.abs().max(zh.abs()))
    };
    (normal_two_sided_p(far), normal_two_sided_p(near))
}

/// The two-sided p-values an estimate with its confidence interval implies over their
/// rounding ([`check_ci`]), on its scale or, when none is named, on each.
fn interval_p_ranges(beside: Beside) -> Vec<(f64, f64)> {
    let Beside::Interval {
        estimate,
        lower,
        upper,
        scale,
        level,
    } = beside
    else {
        return Vec::new();
    };
    let scales: &[Scale] = match scale {
        Some(Scale::Ratio) => &[Scale::Ratio],
        Some(Scale::Difference) => &[Scale::Difference],
        None => &[Scale::Ratio, Scale::Difference],
    };
    scales
        .iter()
        .filter_map(|&s| check_ci(estimate, lower, upper, s, level).ok())
        .map(|implied| implied.p_range)
        .collect()
}

/// The check of RevMan's `Test for overall effect: Z = z` against the estimate with its
/// interval of the `Total` row above it: z = θ̂/SE, with SE from the interval's width
/// (SE = (upper − lower)/(2 z_{(1+level)/2}), on the log scale for ratios), so the
/// p-values the two imply over their rounding must overlap. `None` when the interval
/// implies none.
fn z_against_total(z: Printed, total: Beside) -> Option<super::Verdict> {
    let (zl, zh) = z_p_range(z);
    let ranges = interval_p_ranges(total);
    let range = *ranges.first()?;
    let Beside::Interval {
        estimate,
        lower,
        upper,
        ..
    } = total
    else {
        return None;
    };
    let total = format!(
        "the total {} above it (p between {} and {})",
        interval_text(estimate, lower, upper),
        fmt_p(range.0),
        fmt_p(range.1)
    );
    Some(if ranges.iter().any(|&(l, h)| l <= zh && zl <= h) {
        consistent(format!("and {total} agrees within rounding"))
    } else {
        inconsistent(format!(
            "Z = {} (p between {} and {}) and {total} disagree beyond rounding",
            z.text(),
            fmt_p(zl),
            fmt_p(zh)
        ))
    })
}

/// The check of a printed p-value against the statistic printed beside it.
fn check(relation: Relation, p: Printed, beside: Beside) -> super::Verdict {
    let printed = format!(
        "P {} {}",
        match relation {
            Relation::Equal => "=",
            Relation::Below => "<",
            Relation::Above => ">",
        },
        p.text()
    );
    let judge = |range: (f64, f64), what: String| {
        if p_consistent(relation, p, range) {
            consistent(format!(
                "{what} implies a two-sided p between {} and {} within rounding",
                fmt_p(range.0),
                fmt_p(range.1)
            ))
        } else {
            inconsistent(format!(
                "{what} implies a two-sided p between {} and {} within rounding, not {printed}",
                fmt_p(range.0),
                fmt_p(range.1)
            ))
        }
    };
    match beside {
        Beside::Interval {
            estimate,
            lower,
            upper,
            ..
        } => {
            let ranges = interval_p_ranges(beside);
            if let Some(&range) = ranges.iter().find(|&&r| p_consistent(relation, p, r)) {
                return judge(range, interval_text(estimate, lower, upper));
            }
            match ranges.first() {
                Some(&range) => judge(range, interval_text(estimate, lower, upper)),
                None => not_checkable("the interval beside it implies no p-value (limits that print equal, or a ratio printed as 0)"),
            }
        }
        Beside::Z(z) => judge(z_p_range(z), format!("Z = {}", z.text())),
        Beside::MannWhitney { estimate, total } => {
            // Arms taken as equal: the split of the total is not printed.
            let (n1, n2) = (total / 2, total - total / 2);
            if n1 == 0 {
                return not_checkable("the total of the two arms is below 2");
            }
            let se = mann_whitney_null_se(n1 as f64, n2 as f64);
            let (el, eh) = estimate.bounds();
            let (dl, dh) = (el - 0.5, eh - 0.5);
            let far = dl.abs().max(dh.abs()) / se;
            let near = if dl <= 0.0 && dh >= 0.0 {
                0.0
            } else {
                dl.abs().min(dh.abs()) / se
            };
            let range = (normal_two_sided_p(far), normal_two_sided_p(near));
            judge(
                range,
                format!(
                    "the Mann-Whitney effect {} with arms of {n1} and {n2} (the split of {total} \
                     is not printed: taken as equal; null SE {:.4})",
                    estimate.text(),
                    se
                ),
            )
        }
        Beside::ChiSquare { q, df, .. } => {
            if df.decimals > 0 || df.value < 1.0 {
                return not_checkable("the degrees of freedom are no whole number of at least 1");
            }
            let (ql, qh) = q.bounds();
            let range = (chisq_sf(qh, df.value), chisq_sf(ql.max(0.0), df.value));
            let what = format!("Chi² = {} with df = {}", q.text(), df.text());
            if p_consistent(relation, p, range) {
                consistent(format!(
                    "{what} has an upper-tail p between {} and {} within rounding",
                    fmt_p(range.0),
                    fmt_p(range.1)
                ))
            } else {
                inconsistent(format!(
                    "{what} has an upper-tail p between {} and {} within rounding, not {printed}",
                    fmt_p(range.0),
                    fmt_p(range.1)
                ))
            }
        }
    }
}

/// An estimate and interval for a message.
fn interval_text(estimate: Printed, lower: Printed, upper: Printed) -> String {
    format!("{} ({} to {})", estimate.text(), lower.text(), upper.text())
}

/// A p-value for a message: two significant digits.
pub(crate) fn fmt_p(p: f64) -> String {
    if p >= 0.001 {
        let decimals = (1 - p.log10().floor() as i32).max(0) as usize;
        format!("{p:.decimals$}")
    } else {
        format!("{p:.1e}")
    }
}

#[cfg(test)]
mod tests {
    use super::super::{scan_text, FigureKind};
    use crate::audit::VerdictKind;

    fn ps(text: &str) -> Vec<(String, Option<String>, VerdictKind)> {
        scan_text(text)
            .into_iter()
            .filter(|f| f.kind == FigureKind::PValue)
            .map(|f| (f.p.unwrap_or_default(), f.test, f.verdict.kind))
            .collect()
    }

    #[test]
    fn the_forms_of_the_issue() {
        for (text, p) in [
            ("P < 0.0001", "<0.0001"),
            ("p=.03", "=0.03"),
            ("P for interaction = 0.04", "=0.04"),
            ("(P = 0.002)", "=0.002"),
            ("p = 0·01", "=0.01"),
            ("P<.001", "<0.001"),
            ("a P value of 0.03", "=0.03"),
            ("P-value = 0.20", "=0.20"),
            ("P ≤ 0.05", "<0.05"),
        ] {
            let found = ps(text);
            assert_eq!(found.len(), 1, "{text}: {found:?}");
            assert_eq!(found[0].0, p, "{text}");
        }
        assert_eq!(
            ps("P for interaction = 0.04")[0].1.as_deref(),
            Some("interaction")
        );
    }

    #[test]
    fn checked_against_what_stands_beside() {
        let found = ps("HR 0.75; 95% CI, 0.60-0.90; P = .005");
        assert_eq!(found[0].2, VerdictKind::Consistent, "{found:?}");
        let found = ps("RR 0.80 (0.70 to 0.91), P = 0.40");
        assert_eq!(found[0].2, VerdictKind::Inconsistent, "{found:?}");
        let found = ps("Test for overall effect: Z = 2.10 (P = 0.04)");
        assert_eq!(found[0].2, VerdictKind::Consistent, "{found:?}");
        let found = ps("Test for overall effect: Z = 2.10 (P = 0.40)");
        assert_eq!(found[0].2, VerdictKind::Inconsistent, "{found:?}");
    }

    #[test]
    fn revman_z_is_checked_against_the_total_above_it() {
        // ln(0.59) / ((ln 0.90 − ln 0.39) / 3.92) = 2.46.
        let row = "Risk Ratio M-H, Fixed, 95% CI\nTotal (95% CI)\t100.0%\t0.59 [0.39, 0.90]\n\
                   Heterogeneity: Chi² = 0.00, df = 1 (P = 0.97); I² = 0%\n";
        let text = format!("{row}Test for overall effect: Z = 2.46 (P = 0.01)");
        let found = ps(&text);
        assert_eq!(
            found.last().unwrap().2,
            VerdictKind::Consistent,
            "{found:?}"
        );
        // A z and p that agree with each other but not with the total.
        let text = format!("{row}Test for overall effect: Z = 1.46 (P = 0.14)");
        let found = ps(&text);
        assert_eq!(
            found.last().unwrap().2,
            VerdictKind::Inconsistent,
            "{found:?}"
        );
        // Each total is the total of one footer: a second footer has none.
        let text = format!(
            "{row}Test for overall effect: Z = 2.46 (P = 0.01)\n\
             Test for overall effect: Z = 1.46 (P = 0.14)"
        );
        let found = ps(&text);
        assert_eq!(
            found.last().unwrap().2,
            VerdictKind::Consistent,
            "{found:?}"
        );
    }
}
