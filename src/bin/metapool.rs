//! The `metapool` command line: argument parsing and nothing else.
use clap::{Args, Parser, Subcommand, ValueEnum};
use metapool::effect::{compute, AddTo, DoubleZero, EffectOptions, Measure, SmdCorrection};
use metapool::heterogeneity::I2Ci;
use metapool::model::{pool, CiMethod, FixedMethod, MhCells, PiMethod, RdVariance, Tau2Method};
use metapool::profile::{Overrides, Profile};
use metapool::report::json;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "metapool",
    version,
    about = "Meta-analysis you can audit: effect sizes, pooling, heterogeneity",
    after_help = "Examples:\n  metapool pool data/cd007026/pub7_nonfatal_sae.csv --profile revman5 --tau2 none\n  \
                  metapool pool trials.csv --measure OR --tau2 REML --ci hksj --format json\n  \
                  metapool effects trials.csv --measure SMD"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Pool a study table: fixed and random effects, heterogeneity.
    Pool(Box<PoolArgs>),
    /// Pool many meta-analyses of one file, one output row per group, in parallel.
    Batch(Box<BatchArgs>),
    /// Audit reported figures: one verdict per claim of a registry.
    Audit {
        /// The claims registry (CSV).
        #[arg(default_value = "data/claims.csv")]
        claims: PathBuf,
        /// Output format: text or json.
        #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
        format: ReportFormat,
        /// Read inputs outside the registry's folder (absolute paths, `..` that climbs
        /// out of it, links that point out of it); refused by default, as a registry is
        /// data someone may send.
        #[arg(long)]
        allow_outside: bool,
    },
    /// Meta-regression on one or more moderator columns.
    Regress {
        /// The study table (CSV).
        file: PathBuf,
        /// Moderator columns, comma-separated (numeric, or categorical when not numbers).
        #[arg(long, value_delimiter = ',', required = true)]
        mods: Vec<String>,
        #[command(flatten)]
        model: ModelArgs,
        /// Permutation test of the coefficients, as metafor's permutest(): exact when
        /// the distinct arrangements are no more than --iterations, random otherwise.
        #[arg(long)]
        permutation: bool,
        /// Draws of the random permutation test (metafor's iter).
        #[arg(long, default_value_t = 1000, requires = "permutation")]
        iterations: usize,
        /// Seed of the random permutation test (the same seed, the same p-values).
        #[arg(long, default_value_t = 1, requires = "permutation")]
        seed: u64,
        /// Refit every distinct arrangement, however many (metafor's exact = TRUE).
        #[arg(long, requires = "permutation")]
        exact: bool,
        /// Output format: text or json.
        #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
        format: ReportFormat,
    },
    /// Leave-one-out, cumulative meta-analysis and influence diagnostics.
    Sensitivity {
        /// The study table (CSV).
        file: PathBuf,
        #[command(flatten)]
        model: ModelArgs,
        /// Cumulate in the order of this numeric column (default: the input order).
        #[arg(long)]
        order: Option<String>,
        /// Output format: text or json.
        #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
        format: ReportFormat,
    },
    /// Small-study effects: Egger, Begg-Mazumdar, Peters and Harbord tests; trim and fill.
    Bias {
        /// The study table (CSV).
        file: PathBuf,
        #[command(flatten)]
        model: ModelArgs,
        /// Estimator of the number of missing studies: L0 or R0.
        #[arg(long, default_value = "L0")]
        estimator: String,
        /// Side of the missing studies: left or right [default: from Egger's test].
        #[arg(long)]
        side: Option<String>,
        /// Write a funnel plot (SVG) with the filled studies to this file.
        #[arg(long)]
        funnel: Option<PathBuf>,
        /// Output format: text or json.
        #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
        format: ReportFormat,
    },
    /// Re-run the analyses of a RevMan 5 CSV export and check every printed figure.
    Revman {
        /// The RevMan 5 "Data and analyses" CSV export.
        file: PathBuf,
        /// Output format: text or json.
        #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
        format: ReportFormat,
    },
    /// Study-level effect sizes (yi, vi) of a study table, as CSV.
    Effects {
        /// The study table (CSV).
        file: PathBuf,
        /// Effect measure: RR, OR, RD, PETO, MD, SMD, ROM or GEN.
        #[arg(long)]
        measure: Option<String>,
        /// Profile whose zero-cell and SMD conventions apply.
        #[arg(long, default_value = "metafor")]
        profile: String,
        #[command(flatten)]
        input: InputArgs,
    },
}

/// The output of the commands that write a report: text or JSON (no CSV).
#[derive(Clone, Copy, ValueEnum)]
enum ReportFormat {
    Text,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Text,
    Json,
    Csv,
}

/// The limits on the input files (see `metapool::data::input`).
#[derive(Args)]
struct InputArgs {
    /// Largest input file read: bytes, or with K, M, G (powers of 1024) [default: 1G].
    #[arg(long, value_parser = parse_size, value_name = "SIZE")]
    max_input_size: Option<u64>,
    /// Longest line of an input file: bytes, or with K, M, G [default: 16M].
    #[arg(long, value_parser = parse_size, value_name = "SIZE")]
    max_line_length: Option<u64>,
}

impl InputArgs {
    fn limits(&self) -> metapool::data::InputLimits {
        let d = metapool::data::InputLimits::DEFAULT;
        metapool::data::InputLimits::new(
            self.max_input_size.unwrap_or(d.max_bytes),
            self.max_line_length.unwrap_or(d.max_line_bytes),
        )
    }
}

/// A size in bytes: a whole number, optionally followed by K, M or G (KiB, MiB, GiB).
fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let (digits, unit) = match t.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => t.split_at(i),
        None => (t, ""),
    };
    let scale: u64 = match unit.trim().to_ascii_uppercase().as_str() {
        "" | "B" => 1,
        "K" | "KB" | "KIB" => 1 << 10,
        "M" | "MB" | "MIB" => 1 << 20,
        "G" | "GB" | "GIB" => 1 << 30,
        "T" | "TB" | "TIB" => 1 << 40,
        _ => {
            return Err(format!(
                "'{t}': expected a size such as 2G, 512M or 1000000"
            ))
        }
    };
    digits
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(scale))
        .ok_or_else(|| format!("'{t}': expected a size such as 2G, 512M or 1000000"))
}

/// The options of a pooled analysis, shared by `pool` and `batch`.
#[derive(Args)]
struct ModelArgs {
    /// Effect measure: RR, OR, RD, PETO, MD, SMD, ROM or GEN [default: RR for binary,
    /// MD for continuous, GEN for generic data].
    #[arg(long)]
    measure: Option<String>,
    /// Fixed-effect method: iv, mh or peto [default: the profile's].
    #[arg(long)]
    fixed: Option<String>,
    /// tau² estimator: none, DL, REML, ML, PM, EB, SJ, HE or HS [default: the profile's].
    #[arg(long)]
    tau2: Option<String>,
    /// Random-effects interval: z, t, hksj or hksj-adhoc [default: the profile's].
    #[arg(long)]
    ci: Option<String>,
    /// Prediction interval: ci (critical value of the CI method) or hts (t with k-2 df).
    #[arg(long)]
    pi: Option<String>,
    /// I² and H² interval: qprofile (from the Q-profile limits of tau², as metafor's
    /// confint) or ht (Higgins & Thompson 2002, from ln H).
    #[arg(long)]
    i2_ci: Option<String>,
    /// Bundle of defaults: metafor, revman5 or revman-web.
    #[arg(long, default_value = "metafor")]
    profile: String,
    /// Confidence level of the output: a percentage (95) or a proportion (0.95), as
    /// metafor reads it.
    #[arg(long, allow_negative_numbers = true)]
    level: Option<f64>,
    /// Level at which the table's confidence intervals (ci_lower, ci_upper) were printed
    /// [default: 95; a ci_level column gives it row by row].
    #[arg(long, allow_negative_numbers = true)]
    input_level: Option<f64>,
    /// Zero-cell increment.
    #[arg(long)]
    add: Option<f64>,
    /// Studies that get the increment: only0, all, if0all or none.
    #[arg(long)]
    to: Option<String>,
    /// Double-zero studies: keep, drop or ratios (dropped for RR and OR only).
    #[arg(long)]
    drop00: Option<String>,
    /// SMD correction: exact or revman5.
    #[arg(long)]
    smd: Option<String>,
    /// Variance of the MH risk difference: sgr (Sato 1989) or gr (Greenland-Robins 1985).
    #[arg(long)]
    rd_variance: Option<String>,
    /// Cells in the MH sums: observed or incremented.
    #[arg(long)]
    mh_cells: Option<String>,
    #[command(flatten)]
    input: InputArgs,
}

#[derive(Args)]
struct PoolArgs {
    /// The study table (CSV; layouts in the README).
    file: PathBuf,
    #[command(flatten)]
    model: ModelArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Pool by subgroup: the column whose values name the subgroups (usually `subgroup`).
    #[arg(long)]
    subgroup: Option<String>,
    /// Write a forest plot (SVG) to this file.
    #[arg(long)]
    forest: Option<PathBuf>,
    /// Write a funnel plot (SVG) to this file.
    #[arg(long)]
    funnel: Option<PathBuf>,
}

#[derive(Clone, Copy, ValueEnum)]
enum BatchFormat {
    Csv,
    Jsonl,
}

#[derive(Args)]
struct BatchArgs {
    /// The study table (CSV) holding every meta-analysis.
    file: PathBuf,
    /// The column that names the meta-analysis of each row.
    #[arg(long)]
    group_by: String,
    #[command(flatten)]
    model: ModelArgs,
    /// Output format: one row (CSV) or one JSON object (JSONL) per meta-analysis.
    #[arg(long, value_enum, default_value_t = BatchFormat::Csv)]
    format: BatchFormat,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let written = run(cli).and_then(|output| {
        let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
        match output.body {
            Body::Text(text) => out.write_all(text.as_bytes()),
            Body::Stream(write) => write(&mut out),
        }
        .and_then(|()| out.flush())
        .map_err(|e| metapool::Error::write("standard output", e))?;
        Ok(output.hold)
    });
    match written {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        // The reader went away (`metapool ... | head`): stop quietly, as `cat` does.
        Err(e) if e.is_broken_pipe() => ExitCode::SUCCESS,
        Err(e) => {
            warn_line(&format!("metapool: {e}"));
            ExitCode::from(if e.is_user_error() { 2 } else { 1 })
        }
    }
}

/// Writes a line on stderr; a closed stderr is not a reason to fail.
fn warn_line(line: &str) {
    let _ = writeln!(std::io::stderr(), "{line}");
}

/// Writes each warning on stderr as `warning: ...`.
fn warn(warnings: &[String]) {
    for w in warnings {
        warn_line(&format!("warning: {w}"));
    }
}

fn invalid(what: &str, value: &str, expected: &str) -> metapool::Error {
    metapool::Error::InvalidArgument(format!("--{what} {value}: expected {expected}"))
}

fn overrides(a: &ModelArgs) -> metapool::Result<Overrides> {
    Ok(Overrides {
        measure: a
            .measure
            .as_deref()
            .map(str::parse::<Measure>)
            .transpose()?,
        fixed: a
            .fixed
            .as_deref()
            .map(str::parse::<FixedMethod>)
            .transpose()?,
        tau2: a
            .tau2
            .as_deref()
            .map(|s| {
                if s.eq_ignore_ascii_case("none") {
                    Ok(None)
                } else {
                    s.parse::<Tau2Method>().map(Some)
                }
            })
            .transpose()?,
        ci: a.ci.as_deref().map(str::parse::<CiMethod>).transpose()?,
        pi: a
            .pi
            .as_deref()
            .map(|s| match s {
                "ci" => Ok(PiMethod::FollowCi),
                "hts" => Ok(PiMethod::HigginsThompsonSpiegelhalter),
                _ => Err(invalid("pi", s, "ci or hts")),
            })
            .transpose()?,
        level: a
            .level
            .map(|l| {
                metapool::Level::from_user(l)
                    .map_err(|e| metapool::Error::InvalidArgument(format!("--level {e}")))
            })
            .transpose()?,
        input_level: a
            .input_level
            .map(|l| {
                metapool::Level::from_user(l)
                    .map_err(|e| metapool::Error::InvalidArgument(format!("--input-level {e}")))
            })
            .transpose()?,
        increment: a.add,
        add_to: a.to.as_deref().map(str::parse::<AddTo>).transpose()?,
        double_zero: a
            .drop00
            .as_deref()
            .map(|s| match s {
                "keep" => Ok(DoubleZero::Keep),
                "drop" => Ok(DoubleZero::Drop),
                "ratios" => Ok(DoubleZero::DropForRatios),
                _ => Err(invalid("drop00", s, "keep, drop or ratios")),
            })
            .transpose()?,
        smd: a
            .smd
            .as_deref()
            .map(|s| match s {
                "exact" => Ok(SmdCorrection::ExactHedges),
                "revman5" => Ok(SmdCorrection::RevMan5),
                _ => Err(invalid("smd", s, "exact or revman5")),
            })
            .transpose()?,
        rd_variance: a
            .rd_variance
            .as_deref()
            .map(|s| match s {
                "sgr" => Ok(RdVariance::SatoGreenlandRobins),
                "gr" => Ok(RdVariance::GreenlandRobins),
                _ => Err(invalid("rd-variance", s, "sgr or gr")),
            })
            .transpose()?,
        mh_cells: a
            .mh_cells
            .as_deref()
            .map(|s| match s {
                "observed" => Ok(MhCells::Observed),
                "incremented" => Ok(MhCells::Incremented),
                _ => Err(invalid("mh-cells", s, "observed or incremented")),
            })
            .transpose()?,
        i2_ci: a
            .i2_ci
            .as_deref()
            .map(|s| match s {
                "qprofile" => Ok(I2Ci::QProfile),
                "ht" => Ok(I2Ci::HigginsThompson),
                _ => Err(invalid("i2-ci", s, "qprofile or ht")),
            })
            .transpose()?,
    })
}

/// Reads a study table and resolves the profile and the options given on top of it.
fn prepare(
    file: &std::path::Path,
    model: &ModelArgs,
) -> metapool::Result<(
    metapool::data::StudyTable,
    EffectOptions,
    metapool::model::PoolOptions,
)> {
    let profile: Profile = model.profile.parse()?;
    let overrides = overrides(model)?;
    let table = metapool::data::read_csv_path_within(file, &model.input.limits())?;
    let (effect_options, pool_options) = profile.resolve(table.data_type(), &overrides);
    Ok((table, effect_options, pool_options))
}

/// What a command writes on stdout, and whether every figure it checked holds (`revman`
/// and `audit` exit with 1 when some do not, as `diff` does).
struct Output {
    body: Body,
    hold: bool,
}

/// A command's output: text made whole, or written as it is made (large outputs).
enum Body {
    Text(String),
    Stream(StreamFn),
}

/// Writes a command's output to stdout.
type StreamFn = Box<dyn FnOnce(&mut dyn Write) -> std::io::Result<()>>;

impl Output {
    fn stream(write: impl FnOnce(&mut dyn Write) -> std::io::Result<()> + 'static) -> Self {
        Output {
            body: Body::Stream(Box::new(write)),
            hold: true,
        }
    }
}

impl From<String> for Output {
    fn from(text: String) -> Self {
        Output {
            body: Body::Text(text),
            hold: true,
        }
    }
}

fn run(cli: Cli) -> metapool::Result<Output> {
    match cli.command {
        Command::Pool(args) => {
            let (mut table, effect_options, pool_options) = prepare(&args.file, &args.model)?;
            let fit = pool(&table, &effect_options, &pool_options)?;
            warn(&fit.warnings);
            let subgroups = match &args.subgroup {
                Some(column) => {
                    metapool::analysis::subgroup::use_column_as_subgroup(&mut table, column)?;
                    let sg = metapool::analysis::subgroup::subgroups(
                        &table,
                        &effect_options,
                        &pool_options,
                    )?;
                    warn(&sg.warnings);
                    for u in &sg.not_pooled {
                        warn_line(&format!(
                            "warning: subgroup '{}' ({} studies) could not be pooled: {}",
                            u.subgroup, u.k_all, u.reason
                        ));
                    }
                    Some(sg)
                }
                None => None,
            };
            let inputs = [args.file.as_path()];
            if let (Some(forest), Some(funnel)) = (&args.forest, &args.funnel) {
                if metapool::report::same_target(forest, funnel) {
                    return Err(metapool::Error::InvalidArgument(format!(
                        "--forest and --funnel both name {}: one plot would overwrite the \
                         other; give two files",
                        funnel.display()
                    )));
                }
            }
            if let Some(path) = &args.forest {
                let svg = metapool::report::svg::forest(&table, &fit, subgroups.as_ref());
                metapool::report::write_file(path, svg.as_bytes(), &inputs)?;
            }
            if let Some(path) = &args.funnel {
                let svg = metapool::report::svg::funnel(&fit, None);
                metapool::report::write_file(path, svg.as_bytes(), &inputs)?;
            }
            Ok(match args.format {
                Format::Text => {
                    let mut text = metapool::report::text::render(&table, &fit);
                    if let Some(sg) = &subgroups {
                        text += &metapool::report::text::render_subgroups(sg);
                    }
                    Output::from(text)
                }
                Format::Json => Output::stream(move |w| {
                    /// The fit with its subgroups, in the fit's own key order.
                    #[derive(serde::Serialize)]
                    struct PoolReport<'a> {
                        #[serde(flatten)]
                        fit: &'a metapool::model::Fit,
                        #[serde(skip_serializing_if = "Option::is_none")]
                        subgroups: Option<&'a metapool::analysis::subgroup::SubgroupAnalysis>,
                    }
                    json::to_writer_pretty(
                        w,
                        &PoolReport {
                            fit: &fit,
                            subgroups: subgroups.as_ref(),
                        },
                    )
                }),
                Format::Csv => Output::stream(move |w| match &subgroups {
                    Some(sg) => metapool::report::csv::write_subgroups(w, sg),
                    None => metapool::report::csv::write(w, &fit),
                }),
            })
        }
        Command::Batch(args) => {
            let profile: Profile = args.model.profile.parse()?;
            let overrides = overrides(&args.model)?;
            let checked = metapool::data::read_csv_path_by_row_within(
                &args.file,
                &args.model.input.limits(),
            )?;
            let (effect_options, pool_options) =
                profile.resolve(checked.table.data_type(), &overrides);
            let n_groups = metapool::analysis::batch::group_count(&checked, &args.group_by)?;
            let bar = if std::io::stderr().is_terminal() {
                indicatif::ProgressBar::new(n_groups as u64)
            } else {
                indicatif::ProgressBar::hidden()
            };
            let rows = metapool::analysis::batch::batch_by_row(
                &checked,
                &args.group_by,
                &effect_options,
                &pool_options,
                &|| bar.inc(1),
            )?;
            bar.finish_and_clear();
            let failed = rows.iter().filter(|r| r.error.is_some()).count();
            if failed > 0 {
                warn_line(&format!(
                    "warning: {failed} of {} groups could not be pooled (see the error column)",
                    rows.len()
                ));
            }
            Ok(Output::stream(move |w| match args.format {
                BatchFormat::Csv => {
                    use metapool::report::csv::{batch_cells, batch_header};
                    use rayon::prelude::*;
                    let mut writer = metapool::report::csv::writer(w);
                    writer.write_record(batch_header())?;
                    for chunk in rows.chunks(4096) {
                        let cells: Vec<Vec<String>> = chunk.par_iter().map(batch_cells).collect();
                        for row in cells {
                            writer.write_record(&row)?;
                        }
                    }
                    writer.flush()
                }
                BatchFormat::Jsonl => {
                    for r in &rows {
                        json::to_writer_line(&mut *w, r)?;
                    }
                    Ok(())
                }
            }))
        }
        Command::Regress {
            file,
            mods,
            model,
            permutation,
            iterations,
            seed,
            exact,
            format,
        } => {
            let (table, effect_options, pool_options) = prepare(&file, &model)?;
            let effects = analysis_effects("regress", &table, &effect_options, &pool_options)?;
            let data = metapool::analysis::regression::regression_data(&table, &effects, &mods)?;
            let mut warnings = metapool::model::data_warnings(&effects);
            warnings.extend(data.warnings.iter().cloned());
            warn(&warnings);
            let method = pool_options.tau2;
            let knha = metapool::analysis::regression::knapp_hartung_for(pool_options.ci)?;
            let model = metapool::analysis::regression::Model {
                yi: &data.yi,
                vi: &data.vi,
                x: data.x.view(),
                names: &data.names,
                method,
                knapp_hartung: knha,
                level: pool_options.level,
            };
            let fit = model.fit()?;
            let perm = if permutation {
                let options = metapool::analysis::regression::PermutationOptions {
                    iterations,
                    exact,
                    seed,
                };
                // A refit costs about 2 µs per study (REML); show a bar from about a
                // second of refits (1000 iterations of 500 studies).
                let refits = model.permutation_refits(&options);
                let bar = progress_bar(refits, refits.saturating_mul(data.yi.len()) >= 500_000);
                let test = model.permutation_test_with(&options, &|| bar.inc(1));
                bar.finish_and_clear();
                Some(test?)
            } else {
                None
            };
            Ok(Output::from(match format {
                ReportFormat::Json => {
                    let mut v = json::to_value(&fit)?;
                    if let Some(obj) = v.as_object_mut() {
                        if let Some(test) = &perm {
                            obj.insert("permutation".into(), json::to_value(test)?);
                        }
                        obj.insert("omitted_rows".into(), json::to_value(&data.omitted_rows)?);
                        obj.insert("dropped".into(), json::to_value(&data.dropped)?);
                        obj.insert("warnings".into(), json::to_value(&warnings)?);
                    }
                    json::to_string_pretty(&v)?
                }
                ReportFormat::Text => {
                    metapool::report::text::render_regression(&fit, perm.as_ref(), &warnings)
                }
            }))
        }
        Command::Sensitivity {
            file,
            model,
            order,
            format,
        } => {
            let (table, effect_options, pool_options) = prepare(&file, &model)?;
            let effects = analysis_effects("sensitivity", &table, &effect_options, &pool_options)?;
            let mut warnings = metapool::model::data_warnings(&effects);
            warn(&warnings);
            let mut idx: Vec<usize> = (0..effects.k()).collect();
            if let Some(column) = &order {
                let key = table.numeric_covariate(column)?;
                idx.sort_by(|&a, &b| key[effects.index[a]].total_cmp(&key[effects.index[b]]));
            }
            use metapool::analysis::sensitivity::{sensitivity, Sensitivity};
            let k = effects.k();
            // About a second of refits from k = 2000 (REML, one core); fewer never
            // show a bar.
            let bar = progress_bar(Sensitivity::fits(k), k >= 2000);
            let result = sensitivity(&effects.yi, &effects.vi, &idx, &pool_options, &|| {
                bar.inc(1)
            });
            bar.finish_and_clear();
            let result = result?;
            let refit_warnings =
                metapool::report::text::sensitivity_warnings(&effects.labels, &result);
            warn(&refit_warnings);
            warnings.extend(refit_warnings);
            Ok(Output::from(match format {
                ReportFormat::Json => {
                    #[derive(serde::Serialize)]
                    struct Report<'a> {
                        studies: &'a [String],
                        #[serde(flatten)]
                        sensitivity: &'a Sensitivity,
                        warnings: &'a [String],
                    }
                    json::to_string_pretty(&Report {
                        studies: &effects.labels,
                        sensitivity: &result,
                        warnings: &warnings,
                    })?
                }
                ReportFormat::Text => metapool::report::text::render_sensitivity(
                    effects.measure,
                    &effects.labels,
                    &result,
                    &warnings,
                    pool_options.level,
                ),
            }))
        }
        Command::Bias {
            file,
            model,
            estimator,
            side,
            funnel,
            format,
        } => {
            use metapool::analysis::bias;
            let (table, effect_options, pool_options) = prepare(&file, &model)?;
            let effects = analysis_effects("bias", &table, &effect_options, &pool_options)?;
            let trim = bias::TrimFillOptions {
                estimator: match estimator.to_ascii_uppercase().as_str() {
                    "L0" => bias::MissingEstimator::L0,
                    "R0" => bias::MissingEstimator::R0,
                    other => return Err(invalid("estimator", other, "L0 or R0")),
                },
                side: side.as_deref().map(str::parse).transpose()?,
                ..bias::TrimFillOptions::default()
            };
            // The regression tests, Begg's test and trim and fill take about a second
            // from k = 10^5.
            let bar = progress_bar(bias::SMALL_STUDY_STEPS, effects.k() >= 100_000);
            let report =
                bias::small_study_effects(&table, &effects, &pool_options, &trim, &|| bar.inc(1));
            bar.finish_and_clear();
            let report = report?;
            warn(&report.warnings);
            if let Some(path) = &funnel {
                let fit = pool(&table, &effect_options, &pool_options)?;
                let filled = report.trim_and_fill.value();
                if filled.is_none() {
                    warn_line(&format!(
                        "warning: {}: the funnel plot shows the observed studies only (trim and \
                         fill was not computed)",
                        path.display()
                    ));
                }
                let svg = metapool::report::svg::funnel(&fit, filled);
                metapool::report::write_file(path, svg.as_bytes(), &[file.as_path()])?;
            }
            Ok(Output::from(match format {
                ReportFormat::Json => json::to_string_pretty(&report)?,
                ReportFormat::Text => metapool::report::text::render_bias(effects.measure, &report),
            }))
        }
        Command::Revman { file, format } => {
            let export = metapool::data::revman::read_revman(&file)?;
            let audit = metapool::audit::revman::audit_export(&export);
            warn(&audit.warnings);
            let text = match format {
                ReportFormat::Json => metapool::report::revman_json(&audit)?,
                ReportFormat::Text => metapool::report::revman_text(&audit),
            };
            Ok(Output {
                body: Body::Text(text),
                hold: audit.holds(),
            })
        }
        Command::Audit {
            claims,
            format,
            allow_outside,
        } => {
            let options = metapool::audit::claims::AuditOptions::allowing_outside(allow_outside);
            let audited = metapool::audit::claims::audit_registry_with(&claims, options)?;
            let hold = audited.iter().all(|a| a.verdict.kind.holds());
            let text = match format {
                ReportFormat::Json => json::to_string_pretty(&audited)?,
                ReportFormat::Text => metapool::report::audit_text(&audited),
            };
            Ok(Output {
                body: Body::Text(text),
                hold,
            })
        }
        Command::Effects {
            file,
            measure,
            profile,
            input,
        } => {
            let profile: Profile = profile.parse()?;
            let table = metapool::data::read_csv_path_within(&file, &input.limits())?;
            let overrides = Overrides {
                measure: measure.as_deref().map(str::parse::<Measure>).transpose()?,
                ..Overrides::default()
            };
            let (options, _): (EffectOptions, _) = profile.resolve(table.data_type(), &overrides);
            let effects = compute(&table, &options)?;
            warn(&effects.warnings);
            Ok(Output::stream(move |w| {
                let mut writer = metapool::report::csv::writer(w);
                writer.write_record(["study", "yi", "vi"])?;
                for ((label, yi), vi) in effects.labels.iter().zip(&effects.yi).zip(&effects.vi) {
                    writer.write_record([label.as_str(), &yi.to_string(), &vi.to_string()])?;
                }
                writer.flush()
            }))
        }
    }
}

/// The study effects of the analyses built on them (`sensitivity`, `regress`, `bias`):
/// those `pool` pools by inverse variance, checked as `pool` checks them. These analyses
/// fit inverse-variance models only: a Mantel-Haenszel or Peto fixed-effect method
/// (asked for, or the profile's default) is refused rather than replaced.
fn analysis_effects(
    command: &str,
    table: &metapool::data::StudyTable,
    effect_options: &EffectOptions,
    pool_options: &metapool::model::PoolOptions,
) -> metapool::Result<metapool::effect::Effects> {
    if pool_options.fixed != FixedMethod::InverseVariance {
        return Err(metapool::Error::InvalidArgument(format!(
            "`metapool {command}` fits inverse-variance models, and the {} fixed-effect \
             method (from --fixed or the profile) has none here; add --fixed iv",
            pool_options.fixed.name()
        )));
    }
    metapool::model::study_effects(table, effect_options)
}

/// A progress bar of `len` steps on stderr, shown when stderr is a terminal and the work
/// is `worth_showing` (it may take over a second); hidden otherwise.
fn progress_bar(len: usize, worth_showing: bool) -> indicatif::ProgressBar {
    if worth_showing && std::io::stderr().is_terminal() {
        indicatif::ProgressBar::new(len as u64)
    } else {
        indicatif::ProgressBar::hidden()
    }
}
