//! Subgroup analysis: a pooled estimate per subgroup, and the test for subgroup
//! differences as RevMan and meta report it.
//!
//! Each subgroup is pooled on its own with the options of the overall analysis (so with
//! random effects each subgroup has its own τ², RevMan's default). The test for subgroup
//! differences treats the subgroup estimates θ_g with standard errors s_g as studies:
//! Q_between = Σ (θ_g − θ̄)²/s_g², θ̄ = Σ(θ_g/s_g²)/Σ(1/s_g²), df = G − 1, p from χ²_df,
//! I² = max(0, (Q − df)/Q) (Borenstein et al. 2009, ch. 19; Deeks & Higgins,
//! *Statistical algorithms in Review Manager 5*). With fixed-effect inverse-variance
//! estimates Q_between equals metafor's QM for `mods = ~ factor(subgroup)`,
//! `method = "FE"`.

use crate::data::StudyTable;
use crate::distribution::chisq_sf;
use crate::effect::EffectOptions;
use crate::error::{Error, Result};
use crate::heterogeneity::i2_from_q;
use crate::model::{pool, Fit, PoolOptions};
use crate::weighted::cochran_q;
use serde::Serialize;

/// The rows `indices` of a table, in that order.
///
/// # Errors
/// [`Error::Input`] when no index is given (an empty table); [`Error::InvalidArgument`]
/// for an index out of range.
pub fn subset(table: &StudyTable, indices: &[usize]) -> Result<StudyTable> {
    if let Some(&i) = indices.iter().find(|&&i| i >= table.k()) {
        return Err(Error::InvalidArgument(format!(
            "study index {i} is out of range: the table has {} studies (0 to {})",
            table.k(),
            table.k().saturating_sub(1)
        )));
    }
    let data = table.data.select(indices);
    StudyTable::from_parts(
        table.source.clone(),
        table.labels.select(indices),
        indices.iter().map(|&i| table.rows[i]).collect(),
        data,
        table.subgroup.as_ref().map(|s| s.select(indices)),
        table
            .covariates
            .iter()
            .map(|c| crate::data::Covariate {
                name: c.name.clone(),
                values: c.values.select(indices),
            })
            .collect(),
    )
}

/// The test for subgroup differences.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SubgroupTest {
    /// Q between subgroups.
    pub q: f64,
    /// Degrees of freedom, G − 1.
    pub df: f64,
    /// P-value (upper tail of χ²_df).
    pub p_value: f64,
    /// I² (%) of the subgroup estimates.
    pub i2: f64,
}

/// One subgroup's fit; its study indices refer to the whole table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SubgroupFit {
    /// The subgroup label.
    pub subgroup: String,
    /// Its pooled analysis.
    pub fit: Fit,
}

/// A subgroup that could not be pooled (no study in it has an estimable effect, or
/// its fit has no answer): RevMan prints such a subgroup as "Not estimable".
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NotPooled {
    /// The subgroup label.
    pub subgroup: String,
    /// Its number of studies in the input.
    pub k_all: usize,
    /// Why it could not be pooled.
    pub reason: String,
}

/// A subgroup analysis.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SubgroupAnalysis {
    /// All studies together.
    pub overall: Fit,
    /// Each subgroup that could be pooled, in order of first appearance.
    pub groups: Vec<SubgroupFit>,
    /// The subgroups that could not be pooled, in order of first appearance; the tests
    /// for subgroup differences leave them out.
    pub not_pooled: Vec<NotPooled>,
    /// Test for differences between the fixed-effect subgroup estimates.
    pub test_fixed: SubgroupTest,
    /// Test for differences between the random-effects subgroup estimates.
    pub test_random: Option<SubgroupTest>,
    /// What the reader should know of the subgrouping: studies with an empty subgroup
    /// label (they form a subgroup of their own, whose name is the empty text).
    pub warnings: Vec<String>,
}

/// The test for differences among estimates with standard errors.
pub fn difference_test(estimates: &[f64], se: &[f64]) -> SubgroupTest {
    let vi: Vec<f64> = se.iter().map(|s| s * s).collect();
    let (sw, swy) = vi
        .iter()
        .zip(estimates)
        .fold((0.0, 0.0), |(a, b), (v, y)| (a + 1.0 / v, b + y / v));
    let q = cochran_q(estimates, &vi, swy / sw);
    let df = estimates.len() as f64 - 1.0;
    SubgroupTest {
        q,
        df,
        p_value: if df > 0.0 { chisq_sf(q, df) } else { f64::NAN },
        i2: i2_from_q(q, df),
    }
}

/// Pools every subgroup of `table` (its `subgroup` column) and the whole table, and tests
/// for subgroup differences.
///
/// A subgroup that cannot be pooled (every study in it excluded, say double-zero
/// studies for a ratio measure) is listed in [`SubgroupAnalysis::not_pooled`] with the
/// reason, and the others are pooled and tested without it.
///
/// # Errors
/// [`Error::InvalidArgument`] when the table has no `subgroup` column; as [`pool`] when
/// all studies together cannot be pooled.
pub fn subgroups(
    table: &StudyTable,
    effect: &EffectOptions,
    options: &PoolOptions,
) -> Result<SubgroupAnalysis> {
    let labels = table
        .subgroup
        .as_ref()
        .ok_or_else(|| Error::InvalidArgument(format!("{}: no 'subgroup' column", table.source)))?;
    // The subgroups in order of first appearance, with their studies.
    let mut order: Vec<&str> = Vec::new();
    let mut members: std::collections::HashMap<&str, Vec<usize>> = std::collections::HashMap::new();
    for (i, l) in labels.iter().enumerate() {
        members
            .entry(l)
            .or_insert_with(|| {
                order.push(l);
                Vec::new()
            })
            .push(i);
    }
    let overall = pool(table, effect, options)?;
    let mut groups = Vec::with_capacity(order.len());
    let mut not_pooled = Vec::new();
    for name in order {
        let idx = members.remove(name).unwrap_or_default();
        let mut fit = match pool(&subset(table, &idx)?, effect, options) {
            Ok(fit) => fit,
            Err(e) => {
                not_pooled.push(NotPooled {
                    subgroup: name.to_string(),
                    k_all: idx.len(),
                    reason: e.to_string(),
                });
                continue;
            }
        };
        // Study indices refer to the whole table, not to the subset.
        fit.studies.reindex(&idx);
        for e in &mut fit.excluded {
            e.index = idx[e.index];
        }
        groups.push(SubgroupFit {
            subgroup: name.to_string(),
            fit,
        });
    }
    let fixed: (Vec<f64>, Vec<f64>) = groups
        .iter()
        .map(|g| (g.fit.fixed.pooled.estimate, g.fit.fixed.pooled.se))
        .unzip();
    let test_fixed = difference_test(&fixed.0, &fixed.1);
    let test_random = if groups.iter().all(|g| g.fit.random.is_some()) {
        let random: (Vec<f64>, Vec<f64>) = groups
            .iter()
            .filter_map(|g| {
                g.fit
                    .random
                    .as_ref()
                    .map(|r| (r.pooled.estimate, r.pooled.se))
            })
            .unzip();
        Some(difference_test(&random.0, &random.1))
    } else {
        None
    };
    let unlabelled: Vec<usize> = (0..table.k())
        .filter(|&i| labels[i].trim().is_empty())
        .collect();
    let mut warnings = Vec::new();
    if let Some(&first) = unlabelled.first() {
        warnings.push(format!(
            "{}, row {} (the subgroup column): {} {} an empty subgroup label; {} a subgroup of \
             {} own, named '' (in the CSV output its rows have an empty subgroup, as the rows \
             of all studies do)",
            table.source,
            table.rows[first],
            unlabelled.len(),
            if unlabelled.len() == 1 {
                "study has"
            } else {
                "studies have"
            },
            if unlabelled.len() == 1 {
                "it forms"
            } else {
                "they form"
            },
            if unlabelled.len() == 1 {
                "its"
            } else {
                "their"
            },
        ));
    }
    Ok(SubgroupAnalysis {
        overall,
        groups,
        not_pooled,
        test_fixed,
        test_random,
        warnings,
    })
}

/// Makes the column `column` the table's subgroup column (`subgroup` itself is already
/// one).
///
/// # Errors
/// [`Error::Input`] naming the column when the table has no such column.
pub fn use_column_as_subgroup(table: &mut StudyTable, column: &str) -> Result<()> {
    if column.trim().eq_ignore_ascii_case("subgroup") && table.subgroup.is_some() {
        return Ok(());
    }
    let values = table
        .covariate(column)
        .ok_or_else(|| {
            Error::input(
                &table.source,
                Some(1),
                Some(column),
                format!("no column named '{column}' to form subgroups"),
            )
        })?
        .values
        .clone();
    table.subgroup = Some(values);
    Ok(())
}
