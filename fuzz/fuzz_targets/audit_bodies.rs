//! The bodies of the audit fuzz targets (`figure_parser`, `claims_registry`), in a
//! module of their own so that `tests/fuzz_regressions.rs` runs the committed seeds
//! (`fuzz/corpus/<target>/`) and any crash found through the same code.

pub use claims::{claims_registry, remove_scratch};
pub use figure::figure_parser;

mod figure {

    use metapool::audit::consistency::{check_ci, p_consistent, Scale};
    use metapool::audit::figure::{round_half_even, round_half_up, Figure, Printed, Relation};
    use metapool::audit::granularity::{
        allocations, attainable_counts, mean_attainable, percent_attainable,
    };

    /// Totals of the allocation check, kept small: the bound of the check (10^8 steps) is
    /// too slow for a fuzzer's budget.
    const MAX_TOTAL: u64 = 300;

    fn printed(p: Printed) {
        let _ = p.text();
        let _ = p.bounds();
        let _ = p.matches(p.value);
        let _ = p.matches(p.value + p.half_unit());
        for d in [0, 1, 2, p.decimals.min(60)] {
            let _ = round_half_up(p.value, d);
            let _ = round_half_even(p.value, d);
        }
        for n in [1, 7, 62, 1000, u64::MAX] {
            let _ = mean_attainable(p, n);
            let _ = percent_attainable(p, n);
            let _ = attainable_counts(p, n);
        }
    }

    fn figure(f: &Figure) {
        match f {
            Figure::Estimate { estimate, ci, .. } => {
                printed(*estimate);
                let Some((lo, hi)) = ci else {
                    return;
                };
                printed(*lo);
                printed(*hi);
                let _ = f.matches_estimate(estimate.value, lo.value, hi.value);
                let _ = f.format_like(estimate.value, lo.value, hi.value);
                for scale in [Scale::Difference, Scale::Ratio] {
                    for level in [0.95, 0.9, 0.99, 0.5, 1.5, f64::NAN] {
                        if let Ok(implied) = check_ci(*estimate, *lo, *hi, scale, level) {
                            for relation in [Relation::Below, Relation::Equal, Relation::Above] {
                                let _ = p_consistent(relation, *estimate, implied.p_range);
                            }
                        }
                    }
                }
            }
            Figure::Percent(p) => printed(*p),
            Figure::PValue { relation, value } => {
                printed(*value);
                let _ = p_consistent(*relation, *value, (0.0, 1.0));
            }
            _ => {}
        }
    }

    /// The body of the `figure_parser` target.
    pub fn figure_parser(data: &[u8]) {
        let text = String::from_utf8_lossy(data);
        if let Ok(p) = Printed::parse(&text) {
            printed(p);
        }
        if let Ok(f) = Figure::parse(&text) {
            figure(&f);
        }
        // The granularity form: percentages separated by ';', against a small total taken
        // from the first byte.
        let percents: Vec<Printed> = text
            .split(';')
            .filter_map(|part| match Figure::parse(part) {
                Ok(Figure::Percent(p)) => Some(p),
                _ => None,
            })
            .collect();
        if !percents.is_empty() && percents.len() <= 4 {
            let total = u64::from(data.first().copied().unwrap_or(0)) % (MAX_TOTAL + 1);
            let _ = allocations(&percents, total);
        }
    }
}

mod claims {

    use metapool::audit::claims::{AuditOptions, Registry};
    use std::path::PathBuf;
    use std::sync::OnceLock;

    /// What the planted file outside the folder holds; it must never be quoted.
    const MARKER: &str = "PLANTED-OUTSIDE-5e1d";

    /// The scratch directory of this process: the registry's folder and the planted file.
    fn root() -> PathBuf {
        std::env::temp_dir().join(format!("metapool-fuzz-claims-{}", std::process::id()))
    }

    /// Removes the scratch directory (a test's last step; the target never calls it).
    pub fn remove_scratch() {
        let _ = std::fs::remove_dir_all(root());
    }

    /// The scratch folder (created once per process) and its path with links resolved.
    fn folder() -> &'static (PathBuf, PathBuf) {
        static FOLDER: OnceLock<(PathBuf, PathBuf)> = OnceLock::new();
        FOLDER.get_or_init(|| {
            let root = root();
            let folder = root.join("registry");
            std::fs::create_dir_all(folder.join("cd007026")).expect("scratch folder");
            for (name, bytes) in [
                (
                    "pub7_nonfatal_sae.csv",
                    &include_bytes!("../../data/cd007026/pub7_nonfatal_sae.csv")[..],
                ),
                (
                    "pub7_all_cause_death.csv",
                    &include_bytes!("../../data/cd007026/pub7_all_cause_death.csv")[..],
                ),
                (
                    "casta_cerelyse1_death_candidates.csv",
                    &include_bytes!("../../data/cd007026/casta_cerelyse1_death_candidates.csv")[..],
                ),
            ] {
                std::fs::write(folder.join(name), bytes).expect("input");
                std::fs::write(folder.join("cd007026").join(name), bytes).expect("input");
            }
            std::fs::write(
                root.join("outside.csv"),
                format!("study,events_e,n_e,events_c,n_c\n{MARKER},1,10,2,10\n"),
            )
            .expect("planted file");
            let real = folder.canonicalize().expect("scratch folder");
            (folder, real)
        })
    }

    /// The body of the `claims_registry` target.
    pub fn claims_registry(data: &[u8]) {
        // A registry may quote its own cells: one that holds the marker proves nothing.
        if data.windows(MARKER.len()).any(|w| w == MARKER.as_bytes()) {
            return;
        }
        let (folder, real) = folder();
        let registry = match Registry::from_bytes("fuzz.csv", data, folder, AuditOptions::default())
        {
            Ok(r) => r,
            Err(e) => {
                assert!(!e.to_string().contains(MARKER), "{e}");
                return;
            }
        };
        for path in registry.input_paths() {
            let resolved = path.canonicalize().expect("an input that resolved exists");
            assert!(
                resolved.starts_with(real),
                "{} is outside the folder",
                path.display()
            );
        }
        match registry.audit() {
            Ok(audited) => {
                for a in audited {
                    assert!(!a.verdict.reason.contains(MARKER), "{}", a.verdict.reason);
                    assert!(
                        !a.verdict.recomputed.contains(MARKER),
                        "{}",
                        a.verdict.recomputed
                    );
                }
            }
            Err(e) => assert!(!e.to_string().contains(MARKER), "{e}"),
        }
    }
}
