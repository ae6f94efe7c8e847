"""statsmodels side of benches/compare/run.sh: prints "task<TAB>seconds per run"."""
import csv
import statistics
import sys
import time

import numpy as np
from statsmodels.stats.meta_analysis import combine_effects

directory = sys.argv[1]


def load(name):
    with open(f"{directory}/{name}") as f:
        rows = list(csv.DictReader(f))
    return np.array([float(r["yi"]) for r in rows]), np.array([float(r["vi"]) for r in rows])


def per_run(fn, reps, runs=5):
    samples = []
    for _ in range(runs):
        t = time.perf_counter()
        for _ in range(reps):
            fn()
        samples.append((time.perf_counter() - t) / reps)
    return statistics.median(samples)


yi, vi = load("bcg13.csv")
print(f"k13_dl\t{per_run(lambda: combine_effects(yi, vi, method_re='chi2'), 500):e}")
print(f"k13_pm\t{per_run(lambda: combine_effects(yi, vi, method_re='iterated'), 500):e}")
for k in (100000, 1000000):
    yi, vi = load(f"k{k}.csv")
    print(f"k{k}_dl\t{per_run(lambda: combine_effects(yi, vi, method_re='chi2'), 1, 5):e}")
    print(f"k{k}_pm\t{per_run(lambda: combine_effects(yi, vi, method_re='iterated'), 1, 3):e}")
