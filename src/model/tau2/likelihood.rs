//! The global maximum of a profile log-likelihood of τ² on [0, ∞): the one engine
//! behind ML and REML, in pooling ([`InterceptOnly`]), meta-regression and the
//! regression tests of small-study effects (`crate::analysis::regression`).
//!
//! The (restricted) log-likelihood of the random-effects model with the coefficients
//! profiled out,
//!
//! ML: ℓ(τ²) = −½ [k ln 2π + Σ ln(v_i + τ²) + yᵀPy],
//! REML: ℓ_R(τ²) = −½ [(k − p) ln 2π − ln|XᵀX| + Σ ln(v_i + τ²) + ln|XᵀWX| + yᵀPy],
//!
//! W = diag(1/(v_i + τ²)), P = W − WX(XᵀWX)⁻¹XᵀW (Viechtbauer 2005; the constants as
//! metafor's `logLik`), need not be unimodal: an outlying study with a large variance
//! beside a tight cluster gives a peak near 0 and another near the outlier's squared
//! distance. Stopping at the first root of the score from a start (Fisher scoring from
//! DerSimonian-Laird or Hedges, as metafor does), or at 0 when the score there is
//! negative, can report the lower peak as converged. [`global_maximum`] instead:
//!
//! 1. **Bounds the maximum.** With RSS the unweighted least-squares residual sum of
//!    squares, the score is negative for every τ² > B, B = max(v_max, 2 RSS/k) for ML
//!    and max(c v_max, 2 RSS/(k − p)), c = (k + p)/(k − p), for REML. Proof: the
//!    weighted residuals r minimise Σ w r², so Σ w² r² ≤ w_max Σ w r² ≤ w_max² RSS;
//!    beyond B, w_min ≥ w_max c/(c + 1), so Σw ≥ k w_max/2 (ML) and tr P ≥ Σw −
//!    p w_max ≥ w_max (k − p)/2 (REML; tr[(XᵀWX)⁻¹XᵀW²X] ≤ p w_max), while w_max ≤
//!    1/τ² < k/(2 RSS) or (k − p)/(2 RSS).
//! 2. **Scans the score** U(τ²) = dℓ/dτ² on the grid τ²_j = v_min (ρ^j − 1) from 0 to
//!    past B, geometric in v_min + τ² with [`GRID_PER_DECADE`] points a decade (at most
//!    [`GRID_MAX`] points, the grid coarser beyond). Each study's term of ℓ,
//!    ln(v_i + τ²) + r_i²/(v_i + τ²), changes on the scale of one unit of
//!    ln(v_i + τ²), which moves at most as fast as ln(v_min + τ²) (v_i ≥ v_min). A grid
//!    of ratio 10^(1/8) (0.29 in ln(v_min + τ²)) therefore separates the critical points
//!    of ℓ: a local maximum is missed only if two sign changes of U fall between
//!    neighbouring points, which needs a peak narrower than the terms it is made of.
//!    (This is a resolution argument, not a proof; `tests/differential/` checks it
//!    against a dense scan.)
//! 3. **Brackets every local maximum**: 0 when U(0) ≤ 0, and every grid interval on
//!    which U changes sign from + to −.
//! 4. **Refines each** by Newton-Raphson inside its bracket (the observed information
//!    where ℓ is concave, the expected one — Fisher scoring — elsewhere; bisection when
//!    a step would leave the bracket), until a step changes τ² by less than 1e-13 of τ²
//!    (1e-8 for a Newton step, whose successor's error is of order its square). These
//!    rules are relative, so that rescaling the data (y → c y, v → c² v) rescales τ²
//!    by c² to rounding. After [`MAX_REFINE`] steps, Brent's method in the bracket.
//! 5. **Returns the local maximum with the largest ℓ**, with the number of local maxima
//!    seen; when there are several, all of them ([`super::Convergence::maxima`]), so
//!    that a fit can warn.
//!
//! Cost: one pass over the studies per grid point, or per eight grid points where the
//! model sums them together ([`ProfileLikelihood::scores`]), and a few Newton steps.

use super::{Convergence, LocalMaximum, Primary, Tau2Estimate, Termination};
use crate::weighted::RelativeConvergency;

/// Grid points per decade of τ² in the scan (ratio 10^(1/8) ≈ 1.33).
pub const GRID_PER_DECADE: f64 = 8.0;
/// The most grid points of a scan: data whose variances and spread span more than
/// GRID_MAX / GRID_PER_DECADE = 150 decades get a coarser grid.
pub const GRID_MAX: usize = 1200;
/// Newton (or bisection) steps in one bracket before Brent's method takes over.
pub const MAX_REFINE: usize = 100;
/// Relative change of τ² at which a Fisher-scoring or bisection step is the last.
const TOL: f64 = 1e-13;
/// Relative change at which a Newton step is the last (its successor's error is of
/// order its square, 1e-16).
const NEWTON_LAST_STEP: f64 = 1e-8;

/// The score and informations of ℓ at one τ², each multiplied by s = v_min + τ².
///
/// The factor changes neither the sign of the score (the brackets of the scan) nor the
/// Newton step U/J, and keeps every sum in range at any scale of the data: in the
/// weights u_i = s/(v_i + τ²) ∈ (0, 1] and the residuals r_i/√s, s U is of order one,
/// where U itself (of order 1/s) and Σw² (1/s²) leave the range of double precision
/// for variances beyond 1e154 or below 1e-154.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Derivatives {
    /// s U, U = dℓ/dτ².
    pub score: f64,
    /// s times the expected information E[−d²ℓ/dτ²] (½ tr(PP) for REML, ½ Σw² for ML).
    pub expected: f64,
    /// s times the observed information −d²ℓ/dτ² (yᵀPPPy − ½ tr(PP) for REML,
    /// yᵀPPPy − ½ Σw² for ML).
    pub observed: f64,
}

/// What a data set gives the scan: its extreme sampling variances and the unweighted
/// least-squares residual sum of squares.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scales {
    /// The smallest v_i (> 0).
    pub v_min: f64,
    /// The largest v_i.
    pub v_max: f64,
    /// Σ (y_i − x_iᵀβ̂_OLS)².
    pub rss: f64,
}

/// A (restricted) profile log-likelihood of τ²: what [`global_maximum`] needs of a
/// model.
pub trait ProfileLikelihood {
    /// Studies k and coefficients p.
    fn dimensions(&self) -> (usize, usize);
    /// True for the restricted likelihood.
    fn reml(&self) -> bool;
    /// The scales of the data (see [`Scales`]).
    fn scales(&self) -> Scales;
    /// The score and informations at `tau2`, times v_min + τ² ([`Derivatives`]).
    fn derivatives(&self, tau2: f64) -> Derivatives;
    /// [`ProfileLikelihood::derivatives`] for a step of an iteration: `centre` holds
    /// what the step before left (for [`InterceptOnly`], the weighted mean at its τ²,
    /// about which the sums are then formed in one pass) and is updated. The default
    /// leaves it alone.
    fn derivatives_from(&self, tau2: f64, centre: &mut Option<f64>) -> Derivatives {
        let _ = centre;
        self.derivatives(tau2)
    }
    /// ℓ(τ²) with metafor's constants.
    fn log_likelihood(&self, tau2: f64) -> f64;
    /// The scores at every τ² of `grid`, times v_min + τ² as in [`Derivatives`], into
    /// `out` (the same length). The default evaluates
    /// [`ProfileLikelihood::derivatives`] point by point.
    fn scores(&self, grid: &[f64], out: &mut [f64]) {
        for (o, &t) in out.iter_mut().zip(grid) {
            *o = self.derivatives(t).score;
        }
    }
}

/// The upper bound B of the maximising τ² (see the module documentation).
fn upper_bound(model: &impl ProfileLikelihood, scales: Scales) -> f64 {
    let (k, p) = model.dimensions();
    let Scales { v_max, rss, .. } = scales;
    let (k, p) = (k as f64, p as f64);
    let bound = if model.reml() {
        ((k + p) / (k - p) * v_max).max(2.0 * rss / (k - p))
    } else {
        v_max.max(2.0 * rss / k)
    };
    bound.min(f64::MAX / 4.0)
}

/// The scan's grid: τ²_j = v_min (ρ^j − 1), j = 0, 1, …, n, geometric in v_min + τ²
/// from 0 to just past the bound B, [`GRID_PER_DECADE`] points a decade of
/// (v_min + τ²)/v_min (at most [`GRID_MAX`]).
pub fn scan_grid(v_min: f64, bound: f64) -> Vec<f64> {
    let span = (v_min + bound) / v_min;
    let points = ((span.log10() * GRID_PER_DECADE).ceil() as usize).clamp(1, GRID_MAX - 1);
    let ratio = span.powf(1.0 / points as f64);
    let mut grid = Vec::with_capacity(points + 1);
    let mut power = 1.0;
    for _ in 0..=points {
        grid.push(v_min * (power - 1.0));
        power *= ratio;
    }
    // Rounding of the powers may leave the last point a hair below B.
    let last = grid.len() - 1;
    grid[last] = grid[last].max(bound * (1.0 + 1e-9));
    grid
}

/// The maximiser of ℓ on [0, ∞); see the module documentation. `max_refine` is the
/// number of Newton steps in a bracket before Brent's method ([`MAX_REFINE`]).
///
/// Needs k > p (REML) or k ≥ 2 (ML) and every v_i > 0; identical fitted residuals
/// (RSS = 0) give τ² = 0, where the score at 0 is −½ tr P (or −½ Σw) < 0.
pub fn global_maximum(model: &impl ProfileLikelihood, max_refine: usize) -> Tau2Estimate {
    let scales = model.scales();
    if scales.rss == 0.0 {
        return Tau2Estimate::boundary(1);
    }
    let grid = scan_grid(scales.v_min, upper_bound(model, scales));
    let mut scores = vec![0.0; grid.len()];
    model.scores(&grid, &mut scores);
    // The log-likelihoods are filled in below, only when there are maxima to compare.
    let mut maxima: Vec<(LocalMaximum, Refined)> = Vec::new();
    if scores[0] <= 0.0 {
        let at_zero = LocalMaximum {
            tau2: 0.0,
            log_likelihood: f64::NAN,
        };
        maxima.push((at_zero, Refined::boundary()));
    }
    // Neighbouring points whose scores are numbers (a score that is not one, which the
    // models avoid, is skipped rather than read as a sign).
    let evaluated: Vec<usize> = (0..grid.len()).filter(|&j| !scores[j].is_nan()).collect();
    for pair in evaluated.windows(2) {
        let (j, next) = (pair[0], pair[1]);
        if scores[j] > 0.0 && scores[next] <= 0.0 {
            let refined = refine(
                model,
                (grid[j], scores[j]),
                (grid[next], scores[next]),
                max_refine,
            );
            let maximum = LocalMaximum {
                tau2: refined.tau2,
                log_likelihood: f64::NAN,
            };
            maxima.push((maximum, refined));
        }
    }
    if maxima.len() > 1 {
        for (maximum, _) in &mut maxima {
            maximum.log_likelihood = model.log_likelihood(maximum.tau2);
        }
    }
    let best = maxima
        .iter()
        .enumerate()
        .max_by(|(_, a), (_, b)| {
            let (la, lb) = (a.0.log_likelihood, b.0.log_likelihood);
            // NaN ranks lowest.
            la.is_nan()
                .cmp(&lb.is_nan())
                .reverse()
                .then(la.total_cmp(&lb))
        })
        .map(|(i, _)| i);
    let Some(best) = best else {
        // No local maximum seen: only possible when the scores are not numbers.
        return Tau2Estimate {
            tau2: f64::NAN,
            convergence: Convergence {
                local_maxima: Some(0),
                ..Convergence::new(
                    Termination::NotEvaluated(
                        "the score of the likelihood could not be evaluated (not a number)".into(),
                    ),
                    0,
                )
            },
        };
    };
    let iterations = maxima.iter().map(|m| m.1.iterations).sum();
    let count = maxima.len();
    let (chosen, refined) = maxima[best].clone();
    Tau2Estimate {
        tau2: chosen.tau2,
        convergence: Convergence {
            iterations,
            termination: refined.termination,
            local_maxima: Some(count),
            maxima: if count > 1 {
                maxima.into_iter().map(|m| m.0).collect()
            } else {
                Vec::new()
            },
        },
    }
}

/// A root of the score refined in its bracket.
#[derive(Debug, Clone)]
struct Refined {
    tau2: f64,
    iterations: usize,
    termination: Termination,
}

impl Refined {
    /// The boundary maximum τ² = 0: nothing to refine.
    fn boundary() -> Self {
        Refined {
            tau2: 0.0,
            iterations: 0,
            termination: Termination::Boundary,
        }
    }
}

/// The root of the score in (a, b), U(a) > 0 ≥ U(b): safeguarded Newton-Raphson from
/// the secant point, then Brent's method if `max_refine` steps do not converge.
fn refine(
    model: &impl ProfileLikelihood,
    (mut a, ua): (f64, f64),
    (mut b, ub): (f64, f64),
    max_refine: usize,
) -> Refined {
    if ub == 0.0 {
        return Refined {
            tau2: b,
            iterations: 0,
            termination: Termination::Converged,
        };
    }
    let secant = a + ua * (b - a) / (ua - ub);
    let mut tau2 = if secant > a && secant < b {
        secant
    } else {
        0.5 * (a + b)
    };
    let mut centre = None;
    for iteration in 1..=max_refine {
        let d = model.derivatives_from(tau2, &mut centre);
        if d.score == 0.0 {
            return Refined {
                tau2,
                iterations: iteration,
                termination: Termination::Converged,
            };
        }
        if d.score > 0.0 {
            a = tau2;
        } else {
            b = tau2;
        }
        // Newton-Raphson where ℓ is concave, Fisher scoring elsewhere.
        let newton = d.observed > 0.0;
        let curvature = if newton { d.observed } else { d.expected };
        let candidate = tau2 + d.score / curvature;
        let inside = candidate > a && candidate < b && curvature > 0.0;
        let next = if inside { candidate } else { 0.5 * (a + b) };
        let change = (next - tau2).abs();
        tau2 = next;
        let relative = if newton && inside {
            NEWTON_LAST_STEP
        } else {
            TOL
        };
        if change <= relative * tau2 || b - a <= 4.0 * f64::EPSILON * b {
            return Refined {
                tau2,
                iterations: iteration,
                termination: Termination::Converged,
            };
        }
    }
    let mut convergency = RelativeConvergency { evaluations: 0 };
    let found = roots::find_root_brent(a, b, |t| model.derivatives(t).score, &mut convergency);
    let primary = Primary::NewtonRaphson { steps: max_refine };
    Refined {
        tau2: *found.as_ref().unwrap_or(&(0.5 * (a + b))),
        iterations: max_refine + convergency.evaluations,
        termination: if found.is_ok() {
            Termination::BracketingFallback(primary)
        } else {
            Termination::IterationLimit(primary)
        },
    }
}

/// The intercept-only random-effects model, y_i = μ + u_i + e_i, of pooling: its
/// likelihood for ML and REML here, its weighted fit for the other estimators of the τ²
/// engine ([`super::Tau2Model`]), on the slices, allocating nothing.
#[derive(Debug, Clone, Copy)]
pub struct InterceptOnly<'a> {
    pub(super) yi: &'a [f64],
    pub(super) vi: &'a [f64],
    pub(super) reml: bool,
    /// The estimate and variance of the study with the smallest variance, which anchors
    /// the residuals (see [`crate::weighted::WeightedMean`]).
    pub(super) reference: (f64, f64),
}

impl<'a> InterceptOnly<'a> {
    /// The model of `yi` with sampling variances `vi` (equal lengths, k ≥ 2, v_i > 0).
    pub fn new(yi: &'a [f64], vi: &'a [f64], reml: bool) -> Self {
        InterceptOnly {
            yi,
            vi,
            reml,
            reference: crate::weighted::WeightedMean::reference_of(yi, vi),
        }
    }
}

impl ProfileLikelihood for InterceptOnly<'_> {
    fn dimensions(&self) -> (usize, usize) {
        (self.yi.len(), 1)
    }

    fn reml(&self) -> bool {
        self.reml
    }

    fn scales(&self) -> Scales {
        /// Σ (y_i − c), Σ (y_i − c)² about a centre c, and the largest v_i.
        #[derive(Debug, Clone, Copy)]
        struct Spread {
            centre: f64,
            sd: f64,
            sd2: f64,
            v_max: f64,
        }
        impl crate::weighted::StudySums for Spread {
            #[inline(always)]
            fn add(&mut self, y: f64, v: f64, _: f64) {
                let d = y - self.centre;
                self.sd += d;
                self.sd2 += d * d;
                self.v_max = self.v_max.max(v);
            }
            fn merge(&mut self, other: &Self) {
                self.sd += other.sd;
                self.sd2 += other.sd2;
                self.v_max = self.v_max.max(other.v_max);
            }
        }
        let k = self.yi.len() as f64;
        let spread = |centre: f64| {
            let zero = Spread {
                centre,
                sd: 0.0,
                sd2: 0.0,
                v_max: 0.0,
            };
            crate::weighted::sum_studies(self.yi, self.vi, zero)
        };
        // The mean as a shift from the reference study, then the squares about the mean.
        let reference = self.reference.0;
        let first = spread(reference);
        let mean = reference + first.sd / k;
        let about_mean = spread(mean);
        // Σ(y − ȳ)² about the rounded mean, less the square of what its rounding left.
        let rss = about_mean.sd2 - about_mean.sd * about_mean.sd / k;
        Scales {
            v_min: self.reference.1,
            v_max: first.v_max,
            rss: rss.max(0.0),
        }
    }

    fn derivatives(&self, tau2: f64) -> Derivatives {
        self.derivatives_from(tau2, &mut None)
    }

    fn derivatives_from(&self, tau2: f64, centre: &mut Option<f64>) -> Derivatives {
        let ((score, expected, observed), mean) = super::score_information_near(
            self.yi,
            self.vi,
            tau2,
            self.reml,
            self.reference,
            *centre,
        );
        *centre = Some(mean);
        Derivatives {
            score,
            expected,
            observed,
        }
    }

    /// ML: −½[k ln 2π + Σ ln(v_i + τ²) + Q(τ²)]; REML: −½[(k − 1) ln 2π − ln k +
    /// Σ ln(v_i + τ²) + ln Σw + Q(τ²)], Q(τ²) = Σ w (y − μ(τ²))².
    fn log_likelihood(&self, tau2: f64) -> f64 {
        let mean =
            crate::weighted::WeightedMean::with_reference(self.yi, self.vi, tau2, self.reference.0);
        let (mut log_v, mut q) = (0.0, 0.0);
        for (&y, &v) in self.yi.iter().zip(self.vi) {
            let r = mean.residual(y);
            log_v += (v + tau2).ln();
            q += r * r / (v + tau2);
        }
        let k = self.yi.len() as f64;
        let ln_2pi = (2.0 * std::f64::consts::PI).ln();
        if self.reml {
            -0.5 * ((k - 1.0) * ln_2pi - k.ln() + log_v + mean.sum_w.ln() + q)
        } else {
            -0.5 * (k * ln_2pi + log_v + q)
        }
    }

    /// Eight grid points in one pass (fewer in the last passes): per point s = v_min + τ²,
    /// u_i = s/(v_i + τ²) and d_i = (y_i − y_r)/√s, the sums Σu, Σud, Σu², Σu²d, Σu²d²,
    /// the shift (μ − y_r)/√s = Σud/Σu, Σu²ρ² = Σu²d² − 2 shift Σu²d + shift² Σu² and
    /// tr P_u = Σu − Σu²/Σu, and s U = ½(Σu²ρ² − tr P_u) (Σu for ML); where either
    /// difference loses more than six digits, the point is evaluated on its own by
    /// [`ProfileLikelihood::derivatives`].
    fn scores(&self, grid: &[f64], out: &mut [f64]) {
        // Passes of 8 points, then of 4 and 2 for the rest (a pass costs about as
        // many divisions per study as it has points).
        let mut from = 0;
        while from < grid.len() {
            let rest = grid.len() - from;
            let n = match rest {
                8.. => 8,
                3.. => rest.min(4),
                _ => rest,
            };
            let (points, out) = (&grid[from..from + n], &mut out[from..from + n]);
            match n {
                8 => self.grid_scores::<8>(points, out),
                3 | 4 => self.grid_scores::<4>(points, out),
                _ => self.grid_scores::<2>(points, out),
            }
            from += n;
        }
    }
}

impl InterceptOnly<'_> {
    /// [`ProfileLikelihood::scores`] at the (at most N) `points`, in one pass.
    fn grid_scores<const N: usize>(&self, points: &[f64], out: &mut [f64]) {
        let n = points.len();
        let mut t = [points[n - 1]; N];
        t[..n].copy_from_slice(points);
        let s = t.map(|t| self.reference.1 + t);
        let zero = GridSums {
            reference: self.reference.0,
            t,
            s,
            inv_root_s: s.map(|s| 1.0 / s.sqrt()),
            su: [0.0; N],
            sud: [0.0; N],
            su2: [0.0; N],
            su2d: [0.0; N],
            su2d2: [0.0; N],
        };
        let sums = crate::weighted::sum_studies(self.yi, self.vi, zero);
        for j in 0..n {
            let (su, su2) = (sums.su[j], sums.su2[j]);
            let shift = sums.sud[j] / su;
            let su2r2 = sums.su2d2[j] - 2.0 * shift * sums.su2d[j] + shift * shift * su2;
            let penalty = if self.reml { su - su2 / su } else { su };
            out[j] = 0.5 * (su2r2 - penalty);
            // Where these sums cancel (one weight dwarfs the rest, so tr P = Σw −
            // Σw²/Σw loses its digits, or Σw²r² is small beside its terms) or
            // overflow (v near 1e-300 at τ² = 0), the one-point form of
            // `derivatives`, which forms tr P without cancelling and squares w r.
            let cancels = su2r2 < 1e-6 * sums.su2d2[j] || (self.reml && penalty < 1e-6 * su);
            if !out[j].is_finite() || cancels {
                out[j] = self.derivatives(t[j]).score;
            }
        }
    }
}

/// The sums of [`InterceptOnly::grid_scores`] at N grid points.
#[derive(Debug, Clone, Copy)]
struct GridSums<const N: usize> {
    reference: f64,
    t: [f64; N],
    s: [f64; N],
    inv_root_s: [f64; N],
    su: [f64; N],
    sud: [f64; N],
    su2: [f64; N],
    su2d: [f64; N],
    su2d2: [f64; N],
}

impl<const N: usize> crate::weighted::StudySums for GridSums<N> {
    // N grid points are N independent sums already.
    const INTERLEAVED: bool = false;
    #[inline(always)]
    fn add(&mut self, y: f64, v: f64, _: f64) {
        let d = y - self.reference;
        for j in 0..N {
            let u = self.s[j] / (v + self.t[j]);
            let ud = u * (d * self.inv_root_s[j]);
            self.su[j] += u;
            self.sud[j] += ud;
            self.su2[j] += u * u;
            self.su2d[j] += u * ud;
            self.su2d2[j] += ud * ud;
        }
    }
    fn merge(&mut self, other: &Self) {
        for j in 0..N {
            self.su[j] += other.su[j];
            self.sud[j] += other.sud[j];
            self.su2[j] += other.su2[j];
            self.su2d[j] += other.su2d[j];
            self.su2d2[j] += other.su2d2[j];
        }
    }
}
