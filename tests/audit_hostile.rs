//! Hostile and broken claims registries fed to `metapool audit` as a user feeds them:
//! each registry is written to a scratch folder and the binary is run on it.
//!
//! A registry that is bad input must exit with status 2, print nothing on stdout and
//! print one line on stderr naming the registry, the row (header = row 1) and the column,
//! and saying what was expected. Legal registries whose checks cannot be run (too much
//! work, an input table that is not a study table) get a `not checkable` verdict that
//! names the registry's row and column, and the other claims are still reported. No
//! message quotes the contents of a file outside the registry's folder, and no input
//! outside that folder is opened unless `--allow-outside` is given.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const HEADER: &str = "id,document,claim,figure,measures,inputs,check,params,notes\n";
/// A claim that holds, after the one under test: it must still be reported when the
/// claim under test is not checkable.
const GOOD: &str = "ok,d,c,1070,m,none,sum,parts=529+541,\n";

/// A scratch directory, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!(
            "metapool-audit-hostile-{}-{name}",
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

    /// A registry of `rows` (after the header) in `folder` of the scratch directory.
    fn registry(&self, folder: &str, rows: &str) -> PathBuf {
        self.file(&format!("{folder}/claims.csv"), format!("{HEADER}{rows}"))
    }

    /// Copies committed study tables of data/cd007026 into `folder`.
    fn with_cd007026(&self, folder: &str, files: &[&str]) {
        for f in files {
            let bytes = std::fs::read(Path::new("data/cd007026").join(f)).expect("data file");
            self.file(&format!("{folder}/{f}"), bytes);
        }
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn audit(path: &Path, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_metapool"))
        .arg("audit")
        .arg(path)
        .args(extra)
        .output()
        .expect("run metapool")
}

/// Words by which a message says what was expected.
const EXPECTATION: &[&str] = &["expected", "must", "needs", "need "];

/// What is wrong with a run that should be a bad-input error at `row`, `column`.
fn bad_input_problems(path: &Path, out: &Output, row: usize, column: &str) -> Vec<String> {
    let stderr = String::from_utf8_lossy(&out.stderr);
    let mut problems = Vec::new();
    if out.status.code() != Some(2) {
        problems.push(format!("exit status {:?}, expected 2", out.status.code()));
    }
    if !out.stdout.is_empty() {
        problems.push(format!("{} bytes on stdout", out.stdout.len()));
    }
    let lines: Vec<&str> = stderr.lines().collect();
    if lines.len() != 1 {
        problems.push(format!("{} lines on stderr", lines.len()));
    }
    let message = lines.first().copied().unwrap_or_default();
    let prefix = format!(
        "metapool: {}, row {row}, column '{column}':",
        path.display()
    );
    if !message.starts_with(&prefix) {
        problems.push(format!("does not start with '{prefix}'"));
    }
    if !EXPECTATION.iter().any(|w| message.contains(w)) {
        problems.push("does not say what was expected".into());
    }
    if stderr.contains("panicked") {
        problems.push("panicked".into());
    }
    problems
}

/// Runs every (name, rows, row, column) case, each in its own registry; fails listing
/// every case that is not a bad-input error naming that row and column.
fn all_bad_input(scratch: &str, cases: &[(&str, &str, usize, &str)]) {
    let s = Scratch::new(scratch);
    let mut failures = Vec::new();
    for (i, (name, rows, row, column)) in cases.iter().enumerate() {
        let path = s.registry(&format!("case{i}"), rows);
        let out = audit(&path, &[]);
        let problems = bad_input_problems(&path, &out, *row, column);
        if !problems.is_empty() {
            failures.push(format!(
                "{name}: {} [stdout: {}] [stderr: {}]",
                problems.join("; "),
                String::from_utf8_lossy(&out.stdout)
                    .lines()
                    .next()
                    .unwrap_or(""),
                String::from_utf8_lossy(&out.stderr)
                    .lines()
                    .next()
                    .unwrap_or("")
            ));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {} {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

// Issue 12, item 2: a figure with a character of several bytes where the parser sliced
// bytes panicked (`2.39 [é]`, `2.39 (·1.10-5.23)`) and the whole registry's output was
// lost. Every unreadable figure is the error of its own cell.
#[test]
fn figures_with_multibyte_characters_are_errors_of_their_cell_not_panics() {
    let mut cases = Vec::new();
    let figures = [
        "2.39 ()",
        "2.39 [é]",
        "2.39 (·1.10-5.23)",
        "2.39 (é-5.23)",
        "2.39 (1.10 to é)",
        "é",
        "RR· 2.39 (1.10 to 5.23)",
        "2.39 (1.10–·5.23)",
        "P < é",
        "é%",
    ];
    let rows: Vec<String> = figures
        .iter()
        .map(|f| format!("a,d,c,\"{f}\",m,none,ci_consistency,,\n{GOOD}"))
        .collect();
    for (f, r) in figures.iter().zip(&rows) {
        cases.push((*f, r.as_str(), 2, "figure"));
    }
    all_bad_input("multibyte", &cases);
}

// Item 12: a CI whose lower limit is above the upper was consistent with a negative SE.
#[test]
fn a_ci_with_its_lower_limit_above_its_upper_is_refused() {
    all_bad_input(
        "reversed",
        &[
            (
                "ratio",
                "a,d,c,2.39 (5.23 to 1.10),m,none,ci_consistency,scale=ratio,\n",
                2,
                "figure",
            ),
            (
                "difference",
                "a,d,c,2.39 (5.23 to 1.10),m,none,ci_consistency,,\n",
                2,
                "figure",
            ),
            (
                "recompute",
                "a,d,c,2.39 (5.23 to 1.10),m,none,recompute,measure=RR; profile=revman5,\n",
                2,
                "figure",
            ),
            (
                "negative ratio",
                "a,d,c,-0.5 (-0.9 to -0.1),m,none,ci_consistency,scale=ratio,\n",
                2,
                "figure",
            ),
        ],
    );
}

// Item 12: every parameter of every check is read strictly; a value that would have
// been truncated, defaulted or carried as NaN into a verdict is an error of the
// `params` cell.
#[test]
fn every_parameter_is_read_strictly() {
    all_bad_input(
        "params",
        &[
            (
                "level 150",
                "a,d,c,2.39 (1.10 to 5.23),m,none,ci_consistency,level=150,\n",
                2,
                "params",
            ),
            (
                "level NaN",
                "a,d,c,2.39 (1.10 to 5.23),m,none,ci_consistency,level=NaN,\n",
                2,
                "params",
            ),
            (
                "scale log",
                "a,d,c,2.39 (1.10 to 5.23),m,none,ci_consistency,scale=log,\n",
                2,
                "params",
            ),
            (
                "unknown check",
                "a,d,c,2.39 (1.10 to 5.23),m,none,ci_consistancy,,\n",
                2,
                "check",
            ),
            (
                "pooled banana",
                "a,d,c,2.39 (1.10 to 5.23),m,none,recompute,measure=RR; profile=revman5; pooled=banana,\n",
                2,
                "params",
            ),
            (
                "pooled twice the same",
                "a,d,c,2.39 (1.10 to 5.23),m,x.csv;y.csv,recompute_candidates,\"measure=RR; profile=revman5; pooled=fixed,fixed\",\n",
                2,
                "params",
            ),
            (
                "random effects without tau2",
                "a,d,c,2.39 (1.10 to 5.23),m,none,recompute,measure=RR; profile=revman5; tau2=none; pooled=random,\n",
                2,
                "params",
            ),
            (
                "a continuous measure for binary inputs",
                "a,d,c,2.39 (1.10 to 5.23),m,none,recompute,measure=SMD; profile=revman5,\n",
                2,
                "params",
            ),
            (
                "compare_note alone",
                "a,d,c,2.39 (1.10 to 5.23),m,none,recompute,measure=RR; profile=revman5; compare_note=x,\n",
                2,
                "params",
            ),
            ("total negative", "a,d,c,41%; 28%,m,none,granularity_percent,total=-5,\n", 2, "params"),
            ("total NaN", "a,d,c,41%; 28%,m,none,granularity_percent,total=NaN,\n", 2, "params"),
            ("total not whole", "a,d,c,41%; 28%,m,none,granularity_percent,total=10.5,\n", 2, "params"),
            ("total 1e30", "a,d,c,41%; 28%,m,none,granularity_percent,total=1e30,\n", 2, "params"),
            ("n1 negative", "a,d,c,0.62,m,none,mann_whitney_p,n1=-3; n2=5; p=P < 0.01,\n", 2, "params"),
            ("n1 not whole", "a,d,c,0.62,m,none,mann_whitney_p,n1=10.5; n2=5; p=P < 0.01,\n", 2, "params"),
            ("n2 NaN", "a,d,c,0.62,m,none,mann_whitney_p,n1=10; n2=NaN; p=P < 0.01,\n", 2, "params"),
            ("p above 1", "a,d,c,0.62,m,none,mann_whitney_p,n1=10; n2=10; p=P < 5,\n", 2, "params"),
            ("parts NaN", "a,d,c,1070,m,none,sum,parts=NaN+1,\n", 2, "params"),
            ("parts inf", "a,d,c,1070,m,none,sum,parts=inf+1,\n", 2, "params"),
            ("a above 100", "a,d,c,34-41%,m,none,relative_difference,a=141; b=28,\n", 2, "params"),
            ("b negative", "a,d,c,34-41%,m,none,relative_difference,a=41; b=-28,\n", 2, "params"),
        ],
    );
}

// Item 12: `scale=Ratio` was an error while `measure=rr` was read without regard to
// case; every listed value is now read without regard to case, and means the same.
#[test]
fn listed_values_are_read_without_regard_to_case() {
    let s = Scratch::new("case");
    let path = s.registry(
        "reg",
        "a,d,c,2.39 (1.10 to 5.23),m,none,ci_consistency,scale=ratio,\n\
         b,d,c,2.39 (1.10 to 5.23),m,none,ci_consistency,scale=Ratio,\n\
         c,d,c,2.39 (1.10 to 5.23),m,none,ci_consistency,scale=difference,\n",
    );
    let v = json(&audit(&path, &["--format", "json"]));
    assert_eq!(v[0]["verdict"], v[1]["verdict"], "{v}");
    assert_eq!(v[0]["verdict"]["kind"], "consistent", "{v}");
    assert_ne!(v[0]["verdict"], v[2]["verdict"], "{v}");
}

// Item 12: a figure of the wrong kind for its check was a runtime failure (`not
// checkable`) or a silent mismatch (`not reproduced`); it is an error of the `figure`
// cell.
#[test]
fn a_figure_of_the_wrong_kind_for_its_check_is_refused() {
    all_bad_input(
        "kinds",
        &[
            (
                "percent to recompute",
                "a,d,c,41%,m,none,recompute,measure=RR; profile=revman5,\n",
                2,
                "figure",
            ),
            (
                "estimate without CI to ci_consistency",
                "a,d,c,2.39,m,none,ci_consistency,,\n",
                2,
                "figure",
            ),
            (
                "percent to mann_whitney_p",
                "a,d,c,62%,m,none,mann_whitney_p,n1=221; n2=221; p=P < 0.0001,\n",
                2,
                "figure",
            ),
            (
                "probability above 1",
                "a,d,c,1.62,m,none,mann_whitney_p,n1=221; n2=221; p=P < 0.0001,\n",
                2,
                "figure",
            ),
            (
                "CI to sum",
                "a,d,c,1070 (1 to 2),m,none,sum,parts=529+541,\n",
                2,
                "figure",
            ),
            (
                "p-value to sum",
                "a,d,c,P < 0.05,m,none,sum,parts=529+541,\n",
                2,
                "figure",
            ),
            (
                "words to relative_difference",
                "a,d,c,banana,m,none,relative_difference,a=41; b=28,\n",
                2,
                "figure",
            ),
            (
                "reversed range",
                "a,d,c,41-34%,m,none,relative_difference,a=41; b=28,\n",
                2,
                "figure",
            ),
            (
                "percent above 100",
                "a,d,c,141%; 28%,m,none,granularity_percent,total=186,\n",
                2,
                "figure",
            ),
            (
                "negative percent",
                "a,d,c,-4%; 28%,m,none,granularity_percent,total=186,\n",
                2,
                "figure",
            ),
        ],
    );
}

// Item 12: inputs given to a check that reads none were ignored.
#[test]
fn inputs_given_to_a_check_that_reads_none_are_refused() {
    let s = Scratch::new("unused-inputs");
    s.file(
        "reg/t.csv",
        "study,events_e,n_e,events_c,n_c\nA,1,10,2,10\n",
    );
    let path = s.registry("reg", "a,d,c,1070,m,t.csv,sum,parts=529+541,\n");
    let out = audit(&path, &[]);
    let problems = bad_input_problems(&path, &out, 2, "inputs");
    assert!(problems.is_empty(), "{problems:?}");
}

// Item 12: a `multiarm` trial that is not in the first input was tried as "0 of 0"
// splits and the claim passed; a `subgroup` that no trial has is the same mistake.
#[test]
fn a_multiarm_trial_or_subgroup_that_is_not_in_the_inputs_is_an_error_of_the_params() {
    let s = Scratch::new("multiarm-missing");
    s.with_cd007026(
        "reg",
        &[
            "pub7_all_cause_death.csv",
            "casta_cerelyse1_death_candidates.csv",
        ],
    );
    // Two trials with one label: which one is the multi-arm trial is not said.
    s.file(
        "reg/twice.csv",
        "study,events_e,n_e,events_c,n_c\nTwice,1,10,2,10\nTwice,3,12,4,12\n",
    );
    for (trials, params) in [
        (
            "pub7_all_cause_death.csv",
            "measure=RR; profile=revman5; fixed=mh; tau2=DL; pooled=fixed; multiarm=No such trial",
        ),
        (
            "pub7_all_cause_death.csv",
            "measure=RR; profile=revman5; fixed=mh; tau2=DL; pooled=fixed; subgroup=No such subgroup",
        ),
        (
            "twice.csv",
            "measure=RR; profile=revman5; fixed=mh; tau2=DL; pooled=fixed; multiarm=Twice",
        ),
    ] {
        let path = s.registry(
            "reg",
            &format!(
                "a,d,c,0.96 (0.65 to 1.41),m,{trials}; \
                 casta_cerelyse1_death_candidates.csv,recompute_candidates,{params},\n"
            ),
        );
        let out = audit(&path, &[]);
        let problems = bad_input_problems(&path, &out, 2, "params");
        assert!(
            problems.is_empty(),
            "{params}: {problems:?} {} {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

// Item 4: a multi-arm trial of 3000 participants entered as two comparisons built every
// split of its arms in memory (billions) and aborted; the splits are now counted first
// and beyond a bound of work the claim is not checkable, saying why.
#[test]
fn a_multiarm_trial_with_too_many_splits_is_not_checkable_with_the_count() {
    let s = Scratch::new("multiarm-large");
    s.file(
        "reg/trials.csv",
        "study,events_e,n_e,events_c,n_c\nLarge,300,2000,150,1000\nSmall,5,50,6,50\n",
    );
    s.file(
        "reg/candidates.csv",
        "candidate,study,events_e,n_e,events_c,n_c\n1,C,3,30,4,30\n",
    );
    let path = s.registry(
        "reg",
        &format!(
            "a,d,c,0.96 (0.65 to 1.41),m,trials.csv; candidates.csv,recompute_candidates,\
             measure=RR; profile=revman5; fixed=mh; tau2=DL; pooled=fixed; multiarm=Large,\n{GOOD}"
        ),
    );
    let out = audit(&path, &["--format", "json"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = json(&out);
    assert_eq!(v[0]["verdict"]["kind"], "not_checkable", "{v}");
    let reason = v[0]["verdict"]["reason"].as_str().unwrap_or_default();
    // 1999 splits of the arm of 2000, the events split 300 ways or fewer per split, and
    // 151 splits of the control events: far beyond the bound.
    for words in ["splits", "bound", "row 2", "column 'params'"] {
        assert!(reason.contains(words), "{words}: {reason}");
    }
    assert_eq!(v[1]["verdict"]["kind"], "consistent", "{v}");
}

// Item 6: granularity_percent enumerated every allocation with an O(n) attainability
// test: total 4000 over three arms did not finish in 100 s and total=1e30 enumerated up
// to u64::MAX. Now 4000 is quick, and beyond the documented bound the claim is not
// checkable with the count of allocations that would be needed.
#[test]
fn granularity_of_large_totals_is_quick_or_refused_with_its_bound() {
    let s = Scratch::new("granularity");
    let path = s.registry(
        "reg",
        &format!(
            "a,d,c,41%; 28%; 19%,m,none,granularity_percent,total=4000,\n\
             b,d,c,41.2%; 28.3%; 19.4%,m,none,granularity_percent,total=1000000,\n{GOOD}"
        ),
    );
    let started = std::time::Instant::now();
    let out = audit(&path, &["--format", "json"]);
    assert!(
        started.elapsed().as_secs() < 60,
        "took {:?}",
        started.elapsed()
    );
    let v = json(&out);
    assert_eq!(v[0]["verdict"]["kind"], "consistent", "{v}");
    assert_eq!(v[1]["verdict"]["kind"], "not_checkable", "{v}");
    let reason = v[1]["verdict"]["reason"].as_str().unwrap_or_default();
    for words in ["allocations", "bound", "row 3", "column 'params'"] {
        assert!(reason.contains(words), "{words}: {reason}");
    }
    assert_eq!(v[2]["verdict"]["kind"], "consistent", "{v}");
}

/// The D1-1 claim of data/claims.csv, counted by hand: the verdict and its reason do not
/// change with the faster counting.
#[test]
fn granularity_of_the_committed_claim_is_unchanged() {
    let s = Scratch::new("granularity-d1-1");
    let path = s.registry(
        "reg",
        "D1-1,d,c,41%; 28%; 19%,m,none,granularity_percent,total=186,\n",
    );
    let v = json(&audit(&path, &["--format", "json"]));
    let reason = v[0]["verdict"]["reason"].as_str().unwrap_or_default();
    assert!(
        reason.starts_with(
            "consistent only with some arm sizes: with equal arms of 62, 41% and 28% cannot \
             arise from whole patients; "
        ),
        "{reason}"
    );
    assert!(
        reason.contains(
            "allocations of 186 to 3 arms make all of them attainable (the most nearly equal: "
        ),
        "{reason}"
    );
}

// Item 18: inputs resolve inside the registry's folder. An absolute path or a `..` that
// climbs out of it is refused (naming the cell, never quoting the file) unless
// `--allow-outside` is given. The file outside is planted by the test.
#[test]
fn inputs_outside_the_registry_folder_are_refused_unless_allowed() {
    let s = Scratch::new("outside");
    let secret = "study,events_e,n_e,events_c,n_c\nSECRET-LINE-7f3a,1,10,2,10\n";
    let outside = s.file("outside.csv", secret);
    s.file(
        "reg/inside.csv",
        "study,events_e,n_e,events_c,n_c\nA,1,10,2,10\n",
    );
    s.file(
        "reg/sub/deeper.csv",
        "study,events_e,n_e,events_c,n_c\nA,1,10,2,10\n",
    );
    let row = |inputs: &str| {
        format!("a,d,c,0.50 (0.05 to 5.00),m,{inputs},recompute,measure=RR; profile=revman5,\n")
    };
    for inputs in [
        "../outside.csv".to_string(),
        "sub/../../outside.csv".to_string(),
        outside.display().to_string(),
        format!("inside.csv; {}", outside.display()),
        "../outside-missing.csv".to_string(),
    ] {
        let path = s.registry("reg", &row(&inputs));
        let out = audit(&path, &[]);
        let problems = bad_input_problems(&path, &out, 2, "inputs");
        assert!(problems.is_empty(), "{inputs}: {problems:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("SECRET"), "{stderr}");
        assert!(stderr.contains("--allow-outside"), "{stderr}");
    }
    // Inside the folder, `..` that stays inside is fine.
    let path = s.registry("reg", &row("sub/../inside.csv; sub/deeper.csv"));
    let out = audit(&path, &["--format", "json"]);
    assert_eq!(
        json(&out)[0]["claim"]["id"],
        "a",
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // With the flag, the file outside is read.
    let path = s.registry("reg", &row("../outside.csv"));
    let out = audit(&path, &["--allow-outside", "--format", "json"]);
    let v = json(&out);
    assert_ne!(v[0]["verdict"]["kind"], "not_checkable", "{v}");
}

// Item 18: a symbolic link inside the folder that points outside it is outside.
#[cfg(unix)]
#[test]
fn a_symbolic_link_out_of_the_registry_folder_is_refused() {
    let s = Scratch::new("symlink");
    let outside = s.file(
        "outside.csv",
        "study,events_e,n_e,events_c,n_c\nSECRET,1,10,2,10\n",
    );
    std::fs::create_dir_all(s.0.join("reg")).expect("folder");
    std::os::unix::fs::symlink(&outside, s.0.join("reg/link.csv")).expect("symlink");
    let path = s.registry(
        "reg",
        "a,d,c,0.50 (0.05 to 5.00),m,link.csv,recompute,measure=RR; profile=revman5,\n",
    );
    let out = audit(&path, &[]);
    let problems = bad_input_problems(&path, &out, 2, "inputs");
    assert!(problems.is_empty(), "{problems:?}");
    assert!(!String::from_utf8_lossy(&out.stderr).contains("SECRET"));
}

// Item 18: an input that is not a study table (here a file planted beside the registry
// whose first line is text) gets a `not checkable` verdict naming the registry's row and
// column, and the message does not echo the file's first line.
#[test]
fn an_input_that_is_not_a_study_table_is_not_checkable_without_quoting_it() {
    let s = Scratch::new("not-a-table");
    s.file(
        "reg/notes.csv",
        "PRIVATE-NOTE-91c2 do not share\nmore text\n",
    );
    let path = s.registry(
        "reg",
        &format!(
            "a,d,c,0.50 (0.05 to 5.00),m,notes.csv,recompute,measure=RR; profile=revman5,\n{GOOD}"
        ),
    );
    let out = audit(&path, &["--format", "json"]);
    let v = json(&out);
    assert_eq!(v[0]["verdict"]["kind"], "not_checkable", "{v}");
    let reason = v[0]["verdict"]["reason"].as_str().unwrap_or_default();
    assert!(
        reason.contains(&format!("{}, row 2, column 'inputs'", path.display())),
        "{reason}"
    );
    assert!(!reason.contains("PRIVATE"), "{reason}");
    assert_eq!(v[1]["verdict"]["kind"], "consistent", "{v}");
}

// Item 19: rows are counted as a spreadsheet shows them (blank lines count; a quoted
// cell over several lines stays in one row), and an error in a cell that is not valid
// UTF-8 names its row and column.
#[test]
fn registry_errors_name_the_spreadsheet_row_and_the_column() {
    let s = Scratch::new("rows");
    let cases: Vec<(&str, Vec<u8>, usize, &str)> = vec![
        (
            "blank line before",
            format!("{HEADER}\n{GOOD}a,d,c,1070,m,none,sum,parts=x,\n").into_bytes(),
            4,
            "params",
        ),
        (
            "multi-line cell before",
            format!("{HEADER}ok,d,c,1070,m,none,sum,parts=529+541,\"two\nlines\"\na,d,c,1070,m,none,sum,parts=x,\n")
                .into_bytes(),
            3,
            "params",
        ),
        (
            "invalid UTF-8",
            [HEADER.as_bytes(), b"a,d,c,1070,m,none,sum,parts=529+541,\xff\xfe\n"].concat(),
            2,
            "notes",
        ),
        (
            "too few cells",
            format!("{HEADER}a,d,c,1070,m,none,sum\n").into_bytes(),
            2,
            "params",
        ),
        (
            "unknown column",
            "id,document,claim,figure,measures,inputs,check,params,notes,extra\n".into(),
            1,
            "extra",
        ),
        (
            "repeated id",
            format!("{HEADER}{GOOD}{GOOD}").into_bytes(),
            3,
            "id",
        ),
        (
            "empty id",
            format!("{HEADER},d,c,1070,m,none,sum,parts=529+541,\n").into_bytes(),
            2,
            "id",
        ),
    ];
    let mut failures = Vec::new();
    for (i, (name, bytes, row, column)) in cases.iter().enumerate() {
        let path = s.file(&format!("case{i}/claims.csv"), bytes);
        let out = audit(&path, &[]);
        let problems = bad_input_problems(&path, &out, *row, column);
        if !problems.is_empty() {
            failures.push(format!(
                "{name}: {problems:?} [{}]",
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

// Item 18: the verdicts of a run were cached by (figure, input paths, check, params), so
// an input changed between two audits in one thread gave the first verdict again.
#[test]
fn an_input_changed_between_two_audits_gives_a_new_verdict() {
    let s = Scratch::new("stale");
    let table = |e: u32| format!("study,events_e,n_e,events_c,n_c\nA,{e},10,2,10\nB,3,12,4,12\n");
    s.file("reg/t.csv", table(1));
    let path = s.registry(
        "reg",
        "a,d,c,0.50 (0.05 to 5.00),m,t.csv,recompute,measure=RR; profile=revman5; fixed=mh; tau2=none,\n",
    );
    let first = metapool::audit::claims::audit_registry(&path).expect("registry");
    s.file("reg/t.csv", table(7)); // same length, other events
    let second = metapool::audit::claims::audit_registry(&path).expect("registry");
    assert_ne!(
        first[0].verdict.recomputed, second[0].verdict.recomputed,
        "the second audit repeated the first verdict"
    );
}

// Item 12: degenerate but legal figures get a documented result: a ratio printed as zero
// has no logarithm at its precision, and limits that print equal leave no interval.
#[test]
fn degenerate_cis_are_not_checkable_with_the_reason() {
    let s = Scratch::new("degenerate-ci");
    let path = s.registry(
        "reg",
        &format!(
            "a,d,c,0.00 (0.00 to 0.02),m,none,ci_consistency,scale=ratio,\n\
             b,d,c,1.00 (1.00 to 1.00),m,none,ci_consistency,,\n{GOOD}"
        ),
    );
    let out = audit(&path, &["--format", "json"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = json(&out);
    for (i, words) in [(0, "logarithm"), (1, "print equal")] {
        assert_eq!(v[i]["verdict"]["kind"], "not_checkable", "{v}");
        let reason = v[i]["verdict"]["reason"].as_str().unwrap_or_default();
        assert!(reason.contains(words), "{words}: {reason}");
        assert!(!reason.contains("NaN"), "{reason}");
    }
    assert_eq!(v[2]["verdict"]["kind"], "consistent", "{v}");
}

/// The level printed with a figure's CI is the level it is checked at: Cochrane
/// CD007026 pub7's RR 2.39 (1.10 to 5.23) is a 95% CI, so printed as a 90% CI it is
/// not reproduced (it was REPRODUCED at 95%); a level that is not a percentage, or
/// `level=` disagreeing with the printed one, is an error of its cell.
#[test]
fn the_printed_level_of_a_ci_is_the_level_it_is_checked_at() {
    let s = Scratch::new("printed-level");
    s.with_cd007026("reg", &["pub7_nonfatal_sae.csv"]);
    let params = "\"measure=RR; profile=revman5; fixed=mh; tau2=none; pooled=fixed\"";
    let row = |figure: &str, extra: &str| {
        format!(
            "T1,d,c,\"{figure}\",RR,pub7_nonfatal_sae.csv,recompute,{}{extra}\",\n",
            &params[..params.len() - 1]
        )
    };
    let holds = s.registry("reg", &row("2.39 (95% CI 1.10 to 5.23)", ""));
    assert_eq!(audit(&holds, &[]).status.code(), Some(0));
    let at_90 = s.registry("reg", &row("2.39 (90% CI 1.10 to 5.23)", ""));
    let out = audit(&at_90, &[]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("NOT REPRODUCED"));
    for (figure, extra, column) in [
        ("2.39 (150% CI 1.10 to 5.23)", "", "figure"),
        ("2.39 (0% CI 1.10 to 5.23)", "", "figure"),
        ("2.39 (90% CI 1.10 to 5.23)", "; level=95", "params"),
    ] {
        let bad = s.registry("reg", &row(figure, extra));
        let out = audit(&bad, &[]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{figure}: {stderr}");
        assert!(
            stderr.contains(&format!("column '{column}'")),
            "{figure}: {stderr}"
        );
    }
}
