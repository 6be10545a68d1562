"""PCA by singular value decomposition, in NumPy. See README.md.

A fitted model is a plain dict (see pca_fit). X is always a 2-D float array (n_samples, n_features).
"""

from __future__ import annotations

import numpy as np


def pca_fit(X: np.ndarray, n_components: int) -> dict:
    """Fit PCA with n_components components on X (n_samples, n_features).

    Centre X on its column means and take the SVD of the centred data (X - mean = U S Vt).
    X itself is not modified.

    Returns a dict with these five keys, every value a NumPy float array:
        "mean":                     (n_features,) the column means of X;
        "components":               (n_components, n_features): the principal axes as ROWS, unit
                                    length, orthogonal, in decreasing order of explained variance
                                    (the first n_components rows of Vt, signs fixed as below);
        "explained_variance":       (n_components,) the variance of the data along each component,
                                    with the n - 1 denominator: S**2 / (n_samples - 1);
        "explained_variance_ratio": (n_components,) explained_variance divided by the TOTAL variance
                                    of X (the sum of all n_features column variances, ddof=1), so it
                                    sums to less than 1 when components are left out;
        "singular_values":          (n_components,) the singular values S of the centred data.
    These match scikit-learn's PCA(n_components).fit(X): mean_, components_, explained_variance_,
    explained_variance_ratio_, singular_values_.

    Sign convention (an SVD routine may return any component or its negative): in each component,
    the entry with the largest absolute value is positive; if several entries tie for the largest
    absolute value, the first of them (lowest feature index, as np.argmax) is positive. So the same
    data gives the same components whatever the order of its rows.

    Raises ValueError unless n_components is an int with 1 <= n_components <= min(n_samples, n_features).
    """
    raise NotImplementedError


def pca_transform(model: dict, X: np.ndarray) -> np.ndarray:
    """Project X (m, n_features), any number of rows m, onto the fitted components.

    Returns (m, n_components): (X - model["mean"]) @ model["components"].T, always centred with
    the mean learned by pca_fit (never with the mean of the X given here).
    """
    raise NotImplementedError


def pca_inverse_transform(model: dict, Z: np.ndarray) -> np.ndarray:
    """Map scores Z (m, n_components) back to feature space.

    Returns (m, n_features): Z @ model["components"] + model["mean"]. With all
    min(n_samples, n_features) components kept, pca_inverse_transform(model, pca_transform(model, X))
    gives X back (up to rounding).
    """
    raise NotImplementedError
