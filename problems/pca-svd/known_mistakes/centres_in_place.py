"""Known mistake `centres_in_place`: pca_fit centres X with `X -= mean`; np.asarray returns the caller's float array itself, so the caller's data is overwritten."""

from __future__ import annotations

import numpy as np


def pca_fit(X: np.ndarray, n_components: int) -> dict:
    """Fit PCA by SVD of the centred data; returns the model dict."""
    X = np.asarray(X, dtype=float)
    n_samples, n_features = X.shape
    if not 1 <= n_components <= min(n_samples, n_features):
        raise ValueError(f"n_components must be in 1..{min(n_samples, n_features)}, got {n_components}")
    mean = X.mean(axis=0)
    X -= mean
    _, s, vt = np.linalg.svd(X, full_matrices=False)
    # the SVD fixes each axis only up to sign: make each row's largest-magnitude entry positive
    biggest = np.argmax(np.abs(vt), axis=1)
    vt = vt * np.sign(vt[np.arange(vt.shape[0]), biggest])[:, None]
    variance = s**2 / (n_samples - 1)
    # all min(n, p) components together carry the total variance of X
    total = variance.sum()
    return {
        "mean": mean,
        "components": vt[:n_components],
        "explained_variance": variance[:n_components],
        "explained_variance_ratio": variance[:n_components] / total,
        "singular_values": s[:n_components],
    }


def pca_transform(model: dict, X: np.ndarray) -> np.ndarray:
    """Scores of X on the fitted components, centred with the fitted mean."""
    return (np.asarray(X, dtype=float) - model["mean"]) @ model["components"].T


def pca_inverse_transform(model: dict, Z: np.ndarray) -> np.ndarray:
    """Back from scores to feature space."""
    return np.asarray(Z, dtype=float) @ model["components"] + model["mean"]
