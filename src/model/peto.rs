//! Peto's one-step pooled odds ratio.

use crate::data::Table2x2;
use crate::effect::binary::peto_o_minus_e;

/// Peto's pooled log odds ratio and its standard error.
///
/// # Formula
/// ln OR = Σ(O_i − E_i) / ΣV_i, SE = 1/√ΣV_i, with O − E and V of
/// [`peto_o_minus_e`] computed from the unincremented tables (Yusuf et al. 1985;
/// metafor `rma.peto`, RevMan 5). Double-zero tables have V = 0 and add nothing.
pub fn log_odds_ratio(tables: &[Table2x2]) -> (f64, f64) {
    let (mut o_e, mut v) = (0.0, 0.0);
    for t in tables {
        let (oe, vi) = peto_o_minus_e(t);
        if vi > 0.0 {
            o_e += oe;
            v += vi;
        }
    }
    (o_e / v, 1.0 / v.sqrt())
}

/// Peto study weights in percent, 100 V_i / ΣV.
pub fn weights_percent(tables: &[Table2x2]) -> Vec<f64> {
    let v: Vec<f64> = tables.iter().map(|t| peto_o_minus_e(t).1).collect();
    let total: f64 = v.iter().sum();
    v.iter().map(|x| 100.0 * x / total).collect()
}
