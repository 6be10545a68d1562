"""Shared fixtures for the hidden suite. Tests reach the submission only through `candidate`."""

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest


def pytest_configure(config):
    config.addinivalue_line("markers", "points(n): points this test is worth")
    config.addinivalue_line("markers", "requirement(rid): statement requirement checked")


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """Where transactions.csv is: JUDGE_DATA_DIR under the judge, else the workspace root (the
    parent of tests/), else the problem folder's starter/."""
    env = os.environ.get("JUDGE_DATA_DIR")
    if env:
        return Path(env)
    parent = Path(__file__).resolve().parents[1]
    return parent if (parent / "transactions.csv").is_file() else parent / "starter"


@pytest.fixture(scope="session")
def shipped(data_dir):
    """transactions.csv loaded as the statement says: (X, y)."""
    df = pd.read_csv(data_dir / "transactions.csv")
    return df.drop(columns="is_fraud").to_numpy(dtype=float), df["is_fraud"].to_numpy()


@pytest.fixture(scope="session")
def spy_data():
    """500 rows, 25 positives; column 0 is the row id, column 1 the spy's score, column 2 noise.

    Scores overlap between the classes, so the validation and the test part give different
    thresholds for the same recall target.
    """
    rng = np.random.default_rng(7)
    y = np.zeros(500, dtype=int)
    y[rng.choice(500, size=25, replace=False)] = 1
    score = np.where(y == 1, rng.beta(5, 2, 500), rng.beta(2, 5, 500)).round(4)
    X = np.column_stack([np.arange(500, dtype=float), score, rng.normal(size=500)])
    return X, y


@pytest.fixture
def spy(candidate):
    """A fresh call log; returns a function tag -> the ScoreColumnSpy handle with that tag."""
    candidate.doubles.clear_calls()
    yield lambda tag: candidate.doubles.ScoreColumnSpy(tag=tag)
    candidate.doubles.clear_calls()


def _row_ids(X_seen: np.ndarray, X_full: np.ndarray) -> np.ndarray:
    """Row ids (column 0) of the rows a spy saw, asserting they are unchanged rows of X_full."""
    X_seen = np.asarray(X_seen, dtype=float)
    ids = X_seen[:, 0]
    ok = np.all(ids == np.round(ids)) and ids.min() >= 0 and ids.max() < len(X_full)
    assert ok and np.allclose(X_seen, X_full[ids.astype(int)]), (
        "the model received rows that are not rows of X as given (transformed or synthetic rows); "
        "pass X to the model unchanged"
    )
    return ids.astype(int)


@pytest.fixture
def row_ids():
    """(rows a spy saw, the full X) -> their row ids, asserting they are unchanged rows of X."""
    return _row_ids


# The statement's worked example: 20 validation rows, 10 positives, listed by descending score.
EXAMPLE_SCORES = [0.97, 0.93, 0.88, 0.84, 0.79, 0.75, 0.71, 0.66, 0.62, 0.58,
                  0.55, 0.49, 0.45, 0.41, 0.36, 0.30, 0.22, 0.17, 0.11, 0.05]
EXAMPLE_LABELS = [1, 1, 0, 1, 0, 1, 1, 1, 1, 0, 1, 1, 0, 1, 0, 0, 0, 0, 0, 0]


@pytest.fixture(scope="session")
def example():
    """The worked example shuffled (the contract does not promise sorted input): (y, scores)."""
    order = np.random.default_rng(3).permutation(20)
    return np.array(EXAMPLE_LABELS)[order], np.array(EXAMPLE_SCORES)[order]
