//! Inverse-variance weighted kernels shared by every model: the weighted mean, the
//! trace of the projection matrix, relative weights, Cochran's Q and the generalised
//! Q(τ²) with its root.
//!
//! A leaf of the crate (it uses nothing but the standard library, `roots` and `rayon`):
//! [`crate::model`] pools with these kernels, [`crate::heterogeneity`] forms ṽ and the
//! Q-profile interval of τ² from them, and [`crate::analysis`] refits subsets with them.
//!
//! Every sum over the studies goes through [`sum_studies`]: the weights 1/(v_i + τ²) a
//! sum asks for formed 32 studies at a time (a loop of divisions the compiler turns into
//! vector instructions), four interleaved partial sums (independent chains of
//! additions), in blocks of [`BLOCK`] studies, the blocks summed on all cores from
//! [`PARALLEL_FROM`] studies on and their sums added in block order. The result depends
//! on the data alone, not on the number of threads.
//!
//! Notation: w_i(τ²) = 1/(v_i + τ²) (w_i = 1/v_i for τ² = 0), μ(τ²) = Σ w_i y_i / Σ w_i,
//! Q(τ²) = Σ w_i(τ²) (y_i − μ(τ²))², which decreases in τ² (DerSimonian & Laird 1986;
//! Viechtbauer 2007).

/// Studies in a block of [`sum_studies`] (yi and vi of a block fill 128 KiB).
pub const BLOCK: usize = 1 << 13;
/// Studies whose weights [`sum_studies`] forms at a time.
const WEIGHTS: usize = 32;
/// [`sum_studies`] sums its blocks in parallel from this many studies on.
pub const PARALLEL_FROM: usize = 1 << 16;

/// Sums over studies, formed study by study, that the sums of two disjoint sets of
/// studies combine into those of their union.
pub trait StudySums: Copy + Send + Sync {
    /// Whether [`sum_studies`] interleaves four partial sums in a block (the default):
    /// sums that carry many independent terms per study already (a grid of τ²) keep one,
    /// so that their accumulators stay in registers.
    const INTERLEAVED: bool = true;
    /// The τ² of the weights w_i = 1/(v_i + τ²) that [`StudySums::add`] is given, if it
    /// uses them: [`sum_studies`] forms them for many studies at a time, in vector
    /// instructions. `None` (the default): `add` is given w = NaN.
    fn weights_at(&self) -> Option<f64> {
        None
    }
    /// Adds the study with estimate `y`, sampling variance `v` and weight `w`.
    fn add(&mut self, y: f64, v: f64, w: f64);
    /// Adds the sums of other studies.
    fn merge(&mut self, other: &Self);
}

/// The sums `zero` over the studies `yi`, `vi` (of equal length; the shorter decides):
/// see the module documentation for the order of the additions.
pub fn sum_studies<S: StudySums>(yi: &[f64], vi: &[f64], zero: S) -> S {
    use rayon::prelude::*;
    let n = yi.len().min(vi.len());
    let (yi, vi) = (&yi[..n], &vi[..n]);
    if n < PARALLEL_FROM {
        return block_sums(yi, vi, zero);
    }
    let blocks: Vec<S> = yi
        .par_chunks(BLOCK)
        .zip(vi.par_chunks(BLOCK))
        .map(|(y, v)| block_sums(y, v, zero))
        .collect();
    let mut sums = zero;
    for b in &blocks {
        sums.merge(b);
    }
    sums
}

/// The sums of one block ([`block_sums_in`]), in AVX2 vector instructions where the
/// processor has them (a quarter less time for the divisions of a pass). Both
/// compilations perform the same operations in the same order (no fused multiply-add),
/// so they give the same bits: the command's snapshots, written on either, hold on both.
fn block_sums<S: StudySums>(yi: &[f64], vi: &[f64], zero: S) -> S {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: `block_sums_avx2` needs AVX2, which the processor was just found to
        // have.
        return unsafe { block_sums_avx2(yi, vi, zero) };
    }
    block_sums_in(yi, vi, zero)
}

/// [`block_sums_in`] compiled for AVX2.
///
/// # Safety
/// The processor must have AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn block_sums_avx2<S: StudySums>(yi: &[f64], vi: &[f64], zero: S) -> S {
    block_sums_in(yi, vi, zero)
}

/// The sums of one block: four sums in four variables, each fed every fourth study, the
/// weights 1/(v_i + τ²) formed [`WEIGHTS`] at a time (a loop the compiler vectorises).
#[inline(always)]
fn block_sums_in<S: StudySums>(yi: &[f64], vi: &[f64], zero: S) -> S {
    let tau2 = zero.weights_at();
    let [mut a, mut b, mut c, mut d] = [zero; 4];
    let mut w = [f64::NAN; WEIGHTS];
    for (ys, vs) in yi.chunks(WEIGHTS).zip(vi.chunks(WEIGHTS)) {
        let w = &mut w[..vs.len()];
        if let Some(tau2) = tau2 {
            for (w, v) in w.iter_mut().zip(vs) {
                *w = 1.0 / (v + tau2);
            }
        }
        if !S::INTERLEAVED {
            for ((&y, &v), &w) in ys.iter().zip(vs).zip(w.iter()) {
                a.add(y, v, w);
            }
            continue;
        }
        let (y4, y_rest) = ys.as_chunks::<4>();
        let (v4, v_rest) = vs.as_chunks::<4>();
        let (w4, w_rest) = w.as_chunks::<4>();
        for ((y, v), w) in y4.iter().zip(v4).zip(w4) {
            a.add(y[0], v[0], w[0]);
            b.add(y[1], v[1], w[1]);
            c.add(y[2], v[2], w[2]);
            d.add(y[3], v[3], w[3]);
        }
        for ((&y, &v), &w) in y_rest.iter().zip(v_rest).zip(w_rest) {
            a.add(y, v, w);
        }
    }
    let mut sums = a;
    sums.merge(&b);
    sums.merge(&c);
    sums.merge(&d);
    sums
}

/// The first index whose value is `bad`, if any: a count of the bad values through
/// [`sum_studies`] (vectorised and on all cores, with no early exit), then the search
/// only when there is one.
pub(crate) fn first_where<F>(values: &[f64], bad: F) -> Option<usize>
where
    F: Fn(f64) -> bool + Copy + Send + Sync,
{
    #[derive(Clone, Copy)]
    struct Count<F> {
        bad: F,
        n: usize,
    }
    impl<F: Fn(f64) -> bool + Copy + Send + Sync> StudySums for Count<F> {
        #[inline(always)]
        fn add(&mut self, x: f64, _: f64, _: f64) {
            self.n += usize::from((self.bad)(x));
        }
        fn merge(&mut self, other: &Self) {
            self.n += other.n;
        }
    }
    if sum_studies(values, values, Count { bad, n: 0 }).n == 0 {
        return None;
    }
    values.iter().position(|&x| bad(x))
}

/// Σ w_i and Σ w_i (y_i − y_r), w_i = 1/(v_i + τ²): the sums of [`WeightedMean`].
#[derive(Debug, Clone, Copy)]
struct MeanSums {
    tau2: f64,
    reference: f64,
    sw: f64,
    swd: f64,
}

impl StudySums for MeanSums {
    fn weights_at(&self) -> Option<f64> {
        Some(self.tau2)
    }
    #[inline(always)]
    fn add(&mut self, y: f64, _: f64, w: f64) {
        self.sw += w;
        self.swd += w * (y - self.reference);
    }
    fn merge(&mut self, other: &Self) {
        self.sw += other.sw;
        self.swd += other.swd;
    }
}

/// Inverse-variance weighted mean of `yi` with weights 1/(v_i + τ²).
///
/// # Formula
/// μ̂ = Σ w_i y_i / Σ w_i, SE(μ̂) = 1/√Σw_i, w_i = 1/(v_i + τ²) (τ² = 0 for the
/// fixed-effect model; Borenstein et al. 2009, ch. 11 and 12). Returns (μ̂, SE, Σw),
/// not numbers when `yi` and `vi` differ in length. μ̂ is formed as [`WeightedMean`]
/// forms it.
pub fn inverse_variance(yi: &[f64], vi: &[f64], tau2: f64) -> (f64, f64, f64) {
    if yi.len() != vi.len() {
        return (f64::NAN, f64::NAN, f64::NAN);
    }
    let m = WeightedMean::new(yi, vi, tau2);
    (m.mean(), 1.0 / m.sum_w.sqrt(), m.sum_w)
}

/// The weighted mean μ = Σ w_i y_i / Σ w_i, w_i = 1/(v_i + τ²), held as a reference
/// estimate and a shift: μ = y_r + δ with y_r the estimate of the study with the
/// largest weight and δ = Σ w_i (y_i − y_r) / Σ w_i.
///
/// Algebraically the plain weighted mean; numerically it stays exact where the plain
/// sums lose everything: when one weight dwarfs the others (a variance of 1e-300 beside
/// variances of 0.04, say), Σ w y rounds away the other studies and the rounding error
/// of μ, multiplied by the huge weight, swamps Q and the likelihood scores. Residuals
/// are formed as (y_i − y_r) − δ ([`WeightedMean::residual`]), so that the dominant
/// study's residual is −δ exactly rather than a rounding error of y_r.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WeightedMean {
    /// y_r, the estimate of the study with the largest weight.
    pub reference: f64,
    /// δ = Σ w_i (y_i − y_r) / Σ w_i.
    pub shift: f64,
    /// Σ w_i.
    pub sum_w: f64,
}

impl WeightedMean {
    /// The weighted mean of `yi` with weights 1/(v_i + τ²) (two passes, no allocation).
    pub fn new(yi: &[f64], vi: &[f64], tau2: f64) -> Self {
        // The smallest v_i + τ² is the smallest v_i, whatever τ².
        Self::with_reference(yi, vi, tau2, Self::reference_of(yi, vi).0)
    }

    /// The reference of [`WeightedMean::new`]: the estimate and variance of the study
    /// with the smallest variance (the largest weight for every τ²). Iterative
    /// estimators find it once and pass it to [`WeightedMean::with_reference`].
    /// Of studies with the same smallest variance, the first.
    pub fn reference_of(yi: &[f64], vi: &[f64]) -> (f64, f64) {
        /// The first study with the smallest variance among those added.
        #[derive(Debug, Clone, Copy)]
        struct Smallest {
            reference: f64,
            smallest: f64,
        }
        impl StudySums for Smallest {
            const INTERLEAVED: bool = false;
            #[inline(always)]
            fn add(&mut self, y: f64, v: f64, _: f64) {
                if v < self.smallest {
                    (self.reference, self.smallest) = (y, v);
                }
            }
            // `other` holds later studies (blocks merge in order): a tie keeps these.
            fn merge(&mut self, other: &Self) {
                if other.smallest < self.smallest {
                    *self = *other;
                }
            }
        }
        let zero = Smallest {
            reference: yi.first().copied().unwrap_or(0.0),
            smallest: f64::INFINITY,
        };
        let found = sum_studies(yi, vi, zero);
        (found.reference, found.smallest)
    }

    /// The weighted mean about a known reference estimate (one pass, no allocation).
    pub fn with_reference(yi: &[f64], vi: &[f64], tau2: f64, reference: f64) -> Self {
        let zero = MeanSums {
            tau2,
            reference,
            sw: 0.0,
            swd: 0.0,
        };
        let MeanSums { sw, swd, .. } = sum_studies(yi, vi, zero);
        WeightedMean {
            reference,
            shift: swd / sw,
            sum_w: sw,
        }
    }

    /// μ = y_r + δ.
    pub fn mean(&self) -> f64 {
        self.reference + self.shift
    }

    /// The residual y − μ, formed as (y − y_r) − δ.
    pub fn residual(&self, y: f64) -> f64 {
        (y - self.reference) - self.shift
    }
}

/// The smallest and the largest of `vi` (∞ and 0 for none), as `f64::min` and
/// `f64::max` fold them.
pub fn variance_range(vi: &[f64]) -> (f64, f64) {
    #[derive(Debug, Clone, Copy)]
    struct Range(f64, f64);
    impl StudySums for Range {
        #[inline(always)]
        fn add(&mut self, _: f64, v: f64, _: f64) {
            *self = Range(self.0.min(v), self.1.max(v));
        }
        fn merge(&mut self, other: &Self) {
            *self = Range(self.0.min(other.0), self.1.max(other.1));
        }
    }
    let Range(lo, hi) = sum_studies(vi, vi, Range(f64::INFINITY, 0.0));
    (lo, hi)
}

/// Σw − Σw²/Σw with w_i = 1/(v_i + τ²): the trace of the projection matrix P of the
/// intercept-only model, which is the denominator of the DerSimonian-Laird estimator
/// (τ² = 0), the REML correction to the score, and (k − 1) divided by metafor's typical
/// within-study variance ṽ.
///
/// # Formula
/// Σw − Σw²/Σw = ((Σw)² − Σw²)/Σw = 2 Σ_{i<j} w_i w_j / Σw. The last form sums
/// positive terms only, so it does not cancel when one weight dominates (the first
/// form gives 0 or a negative number there), and it is computed with the weights
/// divided by the largest, so that it does not overflow for variances near 1e-300.
/// 0 for one study.
pub fn trace_p(vi: &[f64], tau2: f64) -> f64 {
    /// The sums of [`TraceP`] at τ².
    #[derive(Debug, Clone, Copy)]
    struct Trace {
        tau2: f64,
        trace: TraceP,
    }
    impl StudySums for Trace {
        #[inline(always)]
        fn weights_at(&self) -> Option<f64> {
            Some(self.tau2)
        }
        #[inline(always)]
        fn add(&mut self, _: f64, _: f64, w: f64) {
            self.trace.add_weight(w);
        }
        fn merge(&mut self, other: &Self) {
            self.trace.merge(&other.trace);
        }
    }
    // Rounding is monotonic: the smallest v_i + τ² is the smallest v_i, plus τ².
    let smallest = variance_range(vi).0 + tau2;
    let zero = Trace {
        tau2,
        trace: TraceP::new(smallest),
    };
    sum_studies(vi, vi, zero).trace.value()
}

/// The running sums of [`trace_p`], so that a loop over the studies that computes other
/// sums can form it in the same pass.
#[derive(Debug, Clone, Copy)]
pub struct TraceP {
    smallest: f64,
    su: f64,
    pairs: f64,
}

impl TraceP {
    /// Sums for weights scaled by the smallest v_i + τ².
    pub fn new(smallest: f64) -> Self {
        TraceP {
            smallest,
            su: 0.0,
            pairs: 0.0,
        }
    }

    /// Adds a study with v_i + τ² = `v_plus_tau2`.
    pub fn add(&mut self, v_plus_tau2: f64) {
        // u_i = w_i / max w, in (0, 1].
        self.add_scaled(self.smallest / v_plus_tau2);
    }

    /// Adds a study whose weight 1/(v_i + τ²) is `w` (saves a division in loops that
    /// have it already).
    pub fn add_weight(&mut self, w: f64) {
        self.add_scaled(self.smallest * w);
    }

    fn add_scaled(&mut self, u: f64) {
        self.pairs += u * self.su;
        self.su += u;
    }

    /// Adds the sums of other studies (scaled by the same smallest v_i + τ²): the pairs
    /// of the union are those of each set and every pair across them.
    pub fn merge(&mut self, other: &TraceP) {
        self.pairs += other.pairs + self.su * other.su;
        self.su += other.su;
    }

    /// Σw − Σw²/Σw.
    pub fn value(&self) -> f64 {
        if self.pairs == 0.0 {
            return 0.0;
        }
        2.0 * (self.pairs / self.su) / self.smallest
    }
}

/// Relative weights in percent, 100 w_i / Σw with w_i = 1/(v_i + τ²).
pub fn weights_percent(vi: &[f64], tau2: f64) -> Vec<f64> {
    let sw: f64 = vi.iter().map(|v| 1.0 / (v + tau2)).sum();
    vi.iter().map(|v| 100.0 / (v + tau2) / sw).collect()
}

/// Cochran's Q with inverse-variance weights about `centre`: Σ (y_i − centre)² / v_i.
/// Not a number when `yi` and `vi` differ in length.
pub fn cochran_q(yi: &[f64], vi: &[f64], centre: f64) -> f64 {
    if yi.len() != vi.len() {
        return f64::NAN;
    }
    sum_studies(yi, vi, CochranQ { centre, q: 0.0 }).q
}

/// The sum of [`cochran_q`].
#[derive(Debug, Clone, Copy)]
struct CochranQ {
    centre: f64,
    q: f64,
}

impl StudySums for CochranQ {
    #[inline(always)]
    fn weights_at(&self) -> Option<f64> {
        Some(0.0)
    }
    #[inline(always)]
    fn add(&mut self, y: f64, _: f64, w: f64) {
        self.q += (y - self.centre) * (y - self.centre) * w;
    }
    fn merge(&mut self, other: &Self) {
        self.q += other.q;
    }
}

/// How [`decreasing_root`] reached its root.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RootPath {
    /// Q(0) ≤ target: the root is the boundary τ² = 0, no iteration.
    Boundary,
    /// Newton's method converged.
    Newton {
        /// Newton steps taken.
        iterations: usize,
    },
    /// Newton's method did not converge; Brent's method on a bracket was used.
    Bracketed {
        /// The Newton steps allowed (spent before the fallback).
        newton_steps: usize,
        /// Function evaluations of the bracketing and of Brent's method.
        evaluations: usize,
        /// Whether Brent's method converged (if not, the root is the midpoint of the
        /// last bracket).
        converged: bool,
    },
}

/// A root τ² ≥ 0 of Q(τ²) = target ([`decreasing_root`]) and how it was reached.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct QRoot {
    /// The root (0 on the boundary).
    pub tau2: f64,
    /// How it was reached.
    pub path: RootPath,
}

/// The Newton steps allowed before the bracketing fallback.
const MAX_ITER: usize = 100;
/// A Newton step this small (relative) is the last one: quadratic convergence leaves an
/// error of order its square (1e-16) after it.
const NEWTON_LAST_STEP: f64 = 1e-8;

/// The generalised Q statistic Q(τ²) = Σ w_i(τ²)(y_i − μ(τ²))² and its derivative
/// dQ/dτ² = −Σ w_i(τ²)² (y_i − μ(τ²))².
pub fn generalized_q(yi: &[f64], vi: &[f64], tau2: f64) -> (f64, f64) {
    generalized_q_about(yi, vi, tau2, WeightedMean::reference_of(yi, vi).0)
}

/// [`generalized_q`] with the reference estimate of [`WeightedMean`] found beforehand,
/// for iterations (two passes instead of three).
pub(crate) fn generalized_q_about(yi: &[f64], vi: &[f64], tau2: f64, reference: f64) -> (f64, f64) {
    q_about_mean(
        yi,
        vi,
        tau2,
        WeightedMean::with_reference(yi, vi, tau2, reference),
    )
}

/// Q(τ²) and dQ/dτ² about the weighted mean `mean` of τ² (one pass).
fn q_about_mean(yi: &[f64], vi: &[f64], tau2: f64, mean: WeightedMean) -> (f64, f64) {
    let zero = GeneralizedQ {
        tau2,
        mean,
        q: 0.0,
        dq: 0.0,
    };
    let GeneralizedQ { q, dq, .. } = sum_studies(yi, vi, zero);
    (q, dq)
}

/// Q(τ²), dQ/dτ² and μ(τ²) in one pass about a centre c near μ(τ²) (the weighted mean
/// of a τ² close by). With d_i = y_i − c and δ = Σwd/Σw = μ(τ²) − c,
/// Q = Σwd² − δ Σwd and −dQ/dτ² = Σw²d² − 2δ Σw²d + δ² Σw², exactly; the differences
/// lose no digits while δ is small beside the d_i. `None` where it is not
/// (δ² Σw > 1e-6 Σwd² or δ² Σw² > 1e-6 Σw²d²), or a sum is not finite: the caller
/// forms Q in two passes then.
fn generalized_q_near(yi: &[f64], vi: &[f64], tau2: f64, centre: f64) -> Option<(f64, f64, f64)> {
    #[derive(Debug, Clone, Copy)]
    struct Near {
        tau2: f64,
        centre: f64,
        sw: f64,
        swd: f64,
        swd2: f64,
        sw2: f64,
        sw2d: f64,
        sw2d2: f64,
    }
    impl StudySums for Near {
        fn weights_at(&self) -> Option<f64> {
            Some(self.tau2)
        }
        #[inline(always)]
        fn add(&mut self, y: f64, _: f64, w: f64) {
            let (d, w2) = (y - self.centre, w * w);
            self.sw += w;
            self.swd += w * d;
            self.swd2 += w * d * d;
            self.sw2 += w2;
            self.sw2d += w2 * d;
            self.sw2d2 += (w * d) * (w * d);
        }
        fn merge(&mut self, other: &Self) {
            self.sw += other.sw;
            self.swd += other.swd;
            self.swd2 += other.swd2;
            self.sw2 += other.sw2;
            self.sw2d += other.sw2d;
            self.sw2d2 += other.sw2d2;
        }
    }
    let zero = Near {
        tau2,
        centre,
        sw: 0.0,
        swd: 0.0,
        swd2: 0.0,
        sw2: 0.0,
        sw2d: 0.0,
        sw2d2: 0.0,
    };
    let n = sum_studies(yi, vi, zero);
    let delta = n.swd / n.sw;
    let holds = delta * delta * n.sw <= 1e-6 * n.swd2 && delta * delta * n.sw2 <= 1e-6 * n.sw2d2;
    let q = n.swd2 - delta * n.swd;
    let dq = -(n.sw2d2 - 2.0 * delta * n.sw2d + delta * delta * n.sw2);
    (holds && q.is_finite() && dq.is_finite()).then_some((q, dq, centre + delta))
}

/// The sums of [`generalized_q_about`] about a known weighted mean.
#[derive(Debug, Clone, Copy)]
struct GeneralizedQ {
    tau2: f64,
    mean: WeightedMean,
    q: f64,
    dq: f64,
}

impl StudySums for GeneralizedQ {
    fn weights_at(&self) -> Option<f64> {
        Some(self.tau2)
    }
    #[inline(always)]
    fn add(&mut self, y: f64, _: f64, w: f64) {
        let r = self.mean.residual(y);
        self.q += w * r * r;
        self.dq -= (w * r) * (w * r);
    }
    fn merge(&mut self, other: &Self) {
        self.q += other.q;
        self.dq += other.dq;
    }
}

/// The τ² ≥ 0 at which a decreasing Q(τ²) equals `target`, or 0 when Q(0) ≤ target;
/// `q(τ²)` gives Q and dQ/dτ² (the generalised Q of pooling, [`generalized_q`], or the
/// residual Q_E of a meta-regression), `scale` a τ² on the scale of the data (the
/// smallest v_i). Newton's method from 0 on 1/Q(τ²) − 1/target, which is close to
/// linear in τ² (exactly so in the intercept-only model with equal v_i, where
/// Q = Σ(y_i − ȳ)²/(v + τ²)), so that far roots (the upper Q-profile limit) take a few
/// steps rather than the many of Newton on Q itself, which is convex; Brent's method on
/// a bracket from `scale` as a safeguard. Paule and Mandel's τ² (target k − p) and the
/// Q-profile limits of τ² (targets χ² quantiles, Viechtbauer 2007) are such roots.
///
/// # Errors
/// Those of `q` in the Newton iterations (in the bracket, an error counts as a Q that
/// is not a number).
pub fn decreasing_root<E>(
    q: impl Fn(f64) -> std::result::Result<(f64, f64), E>,
    target: f64,
    scale: f64,
) -> std::result::Result<QRoot, E> {
    decreasing_root_from(q, target, scale, 0.0)
}

/// [`decreasing_root`] with Newton's method from `start` > 0 (a τ² near the root, such
/// as the estimate of τ² or the root of a larger target), from 0 when Q(start) is not a
/// number. Left of the root, Q(0) > Q(start) > target needs no check; right of it,
/// Q(0) is evaluated first, as the root is 0 when Q(0) ≤ target.
///
/// # Errors
/// As [`decreasing_root`].
pub fn decreasing_root_from<E>(
    q: impl Fn(f64) -> std::result::Result<(f64, f64), E>,
    target: f64,
    scale: f64,
    start: f64,
) -> std::result::Result<QRoot, E> {
    let left_of_root =
        |now: (f64, f64)| now.0.partial_cmp(&target) == Some(std::cmp::Ordering::Greater);
    let mut tau2 = if start > 0.0 { start } else { 0.0 };
    let mut now = q(tau2)?;
    if tau2 > 0.0 && !left_of_root(now) {
        // At or right of the root: it is the boundary when Q(0) is not above the
        // target; else Newton's method goes on from `start` (its first step goes left),
        // or from 0 when Q(start) is not a number.
        let at_zero = q(0.0)?;
        if !(left_of_root(at_zero) && now.0.is_finite() && now.1.is_finite()) {
            tau2 = 0.0;
            now = at_zero;
        }
    }
    if tau2 == 0.0 && !left_of_root(now) {
        return Ok(QRoot {
            tau2: 0.0,
            path: RootPath::Boundary,
        });
    }
    for iteration in 1..=MAX_ITER {
        if iteration > 1 {
            now = q(tau2)?;
        }
        let (q_now, dq) = now;
        // g = 1/Q − 1/target, g' = −Q'/Q²: the step −g/g' = Q (1 − Q/target) / Q'.
        let step = q_now * (1.0 - q_now / target) / dq;
        // An infinite slope (weights near 1e300 at τ² = 0) gives a step of 0 that is
        // no convergence, and a step below 0 leaves the domain (1/Q is concave when the
        // fit does not move much, so steps from 0 stay left of the root, but not
        // always): fall back to the bracket.
        if !step.is_finite() || !dq.is_finite() || tau2 + step < 0.0 {
            break;
        }
        tau2 += step;
        // Newton converges quadratically: after a step below NEWTON_LAST_STEP (relative)
        // the error is of order its square, far below TOL, and no check step is needed.
        if step.abs() <= NEWTON_LAST_STEP * tau2.max(1e-300) || q_now == target {
            return Ok(QRoot {
                tau2,
                path: RootPath::Newton {
                    iterations: iteration,
                },
            });
        }
    }
    // A start on the scale of the data: the last iterate, or `scale`.
    let start = if tau2 > 0.0 { tau2 } else { scale };
    let (tau2, evaluations, converged) =
        bracketed_root(|t| q(t).map_or(f64::NAN, |(q, _)| q) - target, 0.0, start);
    Ok(QRoot {
        tau2,
        path: RootPath::Bracketed {
            newton_steps: MAX_ITER,
            evaluations,
            converged,
        },
    })
}

/// The τ² ≥ 0 at which the generalised Q(τ²) of `yi` and `vi` (of equal length) equals
/// `target`, or 0 when Q(0) ≤ target ([`decreasing_root`] on [`generalized_q`]).
///
/// Each Q is formed in one pass about the weighted mean of the τ² before
/// (`generalized_q_near`), in two (`generalized_q_about`) where that does not hold
/// its digits.
pub fn generalized_q_root(yi: &[f64], vi: &[f64], target: f64) -> QRoot {
    generalized_q_root_from(yi, vi, target, 0.0)
}

/// [`generalized_q_root`] with Newton's method from `start` ([`decreasing_root_from`]).
pub fn generalized_q_root_from(yi: &[f64], vi: &[f64], target: f64, start: f64) -> QRoot {
    GeneralizedQRoots::new(yi, vi).root(target, start)
}

/// Roots of Q(τ²) = target for several targets of one data set (the two Q-profile
/// limits): Q at a τ² already evaluated is taken from a memo, and each Q is formed
/// about the weighted mean of the last τ² > 0 evaluated (`generalized_q_near`), in two
/// passes (`generalized_q_about`) where that does not hold its digits.
pub struct GeneralizedQRoots<'a> {
    yi: &'a [f64],
    vi: &'a [f64],
    reference: f64,
    smallest: f64,
    /// The weighted mean of the last τ² > 0 evaluated.
    centre: std::cell::Cell<Option<f64>>,
    memo: std::cell::RefCell<Vec<(f64, (f64, f64))>>,
}

impl<'a> GeneralizedQRoots<'a> {
    /// The roots of the generalised Q of `yi`, `vi` (of equal length).
    pub fn new(yi: &'a [f64], vi: &'a [f64]) -> Self {
        let (reference, smallest) = WeightedMean::reference_of(yi, vi);
        GeneralizedQRoots {
            yi,
            vi,
            reference,
            smallest,
            centre: std::cell::Cell::new(None),
            memo: std::cell::RefCell::new(Vec::new()),
        }
    }

    /// Q(τ²) and dQ/dτ².
    fn q(&self, tau2: f64) -> (f64, f64) {
        let (yi, vi) = (self.yi, self.vi);
        if let Some(&(_, known)) = self.memo.borrow().iter().find(|(t, _)| *t == tau2) {
            return known;
        }
        // At τ² = 0 the weights, and the mean, are those of no τ² > 0 close by.
        let near = (tau2 > 0.0)
            .then(|| self.centre.get())
            .flatten()
            .and_then(|c| generalized_q_near(yi, vi, tau2, c));
        let (q, dq, mean) = near.unwrap_or_else(|| {
            let mean = WeightedMean::with_reference(yi, vi, tau2, self.reference);
            let (q, dq) = q_about_mean(yi, vi, tau2, mean);
            (q, dq, mean.mean())
        });
        // The roots lie near the τ² > 0 evaluated last, not at 0.
        if tau2 > 0.0 {
            self.centre.set(Some(mean));
        }
        let mut memo = self.memo.borrow_mut();
        if memo.len() < 8 {
            memo.push((tau2, (q, dq)));
        }
        (q, dq)
    }

    /// The τ² ≥ 0 at which Q(τ²) = `target` ([`decreasing_root_from`] from `start`).
    pub fn root(&self, target: f64, start: f64) -> QRoot {
        let q = |tau2| Ok::<_, std::convert::Infallible>(self.q(tau2));
        match decreasing_root_from(q, target, self.smallest, start) {
            Ok(root) => root,
            Err(never) => match never {},
        }
    }
}

/// Root of a function that is positive at `lo` and negative somewhere above: the upper
/// end, from `start` (> 0: a value on the scale of the data, so that the search is
/// scale-free), is doubled until the sign changes, then Brent's method (the `roots`
/// crate) to a relative tolerance of 1e-15. Returns the root (the midpoint of the last
/// bracket if Brent's method failed), the evaluations used and whether it converged.
///
/// The search runs in units of `start` (x = τ²/start), so that Brent's method, which
/// multiplies the ends of its bracket together, neither underflows for roots near 1e-300
/// nor overflows near 1e300.
pub(crate) fn bracketed_root(f: impl Fn(f64) -> f64, lo: f64, start: f64) -> (f64, usize, bool) {
    let g = |x: f64| f(x * start);
    let (mut lo, mut hi) = (lo / start, 1.0);
    let mut evaluations = 0;
    while g(hi) > 0.0 && hi * start < 1e300 {
        lo = hi;
        hi *= 2.0;
        evaluations += 1;
    }
    let mut convergency = RelativeConvergency { evaluations: 0 };
    let found = roots::find_root_brent(lo, hi, &g, &mut convergency);
    let converged = found.is_ok();
    (
        found.unwrap_or(0.5 * (lo + hi)) * start,
        evaluations + convergency.evaluations,
        converged,
    )
}

/// Stops Brent's method when two iterates agree to 1e-15 relative, or |f| = 0.
pub(crate) struct RelativeConvergency {
    pub(crate) evaluations: usize,
}

impl roots::Convergency<f64> for RelativeConvergency {
    fn is_root_found(&mut self, y: f64) -> bool {
        self.evaluations += 1;
        y == 0.0
    }
    fn is_converged(&mut self, x1: f64, x2: f64) -> bool {
        (x1 - x2).abs() <= 1e-15 * x1.abs().max(x2.abs()).max(f64::MIN_POSITIVE)
    }
    fn is_iteration_limit_reached(&mut self, iter: usize) -> bool {
        iter >= 200
    }
}
