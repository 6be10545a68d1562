"""Shared fixtures for the hidden suite (the instrumented estimators are in ../doubles.py)."""

import os
from pathlib import Path

import numpy as np
import pytest
from sklearn.datasets import load_iris


def pytest_configure(config):
    config.addinivalue_line("markers", "points(n): points this test is worth")
    config.addinivalue_line("markers", "requirement(rid): statement requirement checked")


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """Folder of the starter files: the judge's, the workspace root, or the problem's starter/.

    Iris ships with scikit-learn, so no test reads a file from it; it is kept for the judge's contract.
    """
    env = os.environ.get("JUDGE_DATA_DIR")
    if env:
        return Path(env)
    root = Path(__file__).resolve().parents[1]
    return root / "starter" if (root / "starter").is_dir() else root


# --------------------------------------------------------------------------- data


@pytest.fixture(scope="session")
def iris():
    X, y = load_iris(return_X_y=True)
    return X, y


@pytest.fixture(scope="session")
def iris_with_ids(iris):
    """Iris with a leading row-id column (0..149) so a spy can tell which rows it saw."""
    X, y = iris
    return np.column_stack([np.arange(len(y), dtype=float), X]), y.copy()


@pytest.fixture(scope="session")
def noisy_binary():
    """400 rows, 2 features; label = (x0 > 0) with 20% of labels flipped.

    A 1-nearest-neighbour model memorises it (training accuracy 1.0) but cross-validates
    about 0.12 macro F1 worse than logistic regression.
    """
    rng = np.random.default_rng(2024)
    X = rng.normal(size=(400, 2))
    y = (X[:, 0] > 0).astype(int)
    flip = rng.random(400) < 0.2
    y[flip] = 1 - y[flip]
    return X, y


# --------------------------------------------------------------------------- spies
# The spy and lookup estimators live in ../doubles.py, in the solution's process: a test builds them there
# (a handle), passes them to the solution, and reads the spy's log back as data.


class CallLog:
    """calls[tag] -> [("fit" | "predict", the X a RowSpyClassifier with that tag received)], in call order."""

    def __init__(self, candidate):
        self._candidate = candidate

    def __getitem__(self, tag):
        return [(kind, np.asarray(X)) for kind, X in self._candidate.doubles.calls(tag)]


@pytest.fixture
def spy(candidate):
    """Returns (RowSpyClassifier constructor, call log); the log is cleared for each test."""
    candidate.doubles.reset_calls()
    return candidate.doubles.RowSpyClassifier, CallLog(candidate)


@pytest.fixture
def lookup_classifier(candidate):
    """LookupClassifier's constructor: each call builds one in the solution's process (a handle)."""
    return candidate.doubles.LookupClassifier


def _ids_of_raw_rows(X_seen, X_full):
    """Row ids of X_seen, asserting every row is an unchanged row of X_full."""
    ids = X_seen[:, 0]
    assert np.all(ids == np.round(ids)) and ids.min() >= 0 and ids.max() < len(X_full), (
        "an estimator received transformed feature values instead of the raw rows; "
        "preprocessing must happen inside the estimators (e.g. a Pipeline)"
    )
    ids = ids.astype(int)
    assert np.allclose(X_seen, X_full[ids]), (
        "an estimator received transformed feature values instead of the raw rows; "
        "preprocessing must happen inside the estimators (e.g. a Pipeline)"
    )
    return ids


@pytest.fixture
def raw_ids():
    return _ids_of_raw_rows
