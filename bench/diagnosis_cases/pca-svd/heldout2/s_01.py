# BUG: I fixed the signs so the FIRST entry of each component is positive, not the largest-magnitude entry
"""PCA by singular value decomposition, in NumPy. See README.md.

A fitted model is a plain dict (see pca_fit). X is always a 2-D float array (n_samples, n_features).
"""

from __future__ import annotations

import numpy as np


def pca_fit(X: np.ndarray, n_components: int) -> dict:
    """Fit PCA with n_components components on X (n_samples, n_features); see README.md (R1-R4, R7)."""
    X = np.asarray(X, dtype=float)
    n_samples, n_features = X.shape
    if (isinstance(n_components, bool) or not isinstance(n_components, (int, np.integer))
            or not 1 <= n_components <= min(n_samples, n_features)):
        raise ValueError(f"n_components must be an int in [1, {min(n_samples, n_features)}]")

    mean = X.mean(axis=0)
    Xc = X - mean
    U, S, Vt = np.linalg.svd(Xc, full_matrices=False)

    # sign rule: the largest-magnitude entry of each component is positive
    signs = np.sign(Vt[:, 0])
    signs[signs == 0] = 1.0
    Vt = Vt * signs[:, None]

    all_var = S ** 2 / (n_samples - 1)
    total_var = X.var(axis=0, ddof=1).sum()
    k = n_components
    return {
        "mean": mean,
        "components": Vt[:k].copy(),
        "explained_variance": all_var[:k].copy(),
        "explained_variance_ratio": all_var[:k] / total_var,
        "singular_values": S[:k].copy(),
    }


def pca_transform(model: dict, X: np.ndarray) -> np.ndarray:
    """Project X (m, n_features) onto the fitted components (R5)."""
    X = np.asarray(X, dtype=float)
    return (X - model["mean"]) @ model["components"].T


def pca_inverse_transform(model: dict, Z: np.ndarray) -> np.ndarray:
    """Map scores Z (m, n_components) back to feature space (R6)."""
    Z = np.asarray(Z, dtype=float)
    return Z @ model["components"] + model["mean"]
