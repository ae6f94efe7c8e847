//! Effect estimates: with their interval (`RR 0.96 (95% CI 0.65 to 1.41)`,
//! `OR = 2.1, 95% CI: 1.2–3.4`, `0.90 [0.61, 1.32]`, `HR 0.75; 95% CI, 0.60-0.90`,
//! `MD −1.20 (−2.30, −0.10)`, `0.75, with a 95% CI from 0.6 to 0.9`), and without one
//! (`risk ratio about 0.96`, `a mean improvement of 2.8 points`).
//!
//! An interval is a pair of numbers after the estimate, joined by `to`, a dash, a comma
//! or a semicolon: in brackets directly after it, or after a label (`95% CI`, `95%CI`,
//! `95 % CI`, `CI 95%`, `90% confidence interval`, `95% PI`, `prediction interval`,
//! `95% CrI`); or, after an estimate its measure names directly, a comma and limits
//! joined by `to` or a dash with a bracket's end, `;` or `.` after them
//! (`(risk ratio 0.67, 0.52 to 0.86; P = 0.002)`). The measure is named before the
//! estimate (`RR`, `risk ratio`, `HR`, `Hedges' g`, `SMD`, ...), or earlier in its line,
//! or in the header of its table.
//!
//! Not intervals: a bracket after the estimate that names a spread (`IQR`, `range`,
//! `SD`), numbers followed by a unit of time, age or dose (`65 (60–69) years`), and
//! whole numbers in brackets with neither a measure nor a label (`2019 (2018–2020)`).
//!
//! # Checks
//! At the printed precision ([`crate::printed::Printed::bounds`]): the estimate lies
//! within its interval; the interval is symmetric about it on the log scale for a ratio
//! measure and on the natural scale for a difference (a Wald interval is; with no
//! measure named, either scale will do); a ratio is above 0. A credible interval, and an
//! absolute risk per 1000 of a summary of findings (`2 per 1000 (0 to 11)`: a baseline
//! risk times a relative effect, rounded to whole numbers), are only asked to hold their
//! estimate.

use super::text::Tokens;
use super::{consistent, inconsistent, not_checkable, Beside, FigureKind, Scan, ScannedFigure};
use crate::printed::{symmetry, Printed, Scale};

/// A measure's name as printed, and what it stands for.
struct MeasureName {
    /// Its words, lower case.
    words: &'static [&'static str],
    /// The measure reported.
    name: &'static str,
    /// Its scale.
    scale: Scale,
    /// A single letter (`g`, `d`) is a measure only before `=` or `:`.
    needs_sign: bool,
}

const fn m(words: &'static [&'static str], name: &'static str, scale: Scale) -> MeasureName {
    MeasureName {
        words,
        name,
        scale,
        needs_sign: false,
    }
}

const R: Scale = Scale::Ratio;
const D: Scale = Scale::Difference;

/// The names measures are printed under, longest first where one ends another.
const MEASURES: &[MeasureName] = &[
    m(&["incidence", "rate", "ratio"], "IRR", R),
    m(&["rate", "ratio"], "rate ratio", R),
    m(&["risk", "ratio"], "RR", R),
    m(&["relative", "risk"], "RR", R),
    m(&["odds", "ratio"], "OR", R),
    m(&["peto", "odds", "ratio"], "Peto OR", R),
    m(&["peto", "or"], "Peto OR", R),
    m(&["hazard", "ratio"], "HR", R),
    m(&["ratio", "of", "means"], "ROM", R),
    m(&["rr"], "RR", R),
    m(&["or"], "OR", R),
    m(&["hr"], "HR", R),
    m(&["irr"], "IRR", R),
    m(&["aor"], "OR", R),
    m(&["ahr"], "HR", R),
    m(&["arr"], "RR", R),
    m(&["rrr"], "RR", R),
    m(&["sir"], "SIR", R),
    m(&["ratio"], "ratio", R),
    m(&["risk", "difference"], "RD", D),
    m(&["rd"], "RD", D),
    m(&["standardised", "mean", "difference"], "SMD", D),
    m(&["standardized", "mean", "difference"], "SMD", D),
    m(&["weighted", "mean", "difference"], "WMD", D),
    m(&["mean", "difference"], "MD", D),
    m(&["md"], "MD", D),
    m(&["wmd"], "WMD", D),
    m(&["smd"], "SMD", D),
    m(&["hedges'", "g"], "Hedges' g", D),
    m(&["hedges’", "g"], "Hedges' g", D),
    m(&["hedges", "g"], "Hedges' g", D),
    m(&["cohen's", "d"], "Cohen's d", D),
    m(&["cohen’s", "d"], "Cohen's d", D),
    m(&["effect", "size"], "effect size", D),
    m(&["difference"], "difference", D),
    MeasureName {
        words: &["g"],
        name: "Hedges' g",
        scale: D,
        needs_sign: true,
    },
    MeasureName {
        words: &["d"],
        name: "Cohen's d",
        scale: D,
        needs_sign: true,
    },
];

/// True when `name` (a measure as [`ScannedFigure::measure`] names it) is a ratio,
/// analysed on the log scale.
pub fn names_ratio(name: &str) -> bool {
    MEASURES
        .iter()
        .any(|m| m.name == name && m.scale == Scale::Ratio)
}

/// Words that may stand between a measure's name and its estimate.
const BETWEEN_NAME_AND_ESTIMATE: &[&str] = &[
    "of",
    "was",
    "were",
    "is",
    "about",
    "approximately",
    "around",
    "roughly",
    "nearly",
    "estimated",
    "at",
    "pooled",
    "overall",
    "summary",
    "adjusted",
    "combined",
    "random-effects",
    "fixed-effect",
];

/// A measure named at tokens `first..=last`.
pub(crate) struct Named {
    pub first: usize,
    pub name: &'static str,
    pub scale: Scale,
}

/// True for a measure's abbreviation (`rr`, `or`, `smd`, ...; not the single letters `g`
/// and `d`, which need an `=`).
fn is_abbreviation(word: &str) -> bool {
    matches!(
        word,
        "rr" | "or"
            | "hr"
            | "irr"
            | "aor"
            | "ahr"
            | "arr"
            | "rrr"
            | "sir"
            | "rd"
            | "md"
            | "wmd"
            | "smd"
    )
}

/// The measure whose name ends at token `end` (inclusive), if one does.
fn name_ending_at(t: &Tokens, end: usize, signed: bool) -> Option<Named> {
    // Most words end no measure's name: one look at the word first.
    const LAST_WORDS: &[&str] = &[
        "ratio",
        "risk",
        "difference",
        "size",
        "means",
        "g",
        "d",
        "or",
        "rr",
        "hr",
        "irr",
        "aor",
        "ahr",
        "arr",
        "rrr",
        "sir",
        "rd",
        "md",
        "wmd",
        "smd",
    ];
    if !t.word_in(end, LAST_WORDS) {
        return None;
    }
    MEASURES.iter().find_map(|mn| {
        if mn.needs_sign && !signed {
            return None;
        }
        let n = mn.words.len();
        let first = end.checked_sub(n - 1)?;
        // The words, each a word token of the text; "Hedges' g" may also come as
        // "Hedges" "'" "g" (an apostrophe read as a sign).
        // The last word first: most numbers follow no measure's name.
        let all = (0..n).rev().all(|k| {
            let word = mn.words[k];
            if is_abbreviation(word) {
                // "OR" is the odds ratio, "or" a conjunction: abbreviations are matched
                // as printed, upper case (an adjusted "aOR" too).
                let printed = t.slice(first + k);
                t.is_word(first + k)
                    && (printed == word.to_ascii_uppercase()
                        || (printed.len() > 1
                            && printed.starts_with('a')
                            && printed[1..] == word[1..].to_ascii_uppercase()))
            } else {
                t.word_in(first + k, &[word])
            }
        });
        // A name that is the tail of a longer word run ("the ratio of means" is matched
        // whole; "odds ratio" must not be read as "ratio" alone: the longer names come
        // first in the table).
        all.then_some(Named {
            first,
            name: mn.name,
            scale: mn.scale,
        })
    })
}

/// The measure named directly before the number at token `i`, with only signs (`=`,
/// `:`, `(`) and a few words (`of`, `was`, `about`) between.
pub(crate) fn measure_before(t: &Tokens, i: usize) -> Option<Named> {
    let mut j = i;
    let mut signed = false;
    for _ in 0..4 {
        j = j.checked_sub(1)?;
        if t.is_sym(j, '=') || t.is_sym(j, ':') {
            signed = true;
            continue;
        }
        if t.word_in(j, BETWEEN_NAME_AND_ESTIMATE) {
            continue;
        }
        if t.is_sym(j, '(') || t.is_sym(j, ',') {
            continue;
        }
        return name_ending_at(t, j, signed);
    }
    None
}

/// The measure named earlier in the line of token `i`, or, in a table row, in a line
/// above it in the same table (its header): the nearest name.
pub(crate) fn measure_in_context(t: &Tokens, i: usize) -> Option<Named> {
    if let Some(cell) = t.header_cell(i) {
        if let Some(named) = cell.rev().find_map(|j| name_ending_at(t, j, false)) {
            return Some(named);
        }
    }
    let in_table = t.in_table_row(i);
    let mut j = i;
    let mut steps = 0;
    while j > 0 && steps < 400 {
        j -= 1;
        steps += 1;
        let tok = t.get(j)?;
        if matches!(tok.tok, super::text::Tok::Para) {
            return None;
        }
        if t.is_word(j) {
            if let Some(named) = name_ending_at(t, j, false) {
                return Some(named);
            }
        }
        if t.get(j + 1).is_some_and(|n| n.after_line_end) && !in_table {
            return None;
        }
        if steps > 80 && !in_table {
            return None;
        }
    }
    None
}

/// What an interval is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum IntervalKind {
    Confidence,
    Prediction,
    Credible,
}

impl IntervalKind {
    fn name(self) -> &'static str {
        match self {
            IntervalKind::Confidence => "confidence",
            IntervalKind::Prediction => "prediction",
            IntervalKind::Credible => "credible",
        }
    }
}

/// An interval's label: its level (a percentage) when printed, its kind, and the token
/// after it.
struct Label {
    level: Option<Printed>,
    kind: IntervalKind,
    next: usize,
}

/// The interval's name at token `i`: `CI`, `confidence interval`, `PI`, `CrI`, ... and
/// the token after it.
fn interval_name(t: &Tokens, i: usize) -> Option<(IntervalKind, usize)> {
    let w = t.lower(i);
    let two = |second: &[&str]| t.word_in(i + 1, second);
    match &*w {
        "ci" | "cis" | "ci95" => Some((IntervalKind::Confidence, i + 1)),
        "confidence" | "compatibility" if two(&["interval", "intervals", "limits", "limit"]) => {
            Some((IntervalKind::Confidence, i + 2))
        }
        "pi" | "pis" => Some((IntervalKind::Prediction, i + 1)),
        "prediction" | "predictive" if two(&["interval", "intervals"]) => {
            Some((IntervalKind::Prediction, i + 2))
        }
        "cri" | "crl" => Some((IntervalKind::Credible, i + 1)),
        "credible" | "credibility" | "uncertainty" if two(&["interval", "intervals"]) => {
            Some((IntervalKind::Credible, i + 2))
        }
        "ui" => Some((IntervalKind::Credible, i + 1)),
        _ => None,
    }
}

/// True when token `i` is the number of an interval's level: `95` in `95% CI`, `CI 95%`,
/// `95 % confidence interval`.
pub(crate) fn is_level(t: &Tokens, i: usize) -> bool {
    // "150% CI": a level out of range is still no figure (the interval is not read).
    if t.num(i).is_some() && t.is_sym(i + 1, '%') && interval_name(t, i + 2).is_some() {
        return true;
    }
    let Some((_, after)) = level_at(t, i) else {
        return false;
    };
    interval_name(t, after).is_some()
        || i.checked_sub(1)
            .is_some_and(|b| interval_name(t, b).is_some_and(|(_, next)| next == i))
}

/// A level as printed: a number and `%` at token `i`; returns it and the token after.
fn level_at(t: &Tokens, i: usize) -> Option<(Printed, usize)> {
    let p = t.num(i)?;
    // A level is a percentage of at least 50 (80%, 90%, 95%, 99%, 99.9%): "CI 1.2%"
    // is a limit.
    (t.is_sym(i + 1, '%') && p.value >= 50.0 && p.value < 100.0).then_some((p, i + 2))
}

/// The label of an interval at token `i`: `95% CI`, `CI 95%`, `CI`, `95% prediction
/// interval`.
fn label_at(t: &Tokens, i: usize) -> Option<Label> {
    if let Some((level, after)) = level_at(t, i) {
        let (kind, next) = interval_name(t, after)?;
        return Some(Label {
            level: Some(level),
            kind,
            next,
        });
    }
    let (kind, next) = interval_name(t, i)?;
    match level_at(t, next) {
        Some((level, next)) => Some(Label {
            level: Some(level),
            kind,
            next,
        }),
        None => Some(Label {
            level: None,
            kind,
            next,
        }),
    }
}

/// Words that may stand between an estimate and the label of its interval.
const BEFORE_LABEL: &[&str] = &["with", "a", "an", "and", "its", "the", "giving"];

/// Words that may stand between the label and the limits.
const AFTER_LABEL: &[&str] = &["of", "from", "was", "is", "ranging", "ranged", "were"];

/// Words that, first in a bracket after a number, make it a spread, not an interval.
const SPREADS: &[&str] = &[
    "iqr",
    "range",
    "sd",
    "se",
    "sem",
    "n",
    "min",
    "max",
    "interquartile",
    "vs",
];

/// Units after the limits that make them a range of ages, times or doses.
const UNITS: &[&str] = &[
    "years", "year", "yrs", "yr", "y", "months", "month", "weeks", "week", "wk", "days", "day",
    "d", "hours", "hour", "h", "hrs", "min", "minutes", "seconds", "s", "kg", "g", "mg", "mcg",
    "µg", "μg", "ml", "l", "mmhg", "cm", "mm", "m", "iu", "units", "am", "pm", "bpm",
];

/// An interval read after an estimate.
struct Interval {
    lower: usize,
    upper: usize,
    level: Option<Printed>,
    kind: IntervalKind,
    /// The last token of the figure (the closing bracket, or the upper limit).
    last: usize,
    /// Whether a label named it.
    labelled: bool,
    /// The signs the directions give the estimate and limits (`lower`: −1).
    signs: [f64; 3],
    /// Whether the estimate is a rate (`234 per 1000`).
    per: bool,
}

/// Skips a `%` at token `i` (percentage-point estimates and limits).
fn past_percent(t: &Tokens, i: usize) -> usize {
    if t.is_sym(i, '%') {
        i + 1
    } else {
        i
    }
}

/// The sign a direction word gives a number before it: `1.4 lower`, `0.5 fewer` are
/// below the null, `3.1 higher`, `12 more` above it (Cochrane's summary-of-findings
/// wording); with the token after it.
fn direction_at(t: &Tokens, i: usize) -> Option<(f64, usize)> {
    if t.word_in(i, &["lower", "fewer", "less", "smaller", "shorter"]) {
        Some((-1.0, i + 1))
    } else if t.word_in(i, &["higher", "more", "greater", "larger", "longer"]) {
        Some((1.0, i + 1))
    } else {
        None
    }
}

/// The two limits from token `j`: `L to U`, `L–U`, `L, U`, `L; U`, each perhaps with a
/// `%` or a direction (`2.3 lower to 0.5 lower`); returns their tokens, their signs and
/// the last token.
fn limits_at(t: &Tokens, j: usize) -> Option<Limits> {
    t.num(j)?;
    let mut k = past_percent(t, j + 1);
    let (lower_sign, after) = direction_at(t, k).unwrap_or((1.0, k));
    k = after;
    let joined =
        t.word_in(k, &["to", "and"]) || t.is_dash(k) || t.is_sym(k, ',') || t.is_sym(k, ';');
    if !joined {
        return None;
    }
    t.num(k + 1)?;
    let mut last = past_percent(t, k + 2) - 1;
    let upper_sign = match direction_at(t, last + 1) {
        Some((sign, after)) => {
            last = after - 1;
            sign
        }
        None => 1.0,
    };
    Some(Limits {
        lower: j,
        upper: k + 1,
        lower_sign,
        upper_sign,
        last,
    })
}

/// Two limits read by [`limits_at`].
struct Limits {
    lower: usize,
    upper: usize,
    lower_sign: f64,
    upper_sign: f64,
    last: usize,
}

/// Words of a unit or direction that may follow an estimate before its bracketed
/// interval (`1.4 points lower (2.3 lower to 0.5 lower)`, `−2.4 mm Hg (...)`).
const ESTIMATE_UNITS: &[&str] = &[
    "points",
    "point",
    "percentage",
    "lower",
    "higher",
    "fewer",
    "more",
    "less",
    "greater",
    "days",
    "day",
    "hours",
    "weeks",
    "months",
    "mm",
    "hg",
    "mmhg",
    "kg",
    "cm",
    "units",
    "minutes",
    "nights",
    "episodes",
    "visits",
    "score",
];

/// The interval after the estimate at token `i`, if one follows.
fn interval_after(t: &Tokens, i: usize) -> Option<Interval> {
    let mut j = past_percent(t, i + 1);
    // A unit, a direction or a rate after the estimate: "−1.12 days, 95% CI ...",
    // "1.4 points lower (...)", "234 per 1000 (...)".
    let mut estimate_sign = 1.0;
    let mut per = false;
    let mut units = 0;
    while units < 3 {
        if let Some((sign, next)) = direction_at(t, j) {
            estimate_sign = sign;
            j = next;
        } else if t.word_in(j, &["per"]) && t.num(j + 1).is_some() {
            per = true;
            j += 2;
        } else if t.is_word(j)
            && t.is_sym(j + 1, '/')
            && t.is_word(j + 2)
            && followed_by_label(t, j + 3)
        {
            // "0.04 mmol/L, 95% CI ...".
            j += 2;
        } else if t.word_in(j, ESTIMATE_UNITS)
            || (t.is_word(j) && !t.word_in(j, BEFORE_LABEL) && followed_by_label(t, j + 1))
        {
            j += 1;
        } else {
            break;
        }
        units += 1;
    }
    let mut opened = None;
    for _ in 0..6 {
        if t.is_barrier(j) {
            return None;
        }
        if (t.is_sym(j, '(') || t.is_sym(j, '[')) && opened.is_none() {
            opened = Some(j);
        } else if !(t.is_sym(j, ',')
            || t.is_sym(j, ';')
            || t.is_sym(j, ':')
            || t.word_in(j, BEFORE_LABEL))
        {
            break;
        }
        j += 1;
    }
    let label = label_at(t, j);
    match &label {
        Some(l) => {
            j = l.next;
            for _ in 0..4 {
                // "95% confidence interval [CI], 0.71 to 0.93".
                if (t.is_sym(j, '[') || t.is_sym(j, '('))
                    && t.word_in(j + 1, &["ci", "pi", "cri"])
                    && (t.is_sym(j + 2, ']') || t.is_sym(j + 2, ')'))
                {
                    j += 3;
                } else if t.is_sym(j, ':')
                    || t.is_sym(j, ',')
                    || t.is_sym(j, '=')
                    || t.word_in(j, AFTER_LABEL)
                {
                    j += 1;
                } else if (t.is_sym(j, '(') || t.is_sym(j, '[')) && opened.is_none() {
                    opened = Some(j);
                    j += 1;
                } else {
                    break;
                }
            }
        }
        None => {
            // Without a label, the bracket must come first, and hold the limits.
            let open = opened?;
            if j != open + 1 && !t.word_in(j, &["from"]) {
                return None;
            }
            if t.word_in(j, SPREADS) {
                return None;
            }
            if t.word_in(j, &["from"]) {
                j += 1;
            }
        }
    }
    let limits = limits_at(t, j)?;
    let (lower, upper) = (limits.lower, limits.upper);
    let mut last = limits.last;
    if opened.is_some() && (t.is_sym(last + 1, ')') || t.is_sym(last + 1, ']')) {
        last += 1;
    }
    // A unit after the limits (or after the closing bracket) makes a range of ages,
    // times or doses.
    if label.is_none() && (t.word_in(last + 1, UNITS) || t.word_in(upper + 1, UNITS)) {
        return None;
    }
    if label.is_none() && spread_named_before(t, i) {
        return None;
    }
    Some(Interval {
        lower,
        upper,
        level: label.as_ref().and_then(|l| l.level),
        kind: label.as_ref().map_or(IntervalKind::Confidence, |l| l.kind),
        last,
        labelled: label.is_some(),
        signs: [estimate_sign, limits.lower_sign, limits.upper_sign],
        per,
    })
}

/// Limits printed after a named estimate with neither a label nor a bracket of their
/// own: `(risk ratio 0.67, 0.52 to 0.86; P = 0.002)`. Only `to` or a dash joins them,
/// and a bracket's end, `;`, `.` or a cell's end must follow, so that a list of numbers
/// after a measure's name is no interval.
fn unlabelled_after_named(t: &Tokens, i: usize) -> Option<Interval> {
    if !t.is_sym(i + 1, ',') {
        return None;
    }
    let limits = limits_at(t, i + 2)?;
    let joiner = limits.upper - 1;
    if !(t.word_in(joiner, &["to"]) || t.is_dash(joiner)) {
        return None;
    }
    let mut last = limits.last;
    let after = last + 1;
    if !(t.is_barrier(after)
        || t.is_sym(after, ')')
        || t.is_sym(after, ']')
        || t.is_sym(after, ';')
        || t.is_sym(after, '.'))
    {
        return None;
    }
    // Only a sign or a cell's end follows, so no unit can: a spread named before remains.
    if spread_named_before(t, i) {
        return None;
    }
    if t.is_sym(after, ')') || t.is_sym(after, ']') {
        last = after;
    }
    Some(Interval {
        lower: limits.lower,
        upper: limits.upper,
        level: None,
        kind: IntervalKind::Confidence,
        last,
        labelled: false,
        signs: [1.0, limits.lower_sign, limits.upper_sign],
        per: false,
    })
}

/// The measure named in the header of the table column of token `i`.
fn header_measure(t: &Tokens, i: usize) -> Option<Named> {
    t.header_cell(i)?
        .rev()
        .find_map(|j| name_ending_at(t, j, false))
}

/// Words that, earlier in the line of a bracketed pair or in its column's header, make
/// it a spread (a median and its IQR, a mean and its SD, a range).
const SPREAD_NAMES: &[&str] = &[
    "iqr",
    "interquartile",
    "median",
    "range",
    "sd",
    "sem",
    "ranges",
];

/// True when the line of token `i` (before it) or its column's header names a spread.
fn spread_named_before(t: &Tokens, i: usize) -> bool {
    let start = t.line_start(i).max(i.saturating_sub(8));
    if (start..i).any(|j| t.word_in(j, SPREAD_NAMES)) {
        return true;
    }
    t.header_names(i, SPREAD_NAMES)
}

/// True when an interval's label follows token `i`, perhaps after a comma or a
/// bracket.
fn followed_by_label(t: &Tokens, i: usize) -> bool {
    let mut j = i;
    for _ in 0..2 {
        if t.is_sym(j, ',') || t.is_sym(j, ';') || t.is_sym(j, '(') || t.is_sym(j, '[') {
            j += 1;
        }
    }
    label_at(t, j).is_some()
}

/// A second labelled interval after the upper limit at token `upper` of a first (after
/// `;` or `,`): its label (with the count of its tokens up to the limits) and limits.
fn second_interval(t: &Tokens, upper: usize) -> Option<(SecondLabel, Limits)> {
    let mut j = past_percent(t, upper + 1);
    let separator = |j: usize| t.is_sym(j, ';') || t.is_sym(j, ',');
    if !separator(j) {
        return None;
    }
    j += 1;
    // The first interval's p-value may stand between: "95% CI, 0.74-0.97; P = .02; 95%
    // prediction interval, 0.62-1.17".
    if let Some(number) = super::p_value::number_of_p(t, j) {
        if !separator(number + 1) {
            return None;
        }
        j = number + 2;
    }
    let label = label_at(t, j)?;
    let mut k = label.next;
    while t.is_sym(k, ':') || t.is_sym(k, ',') || t.word_in(k, AFTER_LABEL) {
        k += 1;
    }
    let limits = limits_at(t, k)?;
    Some((
        SecondLabel {
            level: label.level,
            kind: label.kind,
            tokens: k - j,
        },
        limits,
    ))
}

/// The label of a second interval.
struct SecondLabel {
    level: Option<Printed>,
    kind: IntervalKind,
    /// Tokens from the label's first to the lower limit.
    tokens: usize,
}

/// The `P` of a p-value printed right after an interval (`; P = .01`, `), p<0.001`,
/// `(P = 0.002)`), as its token.
fn p_after(t: &Tokens, i: usize) -> Option<usize> {
    let mut j = i + 1;
    for _ in 0..3 {
        if t.is_sym(j, ';')
            || t.is_sym(j, ',')
            || t.is_sym(j, '(')
            || t.is_sym(j, ')')
            || t.is_sym(j, ']')
        {
            j += 1;
        } else {
            break;
        }
    }
    super::p_value::is_p_word(t, j).then_some(j)
}

/// Finds the estimates printed with an interval.
pub(crate) fn find_intervals(scan: &mut Scan) {
    let mut i = 0;
    while i < scan.t.len() {
        let Some(estimate) = scan.free_num(i) else {
            i += 1;
            continue;
        };
        // I² with its interval in a column headed I² is I²'s ([`super::percent`]).
        if scan.t.is_sym(i + 1, '%') && super::percent::header_names_i2(&scan.t, i) {
            i += 1;
            continue;
        }
        // The number of a p-value is no estimate ("P = .02; 95% prediction interval, ...").
        let is_p = |b: usize| super::p_value::number_of_p(&scan.t, b) == Some(i);
        if (1..=3).any(|back| i.checked_sub(back).is_some_and(is_p)) {
            i += 1;
            continue;
        }
        let Some(iv) = interval_after(&scan.t, i).or_else(|| {
            measure_before(&scan.t, i).and_then(|_| unlabelled_after_named(&scan.t, i))
        }) else {
            i += 1;
            continue;
        };
        let t = &scan.t;
        let (Some(lower), Some(upper)) = (t.num(iv.lower), t.num(iv.upper)) else {
            i += 1;
            continue;
        };
        let signed = |p: Printed, sign: f64| Printed {
            value: p.value * sign,
            decimals: p.decimals,
        };
        let estimate = signed(estimate, iv.signs[0]);
        let (lower, upper) = (signed(lower, iv.signs[1]), signed(upper, iv.signs[2]));
        if scan.claimed[iv.lower] || scan.claimed[iv.upper] {
            i += 1;
            continue;
        }
        let named = measure_before(t, i);
        let context = named.is_none().then(|| measure_in_context(t, i)).flatten();
        let measure = named.as_ref().or(context.as_ref());
        let all_whole = [estimate, lower, upper].iter().all(|p| p.decimals == 0);
        if all_whole && measure.is_none() && !iv.labelled && !iv.per {
            i += 1;
            continue;
        }
        let first = named.as_ref().map_or(i, |n| n.first);
        // A measure named before the estimate, or in its column's header, sets the scale;
        // one named earlier in the line only names it (the interval is checked on
        // either scale: "a risk ratio ... length of stay shorter by 5.6 days (...)").
        let scale = named
            .as_ref()
            .map(|n| n.scale)
            .or_else(|| header_measure(t, i).map(|n| n.scale));
        let level = iv.level.map_or(95.0, |l| l.value);
        let mut figure = ScannedFigure::blank(FigureKind::EstimateCi);
        figure.measure = measure.map(|n| n.name.to_string());
        figure.estimate = Some(estimate.value);
        figure.lower = Some(lower.value);
        figure.upper = Some(upper.value);
        figure.level = Some(level);
        figure.interval = Some(iv.kind.name().to_string());
        figure.verdict = if iv.per {
            // An absolute risk of a summary of findings ("234 per 1000 (186 to 294)") is
            // a baseline risk times a relative effect and its limits, rounded to whole
            // numbers: only asked to hold its estimate.
            outside_interval(estimate, lower, upper).unwrap_or_else(|| {
                consistent(
                    "the rate lies within its interval (an absolute risk from a relative \
                     effect is not checked for symmetry)",
                )
            })
        } else {
            check_interval(estimate, lower, upper, scale, iv.kind)
        };
        let beside = Beside::Interval {
            estimate,
            lower,
            upper,
            scale,
            level: level / 100.0,
        };
        if iv.kind == IntervalKind::Confidence {
            if let Some(p) = p_after(t, iv.upper).or_else(|| p_after(t, iv.last)) {
                scan.beside.insert(p, beside);
            }
        }
        // A second interval of the same estimate in the bracket: "RR 0.85 (95% CI 0.72
        // to 1.00; 95% prediction interval 0.40 to 1.80)".
        let second = second_interval(t, iv.upper).and_then(|(label, limits)| {
            let lo = signed(t.num(limits.lower)?, limits.lower_sign);
            let hi = signed(t.num(limits.upper)?, limits.upper_sign);
            let mut second = figure.clone();
            second.lower = Some(lo.value);
            second.upper = Some(hi.value);
            second.level = Some(label.level.map_or(95.0, |l| l.value));
            second.interval = Some(label.kind.name().to_string());
            second.verdict = check_interval(estimate, lo, hi, scale, label.kind);
            let mut last = limits.last;
            if t.is_sym(last + 1, ')') || t.is_sym(last + 1, ']') {
                last += 1;
            }
            Some((limits.lower.saturating_sub(label.tokens), last, second))
        });
        // RevMan's "Total (95% CI)" and "Subtotal (95% CI)" rows: the z of the "Test for
        // overall effect" printed below is that of this estimate.
        if iv.kind == IntervalKind::Confidence && t.word_in(t.line_start(i), &["total", "subtotal"])
        {
            scan.totals.push((i, beside));
        }
        if iv.kind == IntervalKind::Confidence && t.header_cell(i).is_some() {
            let row = t.line_start(i);
            // Two intervals in a row: a p-value cell is beside neither.
            scan.row_interval
                .entry(row)
                .and_modify(|b| *b = None)
                .or_insert(Some(beside));
        }
        scan.claim(i, iv.last);
        let mut end = iv.last;
        if let Some((label_first, last, second)) = second {
            scan.claim(label_first, last);
            scan.push(label_first, last, second);
            end = last;
        }
        scan.push(first, iv.last, figure);
        i = end + 1;
    }
}

/// The verdict on limits out of order or an estimate outside its interval, at the
/// printed precision; `None` when the estimate lies within.
fn outside_interval(estimate: Printed, lower: Printed, upper: Printed) -> Option<super::Verdict> {
    let (el, eh) = estimate.bounds();
    let (ll, _) = lower.bounds();
    let (_, uh) = upper.bounds();
    if lower.value > upper.value {
        return Some(inconsistent(format!(
            "the lower limit {} is above the upper limit {}",
            lower.text(),
            upper.text()
        )));
    }
    (eh < ll || el > uh).then(|| {
        inconsistent(format!(
            "the estimate {} lies outside its interval ({} to {})",
            estimate.text(),
            lower.text(),
            upper.text()
        ))
    })
}

/// The checks of an estimate with its interval; see the module documentation.
fn check_interval(
    estimate: Printed,
    lower: Printed,
    upper: Printed,
    scale: Option<Scale>,
    kind: IntervalKind,
) -> super::Verdict {
    if let Some(outside) = outside_interval(estimate, lower, upper) {
        return outside;
    }
    if kind == IntervalKind::Credible {
        return consistent("the estimate lies within its credible interval (a credible interval need not be symmetric)");
    }
    let ratio_possible = [estimate, lower, upper].iter().all(|p| p.value > 0.0);
    let on = |scale: Scale| symmetry(estimate, lower, upper, scale);
    match scale {
        Some(Scale::Ratio) if !ratio_possible => {
            if [estimate, lower, upper].iter().any(|p| p.value < 0.0) {
                inconsistent("a ratio is above 0, but a negative number is printed")
            } else {
                not_checkable("a ratio printed as 0 has no logarithm at its printed precision")
            }
        }
        Some(Scale::Ratio) => {
            let s = on(Scale::Ratio);
            if s.symmetric {
                consistent(
                    "the interval is symmetric about the estimate on the log scale within rounding",
                )
            } else {
                inconsistent(format!(
                    "on the log scale the interval's midpoint is {} (between {} and {} within rounding), not {}",
                    fmt_ratio_mid(lower, upper),
                    fmt(s.midpoint.0.exp()),
                    fmt(s.midpoint.1.exp()),
                    estimate.text()
                ))
            }
        }
        Some(Scale::Difference) => {
            let s = on(Scale::Difference);
            if s.symmetric {
                consistent("the interval is symmetric about the estimate within rounding")
            } else {
                inconsistent(format!(
                    "the interval's midpoint is {} (between {} and {} within rounding), not {}",
                    fmt((lower.value + upper.value) / 2.0),
                    fmt(s.midpoint.0),
                    fmt(s.midpoint.1),
                    estimate.text()
                ))
            }
        }
        None => {
            let ratio = ratio_possible && on(Scale::Ratio).symmetric;
            let difference = on(Scale::Difference).symmetric;
            match (ratio, difference) {
                (true, true) => consistent("the interval is symmetric about the estimate within rounding (no measure named: on either scale)"),
                (true, false) => consistent("the interval is symmetric about the estimate on the log scale within rounding (no measure named)"),
                (false, true) => consistent("the interval is symmetric about the estimate on the natural scale within rounding (no measure named)"),
                (false, false) => inconsistent(format!(
                    "the interval is symmetric about the estimate on neither scale: its midpoint is {}{}, not {}",
                    fmt((lower.value + upper.value) / 2.0),
                    if ratio_possible {
                        format!(" (on the log scale {})", fmt_ratio_mid(lower, upper))
                    } else {
                        String::new()
                    },
                    estimate.text()
                )),
            }
        }
    }
}

/// The geometric midpoint of two positive limits, for messages.
fn fmt_ratio_mid(lower: Printed, upper: Printed) -> String {
    fmt((lower.value * upper.value).sqrt())
}

/// A number for a message: four significant digits.
pub(crate) fn fmt(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        return format!("{x}");
    }
    let digits = (3 - x.abs().log10().floor() as i32).max(0) as usize;
    format!("{x:.digits$}")
}

/// Words after a number that make it a score change, reported as an estimate
/// (`2.8 points`).
const POINTS: &[&str] = &["points", "point"];

/// Finds the estimates printed without an interval: a number after a measure's name
/// (`risk ratio about 0.96`, `effect size was 0.62`), or a score change (`2.8 points`,
/// `a 2.8-point improvement`).
pub(crate) fn find_bare(scan: &mut Scan) {
    for i in 0..scan.t.len() {
        let Some(estimate) = scan.free_num(i) else {
            continue;
        };
        let t = &scan.t;
        let named = measure_before(t, i);
        let points = t.word_in(i + 1, POINTS) || (t.is_dash(i + 1) && t.word_in(i + 2, POINTS));
        if named.is_none() && !(points && estimate.decimals > 0) {
            continue;
        }
        let mut figure = ScannedFigure::blank(FigureKind::Estimate);
        figure.measure = named.as_ref().map(|n| n.name.to_string());
        figure.estimate = Some(estimate.value);
        let mut last = i;
        if points {
            figure.unit = Some("points".to_string());
            last = if t.is_dash(i + 1) { i + 2 } else { i + 1 };
        }
        figure.verdict =
            not_checkable("no interval or standard error is printed with the estimate");
        let mut first = named.as_ref().map_or(i, |n| n.first);
        if let Some(mann) = named.as_ref().and_then(|n| mann_whitney_before(t, n.first)) {
            first = mann;
            figure.measure = Some("Mann-Whitney effect".to_string());
            if let (Some(p), Some(total)) = (p_after(t, i), total_in_line(scan, i)) {
                scan.beside
                    .insert(p, Beside::MannWhitney { estimate, total });
            }
        }
        scan.claim(i, i);
        scan.push(first, last, figure);
    }
}

/// The first token of `Mann-Whitney` (or `Mann–Whitney`, `Mann Whitney`) right before
/// token `i`, if it stands there.
fn mann_whitney_before(t: &Tokens, i: usize) -> Option<usize> {
    let whitney = i.checked_sub(1)?;
    if !t.word_in(whitney, &["whitney"]) {
        return None;
    }
    let mut mann = whitney.checked_sub(1)?;
    if t.is_dash(mann) {
        mann = mann.checked_sub(1)?;
    }
    t.word_in(mann, &["mann"]).then_some(mann)
}

/// The total participants counted earlier in the line of token `i` (`total n=442`):
/// the nearest count of people.
fn total_in_line(scan: &Scan, i: usize) -> Option<u64> {
    let t = &scan.t;
    let start = (0..=i)
        .rev()
        .find(|&j| t.toks[j].after_line_end || t.is_barrier(j))
        .unwrap_or(0);
    scan.people_counted(start, i).map(|v| v as u64)
}

#[cfg(test)]
mod tests {
    use super::super::{scan_text, FigureKind};

    fn estimates(text: &str) -> Vec<(Option<String>, f64, f64, f64)> {
        scan_text(text)
            .into_iter()
            .filter(|f| f.kind == FigureKind::EstimateCi)
            .map(|f| {
                (
                    f.measure,
                    f.estimate.unwrap_or(f64::NAN),
                    f.lower.unwrap_or(f64::NAN),
                    f.upper.unwrap_or(f64::NAN),
                )
            })
            .collect()
    }

    #[test]
    fn the_forms_of_the_issue() {
        for (text, measure, e, lo, hi) in [
            (
                "RR 0.96 (95% CI 0.65 to 1.41)",
                Some("RR"),
                0.96,
                0.65,
                1.41,
            ),
            ("OR = 2.1, 95% CI: 1.2–3.4", Some("OR"), 2.1, 1.2, 3.4),
            ("risk ratio 0.90 [0.61, 1.32]", Some("RR"), 0.90, 0.61, 1.32),
            (
                "HR 0.75; 95% CI, 0.60-0.90; P = .01",
                Some("HR"),
                0.75,
                0.60,
                0.90,
            ),
            ("MD −1.20 (−2.30, −0.10)", Some("MD"), -1.20, -2.30, -0.10),
            (
                "the hazard ratio was 0.75, with a 95% CI from 0.6 to 0.9",
                Some("HR"),
                0.75,
                0.6,
                0.9,
            ),
            (
                "SMD 0.30 (95%CI 0.10 to 0.50)",
                Some("SMD"),
                0.30,
                0.10,
                0.50,
            ),
            (
                "Hedges' g = 0.45 (CI 95% 0.20–0.70)",
                Some("Hedges' g"),
                0.45,
                0.20,
                0.70,
            ),
            ("OR 0·75 (95% CI 0·60–0·90)", Some("OR"), 0.75, 0.60, 0.90),
            // Named, with neither a label nor a bracket of its own.
            (
                "(risk ratio 0.67, 0.52 to 0.86; P=0.002)",
                Some("RR"),
                0.67,
                0.52,
                0.86,
            ),
            ("HR 0.80, 0.70–0.91.", Some("HR"), 0.80, 0.70, 0.91),
        ] {
            let found = estimates(text);
            assert_eq!(found.len(), 1, "{text}: {found:?}");
            let (m, fe, fl, fh) = &found[0];
            assert_eq!(m.as_deref(), measure, "{text}");
            assert_eq!((*fe, *fl, *fh), (e, lo, hi), "{text}");
        }
    }

    #[test]
    fn a_rate_per_1000_need_only_hold_its_estimate() {
        let verdict = |text: &str| scan_text(text)[0].verdict.kind;
        use crate::audit::VerdictKind::{Consistent, Inconsistent};
        assert_eq!(verdict("2 per 1000 (0 to 11)"), Consistent);
        assert_eq!(verdict("20 per 1000 (25 to 30)"), Inconsistent);
    }

    #[test]
    fn look_alikes_are_no_intervals() {
        for text in [
            "patients aged 65 (60–69) years",
            "median 65 (IQR 60–69)",
            "Stroke. 2019;50(3):120-128",
            "call (601) 213-4426",
            "between 2019 (2018–2020) and",
            "12 weeks (range 8 to 16)",
            // After a measure's name, a list is no interval, nor a range with a unit.
            "the odds ratios 1.20, 0.90 and 1.60 in three trials",
            "mean difference 3, 2 to 5 years",
        ] {
            assert!(estimates(text).is_empty(), "{text}: {:?}", estimates(text));
        }
    }
}
