# BUG: my confusion matrix is built with np.zeros default float dtype, not integer counts; average precision with no positive returns nan (0/0) instead of 0.0
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
    labels = np.union1d(y_true, y_pred)
    k = len(labels)
    ti = np.searchsorted(labels, y_true)
    pi = np.searchsorted(labels, y_pred)
    cm = np.zeros((k, k))
    np.add.at(cm, (ti, pi), 1)
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
        return float(num) / float(den) if den != 0 else 0.0

    def f1_of(p, r):
        return ratio(2 * p * r, p + r)

    def counts(c):
        tp = int(np.sum((y_true == c) & (y_pred == c)))
        fp = int(np.sum((y_true != c) & (y_pred == c)))
        fn = int(np.sum((y_true == c) & (y_pred != c)))
        return tp, fp, fn

    if average == "binary":
        tp, fp, fn = counts(pos_label)
        p, r = ratio(tp, tp + fp), ratio(tp, tp + fn)
        return {"precision": p, "recall": r, "f1": f1_of(p, r)}

    labels = np.union1d(y_true, y_pred)
    if average == "micro":
        tp = fp = fn = 0
        for c in labels:
            a, b, d = counts(c)
            tp, fp, fn = tp + a, fp + b, fn + d
        p, r = ratio(tp, tp + fp), ratio(tp, tp + fn)
        return {"precision": p, "recall": r, "f1": f1_of(p, r)}

    ps, rs, fs, support = [], [], [], []
    for c in labels:
        tp, fp, fn = counts(c)
        p, r = ratio(tp, tp + fp), ratio(tp, tp + fn)
        ps.append(p)
        rs.append(r)
        fs.append(f1_of(p, r))
        support.append(tp + fn)
    ps, rs, fs = np.array(ps), np.array(rs), np.array(fs)
    if average == "macro":
        return {"precision": float(ps.mean()), "recall": float(rs.mean()), "f1": float(fs.mean())}
    if average == "weighted":
        w = np.array(support, dtype=float)
        total = w.sum()
        if total == 0:
            return {"precision": 0.0, "recall": 0.0, "f1": 0.0}
        return {
            "precision": float((ps * w).sum() / total),
            "recall": float((rs * w).sum() / total),
            "f1": float((fs * w).sum() / total),
        }
    raise ValueError(f"unknown average: {average!r}")


def confusion_at_threshold(y_true: np.ndarray, scores: np.ndarray, threshold: float) -> np.ndarray:
    """R7. Binary confusion matrix of the decision "positive when score >= threshold".

    y_true holds 0 (negative) and 1 (positive); scores are floats, higher meaning more likely positive. A
    score exactly equal to the threshold is predicted positive. Always returns the 2x2 integer array
    [[TN, FP],
     [FN, TP]]
    (rows = true 0, 1; columns = predicted 0, 1), even when a class is absent.
    """
    y_true = np.asarray(y_true)
    pred = (np.asarray(scores) >= threshold).astype(int)
    tn = int(np.sum((y_true == 0) & (pred == 0)))
    fp = int(np.sum((y_true == 0) & (pred == 1)))
    fn = int(np.sum((y_true == 1) & (pred == 0)))
    tp = int(np.sum((y_true == 1) & (pred == 1)))
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
    n_pos = int(np.sum(y_true == 1))
    n_neg = int(np.sum(y_true == 0))
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
        ranks[order[i:j + 1]] = (i + j) / 2.0 + 1.0
        i = j + 1
    rank_sum = ranks[y_true == 1].sum()
    return float((rank_sum - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))


def average_precision(y_true: np.ndarray, scores: np.ndarray) -> float:
    """R9. Average precision, as sklearn.metrics.average_precision_score.

    y_true holds 0 and 1. Take every distinct score value as a threshold, from the highest down; at each,
    predict positive the samples with score >= threshold (tied scores enter together) and compute
    precision P_k and recall R_k. AP = sum over thresholds of (R_k - R_(k-1)) * P_k, with R_0 = 0: a step
    sum, no interpolation, no trapezoid. With no positive in y_true, return 0.0.
    """
    y_true = np.asarray(y_true)
    scores = np.asarray(scores, dtype=float)
    n_pos = int(np.sum(y_true == 1))
    if n_pos == 0:
        return float("nan")
    ap = 0.0
    prev_recall = 0.0
    for t in np.unique(scores)[::-1]:
        pred = scores >= t
        tp = int(np.sum(pred & (y_true == 1)))
        precision = tp / int(np.sum(pred))
        recall = tp / n_pos
        ap += (recall - prev_recall) * precision
        prev_recall = recall
    return float(ap)
