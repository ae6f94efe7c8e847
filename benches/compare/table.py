"""Prints the timings of benches/compare/run.sh side by side with ratios."""
import os
import sys

directory = sys.argv[1]


def load(name):
    path = os.path.join(directory, f"{name}.tsv")
    if not os.path.exists(path):
        return {}
    with open(path) as f:
        return {task: float(t) for task, t in (line.split("\t") for line in f if "\t" in line)}


ours, metafor, sm = load("metapool"), load("metafor"), load("statsmodels")


def fmt(t):
    if t is None:
        return "-"
    for unit, scale in (("s", 1), ("ms", 1e-3), ("µs", 1e-6), ("ns", 1e-9)):
        if t >= scale:
            return f"{t / scale:.3g} {unit}"
    return f"{t:.3g} s"


def ratio(other, task):
    if task in other and task in ours and ours[task] > 0:
        return f"{other[task] / ours[task]:,.0f}x"
    return "-"


tasks = [t for t in ours if not t.startswith("peak")]
print(f"{'task':<28} {'metapool':>10} {'metafor':>10} {'statsmodels':>12} {'metafor/ours':>13} {'statsmodels/ours':>17}")
for t in tasks:
    print(f"{t:<28} {fmt(ours.get(t)):>10} {fmt(metafor.get(t)):>10} {fmt(sm.get(t)):>12} {ratio(metafor, t):>13} {ratio(sm, t):>17}")
for t in ("k1000000_reml",):
    if t in ours and "k1000000_dl" in sm:
        print(f"k = 10^6 REML (metapool) vs DL (statsmodels): {sm['k1000000_dl'] / ours[t]:.2f}x")
if "k1000000_reml" in ours and "k100000_reml" in ours:
    print(f"scaling time(10^6)/time(10^5), REML: {ours['k1000000_reml'] / ours['k100000_reml']:.1f}")
if "k13_reml_ci_pi_qprofile" in ours and "k13_pm" in sm:
    print(f"k = 13 REML fit with CI, PI and Q-profile (metapool) vs statsmodels PM: {sm['k13_pm'] / ours['k13_reml_ci_pi_qprofile']:,.0f}x")
if "peak_memory_mb_k1e6" in ours:
    print(f"peak memory of the metapool timing run (k up to 10^6): {ours['peak_memory_mb_k1e6']:.0f} MB")
