"""Test doubles for the hidden and public tests (trusted code, loaded before solution.py).

The tests pass these estimators to your functions. Every row they build has a row id in column 0, so
the spy can report which rows it was fitted on and asked to score; its score for a row is column 1.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin

_CALLS: dict[str, list[tuple[str, np.ndarray]]] = defaultdict(list)


class ScoreColumnSpy(ClassifierMixin, BaseEstimator):
    """A classifier whose probability of class 1 for a row is that row's column 1 (clipped to [0, 1]).

    It records every X it is fitted on or asked to score, under its `tag`.
    """

    def __init__(self, tag: str = "spy"):
        self.tag = tag

    def fit(self, X, y):
        X = np.asarray(X, dtype=float)
        _CALLS[self.tag].append(("fit", X.copy()))
        self.classes_ = np.unique(np.asarray(y))
        return self

    def predict_proba(self, X):
        X = np.asarray(X, dtype=float)
        _CALLS[self.tag].append(("predict_proba", X.copy()))
        p = np.clip(X[:, 1], 0.0, 1.0)
        return np.column_stack([1.0 - p, p])

    def predict(self, X):
        X = np.asarray(X, dtype=float)
        _CALLS[self.tag].append(("predict", X.copy()))
        return (np.clip(X[:, 1], 0.0, 1.0) >= 0.5).astype(int)


def calls(tag: str) -> list[tuple[str, np.ndarray]]:
    """The (method name, X) pairs recorded under `tag`, oldest first."""
    return [(kind, X.copy()) for kind, X in _CALLS[tag]]


def clear_calls() -> None:
    """Forget every recorded call."""
    _CALLS.clear()


def describe(model) -> dict:
    """Plain facts about an estimator: its final step's class, class_weight, fitted or not."""
    from sklearn.exceptions import NotFittedError
    from sklearn.utils.validation import check_is_fitted

    final = model.steps[-1][1] if hasattr(model, "steps") else model
    params = final.get_params(deep=False)
    try:
        check_is_fitted(model)
        fitted = True
    except (NotFittedError, TypeError):
        fitted = False
    return {
        "final_class": f"{type(final).__module__}.{type(final).__qualname__}",
        "has_class_weight": "class_weight" in params,
        "class_weight": params.get("class_weight"),
        "has_predict_proba": hasattr(model, "predict_proba"),
        "fitted": fitted,
    }
