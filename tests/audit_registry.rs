//! Every verdict of the claims registry (data/claims.csv) and of the Cochrane figures
//! registry (data/cd007026/figures.csv), against what shared/sources/claims.md and
//! shared/sources/cerebrolysin.md say each check must find.

use metapool::audit::claims::{audit_registry, Audited};
use metapool::audit::consistency::{check_ci, mann_whitney_null_se, Scale};
use metapool::audit::figure::Printed;
use metapool::audit::VerdictKind::{self, *};
use std::path::Path;

fn verdicts(file: &str) -> Vec<Audited> {
    audit_registry(Path::new(file)).expect("registry")
}

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

#[test]
fn every_claim_of_the_web_documents_gets_the_verdict_its_check_implies() {
    let all = verdicts("data/claims.csv");
    assert_eq!(all.len(), 12, "claims.md lists 12 claims");
    // D3-1: candidate inputs only (cerebrolysin.md section 4).
    let r = expect(&all, "D3-1", Consistent);
    assert!(r.contains("candidate"), "{r}");
    // D3-2: MH fixed RR with RevMan's zero-cell rule, and metafor's default beside it.
    let r = expect(&all, "D3-2", Reproduced);
    assert_eq!(find(&all, "D3-2").verdict.recomputed, "2.39 (1.10 to 5.23)");
    assert!(r.contains("2.49 (1.12 to 5.56)"), "{r}");
    expect(&all, "D3-3", Consistent);
    expect(&all, "D2-1", Consistent);
    expect(&all, "D2-2", Consistent);
    expect(&all, "D2-3", Consistent);
    let r = expect(&all, "D1-1", Consistent);
    assert!(
        r.contains("with equal arms of 62, 41% and 28% cannot arise from whole patients"),
        "{r}"
    );
    for id in ["D1-2", "D1-3", "D1-4", "D1-5"] {
        let r = expect(&all, id, NotCheckable);
        assert!(r.starts_with("missing"), "{id}: {r}");
    }
    assert!(expect(&all, "D1-4", NotCheckable).contains("SDs"));
    let r = expect(&all, "D1-6", Inconsistent);
    assert!(
        r.contains("relative increase 46%") && r.contains("absolute difference 13 points"),
        "{r}"
    );
}

#[test]
fn every_cochrane_figure_that_inputs_allow_is_reproduced_or_consistent() {
    let all = verdicts("data/cd007026/figures.csv");
    for id in [
        "pub7 non-fatal SAE",
        "pub6 1.1.2",
        "pub6 1.1.3",
        "pub6 1.1.4",
        "pub6 1.2.2",
        "pub6 1.2.3",
        "pub6 1.3.2",
        "pub6 1.4",
        "pub6 1.4.1",
        "pub6 1.4.2",
        "pub6 1.4.3",
    ] {
        expect(&all, id, Reproduced);
    }
    for id in ["pub6 1.1", "pub6 1.1.1", "pub6 1.3", "pub6 1.3.1"] {
        let r = expect(&all, id, Consistent);
        assert!(r.contains("13 of the 13 reproduce it"), "{id}: {r}");
    }
    // The summary-of-findings figure 0.89 (0.60 to 1.31) is the fixed-effect result of
    // the data behind analysis 1.1 (printed 0.90 [0.61, 1.32] with random effects).
    let r = expect(&all, "pub6 SoF death", Consistent);
    assert!(
        r.contains("with fixed effect, 13 of the 13")
            && r.contains("with random effects, 0 of the 13"),
        "{r}"
    );
    // Printed 0.96 (0.65 to 1.41) (CD007026.pub7, summary of findings 1): the figure
    // shown beside the verdict is that of an input that reproduces it, named in the
    // reason (it was 0.96 (0.65 to 1.42), from a candidate that does not).
    let r = expect(&all, "pub7 death", Consistent);
    assert_eq!(
        find(&all, "pub7 death").verdict.recomputed,
        "0.96 (0.65 to 1.41)"
    );
    assert!(
        r.contains("shown: candidate ") && r.contains("entered as two comparisons"),
        "{r}"
    );
    for words in ["candidate splits", "revman5", "metafor gives"] {
        assert!(!r.contains(words), "{words}: {r}");
    }
    expect(&all, "pub7 fatal SAE", Consistent);
    for id in [
        "pub7 attrition",
        "pub7 SAE",
        "pub7 AE",
        "pub6 1.2",
        "pub6 1.2.1",
    ] {
        expect(&all, id, NotCheckable);
    }
    expect(&all, "CD008900 MMSE", Consistent);
}

/// MD 1.10 (0.37 to 1.82), by hand: SE = (1.82 − 0.37)/(2 × 1.959964) = 0.369904,
/// z = 1.10/0.369904 = 2.9737.
#[test]
fn implied_se_and_z_of_the_mmse_figure_by_hand() {
    let p = |s: &str| Printed::parse(s).expect("number");
    let implied = check_ci(p("1.10"), p("0.37"), p("1.82"), Scale::Difference, 0.95).expect("a CI");
    assert!(implied.symmetric);
    assert!((implied.se - 0.369904).abs() < 1e-6, "{}", implied.se);
    assert!((implied.z - 2.9737).abs() < 1e-4, "{}", implied.z);
}

/// Mann-Whitney null SE for arms of 221 and 221, by hand: √(443/(12 × 221²)) =
/// √(443/586092) = 0.0274928.
#[test]
fn mann_whitney_null_se_by_hand() {
    assert!((mann_whitney_null_se(221.0, 221.0) - 0.0274928).abs() < 1e-7);
}

#[test]
fn audit_command_prints_one_verdict_per_claim_and_json() {
    let bin = env!("CARGO_BIN_EXE_metapool");
    let out = std::process::Command::new(bin)
        .arg("audit")
        .output()
        .expect("run");
    // D1-1 and D1-6 are inconsistent: exit 1, as `diff` when files differ.
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).expect("utf-8");
    assert!(
        text.contains("D3-2") && text.contains("REPRODUCED"),
        "{text}"
    );
    let out = std::process::Command::new(bin)
        .args(["audit", "--format", "json"])
        .output()
        .expect("run");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v.as_array().map(Vec::len), Some(12));
    assert_eq!(v[1]["verdict"]["kind"], "reproduced");
}
