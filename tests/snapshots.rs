//! Byte-for-byte snapshots of every subcommand in every output format: stdout, stderr,
//! the exit status and the files a run writes (SVG plots), as the command gives them
//! today. A change to the code that moves any byte of any of them fails here; an
//! intended change of output is made in its own commit that rewrites the snapshots
//! (`METAPOOL_UPDATE_SNAPSHOTS=1 cargo test --test snapshots`) and says why.
//!
//! The expected values of the numbers are checked elsewhere, against metafor and
//! RevMan (see `tests/README.md`); these snapshots guard the shape of what is written.

use std::path::{Path, PathBuf};
use std::process::Command;

/// One run of the command: a name (the snapshot's file) and its arguments. `$TMP` in
/// an argument is a fresh folder for the files the run writes, each of which is added
/// to the snapshot.
struct Case {
    name: &'static str,
    args: &'static [&'static str],
}

const BCG: &str = "tests/golden/inputs/bcg.csv";

const CASES: &[Case] = &[
    // pool: every format, the three profiles, every data layout, subgroups, plots.
    Case {
        name: "pool_bcg_text",
        args: &["pool", BCG],
    },
    Case {
        name: "pool_bcg_json",
        args: &["pool", BCG, "--format", "json"],
    },
    Case {
        name: "pool_bcg_csv",
        args: &["pool", BCG, "--format", "csv"],
    },
    Case {
        name: "pool_revman5_fixed_text",
        args: &[
            "pool",
            "data/cd007026/pub7_nonfatal_sae.csv",
            "--profile",
            "revman5",
            "--tau2",
            "none",
        ],
    },
    Case {
        name: "pool_revman5_fixed_json",
        args: &[
            "pool",
            "data/cd007026/pub7_nonfatal_sae.csv",
            "--profile",
            "revman5",
            "--tau2",
            "none",
            "--format",
            "json",
        ],
    },
    Case {
        name: "pool_revman5_fixed_csv",
        args: &[
            "pool",
            "data/cd007026/pub7_nonfatal_sae.csv",
            "--profile",
            "revman5",
            "--tau2",
            "none",
            "--format",
            "csv",
        ],
    },
    Case {
        name: "pool_revman_web_text",
        args: &[
            "pool",
            "data/cd007026/pub6_1_2_total_sae.csv",
            "--profile",
            "revman-web",
        ],
    },
    Case {
        name: "pool_mh_or_dl_hksj_text",
        args: &[
            "pool",
            BCG,
            "--fixed",
            "mh",
            "--measure",
            "OR",
            "--tau2",
            "DL",
            "--ci",
            "hksj",
        ],
    },
    Case {
        name: "pool_mh_or_dl_hksj_json",
        args: &[
            "pool",
            BCG,
            "--fixed",
            "mh",
            "--measure",
            "OR",
            "--tau2",
            "DL",
            "--ci",
            "hksj",
            "--format",
            "json",
        ],
    },
    Case {
        name: "pool_peto_text",
        args: &[
            "pool",
            "tests/golden/inputs/hine1989.csv",
            "--fixed",
            "peto",
            "--measure",
            "PETO",
            "--tau2",
            "none",
        ],
    },
    Case {
        name: "pool_rd_mh_json",
        args: &[
            "pool",
            "tests/golden/inputs/nielweise2007.csv",
            "--fixed",
            "mh",
            "--measure",
            "RD",
            "--format",
            "json",
        ],
    },
    Case {
        name: "pool_smd_revman5_text",
        args: &[
            "pool",
            "tests/golden/inputs/normand1999.csv",
            "--measure",
            "SMD",
            "--profile",
            "revman5",
        ],
    },
    Case {
        name: "pool_md_csv",
        args: &[
            "pool",
            "tests/golden/inputs/gibson2002.csv",
            "--format",
            "csv",
        ],
    },
    Case {
        name: "pool_ci_input_text",
        args: &[
            "pool",
            "tests/golden/inputs/hackshaw1998_ci.csv",
            "--measure",
            "OR",
            "--tau2",
            "DL",
        ],
    },
    Case {
        name: "pool_ci_input_json",
        args: &[
            "pool",
            "tests/golden/inputs/hackshaw1998_ci.csv",
            "--measure",
            "OR",
            "--tau2",
            "DL",
            "--format",
            "json",
        ],
    },
    Case {
        name: "pool_yi_vi_options_json",
        args: &[
            "pool",
            "tests/golden/inputs/bcg_yi_vi.csv",
            "--tau2",
            "PM",
            "--ci",
            "t",
            "--pi",
            "hts",
            "--i2-ci",
            "ht",
            "--level",
            "90",
            "--format",
            "json",
        ],
    },
    Case {
        name: "pool_yi_sei_sj_hksj_adhoc_text",
        args: &[
            "pool",
            "tests/golden/inputs/bcg_yi_sei.csv",
            "--tau2",
            "SJ",
            "--ci",
            "hksj-adhoc",
        ],
    },
    Case {
        name: "pool_one_study_text",
        args: &["pool", "tests/golden/inputs/bcg_k2.csv", "--tau2", "ML"],
    },
    Case {
        name: "pool_subgroups_text",
        args: &[
            "pool",
            "tests/golden/inputs/bcg_alloc.csv",
            "--subgroup",
            "subgroup",
        ],
    },
    Case {
        name: "pool_subgroups_json",
        args: &[
            "pool",
            "tests/golden/inputs/bcg_alloc.csv",
            "--subgroup",
            "subgroup",
            "--format",
            "json",
        ],
    },
    Case {
        name: "pool_subgroups_csv",
        args: &[
            "pool",
            "tests/golden/inputs/bcg_alloc.csv",
            "--subgroup",
            "subgroup",
            "--format",
            "csv",
        ],
    },
    Case {
        name: "pool_plots",
        args: &[
            "pool",
            "tests/golden/inputs/bcg_alloc.csv",
            "--subgroup",
            "subgroup",
            "--forest",
            "$TMP/forest.svg",
            "--funnel",
            "$TMP/funnel.svg",
        ],
    },
    // batch
    Case {
        name: "batch_csv",
        args: &[
            "batch",
            "tests/golden/inputs/yusuf1985.csv",
            "--group-by",
            "subgroup",
            "--measure",
            "OR",
        ],
    },
    Case {
        name: "batch_jsonl",
        args: &[
            "batch",
            "tests/golden/inputs/yusuf1985.csv",
            "--group-by",
            "subgroup",
            "--measure",
            "OR",
            "--format",
            "jsonl",
        ],
    },
    Case {
        name: "batch_mh_csv",
        args: &[
            "batch",
            "tests/golden/inputs/yusuf1985.csv",
            "--group-by",
            "subgroup",
            "--profile",
            "revman5",
        ],
    },
    // audit
    Case {
        name: "audit_text",
        args: &["audit", "data/claims.csv"],
    },
    Case {
        name: "audit_json",
        args: &["audit", "data/claims.csv", "--format", "json"],
    },
    // regress
    Case {
        name: "regress_text",
        args: &[
            "regress",
            "tests/golden/inputs/bcg_mods.csv",
            "--mods",
            "ablat,year",
        ],
    },
    Case {
        name: "regress_json",
        args: &[
            "regress",
            "tests/golden/inputs/bcg_mods.csv",
            "--mods",
            "ablat,year",
            "--format",
            "json",
        ],
    },
    Case {
        name: "regress_categorical_hksj_text",
        args: &[
            "regress",
            "tests/golden/inputs/raudenbush_mods.csv",
            "--mods",
            "weeks,setting",
            "--ci",
            "hksj",
        ],
    },
    Case {
        name: "regress_fe_json",
        args: &[
            "regress",
            "tests/golden/inputs/hackshaw_mods.csv",
            "--mods",
            "design",
            "--tau2",
            "none",
            "--format",
            "json",
        ],
    },
    Case {
        name: "regress_permutation_text",
        args: &[
            "regress",
            "tests/golden/inputs/bcg_mods.csv",
            "--mods",
            "ablat",
            "--permutation",
            "--iterations",
            "200",
            "--seed",
            "7",
        ],
    },
    Case {
        name: "regress_permutation_json",
        args: &[
            "regress",
            "tests/golden/inputs/bcg_mods.csv",
            "--mods",
            "ablat",
            "--permutation",
            "--iterations",
            "200",
            "--seed",
            "7",
            "--format",
            "json",
        ],
    },
    // sensitivity
    Case {
        name: "sensitivity_text",
        args: &["sensitivity", BCG],
    },
    Case {
        name: "sensitivity_json",
        args: &["sensitivity", BCG, "--format", "json"],
    },
    Case {
        name: "sensitivity_order_fixed_text",
        args: &["sensitivity", BCG, "--order", "ablat", "--tau2", "none"],
    },
    // bias
    Case {
        name: "bias_text",
        args: &["bias", BCG],
    },
    Case {
        name: "bias_json",
        args: &["bias", BCG, "--format", "json"],
    },
    Case {
        name: "bias_r0_left_funnel",
        args: &[
            "bias",
            BCG,
            "--estimator",
            "R0",
            "--side",
            "left",
            "--funnel",
            "$TMP/funnel.svg",
        ],
    },
    Case {
        name: "bias_smd_text",
        args: &[
            "bias",
            "tests/golden/inputs/curtis1998.csv",
            "--measure",
            "ROM",
            "--tau2",
            "DL",
        ],
    },
    // revman
    Case {
        name: "revman_fleiss_text",
        args: &["revman", "tests/revman/Fleiss93_CR.csv"],
    },
    Case {
        name: "revman_fleiss_json",
        args: &["revman", "tests/revman/Fleiss93_CR.csv", "--format", "json"],
    },
    Case {
        name: "revman_cd007026_text",
        args: &["revman", "tests/revman/cd007026_pub6_analysis_1_4.csv"],
    },
    // effects
    Case {
        name: "effects_rr",
        args: &["effects", BCG],
    },
    Case {
        name: "effects_smd_revman5",
        args: &[
            "effects",
            "tests/golden/inputs/normand1999.csv",
            "--measure",
            "SMD",
            "--profile",
            "revman5",
        ],
    },
    Case {
        name: "effects_ci_or",
        args: &[
            "effects",
            "tests/golden/inputs/hackshaw1998_ci.csv",
            "--measure",
            "OR",
        ],
    },
    // errors and usage: the status and the message
    Case {
        name: "error_unknown_measure",
        args: &["pool", BCG, "--measure", "XX"],
    },
    Case {
        name: "error_missing_file",
        args: &["pool", "tests/golden/inputs/absent.csv"],
    },
    Case {
        name: "error_wrong_level",
        args: &["pool", BCG, "--level", "0.05"],
    },
    Case {
        name: "error_regress_mh",
        args: &["regress", BCG, "--mods", "ablat", "--fixed", "mh"],
    },
    Case {
        name: "error_bad_estimator",
        args: &["bias", BCG, "--estimator", "Q0"],
    },
];

/// What a run of `case` gives, as one text: the command, the status, stderr, stdout,
/// and each file written under `$TMP`, with the folder's path written as `$TMP`.
fn run(case: &Case) -> String {
    let tmp = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("snapshots")
        .join(case.name);
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp).expect("create the folder of written files");
    let tmp_text = tmp.to_str().expect("a UTF-8 temporary path");
    let args: Vec<String> = case
        .args
        .iter()
        .map(|a| a.replace("$TMP", tmp_text))
        .collect();
    let out = Command::new(env!("CARGO_BIN_EXE_metapool"))
        .args(&args)
        .output()
        .expect("run metapool");
    let unpath = |bytes: &[u8]| String::from_utf8_lossy(bytes).replace(tmp_text, "$TMP");
    let mut text = format!(
        "$ metapool {}\n--- status {}\n--- stderr\n{}--- stdout\n{}",
        case.args.join(" "),
        out.status.code().map_or("none".into(), |c| c.to_string()),
        unpath(&out.stderr),
        unpath(&out.stdout),
    );
    let mut written: Vec<PathBuf> = std::fs::read_dir(&tmp)
        .expect("list the written files")
        .map(|e| e.expect("entry").path())
        .collect();
    written.sort();
    for path in written {
        let name = path
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        let bytes = std::fs::read(&path).expect("read a written file");
        text += &format!("--- file $TMP/{name}\n{}", String::from_utf8_lossy(&bytes));
    }
    text
}

fn snapshot_path(name: &str) -> PathBuf {
    Path::new("tests/snapshots").join(format!("{name}.txt"))
}

#[test]
fn every_subcommand_in_every_format_writes_what_its_snapshot_holds() {
    let update = std::env::var_os("METAPOOL_UPDATE_SNAPSHOTS").is_some();
    let mut differ = Vec::new();
    for case in CASES {
        let got = run(case);
        let path = snapshot_path(case.name);
        if update {
            std::fs::create_dir_all("tests/snapshots").expect("create tests/snapshots");
            std::fs::write(&path, &got).expect("write a snapshot");
            continue;
        }
        match std::fs::read_to_string(&path) {
            Ok(expected) if expected == got => {}
            Ok(expected) => {
                let line = expected
                    .lines()
                    .zip(got.lines())
                    .position(|(a, b)| a != b)
                    .unwrap_or_else(|| expected.lines().count().min(got.lines().count()));
                differ.push(format!(
                    "{}: first difference at line {}\n  expected: {:?}\n  got:      {:?}",
                    case.name,
                    line + 1,
                    expected.lines().nth(line).unwrap_or("<end>"),
                    got.lines().nth(line).unwrap_or("<end>"),
                ));
            }
            Err(_) => differ.push(format!("{}: no snapshot at {}", case.name, path.display())),
        }
    }
    assert!(
        differ.is_empty(),
        "{} of {} snapshots differ (rewrite them with METAPOOL_UPDATE_SNAPSHOTS=1 only \
         for an intended change of output):\n{}",
        differ.len(),
        CASES.len(),
        differ.join("\n")
    );
}

#[test]
fn every_snapshot_on_disk_has_its_case() {
    let names: Vec<String> = CASES.iter().map(|c| format!("{}.txt", c.name)).collect();
    for entry in std::fs::read_dir("tests/snapshots").expect("tests/snapshots") {
        let name = entry
            .expect("entry")
            .file_name()
            .to_string_lossy()
            .into_owned();
        assert!(
            names.contains(&name),
            "tests/snapshots/{name} has no case in tests/snapshots.rs"
        );
    }
}
