//! CSV report: one row per study, then the pooled rows. Columns: `row` (study, fixed,
//! random, prediction), `study`, `yi`, `vi` (analysis scale), `estimate`, `ci_lower`,
//! `ci_upper` (natural scale: exponentiated for ratio measures; Wald z intervals for
//! studies), `weight_fixed`, `weight_random` (%).

use crate::distribution::normal_quantile;
use crate::model::Fit;

fn field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

/// A number in Rust's shortest round-trip form (`{:?}`: exponent notation below 1e-5
/// and above 1e16, so that 1e-300 is not written with 300 digits); an empty cell for
/// NaN (undefined or absent) and `Infinity` / `-Infinity` for ±∞, as in the JSON
/// output ([`crate::report::json`]; R's `as.numeric` and Python's `float` read them).
pub fn num(x: f64) -> String {
    if x.is_nan() {
        String::new()
    } else if x.is_infinite() {
        (if x > 0.0 { "Infinity" } else { "-Infinity" }).to_string()
    } else {
        format!("{x:?}")
    }
}

/// The CSV text.
pub fn render(fit: &Fit) -> String {
    let m = fit.measure;
    let z = normal_quantile(1.0 - (1.0 - fit.level) / 2.0);
    let mut out =
        String::from("row,study,yi,vi,estimate,ci_lower,ci_upper,weight_fixed,weight_random\n");
    for s in &fit.studies {
        let se = s.vi.sqrt();
        out += &format!(
            "study,{},{},{},{},{},{},{},{}\n",
            field(&s.study),
            num(s.yi),
            num(s.vi),
            num(m.to_natural(s.yi)),
            num(m.to_natural(s.yi - z * se)),
            num(m.to_natural(s.yi + z * se)),
            num(s.weight_fixed),
            s.weight_random.map_or(String::new(), num)
        );
    }
    let f = &fit.fixed;
    out += &format!(
        "fixed,{},{},{},{},{},{},100,\n",
        f.method.name(),
        num(f.estimate),
        num(f.se * f.se),
        num(m.to_natural(f.estimate)),
        num(m.to_natural(f.ci_lower)),
        num(m.to_natural(f.ci_upper))
    );
    if let Some(r) = &fit.random {
        out += &format!(
            "random,{},{},{},{},{},{},,100\n",
            r.tau2_method,
            num(r.pooled.estimate),
            num(r.pooled.se * r.pooled.se),
            num(m.to_natural(r.pooled.estimate)),
            num(m.to_natural(r.pooled.ci_lower)),
            num(m.to_natural(r.pooled.ci_upper))
        );
        out += &format!(
            "prediction,{},,,,{},{},,\n",
            r.tau2_method,
            num(m.to_natural(r.pi_lower)),
            num(m.to_natural(r.pi_upper))
        );
    }
    out
}
