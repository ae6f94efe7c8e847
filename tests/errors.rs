//! The error type tells whose fault a failure is (issue 13, "Errors"): input errors
//! keep their file, row and column; reads are `Io`, writes `Write`; a result that cannot
//! be serialised is `Serialize`, never `Degenerate`; `is_user_error` is false for the
//! failures of the machine, which exit with status 1.

use metapool::error::{Error, Location};
use std::process::Command;

fn io(kind: std::io::ErrorKind) -> std::io::Error {
    std::io::Error::new(kind, "test")
}

#[test]
fn every_variant_says_whose_fault_it_is() {
    let user = [
        Error::input("t.csv", Some(2), Some("yi"), "not a number"),
        Error::Io {
            file: "t.csv".into(),
            source: io(std::io::ErrorKind::NotFound),
        },
        Error::InvalidArgument("level=150".into()),
        Error::Degenerate("no study left".into()),
    ];
    for e in &user {
        assert!(e.is_user_error(), "{e:?}");
    }
    let machine = [
        Error::write("standard output", io(std::io::ErrorKind::StorageFull)),
        Error::Serialize("key must be a string".into()),
        Error::OutOfMemory("t.csv: 1 GiB".into()),
    ];
    for e in &machine {
        assert!(!e.is_user_error(), "{e:?}");
    }
}

#[test]
fn a_file_that_cannot_be_read_is_io_and_says_which() {
    let e = metapool::data::read_csv_path("no/such/file.csv").expect_err("missing");
    assert!(
        matches!(&e, Error::Io { file, .. } if file == "no/such/file.csv"),
        "{e:?}"
    );
}

#[test]
fn a_plot_that_cannot_be_written_is_a_write_error_with_status_1() {
    let out = Command::new(env!("CARGO_BIN_EXE_metapool"))
        .args([
            "pool",
            "tests/golden/inputs/bcg_alloc.csv",
            "--forest",
            "no/such/folder/forest.svg",
        ])
        .output()
        .expect("run metapool");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("cannot write"), "{stderr}");
    assert!(!stderr.contains("could not be read"), "{stderr}");
}

#[test]
fn json_that_cannot_be_serialised_is_serialize_not_degenerate() {
    // JSON keys are strings: a map keyed by pairs cannot be written as JSON.
    let map: std::collections::BTreeMap<(u8, u8), u8> = [((1, 2), 3)].into();
    let e = metapool::report::json::to_string_pretty(&map).expect_err("not JSON");
    assert!(matches!(e, Error::Serialize(_)), "{e:?}");
    assert!(!e.is_user_error());
}

#[test]
fn json_that_cannot_be_serialised_while_streamed_is_serialize_not_write() {
    // The streaming writers pass serde_json's error through std::io::Error; the output
    // was not at fault, so it is not reported as a write error ("cannot write").
    let map: std::collections::BTreeMap<(u8, u8), u8> = [((1, 2), 3)].into();
    let io = metapool::report::json::to_writer_pretty(Vec::new(), &map).expect_err("not JSON");
    let e = Error::write("standard output", io);
    assert!(matches!(e, Error::Serialize(_)), "{e:?}");
    // A real write error stays a write error.
    let full = std::io::Error::new(std::io::ErrorKind::StorageFull, "disk full");
    assert!(matches!(Error::write("out.svg", full), Error::Write { .. }));
}

#[test]
fn csv_errors_of_a_revman_export_keep_their_row_and_column() {
    let export = "Comparison Number,Outcome Number,Subgroup Number,Name,Data Type,\
                  Statistical Method,Effect Measure,Analysis Model,Events 1,Mean 1,SD 1,\
                  Total 1,Events 2,Mean 2,SD 2,Total 2\n\
                  1,0,0,C,,,,,,,,,,,,\n\
                  1,1,0,\"Open,DIC,MH,RR,Fixed,1,0,0,10,2,0,0,10\n";
    let e = metapool::data::revman::read_revman_bytes("export.csv", export.as_bytes())
        .expect_err("an open quote");
    let Error::Input {
        location: Location {
            file, row, column, ..
        },
        ..
    } = &e
    else {
        panic!("{e:?}");
    };
    assert_eq!(
        (file.as_str(), *row, column.as_deref()),
        ("export.csv", Some(3), Some("Name")),
        "{e}"
    );
}
