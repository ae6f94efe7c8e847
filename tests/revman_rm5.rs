//! RevMan 5 review files (`.rm5`) re-checked: the real fixture figure by figure, a
//! tampered copy flagged exactly where it was changed, and broken files refused with
//! the line and element named.

use metapool::audit::revman::{audit_review, OutcomeStatus, ReviewAudit};
use metapool::audit::VerdictKind;
use metapool::data::revman::{read_revman, read_revman_bytes, ReviewFormat, StudyArms};
use metapool::Error;
use std::path::Path;

const FLEISS: &str = "tests/revman/Fleiss1993.rm5";

fn fleiss() -> String {
    // ISO-8859-1 as declared; the file is ASCII, so its bytes are its text.
    String::from_utf8(std::fs::read(FLEISS).expect("fixture")).expect("ASCII")
}

fn audit_of(source: &str, text: &str) -> ReviewAudit {
    audit_review(&read_revman_bytes(source, text.as_bytes()).expect("a readable review"))
}

/// (outcome, line, attribute) of every figure that does not hold.
fn failures(audit: &ReviewAudit) -> Vec<(String, usize, String)> {
    audit
        .outcomes
        .iter()
        .flat_map(|o| &o.checks)
        .filter(|c| !c.verdict.kind.holds())
        .map(|c| (c.outcome.clone(), c.row, c.column.clone()))
        .collect()
}

/// The figures RevMan wrote on the outcome element of analysis 1.1 (line 441 of the
/// file), each reproduced to 1e-9 relative: every attribute that is a result.
#[test]
fn every_figure_of_the_fixture_is_reproduced() {
    let review = read_revman(Path::new(FLEISS)).expect("fixture");
    assert_eq!(review.format, ReviewFormat::Rm5);
    let audit = audit_review(&review);
    assert_eq!(failures(&audit), Vec::<(String, usize, String)>::new());
    assert_eq!((audit.figures, audit.reproduced), (111, 111));
    assert!(audit.holds());
    let o = &audit.outcomes[0];
    assert_eq!(
        (o.id.as_str(), o.status),
        ("1.1", OutcomeStatus::Reproduced)
    );
    assert_eq!(o.comparison, "Examples from Fleiss (1993)");
    let outcome_figures: Vec<&str> = o
        .checks
        .iter()
        .filter(|c| c.row == 441)
        .map(|c| c.column.as_str())
        .collect();
    let mut expected = vec![
        "CHI2",
        "CI_END",
        "CI_START",
        "DF",
        "EFFECT_SIZE",
        "ESTIMABLE",
        "EVENTS_1",
        "EVENTS_2",
        "I2",
        "I2_Q",
        "LOG_CI_END",
        "LOG_CI_START",
        "LOG_EFFECT_SIZE",
        "P_CHI2",
        "P_Q",
        "P_Z",
        "Q",
        "STUDIES",
        "TAU2",
        "TOTAL_1",
        "TOTAL_2",
        "WEIGHT",
        "Z",
    ];
    let mut got = outcome_figures.clone();
    got.sort_unstable();
    expected.sort_unstable();
    assert_eq!(got, expected);
    // Each of the seven study rows: effect, CI, both logs, SE, VAR, O_E, weight, ESTIMABLE.
    for line in 447..=453 {
        let n = o.checks.iter().filter(|c| c.row == line).count();
        assert_eq!(n, 11, "line {line}");
    }
    // RevMan's χ² tail (not the exact one, 7.4e-8 below) is what the file holds.
    let p = o
        .checks
        .iter()
        .find(|c| c.column == "P_CHI2")
        .expect("P_CHI2");
    assert_eq!(p.printed, "0.1269422521561745");
    assert_eq!(p.verdict.kind, VerdictKind::Reproduced);
    // The continuous outcome was saved without results (RevMan left them empty): what it
    // does print (totals, df, studies, weight, estimable) is reproduced.
    let o = &audit.outcomes[1];
    assert_eq!(
        (o.id.as_str(), o.status),
        ("1.2", OutcomeStatus::Reproduced)
    );
    let pooled: Vec<&str> = o
        .checks
        .iter()
        .filter(|c| c.row == 455)
        .map(|c| c.column.as_str())
        .collect();
    assert_eq!(
        pooled,
        ["DF", "ESTIMABLE", "STUDIES", "TOTAL_1", "TOTAL_2", "WEIGHT"]
    );
}

/// The study data are read as RevMan wrote them, with the studies' names.
#[test]
fn the_study_rows_are_read_with_their_names_and_data() {
    let review = read_revman(Path::new(FLEISS)).expect("fixture");
    let o = &review.outcomes[0];
    assert_eq!(o.studies.len(), 7);
    assert_eq!(o.studies[0].printed.name, "MRC-1");
    assert_eq!(o.studies[0].printed.row, 447);
    assert_eq!(
        o.studies[0].arms,
        Some(StudyArms::Dichotomous {
            events_1: 49.0,
            total_1: 615.0,
            events_2: 67.0,
            total_2: 624.0
        })
    );
    let c = &review.outcomes[1];
    assert_eq!(c.studies[0].printed.name, "Davis");
    assert_eq!(
        c.studies[0].arms,
        Some(StudyArms::Continuous {
            mean_1: 5.0,
            sd_1: 4.7,
            total_1: 13.0,
            mean_2: 6.5,
            sd_2: 3.8,
            total_2: 13.0
        })
    );
}

/// A copy with four figures altered beyond 1e-9 relative (the agreement a double RevMan
/// wrote in full is checked to) is flagged at exactly those four, and nowhere else.
#[test]
fn a_tampered_copy_is_flagged_exactly_at_the_tampered_figures() {
    let tampered = fleiss()
        .replacen(
            "EFFECT_SIZE=\"0.8968655609130709\"",
            "EFFECT_SIZE=\"0.8968655709130709\"",
            1,
        )
        .replacen(
            "P_CHI2=\"0.1269422521561745\"",
            "P_CHI2=\"0.1269422621561745\"",
            1,
        )
        .replacen(
            "WEIGHT=\"3.1016891143394365\"",
            "WEIGHT=\"3.1016891243394365\"",
            1,
        )
        .replacen("TOTAL_2=\"126\"", "TOTAL_2=\"127\"", 1);
    let audit = audit_of("tampered.rm5", &tampered);
    let expected: Vec<(String, usize, String)> = [
        ("1.1", 441, "EFFECT_SIZE"),
        ("1.1", 441, "P_CHI2"),
        ("1.1", 448, "WEIGHT"),
        ("1.2", 455, "TOTAL_2"),
    ]
    .iter()
    .map(|&(o, l, a)| (o.to_string(), l, a.to_string()))
    .collect();
    let mut got = failures(&audit);
    got.sort();
    assert_eq!(got, expected);
    assert!(!audit.holds());
    assert_eq!(audit.not_reproduced, 4);
}

/// The same review in UTF-8 (declared so) and with a byte-order mark reads as the
/// ISO-8859-1 original; a file named otherwise is recognised by its content.
#[test]
fn encodings_and_names_do_not_change_the_review() {
    let original = audit_of("a", &fleiss());
    let utf8 = fleiss().replacen("encoding=\"ISO-8859-1\"", "encoding=\"UTF-8\"", 1);
    assert_eq!(audit_of("a", &utf8).outcomes, original.outcomes);
    let bom = format!("\u{feff}{}", fleiss());
    assert_eq!(audit_of("a", &bom).outcomes, original.outcomes);
    let dir = std::env::temp_dir().join(format!("metapool-rm5-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let renamed = dir.join("review.csv");
    std::fs::write(&renamed, fleiss()).expect("write");
    let review = read_revman(&renamed).expect("read by content");
    assert_eq!(review.format, ReviewFormat::Rm5);
    assert_eq!(audit_review(&review).outcomes, original.outcomes);
}

/// Latin-1 text in a name is decoded as declared: `²` is one byte in ISO-8859-1.
#[test]
fn latin1_names_are_decoded() {
    let mut bytes = fleiss().into_bytes();
    let at = bytes
        .windows(7)
        .position(|w| w == b"Aspirin")
        .expect("name");
    bytes[at] = 0xC5; // Å in ISO-8859-1
    let review = read_revman_bytes("latin1.rm5", &bytes).expect("read");
    assert!(review.outcomes[0].name.starts_with("Åspirin"));
}

/// The message of a broken file: an input error naming the file, the line and the
/// element.
fn refused(name: &str, bytes: &[u8]) -> String {
    match read_revman_bytes(name, bytes) {
        Err(e @ Error::Input { .. }) => e.to_string(),
        other => panic!("{name}: expected an input error, got {other:?}"),
    }
}

#[test]
fn broken_review_files_are_refused_naming_line_and_element() {
    let text = fleiss();
    // Cut short in the middle of the analyses.
    let cut = &text[..text.find("<CONT_DATA").expect("data") + 30];
    let e = refused("cut.rm5", cut.as_bytes());
    assert!(
        e.starts_with("cut.rm5, line ") && e.contains("not well-formed XML"),
        "{e}"
    );
    // Declared UTF-8, written in Latin-1.
    let mut bytes = text
        .replacen("encoding=\"ISO-8859-1\"", "encoding=\"UTF-8\"", 1)
        .into_bytes();
    let at = bytes
        .windows(7)
        .position(|w| w == b"Aspirin")
        .expect("name");
    bytes[at] = 0xC5;
    let e = refused("utf8.rm5", &bytes);
    assert!(e.contains("line 442") && e.contains("not UTF-8"), "{e}");
    // An encoding RevMan does not write.
    let e = refused(
        "koi8.rm5",
        text.replacen("ISO-8859-1", "KOI8-R", 1).as_bytes(),
    );
    assert!(e.contains("line 1") && e.contains("KOI8-R"), "{e}");
    // UTF-16.
    let e = refused("utf16.rm5", b"\xFF\xFE<\x00?\x00");
    assert!(e.contains("UTF-16"), "{e}");
    // A missing attribute of the outcome.
    let e = refused(
        "random.rm5",
        text.replacen(" RANDOM=\"NO\"", "", 1).as_bytes(),
    );
    assert!(
        e.contains("line 441, element DICH_OUTCOME, attribute RANDOM"),
        "{e}"
    );
    let e = refused(
        "measure.rm5",
        text.replacen("EFFECT_MEASURE=\"OR\"", "EFFECT_MEASURE=\"HR\"", 1)
            .as_bytes(),
    );
    assert!(
        e.contains("attribute EFFECT_MEASURE") && e.contains("'HR'"),
        "{e}"
    );
    let e = refused(
        "method.rm5",
        text.replacen("METHOD=\"MH\"", "METHOD=\"Bayes\"", 1)
            .as_bytes(),
    );
    assert!(e.contains("attribute METHOD"), "{e}");
    // Study data RevMan would not write.
    let e = refused(
        "events.rm5",
        text.replacen("EVENTS_1=\"49\"", "EVENTS_1=\"forty\"", 1)
            .as_bytes(),
    );
    assert!(
        e.contains("line 447, element DICH_DATA, attribute EVENTS_1") && e.contains("forty"),
        "{e}"
    );
    let e = refused(
        "over.rm5",
        text.replacen("EVENTS_1=\"49\"", "EVENTS_1=\"700\"", 1)
            .as_bytes(),
    );
    assert!(e.contains("exceed TOTAL_1"), "{e}");
    let e = refused(
        "sd.rm5",
        text.replacen("SD_1=\"4.7\"", "SD_1=\"-4.7\"", 1).as_bytes(),
    );
    assert!(
        e.contains("attribute SD_1") && e.contains("standard deviation"),
        "{e}"
    );
    let e = refused(
        "level.rm5",
        text.replacen("CI_TOTAL=\"95\"", "CI_TOTAL=\"abc\"", 1)
            .as_bytes(),
    );
    assert!(e.contains("attribute CI_TOTAL"), "{e}");
    // No analyses, and a document that is not a review.
    let start = text.find("<ANALYSES_AND_DATA").expect("analyses");
    let end = text.find("</ANALYSES_AND_DATA>").expect("end") + "</ANALYSES_AND_DATA>".len();
    let none = format!("{}{}", &text[..start], &text[end..]);
    let e = refused("none.rm5", none.as_bytes());
    assert!(e.contains("no ANALYSES_AND_DATA"), "{e}");
    let e = refused("other.xml", b"<?xml version=\"1.0\"?><html/>");
    assert!(e.contains("COCHRANE_REVIEW"), "{e}");
}

/// Every prefix of the file is an error or a review, never a panic.
#[test]
fn every_prefix_of_the_file_is_read_or_refused() {
    let text = fleiss();
    let step = 97;
    for end in (0..text.len()).step_by(step) {
        if let Ok(review) = read_revman_bytes("prefix.rm5", &text.as_bytes()[..end]) {
            let _ = audit_review(&review);
        }
    }
}

/// An O-E and variance outcome (`IPD_OUTCOME`, constructed: no published one is at
/// hand) is pooled by Peto's definition: ln OR = Σ(O − E)/ΣV with SE 1/√ΣV, the studies'
/// weights V/ΣV.
#[test]
fn an_o_e_outcome_is_pooled_as_peto_defines_it() {
    use metapool::analysis::review::rerun;
    use metapool::audit::revman::file_options;
    use metapool::data::revman::Model;
    let xml = r#"<?xml version="1.0" encoding="UTF-8"?>
<COCHRANE_REVIEW>
<ANALYSES_AND_DATA>
<COMPARISON NO="1"><NAME>C</NAME>
<IPD_OUTCOME NO="1" RANDOM="NO" CI_STUDY="95" CI_TOTAL="95">
<NAME>Survival</NAME><EFFECT_MEASURE>Peto Odds Ratio</EFFECT_MEASURE>
<IPD_DATA STUDY_ID="A" O_E="-3.5" VAR="10.0" EFFECT_SIZE="" CI_START="" CI_END=""/>
<IPD_DATA STUDY_ID="B" O_E="1.25" VAR="5.0"/>
</IPD_OUTCOME>
</COMPARISON>
</ANALYSES_AND_DATA>
</COCHRANE_REVIEW>"#;
    let review = read_revman_bytes("oe.rm5", xml.as_bytes()).expect("review");
    let o = &review.outcomes[0];
    let a = o.analysis.as_ref().expect("re-run");
    assert!(a.ratio);
    assert_eq!(
        o.studies[1].arms,
        Some(StudyArms::ObservedMinusExpected {
            o_e: 1.25,
            variance: 5.0
        })
    );
    let (effect, options) = file_options(a).expect("options");
    let run = rerun("oe.rm5", o, a, &effect, &options, Model::Fixed);
    let fit = run.overall.expect("fit");
    let p = &fit.fixed.pooled;
    assert!((p.estimate - (-3.5 + 1.25) / 15.0).abs() < 1e-15);
    assert!((p.se - 1.0 / 15f64.sqrt()).abs() < 1e-15);
    assert!((run_weight(&fit, 0) - 100.0 * 10.0 / 15.0).abs() < 1e-12);
    fn run_weight(fit: &metapool::model::Fit, i: usize) -> f64 {
        fit.studies.get(i).expect("row").weight_fixed
    }
}

/// Through the command: a broken review file of each format exits with 2, the message on
/// stderr naming the file and where, nothing on stdout.
#[test]
fn broken_review_files_exit_2_from_the_command() {
    let dir = std::env::temp_dir().join(format!("metapool-rm5-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let cut = dir.join("cut.rm5");
    let text = fleiss();
    std::fs::write(&cut, &text[..text.len() / 3]).expect("write");
    let missing = dir.join("missing_attribute.rm5");
    let edited = text.replacen(" NO=\"1\" P_CHI2=", " P_CHI2=", 1);
    assert_ne!(edited, text);
    std::fs::write(&missing, edited).expect("write");
    for (file, expected) in [
        (cut.to_str().expect("path"), "line "),
        (
            missing.to_str().expect("path"),
            "element DICH_OUTCOME, attribute NO",
        ),
        (
            "tests/revman/hostile/web_no_data_files.zip",
            "web_no_data_files.zip",
        ),
    ] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_metapool"))
            .args(["revman", file])
            .output()
            .expect("run");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{file}: {stderr}");
        assert!(out.stdout.is_empty(), "{file}");
        assert!(
            stderr.contains(expected) && stderr.contains(file),
            "{stderr}"
        );
    }
}
