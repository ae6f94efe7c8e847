//! Speed of `metapool scan` (issue 16, item 6): a 1 MB text, and a folder of 10⁴
//! abstracts scanned in parallel, from file to figures. The text is the repository's own
//! test corpus (`tests/scan/corpus/`, plain-text documents), repeated.
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use metapool::audit::scan::{scan_folder, scan_text};
use metapool::data::InputLimits;
use std::path::Path;

/// The plain-text documents of the test corpus.
fn corpus() -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scan/corpus");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("the corpus")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "txt" || x == "md"))
        .collect();
    files.sort();
    files
        .iter()
        .map(|p| std::fs::read_to_string(p).expect("a corpus document"))
        .collect()
}

fn bench_scan(c: &mut Criterion) {
    let documents = corpus();
    let mut text = String::new();
    while text.len() < 1 << 20 {
        for d in &documents {
            text.push_str(d);
            text.push_str("\n\n");
        }
    }
    let mut group = c.benchmark_group("scan");
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.bench_function("text_1MB", |b| b.iter(|| scan_text(&text)));

    // 10⁴ abstracts: each a paragraph of the corpus (cut at blank lines), in its own file.
    let paragraphs: Vec<&str> = documents
        .iter()
        .flat_map(|d| d.split("\n\n"))
        .filter(|p| p.len() > 200)
        .collect();
    let dir = std::env::temp_dir().join(format!("metapool-scan-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary folder");
    for i in 0..10_000 {
        let abstract_text = format!(
            "{}\n\n{}",
            paragraphs[i % paragraphs.len()],
            paragraphs[(i * 7 + 3) % paragraphs.len()]
        );
        std::fs::write(dir.join(format!("{i:05}.txt")), abstract_text).expect("an abstract");
    }
    group.throughput(Throughput::Elements(10_000));
    group.sample_size(10);
    group.bench_function("folder_10k_abstracts", |b| {
        b.iter(|| scan_folder(&dir, &InputLimits::DEFAULT).expect("the folder"))
    });
    group.finish();
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(benches, bench_scan);
criterion_main!(benches);
