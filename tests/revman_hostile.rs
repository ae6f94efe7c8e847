//! `metapool revman` on hostile and broken exports (issue 12, items 13, 14, 15 and 19).
//!
//! The exports of `tests/revman/hostile/` are the two committed exports
//! (`tests/revman/README.md`) with one edit each; the rule every case checks is the one
//! of `src/data/revman.rs`: each printed figure is either checked or listed as not
//! checked with its reason, a structural error is an error naming file, row and column
//! (exit 2), and a value the reader does not know is an error, never a default.

use serde_json::Value;
use std::path::PathBuf;
use std::process::{Command, Output};

fn metapool(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_metapool"))
        .args(args)
        .output()
        .expect("run metapool")
}

fn hostile(name: &str) -> String {
    format!("tests/revman/hostile/{name}")
}

/// The JSON report of `file`, which must exit with `status`.
fn report(file: &str, status: i32) -> Value {
    let out = metapool(&["revman", file, "--format", "json"]);
    assert_eq!(
        out.status.code(),
        Some(status),
        "{file}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON on stdout")
}

/// The message of a run that must fail with exit 2 and nothing on stdout.
fn error(file: &str) -> String {
    let out = metapool(&["revman", file]);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "{file}: {stderr}");
    assert!(out.stdout.is_empty(), "{file}: stdout not empty");
    assert!(stderr.contains(file), "the error names the file: {stderr}");
    stderr
}

fn outcomes(v: &Value) -> &Vec<Value> {
    v["outcomes"].as_array().expect("outcomes")
}

fn checks(v: &Value) -> Vec<&Value> {
    outcomes(v)
        .iter()
        .flat_map(|o| o["checks"].as_array().expect("checks"))
        .collect()
}

fn kinds(checks: &[&Value]) -> (usize, usize) {
    let reproduced = checks
        .iter()
        .filter(|c| c["verdict"]["kind"] == "reproduced")
        .count();
    let not_checked = checks
        .iter()
        .filter(|c| c["verdict"]["kind"] == "not_checkable")
        .count();
    (reproduced, not_checked)
}

/// The printed figures of an export, counted without metapool: every non-empty cell of
/// the figure columns, and on pooled rows (those with a Data Type) the arm totals, but
/// the events of continuous rows (0, the layout's placeholder).
fn printed_figures(file: &str) -> usize {
    let text = std::fs::read_to_string(file).expect("export");
    let text = text.replace("Â²", "²");
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let header: Vec<String> = rdr
        .headers()
        .expect("header")
        .iter()
        .map(str::to_owned)
        .collect();
    let figures = [
        "Effect Estimate",
        "SE",
        "CI Start",
        "CI End",
        "Weight",
        "Q",
        "P(Q)",
        "I²(Q)",
        "Tau²",
        "Z",
        "P(Z)",
        "Qint",
        "P(Qint)",
        "I²(Qint)",
        "df",
    ];
    let col = |name: &str| header.iter().position(|h| h == name);
    let data_type = col("Data Type").expect("Data Type");
    let mut n = 0;
    for rec in rdr.records() {
        let r = rec.expect("record");
        let cell = |name: &str| col(name).and_then(|j| r.get(j)).unwrap_or("");
        n += figures.iter().filter(|f| !cell(f).is_empty()).count();
        let pooled = !r[data_type].is_empty();
        if pooled {
            for arm in ["Total 1", "Total 2"] {
                n += usize::from(!cell(arm).is_empty());
            }
            if &r[data_type] != "CON" {
                for arm in ["Events 1", "Events 2"] {
                    n += usize::from(!cell(arm).is_empty());
                }
            }
        }
    }
    n
}

/// Every printed figure is in the report, checked or not: for the committed exports and
/// for each hostile one that can be read.
#[test]
fn every_printed_figure_is_checked_or_listed() {
    for (file, status) in [
        ("tests/revman/Fleiss93_CR.csv".to_string(), 0),
        ("tests/revman/cd007026_pub6_analysis_1_4.csv".to_string(), 0),
        (hostile("subgroup_above_outcome.csv"), 0),
        (hostile("subgroup_without_studies.csv"), 1),
        (hostile("mangled_tau2_header.csv"), 0),
        (hostile("unknown_outcome_number.csv"), 1),
        (hostile("missing_outcome_row.csv"), 1),
        (hostile("smd_three_participants.csv"), 0),
    ] {
        let v = report(&file, status);
        assert_eq!(checks(&v).len(), printed_figures(&file), "{file}");
        assert_eq!(v["figures"], checks(&v).len(), "{file}");
    }
}

/// A subgroup row above its outcome row was dropped (15 of 18 figures checked, exit 0):
/// rows are placed by their numbers, not by their order.
#[test]
fn subgroup_row_above_its_outcome_row_is_checked() {
    let v = report(&hostile("subgroup_above_outcome.csv"), 0);
    let c = checks(&v);
    assert_eq!(c.len(), 18);
    assert_eq!(kinds(&c), (18, 0));
    assert!(c
        .iter()
        .any(|c| c["name"] == "30 mL x 10 d" && c["column"] == "Effect Estimate"));
}

/// A subgroup row that no study row carries: its figures were silently skipped (exit 0);
/// they are listed as not checked, saying why.
#[test]
fn subgroup_row_without_studies_is_listed_as_not_checked() {
    let v = report(&hostile("subgroup_without_studies.csv"), 1);
    let c = checks(&v);
    let empty: Vec<&&Value> = c.iter().filter(|c| c["name"] == "40 mL x 5 d").collect();
    assert_eq!(empty.len(), 3, "{empty:?}");
    for check in empty {
        assert_eq!(check["verdict"]["kind"], "not_checkable");
        assert_eq!(check["row"], 11);
        let reason = check["verdict"]["reason"].as_str().expect("reason");
        assert!(reason.contains("no study row"), "{reason}");
    }
    assert_eq!(kinds(&c), (18, 3));
    assert_eq!(outcomes(&v)[0]["status"], "not_reproduced");
}

/// A study row with Outcome Number 0 was read as a comparison row and dropped; it is an
/// error naming the row and the column.
#[test]
fn study_row_with_outcome_number_0_is_an_error() {
    let e = error(&hostile("study_with_outcome_number_0.csv"));
    assert!(e.contains("row 8, column 'Outcome Number'"), "{e}");
}

/// `TauÂ²` and `IÂ²(Q)` (UTF-8 read as Latin-1 and saved again) were not recognised, so
/// their figures went unchecked: they are read as `Tau²` and `I²(Q)`, with a warning, and
/// the report is that of the export as written.
#[test]
fn mangled_tau2_header_is_read_with_a_warning() {
    let original = report("tests/revman/Fleiss93_CR.csv", 0);
    let out = metapool(&[
        "revman",
        &hostile("mangled_tau2_header.csv"),
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("'TauÂ²' read as 'Tau²'"), "{stderr}");
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(v["outcomes"], original["outcomes"]);
    let tau2 = checks(&v)
        .into_iter()
        .filter(|c| c["column"] == "Tau²")
        .count();
    assert_eq!(tau2, 2);
}

/// A row cut short was read with its missing cells empty (its study silently lost); it
/// is an error naming the row and the first missing column.
#[test]
fn row_cut_short_is_an_error() {
    let e = error(&hostile("row_cut_short.csv"));
    assert!(e.contains("row 5, column 'Mean 1'"), "{e}");
    assert!(e.contains("9 cells but the header has 27"), "{e}");
}

/// A study row whose Outcome Number no outcome row has was dropped: it is reported as
/// outcome 1.7, not checked for want of its outcome row, and outcome 1.4 is re-run
/// without it (its subgroup 2 has no study left).
#[test]
fn unknown_outcome_number_is_reported_as_an_outcome_without_outcome_row() {
    let v = report(&hostile("unknown_outcome_number.csv"), 1);
    let o = outcomes(&v);
    let ids: Vec<&str> = o.iter().map(|o| o["id"].as_str().expect("id")).collect();
    assert_eq!(ids, ["1.4", "1.7"]);
    assert_eq!(o[1]["status"], "not_checked");
    assert!(
        o[1]["reason"]
            .as_str()
            .expect("reason")
            .contains("no outcome row"),
        "{}",
        o[1]["reason"]
    );
    let orphan = o[1]["checks"].as_array().expect("checks");
    assert_eq!(orphan.len(), 3);
    assert!(orphan
        .iter()
        .all(|c| c["name"] == "Ladurner 2005" && c["verdict"]["kind"] == "not_checkable"));
}

/// Without its outcome row the whole outcome was gone ("0 printed figures, 0
/// reproduced", exit 0): it is listed, not checked, with each of its 15 figures.
#[test]
fn missing_outcome_row_lists_the_outcome_as_not_checked() {
    let v = report(&hostile("missing_outcome_row.csv"), 1);
    let o = outcomes(&v);
    assert_eq!(o.len(), 1);
    assert_eq!(o[0]["id"], "1.4");
    assert_eq!(o[0]["status"], "not_checked");
    assert!(o[0]["row"].is_null());
    let c = checks(&v);
    assert_eq!(kinds(&c), (0, 15));
    let out = metapool(&["revman", &hostile("missing_outcome_row.csv")]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("15 printed figures, 0 reproduced, 0 not reproduced, 15 not checked"),
        "{text}"
    );
}

/// A quote left open swallowed the rest of the file into one cell; it is an error naming
/// the row and column where the quote opens.
#[test]
fn unclosed_quote_is_an_error() {
    let e = error(&hostile("unclosed_quote.csv"));
    assert!(e.contains("row 5, column 'Name'"), "{e}");
    assert!(e.contains("closing quote"), "{e}");
}

/// A header-only export said "0 printed figures, 0 reproduced" and exited 0.
#[test]
fn header_only_export_is_an_error() {
    let e = error(&hostile("header_only.csv"));
    assert!(e.contains("row 1, column 'Outcome Number'"), "{e}");
    assert!(e.contains("no outcome"), "{e}");
}

/// `Mixed` (or any model, method, measure or data type the reader does not know) was
/// run as a fixed-effect analysis; it is an error naming the row and column.
#[test]
fn unknown_model_method_measure_or_data_type_is_an_error() {
    let e = error(&hostile("model_mixed.csv"));
    assert!(e.contains("row 3, column 'Analysis Model'"), "{e}");
    assert!(e.contains("'Mixed'"), "{e}");

    let original =
        std::fs::read_to_string("tests/revman/cd007026_pub6_analysis_1_4.csv").expect("export");
    let dir = std::env::temp_dir().join(format!("metapool-revman-hostile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    for (from, to, column) in [
        (",DIC,MH,RR,", ",DIC,XX,RR,", "Statistical Method"),
        (",DIC,MH,RR,", ",DIC,MH,HR,", "Effect Measure"),
        (",DIC,MH,RR,", ",DIC,MH,MD,", "Effect Measure"),
        (",DIC,MH,RR,", ",DIC,PETO,RR,", "Statistical Method"),
        (",DIC,MH,RR,", ",DICH,MH,RR,", "Data Type"),
    ] {
        let path: PathBuf = dir.join("changed.csv");
        std::fs::write(&path, original.replacen(from, to, 1)).expect("write");
        let e = error(path.to_str().expect("path"));
        assert!(
            e.contains(&format!("row 3, column '{column}'")),
            "{to}: {e}"
        );
    }
}

/// The JSON was a flat list of checks, without the outcomes that had none: it carries
/// every outcome with its status and reason. Here an outcome without studies (not
/// checked) beside the two of the real export.
#[test]
fn json_carries_every_outcome_with_status_and_reason() {
    let original = std::fs::read_to_string("tests/revman/Fleiss93_CR.csv").expect("export");
    // 8 cells and 29 empty ones, as the 37 columns of the header.
    let extra = format!(
        "1,3,0,An outcome without studies,DIC,MH,RR,Fixed{}\n",
        ",".repeat(29)
    );
    let dir = std::env::temp_dir().join(format!("metapool-revman-json-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let path = dir.join("three_outcomes.csv");
    std::fs::write(&path, original + &extra).expect("write");
    let v = report(path.to_str().expect("path"), 1);
    let o = outcomes(&v);
    let ids: Vec<&str> = o.iter().map(|o| o["id"].as_str().expect("id")).collect();
    assert_eq!(ids, ["1.1", "1.2", "1.3"]);
    for outcome in o {
        for key in ["status", "reason", "row", "name", "measure", "checks"] {
            assert!(outcome.get(key).is_some(), "{key} in {outcome}");
        }
    }
    assert_eq!(o[0]["status"], "reproduced");
    assert_eq!(o[2]["status"], "not_checked");
    assert!(
        o[2]["reason"]
            .as_str()
            .expect("reason")
            .contains("no study row"),
        "{}",
        o[2]["reason"]
    );
    assert_eq!(o[2]["checks"].as_array().expect("checks").len(), 0);
}

/// Errors named internal fields (`events_e`, `n_e`, `total 2`): they name the export's
/// own columns.
#[test]
fn errors_name_the_exports_own_columns() {
    let e = error(&hostile("events_above_total.csv"));
    assert!(e.contains("row 5, column 'Events 1'"), "{e}");
    assert!(e.contains("Total 1"), "{e}");
    assert!(!e.contains("events_e") && !e.contains("n_e"), "{e}");

    let original =
        std::fs::read_to_string("tests/revman/cd007026_pub6_analysis_1_4.csv").expect("export");
    let dir = std::env::temp_dir().join(format!("metapool-revman-columns-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let path = dir.join("no_total_2.csv");
    std::fs::write(&path, original.replacen("Total 2", "Total two", 1)).expect("write");
    let e = error(path.to_str().expect("path"));
    assert!(e.contains("row 1, column 'Total 2'"), "{e}");
    let path = dir.join("bad_sd.csv");
    let changed = std::fs::read_to_string("tests/revman/Fleiss93_CR.csv")
        .expect("export")
        .replacen(",0,5,4.7,13,", ",0,5,-4.7,13,", 1);
    std::fs::write(&path, changed).expect("write");
    let e = error(path.to_str().expect("path"));
    assert!(e.contains("row 12, column 'SD 1'"), "{e}");
}

/// RevMan 5's SMD of a study with 3 participants (Davis, arms of 1 and 2) is not
/// estimable: the study is listed as left out of the re-run, and the arm totals of the
/// outcome row (the sums of the file's own study rows) still count it.
#[test]
fn smd_study_with_three_participants_is_left_out_as_not_estimable() {
    let v = report(&hostile("smd_three_participants.csv"), 0);
    let o = &outcomes(&v)[0];
    let excluded = o["excluded"].as_array().expect("excluded");
    assert_eq!(excluded.len(), 1, "{excluded:?}");
    assert_eq!(excluded[0]["name"], "Davis");
    assert_eq!(excluded[0]["row"], 4);
    assert!(
        excluded[0]["reason"]
            .as_str()
            .expect("reason")
            .contains("not estimable"),
        "{}",
        excluded[0]
    );
    let c = checks(&v);
    assert_eq!(kinds(&c), (2, 0));
}

/// A scratch copy of a committed export with `edit` applied, checked to change it.
fn edited(name: &str, file: &str, edit: impl Fn(&str) -> String) -> String {
    let original = std::fs::read_to_string(file).expect("export");
    let changed = edit(&original);
    assert_ne!(changed, original, "{name}: the edit changes nothing");
    let dir = std::env::temp_dir().join(format!("metapool-revman-edit-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let path = dir.join(name);
    std::fs::write(&path, changed).expect("write");
    path.to_str().expect("path").to_string()
}

/// The real export (whose cells hold no comma) with a column `name` added after `df`,
/// empty but on the lines (from 0) given.
fn with_column(text: &str, name: &str, cells: &[(usize, &str)]) -> String {
    text.lines()
        .enumerate()
        .map(|(i, line)| {
            let mut row: Vec<&str> = line.split(',').collect();
            let cell = match cells.iter().find(|(j, _)| *j == i) {
                _ if i == 0 => name,
                Some((_, c)) => c,
                None => "",
            };
            row.insert(31, cell);
            row.join(",") + "\n"
        })
        .collect()
}

const FLEISS: &str = "tests/revman/Fleiss93_CR.csv";
const CD007026: &str = "tests/revman/cd007026_pub6_analysis_1_4.csv";

/// The structural errors of the module documentation that the cases above do not show,
/// each naming its row and column.
#[test]
fn other_structural_errors_name_row_and_column() {
    for (name, file, edit, says) in [
        (
            "second_outcome_row.csv",
            CD007026,
            (|t: &str| {
                let outcome = t.lines().nth(2).expect("outcome row");
                format!("{t}{outcome}\n")
            }) as fn(&str) -> String,
            "row 11, column 'Outcome Number'",
        ),
        (
            "second_subgroup_row.csv",
            CD007026,
            |t: &str| {
                let subgroup = t.lines().nth(3).expect("subgroup row");
                format!("{t}{subgroup}\n")
            },
            "row 11, column 'Subgroup Number'",
        ),
        (
            "study_without_subgroup.csv",
            CD007026,
            |t: &str| t.replacen("1,4,2,Ladurner 2005", "1,4,0,Ladurner 2005", 1),
            "row 8, column 'Subgroup Number'",
        ),
        (
            "mean_on_dichotomous_study.csv",
            FLEISS,
            |t: &str| {
                t.replacen(
                    "1,1,0,MRC-1,,,,,49,0,0,615",
                    "1,1,0,MRC-1,,,,,49,3,0,615",
                    1,
                )
            },
            "row 4, column 'Mean 1'",
        ),
        (
            "events_on_continuous_study.csv",
            FLEISS,
            |t: &str| t.replacen("1,2,0,Davis,,,,,0,5", "1,2,0,Davis,,,,,2,5", 1),
            "row 12, column 'Events 1'",
        ),
        (
            "method_on_study_row.csv",
            FLEISS,
            |t: &str| t.replacen("1,1,0,MRC-1,,,,,", "1,1,0,MRC-1,,MH,,,", 1),
            "row 4, column 'Statistical Method'",
        ),
        (
            "subgroup_of_other_data_type.csv",
            CD007026,
            |t: &str| t.replacen("1,4,2,50 mL x 21 d,DIC", "1,4,2,50 mL x 21 d,CON", 1),
            "row 7, column 'Data Type'",
        ),
        (
            "comparison_number_missing.csv",
            CD007026,
            |t: &str| t.replacen("1,4,2,Ladurner 2005", ",4,2,Ladurner 2005", 1),
            "row 8, column 'Comparison Number'",
        ),
        (
            "line_break_in_a_number.csv",
            CD007026,
            |t: &str| t.replacen("2,,,50,2,,,50", "2,,,\"5\n0\",2,,,50", 1),
            "row 10, column 'Total 1'",
        ),
        (
            "level_not_a_number.csv",
            FLEISS,
            |t: &str| with_column(t, "Study Confidence Interval", &[(2, "wide")]),
            "row 3, column 'Study Confidence Interval'",
        ),
    ] {
        let e = error(&edited(name, file, edit));
        assert!(e.contains(says), "{name}: {e}");
    }
}

/// Line ends of old Macs (CR), of Windows (CRLF) and a UTF-8 byte-order mark read as
/// the export itself.
#[test]
fn line_ends_and_byte_order_mark_do_not_change_the_report() {
    let original = report(FLEISS, 0);
    for (name, edit) in [
        (
            "cr.csv",
            (|t: &str| t.replace('\n', "\r")) as fn(&str) -> String,
        ),
        ("crlf.csv", |t: &str| t.replace('\n', "\r\n")),
        ("bom.csv", |t: &str| format!("\u{feff}{t}")),
    ] {
        let edited = report(&edited(name, FLEISS, edit), 0);
        assert_eq!(edited["outcomes"], original["outcomes"], "{name}");
        assert_eq!(edited["warnings"], original["warnings"], "{name}");
    }
}

/// A column the export does not have: a warning names it and each of its cells on the
/// rows of an outcome is listed as not checked.
#[test]
fn unknown_column_is_warned_about_and_its_cells_listed() {
    let path = edited("notes.csv", CD007026, |t: &str| {
        t.lines()
            .enumerate()
            .map(|(i, l)| format!("{l},{}\n", if i == 0 { "Notes" } else { "n" }))
            .collect()
    });
    let out = metapool(&["revman", &path, "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("column 'Notes': not a column"), "{stderr}");
    assert!(
        stderr.contains("1 cell of columns that are not read"),
        "{stderr}"
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let notes: Vec<&Value> = checks(&v)
        .into_iter()
        .filter(|c| c["column"] == "Notes")
        .collect();
    // Every row but the comparison row (row 2).
    assert_eq!(notes.len(), 8);
    assert!(notes
        .iter()
        .all(|c| c["verdict"]["kind"] == "not_checkable"));
}

/// An analysis of swapped events (a measure named `(Non-event)`) is re-run on the
/// non-events: the risk ratio of non-events is not the printed one of events, so the
/// figures that depend on it are flagged, and the totals still hold.
#[test]
fn swapped_events_are_re_run_on_non_events() {
    let path = edited("swapped.csv", CD007026, |t: &str| {
        t.replacen(
            ",DIC,MH,RR,Random,",
            ",DIC,MH,Risk Ratio (Non-event),Random,",
            1,
        )
    });
    let v = report(&path, 1);
    assert_eq!(outcomes(&v)[0]["status"], "not_reproduced");
    let c = checks(&v);
    let effect = c
        .iter()
        .find(|c| c["row"] == 3 && c["column"] == "Effect Estimate")
        .expect("the outcome's estimate");
    assert_eq!(effect["verdict"]["kind"], "not_reproduced");
    // The RR of non-events of 20/667 vs 8/668 and its kin is near 1.
    let recomputed: f64 = effect["verdict"]["recomputed"]
        .as_str()
        .expect("recomputed")
        .parse()
        .expect("a number");
    assert!((recomputed - 1.0).abs() < 0.05, "{recomputed}");
}

/// The export's confidence levels are used: at `Study Confidence Interval` 95 the study
/// intervals of the real export are reproduced, at 99 none of them is.
#[test]
fn study_confidence_interval_column_sets_the_level_of_study_intervals() {
    let with_level = |level: &'static str| {
        move |t: &str| with_column(t, "Study Confidence Interval", &[(2, level), (10, level)])
    };
    let study_ci = |v: &Value| -> Vec<String> {
        checks(v)
            .into_iter()
            .filter(|c| {
                (c["column"] == "CI Start" || c["column"] == "CI End")
                    && c["row"] != 3
                    && c["row"] != 11
            })
            .map(|c| c["verdict"]["kind"].as_str().expect("kind").to_string())
            .collect()
    };
    let at_95 = report(&edited("ci95.csv", FLEISS, with_level("95")), 0);
    assert_eq!(at_95["outcomes"], report(FLEISS, 0)["outcomes"]);
    let at_99 = report(&edited("ci99.csv", FLEISS, with_level("99%")), 1);
    let kinds = study_ci(&at_99);
    assert_eq!(kinds.len(), 24);
    assert!(kinds.iter().all(|k| k == "not_reproduced"), "{kinds:?}");
}

/// A double-zero study of a risk ratio is left out of the re-run (as RevMan does): it is
/// listed with its reason, its printed weight is checked against 0 and its effect is
/// listed as not checked.
#[test]
fn double_zero_study_is_listed_as_left_out() {
    let path = edited("double_zero.csv", CD007026, |t: &str| {
        t.replacen(
            "1,4,2,Ladurner 2005,,,,,0,,,78,1,,,68,0.29,,0.01,7.03,",
            "1,4,2,Ladurner 2005,,,,,0,,,78,0,,,68,0.29,,0.01,7.03,0",
            1,
        )
    });
    let v = report(&path, 1);
    let o = &outcomes(&v)[0];
    assert_eq!(o["excluded"][0]["name"], "Ladurner 2005");
    assert!(o["excluded"][0]["reason"]
        .as_str()
        .expect("reason")
        .contains("double-zero"));
    let ladurner: Vec<&Value> = checks(&v)
        .into_iter()
        .filter(|c| c["name"] == "Ladurner 2005")
        .collect();
    assert_eq!(ladurner.len(), 4);
    for c in ladurner {
        let kind = if c["column"] == "Weight" {
            "reproduced"
        } else {
            "not_checkable"
        };
        assert_eq!(c["verdict"]["kind"], kind, "{c}");
    }
}

/// The body of the `revman_export` fuzz target (`fuzz/fuzz_targets/revman_export.rs`):
/// read, audit and render, with the audit keeping every printed figure and outcome.
fn read_audit_render(data: &[u8]) {
    use metapool::audit::revman::audit_review;
    use metapool::data::revman::read_revman_bytes;
    let Ok(export) = read_revman_bytes("fuzz", data) else {
        return;
    };
    let audit = audit_review(&export);
    let printed: usize = export
        .outcomes
        .iter()
        .flat_map(|o| o.printed_rows())
        .map(|row| row.figures.len())
        .sum();
    assert_eq!(audit.figures, printed);
    assert_eq!(
        audit.figures,
        audit.reproduced + audit.not_reproduced + audit.not_checked
    );
    assert_eq!(audit.outcomes.len(), export.outcomes.len());
    let _ = metapool::report::revman::revman_text(&audit);
    metapool::report::revman::revman_json(&audit).expect("JSON");
}

/// The fuzz target's seeds (the exports of `tests/revman/` and `tests/revman/hostile/`)
/// and their prefixes (an export cut short, at every third byte): no panic, nothing
/// lost.
#[test]
fn fuzz_seeds_and_their_prefixes_read_without_panic_or_loss() {
    let mut files = Vec::new();
    for dir in ["tests/revman", "tests/revman/hostile"] {
        for entry in std::fs::read_dir(dir).expect("dir") {
            let path = entry.expect("entry").path();
            if path.extension().is_some_and(|e| e == "csv") {
                files.push(path);
            }
        }
    }
    assert_eq!(files.len(), 14);
    for path in files {
        let bytes = std::fs::read(&path).expect("read");
        for end in (0..bytes.len()).step_by(3).chain([bytes.len()]) {
            read_audit_render(&bytes[..end]);
        }
    }
}

/// The real export with four figures altered in their last printed digit (among them the
/// P(Q) that only RevMan 5's own χ² tail reproduces) is flagged at exactly those four.
#[test]
fn a_tampered_export_is_flagged_exactly_at_the_tampered_figures() {
    let path = edited("tampered.csv", FLEISS, |t: &str| {
        t.replacen(",0.89686556,", ",0.89686557,", 1)
            .replacen(",0.12694225,", ",0.12694226,", 1)
            .replacen(",72.87984024,", ",72.87984025,", 1)
            .replacen(",0.22600895,", ",0.22600894,", 1)
    });
    let v = report(&path, 1);
    let mut flagged: Vec<(u64, String)> = checks(&v)
        .iter()
        .filter(|c| c["verdict"]["kind"] != "reproduced")
        .map(|c| {
            (
                c["row"].as_u64().expect("row"),
                c["column"].as_str().expect("column").to_string(),
            )
        })
        .collect();
    flagged.sort();
    let expected: Vec<(u64, String)> = [
        (3, "Effect Estimate"),
        (3, "P(Q)"),
        (10, "Weight"),
        (11, "P(Q)"),
    ]
    .iter()
    .map(|&(r, c)| (r, c.to_string()))
    .collect();
    assert_eq!(flagged, expected);
}
