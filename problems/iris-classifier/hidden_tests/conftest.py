"""Shared fixtures and instrumented estimators for the hidden suite."""

import os
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin
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

CALLS = defaultdict(list)  # tag -> [("fit" | "predict", copy of X)]


class RowSpyClassifier(ClassifierMixin, BaseEstimator):
    """Nearest-centroid classifier on columns 1.. that records every X it receives."""

    def __init__(self, tag="spy"):
        self.tag = tag

    def fit(self, X, y):
        X = np.asarray(X, dtype=float)
        y = np.asarray(y)
        CALLS[self.tag].append(("fit", X.copy()))
        self.classes_ = np.unique(y)
        self.centroids_ = np.array([X[y == c, 1:].mean(axis=0) for c in self.classes_])
        return self

    def predict(self, X):
        X = np.asarray(X, dtype=float)
        CALLS[self.tag].append(("predict", X.copy()))
        dist = ((X[:, None, 1:] - self.centroids_[None, :, :]) ** 2).sum(axis=2)
        return self.classes_[dist.argmin(axis=1)]


class LookupClassifier(ClassifierMixin, BaseEstimator):
    """Predicts the integer stored in column 0 of each row (for hand-computed metrics)."""

    def fit(self, X, y):
        self.classes_ = np.unique(np.asarray(y))
        return self

    def predict(self, X):
        return np.asarray(X)[:, 0].astype(int)


@pytest.fixture
def spy():
    """Returns (RowSpyClassifier class, call log); the log is cleared for each test."""
    CALLS.clear()
    yield RowSpyClassifier, CALLS
    CALLS.clear()


@pytest.fixture
def lookup_classifier():
    return LookupClassifier


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
