//! Synthetic, deterministic benchmark inputs (not data): shared by the criterion
//! benches (`benches/pooling.rs`) and the comparison with metafor and statsmodels
//! (`examples/bench_compare.rs`), which include this file by path.

/// k effects with heterogeneity from a xorshift64 stream started at `seed`:
/// vi uniform on (0.01, 0.5), yi = 0.3 + a uniform spread of width 1.2 + a within-study
/// term of width √vi.
pub fn synthetic(k: usize, seed: u64) -> (Vec<f64>, Vec<f64>) {
    let mut state = seed;
    let mut unit = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let vi: Vec<f64> = (0..k).map(|_| 0.01 + 0.49 * unit()).collect();
    let yi: Vec<f64> = vi
        .iter()
        .map(|v| 0.3 + (unit() - 0.5) * 1.2 + (unit() - 0.5) * v.sqrt())
        .collect();
    (yi, vi)
}
