//! The `metapool` command line: argument parsing and nothing else. Each subcommand's
//! arguments, analysis and output are the library's (`metapool::command`).
use clap::{Parser, Subcommand};
use metapool::command::{
    AuditArgs, BatchArgs, BiasArgs, EffectsArgs, PoolArgs, Progress, RegressArgs, RevmanArgs,
    ScanArgs, SensitivityArgs,
};
use metapool::report::Report;
use std::io::{IsTerminal, Write};
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
    Audit(AuditArgs),
    /// Meta-regression on one or more moderator columns.
    Regress(Box<RegressArgs>),
    /// Leave-one-out, cumulative meta-analysis and influence diagnostics.
    Sensitivity(Box<SensitivityArgs>),
    /// Small-study effects: Egger, Begg-Mazumdar, Peters and Harbord tests; trim and fill.
    Bias(Box<BiasArgs>),
    /// Re-check a Cochrane review (.rm5, RevMan Web data package, RevMan 5 CSV export, or a
    /// folder of them): re-run every analysis, check every printed figure, and with
    /// --reanalyse show what current methods give.
    Revman(RevmanArgs),
    /// Find every statistical figure of a document (text, Markdown, HTML, PDF; or every
    /// file of a folder) and check each one at its printed precision.
    Scan(Box<ScanArgs>),
    /// Study-level effect sizes (yi, vi) of a study table, as CSV.
    Effects(Box<EffectsArgs>),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            // Help and version go to stdout: one that cannot be written (a full disk) is
            // a failure; a reader that went away (`| head`) is not.
            return match e.print() {
                Err(w) if code == 0 && w.kind() != std::io::ErrorKind::BrokenPipe => {
                    warn_line(&format!(
                        "metapool: {}",
                        metapool::Error::write("standard output", w)
                    ));
                    ExitCode::from(1)
                }
                _ => ExitCode::from(code),
            };
        }
    };
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    let terminal = Terminal(std::sync::RwLock::new(indicatif::ProgressBar::hidden()));
    let written = run(cli.command, &mut out, &terminal).and_then(|holds| {
        out.flush()
            .map_err(|e| metapool::Error::write("standard output", e))?;
        Ok(holds)
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

/// Runs the command and writes its report to `out`; true unless some figure it checked
/// does not hold.
fn run(command: Command, out: &mut dyn Write, p: &Terminal) -> metapool::Result<bool> {
    match command {
        Command::Pool(a) => emit(a.run(p)?, a.format, out),
        Command::Batch(a) => a.run_to(p, a.format, out, "standard output").map(|()| true),
        Command::Audit(a) => emit(a.run(p)?, a.format, out),
        Command::Regress(a) => emit(a.run(p)?, a.format, out),
        Command::Sensitivity(a) => emit(a.run(p)?, a.format, out),
        Command::Bias(a) => emit(a.run(p)?, a.format, out),
        Command::Revman(a) => emit(a.run(p)?, a.format, out),
        Command::Scan(a) => emit(a.run(p)?, a.format, out),
        Command::Effects(a) => emit(a.run(p)?, (), out),
    }
}

/// Writes `report` in `format` to `out`; whether its figures hold.
fn emit<R: Report>(report: R, format: R::Format, out: &mut dyn Write) -> metapool::Result<bool> {
    report
        .write(format, out)
        .map_err(|e| metapool::Error::write("standard output", e))?;
    Ok(report.holds())
}

/// Warnings on stderr as `warning: ...`, and a progress bar on stderr when it is a
/// terminal and the work is worth showing (it may take over a second).
struct Terminal(std::sync::RwLock<indicatif::ProgressBar>);

impl Progress for Terminal {
    fn warning(&self, message: &str) {
        warn_line(&format!("warning: {message}"));
    }

    fn begin(&self, steps: usize, worth_showing: bool) {
        let bar = if worth_showing && std::io::stderr().is_terminal() {
            indicatif::ProgressBar::new(steps as u64)
        } else {
            indicatif::ProgressBar::hidden()
        };
        if let Ok(mut current) = self.0.write() {
            *current = bar;
        }
    }

    fn step(&self) {
        if let Ok(bar) = self.0.read() {
            bar.inc(1);
        }
    }

    fn end(&self) {
        if let Ok(bar) = self.0.read() {
            bar.finish_and_clear();
        }
    }
}

/// Writes a line on stderr; a closed stderr is not a reason to fail.
fn warn_line(line: &str) {
    let _ = writeln!(std::io::stderr(), "{line}");
}
