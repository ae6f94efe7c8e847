//! Raw bytes -> UTF-8 (lossily) -> `audit::figure::Figure::parse` and `Printed::parse`
//! -> for what parses, the checks of `audit::consistency` and `audit::granularity`.
//!
//! The text is read as a figure whole, and as `;`-separated parts (the
//! `granularity_percent` form). Errors are fine (an unreadable figure must give an
//! `Err`); a panic, abort, hang or runaway allocation is a bug.
#![no_main]

#[allow(unused)] // each target uses one of the two bodies
mod audit_bodies;

libfuzzer_sys::fuzz_target!(|data: &[u8]| audit_bodies::figure_parser(data));
