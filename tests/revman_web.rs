//! The reader of RevMan Web data packages (`src/data/revman/web.rs`) on the real package
//! `tests/revman/Fleiss1993_revman_web.zip` (see `tests/revman/README.md`), its unpacked
//! analysis data `tests/revman/Fleiss1993_web/`, and broken copies of both: every figure
//! read as printed, the zip and the folder read alike, and every malformed input an
//! input error naming the file (and the row and column where there is one), never a
//! panic.

use metapool::data::revman::{
    read_revman, read_revman_bytes, Figure, Method, Model, PrintedRow, Review, ReviewFormat,
    StudyArms,
};
use metapool::data::DataType;
use metapool::effect::Measure;
use metapool::error::{Error, Location};
use std::io::Read;
use std::path::{Path, PathBuf};

const ZIP: &str = "tests/revman/Fleiss1993_revman_web.zip";
const FOLDER: &str = "tests/revman/Fleiss1993_web";
const ANALYSIS_DATA: &str = "tests/revman/Fleiss1993_web/921923100913455418-analysis-data";
const PREFIX: &str = "921923100913455418-";
const OVERALL: &str = "overall-estimates-and-settings.csv";
const DATA_ROWS: &str = "data-rows.csv";
const SUBGROUPS: &str = "subgroup-estimates.csv";

fn zip_review() -> Review {
    read_revman(Path::new(ZIP)).expect("the package zip reads")
}

/// The printed cell of `column` on `row`, with the figure it must be.
fn printed<'a>(row: &'a PrintedRow, column: &str, figure: Figure) -> &'a str {
    let cell = row
        .figures
        .iter()
        .find(|f| f.column == column)
        .unwrap_or_else(|| panic!("{}: no printed '{column}' in {:?}", row.name, row.figures));
    assert_eq!(cell.figure, Some(figure), "{column}");
    &cell.text
}

/// The columns of a row's printed figures, in order.
fn columns(row: &PrintedRow) -> Vec<&str> {
    row.figures.iter().map(|f| f.column.as_str()).collect()
}

/// The location and message of an input error.
fn input_error(read: metapool::error::Result<Review>) -> (Location, String) {
    match read {
        Err(Error::Input { location, message }) => (location, message),
        Err(other) => panic!("expected an input error, got {other}"),
        Ok(review) => panic!(
            "expected an input error, read {} outcomes",
            review.outcomes.len()
        ),
    }
}

/// A fresh folder under the temporary directory, for one test.
fn temp_folder(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("metapool_revman_web_{}_{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp folder");
    dir
}

/// A folder holding the three fixture CSVs, the one ending `suffix` edited (`None`:
/// left out).
fn package_with(name: &str, suffix: &str, edit: impl Fn(&str) -> Option<String>) -> PathBuf {
    let dir = temp_folder(name);
    for file in [OVERALL, DATA_ROWS, SUBGROUPS] {
        let text = std::fs::read_to_string(format!("{ANALYSIS_DATA}/{PREFIX}{file}"))
            .expect("fixture CSV");
        let text = if file == suffix {
            edit(&text)
        } else {
            Some(text)
        };
        if let Some(text) = text {
            std::fs::write(dir.join(format!("{PREFIX}{file}")), text).expect("write CSV");
        }
    }
    dir
}

/// `text` with `from` replaced by `to` once; `from` must be there.
fn once(text: &str, from: &str, to: &str) -> Option<String> {
    assert!(text.contains(from), "{from}");
    Some(text.replacen(from, to, 1))
}

/// The bytes of the data zip nested in the package zip.
fn data_zip_bytes() -> Vec<u8> {
    let bytes = std::fs::read(ZIP).expect("fixture zip");
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("zip");
    let mut member = archive
        .by_name("Fleiss1993/921923100913455418-files/921923100913455418-data.zip")
        .expect("the nested data zip");
    let mut inner = Vec::new();
    member.read_to_end(&mut inner).expect("inflate");
    inner
}

#[test]
fn the_package_zip_is_read_figure_by_figure() {
    let review = zip_review();
    assert_eq!(review.source, ZIP);
    assert_eq!(review.format, ReviewFormat::WebPackage);
    assert!(review.warnings.is_empty(), "{:?}", review.warnings);
    let ids: Vec<&str> = review.outcomes.iter().map(|o| o.id.as_str()).collect();
    assert_eq!(ids, ["1.1", "1.2"]);

    let o = &review.outcomes[0];
    assert_eq!(o.comparison, "Examples from Fleiss (1993)");
    assert_eq!(
        o.name,
        "Aspirin for Preventing Death after Myocardial Infarction"
    );
    assert_eq!(o.row, Some(2));
    assert_eq!(
        (
            o.data_type.as_str(),
            o.method.as_str(),
            o.measure.as_str(),
            o.model.as_str()
        ),
        ("Dichotomous", "MH", "Odds Ratio", "Fixed effect")
    );
    let a = o.analysis.as_ref().expect("analysis 1.1 is re-run");
    assert_eq!(a.data_type, DataType::Binary);
    assert_eq!(a.method, Method::MantelHaenszel);
    assert_eq!(a.measure, Measure::OR);
    assert_eq!(a.model, Model::Fixed);
    assert!(a.ratio);
    assert!(!a.swap_events);
    assert_eq!((a.study_level, a.total_level), (0.95, 0.95));
    assert!(o.subgroups.is_empty());

    let pooled = o.pooled.as_ref().expect("outcome row");
    assert_eq!(pooled.row, 2);
    assert_eq!(
        pooled.file.as_deref(),
        Some("921923100913455418-analysis-data/921923100913455418-overall-estimates-and-settings.csv")
    );
    assert_eq!(pooled.name, o.name);
    for (column, figure, text) in [
        ("Experimental cases", Figure::Events1, "2128"),
        ("Experimental N", Figure::Total1, "14186"),
        ("Control cases", Figure::Events2, "2286"),
        ("Control N", Figure::Total2, "13817"),
        ("Mean", Figure::EffectEstimate, "0.896866"),
        ("CI start", Figure::CiStart, "0.840514"),
        ("CI end", Figure::CiEnd, "0.956995"),
        ("Heterogeneity Chi²", Figure::Q, "9.946056"),
        ("Heterogeneity df", Figure::Df, "6"),
        ("Heterogeneity P", Figure::PQ, "0.126942"),
        ("Heterogeneity I²", Figure::I2Q, "39.67458"),
        ("Effect Z", Figure::Z, "3.287633"),
        ("Effect P", Figure::PZ, "0.00101"),
    ] {
        assert_eq!(printed(pooled, column, figure), text, "{column}");
    }
    // Empty cells (Tau², the subgroup test) are no printed figures; nor is the ID.
    assert_eq!(pooled.figures.len(), 13, "{:?}", columns(pooled));

    // The study rows, in file order: data and printed figures (not the arm totals).
    let names: Vec<&str> = o.studies.iter().map(|s| s.printed.name.as_str()).collect();
    assert_eq!(
        names,
        ["AMIS", "CDP", "GASP", "ISIS-2", "MRC-1", "MRC-2", "PARIS"]
    );
    let counts = [
        [246.0, 2267.0, 219.0, 2257.0],
        [44.0, 758.0, 64.0, 771.0],
        [32.0, 317.0, 38.0, 309.0],
        [1570.0, 8587.0, 1720.0, 8600.0],
        [49.0, 615.0, 67.0, 624.0],
        [102.0, 832.0, 126.0, 850.0],
        [85.0, 810.0, 52.0, 406.0],
    ];
    let figures = [
        ["10.153491", "1.132736", "0.934665", "1.372783"],
        ["3.101689", "0.68076", "0.457391", "1.013212"],
        ["1.795485", "0.800739", "0.486261", "1.318597"],
        ["72.87984", "0.894969", "0.829418", "0.965702"],
        ["3.17649", "0.719714", "0.488975", "1.059336"],
        ["5.67538", "0.80287", "0.606453", "1.062903"],
        ["3.217624", "0.798143", "0.552563", "1.152868"],
    ];
    for (i, s) in o.studies.iter().enumerate() {
        let [e1, n1, e2, n2] = counts[i];
        assert_eq!(
            s.arms,
            Some(StudyArms::Dichotomous {
                events_1: e1,
                total_1: n1,
                events_2: e2,
                total_2: n2
            }),
            "{}",
            s.printed.name
        );
        assert_eq!(s.subgroup, 0);
        assert_eq!(s.printed.row, i + 2);
        assert_eq!(
            s.printed.file.as_deref(),
            Some("921923100913455418-analysis-data/921923100913455418-data-rows.csv")
        );
        assert_eq!(
            columns(&s.printed),
            ["Weight", "Mean", "CI start", "CI end"]
        );
        let [w, m, lo, hi] = figures[i];
        assert_eq!(printed(&s.printed, "Weight", Figure::Weight), w);
        assert_eq!(printed(&s.printed, "Mean", Figure::EffectEstimate), m);
        assert_eq!(printed(&s.printed, "CI start", Figure::CiStart), lo);
        assert_eq!(printed(&s.printed, "CI end", Figure::CiEnd), hi);
    }

    // 1.2: an SMD analysis RevMan did not compute; its zeros are printed figures.
    let o = &review.outcomes[1];
    assert_eq!(o.name, "Mental Health Treatment versus Control");
    assert_eq!(o.row, Some(3));
    assert_eq!(o.measure, "Standardized Mean Difference");
    let a = o.analysis.as_ref().expect("analysis 1.2 is re-run");
    assert_eq!(a.data_type, DataType::Continuous);
    assert_eq!(a.method, Method::InverseVariance);
    assert_eq!(a.measure, Measure::SMD);
    assert_eq!(a.model, Model::Fixed);
    assert!(!a.ratio);
    let pooled = o.pooled.as_ref().expect("outcome row");
    assert_eq!(
        columns(pooled),
        [
            "Experimental N",
            "Control N",
            "Mean",
            "CI start",
            "CI end",
            "Heterogeneity Chi²",
            "Heterogeneity df",
            "Heterogeneity P",
            "Heterogeneity I²",
            "Effect Z",
            "Effect P"
        ]
    );
    assert_eq!(printed(pooled, "Experimental N", Figure::Total1), "106");
    assert_eq!(printed(pooled, "Control N", Figure::Total2), "126");
    assert_eq!(printed(pooled, "Heterogeneity df", Figure::Df), "4");
    for (column, figure) in [
        ("Mean", Figure::EffectEstimate),
        ("CI start", Figure::CiStart),
        ("CI end", Figure::CiEnd),
        ("Heterogeneity Chi²", Figure::Q),
        ("Heterogeneity P", Figure::PQ),
        ("Heterogeneity I²", Figure::I2Q),
        ("Effect Z", Figure::Z),
        ("Effect P", Figure::PZ),
    ] {
        assert_eq!(printed(pooled, column, figure), "0", "{column}");
    }
    let names: Vec<&str> = o.studies.iter().map(|s| s.printed.name.as_str()).collect();
    assert_eq!(names, ["Davis", "Florell", "Gruen", "Hart", "Wilson"]);
    let data = [
        [5.0, 4.7, 13.0, 6.5, 3.8, 13.0],
        [4.9, 1.71, 30.0, 6.1, 2.3, 50.0],
        [22.5, 3.44, 35.0, 24.9, 10.65, 35.0],
        [12.5, 1.47, 20.0, 12.3, 1.66, 20.0],
        [6.5, 0.76, 8.0, 7.38, 1.41, 8.0],
    ];
    for (i, s) in o.studies.iter().enumerate() {
        let [mean_1, sd_1, total_1, mean_2, sd_2, total_2] = data[i];
        assert_eq!(
            s.arms,
            Some(StudyArms::Continuous {
                mean_1,
                sd_1,
                total_1,
                mean_2,
                sd_2,
                total_2
            }),
            "{}",
            s.printed.name
        );
        assert_eq!(s.printed.row, i + 9);
        for (column, figure) in [
            ("Weight", Figure::Weight),
            ("Mean", Figure::EffectEstimate),
            ("CI start", Figure::CiStart),
            ("CI end", Figure::CiEnd),
        ] {
            assert_eq!(printed(&s.printed, column, figure), "0", "{column}");
        }
    }
}

#[test]
fn the_folder_the_data_zip_and_a_folder_holding_it_read_as_the_package_zip() {
    let zip = zip_review();
    let folder = read_revman(Path::new(FOLDER)).expect("the unpacked folder reads");
    assert_eq!(folder.source, FOLDER);
    assert_eq!(folder.format, ReviewFormat::WebPackage);
    // The folder keeps the archive's layout: the files' names are the members' names.
    assert_eq!(folder.outcomes, zip.outcomes);
    assert_eq!(folder.warnings, zip.warnings);
    // The analysis-data folder itself, and the files' names relative to it.
    let inner = read_revman(Path::new(ANALYSIS_DATA)).expect("the analysis-data folder");
    assert_eq!(inner.outcomes.len(), 2);
    assert_eq!(
        inner.outcomes[0].studies[0].printed.file.as_deref(),
        Some("921923100913455418-data-rows.csv")
    );
    let mut without_files = inner.outcomes.clone();
    for o in &mut without_files {
        o.pooled.as_mut().expect("pooled").file = None;
        for s in &mut o.studies {
            s.printed.file = None;
        }
    }
    let mut zip_without_files = zip.outcomes.clone();
    for o in &mut zip_without_files {
        o.pooled.as_mut().expect("pooled").file = None;
        for s in &mut o.studies {
            s.printed.file = None;
        }
    }
    assert_eq!(without_files, zip_without_files);

    // The nested data zip alone, from memory and in a folder.
    let data = data_zip_bytes();
    let from_data_zip = read_revman_bytes("data.zip", &data).expect("the data zip reads");
    assert_eq!(from_data_zip.source, "data.zip");
    assert_eq!(from_data_zip.outcomes, zip.outcomes);
    let dir = temp_folder("data_zip");
    std::fs::create_dir_all(dir.join("Fleiss1993/files")).expect("folders");
    std::fs::write(
        dir.join("Fleiss1993/files/921923100913455418-data.zip"),
        &data,
    )
    .expect("write the data zip");
    let from_folder = read_revman(&dir).expect("a folder holding the data zip reads");
    assert_eq!(from_folder.outcomes, zip.outcomes);
    // The data zip read as a file of its own.
    let from_file = read_revman(&dir.join("Fleiss1993/files/921923100913455418-data.zip"))
        .expect("the data zip as a file");
    assert_eq!(from_file.outcomes, zip.outcomes);
    let _ = std::fs::remove_dir_all(&dir);

    // Without the subgroup-estimates file: no subgroups, no error.
    let dir = package_with("no_subgroup_file", SUBGROUPS, |_| None);
    let read = read_revman(&dir).expect("no subgroup file");
    assert_eq!(read.outcomes.len(), 2);
    assert!(read.outcomes.iter().all(|o| o.subgroups.is_empty()));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_zip_without_the_data_files_is_an_error_naming_the_zip_and_what_is_missing() {
    let file = "tests/revman/hostile/web_no_data_files.zip";
    let (location, message) = input_error(read_revman(Path::new(file)));
    assert_eq!(location.file, file);
    assert!(
        message.contains("'…overall-estimates-and-settings.csv' or '…data-rows.csv'"),
        "{message}"
    );
    // A zip holding a zip holding the data zip: one level of nesting is read, no more.
    let file = "tests/revman/hostile/web_nested_twice.zip";
    let (location, message) = input_error(read_revman(Path::new(file)));
    assert_eq!(location.file, format!("{file}: Fleiss1993.zip"));
    assert!(
        message.contains("not a RevMan Web data package")
            && message.contains("a zip in it is not opened"),
        "{message}"
    );
    // Two files of one kind: both named.
    let file = "tests/revman/hostile/web_two_overall_files.zip";
    let (location, message) = input_error(read_revman(Path::new(file)));
    assert_eq!(location.file, file);
    assert!(
        message.contains(
            "'921923100913455418-analysis-data/921923100913455418-overall-estimates-and-settings.csv' \
             and 'copy/921923100913455418-analysis-data/"
        ),
        "{message}"
    );
    // Two members of one name (the second with an altered weight): the archive would
    // keep one of them silently; neither is read (found by a hostile review).
    let file = "tests/revman/hostile/web_duplicate_member.zip";
    let (location, message) = input_error(read_revman(Path::new(file)));
    assert_eq!(location.file, file);
    assert!(
        message.contains("two of its members have the same name"),
        "{message}"
    );
}

#[test]
fn a_truncated_or_corrupt_zip_is_an_error_naming_it() {
    let bytes = std::fs::read(ZIP).expect("fixture zip");
    for end in [4, 100, bytes.len() / 2, bytes.len() - 100, bytes.len() - 10] {
        let (location, message) = input_error(read_revman_bytes("cut.zip", &bytes[..end]));
        assert_eq!(location.file, "cut.zip", "{end}");
        assert!(
            message.starts_with("not a readable zip archive: "),
            "{end}: {message}"
        );
    }
    // The nested data zip with its compressed bytes overwritten: the member that cannot
    // be inflated (or fails its checksum) is named.
    let mut data = data_zip_bytes();
    for b in &mut data[200..400] {
        *b ^= 0x5a;
    }
    let (location, message) = input_error(read_revman_bytes("corrupt.zip", &data));
    assert!(location.file.starts_with("corrupt.zip"), "{location}");
    assert!(message.contains("not a readable zip archive"), "{message}");
}

/// Every prefix of the package zip (at every 37th byte) and of its data zip is an error,
/// not a panic; the whole zips are audited without losing a printed figure.
#[test]
fn prefixes_of_the_zips_read_without_panic() {
    use metapool::audit::revman::audit_review;
    let outer = std::fs::read(ZIP).expect("fixture zip");
    let data = data_zip_bytes();
    for bytes in [&outer, &data] {
        for end in (0..bytes.len()).step_by(37).chain([bytes.len()]) {
            let read = read_revman_bytes("prefix", &bytes[..end]);
            // A zip cut short is refused, never read as the nested zip it stores.
            assert_eq!(read.is_ok(), end == bytes.len(), "{end}");
            let Ok(review) = read else {
                continue;
            };
            let audit = audit_review(&review);
            let printed: usize = review
                .outcomes
                .iter()
                .flat_map(|o| o.printed_rows())
                .map(|row| row.figures.len())
                .sum();
            assert_eq!(audit.figures, printed);
        }
    }
}

#[test]
fn malformed_csvs_are_errors_naming_file_row_and_column() {
    let data_rows = format!("{PREFIX}{DATA_ROWS}");
    let overall = format!("{PREFIX}{OVERALL}");
    // (case, file edited, edit, file named, row, column, in the message)
    type Edit = fn(&str) -> Option<String>;
    let cases: [(&str, &str, Edit, &str, usize, &str, &str); 9] = [
        (
            "missing_column",
            DATA_ROWS,
            |t| once(t, "Experimental N,", "Experimental Count,"),
            &data_rows,
            1,
            "Experimental N",
            "missing column 'Experimental N'",
        ),
        (
            "non_numeric",
            DATA_ROWS,
            |t| once(t, ",246,2267,", ",24x6,2267,"),
            &data_rows,
            2,
            "Experimental cases",
            "'24x6' is not a number",
        ),
        (
            "events_above_total",
            DATA_ROWS,
            |t| once(t, ",246,2267,", ",2468,2267,"),
            &data_rows,
            2,
            "Experimental cases",
            "2468 events exceed Experimental N = 2267",
        ),
        (
            "negative_sd",
            DATA_ROWS,
            |t| once(t, ",5.0,4.7,", ",5.0,-4.7,"),
            &data_rows,
            9,
            "Experimental SD",
            "must be 0 or more",
        ),
        (
            "placeholder",
            DATA_ROWS,
            |t| once(t, ",246,2267,0.0,0.0,", ",246,2267,3.5,0.0,"),
            &data_rows,
            2,
            "Control mean",
            "expected 0 or an empty cell",
        ),
        (
            "row_cut_short",
            DATA_ROWS,
            |t| once(t, ",0.934665,1.372783,", ""),
            &data_rows,
            2,
            "CI start",
            "the row is cut short",
        ),
        (
            "level",
            OVERALL,
            |t| once(t, ",95%,95%,2128", ",abc%,95%,2128"),
            &overall,
            2,
            "Study CI",
            "'abc%' is not a confidence level",
        ),
        (
            "missing_model_column",
            OVERALL,
            |t| once(t, "Analysis model", "Analysis mode"),
            &overall,
            1,
            "Analysis model",
            "missing column 'Analysis model'",
        ),
        (
            "method_with_measure",
            OVERALL,
            |t| once(t, ",MH,Odds Ratio,", ",Peto,Odds Ratio,"),
            &overall,
            2,
            "Statistical method",
            "'Peto' does not go with the measure 'Odds Ratio'",
        ),
    ];
    for (case, suffix, edit, file, row, column, says) in cases {
        let dir = package_with(case, suffix, edit);
        let (location, message) = input_error(read_revman(&dir));
        assert_eq!(
            location.file,
            dir.join(file).display().to_string(),
            "{case}: {message}"
        );
        assert_eq!(location.row, Some(row), "{case}: {message}");
        assert_eq!(
            location.column.as_deref(),
            Some(column),
            "{case}: {message}"
        );
        assert!(message.contains(says), "{case}: {message}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[test]
fn a_folder_without_a_package_is_an_error_saying_what_was_looked_for() {
    let dir = temp_folder("empty");
    let (location, message) = input_error(read_revman(&dir));
    assert_eq!(location.file, dir.display().to_string());
    assert!(
        message.contains("holds no RevMan Web data package")
            && message.contains("overall-estimates-and-settings.csv")
            && message.contains("-data.zip"),
        "{message}"
    );
    // The data rows alone: the missing file is named.
    std::fs::copy(
        format!("{ANALYSIS_DATA}/{PREFIX}{DATA_ROWS}"),
        dir.join(format!("{PREFIX}{DATA_ROWS}")),
    )
    .expect("copy");
    let (_, message) = input_error(read_revman(&dir));
    assert!(
        message.contains("no file ending '…overall-estimates-and-settings.csv'"),
        "{message}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn rows_of_an_analysis_without_its_settings_row_are_kept_not_re_run() {
    let dir = package_with("no_settings_row", DATA_ROWS, |t| {
        Some(t.replace("1,2,Mental Health Treatment", "1,3,Mental Health Treatment"))
    });
    let review = read_revman(&dir).expect("reads");
    let ids: Vec<&str> = review.outcomes.iter().map(|o| o.id.as_str()).collect();
    assert_eq!(ids, ["1.1", "1.2", "1.3"]);
    assert!(review.outcomes[1].studies.is_empty());
    let o = &review.outcomes[2];
    assert_eq!(o.row, None);
    assert!(o.pooled.is_none());
    let reason = o.analysis.as_ref().expect_err("not re-run");
    assert!(
        reason.contains("no row in 921923100913455418-overall-estimates-and-settings.csv"),
        "{reason}"
    );
    assert_eq!(o.studies.len(), 5);
    assert!(o.studies.iter().all(|s| s.arms.is_none()));
    assert_eq!(o.studies[0].printed.figures.len(), 4);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn subgroups_are_matched_by_name_and_unknown_names_numbered_with_a_warning() {
    let dir = package_with("subgroups", DATA_ROWS, |t| {
        let t = t.replacen(
            "Infarction,,SUBGROUP_AND_OVERALL,AMIS",
            "Infarction,Early,SUBGROUP_AND_OVERALL,AMIS",
            1,
        );
        Some(t.replace(
            "Infarction,,SUBGROUP_AND_OVERALL",
            "Infarction,Late,SUBGROUP_AND_OVERALL",
        ))
    });
    let subgroup_file = dir.join(format!("{PREFIX}{SUBGROUPS}"));
    let mut text = std::fs::read_to_string(&subgroup_file).expect("subgroup file");
    text.push_str("1,1,Early,3,246,2267,219,2257,10.153491,1.132736,0.934665,1.372783,,0,0,,,0.938,0.348,analysis:1\r\n");
    std::fs::write(&subgroup_file, text).expect("write");
    let review = read_revman(&dir).expect("reads");
    let o = &review.outcomes[0];
    let numbers: Vec<u32> = o.studies.iter().map(|s| s.subgroup).collect();
    assert_eq!(numbers, [3, 4, 4, 4, 4, 4, 4]);
    let early = &o.subgroups[&3];
    assert_eq!(early.name, "Early");
    assert_eq!(early.row, 2);
    assert_eq!(printed(early, "Weight", Figure::Weight), "10.153491");
    assert_eq!(printed(early, "Heterogeneity df", Figure::Df), "0");
    assert_eq!(printed(early, "Effect Z", Figure::Z), "0.938");
    assert_eq!(early.figures.len(), 12, "{:?}", columns(early));
    assert_eq!(review.warnings.len(), 1, "{:?}", review.warnings);
    assert!(
        review.warnings[0].contains("subgroup 'Late'") && review.warnings[0].contains("numbered 4"),
        "{:?}",
        review.warnings
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_unknown_column_is_warned_about_and_its_cells_kept() {
    let dir = package_with("unknown_column", OVERALL, |t| {
        let t = once(t, ",ID\n", ",ID,Extra\n")?;
        let t = once(&t, ":444821446161559182\n", ":444821446161559182,7.5\n")?;
        once(&t, ":444821446161559190\n", ":444821446161559190,\n")
    });
    let review = read_revman(&dir).expect("reads");
    assert_eq!(review.warnings.len(), 1, "{:?}", review.warnings);
    assert!(
        review.warnings[0].contains(&format!("{PREFIX}{OVERALL}, row 1, column 'Extra'")),
        "{:?}",
        review.warnings
    );
    let pooled = review.outcomes[0].pooled.as_ref().expect("pooled");
    let extra = pooled.figures.last().expect("a figure");
    assert_eq!(
        (extra.figure, extra.column.as_str(), extra.text.as_str()),
        (None, "Extra", "7.5")
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// A folder of the fixture CSVs with `edits` (file suffix, from, to) applied.
fn package_edited(name: &str, edits: &[(&str, &str, &str)]) -> PathBuf {
    let dir = temp_folder(name);
    for file in [OVERALL, DATA_ROWS, SUBGROUPS] {
        let mut text = std::fs::read_to_string(format!("{ANALYSIS_DATA}/{PREFIX}{file}"))
            .expect("fixture CSV");
        for (_, from, to) in edits.iter().filter(|e| e.0 == file) {
            text = once(&text, from, to).expect("edited");
        }
        std::fs::write(dir.join(format!("{PREFIX}{file}")), text).expect("write CSV");
    }
    dir
}

/// (analysis, file suffix, row, column) of every figure that does not hold.
fn failures(audit: &metapool::audit::revman::ReviewAudit) -> Vec<(String, String, usize, String)> {
    let mut out: Vec<(String, String, usize, String)> = audit
        .outcomes
        .iter()
        .flat_map(|o| &o.checks)
        .filter(|c| !c.verdict.kind.holds())
        .filter(|c| c.outcome != "1.2")
        .map(|c| {
            let file = c.file.clone().unwrap_or_default();
            let suffix = [OVERALL, DATA_ROWS, SUBGROUPS]
                .into_iter()
                .find(|s| file.ends_with(s))
                .unwrap_or("?");
            (
                c.outcome.clone(),
                suffix.to_string(),
                c.row,
                c.column.clone(),
            )
        })
        .collect();
    out.sort();
    out
}

/// Every figure RevMan Web computed is reproduced at its 6 decimals: analysis 1.1's 13
/// on its row of the overall file and the 4 of each of its 7 study rows. Analysis 1.2
/// (an SMD RevMan Web did not compute: every result 0) is `not_computed`: its totals
/// and df are reproduced, its zeros listed as not checked with the reason, and the
/// package holds.
#[test]
fn every_figure_of_the_package_is_reproduced_or_not_computed() {
    use metapool::audit::revman::{audit_review, OutcomeStatus};
    use metapool::audit::VerdictKind;
    for review in [
        zip_review(),
        read_revman(Path::new(FOLDER)).expect("folder"),
    ] {
        let audit = audit_review(&review);
        assert!(audit.holds());
        let o = &audit.outcomes[0];
        assert_eq!(o.status, OutcomeStatus::Reproduced);
        assert_eq!(o.checks.len(), 13 + 7 * 4);
        assert!(o
            .checks
            .iter()
            .all(|c| c.verdict.kind == VerdictKind::Reproduced));
        let p = o
            .checks
            .iter()
            .find(|c| c.column == "Heterogeneity P")
            .expect("P");
        assert_eq!(p.printed, "0.126942");
        let o = &audit.outcomes[1];
        assert_eq!(o.status, OutcomeStatus::NotComputed);
        for c in &o.checks {
            let counted =
                ["Experimental N", "Control N", "Heterogeneity df"].contains(&c.column.as_str());
            let expected = if counted {
                VerdictKind::Reproduced
            } else {
                VerdictKind::NotCheckable
            };
            assert_eq!(c.verdict.kind, expected, "{} {}", c.name, c.column);
        }
        assert_eq!((audit.figures, audit.reproduced), (72, 44));
    }
}

/// Figures altered in their last printed digit are flagged at exactly those figures.
#[test]
fn a_tampered_package_is_flagged_exactly_at_the_tampered_figures() {
    use metapool::audit::revman::audit_review;
    let dir = package_edited(
        "tampered",
        &[
            (OVERALL, ",0.126942,", ",0.126943,"),
            (OVERALL, ",14186,", ",14187,"),
            (DATA_ROWS, ",10.153491,", ",10.153492,"),
            (DATA_ROWS, ",0.894969,", ",0.894968,"),
        ],
    );
    let audit = audit_review(&read_revman(&dir).expect("folder"));
    assert!(!audit.holds());
    let expected: Vec<(String, String, usize, String)> = [
        (OVERALL, 2, "Experimental N"),
        (OVERALL, 2, "Heterogeneity P"),
        (DATA_ROWS, 2, "Weight"),
        (DATA_ROWS, 5, "Mean"),
    ]
    .iter()
    .map(|&(f, r, c)| ("1.1".to_string(), f.to_string(), r, c.to_string()))
    .collect();
    let mut expected = expected;
    expected.sort();
    assert_eq!(failures(&audit), expected);
}
