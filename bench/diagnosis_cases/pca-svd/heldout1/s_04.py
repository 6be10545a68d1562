# BUG: only checked n_components against n_features: 0, negatives, non-ints and n_components > n_samples are not rejected
"""PCA by singular value decomposition, in NumPy. See README.md."""

from __future__ import annotations

import numbers

import numpy as np


def pca_fit(X: np.ndarray, n_components: int) -> dict:
    X = np.asarray(X, dtype=float)
    n_samples, n_features = X.shape
    if n_components > n_features:
        raise ValueError(f"n_components must be an int in [1, {min(n_samples, n_features)}]")
    mean = X.mean(axis=0)
    Xc = X - mean
    U, S, Vt = np.linalg.svd(Xc, full_matrices=False)
    # sign convention: largest-magnitude entry of each component positive
    idx = np.argmax(np.abs(Vt), axis=1)
    signs = np.sign(Vt[np.arange(Vt.shape[0]), idx])
    signs[signs == 0] = 1.0
    Vt = Vt * signs[:, None]
    explained_variance_all = S**2 / (n_samples - 1)
    total_var = Xc.var(axis=0, ddof=1).sum()
    k = n_components
    explained_variance = explained_variance_all[:k]
    return {
        "mean": mean,
        "components": Vt[:k].copy(),
        "explained_variance": explained_variance,
        "explained_variance_ratio": explained_variance / total_var,
        "singular_values": S[:k].copy(),
    }


def pca_transform(model: dict, X: np.ndarray) -> np.ndarray:
    X = np.asarray(X, dtype=float)
    return (X - model["mean"]) @ model["components"].T


def pca_inverse_transform(model: dict, Z: np.ndarray) -> np.ndarray:
    Z = np.asarray(Z, dtype=float)
    return Z @ model["components"] + model["mean"]
