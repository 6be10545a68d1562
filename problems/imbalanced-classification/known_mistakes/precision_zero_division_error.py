"""Known mistake `precision_zero_division_error`: precision is TP / (TP + FP) on Python ints, so evaluate raises ZeroDivisionError when nothing is flagged."""

from __future__ import annotations

import numpy as np
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, confusion_matrix, precision_recall_curve
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler


def split_indices(y: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """60/20/20 positions, stratified by y at both steps."""
    positions = np.arange(len(y))
    rest, test = train_test_split(positions, test_size=0.2, stratify=y, random_state=seed)
    train, val = train_test_split(rest, test_size=0.25, stratify=y[rest], random_state=seed)
    return np.sort(train), np.sort(val), np.sort(test)


def make_model(seed: int):
    """Scaled logistic regression; class weights make the rare class count as much as the common one."""
    return make_pipeline(
        StandardScaler(),
        LogisticRegression(class_weight="balanced", max_iter=1000, random_state=seed),
    )


def choose_threshold(y_val: np.ndarray, val_scores: np.ndarray, recall_target: float) -> float:
    """Best precision among the validation scores whose recall meets the target; ties -> highest."""
    precision, recall, thresholds = precision_recall_curve(y_val, val_scores)
    precision, recall = precision[:-1], recall[:-1]  # the last point has no threshold
    feasible = np.flatnonzero(recall >= recall_target)
    best = feasible[precision[feasible] == precision[feasible].max()].max()
    return float(thresholds[best])


def evaluate(y_true: np.ndarray, scores: np.ndarray, threshold: float) -> dict:
    """Precision, recall and the confusion matrix at `threshold`, and the threshold-free PR AUC."""
    y_pred = (scores >= threshold).astype(int)
    cm = confusion_matrix(y_true, y_pred, labels=[0, 1])
    tp, fp, fn = cm[1, 1], cm[0, 1], cm[1, 0]
    return {
        "precision": int(tp) / int(tp + fp),
        "recall": float(tp / (tp + fn)) if tp + fn else 0.0,
        "pr_auc": float(average_precision_score(y_true, scores)),
        "confusion_matrix": cm,
    }


def run_pipeline(
    X: np.ndarray, y: np.ndarray, recall_target: float = 0.8, seed: int = 0, model=None
) -> dict:
    """Split, fit on the training rows, choose the threshold on validation, report on test."""
    train_idx, val_idx, test_idx = split_indices(y, seed)
    fitted = clone(make_model(seed) if model is None else model).fit(X[train_idx], y[train_idx])
    val_scores = fitted.predict_proba(X[val_idx])[:, 1]
    threshold = choose_threshold(y[val_idx], val_scores, recall_target)
    test_scores = fitted.predict_proba(X[test_idx])[:, 1]
    return {
        "train_idx": train_idx,
        "val_idx": val_idx,
        "test_idx": test_idx,
        "model": fitted,
        "val_scores": val_scores,
        "threshold": threshold,
        "test_metrics": evaluate(y[test_idx], test_scores, threshold),
    }
