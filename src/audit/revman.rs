//! Re-running the analyses of a Cochrane review file and checking every printed figure
//! (`metapool revman`).
//!
//! Each analysis is re-run from its study rows ([`crate::analysis::review::rerun`])
//! with the RevMan 5 profile and the method, measure, model and levels the file names
//! ([`file_options`]; `MH` → Mantel-Haenszel, `IV` → inverse variance, `PETO` → Peto;
//! generic and O-E data by inverse variance; `Random` → DerSimonian-Laird about the
//! fixed estimate in use). Every printed figure of the file is in the report, checked at
//! the precision its format stores ([`crate::data::revman::Precision`]: `.rm5` doubles to
//! 1e-9 relative or 1e-12 absolute; a data package's 6 decimals; a CSV export's printed
//! digits) or listed as not checked with the reason:
//!
//! - **analysis row**: arm totals (sums over its studies, every study counted, those left
//!   out of the estimate too, as in RevMan's totals), the number of studies, effect and
//!   CI (natural scale), their base-10 logarithms (`.rm5` `LOG_*`), SE (analysis scale),
//!   weight (the sum of its studies' weights), Q, P(Q), I², τ², Z (absolute value), P(Z),
//!   `ESTIMABLE`; the test for subgroup differences (Qint, its df, P, I²) of the model in
//!   use; without subgroups Qint and I²(Qint) are 0 and P(Qint) is RevMan's placeholder
//!   0 or 1 (a test on 0 df has no P value). `df` is the heterogeneity df k − 1; in a CSV
//!   export with subgroups, where it may be the subgroup test's G − 1 (not confirmed by
//!   an export at hand), it is not checked. P(Q) with a single study (0 df) is not
//!   checked;
//! - **P values of χ² tests** are RevMan 5's own computation
//!   ([`crate::distribution::revman5_chisq_sf`], identified on the fixtures), or the
//!   exact tail (a later RevMan may print it); where RevMan 5's series cannot be summed a
//!   value within 2e-6 of the exact tail is `consistent`: "agrees within RevMan's χ²
//!   accuracy";
//! - **subgroup rows**: the same figures for the subgroup (weight: the sum of its
//!   studies' weights in the analysis); the subgroup test belongs to the analysis row;
//! - **study rows**: effect, CI, logs, SE, VAR (SE²), O_E (Peto's O − E; RevMan's 0 for
//!   other methods), weight and `ESTIMABLE` of the model in use. A study the re-run
//!   leaves out (a double zero, an SMD on fewer than 4 participants, an arm total, SD or
//!   SE of 0) is listed in the analysis's `excluded` with the reason, with a warning; its
//!   weight is checked against 0, `ESTIMABLE` against NO, its effect, CI and SE are
//!   listed as not checked;
//! - analyses that cannot be re-run (no analysis row, other data, no study rows, nothing
//!   estimable) list every printed figure as not checked with the reason; a cell of a
//!   column the reader does not know, too;
//! - a data package's analysis whose estimate and CI are all printed as 0 (RevMan Web did
//!   not compute it) has its zeros listed as not checked, its arm totals, df and number
//!   of studies checked.
//!
//! An analysis's status is `reproduced` when it was re-run and every printed figure is
//! reproduced (or consistent), `not_computed` when the file holds no results of it and
//! every figure it does hold is reproduced, `not_reproduced` when some figure is not
//! reproduced or not checked, and `not_checked` when it could not be re-run or prints no
//! figure. `metapool revman` exits with 0 when every analysis is reproduced or not
//! computed, 1 otherwise (and 2 for an error of the reader: see [`crate::audit`]).

use super::figure::{Printed, Relation};
use super::{Verdict, VerdictKind};
use crate::analysis::review::rerun;
use crate::data::revman::{
    Analysis, Figure, Method, Model, Precision, PrintedRow, RevManOutcome, Review, ReviewFormat,
    StudyArms,
};
use crate::data::DataType;
use crate::model::{Fit, FixedMethod, Tau2Method};
use crate::profile::Profile;
use serde::Serialize;

/// One printed figure against its recomputation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FigureCheck {
    /// Outcome id ("1.4").
    pub outcome: String,
    /// Row number in the file (the line of the element in an `.rm5` file).
    pub row: usize,
    /// The file of a data package the row is in (absent: the review file itself).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// The row's name: the outcome, a subgroup or a study.
    pub name: String,
    /// The column as the file's header writes it (the attribute in an `.rm5` file).
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
    /// Re-run, but the file holds no results of it (a data package's analysis printed
    /// as 0 throughout): nothing printed to disagree with, and every figure RevMan did
    /// write (arm totals, df, the number of studies) reproduced.
    NotComputed,
}

/// One outcome of an export with the checks of its figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutcomeAudit {
    /// Outcome id ("1.4").
    pub id: String,
    /// The name of its comparison (empty when the file has none).
    pub comparison: String,
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

/// The audit of a whole review: every outcome, with counts over all printed figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReviewAudit {
    /// The file.
    pub source: String,
    /// Its format.
    pub format: ReviewFormat,
    /// Printed figures (the checks of every outcome).
    pub figures: usize,
    /// Figures reproduced (with those of RevMan's χ² accuracy).
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

impl ReviewAudit {
    /// Whether every outcome is reproduced, or not computed in the file and reproduced
    /// in what it holds (`metapool revman` then exits with 0).
    pub fn holds(&self) -> bool {
        self.outcomes.iter().all(|o| {
            matches!(
                o.status,
                OutcomeStatus::Reproduced | OutcomeStatus::NotComputed
            )
        })
    }
}

/// What a printed figure is checked against.
enum Expected {
    /// The recomputed value.
    Value(f64),
    /// The values RevMan writes for a figure that has none (the P value of a test on 0
    /// df: 0 or 1), and why.
    Placeholder(&'static [f64], &'static str),
    /// A χ² tail probability: RevMan 5's own computation when it can be summed
    /// ([`crate::distribution::revman5_chisq_sf`]) and the exact tail.
    Chi2Tail {
        /// RevMan 5's series.
        revman: Option<f64>,
        /// The exact upper tail.
        exact: f64,
    },
    /// A word RevMan writes (`YES`, `NO`).
    Word(&'static str),
    /// Why the figure is not checked.
    NotChecked(String),
}

use Expected::{NotChecked, Value};

/// How far RevMan 5's χ² tail is from the exact one at the df of meta-analyses (its
/// series stops at a term below 10⁻⁶ of the sum; 1.9e-6 at χ² = 200 on 150 df).
const REVMAN_CHI2_ACCURACY: f64 = 2e-6;

/// The agreement of a recomputed value with a double RevMan wrote in full (`.rm5`):
/// 1e-9 relative, or 1e-12 absolute for figures that are 0 but for rounding.
fn agrees_as_double(printed: f64, value: f64) -> bool {
    let difference = (printed - value).abs();
    difference <= 1e-9 * printed.abs().max(value.abs()) || difference <= 1e-12
}

fn reproduced(holds: bool, shown: String, reason: impl Into<String>) -> Verdict {
    if holds {
        Verdict::new(VerdictKind::Reproduced, shown, String::new())
    } else {
        Verdict::new(VerdictKind::NotReproduced, shown, reason)
    }
}

/// A printed number against a recomputed value at the precision of its format.
fn numeric(text: &str, value: f64, precision: Precision) -> Verdict {
    if !value.is_finite() {
        return Verdict::new(
            VerdictKind::NotCheckable,
            "",
            format!("the re-run has no value for this figure ({value})"),
        );
    }
    let text = text.trim().trim_end_matches('%');
    if precision == Precision::Double {
        return match text.parse::<f64>() {
            Ok(x) if x.is_finite() => reproduced(
                agrees_as_double(x, value),
                format!("{value}"),
                format!(
                    "recomputed {value}: differs by {:.1e} relative (agreement is to 1e-9)",
                    (x - value).abs() / x.abs().max(value.abs())
                ),
            ),
            _ => Verdict::new(
                VerdictKind::NotCheckable,
                "",
                format!("RevMan wrote '{text}', not a finite number"),
            ),
        };
    }
    // A number in exponent notation (`7.1971415E-1`): reproduced when it rounds to the
    // printed digits of its mantissa.
    if let Some((mantissa, exponent)) = text.split_once(['e', 'E']) {
        if let (Ok(x), Ok(e)) = (text.parse::<f64>(), exponent.parse::<i32>()) {
            let digits = mantissa.split_once('.').map_or(0, |(_, f)| f.len()) as i32;
            let half = 0.5 * 10f64.powi(e - digits);
            return reproduced(
                (x - value).abs() <= half * (1.0 + 1e-9),
                format!("{value:e}"),
                format!("recomputed {value}"),
            );
        }
    }
    if let Some(bound) = text.strip_prefix('<') {
        return match Printed::parse(bound) {
            Ok(b) => reproduced(
                super::consistency::p_consistent(Relation::Below, b, (value, value)),
                format!("{value:.e}"),
                String::new(),
            ),
            Err(e) => Verdict::new(VerdictKind::NotCheckable, "", e.to_string()),
        };
    }
    match Printed::parse(text) {
        Ok(mut p) => {
            let mut shown = format!("{:.*}", p.decimals as usize, value);
            if let Precision::Decimals(d) = precision {
                // Rounded to d decimals, trailing zeros dropped.
                if p.decimals < d {
                    p.decimals = d;
                    shown = format!("{value:.*}", d as usize);
                    if shown.contains('.') {
                        shown = shown
                            .trim_end_matches('0')
                            .trim_end_matches('.')
                            .to_string();
                    }
                }
            }
            reproduced(p.matches(value), shown, format!("recomputed {value}"))
        }
        Err(e) => Verdict::new(VerdictKind::NotCheckable, "", e.to_string()),
    }
}

/// The verdict on one printed figure.
fn verdict(text: &str, expected: &Expected, precision: Precision) -> Verdict {
    match expected {
        NotChecked(reason) => Verdict::new(VerdictKind::NotCheckable, "", reason.clone()),
        Value(v) => numeric(text, *v, precision),
        Expected::Word(word) => reproduced(
            text.trim().eq_ignore_ascii_case(word),
            word.to_string(),
            format!("RevMan wrote {text}, the re-run says {word}"),
        ),
        Expected::Placeholder(values, why) => {
            let holds = values
                .iter()
                .any(|&v| numeric(text, v, precision).kind == VerdictKind::Reproduced);
            let shown = values
                .iter()
                .map(|v| v.to_string())
                .collect::<Vec<_>>()
                .join(" or ");
            if holds {
                Verdict::new(VerdictKind::Reproduced, shown, why.to_string())
            } else {
                Verdict::new(
                    VerdictKind::NotReproduced,
                    shown.clone(),
                    format!("expected {shown}: {why}"),
                )
            }
        }
        Expected::Chi2Tail { revman, exact } => {
            let exactly = numeric(text, *exact, precision);
            match revman {
                // RevMan 5's computation, identified: the figure is it (or the exact tail,
                // which a later RevMan may print).
                Some(r) => {
                    let v = numeric(text, *r, precision);
                    if v.kind == VerdictKind::Reproduced
                        || exactly.kind != VerdictKind::NotReproduced
                    {
                        return if v.kind == VerdictKind::Reproduced {
                            v
                        } else {
                            exactly
                        };
                    }
                    Verdict::new(
                        v.kind,
                        v.recomputed,
                        format!("{}; the exact tail is {exact}", v.reason),
                    )
                }
                // Where RevMan 5's series cannot be summed, what it prints is not known:
                // a figure within its accuracy of the exact tail has its own verdict.
                None => match text.trim().parse::<f64>() {
                    Ok(p)
                        if exactly.kind == VerdictKind::NotReproduced
                            && (p - exact).abs() <= REVMAN_CHI2_ACCURACY =>
                    {
                        Verdict::new(
                            VerdictKind::Consistent,
                            exactly.recomputed,
                            format!(
                                "agrees within RevMan's χ² accuracy, |Δ| = {:.0e} from the \
                                 exact tail {exact}",
                                (p - exact).abs()
                            ),
                        )
                    }
                    _ => exactly,
                },
            }
        }
    }
}

/// The review being audited: where its figures come from and how precisely they are
/// stored.
struct Context<'a> {
    source: &'a str,
    format: ReviewFormat,
}

impl Context<'_> {
    /// Checks every printed cell of `row` against `expected` (a cell of a column the
    /// reader does not know is not checked).
    fn check_row(
        &self,
        outcome: &str,
        row: &PrintedRow,
        expected: impl Fn(Figure) -> Expected,
        out: &mut Vec<FigureCheck>,
    ) {
        for cell in &row.figures {
            let expected = match cell.figure {
                Some(f) => expected(f),
                None => NotChecked(format!(
                    "'{}' is not a column of the {}: not read",
                    cell.column,
                    self.format.name()
                )),
            };
            out.push(FigureCheck {
                outcome: outcome.to_string(),
                row: row.row,
                file: row.file.clone(),
                name: row.name.clone(),
                column: cell.column.clone(),
                printed: cell.text.clone(),
                verdict: verdict(&cell.text, &expected, self.format.precision()),
            });
        }
    }

    /// Whether the format's `df` is the heterogeneity df of its row in every case
    /// (`.rm5` `DF`, the data package's `Heterogeneity df`); the CSV export's `df` with
    /// subgroups may be the subgroup test's.
    fn df_is_heterogeneity(&self) -> bool {
        self.format != ReviewFormat::CsvExport
    }
}

/// The arm totals of a set of studies: events and participants per arm (participants
/// only, for continuous data; none for generic and O-E data).
fn arm_totals<'a>(studies: impl Iterator<Item = &'a StudyArms>) -> [Option<f64>; 4] {
    let mut sums = [Some(0.0), Some(0.0), Some(0.0), Some(0.0)];
    for arms in studies {
        let (events, totals) = match *arms {
            StudyArms::Dichotomous {
                events_1,
                total_1,
                events_2,
                total_2,
            } => (
                [Some(events_1), Some(events_2)],
                [Some(total_1), Some(total_2)],
            ),
            StudyArms::Continuous {
                total_1, total_2, ..
            } => ([None, None], [Some(total_1), Some(total_2)]),
            StudyArms::Generic { .. } | StudyArms::ObservedMinusExpected { .. } => {
                ([None, None], [None, None])
            }
        };
        for (slot, x) in [
            (0, events[0]),
            (1, totals[0]),
            (2, events[1]),
            (3, totals[1]),
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
        || NotChecked("the data of this outcome have no events or participants per arm".into()),
        Value,
    ))
}

/// A χ² tail probability, as RevMan 5 computes it and exactly.
fn chi2_tail(q: f64, df: f64, exact: f64) -> Expected {
    Expected::Chi2Tail {
        revman: crate::distribution::revman5_chisq_sf(q, df),
        exact,
    }
}

/// A figure on RevMan's log scale, the base-10 logarithm of the ratio (`.rm5`
/// `LOG_EFFECT_SIZE="-0.0473"` for the odds ratio 0.8969 of the Fleiss fixture), from the
/// natural logarithm `x`; not checked for an analysis that is not on the log scale.
fn on_log_scale(a: &Analysis, x: f64) -> Expected {
    if a.ratio {
        Value(x / std::f64::consts::LN_10)
    } else {
        NotChecked("a log-scale figure of an analysis that is not on the log scale".into())
    }
}

/// The pooled figures of a fit, the model in use (natural scale where RevMan prints it
/// so); `None` for the figures that are not the fit's.
fn pooled(fit: &Fit, a: &Analysis, figure: Figure) -> Option<Expected> {
    let h = &fit.heterogeneity;
    let p = match (&fit.random, a.model) {
        (Some(r), Model::Random) => &r.pooled,
        _ => &fit.fixed.pooled,
    };
    let natural = |x: f64| Value(if a.ratio { x.exp() } else { x });
    Some(match figure {
        Figure::EffectEstimate => natural(p.estimate),
        Figure::CiStart => natural(p.ci_lower),
        Figure::CiEnd => natural(p.ci_upper),
        Figure::LogEffectEstimate => on_log_scale(a, p.estimate),
        Figure::LogCiStart => on_log_scale(a, p.ci_lower),
        Figure::LogCiEnd => on_log_scale(a, p.ci_upper),
        Figure::Se => Value(p.se),
        Figure::Z => Value(p.statistic.abs()),
        Figure::PZ => Value(p.p_value),
        Figure::Q => Value(h.q),
        Figure::PQ if h.df == 0.0 => {
            NotChecked("a single study: the heterogeneity test has 0 df and no P value".into())
        }
        Figure::PQ => chi2_tail(h.q, h.df, h.p_value),
        Figure::I2Q => Value(h.i2_q),
        Figure::Tau2 => Value(h.tau2),
        Figure::Estimable => Expected::Word("YES"),
        _ => return None,
    })
}

/// The fixed-effect method an outcome re-runs with: its own for dichotomous data,
/// inverse variance for the others (Peto's O-E outcomes are pooled by inverse variance
/// on V: Σ(O − E)/ΣV).
fn fixed_method(a: &Analysis) -> FixedMethod {
    match (a.data_type, a.method) {
        (DataType::Binary, Method::MantelHaenszel) => FixedMethod::MantelHaenszel,
        (DataType::Binary, Method::Peto) => FixedMethod::Peto,
        _ => FixedMethod::InverseVariance,
    }
}

/// The effect and pooling options of the analysis as the review file names it: RevMan
/// 5's conventions with the file's method, measure, model (random: DerSimonian-Laird
/// about the fixed-effect estimate in use) and level.
///
/// # Errors
/// The reason, when the file's level is not a level.
pub fn file_options(
    a: &Analysis,
) -> std::result::Result<(crate::effect::EffectOptions, crate::model::PoolOptions), String> {
    let (effect, mut options) =
        Profile::RevMan5.options(a.measure, a.data_type, Some(fixed_method(a)));
    options.tau2 = (a.model == Model::Random).then_some(Tau2Method::DL);
    options.level = crate::level::Level::new(a.total_level).map_err(|e| e.to_string())?;
    Ok((effect, options))
}

/// Lists every printed figure of an outcome as not checked, for `reason`.
fn not_checked(
    cx: &Context,
    o: &RevManOutcome,
    status: OutcomeStatus,
    reason: &str,
) -> OutcomeAudit {
    let mut checks = Vec::new();
    for row in o.printed_rows() {
        cx.check_row(&o.id, row, |_| NotChecked(reason.to_string()), &mut checks);
    }
    audit_of(o, status, reason.to_string(), Vec::new(), checks)
}

fn audit_of(
    o: &RevManOutcome,
    status: OutcomeStatus,
    reason: String,
    excluded: Vec<LeftOut>,
    mut checks: Vec<FigureCheck>,
) -> OutcomeAudit {
    // In the order of the file (a stable sort keeps the columns of a row in order); a
    // data package's files in the order outcome, subgroups, studies.
    let files: Vec<Option<&String>> = o
        .pooled
        .iter()
        .chain(o.subgroups.values())
        .chain(o.studies.iter().map(|s| &s.printed))
        .map(|r| r.file.as_ref())
        .collect();
    let rank = |file: &Option<String>| files.iter().position(|f| *f == file.as_ref());
    checks.sort_by(|a, b| rank(&a.file).cmp(&rank(&b.file)).then(a.row.cmp(&b.row)));
    OutcomeAudit {
        id: o.id.clone(),
        comparison: o.comparison.clone(),
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

/// Whether the data package printed 0 for every result of the analysis (RevMan Web
/// writes 0 where it computed nothing: the SMD analysis of the Fleiss fixture).
fn not_computed(cx: &Context, o: &RevManOutcome) -> bool {
    let Some(row) = &o.pooled else { return false };
    let zero = |f: Figure| {
        row.figures
            .iter()
            .find(|c| c.figure == Some(f))
            .is_some_and(|c| c.text.trim().parse::<f64>() == Ok(0.0))
    };
    cx.format == ReviewFormat::WebPackage
        && [Figure::EffectEstimate, Figure::CiStart, Figure::CiEnd]
            .into_iter()
            .all(zero)
}

/// The figures every row has whether or not RevMan computed the analysis.
fn counted(figure: Figure) -> bool {
    figure.is_arm_total() || matches!(figure, Figure::Df | Figure::Studies)
}

/// Re-runs one outcome and checks its printed figures.
fn audit_outcome(cx: &Context, o: &RevManOutcome, warnings: &mut Vec<String>) -> OutcomeAudit {
    let source = cx.source;
    let a: &Analysis = match &o.analysis {
        Ok(a) => a,
        Err(reason) => return not_checked(cx, o, OutcomeStatus::NotChecked, reason),
    };
    if o.studies.is_empty() {
        return not_checked(
            cx,
            o,
            OutcomeStatus::NotChecked,
            &format!("outcome {} has no study rows", o.id),
        );
    }
    // Every study of a re-run outcome has its data (the reader reads them).
    if o.studies.iter().any(|s| s.arms.is_none()) {
        return not_checked(
            cx,
            o,
            OutcomeStatus::NotChecked,
            "the study data of this outcome were not read",
        );
    }
    let uncomputed = not_computed(cx, o);
    let uncomputed_reason = "RevMan Web wrote 0 for every result of this analysis: it was not \
                             computed, and its zeros are not figures to check";
    let (effect, options) = match file_options(a) {
        Ok(options) => options,
        Err(e) => return not_checked(cx, o, OutcomeStatus::NotChecked, &e),
    };
    let run = rerun(source, o, a, &effect, &options, a.model);
    let mut excluded: Vec<LeftOut> = Vec::new();
    for (i, reason) in run.left_out.iter().enumerate() {
        if let Some(reason) = reason {
            let s = &o.studies[i].printed;
            warnings.push(format!(
                "{source}, {} {}: study '{}' of outcome {} is left out of the re-run: {reason}",
                cx.format.row_word(),
                s.row,
                s.name,
                o.id
            ));
            excluded.push(LeftOut {
                row: s.row,
                name: s.name.clone(),
                reason: reason.clone(),
            });
        }
    }
    let overall = &run.overall;
    let mut checks = Vec::new();
    // A figure RevMan did not compute, or what `check` expects of it.
    let unless_uncomputed = |f: Figure, check: &dyn Fn(Figure) -> Expected| {
        if uncomputed && !counted(f) {
            NotChecked(uncomputed_reason.to_string())
        } else {
            check(f)
        }
    };

    for group in &run.subgroups {
        let Some(row) = o.subgroups.get(&group.number) else {
            continue;
        };
        let members = &group.members;
        let totals = arm_totals(members.iter().filter_map(|&i| o.studies[i].arms.as_ref()));
        let weights = run.weight_sum(members);
        let check = |f: Figure| {
            if let Some(e) = arm_total(&totals, f) {
                return e;
            }
            if f == Figure::Studies {
                return Value(members.len() as f64);
            }
            let fit = match &group.fit {
                Ok(fit) => fit,
                Err(e) => return NotChecked(e.clone()),
            };
            if let Some(e) = pooled(fit, a, f) {
                return e;
            }
            match f {
                Figure::Weight => weights.map_or_else(
                    || NotChecked("the outcome could not be re-run".into()),
                    Value,
                ),
                Figure::Df if cx.df_is_heterogeneity() => Value(fit.heterogeneity.df),
                Figure::Qint | Figure::PQint | Figure::I2Qint | Figure::DfQint => NotChecked(
                    "the test for subgroup differences belongs to the outcome row".into(),
                ),
                Figure::Df => NotChecked(
                    "df on a subgroup row (k − 1 of the subgroup?) is not confirmed by an \
                     export at hand"
                        .into(),
                ),
                _ => NotChecked(format!("no {} on a subgroup row", f.name())),
            }
        };
        cx.check_row(&o.id, row, |f| unless_uncomputed(f, &check), &mut checks);
    }
    let test = &run.test;

    // The outcome row.
    if let Some(row) = &o.pooled {
        let totals = arm_totals(o.studies.iter().filter_map(|s| s.arms.as_ref()));
        let all: Vec<usize> = (0..o.studies.len()).collect();
        let weights = run.weight_sum(&all);
        let check = |f: Figure| {
            if let Some(e) = arm_total(&totals, f) {
                return e;
            }
            if f == Figure::Studies {
                return Value(o.studies.len() as f64);
            }
            let fit = match overall {
                Ok(fit) => fit,
                Err(e) => return NotChecked(e.clone()),
            };
            if let Some(e) = pooled(fit, a, f) {
                return e;
            }
            const NO_TEST: &str = "no subgroups: the test for subgroup differences has 0 df and \
                                   no P value (RevMan writes 0 or 1)";
            match (f, test) {
                (Figure::Weight, _) => weights.map_or_else(
                    || NotChecked("the outcome could not be re-run".into()),
                    Value,
                ),
                (Figure::Df, Ok(None)) => Value(fit.heterogeneity.df),
                (Figure::Df, _) if cx.df_is_heterogeneity() => Value(fit.heterogeneity.df),
                (Figure::Df, _) => NotChecked(
                    "with subgroups, whether df is k − 1 or the G − 1 of the test for subgroup \
                     differences is not confirmed by an export at hand"
                        .into(),
                ),
                // Without subgroups the studies are one group: Q between groups is 0.
                (Figure::Qint | Figure::I2Qint | Figure::DfQint, Ok(None)) => Value(0.0),
                (Figure::PQint, Ok(None)) => Expected::Placeholder(&[0.0, 1.0], NO_TEST),
                (Figure::PQint, Ok(Some(t))) if t.df == 0.0 => Expected::Placeholder(
                    &[0.0, 1.0],
                    "one subgroup: the test for subgroup differences has 0 df and no P value \
                     (RevMan writes 0 or 1)",
                ),
                (Figure::Qint, Ok(Some(t))) => Value(t.q),
                (Figure::DfQint, Ok(Some(t))) => Value(t.df),
                (Figure::PQint, Ok(Some(t))) => chi2_tail(t.q, t.df, t.p_value),
                (Figure::I2Qint, Ok(Some(t))) => Value(t.i2),
                (Figure::Qint | Figure::PQint | Figure::I2Qint | Figure::DfQint, Err(e)) => {
                    NotChecked(e.clone())
                }
                _ => NotChecked(format!("no {} on an outcome row", f.name())),
            }
        };
        cx.check_row(&o.id, row, |f| unless_uncomputed(f, &check), &mut checks);
    }

    // The study rows, on the fit of the whole outcome.
    let z = crate::distribution::normal_critical(a.study_level);
    for (i, study) in o.studies.iter().enumerate() {
        let check = |f: Figure| {
            if let Some(reason) = &run.left_out[i] {
                return match f {
                    Figure::Weight => Value(0.0),
                    Figure::Estimable => Expected::Word("NO"),
                    Figure::Oe if a.method != Method::Peto => Value(0.0),
                    _ => NotChecked(format!("not estimable in the re-run: {reason}")),
                };
            }
            let s = match (overall, run.study(i)) {
                (_, Some(s)) => s,
                (Err(e), None) => return NotChecked(e.clone()),
                (Ok(_), None) => return NotChecked("the study is not in the re-run's fit".into()),
            };
            let natural = |x: f64| Value(if a.ratio { x.exp() } else { x });
            let se = s.vi.sqrt();
            match f {
                Figure::EffectEstimate => natural(s.yi),
                Figure::CiStart => natural(s.yi - z * se),
                Figure::CiEnd => natural(s.yi + z * se),
                Figure::LogEffectEstimate => on_log_scale(a, s.yi),
                Figure::LogCiStart => on_log_scale(a, s.yi - z * se),
                Figure::LogCiEnd => on_log_scale(a, s.yi + z * se),
                Figure::Se => Value(se),
                Figure::Var => Value(s.vi),
                // Peto's ln OR is (O − E)/V with variance 1/V: O − E = yi/vi.
                Figure::Oe if a.method == Method::Peto => Value(s.yi / s.vi),
                Figure::Oe => Expected::Placeholder(
                    &[0.0],
                    "O − E is a figure of Peto's method; RevMan writes 0 for the others",
                ),
                Figure::Estimable => Expected::Word("YES"),
                Figure::Weight => run.weight(i).map_or_else(
                    || NotChecked("the study is not in the re-run's fit".into()),
                    Value,
                ),
                _ => NotChecked(format!("no {} on a study row", f.name())),
            }
        };
        cx.check_row(
            &o.id,
            &study.printed,
            |f| unless_uncomputed(f, &check),
            &mut checks,
        );
    }

    let not_reproduced = checks
        .iter()
        .filter(|c| c.verdict.kind == VerdictKind::NotReproduced)
        .count();
    let not_checked = checks
        .iter()
        .filter(|c| c.verdict.kind == VerdictKind::NotCheckable)
        .count();
    let (status, reason) = match overall {
        Err(e) => (OutcomeStatus::NotChecked, e.clone()),
        Ok(_) if checks.is_empty() => (
            OutcomeStatus::NotChecked,
            format!("the {} prints no figure of this outcome", cx.format.name()),
        ),
        Ok(_) if not_reproduced + not_checked == 0 => (OutcomeStatus::Reproduced, String::new()),
        Ok(_)
            if uncomputed
                && not_reproduced == 0
                && checks
                    .iter()
                    .all(|c| c.verdict.kind.holds() || c.verdict.reason == uncomputed_reason) =>
        {
            (OutcomeStatus::NotComputed, uncomputed_reason.to_string())
        }
        Ok(_) => (
            OutcomeStatus::NotReproduced,
            format!(
                "of {} figures, {not_reproduced} not reproduced and {not_checked} not checked",
                checks.len()
            ),
        ),
    };
    audit_of(o, status, reason, excluded, checks)
}

/// Re-runs every outcome of a review and checks each printed figure (see the module
/// documentation); nothing of the review is left out of the result.
pub fn audit_review(review: &Review) -> ReviewAudit {
    let cx = Context {
        source: &review.source,
        format: review.format,
    };
    let mut warnings = review.warnings.clone();
    let outcomes: Vec<OutcomeAudit> = review
        .outcomes
        .iter()
        .map(|o| audit_outcome(&cx, o, &mut warnings))
        .collect();
    let count = |kind: VerdictKind| {
        outcomes
            .iter()
            .flat_map(|o| &o.checks)
            .filter(|c| c.verdict.kind == kind)
            .count()
    };
    ReviewAudit {
        source: review.source.clone(),
        format: review.format,
        figures: outcomes.iter().map(|o| o.checks.len()).sum(),
        reproduced: count(VerdictKind::Reproduced) + count(VerdictKind::Consistent),
        not_reproduced: count(VerdictKind::NotReproduced),
        not_checked: count(VerdictKind::NotCheckable),
        outcomes,
        warnings,
    }
}
