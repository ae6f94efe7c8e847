"""The committed metafor golden files (tests/golden/), read as the Rust tests read them:
shared by test_golden.py and test_golden_analyses.py."""

import csv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "golden"
INPUTS = GOLDEN / "inputs"


def rows(name):
    """The rows of a golden file, as dicts of their cells."""
    with open(GOLDEN / name, newline="") as f:
        return list(csv.DictReader(f))


def number(text):
    """A cell as a number; None for NA, an empty cell or no cell."""
    try:
        return float(text)
    except (TypeError, ValueError):
        return None
