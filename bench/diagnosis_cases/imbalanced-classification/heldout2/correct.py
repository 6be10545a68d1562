"""Fraud detection on an imbalanced table: split, class-weighted model, threshold for a recall target.

See README.md for the task and the requirements (R1..R5).
"""

from __future__ import annotations

import numpy as np
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler


def split_indices(y: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    y = np.asarray(y)
    idx = np.arange(len(y))
    rest_idx, test_idx = train_test_split(idx, test_size=0.2, stratify=y, random_state=seed, shuffle=True)
    train_idx, val_idx = train_test_split(
        rest_idx, test_size=0.25, stratify=y[rest_idx], random_state=seed, shuffle=True
    )
    return np.asarray(train_idx), np.asarray(val_idx), np.asarray(test_idx)


def make_model(seed: int):
    return Pipeline([
        ("scale", StandardScaler()),
        ("clf", LogisticRegression(class_weight="balanced", max_iter=1000, random_state=seed)),
    ])


def choose_threshold(y_val: np.ndarray, val_scores: np.ndarray, recall_target: float) -> float:
    y_val = np.asarray(y_val).astype(int)
    val_scores = np.asarray(val_scores, dtype=float)
    n_pos = int((y_val == 1).sum())
    best_t, best_p = None, -1.0
    for t in np.unique(val_scores)[::-1]:  # highest threshold first
        pred = val_scores >= t
        tp = int((pred & (y_val == 1)).sum())
        fp = int((pred & (y_val == 0)).sum())
        recall = tp / n_pos
        if recall < recall_target:
            continue
        precision = tp / (tp + fp) if tp + fp else 0.0
        if precision > best_p:
            best_p, best_t = precision, float(t)
    return best_t


def evaluate(y_true: np.ndarray, scores: np.ndarray, threshold: float) -> dict:
    y_true = np.asarray(y_true).astype(int)
    scores = np.asarray(scores, dtype=float)
    pred = scores >= threshold
    tp = int((pred & (y_true == 1)).sum())
    fp = int((pred & (y_true == 0)).sum())
    fn = int((~pred & (y_true == 1)).sum())
    tn = int((~pred & (y_true == 0)).sum())
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return {
        "precision": float(precision),
        "recall": float(recall),
        "pr_auc": float(average_precision_score(y_true, scores)),
        "confusion_matrix": np.array([[tn, fp], [fn, tp]], dtype=int),
    }


def run_pipeline(
    X: np.ndarray, y: np.ndarray, recall_target: float = 0.8, seed: int = 0, model=None
) -> dict:
    y = np.asarray(y)
    train_idx, val_idx, test_idx = split_indices(y, seed)
    model = make_model(seed) if model is None else clone(model)
    model.fit(X[train_idx], y[train_idx])
    val_scores = np.asarray(model.predict_proba(X[val_idx])[:, 1])
    threshold = choose_threshold(y[val_idx], val_scores, recall_target)
    test_scores = np.asarray(model.predict_proba(X[test_idx])[:, 1])
    test_metrics = evaluate(y[test_idx], test_scores, threshold)
    return {
        "train_idx": train_idx,
        "val_idx": val_idx,
        "test_idx": test_idx,
        "model": model,
        "val_scores": val_scores,
        "threshold": threshold,
        "test_metrics": test_metrics,
    }
