"""Shared setup: the tests read the repository's committed inputs and golden files, with
paths relative to the repository root (as the Rust tests and the snapshots name them)."""

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def at_root(monkeypatch):
    """Every test runs in the repository root, so that file names in reports are the
    ones the command line's snapshots hold."""
    monkeypatch.chdir(ROOT)
    yield


def pytest_configure(config):
    os.environ.setdefault("DASK_DISTRIBUTED__WORKER__DAEMON", "False")
