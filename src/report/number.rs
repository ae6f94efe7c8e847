//! Numbers as text, fast: the digits of the `ryu` crate laid out as Rust's `{:?}`
//! ([`Numbers::debug`]) or `Display` ([`Numbers::display`]) lays them out, into a buffer
//! reused from number to number, so that writing 10⁶ rows allocates nothing per number.
//!
//! ryu and Rust's standard library find the same digits, the shortest that read back
//! as the same `f64` and the nearest of them when several are as short, but for a tie:
//! when the number lies exactly halfway between the two nearest (1883858707649637.25
//! between …637.2 and …637.3), ryu takes the one ending in an even digit and Rust the
//! one larger in magnitude. The layout differs too: ryu writes decimal for
//! 1e-5 <= |x| < 1e16 and an exponent otherwise, as `{:?}` does but for its switch to
//! an exponent below 1e-4, and `Display` never writes an exponent nor the `.0` of an
//! integer. So ryu's text is returned as it is where it is already Rust's (most
//! numbers), and otherwise taken apart into its sign, digits and decimal point, a tie
//! rounded up, and the digits written again by Rust's rules.

use std::fmt::Write;

/// Formats numbers into a text it reuses: each call returns the text of one number,
/// valid until the next call.
#[derive(Default)]
pub struct Numbers {
    /// ryu's text of the number being formatted.
    ryu: ryu::Buffer,
    /// The text returned, laid out again.
    text: String,
}

impl Numbers {
    /// The text of `format!("{x:?}")` for a finite `x`: decimal for
    /// 1e-4 <= |x| < 1e16 with at least one digit after the point (`1.0`, `0.0001`,
    /// `-0.0`), otherwise the shortest digits with an exponent (`1e-5`, `1.5e-7`,
    /// `1e16`). NaN (undefined or absent) is an empty text and ±∞ is `Infinity` /
    /// `-Infinity`, as in the JSON output ([`crate::report::json`]; R's `as.numeric`
    /// and Python's `float` read them).
    pub fn debug(&mut self, x: f64) -> &str {
        if x.is_nan() {
            return "";
        }
        if x.is_infinite() {
            return if x > 0.0 { "Infinity" } else { "-Infinity" };
        }
        let ryu = self.ryu.format_finite(x);
        let exact = exact_digits(x);
        if exact.is_none() && !(1e-5..1e-4).contains(&x.abs()) {
            return ryu;
        }
        let d = Decimal::of(ryu, exact);
        self.text.clear();
        if d.negative {
            self.text.push('-');
        }
        if d.len == 0 {
            self.text.push_str("0.0");
        } else if (-3..=16).contains(&d.point) {
            d.positional(&mut self.text, ".0");
        } else {
            d.exponential(&mut self.text);
        }
        &self.text
    }

    /// The text of `x.to_string()` for every `x`: decimal without an exponent, whatever
    /// the magnitude (1e-300 is `0.` and 299 zeros then `1`, 1e300 is `1` and 300
    /// zeros), with a point only before digits (`1`, `-0`, `0.5`); `NaN`, `inf`, `-inf`.
    pub fn display(&mut self, x: f64) -> &str {
        if x.is_nan() {
            return "NaN";
        }
        if x.is_infinite() {
            return if x > 0.0 { "inf" } else { "-inf" };
        }
        let ryu = self.ryu.format_finite(x);
        let exact = exact_digits(x);
        let exponent = x != 0.0 && !(1e-5..1e16).contains(&x.abs());
        if exact.is_none() && !exponent && !ryu.ends_with(".0") {
            return ryu;
        }
        let d = Decimal::of(ryu, exact);
        self.text.clear();
        if d.negative {
            self.text.push('-');
        }
        if d.len == 0 {
            self.text.push('0');
        } else {
            d.positional(&mut self.text, "");
        }
        &self.text
    }
}

/// |x| exactly as h·10^q (h an integer, q < 0) when it has a fraction and at most 18
/// significant digits (h < 10^18), the only numbers that can be ties: a tie lies
/// halfway between two numbers of n <= 17 digits, so it has n + 1 digits, the last a
/// 5 (h odd).
///
/// |x| = m·2^e with m odd is an integer when e >= 0, with factors 2 only up to 2^e; a
/// tie h·10^q that is an integer has q factors 2, so q = e >= 0, and then the two
/// numbers beside it are 5·10^q from x, more than half the spacing of floats there
/// (at most 2^e), so they do not read back as x: no tie. When e < 0,
/// |x| = m·5^-e / 10^-e, whose -e digits after the point end in a nonzero digit.
fn exact_digits(x: f64) -> Option<(u64, i32)> {
    if x == 0.0 {
        return None;
    }
    let bits = x.to_bits();
    let exponent_bits = ((bits >> 52) & 0x7ff) as i32;
    let fraction = bits & ((1 << 52) - 1);
    // Subnormals have no implicit leading bit and the exponent of the smallest normal.
    let (m, e) = if exponent_bits == 0 {
        (fraction, -1074)
    } else {
        (fraction | 1 << 52, exponent_bits - 1075)
    };
    let (m, e) = (m >> m.trailing_zeros(), e + m.trailing_zeros() as i32);
    if !(-26..0).contains(&e) {
        // 5^27 > 10^18: more than 18 digits, or an integer.
        return None;
    }
    let h = u128::from(m) * 5u128.pow(e.unsigned_abs());
    (h < 10u128.pow(18)).then_some((h as u64, e))
}

/// A finite number as 0.d₁d₂…dₙ × 10^point: its significant digits (no leading or
/// trailing zero; none for zero) and the place of the decimal point.
struct Decimal {
    negative: bool,
    /// ASCII digits; an `f64` has at most 17 significant ones.
    digits: [u8; 17],
    len: usize,
    point: i32,
}

impl Decimal {
    /// The digits of Rust's shortest form of a finite number from ryu's text of it
    /// (`ryu`), a tie rounded up in magnitude as Rust rounds it: `exact` is the number's
    /// exact value when it could be a tie ([`exact_digits`]).
    fn of(ryu: &str, exact: Option<(u64, i32)>) -> Decimal {
        let mut d = Decimal::parse(ryu);
        if exact.is_some_and(|exact| d.is_just_below(exact)) {
            d.round_up();
        }
        d
    }

    /// Takes apart ryu's text of a finite number: `-`?, digits with a point or not, then
    /// `e` and a signed exponent or not (`0.0`, `100.0`, `0.00001`, `1e16`, `-1.5e-7`).
    fn parse(ryu: &str) -> Decimal {
        let mut d = Decimal {
            negative: false,
            digits: [0; 17],
            len: 0,
            point: 0,
        };
        // One pass over the bytes: a digit before the point moves the point right, a
        // leading zero moves it left; other zeros are kept only once a nonzero digit
        // follows them, so that trailing zeros are dropped.
        let (mut after_point, mut zeros) = (false, 0);
        for (i, b) in ryu.bytes().enumerate() {
            match b {
                b'-' => d.negative = true,
                b'.' => after_point = true,
                b'e' => {
                    d.point += ryu[i + 1..].parse::<i32>().unwrap_or(0);
                    break;
                }
                digit => {
                    if !after_point {
                        d.point += 1;
                    }
                    if digit != b'0' {
                        for _ in 0..zeros {
                            d.push(b'0');
                        }
                        zeros = 0;
                        d.push(digit);
                    } else if d.len == 0 {
                        d.point -= 1;
                    } else {
                        zeros += 1;
                    }
                }
            }
        }
        d
    }

    fn push(&mut self, digit: u8) {
        self.digits[self.len] = digit;
        self.len += 1;
    }

    /// True if the digits followed by a 5 are `exact` (h·10^q): a number halfway
    /// between the digits and the digits one unit larger, a tie that ryu rounds down
    /// when the last digit is even and Rust rounds up.
    fn is_just_below(&self, (h, q): (u64, i32)) -> bool {
        let digits = self.digits[..self.len]
            .iter()
            .fold(0u64, |n, &digit| n * 10 + u64::from(digit - b'0'));
        h % 10 == 5 && h / 10 == digits && q == self.point - self.len as i32 - 1
    }

    /// Adds one unit in the last digit: …37.2 becomes …37.3, 9.99 becomes 10 (the
    /// trailing zeros dropped).
    fn round_up(&mut self) {
        while self.len > 0 && self.digits[self.len - 1] == b'9' {
            self.len -= 1;
        }
        if self.len == 0 {
            self.digits[0] = b'1';
            self.len = 1;
            self.point += 1;
        } else {
            self.digits[self.len - 1] += 1;
        }
    }

    /// The significant digits as text.
    fn digits(&self) -> &str {
        // ASCII digits only, so the slice is UTF-8.
        std::str::from_utf8(&self.digits[..self.len]).unwrap_or_default()
    }

    /// Appends the digits without exponent: `0.000ddd`, `ddd000` then `integer_end`
    /// (`.0` for `{:?}`, nothing for `Display`), or `dd.ddd`.
    fn positional(&self, out: &mut String, integer_end: &str) {
        let digits = self.digits();
        if self.point <= 0 {
            out.push_str("0.");
            out.extend(std::iter::repeat_n('0', self.point.unsigned_abs() as usize));
            out.push_str(digits);
        } else if self.point as usize >= self.len {
            out.push_str(digits);
            out.extend(std::iter::repeat_n('0', self.point as usize - self.len));
            out.push_str(integer_end);
        } else {
            let (integer, fraction) = digits.split_at(self.point as usize);
            out.push_str(integer);
            out.push('.');
            out.push_str(fraction);
        }
    }

    /// Appends the digits with an exponent, as `{:e}` does: `de-7`, `d.ddde16`.
    fn exponential(&self, out: &mut String) {
        let (first, rest) = self.digits().split_at(1);
        out.push_str(first);
        if !rest.is_empty() {
            out.push('.');
            out.push_str(rest);
        }
        // Writing to a String cannot fail.
        let _ = write!(out, "e{}", self.point - 1);
    }
}

#[cfg(test)]
mod tests {
    use super::Numbers;
    use proptest::prelude::*;

    /// Both forms of `x` against the standard library's.
    fn check(x: f64) {
        let mut n = Numbers::default();
        if x.is_finite() {
            assert_eq!(n.debug(x), format!("{x:?}"), "{{:?}} of {:#x}", x.to_bits());
        }
        assert_eq!(n.display(x), x.to_string(), "Display of {:#x}", x.to_bits());
    }

    /// `x` and the two floats beside it (bit patterns ± 1, across zero too).
    fn check_with_neighbours(x: f64) {
        for bits in [x.to_bits().wrapping_sub(1), x.to_bits(), x.to_bits() + 1] {
            let y = f64::from_bits(bits);
            check(y);
            check(-y);
        }
    }

    #[test]
    fn powers_of_ten_and_their_neighbours() {
        for e in -320..=308 {
            let x: f64 = format!("1e{e}").parse().expect("a power of ten");
            check_with_neighbours(x);
        }
    }

    #[test]
    fn boundaries_of_the_layouts() {
        for x in [
            0.0,
            1.0,
            1e-5,
            9.99e-5,
            1e-4,
            1e16,
            9.999999999999998e15,
            0.1 + 0.2,
            123456.789,
            f64::MIN_POSITIVE,
            f64::MAX,
            f64::EPSILON,
            f64::from_bits(1),
            f64::from_bits(0x000f_ffff_ffff_ffff),
            f64::from_bits(0x0008_0000_0000_0000),
            // Ties (ryu rounds them to even, Rust up): 1883858707649637.25,
            // -243307378220992.125.
            f64::from_bits(0x431a_c570_244e_5195),
            f64::from_bits(0xc2eb_a92d_3b33_f804),
        ] {
            check_with_neighbours(x);
        }
        check(f64::NAN);
        check(f64::INFINITY);
        check(f64::NEG_INFINITY);
    }

    #[test]
    fn the_csv_rules_for_what_is_not_a_number() {
        let mut n = Numbers::default();
        assert_eq!(n.debug(f64::NAN), "");
        assert_eq!(n.debug(f64::INFINITY), "Infinity");
        assert_eq!(n.debug(f64::NEG_INFINITY), "-Infinity");
    }

    #[test]
    fn the_buffer_is_reused() {
        let mut n = Numbers::default();
        assert_eq!(n.debug(1e300), "1e300");
        assert_eq!(n.debug(2.5), "2.5");
        assert_eq!(n.display(1e-7), "0.0000001");
        assert_eq!(n.display(-3.0), "-3");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(100_000))]

        /// Any bit pattern: every exponent, subnormals, NaNs and infinities.
        #[test]
        fn any_bit_pattern(bits in any::<u64>()) {
            check(f64::from_bits(bits));
        }

        /// Numbers from 2^40 to 2^54 with a fraction of a few bits, where 17 digits are
        /// needed and the number can lie halfway between two of them (a tie).
        #[test]
        fn numbers_where_ties_are(bits in 0x4270_0000_0000_0000u64..0x4350_0000_0000_0000) {
            check(f64::from_bits(bits));
        }

        /// Numbers of the size the reports write, where the layouts meet.
        #[test]
        fn numbers_near_the_switch_to_an_exponent(
            mantissa in 1.0f64..10.0,
            exponent in -7i32..=18,
        ) {
            check(mantissa * 10f64.powi(exponent));
        }
    }
}
