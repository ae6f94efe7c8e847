"""Writes the inputs of benches/compare/end_to_end.sh into DIR, deterministically.

    python3 benches/compare/e2e_inputs.py DIR [SEED]

- big.csv: 10^6 generic studies, header `study,yi,vi` (about 26 MB);
- batch1e4.csv: 10^4 meta-analyses of 13 studies, header `analysis,study,yi,vi`,
  each analysis's 13 rows contiguous (about 3.6 MB);
- batch1e6.csv: 10^6 meta-analyses of 13 studies, same layout (about 400 MB).

Values are printed with 6 decimals. vi is uniform on (0.01, 0.5); for big.csv
yi = 0.3 + uniform spread of width 1.2 + a normal within-study error of variance vi;
in the batch tables each analysis has its own mean (uniform on (-0.5, 0.5)) and
tau^2 (uniform on (0, 0.1)). numpy's PCG64 stream from SEED (default 20261201).
"""
import os
import sys

import numpy as np

CHUNK = 1_000_000


def write_big(path, k, rng):
    vi = 0.01 + 0.49 * rng.random(k)
    yi = 0.3 + (rng.random(k) - 0.5) * 1.2 + rng.standard_normal(k) * np.sqrt(vi)
    with open(path, "w") as f:
        f.write("study,yi,vi\n")
        for start in range(0, k, CHUNK):
            y = yi[start:start + CHUNK].tolist()
            v = vi[start:start + CHUNK].tolist()
            f.write("".join(f"s{start + i},{a:.6f},{b:.6f}\n" for i, (a, b) in enumerate(zip(y, v))))


def write_batch(path, analyses, k, rng):
    with open(path, "w") as f:
        f.write("analysis,study,yi,vi\n")
        per_chunk = max(1, CHUNK // k)
        for first in range(0, analyses, per_chunk):
            n = min(per_chunk, analyses - first)
            mu = np.repeat(rng.uniform(-0.5, 0.5, n), k)
            tau2 = np.repeat(rng.uniform(0.0, 0.1, n), k)
            vi = 0.01 + 0.49 * rng.random(n * k)
            yi = mu + rng.standard_normal(n * k) * np.sqrt(tau2 + vi)
            f.write("".join(
                f"a{first + i // k},s{i % k},{a:.6f},{b:.6f}\n"
                for i, (a, b) in enumerate(zip(yi.tolist(), vi.tolist()))
            ))


def main():
    directory = sys.argv[1]
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 20261201
    rng = np.random.default_rng(seed)
    write_big(os.path.join(directory, "big.csv"), 1_000_000, rng)
    write_batch(os.path.join(directory, "batch1e4.csv"), 10_000, 13, rng)
    write_batch(os.path.join(directory, "batch1e6.csv"), 1_000_000, 13, rng)


if __name__ == "__main__":
    main()
