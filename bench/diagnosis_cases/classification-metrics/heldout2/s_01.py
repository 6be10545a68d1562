# BUG: binary mode compares against 1 instead of pos_label, so pos_label=0 (or any other label) still scores class 1
"""Classification metrics from scratch. See README.md. NumPy only: no scikit-learn, no SciPy.

Labels are integers but not necessarily 0..k-1 (a test may use the labels 3, 7 and 10). Inputs are 1-D
NumPy arrays of the same length n >= 1. Every ratio whose denominator is 0 is 0.0 (scikit-learn's
zero_division=0): never NaN, never an exception, never a warning that stops you.
"""

from __future__ import annotations

import numpy as np


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    """R1. The confusion matrix: entry [i, j] counts the samples whose true label is labels[i] and whose
    predicted label is labels[j] (rows = true, columns = predicted).

    labels is the sorted union of the values in y_true and y_pred, so a class that is never predicted,
    or never true, still has its row and column. Returns a square 2-D integer array of that size.

    >>> confusion_matrix(np.array([3, 3, 7, 10]), np.array([3, 7, 7, 7]))   # labels 3, 7, 10
    array([[1, 1, 0],
           [0, 1, 0],
           [0, 1, 0]])
    """
    y_true = np.asarray(y_true)
    y_pred = np.asarray(y_pred)
    labels = np.unique(np.concatenate([y_true, y_pred]))
    i = np.searchsorted(labels, y_true)
    j = np.searchsorted(labels, y_pred)
    cm = np.zeros((len(labels), len(labels)), dtype=np.int64)
    np.add.at(cm, (i, j), 1)
    return cm


def precision_recall_f1(
    y_true: np.ndarray, y_pred: np.ndarray, average: str = "binary", pos_label: int = 1
) -> dict[str, float]:
    """R2-R6. {"precision": float, "recall": float, "f1": float}, as scikit-learn's
    precision_recall_fscore_support(y_true, y_pred, average=average, pos_label=pos_label, zero_division=0).

    For one class c: precision = TP / (TP + FP) (of the samples predicted c, the share truly c), recall =
    TP / (TP + FN) (of the samples truly c, the share predicted c), F1 = 2 * P * R / (P + R). Any 0/0 is
    0.0: precision of a class never predicted, recall of a class never true, F1 when P + R = 0.

    average:
    - "binary": the three numbers of the class pos_label only (y_true and y_pred hold two labels at most;
      pos_label may be 0, and may be absent from both arrays).
    - "macro": compute P, R and F1 per class, over every label of the sorted union of y_true and y_pred,
      then take their plain (unweighted) mean. Macro F1 is the mean of the per-class F1 values, not the F1
      of the macro precision and macro recall.
    - "micro": add up TP, FP and FN over all classes first, then compute P, R and F1 once from the totals.
    - "weighted": like macro, but the mean is weighted by each class's support (its count in y_true);
      a class absent from y_true weighs 0.
    """
    y_true = np.asarray(y_true)
    y_pred = np.asarray(y_pred)

    def ratio(num, den):
        num = np.asarray(num, dtype=float)
        den = np.asarray(den, dtype=float)
        return np.divide(num, den, out=np.zeros_like(num), where=den != 0)

    if average == "binary":
        tp = np.sum((y_true == 1) & (y_pred == 1))
        fp = np.sum((y_true != 1) & (y_pred == 1))
        fn = np.sum((y_true == 1) & (y_pred != 1))
        p = float(ratio(tp, tp + fp))
        r = float(ratio(tp, tp + fn))
        f = float(ratio(2 * p * r, p + r))
        return {"precision": p, "recall": r, "f1": f}

    cm = confusion_matrix(y_true, y_pred)
    tp = np.diag(cm).astype(float)
    fp = cm.sum(axis=0) - tp
    fn = cm.sum(axis=1) - tp
    if average == "micro":
        TP, FP, FN = tp.sum(), fp.sum(), fn.sum()
        p = float(ratio(TP, TP + FP))
        r = float(ratio(TP, TP + FN))
        f = float(ratio(2 * p * r, p + r))
        return {"precision": p, "recall": r, "f1": f}

    p = ratio(tp, tp + fp)
    r = ratio(tp, tp + fn)
    f = ratio(2 * p * r, p + r)
    if average == "macro":
        return {"precision": float(p.mean()), "recall": float(r.mean()), "f1": float(f.mean())}
    if average == "weighted":
        support = cm.sum(axis=1).astype(float)
        total = support.sum()
        if total == 0:
            return {"precision": 0.0, "recall": 0.0, "f1": 0.0}
        w = support / total
        return {"precision": float(p @ w), "recall": float(r @ w), "f1": float(f @ w)}
    raise ValueError(f"unknown average: {average}")


def confusion_at_threshold(y_true: np.ndarray, scores: np.ndarray, threshold: float) -> np.ndarray:
    """R7. Binary confusion matrix of the decision "positive when score >= threshold".

    y_true holds 0 (negative) and 1 (positive); scores are floats, higher meaning more likely positive. A
    score exactly equal to the threshold is predicted positive. Always returns the 2x2 integer array
    [[TN, FP],
     [FN, TP]]
    (rows = true 0, 1; columns = predicted 0, 1), even when a class is absent.
    """
    y_true = np.asarray(y_true)
    pred = np.asarray(scores) >= threshold
    pos = y_true == 1
    tn = int(np.sum(~pos & ~pred))
    fp = int(np.sum(~pos & pred))
    fn = int(np.sum(pos & ~pred))
    tp = int(np.sum(pos & pred))
    return np.array([[tn, fp], [fn, tp]], dtype=np.int64)


def roc_auc(y_true: np.ndarray, scores: np.ndarray) -> float:
    """R8. Area under the ROC curve, computed from ranks (no curve, no loop over thresholds needed).

    y_true holds 0 and 1. ROC AUC is the probability that a random positive scores higher than a random
    negative, a tie counting one half: rank all scores from 1 (lowest) to n, tied scores sharing the mean
    of their ranks; then AUC = (sum of the positives' ranks - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg).
    Equals sklearn.metrics.roc_auc_score. With only one class in y_true it is undefined: return
    float("nan") (as scikit-learn 1.9 does).
    """
    y_true = np.asarray(y_true)
    scores = np.asarray(scores, dtype=float)
    pos = y_true == 1
    n_pos = int(pos.sum())
    n_neg = len(y_true) - n_pos
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    order = np.argsort(scores, kind="mergesort")
    sorted_scores = scores[order]
    ranks = np.empty(len(scores), dtype=float)
    i = 0
    n = len(scores)
    while i < n:
        j = i
        while j + 1 < n and sorted_scores[j + 1] == sorted_scores[i]:
            j += 1
        ranks[order[i:j + 1]] = (i + j) / 2 + 1
        i = j + 1
    return float((ranks[pos].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def average_precision(y_true: np.ndarray, scores: np.ndarray) -> float:
    """R9. Average precision, as sklearn.metrics.average_precision_score.

    y_true holds 0 and 1. Take every distinct score value as a threshold, from the highest down; at each,
    predict positive the samples with score >= threshold (tied scores enter together) and compute
    precision P_k and recall R_k. AP = sum over thresholds of (R_k - R_(k-1)) * P_k, with R_0 = 0: a step
    sum, no interpolation, no trapezoid. With no positive in y_true, return 0.0.
    """
    y_true = np.asarray(y_true)
    scores = np.asarray(scores, dtype=float)
    pos = y_true == 1
    n_pos = int(pos.sum())
    if n_pos == 0:
        return 0.0
    ap = 0.0
    prev_recall = 0.0
    for t in np.unique(scores)[::-1]:
        pred = scores >= t
        tp = np.sum(pred & pos)
        precision = tp / pred.sum()
        recall = tp / n_pos
        ap += (recall - prev_recall) * precision
        prev_recall = recall
    return float(ap)
