//! The commands of `metapool`, one request type and one result type each: a request
//! holds what the command line gives (with the `cli` feature it is the `clap::Args` of
//! the subcommand, each field's documentation its help), its `run` reads the input,
//! resolves the options, runs the analysis and writes the plots asked for, and the
//! result writes itself in the formats the command offers ([`Report`]). The binary is
//! argument parsing and nothing else.
//!
//! ```no_run
//! use metapool::command::{PoolArgs, Quiet, TableInput};
//! use metapool::report::{FitFormat, Report};
//!
//! let args = PoolArgs::new(TableInput::new("trials.csv"));
//! let report = args.run(&Quiet)?;
//! report.write(FitFormat::Json, &mut std::io::stdout())?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use crate::analysis::bias::{self, MissingEstimator, Side, SmallStudyEffects, TrimFillOptions};
use crate::analysis::regression::{self, PermutationOptions, PermutationTest, Regression};
use crate::analysis::sensitivity::{self, Sensitivity};
use crate::analysis::{batch, subgroup};
use crate::data::{InputLimits, StudyTable};
use crate::effect::{EffectOptions, Effects, Measure};
use crate::error::{Error, Result};
use crate::model::{Fit, PoolOptions};
use crate::profile::{Overrides, Profile};
use crate::report::{self, json, BatchFormat, FitFormat, Report, ReportFormat};
#[cfg(feature = "cli")]
use crate::spelling::parser;
use serde::Serialize;
use std::io::Write;
use std::path::PathBuf;

/// What a command tells its caller while it runs: warnings as they arise, and the
/// progress of its long steps. `step` may be called from several threads at once.
pub trait Progress: Sync {
    /// A warning about the data or the analysis (without a `warning:` prefix).
    fn warning(&self, message: &str);

    /// `steps` steps of work begin; `worth_showing` when they may take over a second.
    fn begin(&self, steps: usize, worth_showing: bool) {
        let _ = (steps, worth_showing);
    }

    /// One step of the work begun is done.
    fn step(&self) {}

    /// The work begun is done.
    fn end(&self) {}

    /// Each of `messages` as a [`Progress::warning`].
    fn warnings(&self, messages: &[String]) {
        for m in messages {
            self.warning(m);
        }
    }
}

/// A [`Progress`] that shows nothing (a fit, the small-study analyses, a regression, a
/// sensitivity analysis and a RevMan audit also carry their warnings).
#[derive(Debug, Clone, Copy, Default)]
pub struct Quiet;

impl Progress for Quiet {
    fn warning(&self, _: &str) {}
}

/// A study table file, the profile whose conventions apply to it and the limits on
/// reading it.
#[derive(Debug, Clone)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
#[non_exhaustive]
pub struct TableFile {
    /// The study table (CSV; layouts in the README).
    pub file: PathBuf,
    /// Bundle of defaults: the conventions of metafor, RevMan 5 or RevMan Web (each
    /// option below says what it sets).
    #[cfg_attr(
        feature = "cli",
        arg(long, default_value = "metafor", value_parser = parser::<Profile>())
    )]
    pub profile: Profile,
    /// The limits on the input file.
    #[cfg_attr(feature = "cli", command(flatten))]
    pub limits: InputLimits,
}

impl TableFile {
    /// The table `file` with metafor's defaults and the default input limits.
    pub fn new(file: impl Into<PathBuf>) -> Self {
        TableFile {
            file: file.into(),
            profile: Profile::Metafor,
            limits: InputLimits::DEFAULT,
        }
    }
}

/// A study table and the options of its analysis: the file with its profile and
/// limits, and the options given on top of the profile.
#[derive(Debug, Clone)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
#[non_exhaustive]
pub struct TableInput {
    /// The table, its profile and the limits on reading it.
    #[cfg_attr(feature = "cli", command(flatten))]
    pub table: TableFile,
    /// Options given one by one on top of the profile.
    #[cfg_attr(feature = "cli", command(flatten))]
    pub overrides: Overrides,
}

impl TableInput {
    /// The table `file` with metafor's defaults and the default input limits.
    pub fn new(file: impl Into<PathBuf>) -> Self {
        TableInput {
            table: TableFile::new(file),
            overrides: Overrides::default(),
        }
    }

    /// Reads the table and resolves the profile with the overrides on top of it.
    ///
    /// # Errors
    /// As [`crate::data::read_csv_path_within`].
    pub fn read(&self) -> Result<(StudyTable, EffectOptions, PoolOptions)> {
        self.resolve(self.read_table()?)
    }

    /// Reads the table of the file, within the limits.
    ///
    /// # Errors
    /// As [`crate::data::read_csv_path_within`].
    pub fn read_table(&self) -> Result<StudyTable> {
        crate::data::read_csv_path_within(&self.table.file, &self.table.limits)
    }

    /// The options of the profile with the overrides on top of it, for `table` (read
    /// from the file, or a table built in memory that stands for it).
    ///
    /// # Errors
    /// None today; the signature keeps the reading steps alike.
    pub fn resolve(&self, table: StudyTable) -> Result<(StudyTable, EffectOptions, PoolOptions)> {
        let (effect, pool) = self
            .table
            .profile
            .resolve(table.data_type(), &self.overrides);
        Ok((table, effect, pool))
    }

    /// [`TableInput::read`], and the study effects of the inverse-variance analysis
    /// `analysis` ([`crate::analysis::inverse_variance_effects`]).
    ///
    /// # Errors
    /// As [`TableInput::read`] and [`crate::analysis::inverse_variance_effects`].
    pub fn read_effects(
        &self,
        analysis: &str,
    ) -> Result<(StudyTable, EffectOptions, PoolOptions, Effects)> {
        self.effects_of(self.read_table()?, analysis)
    }

    /// [`TableInput::resolve`] of `table`, and the study effects of the inverse-variance
    /// analysis `analysis`.
    ///
    /// # Errors
    /// As [`crate::analysis::inverse_variance_effects`].
    pub fn effects_of(
        &self,
        table: StudyTable,
        analysis: &str,
    ) -> Result<(StudyTable, EffectOptions, PoolOptions, Effects)> {
        let (table, effect, options) = self.resolve(table)?;
        let effects =
            crate::analysis::inverse_variance_effects(analysis, &table, &effect, &options)?;
        Ok((table, effect, options, effects))
    }

    /// The warnings for options given that `analysis` has no use for (`unused`, among
    /// the flags of [`Overrides::flags_given`]). They are not errors, as the options are
    /// shared with `pool`, but a user who asked for them is told they changed nothing.
    pub fn unused_options(&self, analysis: &str, unused: &[&str]) -> Vec<String> {
        self.overrides
            .flags_given()
            .into_iter()
            .filter(|flag| unused.contains(flag))
            .map(|flag| format!("{flag} has no effect on `{analysis}`"))
            .collect()
    }
}

/// The options a meta-regression and a sensitivity analysis have no use for: they report
/// no prediction interval and no interval of I².
const NO_PI_OR_I2_CI: &[&str] = &["--pi", "--i2-ci"];

/// The options that only pooling uses, of no use to `metapool effects`, which writes the
/// study effects yi and vi (the fixed-effect method stays: with metafor's conventions,
/// Mantel-Haenszel and Peto drop double-zero studies from the effects too).
const POOLING_ONLY: &[&str] = &[
    "--tau2",
    "--ci",
    "--pi",
    "--i2-ci",
    "--level",
    "--rd-variance",
    "--mh-cells",
];

/// `metapool pool`: fixed and random effects and heterogeneity of a study table, by
/// subgroup on request, with forest and funnel plots.
#[derive(Debug, Clone)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
#[non_exhaustive]
pub struct PoolArgs {
    /// The table and its options.
    #[cfg_attr(feature = "cli", command(flatten))]
    pub input: TableInput,
    /// Output format.
    #[cfg_attr(feature = "cli", arg(long, value_parser = parser::<FitFormat>(), default_value_t))]
    pub format: FitFormat,
    /// Pool by subgroup: the column whose values name the subgroups (usually `subgroup`).
    #[cfg_attr(feature = "cli", arg(long))]
    pub subgroup: Option<String>,
    /// Write a forest plot (SVG) to this file.
    #[cfg_attr(feature = "cli", arg(long))]
    pub forest: Option<PathBuf>,
    /// Write a funnel plot (SVG) to this file.
    #[cfg_attr(feature = "cli", arg(long))]
    pub funnel: Option<PathBuf>,
    /// Study rows in the output: all or none [default: all up to 10000 studies, none
    /// above, with a warning].
    #[cfg_attr(feature = "cli", arg(long, value_parser = parser::<report::Studies>()))]
    pub studies: Option<report::Studies>,
}

/// The result of [`PoolArgs::run`]: the table, its fit and its subgroups.
#[derive(Debug, Clone)]
pub struct PoolReport {
    /// The study table (its subgroup column set when pooled by subgroup); `None` when
    /// the studies were pooled from their columns without rows
    /// ([`PoolArgs::run_yi_vi`]).
    pub table: Option<StudyTable>,
    /// The input's name in messages and reports.
    pub source: String,
    /// The fit of all studies.
    pub fit: Fit,
    /// The subgroup analysis, when asked for.
    pub subgroups: Option<subgroup::SubgroupAnalysis>,
}

impl PoolArgs {
    /// Pooling of `input` with the default format and no subgroups or plots.
    pub fn new(input: TableInput) -> Self {
        PoolArgs {
            input,
            format: FitFormat::Text,
            subgroup: None,
            forest: None,
            funnel: None,
            studies: None,
        }
    }

    /// Pools the table (and its subgroups), warns of what the fit warns about and of
    /// each subgroup that could not be pooled, and writes the plots asked for.
    ///
    /// # Errors
    /// As [`crate::model::pool`] and [`subgroup::subgroups`];
    /// [`Error::InvalidArgument`] when the two plots name one file or a plot names the
    /// input; [`Error::Write`] when a plot cannot be written.
    pub fn run(&self, progress: &dyn Progress) -> Result<PoolReport> {
        self.run_table(self.input.read_table()?, progress)
    }

    /// [`PoolArgs::run`] on `table` in place of the file's (a table built in memory;
    /// the file still names the input that the plots must not overwrite).
    ///
    /// # Errors
    /// As [`PoolArgs::run`], reading aside.
    pub fn run_table(&self, table: StudyTable, progress: &dyn Progress) -> Result<PoolReport> {
        let (mut table, effect, options) = self.input.resolve(table)?;
        let fit = crate::model::pool(&table, &effect, &options)?;
        progress.warnings(&fit.warnings);
        let subgroups = match &self.subgroup {
            Some(column) => {
                subgroup::use_column_as_subgroup(&mut table, column)?;
                let sg = subgroup::subgroups(&table, &effect, &options)?;
                progress.warnings(&sg.warnings);
                for u in &sg.not_pooled {
                    progress.warning(&format!(
                        "subgroup '{}' ({} studies) could not be pooled: {}",
                        u.subgroup, u.k_all, u.reason
                    ));
                }
                Some(sg)
            }
            None => None,
        };
        let inputs = [self.input.table.file.as_path()];
        if let (Some(forest), Some(funnel)) = (&self.forest, &self.funnel) {
            if report::same_target(forest, funnel) {
                return Err(Error::InvalidArgument(format!(
                    "--forest and --funnel both name {}: one plot would overwrite the \
                     other; give two files",
                    funnel.display()
                )));
            }
        }
        if let Some(path) = &self.forest {
            let svg = report::svg::forest(&table, &fit, subgroups.as_ref());
            report::write_file(path, svg.as_bytes(), &inputs)?;
        }
        if let Some(path) = &self.funnel {
            let svg = report::svg::funnel(&fit, None);
            report::write_file(path, svg.as_bytes(), &inputs)?;
        }
        // The plots have drawn every study; the report writes the rows asked for.
        let (mut fit, mut subgroups) = (fit, subgroups);
        if self.studies_written(fit.k, progress) == report::Studies::None {
            fit.studies.clear();
            if let Some(sg) = &mut subgroups {
                sg.overall.studies.clear();
                for g in &mut sg.groups {
                    g.fit.studies.clear();
                }
            }
        }
        Ok(PoolReport {
            source: table.source.clone(),
            table: Some(table),
            fit,
            subgroups,
        })
    }

    /// The study rows the report of k studies writes: `--studies`, or by default all
    /// up to [`report::Studies::SHOWN_UP_TO`] and none above, with a warning.
    fn studies_written(&self, k: usize, progress: &dyn Progress) -> report::Studies {
        self.studies.unwrap_or_else(|| {
            if k <= report::Studies::SHOWN_UP_TO {
                report::Studies::All
            } else {
                progress.warning(&format!(
                    "{k} studies: the study rows are left out of the output (more than \
                     {}); --studies all writes them",
                    report::Studies::SHOWN_UP_TO
                ));
                report::Studies::None
            }
        })
    }

    /// [`PoolArgs::run_table`] of a `yi,vi` table given as its two columns, study i in
    /// row i + 2 of the input (`self.input`'s name) and labelled i + 1, as
    /// [`StudyTable::numbered`]. Where the report leaves the study rows out and there
    /// are no subgroups or plots, the studies are pooled in place
    /// ([`crate::model::pool_yi_vi_without_rows`]: same numbers, warnings and errors,
    /// no copy of the columns); otherwise the columns are copied into a table.
    ///
    /// # Errors
    /// As [`PoolArgs::run_table`].
    pub fn run_yi_vi(&self, yi: &[f64], vi: &[f64], progress: &dyn Progress) -> Result<PoolReport> {
        let source = self.input.table.file.display().to_string();
        let in_place = self.subgroup.is_none() && self.forest.is_none() && self.funnel.is_none();
        let rows_left_out = match self.studies {
            Some(studies) => studies == report::Studies::None,
            None => yi.len() > report::Studies::SHOWN_UP_TO,
        };
        if !(in_place && rows_left_out) {
            let data = crate::data::StudyData::GenericVariance {
                yi: yi.to_vec(),
                vi: vi.to_vec(),
            };
            return self.run_table(StudyTable::numbered(source, data)?, progress);
        }
        let (effect, options) = self.input.table.profile.resolve(
            crate::data::DataType::GenericVariance,
            &self.input.overrides,
        );
        let fit = crate::model::pool_yi_vi_without_rows(&source, yi, vi, &effect, &options)?;
        progress.warnings(&fit.warnings);
        self.studies_written(fit.k, progress);
        Ok(PoolReport {
            table: None,
            source,
            fit,
            subgroups: None,
        })
    }
}

impl Report for PoolReport {
    type Format = FitFormat;

    fn write(&self, format: FitFormat, out: &mut dyn Write) -> std::io::Result<()> {
        match format {
            FitFormat::Text => {
                report::text::write_fit_of(out, &self.source, self.table.as_ref(), &self.fit)?;
                match &self.subgroups {
                    Some(sg) => report::text::write_subgroups(out, sg),
                    None => Ok(()),
                }
            }
            FitFormat::Json => {
                /// The fit with its subgroups, in the fit's own key order.
                #[derive(Serialize)]
                struct PoolJson<'a> {
                    #[serde(flatten)]
                    fit: &'a Fit,
                    #[serde(skip_serializing_if = "Option::is_none")]
                    subgroups: Option<&'a subgroup::SubgroupAnalysis>,
                }
                let doc = PoolJson {
                    fit: &self.fit,
                    subgroups: self.subgroups.as_ref(),
                };
                json::to_writer_pretty(out, &doc)
            }
            FitFormat::Csv => match &self.subgroups {
                Some(sg) => report::csv::write_subgroups(out, sg),
                None => report::csv::write(out, &self.fit),
            },
        }
    }
}

/// `metapool batch`: many meta-analyses of one file, one output row per group, pooled
/// in parallel.
#[derive(Debug, Clone)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
#[non_exhaustive]
pub struct BatchArgs {
    /// The table holding every meta-analysis, and the options of each.
    #[cfg_attr(feature = "cli", command(flatten))]
    pub input: TableInput,
    /// The column that names the meta-analysis of each row.
    #[cfg_attr(feature = "cli", arg(long))]
    pub group_by: String,
    /// Output format: one row (CSV) or one JSON object (JSONL) per meta-analysis.
    #[cfg_attr(feature = "cli", arg(long, value_parser = parser::<BatchFormat>(), default_value_t))]
    pub format: BatchFormat,
}

/// The result of [`BatchArgs::run`]: one row per group, in the order of their first
/// row in the file.
#[derive(Debug, Clone)]
pub struct BatchReport {
    /// The rows.
    pub rows: Vec<batch::BatchRow>,
}

impl BatchArgs {
    /// The batch of `input` grouped by the column `group_by`, written as CSV.
    pub fn new(input: TableInput, group_by: impl Into<String>) -> Self {
        BatchArgs {
            input,
            group_by: group_by.into(),
            format: BatchFormat::Csv,
        }
    }

    /// Reads the table row by row (a rejected row fails its group only), pools each
    /// group with one step of progress per group, and warns of the groups that failed.
    /// [`BatchArgs::run_to`] writes the rows as they are pooled instead of holding
    /// them.
    ///
    /// # Errors
    /// As [`BatchArgs::run_to`].
    pub fn run(&self, progress: &dyn Progress) -> Result<BatchReport> {
        let mut rows = Vec::new();
        self.stream(progress, &mut |chunk| {
            rows.extend_from_slice(chunk);
            Ok(())
        })?;
        Ok(BatchReport { rows })
    }

    /// [`BatchArgs::run`], writing the rows to `out` in `format` as they are pooled
    /// (`out_name` names `out` in the error of a write that fails).
    ///
    /// A regular file is read twice: first the grouping column alone
    /// ([`crate::data::group_runs`]), then by chunks of whole groups, so that memory
    /// holds one chunk (about 4 MiB of the file) and its results at a time. A file whose
    /// groups are not runs of consecutive rows, or with a row of too few or too many
    /// cells or text that is not UTF-8, and an input that can be read once only (a pipe,
    /// `/dev/stdin`), are read whole (memory in proportion to the file; the error of a
    /// malformed row comes before any output). The warning of the groups that could not
    /// be pooled comes after the last row; a write that fails (a closed pipe, a full
    /// disk) ends the batch at once, without it.
    ///
    /// # Errors
    /// As [`crate::data::read_csv_path_by_row_within`] and [`batch::batch_by_row`];
    /// [`crate::Error::Write`] for a write to `out` that fails.
    pub fn run_to(
        &self,
        progress: &dyn Progress,
        format: BatchFormat,
        out: &mut dyn Write,
        out_name: &str,
    ) -> Result<()> {
        let mut header = true;
        self.stream(progress, &mut |rows| {
            let written = write_batch_rows(format, &mut *out, rows, header);
            header = false;
            written.map_err(|e| crate::Error::write(out_name, e))
        })
    }

    /// [`BatchArgs::run`] on a table already read row by row in place of the file's (a
    /// table in memory: [`crate::data::read_csv_str_by_row`]), warning of the groups
    /// that failed.
    ///
    /// # Errors
    /// As [`batch::batch_by_row`].
    pub fn run_checked(
        &self,
        checked: &crate::data::RowChecked,
        progress: &dyn Progress,
    ) -> Result<BatchReport> {
        let rows = self.pool_checked(checked, progress)?;
        let counts = batch::BatchCounts {
            groups: rows.len(),
            failed: rows.iter().filter(|r| r.error.is_some()).count(),
        };
        if let Some(w) = batch::failed_groups_warning(counts) {
            progress.warning(&w);
        }
        Ok(BatchReport { rows })
    }

    /// Pools every group of a table read row by row, one step of progress per group.
    fn pool_checked(
        &self,
        checked: &crate::data::RowChecked,
        progress: &dyn Progress,
    ) -> Result<Vec<batch::BatchRow>> {
        let (effect, options) = self
            .input
            .table
            .profile
            .resolve(checked.table.data_type(), &self.input.overrides);
        progress.begin(batch::group_count(checked, &self.group_by)?, true);
        let rows = batch::batch_by_row(checked, &self.group_by, &effect, &options, &|| {
            progress.step()
        });
        progress.end();
        rows
    }

    /// Pools every group, handing the rows to `sink` in file order, chunk by chunk
    /// where the file allows it ([`BatchArgs::run_to`]).
    fn stream(
        &self,
        progress: &dyn Progress,
        sink: &mut dyn FnMut(&[batch::BatchRow]) -> Result<()>,
    ) -> Result<()> {
        let TableFile {
            file,
            profile,
            limits,
        } = &self.input.table;
        // A pipe or a device can be read once only: such an input is read whole.
        let regular_file = std::fs::metadata(file).is_ok_and(|m| m.is_file());
        let runs = match regular_file {
            true => Some(crate::data::group_runs(file, &self.group_by, limits)?),
            false => None,
        };
        let counts = if let Some(runs) = runs.filter(|r| r.consecutive && r.regular) {
            let mut chunks = crate::data::read_csv_groups(file, &self.group_by, limits)?;
            let (effect, options) = profile.resolve(chunks.data_type(), &self.input.overrides);
            progress.begin(runs.groups, true);
            let counts = batch::batch_chunks(
                &mut chunks,
                &self.group_by,
                &effect,
                &options,
                &|| progress.step(),
                sink,
            );
            progress.end();
            counts?
        } else {
            let checked = crate::data::read_csv_path_by_row_within(file, limits)?;
            let rows = self.pool_checked(&checked, progress)?;
            sink(&rows)?;
            batch::BatchCounts {
                groups: rows.len(),
                failed: rows.iter().filter(|r| r.error.is_some()).count(),
            }
        };
        if let Some(w) = batch::failed_groups_warning(counts) {
            progress.warning(&w);
        }
        Ok(())
    }
}

impl Report for BatchReport {
    type Format = BatchFormat;

    fn write(&self, format: BatchFormat, out: &mut dyn Write) -> std::io::Result<()> {
        write_batch_rows(format, out, &self.rows, true)
    }
}

/// Writes batch rows in `format`, after the CSV header when `header`.
fn write_batch_rows(
    format: BatchFormat,
    out: &mut dyn Write,
    rows: &[batch::BatchRow],
    header: bool,
) -> std::io::Result<()> {
    match format {
        BatchFormat::Csv => report::csv::write_batch_part(out, rows, header),
        BatchFormat::Jsonl => rows
            .iter()
            .try_for_each(|r| json::to_writer_line(&mut *out, r)),
    }
}

/// `metapool regress`: meta-regression on one or more moderator columns.
#[derive(Debug, Clone)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
#[non_exhaustive]
pub struct RegressArgs {
    /// The table and its options.
    #[cfg_attr(feature = "cli", command(flatten))]
    pub input: TableInput,
    /// Moderator columns, comma-separated (numeric, or categorical when not numbers).
    #[cfg_attr(feature = "cli", arg(long, value_delimiter = ',', required = true))]
    pub mods: Vec<String>,
    /// Permutation test of the coefficients, as metafor's permutest(): exact when the
    /// distinct arrangements are no more than --iterations, random otherwise.
    #[cfg_attr(feature = "cli", arg(long))]
    pub permutation: bool,
    /// Draws of the random permutation test (metafor's iter).
    #[cfg_attr(
        feature = "cli",
        arg(long, default_value_t = 1000, requires = "permutation")
    )]
    pub iterations: usize,
    /// Seed of the random permutation test (the same seed, the same p-values).
    #[cfg_attr(
        feature = "cli",
        arg(long, default_value_t = 1, requires = "permutation")
    )]
    pub seed: u64,
    /// Refit every distinct arrangement, however many (metafor's exact = TRUE).
    #[cfg_attr(feature = "cli", arg(long, requires = "permutation"))]
    pub exact: bool,
    /// Output format.
    #[cfg_attr(feature = "cli", arg(long, value_parser = parser::<ReportFormat>(), default_value_t))]
    pub format: ReportFormat,
}

/// The result of [`RegressArgs::run`]: the fit, its permutation test, the rows left
/// out, the columns dropped and the warnings (the JSON document, in this order).
#[derive(Debug, Clone, Serialize)]
pub struct RegressReport {
    /// The meta-regression.
    #[serde(flatten)]
    pub fit: Regression,
    /// The permutation test, when asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub permutation: Option<PermutationTest>,
    /// The rows of the table left out (a moderator missing), as
    /// [`regression::RegressionData::omitted_rows`].
    pub omitted_rows: Vec<usize>,
    /// The design columns dropped, as [`regression::RegressionData::dropped`].
    pub dropped: Vec<String>,
    /// The warnings about the data and the design.
    pub warnings: Vec<String>,
}

impl RegressArgs {
    /// The meta-regression of `input` on the moderator columns `mods`, without a
    /// permutation test (the command line's defaults for its options), written as text.
    pub fn new(input: TableInput, mods: Vec<String>) -> Self {
        RegressArgs {
            input,
            mods,
            permutation: false,
            iterations: 1000,
            seed: 1,
            exact: false,
            format: ReportFormat::Text,
        }
    }

    /// Fits the meta-regression of the inverse-variance study effects on the
    /// moderators (Knapp-Hartung tests for `--ci hksj`), and its permutation test with
    /// one step of progress per refit.
    ///
    /// # Errors
    /// As [`TableInput::read_effects`], [`regression::regression_data`],
    /// [`regression::knapp_hartung_for`] and [`regression::Model::fit`].
    pub fn run(&self, progress: &dyn Progress) -> Result<RegressReport> {
        self.run_table(self.input.read_table()?, progress)
    }

    /// [`RegressArgs::run`] on `table` in place of the file's.
    ///
    /// # Errors
    /// As [`RegressArgs::run`], reading aside.
    pub fn run_table(&self, table: StudyTable, progress: &dyn Progress) -> Result<RegressReport> {
        let (table, _, options, effects) = self.input.effects_of(table, "metapool regress")?;
        let data = regression::regression_data(&table, &effects, &self.mods)?;
        let mut warnings = crate::model::data_warnings(&effects);
        warnings.extend(data.warnings.iter().cloned());
        warnings.extend(
            self.input
                .unused_options("metapool regress", NO_PI_OR_I2_CI),
        );
        progress.warnings(&warnings);
        let method = options.tau2;
        let model = regression::Model {
            yi: &data.yi,
            vi: &data.vi,
            x: data.x.view(),
            names: &data.names,
            method,
            knapp_hartung: regression::knapp_hartung_for(options.ci)?,
            level: options.level,
        };
        let fit = model.fit()?;
        // How τ² was reached (a fallback, several local maxima of the likelihood) is
        // told as the pool tells it; the text report prints it with the fit.
        progress.warnings(&fit.convergence.warnings());
        let permutation = if self.permutation {
            let permutation = PermutationOptions {
                iterations: self.iterations,
                exact: self.exact,
                seed: self.seed,
            };
            // A refit costs about 2 µs per study (REML); show a bar from about a
            // second of refits (1000 iterations of 500 studies).
            let refits = model.permutation_refits(&permutation);
            progress.begin(refits, refits.saturating_mul(data.yi.len()) >= 500_000);
            let test = model.permutation_test_with(&permutation, &|| progress.step());
            progress.end();
            Some(test?)
        } else {
            None
        };
        Ok(RegressReport {
            fit,
            permutation,
            omitted_rows: data.omitted_rows,
            dropped: data.dropped,
            warnings,
        })
    }
}

impl Report for RegressReport {
    type Format = ReportFormat;

    fn write(&self, format: ReportFormat, out: &mut dyn Write) -> std::io::Result<()> {
        match format {
            ReportFormat::Json => json::to_writer_pretty(out, self),
            ReportFormat::Text => report::text::write_regression(
                out,
                &self.fit,
                self.permutation.as_ref(),
                &self.warnings,
            ),
        }
    }
}

/// `metapool sensitivity`: leave-one-out, cumulative meta-analysis and influence
/// diagnostics.
#[derive(Debug, Clone)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
#[non_exhaustive]
pub struct SensitivityArgs {
    /// The table and its options.
    #[cfg_attr(feature = "cli", command(flatten))]
    pub input: TableInput,
    /// Cumulate in the order of this numeric column (default: the input order).
    #[cfg_attr(feature = "cli", arg(long))]
    pub order: Option<String>,
    /// Output format.
    #[cfg_attr(feature = "cli", arg(long, value_parser = parser::<ReportFormat>(), default_value_t))]
    pub format: ReportFormat,
}

/// The result of [`SensitivityArgs::run`].
#[derive(Debug, Clone, Serialize)]
pub struct SensitivityReport {
    /// The study labels, in input order.
    pub studies: crate::data::Texts,
    /// The three analyses.
    #[serde(flatten)]
    pub sensitivity: Sensitivity,
    /// The warnings about the data and the refits.
    pub warnings: Vec<String>,
    /// The measure of the effects.
    #[serde(skip)]
    pub measure: Measure,
    /// The confidence level of the refits' intervals.
    #[serde(skip)]
    pub level: crate::level::Level,
}

impl SensitivityArgs {
    /// The sensitivity analyses of `input` in its order, written as text.
    pub fn new(input: TableInput) -> Self {
        SensitivityArgs {
            input,
            order: None,
            format: ReportFormat::Text,
        }
    }

    /// The sensitivity analyses of the inverse-variance study effects, cumulated in the
    /// order of `order`, one step of progress per fit.
    ///
    /// # Errors
    /// As [`TableInput::read_effects`], [`sensitivity::cumulative_order`] and
    /// [`sensitivity::sensitivity`].
    pub fn run(&self, progress: &dyn Progress) -> Result<SensitivityReport> {
        self.run_table(self.input.read_table()?, progress)
    }

    /// [`SensitivityArgs::run`] on `table` in place of the file's.
    ///
    /// # Errors
    /// As [`SensitivityArgs::run`], reading aside.
    pub fn run_table(
        &self,
        table: StudyTable,
        progress: &dyn Progress,
    ) -> Result<SensitivityReport> {
        let (table, _, options, effects) = self.input.effects_of(table, "metapool sensitivity")?;
        let mut warnings = crate::model::data_warnings(&effects);
        warnings.extend(
            self.input
                .unused_options("metapool sensitivity", NO_PI_OR_I2_CI),
        );
        progress.warnings(&warnings);
        let order = sensitivity::cumulative_order(&table, &effects, self.order.as_deref())?;
        let k = effects.k();
        // About a second of refits from k = 2000 (REML, one core); fewer never show
        // a bar.
        progress.begin(Sensitivity::fits(k), k >= 2000);
        let result = sensitivity::sensitivity(&effects.yi, &effects.vi, &order, &options, &|| {
            progress.step()
        });
        progress.end();
        let result = result?;
        let refit_warnings = report::text::sensitivity_warnings(&effects.labels, &result);
        progress.warnings(&refit_warnings);
        warnings.extend(refit_warnings);
        let Effects {
            labels, measure, ..
        } = effects;
        Ok(SensitivityReport {
            studies: labels,
            sensitivity: result,
            warnings,
            measure,
            level: options.level,
        })
    }
}

impl Report for SensitivityReport {
    type Format = ReportFormat;

    fn write(&self, format: ReportFormat, out: &mut dyn Write) -> std::io::Result<()> {
        match format {
            ReportFormat::Json => json::to_writer_pretty(out, self),
            ReportFormat::Text => report::text::write_sensitivity(
                out,
                self.measure,
                &self.studies,
                &self.sensitivity,
                &self.warnings,
                self.level,
            ),
        }
    }
}

/// `metapool bias`: small-study effects (Egger, Begg-Mazumdar, Peters and Harbord
/// tests; trim and fill).
#[derive(Debug, Clone)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
#[non_exhaustive]
pub struct BiasArgs {
    /// The table and its options.
    #[cfg_attr(feature = "cli", command(flatten))]
    pub input: TableInput,
    /// Estimator of the number of missing studies.
    #[cfg_attr(
        feature = "cli",
        arg(long, value_parser = parser::<MissingEstimator>(), default_value = "L0")
    )]
    pub estimator: MissingEstimator,
    /// Side of the missing studies [default: from Egger's test].
    #[cfg_attr(feature = "cli", arg(long, value_parser = parser::<Side>()))]
    pub side: Option<Side>,
    /// Write a funnel plot (SVG) with the filled studies to this file.
    #[cfg_attr(feature = "cli", arg(long))]
    pub funnel: Option<PathBuf>,
    /// Output format.
    #[cfg_attr(feature = "cli", arg(long, value_parser = parser::<ReportFormat>(), default_value_t))]
    pub format: ReportFormat,
}

/// The result of [`BiasArgs::run`]: the small-study analyses of effects of `measure`.
#[derive(Debug, Clone)]
pub struct BiasReport {
    /// The measure of the effects.
    pub measure: Measure,
    /// The analyses.
    pub analyses: SmallStudyEffects,
}

impl BiasArgs {
    /// The small-study analyses of `input` with the command line's defaults (L0, the
    /// side from Egger's test, no plot), written as text.
    pub fn new(input: TableInput) -> Self {
        BiasArgs {
            input,
            estimator: MissingEstimator::L0,
            side: None,
            funnel: None,
            format: ReportFormat::Text,
        }
    }

    /// The small-study analyses of the inverse-variance study effects, one step of
    /// progress per analysis, and the funnel plot with the filled studies (the fit of
    /// the table as `pool` makes it).
    ///
    /// # Errors
    /// As [`TableInput::read_effects`] and [`bias::small_study_effects`]; [`Error::Write`] when the plot cannot be written.
    pub fn run(&self, progress: &dyn Progress) -> Result<BiasReport> {
        self.run_table(self.input.read_table()?, progress)
    }

    /// [`BiasArgs::run`] on `table` in place of the file's (the file still names the
    /// input that the funnel plot must not overwrite).
    ///
    /// # Errors
    /// As [`BiasArgs::run`], reading aside.
    pub fn run_table(&self, table: StudyTable, progress: &dyn Progress) -> Result<BiasReport> {
        let (table, effect, options, effects) = self.input.effects_of(table, "metapool bias")?;
        let trim = TrimFillOptions {
            estimator: self.estimator,
            side: self.side,
            ..TrimFillOptions::default()
        };
        // The regression tests, Begg's test and trim and fill take about a second from
        // k = 10^5.
        progress.begin(bias::SMALL_STUDY_STEPS, effects.k() >= 100_000);
        let analyses =
            bias::small_study_effects(&table, &effects, &options, &trim, &|| progress.step());
        progress.end();
        let analyses = analyses?;
        progress.warnings(&analyses.warnings);
        if let Some(path) = &self.funnel {
            let fit = crate::model::pool(&table, &effect, &options)?;
            let filled = analyses.trim_and_fill.value();
            if filled.is_none() {
                progress.warning(&format!(
                    "{}: the funnel plot shows the observed studies only (trim and fill was \
                     not computed)",
                    path.display()
                ));
            }
            let svg = report::svg::funnel(&fit, filled);
            report::write_file(path, svg.as_bytes(), &[self.input.table.file.as_path()])?;
        }
        Ok(BiasReport {
            measure: effects.measure,
            analyses,
        })
    }
}

impl Report for BiasReport {
    type Format = ReportFormat;

    fn write(&self, format: ReportFormat, out: &mut dyn Write) -> std::io::Result<()> {
        match format {
            ReportFormat::Json => json::to_writer_pretty(out, &self.analyses),
            ReportFormat::Text => report::text::write_bias(out, self.measure, &self.analyses),
        }
    }
}

/// `metapool revman`: the analyses of a Cochrane review file re-run and every printed
/// figure checked; with `--reanalyse`, each analysis re-analysed with a profile's
/// methods beside the printed result; with a folder of review files, one summary per
/// review.
#[derive(Debug, Clone)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
#[non_exhaustive]
pub struct RevmanArgs {
    /// A RevMan 5 review file (.rm5), a RevMan Web data package (its zip, or the folder
    /// it was unpacked to), a RevMan 5 "Data and analyses" CSV export (the format is
    /// recognised from the content), or a folder of review files.
    pub file: PathBuf,
    /// Output format.
    #[cfg_attr(feature = "cli", arg(long, value_parser = parser::<FitFormat>(), default_value_t))]
    pub format: FitFormat,
    /// Re-analyse every analysis with a profile's methods (revman-web: REML,
    /// Hartung-Knapp-Sidik-Jonkman, prediction interval, Q-profile tau², I² from tau²)
    /// and show where the conclusion changes.
    #[cfg_attr(feature = "cli", arg(long, value_name = "PROFILE", value_parser = parser::<Profile>()))]
    pub reanalyse: Option<Profile>,
}

/// What `metapool revman` reports.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum RevmanReport {
    /// The checks of one review's printed figures.
    Audit(crate::audit::revman::ReviewAudit),
    /// One review re-analysed.
    Reanalysis(crate::audit::reanalysis::ReviewReanalysis),
    /// A folder of reviews.
    Folder(crate::audit::folder::FolderAudit),
}

impl RevmanArgs {
    /// The checks of the review (or folder of reviews) `file`, written as text.
    pub fn new(file: impl Into<PathBuf>) -> Self {
        RevmanArgs {
            file: file.into(),
            format: FitFormat::Text,
            reanalyse: None,
        }
    }

    /// Reads the review (or the folder of reviews) and checks its figures.
    ///
    /// # Errors
    /// As [`crate::data::revman::read_revman`] for one review; as
    /// [`crate::data::revman::review_files`] for a folder (a file of the folder that
    /// cannot be read is its entry's error).
    pub fn run(&self, progress: &dyn Progress) -> Result<RevmanReport> {
        if self.file.is_dir() && !crate::data::revman::is_package_folder(&self.file) {
            let folder = crate::audit::folder::audit_folder(&self.file, self.reanalyse)?;
            for e in &folder.entries {
                progress.warnings(&e.warnings);
            }
            if folder.read == 0 {
                // Not one review could be read: bad input, as for one file.
                return Err(Error::input(
                    self.file.display().to_string(),
                    None,
                    None,
                    format!(
                        "none of its {} review files could be read; the first: {}",
                        folder.files,
                        folder.entries[0].error.as_deref().unwrap_or("")
                    ),
                ));
            }
            return Ok(RevmanReport::Folder(folder));
        }
        let review = crate::data::revman::read_revman(&self.file)?;
        let audit = crate::audit::revman::audit_review(&review);
        progress.warnings(&audit.warnings);
        Ok(match self.reanalyse {
            Some(profile) => RevmanReport::Reanalysis(crate::audit::reanalysis::reanalyse(
                &review, &audit, profile,
            )),
            None => RevmanReport::Audit(audit),
        })
    }
}

impl Report for RevmanReport {
    type Format = FitFormat;

    fn write(&self, format: FitFormat, out: &mut dyn Write) -> std::io::Result<()> {
        use report::revman as r;
        match (self, format) {
            (RevmanReport::Audit(a), FitFormat::Json) => json::to_writer_pretty(out, a),
            (RevmanReport::Audit(a), FitFormat::Text) => r::write_revman(out, a),
            (RevmanReport::Audit(a), FitFormat::Csv) => r::write_revman_csv(out, a),
            (RevmanReport::Reanalysis(a), FitFormat::Json) => json::to_writer_pretty(out, a),
            (RevmanReport::Reanalysis(a), FitFormat::Text) => r::write_reanalysis(out, a),
            (RevmanReport::Reanalysis(a), FitFormat::Csv) => r::write_reanalysis_csv(out, a),
            (RevmanReport::Folder(f), FitFormat::Json) => json::to_writer_pretty(out, f),
            (RevmanReport::Folder(f), FitFormat::Text) => r::write_folder(out, f),
            (RevmanReport::Folder(f), FitFormat::Csv) => r::write_folder_csv(out, f),
        }
    }

    fn holds(&self) -> bool {
        match self {
            RevmanReport::Audit(a) => a.holds(),
            RevmanReport::Reanalysis(a) => a.holds(),
            RevmanReport::Folder(f) => f.holds(),
        }
    }
}

/// `metapool scan`: every statistical figure of a document found and checked at its
/// printed precision; with a folder, every document in it, in parallel.
#[derive(Debug, Clone)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
#[non_exhaustive]
pub struct ScanArgs {
    /// A document (plain text, Markdown, HTML or PDF; the format is recognised from the
    /// content), `-` for standard input, or a folder: every file in it.
    pub document: PathBuf,
    /// Output format.
    #[cfg_attr(feature = "cli", arg(long, value_parser = parser::<FitFormat>(), default_value_t))]
    pub format: FitFormat,
    /// Also write the figures as rows of a claims registry (the columns of
    /// data/claims.csv) to FILE, ready to be linked to inputs and audited.
    #[cfg_attr(feature = "cli", arg(long, value_name = "FILE"))]
    pub claims: Option<PathBuf>,
    /// The limits on each document read.
    #[cfg_attr(feature = "cli", command(flatten))]
    pub limits: InputLimits,
}

/// What `metapool scan` reports.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum ScanReport {
    /// One document.
    Document(crate::audit::scan::DocumentScan),
    /// A folder of documents.
    Folder(crate::audit::scan::FolderScan),
}

impl ScanArgs {
    /// Scans the document (standard input for `-`, every file of a folder), and writes
    /// the claims file when asked.
    ///
    /// # Errors
    /// As [`crate::audit::scan::scan_path`] for one document; for a folder, as
    /// [`crate::audit::scan::scan_folder`], and bad input when not one document in it
    /// could be read; [`Error::Write`] when the claims file cannot be written.
    pub fn run(&self, progress: &dyn Progress) -> Result<ScanReport> {
        use crate::audit::scan;
        if let Some(claims) = &self.claims {
            // The claims file must not overwrite the document, nor land in the folder
            // scanned (a second scan would read it as a document).
            let canonical = |p: &std::path::Path| std::fs::canonicalize(p).ok();
            let target = claims
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .and_then(canonical)
                .map(|dir| dir.join(claims.file_name().unwrap_or_default()));
            let input = canonical(&self.document);
            let clash = match (&target, &input) {
                (Some(t), Some(i)) => t == i || (self.document.is_dir() && t.starts_with(i)),
                (None, Some(i)) if claims.parent().is_some_and(|p| p.as_os_str().is_empty()) => {
                    std::env::current_dir()
                        .ok()
                        .map(|d| d.join(claims))
                        .is_some_and(|t| t == *i || (self.document.is_dir() && t.starts_with(i)))
                }
                _ => false,
            };
            if clash {
                return Err(Error::InvalidArgument(format!(
                    "--claims {}: the claims file would overwrite the document or be written \
                     into the folder scanned; write it elsewhere",
                    claims.display()
                )));
            }
        }
        let report = if self.document.as_os_str() == "-" {
            ScanReport::Document(scan::scan_reader(
                "-",
                std::io::stdin().lock(),
                &self.limits,
            )?)
        } else if self.document.is_dir() {
            let folder = scan::scan_folder(&self.document, &self.limits)?;
            if folder.documents.is_empty() {
                return Err(Error::input(
                    folder.folder.clone(),
                    None,
                    None,
                    match folder.errors.first() {
                        Some(e) => format!(
                            "none of its {} files could be scanned; the first: {}",
                            folder.errors.len(),
                            e.error
                        ),
                        None => "the folder holds no files to scan".to_string(),
                    },
                ));
            }
            ScanReport::Folder(folder)
        } else {
            ScanReport::Document(scan::scan_path(&self.document, &self.limits)?)
        };
        let documents: Vec<&scan::DocumentScan> = match &report {
            ScanReport::Document(d) => vec![d],
            ScanReport::Folder(f) => f.documents.iter().collect(),
        };
        if let ScanReport::Folder(f) = &report {
            progress.warnings(
                &f.errors
                    .iter()
                    .map(|e| format!("not scanned: {}", e.error))
                    .collect::<Vec<_>>(),
            );
        }
        for d in &documents {
            progress.warnings(
                &d.warnings
                    .iter()
                    .map(|w| format!("{}: {w}", d.document))
                    .collect::<Vec<_>>(),
            );
        }
        if let Some(path) = &self.claims {
            let name = path.display().to_string();
            let file = std::fs::File::create(path).map_err(|e| Error::write(name.clone(), e))?;
            let mut out = std::io::BufWriter::new(file);
            report::scan::write_claims(&mut out, documents.iter().copied())
                .and_then(|()| out.flush())
                .map_err(|e| Error::write(name, e))?;
        }
        Ok(report)
    }
}

impl Report for ScanReport {
    type Format = FitFormat;

    fn write(&self, format: FitFormat, out: &mut dyn Write) -> std::io::Result<()> {
        use report::scan as s;
        match (self, format) {
            (ScanReport::Document(d), FitFormat::Json) => json::to_writer_pretty(out, d),
            (ScanReport::Document(d), FitFormat::Text) => s::write_scan(out, d),
            (ScanReport::Document(d), FitFormat::Csv) => s::write_scan_csv(out, [d]),
            (ScanReport::Folder(f), FitFormat::Json) => json::to_writer_pretty(out, f),
            (ScanReport::Folder(f), FitFormat::Text) => s::write_folder_scan(out, f),
            (ScanReport::Folder(f), FitFormat::Csv) => s::write_scan_csv(out, &f.documents),
        }
    }

    /// Exit status 1 when some figure is inconsistent (or, for a folder, some document
    /// could not be read); a figure that is only not checkable does not fail the scan.
    fn holds(&self) -> bool {
        match self {
            ScanReport::Document(d) => d.holds(),
            ScanReport::Folder(f) => f.holds(),
        }
    }
}

/// `metapool audit`: one verdict per claim of a registry.
#[derive(Debug, Clone)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
#[non_exhaustive]
pub struct AuditArgs {
    /// The claims registry (CSV).
    #[cfg_attr(feature = "cli", arg(default_value = "data/claims.csv"))]
    pub claims: PathBuf,
    /// Output format.
    #[cfg_attr(feature = "cli", arg(long, value_parser = parser::<ReportFormat>(), default_value_t))]
    pub format: ReportFormat,
    /// Read inputs outside the registry's folder (absolute paths, `..` that climbs out
    /// of it, links that point out of it); refused by default, as a registry is data
    /// someone may send.
    #[cfg_attr(feature = "cli", arg(long))]
    pub allow_outside: bool,
}

/// The result of [`AuditArgs::run`]: every claim with its verdict.
#[derive(Debug, Clone)]
pub struct AuditReport(pub Vec<crate::audit::claims::Audited>);

impl AuditArgs {
    /// Audits every claim of the registry.
    ///
    /// # Errors
    /// As [`crate::audit::claims::audit_registry_with`].
    pub fn run(&self, _progress: &dyn Progress) -> Result<AuditReport> {
        let options = crate::audit::claims::AuditOptions::allowing_outside(self.allow_outside);
        crate::audit::claims::audit_registry_with(&self.claims, options).map(AuditReport)
    }
}

impl Report for AuditReport {
    type Format = ReportFormat;

    fn write(&self, format: ReportFormat, out: &mut dyn Write) -> std::io::Result<()> {
        match format {
            ReportFormat::Json => json::to_writer_pretty(out, &self.0),
            ReportFormat::Text => report::write_audit(out, &self.0),
        }
    }

    fn holds(&self) -> bool {
        self.0.iter().all(|a| a.verdict.kind.holds())
    }
}

/// `metapool effects`: the study-level effect sizes (yi, vi) of a study table, as CSV.
#[derive(Debug, Clone)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
#[non_exhaustive]
pub struct EffectsArgs {
    /// The table, the profile whose zero-cell and SMD conventions apply, the limits, and
    /// the options on top of the profile (those of the effects: `--measure`,
    /// `--input-level`, `--add`, `--to`, `--drop00`, `--smd`, `--fixed`; the others are
    /// accepted, as `pool`'s, with a warning that they change nothing here).
    #[cfg_attr(feature = "cli", command(flatten))]
    pub input: TableInput,
}

impl EffectsArgs {
    /// The study effects of `input`.
    pub fn new(input: TableInput) -> Self {
        EffectsArgs { input }
    }

    /// The study effects of the table, with the profile's conventions.
    ///
    /// # Errors
    /// As [`TableInput::read`] and [`crate::effect::compute`].
    pub fn run(&self, progress: &dyn Progress) -> Result<Effects> {
        progress.warnings(&self.input.unused_options("metapool effects", POOLING_ONLY));
        self.effects(self.input.read_table()?, progress)
    }

    /// [`EffectsArgs::run`] on `table` in place of the file's.
    ///
    /// # Errors
    /// As [`EffectsArgs::run`], reading aside.
    pub fn run_table(&self, table: StudyTable, progress: &dyn Progress) -> Result<Effects> {
        progress.warnings(&self.input.unused_options("metapool effects", POOLING_ONLY));
        self.effects(table, progress)
    }

    /// The study effects of `table`, warning of what they warn about.
    fn effects(&self, table: StudyTable, progress: &dyn Progress) -> Result<Effects> {
        let (table, options, _) = self.input.resolve(table)?;
        let effects = crate::effect::compute(&table, &options)?;
        progress.warnings(&effects.warnings);
        Ok(effects)
    }
}

impl Report for Effects {
    /// One format: CSV.
    type Format = ();

    fn write(&self, _: (), out: &mut dyn Write) -> std::io::Result<()> {
        report::csv::write_effects(out, self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The warnings a run reports, kept.
    #[derive(Default)]
    struct Kept(std::sync::Mutex<Vec<String>>);

    impl Progress for Kept {
        fn warning(&self, message: &str) {
            if let Ok(mut w) = self.0.lock() {
                w.push(message.to_string());
            }
        }
    }

    /// A library user runs a command without the command line: the report is the fit of
    /// `pool` as the report functions write it, and the warnings reach the caller.
    #[test]
    fn a_command_runs_and_writes_without_the_command_line() {
        let bcg = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden/inputs/bcg.csv");
        let kept = Kept::default();
        let report = PoolArgs::new(TableInput::new(bcg))
            .run(&kept)
            .expect("pool");
        let mut text = Vec::new();
        report.write(FitFormat::Text, &mut text).expect("text");
        assert_eq!(
            String::from_utf8(text).expect("UTF-8"),
            report::text::render(report.table.as_ref().expect("table"), &report.fit)
        );
        let mut doc = Vec::new();
        report.write(FitFormat::Json, &mut doc).expect("json");
        assert_eq!(
            String::from_utf8(doc).expect("UTF-8"),
            report::fit_json(&report.fit).expect("json")
        );
        assert_eq!(kept.0.into_inner().expect("warnings"), report.fit.warnings);
    }
}
