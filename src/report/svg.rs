//! SVG forest and funnel plots.
//!
//! Forest plot: one row per study (label, arm data, weight, effect with CI as text, and
//! the CI as a line with a square whose area is proportional to the weight), the pooled
//! diamonds (fixed and random), the prediction interval as a bar, subgroups with their
//! own diamonds when the table has a `subgroup` column, a log axis for ratio measures
//! and the line of no effect. Funnel plot: effect against standard error (inverted),
//! a centre line at the estimate of the model in use (random effects when the fit has
//! a τ² estimator, else fixed effect; with trim and fill, that model's estimate on the
//! trimmed studies, about which the filled studies are mirrored) and its pseudo limits
//! θ ± z·SE at the fit's level, with a legend naming each.
//!
//! Plain SVG 1.1 with text in a generic sans-serif font; every coordinate is inside the
//! view box, so the file renders the same in a browser and in a vector editor.

use crate::analysis::subgroup::SubgroupAnalysis;
use crate::data::{StudyData, StudyTable};
use crate::effect::Measure;
use crate::model::Fit;
use std::fmt::Write;

const ROW: f64 = 20.0;
const FONT: &str = "font-family=\"Helvetica, Arial, sans-serif\" font-size=\"12\"";

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A horizontal axis for the effect: log for ratio measures.
struct Axis {
    ratio: bool,
    lo: f64,
    hi: f64,
    x0: f64,
    x1: f64,
}

impl Axis {
    /// An axis covering `values` (natural scale), clipped to [0.001, 1000] for ratios.
    fn new(ratio: bool, values: &[f64], x0: f64, x1: f64) -> Self {
        let finite: Vec<f64> = values
            .iter()
            .copied()
            .filter(|v| v.is_finite() && (!ratio || *v > 0.0))
            .collect();
        let (mut lo, mut hi) = finite
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
                (a.min(v), b.max(v))
            });
        if ratio {
            lo = lo.clamp(1e-3, 1.0).min(1.0);
            hi = hi.clamp(1.0, 1e3).max(1.0);
            // whole powers of ten look tidy but waste space; keep some margin
            (lo, hi) = (lo / 1.2, hi * 1.2);
        } else {
            lo = lo.min(0.0);
            hi = hi.max(0.0);
            let pad = 0.05 * (hi - lo).max(1e-9);
            (lo, hi) = (lo - pad, hi + pad);
        }
        if lo.partial_cmp(&hi) != Some(std::cmp::Ordering::Less) {
            (lo, hi) = if ratio { (0.5, 2.0) } else { (-1.0, 1.0) };
        }
        Axis {
            ratio,
            lo,
            hi,
            x0,
            x1,
        }
    }

    fn t(&self, v: f64) -> f64 {
        if self.ratio {
            v.ln()
        } else {
            v
        }
    }

    /// The x coordinate of a value, clamped to the axis.
    fn x(&self, v: f64) -> f64 {
        let (a, b) = (self.t(self.lo), self.t(self.hi));
        let f = ((self.t(v.clamp(self.lo, self.hi)) - a) / (b - a)).clamp(0.0, 1.0);
        self.x0 + f * (self.x1 - self.x0)
    }

    fn ticks(&self) -> Vec<f64> {
        if self.ratio {
            [
                0.001, 0.01, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 100.0, 1000.0,
            ]
            .into_iter()
            .filter(|v| *v >= self.lo && *v <= self.hi)
            .collect()
        } else {
            let span = self.hi - self.lo;
            let raw = span / 5.0;
            let mag = 10f64.powf(raw.log10().floor());
            let step = [1.0, 2.0, 5.0, 10.0]
                .into_iter()
                .map(|m| m * mag)
                .find(|s| span / s <= 6.0)
                .unwrap_or(mag * 10.0);
            let first = (self.lo / step).ceil() as i64;
            let last = (self.hi / step).floor() as i64;
            (first..=last).map(|i| i as f64 * step).collect()
        }
    }

    fn label(v: f64) -> String {
        let s = format!("{v:.3}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

/// The tick marks and labels of a horizontal axis drawn at height `y`.
fn tick_marks(out: &mut String, axis: &Axis, y: f64) {
    for t in axis.ticks() {
        let x = axis.x(t);
        let _ = writeln!(
            out,
            "<line x1=\"{x:.1}\" y1=\"{y:.1}\" x2=\"{x:.1}\" y2=\"{:.1}\" stroke=\"black\"/>",
            y + 5.0
        );
        text(out, x, y + 18.0, "middle", &Axis::label(t), false);
    }
}

fn text(out: &mut String, x: f64, y: f64, anchor: &str, s: &str, bold: bool) {
    let _ = writeln!(
        out,
        "<text x=\"{x:.1}\" y=\"{y:.1}\" text-anchor=\"{anchor}\" {FONT}{}>{}</text>",
        if bold { " font-weight=\"bold\"" } else { "" },
        esc(s)
    );
}

fn diamond(out: &mut String, axis: &Axis, y: f64, est: f64, lo: f64, hi: f64, fill: &str) {
    let (xl, xm, xh) = (axis.x(lo), axis.x(est), axis.x(hi));
    let _ = writeln!(
        out,
        "<polygon points=\"{xl:.1},{y:.1} {xm:.1},{:.1} {xh:.1},{y:.1} {xm:.1},{:.1}\" fill=\"{fill}\" stroke=\"black\"/>",
        y - 6.0,
        y + 6.0
    );
}

fn fmt_ci(m: Measure, est: f64, lo: f64, hi: f64) -> String {
    format!(
        "{:.2} [{:.2}, {:.2}]",
        m.to_natural(est),
        m.to_natural(lo),
        m.to_natural(hi)
    )
}

/// The forest plot of a fit; with `subgroups` (from
/// [`crate::analysis::subgroup::subgroups`]) the studies are grouped with subtotals.
pub fn forest(table: &StudyTable, fit: &Fit, subgroups: Option<&SubgroupAnalysis>) -> String {
    let m = fit.measure;
    let z = crate::distribution::normal_critical(fit.level.proportion());
    let study_ci = |yi: f64, vi: f64| (yi - z * vi.sqrt(), yi + z * vi.sqrt());
    // Rows: (kind, payload)
    enum Row<'a> {
        Header(&'a str),
        Study(usize),
        Total(&'a str, &'a Fit),
        Note(String),
    }
    let mut rows: Vec<Row> = Vec::new();
    match subgroups {
        Some(sg) => {
            for g in &sg.groups {
                rows.push(Row::Header(&g.subgroup));
                for s in &g.fit.studies {
                    if let Some(j) = fit.studies.iter().position(|t| t.index == s.index) {
                        rows.push(Row::Study(j));
                    }
                }
                rows.push(Row::Total("Subtotal", &g.fit));
            }
            let t = sg.test_random.as_ref().unwrap_or(&sg.test_fixed);
            rows.push(Row::Note(format!(
                "Test for subgroup differences: Chi\u{b2} = {:.2}, df = {} ({}), I\u{b2} = {:.0}%",
                t.q,
                t.df,
                super::p_value(t.p_value),
                t.i2
            )));
        }
        None => rows.extend((0..fit.studies.len()).map(Row::Study)),
    }
    rows.push(Row::Total("Total", fit));
    let h = &fit.heterogeneity;
    let i2 = match fit.options.i2 {
        crate::model::I2Definition::FromQ => h.i2_q,
        crate::model::I2Definition::FromTau2 => h.i2_tau2,
    };
    rows.push(Row::Note(format!(
        "Heterogeneity: Tau\u{b2} = {:.2}; Chi\u{b2} = {:.2}, df = {} ({}); I\u{b2} = {:.0}%",
        h.tau2,
        h.q,
        h.df,
        super::p_value(h.p_value),
        i2
    )));

    let (width, x_label, x_e, x_c, x_w, x_txt, x0, x1) =
        (980.0, 10.0, 330.0, 420.0, 480.0, 640.0, 660.0, 960.0);
    let mut values: Vec<f64> = Vec::new();
    for s in &fit.studies {
        let (lo, hi) = study_ci(s.yi, s.vi);
        values.extend([m.to_natural(lo), m.to_natural(hi)]);
    }
    values.extend([
        m.to_natural(fit.fixed.pooled.ci_lower),
        m.to_natural(fit.fixed.pooled.ci_upper),
    ]);
    if let Some(r) = &fit.random {
        values.extend([m.to_natural(r.pi_lower), m.to_natural(r.pi_upper)]);
    }
    let axis = Axis::new(m.is_ratio(), &values, x0, x1);
    let total_rows = rows.len() as f64
        + rows
            .iter()
            .filter(|r| matches!(r, Row::Total(_, f) if f.random.is_some()))
            .count() as f64
            * 2.0;
    let top = 50.0;
    let height = top + (total_rows + 1.0) * ROW + 60.0;
    let mut out = String::new();
    let _ = writeln!(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height:.0}\" viewBox=\"0 0 {width} {height:.0}\">");
    let _ = writeln!(
        out,
        "<rect x=\"0\" y=\"0\" width=\"{width}\" height=\"{height:.0}\" fill=\"white\"/>"
    );
    let arms_header = !matches!(
        table.data,
        StudyData::GenericVariance { .. }
            | StudyData::GenericSe { .. }
            | StudyData::GenericCi { .. }
    );
    text(&mut out, x_label, 20.0, "start", "Study or subgroup", true);
    if arms_header {
        text(&mut out, x_e, 20.0, "end", "Experimental", true);
        text(&mut out, x_c, 20.0, "end", "Control", true);
    }
    text(&mut out, x_w, 20.0, "end", "Weight", true);
    text(
        &mut out,
        x_txt,
        20.0,
        "end",
        &format!("{} [{}% CI]", m.name(), fit.level.percent()),
        true,
    );
    let weight_of = |j: usize| {
        fit.studies
            .get(j)
            .map_or(0.0, |s| s.weight_random.unwrap_or(s.weight_fixed))
    };
    let max_w = (0..fit.studies.len())
        .map(weight_of)
        .fold(0.0, f64::max)
        .max(1e-9);
    let mut y = top;
    for row in &rows {
        match row {
            Row::Header(name) => {
                text(&mut out, x_label, y + 4.0, "start", name, true);
                y += ROW;
            }
            Row::Study(j) => {
                let Some(s) = fit.studies.get(*j) else {
                    continue;
                };
                let (e, c) = super::text::arms(table, s.index);
                let (lo, hi) = study_ci(s.yi, s.vi);
                text(&mut out, x_label, y + 4.0, "start", s.study, false);
                if arms_header {
                    text(&mut out, x_e, y + 4.0, "end", &e, false);
                    text(&mut out, x_c, y + 4.0, "end", &c, false);
                }
                text(
                    &mut out,
                    x_w,
                    y + 4.0,
                    "end",
                    &format!("{:.1}%", weight_of(*j)),
                    false,
                );
                text(
                    &mut out,
                    x_txt,
                    y + 4.0,
                    "end",
                    &fmt_ci(m, s.yi, lo, hi),
                    false,
                );
                let (xl, xh, xm) = (
                    axis.x(m.to_natural(lo)),
                    axis.x(m.to_natural(hi)),
                    axis.x(m.to_natural(s.yi)),
                );
                let _ = writeln!(out, "<line x1=\"{xl:.1}\" y1=\"{y:.1}\" x2=\"{xh:.1}\" y2=\"{y:.1}\" stroke=\"black\"/>");
                let side = 4.0 + 10.0 * (weight_of(*j) / max_w).sqrt();
                let _ = writeln!(
                    out,
                    "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{side:.1}\" height=\"{side:.1}\" fill=\"#1f4e79\"/>",
                    xm - side / 2.0,
                    y - side / 2.0
                );
                y += ROW;
            }
            Row::Total(name, f) => {
                // One pooled row: bold label, estimate with CI, and its diamond.
                let pooled = |out: &mut String,
                              y: f64,
                              label: String,
                              est: f64,
                              lo: f64,
                              hi: f64,
                              fill: &str| {
                    text(out, x_label, y + 4.0, "start", &label, true);
                    text(out, x_txt, y + 4.0, "end", &fmt_ci(m, est, lo, hi), true);
                    diamond(
                        out,
                        &axis,
                        y,
                        m.to_natural(est),
                        m.to_natural(lo),
                        m.to_natural(hi),
                        fill,
                    );
                };
                let fx = &f.fixed;
                let label = format!("{name} (fixed effect, {})", fx.method.name());
                pooled(
                    &mut out,
                    y,
                    label,
                    fx.pooled.estimate,
                    fx.pooled.ci_lower,
                    fx.pooled.ci_upper,
                    "#9ecae1",
                );
                y += ROW;
                if let Some(r) = &f.random {
                    let label = format!("{name} (random effects, {})", r.tau2_method);
                    pooled(
                        &mut out,
                        y,
                        label,
                        r.pooled.estimate,
                        r.pooled.ci_lower,
                        r.pooled.ci_upper,
                        "#1f4e79",
                    );
                    y += ROW;
                    if r.pi_lower.is_finite() {
                        text(
                            &mut out,
                            x_label,
                            y + 4.0,
                            "start",
                            "  Prediction interval",
                            false,
                        );
                        text(
                            &mut out,
                            x_txt,
                            y + 4.0,
                            "end",
                            &format!(
                                "[{:.2}, {:.2}]",
                                m.to_natural(r.pi_lower),
                                m.to_natural(r.pi_upper)
                            ),
                            false,
                        );
                        let (xl, xh) = (
                            axis.x(m.to_natural(r.pi_lower)),
                            axis.x(m.to_natural(r.pi_upper)),
                        );
                        let _ = writeln!(out, "<rect x=\"{xl:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"6\" fill=\"#c0392b\"/>", y - 3.0, (xh - xl).max(1.0));
                    }
                    y += ROW;
                }
            }
            Row::Note(s) => {
                text(&mut out, x_label, y + 4.0, "start", s, false);
                y += ROW;
            }
        }
    }
    // Axis and the line of no effect.
    let y_axis = y + 5.0;
    let null = axis.x(if m.is_ratio() { 1.0 } else { 0.0 });
    let _ = writeln!(out, "<line x1=\"{null:.1}\" y1=\"{:.1}\" x2=\"{null:.1}\" y2=\"{y_axis:.1}\" stroke=\"#555\" stroke-dasharray=\"3,3\"/>", top - 12.0);
    let _ = writeln!(out, "<line x1=\"{x0:.1}\" y1=\"{y_axis:.1}\" x2=\"{x1:.1}\" y2=\"{y_axis:.1}\" stroke=\"black\"/>");
    tick_marks(&mut out, &axis, y_axis);
    text(
        &mut out,
        x0,
        y_axis + 36.0,
        "start",
        "Favours experimental",
        false,
    );
    text(&mut out, x1, y_axis + 36.0, "end", "Favours control", false);
    out += "</svg>\n";
    out
}

/// The funnel plot of a fit: each study's effect (natural scale, log axis for ratios)
/// against its standard error (0 at the top), a centre line at the estimate of the
/// model in use and the pseudo limits θ ± z·SE at the fit's level. With a trim-and-fill
/// result the centre is the estimate on the trimmed studies (the axis the filled
/// studies mirror: 2θ − y), and the filled studies are drawn as hollow points. A legend
/// names the centre and the points. The centre line carries its estimate (analysis
/// scale) as `data-estimate`.
pub fn funnel(fit: &Fit, trim: Option<&crate::analysis::bias::TrimAndFill>) -> String {
    let m = fit.measure;
    let (width, height, x0, x1, y0, y1) = (640.0, 548.0, 70.0, 610.0, 30.0, 420.0);
    let extra: Vec<(f64, f64)> = trim
        .map(|t| t.filled.iter().map(|f| (f.yi, f.vi.sqrt())).collect())
        .unwrap_or_default();
    let model = match &fit.random {
        Some(r) => format!("{} random-effects estimate", r.tau2_method),
        None => "fixed-effect estimate".to_string(),
    };
    let (theta, centre_label) = match (trim, &fit.random) {
        (Some(t), _) => (
            t.trimmed_estimate,
            format!(
                "{model} without the {} trimmed stud{} (axis of the filled ones)",
                t.k0,
                if t.k0 == 1 { "y" } else { "ies" }
            ),
        ),
        (None, Some(r)) => (r.pooled.estimate, model),
        (None, None) => (fit.fixed.pooled.estimate, model),
    };
    let se: Vec<f64> = fit
        .studies
        .iter()
        .map(|s| s.vi.sqrt())
        .chain(extra.iter().map(|e| e.1))
        .collect();
    let se_max = se.iter().copied().fold(0.0, f64::max).max(1e-9) * 1.05;
    let z = crate::distribution::normal_critical(fit.level.proportion());
    let mut values: Vec<f64> = fit
        .studies
        .iter()
        .map(|s| m.to_natural(s.yi))
        .chain(extra.iter().map(|e| m.to_natural(e.0)))
        .collect();
    values.extend([
        m.to_natural(theta - z * se_max),
        m.to_natural(theta + z * se_max),
    ]);
    let axis = Axis::new(m.is_ratio(), &values, x0, x1);
    let ys = |s: f64| y0 + (s / se_max) * (y1 - y0);
    let mut out = String::new();
    let _ = writeln!(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\">");
    let _ = writeln!(
        out,
        "<rect x=\"0\" y=\"0\" width=\"{width}\" height=\"{height}\" fill=\"white\"/>"
    );
    let (xl, xc, xh) = (
        axis.x(m.to_natural(theta - z * se_max)),
        axis.x(m.to_natural(theta)),
        axis.x(m.to_natural(theta + z * se_max)),
    );
    let _ = writeln!(out, "<polygon points=\"{xc:.1},{y0:.1} {xl:.1},{y1:.1} {xh:.1},{y1:.1}\" fill=\"#eef3f8\" stroke=\"#888\" stroke-dasharray=\"4,3\"/>");
    let _ = writeln!(
        out,
        "<line class=\"centre\" data-estimate=\"{theta:?}\" x1=\"{xc:.1}\" y1=\"{y0:.1}\" x2=\"{xc:.1}\" y2=\"{y1:.1}\" stroke=\"#1f4e79\"/>"
    );
    for s in &fit.studies {
        let _ = writeln!(
            out,
            "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"4\" fill=\"#1f4e79\"><title>{}</title></circle>",
            axis.x(m.to_natural(s.yi)),
            ys(s.vi.sqrt()),
            esc(s.study)
        );
    }
    for (yi, sei) in &extra {
        let _ = writeln!(
            out,
            "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"4\" fill=\"white\" stroke=\"#c0392b\"/>",
            axis.x(m.to_natural(*yi)),
            ys(*sei)
        );
    }
    // Legend, one entry a line, below the axis title.
    let mut ly = y1 + 66.0;
    let _ = writeln!(
        out,
        "<line x1=\"{x0}\" y1=\"{:.1}\" x2=\"{}\" y2=\"{:.1}\" stroke=\"#1f4e79\"/>",
        ly - 4.0,
        x0 + 18.0,
        ly - 4.0
    );
    text(
        &mut out,
        x0 + 24.0,
        ly,
        "start",
        &format!("{centre_label}: {}", super::fixed(m.to_natural(theta), 2)),
        false,
    );
    ly += 16.0;
    let _ = writeln!(
        out,
        "<line x1=\"{x0}\" y1=\"{:.1}\" x2=\"{}\" y2=\"{:.1}\" stroke=\"#888\" stroke-dasharray=\"4,3\"/>",
        ly - 4.0,
        x0 + 18.0,
        ly - 4.0
    );
    text(
        &mut out,
        x0 + 24.0,
        ly,
        "start",
        &format!("pseudo {}% limits about it", fit.level.percent()),
        false,
    );
    ly += 16.0;
    let _ = writeln!(
        out,
        "<circle cx=\"{}\" cy=\"{:.1}\" r=\"4\" fill=\"#1f4e79\"/>",
        x0 + 9.0,
        ly - 4.0
    );
    text(&mut out, x0 + 24.0, ly, "start", "observed studies", false);
    if !extra.is_empty() {
        ly += 16.0;
        let _ = writeln!(
            out,
            "<circle cx=\"{}\" cy=\"{:.1}\" r=\"4\" fill=\"white\" stroke=\"#c0392b\"/>",
            x0 + 9.0,
            ly - 4.0
        );
        text(
            &mut out,
            x0 + 24.0,
            ly,
            "start",
            "studies filled in by trim and fill",
            false,
        );
    }
    let _ = writeln!(
        out,
        "<line x1=\"{x0}\" y1=\"{y1}\" x2=\"{x1}\" y2=\"{y1}\" stroke=\"black\"/>"
    );
    let _ = writeln!(
        out,
        "<line x1=\"{x0}\" y1=\"{y0}\" x2=\"{x0}\" y2=\"{y1}\" stroke=\"black\"/>"
    );
    tick_marks(&mut out, &axis, y1);
    for i in 0..=4 {
        let s = se_max * i as f64 / 4.0;
        let y = ys(s);
        let _ = writeln!(
            out,
            "<line x1=\"{}\" y1=\"{y:.1}\" x2=\"{x0}\" y2=\"{y:.1}\" stroke=\"black\"/>",
            x0 - 5.0
        );
        text(
            &mut out,
            x0 - 8.0,
            y + 4.0,
            "end",
            &format!("{s:.2}"),
            false,
        );
    }
    text(
        &mut out,
        (x0 + x1) / 2.0,
        y1 + 40.0,
        "middle",
        &format!(
            "{} ({})",
            m.name(),
            if m.is_ratio() {
                "log scale"
            } else {
                "natural scale"
            }
        ),
        false,
    );
    let _ = writeln!(out, "<text x=\"16\" y=\"{:.1}\" text-anchor=\"middle\" {FONT} transform=\"rotate(-90 16 {:.1})\">Standard error</text>", (y0 + y1) / 2.0, (y0 + y1) / 2.0);
    out += "</svg>\n";
    out
}
