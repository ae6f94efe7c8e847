//! Printed numbers: a figure's value with the precision it was printed at, and the
//! symmetry of a printed estimate within its printed interval.
//!
//! A printed number stands for the interval of true values that round to it
//! ([`Printed::bounds`]). A Wald interval is symmetric about its estimate on the
//! analysis scale (log for ratios): estimate = (lower + upper)/2; a printed estimate
//! and interval are symmetric when some true values within rounding satisfy it
//! ([`symmetry`]). [`crate::effect`] asks it of generic estimates with intervals (do
//! they look like ratios?), [`crate::audit`] of every figure it checks.
//!
//! A leaf of the crate: it uses nothing but [`crate::error`].

use crate::error::{Error, Result};
use serde::Serialize;

/// A number as printed: its value and its count of decimals.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Printed {
    /// The value read.
    pub value: f64,
    /// Digits after the decimal point.
    pub decimals: u32,
}

impl Printed {
    /// Reads a number, keeping its precision (`"5.20"` has 2 decimals).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] when the text is not a plain decimal number.
    pub fn parse(text: &str) -> Result<Self> {
        let t = text.trim().replace(['−', '–'], "-");
        let value: f64 = t
            .parse()
            .map_err(|_| Error::InvalidArgument(format!("'{text}' is not a printed number")))?;
        if !value.is_finite() || t.contains(['e', 'E']) {
            return Err(Error::InvalidArgument(format!(
                "'{text}' is not a printed number"
            )));
        }
        let decimals = t.split_once('.').map_or(0, |(_, frac)| frac.len() as u32);
        Ok(Printed { value, decimals })
    }

    /// Half a unit of the last printed digit.
    pub fn half_unit(&self) -> f64 {
        0.5 * 10f64.powi(-(self.decimals as i32))
    }

    /// The interval of true values that print as this number, [v − h, v + h].
    pub fn bounds(&self) -> (f64, f64) {
        (self.value - self.half_unit(), self.value + self.half_unit())
    }

    /// True when `x` prints as this number under round-half-up or round-half-even.
    pub fn matches(&self, x: f64) -> bool {
        // Clear cases by arithmetic; only values within 1e-9 units of a rounding tie go
        // through the decimal rounding below.
        let distance = (x - self.value).abs() / (2.0 * self.half_unit());
        if distance < 0.5 - 1e-9 {
            return true;
        }
        if distance > 0.5 + 1e-9 {
            return false;
        }
        let printed = format!("{:.*}", self.decimals as usize, self.value);
        round_half_up(x, self.decimals) == printed || round_half_even(x, self.decimals) == printed
    }

    /// The value as it was printed.
    pub fn text(&self) -> String {
        format!("{:.*}", self.decimals as usize, self.value)
    }
}

/// `x` rounded to `decimals` digits, ties away from zero, as text. Ties are decided on
/// the decimal expansion of `x` (17 significant digits), not on its binary neighbours.
pub fn round_half_up(x: f64, decimals: u32) -> String {
    round_decimal(x, decimals, false)
}

/// `x` rounded to `decimals` digits, ties to even, as text.
pub fn round_half_even(x: f64, decimals: u32) -> String {
    round_decimal(x, decimals, true)
}

fn round_decimal(x: f64, decimals: u32, to_even: bool) -> String {
    // The shortest decimal text that reads back as x decides ties, as a person
    // rounding the printed value would.
    let exact = format!("{x}");
    let (negative, digits) = match exact.strip_prefix('-') {
        Some(rest) => (true, rest.to_string()),
        None => (false, exact.clone()),
    };
    if digits.contains(['e', 'E', 'i', 'N']) {
        return format!("{:.*}", decimals as usize, x);
    }
    let (int, frac) = digits.split_once('.').unwrap_or((&digits, ""));
    let d = decimals as usize;
    if frac.len() <= d {
        return format!("{:.*}", d, x);
    }
    // The digits kept and the first dropped; rounding up adds one to the last kept
    // digit with its carries, on the decimal text (no integer type bounds the digits).
    let mut kept: Vec<u8> = int.bytes().chain(frac.bytes().take(d)).collect();
    let rest = &frac.as_bytes()[d..];
    let first = rest[0] - b'0';
    let beyond = rest[1..].iter().any(|&b| b != b'0');
    let last_even = kept.last().is_some_and(|b| (b - b'0').is_multiple_of(2));
    let up = first > 5 || (first == 5 && (beyond || !to_even || !last_even));
    if up {
        let mut i = kept.len();
        loop {
            if i == 0 {
                kept.insert(0, b'1');
                break;
            }
            i -= 1;
            if kept[i] == b'9' {
                kept[i] = b'0';
            } else {
                kept[i] += 1;
                break;
            }
        }
    }
    let nonzero = kept.iter().any(|&b| b != b'0');
    // `int` has at least one digit, so the split leaves one before the point.
    let (i, f) = kept.split_at(kept.len() - d);
    let (i, f) = (String::from_utf8_lossy(i), String::from_utf8_lossy(f));
    let body = if d == 0 {
        i.into_owned()
    } else {
        format!("{i}.{f}")
    };
    if negative && nonzero {
        format!("-{body}")
    } else {
        body
    }
}

/// The scale on which the interval is symmetric.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Scale {
    /// Differences (MD, RD, SMD): the natural scale.
    Difference,
    /// Ratios (RR, OR, HR): the log scale; the null is 1.
    Ratio,
}

impl Scale {
    /// The analysis scale of a printed value: x, or ln x for ratios.
    pub fn to_analysis(self, x: f64) -> f64 {
        match self {
            Scale::Difference => x,
            Scale::Ratio => x.ln(),
        }
    }
}

/// The symmetry of a printed estimate within its printed interval ([`symmetry`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Symmetry {
    /// Range of the midpoint of the limits (analysis scale) over their rounding bounds.
    pub midpoint: (f64, f64),
    /// True when the estimate can be the midpoint of its limits within rounding.
    pub symmetric: bool,
}

/// Whether `estimate` can be the midpoint of `lower` and `upper` on `scale` within the
/// rounding of each: with g the analysis scale ([`Scale::to_analysis`]) and [l, h] the
/// rounding bounds of each number, the midpoint (g(lower) + g(upper))/2 ranges over
/// [(g(l_lower) + g(l_upper))/2, (g(h_lower) + g(h_upper))/2], and the figure is
/// symmetric when that range meets [g(l_estimate), g(h_estimate)].
///
/// Takes finite numbers with `lower <= upper`, above 0 on the ratio scale (where a
/// positive printed value is at least one unit of its last digit, so its rounding
/// interval stays above zero and every logarithm is finite);
/// [`crate::audit::consistency::check_ci`] checks them first.
pub fn symmetry(estimate: Printed, lower: Printed, upper: Printed, scale: Scale) -> Symmetry {
    let g = |x: f64| scale.to_analysis(x);
    let (el, eh) = estimate.bounds();
    let (ll, lh) = lower.bounds();
    let (ul, uh) = upper.bounds();
    let mid = ((g(ll) + g(ul)) / 2.0, (g(lh) + g(uh)) / 2.0);
    Symmetry {
        midpoint: mid,
        symmetric: mid.0 <= g(eh) && g(el) <= mid.1,
    }
}
