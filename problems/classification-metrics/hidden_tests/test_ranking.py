"""R8 ROC AUC from ranks and R9 average precision."""

import math

import numpy as np
import pytest
from sklearn.metrics import average_precision_score, roc_auc_score

EX_Y = np.array([0, 0, 1, 1])
EX_S = np.array([0.1, 0.5, 0.5, 0.9])


def _float(value) -> float:
    assert isinstance(value, (float, np.floating)) or np.ndim(value) == 0, (
        f"expected a single float, got {type(value).__name__}"
    )
    return float(value)


# ---------------------------------------------------------------- R8 ROC AUC


@pytest.mark.points(2)
@pytest.mark.requirement("R8")
def test_auc_tie_counts_one_half(candidate):
    """The worked example: the tied positive and negative at 0.5 count one half, AUC = 0.875."""
    got = _float(candidate.roc_auc(EX_Y, EX_S))
    assert got == pytest.approx(0.875), f"expected 0.875 (ranks 1, 2.5, 2.5, 4), got {got}"


@pytest.mark.points(1)
@pytest.mark.requirement("R8")
def test_auc_without_ties(candidate):
    """No ties: 5 of the 6 positive-negative pairs are ordered right, AUC = 5/6."""
    got = _float(candidate.roc_auc(np.array([1, 0, 1, 0, 0]), np.array([0.9, 0.8, 0.3, 0.2, 0.1])))
    assert got == pytest.approx(5 / 6), f"expected 5/6, got {got}"


@pytest.mark.points(1)
@pytest.mark.requirement("R8")
def test_auc_all_scores_tied_is_one_half(candidate):
    """Every score equal: every pair is a tie, AUC = 0.5."""
    for y in (np.array([1, 0, 0, 1]), np.array([0, 1, 1, 0])):
        got = _float(candidate.roc_auc(y, np.full(4, 0.3)))
        assert got == pytest.approx(0.5), f"y_true={y.tolist()}, all scores 0.3: expected 0.5, got {got}"


@pytest.mark.points(2)
@pytest.mark.requirement("R8")
def test_auc_matches_sklearn_on_generated_scores(candidate, scored):
    """On 25 generated score sets with many ties, AUC equals roc_auc_score."""
    for i, (y, s) in enumerate(scored):
        want = roc_auc_score(y, s)
        got = _float(candidate.roc_auc(y, s))
        assert got == pytest.approx(want, abs=1e-9), (
            f"case {i}: y={y.tolist()}, scores={s.tolist()}: expected {want}, got {got}"
        )


@pytest.mark.points(1)
@pytest.mark.requirement("R8")
def test_auc_one_class_is_nan(candidate):
    """Only positives (or only negatives) in y_true: AUC is undefined and the function returns nan."""
    for y in (np.array([1, 1, 1]), np.array([0, 0, 0])):
        got = _float(candidate.roc_auc(y, np.array([0.2, 0.5, 0.9])))
        assert math.isnan(got), f"y_true={y.tolist()}: expected nan, got {got}"


# ---------------------------------------------------------------- R9 average precision


@pytest.mark.points(2)
@pytest.mark.requirement("R9")
def test_ap_tied_scores_enter_together(candidate):
    """The worked example: at threshold 0.5 both tied samples enter at once, AP = 0.5 + 0.5 * 2/3,
    whichever of the two comes first in the arrays."""
    for y in (EX_Y, np.array([0, 1, 0, 1])):
        got = _float(candidate.average_precision(y, EX_S))
        assert got == pytest.approx(0.5 + 0.5 * 2 / 3), f"y_true={y.tolist()}: expected 0.8333, got {got}"


@pytest.mark.points(2)
@pytest.mark.requirement("R9")
def test_ap_step_sum_without_ties(candidate):
    """No ties, ranking + - - + +: AP = (1 + 2/4 + 3/5) / 3 = 0.7 (a step sum: no trapezoid, and the
    precision at each step is not replaced by a later, higher one)."""
    y = np.array([1, 0, 0, 1, 1])
    s = np.array([0.9, 0.8, 0.7, 0.6, 0.5])
    got = _float(candidate.average_precision(y, s))
    assert got == pytest.approx((1 + 2 / 4 + 3 / 5) / 3), f"expected 0.7, got {got}"


@pytest.mark.points(1)
@pytest.mark.requirement("R9")
def test_ap_matches_sklearn_on_generated_scores(candidate, scored):
    """On 25 generated score sets with many ties, AP equals average_precision_score."""
    for i, (y, s) in enumerate(scored):
        want = average_precision_score(y, s)
        got = _float(candidate.average_precision(y, s))
        assert got == pytest.approx(want, abs=1e-9), (
            f"case {i}: y={y.tolist()}, scores={s.tolist()}: expected {want}, got {got}"
        )


@pytest.mark.points(1)
@pytest.mark.requirement("R9")
def test_ap_no_positive_is_zero(candidate):
    """No positive in y_true: AP is 0.0."""
    got = _float(candidate.average_precision(np.array([0, 0, 0]), np.array([0.3, 0.6, 0.9])))
    assert got == 0.0, f"expected 0.0, got {got}"
