//! Issue 16, item 5: on the four web documents behind the claims registry,
//! `metapool scan` finds every figure `data/claims.csv` holds (D1-1 to D3-3), and gives
//! the claims checked for consistency alone the verdicts `metapool audit` gives.
//!
//! The documents are test input kept outside the repository (`../shared/documents/`,
//! from the project root, with a README naming which claim ids each holds); the tests say
//! that they skip when it is absent.
//!
//! Two consistency-only claims bring numbers the document does not print beside the
//! figure, so a scan of the document cannot check them and says so (not checkable):
//! D2-1 (CASTA's n = 1070 against its arms 529 + 541, which come from the trial's
//! PubMed abstract) and D1-6 ("34–41% greater functional independence", which the
//! registry compares with the 41% and 28% of another paragraph).

use metapool::audit::claims::{audit_registry, read_registry};
use metapool::audit::scan::{scan_path, DocumentScan, FigureKind, ScannedFigure};
use metapool::audit::VerdictKind;
use metapool::data::InputLimits;
use std::path::{Path, PathBuf};

fn documents() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/documents");
    if dir.join("README.md").is_file() {
        Some(dir)
    } else {
        eprintln!(
            "skipped: the seed documents are not at {} (they are kept outside the repository)",
            dir.display()
        );
        None
    }
}

/// The document file of each claim prefix (`D1` → `000_....txt`), from the README's
/// table.
fn files(dir: &Path) -> Vec<(String, PathBuf)> {
    let readme = std::fs::read_to_string(dir.join("README.md")).expect("README");
    readme
        .lines()
        .filter_map(|l| {
            let cells: Vec<&str> = l.split('|').map(str::trim).collect();
            (cells.len() > 3 && cells[1].starts_with('D') && cells[2].ends_with(".txt"))
                .then(|| (cells[1].to_string(), dir.join(cells[2])))
        })
        .collect()
}

fn scan(path: &Path) -> DocumentScan {
    scan_path(path, &InputLimits::DEFAULT).expect("the document scans")
}

/// The numbers of a registry figure: `2.39 (1.10 to 5.23)` → [2.39, 1.10, 5.23];
/// `41%; 28%; 19%` → three figures; `22-28%` → one range.
fn registry_figures(figure: &str) -> Vec<Vec<f64>> {
    figure
        .split(';')
        .map(|part| {
            part.split(|c: char| !(c.is_ascii_digit() || c == '.'))
                .filter_map(|w| w.parse::<f64>().ok())
                .collect()
        })
        .collect()
}

/// The numbers a scanned figure stands for, as the registry writes them.
fn numbers(f: &ScannedFigure) -> Vec<f64> {
    match f.kind {
        FigureKind::EstimateCi => vec![
            f.estimate.unwrap_or(f64::NAN),
            f.lower.unwrap_or(f64::NAN),
            f.upper.unwrap_or(f64::NAN),
        ],
        FigureKind::Estimate => vec![f.estimate.unwrap_or(f64::NAN)],
        FigureKind::Percent | FigureKind::Count => match (f.value, f.lower, f.upper) {
            (Some(v), _, _) => vec![v],
            (None, Some(l), Some(u)) => vec![l, u],
            _ => vec![],
        },
        _ => vec![],
    }
}

/// The scanned figure for a registry figure's numbers: the same numbers, or (for an
/// estimate printed in the document without the interval the registry adds from its
/// source) the same estimate.
fn found<'a>(scan: &'a DocumentScan, wanted: &[f64]) -> Option<&'a ScannedFigure> {
    scan.figures
        .iter()
        .find(|f| numbers(f) == wanted)
        .or_else(|| {
            scan.figures
                .iter()
                .find(|f| f.kind == FigureKind::Estimate && numbers(f) == wanted[..1])
        })
}

#[test]
fn every_figure_of_the_registry_is_found() {
    let Some(dir) = documents() else { return };
    let registry = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/claims.csv");
    let claims = read_registry(&registry).expect("the registry");
    let files = files(&dir);
    let mut checked = 0;
    for (prefix, file) in &files {
        let scan = scan(file);
        for claim in claims
            .iter()
            .filter(|c| c.id.starts_with(&format!("{prefix}-")))
        {
            for wanted in registry_figures(&claim.figure) {
                let f = found(&scan, &wanted);
                assert!(
                    f.is_some(),
                    "{}: the figure {:?} ({}) is not found in {}",
                    claim.id,
                    wanted,
                    claim.figure,
                    file.display()
                );
                checked += 1;
            }
        }
    }
    // Twelve claims, D1-1 with three percentages (D4 holds none).
    assert_eq!(checked, 14, "every figure of D1-1 to D3-3");
}

#[test]
fn consistency_only_claims_get_the_audits_verdicts() {
    let Some(dir) = documents() else { return };
    let registry = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/claims.csv");
    let audited = audit_registry(&registry).expect("the audit");
    let files = files(&dir);
    let scans: Vec<(String, DocumentScan)> =
        files.iter().map(|(p, f)| (p.clone(), scan(f))).collect();
    let consistency_only = [
        "ci_consistency",
        "sum",
        "granularity_percent",
        "mann_whitney_p",
        "relative_difference",
    ];
    let mut compared = 0;
    for a in audited
        .iter()
        .filter(|a| consistency_only.contains(&a.claim.check.as_str()))
    {
        let prefix = a.claim.id.split('-').next().unwrap_or("");
        let (_, scan) = scans
            .iter()
            .find(|(p, _)| p == prefix)
            .expect("its document");
        for wanted in registry_figures(&a.claim.figure) {
            let f = found(scan, &wanted).expect("found");
            // The Mann-Whitney effect's check is on the p-value printed beside it.
            let verdict = if a.claim.check == "mann_whitney_p" {
                let at = scan
                    .figures
                    .iter()
                    .position(|x| std::ptr::eq(x, f))
                    .expect("in the scan");
                &scan.figures[at + 1].verdict
            } else {
                &f.verdict
            };
            match a.claim.id.as_str() {
                // Numbers the document does not print beside the figure (see the module
                // documentation).
                "D2-1" | "D1-6" => assert_eq!(
                    verdict.kind,
                    VerdictKind::NotCheckable,
                    "{}: {verdict:?}",
                    a.claim.id
                ),
                _ => assert_eq!(
                    verdict.kind, a.verdict.kind,
                    "{}: the scan says {verdict:?}, the audit {:?}",
                    a.claim.id, a.verdict
                ),
            }
            compared += 1;
        }
    }
    // D3-3, D2-1, D2-2, D2-3, D1-1 (three percentages), D1-6.
    assert_eq!(compared, 8);
}

#[test]
fn the_scan_of_d3_reads_the_measures_and_levels() {
    let Some(dir) = documents() else { return };
    let files = files(&dir);
    let (_, d3) = files.iter().find(|(p, _)| p == "D3").expect("D3");
    let scan = scan(d3);
    let sae = scan
        .figures
        .iter()
        .find(|f| f.kind == FigureKind::EstimateCi && f.estimate == Some(2.39))
        .expect("the non-fatal SAE risk ratio");
    assert_eq!(sae.measure.as_deref(), Some("RR"));
    assert_eq!(sae.level, Some(95.0));
    assert_eq!(sae.verdict.kind, VerdictKind::Consistent);
    let mmse = scan
        .figures
        .iter()
        .find(|f| f.kind == FigureKind::EstimateCi && f.estimate == Some(1.10))
        .expect("the MMSE WMD");
    assert_eq!(mmse.measure.as_deref(), Some("WMD"));
    // No figure of the four documents is inconsistent by the scan's checks alone.
    for (_, file) in &files {
        assert_eq!(
            scan_path(file, &InputLimits::DEFAULT)
                .expect("scan")
                .inconsistent(),
            0
        );
    }
}
