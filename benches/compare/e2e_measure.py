"""Runner and table of benches/compare/end_to_end.sh (run that script, not this file).

    python3 benches/compare/e2e_measure.py WORKDIR METAPOOL_BINARY

Runs every command as a whole process (start to exit; stdout to a file in WORKDIR),
RUNS times in rounds (each round runs every command once, so that a change in the
machine's load hits all of them alike), and reports the best and the median wall
time and the peak RSS (ru_maxrss of the process from os.wait4, the largest over the
runs). Environment: RUNS (default 3), RUNS_METAFOR (default RUNS), HAVE_R and HAVE_SM
(1 or 0, set by end_to_end.sh), NOTE (a line printed with the machine).
MB = 10^6 bytes throughout.
"""
import os
import statistics
import subprocess
import sys
import time

work, metapool = sys.argv[1], sys.argv[2]
here = os.path.dirname(os.path.abspath(__file__))
runs = int(os.environ.get("RUNS", "3"))
runs_metafor = int(os.environ.get("RUNS_METAFOR", str(runs)))
have_r = os.environ.get("HAVE_R") == "1"
have_sm = os.environ.get("HAVE_SM") == "1"


def p(name):
    return os.path.join(work, name)


big, b4, b6 = p("big.csv"), p("batch1e4.csv"), p("batch1e6.csv")
# `--studies all` once the option exists (issue 14, item 4); today every format
# prints every study.
help_text = subprocess.run([metapool, "pool", "--help"], capture_output=True, text=True).stdout
studies_all = ["--studies", "all"] if "--studies" in help_text else []

pool = [metapool, "pool", big, "--measure", "GEN"]
commands = [
    # key, label, argv, runs
    ("text", "metapool pool big.csv --tau2 REML --format text", pool + ["--tau2", "REML", "--format", "text"], runs),
    ("csv", "metapool pool big.csv --tau2 REML --format csv", pool + ["--tau2", "REML", "--format", "csv"], runs),
    ("json", "metapool pool big.csv --tau2 REML --format json" + (" --studies all" if studies_all else ""),
     pool + ["--tau2", "REML", "--format", "json"] + studies_all, runs),
    ("dl_text", "metapool pool big.csv --tau2 DL --format text", pool + ["--tau2", "DL", "--format", "text"], runs),
]
if have_sm:
    commands.append(("sm", "python3: pandas read_csv + statsmodels combine_effects DL",
                     [sys.executable, os.path.join(here, "e2e_statsmodels.py"), big], runs))
commands.append(("batch4", "metapool batch batch1e4.csv --tau2 REML (CSV to CSV)",
                 [metapool, "batch", b4, "--group-by", "analysis", "--tau2", "REML"], runs))
if have_r:
    commands.append(("metafor4", "Rscript: read.csv, split, rma REML per analysis, write.csv",
                     ["Rscript", os.path.join(here, "e2e_metafor.R"), b4, p("metafor_out.csv")], runs_metafor))
commands.append(("batch6", "metapool batch batch1e6.csv --tau2 REML (CSV to CSV)",
                 [metapool, "batch", b6, "--group-by", "analysis", "--tau2", "REML"], runs))


def run_once(key, argv):
    with open(p(f"out_{key}"), "wb") as out, open(p(f"err_{key}"), "wb") as err:
        start = time.perf_counter()
        child = subprocess.Popen(argv, stdout=out, stderr=err)
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    return wall, usage.ru_maxrss * 1024 / 1e6, child.returncode


walls = {key: [] for key, *_ in commands}
rss = {key: 0.0 for key, *_ in commands}
failed = {}
for r in range(max(c[3] for c in commands)):
    for key, label, argv, n in commands:
        if r >= n or key in failed:
            continue
        wall, mb, code = run_once(key, argv)
        if code != 0:
            with open(p(f"err_{key}"), errors="replace") as f:
                failed[key] = f"exit status {code}: {f.read()[-300:].strip()}"
            continue
        walls[key].append(wall)
        rss[key] = max(rss[key], mb)
        print(f"  round {r + 1}: {key:<9} {wall:8.3f} s {mb:8.0f} MB", file=sys.stderr, flush=True)

input_mb = {k: os.path.getsize(f) / 1e6 for k, f in (("big", big), ("b4", b4), ("b6", b6))}
best = {k: min(v) for k, v in walls.items() if v}

print()
print(f"inputs: big.csv {input_mb['big']:.1f} MB (10^6 studies), batch1e4.csv {input_mb['b4']:.1f} MB "
      f"(10^4 x 13), batch1e6.csv {input_mb['b6']:.0f} MB (10^6 x 13)")
print()
print(f"{'command':<66} {'runs':>4} {'best s':>8} {'median s':>9} {'peak RSS MB':>12} {'output MB':>10}")
for key, label, argv, n in commands:
    if key in failed:
        print(f"{label:<66} failed: {failed[key]}")
        continue
    v = walls[key]
    out_mb = os.path.getsize(p(f"out_{key}")) / 1e6 if key != "metafor4" else os.path.getsize(p("metafor_out.csv")) / 1e6
    print(f"{label:<66} {len(v):>4} {min(v):>8.3f} {statistics.median(v):>9.3f} {rss[key]:>12.0f} {out_mb:>10.1f}")
print()

rows = []


def target(name, value, fmt, goal, at_least):
    """value against goal; at_least: met when value >= goal, else when value <= goal."""
    if value is None:
        rows.append((name, "-", ("≥ " if at_least else "≤ ") + fmt(goal), "not measured"))
        return
    met = value >= goal if at_least else value <= goal
    if met:
        verdict = "met"
    else:
        verdict = f"missed by {goal / value if at_least else value / goal:.1f}x"
    rows.append((name, fmt(value), ("≥ " if at_least else "≤ ") + fmt(goal), verdict))


def ratio(a, b):
    return best[a] / best[b] if a in best and b in best else None


x = lambda v: f"{v:.2f}x" if v < 10 else f"{v:,.0f}x"
target("pool REML text: pandas+statsmodels DL time / metapool time", ratio("sm", "text"), x, 3.0, True)
target("pool REML json / text (wall)", ratio("json", "text"), x, 2.0, False)
for key, name in (("text", "text"), ("csv", "csv"), ("json", "json"), ("dl_text", "DL text")):
    target(f"pool {name}: peak RSS / input size",
           rss[key] / input_mb["big"] if key in best else None, x, 4.0, False)
target("batch 10^4 x 13: metafor loop / metapool, per analysis", ratio("metafor4", "batch4"), x, 600.0, True)
target("batch 10^6 x 13: analyses per second",
       1e6 / best["batch6"] if "batch6" in best else None, lambda v: f"{v:,.0f}", 2e5, True)
target("batch 10^6 x 13: peak RSS (MB)", rss["batch6"] if "batch6" in best else None,
       lambda v: f"{v:,.0f}", 200.0, False)
read_mibs = os.environ.get("READ_MIBS", "")
target("reading alone (criterion bench, median), MB/s of CSV",
       float(read_mibs) * 1.048576 if read_mibs else None, lambda v: f"{v:,.0f}", 200.0, True)
w = max(len(r[0]) for r in rows)
print(f"{'target':<{w}} {'measured':>10} {'target':>10}  verdict")
for name, value, goal, verdict in rows:
    print(f"{name:<{w}} {value:>10} {goal:>10}  {verdict}")
if "batch4" in best:
    print(f"\nbatch 10^4 x 13: {1e4 / best['batch4']:,.0f} analyses per second (metapool)"
          + (f", {1e4 / best['metafor4']:,.0f} (metafor loop)" if "metafor4" in best else ""))
if "sm" in best:
    with open(p("err_sm")) as f:
        print(f"pandas + statsmodels, last run: {f.read().strip()}")
if not have_r:
    print("metafor: skipped (R with metafor is not installed)")
print("metafor loop on 10^6 x 13: not run (about 100x the 10^4 loop)")
sys.exit(1 if failed else 0)
