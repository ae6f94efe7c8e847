//! Heterogeneity statements: I² (`I² = 59%`, `I2=0%`, `I^2 = 30%`, with its own interval
//! where printed: `I² = 45% (95% CI 0% to 78%)`), Cochran's Q or Chi² (`Chi² = 12.30`,
//! `Q = 4.0`, `χ²(4) = 20.0`), its degrees of freedom (`df = 5`, `4 df`) and τ²
//! (`Tau² = 0.04`, `τ2 = 0.01`), read together while they follow one another in a
//! statement (RevMan's `Heterogeneity: Tau² = 0.04; Chi² = 12.30, df = 5 (P = 0.03);
//! I² = 59%`). A statement with I² is an [`FigureKind::I2`] figure, one without an
//! [`FigureKind::Heterogeneity`] figure; its p-value is a figure of its own
//! ([`super::p_value`]), checked against Q and df.
//!
//! # Checks
//! I² = max(0, (Q − df)/Q) × 100 (Higgins & Thompson, Stat Med 2002;21:1539–58) over
//! Q's rounding, against the printed I²'s rounding; I² within [0, 100] and within its
//! own interval; τ² not negative.

use super::estimate::fmt;
use super::text::Tokens;
use super::{consistent, inconsistent, not_checkable, Beside, FigureKind, Scan, ScannedFigure};
use crate::printed::Printed;

/// A field of a statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    I2,
    Q,
    Df,
    Tau2,
}

/// The field named at token `i` and the token after its name.
fn field_at(t: &Tokens, i: usize) -> Option<(Field, usize)> {
    // Every name starts with i, c, q, d, t, τ or χ (τ and χ: the byte 0xCF in UTF-8).
    let first = t.slice(i).as_bytes().first()?.to_ascii_lowercase();
    if !matches!(first, b'i' | b'c' | b'q' | b'd' | b't' | 0xCF) || !t.is_word(i) {
        return None;
    }
    let w = t.lower(i);
    let squared = |j: usize| t.is_dash(j) && t.word_in(j + 1, &["squared", "square"]);
    let field = match &*w {
        "i²" | "i2" | "i^2" => (Field::I2, i + 1),
        "i" if squared(i + 1) => (Field::I2, i + 3),
        "chi²" | "chi2" | "chi^2" | "χ²" | "χ2" | "χ^2" => (Field::Q, i + 1),
        "chi" if squared(i + 1) => (Field::Q, i + 3),
        "q" if t.is_sym(i + 1, '=')
            || t.is_sym(i + 1, ':')
            || (t.is_sym(i + 1, '(') && t.num(i + 2).is_some() && t.is_sym(i + 3, ')'))
            || t.word_in(i + 1, &["statistic", "value", "test"]) =>
        {
            (Field::Q, i + 1)
        }
        "cochran's" | "cochran’s" if t.word_in(i + 1, &["q"]) => (Field::Q, i + 2),
        "df" => (Field::Df, i + 1),
        "d" if t.is_sym(i + 1, '.') && t.word_in(i + 2, &["f"]) => {
            (Field::Df, if t.is_sym(i + 3, '.') { i + 4 } else { i + 3 })
        }
        "degrees" if t.word_in(i + 1, &["of"]) && t.word_in(i + 2, &["freedom"]) => {
            (Field::Df, i + 3)
        }
        "tau²" | "tau2" | "tau^2" | "τ²" | "τ2" | "τ^2" | "t²" => (Field::Tau2, i + 1),
        "tau" if squared(i + 1) => (Field::Tau2, i + 3),
        _ => return None,
    };
    Some(field)
}

/// The value of a field whose name ends before token `j`: `= 59%`, `: 12.3`, `of 45%`,
/// `was 0.04`, `statistic 12.3`, `(4) = 20.0` (χ² with its df). Returns the value's
/// token, a df printed in brackets, and the token after the value.
fn value_after(t: &Tokens, mut j: usize) -> Option<(usize, Option<usize>, usize)> {
    let mut df = None;
    if t.is_sym(j, '(') && t.num(j + 1).is_some() && t.is_sym(j + 2, ')') {
        df = Some(j + 1);
        j += 3;
    }
    for _ in 0..3 {
        if t.is_sym(j, '=')
            || t.is_sym(j, ':')
            || t.is_sym(j, '<')
            || t.is_sym(j, '≈')
            || t.word_in(
                j,
                &["of", "was", "is", "statistic", "value", "test", "about"],
            )
        {
            j += 1;
        } else {
            break;
        }
    }
    t.num(j)?;
    let next = if t.is_sym(j + 1, '%') { j + 2 } else { j + 1 };
    Some((j, df, next))
}

/// A statement read: each field's value token, the tokens it spans, the I² interval.
#[derive(Default)]
struct Statement {
    i2: Option<usize>,
    i2_interval: Option<(usize, usize)>,
    q: Option<usize>,
    df: Option<usize>,
    tau2: Option<usize>,
    first: usize,
    last: usize,
    /// The `P` of the p-value that follows Q, if any.
    p_of_q: Option<usize>,
    /// The limits of intervals of other fields (τ²).
    other_intervals: Vec<(usize, usize)>,
}

/// An interval right after a field's value: `(95% CI 0% to 78%)`, `(0–78%)`.
fn interval_after_value(t: &Tokens, j: usize) -> Option<(usize, usize, usize)> {
    if !t.is_sym(j, '(') && !t.is_sym(j, '[') {
        return None;
    }
    let mut k = j + 1;
    if t.num(k).is_some() && t.is_sym(k + 1, '%') && t.word_in(k + 2, &["ci", "ui"]) {
        k += 3;
    } else if t.word_in(k, &["ci"]) {
        k += 1;
    }
    while t.is_sym(k, ':') || t.is_sym(k, ',') {
        k += 1;
    }
    t.num(k)?;
    let mut m = k + 1;
    if t.is_sym(m, '%') {
        m += 1;
    }
    if !(t.word_in(m, &["to"]) || t.is_dash(m) || t.is_sym(m, ',') || t.is_sym(m, ';')) {
        return None;
    }
    let hi = m + 1;
    t.num(hi)?;
    let mut last = hi;
    if t.is_sym(last + 1, '%') {
        last += 1;
    }
    if t.is_sym(last + 1, ')') || t.is_sym(last + 1, ']') {
        last += 1;
    }
    Some((k, hi, last))
}

/// Reads the statement whose first field is named at token `start`.
fn read_statement(scan: &Scan, start: usize) -> Option<Statement> {
    let t = &scan.t;
    let mut s = Statement {
        first: start,
        last: start,
        ..Statement::default()
    };
    let mut j = start;
    let mut gap = 0;
    while j < t.len() && gap < 8 {
        // A sentence ends a statement, and so does a line end after its I².
        if t.is_barrier(j)
            || t.is_sym(j, '.')
            || (s.i2.is_some() && j > start && t.toks[j].after_line_end)
        {
            break;
        }
        if super::p_value::is_p_word(t, j) && s.q.is_some() && s.p_of_q.is_none() {
            s.p_of_q = Some(j);
        }
        // "5 df", "(4 df)".
        if let Some(n) = t.num(j) {
            let degrees = t.word_in(j + 1, &["degrees"])
                && t.word_in(j + 2, &["of"])
                && t.word_in(j + 3, &["freedom"]);
            if s.df.is_none() && (t.word_in(j + 1, &["df"]) || degrees) {
                s.df = Some(j);
                let after = if degrees { j + 4 } else { j + 2 };
                s.last = after - 1;
                j = after;
                gap = 0;
                continue;
            }
            let _ = n;
        }
        let Some((field, after)) = field_at(t, j) else {
            j += 1;
            gap += 1;
            continue;
        };
        let Some((value, df, next)) = value_after(t, after) else {
            j += 1;
            gap += 1;
            continue;
        };
        if scan.claimed[value] {
            break;
        }
        let slot = match field {
            Field::I2 => &mut s.i2,
            Field::Q => &mut s.q,
            Field::Df => &mut s.df,
            Field::Tau2 => &mut s.tau2,
        };
        if slot.is_some() {
            break;
        }
        *slot = Some(value);
        if field == Field::Q && df.is_some() && s.df.is_none() {
            s.df = df;
        }
        s.last = next - 1;
        j = next;
        // An interval of I² or of τ²: "I² = 45% (95% CI 0% to 78%)", "τ² = 0.021
        // (95% CI 0.004 to 0.112)".
        if let Some((lo, hi, last)) = interval_after_value(t, j) {
            match field {
                Field::I2 => s.i2_interval = Some((lo, hi)),
                _ => s.other_intervals.push((lo, hi)),
            }
            s.last = last;
            j = last + 1;
        }
        gap = 0;
    }
    (s.i2.is_some() || s.q.is_some() || s.tau2.is_some()).then_some(s)
}

/// True when a test for subgroup differences is named before token `i` in its line.
fn names_subgroups(t: &Tokens, i: usize) -> bool {
    let mut j = i;
    for _ in 0..8 {
        let Some(k) = j.checked_sub(1) else {
            return false;
        };
        j = k;
        if t.is_barrier(j) || t.get(j + 1).is_some_and(|x| x.after_line_end) {
            return false;
        }
        if t.word_in(j, &["subgroup", "subgroups", "interaction"]) {
            return true;
        }
    }
    false
}

/// Finds the heterogeneity statements.
pub(crate) fn find(scan: &mut Scan) {
    let mut i = 0;
    while i < scan.t.len() {
        if field_at(&scan.t, i).is_none_or(|(f, _)| f == Field::Df) {
            i += 1;
            continue;
        }
        let Some(s) = read_statement(scan, i) else {
            i += 1;
            continue;
        };
        let t = &scan.t;
        let num = |k: Option<usize>| k.and_then(|k| t.num(k));
        let (i2, q, df, tau2) = (num(s.i2), num(s.q), num(s.df), num(s.tau2));
        let kind = if i2.is_some() {
            FigureKind::I2
        } else {
            FigureKind::Heterogeneity
        };
        let mut figure = ScannedFigure::blank(kind);
        figure.i2 = i2.map(|p| p.value);
        figure.q = q.map(|p| p.value);
        figure.df = df.map(|p| p.value);
        figure.tau2 = tau2.map(|p| p.value);
        let interval = s
            .i2_interval
            .and_then(|(lo, hi)| Some((t.num(lo)?, t.num(hi)?)));
        if let Some((lo, hi)) = interval {
            figure.lower = Some(lo.value);
            figure.upper = Some(hi.value);
            figure.level = Some(95.0);
        }
        let subgroups = names_subgroups(t, s.first);
        if subgroups {
            figure.test = Some("subgroup differences".to_string());
        }
        figure.verdict = check(i2, q, df, tau2, interval);
        if let (Some(p), Some(q), Some(df)) = (s.p_of_q, q, df) {
            scan.beside.insert(
                p,
                Beside::ChiSquare {
                    q,
                    df,
                    test: if subgroups {
                        "subgroup differences"
                    } else {
                        "heterogeneity"
                    },
                },
            );
        }
        for k in [s.i2, s.q, s.df, s.tau2].into_iter().flatten() {
            scan.claim(k, k);
        }
        for (lo, hi) in s
            .i2_interval
            .into_iter()
            .chain(s.other_intervals.iter().copied())
        {
            scan.claim(lo, hi);
        }
        scan.push(s.first, s.last, figure);
        i = s.last + 1;
    }
}

/// Q and its degrees of freedom printed in the table row of token `i`, in a column
/// whose header names Q or χ² (`Q (df)` holding `31.4 (13)`, or `Q` beside a `df`
/// column): what an I² or a heterogeneity p-value of the same row is checked against.
pub(crate) fn row_q(t: &Tokens, i: usize) -> Option<(Printed, Printed)> {
    let names = |j: usize, words: &[&str]| t.header_names(j, words);
    const Q: &[&str] = &["q", "chi²", "chi2", "χ²", "chi-squared", "cochran's"];
    let row = t.line_tokens(i);
    let q_at = row.clone().find(|&j| t.num(j).is_some() && names(j, Q))?;
    let q = t.num(q_at)?;
    // "31.4 (13)" in one cell.
    if t.is_sym(q_at + 1, '(') && t.is_sym(q_at + 3, ')') && t.alone_in_cell(q_at, q_at + 3) {
        return Some((q, t.num(q_at + 2)?));
    }
    // "χ² = 10.0, df = 4" in one cell.
    if t.is_sym(q_at + 1, ',')
        && t.word_in(q_at + 2, &["df", "d.f."])
        && (t.is_sym(q_at + 3, '=') || t.is_sym(q_at + 3, ':'))
    {
        return Some((q, t.num(q_at + 4)?));
    }
    if !t.alone_in_cell(q_at, q_at) {
        return None;
    }
    let df_at = row.into_iter().find(|&j| {
        t.num(j).is_some() && t.alone_in_cell(j, j) && names(j, &["df", "d.f."]) && !names(j, Q)
    })?;
    Some((q, t.num(df_at)?))
}

/// The check of an I² printed in a table cell, against the Q and df of its row
/// ([`row_q`]) where they are printed.
pub(crate) fn check_i2_cell(
    t: &Tokens,
    i: usize,
    i2: Printed,
    interval: Option<(Printed, Printed)>,
) -> super::Verdict {
    match row_q(t, i) {
        Some((q, df)) => check(Some(i2), Some(q), Some(df), None, interval),
        None => check(Some(i2), None, None, None, interval),
    }
}

/// I²'s own interval printed in brackets after its `%` at token `after` (`60% (10% to
/// 80%)`, `60% (10–80)`): its limits and the token of the closing bracket.
pub(crate) fn i2_interval_at(t: &Tokens, after: usize) -> Option<(Printed, Printed, usize)> {
    if !(t.is_sym(after, '(') || t.is_sym(after, '[')) {
        return None;
    }
    let lower = t.num(after + 1)?;
    let mut j = after + 2;
    if t.is_sym(j, '%') {
        j += 1;
    }
    if !(t.word_in(j, &["to"]) || t.is_dash(j) || t.is_sym(j, ',')) {
        return None;
    }
    let upper = t.num(j + 1)?;
    j += 2;
    if t.is_sym(j, '%') {
        j += 1;
    }
    (t.is_sym(j, ')') || t.is_sym(j, ']')).then_some((lower, upper, j))
}

/// The checks of a heterogeneity statement; see the module documentation.
fn check(
    i2: Option<Printed>,
    q: Option<Printed>,
    df: Option<Printed>,
    tau2: Option<Printed>,
    interval: Option<(Printed, Printed)>,
) -> super::Verdict {
    if let Some(tau2) = tau2 {
        if tau2.value < 0.0 {
            return inconsistent(format!("τ² = {} is negative", tau2.text()));
        }
    }
    let Some(i2) = i2 else {
        return not_checkable(
            "no I² is printed for Q and df to imply; Q's p-value is checked as a p-value",
        );
    };
    let (il, ih) = i2.bounds();
    if ih < 0.0 || il > 100.0 {
        return inconsistent(format!("I² = {}% is outside 0% to 100%", i2.text()));
    }
    if let Some((lo, hi)) = interval {
        if ih < lo.bounds().0 || il > hi.bounds().1 {
            return inconsistent(format!(
                "I² = {}% lies outside its interval ({}% to {}%)",
                i2.text(),
                lo.text(),
                hi.text()
            ));
        }
    }
    let (Some(q), Some(df)) = (q, df) else {
        return not_checkable(if interval.is_some() {
            "Q and df are not printed (I² lies within its interval)"
        } else {
            "Q and df are not printed"
        });
    };
    if df.decimals > 0 || df.value < 1.0 {
        return not_checkable("the degrees of freedom are no whole number of at least 1");
    }
    let (ql, qh) = q.bounds();
    let implied = |q: f64| {
        if q <= 0.0 {
            0.0
        } else {
            ((q - df.value) / q).max(0.0) * 100.0
        }
    };
    let range = (implied(ql.max(0.0)), implied(qh));
    let what = format!("Q = {} with df = {}", q.text(), df.text());
    if range.0 <= ih && il <= range.1 {
        consistent(format!(
            "{what} gives I² = max(0, (Q − df)/Q) between {}% and {}% within rounding",
            fmt(range.0),
            fmt(range.1)
        ))
    } else {
        inconsistent(format!(
            "{what} gives I² = max(0, (Q − df)/Q) between {}% and {}% within rounding, not {}%",
            fmt(range.0),
            fmt(range.1),
            i2.text()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::super::{scan_text, FigureKind};
    use crate::audit::VerdictKind;

    #[test]
    fn a_table_row_reads_chi2_with_its_df_and_an_i2_with_its_interval() {
        // (10 − 4)/10 = 60%, inside (10% to 80%); χ²(4) at 10.0 gives P = 0.04.
        let found = scan_text(
            "Outcome\tQ\tP het\tI²\n\
             Pain\tχ² = 10.0, df = 4\t0.04\t60% (10% to 80%)",
        );
        let i2: Vec<_> = found.iter().filter(|f| f.kind == FigureKind::I2).collect();
        assert_eq!(i2.len(), 1, "{found:?}");
        assert_eq!(
            (i2[0].i2, i2[0].lower, i2[0].upper),
            (Some(60.0), Some(10.0), Some(80.0))
        );
        assert_eq!(i2[0].verdict.kind, VerdictKind::Consistent, "{:?}", i2[0]);
        assert!(
            found.iter().all(|f| f.kind != FigureKind::EstimateCi),
            "{found:?}"
        );
        let p = found
            .iter()
            .find(|f| f.kind == FigureKind::PValue)
            .expect("P het");
        assert_eq!(p.verdict.kind, VerdictKind::Consistent, "{p:?}");
    }

    #[test]
    fn a_table_row_checks_its_i2_and_heterogeneity_p_against_its_q() {
        // χ²(13) upper tail at 31.4 is 0.003; (31.4 − 13)/31.4 = 59%. The second row's
        // I² should be (12.1 − 9)/12.1 = 26%, and χ²(9) at 12.1 gives 0.21, not 0.021.
        let found = scan_text(
            "Outcome\tEstimate (95% CI)\tQ (df)\tP het\tI²\n             Weight\t−1.60 (−2.21 to −0.99)\t31.4 (13)\t0.003\t59%\n             Fat\t−0.92 (−1.37 to −0.47)\t12.1 (9)\t0.021\t64%",
        );
        let verdicts: Vec<_> = found
            .iter()
            .filter(|f| matches!(f.kind, FigureKind::I2 | FigureKind::PValue))
            .map(|f| (f.kind, f.verdict.kind))
            .collect();
        use FigureKind::{PValue, I2};
        use VerdictKind::{Consistent, Inconsistent};
        assert_eq!(
            verdicts,
            [
                (PValue, Consistent),
                (I2, Consistent),
                (PValue, Inconsistent),
                (I2, Inconsistent)
            ],
            "{found:?}"
        );
    }

    #[test]
    fn revman_footer() {
        let found = scan_text(
            "Heterogeneity: Tau² = 0.04; Chi² = 12.30, df = 5 (P = 0.03); I² = 59%\n\
             Test for overall effect: Z = 2.10 (P = 0.04)",
        );
        let i2 = found.iter().find(|f| f.kind == FigureKind::I2).expect("I²");
        assert_eq!(
            (i2.i2, i2.q, i2.df, i2.tau2),
            (Some(59.0), Some(12.3), Some(5.0), Some(0.04))
        );
        assert_eq!(i2.verdict.kind, VerdictKind::Consistent, "{:?}", i2.verdict);
        let p: Vec<_> = found
            .iter()
            .filter(|f| f.kind == FigureKind::PValue)
            .collect();
        assert_eq!(p.len(), 2, "{found:?}");
        assert_eq!(p[0].test.as_deref(), Some("heterogeneity"));
        assert_eq!(
            p[0].verdict.kind,
            VerdictKind::Consistent,
            "{:?}",
            p[0].verdict
        );
        assert_eq!(
            p[1].verdict.kind,
            VerdictKind::Consistent,
            "{:?}",
            p[1].verdict
        );
    }

    #[test]
    fn inconsistent_on_purpose() {
        let found = scan_text("Chi² = 4.00, df = 4 (P = 0.41); I² = 60%");
        let i2 = found.iter().find(|f| f.kind == FigureKind::I2).expect("I²");
        assert_eq!(i2.verdict.kind, VerdictKind::Inconsistent);
        let found = scan_text("Chi² = 20.00, df = 4 (P = 0.40)");
        let p = found
            .iter()
            .find(|f| f.kind == FigureKind::PValue)
            .expect("p");
        assert_eq!(p.verdict.kind, VerdictKind::Inconsistent, "{:?}", p.verdict);
        let found = scan_text("I² = 45% (95% CI 0% to 78%)");
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].lower, Some(0.0));
    }
}
