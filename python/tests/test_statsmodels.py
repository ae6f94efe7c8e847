"""statsmodels' combine_effects (DerSimonian-Laird and Paule-Mandel) and metapool on the
same arrays: the fixed and random estimates, their standard errors and τ² agree.

Two differences of convention, not of numbers: statsmodels' DL returns τ² below 0 when
Q < df (metafor and metapool truncate it at 0), so for those data only τ² = 0 is
checked; and its Paule-Mandel iteration stops at a tolerance of 1e-5 on its own
criterion, so τ² and the random-effects values of PM agree to 1e-4 relative (DL, in
closed form, to 1e-9)."""

import numpy as np
import pandas as pd
import pytest

import metapool

combine_effects = pytest.importorskip("statsmodels.stats.meta_analysis").combine_effects


def datasets():
    frame = pd.read_csv("tests/golden/inputs/bcg_yi_vi.csv")
    yield "bcg", frame["yi"].to_numpy(), frame["vi"].to_numpy()
    rng = np.random.default_rng(2024)
    for k in (2, 5, 13, 40, 200):
        vi = rng.uniform(0.01, 0.5, size=k)
        yi = rng.normal(0.3, np.sqrt(vi + 0.1))
        yield f"simulated k={k}", yi, vi


@pytest.mark.parametrize("method,tau2", [("dl", "DL"), ("pm", "PM")])
def test_combine_effects_agrees(method, tau2):
    n = 0
    for name, yi, vi in datasets():
        theirs = combine_effects(yi, vi, method_re=method)
        rtol = 1e-4 if method == "pm" else 1e-9
        ours = metapool.pool(yi, vi, tau2=tau2)
        assert np.isclose(ours.fixed.estimate, theirs.mean_effect_fe, rtol=1e-9, atol=1e-12), name
        assert np.isclose(ours.fixed.se, theirs.sd_eff_w_fe, rtol=1e-9), name
        assert np.isclose(ours.heterogeneity.q, theirs.q, rtol=1e-9), name
        n += 1
        if theirs.tau2 < 0:
            assert method == "dl" and ours.tau2 == 0, name
            continue
        assert np.isclose(ours.tau2, theirs.tau2, rtol=rtol, atol=1e-10), name
        assert np.isclose(ours.random.estimate, theirs.mean_effect_re, rtol=rtol, atol=1e-10), name
        assert np.isclose(ours.random.se, theirs.sd_eff_w_re, rtol=rtol), name
    assert n == 6
