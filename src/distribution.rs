//! The reference distributions of the crate, in one place: quantiles and tail
//! probabilities of the standard normal, Student's t and chi-squared distributions, and
//! the upper tail of the F distribution.
//!
//! Upper tails use survival functions, never `1 - cdf`, so that small p-values keep
//! their digits. Accuracy against R (`qnorm`, `pnorm`, `qt`, `pt`, `qchisq`, `pchisq`),
//! checked in `tests/distributions.rs`: 1e-12 relative for p from 1e-10 to 1 − 1e-6
//! and df from 1 to 1000, 1e-11 at df = 1e5, and the far tails (p down to 1e-300, df
//! 1, 2, 3, 10 and 1e5) to the same, except two of R's own `qt` values, off by 1e-8 and
//! 1e-10 at p = 1e-300 (R's `pt` says so; the test names them).
//!
//! # Sources
//! - Normal tails: Φ(−x) = erfc(x/√2)/2 with `libm`'s `erfc` (a port of the FreeBSD /
//!   musl implementation, error below 1 ulp). `statrs`' own `erfc` is off by up to 1e-10
//!   relative, which is why it is not used here.
//! - χ² tails: the regularised incomplete gamma functions of `statrs`
//!   (P(χ²_ν ≤ x) = P(ν/2, x/2)).
//! - t tails: P(T > t) = I_{ν/(ν+t²)}(ν/2, 1/2)/2 for t² > ν, and
//!   1/2 − I_{t²/(ν+t²)}(1/2, ν/2)/2 otherwise; ν = 1 and ν = 2 in closed forms that
//!   do not cancel in the far tail (atan(1/t)/π and 1/(s(s + t)), s = √(2 + t²)), ν = ∞
//!   the normal tail. The
//!   regularised incomplete beta function I is [`inc_beta`]: the continued fraction of
//!   Abramowitz & Stegun 26.5.8 evaluated by the modified Lentz method (Press et al.,
//!   *Numerical Recipes*, 3rd ed., section 6.4), with the prefactor x^a (1−x)^b / B(a, b)
//!   formed in logs; for large ν, ln B(ν/2, 1/2) uses the difference of Stirling series
//!   so that no two large log-gamma values are subtracted, and 1 − x passed as its own
//!   number so that far tails keep their digits.
//! - F tails: P(F > f) = I_{d2/(d2 + d1 f)}(d2/2, d1/2) with the same [`inc_beta`]
//!   ([`f_sf`]; against R's `pf`, `tests/golden/f_distribution.csv`).
//! - Quantiles: for t with p < 1e-4, Newton's method on the log tail in ln x
//!   ([`t_quantile`]); otherwise a starting value (the Cornish-Fisher expansion for t, the
//!   Wilson-Hilferty approximation or the small-p expansion x₀ = 2 (p Γ(ν/2 + 1))^{2/ν}
//!   for χ², statrs' inverse otherwise)
//!   polished by Newton steps on the
//!   tail probability above, in the tail that holds p (Kennedy & Gentle 1980, ch. 5).

use statrs::distribution::{ChiSquared, Continuous, ContinuousCDF, StudentsT};
use statrs::function::gamma::{checked_gamma_lr, checked_gamma_ur, ln_gamma};
use std::f64::consts::{FRAC_1_SQRT_2, PI};

/// Degrees of freedom above which the t and χ² functions use normal approximations
/// (t: Abramowitz & Stegun 26.7.8, as R's `pt` does from 4e5; χ²: Wilson & Hilferty):
/// the continued fraction of the incomplete beta function and statrs' incomplete gamma
/// function need O(√ν) steps there and lose digits (statrs: 4e-6 at ν = 2e10). No
/// meta-analysis reaches it (it would need 10⁸ studies). The approximations' relative
/// error is of order 1/ν in the centre and grows in the far tails.
const LARGE_DF: f64 = 1e8;

/// Degrees of freedom below which the t functions return their limits as ν → 0
/// (statrs' beta function refuses ν/2 rounded to 0).
const TINY_DF: f64 = 1e-300;

/// True for a number greater than 0 (false for NaN).
fn is_positive(x: f64) -> bool {
    x > 0.0
}

/// True for a probability strictly between 0 and 1 (false for NaN).
fn in_open_unit(p: f64) -> bool {
    p > 0.0 && p < 1.0
}

/// 1 − Φ(x), the standard normal upper tail.
pub fn normal_sf(x: f64) -> f64 {
    0.5 * libm::erfc(x * FRAC_1_SQRT_2)
}

/// Φ(x), the standard normal distribution function.
pub fn normal_cdf(x: f64) -> f64 {
    normal_sf(-x)
}

/// φ(x), the standard normal density.
pub fn normal_pdf(x: f64) -> f64 {
    (-0.5 * x * x).exp() / (2.0 * PI).sqrt()
}

/// Two-sided p-value of a z statistic, 2 (1 − Φ(|z|)).
pub fn normal_two_sided_p(z: f64) -> f64 {
    2.0 * normal_sf(z.abs())
}

/// Halley polishing of a quantile: solves tail(x) = target, where `tail` is the lower
/// tail (`upper = false`, increasing in x) or the upper tail (decreasing), from `x`;
/// `pdf` is the density and `dlog_pdf` its logarithmic derivative f'/f, so that the
/// step u/(1 − u·(f'/f)/2), u = (tail(x) − target)/(±f(x)), converges cubically
/// (Halley 1694; as in Boost's and statrs' gamma quantiles). Steps are halved to stay
/// inside (lo, ∞). A step below 1e-7 of |x| leaves an error of order 1e-21 |x| after
/// it, so the iteration stops there without one more evaluation of the tail.
fn polish(
    mut x: f64,
    target: f64,
    upper: bool,
    lo: f64,
    tail: impl Fn(f64) -> f64,
    pdf: impl Fn(f64) -> f64,
    dlog_pdf: impl Fn(f64) -> f64,
) -> f64 {
    for _ in 0..50 {
        let f = tail(x) - target;
        let d = if upper { -pdf(x) } else { pdf(x) };
        if f == 0.0 || !d.is_finite() || d == 0.0 {
            break;
        }
        let newton = f / d;
        let halley = newton / (1.0 - 0.5 * newton * dlog_pdf(x));
        // Far from the root the Halley correction can mislead: keep Newton's step then.
        let mut step = if halley.is_finite() && halley * newton > 0.0 {
            halley
        } else {
            newton
        };
        // Halve the step until it stays inside (lo, ∞); a step halved to nothing (x at
        // lo already) ends the polishing.
        let mut halvings = 0;
        while x - step <= lo && halvings < 1100 {
            step /= 2.0;
            halvings += 1;
        }
        let next = x - step;
        if !next.is_finite() || next <= lo {
            break;
        }
        let done = (next - x).abs() <= 1e-7 * next.abs();
        x = next;
        if done {
            break;
        }
    }
    x
}

/// Φ⁻¹(p), the standard normal quantile, for p in (0, 1).
pub fn normal_quantile(p: f64) -> f64 {
    if !in_open_unit(p) {
        return match p {
            0.0 => f64::NEG_INFINITY,
            1.0 => f64::INFINITY,
            _ => f64::NAN,
        };
    }
    if p == 0.5 {
        return 0.0;
    }
    // Symmetry: solve in the lower tail, where p carries its full precision.
    let (q, sign) = if p < 0.5 { (p, 1.0) } else { (1.0 - p, -1.0) };
    let start = statrs::distribution::Normal::standard().inverse_cdf(q);
    sign * polish(
        start,
        q,
        false,
        f64::NEG_INFINITY,
        normal_cdf,
        normal_pdf,
        |x| -x,
    )
}

/// The two-sided critical value z of the standard normal at confidence `level` (a
/// proportion): P(|Z| > z) = 1 − level, z = −Φ⁻¹((1 − level)/2). Formed from the tail
/// probability, so that a level within 1e-16 of 1 keeps its digits (Φ⁻¹(1 − α/2)
/// rounds 1 − α/2 to 1 there and gives ∞).
pub fn normal_critical(level: f64) -> f64 {
    -normal_quantile((1.0 - level) / 2.0)
}

/// The two-sided critical value of Student's t with `df` degrees of freedom at
/// confidence `level`, −t⁻¹((1 − level)/2; ν), from the tail as [`normal_critical`].
pub fn t_critical(level: f64, df: f64) -> f64 {
    -t_quantile((1.0 - level) / 2.0, df)
}

/// Upper tail of Student's t with `df` degrees of freedom.
pub fn t_sf(t: f64, df: f64) -> f64 {
    if !is_positive(df) || t.is_nan() {
        return f64::NAN;
    }
    if t < 0.0 {
        return 1.0 - t_sf(-t, df);
    }
    if t == f64::INFINITY {
        return 0.0;
    }
    if df == f64::INFINITY {
        return normal_sf(t);
    }
    if df < TINY_DF {
        // The limit as ν → 0: all the mass escapes to ±∞.
        return if t == f64::INFINITY { 0.0 } else { 0.5 };
    }
    if df > LARGE_DF {
        // Abramowitz & Stegun 26.7.8, as R's `pt` from ν = 4e5.
        // √(1 + 2c t²) as hypot, so that t² cannot overflow (t = 1e200 gave 1/2).
        let quarter = 1.0 / (4.0 * df);
        return normal_sf(t * (1.0 - quarter) / 1.0f64.hypot(t * (2.0 * quarter).sqrt()));
    }
    if df == 1.0 {
        // Cauchy: 1/2 − atan(t)/π = atan(1/t)/π for t > 0, which does not cancel.
        return if t == 0.0 { 0.5 } else { (1.0 / t).atan() / PI };
    }
    if df == 2.0 {
        // 1/2 − t/(2s), s = √(2 + t²), is (s − t)/(2s) = 1/(s (s + t)): no cancellation,
        // and s = hypot(√2, t) does not overflow.
        let s = std::f64::consts::SQRT_2.hypot(t);
        return (1.0 / s) / (s + t);
    }
    // x = ν/(ν + t²) and y = 1 − x = t²/(ν + t²), each formed directly, and their logs
    // through ln(1 + t²/ν) so that ν·ln x keeps its digits for large ν.
    let r = (t / df.sqrt()).powi(2);
    let (x, y) = (1.0 / (1.0 + r), r / (1.0 + r));
    let (ln_x, ln_y) = (-r.ln_1p(), r.ln() - r.ln_1p());
    if t > 1.0 {
        0.5 * inc_beta_logs(df / 2.0, 0.5, (x, ln_x), (y, ln_y))
    } else {
        0.5 - 0.5 * inc_beta_logs(0.5, df / 2.0, (y, ln_y), (x, ln_x))
    }
}

/// ln B(a, b) = ln Γ(a) + ln Γ(b) − ln Γ(a + b). When one argument is 1/2 and the other
/// large, ln Γ(a) − ln Γ(a + 1/2) comes from the difference of the Stirling series,
/// (a − 1/2) ln a − a ln(a + 1/2) + 1/2 + Σ B₂ₙ/(2n(2n − 1)) (a^{1−2n} − (a + 1/2)^{1−2n}),
/// which keeps full precision where the log-gamma values themselves are huge.
fn ln_beta(a: f64, b: f64) -> f64 {
    let (big, small) = if a >= b { (a, b) } else { (b, a) };
    if small == 0.5 && big >= 50.0 {
        let z = big;
        let w = z + 0.5;
        // Stirling coefficients B₂ₙ/(2n(2n − 1)): 1/12, −1/360, 1/1260, −1/1680.
        let series = |x: f64| {
            let x2 = x * x;
            (1.0 / 12.0 - (1.0 / 360.0 - (1.0 / 1260.0 - 1.0 / (1680.0 * x2)) / x2) / x2) / x
        };
        // ln Γ(z) − ln Γ(z + 1/2)
        let diff = -z * (0.5 / z).ln_1p() - 0.5 * z.ln() + 0.5 + series(z) - series(w);
        return ln_gamma(0.5) + diff;
    }
    ln_gamma(a) + ln_gamma(b) - ln_gamma(a + b)
}

/// Continued fraction of the incomplete beta function (A&S 26.5.8), modified Lentz.
fn inc_beta_fraction(a: f64, b: f64, x: f64) -> f64 {
    const TINY: f64 = 1e-300;
    let (qab, qap, qam) = (a + b, a + 1.0, a - 1.0);
    let guard = |v: f64| if v.abs() < TINY { TINY } else { v };
    let mut c = 1.0;
    let mut d = 1.0 / guard(1.0 - qab * x / qap);
    let mut h = d;
    for m in 1..100_000 {
        let m = m as f64;
        let m2 = 2.0 * m;
        let aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1.0 / guard(1.0 + aa * d);
        c = guard(1.0 + aa / c);
        h *= d * c;
        let aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1.0 / guard(1.0 + aa * d);
        c = guard(1.0 + aa / c);
        let delta = d * c;
        h *= delta;
        if (delta - 1.0).abs() <= f64::EPSILON {
            break;
        }
    }
    h
}

/// The regularised incomplete beta function I_x(a, b), a, b > 0, x in [0, 1].
///
/// Not a number outside that domain (a or b not positive and finite, x outside [0, 1]).
/// The continued fraction is accurate for the arguments of the t and F tails; the
/// result is kept in [0, 1] against rounding.
pub fn inc_beta(a: f64, b: f64, x: f64) -> f64 {
    let finite_positive = |v: f64| v > 0.0 && v.is_finite();
    if !(finite_positive(a) && finite_positive(b) && (0.0..=1.0).contains(&x)) {
        return f64::NAN;
    }
    let y = 1.0 - x;
    inc_beta_logs(a, b, (x, x.ln()), (y, (-x).ln_1p()))
}

/// I_x(a, b) given x and y = 1 − x with their logarithms, so that a y near 0 and a
/// ln x near 0 keep their digits.
fn inc_beta_logs(a: f64, b: f64, (x, ln_x): (f64, f64), (y, ln_y): (f64, f64)) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if y <= 0.0 {
        return 1.0;
    }
    let front = |a: f64, b: f64, ln_x: f64, ln_y: f64| (a * ln_x + b * ln_y - ln_beta(a, b)).exp();
    let value = if x < (a + 1.0) / (a + b + 2.0) {
        front(a, b, ln_x, ln_y) * inc_beta_fraction(a, b, x) / a
    } else {
        1.0 - front(b, a, ln_y, ln_x) * inc_beta_fraction(b, a, y) / b
    };
    value.clamp(0.0, 1.0)
}

/// Upper tail of the F distribution with (d1, d2) degrees of freedom, through the
/// incomplete beta function: P(F > f) = I_{d2/(d2 + d1 f)}(d2/2, d1/2) (Abramowitz &
/// Stegun 26.6.2). Checked against R's `pf(f, d1, d2, lower.tail = FALSE)` in
/// `tests/distributions.rs`.
pub fn f_sf(f: f64, d1: f64, d2: f64) -> f64 {
    inc_beta(d2 / 2.0, d1 / 2.0, d2 / (d2 + d1 * f))
}

/// Two-sided p-value of a t statistic with `df` degrees of freedom.
pub fn t_two_sided_p(t: f64, df: f64) -> f64 {
    2.0 * t_sf(t.abs(), df)
}

/// Student's t quantile with `df` degrees of freedom (df > 0), for p in [0, 1] (−∞ at 0,
/// +∞ at 1).
pub fn t_quantile(p: f64, df: f64) -> f64 {
    if is_positive(df) && (p == 0.0 || p == 1.0) {
        // The limits of the quantile function at the ends of [0, 1].
        return if p == 0.0 {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        };
    }
    if !(is_positive(df) && in_open_unit(p)) {
        return f64::NAN;
    }
    if p == 0.5 {
        return 0.0;
    }
    if df == f64::INFINITY {
        return normal_quantile(p);
    }
    if df < TINY_DF {
        return if p < 0.5 {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        };
    }
    if df > LARGE_DF {
        // The inverse of the approximation of `t_sf`: z = t (1 − c)/√(1 + 2c t²),
        // c = 1/(4ν), so t = z/√((1 − c)² − 2c z²).
        let (z, c) = (normal_quantile(p), 1.0 / (4.0 * df));
        return z / ((1.0 - c).powi(2) - 2.0 * c * z * z).sqrt();
    }
    let (q, sign) = if p < 0.5 { (p, -1.0) } else { (1.0 - p, 1.0) };
    // q is the upper-tail probability of |x|.
    if df == 1.0 {
        return sign / (PI * q).tan();
    }
    if df == 2.0 {
        return sign * (1.0 - 2.0 * q) / (2.0 * q * (1.0 - q)).sqrt();
    }
    if q < 1e-4 {
        return sign * t_quantile_far(q, df);
    }
    let Ok(dist) = StudentsT::new(0.0, 1.0, df) else {
        return f64::NAN;
    };
    let start = if df >= 3.0 {
        // Cornish-Fisher expansion about the normal quantile (Abramowitz & Stegun
        // 26.7.5), a close start for the Newton steps.
        let z = -normal_quantile(q);
        let z2 = z * z;
        z + z * (z2 + 1.0) / (4.0 * df)
            + z * ((5.0 * z2 + 16.0) * z2 + 3.0) / (96.0 * df * df)
            + z * (((3.0 * z2 + 19.0) * z2 + 17.0) * z2 - 15.0) / (384.0 * df.powi(3))
    } else {
        dist.inverse_cdf(1.0 - q)
    }
    .max(f64::MIN_POSITIVE);
    // t density ∝ (1 + x²/ν)^{−(ν+1)/2}: f'/f = −(ν + 1) x/(ν + x²).
    sign * polish(
        start,
        q,
        true,
        0.0,
        |x| t_sf(x, df),
        |x| dist.pdf(x),
        |x| -(df + 1.0) * x / (df + x * x),
    )
}

/// The x > 0 with P(T > x) = q for a small q (< 1e-4): Newton's method on
/// ln P(T > e^u) − ln q in u = ln x, where the tail is close to linear (slope −ν in the
/// power-law tail, −x² in the normal-like one) and concave, from the root of the
/// leading term of the tail's expansion, P(T > x) ≈ c ν^{(ν−1)/2} x^{−ν} with
/// c = Γ((ν+1)/2)/(Γ(ν/2)√(νπ)) the density's constant. The t density lies below
/// c (x²/ν)^{−(ν+1)/2}, so that start lies right of the root and the iterates decrease
/// monotonically to it (no overshoot on a concave decreasing function).
fn t_quantile_far(q: f64, df: f64) -> f64 {
    let ln_c = ln_gamma((df + 1.0) / 2.0) - ln_gamma(df / 2.0) - 0.5 * (df * PI).ln();
    // ln f(x) = ln c − (ν + 1)/2 · ln(1 + x²/ν), the log kept finite for huge x.
    let ln_pdf = |x: f64| {
        let r = x / df.sqrt();
        let ln_1p_r2 = if r > 1e150 {
            2.0 * r.ln()
        } else {
            (r * r).ln_1p()
        };
        ln_c - 0.5 * (df + 1.0) * ln_1p_r2
    };
    let ln_q = q.ln();
    // The root lies in (lo, hi) in u: x = 1 has a tail above 1e-4 for every ν > 0, and
    // the start is right of it. Newton steps that leave the bracket, or land where the
    // tail underflows (it does not reach 0 below the root), bisect it instead.
    let (mut lo, mut hi) = (0.0_f64, (ln_c + 0.5 * (df - 1.0) * df.ln() - ln_q) / df);
    let mut u = hi;
    for _ in 0..400 {
        let x = u.exp();
        let tail = t_sf(x, df);
        if tail < f64::MIN_POSITIVE {
            hi = u;
            u = 0.5 * (lo + hi);
            continue;
        }
        let ln_tail = tail.ln();
        if ln_tail > ln_q {
            lo = u;
        } else {
            hi = u;
        }
        // d ln P(T > e^u)/du = −x f(x)/P(T > x)
        let slope = -(u + ln_pdf(x) - ln_tail).exp();
        let step = (ln_tail - ln_q) / slope;
        let next = u - step;
        if !(next > lo && next < hi) {
            u = 0.5 * (lo + hi);
            continue;
        }
        u = next;
        // Quadratic convergence: after a step below 1e-9 the error in u is of order
        // 1e-18, that is x to full precision.
        if step.abs() <= 1e-9 || ln_tail == ln_q {
            break;
        }
    }
    u.exp()
}

/// Upper tail of the chi-squared distribution with `df` degrees of freedom.
pub fn chisq_sf(x: f64, df: f64) -> f64 {
    chisq_tail(x, df, true)
}

/// The upper χ² tail as RevMan 5 computes it: 1 − P(ν/2, x/2), the regularised lower
/// incomplete gamma function P(a, y) summed as its power series
///
/// P(a, y) = y^a e^(−y) / Γ(a + 1) · Σ_{n ≥ 0} y^n / ((a + 1)(a + 2)…(a + n))
///
/// (Abramowitz & Stegun 6.5.29) and stopped after the first term below 10⁻⁶ of the sum.
/// The truncation leaves the tail too large by up to about 10⁻⁷ (0.12694225 for the
/// exact 0.12694218 at χ² = 9.946, ν = 6).
///
/// # Evidence
/// Identified on the two full-precision values at hand, not documented by RevMan:
/// - `P_CHI2="0.1269422521561745"` (`CHI2="9.946055983220074"`, `DF="6"`) of the RevMan
///   5 review file `tests/revman/Fleiss1993.rm5`: this function gives it to 7e-16, the
///   exact tail is 7.4e-8 below it;
/// - `P(Q)` = 0.22600895 (Q = 5.66012379, df = 4) of the RevMan 5 CSV export
///   `tests/revman/Fleiss93_CR.csv`, printed to 8 decimals (the exact tail is
///   0.22600889).
///
/// The series switched to the continued fraction above y = a + 1 (as *Numerical Recipes*'
/// `gammq` does) would give the exact tail at both; a stopping rule of 3·10⁻⁷ of the sum
/// (*Numerical Recipes*' `EPS`) stops one term later in the second case (0.22600890).
/// Any relative threshold in (3.5·10⁻⁷, 1.1·10⁻⁶], or an absolute one on the term in
/// (5.8·10⁻⁷, 2.3·10⁻⁶), fits both; 10⁻⁶ relative is used.
///
/// `None` where the series cannot be summed in double precision (y above 700, where
/// e^(−y) underflows, or ν ≤ 0): what RevMan prints there is not known.
pub fn revman5_chisq_sf(x: f64, df: f64) -> Option<f64> {
    /// The stopping rule: a term below this fraction of the sum.
    const RELATIVE_TERM: f64 = 1e-6;
    let (a, y) = (df / 2.0, x / 2.0);
    if !(a > 0.0 && a.is_finite() && (0.0..=700.0).contains(&y)) {
        return None;
    }
    if y == 0.0 {
        return Some(1.0);
    }
    let (mut term, mut sum, mut denominator) = (1.0 / a, 1.0 / a, a);
    loop {
        denominator += 1.0;
        term *= y / denominator;
        sum += term;
        if term.abs() < sum.abs() * RELATIVE_TERM {
            break;
        }
    }
    // sum · y^a e^(−y) / Γ(a), the 1/a of the first term standing for Γ(a + 1) = a Γ(a).
    Some(1.0 - sum * (-y + a * y.ln() - libm::lgamma(a)).exp())
}

/// Lower tail of the chi-squared distribution with `df` degrees of freedom.
pub fn chisq_cdf(x: f64, df: f64) -> f64 {
    chisq_tail(x, df, false)
}

/// P(χ²_ν > x) (`upper`) or P(χ²_ν ≤ x): the regularised incomplete gamma functions
/// of statrs, Q(ν/2, x/2) and P(ν/2, x/2), with their limits where statrs refuses the
/// arguments (it panics on 0 and ∞): x/2 rounding to 0 (a subnormal Q) has the tails of
/// x = 0; ν/2 rounding to 0 puts all the mass at 0; x = ∞ or ν = ∞ the limits.
fn chisq_tail(x: f64, df: f64, upper: bool) -> f64 {
    if !is_positive(df) || x.is_nan() {
        return f64::NAN;
    }
    if df > LARGE_DF && x.is_finite() && df.is_finite() {
        let z = wilson_hilferty_z(x, df);
        return if upper { normal_sf(z) } else { normal_cdf(z) };
    }
    let (a, half_x) = (df / 2.0, x / 2.0);
    let lower = if half_x <= 0.0 {
        0.0
    } else if a == 0.0 {
        1.0
    } else {
        match (x == f64::INFINITY, df == f64::INFINITY) {
            (true, true) => return f64::NAN,
            (true, false) => 1.0,
            (false, true) => 0.0,
            (false, false) => {
                let value = if upper {
                    checked_gamma_ur(a, half_x)
                } else {
                    checked_gamma_lr(a, half_x)
                };
                // statrs forms one tail as 1 minus the other for some arguments: keep
                // the rounding inside [0, 1].
                return value.map_or(f64::NAN, |v| v.clamp(0.0, 1.0));
            }
        }
    };
    if upper {
        1.0 - lower
    } else {
        lower
    }
}

/// The normal deviate of Wilson & Hilferty (1931): (X/ν)^{1/3} is close to normal
/// with mean 1 − 2/(9ν) and variance 2/(9ν).
fn wilson_hilferty_z(x: f64, df: f64) -> f64 {
    let c = 2.0 / (9.0 * df);
    ((x / df).cbrt() - (1.0 - c)) / c.sqrt()
}

/// Chi-squared quantile with `df` degrees of freedom (df > 0), for p in [0, 1] (0 at 0,
/// +∞ at 1).
pub fn chisq_quantile(p: f64, df: f64) -> f64 {
    if is_positive(df) && (p == 0.0 || p == 1.0) {
        // The limits of the quantile function at the ends of [0, 1].
        return if p == 0.0 { 0.0 } else { f64::INFINITY };
    }
    if !(is_positive(df) && in_open_unit(p)) {
        return f64::NAN;
    }
    if df > LARGE_DF {
        if df == f64::INFINITY {
            return f64::INFINITY;
        }
        let c = 2.0 / (9.0 * df);
        return df * (1.0 - c + normal_quantile(p) * c.sqrt()).powi(3);
    }
    if df < TINY_DF {
        // The limit as ν → 0: all the mass at 0. The quantile 2 (p Γ(1 + ν/2))^{2/ν}
        // of the lower tail, and 2 e^{−2(1 − p)/ν} of the upper one, underflow to 0 for
        // every p ≤ 1 − 2^−53 once ν < 1e-300.
        return 0.0;
    }
    let half = df / 2.0;
    let ln_gamma_half = ln_gamma(half);
    // Small-p expansion of the lower tail, P ≈ (x/2)^{ν/2} / Γ(ν/2 + 1).
    let small = 2.0 * ((p.ln() + ln_gamma_half + half.ln()) / half).exp();
    // Wilson & Hilferty (1931): (X/ν)^{1/3} is close to normal with mean 1 − 2/(9ν)
    // and variance 2/(9ν). A start only: statrs' normal quantile, unpolished, will do.
    let c = 2.0 / (9.0 * df);
    let z = statrs::distribution::Normal::standard().inverse_cdf(p);
    let wilson_hilferty = df * (1.0 - c + z * c.sqrt()).powi(3);
    // The expansion is also the start wherever its quantile is small (tiny ν puts
    // almost all the mass near 0): statrs' inverse, by bisection, panics there (it
    // hands gamma_lr an argument of 0 for ν near 1e-323).
    let start = if (p < 0.5 && small < df / 10.0) || small < 1e-3 {
        small
    } else if df >= 2.0 && wilson_hilferty > 0.0 {
        wilson_hilferty
    } else {
        match ChiSquared::new(df) {
            Ok(dist) => dist.inverse_cdf(p),
            Err(_) => return f64::NAN,
        }
    };
    let start = if start > 0.0 && start.is_finite() {
        start
    } else {
        small.max(f64::MIN_POSITIVE)
    };
    // The density e^{(ν/2 − 1) ln x − x/2 − ln Γ(ν/2) − (ν/2) ln 2}, its normalising
    // constant computed once.
    let log_norm = ln_gamma_half + half * std::f64::consts::LN_2;
    let pdf = |x: f64| ((half - 1.0) * x.ln() - 0.5 * x - log_norm).exp();
    // χ² density ∝ x^{ν/2 − 1} e^{−x/2}: f'/f = (ν/2 − 1)/x − 1/2.
    let dlog_pdf = |x: f64| (half - 1.0) / x - 0.5;
    if p < 0.5 {
        polish(start, p, false, 0.0, |x| chisq_cdf(x, df), pdf, dlog_pdf)
    } else {
        polish(
            start,
            1.0 - p,
            true,
            0.0,
            |x| chisq_sf(x, df),
            pdf,
            dlog_pdf,
        )
    }
}
