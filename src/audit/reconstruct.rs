//! Reconstruction: the integer inputs consistent with printed results.
//!
//! - [`single_trial`]: given the arm sizes of one trial and its printed effect with CI,
//!   every 2x2 table (events per arm) whose effect and Wald CI, under a zero-cell
//!   convention, print the same;
//! - [`splits`]: given several trials' arm sizes, the total events per arm across them
//!   and printed pooled results of analyses that include them, every split of the
//!   events across the trials under which every printed result is reproduced;
//! - [`by_subtraction`]: the remainder of a printed total after known parts.
//!
//! A reconstruction is unique when exactly one candidate survives; otherwise the figure
//! is "consistent with N candidate inputs", and that, not a single number, is what an
//! honest audit reports.

use super::figure::Figure;
use crate::data::{BinaryArms, StudyData, StudyTable, Table2x2};
use crate::effect::binary::{effect_of, increments};
use crate::effect::{EffectOptions, Measure, ZeroCellRule};
use crate::error::{Error, Result};
use crate::model::{pool, PoolOptions};
use serde::Serialize;

/// Events in the experimental and control arms of one trial.
pub type Events = (u64, u64);

/// Every (events_e, events_c) with 0 ≤ events ≤ arm size whose `measure` (RR, OR or
/// RD) with a Wald CI at `level`, after the zero-cell increment of `rule`, prints as
/// `figure`. Tables the rule drops (double zeros) or that are not estimable are skipped.
pub fn single_trial(
    n_e: u64,
    n_c: u64,
    figure: &Figure,
    measure: Measure,
    rule: &ZeroCellRule,
    level: f64,
) -> Vec<Events> {
    let z = crate::distribution::normal_critical(level);
    let formula = effect_of(measure);
    let mut found = Vec::new();
    for a in 0..=n_e {
        for c in 0..=n_c {
            let t = Table2x2::from_arms(a as f64, n_e as f64, c as f64, n_c as f64);
            if rule.drops_double_zero(measure) && t.is_double_zero() {
                continue;
            }
            let add = increments(&[t], rule)[0];
            let (yi, vi) = formula(&t.plus(add));
            if !yi.is_finite() || !vi.is_finite() {
                continue;
            }
            let se = vi.sqrt();
            let (e, lo, hi) = (
                measure.to_natural(yi),
                measure.to_natural(yi - z * se),
                measure.to_natural(yi + z * se),
            );
            if figure.matches_estimate(e, lo, hi) {
                found.push((a, c));
            }
        }
    }
    found
}

/// A trial whose events are to be split: its label and arm sizes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Trial {
    /// Label.
    pub study: String,
    /// Experimental arm size.
    pub n_e: u64,
    /// Control arm size.
    pub n_c: u64,
}

/// A trial whose 2x2 table is known.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KnownTrial {
    /// Label.
    pub study: String,
    /// Events, experimental arm.
    pub events_e: u64,
    /// Size, experimental arm.
    pub n_e: u64,
    /// Events, control arm.
    pub events_c: u64,
    /// Size, control arm.
    pub n_c: u64,
}

/// Which pooled estimate a printed figure is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Pooled {
    /// The fixed-effect estimate.
    Fixed,
    /// The random-effects estimate.
    Random,
}

/// A printed pooled result that a split must reproduce: the analysis includes the
/// split trials marked in `includes` and the `known` trials.
#[derive(Debug, Clone)]
pub struct Constraint {
    /// A name for messages (e.g. "pub6 1.4.1").
    pub name: String,
    /// Which of the split trials the analysis includes.
    pub includes: Vec<bool>,
    /// Trials of the analysis whose tables are known.
    pub known: Vec<KnownTrial>,
    /// The printed figure.
    pub figure: Figure,
    /// Effect options.
    pub effect: EffectOptions,
    /// Pooling options.
    pub pool: PoolOptions,
    /// Which estimate was printed.
    pub pooled: Pooled,
}

/// Builds a study table from known trials.
pub fn table_of(trials: &[KnownTrial]) -> Result<StudyTable> {
    let col = |f: fn(&KnownTrial) -> u64| trials.iter().map(|t| f(t) as f64).collect::<Vec<_>>();
    StudyTable::new(
        "reconstruction",
        trials
            .iter()
            .map(|t| t.study.clone())
            .collect::<Vec<String>>(),
        StudyData::Binary(BinaryArms {
            events_e: col(|t| t.events_e),
            n_e: col(|t| t.n_e),
            events_c: col(|t| t.events_c),
            n_c: col(|t| t.n_c),
        }),
    )
}

/// The pooled estimate (natural scale) and CI of a table under a constraint's options.
pub fn pooled_figure(
    trials: &[KnownTrial],
    effect: &EffectOptions,
    options: &PoolOptions,
    pooled: Pooled,
) -> Result<(f64, f64, f64)> {
    let mut options = *options;
    options.heterogeneity_ci = false;
    // The prediction interval does not enter the figure; the normal one is the cheapest.
    options.pi = crate::model::PiMethod::FollowCi;
    if pooled == Pooled::Fixed {
        // the random-effects part (and its Q-profile interval) is not needed
        options.tau2 = None;
    }
    let fit = pool(&table_of(trials)?, effect, &options)?;
    let m = fit.measure;
    let (e, lo, hi) = match (pooled, &fit.random) {
        (Pooled::Random, Some(r)) => (r.pooled.estimate, r.pooled.ci_lower, r.pooled.ci_upper),
        (Pooled::Random, None) => {
            return Err(Error::InvalidArgument(
                "a random-effects figure needs a tau2 estimator".into(),
            ))
        }
        (Pooled::Fixed, _) => (
            fit.fixed.pooled.estimate,
            fit.fixed.pooled.ci_lower,
            fit.fixed.pooled.ci_upper,
        ),
    };
    Ok((m.to_natural(e), m.to_natural(lo), m.to_natural(hi)))
}

/// Every way of writing `total` as a sum of one count per trial, each at most its cap.
fn compositions(total: u64, caps: &[u64]) -> Vec<Vec<u64>> {
    let mut out = Vec::new();
    fn walk(left: u64, caps: &[u64], current: &mut Vec<u64>, out: &mut Vec<Vec<u64>>) {
        if current.len() + 1 == caps.len() {
            if left <= caps[current.len()] {
                current.push(left);
                out.push(current.clone());
                current.pop();
            }
            return;
        }
        for x in 0..=left.min(caps[current.len()]) {
            current.push(x);
            walk(left - x, caps, current, out);
            current.pop();
        }
    }
    if !caps.is_empty() {
        walk(total, caps, &mut Vec::new(), &mut out);
    }
    out
}

/// Every split of `events_e` and `events_c` across `trials` under which every
/// constraint's printed figure is reproduced. Each result lists one (events_e,
/// events_c) per trial.
///
/// # Errors
/// As [`pool`], for a constraint whose options cannot be fitted.
pub fn splits(
    trials: &[Trial],
    events_e: u64,
    events_c: u64,
    constraints: &[Constraint],
) -> Result<Vec<Vec<Events>>> {
    let e_splits = compositions(events_e, &trials.iter().map(|t| t.n_e).collect::<Vec<_>>());
    let c_splits = compositions(events_c, &trials.iter().map(|t| t.n_c).collect::<Vec<_>>());
    let mut found = Vec::new();
    for es in &e_splits {
        'split: for cs in &c_splits {
            for k in constraints {
                let mut rows: Vec<KnownTrial> = trials
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| k.includes[*i])
                    .map(|(i, t)| KnownTrial {
                        study: t.study.clone(),
                        events_e: es[i],
                        n_e: t.n_e,
                        events_c: cs[i],
                        n_c: t.n_c,
                    })
                    .collect();
                rows.extend(k.known.iter().cloned());
                let Ok((e, lo, hi)) = pooled_figure(&rows, &k.effect, &k.pool, k.pooled) else {
                    continue 'split;
                };
                if !k.figure.matches_estimate(e, lo, hi) {
                    continue 'split;
                }
            }
            found.push(es.iter().copied().zip(cs.iter().copied()).collect());
        }
    }
    Ok(found)
}

/// The remainder of a printed total after known parts: `total − Σ parts`.
///
/// # Errors
/// [`Error::InvalidArgument`] when the parts exceed the total.
pub fn by_subtraction(total: u64, parts: &[u64]) -> Result<u64> {
    let sum = parts
        .iter()
        .try_fold(0u64, |sum, &p| sum.checked_add(p))
        .ok_or_else(|| {
            Error::InvalidArgument(format!(
                "the parts add up to more than {} (they cannot be summed)",
                u64::MAX
            ))
        })?;
    total.checked_sub(sum).ok_or_else(|| {
        Error::InvalidArgument(format!("the parts ({sum}) exceed the total ({total})"))
    })
}

/// The ways to enter a two-arm-in-one trial as two comparisons against a control
/// group split in halves (Cochrane Handbook 23.3.4): every split of the experimental
/// arm's size and events into two arms (each of at least one participant), with the
/// control arm's size halved (the odd participant to the first half) and its events
/// split every way. Arm sizes of the two arms are unknown, so every split is a candidate.
///
/// The splits are produced one at a time, in increasing order of the first arm's size,
/// then its events, then the first control half's events; [`TwoComparisons::count_up_to`]
/// counts them without building them (a trial of thousands has billions).
pub fn two_comparisons(trial: &KnownTrial) -> TwoComparisons {
    let (c1, c2) = (trial.n_c - trial.n_c / 2, trial.n_c / 2);
    let feasible = trial.events_e <= trial.n_e && trial.events_c <= trial.n_c;
    let mut splits = TwoComparisons {
        trial: trial.clone(),
        c1,
        c2,
        next: None,
    };
    if feasible && trial.n_e >= 2 {
        splits.next = Some((1, splits.k_range(1).0, splits.j_range().0));
    }
    splits
}

/// The splits of [`two_comparisons`], an iterator.
#[derive(Debug, Clone)]
pub struct TwoComparisons {
    trial: KnownTrial,
    /// The control halves.
    c1: u64,
    c2: u64,
    /// The next split: (first arm's size n1, its events k, first control half's events j).
    next: Option<(u64, u64, u64)>,
}

impl TwoComparisons {
    /// Events k of the first arm of size n1: both arms' events within their sizes,
    /// max(0, E − n2) ≤ k ≤ min(E, n1) (never empty when E ≤ n_e).
    fn k_range(&self, n1: u64) -> (u64, u64) {
        let (e, n2) = (self.trial.events_e, self.trial.n_e - n1);
        (e.saturating_sub(n2), e.min(n1))
    }

    /// Events j of the first control half: max(0, E_c − c2) ≤ j ≤ min(E_c, c1).
    fn j_range(&self) -> (u64, u64) {
        let e = self.trial.events_c;
        (e.saturating_sub(self.c2), e.min(self.c1))
    }

    /// The number of splits, or `None` when it exceeds `cap`: the sum over n1 of the
    /// counts of k and j, counted in at most `cap` steps (every n1 has a split).
    pub fn count_up_to(&self, cap: u128) -> Option<u128> {
        let Some((first, ..)) = self.next else {
            return Some(0);
        };
        let (j_lo, j_hi) = self.j_range();
        let per_k = u128::from(j_hi - j_lo + 1);
        let mut total: u128 = 0;
        for n1 in first..self.trial.n_e {
            let (k_lo, k_hi) = self.k_range(n1);
            total += u128::from(k_hi - k_lo + 1) * per_k;
            if total > cap {
                return None;
            }
        }
        Some(total)
    }
}

impl Iterator for TwoComparisons {
    type Item = [KnownTrial; 2];

    fn next(&mut self) -> Option<Self::Item> {
        let (n1, k, j) = self.next?;
        let t = &self.trial;
        let item = [
            KnownTrial {
                study: format!("{} (arm 1)", t.study),
                events_e: k,
                n_e: n1,
                events_c: j,
                n_c: self.c1,
            },
            KnownTrial {
                study: format!("{} (arm 2)", t.study),
                events_e: t.events_e - k,
                n_e: t.n_e - n1,
                events_c: t.events_c - j,
                n_c: self.c2,
            },
        ];
        let (j_lo, j_hi) = self.j_range();
        self.next = if j < j_hi {
            Some((n1, k, j + 1))
        } else if k < self.k_range(n1).1 {
            Some((n1, k + 1, j_lo))
        } else if n1 + 1 < t.n_e {
            Some((n1 + 1, self.k_range(n1 + 1).0, j_lo))
        } else {
            None
        };
        Some(item)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The splits as the nested loops of the definition list them.
    fn listed(t: &KnownTrial) -> Vec<(u64, u64, u64)> {
        let (c1, c2) = (t.n_c - t.n_c / 2, t.n_c / 2);
        let mut out = Vec::new();
        for n1 in 1..t.n_e {
            let n2 = t.n_e - n1;
            for k in 0..=t.events_e.min(n1) {
                if t.events_e - k > n2 {
                    continue;
                }
                for j in 0..=t.events_c.min(c1) {
                    if t.events_c - j > c2 {
                        continue;
                    }
                    out.push((n1, k, j));
                }
            }
        }
        out
    }

    #[test]
    fn two_comparisons_are_the_splits_of_the_definition_in_order() {
        for (e, n_e, c, n_c) in [
            (7, 208, 0, 64),
            (3, 5, 2, 7),
            (0, 2, 0, 1),
            (5, 5, 3, 3),
            (0, 1, 0, 4),
            (0, 0, 0, 0),
        ] {
            let t = KnownTrial {
                study: "T".into(),
                events_e: e,
                n_e,
                events_c: c,
                n_c,
            };
            let got: Vec<(u64, u64, u64)> = two_comparisons(&t)
                .map(|[a, b]| {
                    assert_eq!((a.events_e + b.events_e, a.n_e + b.n_e), (e, n_e), "{t:?}");
                    assert_eq!((a.events_c + b.events_c, a.n_c + b.n_c), (c, n_c));
                    (a.n_e, a.events_e, a.events_c)
                })
                .collect();
            assert_eq!(got, listed(&t), "{t:?}");
            assert_eq!(
                two_comparisons(&t).count_up_to(u128::MAX),
                Some(got.len() as u128)
            );
        }
    }

    /// Issue 12, item 4: a trial of 3000 participants has billions of splits; they are
    /// counted up to a cap, not built.
    #[test]
    fn the_splits_of_a_large_trial_are_counted_up_to_a_cap() {
        let t = KnownTrial {
            study: "Large".into(),
            events_e: 300,
            n_e: 2000,
            events_c: 150,
            n_c: 1000,
        };
        assert_eq!(two_comparisons(&t).count_up_to(1_000_000), None);
        let impossible = KnownTrial {
            events_e: 3,
            n_e: 2,
            ..t
        };
        assert_eq!(two_comparisons(&impossible).count(), 0);
    }
}
