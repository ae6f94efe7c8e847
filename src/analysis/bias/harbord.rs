//! Harbord's test for binary outcomes (Harbord, Egger & Sterne 2006).

use super::*;
use crate::data::Table2x2;
use crate::level::Level;

/// Harbord's modified test for small-study effects (binary data).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HarbordTest {
    /// Number of tables in the regression.
    pub k: usize,
    /// Indices (0-based) of the tables left out because a margin is zero (V = 0).
    pub excluded: Vec<usize>,
    /// The intercept ("bias"), its standard error, t test on k − 2 df and interval.
    pub bias: PooledEstimate,
    /// The slope (an estimate of the log odds ratio).
    pub slope: PooledEstimate,
    /// The test statistic, bias/SE (t on k − 2 df).
    pub statistic: f64,
    /// Degrees of freedom, k − 2.
    pub df: f64,
    /// Two-sided p-value of the test of no small-study effects.
    pub p_value: f64,
}

/// Harbord's test: the ordinary least-squares regression of Z/√V on √V, tested at the
/// intercept, from the 2x2 tables ([`Table2x2`]: a, b events and non-events of the
/// experimental arm, c, d of the control arm).
///
/// # Formula
/// For each table, with n_e = a + b, n_c = c + d and N = n_e + n_c:
/// Z = (ad − bc)/N = a − (a + b)(a + c)/N, the efficient score of the log odds ratio at 0,
/// and V = (a + b)(c + d)(a + c)(b + d)/(N²(N − 1)), its variance (Fisher's information).
/// Z/√V = β₀ + β₁√V + ε by ordinary least squares; the test of β₀ = 0 is t on k − 2 df.
/// Tables with V = 0 (a zero margin) carry no information and are left out. Harbord,
/// Egger & Sterne 2006, *Stat Med* 25:3443-3457; Harbord, Harris & Sterne 2009, *Stata
/// Journal* 9:197-210 (`metabias, harbord`). metafor 3.8-1 has no such test:
/// `tests/bias_golden.rs` checks it against R's `lm()` on these Z and V.
///
/// # Errors
/// [`Error::Degenerate`] for cells that are negative or not finite (events above their
/// arm's total give a negative b or d),
/// fewer than three informative tables, or √V that does not vary.
pub fn harbord_test(tables: &[Table2x2], level: Level) -> Result<HarbordTest> {
    let (mut y, mut x, mut excluded) = (Vec::new(), Vec::new(), Vec::new());
    for (i, t) in tables.iter().enumerate() {
        let (a, n1, c, n2) = (t.a, t.n_e(), t.c, t.n_c());
        let valid = [t.a, t.b, t.c, t.d]
            .iter()
            .all(|v| v.is_finite() && *v >= 0.0);
        if !valid {
            return Err(Error::Degenerate(format!(
                "Harbord's test: table {} has events {a}/{n1} and {c}/{n2}; expected counts \
                 between 0 and their arm's total",
                i + 1
            )));
        }
        let (b, d) = (t.b, t.d);
        let n = n1 + n2;
        let v = n1 * n2 * (a + c) * (b + d) / (n * n * (n - 1.0));
        if !(v > 0.0 && v.is_finite()) {
            excluded.push(i);
            continue;
        }
        let z = (a * d - b * c) / n;
        y.push(z / v.sqrt());
        x.push(v.sqrt());
    }
    if y.len() < 3 {
        return Err(Error::Degenerate(format!(
            "Harbord's test needs at least 3 tables without a zero margin, found {}",
            y.len()
        )));
    }
    if x.iter().all(|&v| v == x[0]) {
        return Err(Error::Degenerate(
            "Harbord's test: every table has the same information V".into(),
        ));
    }
    // Ordinary least squares is the weighted fit with unit weights and the dispersion
    // RSS/(k − 2).
    let ones = vec![1.0; y.len()];
    let fit = wls(&y, &ones, &x, 0.0);
    let df = y.len() as f64 - 2.0;
    let sigma2 = fit.q_e / df;
    let bias = PooledEstimate::wald(
        fit.b0,
        (fit.var_b0 * sigma2).sqrt(),
        level.proportion(),
        Some(df),
    );
    let slope = PooledEstimate::wald(
        fit.b1,
        (fit.var_b1 * sigma2).sqrt(),
        level.proportion(),
        Some(df),
    );
    Ok(HarbordTest {
        k: y.len(),
        excluded,
        statistic: bias.statistic,
        df,
        p_value: bias.p_value,
        bias,
        slope,
    })
}
