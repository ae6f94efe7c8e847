//! Effect sizes from means, standard deviations and arm sizes.

use super::{Effects, Excluded, Measure, SmdCorrection};
use crate::data::{ContinuousArms, StudyTable};
use crate::error::{Error, Result};
use statrs::function::gamma::ln_gamma;

/// One arm of a continuous outcome: its mean, standard deviation and size (m, sd, n in
/// the formulas, with `_e` for the experimental arm and `_c` for the control arm).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Arm {
    /// Mean.
    pub mean: f64,
    /// Standard deviation.
    pub sd: f64,
    /// Number of participants.
    pub n: f64,
}

impl Arm {
    /// An arm of mean `mean`, standard deviation `sd` and size `n`.
    pub fn new(mean: f64, sd: f64, n: f64) -> Self {
        Arm { mean, sd, n }
    }
}

/// Raw mean difference and its variance.
///
/// # Formula
/// yi = m_e − m_c, vi = sd_e²/n_e + sd_c²/n_c (metafor `escalc(measure = "MD")`,
/// `vtype = "LS"`; RevMan 5's mean difference).
pub fn mean_difference(e: Arm, c: Arm) -> (f64, f64) {
    (e.mean - c.mean, e.sd * e.sd / e.n + c.sd * c.sd / c.n)
}

/// Pooled within-group standard deviation
/// s = √[((n_e − 1) sd_e² + (n_c − 1) sd_c²) / (n_e + n_c − 2)].
pub fn pooled_sd(sd_e: f64, n_e: f64, sd_c: f64, n_c: f64) -> f64 {
    (((n_e - 1.0) * sd_e * sd_e + (n_c - 1.0) * sd_c * sd_c) / (n_e + n_c - 2.0)).sqrt()
}

/// Hedges' exact small-sample correction factor.
///
/// # Formula
/// J(m) = Γ(m/2) / (√(m/2) Γ((m − 1)/2)), with m = n_e + n_c − 2 degrees of freedom
/// (Hedges 1981), computed through log-gamma; defined for m > 1.
pub fn hedges_j(m: f64) -> f64 {
    (ln_gamma(m / 2.0) - (m / 2.0).sqrt().ln() - ln_gamma((m - 1.0) / 2.0)).exp()
}

/// Standardised mean difference (Hedges' g) and its variance.
///
/// # Formula
/// d = (m_e − m_c)/s with s the [`pooled_sd`], g = J d, and
/// - [`SmdCorrection::ExactHedges`]: J = [`hedges_j`](n_e + n_c − 2),
///   vi = 1/n_e + 1/n_c + g²/(2(n_e + n_c)) (metafor `escalc(measure = "SMD")`);
/// - [`SmdCorrection::RevMan5`]: J = 1 − 3/(4N − 9), vi = N/(n_e n_c) + g²/(2(N − 3.94)),
///   N = n_e + n_c (Deeks & Higgins, *Statistical algorithms in Review Manager 5*).
///
/// Returns non-finite values when n_e + n_c < 4 (J undefined).
pub fn standardized_mean_difference(e: Arm, c: Arm, correction: SmdCorrection) -> (f64, f64) {
    let (n_e, n_c) = (e.n, c.n);
    let n = n_e + n_c;
    let d = (e.mean - c.mean) / pooled_sd(e.sd, n_e, c.sd, n_c);
    match correction {
        SmdCorrection::ExactHedges => {
            let m = n - 2.0;
            let j = if m > 1.0 { hedges_j(m) } else { f64::NAN };
            let g = j * d;
            (g, 1.0 / n_e + 1.0 / n_c + g * g / (2.0 * n))
        }
        // Below N = 4 the approximation breaks down: at N = 3, J = 1 − 3/3 = 0 makes
        // every g 0 (−0 for d < 0) and N − 3.94 is negative. RevMan 5 shows such a
        // study as not estimable.
        SmdCorrection::RevMan5 if n < 4.0 => (f64::NAN, f64::NAN),
        SmdCorrection::RevMan5 => {
            let g = (1.0 - 3.0 / (4.0 * n - 9.0)) * d;
            (g, n / (n_e * n_c) + g * g / (2.0 * (n - 3.94)))
        }
    }
}

/// Log ratio of means and its variance.
///
/// # Formula
/// yi = ln(m_e / m_c), vi = sd_e²/(n_e m_e²) + sd_c²/(n_c m_c²) (Hedges, Gurevitch &
/// Curtis 1999; metafor `escalc(measure = "ROM")`). Needs means of the same sign.
pub fn log_ratio_of_means(e: Arm, c: Arm) -> (f64, f64) {
    (
        (e.mean / c.mean).ln(),
        e.sd * e.sd / (e.n * e.mean * e.mean) + c.sd * c.sd / (c.n * c.mean * c.mean),
    )
}

pub(super) fn compute(
    table: &StudyTable,
    arms: &ContinuousArms,
    measure: Measure,
    smd: SmdCorrection,
) -> Result<Effects> {
    let k = table.k();
    let mut effects = Effects {
        measure,
        labels: crate::data::Texts::with_capacity(k, 0),
        yi: Vec::with_capacity(k),
        vi: Vec::with_capacity(k),
        index: Vec::with_capacity(k),
        excluded: Vec::new(),
        warnings: Vec::new(),
    };
    let ContinuousArms {
        mean_e,
        sd_e,
        n_e,
        mean_c,
        sd_c,
        n_c,
    } = arms;
    for i in 0..k {
        let e = Arm::new(mean_e[i], sd_e[i], n_e[i]);
        let c = Arm::new(mean_c[i], sd_c[i], n_c[i]);
        let (yi, vi) = match measure {
            Measure::MD => mean_difference(e, c),
            Measure::SMD => standardized_mean_difference(e, c, smd),
            _ => {
                let same_sign =
                    (mean_e[i] > 0.0 && mean_c[i] > 0.0) || (mean_e[i] < 0.0 && mean_c[i] < 0.0);
                if !same_sign {
                    // The column at fault: a zero mean, else the negative one beside a
                    // positive one (ratios of means are mostly of positive quantities).
                    let (column, value) = if mean_e[i] == 0.0 {
                        ("mean_e", mean_e[i])
                    } else if mean_c[i] <= 0.0 {
                        ("mean_c", mean_c[i])
                    } else {
                        ("mean_e", mean_e[i])
                    };
                    let other = if column == "mean_e" {
                        mean_c[i]
                    } else {
                        mean_e[i]
                    };
                    return Err(Error::input(
                        &table.source,
                        Some(table.rows[i]),
                        Some(column),
                        format!(
                            "{column} = {} beside {} = {}: the ratio of means needs \
                             two non-zero means of the same sign",
                            crate::error::Shown(value),
                            if column == "mean_e" {
                                "mean_c"
                            } else {
                                "mean_e"
                            },
                            crate::error::Shown(other)
                        ),
                    ));
                }
                log_ratio_of_means(e, c)
            }
        };
        if !yi.is_finite() || !vi.is_finite() {
            if measure == Measure::SMD && n_e[i] + n_c[i] < 4.0 {
                effects.excluded.push(Excluded {
                    index: i,
                    study: table.labels[i].to_owned(),
                    reason: format!(
                        "{measure} not estimable (the SMD correction needs n_e + n_c >= 4)"
                    ),
                });
                continue;
            }
            // Finite means and SDs whose effect or variance leaves double precision
            // (an SD of 1e300, a mean ratio of 1e600): not a study to drop in silence.
            return Err(Error::input(
                &table.source,
                Some(table.rows[i]),
                None,
                format!(
                    "the {measure} of this study is not a finite number in double precision \
                     (estimate {}, variance {}); expected means and standard deviations of \
                     moderate size: rescale the data",
                    crate::error::Shown(yi),
                    crate::error::Shown(vi)
                ),
            ));
        }
        effects.labels.push(&table.labels[i]);
        effects.index.push(i);
        effects.yi.push(yi);
        effects.vi.push(vi);
    }
    for e in &effects.excluded {
        effects
            .warnings
            .push(format!("study '{}' excluded: {}", e.study, e.reason));
    }
    Ok(effects)
}
