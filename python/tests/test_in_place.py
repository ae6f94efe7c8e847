"""``pool(yi, vi)`` without labels and without study rows pools the arrays where numpy
holds them (``PoolArgs::run_yi_vi``); with labels it copies them into a study table. The
two routes must give the same numbers, reports, warnings and errors: labels 1 to k make
the table route's input the same table."""

import math
import warnings

import numpy as np
import pytest

import metapool


def both(yi, vi, **options):
    """(result or error message, warnings) of each route."""
    out = []
    for study in (None, [str(i + 1) for i in range(len(yi))]):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                fit = metapool.pool(yi, vi, study=study, studies="none", **options)
                out.append((fit.to_dict(), repr(fit), fit.run_warnings))
            except (metapool.Error, ValueError) as e:
                out.append((type(e).__name__, str(e), getattr(e, "row", None)))
    return out


rng = np.random.default_rng(7)
V = rng.uniform(0.01, 1.0, 40)
Y = rng.normal(0.3, np.sqrt(V + 0.2))

CASES = {
    "typical": (Y, V, {}),
    "DL with Hartung-Knapp": (Y, V, {"tau2": "DL", "ci": "hksj"}),
    "ML, t interval, 90%": (Y, V, {"tau2": "ML", "ci": "t", "level": 90}),
    "fixed effect only": (Y, V, {"tau2": "none"}),
    "revman5 profile": (Y, V, {"profile": "revman5"}),
    "one study": (Y[:1], V[:1], {}),
    "one study, t": (Y[:1], V[:1], {"ci": "t"}),
    "variances 1e9 apart": (Y[:5], np.array([1e-9, 1, 1, 1, 1.0]), {}),
    "identical estimates": (np.full(5, 0.4), V[:5], {}),
    "tiny scale": (Y * 1e-150, V * 1e-300, {}),
    "huge scale": (Y * 1e150, V * 1e300, {}),
    "a zero variance": (Y[:4], np.array([0.1, 0.0, 0.2, 0.3]), {}),
    "a subnormal variance": (Y[:4], np.array([0.1, 1e-310, 0.2, 0.3]), {}),
    "a negative variance": (Y[:4], np.array([0.1, 0.2, -0.2, 0.3]), {}),
    "nan estimate": (np.array([0.1, np.nan, 0.3]), V[:3], {}),
    "infinite variance": (Y[:3], np.array([0.1, np.inf, 0.3]), {}),
    "overflowing estimates": (np.array([1e200, 1.0, 2.0]), V[:3], {}),
    "Mantel-Haenszel of yi, vi": (Y, V, {"fixed": "mh"}),
    "a bad increment": (Y, V, {"add": -1}),
    "Mantel-Haenszel with a bad increment": (Y, V, {"fixed": "mh", "add": -1}),
    "Peto with an infinite increment": (Y, V, {"fixed": "peto", "add": float("inf")}),
    # Σ y²/v within rounding of the largest double: the running sum in study order
    # overflows at the last study, though sums in another order need not.
    "sum of y²/v at the edge of overflow": (
        np.array([math.sqrt(0.45 * 2.0**971)] * 4 + [1.3407807929942596e154]),
        np.ones(5),
        {},
    ),
    "empty": (np.array([]), np.array([]), {}),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_in_place_and_table_routes_agree(name):
    yi, vi, options = CASES[name]
    in_place, table = both(yi, vi, **options)
    assert in_place == table


def test_many_studies_go_in_place_and_warn_of_the_rows_as_the_table_does():
    yi = np.tile(Y, 300)
    vi = np.tile(V, 300)
    with pytest.warns(metapool.MetapoolWarning, match="study rows are left out"):
        fit = metapool.pool(yi, vi)
    with pytest.warns(metapool.MetapoolWarning, match="study rows are left out"):
        labelled = metapool.pool(yi, vi, study=[str(i + 1) for i in range(len(yi))])
    assert fit.to_dict() == labelled.to_dict()
    assert fit.run_warnings == labelled.run_warnings
    assert len(fit.studies()["yi"]) == 0


def test_estimates_at_the_edge_of_overflow_are_refused():
    yi, vi, _ = CASES["sum of y²/v at the edge of overflow"]
    with pytest.raises(metapool.InputError) as e:
        metapool.pool(yi, vi, studies="none")
    assert (e.value.row, e.value.column) == (6, "yi")
