"""Rescaling the data (y → c y, v → c² v) rescales τ² and its Q-profile limits by c²,
down to c = 1e-150, where τ² is near 1e-300. A data set found by a random sweep made
the bracketing fallback of the Q-profile root stall there (Brent's method multiplies
the ends of its bracket, which underflowed) and return a lower limit above the upper
one; the search now runs in units of the data's scale."""

import math

import numpy as np
import pytest

import metapool


def sweep_case(trial_wanted):
    """The data set of trial `trial_wanted` of the sweep that found the stall."""
    rng = np.random.default_rng(123)
    for trial in range(trial_wanted + 1):
        k = int(rng.choice([2, 3, 4, 5, 8, 20, 100, 1000]))
        kind = trial % 6
        v = 10 ** rng.uniform(-3, 1, k)
        if kind == 1:
            v[rng.integers(k)] = 10.0 ** rng.uniform(-300, -100)
        tau = 10 ** rng.uniform(-3, 1)
        y = rng.normal(0, np.sqrt(v + tau**2))
        if kind == 5:
            y[0] += 50 * math.sqrt(v[0] + tau**2)
        level = float(rng.choice([50.0, 80.0, 95.0, 99.0, 99.9]))
    return y, v, level


@pytest.mark.parametrize("c", [1e-150, 1e-100, 1e100, 1e150])
def test_q_profile_limits_rescale_with_the_data(c):
    y, v, level = sweep_case(645)
    assert (len(y), level) == (1000, 99.0)
    plain = metapool.pool(y, v, studies="none", level=level).heterogeneity
    scaled = metapool.pool(y * c, v * c * c, studies="none", level=level).heterogeneity
    for limit in ("tau2_ci_lower", "tau2_ci_upper", "tau2"):
        a, b = getattr(plain, limit), getattr(scaled, limit) / (c * c)
        assert b == pytest.approx(a, rel=1e-10), limit
    assert scaled.tau2_ci_lower <= scaled.tau2 <= scaled.tau2_ci_upper


def test_a_q_profile_limit_beyond_the_largest_double_is_not_a_number():
    # Two studies of variance 1: Q(τ²) = D²/(2 + 2τ²), so the upper limit is
    # D²/(2 χ²_{1, 0.025}) − 1, about 5e309 for D = 1e153: beyond the largest double.
    # It was reported as a finite number (half the estimate) below the estimate.
    h = metapool.pool([0.0, 1e153], [1.0, 1.0], tau2="DL").heterogeneity
    assert h.tau2_ci_upper is None
    assert h.tau2_ci_lower == pytest.approx(1e306 / (2 * 5.023886187314888) - 1, rel=1e-9)
    assert h.tau2_ci_lower <= h.tau2


def test_i2_from_tau2_stays_within_0_and_100_at_the_edges_of_the_range():
    # τ² near the largest double: I² was 100 τ²/(ṽ + τ²) = inf/inf or inf.
    h = metapool.pool([0.0, 3e153], [1.0, 1.0], tau2="DL").heterogeneity
    assert h.i2_tau2 == 100.0
    # A Q-profile limit whose I² rounded to 100.00000000000001.
    h = metapool.pool([0.0, 6.0e9, -1.2e10], [1.0, 1.1, 0.9], tau2="DL").heterogeneity
    assert 0.0 <= h.i2_ci_lower <= h.i2_ci_upper <= 100.0
