"""Known mistake `train_loss_regularises_bias`: the train_loss history's L2 term includes the bias: alpha/2 * (||w||^2 + b^2)."""

from __future__ import annotations

import numpy as np


def sigmoid(z: np.ndarray) -> np.ndarray:
    z = np.asarray(z, dtype=float)
    # exp of a non-positive number only: no overflow for any z
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def log_loss(y: np.ndarray, z: np.ndarray) -> float:
    y, z = np.asarray(y, dtype=float), np.asarray(z, dtype=float)
    # -[y log s(z) + (1 - y) log(1 - s(z))] = log(1 + e^z) - y z, with log(1 + e^z) = logaddexp(0, z)
    return float(np.mean(np.logaddexp(0.0, z) - y * z))


def gradient(X: np.ndarray, y: np.ndarray, w: np.ndarray, b: float, alpha: float) -> tuple[np.ndarray, float]:
    X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
    error = sigmoid(X @ w + b) - y
    grad_w = X.T @ error / len(y) + alpha * w
    grad_b = float(np.mean(error))  # the bias is not regularised
    return grad_w, grad_b


def objective(X: np.ndarray, y: np.ndarray, w: np.ndarray, b: float, alpha: float) -> float:
    """Mean log-loss plus (alpha / 2) * ||w||^2."""
    return log_loss(y, X @ w + b) + 0.5 * alpha * (float(w @ w) + b * b)


def fit(
    X: np.ndarray,
    y: np.ndarray,
    X_val: np.ndarray,
    y_val: np.ndarray,
    lr: float = 0.1,
    alpha: float = 0.0,
    batch_size: int = 32,
    max_epochs: int = 100,
    patience: int = 5,
    tol: float = 1e-4,
    seed: int = 0,
) -> dict:
    X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
    X_val, y_val = np.asarray(X_val, dtype=float), np.asarray(y_val, dtype=float)
    n, d = X.shape
    w, b = np.zeros(d), 0.0
    rng = np.random.default_rng(seed)
    train_loss: list[float] = []
    val_loss: list[float] = []
    best_val, best_epoch, best_w, best_b, waited = np.inf, 0, w.copy(), b, 0
    for epoch in range(max_epochs):
        order = rng.permutation(n)  # a new order every epoch, from the one seeded generator
        for start in range(0, n, batch_size):
            rows = order[start:start + batch_size]
            grad_w, grad_b = gradient(X[rows], y[rows], w, b, alpha)
            w = w - lr * grad_w
            b = b - lr * grad_b
        train_loss.append(objective(X, y, w, b, alpha))
        val_loss.append(log_loss(y_val, X_val @ w + b))
        if val_loss[-1] < best_val - tol:
            best_val, best_epoch, best_w, best_b, waited = val_loss[-1], epoch, w.copy(), b, 0
        else:
            waited += 1
            if waited >= patience:
                break
    return {"w": best_w, "b": float(best_b), "train_loss": train_loss, "val_loss": val_loss,
            "best_epoch": best_epoch}


def predict_proba(X: np.ndarray, w: np.ndarray, b: float) -> np.ndarray:
    return sigmoid(np.asarray(X, dtype=float) @ w + b)


def predict(X: np.ndarray, w: np.ndarray, b: float) -> np.ndarray:
    return (predict_proba(X, w, b) >= 0.5).astype(np.int64)
