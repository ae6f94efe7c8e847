"""The Python API against the command line: every committed snapshot of `metapool pool`,
`batch`, `effects`, `regress`, `sensitivity`, `bias` and `revman` (tests/snapshots/, which
`cargo test --test snapshots` holds to the command's output byte for byte) is replayed
through the Python call with the same options, and its text (`repr`), JSON (`to_dict()`)
or CSV must be the command's. Also: attributes, threads, and the GIL released."""

import io
import json
import math
import shlex
import threading
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import metapool

ROOT = Path(__file__).resolve().parents[2]
SNAPSHOTS = sorted((ROOT / "tests" / "snapshots").glob("*.txt"))
BCG = "tests/golden/inputs/bcg.csv"


def snapshot(path):
    text = path.read_text()
    command, rest = text.split("\n", 1)
    status = int(rest.split("\n", 1)[0].removeprefix("--- status "))
    stdout = rest.split("--- stdout\n", 1)[1]
    return shlex.split(command.removeprefix("$ metapool ")), status, stdout


#: The command line's flags whose Python keyword is not the flag with - made _.
KEYWORDS = {"--add": "add", "--to": "to", "--drop00": "drop00"}
#: Flags with no value.
SWITCHES = {"--permutation", "--exact"}


def call(args):
    """The Python call of a command line, and the format of its output."""
    command, positional, options, fmt = args[0], [], {}, "text"
    i = 1
    while i < len(args):
        a = args[i]
        if a.startswith("--"):
            name = KEYWORDS.get(a, a[2:].replace("-", "_"))
            if a in SWITCHES:
                options[name] = True
                i += 1
                continue
            value = args[i + 1]
            i += 2
            if name == "format":
                fmt = value
            elif name == "tau2" and value == "none":
                options[name] = None
            else:
                options[name] = value
        else:
            positional.append(a)
            i += 1
    table = positional[0] if positional else None
    if command == "pool":
        if "forest" in options or "funnel" in options:
            return None
        return (lambda: metapool.pool_table(table, **options)), fmt
    if command == "batch":
        return (lambda: metapool.batch(table, **options)), fmt
    if command == "effects":
        return (lambda: metapool.effects(table, **options)), "csv"
    if command == "regress":
        if "iterations" in options:
            options["iterations"] = int(options["iterations"])
        if "seed" in options:
            options["seed"] = int(options["seed"])
        return (lambda: metapool.regress(table, **options)), fmt
    if command == "sensitivity":
        return (lambda: metapool.sensitivity(table, **options)), fmt
    if command == "bias":
        if "funnel" in options:
            return None
        return (lambda: metapool.bias(table, **options)), fmt
    if command == "revman":
        return (lambda: metapool.revman(table, **options)), fmt
    return None


def batch_csv(frame):
    """A batch DataFrame written as the command's CSV: shortest round-trip numbers,
    empty cells for NaN, Infinity for infinities."""

    def cell(x):
        if x is None:
            return ""
        if isinstance(x, float):
            if math.isnan(x):
                return ""
            if math.isinf(x):
                return "Infinity" if x > 0 else "-Infinity"
            return repr(x)
        return str(x)

    out = io.StringIO()
    import csv

    w = csv.writer(out, lineterminator="\n")
    w.writerow(frame.columns)
    for row in frame.itertuples(index=False):
        w.writerow([cell(x) for x in row])
    return out.getvalue()


def same_cells(ours, theirs):
    """Two batch CSVs with the same cells: text alike, numbers equal as doubles (Rust
    writes 4.3e-5 where Python writes 4.3e-05)."""
    import csv

    a = list(csv.reader(io.StringIO(ours)))
    b = list(csv.reader(io.StringIO(theirs)))
    assert a[0] == b[0] and len(a) == len(b)
    for ra, rb in zip(a[1:], b[1:]):
        for name, x, y in zip(a[0], ra, rb):
            if x == y:
                continue
            assert float(x) == float(y), (name, x, y)
    return True


CASES = [p for p in SNAPSHOTS if call(snapshot(p)[0]) is not None and snapshot(p)[1] == 0]


def test_the_snapshots_cover_every_command():
    commands = {snapshot(p)[0][0] for p in CASES}
    assert {"pool", "batch", "effects", "regress", "sensitivity", "bias", "revman"} <= commands
    assert len(CASES) >= 35


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_the_python_call_writes_what_the_command_line_writes(path):
    args, _, stdout = snapshot(path)
    run, fmt = call(args)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", metapool.MetapoolWarning)
        result = run()
    if args[0] == "batch":
        if fmt == "jsonl":
            expected = [json.loads(line) for line in stdout.splitlines()]
            assert len(result) == len(expected)
            for row, doc in zip(result.itertuples(index=False), expected):
                assert row.group == doc["group"]
                assert row.k == doc["k"]
        else:
            assert same_cells(batch_csv(result), stdout)
        return
    if fmt == "json":
        assert result.to_dict() == json.loads(stdout)
    elif fmt == "csv":
        assert result.to_csv() == stdout
    else:
        assert repr(result) == stdout


def test_pool_of_arrays_is_pool_of_the_same_table():
    frame = pd.read_csv("tests/golden/inputs/bcg_yi_vi.csv")
    by_arrays = metapool.pool(frame["yi"].to_numpy(), frame["vi"].to_numpy(), study=frame["study"])
    by_table = metapool.pool_table("tests/golden/inputs/bcg_yi_vi.csv")
    by_frame = metapool.pool_table(frame)
    a, t, f = by_arrays.to_dict(), by_table.to_dict(), by_frame.to_dict()
    assert a == t == f
    assert by_arrays.estimate == by_table.estimate


def test_results_have_typed_attributes():
    fit = metapool.pool_table(BCG, tau2="DL", ci="hksj")
    doc = fit.to_dict()
    assert fit.k == doc["k"] == 13
    assert fit.measure == "RR"
    assert fit.estimate == doc["random"]["estimate"]
    assert fit.random.tau2_method == "DL"
    assert fit.random.ci_method == "hksj"
    assert fit.heterogeneity.q == doc["heterogeneity"]["q"]
    assert fit.tau2 == doc["heterogeneity"]["tau2"]
    assert fit.fixed.method == "iv"
    assert fit.options.tau2 == "DL"
    assert math.isclose(fit.natural[0], math.exp(fit.estimate))
    studies = fit.studies()
    assert list(studies["yi"]) == [s["yi"] for s in doc["studies"]]
    assert list(studies["study"]) == [s["study"] for s in doc["studies"]]
    fe = metapool.pool_table(BCG, tau2=None)
    assert fe.random is None
    assert fe.estimate == fe.fixed.estimate


def test_profiles_and_the_revman5_figure():
    fit = metapool.pool_table("data/cd007026/pub7_nonfatal_sae.csv", profile="revman5", tau2=None)
    assert fit.fixed.method == "mh"
    check = metapool.audit("2.39 (1.10 to 5.23)", fit)
    assert check.reproduced and check.recomputed == "2.39 (1.10 to 5.23)"
    assert not metapool.audit("2.40 (1.10 to 5.23)", fit)


def test_pool_2x2_is_the_table_of_the_same_counts():
    frame = pd.read_csv(BCG)
    cols = [frame[c] for c in ("events_e", "n_e", "events_c", "n_c")]
    by_arrays = metapool.pool_2x2(*cols, study=frame["study"], measure="OR", fixed="mh")
    by_table = metapool.pool_table(BCG, measure="OR", fixed="mh")
    assert by_arrays.to_dict() == by_table.to_dict()


def test_effects_returns_yi_and_vi():
    yi, vi = metapool.effects(BCG, measure="OR")
    frame = pd.read_csv(BCG)
    same = metapool.effects(
        events_e=frame.events_e, n_e=frame.n_e, events_c=frame.events_c, n_c=frame.n_c,
        measure="OR",
    )
    assert np.array_equal(yi, same.yi) and np.array_equal(vi, same.vi)
    fit = metapool.pool(yi, vi, measure="OR")
    assert math.isclose(fit.estimate, metapool.pool_table(BCG, measure="OR").estimate)


def test_the_analyses():
    reg = metapool.regress("tests/golden/inputs/bcg_mods.csv", mods=["ablat", "year"])
    assert [c.name for c in reg.coefficients] == ["intrcpt", "ablat", "year"]
    loo = metapool.leave_one_out(BCG)
    assert len(loo) == 13 and loo["label"][0] == "Aronson 1948"
    inf = metapool.influence(BCG)
    assert set(["rstudent", "cook_d", "hat"]) <= set(inf.columns)
    egger = metapool.egger(BCG)
    assert 0 <= egger.p_value <= 1
    tf = metapool.trimfill(BCG)
    assert tf.k0 >= 0
    sg = metapool.subgroups("tests/golden/inputs/bcg_alloc.csv")
    assert len(sg.subgroups.groups) == 3


def test_the_revman_readers():
    for path in ("tests/revman/Fleiss1993.rm5", "tests/revman/Fleiss1993_revman_web.zip"):
        review = metapool.read_revman(path)
        assert isinstance(review.to_dict(), dict)
        assert repr(review).strip()


def test_threads_pool_in_parallel_with_the_gil_released():
    rng = np.random.default_rng(1)
    yi = rng.normal(size=300_000)
    vi = rng.uniform(0.01, 1, size=300_000)
    one = metapool.pool(yi, vi, studies="none")
    results = [None] * 4

    def work(i):
        results[i] = metapool.pool(yi, vi, studies="none").to_dict()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    # While the threads fit, this thread runs Python: the GIL is free.
    ticks = 0
    while any(t.is_alive() for t in threads):
        ticks += 1
        time.sleep(0.001)
    for t in threads:
        t.join()
    assert all(r == one.to_dict() for r in results)
    assert ticks > 0


def test_warnings_are_python_warnings():
    with pytest.warns(metapool.MetapoolWarning, match="zero-cell increment"):
        metapool.pool_table("data/cd007026/pub7_nonfatal_sae.csv", profile="revman5")


def _batch_as_csv_text(frame, group_by, **options):
    """The batch of a data frame written as CSV text and read by the library's CSV
    reader row by row (the route of a frame the column route declines)."""
    columns, _ = metapool._metapool.batch("text", frame.to_csv(index=False), group_by, **options)
    return pd.DataFrame(columns, columns=metapool.BATCH_COLUMNS)


@pytest.mark.parametrize(
    "path, group_by, options",
    [
        ("tests/golden/inputs/yusuf1985.csv", "subgroup", {}),
        ("tests/golden/inputs/yusuf1985.csv", "subgroup", {"measure": "OR", "fixed": "mh"}),
        ("tests/golden/inputs/yusuf1985.csv", "subgroup", {"tau2": "REML", "ci": "hksj"}),
    ],
)
def test_a_frame_passed_as_columns_is_the_frame_read_as_csv(path, group_by, options):
    frame = pd.read_csv(path)
    # The column route is taken: every cell a number, labels and groups plain.
    assert metapool._batch_frame(frame, group_by, options) is not None
    pd.testing.assert_frame_equal(
        metapool.batch(frame, group_by=group_by, **options),
        _batch_as_csv_text(frame, group_by, **options),
    )


def test_frames_the_column_route_declines_are_read_as_csv():
    frame = pd.read_csv("tests/golden/inputs/yusuf1985.csv")
    # A cell that is not a number, an empty cell (NaN), a label with spaces around it;
    # groups one key to pandas but two texts to the reader (1 and 1.0, 0.0 and -0.0,
    # True and 1); a float32 number; a group column of the layout.
    for change in [
        lambda f: f.assign(subgroup=[1, 1.0] * (len(f) // 2) + [1] * (len(f) % 2)),
        lambda f: f.assign(subgroup=[0.0, -0.0] * (len(f) // 2) + [0.0] * (len(f) % 2)),
        lambda f: f.assign(subgroup=[True, 1] * (len(f) // 2) + [True] * (len(f) % 2)),
        lambda f: f.assign(subgroup=pd.to_datetime("2020-01-01")),
        lambda f: f.assign(n_e=f["n_e"].astype(np.float32)),
        lambda f: f.assign(n_e=f["n_e"].astype(object).where(f.index != 3, "many")),
        lambda f: f.assign(n_c=f["n_c"].where(f.index != 2)),
        lambda f: f.assign(study=f["study"].where(f.index != 1, " padded ")),
    ]:
        changed = change(frame)
        assert metapool._batch_frame(changed, "subgroup", {}) is None
        pd.testing.assert_frame_equal(
            metapool.batch(changed, group_by="subgroup"), _batch_as_csv_text(changed, "subgroup")
        )
    # Grouping by a column of the layout is the reader's error, as in the command.
    assert metapool._batch_frame(frame, "n_e", {}) is None
    with pytest.raises(metapool.InputError, match="group"):
        metapool.batch(frame, group_by="n_e")
    with pytest.raises(TypeError, match="group_by"):
        metapool.batch(frame, group_by=None)
