"""Shared fixtures for the hidden suite. Tests reach the submission only through `candidate`."""

import os
from itertools import pairwise
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

CATEGORICAL = ["channel", "country"]
REPORT_COLUMNS = ["kind", "psi", "statistic", "p_value", "p_adjusted", "alert"]


def pytest_configure(config):
    config.addinivalue_line("markers", "points(n): points this test is worth")
    config.addinivalue_line("markers", "requirement(rid): statement requirement checked")


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """Where the windows are: JUDGE_DATA_DIR under the judge, else the workspace root (the parent
    of tests/), else the problem folder's starter/."""
    env = os.environ.get("JUDGE_DATA_DIR")
    if env:
        return Path(env)
    parent = Path(__file__).resolve().parents[1]
    return parent if (parent / "reference.csv").is_file() else parent / "starter"


@pytest.fixture(scope="session")
def windows(data_dir):
    """(reference, recent) as the statement loads them."""
    return pd.read_csv(data_dir / "reference.csv"), pd.read_csv(data_dir / "recent.csv")


def shares(values, interior):
    """Share of `values` in each left-closed bin cut at `interior` (open outer bins), by explicit comparisons."""
    values = np.asarray(values, dtype=float)
    cuts = [-np.inf, *interior, np.inf]
    counts = [np.sum((values >= lo) & (values < hi)) for lo, hi in pairwise(cuts)]
    return np.array(counts, dtype=float) / len(values)


def psi_of(p, q, eps=1e-4):
    """The statement's PSI sum over shares floored at eps."""
    p, q = np.maximum(np.asarray(p, float), eps), np.maximum(np.asarray(q, float), eps)
    return float(np.sum((q - p) * np.log(q / p)))


@pytest.fixture(scope="session")
def expected_psi():
    """(reference, recent, n_bins, eps) -> PSI computed here from the docstring's definition."""

    def compute(reference, recent, n_bins=10, eps=1e-4):
        interior = np.unique(np.quantile(np.asarray(reference, float), np.arange(1, n_bins) / n_bins))
        return psi_of(shares(reference, interior), shares(recent, interior), eps)

    return compute


@pytest.fixture(scope="session")
def psi_sum():
    return psi_of


@pytest.fixture(scope="session")
def shipped_report(candidate, windows):
    """The candidate's report on the shipped windows with the defaults (computed once)."""
    reference, recent = windows
    return candidate.drift_report(reference.copy(), recent.copy(), list(CATEGORICAL))
