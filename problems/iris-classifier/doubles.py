"""Test doubles for the iris-classifier tests: trusted code the judge loads into the solution's process.

The tests build these estimators here (``candidate.doubles.RowSpyClassifier(tag="cv")``), pass them to the
solution's functions, and read back what happened with the helpers below. Nothing here knows an answer.

- RowSpyClassifier: a nearest-centroid classifier that logs every X it is given to fit or predict;
  ``calls(tag)`` returns that log, ``reset_calls()`` empties it.
- LookupClassifier: predicts the integer in column 0 of each row.
- is_fitted, class_path, clone: scikit-learn's checks on an object that lives in this process.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.base import clone as _clone
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

_CALLS: dict[str, list[tuple[str, np.ndarray]]] = {}  # tag -> [("fit" | "predict", copy of X)]


class RowSpyClassifier(ClassifierMixin, BaseEstimator):
    """Nearest-centroid classifier on columns 1.. that records every X it receives."""

    def __init__(self, tag="spy"):
        self.tag = tag

    def fit(self, X, y):
        X = np.asarray(X, dtype=float)
        y = np.asarray(y)
        _CALLS.setdefault(self.tag, []).append(("fit", X.copy()))
        self.classes_ = np.unique(y)
        self.centroids_ = np.array([X[y == c, 1:].mean(axis=0) for c in self.classes_])
        return self

    def predict(self, X):
        X = np.asarray(X, dtype=float)
        _CALLS.setdefault(self.tag, []).append(("predict", X.copy()))
        dist = ((X[:, None, 1:] - self.centroids_[None, :, :]) ** 2).sum(axis=2)
        return self.classes_[dist.argmin(axis=1)]


class LookupClassifier(ClassifierMixin, BaseEstimator):
    """Predicts the integer stored in column 0 of each row."""

    def fit(self, X, y):
        self.classes_ = np.unique(np.asarray(y))
        return self

    def predict(self, X):
        return np.asarray(X)[:, 0].astype(int)


def calls(tag: str) -> list[tuple[str, np.ndarray]]:
    """The RowSpyClassifier calls logged under ``tag``, in order: ("fit" | "predict", the X it received)."""
    return [(kind, X.copy()) for kind, X in _CALLS.get(tag, [])]


def reset_calls() -> None:
    """Forget every logged call."""
    _CALLS.clear()


def is_fitted(model) -> bool:
    """Whether scikit-learn's check_is_fitted accepts ``model`` (other errors, e.g. not an estimator, raise)."""
    try:
        check_is_fitted(model)
    except NotFittedError:
        return False
    return True


def class_path(obj) -> str:
    """``module.Class`` of ``obj`` (e.g. ``sklearn.preprocessing._data.StandardScaler``)."""
    kind = type(obj)
    return f"{kind.__module__}.{kind.__qualname__}"


def clone(model):
    """scikit-learn's clone of ``model`` (raises when clone does not accept it)."""
    return _clone(model)
