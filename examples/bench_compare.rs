//! The metapool side of `benches/compare/run.sh`: writes the shared inputs and times
//! metapool on them. Not a user-facing example; run the script instead.
//!
//! `bench_compare write-inputs DIR` writes `bcg13.csv` (dat.bcg log risk ratios from
//! tests/golden/inputs/bcg_yi_vi.csv), `k100000.csv`, `k1000000.csv` (synthetic
//! study,yi,vi) and `batch10000.csv` (10⁴ synthetic meta-analyses of 13 studies,
//! column `ma`). `bench_compare time DIR` prints `task<TAB>seconds per run` lines;
//! `bench_compare memory DIR` the peak memory of reading and fitting k = 10⁶.
use metapool::data::{read_csv_path, StudyData};
use metapool::model::{fit_slices, PoolOptions, Tau2Method};
use std::fmt::Write as _;
use std::path::Path;
use std::time::Instant;

#[path = "../benches/support/synthetic.rs"]
mod synthetic;
use synthetic::synthetic;

fn write_yi_vi(path: &Path, yi: &[f64], vi: &[f64]) -> std::io::Result<()> {
    let mut s = String::with_capacity(yi.len() * 48);
    s += "study,yi,vi\n";
    for (i, (y, v)) in yi.iter().zip(vi).enumerate() {
        let _ = writeln!(s, "s{i},{y:.17e},{v:.17e}");
    }
    std::fs::write(path, s)
}

fn yi_vi(path: &Path) -> (Vec<f64>, Vec<f64>) {
    match read_csv_path(path).expect("input").data() {
        StudyData::GenericVariance { yi, vi } => (yi.clone(), vi.clone()),
        _ => panic!("yi, vi expected"),
    }
}

/// Median seconds per run of `f` over `runs` runs (each timing `reps` calls).
fn time(runs: usize, reps: usize, mut f: impl FnMut()) -> f64 {
    let mut samples: Vec<f64> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            for _ in 0..reps {
                f();
            }
            t.elapsed().as_secs_f64() / reps as f64
        })
        .collect();
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(|l| l.to_string())
        })
        .and_then(|l| {
            l.split_whitespace()
                .nth(1)
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let dir = Path::new(args.get(2).map(String::as_str).unwrap_or("."));
    match args.get(1).map(String::as_str) {
        Some("write-inputs") => {
            let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
            std::fs::copy(
                manifest.join("tests/golden/inputs/bcg_yi_vi.csv"),
                dir.join("bcg13.csv"),
            )
            .expect("copy bcg");
            for k in [100_000usize, 1_000_000] {
                let (yi, vi) = synthetic(k, 0x2545_f491_4f6c_dd1d);
                write_yi_vi(&dir.join(format!("k{k}.csv")), &yi, &vi).expect("write");
            }
            let (yi, vi) = synthetic(130_000, 0x9e37_79b9_7f4a_7c15);
            let mut s = String::from("ma,study,yi,vi\n");
            for (i, (y, v)) in yi.iter().zip(&vi).enumerate() {
                let _ = writeln!(s, "m{},s{},{y:.17e},{v:.17e}", i / 13, i % 13);
            }
            std::fs::write(dir.join("batch10000.csv"), s).expect("write batch");
        }
        Some("time") => {
            let reml = PoolOptions::default();
            let (yi, vi) = yi_vi(&dir.join("bcg13.csv"));
            let t = time(15, 2000, || {
                std::hint::black_box(fit_slices(&yi, &vi, &reml).expect("fit"));
            });
            println!("k13_reml_ci_pi_qprofile\t{t:e}");
            for method in [Tau2Method::DL, Tau2Method::PM] {
                let mut options = PoolOptions::default();
                options.tau2 = Some(method);
                options.heterogeneity_ci = false;
                let t = time(15, 2000, || {
                    std::hint::black_box(fit_slices(&yi, &vi, &options).expect("fit"));
                });
                println!("k13_{}\t{t:e}", method.name().to_lowercase());
            }
            for k in [100_000usize, 1_000_000] {
                let (yi, vi) = yi_vi(&dir.join(format!("k{k}.csv")));
                for (name, method) in [
                    ("reml", Tau2Method::REML),
                    ("dl", Tau2Method::DL),
                    ("pm", Tau2Method::PM),
                ] {
                    let mut options = PoolOptions::default();
                    options.tau2 = Some(method);
                    options.heterogeneity_ci = false;
                    let t = time(7, 1, || {
                        std::hint::black_box(fit_slices(&yi, &vi, &options).expect("fit"));
                    });
                    println!("k{k}_{name}\t{t:e}");
                }
            }
        }
        Some("memory") => {
            // One process that reads the k = 10⁶ table and fits REML with every interval.
            let (yi, vi) = yi_vi(&dir.join("k1000000.csv"));
            let fit = fit_slices(&yi, &vi, &PoolOptions::default()).expect("fit");
            std::hint::black_box(fit);
            println!("peak_memory_mb_k1e6\t{}", peak_rss_mb());
        }
        _ => eprintln!("usage: bench_compare write-inputs|time DIR"),
    }
}
