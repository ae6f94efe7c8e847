//! Raw bytes -> `read_revman_bytes` -> `audit_export` (every outcome re-run, every
//! printed figure checked) -> the text and JSON reports of `metapool revman`.
//!
//! Errors are fine (a broken export must give an `Err`); a panic, abort, hang or runaway
//! allocation is a bug, and so is an export whose audit loses a printed figure: every
//! printed cell the reader kept must come back as exactly one check.
#![no_main]

use libfuzzer_sys::fuzz_target;
use metapool::audit::revman::audit_export;
use metapool::data::revman::read_revman_bytes;
use metapool::report;

fuzz_target!(|data: &[u8]| {
    let Ok(export) = read_revman_bytes("fuzz", data) else {
        return;
    };
    let audit = audit_export(&export);
    let printed: usize = export
        .outcomes
        .iter()
        .flat_map(|o| o.printed_rows())
        .map(|row| row.figures.len())
        .sum();
    assert_eq!(audit.figures, printed, "a printed figure is lost");
    assert_eq!(
        audit.figures,
        audit.reproduced + audit.not_reproduced + audit.not_checked,
        "a check is neither reproduced, not reproduced nor not checked"
    );
    assert_eq!(audit.outcomes.len(), export.outcomes.len(), "an outcome is lost");
    let _ = report::revman_text(&audit);
    let _ = report::revman_json(&audit);
});
