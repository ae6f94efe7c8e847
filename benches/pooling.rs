//! Throughput of the numerical core (studies per second): each τ² estimator at k = 13,
//! 100, 10⁴ and 10⁶; the Q-profile interval; Mantel-Haenszel; a batch of 10⁴
//! meta-analyses of k = 13; reading a study table from CSV, from a string of 10⁴ rows
//! and from a file of 10⁶ rows (MB/s, the goal: 200 MB/s or more).
//!
//! Inputs are synthetic and deterministic (benchmark inputs, not data).
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use metapool::analysis::batch::fit_many;
use metapool::data::Table2x2;
use metapool::heterogeneity::tau2_q_profile;
use metapool::model::{fit_slices, mantel_haenszel, tau2, PoolOptions, Tau2Method};
use std::hint::black_box;
use std::io::Write;
use std::time::Duration;

#[path = "support/synthetic.rs"]
mod synthetic;

/// k synthetic effects with heterogeneity (the stream the comparison script uses).
fn effects(k: usize) -> (Vec<f64>, Vec<f64>) {
    synthetic::synthetic(k, 0x2545_f491_4f6c_dd1d)
}

fn bench_tau2(c: &mut Criterion) {
    let mut group = c.benchmark_group("tau2");
    for k in [13usize, 100, 10_000, 1_000_000] {
        if k >= 10_000 {
            group
                .sample_size(10)
                .measurement_time(Duration::from_secs(3));
        }
        let (yi, vi) = effects(k);
        let w_sum: f64 = vi.iter().map(|v| 1.0 / v).sum();
        let mu = yi.iter().zip(&vi).map(|(y, v)| y / v).sum::<f64>() / w_sum;
        let q = metapool::weighted::cochran_q(&yi, &vi, mu);
        group.throughput(Throughput::Elements(k as u64));
        for method in Tau2Method::ALL {
            group.bench_with_input(BenchmarkId::new(method.name(), k), &k, |b, _| {
                b.iter(|| tau2::estimate(method, black_box(&yi), black_box(&vi), q))
            });
        }
        group.bench_with_input(BenchmarkId::new("q-profile", k), &k, |b, _| {
            b.iter(|| tau2_q_profile(black_box(&yi), black_box(&vi), 0.95))
        });
        let options = PoolOptions::default();
        group.bench_with_input(
            BenchmarkId::new("REML fit with CI, PI and Q-profile", k),
            &k,
            |b, _| b.iter(|| fit_slices(black_box(&yi), black_box(&vi), &options)),
        );
    }
    group.finish();
}

fn bench_mantel_haenszel(c: &mut Criterion) {
    let mut group = c.benchmark_group("mantel_haenszel");
    for k in [13usize, 10_000] {
        let tables: Vec<Table2x2> = (0..k)
            .map(|i| {
                Table2x2::from_arms(
                    (i % 23) as f64 + 1.0,
                    100.0 + (i % 97) as f64,
                    (i % 29) as f64 + 1.0,
                    110.0 + (i % 89) as f64,
                )
            })
            .collect();
        group.throughput(Throughput::Elements(k as u64));
        group.bench_with_input(BenchmarkId::new("OR", k), &k, |b, _| {
            b.iter(|| mantel_haenszel::log_odds_ratio(black_box(&tables)))
        });
        group.bench_with_input(BenchmarkId::new("RR", k), &k, |b, _| {
            b.iter(|| mantel_haenszel::log_risk_ratio(black_box(&tables)))
        });
    }
    group.finish();
}

fn bench_batch(c: &mut Criterion) {
    let mut group = c.benchmark_group("batch");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(3));
    let (n, k) = (10_000usize, 13usize);
    let (yi, vi) = effects(n * k);
    let offsets: Vec<usize> = (0..=n).map(|g| g * k).collect();
    let options = PoolOptions::default();
    group.throughput(Throughput::Elements((n * k) as u64));
    group.bench_function("10^4 meta-analyses of k = 13, REML with Q-profile", |b| {
        b.iter(|| fit_many(black_box(&yi), black_box(&vi), &offsets, &options))
    });
    group.finish();
}

fn bench_csv(c: &mut Criterion) {
    let mut group = c.benchmark_group("read_csv");
    group.sample_size(10);
    let k = 10_000usize;
    let mut text = String::from("study,events_e,n_e,events_c,n_c\n");
    for i in 0..k {
        text += &format!(
            "s{i},{},{},{},{}\n",
            i % 23,
            100 + i % 97,
            i % 29,
            110 + i % 89
        );
    }
    group.throughput(Throughput::Elements(k as u64));
    group.bench_function("binary table, 10^4 rows", |b| {
        b.iter(|| metapool::data::read_csv_str("bench", black_box(&text)).expect("valid"))
    });
    group.finish();
}

/// Reading alone, from a file as `metapool pool` reads it: 10⁶ rows `s{i},yi,vi` with
/// six decimals (26 MB), written once to the temporary directory.
fn bench_csv_file(c: &mut Criterion) {
    let k = 1_000_000usize;
    let (yi, vi) = effects(k);
    let path = std::env::temp_dir().join(format!("metapool-bench-{}.csv", std::process::id()));
    let mut out = std::io::BufWriter::new(std::fs::File::create(&path).expect("temporary file"));
    writeln!(out, "study,yi,vi").expect("written");
    for (i, (y, v)) in yi.iter().zip(&vi).enumerate() {
        writeln!(out, "s{i},{y:.6},{v:.6}").expect("written");
    }
    out.flush().expect("written");
    drop(out);
    let bytes = std::fs::metadata(&path).expect("written").len();
    let mut group = c.benchmark_group("read_csv");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(10));
    group.throughput(Throughput::Bytes(bytes));
    group.bench_function("yi,vi file, 10^6 rows", |b| {
        b.iter(|| metapool::data::read_csv_path(black_box(&path)).expect("valid"))
    });
    group.finish();
    let _ = std::fs::remove_file(&path);
}

criterion_group!(
    benches,
    bench_tau2,
    bench_mantel_haenszel,
    bench_batch,
    bench_csv,
    bench_csv_file
);
criterion_main!(benches);
