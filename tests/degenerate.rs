//! Degenerate but legal data: what metapool returns, what metafor 3.8-1 does, and why
//! they differ where they do (summarised in the module docs of `metapool::model`).
//!
//! Every expected number comes from R 4.2.2 with metafor 3.8-1, printed with
//! `sprintf("%.17g", x)` by the call written beside it, or from a hand derivation
//! written out. Iterative fits use `ctl <- list(threshold=1e-10, maxiter=1000,
//! tol=1e-12)` as tests/golden/generate_rma.R does, and `confint(res,
//! control=list(tol=1e-12))`.

// The references keep the 17 digits R printed (`%.17g`), more than an f64 needs.
#![allow(clippy::excessive_precision)]

use metapool::data::{read_csv_str, BinaryArms, StudyData, StudyTable};
use metapool::effect::{EffectOptions, Effects, Measure};
use metapool::model::{
    fit_slices, pool, pool_effects, tau2, CiMethod, Fit, FixedMethod, PoolOptions, Tau2Method,
};
use metapool::Error;
use std::path::PathBuf;
use std::process::{Command, Output};

fn options(method: Option<Tau2Method>, ci: CiMethod) -> PoolOptions {
    let mut options = PoolOptions::default();
    options.tau2 = method;
    options.ci = ci;
    options
}

fn effects(yi: &[f64], vi: &[f64]) -> Effects {
    let labels: Vec<_> = (1..=yi.len()).map(|i| format!("S{i}")).collect();
    Effects::from_yi_vi(Measure::GEN, labels, yi.to_vec(), vi.to_vec()).expect("effects")
}

fn fit(yi: &[f64], vi: &[f64], method: Tau2Method, ci: CiMethod) -> Fit {
    pool_effects(&effects(yi, vi), &options(Some(method), ci)).expect("a fit")
}

#[track_caller]
fn near(actual: f64, expected: f64, rel: f64) {
    assert!(
        (actual - expected).abs() <= rel * expected.abs() + 1e-300,
        "{actual} vs {expected} (relative tolerance {rel})"
    );
}

/// Runs the binary on a file holding `text`; the file is removed afterwards.
fn cli(name: &str, text: &str, args: &[&str]) -> (Output, PathBuf) {
    let dir = std::env::temp_dir().join(format!("metapool-degenerate-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch");
    let path = dir.join(format!("{name}.csv"));
    std::fs::write(&path, text).expect("write");
    let out = Command::new(env!("CARGO_BIN_EXE_metapool"))
        .arg("pool")
        .arg(&path)
        .args(args)
        .output()
        .expect("run metapool");
    let _ = std::fs::remove_file(&path);
    (out, path)
}

/// A run that must fail with status 2, one line on stderr and nothing on stdout;
/// returns the line.
#[track_caller]
fn user_error(name: &str, text: &str, args: &[&str]) -> String {
    let (out, path) = cli(name, text, args);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(out.stdout.is_empty());
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains(&path.display().to_string()), "{stderr}");
    stderr
}

// ---------------------------------------------------------------------------------
// k = 1

/// metafor: `rma(0.5, 0.04, method=m)` for every m gives b = 0.5, se = 0.2, tau2 = 0,
/// QE = 0, QEp = 1, I2 = 0, H2 = 1, vt = 0, and `predict()` gives pi = ci; with
/// `test="t"`, `"knha"` or `"adhoc"` it warns "Setting argument test="z" since k=1"
/// and gives the z interval; `confint()` stops ("Stopped because k = 1").
/// By hand: 0.5 ± qnorm(0.975)·0.2 = [0.10800720309198925, 0.89199279690801081]
/// (R: sprintf("%.17g", 0.5 + c(-1, 1) * qnorm(0.975) * 0.2)), p = 2 pnorm(-2.5) =
/// 0.01241933065155227.
#[test]
fn one_study_is_its_own_estimate_with_z_intervals_and_no_heterogeneity() {
    for method in Tau2Method::ALL {
        for ci in [
            CiMethod::Z,
            CiMethod::T,
            CiMethod::Hksj,
            CiMethod::HksjAdhoc,
        ] {
            let f = fit(&[0.5], &[0.04], method, ci);
            let r = f.random.as_ref().expect("random");
            for (est, se, lo, hi, p) in [
                (
                    f.fixed.pooled.estimate,
                    f.fixed.pooled.se,
                    f.fixed.pooled.ci_lower,
                    f.fixed.pooled.ci_upper,
                    f.fixed.pooled.p_value,
                ),
                (
                    r.pooled.estimate,
                    r.pooled.se,
                    r.pooled.ci_lower,
                    r.pooled.ci_upper,
                    r.pooled.p_value,
                ),
            ] {
                near(est, 0.5, 1e-15);
                near(se, 0.2, 1e-15);
                near(lo, 0.108_007_203_091_989_25, 1e-12);
                near(hi, 0.891_992_796_908_010_81, 1e-12);
                near(p, 0.012_419_330_651_552_27, 1e-10);
            }
            assert_eq!(r.tau2, 0.0);
            assert_eq!(r.pooled.df, None, "{method} {ci:?}: z, not t");
            assert_eq!(r.ci_method, CiMethod::Z);
            assert_eq!(
                (r.pi_lower, r.pi_upper),
                (r.pooled.ci_lower, r.pooled.ci_upper)
            );
            let h = &f.heterogeneity;
            assert_eq!(
                (h.q, h.p_value, h.i2_q, h.i2_tau2, h.h2),
                (0.0, 1.0, 0.0, 0.0, 1.0)
            );
            assert_eq!(h.typical_variance, 0.0);
            assert!(h.tau2_ci_lower.is_nan() && h.tau2_ci_upper.is_nan());
            assert!(f.warnings.iter().any(|w| w.contains("only one study")));
            if ci != CiMethod::Z {
                assert!(f.warnings.iter().any(|w| w.contains("z intervals replace")));
            }
        }
    }
    // Without a random-effects model: H2 = Q/df would be 0/0; metafor's FE fit gives 1.
    let f = pool_effects(&effects(&[0.5], &[0.04]), &options(None, CiMethod::Z)).expect("fit");
    assert_eq!((f.heterogeneity.h2, f.heterogeneity.p_value), (1.0, 1.0));
}

// ---------------------------------------------------------------------------------
// k = 2: no special case; every estimator as metafor.

/// R: `res <- rma(c(0.1,0.5), c(0.04,0.09), method=m, control=ctl)`;
/// cat(m, sprintf("%.17g", c(res$tau2, res$b, res$se, res$ci.lb, res$ci.ub, res$I2))).
#[test]
fn two_studies_match_metafor_for_every_estimator() {
    #[rustfmt::skip]
    let expected: [(Tau2Method, [f64; 6]); 8] = [
        (Tau2Method::DL,   [0.015000000000000003, 0.23749999999999993, 0.18998355191963329, -0.13486091941747669, 0.60986091941747655, 18.750000000000007]),
        (Tau2Method::REML, [0.014999999999999991, 0.23749999999999999, 0.18998355191963329, -0.13486091941747663, 0.60986091941747667, 18.749999999999996]),
        (Tau2Method::PM,   [0.014999999999982154, 0.237499999999986,   0.1899835519196075,  -0.13486091941744011, 0.60986091941741205, 18.749999999981878]),
        (Tau2Method::EB,   [0.015000000000000013, 0.23750000000000002, 0.18998355191963331, -0.13486091941747666, 0.60986091941747667, 18.750000000000018]),
        (Tau2Method::SJ,   [0.030476190476190476, 0.24763092269326684, 0.21086732299345107, -0.16566143589027202, 0.66092328127680566, 31.920199501246884]),
        (Tau2Method::HE,   [0.015000000000000013, 0.23750000000000002, 0.18998355191963331, -0.13486091941747666, 0.60986091941747667, 18.750000000000018]),
        (Tau2Method::HS,   [0.0,                  0.22307692307692306, 0.16641005886756874, -0.10308079896870187, 0.54923464512254805, 0.0]),
        // metafor's Fisher scoring creeps towards the boundary and stops at
        // tau2 = 4.2925824268021027e-12 (b = 0.22307692308200305): the ML maximum is
        // at 0 (the ML score at 0, ½[Σw²r² − Σw], is negative: Σw²r² = 18.935 < Σw =
        // 36.111), which metapool reports, with b the FE estimate 0.22307692307692306.
        (Tau2Method::ML,   [0.0,                  0.22307692307692306, 0.16641005886756874, -0.10308079896870187, 0.54923464512254805, 0.0]),
    ];
    for (method, [t2, b, se, lo, hi, i2]) in expected {
        let f = fit(&[0.1, 0.5], &[0.04, 0.09], method, CiMethod::Z);
        let r = f.random.as_ref().expect("random");
        if t2 == 0.0 {
            assert_eq!(r.tau2, 0.0, "{method}");
        } else {
            near(r.tau2, t2, 1e-9);
        }
        near(r.pooled.estimate, b, 1e-10);
        near(r.pooled.se, se, 1e-10);
        near(r.pooled.ci_lower, lo, 1e-10);
        near(r.pooled.ci_upper, hi, 1e-10);
        near(f.heterogeneity.i2_tau2, i2, 1e-9);
        // QE = 1.2307692307692308, QEp = 0.2672574931543879 for every method.
        near(f.heterogeneity.q, 1.230_769_230_769_230_8, 1e-14);
        near(f.heterogeneity.p_value, 0.267_257_493_154_387_9, 1e-12);
        // confint(res): tau^2 in [0, 81.395661577573563], I^2 up to 99.920206884229515.
        assert_eq!(f.heterogeneity.tau2_ci_lower, 0.0);
        near(f.heterogeneity.tau2_ci_upper, 81.395_661_577_573_563, 1e-9);
        near(f.heterogeneity.i2_ci_upper, 99.920_206_884_229_515, 1e-9);
    }
    // predict(rma(..., method="REML")): pi.lb -0.20552882143246659, pi.ub 0.68052882143246651.
    let f = fit(&[0.1, 0.5], &[0.04, 0.09], Tau2Method::REML, CiMethod::Z);
    let r = f.random.expect("random");
    near(r.pi_lower, -0.205_528_821_432_466_59, 1e-10);
    near(r.pi_upper, 0.680_528_821_432_466_51, 1e-10);
    // rma(..., method="REML", test="knha"): ci -2.1764699071965379, 2.6514699071965375.
    let f = fit(&[0.1, 0.5], &[0.04, 0.09], Tau2Method::REML, CiMethod::Hksj);
    let r = f.random.expect("random");
    near(r.pooled.ci_lower, -2.176_469_907_196_537_9, 1e-9);
    near(r.pooled.ci_upper, 2.651_469_907_196_537_5, 1e-9);
}

// ---------------------------------------------------------------------------------
// All studies identical.

/// R: `rma(rep(0.3,3), rep(0.04,3), method=m, control=ctl)` for every m: tau2 = 0,
/// b = 0.29999999999999988, se = 0.11547005383792514, ci 0.073682853184765584,
/// 0.52631714681523412, QE = 0, QEp = 1, I2 = 0, H2 = 1; `confint`: both tau2 bounds
/// "fall below 0" (printed <0.0000; the interval is empty, reported here as [0, 0]).
/// `test="knha"`: se = 0, ci [0.3, 0.3], zval = Inf, pval = 0.
/// `test="adhoc"`: se = 0.11547005383792514, ci -0.19682754235006622, 0.79682754235006592.
#[test]
fn identical_studies_have_no_heterogeneity_for_any_estimator() {
    let (yi, vi) = ([0.3; 3], [0.04; 3]);
    for method in Tau2Method::ALL {
        let f = fit(&yi, &vi, method, CiMethod::Z);
        let r = f.random.as_ref().expect("random");
        assert_eq!(r.tau2, 0.0, "{method}");
        near(r.pooled.estimate, 0.3, 1e-15);
        near(r.pooled.se, 0.115_470_053_837_925_14, 1e-14);
        near(r.pooled.ci_lower, 0.073_682_853_184_765_584, 1e-12);
        near(r.pooled.ci_upper, 0.526_317_146_815_234_12, 1e-12);
        let h = &f.heterogeneity;
        assert_eq!((h.q, h.p_value, h.i2_tau2, h.h2), (0.0, 1.0, 0.0, 1.0));
        assert_eq!((h.tau2_ci_lower, h.tau2_ci_upper), (0.0, 0.0));

        let knha = fit(&yi, &vi, method, CiMethod::Hksj)
            .random
            .expect("random");
        assert_eq!(knha.pooled.se, 0.0);
        near(knha.pooled.ci_lower, 0.3, 1e-15);
        near(knha.pooled.ci_upper, 0.3, 1e-15);
        assert_eq!(
            (knha.pooled.statistic, knha.pooled.p_value),
            (f64::INFINITY, 0.0)
        );

        let adhoc = fit(&yi, &vi, method, CiMethod::HksjAdhoc)
            .random
            .expect("random");
        near(adhoc.pooled.se, 0.115_470_053_837_925_14, 1e-14);
        near(adhoc.pooled.ci_lower, -0.196_827_542_350_066_22, 1e-10);
        near(adhoc.pooled.ci_upper, 0.796_827_542_350_065_92, 1e-10);
    }
}

// ---------------------------------------------------------------------------------
// τ² on the boundary.

/// y = (0.1, 0.12, 0.09, 0.11), v = (0.04, 0.05, 0.03, 0.06): Q = 0.0124 on 3 df.
/// R: `rma(y, v, method=m, control=ctl)`: tau2 = 0 for DL, REML, ML, PM, HE, HS with
/// b = 0.10245614035087719, se = 0.1025978352085154 (ci -0.098631921549588469,
/// 0.30354420225134282), QE = 0.012426900584795321, QEp = 0.9996329336803591, I2 = 0,
/// H2 = 1, confint tau2 [0, 0]; SJ (never 0 unless the yi are equal) gives
/// tau2 = 5.1615172989543267e-07, b = 0.1024561743739579, se = 0.10259850799532458.
#[test]
fn tau2_on_the_boundary_is_exactly_zero_and_random_equals_fixed() {
    let (yi, vi) = ([0.1, 0.12, 0.09, 0.11], [0.04, 0.05, 0.03, 0.06]);
    for method in Tau2Method::ALL {
        let f = fit(&yi, &vi, method, CiMethod::Z);
        let r = f.random.as_ref().expect("random");
        near(f.heterogeneity.q, 0.012_426_900_584_795_321, 1e-12);
        near(f.heterogeneity.p_value, 0.999_632_933_680_359_1, 1e-12);
        assert_eq!(
            (f.heterogeneity.tau2_ci_lower, f.heterogeneity.tau2_ci_upper),
            (0.0, 0.0)
        );
        if method == Tau2Method::SJ {
            near(r.tau2, 5.161_517_298_954_326_7e-7, 1e-9);
            near(r.pooled.estimate, 0.102_456_174_373_957_9, 1e-12);
            near(r.pooled.se, 0.102_598_507_995_324_58, 1e-12);
            continue;
        }
        assert_eq!(r.tau2.to_bits(), 0.0f64.to_bits(), "{method}: +0 exactly");
        near(r.pooled.estimate, 0.102_456_140_350_877_19, 1e-14);
        near(r.pooled.se, 0.102_597_835_208_515_4, 1e-14);
        near(r.pooled.ci_lower, -0.098_631_921_549_588_469, 1e-12);
        near(r.pooled.ci_upper, 0.303_544_202_251_342_82, 1e-12);
        assert_eq!(
            (
                r.pooled.estimate,
                r.pooled.se,
                r.pooled.ci_lower,
                r.pooled.ci_upper
            ),
            (
                f.fixed.pooled.estimate,
                f.fixed.pooled.se,
                f.fixed.pooled.ci_lower,
                f.fixed.pooled.ci_upper
            )
        );
        assert_eq!((f.heterogeneity.i2_tau2, f.heterogeneity.h2), (0.0, 1.0));
    }
}

// ---------------------------------------------------------------------------------
// Every study double-zero; all events in both arms.

const DOUBLE_ZERO: &str =
    "study,events_e,n_e,events_c,n_c\nA,0,10,0,10\nB,0,20,0,25\nC,0,30,0,30\n";
const ALL_EVENTS: &str = "study,events_e,n_e,events_c,n_c\nA,10,10,12,12\nB,20,20,25,25\n";

/// metafor's `escalc` keeps double-zero studies by default (drop00 = FALSE, 1/2 added
/// to each cell), so `rma` pools them: R: `es <- escalc("RR", ai=c(0,0,0),
/// n1i=c(10,20,30), ci=c(0,0,0), n2i=c(10,25,30)); rma(yi, vi, data=es,
/// method="REML", control=ctl)`: b = 0.070729394448283897, se = 1.1384962825981253,
/// tau2 = 0, QE = 0.0077947260297972585. metapool's metafor profile does the same.
#[test]
fn double_zero_studies_kept_as_metafor_keeps_them() {
    let table = read_csv_str("dz.csv", DOUBLE_ZERO).expect("table");
    let f = pool(
        &table,
        &EffectOptions::new(Measure::RR),
        &PoolOptions::default(),
    )
    .expect("fit");
    let r = f.random.expect("random");
    near(r.pooled.estimate, 0.070_729_394_448_283_897, 1e-12);
    near(r.pooled.se, 1.138_496_282_598_125_3, 1e-12);
    assert_eq!(r.tau2, 0.0);
    near(f.heterogeneity.q, 0.007_794_726_029_797_258_5, 1e-10);
    assert!(f.warnings.iter().any(|w| w.contains("zero-cell increment")));
}

/// When every study is excluded the result is a clear error, exit status 2:
/// - dropping double zeros (`--drop00 drop`, or the RevMan profiles for RR and OR):
///   metafor, `escalc(..., drop00=TRUE)` then `rma`: "Processing terminated since k = 0";
/// - Mantel-Haenszel (double zeros carry no information): metafor's `rma.mh` returns
///   b = NA for RR and OR (and, for RD, b = 0 with se = 0, a zero-width interval);
/// - Peto: metafor's `rma.peto` stops: "One of the two outcomes never occurred in any
///   of the tables. Peto's method cannot be used."
#[test]
fn every_study_double_zero_and_excluded_is_a_clear_error() {
    for args in [
        &["--drop00", "drop"][..],
        &["--profile", "revman5"],
        &["--measure", "OR", "--profile", "revman-web"],
        &["--fixed", "mh"],
        &["--measure", "OR", "--fixed", "mh"],
        &["--measure", "OR", "--fixed", "peto"],
    ] {
        let message = user_error("double-zero", DOUBLE_ZERO, args);
        assert!(
            message.contains("no study left to analyse: all 3 studies were excluded"),
            "{args:?}: {message}"
        );
        assert!(message.contains("double-zero"), "{args:?}: {message}");
    }
}

/// All events in both arms: metafor keeps the studies (1/2 added: b = d = 0).
/// R: `es <- escalc(m, ai=c(10,20), n1i=c(10,20), ci=c(12,25), n2i=c(12,25));
/// rma(yi, vi, data=es, method="REML", control=ctl)`, tau2 = 0 each:
/// RR: b = -0.0052178468368004058, se = 0.039011937367750743;
/// OR: b = -0.19653522215679708, se = 1.4372119870521138;
/// RD: b = -0.0050918293099816436, se = 0.037984637930444064.
/// MH and Peto drop these tables (no information) and so have nothing left: error.
/// (metafor's `rma.mh` gives b = 0 with se = 0 for RR and RD, a zero-width interval;
/// `rma.peto` stops as with no events.)
#[test]
fn all_events_in_both_arms() {
    let table = read_csv_str("ev.csv", ALL_EVENTS).expect("table");
    for (measure, b, se) in [
        (
            Measure::RR,
            -0.005_217_846_836_800_405_8,
            0.039_011_937_367_750_743,
        ),
        (
            Measure::OR,
            -0.196_535_222_156_797_08,
            1.437_211_987_052_113_8,
        ),
        (
            Measure::RD,
            -0.005_091_829_309_981_643_6,
            0.037_984_637_930_444_064,
        ),
    ] {
        let f = pool(
            &table,
            &EffectOptions::new(measure),
            &PoolOptions::default(),
        )
        .expect("fit");
        let r = f.random.expect("random");
        near(r.pooled.estimate, b, 1e-12);
        near(r.pooled.se, se, 1e-12);
        assert_eq!(r.tau2, 0.0);
    }
    for args in [
        &["--fixed", "mh"][..],
        &["--measure", "RD", "--fixed", "mh"],
        &["--measure", "OR", "--fixed", "peto"],
    ] {
        let message = user_error("all-events", ALL_EVENTS, args);
        assert!(message.contains("no study left"), "{args:?}: {message}");
    }
}

// ---------------------------------------------------------------------------------
// A sampling variance of 0.

/// R: `rma(c(0.1,0.3,0.5), c(0,0.04,0.09), method=m)` stops for FE, REML, ML, EB, HE
/// ("Division by zero when computing the inverse variance weights") and DL, PM, HS
/// ("... estimator cannot be used when there are non-positive sampling variances");
/// only SJ returns (tau2 = 0.0172631578947368) with QE, I2, H2 NA. metapool reports the
/// fixed-effect fit and Q with every fit, and both need 1/v, so it stops for every
/// estimator, naming the study.
#[test]
fn a_zero_variance_is_an_error_naming_the_study() {
    let (yi, vi) = ([0.1, 0.3, 0.5], [0.04, 0.0, 0.09]);
    for method in Tau2Method::ALL.map(Some).into_iter().chain([None]) {
        match pool_effects(&effects(&yi, &vi), &options(method, CiMethod::Z)) {
            Err(Error::Degenerate(m)) => {
                assert!(m.contains("study 'S2'") && m.contains("infinite"), "{m}")
            }
            other => panic!("{method:?}: {other:?}"),
        }
        assert!(matches!(
            fit_slices(&yi, &vi, &options(method, CiMethod::Z)),
            Err(Error::Degenerate(_))
        ));
    }
    // A variance whose reciprocal overflows is treated alike.
    assert!(pool_effects(
        &effects(&yi, &[0.04, 1e-310, 0.09]),
        &PoolOptions::default()
    )
    .is_err());
    // From a file: exit 2, file, row and column.
    for (text, column) in [
        ("study,yi,vi\nA,0.1,0.04\nB,0.3,0\nC,0.5,0.09\n", "vi"),
        ("study,yi,sei\nA,0.1,0.2\nB,0.3,0\nC,0.5,0.3\n", "sei"),
    ] {
        for args in [&[][..], &["--tau2", "SJ"], &["--tau2", "none"]] {
            let m = user_error("zero-variance", text, args);
            assert!(
                m.contains(&format!(", row 3, column '{column}': study 'B'")),
                "{m}"
            );
            assert!(m.contains("expected a variance greater than 0"), "{m}");
        }
    }
    // A CI of width 0 gives vi = 0 too: row named, no single column to blame.
    let m = user_error(
        "zero-width-ci",
        "study,estimate,ci_lower,ci_upper\nA,1.2,0.8,1.9\nB,1.5,1.5,1.5\n",
        &["--measure", "RR"],
    );
    assert!(m.contains(", row 3: study 'B'"), "{m}");
}

/// What the message says of metafor is what metafor 3.8-1 does
/// (tests/golden/zero_variance.csv, from tests/golden/generate_zero_variance.R: rma()
/// with a vi of 0 on two data sets). It said "metafor stops too" under REML, which
/// metafor fits when its tau2 is above 0.
#[test]
fn the_zero_variance_message_says_what_metafor_does() {
    let mut rdr = csv::Reader::from_path(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/golden/zero_variance.csv"
    ))
    .expect("golden");
    let (mut fits, mut stops) = (Vec::<String>::new(), Vec::<String>::new());
    for rec in rdr.records() {
        let r = rec.expect("record");
        if &r[2] == "fits" {
            assert_eq!(&r[4], "NA", "metafor computes no Q with a vi of 0");
            if !fits.contains(&r[1].to_string()) {
                fits.push(r[1].to_string());
            }
        }
    }
    let mut rdr = csv::Reader::from_path(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/golden/zero_variance.csv"
    ))
    .expect("golden");
    for rec in rdr.records() {
        let r = rec.expect("record");
        if !fits.contains(&r[1].to_string()) && !stops.contains(&r[1].to_string()) {
            stops.push(r[1].to_string());
        }
    }
    let list = |v: &[String]| match v {
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
        [] => String::new(),
    };
    let m = user_error(
        "zero-variance-reml",
        "study,yi,vi
A,0.1,0
B,0.3,0.02
C,-0.2,0.03
D,0.5,0.04
E,0.25,0.01
",
        &["--tau2", "REML"],
    );
    assert!(m.contains(&format!("stops for {}", list(&stops))), "{m}");
    assert!(m.contains(&format!("fits {} when", list(&fits))), "{m}");
    assert!(!m.contains("stops too"), "{m}");
}

// ---------------------------------------------------------------------------------
// ML and REML that do not converge by Fisher scoring.

fn bcg() -> (Vec<f64>, Vec<f64>) {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/golden/inputs/bcg_yi_vi.csv"
    );
    match metapool::data::read_csv_path(path).expect("bcg").data() {
        StudyData::GenericVariance { yi, vi } => (yi.clone(), vi.clone()),
        other => panic!("{other:?}"),
    }
}

/// metafor stops when Fisher scoring does not converge: R: `d <-
/// read.csv("tests/golden/inputs/bcg_yi_vi.csv"); rma(yi, vi, data=d, method="REML",
/// control=list(maxiter=1))` gives "Fisher scoring algorithm did not converge. See
/// 'help(rma)' for possible remedies." (ML alike). metapool solves the score equation
/// on a bracket instead, says so, and reaches metafor's converged value: `rma(yi, vi,
/// data=d, method=m, control=ctl)$tau2` = 0.31324325813679349 (REML),
/// 0.2800281372695651 (ML).
#[test]
fn scoring_that_does_not_converge_falls_back_to_a_bracket_and_says_so() {
    let (yi, vi) = bcg();
    for (reml, expected) in [
        (true, 0.313_243_258_136_793_49),
        (false, 0.280_028_137_269_565_1),
    ] {
        for max_iter in [0, 1, 2] {
            let est = tau2::likelihood_with(&yi, &vi, reml, max_iter);
            assert!(
                est.convergence.fallback().is_some(),
                "reml {reml}, {max_iter}"
            );
            assert!(est.convergence.iterations >= max_iter);
            near(est.tau2, expected, 1e-9);
        }
        let est = tau2::likelihood(&yi, &vi, reml);
        assert!(est.convergence.fallback().is_none());
        near(est.tau2, expected, 1e-9);
    }
}

/// With 10^6 studies the REML score Σw²r² − Σw + Σw²/Σw used to cancel to rounding
/// noise, so that Fisher scoring never met its stopping rule and every such fit took
/// the fallback (with a warning). No reference program pools 10^6 studies (metafor
/// builds k×k matrices), so this checks relations: the iterations converge, and agree
/// with the bracketing fallback on the same score.
#[test]
fn reml_on_a_million_studies_converges_without_the_fallback() {
    let k = 1_000_000u32;
    let arms = BinaryArms {
        events_e: (0..k).map(|i| f64::from(i % 50)).collect(),
        n_e: vec![100.0; k as usize],
        events_c: (0..k).map(|i| f64::from((i * 7) % 50)).collect(),
        n_c: vec![100.0; k as usize],
    };
    let labels: Vec<_> = (0..k).map(|i| format!("S{i}")).collect();
    let table = StudyTable::new("million", labels, StudyData::Binary(arms)).expect("table");
    let e = metapool::effect::compute(&table, &EffectOptions::new(Measure::RR)).expect("effects");
    let scored = tau2::likelihood(e.yi(), e.vi(), true);
    assert!(
        scored.convergence.fallback().is_none(),
        "{:?}",
        scored.convergence
    );
    let bisected = tau2::likelihood_with(e.yi(), e.vi(), true, 0);
    near(scored.tau2, bisected.tau2, 1e-9);
}

// ---------------------------------------------------------------------------------
// Extreme values.

const Y3: [f64; 3] = [0.1, 0.3, 0.5];

/// One variance of 1e-300 beside 0.04 and 0.09. metafor 3.8-1 warns "Ratio of largest
/// to smallest sampling variance extremely large" and its results break down (REML
/// tau2 = 0, DL tau2 = 0.04, QE = 5.9e282, vt = 1.3e-284). The right answer is the
/// limit as v1 → 0, where study 1 pins μ at 0.1 exactly and the others are measured
/// from it. By hand, with w2 = 25, w3 = 100/9:
/// - Q = w2 (0.3 − 0.1)² + w3 (0.5 − 0.1)² = 1 + 16/9 = 25/9 = 2.7777777777777777;
/// - Σw − Σw²/Σw = 2 Σ_{i<j} w_i w_j / Σw → 2 (w2 + w3) = 650/9, so
///   DL = (25/9 − 2)/(650/9) = 7/650 = 0.010769230769230769 and
///   ṽ = 2/(650/9) = 9/325 = 0.027692307692307693;
/// - PM, SJ and REML at v1 = 0 exactly, in R without metafor (y, v = c(0, 0.04, 0.09)):
///   PM: uniroot(function(t) Q(t) - 2, c(1e-6, 1), tol=1e-15) = 0.0084646400472315215;
///   SJ: t0 = sum((y-mean(y))^2)/3; t0*Q(t0)/2 = 0.017263157894736845;
///   REML: uniroot of the REML score on c(1e-4, 1) = 0.014283017903869039, with
///   μ = 0.17671665077998888, se = 0.10100264462243387;
/// - ML, HE and HS: 0 (HS: (Q − k)/Σw < 0; HE: unweighted, negative; ML: score −Σw/2).
///
/// metafor agrees with these limits where it still computes well, at v1 = 1e-12:
/// DL 0.010769269195646634, PM 0.0084646400465662464, SJ 0.017263157894529084, REML
/// 0.014283017917218772, vt 0.027692271288241643, QE 2.7777815754837958 (R:
/// `rma(c(0.1,0.3,0.5), c(1e-12,0.04,0.09), method=m, control=ctl)`).
#[test]
fn a_tiny_variance_gives_the_limit_and_a_warning() {
    let vi = [1e-300, 0.04, 0.09];
    let expected = [
        (Tau2Method::DL, 7.0 / 650.0),
        (Tau2Method::REML, 0.014_283_017_903_869_039),
        (Tau2Method::PM, 0.008_464_640_047_231_521_5),
        (Tau2Method::EB, 0.008_464_640_047_231_521_5),
        (Tau2Method::SJ, 0.017_263_157_894_736_845),
        (Tau2Method::ML, 0.0),
        (Tau2Method::HE, 0.0),
        (Tau2Method::HS, 0.0),
    ];
    for (method, t2) in expected {
        let f = fit(&Y3, &vi, method, CiMethod::Z);
        let r = f.random.as_ref().expect("random");
        near(r.tau2, t2, 1e-10);
        near(f.fixed.pooled.estimate, 0.1, 1e-15);
        near(f.fixed.pooled.se, 1e-150, 1e-12);
        near(f.heterogeneity.q, 25.0 / 9.0, 1e-13);
        near(f.heterogeneity.typical_variance, 9.0 / 325.0, 1e-13);
        for x in [
            f.heterogeneity.i2_tau2,
            f.heterogeneity.h2,
            r.pooled.ci_lower,
            r.pi_upper,
        ] {
            assert!(x.is_finite(), "{method}: {x}");
        }
        assert!(
            f.warnings.iter().any(|w| w.contains("times the smallest")),
            "{method}: {:?}",
            f.warnings
        );
        if method == Tau2Method::REML {
            near(r.pooled.estimate, 0.176_716_650_779_988_88, 1e-10);
            near(r.pooled.se, 0.101_002_644_622_433_87, 1e-10);
            assert!(r.convergence.fallback().is_none());
        }
    }
}

/// One variance of 1e300: that study's weight is 0 and the others decide. metafor
/// (with the same warning): R: `rma(c(0.1,0.3,0.5), c(1e300,0.04,0.09), method=m,
/// control=ctl)`: FE and REML b = 0.36153846153846159, se = 0.16641005886756874,
/// tau2 = 0 (REML), QE = 0.30769230769230771; SJ tau2 = 0.0029090909090909093,
/// b = 0.36318607764390898, se = 0.17132660377195971.
#[test]
fn a_huge_variance_gives_that_study_no_weight() {
    let vi = [1e300, 0.04, 0.09];
    let f = fit(&Y3, &vi, Tau2Method::REML, CiMethod::Z);
    let r = f.random.as_ref().expect("random");
    near(f.fixed.pooled.estimate, 0.361_538_461_538_461_59, 1e-14);
    near(f.fixed.pooled.se, 0.166_410_058_867_568_74, 1e-14);
    assert_eq!(r.tau2, 0.0);
    near(f.heterogeneity.q, 0.307_692_307_692_307_71, 1e-14);
    assert!(f.studies.get(0).expect("row").weight_fixed < 1e-290);
    assert!(f.warnings.iter().any(|w| w.contains("times the smallest")));
    let sj = fit(&Y3, &vi, Tau2Method::SJ, CiMethod::Z)
        .random
        .expect("random");
    near(sj.tau2, 0.002_909_090_909_090_909_3, 1e-12);
    near(sj.pooled.estimate, 0.363_186_077_643_908_98, 1e-12);
    near(sj.pooled.se, 0.171_326_603_771_959_71, 1e-12);
}

/// Every variance near 1e-300 (or 1e300): a change of units, so no warning.
/// R: `rma(c(0.1,0.3,0.5), c(1,2,3)*1e-300, method=m, control=ctl)`: FE b =
/// 0.22727272727272727, se = 7.3854894587599639e-151, QE = 4.3636363636363626e+298,
/// vt = 1.8333333333333333e-300; REML tau2 = 0.040000000000000001, b =
/// 0.29999999999999988, se = 0.11547005383792514, I2 = 100, H2 =
/// 2.1818181818181818e+298, `confint`: tau2 in [0.01084340122727267,
/// 1.5799156082082899]; `predict`: pi -0.15263429363046876, 0.75263429363046852.
/// With c(1,2,3)*1e300, FE: b = 0.22727272727272735, se = 7.3854894587599647e+149,
/// QE = 4.3636363636363625e-302; metafor's REML fit does not return (stopped after
/// 120 s). By hand: Q(0) = 4.4e-302 is far below k − 1 = 2 and the REML score at 0,
/// ½[Σw²r² − trP] ≈ −½·trP < 0, so τ² = 0 for every estimator but SJ (which is never
/// 0 unless the estimates are equal) and random = fixed.
#[test]
fn all_variances_tiny_or_huge_is_a_change_of_units() {
    let f = fit(
        &Y3,
        &[1e-300, 2e-300, 3e-300],
        Tau2Method::REML,
        CiMethod::Z,
    );
    let r = f.random.as_ref().expect("random");
    let h = &f.heterogeneity;
    near(f.fixed.pooled.estimate, 0.227_272_727_272_727_27, 1e-14);
    near(f.fixed.pooled.se, 7.385_489_458_759_963_9e-151, 1e-14);
    near(h.q, 4.363_636_363_636_362_6e298, 1e-13);
    near(h.typical_variance, 1.833_333_333_333_333_3e-300, 1e-13);
    near(r.tau2, 0.04, 1e-10);
    near(r.pooled.estimate, 0.3, 1e-14);
    near(r.pooled.se, 0.115_470_053_837_925_14, 1e-10);
    near(h.i2_tau2, 100.0, 1e-14);
    near(h.h2, 2.181_818_181_818_181_8e298, 1e-10);
    near(h.tau2_ci_lower, 0.010_843_401_227_272_67, 1e-9);
    near(h.tau2_ci_upper, 1.579_915_608_208_289_9, 1e-9);
    near(r.pi_lower, -0.152_634_293_630_468_76, 1e-10);
    near(r.pi_upper, 0.752_634_293_630_468_52, 1e-10);
    assert!(f.warnings.is_empty(), "{:?}", f.warnings);

    for method in Tau2Method::ALL {
        let f = fit(&Y3, &[1e300, 2e300, 3e300], method, CiMethod::Z);
        let r = f.random.as_ref().expect("random");
        near(f.fixed.pooled.estimate, 0.227_272_727_272_727_35, 1e-14);
        near(f.fixed.pooled.se, 7.385_489_458_759_964_7e149, 1e-14);
        near(f.heterogeneity.q, 4.363_636_363_636_362_5e-302, 1e-13);
        if method == Tau2Method::SJ {
            // SJ is τ₀² Q(τ₀²)/(k − 1) with τ₀² = Σ(y − ȳ)²/k = 0.08/3, and Q(τ₀²) = Q(0)
            // to 1e-302 relative: 0.08/3 × 4.3636363636363625e-302 / 2 = 5.8181818e-304.
            near(
                r.tau2,
                0.08 / 3.0 * 4.363_636_363_636_362_5e-302 / 2.0,
                1e-12,
            );
            near(r.pooled.estimate, f.fixed.pooled.estimate, 1e-14);
            continue;
        }
        assert_eq!(r.tau2, 0.0, "{method}");
        assert_eq!(
            (r.pooled.estimate, r.pooled.se),
            (f.fixed.pooled.estimate, f.fixed.pooled.se)
        );
    }
}

/// Counts of 10^9: 1e8/1e9 vs 1.1e8/1e9, 2e8/1e9 vs 2.5e8/1e9, 3e8/1e9 vs 2.9e8/1e9.
/// R: `d <- data.frame(ai=c(1e8,2e8,3e8), n1i=rep(1e9,3), ci=c(1.1e8,2.5e8,2.9e8),
/// n2i=rep(1e9,3)); es <- escalc("RR", ai=ai, n1i=n1i, ci=ci, n2i=n2i, data=d)`;
/// `rma(yi, vi, data=es, method=m, control=ctl)`:
///   FE   b = -0.073968683081277853, se = 4.9356249567203593e-05, QE = 5639157.1926680319
///   DL   b = -0.094850722261924203, se = 0.087431040385149594, tau2 = 0.022932550844317473
///   REML b = -0.0948507206235919,   se = 0.074202902100273707, tau2 = 0.016518202416137395
/// `rma.mh(measure=m, ...)`, `rma.peto(...)`:
///   MH RR b = -0.08004270767353637,  se = 4.9458607402087719e-05, QE = 5654302.1756192166
///   MH OR b = -0.10491793985949803,  se = 6.4814572350098664e-05, QE = 5317649.2071634568
///   MH RD b = -0.016666666666666666, se = 1.0291132464768267e-05, QE = 5143787.2029482769
///   PETO  b = -0.1049703458248045,   se = 6.47982548606996e-05,   QE = 5316670.0409889482
#[test]
fn counts_of_a_billion_match_metafor() {
    let table = read_csv_str(
        "billion.csv",
        "study,events_e,n_e,events_c,n_c\n\
         A,100000000,1000000000,110000000,1000000000\n\
         B,200000000,1000000000,250000000,1000000000\n\
         C,300000000,1000000000,290000000,1000000000\n",
    )
    .expect("table");
    let rr = EffectOptions::new(Measure::RR);
    let run = |effect: &EffectOptions, fixed: FixedMethod, method: Option<Tau2Method>| {
        let mut options = PoolOptions::default();
        options.fixed = fixed;
        options.tau2 = method;
        pool(&table, effect, &options).expect("fit")
    };
    let f = run(&rr, FixedMethod::InverseVariance, None);
    near(f.fixed.pooled.estimate, -0.073_968_683_081_277_853, 1e-10);
    near(f.fixed.pooled.se, 4.935_624_956_720_359_3e-5, 1e-10);
    near(f.heterogeneity.q, 5_639_157.192_668_031_9, 1e-10);
    for (method, b, se, t2) in [
        (
            Tau2Method::DL,
            -0.094_850_722_261_924_203,
            0.087_431_040_385_149_594,
            0.022_932_550_844_317_473,
        ),
        (
            Tau2Method::REML,
            -0.094_850_720_623_591_9,
            0.074_202_902_100_273_707,
            0.016_518_202_416_137_395,
        ),
    ] {
        let r = run(&rr, FixedMethod::InverseVariance, Some(method))
            .random
            .expect("random");
        near(r.pooled.estimate, b, 1e-9);
        near(r.pooled.se, se, 1e-9);
        near(r.tau2, t2, 1e-9);
    }
    for (measure, fixed, b, se, q) in [
        (
            Measure::RR,
            FixedMethod::MantelHaenszel,
            -0.080_042_707_673_536_37,
            4.945_860_740_208_771_9e-5,
            5_654_302.175_619_216_6,
        ),
        (
            Measure::OR,
            FixedMethod::MantelHaenszel,
            -0.104_917_939_859_498_03,
            6.481_457_235_009_866_4e-5,
            5_317_649.207_163_456_8,
        ),
        (
            Measure::RD,
            FixedMethod::MantelHaenszel,
            -0.016_666_666_666_666_666,
            1.029_113_246_476_826_7e-5,
            5_143_787.202_948_276_9,
        ),
        (
            Measure::OR,
            FixedMethod::Peto,
            -0.104_970_345_824_804_5,
            6.479_825_486_069_96e-5,
            5_316_670.040_988_948_2,
        ),
    ] {
        let f = run(&EffectOptions::new(measure), fixed, None);
        near(f.fixed.pooled.estimate, b, 1e-9);
        near(f.fixed.pooled.se, se, 1e-9);
        near(f.heterogeneity.q, q, 1e-9);
    }
}

/// Mantel-Haenszel with one table: Q about the MH estimate on 0 degrees of freedom is
/// rounding noise (it was 5.7e-32, and I² from Q printed 100%). metafor 3.8-1,
/// `rma.mh(ai=3, n1i=50, ci=2, n2i=60, measure="OR")`: QE = 0, QEp = 1, I2 = 0, H2 = 1,
/// b = 0.61576051694452516, se = 0.93372978338936952.
#[test]
fn one_mantel_haenszel_table_has_no_heterogeneity() {
    let table =
        read_csv_str("mh1.csv", "study,events_e,n_e,events_c,n_c\nA,3,50,2,60\n").expect("table");
    let mut options = PoolOptions::default();
    options.fixed = FixedMethod::MantelHaenszel;
    options.tau2 = None;
    let f = pool(&table, &EffectOptions::new(Measure::OR), &options).expect("fit");
    let h = &f.heterogeneity;
    assert_eq!((h.q, h.p_value, h.i2_q, h.h2), (0.0, 1.0, 0.0, 1.0));
    near(f.fixed.pooled.estimate, 0.615_760_516_944_525_16, 1e-12);
    near(f.fixed.pooled.se, 0.933_729_783_389_369_52, 1e-12);
}

/// Mantel-Haenszel with no event in the experimental arm of any table: the MH odds
/// ratio and risk ratio are 0 (log −∞), undefined, and so is Q about them. metafor
/// 3.8-1, `rma.mh(ai=c(0,0,0), n1i=c(50,40,30), ci=c(2,5,1), n2i=c(60,60,20))`: b, se,
/// QE, QEp and I2 all NA (OR and RR). metapool: not numbers, with a warning (it gave
/// p = 0 for Q and I² = 0).
#[test]
fn mantel_haenszel_without_events_in_one_arm_is_undefined_and_says_so() {
    let table = read_csv_str(
        "mh0.csv",
        "study,events_e,n_e,events_c,n_c\nA,0,50,2,60\nB,0,40,5,60\nC,0,30,1,20\n",
    )
    .expect("table");
    for measure in [Measure::OR, Measure::RR] {
        let mut options = PoolOptions::default();
        options.fixed = FixedMethod::MantelHaenszel;
        options.tau2 = None;
        let f = pool(&table, &EffectOptions::new(measure), &options).expect("fit");
        let h = &f.heterogeneity;
        for (what, value) in [
            ("estimate", f.fixed.pooled.estimate),
            ("se", f.fixed.pooled.se),
            ("p", f.fixed.pooled.p_value),
            ("Q", h.q),
            ("p(Q)", h.p_value),
            ("I2 from Q", h.i2_q),
        ] {
            assert!(value.is_nan(), "{measure} {what}: {value}");
        }
        assert!(
            f.warnings.iter().any(|w| w.contains("is undefined")),
            "{measure}: {:?}",
            f.warnings
        );
    }
}

/// Two studies whose Cochran's Q is subnormal (2e-162 apart with variances 1e-10 and
/// 1; 2e-12 apart with variances 1e290 and 1e300): the χ² tail of a Q whose half rounds
/// to 0 is 1, where statrs' incomplete gamma function panicked on x = 0.
#[test]
fn a_subnormal_q_gives_p_one_not_a_panic() {
    for (yi, vi) in [
        ([0.0, 2e-162], [1e-10, 1.0]),
        ([0.0, 2e-12], [1e290, 1e300]),
    ] {
        for method in Tau2Method::ALL {
            let f = fit(&yi, &vi, method, CiMethod::Z);
            assert!(
                f.heterogeneity.q < 1e-300,
                "{method}: Q = {}",
                f.heterogeneity.q
            );
            assert_eq!(f.heterogeneity.p_value, 1.0, "{method}");
        }
    }
}

/// Library misuse that used to panic, wrap or truncate silently (hostile-input review):
/// an index out of range in `subset`, a negative variance in `fit_slices`, slices of
/// different lengths, parts that overflow in `by_subtraction`, and t quantiles on ∞ df.
#[test]
fn library_misuse_is_an_error_or_not_a_number() {
    let table = read_csv_str("t.csv", "study,yi,vi\nA,0.1,0.2\nB,0.3,0.4\n").expect("table");
    assert!(metapool::analysis::subgroup::subset(&table, &[0, 7]).is_err());
    assert!(fit_slices(&[0.1, 0.5], &[0.2, -0.1], &PoolOptions::default()).is_err());
    assert!(fit_slices(&[f64::INFINITY, 0.5], &[0.2, 0.1], &PoolOptions::default()).is_err());
    assert!(metapool::weighted::cochran_q(&[0.1, 0.2, 0.3], &[0.1, 0.1], 0.0).is_nan());
    assert!(
        metapool::weighted::inverse_variance(&[0.1, 0.2], &[0.1], 0.0)
            .0
            .is_nan()
    );
    for method in Tau2Method::ALL {
        let est = tau2::estimate(method, &[0.1, 0.2, 0.3], &[0.1, 0.1], 1.0);
        assert!(
            est.tau2.is_nan() && est.convergence.fallback().is_some(),
            "{method}"
        );
    }
    assert!(tau2::likelihood(&[0.1, 0.2, 0.3], &[0.1, 0.1], true)
        .tau2
        .is_nan());
    assert!(metapool::audit::reconstruct::by_subtraction(5, &[u64::MAX, 2]).is_err());
    let z = metapool::distribution::normal_quantile(0.975);
    assert_eq!(metapool::distribution::t_quantile(0.975, f64::INFINITY), z);
}

/// Double zeros have no study-level risk difference, but they are in the
/// Mantel-Haenszel risk difference (weight n_e n_c / N, difference 0), as in metafor's
/// rma.mh: the estimate is Σ (a n_c − c n_e)/N / Σ n_e n_c/N over all three tables =
/// −1 / (25 + 1640/81 + 15), and a warning says the excluded studies are in it.
#[test]
fn double_zeros_in_the_mh_risk_difference_are_said_to_be_in_it() {
    let table = read_csv_str(
        "rd",
        "study,events_e,n_e,events_c,n_c\nA,3,50,5,50\nB,0,40,0,41\nC,0,30,0,30\n",
    )
    .expect("table");
    let mut overrides = metapool::profile::Overrides::default();
    overrides.measure = Some(Measure::RD);
    overrides.fixed = Some(FixedMethod::MantelHaenszel);
    overrides.tau2 = Some(metapool::profile::Tau2Choice(None));
    let (effect, options) =
        metapool::profile::Profile::Metafor.resolve(table.data_type(), &overrides);
    let fit = pool(&table, &effect, &options).expect("fit");
    near(
        fit.fixed.pooled.estimate,
        -1.0 / (25.0 + 1640.0 / 81.0 + 15.0),
        1e-14,
    );
    assert_eq!(fit.excluded.len(), 2);
    assert!(
        fit.warnings
            .iter()
            .any(|w| w.contains("('B', 'C')") && w.contains("in the Mantel-Haenszel estimate")),
        "{:?}",
        fit.warnings
    );
}
