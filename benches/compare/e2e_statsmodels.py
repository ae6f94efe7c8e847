"""pandas + statsmodels side of benches/compare/end_to_end.sh, run as one process
(imports included): read_csv of a study,yi,vi file, combine_effects with the
DerSimonian-Laird tau^2 (method_re="chi2"), print the pooled summary (and the
time of each phase on stderr).

    python3 benches/compare/e2e_statsmodels.py FILE
"""
import sys
import time

t0 = time.perf_counter()
import pandas as pd  # noqa: E402
from statsmodels.stats.meta_analysis import combine_effects  # noqa: E402

t1 = time.perf_counter()
d = pd.read_csv(sys.argv[1])
t2 = time.perf_counter()
r = combine_effects(d["yi"].to_numpy(), d["vi"].to_numpy(), method_re="chi2")
t3 = time.perf_counter()
print(f"phases: imports {t1 - t0:.3f} s, read_csv {t2 - t1:.3f} s, combine_effects {t3 - t2:.3f} s", file=sys.stderr)
print(f"k\t{len(d)}")
print(f"fixed\t{r.mean_effect_fe:.10g}\t{r.sd_eff_w_fe:.10g}")
print(f"random_dl\t{r.mean_effect_re:.10g}\t{r.sd_eff_w_re:.10g}")
print(f"tau2\t{r.tau2:.10g}")
print(f"q\t{r.q:.10g}")
print(f"i2\t{r.i2:.10g}")
