//! The main job: recompute the Cochrane figures on Cerebrolysin from the trial
//! extracts in `data/`, side by side with the printed ones, show where a different
//! convention gives a different answer, then audit the claims of four web documents.
//!
//! Run: `cargo run --example pool_cochrane` (text) or
//! `cargo run --example pool_cochrane -- --json` (JSON for machines).

use metapool::audit::claims::{audit_registry, Audited};
use metapool::data::{read_csv_path, DataType};
use metapool::effect::Measure;
use metapool::model::{pool, FixedMethod, MhCells};
use metapool::profile::Profile;
use serde::Serialize;
use std::path::Path;

/// One recomputation of a figure under a named convention.
#[derive(Serialize)]
struct Convention {
    convention: String,
    rr: f64,
    ci_lower: f64,
    ci_upper: f64,
    printed_as: String,
}

fn conventions(data: &Path) -> metapool::Result<Vec<Convention>> {
    let table = read_csv_path(data.join("cd007026/pub7_nonfatal_sae.csv"))?;
    let mut out = Vec::new();
    let mut add = |name: &str,
                   profile: Profile,
                   fixed: FixedMethod,
                   cells: Option<MhCells>|
     -> metapool::Result<()> {
        let (effect, mut options) = profile.options(Measure::RR, DataType::Binary, Some(fixed));
        options.tau2 = None;
        if let Some(cells) = cells {
            options.mh_cells = cells;
        }
        let f = pool(&table, &effect, &options)?.fixed.pooled;
        let (rr, lo, hi) = (f.estimate.exp(), f.ci_lower.exp(), f.ci_upper.exp());
        out.push(Convention {
            convention: name.into(),
            rr,
            ci_lower: lo,
            ci_upper: hi,
            printed_as: format!("{rr:.2} ({lo:.2} to {hi:.2})"),
        });
        Ok(())
    };
    add("RevMan 5: Mantel-Haenszel, 0.5 added to every cell of Ladurner 2005 (0/78 vs 1/68) inside the MH sums", Profile::RevMan5, FixedMethod::MantelHaenszel, None)?;
    add(
        "metafor rma.mh default: Mantel-Haenszel on the observed counts",
        Profile::Metafor,
        FixedMethod::MantelHaenszel,
        None,
    )?;
    add(
        "RevMan 5 without the increment inside the MH sums",
        Profile::RevMan5,
        FixedMethod::MantelHaenszel,
        Some(MhCells::Observed),
    )?;
    add(
        "inverse variance on log RRs (metafor rma(method = \"FE\"), escalc's 0.5 to zero cells)",
        Profile::Metafor,
        FixedMethod::InverseVariance,
        None,
    )?;
    Ok(out)
}

fn wrap(text: &str, indent: usize, width: usize) -> String {
    let mut out = String::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && indent + line.len() + 1 + word.len() > width {
            out += &format!("{}{}\n", " ".repeat(indent), line);
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line += word;
    }
    if !line.is_empty() {
        out += &format!("{}{}\n", " ".repeat(indent), line);
    }
    out
}

fn table(title: &str, rows: &[&Audited]) -> String {
    let mut out = format!("{title}\n{}\n", "-".repeat(title.chars().count()));
    out += &format!(
        "{:<20} {:<22} {:<22} {}\n",
        "figure", "printed", "recomputed", "verdict"
    );
    for a in rows {
        let v = &a.verdict;
        out += &format!(
            "{:<20} {:<22} {:<22} {}\n",
            a.claim.id,
            a.claim.figure,
            if v.recomputed.is_empty() {
                "-"
            } else {
                &v.recomputed
            },
            v.kind.label().to_uppercase()
        );
        out += &wrap(&format!("{}: {}", a.claim.claim, v.reason), 6, 92);
    }
    out + "\n"
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let json = std::env::args().any(|a| a == "--json");
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
    let figures = audit_registry(&data.join("cd007026/figures.csv"))?;
    let claims = audit_registry(&data.join("claims.csv"))?;
    let conventions = conventions(&data)?;
    if json {
        #[derive(Serialize)]
        struct Report<'a> {
            figures: &'a [Audited],
            conventions: &'a [Convention],
            claims: &'a [Audited],
        }
        print!(
            "{}",
            metapool::report::json::to_string_pretty(&Report {
                figures: &figures,
                conventions: &conventions,
                claims: &claims
            })?
        );
        return Ok(());
    }
    println!("metapool: the Cochrane evidence on Cerebrolysin, recomputed from the trial data");
    println!("================================================================================");
    print!(
        "{}",
        wrap(
            "Inputs: data/cd007026/ (trial extracts; every row says whether it is sourced or derived, and \
             from where). Convention: the RevMan 5 profile (Mantel-Haenszel; 0.5 added to every cell of a \
             trial with a zero cell; DerSimonian-Laird random effects about the MH estimate). A figure is \
             'reproduced' when the recomputed value rounds to every printed digit; 'consistent' when the \
             inputs are not unique and some candidate inputs reproduce it; 'not checkable' names what is \
             missing.",
            0,
            92
        )
    );
    println!();
    let by = |prefix: &str| {
        figures
            .iter()
            .filter(|a| a.claim.id.starts_with(prefix))
            .collect::<Vec<_>>()
    };
    print!(
        "{}",
        table(
            "CD007026.pub7 (2023), Summary of findings 1: Cerebrolysin vs placebo, RR (95% CI)",
            &by("pub7")
        )
    );
    print!(
        "{}",
        table(
            "CD007026.pub6 (2020): summary of findings and Comparison 1, RR (M-H, Random, 95% CI)",
            &by("pub6")
        )
    );
    print!(
        "{}",
        table(
            "CD008900 (2013), vascular dementia: MMSE (per-trial data not available)",
            &by("CD008900")
        )
    );
    let title =
        "Where the convention changes the answer: pub7 non-fatal SAEs, printed 2.39 (1.10 to 5.23)";
    println!("{title}\n{}", "-".repeat(title.chars().count()));
    for c in &conventions {
        println!("  {:<22} {}", c.printed_as, c.convention);
    }
    println!();
    print!(
        "{}",
        table(
            "Claims in four web documents (data/claims.csv)",
            &claims.iter().collect::<Vec<_>>()
        )
    );
    scan_documents();
    Ok(())
}

/// The four web documents scanned for every figure (`metapool scan`): the documents are
/// kept outside the repository, beside it in `../shared/documents/`; without them the
/// example says so and ends.
fn scan_documents() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/documents");
    let title = "Every figure of the four web documents (metapool scan)";
    println!("\n{title}\n{}", "-".repeat(title.chars().count()));
    let Ok(entries) = std::fs::read_dir(&dir) else {
        println!("  skipped: the documents are not at ../shared/documents/");
        return;
    };
    let mut files: Vec<_> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    files.sort();
    for file in files {
        let name = file
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
        match metapool::audit::scan::scan_path(&file, &metapool::data::InputLimits::DEFAULT) {
            Ok(scan) => {
                println!(
                    "  {name}: {} figures, {} inconsistent, {} not checkable",
                    scan.figures.len(),
                    scan.inconsistent(),
                    scan.not_checkable()
                );
                for f in scan
                    .figures
                    .iter()
                    .filter(|f| f.verdict.kind != metapool::audit::VerdictKind::NotCheckable)
                {
                    println!(
                        "    line {:>3}  {:<13} {:<44} {}",
                        f.line,
                        f.kind.name(),
                        f.text.replace('\n', " "),
                        f.verdict.kind.label()
                    );
                }
            }
            Err(e) => println!("  {name}: {e}"),
        }
    }
}
