//! A claims registry whose inputs are analyses of Cochrane review files
//! (`review.rm5#1.2`): the committed registry `tests/claims_review/claims.csv`, whose
//! expected verdicts come from the figures the review files print, and registries built
//! in a scratch folder for the other forms of review (a data package, its folder) and
//! for the errors, which `metapool audit` reports as bad input (exit status 2, one line
//! naming the registry, the claim's row and the column).

use metapool::audit::claims::{audit_registry, AuditOptions, Audited, Check, Registry};
use metapool::audit::VerdictKind::{self, *};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const HEADER: &str = "id,document,claim,figure,measures,inputs,check,params,notes\n";

fn find<'a>(all: &'a [Audited], id: &str) -> &'a Audited {
    all.iter()
        .find(|a| a.claim.id == id)
        .unwrap_or_else(|| panic!("no claim {id}"))
}

fn expect(all: &[Audited], id: &str, kind: VerdictKind) -> String {
    let a = find(all, id);
    assert_eq!(a.verdict.kind, kind, "{id}: {}", a.verdict);
    a.verdict.reason.clone()
}

/// The committed registry: the Fleiss aspirin analysis (OR, M-H, fixed) through the
/// review file and the CSV export, an altered figure, and the continuous analysis of
/// the export (MD, IV, fixed). The printed figures are the files' own, rounded.
#[test]
fn the_committed_review_claims_get_the_verdicts_their_files_imply() {
    let all = audit_registry(Path::new("tests/claims_review/claims.csv")).expect("registry");
    assert_eq!(all.len(), 4);
    // EFFECT_SIZE 0.8968655609130709, CI 0.8405144008917793 to 0.9569947088336491.
    let r = expect(&all, "F1", Reproduced);
    assert_eq!(find(&all, "F1").verdict.recomputed, "0.90 (0.84 to 0.96)");
    assert_eq!(
        r,
        "OR 0.8969 (0.8405 to 0.9570), M-H fixed effect, from Fleiss1993.rm5 analysis 1.1 \
         (7 studies)"
    );
    // The export prints 0.89686556 (0.8405144 to 0.95699471).
    let r = expect(&all, "F2", Reproduced);
    assert!(
        r.starts_with("OR 0.8969 (0.8405 to 0.9570), M-H fixed effect, from Fleiss93_CR.csv"),
        "{r}"
    );
    let r = expect(&all, "F3", NotReproduced);
    assert!(
        r.starts_with("recomputed 0.90 (0.84 to 0.96); OR 0.8969"),
        "{r}"
    );
    // Effect Estimate -0.70938839, CI -1.25848502 to -0.16029176.
    let r = expect(&all, "F4", Reproduced);
    assert_eq!(
        r,
        "MD -0.7094 (-1.2585 to -0.1603), IV fixed effect, from Fleiss93_CR.csv analysis \
         1.2 (5 studies)"
    );
    assert_eq!(
        find(&all, "F4").verdict.recomputed,
        "-0.71 (-1.26 to -0.16)"
    );
}

#[test]
fn a_review_input_is_read_into_a_typed_check_with_its_analysis() {
    let registry = Registry::read(
        Path::new("tests/claims_review/claims.csv"),
        AuditOptions::default(),
    )
    .expect("registry");
    let checks: Vec<&Check> = registry.checks().collect();
    let Check::RecomputeReview { analysis, .. } = checks[3] else {
        panic!("{:?}", checks[3]);
    };
    assert_eq!(
        (
            analysis.file.as_str(),
            analysis.analysis.as_str(),
            analysis.subgroup
        ),
        ("Fleiss93_CR.csv", "1.2", None)
    );
    // The input resolves to the file part.
    let paths: Vec<&Path> = registry.input_paths().collect();
    assert!(paths[0].ends_with("Fleiss1993.rm5"), "{paths:?}");
}

/// The command exits with 1: claim F3 is not reproduced.
#[test]
fn the_command_reports_the_review_claims() {
    let out = Command::new(env!("CARGO_BIN_EXE_metapool"))
        .args(["audit", "tests/claims_review/claims.csv"])
        .output()
        .expect("run metapool");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("from Fleiss1993.rm5 analysis 1.1"),
        "{stdout}"
    );
    assert!(stdout.contains("NOT REPRODUCED"), "{stdout}");
}

/// A scratch directory, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!(
            "metapool-claims-review-{}-{name}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("scratch directory");
        Scratch(dir)
    }

    fn file(&self, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let path = self.0.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("folder");
        }
        std::fs::write(&path, bytes).expect("write the case");
        path
    }

    /// Copies a committed file of tests/revman to `to` in the scratch directory.
    fn copy(&self, from: &str, to: &str) {
        let bytes = std::fs::read(Path::new("tests/revman").join(from)).expect("fixture");
        self.file(to, bytes);
    }

    /// A registry of `rows` (after the header) in `folder`.
    fn registry(&self, folder: &str, rows: &str) -> PathBuf {
        self.file(&format!("{folder}/claims.csv"), format!("{HEADER}{rows}"))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A claim row: `id`, `figure`, `inputs`, `check`, `params`.
fn claim(id: &str, figure: &str, inputs: &str, check: &str, params: &str) -> String {
    format!("{id},d,c,\"{figure}\",m,\"{inputs}\",{check},{params},\n")
}

/// A claim row `a`.
fn row(figure: &str, inputs: &str, check: &str, params: &str) -> String {
    claim("a", figure, inputs, check, params)
}

/// A RevMan Web data package, as the zip and as its unpacked folder, and the random
/// effects and subgroups of a CSV export (cd007026 analysis 1.4, RR, M-H, random: the
/// review prints 2.15 [1.01, 4.55], subgroup 1 2.86 [1.23, 6.66]).
#[test]
fn every_review_format_and_a_subgroup_are_read() {
    let s = Scratch::new("formats");
    s.copy("Fleiss1993_revman_web.zip", "reg/Fleiss1993_revman_web.zip");
    let data = "921923100913455418-analysis-data";
    for f in std::fs::read_dir(Path::new("tests/revman/Fleiss1993_web").join(data)).expect("folder")
    {
        let f = f.expect("entry").file_name().to_string_lossy().into_owned();
        s.copy(
            &format!("Fleiss1993_web/{data}/{f}"),
            &format!("reg/web/{data}/{f}"),
        );
    }
    s.copy("cd007026_pub6_analysis_1_4.csv", "reg/cd007026.csv");
    let path = s.registry(
        "reg",
        &[
            claim(
                "a",
                "0.90 (0.84 to 0.96)",
                "Fleiss1993_revman_web.zip#1.1",
                "recompute",
                "",
            ),
            claim("b", "0.90 (0.84 to 0.96)", "web#1.1", "recompute", ""),
            claim(
                "c",
                "2.15 [1.01, 4.55]",
                "cd007026.csv#1.4",
                "recompute",
                "",
            ),
            claim(
                "d",
                "2.86 [1.23, 6.66]",
                "cd007026.csv#1.4.1",
                "recompute",
                "",
            ),
            claim("e", "0.90", "web#1.1", "recompute", ""),
        ]
        .concat(),
    );
    let all = audit_registry(&path).expect("registry");
    for id in ["a", "b", "e"] {
        let r = expect(&all, id, Reproduced);
        assert!(
            r.starts_with("OR 0.8969 (0.8405 to 0.9570), M-H fixed effect"),
            "{r}"
        );
    }
    let r = expect(&all, "c", Reproduced);
    assert!(
        r.contains("RR") && r.contains("M-H random effects") && r.contains("analysis 1.4 ("),
        "{r}"
    );
    let r = expect(&all, "d", Reproduced);
    assert!(r.contains("analysis 1.4, subgroup 1 (2 studies)"), "{r}");
    assert_eq!(find(&all, "e").verdict.recomputed, "0.90");
}

fn audit(path: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_metapool"))
        .arg("audit")
        .arg(path)
        .output()
        .expect("run metapool")
}

/// The message of a run that must be a bad-input error at row 2 and `column`, or what
/// is wrong with it.
fn bad_input(path: &Path, out: &Output, column: &str) -> std::result::Result<String, String> {
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let mut problems = Vec::new();
    if out.status.code() != Some(2) {
        problems.push(format!("exit status {:?}, expected 2", out.status.code()));
    }
    if !out.stdout.is_empty() {
        problems.push(format!("{} bytes on stdout", out.stdout.len()));
    }
    if stderr.lines().count() != 1 {
        problems.push(format!("{} lines on stderr", stderr.lines().count()));
    }
    let prefix = format!("metapool: {}, row 2, column '{column}':", path.display());
    if !stderr.starts_with(&prefix) {
        problems.push(format!("does not start with '{prefix}'"));
    }
    if !stderr.contains("expected") {
        problems.push("does not say what was expected".into());
    }
    if problems.is_empty() {
        Ok(stderr)
    } else {
        Err(format!("{}: {stderr}", problems.join("; ")))
    }
}

#[test]
fn a_review_input_that_cannot_be_checked_is_an_error_of_its_cell() {
    let s = Scratch::new("errors");
    s.copy("Fleiss1993.rm5", "reg/review.rm5");
    s.copy("Fleiss1993.rm5", "outside.rm5");
    s.file(
        "reg/t.csv",
        "study,events_e,n_e,events_c,n_c\nA,1,10,2,10\n",
    );
    s.file("reg/notes.txt", "not a review\nat all\n");
    let f = "0.90 (0.84 to 0.96)";
    // (case, row, column, words the message must hold)
    let cases: Vec<(&str, String, &str, Vec<&str>)> = vec![
        (
            "no such analysis",
            row(f, "review.rm5#9.9", "recompute", ""),
            "inputs",
            vec!["no analysis 9.9", "1.1, 1.2"],
        ),
        (
            "no such file",
            row(f, "missing.rm5#1.1", "recompute", ""),
            "inputs",
            vec!["missing.rm5", "registry's folder"],
        ),
        (
            "outside the folder",
            row(f, "../outside.rm5#1.1", "recompute", ""),
            "inputs",
            vec!["climbs out", "--allow-outside"],
        ),
        (
            "a '#' without a number",
            row(f, "review.rm5#", "recompute", ""),
            "inputs",
            vec!["no analysis number"],
        ),
        (
            "not a number",
            row(f, "review.rm5#one", "recompute", ""),
            "inputs",
            vec!["'one' is not an analysis number"],
        ),
        (
            "no file before '#'",
            row(f, "#1.1", "recompute", ""),
            "inputs",
            vec!["no review file"],
        ),
        (
            "mixed with a study table",
            row(f, "review.rm5#1.1; t.csv", "recompute", ""),
            "inputs",
            vec!["'t.csv' beside it", "alone"],
        ),
        (
            "two review analyses",
            row(f, "review.rm5#1.1; review.rm5#1.2", "recompute", ""),
            "inputs",
            vec!["alone"],
        ),
        (
            "another check",
            row(f, "review.rm5#1.1", "ci_consistency", ""),
            "inputs",
            vec!["only recompute reads"],
        ),
        (
            "a measure the review fixes",
            row(
                f,
                "review.rm5#1.1",
                "recompute",
                "measure=OR; profile=revman5",
            ),
            "params",
            vec!["the review file fixes", "'measure'"],
        ),
        (
            "a subgroup param",
            row(f, "review.rm5#1.1", "recompute", "subgroup=1"),
            "params",
            vec!["review.rm5#1.1.1"],
        ),
        (
            "a subgroup the analysis does not have",
            row(f, "review.rm5#1.1.3", "recompute", ""),
            "inputs",
            vec!["no subgroup 3", "no subgroups"],
        ),
        (
            "not a review",
            row(f, "notes.txt#1.1", "recompute", ""),
            "inputs",
            vec!["cannot be read as a review", "notes.txt"],
        ),
        (
            "a level the analysis does not have",
            row(
                "0.90 (90% CI 0.85 to 0.95)",
                "review.rm5#1.1",
                "recompute",
                "",
            ),
            "figure",
            vec!["90% CI", "95% CIs"],
        ),
    ];
    let mut failures = Vec::new();
    for (name, rows, column, words) in &cases {
        // One registry, rewritten for each case: its inputs are in reg/.
        let path = s.registry("reg", rows);
        match bad_input(&path, &audit(&path), column) {
            Ok(message) => {
                for w in words {
                    if !message.contains(w) {
                        failures.push(format!("{name}: no '{w}' in {message}"));
                    }
                }
            }
            Err(e) => failures.push(format!("{name}: {e}")),
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

/// The verdict cache keys a review analysis by the review as read and its number: two
/// analyses of one file with the same figure get their own verdicts, and a review that
/// changed between two audits is read anew.
#[test]
fn the_verdict_cache_keys_a_review_analysis_by_its_number_and_content() {
    let s = Scratch::new("cache");
    s.copy("Fleiss93_CR.csv", "reg/export.csv");
    let figure = "-0.71 (-1.26 to -0.16)";
    let path = s.registry(
        "reg",
        &[
            claim("one", figure, "export.csv#1.1", "recompute", ""),
            claim("two", figure, "export.csv#1.2", "recompute", ""),
        ]
        .concat(),
    );
    let read = || Registry::read(&path, AuditOptions::default()).expect("registry");
    let mut cache = metapool::audit::claims::VerdictCache::new();
    let first = read().audit_with(&mut cache).expect("audit");
    assert_eq!(first[0].verdict.kind, NotReproduced, "{}", first[0].verdict);
    assert_eq!(first[1].verdict.kind, Reproduced, "{}", first[1].verdict);
    assert_eq!(cache.len(), 2);
    // Hart's mean 1 of 12.5 becomes 19.5 (same length): analysis 1.2 moves.
    let export = std::fs::read_to_string(s.0.join("reg/export.csv")).expect("export");
    let changed = export.replacen(",0,12.5,1.47,20,", ",0,19.5,1.47,20,", 1);
    assert_ne!(changed, export);
    s.file("reg/export.csv", changed);
    let second = read().audit_with(&mut cache).expect("audit");
    assert_eq!(
        second[1].verdict.kind, NotReproduced,
        "{}",
        second[1].verdict
    );
    assert_ne!(first[1].verdict.recomputed, second[1].verdict.recomputed);
}
