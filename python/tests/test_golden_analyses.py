"""The committed metafor golden files on the analyses (subgroups, meta-regression and its
permutation test, sensitivity, small-study effects, prediction and I² intervals, zero
variances, several likelihood maxima, RevMan re-analysis), reproduced through the
Python API to the tolerances of the Rust tests that read them:

- tests/golden/subgroups.csv (tests/subgroups.rs): 1e-8 relative plus 1e-12;
- tests/golden/regression.csv (tests/regression_golden.rs): 1e-8 relative plus 1e-10
  (1e-12 for p-values); the exact permutation tests to 1e-12;
- tests/golden/permutest.csv (tests/regression_golden.rs): exact tests to 1e-12; random
  ones within 4 Monte Carlo standard errors (metafor's own draws,
  tests/golden/permutest_draws.csv, cannot be given through the Python API: see below);
- tests/golden/sensitivity.csv (tests/sensitivity_golden.rs): 1e-8 relative plus 1e-10
  (1e-12 for p-values);
- tests/golden/bias.csv (tests/bias_golden.rs): 1e-8 relative plus 1e-10 (1e-12 for
  p-values), counts and sides equal;
- tests/golden/pi_hts.csv (tests/cli_pool.rs): 1e-8 relative plus 1e-12;
- tests/golden/i2_ht.csv (tests/cli_pool.rs): 1e-10 times max(|value|, 1);
- tests/golden/zero_variance.csv (tests/degenerate.rs): every case refused, with the
  message saying what metafor does;
- tests/golden/multimodal.csv (tests/likelihood_maxima.rs): 1e-8 times the larger
  magnitude plus 1e-10, the number of local maxima equal;
- tests/golden/reanalysis.csv (tests/revman_reanalysis.rs): 1e-8 (1e-7 for tau2, its
  interval and I²) times max(|value|, 1), on the natural scale.
"""

import math
import re
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


def near(actual, expected, rel, absolute):
    return actual is not None and abs(actual - expected) <= rel * abs(expected) + absolute


def input_path(dataset):
    return str(INPUTS / f"{dataset}.csv")


# ---------------------------------------------------------------------------
# subgroups.csv

SUBGROUP_SETS = [("bcg_alloc", "RR", "subgroup"), ("yusuf1985", "OR", "subgroup"),
                 ("raudenbush_mods", "GEN", "tester")]


def test_subgroups_of_three_data_sets_match_metafor():
    golden = rows("subgroups.csv")
    n, problems = 0, []
    for dataset, measure, column in SUBGROUP_SETS:
        for method in ("DL", "REML"):
            fit = quiet(metapool.subgroups, input_path(dataset), column, measure=measure,
                        tau2=method)
            a = fit.to_dict()["subgroups"]
            groups = {g["subgroup"]: g["fit"] for g in a["groups"]}
            for r in (r for r in golden if r["dataset"] == dataset and r["method"] == method):
                q = r["quantity"]
                if r["subgroup"] == "":
                    test = a["test_fixed"] if q.startswith("fixed") else a["test_random"]
                    actual = test["p_value"] if q.endswith(".p") else test["q"]
                else:
                    g = groups[r["subgroup"]]
                    actual = {
                        "fixed.beta": g["fixed"]["estimate"],
                        "fixed.se": g["fixed"]["se"],
                        "random.beta": g["random"]["estimate"],
                        "random.se": g["random"]["se"],
                        "tau2": g["random"]["tau2"],
                    }[q]
                expected = float(r["value"])
                n += 1
                if not near(actual, expected, 1e-8, 1e-12):
                    problems.append(f"{dataset} {method} {r['subgroup']} {q}: {actual} vs {expected}")
    assert n == len(golden) == 134
    assert not problems, "\n".join(problems)


# ---------------------------------------------------------------------------
# regression.csv

def regress_options(method, test):
    """rma(method = M, test = T) as regress's options ("FE" is tau2=None: its tests are
    always z in the golden file)."""
    options = {"tau2": None if method == "FE" else method}
    if test == "knha":
        options["ci"] = "hksj"
    return options


def r_names(name):
    for factor in ("alloc", "tester", "design"):
        name = name.replace(factor, f"factor({factor})")
    return name


def regression_value(doc, q):
    table = {"tau2": "tau2", "QE": "qe", "QEp": "qe_p_value", "QM": "qm", "QMp": "qm_p_value",
             "I2": "i2", "H2": "h2", "R2": "r2", "k": "k", "p": "p"}
    if q in table:
        return doc[table[q]]
    field, j = q.rsplit(".", 1)
    c = doc["coefficients"][int(j) - 1]
    return c[{"beta": "estimate", "se": "se", "zval": "statistic", "pval": "p_value",
              "ci.lb": "ci_lower", "ci.ub": "ci_upper"}[field]]


def test_every_meta_regression_matches_metafor():
    blocks = defaultdict(list)
    for r in rows("regression.csv"):
        if "[" in r["dataset"]:
            continue
        blocks[(r["dataset"], r["mods"], r["method"], r["test"])].append((r["quantity"], r["value"]))
    compared, problems, no_fixed_r2 = 0, [], []
    for (dataset, mods, method, test), quantities in blocks.items():
        doc = quiet(metapool.regress, input_path(dataset), mods,
                    **regress_options(method, test)).to_dict()
        assert doc["knapp_hartung"] == (test == "knha")
        for q, value in quantities:
            if q == "coefficients":
                names = ";".join(r_names(c["name"]) for c in doc["coefficients"])
                assert names == value, (dataset, mods)
                continue
            expected = number(value)
            if expected is None:
                continue
            actual = regression_value(doc, q)
            if q == "R2" and method == "FE" and actual is None:
                # metapool gives no R² for a fixed-effect meta-regression (null in the
                # JSON, NaN in the library); metafor does: see the xfail test below.
                no_fixed_r2.append((dataset, mods, expected))
                continue
            absolute = 1e-12 if "pval" in q or q.endswith("p") else 1e-10
            compared += 1
            if not near(actual, expected, 1e-8, absolute):
                problems.append(f"{dataset} ~{mods} {method} {test} {q}: {actual} vs metafor {expected}")
    assert len(blocks) == 54
    assert len(no_fixed_r2) == 6, no_fixed_r2
    assert compared == 1404 - 6, compared  # every number but the 6 FE R²
    assert not problems, f"{len(problems)} mismatches:\n" + "\n".join(problems)


@pytest.mark.xfail(strict=True, reason=(
    "metapool reports no R2 for method FE (null; NaN in the library: 'NaN for FE'), "
    "metafor 3.8-1 does: bcg_mods ~ablat 77.976519214340072, ~ablat,year "
    "77.672271724958634, ~alloc 0, raudenbush_mods ~weeks 18.221575406003499, "
    "~weeks,tester 13.913154150157991, hackshaw_mods ~year,design 0. "
    "tests/regression_golden.rs compares them too, but |NaN - x| > tol is false, so "
    "it lets them pass"))
def test_fixed_effect_meta_regression_r2_matches_metafor():
    golden = [r for r in rows("regression.csv") if r["method"] == "FE" and r["quantity"] == "R2"]
    assert len(golden) == 6
    for r in golden:
        doc = quiet(metapool.regress, input_path(r["dataset"]), r["mods"], tau2=None).to_dict()
        assert near(doc["r2"], float(r["value"]), 1e-8, 1e-10), (r["dataset"], r["mods"], doc["r2"])


def test_exact_permutation_test_of_seven_studies_matches_permutest():
    expected = defaultdict(dict)
    for r in rows("regression.csv"):
        if r["dataset"].endswith("[1:7]"):
            key = (r["dataset"][: -len("[1:7]")], r["mods"], r["method"])
            expected[key][r["quantity"]] = float(r["value"])
    assert len(expected) == 3
    for (dataset, mods, method), values in expected.items():
        frame = pd.read_csv(input_path(dataset), keep_default_na=False).iloc[:7]
        doc = quiet(metapool.regress, frame, mods, permutation=True, exact=True,
                    **regress_options(method, "z")).to_dict()
        test = doc["permutation"]
        assert test["exact"] and test["seed"] is None
        for q, ours in (("perm.pval.1", test["p_values"][0]), ("perm.pval.2", test["p_values"][1]),
                        ("perm.QMp", test["qm_p_value"])):
            assert abs(values[q] - ours) < 1e-12, (dataset, q, ours, values[q])


# ---------------------------------------------------------------------------
# permutest.csv (and permutest_draws.csv)

def permutest_cases():
    cases = {}
    for r in rows("permutest.csv"):
        c = cases.setdefault(r["case"], {
            "dataset": r["dataset"], "rows": int(r["rows"]), "mods": r["mods"],
            "method": r["method"], "test": r["test"], "iter": int(r["iter"]),
            "seed": None if r["seed"] == "NA" else int(r["seed"]),
            "exact": r["exact"] == "TRUE", "values": {}})
        c["values"][r["quantity"]] = float(r["value"])
    return cases


def permutest_doc(c, **permutation):
    frame = pd.read_csv(input_path(c["dataset"]), keep_default_na=False).iloc[: c["rows"]]
    return quiet(metapool.regress, frame, c["mods"], permutation=True, iterations=c["iter"],
                 **permutation, **regress_options(c["method"], c["test"])).to_dict()


def permutest_fit_matches(c, doc):
    """QM and the coefficients' statistics of the model permutest() was given."""
    for q, expected in c["values"].items():
        if q == "QM":
            actual = doc["qm"]
        elif q.startswith("zval."):
            actual = doc["coefficients"][int(q.split(".")[1]) - 1]["statistic"]
        else:
            continue
        assert near(actual, expected, 1e-8, 1e-10), (q, actual, expected)


def test_permutation_tests_match_permutest():
    """The exact tests agree to 1e-12. The random tests cannot be replayed on metafor's
    own draws (tests/golden/permutest_draws.csv, which tests/regression_golden.rs gives
    the library directly): regress() draws its own from its seed, so, as the Rust test of
    seeded draws does, its p-values must lie within 4 Monte Carlo standard errors of
    metafor's, and the same seed must give the same p-values. Intercept-only models
    (permutest's sign flips) cannot be asked for: regress() needs a moderator (the
    intercept-only model is pool(), which has no permutation test); their fit (QM, z) is
    checked through pool() instead."""
    cases = permutest_cases()
    assert len(cases) == 9
    draws = defaultdict(int)
    for r in rows("permutest_draws.csv"):
        draws[r["case"]] += 1
    checked, intercept_only = 0, 0
    for case_id, c in cases.items():
        if c["seed"] is not None:
            assert draws[case_id] == c["iter"] - 1, case_id
        if not c["mods"]:
            intercept_only += 1
            frame = pd.read_csv(input_path(c["dataset"]), keep_default_na=False).iloc[: c["rows"]]
            options = {"tau2": c["method"], "ci": "hksj" if c["test"] == "knha" else "z"}
            fit = quiet(metapool.pool_table, frame, measure="GEN", **options)
            stat = fit.random.statistic
            assert near(stat, c["values"]["zval.1"], 1e-8, 1e-10), (case_id, stat)
            assert near(stat**2, c["values"]["QM"], 1e-8, 1e-10), (case_id, stat**2)
            continue
        if c["seed"] is None:
            doc = permutest_doc(c, exact=True)
            test = doc["permutation"]
            assert test["exact"] and test["seed"] is None, case_id
            for j, p in enumerate(test["p_values"]):
                assert abs(p - c["values"][f"pval.{j + 1}"]) < 1e-12, (case_id, j, p)
            assert abs(test["qm_p_value"] - c["values"]["QMp"]) < 1e-12, case_id
        else:
            seed = 20261122
            doc = permutest_doc(c, seed=seed, exact=False)
            test = doc["permutation"]
            assert not test["exact"] and test["seed"] == seed and test["iterations"] == c["iter"]
            assert test["scheme"] == "rows", case_id
            if case_id.startswith("bcg"):
                assert permutest_doc(c, seed=seed, exact=False)["permutation"] == test, case_id
            ps = list(zip(test["p_values"], (c["values"][f"pval.{j + 1}"] for j in range(len(test["p_values"])))))
            ps.append((test["qm_p_value"], c["values"]["QMp"]))
            for p, expected in ps:
                se = math.sqrt(2 * max(expected, 0.01) * max(1 - expected, 0.01) / c["iter"])
                assert abs(p - expected) < 4 * se, (case_id, p, expected)
        permutest_fit_matches(c, doc)
        checked += 1
    assert (checked, intercept_only) == (6, 3)


# ---------------------------------------------------------------------------
# sensitivity.csv

def test_leave1out_cumul_and_influence_match_metafor():
    blocks = defaultdict(list)
    for r in rows("sensitivity.csv"):
        blocks[(r["dataset"], r["measure"], r["method"])].append(r)
    refit = {"estimate": "estimate", "se": "se", "zval": "statistic", "pval": "p_value",
             "ci.lb": "ci_lower", "ci.ub": "ci_upper", "Q": "q", "Qp": "q_p_value",
             "tau2": "tau2", "I2": "i2", "H2": "h2"}
    influence = {"rstudent": "rstudent", "dffits": "dffits", "cook.d": "cook_d",
                 "cov.r": "cov_r", "tau2.del": "tau2_del", "QE.del": "q_del", "hat": "hat",
                 "weight": "weight"}
    compared, problems = 0, []
    for (dataset, measure, method), block in blocks.items():
        doc = quiet(metapool.sensitivity, input_path(dataset), measure=measure,
                    tau2=None if method == "FE" else method).to_dict()
        parts = {"leave1out": doc["leave_one_out"], "cumul": doc["cumulative"],
                 "influence": doc["influence"]}
        for r in block:
            expected = number(r["value"])
            if expected is None:
                continue
            i, q = int(r["study"]) - 1, r["quantity"]
            row = parts[r["analysis"]][i]
            assert row["study"] == i
            actual = row[(influence if r["analysis"] == "influence" else refit)[q]]
            absolute = 1e-12 if q.endswith("p") or q == "pval" else 1e-10
            compared += 1
            if not near(actual, expected, 1e-8, absolute):
                problems.append(f"{dataset} {measure} {method} {r['analysis']} study {i + 1} {q}: "
                                f"{actual} vs metafor {expected}")
    assert len(blocks) == 5
    assert compared == 1788, compared
    assert not problems, f"{len(problems)} mismatches:\n" + "\n".join(problems)


# ---------------------------------------------------------------------------
# bias.csv

def bias_blocks():
    blocks = defaultdict(dict)
    for r in rows("bias.csv"):
        if r["quantity"] == "warning":
            continue
        key = (r["dataset"], r["measure"], r["analysis"], r["method"], r["test"], r["option"])
        blocks[key][r["quantity"]] = r["value"]
    return blocks


BIAS_CI = {"z": "z", "t": "t", "knha": "hksj", "adhoc": "hksj-adhoc"}
_BIAS_CACHE = {}


def bias_doc(dataset, measure, method="REML", test="z", estimator="L0", side=None):
    """bias() of a fit rma(method, test); FE is tau2=None (its tests are always z)."""
    key = (dataset, measure, method, test, estimator, side)
    if key not in _BIAS_CACHE:
        options = {"measure": measure, "estimator": estimator, "side": side}
        if method == "FE":
            options["tau2"] = None
        else:
            options.update(tau2=method, ci=BIAS_CI[test])
        _BIAS_CACHE[key] = quiet(metapool.bias, input_path(dataset), **options).to_dict()
    return _BIAS_CACHE[key]


def bias_close(q, actual, expected):
    absolute = 1e-12 if q.startswith("pval") or q == "p.k0" else 1e-10
    return near(actual, expected, 1e-8, absolute)


class Tally:
    def __init__(self):
        self.compared, self.problems = 0, []

    def block(self, key, block, ours):
        for q, value in block.items():
            expected = number(value)
            if expected is None:
                continue
            actual = ours(q)
            assert actual is not None, (key, q)
            self.compared += 1
            if not bias_close(q, actual, expected):
                self.problems.append(f"{key} {q}: {actual} vs metafor {expected}")

    def finish(self, expected):
        assert self.compared == expected, self.compared
        assert not self.problems, f"{len(self.problems)} mismatches:\n" + "\n".join(self.problems)


def test_bias_effect_sizes_are_those_of_the_r_script():
    tally = Tally()
    for key, block in bias_blocks().items():
        if key[2] != "escalc":
            continue
        dataset, measure = key[0], key[1]
        e = quiet(metapool.effects, input_path(dataset), measure=measure)
        assert len(e.yi) == len(metapool.read_csv(input_path(dataset))), dataset
        table = metapool.read_csv(input_path(dataset))
        ni = list(table["n_e"] + table["n_c"]) if "n_e" in table else None

        def ours(q):
            name, i = q.split(".")
            i = int(i) - 1
            return {"yi": lambda: e.yi[i], "vi": lambda: e.vi[i], "ni": lambda: ni[i]}[name]()

        tally.block(key, block, ours)
    tally.finish(1026)  # every yi, vi and ni


def limit_value(result, q):
    limit = result["limit_estimate"]
    fit = result.get("fit") or {}
    table = {
        "zval": lambda: result["statistic"],
        "pval": lambda: result["p_value"],
        "dfs": lambda: result["df"],
        "est": lambda: limit["estimate"],
        "ci.lb": lambda: limit["ci_lower"],
        "ci.ub": lambda: limit["ci_upper"],
        "fit.tau2": lambda: fit["tau2"],
        "fit.b0": lambda: fit["intercept"]["estimate"],
        "fit.b1": lambda: fit["slope"]["estimate"],
        "fit.se0": lambda: fit["intercept"]["se"],
        "fit.se1": lambda: fit["slope"]["se"],
        "fit.QE": lambda: fit["q_residual"],
    }
    return table[q]()


def test_regression_tests_match_metafor_regtest():
    """bias() reports three of regtest's models: Egger's (model "lm", predictor sei), the
    regression test of the model (model "rma", predictor sei, with the fit's tau2 and
    test) and Peters' (model "rma", predictor ninv). The other predictors (vi, ni,
    sqrtni, sqrtninv, and ninv with model "lm") have no option in bias() (nor in the
    command line's `bias`), and regtest on a fixed-effect fit with test t, knha or adhoc
    needs the fixed-effect model's test, which the Python API has no option for (it is
    always z): those blocks are counted, not compared."""
    tally = Tally()
    counted = defaultdict(int)
    for key, block in bias_blocks().items():
        dataset, measure, analysis, method, test, predictor = key
        if analysis != "regtest":
            continue
        assert "error" not in block, key
        if method == "lm" and predictor == "sei":
            result = bias_doc(dataset, measure)["egger"]
            assert result["model"] == "lm" and result["predictor"] == "sei"
        elif method != "lm" and predictor == "sei":
            if method == "FE" and test != "z":
                counted["fixed-effect test not z"] += 1
                continue
            result = bias_doc(dataset, measure, method, test)["regression_test_of_model"]
            assert result["model"] == "rma" and result["predictor"] == "sei"
        elif method != "lm" and predictor == "ninv":
            result = bias_doc(dataset, measure, method, test)["peters"]
            if result is None:
                # bias() gives Peters' test for 2x2 tables only (its test of binary
                # outcomes); regtest(predictor = "ninv") runs on any data with sizes.
                assert "mean_e" in metapool.read_csv(input_path(dataset)), key
                counted["rma ninv, not 2x2 tables"] += 1
                continue
            assert result["model"] == "rma" and result["predictor"] == "ninv"
        else:
            counted[f"{'lm' if method == 'lm' else 'rma'} {predictor}"] += 1
            continue
        assert set(result) != {"error"}, (key, result)
        tally.block(key, block, lambda q: limit_value(result, q))
    # 14 data sets; 10 with sample sizes (6 of 2x2 tables, 4 continuous) have ni, ninv,
    # sqrtni and sqrtninv (REML and FE fits and "lm"), every one has vi; FE with knha
    # (the only non-z test of FE fits).
    with_ni = 10
    assert dict(counted) == {
        "rma ninv, not 2x2 tables": 2 * 4,
        "fixed-effect test not z": 14,
        "rma vi": 2 * 14, "lm vi": 14,
        "rma ni": 2 * with_ni, "lm ni": with_ni,
        "lm ninv": with_ni,
        "rma sqrtni": 2 * with_ni, "lm sqrtni": with_ni,
        "rma sqrtninv": 2 * with_ni, "lm sqrtninv": with_ni,
    }, dict(counted)
    tally.finish(3282)  # of 4650: the rest counted above


def test_rank_correlation_test_matches_metafor_ranktest():
    tally = Tally()
    methods = defaultdict(int)
    for key, block in bias_blocks().items():
        if key[2] != "ranktest":
            continue
        begg = bias_doc(key[0], key[1])["begg"]
        methods[begg["p_value_method"]["method"]] += 1
        tally.block(key, block, lambda q: {"tau": begg["tau"], "pval": begg["p_value"]}[q])
    assert methods["exact"] >= 8 and sum(methods.values()) - methods["exact"] >= 3, dict(methods)
    tally.finish(28)


def test_trim_and_fill_matches_metafor_trimfill():
    tally = Tally()
    problems, filled_somewhere, blocks = [], 0, 0
    for key, block in bias_blocks().items():
        dataset, measure, analysis, method, test, option = key
        if analysis != "trimfill":
            continue
        estimator, _, side = option.partition(":")
        assert not (method == "FE" and test != "z"), key
        tf = bias_doc(dataset, measure, method, test, estimator, side or None)["trim_and_fill"]
        assert set(tf) != {"error"}, (key, tf)
        assert tf["converged"], key
        blocks += 1
        if block.get("side") != tf["side"]:
            problems.append(f"{key}: side {tf['side']} vs {block.get('side')}")
        filled_somewhere += tf["k0"] > 0
        fit = tf["fit"]
        e = fit["random"] if fit["random"] is not None else fit["fixed"]
        tau2 = fit["random"]["tau2"] if fit["random"] is not None else 0.0

        def ours(q):
            for prefix, field in (("fill.yi.", "yi"), ("fill.vi.", "vi")):
                if q.startswith(prefix):
                    j = int(q[len(prefix):]) - 1
                    return tf["filled"][j][field] if j < len(tf["filled"]) else None
            return {
                "k0": lambda: tf["k0"],
                "se.k0": lambda: tf["se_k0"],
                "p.k0": lambda: tf["p_value_k0"],
                "k": lambda: tf["k"] + tf["k0"],
                "beta": lambda: e["estimate"],
                "se": lambda: e["se"],
                "zval": lambda: e.get("statistic", e.get("z")),
                "pval": lambda: e["p_value"],
                "ci.lb": lambda: e["ci_lower"],
                "ci.ub": lambda: e["ci_upper"],
                "tau2": lambda: tau2,
            }[q]()

        tally.block(key, block, ours)
        if f"fill.yi.{len(tf['filled']) + 1}" in block:
            problems.append(f"{key}: metafor filled more studies")
    assert blocks == 14 * 9
    assert not problems, "\n".join(problems)
    assert filled_somewhere >= 40, filled_somewhere
    tally.finish(1942)  # every number


def test_harbord_test_matches_r_lm_on_the_published_formula():
    tally = Tally()
    for key, block in bias_blocks().items():
        if key[2] != "harbord":
            continue
        h = bias_doc(key[0], "OR")["harbord"]
        assert h is not None and set(h) != {"error"}, (key, h)
        table = {"k": h["k"], "bias": h["bias"]["estimate"], "se.bias": h["bias"]["se"],
                 "t": h["statistic"], "pval": h["p_value"], "dfs": h["df"],
                 "ci.lb": h["bias"]["ci_lower"], "ci.ub": h["bias"]["ci_upper"],
                 "slope": h["slope"]["estimate"], "se.slope": h["slope"]["se"]}
        tally.block(key, block, lambda q: table[q])
    tally.finish(50)


# ---------------------------------------------------------------------------
# pi_hts.csv, i2_ht.csv

def test_hts_prediction_interval_matches_r():
    golden = rows("pi_hts.csv")
    for r in golden:
        fit = quiet(metapool.pool_table, input_path(r["dataset"]), measure=r["measure"],
                    tau2=r["method"], pi="hts")
        for ours, expected in ((fit.random.pi_lower, r["pi_lower"]), (fit.random.pi_upper, r["pi_upper"])):
            assert near(ours, float(expected), 1e-8, 1e-12), (r, ours)
    assert len(golden) == 4


# (Q, k) -> k estimates and variances, all dyadic, whose weighted mean is 0 and whose Q
# is exactly Q (Q = 5 = k sits on the boundary between the two forms of SE(ln H), so Q
# must not be off by a rounding error).
Q_AND_K_ALONE = {
    (2.5, 5): ([1.0, -1.0, 0.5, -0.5, 0.0], [1.0] * 5),
    (5.0, 5): ([1.5, -1.5, 0.5, -0.5, 0.0], [1.0] * 5),
    (1.0, 3): ([1.0, -1.0, 0.0], [2.0, 2.0, 1.0]),
    (40.0, 4): ([4.0, -4.0, 2.0, -2.0], [1.0] * 4),
}


def q_and_k_alone(q, k):
    yi, vi = Q_AND_K_ALONE[(q, k)]
    assert sum(y * y / v for y, v in zip(yi, vi)) == q and sum(y / v for y, v in zip(yi, vi)) == 0
    return yi, vi


def test_higgins_thompson_i2_interval_matches_r():
    """The rows without a data set check the formula from Q and k alone: the Python API
    has no function of Q and k (tests/cli_pool.rs calls the library's), so they are
    pooled from k estimates built to have that Q."""
    golden = rows("i2_ht.csv")
    for r in golden:
        level, q, k = float(r["level"]), float(r["Q"]), int(r["k"])
        options = dict(tau2="DL", i2_ci="ht", level=level * 100)
        if r["dataset"]:
            fit = quiet(metapool.pool_table, input_path(r["dataset"]), measure=r["measure"], **options)
        else:
            yi, vi = q_and_k_alone(q, k)
            fit = quiet(metapool.pool, yi, vi, **options)
        h = fit.heterogeneity
        assert near(h.q, q, 1e-8, 1e-12), (r, h.q)
        assert fit.k == k
        for ours, expected in ((h.i2_ci_lower, r["i2_lower"]), (h.i2_ci_upper, r["i2_upper"])):
            expected = float(expected)
            assert abs(ours - expected) <= 1e-10 * max(abs(expected), 1.0), (r, ours)
    assert len(golden) == 12


# ---------------------------------------------------------------------------
# zero_variance.csv

ZERO_VARIANCE = {
    "heterogeneous": ([0.1, 0.3, -0.2, 0.5, 0.25], [0, 0.02, 0.03, 0.04, 0.01]),
    "homogeneous": ([0.1, 0.11, 0.09, 0.1], [0, 0.02, 0.03, 0.04]),
}


def test_a_zero_variance_is_refused_saying_what_metafor_does():
    """metafor stops for some estimators and fits others (without Q); metapool refuses
    every one (its fits always carry the fixed-effect estimate and Q), naming the study,
    and its message must say what metafor 3.8-1 does."""
    golden = rows("zero_variance.csv")
    fits = []
    for r in golden:
        if r["outcome"] == "fits":
            assert r["qe"] == "NA", "metafor computes no Q with a vi of 0"
            if r["method"] not in fits:
                fits.append(r["method"])
    stops = []
    for r in golden:
        if r["method"] not in fits and r["method"] not in stops:
            stops.append(r["method"])

    def listed(v):
        return ", ".join(v[:-1]) + " and " + v[-1]

    for r in golden:
        yi, vi = ZERO_VARIANCE[r["dataset"]]
        tau2 = None if r["method"] == "FE" else r["method"]
        with pytest.raises(metapool.InputError) as info:
            quiet(metapool.pool, yi, vi, tau2=tau2)
        e = info.value
        assert (e.row, e.column) == (2, "vi"), str(e)
        message = str(e)
        assert "study '1' has a sampling variance of 0" in message, message
        assert f"stops for {listed(stops)}" in message, message
        assert f"fits {listed(fits)} when" in message, message
    assert len(golden) == 18


# ---------------------------------------------------------------------------
# multimodal.csv

MULTIMODAL = {
    "two_zeros_and_outlier": ([0.0, 0.0, 20.0], [1.0, 1.0, 30.0]),
    "cluster_and_outlier": ([-12.004, 0.658, 0.808, 0.483, 0.674, -0.113, -0.4],
                            [5.895, 0.778, 2.855, 0.653, 3.598, 0.04, 0.019]),
}


def maxima_of(row):
    return int(row["maxima"])


def multimodal_close(a, b):
    return abs(a - b) <= 1e-8 * max(abs(a), abs(b)) + 1e-10


def test_ml_and_reml_find_the_global_maximum_that_metafor_finds():
    golden = rows("multimodal.csv")
    failures = []
    for r in golden:
        yi, vi = MULTIMODAL[r["case"]]
        what = f"{r['case']} {r['model']} {r['method']}"
        if r["model"] == "rma":
            fit = quiet(metapool.pool, yi, vi, tau2=r["method"])
            random = fit.to_dict()["random"]
            ours = (random["tau2"], random["estimate"], random["se"])
            convergence, said = random["convergence"], "\n".join(fit.run_warnings)
        else:
            frame = pd.DataFrame({"study": [f"s{i + 1}" for i in range(len(yi))], "yi": yi,
                                  "vi": vi, "x": [float(i + 1) for i in range(len(yi))]})
            report = quiet(metapool.regress, frame, "x", tau2=r["method"])
            doc = report.to_dict()
            c = doc["coefficients"][0]
            ours = (doc["tau2"], c["estimate"], c["se"])
            # The warning of several maxima: in the text, and as a run warning.
            convergence, said = doc["convergence"], "\n".join(report.run_warnings)
            if maxima_of(r) > 1:
                assert f"{maxima_of(r)} local maxima" in str(report), what
        for name, value, expected in zip(("tau2", "b", "se"), ours, (r["tau2"], r["b"], r["se"])):
            if not multimodal_close(value, float(expected)):
                failures.append(f"{what} {name}: {value} vs metafor {expected}")
        maxima = int(r["maxima"])
        if convergence["local_maxima"] != maxima:
            failures.append(f"{what}: {convergence['local_maxima']} local maxima, the scan finds {maxima}")
        if maxima > 1:
            highest = max(m["log_likelihood"] for m in convergence["maxima"])
            if not multimodal_close(highest, float(r["loglik"])):
                failures.append(f"{what} log-likelihood: {highest} vs metafor {r['loglik']}")
            if f"{maxima} local maxima" not in said:
                failures.append(f"{what}: no warning of several maxima")
    assert len(golden) == 8
    assert not failures, "\n".join(failures)


# ---------------------------------------------------------------------------
# reanalysis.csv

def test_the_revman_web_reanalysis_reproduces_metafor():
    golden = rows("reanalysis.csv")

    def close(got, want, tolerance, what):
        assert abs(got - want) <= tolerance * max(abs(want), 1.0), f"{what}: {got} vs metafor {want}"

    for r in golden:
        doc = quiet(metapool.revman, r["file"], reanalyse="revman-web").to_dict()
        a = next(a for a in doc["analyses"] if a["id"] == r["analysis"])
        x = a["reanalysed"]
        natural = math.exp if a["null"] == 1.0 else (lambda y: y)
        what = f"{r['file']} {r['analysis']}"
        value = lambda name: float(r[name])  # noqa: E731
        assert x["k"] == int(r["k"]), what
        close(x["result"]["estimate"], natural(value("estimate")), 1e-8, what)
        close(x["result"]["lower"], natural(value("ci_lower")), 1e-8, what)
        close(x["result"]["upper"], natural(value("ci_upper")), 1e-8, what)
        close(x["prediction"][0], natural(value("pi_lower")), 1e-8, what)
        close(x["prediction"][1], natural(value("pi_upper")), 1e-8, what)
        close(x["tau2"], value("tau2"), 1e-7, what)
        close(x["tau2_ci"][0], value("tau2_ci_lower"), 1e-7, what)
        close(x["tau2_ci"][1], value("tau2_ci_upper"), 1e-7, what)
        close(x["i2"], value("i2"), 1e-7, what)
        close(x["p_value"], value("p_value"), 1e-8, what)
    assert len(golden) == 3
