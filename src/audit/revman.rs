//! Re-running the analyses of a RevMan 5 export and checking every printed figure.
//!
//! Each outcome is pooled with the RevMan 5 profile and the method, measure and model its
//! outcome row names ([`crate::data::revman`] parses them; `MH` → Mantel-Haenszel, `IV`
//! → inverse variance, `PETO` → Peto; `Random` → DerSimonian-Laird about the fixed
//! estimate in use, `Fixed` → none), at the export's confidence levels. Every printed
//! figure of the export is in the report, either checked at its printed precision or
//! listed as not checked with the reason:
//!
//! - **outcome row**: arm totals (sums over its studies, every study counted, those left
//!   out of the estimate too, as in RevMan's totals), effect and CI (natural scale for
//!   ratios), SE (analysis scale), weight (the sum of its studies' weights), Q, P(Q),
//!   I²(Q), Tau², Z (absolute value), P(Z); with subgroups the test for subgroup
//!   differences of the model in use (Qint, P(Qint), I²(Qint)), without subgroups Qint
//!   and I²(Qint) of a single group (0) and `df` = k − 1 as in the real export
//!   (`Fleiss93_CR.csv`).
//!   Not checked: P(Qint) without subgroups (a test on 0 df has no P value; RevMan
//!   prints 0 or 1), `df` with subgroups (k − 1 or the G − 1 of the subgroup test: not
//!   confirmed by an export at hand), P(Q) with a single study (0 df);
//! - **subgroup rows**: the same figures for the subgroup (weight: the sum of its
//!   studies' weights in the outcome); `df` and the subgroup test are not checked there;
//!   a subgroup row that no study row carries has only its arm totals (0) checked;
//! - **study rows**: effect, CI, SE and weight of the model in use. A study the re-run
//!   leaves out (a double zero, an SMD on fewer than 4 participants, an arm total or SD
//!   of 0) is listed in the outcome's `excluded` with the reason, with a warning; its
//!   weight is checked against 0 and its effect, CI and SE are listed as not checked.
//!   Other figure columns on study rows are listed as not checked;
//! - outcomes that cannot be re-run (no outcome row, a data type metapool does not
//!   re-run, swapped events, no study rows, nothing estimable) list every printed figure
//!   as not checked with the reason; a cell of a column the export does not have, too.
//!
//! An outcome's status is `reproduced` when it was re-run and every printed figure is
//! reproduced, `not_reproduced` when some figure is not reproduced or not checked, and
//! `not_checked` when it could not be re-run or prints no figure. `metapool revman`
//! exits with 0 when every outcome is reproduced, 1 otherwise (and 2 for an error of the
//! reader: see [`crate::audit`]).

use super::figure::{Printed, Relation};
use super::{Verdict, VerdictKind};
use crate::analysis::subgroup::{difference_test, subset, SubgroupTest};
use crate::data::revman::{
    Analysis, Figure, Method, Model, PrintedRow, RevManOutcome, Review, StudyArms,
};
use crate::data::{BinaryArms, ContinuousArms, StudyData, StudyTable};
use crate::error::Result;
use crate::model::{pool, Fit, FixedMethod, StudyRow, Tau2Method};
use crate::profile::Profile;
use serde::Serialize;

/// One printed figure against its recomputation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FigureCheck {
    /// Outcome id ("1.4").
    pub outcome: String,
    /// Row number in the file.
    pub row: usize,
    /// The row's name: the outcome, a subgroup or a study.
    pub name: String,
    /// The column as the export's header writes it.
    pub column: String,
    /// As printed.
    pub printed: String,
    /// The verdict, with the recomputed value or the reason it is not checked.
    pub verdict: Verdict,
}

/// A study left out of the re-run of its outcome.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LeftOut {
    /// Row number in the file.
    pub row: usize,
    /// The study's name.
    pub name: String,
    /// Why it is not estimable.
    pub reason: String,
}

/// The status of an outcome (see the module documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OutcomeStatus {
    /// Re-run, and every printed figure reproduced.
    Reproduced,
    /// Re-run, and some printed figure not reproduced or not checked.
    NotReproduced,
    /// Not re-run, or nothing printed to check.
    NotChecked,
}

/// One outcome of an export with the checks of its figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutcomeAudit {
    /// Outcome id ("1.4").
    pub id: String,
    /// Outcome name.
    pub name: String,
    /// The outcome row (`null` when the export has none).
    pub row: Option<usize>,
    /// Data type as the export writes it.
    pub data_type: String,
    /// Method as the export writes it.
    pub method: String,
    /// Effect measure as the export writes it.
    pub measure: String,
    /// Model as the export writes it.
    pub model: String,
    /// Reproduced, not reproduced or not checked.
    pub status: OutcomeStatus,
    /// Why the outcome is not checked, or how many figures do not hold (empty when
    /// reproduced).
    pub reason: String,
    /// Studies left out of the re-run.
    pub excluded: Vec<LeftOut>,
    /// One check per printed figure of the outcome's rows.
    pub checks: Vec<FigureCheck>,
}

/// The audit of a whole export: every outcome, with counts over all printed figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExportAudit {
    /// Printed figures (the checks of every outcome).
    pub figures: usize,
    /// Figures reproduced.
    pub reproduced: usize,
    /// Figures not reproduced.
    pub not_reproduced: usize,
    /// Figures not checked.
    pub not_checked: usize,
    /// Every outcome of the export, in the order of its numbers.
    pub outcomes: Vec<OutcomeAudit>,
    /// The reader's warnings and the studies left out.
    pub warnings: Vec<String>,
}

impl ExportAudit {
    /// Whether every outcome is reproduced (`metapool revman` then exits with 0).
    pub fn holds(&self) -> bool {
        self.outcomes
            .iter()
            .all(|o| o.status == OutcomeStatus::Reproduced)
    }
}

/// What a printed figure is checked against.
enum Expected {
    /// The recomputed value.
    Value(f64),
    /// Why the figure is not checked.
    NotChecked(String),
}

use Expected::{NotChecked, Value};

/// The verdict on one printed figure.
fn verdict(text: &str, expected: &Expected) -> Verdict {
    let value = match expected {
        NotChecked(reason) => return Verdict::new(VerdictKind::NotCheckable, "", reason.clone()),
        Value(v) if !v.is_finite() => {
            return Verdict::new(
                VerdictKind::NotCheckable,
                "",
                format!("the re-run has no value for this figure ({v})"),
            )
        }
        Value(v) => *v,
    };
    let text = text.trim().trim_end_matches('%');
    match text.strip_prefix('<') {
        Some(bound) => match Printed::parse(bound) {
            Ok(b) => {
                let holds = super::consistency::p_consistent(Relation::Below, b, (value, value));
                Verdict::new(
                    if holds {
                        VerdictKind::Reproduced
                    } else {
                        VerdictKind::NotReproduced
                    },
                    format!("{value:.e}"),
                    String::new(),
                )
            }
            Err(e) => Verdict::new(VerdictKind::NotCheckable, "", e.to_string()),
        },
        None => match Printed::parse(text) {
            Ok(p) => {
                let shown = format!("{:.*}", p.decimals as usize, value);
                if p.matches(value) {
                    Verdict::new(VerdictKind::Reproduced, shown, String::new())
                } else {
                    Verdict::new(
                        VerdictKind::NotReproduced,
                        shown,
                        format!("recomputed {value}"),
                    )
                }
            }
            Err(e) => Verdict::new(VerdictKind::NotCheckable, "", e.to_string()),
        },
    }
}

/// Checks every printed cell of `row` against `expected` (a cell of a column the export
/// does not have is not checked).
fn check_row(
    outcome: &str,
    row: &PrintedRow,
    expected: impl Fn(Figure) -> Expected,
    out: &mut Vec<FigureCheck>,
) {
    for cell in &row.figures {
        let expected = match cell.figure {
            Some(f) => expected(f),
            None => NotChecked(format!(
                "'{}' is not a column of the RevMan 5 export: not read",
                cell.column
            )),
        };
        out.push(FigureCheck {
            outcome: outcome.to_string(),
            row: row.row,
            name: row.name.clone(),
            column: cell.column.clone(),
            printed: cell.text.clone(),
            verdict: verdict(&cell.text, &expected),
        });
    }
}

/// The arm totals of a set of studies: events and participants per arm (participants
/// only, for continuous data).
fn arm_totals<'a>(studies: impl Iterator<Item = &'a StudyArms>) -> [Option<f64>; 4] {
    let mut sums = [Some(0.0), Some(0.0), Some(0.0), Some(0.0)];
    for arms in studies {
        let (events, totals) = match *arms {
            StudyArms::Dichotomous {
                events_1,
                total_1,
                events_2,
                total_2,
            } => ([Some(events_1), Some(events_2)], [total_1, total_2]),
            StudyArms::Continuous {
                total_1, total_2, ..
            } => ([None, None], [total_1, total_2]),
            StudyArms::Generic { .. } | StudyArms::ObservedMinusExpected { .. } => {
                return [None; 4];
            }
        };
        for (slot, x) in [
            (0, events[0]),
            (1, Some(totals[0])),
            (2, events[1]),
            (3, Some(totals[1])),
        ] {
            sums[slot] = match (sums[slot], x) {
                (Some(s), Some(x)) => Some(s + x),
                _ => None,
            };
        }
    }
    sums
}

fn arm_total(totals: &[Option<f64>; 4], figure: Figure) -> Option<Expected> {
    let slot = match figure {
        Figure::Events1 => 0,
        Figure::Total1 => 1,
        Figure::Events2 => 2,
        Figure::Total2 => 3,
        _ => return None,
    };
    Some(totals[slot].map_or_else(
        || NotChecked("continuous data have no events".into()),
        Value,
    ))
}

/// The pooled figures of a fit, the model in use (natural scale where RevMan prints it
/// so); `None` for the figures that are not the fit's.
fn pooled(fit: &Fit, model: Model, figure: Figure) -> Option<Expected> {
    let m = fit.measure;
    let h = &fit.heterogeneity;
    let (est, se, lo, hi, z, p) = match (&fit.random, model) {
        (Some(r), Model::Random) => (
            r.pooled.estimate,
            r.pooled.se,
            r.pooled.ci_lower,
            r.pooled.ci_upper,
            r.pooled.statistic,
            r.pooled.p_value,
        ),
        _ => (
            fit.fixed.pooled.estimate,
            fit.fixed.pooled.se,
            fit.fixed.pooled.ci_lower,
            fit.fixed.pooled.ci_upper,
            fit.fixed.pooled.statistic,
            fit.fixed.pooled.p_value,
        ),
    };
    Some(match figure {
        Figure::EffectEstimate => Value(m.to_natural(est)),
        Figure::CiStart => Value(m.to_natural(lo)),
        Figure::CiEnd => Value(m.to_natural(hi)),
        Figure::Se => Value(se),
        Figure::Z => Value(z.abs()),
        Figure::PZ => Value(p),
        Figure::Q => Value(h.q),
        Figure::PQ if h.df == 0.0 => {
            NotChecked("a single study: the heterogeneity test has 0 df and no P value".into())
        }
        Figure::PQ => Value(h.p_value),
        Figure::I2Q => Value(h.i2_q),
        Figure::Tau2 => Value(h.tau2),
        _ => return None,
    })
}

/// A message of the library in the export's words: the columns of metapool's input
/// format (`events_e`, `n_e`, …) named as the export names them (`Events 1`, `Total 1`,
/// …).
fn in_export_terms(message: &str) -> String {
    const NAMES: [(&str, &str); 8] = [
        ("events_e", "Events 1"),
        ("n_e", "Total 1"),
        ("mean_e", "Mean 1"),
        ("sd_e", "SD 1"),
        ("events_c", "Events 2"),
        ("n_c", "Total 2"),
        ("mean_c", "Mean 2"),
        ("sd_c", "SD 2"),
    ];
    let word = |c: char| c.is_alphanumeric() || c == '_';
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(start) = rest.find(|c: char| word(c)) {
        out.push_str(&rest[..start]);
        let tail = &rest[start..];
        let end = tail.find(|c: char| !word(c)).unwrap_or(tail.len());
        let token = &tail[..end];
        out.push_str(
            NAMES
                .iter()
                .find(|(internal, _)| *internal == token)
                .map_or(token, |(_, export)| export),
        );
        rest = &tail[end..];
    }
    out + rest
}

/// Lists every printed figure of an outcome as not checked, for `reason`.
/// The fixed-effect method an export's `Statistical Method` re-runs with.
fn fixed_method(method: Method) -> FixedMethod {
    match method {
        Method::MantelHaenszel => FixedMethod::MantelHaenszel,
        Method::InverseVariance => FixedMethod::InverseVariance,
        Method::Peto => FixedMethod::Peto,
    }
}

fn not_checked(o: &RevManOutcome, reason: &str) -> OutcomeAudit {
    let mut checks = Vec::new();
    for row in o.printed_rows() {
        check_row(&o.id, row, |_| NotChecked(reason.to_string()), &mut checks);
    }
    audit_of(
        o,
        OutcomeStatus::NotChecked,
        reason.to_string(),
        Vec::new(),
        checks,
    )
}

fn audit_of(
    o: &RevManOutcome,
    status: OutcomeStatus,
    reason: String,
    excluded: Vec<LeftOut>,
    mut checks: Vec<FigureCheck>,
) -> OutcomeAudit {
    // In the order of the file (a stable sort keeps the columns of a row in order).
    checks.sort_by_key(|c| c.row);
    OutcomeAudit {
        id: o.id.clone(),
        name: o.name.clone(),
        row: o.row,
        data_type: o.data_type.clone(),
        method: o.method.clone(),
        measure: o.measure.clone(),
        model: o.model.clone(),
        status,
        reason,
        excluded,
        checks,
    }
}

/// The table of the studies that have an effect to estimate, with the index of each in
/// the outcome's study list.
fn study_table(
    source: &str,
    o: &RevManOutcome,
    included: &[usize],
    arms: &[StudyArms],
    with_subgroups: bool,
) -> Result<StudyTable> {
    let data = match arms.first() {
        Some(StudyArms::Continuous { .. }) => {
            let mut c = ContinuousArms {
                mean_e: Vec::new(),
                sd_e: Vec::new(),
                n_e: Vec::new(),
                mean_c: Vec::new(),
                sd_c: Vec::new(),
                n_c: Vec::new(),
            };
            for &i in included {
                if let StudyArms::Continuous {
                    mean_1,
                    sd_1,
                    total_1,
                    mean_2,
                    sd_2,
                    total_2,
                } = arms[i]
                {
                    c.mean_e.push(mean_1);
                    c.sd_e.push(sd_1);
                    c.n_e.push(total_1);
                    c.mean_c.push(mean_2);
                    c.sd_c.push(sd_2);
                    c.n_c.push(total_2);
                }
            }
            StudyData::Continuous(c)
        }
        _ => {
            let mut b = BinaryArms {
                events_e: Vec::new(),
                n_e: Vec::new(),
                events_c: Vec::new(),
                n_c: Vec::new(),
            };
            for &i in included {
                if let StudyArms::Dichotomous {
                    events_1,
                    total_1,
                    events_2,
                    total_2,
                } = arms[i]
                {
                    b.events_e.push(events_1);
                    b.n_e.push(total_1);
                    b.events_c.push(events_2);
                    b.n_c.push(total_2);
                }
            }
            StudyData::Binary(b)
        }
    };
    StudyTable::from_parts(
        source.to_string(),
        included
            .iter()
            .map(|&i| o.studies[i].printed.name.clone())
            .collect(),
        included.iter().map(|&i| o.studies[i].printed.row).collect(),
        data,
        with_subgroups.then(|| {
            included
                .iter()
                .map(|&i| o.studies[i].subgroup.to_string())
                .collect()
        }),
        Vec::new(),
    )
}

/// Re-runs one outcome and checks its printed figures.
fn audit_outcome(source: &str, o: &RevManOutcome, warnings: &mut Vec<String>) -> OutcomeAudit {
    let a: &Analysis = match &o.analysis {
        Ok(a) => a,
        Err(reason) => return not_checked(o, reason),
    };
    if o.studies.is_empty() {
        return not_checked(o, &format!("outcome {} has no study rows", o.id));
    }
    // Every study of a re-run outcome has its arms (the reader reads them).
    let arms: Vec<StudyArms> = o.studies.iter().filter_map(|s| s.arms).collect();
    if arms.len() != o.studies.len() {
        return not_checked(o, "the study data of this outcome were not read");
    }

    // Studies without an effect to estimate are left out before pooling.
    let mut excluded: Vec<LeftOut> = Vec::new();
    let mut left_out: Vec<Option<String>> = vec![None; arms.len()];
    let mut included = Vec::new();
    for (i, arm) in arms.iter().enumerate() {
        match arm.not_estimable() {
            Some(reason) => left_out[i] = Some(reason),
            None => included.push(i),
        }
    }
    let with_subgroups = o.studies.iter().any(|s| s.subgroup > 0) || !o.subgroups.is_empty();
    let (effect, options) = {
        let (effect, mut options) =
            Profile::RevMan5.options(a.measure, a.data_type, Some(fixed_method(a.method)));
        options.tau2 = (a.model == Model::Random).then_some(Tau2Method::DL);
        options.level = match crate::level::Level::new(a.total_level) {
            Ok(level) => level,
            Err(e) => return not_checked(o, &e.to_string()),
        };
        (effect, options)
    };
    let table = if included.is_empty() {
        Err("no study of the outcome has an effect to estimate".to_string())
    } else {
        study_table(source, o, &included, &arms, with_subgroups).map_err(|e| e.to_string())
    };
    let overall: std::result::Result<Fit, String> = table
        .as_ref()
        .map_err(Clone::clone)
        .and_then(|t| pool(t, &effect, &options).map_err(|e| e.to_string()));
    if let Ok(fit) = &overall {
        for e in &fit.excluded {
            if let Some(&i) = included.get(e.index) {
                left_out[i] = Some(in_export_terms(&e.reason));
            }
        }
    }
    for (i, reason) in left_out.iter().enumerate() {
        if let Some(reason) = reason {
            let s = &o.studies[i].printed;
            warnings.push(format!(
                "{source}, row {}: study '{}' of outcome {} is left out of the re-run: {reason}",
                s.row, s.name, o.id
            ));
            excluded.push(LeftOut {
                row: s.row,
                name: s.name.clone(),
                reason: reason.clone(),
            });
        }
    }
    // The table index of each study (None when left out before pooling), and the fit's
    // row of each table index.
    let mut positions: Vec<Option<usize>> = vec![None; arms.len()];
    for (t, &i) in included.iter().enumerate() {
        positions[i] = Some(t);
    }
    let table_index = |i: usize| positions[i];
    let mut fitted_rows: Vec<Option<StudyRow>> = vec![None; included.len()];
    if let Ok(fit) = &overall {
        for s in &fit.studies {
            if let Some(slot) = fitted_rows.get_mut(s.index) {
                *slot = Some(s);
            }
        }
    }
    let weight = |t: usize, model: Model| {
        fitted_rows[t].map(|s| match model {
            Model::Random => s.weight_random.unwrap_or(s.weight_fixed),
            Model::Fixed => s.weight_fixed,
        })
    };

    let mut checks = Vec::new();
    let model = a.model;
    let weight_sum = |members: &[usize]| -> Option<f64> {
        overall.as_ref().ok()?;
        Some(
            members
                .iter()
                .filter_map(|&i| table_index(i).and_then(|t| weight(t, model)))
                .sum(),
        )
    };

    // Subgroups: those with a row and those their studies name.
    let mut numbers: Vec<u32> = o.subgroups.keys().copied().collect();
    for s in &o.studies {
        if s.subgroup > 0 && !numbers.contains(&s.subgroup) {
            numbers.push(s.subgroup);
        }
    }
    numbers.sort_unstable();
    let mut group_fits: Vec<(u32, std::result::Result<Fit, String>)> = Vec::new();
    for &g in &numbers {
        let members: Vec<usize> = (0..o.studies.len())
            .filter(|&i| o.studies[i].subgroup == g)
            .collect();
        let in_table: Vec<usize> = members.iter().filter_map(|&i| table_index(i)).collect();
        let fit = if members.is_empty() {
            Err(format!("no study row carries Subgroup Number {g}"))
        } else if in_table.is_empty() {
            Err(format!(
                "no study of subgroup {g} has an effect to estimate"
            ))
        } else {
            match &table {
                Ok(t) => subset(t, &in_table)
                    .and_then(|t| pool(&t, &effect, &options))
                    .map_err(|e| e.to_string()),
                Err(e) => Err(e.clone()),
            }
        };
        if let Some(row) = o.subgroups.get(&g) {
            let totals = arm_totals(members.iter().map(|&i| &arms[i]));
            let weights = weight_sum(&members);
            check_row(
                &o.id,
                row,
                |f| {
                    if let Some(e) = arm_total(&totals, f) {
                        return e;
                    }
                    let fit = match &fit {
                        Ok(fit) => fit,
                        Err(e) => return NotChecked(e.clone()),
                    };
                    if let Some(e) = pooled(fit, model, f) {
                        return e;
                    }
                    match f {
                        Figure::Weight => weights.map_or_else(
                            || NotChecked("the outcome could not be re-run".into()),
                            Value,
                        ),
                        Figure::Qint | Figure::PQint | Figure::I2Qint => NotChecked(
                            "the test for subgroup differences belongs to the outcome row".into(),
                        ),
                        Figure::Df => NotChecked(
                            "df on a subgroup row (k − 1 of the subgroup?) is not confirmed by \
                             an export at hand"
                                .into(),
                        ),
                        _ => NotChecked(format!("no {} on a subgroup row", f.name())),
                    }
                },
                &mut checks,
            );
        }
        group_fits.push((g, fit));
    }

    // The test for subgroup differences, over the subgroups that have studies.
    let test: std::result::Result<Option<SubgroupTest>, String> = if !with_subgroups {
        Ok(None)
    } else {
        let studied: Vec<&(u32, std::result::Result<Fit, String>)> = group_fits
            .iter()
            .filter(|(g, _)| o.studies.iter().any(|s| s.subgroup == *g))
            .collect();
        match studied.iter().find(|(_, f)| f.is_err()) {
            Some((g, Err(e))) => Err(format!(
                "subgroup {g} cannot be pooled ({e}); how RevMan's test for subgroup \
                 differences treats it is not confirmed"
            )),
            _ => {
                let (estimates, se): (Vec<f64>, Vec<f64>) = studied
                    .iter()
                    .filter_map(|(_, f)| f.as_ref().ok())
                    .map(|f| match (&f.random, model) {
                        (Some(r), Model::Random) => (r.pooled.estimate, r.pooled.se),
                        _ => (f.fixed.pooled.estimate, f.fixed.pooled.se),
                    })
                    .unzip();
                Ok(Some(difference_test(&estimates, &se)))
            }
        }
    };

    // The outcome row.
    if let Some(row) = &o.pooled {
        let totals = arm_totals(arms.iter());
        let all: Vec<usize> = (0..o.studies.len()).collect();
        let weights = weight_sum(&all);
        check_row(
            &o.id,
            row,
            |f| {
                if let Some(e) = arm_total(&totals, f) {
                    return e;
                }
                let fit = match &overall {
                    Ok(fit) => fit,
                    Err(e) => return NotChecked(e.clone()),
                };
                if let Some(e) = pooled(fit, model, f) {
                    return e;
                }
                match (f, &test) {
                    (Figure::Weight, _) => weights.map_or_else(
                        || NotChecked("the outcome could not be re-run".into()),
                        Value,
                    ),
                    (Figure::Df, Ok(None)) => Value(fit.heterogeneity.df),
                    (Figure::Df, _) => NotChecked(
                        "with subgroups, whether df is k − 1 or the G − 1 of the test for \
                         subgroup differences is not confirmed by an export at hand"
                            .into(),
                    ),
                    // Without subgroups the studies are one group: Q between groups is 0.
                    (Figure::Qint | Figure::I2Qint, Ok(None)) => Value(0.0),
                    (Figure::PQint, Ok(None)) => NotChecked(
                        "no subgroups: the test for subgroup differences has 0 df and no P \
                         value (RevMan prints 0 or 1)"
                            .into(),
                    ),
                    (Figure::PQint, Ok(Some(t))) if t.df == 0.0 => NotChecked(
                        "one subgroup: the test for subgroup differences has 0 df and no P \
                         value"
                            .into(),
                    ),
                    (Figure::Qint, Ok(Some(t))) => Value(t.q),
                    (Figure::PQint, Ok(Some(t))) => Value(t.p_value),
                    (Figure::I2Qint, Ok(Some(t))) => Value(t.i2),
                    (Figure::Qint | Figure::PQint | Figure::I2Qint, Err(e)) => {
                        NotChecked(e.clone())
                    }
                    _ => NotChecked(format!("no {} on an outcome row", f.name())),
                }
            },
            &mut checks,
        );
    }

    // The study rows, on the fit of the whole outcome.
    let z = crate::distribution::normal_critical(a.study_level);
    for (i, study) in o.studies.iter().enumerate() {
        let fitted = overall
            .as_ref()
            .ok()
            .and_then(|fit| Some((fit, fitted_rows[table_index(i)?]?)));
        check_row(
            &o.id,
            &study.printed,
            |f| {
                if let Some(reason) = &left_out[i] {
                    return match f {
                        Figure::Weight => Value(0.0),
                        Figure::EffectEstimate | Figure::CiStart | Figure::CiEnd | Figure::Se => {
                            NotChecked(format!("not estimable in the re-run: {reason}"))
                        }
                        _ => NotChecked(format!("no {} on a study row", f.name())),
                    };
                }
                let (fit, s) = match (&overall, fitted) {
                    (_, Some(fs)) => fs,
                    (Err(e), None) => return NotChecked(e.clone()),
                    (Ok(_), None) => {
                        return NotChecked("the study is not in the re-run's fit".into())
                    }
                };
                let m = fit.measure;
                let se = s.vi.sqrt();
                match f {
                    Figure::EffectEstimate => Value(m.to_natural(s.yi)),
                    Figure::CiStart => Value(m.to_natural(s.yi - z * se)),
                    Figure::CiEnd => Value(m.to_natural(s.yi + z * se)),
                    Figure::Se => Value(se),
                    Figure::Weight => weight(s.index, model).map_or_else(
                        || NotChecked("the study is not in the re-run's fit".into()),
                        Value,
                    ),
                    _ => NotChecked(format!("no {} on a study row", f.name())),
                }
            },
            &mut checks,
        );
    }

    let (status, reason) = match &overall {
        Err(e) => (OutcomeStatus::NotChecked, e.clone()),
        Ok(_) if checks.is_empty() => (
            OutcomeStatus::NotChecked,
            "the export prints no figure of this outcome".to_string(),
        ),
        Ok(_) => {
            let not_reproduced = checks
                .iter()
                .filter(|c| c.verdict.kind == VerdictKind::NotReproduced)
                .count();
            let not_checked = checks
                .iter()
                .filter(|c| c.verdict.kind == VerdictKind::NotCheckable)
                .count();
            if not_reproduced + not_checked == 0 {
                (OutcomeStatus::Reproduced, String::new())
            } else {
                (
                    OutcomeStatus::NotReproduced,
                    format!(
                        "of {} figures, {not_reproduced} not reproduced and {not_checked} not \
                         checked",
                        checks.len()
                    ),
                )
            }
        }
    };
    audit_of(o, status, reason, excluded, checks)
}

/// Re-runs every outcome of an export and checks each printed figure (see the module
/// documentation); nothing of the export is left out of the result.
pub fn audit_export(export: &Review) -> ExportAudit {
    let mut warnings = export.warnings.clone();
    let outcomes: Vec<OutcomeAudit> = export
        .outcomes
        .iter()
        .map(|o| audit_outcome(&export.source, o, &mut warnings))
        .collect();
    let count = |kind: VerdictKind| {
        outcomes
            .iter()
            .flat_map(|o| &o.checks)
            .filter(|c| c.verdict.kind == kind)
            .count()
    };
    ExportAudit {
        figures: outcomes.iter().map(|o| o.checks.len()).sum(),
        reproduced: count(VerdictKind::Reproduced),
        not_reproduced: count(VerdictKind::NotReproduced),
        not_checked: count(VerdictKind::NotCheckable),
        outcomes,
        warnings,
    }
}
