//! The spelling tables of the option enums (`metapool::spelling`): every name and alias
//! reads back as its value in any case, and a word that names no value is refused with
//! the names expected.

use metapool::effect::{AddTo, DoubleZero, Measure, SmdCorrection};
use metapool::model::{CiMethod, FixedMethod, MhCells, PiMethod, RdVariance, Tau2Method};
use metapool::spelling::{parse, Spelling};

/// Every name and alias reads back as its value, in any case; every name is unique.
fn round_trip<T: Spelling + std::fmt::Debug>() {
    for &(value, words) in T::TABLE {
        for w in words {
            assert_eq!(parse::<T>(w).ok(), Some(value), "{w}");
            assert_eq!(
                parse::<T>(&format!(" {} ", w.to_uppercase())).ok(),
                Some(value)
            );
            assert_eq!(parse::<T>(&w.to_lowercase()).ok(), Some(value));
        }
    }
    assert_eq!(T::VALUES.len(), T::TABLE.len());
}

#[test]
fn every_spelling_reads_back_in_any_case() {
    round_trip::<Measure>();
    round_trip::<FixedMethod>();
    round_trip::<Tau2Method>();
    round_trip::<CiMethod>();
    round_trip::<PiMethod>();
    round_trip::<AddTo>();
    round_trip::<DoubleZero>();
    round_trip::<SmdCorrection>();
    round_trip::<RdVariance>();
    round_trip::<MhCells>();
    round_trip::<metapool::heterogeneity::I2Ci>();
    round_trip::<metapool::profile::Profile>();
    round_trip::<metapool::analysis::bias::Side>();
    round_trip::<metapool::analysis::bias::MissingEstimator>();
}

#[test]
fn a_word_that_names_no_value_is_refused_with_the_names_expected() {
    let e = parse::<Measure>("XX").unwrap_err().to_string();
    assert!(
        e.ends_with("unknown measure 'XX': expected RR, OR, RD, PETO, MD, SMD, ROM or GEN"),
        "{e}"
    );
    assert_eq!("peto_or".parse::<Measure>().ok(), Some(Measure::PETO));
    assert_eq!("knha".parse::<CiMethod>().ok(), Some(CiMethod::Hksj));
}

/// A model's τ² has one vocabulary: the command line, the claims registry and the JSON of
/// `regress` (which writes the fixed-effect model as `FE`) all read `none` and `FE`.
#[test]
fn the_fixed_effect_model_is_none_or_fe_everywhere() {
    use metapool::profile::Tau2Choice;
    for word in ["none", "NONE", " FE ", "fe"] {
        assert_eq!(Tau2Method::parse_model(word).ok(), Some(None), "{word}");
        assert_eq!(
            word.parse::<Tau2Choice>().ok(),
            Some(Tau2Choice(None)),
            "{word}"
        );
    }
    assert_eq!(
        "reml".parse::<Tau2Choice>().ok(),
        Some(Tau2Choice(Some(Tau2Method::REML)))
    );
    let e = Tau2Method::parse_model("XX").unwrap_err().to_string();
    assert!(e.contains("expected none (or FE"), "{e}");
}
