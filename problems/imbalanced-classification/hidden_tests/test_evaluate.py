import math

import numpy as np
import pytest


def _matrix(metrics):
    assert "confusion_matrix" in metrics, f"no 'confusion_matrix' key; keys: {sorted(metrics)}"
    return np.asarray(metrics["confusion_matrix"])


@pytest.mark.points(3)
@pytest.mark.requirement("R4")
def test_worked_example_at_threshold(candidate, example):
    """The statement's example at 0.62: precision 7/9, recall 0.7, confusion matrix [[8, 2], [3, 7]]."""
    y, scores = example
    metrics = candidate.evaluate(y, scores, 0.62)
    assert set(metrics) >= {"precision", "recall", "pr_auc", "confusion_matrix"}, f"keys: {sorted(metrics)}"
    assert metrics["precision"] == pytest.approx(7 / 9), f"precision: expected 7/9, got {metrics['precision']}"
    assert metrics["recall"] == pytest.approx(0.7), f"recall: expected 0.7, got {metrics['recall']}"
    got = _matrix(metrics)
    assert got.tolist() == [[8, 2], [3, 7]], (
        f"confusion matrix at 0.62 (a row is positive when score >= 0.62): expected [[8, 2], [3, 7]], "
        f"got {got.tolist()}"
    )


@pytest.mark.points(4)
@pytest.mark.requirement("R4")
def test_pr_auc_is_average_precision(candidate, example):
    """pr_auc is average precision (0.7850 on the example), not ROC AUC (0.81) or a trapezoid (0.7684)."""
    y, scores = example
    # positives at ranks 1, 2, 4, 6, 7, 8, 9, 11, 12, 14: AP = mean of the precision at each of them
    ap = np.mean([1 / 1, 2 / 2, 3 / 4, 4 / 6, 5 / 7, 6 / 8, 7 / 9, 8 / 11, 9 / 12, 10 / 14])
    got = candidate.evaluate(y, scores, 0.62)["pr_auc"]
    assert got == pytest.approx(ap, abs=1e-9), (
        f"pr_auc: expected average precision {ap:.4f}, got {got:.4f}"
        + (" (that is the ROC AUC)" if abs(got - 0.81) < 1e-9 else "")
    )
    # a threshold-free number: the same at any threshold
    assert candidate.evaluate(y, scores, 0.3)["pr_auc"] == pytest.approx(ap, abs=1e-9), (
        "pr_auc changed with the threshold; it must be computed from the scores"
    )


@pytest.mark.points(2)
@pytest.mark.requirement("R4")
def test_score_equal_to_threshold_is_positive(candidate):
    """A row whose score equals the threshold is predicted positive (score >= threshold)."""
    y = np.array([0, 1, 1, 0, 1, 0])
    scores = np.array([0.2, 0.6, 0.4, 0.6, 0.9, 0.1])
    metrics = candidate.evaluate(y, scores, 0.6)
    got = _matrix(metrics)
    # predicted positive: 0.6 (y 1), 0.6 (y 0), 0.9 (y 1)
    assert got.tolist() == [[2, 1], [1, 2]], f"expected [[2, 1], [1, 2]], got {got.tolist()}"
    assert metrics["precision"] == pytest.approx(2 / 3) and metrics["recall"] == pytest.approx(2 / 3)


@pytest.mark.points(1)
@pytest.mark.requirement("R4")
def test_confusion_matrix_orientation(candidate):
    """Rows are the true label and columns the prediction: [[TN, FP], [FN, TP]]."""
    y = np.array([0, 0, 0, 0, 1, 1, 1])
    scores = np.array([0.9, 0.8, 0.7, 0.1, 0.35, 0.2, 0.95])
    metrics = candidate.evaluate(y, scores, 0.5)
    got = _matrix(metrics)
    # TN 1, FP 3, FN 2, TP 1
    assert got.tolist() == [[1, 3], [2, 1]], f"expected [[1, 3], [2, 1]], got {got.tolist()}"
    assert metrics["precision"] == pytest.approx(1 / 4) and metrics["recall"] == pytest.approx(1 / 3)


@pytest.mark.points(1)
@pytest.mark.requirement("R4")
def test_nothing_flagged_gives_precision_zero(candidate):
    """A threshold above every score flags nothing: precision 0.0 (not NaN), recall 0.0."""
    y = np.array([0, 1, 0, 1, 0])
    scores = np.array([0.1, 0.4, 0.3, 0.2, 0.25])
    metrics = candidate.evaluate(y, scores, 0.5)
    p = metrics["precision"]
    assert not math.isnan(p) and p == 0.0, f"precision with nothing flagged must be 0.0, got {p}"
    assert metrics["recall"] == 0.0
    assert _matrix(metrics).tolist() == [[3, 0], [2, 0]]


@pytest.mark.points(1)
@pytest.mark.requirement("R4")
def test_confusion_matrix_is_2x2_with_one_label(candidate):
    """The confusion matrix is 2x2 even when only label 0 occurs (no fraud, nothing flagged)."""
    y = np.array([0, 0, 0, 0])
    scores = np.array([0.1, 0.2, 0.3, 0.4])
    got = _matrix(candidate.evaluate(y, scores, 0.5))
    assert got.tolist() == [[4, 0], [0, 0]], f"expected [[4, 0], [0, 0]], got {got.tolist()}"


@pytest.mark.points(1)
@pytest.mark.requirement("R4")
def test_confusion_matrix_is_2x2_when_only_fraud_occurs(candidate):
    """The confusion matrix is 2x2 when only label 1 occurs, true and predicted (every row fraud, all flagged)."""
    y = np.array([1, 1, 1])
    scores = np.array([0.6, 0.7, 0.9])
    got = _matrix(candidate.evaluate(y, scores, 0.5))
    assert got.tolist() == [[0, 0], [0, 3]], f"expected [[0, 0], [0, 3]], got {got.tolist()}"


@pytest.mark.points(1)
@pytest.mark.requirement("R4")
def test_pr_auc_small_case(candidate):
    """Average precision on 5 rows (positives ranked 1st and 3rd): (1 + 2/3) / 2 = 5/6."""
    # by descending score: 0.9 fraud, 0.8 legit, 0.7 fraud, 0.6 legit, 0.5 legit (given shuffled)
    y = np.array([0, 1, 0, 0, 1])
    scores = np.array([0.6, 0.7, 0.5, 0.8, 0.9])
    got = candidate.evaluate(y, scores, 0.5)["pr_auc"]
    assert got == pytest.approx(5 / 6, abs=1e-9), (
        f"pr_auc: expected average precision 5/6 = 0.8333 (precision 1 at the first positive, 2/3 at "
        f"the second), got {got:.4f}"
    )
