"""Known mistake `final_fit_on_all_rows`: the selected model is refitted on all rows, test part included, before it is evaluated."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score
from sklearn.model_selection import StratifiedKFold, cross_validate, train_test_split
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier

CV_COLUMNS = ["accuracy_mean", "accuracy_std", "f1_macro_mean", "f1_macro_std"]


def split_data(
    X: np.ndarray, y: np.ndarray, test_size: float, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Stratified, seeded train/test split."""
    return train_test_split(X, y, test_size=test_size, stratify=y, random_state=seed)


def make_models(seed: int) -> dict:
    """Unfitted candidate models; scaling lives inside the pipelines."""
    return {
        "logreg": make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000, random_state=seed)),
        "knn": make_pipeline(StandardScaler(), KNeighborsClassifier(n_neighbors=5)),
        "tree": DecisionTreeClassifier(max_depth=3, random_state=seed),
    }


def cross_validate_models(
    models: dict, X_train: np.ndarray, y_train: np.ndarray, folds: int, seed: int
) -> pd.DataFrame:
    """Mean and population std of per-fold accuracy and macro F1 for every model."""
    cv = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    rows = {}
    for name, model in models.items():
        scores = cross_validate(clone(model), X_train, y_train, cv=cv, scoring=["accuracy", "f1_macro"])
        acc, f1 = scores["test_accuracy"], scores["test_f1_macro"]
        rows[name] = [acc.mean(), acc.std(), f1.mean(), f1.std()]
    return pd.DataFrame.from_dict(rows, orient="index", columns=CV_COLUMNS)


def select_best(results: pd.DataFrame) -> str:
    """Highest mean macro F1; exact ties go to the first such row (idxmax keeps the first)."""
    return results["f1_macro_mean"].idxmax()


def fit_and_evaluate(
    model, X_train: np.ndarray, y_train: np.ndarray, X_test: np.ndarray, y_test: np.ndarray
) -> tuple[object, dict]:
    """Fit on all training rows, then score on the test rows."""
    fitted = clone(model).fit(X_train, y_train)
    y_pred = fitted.predict(X_test)
    labels = np.unique(np.concatenate([y_train, y_test]))
    metrics = {
        "accuracy": float(accuracy_score(y_test, y_pred)),
        "f1_macro": float(f1_score(y_test, y_pred, average="macro")),
        "confusion_matrix": confusion_matrix(y_test, y_pred, labels=labels),
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
    """Split, cross-validate on the training part, select, fit and evaluate on the test part."""
    if models is None:
        models = make_models(seed)
    X_train, X_test, y_train, y_test = split_data(X, y, test_size, seed)
    cv_results = cross_validate_models(models, X_train, y_train, folds, seed)
    best_name = select_best(cv_results)
    model, metrics = fit_and_evaluate(models[best_name], X, y, X_test, y_test)
    return {
        "cv_results": cv_results,
        "best_name": best_name,
        "model": model,
        "metrics": metrics,
    }
