//! Printed figures: numbers as they appear in a paper, with the precision they were
//! printed at.
//!
//! Accepted forms (white space is free, `−` and `–` are read as `-`):
//! - an estimate with a CI: `2.39 (1.10 to 5.23)`, `0.90 [0.61, 1.32]`,
//!   `1.10; 95% CI 0.37 to 1.82`, `0.66 (0.55-0.78)`, meta's `2.39 [1.10; 5.23]`,
//!   `2.39, 95% CI 1.10 to 5.23`, `(95% CI: 1.10, 5.23)`; the estimate may follow the
//!   name of its measure, as papers print it: `RR 2.39 (95% CI 1.10 to 5.23)`,
//!   `OR = 0.66 (0.55-0.78)`, `HR: 0.80 [0.70, 0.91]`;
//! - a bare number or a percentage: `1070`, `0.62`, `41%`;
//! - a p-value: `P < 0.0001`, `p = 0.005`, `P<0.002`.

pub use crate::printed::{round_half_even, round_half_up, Printed};

use crate::error::{Error, Result};
use serde::Serialize;

/// How a printed p-value relates to its number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Relation {
    /// `P = x`
    Equal,
    /// `P < x`
    Below,
    /// `P > x`
    Above,
}

/// The level of a printed `NN% CI`, as a proportion: a percentage in (0, 100).
fn printed_level(percent: &str, text: &str) -> Result<f64> {
    match percent.parse::<f64>() {
        Ok(p) if p > 0.0 && p < 100.0 => Ok(p / 100.0),
        _ => Err(Error::InvalidArgument(format!(
            "'{text}' prints a {percent}% CI: a confidence level is a percentage between 0 \
             and 100"
        ))),
    }
}

/// A parsed reported figure.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub enum Figure {
    /// An estimate, with its confidence interval when printed.
    Estimate {
        /// The point estimate.
        estimate: Printed,
        /// Lower and upper limits.
        ci: Option<(Printed, Printed)>,
        /// How the interval was written: `[a, b]` (true) or `(a to b)` and the other
        /// forms (false).
        brackets: bool,
        /// The confidence level printed with the interval (`90% CI`, `CI 99%`), a
        /// proportion; `None` when none is printed.
        level: Option<f64>,
    },
    /// A percentage (the value in percent).
    Percent(Printed),
    /// A p-value with its relation.
    PValue {
        /// `=`, `<` or `>`.
        relation: Relation,
        /// The number printed.
        value: Printed,
    },
}

impl Figure {
    /// Parses a printed figure; see the module documentation for the forms.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] naming the text when it has none of those forms.
    pub fn parse(text: &str) -> Result<Self> {
        let bad = || {
            Error::InvalidArgument(format!(
                "cannot read '{text}' as a printed figure; expected a number ('1070'), a \
                 percentage ('41%'), an estimate with its CI ('2.39 (1.10 to 5.23)', \
                 '0.90 [0.61, 1.32]') or a p-value ('P < 0.001')"
            ))
        };
        let t = text.trim().replace(['−', '–'], "-");
        let lower = t.to_ascii_lowercase();
        let p_relation = lower
            .strip_prefix('p')
            .map(str::trim_start)
            .filter(|rest| rest.starts_with(['<', '>', '=']));
        if let Some(rest) = p_relation {
            let (relation, number) = if let Some(n) = rest.strip_prefix('<') {
                (Relation::Below, n)
            } else if let Some(n) = rest.strip_prefix('>') {
                (Relation::Above, n)
            } else if let Some(n) = rest.strip_prefix('=') {
                (Relation::Equal, n)
            } else {
                return Err(bad());
            };
            return Ok(Figure::PValue {
                relation,
                value: Printed::parse(number).map_err(|_| bad())?,
            });
        }
        // The name of the measure before the estimate ("RR 2.39", "OR = 0.66", "HR: 0.8").
        let t = if t.starts_with(|c: char| c.is_ascii_alphabetic()) {
            let start = t
                .find(|c: char| c.is_ascii_digit() || c == '-' || c == '.')
                .ok_or_else(bad)?;
            let label = &t[..start];
            if !label
                .chars()
                .all(|c| c.is_ascii_alphabetic() || c.is_whitespace() || c == '=' || c == ':')
            {
                return Err(bad());
            }
            t[start..].to_string()
        } else {
            t
        };
        if let Some(number) = t.strip_suffix('%') {
            return Ok(Figure::Percent(Printed::parse(number).map_err(|_| bad())?));
        }
        // An estimate, then optionally a CI in brackets or after "CI".
        let split_at = t.find(['(', '[', ';', ',']).unwrap_or(t.len());
        let estimate = Printed::parse(&t[..split_at]).map_err(|_| bad())?;
        let rest = t[split_at..].trim();
        if rest.is_empty() {
            return Ok(Figure::Estimate {
                estimate,
                ci: None,
                brackets: false,
                level: None,
            });
        }
        let brackets = rest.starts_with('[');
        let mut inner = rest
            .trim_start_matches(['(', '[', ';', ','])
            .trim_end_matches([')', ']'])
            .trim()
            .to_string();
        let mut level = None;
        if let Some(pos) = inner.to_ascii_lowercase().find("ci") {
            // A level before "CI" ("90% CI") or right after it ("CI 99%:").
            let before = inner[..pos].trim().trim_start_matches(['(', '[']).trim();
            let mut after = inner[pos + 2..].trim().to_string();
            if let Some(percent) = before.strip_suffix('%') {
                level = Some(printed_level(percent.trim(), text)?);
            } else if !before.is_empty() {
                return Err(bad());
            } else if let Some(end) = after.find('%') {
                let number = after[..end].trim();
                if !number.is_empty() && number.chars().all(|c| c.is_ascii_digit() || c == '.') {
                    level = Some(printed_level(number, text)?);
                    after = after[end + 1..].to_string();
                }
            }
            inner = after
                .trim()
                .trim_start_matches([':', ','])
                .trim()
                .to_string();
        }
        let limits: Vec<&str> = if inner.contains(" to ") {
            inner.split(" to ").collect()
        } else if inner.contains(',') {
            inner.split(',').collect()
        } else if inner.contains(';') {
            inner.split(';').collect()
        } else if inner.is_empty() {
            return Err(bad());
        } else {
            // "0.55-0.78": a dash between two numbers (a leading minus stays with its
            // number). The search starts after the first character, whatever its width
            // in bytes, so that every slice ends on a character boundary.
            let first = inner.chars().next().map_or(0, char::len_utf8);
            match inner[first..].find('-') {
                Some(pos) => vec![&inner[..first + pos], &inner[first + pos + 1..]],
                None => return Err(bad()),
            }
        };
        if limits.len() != 2 {
            return Err(bad());
        }
        let lo = Printed::parse(limits[0]).map_err(|_| bad())?;
        let hi = Printed::parse(limits[1]).map_err(|_| bad())?;
        Ok(Figure::Estimate {
            estimate,
            ci: Some((lo, hi)),
            brackets,
            level,
        })
    }

    /// The confidence level printed with the interval, if any (a proportion).
    pub fn printed_level(&self) -> Option<f64> {
        match self {
            Figure::Estimate { level, .. } => *level,
            _ => None,
        }
    }

    /// True when an estimate and its limits all print as this figure.
    pub fn matches_estimate(&self, estimate: f64, lower: f64, upper: f64) -> bool {
        match self {
            Figure::Estimate {
                estimate: e, ci, ..
            } => {
                e.matches(estimate)
                    && ci.is_none_or(|(lo, hi)| lo.matches(lower) && hi.matches(upper))
            }
            _ => false,
        }
    }

    /// Formats an estimate and CI at this figure's precision and in its style:
    /// `2.39 (1.10 to 5.23)` or `0.90 [0.61, 1.32]`.
    pub fn format_like(&self, estimate: f64, lower: f64, upper: f64) -> String {
        let d = match self {
            Figure::Estimate { estimate: e, .. } => e.decimals as usize,
            Figure::Percent(p) | Figure::PValue { value: p, .. } => p.decimals as usize,
        };
        match self {
            Figure::Estimate { ci: None, .. } => format!("{estimate:.d$}"),
            Figure::Estimate { brackets: true, .. } => {
                format!("{estimate:.d$} [{lower:.d$}, {upper:.d$}]")
            }
            _ => format!("{estimate:.d$} ({lower:.d$} to {upper:.d$})"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_forms_in_use() {
        for (text, e, lo, hi) in [
            ("2.39 (1.10 to 5.23)", 2.39, 1.10, 5.23),
            ("0.90 [0.61, 1.32]", 0.90, 0.61, 1.32),
            ("1.10; 95% CI 0.37 to 1.82", 1.10, 0.37, 1.82),
            ("0.66 (0.55-0.78)", 0.66, 0.55, 0.78),
            ("-0.30 (-0.55 to -0.05)", -0.30, -0.55, -0.05),
            // With the measure's name, as papers print it, and meta's "[a; b]".
            ("RR 2.39 (95% CI 1.10 to 5.23)", 2.39, 1.10, 5.23),
            ("2.39 [1.10; 5.23]", 2.39, 1.10, 5.23),
            ("OR = 0.66 (0.55-0.78)", 0.66, 0.55, 0.78),
            ("HR: 0.80 (95% CI: 0.70, 0.91)", 0.80, 0.70, 0.91),
            ("2.39, 95% CI 1.10 to 5.23", 2.39, 1.10, 5.23),
            ("2.39 (95% CI, 1.10 to 5.23)", 2.39, 1.10, 5.23),
            ("MD −1.20 (−2.00 to −0.40)", -1.20, -2.00, -0.40),
        ] {
            match Figure::parse(text).expect(text) {
                Figure::Estimate {
                    estimate,
                    ci: Some((l, h)),
                    ..
                } => {
                    assert_eq!((estimate.value, l.value, h.value), (e, lo, hi), "{text}");
                    assert_eq!(estimate.decimals, 2);
                }
                other => panic!("{text}: {other:?}"),
            }
        }
        assert!(
            matches!(Figure::parse("41%"), Ok(Figure::Percent(p)) if p.value == 41.0 && p.decimals == 0)
        );
        assert!(
            matches!(Figure::parse("P < 0.0001"), Ok(Figure::PValue { relation: Relation::Below, value }) if value.decimals == 4)
        );
        for bad in ["RR", "RR 2.39 (", "2.39 (95% CI)", "x1 2.39", "banana"] {
            assert!(Figure::parse(bad).is_err(), "{bad}");
        }
        assert!(matches!(
            Figure::parse("p = 0.005"),
            Ok(Figure::PValue {
                relation: Relation::Equal,
                ..
            })
        ));
        assert!(Figure::parse("about two").is_err());
    }

    #[test]
    fn rounding_considers_half_up_and_half_even() {
        let p = Printed::parse("2.38").expect("number");
        assert!(p.matches(2.385)); // half-even keeps 2.38
        assert!(p.matches(2.3799));
        assert!(!p.matches(2.3851));
        let q = Printed::parse("2.39").expect("number");
        assert!(q.matches(2.385)); // half-up gives 2.39
        assert_eq!(round_half_up(2.3927, 2), "2.39");
        assert_eq!(round_half_even(0.125, 2), "0.12");
        assert_eq!(round_half_up(0.125, 2), "0.13");
        assert_eq!(round_half_up(-0.125, 2), "-0.13");
        assert_eq!(round_half_up(9.995, 2), "10.00");
        assert_eq!(round_half_up(1070.0, 0), "1070");
        // More digits than any integer type holds: the carry runs through the text.
        // 1.2345678901234567e-30 to 44 decimals: 45 digits kept, the 45th rounded up.
        assert_eq!(
            round_half_up(1.2345678901234567e-30, 44),
            format!("0.{}123456789012346", "0".repeat(29))
        );
        assert_eq!(round_half_up(99.995, 2), "100.00");
        assert_eq!(round_half_up(-0.004, 2), "0.00");
    }

    /// Issue 12, item 2: a character of several bytes where the parser sliced bytes
    /// panicked; every such figure is an error naming the text.
    #[test]
    fn figures_with_multibyte_characters_are_errors() {
        for text in [
            "2.39 ()",
            "2.39 [é]",
            "2.39 (·1.10-5.23)",
            "2.39 (é-5.23)",
            "2.39 (1.10 to é)",
            "é",
            "RR· 2.39",
            "P < é",
            "é%",
            "2.39 (ⅰ-ⅱ)",
        ] {
            match Figure::parse(text) {
                Err(Error::InvalidArgument(m)) => assert!(m.contains(text), "{m}"),
                other => panic!("{text}: {other:?}"),
            }
        }
        // A dash after a multi-byte first character still splits the limits.
        assert!(Figure::parse("2.39 (−1.10-5.23)").is_ok());
    }
}
