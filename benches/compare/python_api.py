"""The Python API against statsmodels, timed side by side in one run:

- ``metapool.pool`` on numpy arrays, k = 10^6, REML, against statsmodels'
  ``combine_effects`` DerSimonian-Laird on the same arrays;
- ``metapool.batch`` of a DataFrame of 10^4 meta-analyses of 13 studies (REML),
  against a loop of ``combine_effects`` (DL) over ``groupby``, per analysis.

Run: ``python benches/compare/python_api.py`` (needs ``pip install ./python statsmodels
pandas``). Prints each time (best of several runs) and the ratios. The statsmodels loop
is timed on a sample of groups (``--loop-groups``) and scaled to 10^4 per analysis.
"""

import argparse
import os
import time
import warnings

import numpy as np
import pandas as pd
from statsmodels.stats.meta_analysis import combine_effects

import metapool


def best(f, repeat):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        f()
        times.append(time.perf_counter() - start)
    return min(times)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--k", type=int, default=1_000_000)
    parser.add_argument("--groups", type=int, default=10_000)
    parser.add_argument("--loop-groups", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    print(f"machine: {os.cpu_count()} cores; metapool {metapool.__version__}")

    rng = np.random.default_rng(1)
    vi = rng.uniform(0.01, 1.0, size=args.k)
    yi = rng.normal(0.2, np.sqrt(vi + 0.1))
    ours = best(lambda: metapool.pool(yi, vi, tau2="REML", studies="none"), args.repeat)
    theirs = best(lambda: combine_effects(yi, vi, method_re="dl"), args.repeat)
    print(f"pool k={args.k} REML (metapool)            {ours * 1e3:9.1f} ms")
    print(f"combine_effects k={args.k} DL (statsmodels) {theirs * 1e3:9.1f} ms")
    print(f"  ratio statsmodels DL / metapool REML: {theirs / ours:.2f}x (target >= 3x)")

    k = 13
    n = args.groups * k
    vi = rng.uniform(0.01, 0.5, size=n)
    frame = pd.DataFrame(
        {
            "analysis": np.repeat(np.arange(args.groups), k).astype(str),
            "study": np.tile(np.arange(k), args.groups).astype(str),
            "yi": rng.normal(0.2, np.sqrt(vi + 0.05)),
            "vi": vi,
        }
    )
    ours = best(lambda: metapool.batch(frame, group_by="analysis", tau2="REML"), args.repeat)
    sample = frame[frame["analysis"].astype(int) < args.loop_groups]

    def loop():
        out = []
        for _, g in sample.groupby("analysis", sort=False):
            r = combine_effects(g["yi"].to_numpy(), g["vi"].to_numpy(), method_re="dl")
            out.append((r.mean_effect_re, r.sd_eff_w_re, r.tau2))
        return out

    theirs = best(loop, 1 if args.loop_groups >= 1000 else args.repeat)
    per_ours = ours / args.groups
    per_theirs = theirs / min(args.loop_groups, args.groups)
    print(f"batch {args.groups} x {k} REML, DataFrame in and out (metapool) "
          f"{ours * 1e3:9.1f} ms  ({per_ours * 1e6:.2f} us per analysis)")
    print(f"combine_effects DL loop over groupby (statsmodels)    "
          f"{theirs * 1e3:9.1f} ms for {min(args.loop_groups, args.groups)} groups "
          f"({per_theirs * 1e6:.1f} us per analysis)")
    print(f"  ratio per analysis, statsmodels loop / metapool batch: {per_theirs / per_ours:.0f}x "
          f"(target >= 1000x)")


if __name__ == "__main__":
    main()
