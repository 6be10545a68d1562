"""Iris model selection: split, cross-validate several models, select the best, evaluate.

See README.md for the task and the requirements (R1..R6). The docstrings below are the exact contracts.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def split_data(
    X: np.ndarray, y: np.ndarray, test_size: float, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """R1. Shuffled train/test split, stratified by `y`, determined by `seed`.

    Returns (X_train, X_test, y_train, y_test) as NumPy arrays. Every row lands in exactly one part,
    together with its own label. The same arguments give the identical split; different seeds give
    different splits. When test_size * n is a whole number the test part has exactly that many rows,
    and when test_size * (count of class c) is whole for every class, exactly that many of each class
    (Iris, test_size=0.2: 30 test rows, 10 per class). train_test_split(..., stratify=y,
    random_state=seed) does all of this.
    """
    raise NotImplementedError


def make_models(seed: int) -> dict:
    """R2. {name (str): unfitted estimator}, at least two models.

    - The final estimators (for a Pipeline, its last step) are of at least two different classes.
    - At least one model is a Pipeline with a scaler from sklearn.preprocessing (e.g. StandardScaler)
      before its classifier.
    - Every parameter named random_state, also inside pipelines (get_params(deep=True)), equals seed.
    Keep the models small: the whole test suite has a time limit.
    """
    raise NotImplementedError


def cross_validate_models(
    models: dict, X_train: np.ndarray, y_train: np.ndarray, folds: int, seed: int
) -> pd.DataFrame:
    """R3. Cross-validate every model on StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed).

    Use exactly the rows given and the same folds for every model. In each fold, fit a clone of the
    model on the fold's training rows (the caller's estimators stay unfitted) and score the held-out
    rows with accuracy and macro F1, f1_score(y_true, y_pred, average="macro").

    Returns a DataFrame indexed by model name, rows in the dict's order, with exactly these columns in
    this order: accuracy_mean, accuracy_std, f1_macro_mean, f1_macro_std. Each is the mean or the
    population standard deviation (ddof=0, NumPy's scores.std(); pandas' .std() uses ddof=1) of the
    per-fold scores.
    """
    raise NotImplementedError


def select_best(results: pd.DataFrame) -> str:
    """R4. The name (index label, a str) of the row with the highest f1_macro_mean.

    `results` is shaped like cross_validate_models' output; the other columns are ignored. Exact ties
    go to the tied row that comes first in the table (as Series.idxmax does).

    >>> table = pd.DataFrame({"accuracy_mean": [0.97, 0.93], "accuracy_std": [0.01, 0.05],
    ...                       "f1_macro_mean": [0.90, 0.95], "f1_macro_std": [0.02, 0.06]},
    ...                      index=["knn", "tree"])
    >>> select_best(table)   # knn has the higher accuracy, tree the higher macro F1
    'tree'
    """
    raise NotImplementedError


def fit_and_evaluate(
    model, X_train: np.ndarray, y_train: np.ndarray, X_test: np.ndarray, y_test: np.ndarray
) -> tuple[object, dict]:
    """R5. Fit the model (a clone or the object itself) on all training rows, predict the test rows.

    Returns (fitted_model, metrics); fitted_model must be fitted. metrics is a dict:
    - "accuracy": float, on the test rows;
    - "f1_macro": float, f1_score(y_test, y_pred, average="macro");
    - "confusion_matrix": 2-D integer NumPy array, rows = true label, columns = predicted label, both
      over np.unique(np.concatenate([y_train, y_test])) in ascending order, so a class missing from
      the test part still gets its row and column of zeros.
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
    """R6. The whole workflow; uses make_models(seed) when `models` is None.

    split_data(X, y, test_size, seed) -> cross_validate_models(models, X_train, y_train, folds, seed)
    -> select_best -> fit_and_evaluate(models[best], X_train, y_train, X_test, y_test).

    Returns {"cv_results": the CV table, "best_name": str, "model": the fitted selected model,
    "metrics": the dict from fit_and_evaluate}. No model is ever fitted on a test row, and only the
    selected model's final evaluation predicts them. The same arguments give the same results.
    """
    raise NotImplementedError
