//! The `metapool` command line: argument parsing and nothing else.
use clap::{Parser, Subcommand};
use metapool::effect::{compute, EffectOptions, Measure};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "metapool", version, about = "Meta-analysis you can audit")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Study-level effect sizes (yi, vi) of a study table, as CSV.
    Effects {
        /// The study table (CSV).
        file: PathBuf,
        /// Effect measure: RR, OR, RD, PETO, MD, SMD, ROM or GEN.
        #[arg(long, default_value = "RR")]
        measure: String,
    },
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
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("metapool: {e}");
            ExitCode::from(if e.is_user_error() { 2 } else { 1 })
        }
    }
}

fn run(cli: Cli) -> metapool::Result<()> {
    match cli.command {
        Command::Effects { file, measure } => {
            let table = metapool::data::read_csv_path(&file)?;
            let measure: Measure = measure.parse()?;
            let effects = compute(&table, &EffectOptions::new(measure))?;
            for w in &effects.warnings {
                eprintln!("warning: {w}");
            }
            println!("study,yi,vi");
            for ((label, yi), vi) in effects.labels.iter().zip(&effects.yi).zip(&effects.vi) {
                println!("{},{yi},{vi}", csv_field(label));
            }
            Ok(())
        }
    }
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}
