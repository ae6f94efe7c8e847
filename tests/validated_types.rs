//! Study tables and effects exist only validated: columns that differ in length are an
//! argument error from the constructor, never a panic later in the model.

use metapool::data::{BinaryArms, ContinuousArms, StudyData, StudyTable};
use metapool::effect::{compute, EffectOptions, Effects, Measure};
use metapool::Error;

fn labels(k: usize) -> Vec<String> {
    (1..=k).map(|i| format!("S{i}")).collect()
}

fn argument_error<T: std::fmt::Debug>(result: metapool::Result<T>, needle: &str) {
    match result {
        Err(Error::InvalidArgument(message)) => {
            assert!(message.contains(needle), "{message}");
        }
        other => panic!("expected an argument error, got {other:?}"),
    }
}

#[test]
fn a_table_whose_columns_differ_in_length_is_an_argument_error() {
    let short_n_e = StudyData::Binary(BinaryArms {
        events_e: vec![1.0, 2.0, 3.0],
        n_e: vec![10.0, 10.0],
        events_c: vec![1.0, 2.0, 3.0],
        n_c: vec![10.0, 10.0, 10.0],
    });
    argument_error(
        StudyTable::new("t", labels(3), short_n_e),
        "'n_e' has 2 values",
    );
    let short_sd_c = StudyData::Continuous(ContinuousArms {
        mean_e: vec![1.0, 2.0],
        sd_e: vec![1.0, 1.0],
        n_e: vec![10.0, 10.0],
        mean_c: vec![1.0, 2.0],
        sd_c: vec![1.0],
        n_c: vec![10.0, 10.0],
    });
    argument_error(
        StudyTable::new("t", labels(2), short_sd_c),
        "'sd_c' has 1 values",
    );
    let long_vi = StudyData::GenericVariance {
        yi: vec![0.1, 0.2],
        vi: vec![0.1, 0.1, 0.1],
    };
    argument_error(
        StudyTable::new("t", labels(2), long_vi),
        "'vi' has 3 values",
    );
    let yi_vi = StudyData::GenericVariance {
        yi: vec![0.1, 0.2],
        vi: vec![0.1, 0.1],
    };
    argument_error(
        StudyTable::new("t", labels(3), yi_vi),
        "3 labels for 2 studies",
    );
}

#[test]
fn effects_whose_columns_differ_in_length_are_an_argument_error() {
    let e = Effects::from_yi_vi(Measure::GEN, labels(2), vec![0.1, 0.2, 0.3], vec![0.1; 3]);
    argument_error(e, "2 labels, 3 estimates and 3 variances");
    let e = Effects::from_yi_vi(Measure::GEN, labels(2), vec![0.1, 0.2], vec![0.1]);
    argument_error(e, "2 labels, 2 estimates and 1 variances");
}

#[test]
fn added_columns_must_have_one_value_per_study() {
    let data = StudyData::GenericVariance {
        yi: vec![0.1, 0.2],
        vi: vec![0.1, 0.1],
    };
    let table = StudyTable::new("t", labels(2), data).expect("valid");
    argument_error(
        table.clone().with_subgroup(vec!["a"]),
        "'subgroup' has 1 values for 2 studies",
    );
    argument_error(
        table.clone().with_covariate("Dose", vec!["1"; 3]),
        "'dose' has 3 values for 2 studies",
    );
    let table = table
        .with_subgroup(vec!["a", "b"])
        .and_then(|t| t.with_covariate(" Dose ", vec!["1", "2"]))
        .expect("one value per study");
    assert_eq!(table.subgroup(), Some(&["a", "b"].into()));
    assert_eq!(
        table.numeric_covariate("dose").expect("numbers"),
        [1.0, 2.0]
    );
    argument_error(
        table.with_covariate("dose", vec!["3", "4"]),
        "already has a column named 'dose'",
    );
}

#[test]
fn the_accessors_read_what_was_built() {
    let data = StudyData::GenericVariance {
        yi: vec![0.1, 0.2],
        vi: vec![0.01, 0.04],
    };
    let table = StudyTable::new("memory", labels(2), data.clone()).expect("valid");
    assert_eq!(table.source(), "memory");
    assert_eq!(*table.labels(), ["S1", "S2"]);
    assert_eq!(table.rows(), [2, 3]);
    assert_eq!(table.data(), &data);
    assert_eq!(table.subgroup(), None);
    assert!(table.covariates().is_empty());
    assert!(table.warnings().is_empty());
    let effects = compute(&table, &EffectOptions::new(Measure::GEN)).expect("effects");
    assert_eq!(effects.measure(), Measure::GEN);
    assert_eq!(*effects.labels(), ["S1", "S2"]);
    assert_eq!(effects.yi(), [0.1, 0.2]);
    assert_eq!(effects.vi(), [0.01, 0.04]);
    assert_eq!(effects.index(), [0, 1]);
    assert!(effects.excluded().is_empty());
    assert!(effects.warnings().is_empty());
}
