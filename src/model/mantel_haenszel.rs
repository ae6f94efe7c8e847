//! Mantel-Haenszel pooled odds ratio, risk ratio and risk difference.
//!
//! The tables passed in are used as they are: pass them with the zero-cell increment
//! added to reproduce RevMan (which adds 1/2 to every cell of a study with a zero cell
//! before forming the sums), or without it to reproduce metafor's `rma.mh` (which adds
//! nothing). Notation: a, b, c, d the cells, n_e = a + b, n_c = c + d, N = n_e + n_c.

use crate::data::Table2x2;

/// The variance of the Mantel-Haenszel risk difference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RdVariance {
    /// Greenland & Robins (1985), as RevMan and Stata's `metan`:
    /// Var = Σ (a b n_c³ + c d n_e³)/(n_e n_c N²) / (Σ n_e n_c/N)².
    GreenlandRobins,
    /// Sato, Greenland & Robins (1989), as metafor's `rma.mh`:
    /// Var = (RD·P + Q)/W², P = Σ (n_e² c − n_c² a + n_e n_c (n_c − n_e)/2)/N²,
    /// Q = Σ (a (n_c − c) + c (n_e − a))/(2N), W = Σ n_e n_c/N.
    SatoGreenlandRobins,
}

crate::spelling::spellings!(RdVariance, "MH risk-difference variance", {
    RdVariance::SatoGreenlandRobins => ["sgr"],
    RdVariance::GreenlandRobins => ["gr"],
});

/// Mantel-Haenszel log odds ratio and its standard error.
///
/// # Formula
/// OR = R/S with R = Σ a d/N, S = Σ b c/N; the Robins-Breslow-Greenland (1986) variance
/// Var(ln OR) = Σ P_i R_i/(2R²) + Σ (P_i S_i + Q_i R_i)/(2RS) + Σ Q_i S_i/(2S²),
/// P_i = (a + d)/N, Q_i = (b + c)/N.
pub fn log_odds_ratio(tables: &[Table2x2]) -> (f64, f64) {
    let (mut r, mut s, mut pr, mut ps_qr, mut qs) = (0.0, 0.0, 0.0, 0.0, 0.0);
    for t in tables {
        let n = t.n();
        let (ri, si) = (t.a * t.d / n, t.b * t.c / n);
        let (pi, qi) = ((t.a + t.d) / n, (t.b + t.c) / n);
        r += ri;
        s += si;
        pr += pi * ri;
        ps_qr += pi * si + qi * ri;
        qs += qi * si;
    }
    let var = pr / (2.0 * r * r) + ps_qr / (2.0 * r * s) + qs / (2.0 * s * s);
    ((r / s).ln(), var.sqrt())
}

/// Mantel-Haenszel log risk ratio and its standard error.
///
/// # Formula
/// RR = R/S with R = Σ a n_c/N, S = Σ c n_e/N; Greenland & Robins (1985)
/// Var(ln RR) = Σ (n_e n_c (a + c) − a c N)/N² / (R S).
pub fn log_risk_ratio(tables: &[Table2x2]) -> (f64, f64) {
    let (mut r, mut s, mut v) = (0.0, 0.0, 0.0);
    for t in tables {
        let (n_e, n_c, n) = (t.n_e(), t.n_c(), t.n());
        r += t.a * n_c / n;
        s += t.c * n_e / n;
        v += (n_e * n_c * (t.a + t.c) - t.a * t.c * n) / (n * n);
    }
    ((r / s).ln(), (v / (r * s)).sqrt())
}

/// Mantel-Haenszel risk difference and its standard error.
///
/// # Formula
/// RD = Σ (a n_c − c n_e)/N / W, W = Σ n_e n_c/N; variance by `variance`
/// (see [`RdVariance`]).
pub fn risk_difference(tables: &[Table2x2], variance: RdVariance) -> (f64, f64) {
    let (mut num, mut w, mut gr, mut p, mut q) = (0.0, 0.0, 0.0, 0.0, 0.0);
    for t in tables {
        let (n_e, n_c, n) = (t.n_e(), t.n_c(), t.n());
        num += (t.a * n_c - t.c * n_e) / n;
        w += n_e * n_c / n;
        gr += (t.a * t.b * n_c.powi(3) + t.c * t.d * n_e.powi(3)) / (n_e * n_c * n * n);
        p += (n_e * n_e * t.c - n_c * n_c * t.a + n_e * n_c * (n_c - n_e) / 2.0) / (n * n);
        q += (t.a * (n_c - t.c) + t.c * (n_e - t.a)) / (2.0 * n);
    }
    let rd = num / w;
    let var = match variance {
        RdVariance::GreenlandRobins => gr / (w * w),
        RdVariance::SatoGreenlandRobins => (rd * p + q) / (w * w),
    };
    (rd, var.sqrt())
}

/// Mantel-Haenszel study weights in percent, as RevMan prints them: b c/N for OR,
/// c n_e/N for RR, n_e n_c/N for RD.
pub fn weights_percent(tables: &[Table2x2], measure: crate::effect::Measure) -> Vec<f64> {
    use crate::effect::Measure;
    let w: Vec<f64> = tables
        .iter()
        .map(|t| match measure {
            Measure::OR => t.b * t.c / t.n(),
            Measure::RR => t.c * t.n_e() / t.n(),
            _ => t.n_e() * t.n_c() / t.n(),
        })
        .collect();
    let total: f64 = w.iter().sum();
    w.iter().map(|x| 100.0 * x / total).collect()
}
