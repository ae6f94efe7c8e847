//! Recall and precision of `metapool scan` on a hand-annotated corpus
//! (`tests/scan/corpus/`, described in `tests/scan/README.md`).
//!
//! Every document of the corpus is scanned ([`scan_document`]) and decoded ([`decode`]);
//! each annotated figure of `expected.csv` is located in the decoded text (its `text`
//! must occur exactly once) and matched, one to one and greedily in text order, to a
//! found figure of the same kind whose character span overlaps it. The test prints per
//! kind the recall (matched expected / expected) and precision (matched found / found),
//! every miss and every false positive, the share of the figures annotated inconsistent
//! that the scanner flags ("flagged") and the share of the others it flags ("false
//! alarms"), and every found figure that overlaps a look-alike of `lookalikes.csv`.
//!
//! Run with `cargo test --test scan_corpus -- --nocapture` to see the tables.
//!
//! It fails on a corpus error (an expected text or look-alike not found exactly once,
//! a document without annotations, an unknown kind or verdict), on recall or precision
//! below 0.98 for `estimate_ci` or below 0.95 for `p_value` and `i2`, on flagged below
//! 0.85, on false alarms above 0.02, and on any look-alike overlapped.

use metapool::audit::scan::{decode, scan_document, FigureKind, ScannedFigure};
use metapool::audit::VerdictKind;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The kinds of `expected.csv`, in the order of the report, with their thresholds of
/// recall and precision (`None`: reported only).
const KINDS: &[(&str, Option<f64>)] = &[
    ("estimate_ci", Some(0.98)),
    ("p_value", Some(0.95)),
    ("i2", Some(0.95)),
    ("estimate", None),
    ("heterogeneity", None),
    ("percent", None),
    ("count", None),
];
const VERDICTS: &[&str] = &["consistent", "inconsistent", "not_checkable", ""];
/// The least share of the figures annotated inconsistent that must be flagged.
const FLAGGED_MIN: f64 = 0.85;
/// The largest share of the figures annotated consistent or not checkable that may be.
const FALSE_ALARMS_MAX: f64 = 0.02;

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scan/corpus")
}

fn kind_name(kind: FigureKind) -> &'static str {
    match kind {
        FigureKind::EstimateCi => "estimate_ci",
        FigureKind::Estimate => "estimate",
        FigureKind::PValue => "p_value",
        FigureKind::I2 => "i2",
        FigureKind::Heterogeneity => "heterogeneity",
        FigureKind::Percent => "percent",
        FigureKind::Count => "count",
        _ => "other",
    }
}

/// Whether the scanner says the figure does not hold together.
fn flagged(figure: &ScannedFigure) -> bool {
    matches!(
        figure.verdict.kind,
        VerdictKind::Inconsistent | VerdictKind::NotReproduced
    )
}

/// One annotated figure.
struct Expected {
    document: String,
    kind: String,
    text: String,
    verdict: String,
    note: String,
    /// Its span in characters, once located.
    span: Option<(usize, usize)>,
    line: usize,
}

/// One look-alike.
struct LookAlike {
    document: String,
    text: String,
    note: String,
}

/// The CSV cell as written: `\n` (backslash, n) stands for a line feed.
fn unescape(cell: &str) -> String {
    cell.replace("\\n", "\n")
}

fn read_csv(name: &str, columns: &[&str]) -> Vec<Vec<String>> {
    let path = corpus().join(name);
    let mut reader =
        csv::Reader::from_path(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let headers: Vec<String> = reader
        .headers()
        .unwrap_or_else(|e| panic!("{name}: {e}"))
        .iter()
        .map(str::to_string)
        .collect();
    assert_eq!(headers, columns, "{name}: the header must be {columns:?}");
    reader
        .records()
        .enumerate()
        .map(|(i, r)| {
            let r = r.unwrap_or_else(|e| panic!("{name}: record {}: {e}", i + 1));
            r.iter().map(str::to_string).collect()
        })
        .collect()
}

/// Every place `needle` starts in `hay` (overlapping ones too), as byte offsets.
fn occurrences(hay: &str, needle: &str) -> Vec<usize> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(i) = hay[from..].find(needle) {
        found.push(from + i);
        from += i + hay[from + i..].chars().next().map_or(1, char::len_utf8);
    }
    found
}

/// The character span and 1-based line of the byte range `start..start + len` of `text`.
fn char_span(text: &str, start: usize, len: usize) -> ((usize, usize), usize) {
    let before = &text[..start];
    let first = before.chars().count();
    let line = before.matches('\n').count() + 1;
    (
        (first, first + text[start..start + len].chars().count()),
        line,
    )
}

fn overlaps(a: (usize, usize), b: (usize, usize)) -> bool {
    a.0 < b.1 && b.0 < a.1
}

/// The figure text on one line, for the lists.
fn shown(text: &str) -> String {
    text.replace('\n', "\\n").replace('\t', "\\t")
}

fn ratio(num: usize, den: usize) -> Option<f64> {
    (den > 0).then(|| num as f64 / den as f64)
}

fn fmt_ratio(r: Option<f64>) -> String {
    r.map_or_else(|| "-".to_string(), |r| format!("{r:.3}"))
}

#[test]
fn scan_finds_and_checks_the_figures_of_the_corpus() {
    let mut corpus_errors: Vec<String> = Vec::new();

    let mut expected: Vec<Expected> = read_csv(
        "expected.csv",
        &["document", "kind", "text", "verdict", "note"],
    )
    .into_iter()
    .map(|r| Expected {
        document: r[0].clone(),
        kind: r[1].clone(),
        text: unescape(&r[2]),
        verdict: r[3].clone(),
        note: r[4].clone(),
        span: None,
        line: 0,
    })
    .collect();
    let lookalikes: Vec<LookAlike> = read_csv("lookalikes.csv", &["document", "text", "note"])
        .into_iter()
        .map(|r| LookAlike {
            document: r[0].clone(),
            text: unescape(&r[1]),
            note: r[2].clone(),
        })
        .collect();

    // The documents: every file of the corpus but the annotations, the script and a README.
    let mut on_disk = BTreeSet::new();
    for entry in std::fs::read_dir(corpus()).expect("tests/scan/corpus") {
        let name = entry.expect("a directory entry").file_name();
        let name = name.to_string_lossy().into_owned();
        if !(name.ends_with(".py") || name.ends_with(".csv") || name == "README.md") {
            on_disk.insert(name);
        }
    }
    let annotated: BTreeSet<String> = expected.iter().map(|e| e.document.clone()).collect();
    for d in on_disk.difference(&annotated) {
        corpus_errors.push(format!("{d}: a document of the corpus without annotations"));
    }
    for d in annotated.difference(&on_disk) {
        corpus_errors.push(format!(
            "{d}: annotated in expected.csv but not in the corpus"
        ));
    }
    for e in &expected {
        if !KINDS.iter().any(|(k, _)| *k == e.kind) {
            corpus_errors.push(format!("{}: unknown kind '{}'", e.document, e.kind));
        }
        if !VERDICTS.contains(&e.verdict.as_str()) {
            corpus_errors.push(format!("{}: unknown verdict '{}'", e.document, e.verdict));
        }
    }

    // Scan and decode each document; locate its expected texts and look-alikes.
    let mut found: BTreeMap<String, Vec<ScannedFigure>> = BTreeMap::new();
    let mut look_spans: Vec<(usize, (usize, usize), usize)> = Vec::new();
    for doc in on_disk.intersection(&annotated) {
        let bytes = std::fs::read(corpus().join(doc)).expect("a corpus document");
        let scan = match scan_document(doc, &bytes) {
            Ok(scan) => scan,
            Err(e) => {
                corpus_errors.push(format!("{doc}: scan_document failed: {e}"));
                continue;
            }
        };
        let text = decode(doc, &bytes)
            .expect("decoded, as scan_document did")
            .text;
        for e in expected.iter_mut().filter(|e| &e.document == doc) {
            let at = occurrences(&text, &e.text);
            if at.len() == 1 {
                let (span, line) = char_span(&text, at[0], e.text.len());
                e.span = Some(span);
                e.line = line;
            } else {
                corpus_errors.push(format!(
                    "{doc}: expected {} '{}' occurs {} times in the decoded text (must be once)",
                    e.kind,
                    shown(&e.text),
                    at.len()
                ));
            }
        }
        for (i, l) in lookalikes.iter().enumerate() {
            if &l.document != doc {
                continue;
            }
            let at = occurrences(&text, &l.text);
            if at.len() == 1 {
                let (span, line) = char_span(&text, at[0], l.text.len());
                look_spans.push((i, span, line));
            } else {
                corpus_errors.push(format!(
                    "{doc}: look-alike '{}' occurs {} times in the decoded text (must be once)",
                    shown(&l.text),
                    at.len()
                ));
            }
        }
        found.insert(doc.clone(), scan.figures);
    }
    for l in &lookalikes {
        if !annotated.contains(&l.document) {
            corpus_errors.push(format!(
                "{}: look-alike of an unannotated document",
                l.document
            ));
        }
    }

    // Match, one to one, greedily in text order, by kind and overlapping spans.
    let mut matched_found: BTreeSet<(String, usize)> = BTreeSet::new();
    let mut matches: Vec<(usize, (String, usize))> = Vec::new();
    let mut order: Vec<usize> = (0..expected.len()).collect();
    order.sort_by_key(|&i| (expected[i].document.clone(), expected[i].span));
    for i in order {
        let e = &expected[i];
        let Some(span) = e.span else { continue };
        let Some(figures) = found.get(&e.document) else {
            continue;
        };
        let mut candidates: Vec<usize> = (0..figures.len())
            .filter(|&j| {
                kind_name(figures[j].kind) == e.kind
                    && overlaps((figures[j].start, figures[j].end), span)
                    && !matched_found.contains(&(e.document.clone(), j))
            })
            .collect();
        candidates.sort_by_key(|&j| figures[j].start);
        if let Some(&j) = candidates.first() {
            matched_found.insert((e.document.clone(), j));
            matches.push((i, (e.document.clone(), j)));
        }
    }
    let matched_expected: BTreeSet<usize> = matches.iter().map(|(i, _)| *i).collect();

    // The report.
    let mut report = String::new();
    let mut failures: Vec<String> = Vec::new();
    let located = expected.iter().filter(|e| e.span.is_some()).count();
    let _ = writeln!(
        report,
        "\nscan corpus: {} documents, {} expected figures ({} located), {} look-alikes\n",
        on_disk.len(),
        expected.len(),
        located,
        lookalikes.len()
    );
    let _ = writeln!(
        report,
        "{:<14} {:>8} {:>6} {:>8} {:>7} {:>9}  threshold",
        "kind", "expected", "found", "matched", "recall", "precision"
    );
    let mut kinds: Vec<(&str, Option<f64>)> = KINDS.to_vec();
    let found_other = found
        .values()
        .flatten()
        .any(|f| kind_name(f.kind) == "other");
    if found_other {
        kinds.push(("other", None));
    }
    for (kind, threshold) in kinds {
        let n_expected = expected
            .iter()
            .filter(|e| e.kind == kind && e.span.is_some())
            .count();
        let n_found = found
            .values()
            .flatten()
            .filter(|f| kind_name(f.kind) == kind)
            .count();
        let n_matched = matches
            .iter()
            .filter(|(i, _)| expected[*i].kind == kind)
            .count();
        let recall = ratio(n_matched, n_expected);
        let precision = ratio(n_matched, n_found);
        let _ = writeln!(
            report,
            "{:<14} {:>8} {:>6} {:>8} {:>7} {:>9}  {}",
            kind,
            n_expected,
            n_found,
            n_matched,
            fmt_ratio(recall),
            fmt_ratio(precision),
            threshold.map_or_else(|| "-".to_string(), |t| format!("{t:.2}"))
        );
        if let Some(t) = threshold {
            // No figure found: precision is undefined, and recall says what is wrong.
            if recall.is_some_and(|r| r < t) {
                failures.push(format!("{kind}: recall {} < {t}", fmt_ratio(recall)));
            }
            if precision.is_some_and(|p| p < t) {
                failures.push(format!("{kind}: precision {} < {t}", fmt_ratio(precision)));
            }
        }
    }

    // Verdicts of the matched figures.
    let figure = |(doc, j): &(String, usize)| &found[doc][*j];
    let inconsistent: Vec<&(usize, (String, usize))> = matches
        .iter()
        .filter(|(i, _)| expected[*i].verdict == "inconsistent")
        .collect();
    let others: Vec<&(usize, (String, usize))> = matches
        .iter()
        .filter(|(i, _)| {
            matches!(
                expected[*i].verdict.as_str(),
                "consistent" | "not_checkable"
            )
        })
        .collect();
    let n_flagged = inconsistent
        .iter()
        .filter(|(_, f)| flagged(figure(f)))
        .count();
    let n_alarms = others.iter().filter(|(_, f)| flagged(figure(f))).count();
    let all_inconsistent = expected
        .iter()
        .filter(|e| e.verdict == "inconsistent")
        .count();
    let flagged_share = ratio(n_flagged, inconsistent.len());
    let alarm_share = ratio(n_alarms, others.len());
    let _ = writeln!(
        report,
        "\nflagged: {n_flagged} of {} matched figures annotated inconsistent ({} annotated) = {} (at least {FLAGGED_MIN})",
        inconsistent.len(),
        all_inconsistent,
        fmt_ratio(flagged_share)
    );
    let _ = writeln!(
        report,
        "false alarms: {n_alarms} of {} matched figures annotated consistent or not checkable = {} (at most {FALSE_ALARMS_MAX})",
        others.len(),
        fmt_ratio(alarm_share)
    );
    match flagged_share {
        Some(s) if s >= FLAGGED_MIN => {}
        Some(s) => failures.push(format!("flagged {s:.3} < {FLAGGED_MIN}")),
        None => failures.push("flagged: no figure annotated inconsistent was matched".into()),
    }
    if let Some(s) = alarm_share.filter(|&s| s > FALSE_ALARMS_MAX) {
        failures.push(format!("false alarms {s:.3} > {FALSE_ALARMS_MAX}"));
    }

    // The lists a developer works from.
    let misses: Vec<&Expected> = expected
        .iter()
        .enumerate()
        .filter(|(i, e)| e.span.is_some() && !matched_expected.contains(i))
        .map(|(_, e)| e)
        .collect();
    let _ = writeln!(report, "\nmisses ({}):", misses.len());
    for e in &misses {
        let _ = writeln!(
            report,
            "  {}:{}: {} '{}'  ({})",
            e.document,
            e.line,
            e.kind,
            shown(&e.text),
            e.note
        );
    }
    let mut false_positives = Vec::new();
    for (doc, figures) in &found {
        for (j, f) in figures.iter().enumerate() {
            if !matched_found.contains(&(doc.clone(), j)) {
                false_positives.push(format!(
                    "  {doc}:{}: {} '{}'",
                    f.line,
                    kind_name(f.kind),
                    shown(&f.text)
                ));
            }
        }
    }
    let _ = writeln!(report, "\nfalse positives ({}):", false_positives.len());
    for fp in &false_positives {
        let _ = writeln!(report, "{fp}");
    }
    let mut wrong_verdicts = Vec::new();
    for (i, f) in inconsistent.iter().chain(others.iter()) {
        let e = &expected[*i];
        let f = figure(f);
        if (e.verdict == "inconsistent") != flagged(f) {
            wrong_verdicts.push(format!(
                "  {}:{}: {} '{}' annotated {}, scanned {:?} ({}); {}",
                e.document,
                e.line,
                e.kind,
                shown(&e.text),
                e.verdict,
                f.verdict.kind,
                f.verdict.reason,
                e.note
            ));
        }
    }
    let _ = writeln!(
        report,
        "\nmissed inconsistencies and false alarms ({}):",
        wrong_verdicts.len()
    );
    for w in &wrong_verdicts {
        let _ = writeln!(report, "{w}");
    }
    let mut overlapped = Vec::new();
    for (i, span, line) in &look_spans {
        let l = &lookalikes[*i];
        for f in &found[&l.document] {
            if overlaps((f.start, f.end), *span) {
                overlapped.push(format!(
                    "  {}:{line}: look-alike '{}' ({}) overlapped by {} '{}'",
                    l.document,
                    shown(&l.text),
                    l.note,
                    kind_name(f.kind),
                    shown(&f.text)
                ));
            }
        }
    }
    let _ = writeln!(report, "\nlook-alikes overlapped ({}):", overlapped.len());
    for o in &overlapped {
        let _ = writeln!(report, "{o}");
    }
    if !overlapped.is_empty() {
        failures.push(format!("{} look-alikes overlapped", overlapped.len()));
    }

    let _ = writeln!(
        report,
        "\ncorpus errors ({}) — the corpus or the decoder is wrong, not the scanner:",
        corpus_errors.len()
    );
    for c in &corpus_errors {
        let _ = writeln!(report, "  {c}");
    }
    if !corpus_errors.is_empty() {
        failures.insert(
            0,
            format!(
                "{} corpus errors (expected figures not located are left out of recall)",
                corpus_errors.len()
            ),
        );
    }
    println!("{report}");
    assert!(
        failures.is_empty(),
        "the scan corpus fails:\n  {}\n(run `cargo test --test scan_corpus -- --nocapture` for the tables and lists)",
        failures.join("\n  ")
    );
}
