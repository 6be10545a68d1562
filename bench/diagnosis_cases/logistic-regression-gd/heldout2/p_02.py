# BUG: train_loss logs only the log-loss, without the (alpha/2)*||w||^2 term; early stopping counts any decrease below best as improvement, ignoring tol
"""Binary logistic regression trained by mini-batch gradient descent. See README.md.

NumPy only: no scikit-learn, no SciPy. X is a 2-D float array (n samples, d features), y a 1-D array of
0/1 labels, w a 1-D float array of d weights, b a float (the bias). The model's logit is z = X @ w + b
and its probability of class 1 is sigmoid(z).

The objective minimised by fit is
    J(w, b) = log_loss(y, X @ w + b) + (alpha / 2) * ||w||^2
(mean log-loss over the rows, plus L2 on the weights only: the bias is never regularised).
"""

from __future__ import annotations

import numpy as np


def sigmoid(z: np.ndarray) -> np.ndarray:
    """R1. 1 / (1 + exp(-z)) elementwise, computed so that no value of z overflows: the result is finite
    and in [0, 1] for every float z (z = -1000 gives 0.0 and z = 1000 gives 1.0, never NaN), and
    sigmoid(0) = 0.5. Returns an array of z's shape.
    """
    z = np.asarray(z, dtype=float)
    out = np.empty_like(z)
    pos = z >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-z[pos]))
    ez = np.exp(z[~pos])
    out[~pos] = ez / (1.0 + ez)
    return out


def log_loss(y: np.ndarray, z: np.ndarray) -> float:
    """R2. Mean binary cross-entropy of the labels y given the logits z (not probabilities):

        mean over i of  -[y_i * log(sigmoid(z_i)) + (1 - y_i) * log(1 - sigmoid(z_i))]

    computed stably from z, with no clipping of probabilities: it equals mean(log(1 + exp(z)) - y * z),
    so y = 1 with z = -1000 costs exactly 1000, and y = 1 with z = 1000 costs 0. Always finite.
    """
    y = np.asarray(y, dtype=float)
    z = np.asarray(z, dtype=float)
    return float(np.mean(np.logaddexp(0.0, z) - y * z))


def gradient(X: np.ndarray, y: np.ndarray, w: np.ndarray, b: float, alpha: float) -> tuple[np.ndarray, float]:
    """R3. Gradient of J on the rows given: (grad_w, grad_b) with

        grad_w = X.T @ (sigmoid(X @ w + b) - y) / n + alpha * w
        grad_b = mean(sigmoid(X @ w + b) - y)

    where n = len(y): the log-loss part is averaged over the rows, not summed, and the bias gets no
    L2 term. grad_w is a 1-D array of d floats, grad_b a float.
    """
    y = np.asarray(y, dtype=float)
    n = len(y)
    err = sigmoid(X @ w + b) - y
    grad_w = X.T @ err / n + alpha * w
    grad_b = float(np.mean(err))
    return grad_w, grad_b


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
    """R4-R7. Train on (X, y) by mini-batch gradient descent, with early stopping on (X_val, y_val).

    Exactly this procedure (the tests replay it step by step):
    - Start from w = zeros(d), b = 0.0. Create rng = np.random.default_rng(seed) once, before the first
      epoch.
    - Each epoch: order = rng.permutation(n) (a new order every epoch, from that same rng); the batches
      are order[0:batch_size], order[batch_size:2 * batch_size], ... (the last one may be smaller, and it
      is used). For each batch in turn: grad_w, grad_b = gradient(X[rows], y[rows], w, b, alpha), then
      w -= lr * grad_w and b -= lr * grad_b.
    - After each epoch's updates, append to the histories:
        train_loss: J(w, b) on all of (X, y), L2 term included;
        val_loss:   log_loss(y_val, X_val @ w + b), no L2 term.
    - Early stopping, on the validation loss only: an epoch improves when its val_loss < best - tol,
      where best is the lowest val_loss of an improving epoch so far (the first epoch always improves).
      After `patience` epochs in a row without improvement, stop. Otherwise stop after max_epochs.

    Returns {"w": 1-D array of d floats, "b": float, "train_loss": list of floats, "val_loss": list of
    floats, "best_epoch": int}: w and b are the parameters at the end of the last improving epoch (not
    the last epoch run), best_epoch is that epoch's 0-based index into the histories, and both histories
    have one entry per epoch run. The same arguments always give the same result.
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    n, d = X.shape
    w = np.zeros(d)
    b = 0.0
    rng = np.random.default_rng(seed)
    train_loss: list[float] = []
    val_loss: list[float] = []
    best = np.inf
    best_w, best_b, best_epoch = w.copy(), b, 0
    since_best = 0
    for epoch in range(max_epochs):
        order = rng.permutation(n)
        for start in range(0, n, batch_size):
            rows = order[start:start + batch_size]
            grad_w, grad_b = gradient(X[rows], y[rows], w, b, alpha)
            w = w - lr * grad_w
            b = b - lr * grad_b
        train_loss.append(log_loss(y, X @ w + b))
        val = log_loss(y_val, X_val @ w + b)
        val_loss.append(val)
        if val < best:
            best = val
            best_w, best_b, best_epoch = w.copy(), b, epoch
            since_best = 0
        else:
            since_best += 1
            if since_best >= patience:
                break
    return {
        "w": best_w,
        "b": float(best_b),
        "train_loss": train_loss,
        "val_loss": val_loss,
        "best_epoch": int(best_epoch),
    }


def predict_proba(X: np.ndarray, w: np.ndarray, b: float) -> np.ndarray:
    """R8. Probability of class 1 for each row of X: sigmoid(X @ w + b), a 1-D float array of n values."""
    return sigmoid(np.asarray(X, dtype=float) @ w + b)


def predict(X: np.ndarray, w: np.ndarray, b: float) -> np.ndarray:
    """R8. Class labels: 1 where predict_proba(X, w, b) >= 0.5 (a probability of exactly 0.5 is class 1),
    else 0. A 1-D integer array of n values."""
    return (predict_proba(X, w, b) >= 0.5).astype(np.int64)
