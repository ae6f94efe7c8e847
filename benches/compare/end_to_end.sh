#!/usr/bin/env bash
# End-to-end timings (issue 14, item 5): whole processes from start to exit, on the same
# generated files, in one run, with the ratios the issue's targets name, each marked met
# or missed. Kernel timings are benches/compare/run.sh; this script is separate.
#   bash benches/compare/end_to_end.sh
#   RUNS=5 RUNS_METAFOR=1 NOTE="machine shared with a build" bash benches/compare/end_to_end.sh
# Inputs (e2e_inputs.py, numpy seed 20261201, written to a temporary folder and removed
# at exit): big.csv, 10^6 studies `study,yi,vi` (26 MB); batch1e4.csv and batch1e6.csv,
# 10^4 and 10^6 meta-analyses of 13 studies as CSV `analysis,study,yi,vi`, each
# analysis's rows contiguous (3.6 MB and 385 MB). Set KEEP=DIR to write them to DIR and
# keep them (with the outputs) instead.
# Measured: best and median of RUNS (default 3) runs, run in rounds; peak RSS from
# os.wait4 (ru_maxrss of each process); see e2e_measure.py. Commands:
#   metapool pool big.csv --measure GEN --tau2 REML --format text|csv|json, --tau2 DL text;
#   python3 e2e_statsmodels.py big.csv (pandas read_csv + statsmodels combine_effects DL,
#     one process, imports included);
#   metapool batch batch1e4.csv --group-by analysis --tau2 REML (CSV to CSV) and
#     Rscript e2e_metafor.R (read.csv, split, rma REML per analysis, write.csv);
#   metapool batch batch1e6.csv --group-by analysis --tau2 REML (no metafor loop there).
# Needs: the Rust toolchain; Python 3 with numpy (to write the inputs):
#   pip install -r benches/compare/requirements.txt   (numpy, pandas, statsmodels)
# optionally R with metafor: apt-get install -y r-cran-metafor r-cran-metadat
# A tool that is not installed is skipped, saying so. The 10^6 x 13 batch reads 385 MB
# in chunks (about 100 MB of memory). The json run writes every study (`--studies
# all`). Reading alone is the criterion bench `read_csv/yi,vi file, 10^6 rows`
# (benches/pooling.rs, on a 26 MB file of the same shape as big.csv), run last; its
# median throughput goes into the table (READ_BENCH=0 skips it). A run takes about 12
# minutes on 2 cores, most of it the metafor loop (about 2.5 min a run;
# RUNS_METAFOR=1 shortens it).
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo build --release --quiet --bin metapool
metapool="${CARGO_TARGET_DIR:-target}/release/metapool"
metapool="$(cd "$(dirname "$metapool")" && pwd)/metapool"
if ! python3 -c 'import numpy' > /dev/null 2>&1; then
  echo "numpy is needed to write the inputs: pip install -r benches/compare/requirements.txt" >&2
  exit 1
fi
if [ -n "${KEEP:-}" ]; then
  work=$KEEP
  mkdir -p "$work"
else
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
fi
if command -v Rscript > /dev/null && Rscript -e 'suppressMessages(library(metafor))' > /dev/null 2>&1; then
  HAVE_R=1
else
  HAVE_R=0
fi
if python3 -c 'import pandas, statsmodels' > /dev/null 2>&1; then
  HAVE_SM=1
else
  HAVE_SM=0
  echo "pandas + statsmodels: skipped (pip install -r benches/compare/requirements.txt)"
fi
export HAVE_R HAVE_SM
echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"
echo "machine: $(nproc) cores; $(uname -sm); load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
[ -n "${NOTE:-}" ] && echo "note: $NOTE"
echo "metapool $("$metapool" --version | cut -d' ' -f2) ($(git rev-parse --short HEAD 2>/dev/null || echo '?'))"
[ "$HAVE_SM" = 1 ] && python3 -c 'import sys, pandas, statsmodels, numpy; print(f"python {sys.version.split()[0]}, pandas {pandas.__version__}, statsmodels {statsmodels.__version__}, numpy {numpy.__version__}")'
[ "$HAVE_R" = 1 ] && Rscript -e 'cat(R.version.string, ", metafor ", as.character(packageVersion("metafor")), "\n", sep = "")'
echo "writing the inputs..."
python3 benches/compare/e2e_inputs.py "$work"
if [ "${READ_BENCH:-1}" = 1 ]; then
  echo "reading alone: cargo bench --bench pooling -- 'read_csv/yi,vi' ..."
  # criterion prints `thrpt:  [low MiB/s median MiB/s high MiB/s]`
  READ_MIBS=$(cargo bench --quiet --bench pooling -- 'read_csv/yi,vi' 2>/dev/null \
    | sed -n 's/.*thrpt: *\[[^ ]* [^ ]* \([0-9.]*\) MiB\/s.*/\1/p' | head -1)
  export READ_MIBS
fi
python3 benches/compare/e2e_measure.py "$work" "$metapool"
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
