"""Iris model selection: split, cross-validate several models, select the best, evaluate.

Read statement.md for the exact requirements (R1..R6).
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def split_data(
    X: np.ndarray, y: np.ndarray, test_size: float, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Stratified, shuffled split determined by `seed`.

    Returns (X_train, X_test, y_train, y_test).
    """
    raise NotImplementedError


def make_models(seed: int) -> dict:
    """Return {name: unfitted estimator}: 2+ models, 2+ distinct final estimator classes.

    At least one is a Pipeline with a sklearn.preprocessing scaler; every random_state equals `seed`.
    """
    raise NotImplementedError


def cross_validate_models(
    models: dict, X_train: np.ndarray, y_train: np.ndarray, folds: int, seed: int
) -> pd.DataFrame:
    """StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed) CV of clones of each model.

    Returns a DataFrame indexed by model name (dict order) with columns
    accuracy_mean, accuracy_std, f1_macro_mean, f1_macro_std (std with ddof=0).
    """
    raise NotImplementedError


def select_best(results: pd.DataFrame) -> str:
    """Name with the highest f1_macro_mean; ties: higher accuracy_mean, then alphabetically first."""
    raise NotImplementedError


def fit_and_evaluate(
    model, X_train: np.ndarray, y_train: np.ndarray, X_test: np.ndarray, y_test: np.ndarray
) -> tuple[object, dict]:
    """Fit on all training rows, evaluate on the test rows.

    Returns (fitted_model, {"accuracy": float, "f1_macro": float, "confusion_matrix": np.ndarray}),
    the confusion matrix with rows = true, columns = predicted, labels in ascending order of
    np.unique(np.concatenate([y_train, y_test])).
    """
    raise NotImplementedError


def run_experiment(
    X: np.ndarray,
    y: np.ndarray,
    test_size: float = 0.2,
    folds: int = 5,
    seed: int = 0,
    models: dict | None = None,
) -> dict:
    """split_data -> cross_validate_models (training part only) -> select_best -> fit_and_evaluate.

    Returns {"cv_results": DataFrame, "best_name": str, "model": fitted model, "metrics": dict}.
    Uses make_models(seed) when `models` is None.
    """
    raise NotImplementedError
