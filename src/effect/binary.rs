//! Effect sizes from 2x2 tables.
//!
//! Cells follow the usual notation: `a` events and `b` non-events in the experimental
//! arm (size n_e = a + b), `c` events and `d` non-events in the control arm
//! (n_c = c + d). Every function takes the cells after any zero-cell increment.

use super::{AddTo, Effects, Excluded, Measure, ZeroCellRule};
use crate::data::{BinaryArms, StudyTable, Table2x2};
use crate::error::Result;

/// The increment each study receives under `rule`: `rule.increment` or 0.
///
/// `only0` adds to studies with a zero cell, `all` to every study, `if0all` to every
/// study when any study has a zero cell, `none` to none.
pub fn increments(tables: &[Table2x2], rule: &ZeroCellRule) -> Vec<f64> {
    let any_zero = tables.iter().any(Table2x2::has_zero_cell);
    tables
        .iter()
        .map(|t| {
            let add = match rule.add_to {
                AddTo::Only0 => t.has_zero_cell(),
                AddTo::All => true,
                AddTo::If0All => any_zero,
                AddTo::None => false,
            };
            if add {
                rule.increment
            } else {
                0.0
            }
        })
        .collect()
}

/// Log risk ratio and its variance.
///
/// # Formula
/// yi = ln[(a / n_e) / (c / n_c)], vi = 1/a − 1/n_e + 1/c − 1/n_c
/// (Greenland & Robins 1985; metafor `escalc(measure = "RR")`).
pub fn log_risk_ratio(t: &Table2x2) -> (f64, f64) {
    let (n_e, n_c) = (t.n_e(), t.n_c());
    let yi = (t.a / n_e).ln() - (t.c / n_c).ln();
    let vi = 1.0 / t.a - 1.0 / n_e + 1.0 / t.c - 1.0 / n_c;
    (yi, vi)
}

/// Log odds ratio and its variance.
///
/// # Formula
/// yi = ln[(a d) / (b c)], vi = 1/a + 1/b + 1/c + 1/d (Woolf 1955; metafor
/// `escalc(measure = "OR")`).
pub fn log_odds_ratio(t: &Table2x2) -> (f64, f64) {
    let yi = t.a.ln() + t.d.ln() - t.b.ln() - t.c.ln();
    let vi = 1.0 / t.a + 1.0 / t.b + 1.0 / t.c + 1.0 / t.d;
    (yi, vi)
}

/// Risk difference and its variance.
///
/// # Formula
/// yi = p_e − p_c with p_e = a/n_e, p_c = c/n_c;
/// vi = p_e(1 − p_e)/n_e + p_c(1 − p_c)/n_c (metafor `escalc(measure = "RD")`,
/// `vtype = "LS"`).
pub fn risk_difference(t: &Table2x2) -> (f64, f64) {
    let (n_e, n_c) = (t.n_e(), t.n_c());
    let (p_e, p_c) = (t.a / n_e, t.c / n_c);
    (p_e - p_c, p_e * (1.0 - p_e) / n_e + p_c * (1.0 - p_c) / n_c)
}

/// Peto's observed-minus-expected statistic and its hypergeometric variance.
///
/// # Formula
/// O − E = a − n_e (a + c) / N, V = n_e n_c (a + c)(b + d) / (N² (N − 1))
/// (Yusuf et al. 1985).
pub fn peto_o_minus_e(t: &Table2x2) -> (f64, f64) {
    let (n_e, n_c, n) = (t.n_e(), t.n_c(), t.n());
    let events = t.a + t.c;
    let o_minus_e = t.a - n_e * events / n;
    let v = n_e * n_c * events * (n - events) / (n * n * (n - 1.0));
    (o_minus_e, v)
}

/// Peto's one-step log odds ratio and its variance.
///
/// # Formula
/// yi = (O − E)/V, vi = 1/V with O − E and V of [`peto_o_minus_e`] (Yusuf et al. 1985;
/// metafor `escalc(measure = "PETO")`).
pub fn peto_log_odds_ratio(t: &Table2x2) -> (f64, f64) {
    let (o_minus_e, v) = peto_o_minus_e(t);
    (o_minus_e / v, 1.0 / v)
}

/// The formula of a binary measure.
pub fn effect_of(measure: Measure) -> fn(&Table2x2) -> (f64, f64) {
    match measure {
        Measure::OR => log_odds_ratio,
        Measure::RD => risk_difference,
        Measure::PETO => peto_log_odds_ratio,
        _ => log_risk_ratio,
    }
}

pub(super) fn compute(
    table: &StudyTable,
    arms: &BinaryArms,
    measure: Measure,
    rule: &ZeroCellRule,
) -> Result<Effects> {
    let drop00 = rule.drops_double_zero(measure);
    let mut excluded = Vec::new();
    let mut kept = Vec::new();
    for i in 0..table.k() {
        let t = Table2x2::of_study(arms, i);
        if drop00 && t.is_double_zero() {
            excluded.push(Excluded {
                index: i,
                study: table.labels[i].to_owned(),
                reason: "double-zero study (no events, or only events, in both arms)".into(),
            });
        } else {
            kept.push((i, t));
        }
    }
    let tables: Vec<Table2x2> = kept.iter().map(|(_, t)| *t).collect();
    let inc = increments(&tables, rule);
    let formula = effect_of(measure);
    let mut effects = Effects {
        measure,
        labels: crate::data::Texts::with_capacity(kept.len(), 0),
        yi: Vec::with_capacity(kept.len()),
        vi: Vec::with_capacity(kept.len()),
        index: Vec::with_capacity(kept.len()),
        excluded,
        warnings: Vec::new(),
    };
    let mut incremented = 0;
    for ((i, t), add) in kept.iter().zip(&inc) {
        let (yi, vi) = formula(&t.plus(*add));
        if !yi.is_finite() || !vi.is_finite() {
            // metafor returns NA here and rma() omits the study; RevMan prints
            // "Not estimable".
            effects.excluded.push(Excluded {
                index: *i,
                study: table.labels[*i].to_owned(),
                reason: format!("{measure} not estimable (a zero cell without an increment)"),
            });
            continue;
        }
        if *add > 0.0 {
            incremented += 1;
        }
        effects.labels.push(&table.labels[*i]);
        effects.index.push(*i);
        effects.yi.push(yi);
        effects.vi.push(vi);
    }
    if incremented > 0 {
        effects.warnings.push(format!(
            "{incremented} stud{} received the zero-cell increment {}",
            if incremented == 1 { "y" } else { "ies" },
            rule.increment
        ));
    }
    for e in &effects.excluded {
        effects
            .warnings
            .push(format!("study '{}' excluded: {}", e.study, e.reason));
    }
    Ok(effects)
}
