//! Reading study tables: layouts recognised from the header, and malformed input
//! rejected with an error that names the file, row (header = row 1) and column.

use metapool::data::{read_csv_str, DataType, StudyData};
use metapool::effect::{compute, EffectOptions, Measure};
use metapool::{Error, Location};

fn location(text: &str) -> (Location, String) {
    match read_csv_str("t.csv", text) {
        Err(Error::Input { location, message }) => (location, message),
        other => panic!("expected an input error, got {other:?}"),
    }
}

fn at(text: &str, row: Option<usize>, column: Option<&str>) -> String {
    let (loc, message) = location(text);
    assert_eq!(loc.file, "t.csv");
    assert_eq!(loc.row, row, "row of: {message}");
    assert_eq!(loc.column.as_deref(), column, "column of: {message}");
    message
}

#[test]
fn recognises_every_layout_from_the_header() {
    let cases = [
        (
            "study,events_e,n_e,events_c,n_c\nA,1,10,2,10\n",
            DataType::Binary,
        ),
        (
            "study,mean_e,sd_e,n_e,mean_c,sd_c,n_c\nA,1,1,10,2,1,10\n",
            DataType::Continuous,
        ),
        ("study,yi,vi\nA,0.1,0.01\n", DataType::GenericVariance),
        ("study,yi,sei\nA,0.1,0.1\n", DataType::GenericSe),
        (
            "study,estimate,ci_lower,ci_upper\nA,1.2,0.8,1.9\n",
            DataType::GenericCi,
        ),
    ];
    for (text, expected) in cases {
        assert_eq!(
            read_csv_str("t.csv", text).expect(text).data_type(),
            expected
        );
    }
}

#[test]
fn keeps_labels_subgroups_and_covariates_in_order() {
    let t = read_csv_str(
        "t.csv",
        "Study , Events_E,n_e,events_c,n_c,subgroup,year,source\n\
         A,1,10,2,10,low,2001,\"Smith, 2001\"\nB,3,12,4,11,high,2003,x\n",
    )
    .expect("valid");
    assert_eq!(*t.labels(), ["A", "B"]);
    assert_eq!(t.rows(), [2, 3]);
    assert_eq!(t.subgroup(), Some(&["low", "high"].into()));
    assert_eq!(t.numeric_covariate("year").expect("year"), [2001.0, 2003.0]);
    assert_eq!(
        &t.covariate("source").expect("source").values[0],
        "Smith, 2001"
    );
    match t.data() {
        StudyData::Binary(b) => assert_eq!(b.events_c, [2.0, 4.0]),
        other => panic!("{other:?}"),
    }
}

#[test]
fn accepts_a_byte_order_mark_and_crlf_line_ends() {
    let t = read_csv_str(
        "t.csv",
        "\u{feff}study,yi,vi\r\nA,0.1,0.01\r\nB,0.2,0.02\r\n",
    )
    .expect("valid");
    assert_eq!(t.k(), 2);
    assert_eq!(t.rows(), [2, 3]);
}

#[test]
fn rejects_events_above_the_arm_size() {
    let m = at(
        "study,events_e,n_e,events_c,n_c\nA,1,10,2,10\nB,12,10,2,10\n",
        Some(3),
        Some("events_e"),
    );
    assert!(m.contains("exceed"), "{m}");
}

#[test]
fn rejects_negative_and_fractional_counts() {
    at(
        "study,events_e,n_e,events_c,n_c\nA,1,10,-2,10\n",
        Some(2),
        Some("events_c"),
    );
    let m = at(
        "study,events_e,n_e,events_c,n_c\nA,1.5,10,2,10\n",
        Some(2),
        Some("events_e"),
    );
    assert!(m.contains("whole"), "{m}");
}

#[test]
fn rejects_an_arm_size_below_one() {
    at(
        "study,events_e,n_e,events_c,n_c\nA,0,0,2,10\n",
        Some(2),
        Some("n_e"),
    );
}

#[test]
fn rejects_a_zero_or_missing_standard_deviation() {
    let h = "study,mean_e,sd_e,n_e,mean_c,sd_c,n_c\n";
    at(&format!("{h}A,1,1,10,2,0,10\n"), Some(2), Some("sd_c"));
    let m = at(&format!("{h}A,1,,10,2,1,10\n"), Some(2), Some("sd_e"));
    assert!(m.contains("missing"), "{m}");
}

#[test]
fn rejects_non_numbers_and_non_finite_numbers() {
    let m = at("study,yi,vi\nA,abc,0.1\n", Some(2), Some("yi"));
    assert!(m.contains("not a number"), "{m}");
    at("study,yi,vi\nA,0.1,inf\n", Some(2), Some("vi"));
    at("study,yi,vi\nA,NaN,0.1\n", Some(2), Some("yi"));
    let m = at("study,yi,vi\nA,\"1,5\",0.1\n", Some(2), Some("yi"));
    assert!(m.contains("decimal point"), "{m}");
}

#[test]
fn rejects_a_missing_required_column() {
    let m = at(
        "study,events_e,n_e,events_c\nA,1,10,2\n",
        Some(1),
        Some("n_c"),
    );
    assert!(m.contains("missing required column"), "{m}");
    at("study,yi\nA,0.1\n", Some(1), Some("yi"));
    at(
        "label,events_e,n_e,events_c,n_c\nA,1,10,2,10\n",
        Some(1),
        Some("study"),
    );
}

#[test]
fn rejects_an_unrecognisable_or_mixed_header() {
    at("study,a,b\nA,1,2\n", Some(1), None);
    at(
        "study,events_e,n_e,events_c,n_c,yi,vi,mean_e\nA,1,10,2,10,1,1,1\n",
        Some(1),
        None,
    );
}

#[test]
fn rejects_duplicate_headers() {
    at("study,yi,vi,yi\nA,0.1,0.1,0.2\n", Some(1), Some("yi"));
}

#[test]
fn rejects_an_empty_file_and_a_header_without_rows() {
    at("", Some(1), None);
    let m = at("study,yi,vi\n", None, None);
    assert!(m.contains("no studies"), "{m}");
}

#[test]
fn rejects_a_row_with_the_wrong_number_of_fields() {
    at("study,yi,vi\nA,0.1,0.1\nB,0.2\n", Some(3), None);
}

#[test]
fn rejects_an_empty_study_label() {
    at("study,yi,vi\n,0.1,0.1\n", Some(2), Some("study"));
}

#[test]
fn rejects_a_confidence_interval_that_excludes_its_estimate() {
    at(
        "study,estimate,ci_lower,ci_upper\nA,1.2,1.3,1.9\n",
        Some(2),
        Some("ci_lower"),
    );
    at(
        "study,estimate,ci_lower,ci_upper\nA,2.2,1.3,1.9\n",
        Some(2),
        Some("ci_upper"),
    );
}

#[test]
fn rejects_a_non_positive_ratio_estimate_when_the_measure_is_known() {
    let t = read_csv_str(
        "t.csv",
        "study,estimate,ci_lower,ci_upper\nA,1.2,0.8,1.9\nB,0.5,0,0.9\n",
    )
    .expect("valid");
    match compute(&t, &EffectOptions::new(Measure::RR)) {
        Err(Error::Input { location, .. }) => {
            assert_eq!(
                (location.row, location.column.as_deref()),
                (Some(3), Some("ci_lower"))
            )
        }
        other => panic!("{other:?}"),
    }
    // On a difference scale a limit of 0 is fine.
    assert!(compute(&t, &EffectOptions::new(Measure::GEN)).is_ok());
}

#[test]
fn rejects_non_utf8_bytes_with_the_row() {
    let bytes: &[u8] = b"study,yi,vi\nA,0.1,0.1\n\xff\xfe,0.2,0.1\n";
    match metapool::data::read_csv_reader("t.csv", bytes) {
        Err(Error::Input { location, .. }) => assert_eq!(location.row, Some(3)),
        other => panic!("{other:?}"),
    }
}

#[test]
fn warns_about_duplicate_study_labels() {
    let t = read_csv_str("t.csv", "study,yi,vi\nA,0.1,0.1\nA,0.2,0.1\n").expect("allowed");
    assert_eq!(t.warnings().len(), 1);
    assert!(t.warnings()[0].contains("row 3"), "{:?}", t.warnings());
}

#[test]
fn a_measure_that_does_not_fit_the_data_is_an_argument_error() {
    let t = read_csv_str("t.csv", "study,events_e,n_e,events_c,n_c\nA,1,10,2,10\n").expect("valid");
    assert!(matches!(
        compute(&t, &EffectOptions::new(Measure::SMD)),
        Err(Error::InvalidArgument(_))
    ));
}

#[test]
fn a_missing_file_is_an_io_error_naming_it() {
    let e = metapool::data::read_csv_path("no/such/file.csv").expect_err("missing");
    assert!(e.to_string().contains("no/such/file.csv"), "{e}");
    assert!(e.is_user_error());
}
