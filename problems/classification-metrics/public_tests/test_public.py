"""Public examples, one per requirement, mostly the statement's worked example. The graded suite is larger."""

import math

import numpy as np
import pytest

Y_TRUE = np.array([0, 0, 1, 1, 2, 2])
Y_PRED = np.array([0, 1, 1, 1, 1, 1])  # class 2 is never predicted
Y = np.array([0, 0, 1, 1])
S = np.array([0.1, 0.5, 0.5, 0.9])


def triple(result):
    return result["precision"], result["recall"], result["f1"]


@pytest.mark.requirement("R1")
def test_confusion_matrix_docstring_example(candidate):
    """Labels 3, 7, 10; rows are true labels, columns predicted ones."""
    got = np.asarray(candidate.confusion_matrix(np.array([3, 3, 7, 10]), np.array([3, 7, 7, 7])))
    assert got.tolist() == [[1, 1, 0], [0, 1, 0], [0, 1, 0]]


@pytest.mark.requirement("R2")
def test_binary(candidate):
    """TP 2, FP 1, FN 2: precision 2/3, recall 1/2, F1 4/7."""
    got = triple(candidate.precision_recall_f1(np.array([1, 1, 1, 1, 0, 0]), np.array([1, 1, 0, 0, 1, 0])))
    assert got == pytest.approx((2 / 3, 1 / 2, 4 / 7))


@pytest.mark.requirement("R3")
def test_never_predicted_positive_gives_zero(candidate):
    """No sample predicted 1: precision is 0/0, which is 0.0 (not NaN)."""
    got = triple(candidate.precision_recall_f1(np.array([1, 0, 1, 0]), np.array([0, 0, 0, 0])))
    assert got == (0.0, 0.0, 0.0)


@pytest.mark.requirement("R4")
def test_macro_worked_example(candidate):
    """Macro F1 = (2/3 + 4/7 + 0) / 3: class 2, never predicted, counts with F1 0."""
    got = triple(candidate.precision_recall_f1(Y_TRUE, Y_PRED, average="macro"))
    assert got == pytest.approx((7 / 15, 1 / 2, (2 / 3 + 4 / 7) / 3))


@pytest.mark.requirement("R5")
def test_micro_worked_example(candidate):
    """Micro: 3 of 6 right, so precision = recall = F1 = 0.5."""
    got = triple(candidate.precision_recall_f1(Y_TRUE, Y_PRED, average="micro"))
    assert got == pytest.approx((0.5, 0.5, 0.5))


@pytest.mark.requirement("R6")
def test_weighted_equal_supports(candidate):
    """Equal supports (2, 2, 2): weighted equals macro here."""
    got = triple(candidate.precision_recall_f1(Y_TRUE, Y_PRED, average="weighted"))
    assert got == pytest.approx((7 / 15, 1 / 2, (2 / 3 + 4 / 7) / 3))


@pytest.mark.requirement("R7")
def test_threshold_worked_example(candidate):
    """Both 0.5 scores are predicted positive at threshold 0.5: [[TN, FP], [FN, TP]] = [[1, 1], [0, 2]]."""
    assert np.asarray(candidate.confusion_at_threshold(Y, S, 0.5)).tolist() == [[1, 1], [0, 2]]


@pytest.mark.requirement("R8")
def test_auc_worked_example(candidate):
    """Ranks 1, 2.5, 2.5, 4: AUC = (6.5 - 3) / 4 = 0.875; one class only gives nan."""
    assert candidate.roc_auc(Y, S) == pytest.approx(0.875)
    assert math.isnan(candidate.roc_auc(np.array([1, 1]), np.array([0.2, 0.4])))


@pytest.mark.requirement("R9")
def test_average_precision_worked_example(candidate):
    """Thresholds 0.9, 0.5, 0.1: AP = 0.5 * 1 + 0.5 * 2/3."""
    assert candidate.average_precision(Y, S) == pytest.approx(0.5 + 0.5 * 2 / 3)
