//! Many meta-analyses in one call: one pooled row per group of a table (meta-research
//! re-analyses, simulation studies), fitted in parallel with rayon.
//!
//! Groups keep the order of their first row. A group that cannot be pooled (a single
//! double-zero study, say) gets a row with its error; the others are unaffected. Read
//! from a file by [`batch_by_row`], a bad row (a negative variance, a cell that is not
//! a number) is its group's error, naming file, row and column; the other groups are
//! pooled.

use super::subgroup::subset;
use crate::data::{GroupChunks, RejectedRow, RowChecked, RowChunk, StudyTable};
use crate::effect::EffectOptions;
use crate::effect::{compute, AddTo};
use crate::error::{Error, Result};
use crate::model::{fit_slices, pool, FixedMethod, PoolOptions, PooledEstimate, SliceFit};
use rayon::prelude::*;
use serde::Serialize;

/// One group's result; every number on the analysis scale, NaN when absent (null in
/// JSON, an empty CSV cell); ±∞ are written `Infinity` and `-Infinity` in both.
///
/// Written flat, one column a number ([`BatchRow::NUMBER_COLUMNS`]): `group`, `k`,
/// `measure`, `fixed_estimate`, `fixed_se`, `fixed_ci_lower`, `fixed_ci_upper`,
/// `fixed_p_value`, the same five for `random_`, `pi_lower`, ..., `i2_tau2`, `error`.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchRow {
    /// The group's value of the grouping column.
    pub group: String,
    /// Studies pooled.
    pub k: usize,
    /// Measure.
    pub measure: String,
    /// The fixed-effect estimate with its interval and test (`None` for a group that
    /// could not be pooled).
    pub fixed: Option<PooledEstimate>,
    /// The random-effects estimate (`None` without one).
    pub random: Option<PooledEstimate>,
    /// Lower prediction limit.
    pub pi_lower: f64,
    /// Upper prediction limit.
    pub pi_upper: f64,
    /// τ².
    pub tau2: f64,
    /// Lower Q-profile limit of τ².
    pub tau2_ci_lower: f64,
    /// Upper Q-profile limit of τ².
    pub tau2_ci_upper: f64,
    /// Cochran's Q.
    pub q: f64,
    /// Its degrees of freedom.
    pub q_df: f64,
    /// Its p-value.
    pub q_p_value: f64,
    /// I² (%) from Q.
    pub i2_q: f64,
    /// I² (%) from τ².
    pub i2_tau2: f64,
    /// The error, for a group that could not be pooled.
    pub error: Option<String>,
}

impl BatchRow {
    /// The names of the numeric columns, in the order of [`BatchRow::numbers`].
    pub const NUMBER_COLUMNS: [&'static str; 20] = [
        "fixed_estimate",
        "fixed_se",
        "fixed_ci_lower",
        "fixed_ci_upper",
        "fixed_p_value",
        "random_estimate",
        "random_se",
        "random_ci_lower",
        "random_ci_upper",
        "random_p_value",
        "pi_lower",
        "pi_upper",
        "tau2",
        "tau2_ci_lower",
        "tau2_ci_upper",
        "q",
        "q_df",
        "q_p_value",
        "i2_q",
        "i2_tau2",
    ];

    /// The numeric columns, in the order of [`BatchRow::NUMBER_COLUMNS`] (NaN for an
    /// absent estimate): the one list the JSON lines and the CSV cells are written from.
    pub fn numbers(&self) -> [f64; 20] {
        let f = self.fixed.as_ref().unwrap_or(&PooledEstimate::ABSENT);
        let r = self.random.as_ref().unwrap_or(&PooledEstimate::ABSENT);
        [
            f.estimate,
            f.se,
            f.ci_lower,
            f.ci_upper,
            f.p_value,
            r.estimate,
            r.se,
            r.ci_lower,
            r.ci_upper,
            r.p_value,
            self.pi_lower,
            self.pi_upper,
            self.tau2,
            self.tau2_ci_lower,
            self.tau2_ci_upper,
            self.q,
            self.q_df,
            self.q_p_value,
            self.i2_q,
            self.i2_tau2,
        ]
    }

    fn failed(group: String, error: &Error) -> Self {
        let nan = f64::NAN;
        BatchRow {
            group,
            k: 0,
            measure: String::new(),
            fixed: None,
            random: None,
            pi_lower: nan,
            pi_upper: nan,
            tau2: nan,
            tau2_ci_lower: nan,
            tau2_ci_upper: nan,
            q: nan,
            q_df: nan,
            q_p_value: nan,
            i2_q: nan,
            i2_tau2: nan,
            error: Some(error.to_string()),
        }
    }

    /// A row from a fit: the fixed-effect estimate, the random part and the
    /// heterogeneity statistics.
    fn fitted(
        group: String,
        measure: &str,
        k: usize,
        fixed: &PooledEstimate,
        random: Option<&crate::model::RandomFit>,
        h: &crate::heterogeneity::Heterogeneity,
    ) -> Self {
        let (pi_lower, pi_upper) =
            random.map_or((f64::NAN, f64::NAN), |r| (r.pi_lower, r.pi_upper));
        BatchRow {
            group,
            k,
            measure: measure.to_string(),
            fixed: Some(fixed.clone()),
            random: random.map(|r| r.pooled.clone()),
            pi_lower,
            pi_upper,
            tau2: h.tau2,
            tau2_ci_lower: h.tau2_ci_lower,
            tau2_ci_upper: h.tau2_ci_upper,
            q: h.q,
            q_df: h.df,
            q_p_value: h.p_value,
            i2_q: h.i2_q,
            i2_tau2: h.i2_tau2,
            error: None,
        }
    }
}

impl Serialize for BatchRow {
    /// Flat, as the CSV: `group`, `k`, `measure`, the [`BatchRow::NUMBER_COLUMNS`],
    /// `error`.
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(Self::NUMBER_COLUMNS.len() + 4))?;
        map.serialize_entry("group", &self.group)?;
        map.serialize_entry("k", &self.k)?;
        map.serialize_entry("measure", &self.measure)?;
        for (name, x) in Self::NUMBER_COLUMNS.iter().zip(self.numbers()) {
            map.serialize_entry(name, &x)?;
        }
        map.serialize_entry("error", &self.error)?;
        map.end()
    }
}

/// The groups of a table by the values of `column`, in order of first appearance:
/// (value, row indices).
///
/// # Errors
/// [`Error::Input`] naming the column when the table has none of that name.
pub fn groups(table: &StudyTable, column: &str) -> Result<Vec<(String, Vec<usize>)>> {
    let values: &crate::data::Texts = if column.trim().eq_ignore_ascii_case("subgroup") {
        table.subgroup.as_ref()
    } else if column.trim().eq_ignore_ascii_case("study") {
        Some(&table.labels)
    } else {
        table.covariate(column).map(|c| &c.values)
    }
    .ok_or_else(|| crate::data::no_group_column(&table.source, column))?;
    let mut order: Vec<(String, Vec<usize>)> = Vec::new();
    let mut position = rustc_hash::FxHashMap::default();
    for (i, v) in values.iter().enumerate() {
        let slot = *position.entry(v).or_insert_with(|| {
            order.push((v.to_owned(), Vec::new()));
            order.len() - 1
        });
        order[slot].1.push(i);
    }
    Ok(order)
}

/// Pools many meta-analyses given as one struct-of-arrays: the effects of meta-analysis
/// `g` are `yi[offsets[g]..offsets[g + 1]]` with variances from `vi`. Inverse-variance
/// pooling by [`fit_slices`], in parallel, with no allocation per iteration.
///
/// # Errors
/// [`Error::InvalidArgument`] when the offsets do not describe slices of `yi`; the
/// results of single meta-analyses carry their own errors.
pub fn fit_many(
    yi: &[f64],
    vi: &[f64],
    offsets: &[usize],
    options: &PoolOptions,
) -> Result<Vec<Result<SliceFit>>> {
    let valid = yi.len() == vi.len()
        && offsets.first() == Some(&0)
        && offsets.last() == Some(&yi.len())
        && offsets.windows(2).all(|w| w[0] <= w[1]);
    if !valid {
        return Err(Error::InvalidArgument(
            "offsets must start at 0, end at the number of effects and never decrease".into(),
        ));
    }
    Ok(offsets
        .par_windows(2)
        .map(|w| fit_slices(&yi[w[0]..w[1]], &vi[w[0]..w[1]], options))
        .collect())
}

fn row_from_slices(group: String, measure: &str, fit: Result<SliceFit>) -> BatchRow {
    match fit {
        Err(e) => BatchRow::failed(group, &e),
        Ok(fit) => {
            let k = (fit.heterogeneity.df + 1.0) as usize;
            BatchRow::fitted(
                group,
                measure,
                k,
                &fit.fixed.pooled,
                fit.random.as_ref(),
                &fit.heterogeneity,
            )
        }
    }
}

/// Pools every group of `table` by `column`, in parallel; `progress` is called once
/// per finished group (from any thread).
///
/// Inverse-variance analyses whose zero-cell rule does not depend on the other studies
/// (every rule but `if0all`) take the struct-of-arrays path of [`fit_many`]: the effects
/// of the whole table are computed once and each group is pooled from its slice.
/// Mantel-Haenszel, Peto and `if0all` analyses pool each group's own table.
///
/// # Errors
/// As [`groups`]; errors of single groups are reported in their rows instead.
pub fn batch(
    table: &StudyTable,
    column: &str,
    effect: &EffectOptions,
    options: &PoolOptions,
    progress: &(dyn Fn() + Sync),
) -> Result<Vec<BatchRow>> {
    let groups = groups(table, column)?;
    let whole = (options.fixed == FixedMethod::InverseVariance
        && effect.zero_cell.add_to != AddTo::If0All)
        .then(|| compute(table, effect).ok())
        .flatten();
    if let Some(effects) = whole {
        let measure = effects.measure.name();
        // position of each table row among the effects (excluded rows have none)
        let mut at = vec![usize::MAX; table.k()];
        for (j, &i) in effects.index.iter().enumerate() {
            at[i] = j;
        }
        let (mut yi, mut vi, mut offsets) = (
            Vec::with_capacity(effects.k()),
            Vec::with_capacity(effects.k()),
            vec![0],
        );
        for (_, idx) in &groups {
            for &i in idx {
                if at[i] != usize::MAX {
                    yi.push(effects.yi[at[i]]);
                    vi.push(effects.vi[at[i]]);
                }
            }
            offsets.push(yi.len());
        }
        let fits = fit_many(&yi, &vi, &offsets, options)?;
        return Ok(groups
            .into_iter()
            .zip(fits)
            .map(|((group, idx), fit)| {
                progress();
                match fit {
                    // The group's own table names the file, row and study of the error.
                    Err(_) => pool_group(table, group, &idx, effect, options),
                    fit => row_from_slices(group, measure, fit),
                }
            })
            .collect());
    }
    Ok(groups
        .into_par_iter()
        .map(|(group, idx)| {
            let row = pool_group(table, group, &idx, effect, options);
            progress();
            row
        })
        .collect())
}

/// The row of one group pooled from its own table (rows `idx` of `table`).
fn pool_group(
    table: &StudyTable,
    group: String,
    idx: &[usize],
    effect: &EffectOptions,
    options: &PoolOptions,
) -> BatchRow {
    subset(table, idx)
        .and_then(|t| pool(&t, effect, options))
        .map(|fit| {
            BatchRow::fitted(
                group.clone(),
                fit.measure.name(),
                fit.k,
                &fit.fixed.pooled,
                fit.random.as_ref(),
                &fit.heterogeneity,
            )
        })
        .unwrap_or_else(|e| BatchRow::failed(group, &e))
}

/// [`batch`] on a table read row by row ([`crate::data::read_csv_path_by_row`]): a
/// group with a rejected row gets that row's error (the first, if several) and is not
/// pooled; the others are pooled as [`batch`] pools them. Groups keep the order of
/// their first row in the file, rejected rows included.
///
/// # Errors
/// As [`groups`] (no column of that name).
pub fn batch_by_row(
    checked: &RowChecked,
    column: &str,
    effect: &EffectOptions,
    options: &PoolOptions,
    progress: &(dyn Fn() + Sync),
) -> Result<Vec<BatchRow>> {
    pool_rows(
        Some(&checked.table),
        &checked.rejected,
        column,
        effect,
        options,
        progress,
    )
}

/// The counts of a batch pooled chunk by chunk ([`batch_chunks`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BatchCounts {
    /// Groups, one row each.
    pub groups: usize,
    /// Groups that could not be pooled (a row with an error).
    pub failed: usize,
}

/// [`batch_by_row`] of a file read in chunks of whole groups
/// ([`crate::data::read_csv_groups`]): each chunk is pooled (its groups in parallel) and
/// handed to `write` in file order, so that memory holds one chunk at a time. Every
/// group must come in one chunk, as it does when its rows are consecutive
/// ([`crate::data::group_runs`]); a group in two chunks would be pooled twice, in two
/// parts. Rows are held back until the file has shown one valid row, so that a file
/// whose every row is rejected writes nothing and fails as [`batch_by_row`]'s reading
/// does.
///
/// # Errors
/// As [`GroupChunks::next_chunk`] (a problem of the whole file ends the batch at its
/// row) and [`groups`]; the error of the first rejected row when every row is
/// rejected; the errors of `write`.
pub fn batch_chunks<R: std::io::Read + Send>(
    chunks: &mut GroupChunks<R>,
    column: &str,
    effect: &EffectOptions,
    options: &PoolOptions,
    progress: &(dyn Fn() + Sync),
    write: &mut dyn FnMut(&[BatchRow]) -> Result<()>,
) -> Result<BatchCounts> {
    let mut counts = BatchCounts::default();
    let mut held: Vec<BatchRow> = Vec::new();
    let mut first_error = None;
    let mut valid_seen = false;
    // The next chunk is read while this one is pooled and written.
    std::thread::scope(|scope| {
        let (send, chunks_read) = std::sync::mpsc::sync_channel(1);
        scope.spawn(move || {
            while let Some(next) = chunks.next_chunk().transpose() {
                let failed = next.is_err();
                // The receiver is gone when pooling stopped at an error.
                if send.send(next).is_err() || failed {
                    break;
                }
            }
        });
        for chunk in chunks_read {
            let chunk: RowChunk = chunk?;
            valid_seen |= chunk.table.is_some();
            let rows = pool_rows(
                chunk.table.as_ref(),
                &chunk.rejected,
                column,
                effect,
                options,
                progress,
            )?;
            if first_error.is_none() {
                first_error = chunk.rejected.into_iter().next().map(|r| r.error);
            }
            counts.groups += rows.len();
            counts.failed += rows.iter().filter(|r| r.error.is_some()).count();
            if valid_seen {
                if !held.is_empty() {
                    write(&held)?;
                    held = Vec::new();
                }
                write(&rows)?;
            } else {
                held.extend(rows);
            }
        }
        match first_error.take() {
            Some(e) if !valid_seen => Err(e),
            _ => Ok(counts),
        }
    })
}

/// The rows of a chunk: the groups of its valid rows (`table`) and of its rejected
/// rows, in the order of their first row.
fn pool_rows(
    table: Option<&StudyTable>,
    rejected: &[RejectedRow],
    column: &str,
    effect: &EffectOptions,
    options: &PoolOptions,
    progress: &(dyn Fn() + Sync),
) -> Result<Vec<BatchRow>> {
    if rejected.is_empty() {
        // Every group is pooled, in the order of its first row: `batch`'s order.
        return table.map_or(Ok(Vec::new()), |table| {
            batch(table, column, effect, options, progress)
        });
    }
    let valid_groups = match table {
        Some(table) => groups(table, column)?,
        None => Vec::new(),
    };
    let (order, failed) = group_order(table, rejected, column, &valid_groups);
    let good: Vec<usize> = valid_groups
        .iter()
        .filter(|(g, _)| !failed.contains_key(g))
        .flat_map(|(_, idx)| idx.iter().copied())
        .collect();
    let mut pooled: std::collections::HashMap<String, BatchRow> = match table {
        Some(table) if !good.is_empty() => {
            batch(&subset(table, &good)?, column, effect, options, progress)?
                .into_iter()
                .map(|row| (row.group.clone(), row))
                .collect()
        }
        _ => Default::default(),
    };
    Ok(order
        .into_iter()
        .map(|g| match failed.get(&g) {
            Some(e) => {
                progress();
                BatchRow::failed(g, e)
            }
            None => pooled
                .remove(&g)
                .unwrap_or_else(|| BatchRow::failed(g, &Error::Degenerate("no study".into()))),
        })
        .collect())
}

/// The number of groups of a table read row by row, rejected rows included: the rows
/// [`batch_by_row`] returns.
///
/// # Errors
/// As [`groups`].
pub fn group_count(checked: &RowChecked, column: &str) -> Result<usize> {
    let valid_groups = groups(&checked.table, column)?;
    Ok(group_order(
        Some(&checked.table),
        &checked.rejected,
        column,
        &valid_groups,
    )
    .0
    .len())
}

/// The groups in the order of their first row in the file, and the first rejected row's
/// error of each group that has one.
fn group_order<'a>(
    table: Option<&StudyTable>,
    rejected: &'a [RejectedRow],
    column: &str,
    valid_groups: &[(String, Vec<usize>)],
) -> (Vec<String>, std::collections::HashMap<String, &'a Error>) {
    let name = column.trim();
    let group_of = |r: &RejectedRow| -> String {
        if name.eq_ignore_ascii_case("subgroup") {
            r.subgroup.clone().unwrap_or_default()
        } else if name.eq_ignore_ascii_case("study") {
            r.label.clone()
        } else {
            r.covariates
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        }
    };
    // Each group: its first row number and its first rejected row.
    let mut order: Vec<(usize, String)> = match table {
        Some(table) => valid_groups
            .iter()
            .map(|(g, idx)| (table.rows[idx[0]], g.clone()))
            .collect(),
        None => Vec::new(),
    };
    let mut position: std::collections::HashMap<String, usize> = order
        .iter()
        .enumerate()
        .map(|(i, (_, g))| (g.clone(), i))
        .collect();
    let mut failed: std::collections::HashMap<String, &Error> = Default::default();
    for r in rejected {
        let g = group_of(r);
        match position.get(&g) {
            Some(&i) => order[i].0 = order[i].0.min(r.row),
            None => {
                position.insert(g.clone(), order.len());
                order.push((r.row, g.clone()));
            }
        }
        failed.entry(g).or_insert(&r.error);
    }
    order.sort_by_key(|(first, _)| *first);
    (order.into_iter().map(|(_, g)| g).collect(), failed)
}

/// The warning of a batch some of whose groups could not be pooled: how many, of how
/// many, and where their errors are; `None` when every group was pooled.
pub fn failed_groups_warning(counts: BatchCounts) -> Option<String> {
    let BatchCounts { groups, failed } = counts;
    (failed > 0)
        .then(|| format!("{failed} of {groups} groups could not be pooled (see the error column)"))
}
