//! Claims registries and RevMan exports are typed when read (issue 13): each claim's
//! check is a `Check` with its parameters as values, the verdict cache is a value the
//! caller owns, and an export's method is the export's own enum.

use metapool::audit::claims::{AuditOptions, Check, Registry, VerdictCache};
use metapool::audit::reconstruct::Pooled;
use metapool::audit::VerdictKind;
use metapool::data::revman::{read_revman, Method, Model};
use metapool::model::{FixedMethod, Tau2Method};
use metapool::profile::Profile;
use std::path::{Path, PathBuf};

#[test]
fn the_committed_registry_reads_into_typed_checks() {
    let registry =
        Registry::read(Path::new("data/claims.csv"), AuditOptions::default()).expect("registry");
    let checks: Vec<&Check> = registry.checks().collect();
    assert_eq!(checks.len(), registry.claims().count());
    let Check::RecomputeCandidates {
        pooling,
        models,
        multiarm,
        ..
    } = checks[0]
    else {
        panic!("{:?}", checks[0]);
    };
    assert_eq!(models, &[Pooled::Fixed, Pooled::Random]);
    assert_eq!(pooling.profile, Profile::RevMan5);
    assert_eq!(pooling.fixed, Some(FixedMethod::MantelHaenszel));
    assert_eq!(pooling.tau2, Some(Some(Tau2Method::DL)));
    assert!(multiarm
        .as_deref()
        .is_some_and(|m| m.starts_with("Cortexin")));
    let Check::Recompute { model, pooling, .. } = checks[1] else {
        panic!("{:?}", checks[1]);
    };
    assert_eq!((*model, pooling.tau2), (Pooled::Fixed, Some(None)));
    assert!(matches!(
        checks[2],
        Check::CiConsistency { level, .. } if (level.proportion() - 0.95).abs() < 1e-12
    ));
    assert!(matches!(checks[3], Check::Sum { parts, .. } if parts == &[529.0, 541.0]));
    assert!(matches!(
        checks[4],
        Check::MannWhitneyP {
            n1: 221,
            n2: 221,
            ..
        }
    ));
}

struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// One cache kept over two audits: the input changes in between, and the second audit
/// gives the verdict of the new input, not the cached one.
#[test]
fn a_kept_cache_gives_the_new_verdict_of_a_changed_input() {
    let dir = Scratch(std::env::temp_dir().join(format!("metapool-cache-{}", std::process::id())));
    std::fs::create_dir_all(&dir.0).expect("scratch folder");
    let table = |e: u32| format!("study,events_e,n_e,events_c,n_c\nA,{e},10,2,10\nB,3,12,4,12\n");
    std::fs::write(dir.0.join("t.csv"), table(1)).expect("input");
    let registry = dir.0.join("claims.csv");
    std::fs::write(
        &registry,
        "id,document,claim,figure,measures,inputs,check,params,notes\n\
         a,d,c,0.50 (0.05 to 5.00),m,t.csv,recompute,measure=RR; profile=revman5; fixed=mh; tau2=none,\n",
    )
    .expect("registry");
    let read = || Registry::read(&registry, AuditOptions::default()).expect("registry");
    let mut cache = VerdictCache::new();
    let first = read().audit_with(&mut cache).expect("audit");
    assert_eq!(cache.len(), 1);
    let again = read().audit_with(&mut cache).expect("audit");
    assert_eq!(first, again);
    std::fs::write(dir.0.join("t.csv"), table(7)).expect("input"); // same length
    let second = read().audit_with(&mut cache).expect("audit");
    assert_ne!(
        first[0].verdict.recomputed, second[0].verdict.recomputed,
        "the kept cache repeated the verdict of the old input"
    );
    assert_eq!(cache.len(), 2);
    assert_ne!(second[0].verdict.kind, VerdictKind::NotCheckable);
}

#[test]
fn a_revman_export_names_its_method_and_model_as_values() {
    let export = read_revman(Path::new("tests/revman/Fleiss93_CR.csv")).expect("export");
    let analysis = export.outcomes[0].analysis.as_ref().expect("re-run");
    assert_eq!(
        (analysis.method, analysis.model),
        (Method::MantelHaenszel, Model::Fixed)
    );
}
