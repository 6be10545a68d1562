"""Shared helpers for the hidden suite: generated inputs and checks against scikit-learn.

Tests reach the submission only through the judge's `candidate` fixture (never `import solution`).
"""

import os
from pathlib import Path

import numpy as np
import pytest


def pytest_configure(config):
    config.addinivalue_line("markers", "points(n): points this test is worth")
    config.addinivalue_line("markers", "requirement(rid): statement requirement checked")
    # scikit-learn warns about undefined metrics on the edge cases the tests check on purpose
    config.addinivalue_line("filterwarnings", "ignore::UserWarning")


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """Folder of the starter files (this problem has no data file; kept for the judge's contract)."""
    env = os.environ.get("JUDGE_DATA_DIR")
    if env:
        return Path(env)
    root = Path(__file__).resolve().parents[1]
    return root / "starter" if (root / "starter").is_dir() else root


def label_cases(seed: int, count: int = 25) -> list[tuple[np.ndarray, np.ndarray]]:
    """(y_true, y_pred) pairs: 1-40 samples, 1-4 classes drawn from the labels 0, 1, 3, 7, 10, each side
    drawing its own values, so some classes are never predicted and some never true."""
    rng = np.random.default_rng(seed)
    cases = []
    for _ in range(count):
        n = int(rng.integers(1, 41))
        labels = rng.choice([0, 1, 3, 7, 10], size=int(rng.integers(1, 5)), replace=False)
        y_true = rng.choice(labels, n)
        # predictions agree with the truth about half the time, so the metrics are not all near zero
        y_pred = np.where(rng.random(n) < 0.5, y_true, rng.choice(labels, n))
        cases.append((y_true.astype(np.int64), y_pred.astype(np.int64)))
    return cases


def score_cases(seed: int, count: int = 25) -> list[tuple[np.ndarray, np.ndarray]]:
    """(y_true in {0, 1} with both classes, scores) pairs: 4-60 samples, scores rounded to one decimal so
    that ties are frequent, positives scoring higher on average."""
    rng = np.random.default_rng(seed)
    cases = []
    while len(cases) < count:
        n = int(rng.integers(4, 61))
        y = rng.integers(0, 2, n)
        if y.min() == y.max():
            continue
        scores = np.clip(np.round(0.3 * y + 0.7 * rng.random(n), 1), 0.0, 1.0)
        cases.append((y.astype(np.int64), scores))
    return cases


def prf(result) -> tuple[float, float, float]:
    """(precision, recall, f1) from the candidate's dict, with a clear message if a key is missing."""
    assert isinstance(result, dict), f"expected a dict with precision, recall, f1; got {type(result).__name__}"
    missing = [k for k in ("precision", "recall", "f1") if k not in result]
    assert not missing, f"keys {missing} missing from the result {result}"
    return float(result["precision"]), float(result["recall"]), float(result["f1"])


@pytest.fixture(scope="session")
def labelled_pairs():
    """25 generated (y_true, y_pred) pairs of multiclass labels."""
    return label_cases(2901)


@pytest.fixture(scope="session")
def binary_pairs():
    """25 generated (y_true, y_pred) pairs with labels 0 and 1 only."""
    rng = np.random.default_rng(2902)
    pairs = []
    for _ in range(25):
        n = int(rng.integers(1, 31))
        y_true = rng.integers(0, 2, n)
        y_pred = np.where(rng.random(n) < 0.6, y_true, rng.integers(0, 2, n))
        pairs.append((y_true.astype(np.int64), y_pred.astype(np.int64)))
    return pairs


@pytest.fixture(scope="session")
def scored():
    """25 generated (y_true, scores) pairs with frequent ties."""
    return score_cases(2903)


@pytest.fixture(scope="session")
def as_prf():
    return prf
