//! One analysis of a Cochrane review re-run from its study rows ([`rerun`]): the studies
//! with an effect to estimate pooled with the options given, each subgroup pooled on its
//! own, and the test for subgroup differences between them.
//!
//! The study data are those the review file holds ([`StudyArms`]):
//! - dichotomous rows as 2x2 tables, with events and non-events swapped first when the
//!   analysis says so (`SWAP_EVENTS`);
//! - continuous rows as means, SDs and sizes;
//! - generic inverse-variance rows as an estimate with its SE (analysis scale);
//! - O-E and variance rows as Peto's ln OR (or HR) = (O − E)/V with variance 1/V, pooled
//!   by inverse variance: Σ(O − E)/ΣV with variance 1/ΣV (Yusuf et al. 1985).
//!
//! A study whose effect is undefined before any measure is chosen (an arm total or SD of
//! 0, a generic SE of 0) is left out before pooling, with the reason; one the fit leaves
//! out (a double zero, an SMD on fewer than four participants) is left out with the
//! fit's reason, in the file's words (`Events 1`, not `events_e`).

use super::subgroup::{difference_test, subset, SubgroupTest};
use crate::data::revman::{Analysis, Model, RevManOutcome, StudyArms};
use crate::data::{BinaryArms, ContinuousArms, DataType, StudyData, StudyTable};
use crate::effect::EffectOptions;
use crate::error::Result;
use crate::model::{pool, Fit, PoolOptions, StudyRow};

/// One subgroup of a re-run outcome.
#[derive(Debug, Clone)]
pub struct RerunSubgroup {
    /// Its number in the file.
    pub number: u32,
    /// Its studies: indices into the outcome's study rows.
    pub members: Vec<usize>,
    /// Its fit, or why it has none.
    pub fit: std::result::Result<Fit, String>,
}

/// An outcome re-run ([`rerun`]).
#[derive(Debug, Clone)]
pub struct Rerun {
    /// Per study row of the outcome: why it is left out of the re-run, if it is.
    pub left_out: Vec<Option<String>>,
    /// The fit of the whole outcome, or why it has none.
    pub overall: std::result::Result<Fit, String>,
    /// The subgroups, those with a row in the file and those their studies name, by
    /// number.
    pub subgroups: Vec<RerunSubgroup>,
    /// The test for subgroup differences over the subgroups that have studies (`None`
    /// without subgroups), on the pooled estimates of `model`.
    pub test: std::result::Result<Option<SubgroupTest>, String>,
    /// The model whose weights and estimates [`Rerun::weight`] and the test use.
    pub model: Model,
    /// Per study row: its row in `overall.studies`.
    rows: Vec<Option<usize>>,
}

impl Rerun {
    /// The fitted row of study `i` of the outcome (`None` when it is left out).
    pub fn study(&self, i: usize) -> Option<StudyRow<'_>> {
        let fit = self.overall.as_ref().ok()?;
        fit.studies.get(self.rows.get(i).copied().flatten()?)
    }

    /// The weight (%) of study `i` under the model (`None` when it is not in the fit).
    pub fn weight(&self, i: usize) -> Option<f64> {
        self.study(i).map(|s| match self.model {
            Model::Random => s.weight_random.unwrap_or(s.weight_fixed),
            Model::Fixed => s.weight_fixed,
        })
    }

    /// The sum of the weights of `studies` (`None` when the outcome has no fit).
    pub fn weight_sum(&self, studies: &[usize]) -> Option<f64> {
        self.overall.as_ref().ok()?;
        Some(studies.iter().filter_map(|&i| self.weight(i)).sum())
    }
}

/// A message of the library in the file's words: the columns of metapool's input
/// format (`events_e`, `n_e`, …) named as RevMan names them (`Events 1`, `Total 1`, …).
fn in_revman_terms(message: &str) -> String {
    const NAMES: [(&str, &str); 8] = [
        ("events_e", "Events 1"),
        ("n_e", "Total 1"),
        ("mean_e", "Mean 1"),
        ("sd_e", "SD 1"),
        ("events_c", "Events 2"),
        ("n_c", "Total 2"),
        ("mean_c", "Mean 2"),
        ("sd_c", "SD 2"),
    ];
    let word = |c: char| c.is_alphanumeric() || c == '_';
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(start) = rest.find(|c: char| word(c)) {
        out.push_str(&rest[..start]);
        let tail = &rest[start..];
        let end = tail.find(|c: char| !word(c)).unwrap_or(tail.len());
        let token = &tail[..end];
        out.push_str(
            NAMES
                .iter()
                .find(|(internal, _)| *internal == token)
                .map_or(token, |(_, revman)| revman),
        );
        rest = &tail[end..];
    }
    out + rest
}

/// The table of the studies `included` (indices into the outcome's rows).
fn study_table(
    source: &str,
    o: &RevManOutcome,
    a: &Analysis,
    included: &[usize],
    arms: &[StudyArms],
    with_subgroups: bool,
) -> Result<StudyTable> {
    let chosen = || included.iter().map(|&i| arms[i]);
    let data = match a.data_type {
        DataType::Continuous => {
            let mut c = ContinuousArms {
                mean_e: Vec::new(),
                sd_e: Vec::new(),
                n_e: Vec::new(),
                mean_c: Vec::new(),
                sd_c: Vec::new(),
                n_c: Vec::new(),
            };
            for arm in chosen() {
                if let StudyArms::Continuous {
                    mean_1,
                    sd_1,
                    total_1,
                    mean_2,
                    sd_2,
                    total_2,
                } = arm
                {
                    c.mean_e.push(mean_1);
                    c.sd_e.push(sd_1);
                    c.n_e.push(total_1);
                    c.mean_c.push(mean_2);
                    c.sd_c.push(sd_2);
                    c.n_c.push(total_2);
                }
            }
            StudyData::Continuous(c)
        }
        DataType::GenericSe => {
            let (mut yi, mut sei) = (Vec::new(), Vec::new());
            for arm in chosen() {
                if let StudyArms::Generic { estimate, se } = arm {
                    yi.push(estimate);
                    sei.push(se);
                }
            }
            StudyData::GenericSe { yi, sei }
        }
        DataType::GenericVariance => {
            let (mut yi, mut vi) = (Vec::new(), Vec::new());
            for arm in chosen() {
                if let StudyArms::ObservedMinusExpected { o_e, variance } = arm {
                    yi.push(o_e / variance);
                    vi.push(1.0 / variance);
                }
            }
            StudyData::GenericVariance { yi, vi }
        }
        _ => {
            let mut b = BinaryArms {
                events_e: Vec::new(),
                n_e: Vec::new(),
                events_c: Vec::new(),
                n_c: Vec::new(),
            };
            for arm in chosen() {
                if let StudyArms::Dichotomous {
                    events_1,
                    total_1,
                    events_2,
                    total_2,
                } = arm
                {
                    let (e1, e2) = if a.swap_events {
                        (total_1 - events_1, total_2 - events_2)
                    } else {
                        (events_1, events_2)
                    };
                    b.events_e.push(e1);
                    b.n_e.push(total_1);
                    b.events_c.push(e2);
                    b.n_c.push(total_2);
                }
            }
            StudyData::Binary(b)
        }
    };
    StudyTable::from_parts(
        source.to_string(),
        included
            .iter()
            .map(|&i| o.studies[i].printed.name.as_str())
            .collect::<Vec<_>>()
            .into(),
        included.iter().map(|&i| o.studies[i].printed.row).collect(),
        data,
        with_subgroups.then(|| {
            included
                .iter()
                .map(|&i| o.studies[i].subgroup.to_string())
                .collect::<Vec<_>>()
                .into()
        }),
        Vec::new(),
    )
}

/// Re-runs outcome `o` (whose study rows all carry their data) as `a` asks, with the
/// effect and pooling options given; `model` picks the estimates the test for subgroup
/// differences compares and the weights reported. `source` names the file in messages.
pub fn rerun(
    source: &str,
    o: &RevManOutcome,
    a: &Analysis,
    effect: &EffectOptions,
    options: &PoolOptions,
    model: Model,
) -> Rerun {
    let arms: Vec<StudyArms> = o.studies.iter().filter_map(|s| s.arms).collect();
    let n = o.studies.len();
    let mut left_out: Vec<Option<String>> = vec![None; n];
    let mut included = Vec::new();
    if arms.len() == n {
        for (i, arm) in arms.iter().enumerate() {
            match arm.not_estimable() {
                Some(reason) => left_out[i] = Some(reason),
                None => included.push(i),
            }
        }
    }
    let with_subgroups = o.studies.iter().any(|s| s.subgroup > 0) || !o.subgroups.is_empty();
    let table = if arms.len() != n {
        Err("the study data of this outcome were not read".to_string())
    } else if included.is_empty() {
        Err("no study of the outcome has an effect to estimate".to_string())
    } else {
        study_table(source, o, a, &included, &arms, with_subgroups).map_err(|e| e.to_string())
    };
    let overall: std::result::Result<Fit, String> = table
        .as_ref()
        .map_err(Clone::clone)
        .and_then(|t| pool(t, effect, options).map_err(|e| e.to_string()));
    // Each study's row in the fit: its index in the table, then in the fit's rows.
    let mut rows: Vec<Option<usize>> = vec![None; n];
    if let Ok(fit) = &overall {
        for e in &fit.excluded {
            if let Some(&i) = included.get(e.index) {
                left_out[i] = Some(in_revman_terms(&e.reason));
            }
        }
        for (position, s) in fit.studies.iter().enumerate() {
            if let Some(&i) = included.get(s.index) {
                rows[i] = Some(position);
            }
        }
    }
    let table_index: Vec<Option<usize>> = {
        let mut t = vec![None; n];
        for (position, &i) in included.iter().enumerate() {
            t[i] = Some(position);
        }
        t
    };

    let mut numbers: Vec<u32> = o.subgroups.keys().copied().collect();
    for s in &o.studies {
        if s.subgroup > 0 && !numbers.contains(&s.subgroup) {
            numbers.push(s.subgroup);
        }
    }
    numbers.sort_unstable();
    let subgroups: Vec<RerunSubgroup> = numbers
        .into_iter()
        .map(|g| {
            let members: Vec<usize> = (0..n).filter(|&i| o.studies[i].subgroup == g).collect();
            let in_table: Vec<usize> = members.iter().filter_map(|&i| table_index[i]).collect();
            let fit = if members.is_empty() {
                Err(format!("no study row carries subgroup {g}"))
            } else if in_table.is_empty() {
                Err(format!(
                    "no study of subgroup {g} has an effect to estimate"
                ))
            } else {
                match &table {
                    Ok(t) => subset(t, &in_table)
                        .and_then(|t| pool(&t, effect, options))
                        .map_err(|e| e.to_string()),
                    Err(e) => Err(e.clone()),
                }
            };
            RerunSubgroup {
                number: g,
                members,
                fit,
            }
        })
        .collect();

    let test = if !with_subgroups {
        Ok(None)
    } else {
        let studied: Vec<&RerunSubgroup> =
            subgroups.iter().filter(|g| !g.members.is_empty()).collect();
        match studied.iter().find(|g| g.fit.is_err()) {
            Some(g) => Err(format!(
                "subgroup {} cannot be pooled ({}); how RevMan's test for subgroup \
                 differences treats it is not confirmed",
                g.number,
                g.fit.as_ref().err().map_or("", String::as_str)
            )),
            None => {
                let (estimates, se): (Vec<f64>, Vec<f64>) = studied
                    .iter()
                    .filter_map(|g| g.fit.as_ref().ok())
                    .map(|f| match (&f.random, model) {
                        (Some(r), Model::Random) => (r.pooled.estimate, r.pooled.se),
                        _ => (f.fixed.pooled.estimate, f.fixed.pooled.se),
                    })
                    .unzip();
                Ok(Some(difference_test(&estimates, &se)))
            }
        }
    };
    Rerun {
        left_out,
        overall,
        subgroups,
        test,
        model,
        rows,
    }
}
