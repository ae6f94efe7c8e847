//! The normal, t and chi-squared quantiles and upper tails (statrs, through
//! `metapool::distribution`) against R.
//!
//! Expected values: `tests/golden/distributions.csv`, written by
//! `tests/golden/generate_distributions.R` (R 4.2.2: `qnorm`, `pnorm(lower.tail =
//! FALSE)`, `qt`, `pt(lower.tail = FALSE)`, `qchisq`, `pchisq(lower.tail = FALSE)`).
//!
//! Tolerance: 1e-12 relative over p from 1e-10 to 1 − 1e-6 and df from 1 to 1000;
//! 1e-11 for df = 1e5 (t tails there are within 3e-12 of R).

use metapool::distribution::{
    chisq_quantile, chisq_sf, normal_quantile, normal_sf, t_quantile, t_sf,
};

fn ours(function: &str, arg: f64, df: f64) -> f64 {
    match function {
        "qnorm" => normal_quantile(arg),
        "pnorm_upper" => normal_sf(arg),
        "qt" => t_quantile(arg, df),
        "pt_upper" => t_sf(arg, df),
        "qchisq" => chisq_quantile(arg, df),
        "pchisq_upper" => chisq_sf(arg, df),
        other => panic!("unknown function {other}"),
    }
}

#[test]
fn quantiles_and_tails_match_r() {
    let mut rdr = csv::Reader::from_path("tests/golden/distributions.csv").expect("golden file");
    let mut worst: Vec<(f64, String)> = Vec::new();
    let mut n = 0;
    for rec in rdr.records() {
        let r = rec.expect("record");
        let (function, arg, df, expected) = (
            r[0].to_string(),
            r[1].parse::<f64>().expect("arg"),
            r[2].parse::<f64>().unwrap_or(f64::NAN),
            r[3].parse::<f64>().expect("value"),
        );
        let actual = ours(&function, arg, df);
        let rel = if expected == 0.0 {
            actual.abs()
        } else {
            ((actual - expected) / expected).abs()
        };
        n += 1;
        let tolerance = if df > 1000.0 { 1e-11 } else { 1e-12 };
        if rel.is_nan() || rel > tolerance {
            worst.push((
                rel,
                format!("{function}({arg}, df = {df}): {actual} vs R {expected} (rel {rel:.2e})"),
            ));
        }
    }
    worst.sort_by(|a, b| b.0.total_cmp(&a.0));
    assert!(n > 700, "{n} values");
    assert!(
        worst.is_empty(),
        "{} of {n} values off by more than 1e-12:\n{}",
        worst.len(),
        worst
            .iter()
            .map(|w| w.1.clone())
            .collect::<Vec<_>>()
            .join("\n")
    );
}
