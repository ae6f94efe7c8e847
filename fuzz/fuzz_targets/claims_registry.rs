//! Raw bytes -> a claims registry read from memory (`audit::claims::Registry::from_bytes`)
//! with its folder a scratch directory -> `Registry::audit`.
//!
//! The folder holds three study tables of `data/cd007026` (so that `recompute` and
//! `recompute_candidates` claims can run); beside the folder, outside it, is a file
//! planted by the target. A registry that reads must resolve every input inside its
//! folder, and no message or verdict may quote the planted file. Errors are fine (a bad
//! registry must give an `Err`); a panic, abort, hang or runaway allocation is a bug.
#![no_main]

#[allow(unused)] // each target uses one of the two bodies
mod audit_bodies;

libfuzzer_sys::fuzz_target!(|data: &[u8]| audit_bodies::claims_registry(data));
