//! A text table laid out like a RevMan analysis: one row per study (arm data, effect
//! with its 95% CI on the natural scale, weights), the pooled rows, heterogeneity and
//! the tests for the overall effect.

use super::{effect_ci, fixed, p_value};
use super::{to_text, TextSink};
use crate::data::{StudyData, StudyTable};
use crate::effect::Measure;
use crate::error::Shown;
use crate::model::{CiMethod, Fit, FixedMethod, I2Definition};
use std::fmt::Write as _;
use std::io::Write;

fn measure_title(measure: Measure) -> &'static str {
    match measure {
        Measure::RR => "Risk Ratio",
        Measure::OR => "Odds Ratio",
        Measure::RD => "Risk Difference",
        Measure::PETO => "Peto Odds Ratio",
        Measure::MD => "Mean Difference",
        Measure::SMD => "Std. Mean Difference",
        Measure::ROM => "Ratio of Means",
        Measure::GEN => "Estimate",
    }
}

fn fixed_name(method: FixedMethod) -> &'static str {
    match method {
        FixedMethod::InverseVariance => "IV",
        FixedMethod::MantelHaenszel => "M-H",
        FixedMethod::Peto => "Peto",
    }
}

/// Arm columns of study `i`: `events/N` for binary data, `mean (SD) N` for continuous
/// data, nothing for generic data.
pub(crate) fn arms(table: &StudyTable, i: usize) -> (String, String) {
    match &table.data {
        StudyData::Binary(b) => (
            format!("{}/{}", b.events_e[i], b.n_e[i]),
            format!("{}/{}", b.events_c[i], b.n_c[i]),
        ),
        StudyData::Continuous(c) => (
            format!("{} ({}) {}", Shown(c.mean_e[i]), Shown(c.sd_e[i]), c.n_e[i]),
            format!("{} ({}) {}", Shown(c.mean_c[i]), Shown(c.sd_c[i]), c.n_c[i]),
        ),
        _ => (String::new(), String::new()),
    }
}

/// The text report of a fit ([`write_fit`]).
pub fn render(table: &StudyTable, fit: &Fit) -> String {
    to_text(|out| write_fit(out, table, fit))
}

/// The report; `table` is the input the fit was computed from.
///
/// # Errors
/// The error of `out`.
pub fn write_fit(out: &mut dyn Write, table: &StudyTable, fit: &Fit) -> std::io::Result<()> {
    write_fit_of(out, &table.source, Some(table), fit)
}

/// [`write_fit`] of a fit of the input named `source`, its arm columns from `table`
/// (empty without one).
///
/// # Errors
/// The error of `out`.
pub fn write_fit_of(
    out: &mut dyn Write,
    source: &str,
    table: Option<&StudyTable>,
    fit: &Fit,
) -> std::io::Result<()> {
    let arms = |i: usize| table.map_or_else(|| (String::new(), String::new()), |t| arms(t, i));
    let m = fit.measure;
    let nat = |x: f64| m.to_natural(x);
    let digits = 2;
    let mut out = TextSink::new(out);
    let model = match &fit.random {
        Some(r) => format!(
            "{}, Random ({}), {}% CI",
            fixed_name(fit.fixed.method),
            r.tau2_method,
            fit.level.percent()
        ),
        None => format!(
            "{}, Fixed, {}% CI",
            fixed_name(fit.fixed.method),
            fit.level.percent()
        ),
    };
    let _ = writeln!(out, "{source}: {} ({model})", measure_title(m));
    let _ = writeln!(out);
    let label_width = fit
        .studies
        .iter()
        .map(|s| s.study.chars().count())
        .max()
        .unwrap_or(5)
        .max(22);
    let _ = writeln!(
        out,
        "{:<label_width$}  {:>18}  {:>18}  {:>8}  {:>8}  {} [{}% CI]",
        "Study",
        "Experimental",
        "Control",
        "W fixed",
        "W random",
        m.name(),
        fit.level.percent()
    );
    let z = crate::distribution::normal_critical(fit.level.proportion());
    for s in &fit.studies {
        let (e, c) = arms(s.index);
        let se = s.vi.sqrt();
        let _ = writeln!(
            out,
            "{:<label_width$}  {e:>18}  {c:>18}  {:>7}%  {:>8}  {}",
            s.study,
            fixed(s.weight_fixed, 1),
            s.weight_random
                .map_or("-".into(), |w| format!("{}%", fixed(w, 1))),
            effect_ci(nat(s.yi), nat(s.yi - z * se), nat(s.yi + z * se), digits)
        );
    }
    for e in &fit.excluded {
        let (ae, ac) = arms(e.index);
        let _ = writeln!(
            out,
            "{:<label_width$}  {ae:>18}  {ac:>18}  {:>8}  {:>8}  Not estimable",
            e.study, "", ""
        );
    }
    let pad = label_width + 2 + 18 + 2 + 18 + 2 + 8 + 2 + 8 + 2;
    let f = &fit.fixed.pooled;
    let _ = writeln!(
        out,
        "{:<pad$}{}",
        format!("Total, fixed effect ({})", fixed_name(fit.fixed.method)),
        effect_ci(nat(f.estimate), nat(f.ci_lower), nat(f.ci_upper), digits)
    );
    if let Some(r) = &fit.random {
        let ci = match r.ci_method {
            CiMethod::Z => String::new(),
            other => format!(", {} CI", other.name()),
        };
        let _ = writeln!(
            out,
            "{:<pad$}{}",
            format!("Total, random effects ({}{ci})", r.tau2_method),
            effect_ci(
                nat(r.pooled.estimate),
                nat(r.pooled.ci_lower),
                nat(r.pooled.ci_upper),
                digits
            )
        );
        let _ = writeln!(
            out,
            "{:<pad$}[{}, {}]",
            "Prediction interval",
            fixed(nat(r.pi_lower), digits),
            fixed(nat(r.pi_upper), digits)
        );
    }
    let h = &fit.heterogeneity;
    // The I² beside Chi² says which definition it is: RevMan's (Q − df)/Q, or
    // metafor's τ²/(τ² + ṽ) (see `crate::heterogeneity`).
    let (i2, i2_from) = match fit.options.i2 {
        I2Definition::FromQ => (h.i2_q, "from Chi\u{b2}"),
        I2Definition::FromTau2 => (h.i2_tau2, "from Tau\u{b2}"),
    };
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "Heterogeneity: Tau\u{b2} = {}; Chi\u{b2} = {}, df = {} ({}); I\u{b2} = {:.0}% ({i2_from})",
        fixed(h.tau2, 2),
        fixed(h.q, 2),
        h.df,
        p_value(h.p_value),
        i2
    );
    if h.tau2_ci_lower.is_finite() {
        // Each interval beside the I² it is an interval for: the Q-profile limits map
        // to the τ²-based I², Higgins and Thompson's ln H interval to the Q-based one.
        let (i2_of_ci, i2_method) = match fit.options.i2_ci {
            crate::heterogeneity::I2Ci::QProfile => (
                h.i2_tau2,
                "from Tau\u{b2}, CI from the Q-profile limits of Tau\u{b2}",
            ),
            crate::heterogeneity::I2Ci::HigginsThompson => {
                (h.i2_q, "from Chi\u{b2}, Higgins-Thompson CI")
            }
        };
        let _ = writeln!(
            out,
            "  Tau\u{b2} {}% CI (Q-profile) [{}, {}]; I\u{b2} = {}% [{}%, {}%] ({i2_method})",
            fit.level.percent(),
            fixed(h.tau2_ci_lower, 4),
            fixed(h.tau2_ci_upper, 4),
            fixed(i2_of_ci, 1),
            fixed(h.i2_ci_lower, 1),
            fixed(h.i2_ci_upper, 1)
        );
    }
    let _ = writeln!(
        out,
        "Test for overall effect (fixed): Z = {} ({})",
        fixed(f.statistic.abs(), 2),
        p_value(f.p_value)
    );
    if let Some(r) = &fit.random {
        let stat = match r.pooled.df {
            Some(df) => format!("t({df}) = {}", fixed(r.pooled.statistic.abs(), 2)),
            None => format!("Z = {}", fixed(r.pooled.statistic.abs(), 2)),
        };
        let _ = writeln!(
            out,
            "Test for overall effect (random): {stat} ({})",
            p_value(r.pooled.p_value)
        );
    }
    for w in &fit.warnings {
        let _ = writeln!(out, "Note: {w}");
    }
    out.finish()
}

/// The subgroup part of the text report ([`write_subgroups`]).
pub fn render_subgroups(sg: &crate::analysis::subgroup::SubgroupAnalysis) -> String {
    to_text(|out| write_subgroups(out, sg))
}

/// The subgroup part of the text report: one line per subgroup (k, fixed and random
/// estimates on the natural scale) and the tests for subgroup differences.
///
/// # Errors
/// The error of `out`.
pub fn write_subgroups(
    out: &mut dyn Write,
    sg: &crate::analysis::subgroup::SubgroupAnalysis,
) -> std::io::Result<()> {
    let mut out = TextSink::new(out);
    out += "\nSubgroups\n";
    let m = sg.overall.measure;
    let nat = |x: f64| m.to_natural(x);
    for g in &sg.groups {
        let f = &g.fit.fixed.pooled;
        let _ = write!(
            out,
            "  {:<30} k = {:<3} fixed {}",
            g.subgroup,
            g.fit.k,
            effect_ci(nat(f.estimate), nat(f.ci_lower), nat(f.ci_upper), 2)
        );
        if let Some(r) = &g.fit.random {
            let _ = write!(
                out,
                "  random {}",
                effect_ci(
                    nat(r.pooled.estimate),
                    nat(r.pooled.ci_lower),
                    nat(r.pooled.ci_upper),
                    2
                )
            );
        }
        out.push('\n');
    }
    for u in &sg.not_pooled {
        let _ = writeln!(
            out,
            "  {:<30} k = {:<3} not estimable: {}",
            u.subgroup, u.k_all, u.reason
        );
    }
    let line = |name: &str, t: &crate::analysis::subgroup::SubgroupTest| {
        format!(
            "Test for subgroup differences ({name}): Chi\u{b2} = {}, df = {} ({}), I\u{b2} = {:.1}%\n",
            fixed(t.q, 2),
            t.df,
            p_value(t.p_value),
            t.i2
        )
    };
    out += &line("fixed effect", &sg.test_fixed);
    if let Some(t) = &sg.test_random {
        out += &line("random effects", t);
    }
    out.finish()
}

/// A meta-regression as text ([`write_regression`]).
pub fn render_regression(
    r: &crate::analysis::regression::Regression,
    permutation: Option<&crate::analysis::regression::PermutationTest>,
    notes: &[String],
) -> String {
    to_text(|out| write_regression(out, r, permutation, notes))
}

/// A meta-regression as text: the coefficient table, residual heterogeneity, the test
/// of moderators and, when run, the permutation p-values.
///
/// # Errors
/// The error of `out`.
pub fn write_regression(
    out: &mut dyn Write,
    r: &crate::analysis::regression::Regression,
    permutation: Option<&crate::analysis::regression::PermutationTest>,
    notes: &[String],
) -> std::io::Result<()> {
    // metafor's print.rma.uni: "Fixed-Effects with Moderators Model" when τ² is fixed
    // at 0, "Mixed-Effects Model" otherwise.
    let model = match r.method {
        None => "Fixed-effects".to_string(),
        Some(other) => format!("Mixed-effects ({other:?})"),
    };
    let mut out = TextSink::new(out);
    let _ = write!(
        out,
        "{model} meta-regression (k = {}, {} coefficients, {} tests)\n\n",
        r.k,
        r.p,
        if r.knapp_hartung {
            "Knapp-Hartung t"
        } else {
            "Wald z"
        }
    );
    let _ = writeln!(
        out,
        "{:<24} {:>10} {:>10} {:>9} {:>10} {:>10} {:>10}",
        "coefficient", "estimate", "se", "stat", "p", "ci.lb", "ci.ub"
    );
    for c in &r.coefficients {
        let e = &c.estimate;
        let _ = writeln!(
            out,
            "{:<24} {:>10.4} {:>10.4} {:>9.3} {:>10.4} {:>10.4} {:>10.4}",
            c.name, e.estimate, e.se, e.statistic, e.p_value, e.ci_lower, e.ci_upper
        );
    }
    let _ = writeln!(out, "\nResidual heterogeneity: tau\u{b2} = {:.4}; QE = {:.2}, df = {} ({}); I\u{b2} = {:.1}%; H\u{b2} = {:.2}", r.tau2, r.qe, r.k - r.p, p_value(r.qe_p_value), r.i2, r.h2);
    if r.qm.is_finite() {
        let stat = if r.knapp_hartung {
            format!("F({}, {}) = {:.3}", r.p - 1, r.k - r.p, r.qm)
        } else {
            format!("QM = {:.3}, df = {}", r.qm, r.p - 1)
        };
        let _ = writeln!(
            out,
            "Test of moderators: {stat} ({})",
            p_value(r.qm_p_value)
        );
    }
    if r.r2.is_finite() {
        let _ = writeln!(
            out,
            "R\u{b2} (share of tau\u{b2} accounted for): {:.2}%",
            r.r2
        );
    }
    for warning in r.convergence.warnings() {
        let _ = writeln!(out, "Warning: {warning}");
    }
    if let Some(t) = permutation {
        let how = match t.seed {
            None => format!("exact, {} arrangements", t.iterations),
            Some(seed) => format!("{} random arrangements, seed {seed}", t.iterations),
        };
        let _ = writeln!(
            out,
            "Permutation test ({how}): QM {}",
            p_value(t.qm_p_value)
        );
        for (c, pv) in r.coefficients.iter().zip(&t.p_values) {
            let _ = writeln!(out, "  {:<22} {}", c.name, p_value(*pv));
        }
    }
    for n in notes {
        let _ = writeln!(out, "Note: {n}");
    }
    out.finish()
}

/// The warnings of the refits of a sensitivity analysis (a τ² estimator's fallback,
/// several local maxima of a likelihood), each naming its refit.
pub fn sensitivity_warnings(
    labels: &crate::data::Texts,
    result: &crate::analysis::sensitivity::Sensitivity,
) -> Vec<String> {
    let name = |i: usize| labels.get(i).unwrap_or("?");
    let mut out = Vec::new();
    for r in &result.leave_one_out {
        for w in &r.warnings {
            out.push(format!("leave one out, without '{}': {w}", name(r.study)));
        }
    }
    for r in &result.cumulative {
        for w in &r.warnings {
            out.push(format!("cumulative, up to '{}': {w}", name(r.study)));
        }
    }
    out
}

/// Leave-one-out, cumulative and influence tables as text ([`write_sensitivity`]).
pub fn render_sensitivity(
    measure: Measure,
    labels: &crate::data::Texts,
    result: &crate::analysis::sensitivity::Sensitivity,
    notes: &[String],
    level: crate::level::Level,
) -> String {
    to_text(|out| write_sensitivity(out, measure, labels, result, notes, level))
}

/// Leave-one-out, cumulative and influence tables as text (natural scale for ratios),
/// with `notes` (the warnings of the data and of the refits) at the end.
///
/// # Errors
/// The error of `out`.
pub fn write_sensitivity(
    out: &mut dyn Write,
    measure: Measure,
    labels: &crate::data::Texts,
    result: &crate::analysis::sensitivity::Sensitivity,
    notes: &[String],
    level: crate::level::Level,
) -> std::io::Result<()> {
    let nat = |x: f64| measure.to_natural(x);
    let width = labels
        .iter()
        .map(|l| l.chars().count())
        .max()
        .unwrap_or(5)
        .max(12);
    let mut out = TextSink::new(out);
    for (title, rows) in [
        ("Leave one out (study omitted)", &result.leave_one_out),
        ("Cumulative (study added)", &result.cumulative),
    ] {
        let _ = writeln!(
            out,
            "{title}\n{:<width$}  {:>22}  {:>10}  {:>8}  {:>6}",
            "study",
            format!("{} [{}% CI]", measure.name(), level.percent()),
            "p",
            "tau\u{b2}",
            "I\u{b2}"
        );
        for r in rows {
            let _ = writeln!(
                out,
                "{:<width$}  {:>22}  {:>10}  {:>8.4}  {:>5.1}%",
                &labels[r.study],
                effect_ci(
                    nat(r.pooled.estimate),
                    nat(r.pooled.ci_lower),
                    nat(r.pooled.ci_upper),
                    2
                ),
                format!("{:.4}", r.pooled.p_value),
                r.tau2,
                r.i2
            );
        }
        out.push('\n');
    }
    let _ = writeln!(
        out,
        "Influence diagnostics\n{:<width$}  {:>9} {:>9} {:>9} {:>8} {:>9} {:>9} {:>7}",
        "study", "rstudent", "dffits", "cook.d", "cov.r", "tau\u{b2}.del", "QE.del", "weight"
    );
    for i in &result.influence {
        let _ = writeln!(
            out,
            "{:<width$}  {:>9.3} {:>9.3} {:>9.3} {:>8.3} {:>9.4} {:>9.2} {:>6.1}%",
            &labels[i.study],
            i.rstudent,
            i.dffits,
            i.cook_d,
            i.cov_r,
            i.tau2_del,
            i.q_del,
            i.weight
        );
    }
    for n in notes {
        let _ = writeln!(out, "Note: {n}");
    }
    out.finish()
}

/// The small-study tests and trim and fill as text ([`write_bias`]).
pub fn render_bias(measure: Measure, report: &crate::analysis::bias::SmallStudyEffects) -> String {
    to_text(|out| write_bias(out, measure, report))
}

/// The small-study tests and trim and fill as text; an analysis not computed is listed
/// with its reason.
///
/// # Errors
/// The error of `out`.
pub fn write_bias(
    out: &mut dyn Write,
    measure: Measure,
    report: &crate::analysis::bias::SmallStudyEffects,
) -> std::io::Result<()> {
    use crate::analysis::bias::{Computed, RegressionTest};
    let mut out = TextSink::new(out);
    out += "Small-study effects\n";
    let test = |t: &RegressionTest| {
        let stat = match t.df {
            Some(df) => format!("t({df}) = {:.3}", t.statistic),
            None => format!("z = {:.3}", t.statistic),
        };
        format!("{stat} ({})", p_value(t.p_value))
    };
    let not_computed = |error: &str| format!("not computed: {error}");
    match &report.egger {
        Computed::Value(egger) => {
            let _ = writeln!(
                out,
                "  Egger's test (weighted regression on SE, multiplicative dispersion):  {}",
                test(egger)
            );
            let _ = writeln!(
                out,
                "    as metafor's regtest(model = \"lm\") and meta's metabias compute it"
            );
            if let Some(b) = &egger.limit_estimate {
                let _ = writeln!(
                    out,
                    "    limit estimate (SE -> 0): {}",
                    effect_ci(
                        measure.to_natural(b.estimate),
                        measure.to_natural(b.ci_lower),
                        measure.to_natural(b.ci_upper),
                        2
                    )
                );
            }
        }
        Computed::NotComputed { error } => {
            let _ = writeln!(
                out,
                "  Egger's test (weighted regression on SE, multiplicative dispersion):  {}",
                not_computed(error)
            );
        }
    }
    match &report.regression_test_of_model {
        Computed::Value(model) => {
            let model_name = match model.fit.tau2_method {
                Some(m) => format!("{m} random-effects meta-regression on SE"),
                None => "fixed-effect meta-regression on SE".to_string(),
            };
            let _ = writeln!(
                out,
                "  Regression test of the model in use ({model_name}, metafor's regtest()):  {}",
                test(model)
            );
        }
        Computed::NotComputed { error } => {
            let _ = writeln!(
                out,
                "  Regression test of the model in use (metafor's regtest()):  {}",
                not_computed(error)
            );
        }
    }
    let begg = match &report.begg {
        Computed::Value(b) => format!("Kendall's tau = {:.3} ({})", b.tau, p_value(b.p_value)),
        Computed::NotComputed { error } => not_computed(error),
    };
    let _ = writeln!(out, "  Begg and Mazumdar's rank correlation: {begg}");
    if let Some(p) = &report.peters {
        let peters = match p {
            Computed::Value(p) => test(p),
            Computed::NotComputed { error } => not_computed(error),
        };
        let _ = writeln!(out, "  Peters' test (predictor: 1/n):            {peters}");
    }
    if let Some(h) = &report.harbord {
        let harbord = match h {
            Computed::Value(h) => {
                format!("t({}) = {:.3} ({})", h.df, h.statistic, p_value(h.p_value))
            }
            Computed::NotComputed { error } => not_computed(error),
        };
        let _ = writeln!(out, "  Harbord's test:                           {harbord}");
    }
    match &report.trim_and_fill {
        Computed::Value(filled) => {
            let f = &filled.fit;
            let (est, lo, hi) = match &f.random {
                Some(r) => (r.pooled.estimate, r.pooled.ci_lower, r.pooled.ci_upper),
                None => (
                    f.fixed.pooled.estimate,
                    f.fixed.pooled.ci_lower,
                    f.fixed.pooled.ci_upper,
                ),
            };
            let _ = writeln!(
                out,
                "Trim and fill ({:?}): {} missing studies on the {:?} side (SE {:.3}); with them filled: {}",
                filled.estimator,
                filled.k0,
                filled.side,
                filled.se_k0,
                effect_ci(measure.to_natural(est), measure.to_natural(lo), measure.to_natural(hi), 2)
            );
        }
        Computed::NotComputed { error } => {
            let _ = writeln!(out, "Trim and fill: {}", not_computed(error));
        }
    }
    for w in &report.warnings {
        let _ = writeln!(out, "Note: {w}");
    }
    out.finish()
}
