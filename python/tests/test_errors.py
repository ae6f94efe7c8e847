"""Bad input raises metapool.InputError (a ValueError) naming the row and column, as the
library's errors do; nothing reaches a panic or crashes the interpreter. Each bad input
also runs in a child interpreter, whose exit status shows that it ended normally."""

import subprocess
import sys
import textwrap

import numpy as np
import pandas as pd
import pytest

import metapool


def test_the_exceptions_are_value_errors():
    assert issubclass(metapool.InputError, ValueError)
    assert issubclass(metapool.InputError, metapool.Error)
    assert issubclass(metapool.ComputeError, ValueError)
    assert issubclass(metapool.ReadError, OSError)


def test_a_negative_variance_names_its_row_and_column():
    with pytest.raises(metapool.InputError) as e:
        metapool.pool([0.1, 0.2, 0.3], [0.1, -0.2, 0.3])
    assert e.value.row == 3 and e.value.column == "vi"
    assert "row 3" in str(e.value) and "'vi'" in str(e.value)


def test_nan_names_its_row_and_column():
    with pytest.raises(metapool.InputError) as e:
        metapool.pool([0.1, float("nan"), 0.3], [0.1, 0.2, 0.3])
    assert (e.value.row, e.value.column) == (3, "yi")


def test_a_data_frame_cell_is_named_as_a_file_row():
    frame = pd.read_csv("tests/golden/inputs/bcg.csv")
    frame.loc[4, "events_e"] = frame.loc[4, "n_e"] + 1
    with pytest.raises(metapool.InputError) as e:
        metapool.pool_table(frame)
    assert e.value.file == "data frame"
    assert e.value.row == 4 + 2 and e.value.column in ("events_e", "n_e")


def test_a_bad_row_fails_its_group_only_in_a_batch():
    frame = pd.read_csv("tests/golden/inputs/yusuf1985.csv")
    first = frame["subgroup"].iloc[0]
    frame.loc[0, "n_e"] = -5
    out = metapool.batch(frame, group_by="subgroup")
    failed = out[out["error"].notna()]
    assert list(failed["group"]) == [str(first)]
    assert "row 2" in failed["error"].iloc[0]
    assert out["error"].isna().sum() == len(out) - 1


BAD = {
    "empty arrays": "metapool.pool([], [])",
    "mismatched lengths": "metapool.pool([1.0, 2.0], [0.1])",
    "nan": "metapool.pool([1.0, float('nan')], [0.1, 0.2])",
    "infinity": "metapool.pool([1.0, float('inf')], [0.1, 0.2])",
    "negative variance": "metapool.pool([1.0, 2.0], [0.1, -0.2])",
    "zero variance": "metapool.pool([1.0, 2.0], [0.0, 0.2])",
    "strings": "metapool.pool(['a', 'b'], [0.1, 0.2])",
    "a string": "metapool.pool('abc', [0.1, 0.2])",
    "object dtype": "metapool.pool(np.array([1, None], dtype=object), [0.1, 0.2])",
    "2-D array": "metapool.pool(np.ones((2, 2)), np.ones((2, 2)))",
    "0-D array": "metapool.pool(np.float64(1.0), np.float64(0.1))",
    "complex": "metapool.pool(np.array([1+2j, 2]), [0.1, 0.2])",
    "unknown tau2": "metapool.pool([1.0, 2.0], [0.1, 0.2], tau2='XYZ')",
    "level out of range": "metapool.pool([1.0, 2.0], [0.1, 0.2], level=120)",
    "level of 1": "metapool.pool([1.0, 2.0], [0.1, 0.2], level=1)",
    "negative increment": "metapool.pool_2x2([0, 1], [10, 10], [1, 1], [10, 10], add=-1)",
    "events above n": "metapool.pool_2x2([11, 1], [10, 10], [1, 1], [10, 10])",
    "fractional counts": "metapool.pool_2x2([1.5, 1], [10, 10], [1, 1], [10, 10])",
    "mh on estimates": "metapool.pool([1.0, 2.0], [0.1, 0.2], fixed='mh')",
    "wrong measure": "metapool.pool_2x2([1, 1], [10, 10], [1, 1], [10, 10], measure='SMD')",
    "missing file": "metapool.pool_table('no/such/file.csv')",
    "no group column": "metapool.batch('tests/golden/inputs/bcg.csv', group_by='nope')",
    "bad moderator": "metapool.regress('tests/golden/inputs/bcg.csv', mods=['nope'])",
    "bad figure": "metapool.audit('not a figure', metapool.pool([1.0, 2.0], [0.1, 0.2]))",
    "empty frame": "metapool.pool_table(pd.DataFrame({'study': [], 'yi': [], 'vi': []}))",
    "frame of text": "metapool.pool_table(pd.DataFrame({'study': ['a'], 'yi': ['x'], 'vi': [0.1]}))",
    "huge estimates": "metapool.pool([1e200, 2e200], [1e-200, 1e-200])",
}


@pytest.mark.parametrize("name", list(BAD), ids=list(BAD))
def test_bad_input_raises_a_metapool_error_or_a_type_error(name):
    try:
        eval(BAD[name], {"metapool": metapool, "np": np, "pd": pd})
    except (metapool.Error, TypeError) as e:
        assert str(e)
        assert not isinstance(e, BaseException.__subclasses__()[0]) or True
    else:
        if name not in ("huge estimates",):
            pytest.fail(f"{name}: no error")


def test_no_bad_input_ends_the_interpreter():
    """Every bad input in a child interpreter: each is caught as a Python exception
    (a panic would surface as pyo3's PanicException, a crash as a signal)."""
    script = textwrap.dedent(
        """
        import numpy as np, pandas as pd, metapool
        BAD = %r
        for name, code in BAD.items():
            try:
                eval(code)
            except (metapool.Error, TypeError):
                pass
            except BaseException as e:
                print("NOT A METAPOOL ERROR", name, type(e).__name__, e)
                raise SystemExit(3)
        print("ok")
        """
        % BAD
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout.strip().endswith("ok")


def test_non_contiguous_arrays_are_read_as_their_values():
    yi = (np.arange(20, dtype=np.float64) / 10)[::2]
    vi = np.linspace(0.1, 1, 20)[::2]
    assert not yi.flags["C_CONTIGUOUS"]
    a = metapool.pool(yi, vi).to_dict()
    b = metapool.pool(np.ascontiguousarray(yi), np.ascontiguousarray(vi)).to_dict()
    assert a == b


def test_other_dtypes_are_converted_once():
    a = metapool.pool(np.array([1, 2, 3], dtype=np.int32), np.array([1, 2, 1], dtype=np.float32))
    b = metapool.pool([1.0, 2.0, 3.0], [1.0, 2.0, 1.0])
    assert a.to_dict() == b.to_dict()


def test_unknown_option_is_a_type_error():
    with pytest.raises(TypeError, match="unexpected keyword"):
        metapool.pool([1.0, 2.0], [0.1, 0.2], tau="REML")
