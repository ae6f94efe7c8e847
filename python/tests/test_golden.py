"""Every case of the committed metafor golden files on pooling and study effects,
reproduced through the Python API to the tolerances of the Rust tests that read them:

- tests/golden/rma.csv (tests/rma_golden.rs): rma, rma.mh, rma.peto with predict and
  confint; 1e-8 relative plus 1e-10 absolute (1e-12 for p-values);
- tests/golden/escalc.csv (tests/escalc_golden.rs): escalc; 1e-10 relative (1e-14
  absolute at 0);
- tests/golden/batch_yusuf1985.csv (tests/cli_batch.rs): one rma per group; 1e-8
  relative plus 1e-10.

The golden files of the analyses (subgroups, regression, permutest, sensitivity, bias,
pi_hts, i2_ht, zero_variance, multimodal, reanalysis) are in test_golden_analyses.py.
tests/golden/distributions.csv and tests/golden/f_distribution.csv are not reproduced
here: they check the library's internal distribution functions (qnorm, pt, pchisq, the
F distribution, ...), which have no Python API; the Rust tests check them.
"""

import math
import warnings
from collections import defaultdict

import pandas as pd
import pytest

import metapool

from golden_files import INPUTS, number, rows


def quiet(call, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", metapool.MetapoolWarning)
        return call(*args, **kwargs)


# ---------------------------------------------------------------------------
# rma.csv

def rma_blocks():
    blocks = defaultdict(list)
    for r in rows("rma.csv"):
        if r["fit"] == "escalc":
            continue
        key = (r["dataset"], r["measure"], r["fit"], r["method"], r["test"])
        blocks[key].append((r["quantity"], r["value"]))
    return blocks


RMA = rma_blocks()


def rma_options(key):
    """The Python options of a block, as tests/rma_golden.rs sets them."""
    _, measure, fit, method, test = key
    options = {"measure": measure}
    if fit == "rma.mh":
        options["fixed"] = "mh"
    elif fit == "rma.peto":
        options["fixed"] = "peto"
        options["drop00"] = "drop"
    if method == "FE" or fit != "rma":
        options["tau2"] = None
    else:
        options["tau2"] = method
        options["ci"] = test
    return options


def fixed_effect_interval_not_z(key):
    """metafor's rma(method = "FE", test = "t" | "knha" | "adhoc"): the command line,
    and so the Python API, has no option for the interval of the fixed-effect model (it
    is always z); tests/rma_golden.rs sets the library's `fixed_ci` directly."""
    _, _, fit, method, test = key
    return (method == "FE" or fit != "rma") and test != "z"


def ours(doc, quantity):
    random = doc["random"]
    e = random if random is not None else doc["fixed"]
    het = doc["heterogeneity"]
    if quantity.startswith("weight."):
        s = doc["studies"][int(quantity.split(".")[1]) - 1]
        return s["weight_random"] if s["weight_random"] is not None else s["weight_fixed"]
    table = {
        "beta": e["estimate"],
        "se": e["se"],
        "ci.lb": e["ci_lower"],
        "ci.ub": e["ci_upper"],
        "zval": e.get("statistic", e.get("z")),
        "pval": e["p_value"],
        "dfs": e["df"],
        "k": doc["k_all"],
        "k.yi": doc["k"],
        "tau2": het["tau2"],
        "QE": het["q"],
        "QEp": het["p_value"],
        "I2": het["i2_tau2"] if random is not None else het["i2_q"],
        "H2": het["h2"],
        "vt": het["typical_variance"],
        "pi.lb": random["pi_lower"] if random else None,
        "pi.ub": random["pi_upper"] if random else None,
        "tau2.lb": het["tau2_ci_lower"],
        "tau2.ub": het["tau2_ci_upper"],
        "I2.lb": het["i2_ci_lower"],
        "I2.ub": het["i2_ci_upper"],
        "H2.lb": het["h2_ci_lower"],
        "H2.ub": het["h2_ci_upper"],
    }
    value = table.get(quantity)
    if isinstance(value, str):
        value = float(value)
    return value


def rma_close(quantity, actual, expected):
    absolute = 1e-12 if quantity in ("pval", "QEp") else 1e-10
    return abs(actual - expected) <= 1e-8 * abs(expected) + absolute


def test_rma_rma_mh_and_rma_peto_match_metafor():
    compared, problems, skipped_blocks = 0, [], 0
    for key, quantities in RMA.items():
        if fixed_effect_interval_not_z(key):
            skipped_blocks += 1
            continue
        try:
            doc = quiet(metapool.pool_table, str(INPUTS / f"{key[0]}.csv"), studies="all",
                        **rma_options(key)).to_dict()
        except metapool.Error as e:
            problems.append(f"{key}: {e}")
            continue
        got = dict(quantities)
        ub, tau2 = number(got.get("tau2.ub", "")), number(got.get("tau2", ""))
        # confint() stops its search at max(100, 10 tau2) and reports the cap; skipped
        # as in tests/rma_golden.rs.
        at_cap = ub is not None and tau2 is not None and abs(ub - max(100, 10 * tau2)) <= 1e-9 * ub
        for quantity, value in quantities:
            if at_cap and quantity in ("tau2.ub", "I2.ub", "H2.ub"):
                continue
            expected = number(value)
            actual = ours(doc, quantity) if expected is not None else None
            if actual is None:
                continue
            compared += 1
            if not rma_close(quantity, actual, expected):
                problems.append(f"{key} {quantity}: {actual} vs metafor {expected}")
    assert skipped_blocks == 18 * 3
    assert compared > 18_000, compared
    assert not problems, "\n".join(problems[:50])


def test_rma_through_a_data_frame_is_the_same():
    """The data frame route reads the table as the file route does."""
    for dataset in ("bcg", "axfors2021", "normand1999"):
        path = INPUTS / f"{dataset}.csv"
        if not path.exists():
            continue
        frame = pd.read_csv(path, keep_default_na=False)
        a = quiet(metapool.pool_table, str(path)).to_dict()
        b = quiet(metapool.pool_table, frame).to_dict()
        assert a == b


# ---------------------------------------------------------------------------
# escalc.csv

def escalc_blocks():
    blocks = defaultdict(list)
    for r in rows("escalc.csv"):
        key = (r["dataset"], r["measure"], r["add"], r["to"], r["drop00"], r["variant"])
        blocks[key].append((int(r["row"]), number(r["yi"]), number(r["vi"])))
    return blocks


def escalc_options(key):
    _, measure, add, to, drop00, variant = key
    options = {"measure": measure}
    if add != "NA":
        options.update(add=float(add), to=to, drop00="drop" if drop00 == "TRUE" else "keep")
    if variant == "ci95":
        options["input_level"] = 95
    return options


def escalc_close(actual, expected):
    if expected == 0:
        return abs(actual) <= 1e-14
    return abs(actual - expected) <= 1e-10 * abs(expected)


def test_escalc_every_measure_and_zero_cell_option_matches_metafor():
    blocks = escalc_blocks()
    assert len(blocks) > 200
    compared, problems = 0, []
    for key, expected in blocks.items():
        e = quiet(metapool.effects, str(INPUTS / f"{key[0]}.csv"), **escalc_options(key))
        # metafor's rows are 1-based; `index` is the 0-based row of the input.
        by_row = {int(i) + 1: (y, v) for i, y, v in zip(e.index, e.yi, e.vi)}
        for row, yi, vi in expected:
            got = by_row.get(row)
            if yi is None or vi is None:
                if got is not None:
                    problems.append(f"{key} row {row}: metafor gives NA, we give {got}")
                continue
            if got is None:
                problems.append(f"{key} row {row}: metafor gives ({yi}, {vi}), we excluded it")
                continue
            compared += 1
            if not (escalc_close(got[0], yi) and escalc_close(got[1], vi)):
                problems.append(f"{key} row {row}: {got} vs metafor ({yi}, {vi})")
    assert compared > 6000, compared
    assert not problems, "\n".join(problems[:50])


# ---------------------------------------------------------------------------
# batch_yusuf1985.csv

def test_batch_of_dat_yusuf1985_matches_one_rma_per_group():
    out = quiet(metapool.batch, str(INPUTS / "yusuf1985.csv"), group_by="subgroup",
                measure="OR", tau2="REML")
    by_group = out.set_index("group")
    n = 0
    for g in rows("batch_yusuf1985.csv"):
        row = by_group.loc[g["group"]]
        assert row["k"] == int(g["k"])
        for name, column in (("random_estimate", "beta"), ("random_se", "se"), ("tau2", "tau2"), ("q", "QE")):
            expected = float(g[column])
            assert abs(row[name] - expected) <= 1e-8 * abs(expected) + 1e-10, (g["group"], name)
        n += 1
    assert n == 6
