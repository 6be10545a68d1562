"""Known mistake `f1_from_averaged_pr`: macro F1 taken as the F1 of the macro precision and recall."""

from __future__ import annotations

import numpy as np


def _safe_div(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """num / den elementwise, 0.0 wherever den is 0 (scikit-learn's zero_division=0)."""
    num = np.asarray(num, dtype=float)
    den = np.asarray(den, dtype=float)
    return np.divide(num, den, out=np.zeros_like(num), where=den != 0)


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    labels = np.unique(np.concatenate([y_true, y_pred]))
    cm = np.zeros((len(labels), len(labels)), dtype=np.int64)
    # labels may be any integers (3, 7, 10): map them to row/column positions first
    np.add.at(cm, (np.searchsorted(labels, y_true), np.searchsorted(labels, y_pred)), 1)
    return cm


def precision_recall_f1(
    y_true: np.ndarray, y_pred: np.ndarray, average: str = "binary", pos_label: int = 1
) -> dict[str, float]:
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    labels = np.array([pos_label]) if average == "binary" else np.unique(np.concatenate([y_true, y_pred]))
    tp = np.array([np.sum((y_true == c) & (y_pred == c)) for c in labels])
    predicted = np.array([np.sum(y_pred == c) for c in labels])
    support = np.array([np.sum(y_true == c) for c in labels])
    if average == "micro":
        # pool the counts of every class first, then take one ratio
        tp, predicted, support = tp.sum(keepdims=True), predicted.sum(keepdims=True), support.sum(keepdims=True)
    precision = _safe_div(tp, predicted)
    recall = _safe_div(tp, support)
    f1 = _safe_div(2 * precision * recall, precision + recall)
    # weighted: by support; binary and micro have one entry; macro is the plain mean over the classes
    weights = support / support.sum() if average == "weighted" else np.full(len(tp), 1.0 / len(tp))
    return {
        "precision": float(np.sum(precision * weights)),
        "recall": float(np.sum(recall * weights)),
        "f1": float(_safe_div(2 * np.sum(precision * weights) * np.sum(recall * weights),
                              np.sum(precision * weights) + np.sum(recall * weights)))
        if average == "macro" else float(np.sum(f1 * weights)),
    }


def confusion_at_threshold(y_true: np.ndarray, scores: np.ndarray, threshold: float) -> np.ndarray:
    y_true, scores = np.asarray(y_true), np.asarray(scores, dtype=float)
    y_pred = (scores >= threshold).astype(int)
    tn = np.sum((y_true == 0) & (y_pred == 0))
    fp = np.sum((y_true == 0) & (y_pred == 1))
    fn = np.sum((y_true == 1) & (y_pred == 0))
    tp = np.sum((y_true == 1) & (y_pred == 1))
    return np.array([[tn, fp], [fn, tp]], dtype=np.int64)


def _average_ranks(values: np.ndarray) -> np.ndarray:
    """1-based ranks of values, tied values sharing the mean of their ranks."""
    order = np.argsort(values, kind="stable")
    ordered = values[order]
    starts = np.r_[0, np.nonzero(np.diff(ordered))[0] + 1]
    ends = np.r_[starts[1:], len(values)]
    ranks = np.empty(len(values))
    ranks[order] = np.repeat((starts + 1 + ends) / 2.0, ends - starts)
    return ranks


def roc_auc(y_true: np.ndarray, scores: np.ndarray) -> float:
    y_true, scores = np.asarray(y_true), np.asarray(scores, dtype=float)
    positive = y_true == 1
    n_pos, n_neg = int(positive.sum()), int((~positive).sum())
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    ranks = _average_ranks(scores)
    # Mann-Whitney U: pairs (positive, negative) the positive wins, ties counting one half
    u = ranks[positive].sum() - n_pos * (n_pos + 1) / 2.0
    return float(u / (n_pos * n_neg))


def average_precision(y_true: np.ndarray, scores: np.ndarray) -> float:
    y_true, scores = np.asarray(y_true), np.asarray(scores, dtype=float)
    n_pos = int(np.sum(y_true == 1))
    if n_pos == 0:
        return 0.0
    order = np.argsort(-scores, kind="stable")
    ordered = scores[order]
    tp = np.cumsum(y_true[order] == 1)
    fp = np.cumsum(y_true[order] != 1)
    # one threshold per distinct score: keep the last position of each run of ties
    last = np.r_[np.nonzero(np.diff(ordered))[0], len(ordered) - 1]
    tp, fp = tp[last], fp[last]
    precision = tp / (tp + fp)
    recall = tp / n_pos
    return float(np.sum(np.diff(np.r_[0.0, recall]) * precision))
