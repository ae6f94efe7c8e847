//! Throughput of study-level effect sizes (studies per second).
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use metapool::data::{BinaryArms, StudyData, StudyTable};
use metapool::effect::{compute, EffectOptions, Measure};

fn binary_table(k: usize) -> StudyTable {
    // Deterministic synthetic 2x2 tables (benchmark input, not data).
    let n_e: Vec<f64> = (0..k).map(|i| 50.0 + (i % 97) as f64).collect();
    let n_c: Vec<f64> = (0..k).map(|i| 60.0 + (i % 89) as f64).collect();
    let events_e: Vec<f64> = (0..k).map(|i| (i % 23) as f64).collect();
    let events_c: Vec<f64> = (0..k).map(|i| (i % 29) as f64).collect();
    let labels: Vec<String> = (0..k).map(|i| format!("s{i}")).collect();
    StudyTable::new(
        "bench",
        labels,
        StudyData::Binary(BinaryArms {
            events_e,
            n_e,
            events_c,
            n_c,
        }),
    )
    .expect("valid synthetic table")
}

fn bench_effects(c: &mut Criterion) {
    let mut group = c.benchmark_group("effects");
    for k in [13usize, 10_000] {
        let table = binary_table(k);
        group.throughput(Throughput::Elements(k as u64));
        for measure in [Measure::RR, Measure::OR, Measure::RD, Measure::PETO] {
            let options = EffectOptions::new(measure);
            group.bench_with_input(BenchmarkId::new(measure.name(), k), &table, |b, t| {
                b.iter(|| compute(t, &options).expect("effects"))
            });
        }
    }
    group.finish();
}

criterion_group!(benches, bench_effects);
criterion_main!(benches);
