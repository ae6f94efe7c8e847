#!/usr/bin/env bash
# Times metapool, metafor (R) and statsmodels (Python) on the same inputs in one run and
# prints the times and the ratios. A tool that is not installed is skipped, saying so.
#   bash benches/compare/run.sh
# Needs: the Rust toolchain; optionally R with metafor (apt-get install r-cran-metafor)
# and Python with statsmodels (pip install statsmodels).
set -euo pipefail
cd "$(dirname "$0")/../.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cargo build --release --quiet --example bench_compare --bin metapool
bench=target/release/examples/bench_compare
"$bench" write-inputs "$work"
echo "machine: $(nproc) cores; $(uname -sm)"
"$bench" time "$work" > "$work/metapool.tsv"
"$bench" memory "$work" >> "$work/metapool.tsv"
# metapool batch: CSV to CSV through the command line, best of 5 runs
best=0
for _ in 1 2 3 4 5; do
  start=$(date +%s%N)
  target/release/metapool batch "$work/batch10000.csv" --group-by ma --tau2 REML > "$work/batch_out.csv"
  end=$(date +%s%N)
  t=$((end - start))
  if [ "$best" = 0 ] || [ "$t" -lt "$best" ]; then best=$t; fi
done
printf 'batch_1e4_k13_csv\t%s\n' "$(python3 -c "print($best / 1e9)")" >> "$work/metapool.tsv"
if command -v Rscript > /dev/null && Rscript -e 'suppressMessages(library(metafor))' > /dev/null 2>&1; then
  Rscript benches/compare/metafor.R "$work" > "$work/metafor.tsv"
else
  echo "metafor: skipped (R with metafor is not installed)"
fi
if python3 -c 'import statsmodels' > /dev/null 2>&1; then
  python3 benches/compare/statsmodels_bench.py "$work" > "$work/statsmodels.tsv"
else
  echo "statsmodels: skipped (pip install statsmodels)"
fi
python3 benches/compare/table.py "$work"
