"""Shared data and an independent replay of the training loop the `fit` docstring prescribes.

Tests reach the submission only through the judge's `candidate` fixture (never `import solution`).
"""

import os
from pathlib import Path

import numpy as np
import pytest


def pytest_configure(config):
    config.addinivalue_line("markers", "points(n): points this test is worth")
    config.addinivalue_line("markers", "requirement(rid): statement requirement checked")


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """Folder of the starter files (this problem has no data file; kept for the judge's contract)."""
    env = os.environ.get("JUDGE_DATA_DIR")
    if env:
        return Path(env)
    root = Path(__file__).resolve().parents[1]
    return root / "starter" if (root / "starter").is_dir() else root


def make_data(n: int, d: int, seed: int, bias: float = 0.3):
    """n rows, d standard-normal features, labels from a logistic model with fixed weights."""
    rng = np.random.default_rng(seed)
    true_w = np.linspace(1.5, -1.5, d)
    X = rng.normal(size=(n, d))
    y = (X @ true_w + bias + rng.logistic(size=n) > 0).astype(np.int64)
    return X, y


def _loss(y, z):
    # log(1 + e^z) - y z, evaluated without overflow
    return float(np.mean(np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z))) - y * z))


def replay(X, y, X_val, y_val, lr, alpha, batch_size, max_epochs, patience, tol, seed):
    """The loop of fit's docstring, written out independently. Returns the same dict as fit."""
    n, d = X.shape
    w, b = np.zeros(d), 0.0
    rng = np.random.default_rng(seed)
    out = {"train_loss": [], "val_loss": []}
    best, best_epoch, kept, stale = None, 0, (w, b), 0
    for epoch in range(max_epochs):
        order = rng.permutation(n)
        for i in range(0, n, batch_size):
            Xb, yb = X[order[i:i + batch_size]], y[order[i:i + batch_size]]
            err = 1.0 / (1.0 + np.exp(-(Xb @ w + b))) - yb
            w, b = w - lr * (Xb.T @ err / len(yb) + alpha * w), b - lr * float(err.mean())
        out["train_loss"].append(_loss(y, X @ w + b) + alpha / 2 * float(np.sum(w**2)))
        out["val_loss"].append(_loss(y_val, X_val @ w + b))
        if best is None or out["val_loss"][-1] < best - tol:
            best, best_epoch, kept, stale = out["val_loss"][-1], epoch, (w.copy(), b), 0
        else:
            stale += 1
            if stale >= patience:
                break
    out.update(w=kept[0], b=kept[1], best_epoch=best_epoch)
    return out


@pytest.fixture(scope="session")
def train_val():
    """120 training and 60 validation rows, 3 features, about 55% positives."""
    X, y = make_data(180, 3, seed=2911)
    return X[:120], y[:120], X[120:], y[120:]


@pytest.fixture(scope="session")
def overfit():
    """30 training rows with 20 features (only 2 informative), 400 validation rows: the training loss
    keeps falling while the validation loss turns up after a few epochs."""
    rng = np.random.default_rng(2912)
    X = rng.normal(size=(430, 20))
    y = (X[:, 0] - X[:, 1] + 1.5 * rng.logistic(size=430) > 0).astype(np.int64)
    return X[:30], y[:30], X[30:], y[30:]


@pytest.fixture(scope="session")
def data_maker():
    return make_data


@pytest.fixture(scope="session")
def replayer():
    return replay


@pytest.fixture(scope="session")
def result_keys():
    def check(result):
        assert isinstance(result, dict), f"fit must return a dict, got {type(result).__name__}"
        missing = [k for k in ("w", "b", "train_loss", "val_loss", "best_epoch") if k not in result]
        assert not missing, f"keys {missing} missing from fit's result (keys: {sorted(result)})"
        return result

    return check
