//! The reports of `metapool revman`: the checks of a review's printed figures, its
//! re-analysis, and the summaries of a folder of reviews, as text and CSV (JSON is the
//! serialisation of the same structures, [`super::json`]).
//!
//! CSV columns:
//! - checks ([`write_revman_csv`]), one row per printed figure: `source, analysis, file,
//!   row, name, column, printed, recomputed, verdict, reason` (`file`: the file of a data
//!   package the row is in, empty otherwise; `row`: the row of a CSV file or the line of
//!   an `.rm5` element);
//! - re-analysis ([`write_reanalysis_csv`]), one row per analysis: `source, analysis,
//!   name, measure, method, model, reproduced, review_source, estimate, ci_lower,
//!   ci_upper, k, reanalysed, reanalysed_ci_lower, reanalysed_ci_upper, pi_lower,
//!   pi_upper, tau2, tau2_ci_lower, tau2_ci_upper, i2, p_value, methods, changes, reason`
//!   (natural scale);
//! - a folder ([`write_folder_csv`]), one row per review file: `file, format, analyses,
//!   reproduced, not_reproduced, figures, figures_reproduced, figures_not_reproduced,
//!   figures_not_checked, changed, holds, error`.

use super::csv::{num, writer};
use super::{json, to_text, TextSink};
use crate::audit::folder::FolderAudit;
use crate::audit::reanalysis::{Interval, ResultSource, ReviewReanalysis};
use crate::audit::revman::{OutcomeStatus, ReviewAudit};
use crate::audit::VerdictKind;

/// Text of a file as a terminal may show it: control characters (ESC, BEL, …) and the
/// bidirectional controls (U+202A–U+202E, U+2066–U+2069) escaped (`\u{1b}`), so that a
/// name cannot move the cursor, colour the terminal or reverse the line.
pub(crate) fn terminal_safe(text: &str) -> String {
    let unsafe_char = |c: char| {
        c.is_control()
            || ('\u{202a}'..='\u{202e}').contains(&c)
            || ('\u{2066}'..='\u{2069}').contains(&c)
    };
    if !text.chars().any(unsafe_char) {
        return text.to_string();
    }
    text.chars()
        .map(|c| {
            if unsafe_char(c) {
                c.escape_unicode().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// An analysis's measure, method and model as the file writes them, those it names.
fn settings(measure: &str, method: &str, model: &str) -> String {
    [measure, method, model]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The checks of a review as text ([`write_revman`]).
pub fn revman_text(audit: &ReviewAudit) -> String {
    to_text(|out| write_revman(out, audit))
}

/// Writes the checks of a review as text to `out`: one block per outcome (its
/// status, why it is not checked, the studies left out), one line per printed figure
/// with the reason of those that do not hold, and the counts.
///
/// # Errors
/// The error of `out`.
pub fn write_revman(out: &mut dyn std::io::Write, audit: &ReviewAudit) -> std::io::Result<()> {
    let mut text = TextSink::new(out);
    let at = audit.format.row_word();
    text += &format!("{}: {}\n", audit.source, audit.format.name());
    for o in &audit.outcomes {
        text += &match o.row {
            Some(row) => format!(
                "Analysis {} {} ({}), {at} {row}\n",
                o.id,
                terminal_safe(&o.name),
                settings(&o.measure, &o.method, &o.model)
            ),
            None => format!("Analysis {} (no outcome row)\n", o.id),
        };
        match o.status {
            OutcomeStatus::NotChecked => text += &format!("  not checked: {}\n", o.reason),
            OutcomeStatus::NotComputed => text += &format!("  not computed: {}\n", o.reason),
            _ => {}
        }
        for e in &o.excluded {
            text += &format!(
                "  {at} {:<4} {} left out of the re-run: {}\n",
                e.row, e.name, e.reason
            );
        }
        // Cells as one short line each (a cell of a column not read may hold a line
        // break).
        let one_line = |s: &str| terminal_safe(&s.replace(['\n', '\r'], " "));
        for c in &o.checks {
            let mut name: String = one_line(&c.name).chars().take(28).collect();
            if name.len() < c.name.len() {
                name.pop();
                name.push('…');
            }
            text += &format!(
                "  {at} {:<4} {:<28} {:<16} printed {:<10} recomputed {:<10} {}\n",
                c.row,
                name,
                one_line(&c.column),
                one_line(&c.printed),
                if c.verdict.recomputed.is_empty() {
                    "-"
                } else {
                    &c.verdict.recomputed
                },
                c.verdict.kind.label().to_uppercase()
            );
            // The reason of each figure, unless it is the outcome's own.
            let outcomes_reason = matches!(
                o.status,
                OutcomeStatus::NotChecked | OutcomeStatus::NotComputed
            ) && c.verdict.reason == o.reason;
            let shown = c.verdict.kind != VerdictKind::Reproduced;
            if shown && !c.verdict.reason.is_empty() && !outcomes_reason {
                text += &format!("           {}\n", c.verdict.reason);
            }
        }
    }
    text += &format!(
        "{} printed figures, {} reproduced, {} not reproduced, {} not checked\n",
        audit.figures, audit.reproduced, audit.not_reproduced, audit.not_checked
    );
    text.finish()
}

/// The checks of a review as JSON: the counts, every outcome with its status,
/// reason, studies left out and checks, and the warnings ([`json`]).
///
/// # Errors
/// Only if serialisation fails, which plain numbers and strings cannot make it do.
pub fn revman_json(audit: &ReviewAudit) -> crate::Result<String> {
    json::to_string_pretty(audit)
}

/// Writes the checks of a review as CSV, one row per printed figure (see the module
/// documentation).
///
/// # Errors
/// The error of `out`.
pub fn write_revman_csv(out: &mut dyn std::io::Write, audit: &ReviewAudit) -> std::io::Result<()> {
    let mut w = writer(out);
    w.write_record([
        "source",
        "analysis",
        "file",
        "row",
        "name",
        "column",
        "printed",
        "recomputed",
        "verdict",
        "reason",
    ])?;
    for o in &audit.outcomes {
        for c in &o.checks {
            w.write_record([
                audit.source.as_str(),
                &c.outcome,
                c.file.as_deref().unwrap_or(""),
                &c.row.to_string(),
                &c.name,
                &c.column,
                &c.printed,
                &c.verdict.recomputed,
                c.verdict.kind.label(),
                &c.verdict.reason,
            ])?;
        }
    }
    w.flush()
}

/// An interval as text, `0.8969 [0.8405, 0.9570]`.
fn shown(i: &Interval) -> String {
    format!("{:.4} [{:.4}, {:.4}]", i.estimate, i.lower, i.upper)
}

/// Writes a review's re-analysis as text: per analysis the review's result, the
/// re-analysed one and the change of conclusion; then the summary line.
///
/// # Errors
/// The error of `out`.
pub fn write_reanalysis(out: &mut dyn std::io::Write, r: &ReviewReanalysis) -> std::io::Result<()> {
    let mut text = TextSink::new(out);
    text += &format!(
        "{}: {}, re-analysed with {} (random effects)\n",
        r.source,
        r.format.name(),
        r.profile
    );
    for a in &r.analyses {
        text += &format!(
            "Analysis {} {} ({})\n",
            a.id,
            terminal_safe(&a.name),
            settings(&a.measure, &a.method, &a.model)
        );
        let checked = if a.reproduced {
            "its printed figures reproduced"
        } else {
            "NOT every printed figure reproduced"
        };
        text += &match (&a.review, a.review_source) {
            (Some(i), ResultSource::Printed) => {
                format!("  {:<12} {:<34} {checked}\n", "printed", shown(i))
            }
            (Some(i), ResultSource::ReRun) => format!(
                "  {:<12} {:<34} not printed: the review's method re-run\n",
                "review",
                shown(i)
            ),
            (None, _) => format!("  {:<12} -\n", "review"),
        };
        match &a.reanalysed {
            Ok(x) => {
                // An interval that is not defined (a prediction interval of fewer than 3
                // studies, the τ² interval of one) as "-".
                let pair = |(a, b): (f64, f64)| {
                    if a.is_finite() && b.is_finite() {
                        format!("[{a:.4}, {b:.4}]")
                    } else {
                        "-".to_string()
                    }
                };
                text += &format!(
                    "  {:<12} {:<34} prediction {}  tau² {:.4} {}  I² {:.1}%  k {}  ({})\n",
                    r.profile,
                    shown(&x.result),
                    pair(x.prediction),
                    x.tau2,
                    pair(x.tau2_ci),
                    x.i2,
                    x.k,
                    x.methods
                );
                text += &if a.changes.is_empty() {
                    format!("  {:<12} unchanged\n", "conclusion")
                } else {
                    let what: Vec<String> = a.changes.iter().map(|c| c.describe(a.null)).collect();
                    format!("  {:<12} CHANGED: {}\n", "conclusion", what.join("; "))
                };
            }
            Err(reason) => text += &format!("  {:<12} not re-analysed: {reason}\n", r.profile),
        }
    }
    text += &format!(
        "{} analyses re-run, {} reproduced, {} changed\n",
        r.rerun, r.reproduced, r.changed
    );
    text.finish()
}

/// Writes a review's re-analysis as CSV, one row per analysis (see the module
/// documentation).
///
/// # Errors
/// The error of `out`.
pub fn write_reanalysis_csv(
    out: &mut dyn std::io::Write,
    r: &ReviewReanalysis,
) -> std::io::Result<()> {
    let mut w = writer(out);
    w.write_record([
        "source",
        "analysis",
        "name",
        "measure",
        "method",
        "model",
        "reproduced",
        "review_source",
        "estimate",
        "ci_lower",
        "ci_upper",
        "k",
        "reanalysed",
        "reanalysed_ci_lower",
        "reanalysed_ci_upper",
        "pi_lower",
        "pi_upper",
        "tau2",
        "tau2_ci_lower",
        "tau2_ci_upper",
        "i2",
        "p_value",
        "methods",
        "changes",
        "reason",
    ])?;
    for a in &r.analyses {
        let review =
            |f: fn(&Interval) -> f64| a.review.as_ref().map_or(String::new(), |i| num(f(i)));
        let mut row = vec![
            r.source.clone(),
            a.id.clone(),
            a.name.clone(),
            a.measure.clone(),
            a.method.clone(),
            a.model.clone(),
            a.reproduced.to_string(),
            match a.review_source {
                ResultSource::Printed => "printed",
                ResultSource::ReRun => "re_run",
            }
            .to_string(),
            review(|i| i.estimate),
            review(|i| i.lower),
            review(|i| i.upper),
        ];
        match &a.reanalysed {
            Ok(x) => {
                row.push(x.k.to_string());
                for v in [
                    x.result.estimate,
                    x.result.lower,
                    x.result.upper,
                    x.prediction.0,
                    x.prediction.1,
                    x.tau2,
                    x.tau2_ci.0,
                    x.tau2_ci.1,
                    x.i2,
                    x.p_value,
                ] {
                    row.push(num(v));
                }
                row.push(x.methods.clone());
                let changes: Vec<String> = a.changes.iter().map(|c| c.describe(a.null)).collect();
                row.push(changes.join("; "));
                row.push(String::new());
            }
            Err(reason) => {
                row.extend(std::iter::repeat_n(String::new(), 13));
                row.push(reason.clone());
            }
        }
        w.write_record(&row)?;
    }
    w.flush()
}

/// Writes the summaries of a folder of reviews as text, one line per review file, then
/// the counts.
///
/// # Errors
/// The error of `out`.
pub fn write_folder(out: &mut dyn std::io::Write, f: &FolderAudit) -> std::io::Result<()> {
    let mut text = TextSink::new(out);
    for e in &f.entries {
        text += &match (&e.summary, &e.error) {
            (Some(s), _) => format!(
                "{}: {}, {} analyses, {} reproduced; {} figures: {} reproduced, {} not \
                 reproduced, {} not checked{}{}\n",
                e.file,
                s.format.name(),
                s.analyses,
                s.reproduced,
                s.figures,
                s.figures_reproduced,
                s.figures_not_reproduced,
                s.figures_not_checked,
                s.changed
                    .map_or_else(String::new, |c| format!("; {c} conclusions changed")),
                if s.holds { "" } else { "  DOES NOT HOLD" }
            ),
            (None, Some(error)) => format!("{}: error: {error}\n", e.file),
            (None, None) => format!("{}: not read\n", e.file),
        };
    }
    text += &format!(
        "{} review files: {} read, {} hold, {} errors\n",
        f.files, f.read, f.holding, f.errors
    );
    text.finish()
}

/// Writes the summaries of a folder of reviews as CSV, one row per review file.
///
/// # Errors
/// The error of `out`.
pub fn write_folder_csv(out: &mut dyn std::io::Write, f: &FolderAudit) -> std::io::Result<()> {
    let mut w = writer(out);
    w.write_record([
        "file",
        "format",
        "analyses",
        "reproduced",
        "not_reproduced",
        "figures",
        "figures_reproduced",
        "figures_not_reproduced",
        "figures_not_checked",
        "changed",
        "holds",
        "error",
    ])?;
    for e in &f.entries {
        let mut row = vec![e.file.clone()];
        match &e.summary {
            Some(s) => {
                row.push(format!("{:?}", s.format).to_lowercase());
                for n in [
                    s.analyses,
                    s.reproduced,
                    s.not_reproduced,
                    s.figures,
                    s.figures_reproduced,
                    s.figures_not_reproduced,
                    s.figures_not_checked,
                ] {
                    row.push(n.to_string());
                }
                row.push(s.changed.map_or_else(String::new, |c| c.to_string()));
                row.push(s.holds.to_string());
                row.push(String::new());
            }
            None => {
                row.extend(std::iter::repeat_n(String::new(), 10));
                row.push(e.error.clone().unwrap_or_default());
            }
        }
        w.write_record(&row)?;
    }
    w.flush()
}
