"""R2-R6: precision, recall and F1 with the binary, macro, micro and weighted averages."""

import math

import numpy as np
import pytest
from sklearn.metrics import precision_recall_fscore_support

# The statement's worked example: class 2 is never predicted.
EX_TRUE = np.array([0, 0, 1, 1, 2, 2])
EX_PRED = np.array([0, 1, 1, 1, 1, 1])


def _sklearn(y_true, y_pred, average, pos_label=1):
    return precision_recall_fscore_support(
        y_true, y_pred, average=average, pos_label=pos_label, zero_division=0
    )[:3]


def _check_generated(candidate, as_prf, pairs, average, pos_labels=(1,)):
    for i, (y_true, y_pred) in enumerate(pairs):
        for pos_label in pos_labels:
            want = _sklearn(y_true, y_pred, average, pos_label)
            got = as_prf(candidate.precision_recall_f1(y_true, y_pred, average, pos_label))
            assert got == pytest.approx(want, abs=1e-9), (
                f"case {i}, average={average!r}, pos_label={pos_label}: y_true={y_true.tolist()}, "
                f"y_pred={y_pred.tolist()}: expected (precision, recall, f1) {tuple(map(float, want))}, got {got}"
            )


# ---------------------------------------------------------------- R2 binary


@pytest.mark.points(2)
@pytest.mark.requirement("R2")
def test_binary_precision_recall_f1(candidate, as_prf):
    """Binary, pos_label=1: TP 2, FP 1, FN 2 give precision 2/3, recall 1/2, F1 4/7."""
    got = as_prf(candidate.precision_recall_f1(np.array([1, 1, 1, 1, 0, 0]), np.array([1, 1, 0, 0, 1, 0])))
    assert got == pytest.approx((2 / 3, 1 / 2, 4 / 7)), f"expected (2/3, 1/2, 4/7), got {got}"


@pytest.mark.points(2)
@pytest.mark.requirement("R2")
def test_binary_pos_label_zero(candidate, as_prf):
    """pos_label=0 scores class 0: TP 1, FP 2, FN 1 give precision 1/3, recall 1/2, F1 2/5."""
    y_true, y_pred = np.array([1, 1, 1, 1, 0, 0]), np.array([1, 1, 0, 0, 1, 0])
    got = as_prf(candidate.precision_recall_f1(y_true, y_pred, average="binary", pos_label=0))
    assert got == pytest.approx((1 / 3, 1 / 2, 2 / 5)), f"expected (1/3, 1/2, 2/5) for class 0, got {got}"


@pytest.mark.points(1)
@pytest.mark.requirement("R2")
def test_binary_matches_sklearn_on_generated_labels(candidate, as_prf, binary_pairs):
    """On 25 generated 0/1 label pairs, with pos_label 1 and 0, the three numbers equal scikit-learn's."""
    _check_generated(candidate, as_prf, binary_pairs, "binary", pos_labels=(1, 0))


# ---------------------------------------------------------------- R3 zero division


@pytest.mark.points(2)
@pytest.mark.requirement("R3")
def test_binary_zero_division_is_zero(candidate, as_prf):
    """Binary: a positive class never predicted has precision 0.0, and with no positive at all, 0, 0, 0."""
    never_predicted = as_prf(candidate.precision_recall_f1(np.array([1, 0, 1, 0]), np.array([0, 0, 0, 0])))
    assert never_predicted == (0.0, 0.0, 0.0), f"expected (0.0, 0.0, 0.0), got {never_predicted}"
    nothing_positive = as_prf(candidate.precision_recall_f1(np.array([0, 0, 0]), np.array([0, 0, 0])))
    assert nothing_positive == (0.0, 0.0, 0.0), f"expected (0.0, 0.0, 0.0) with no positive, got {nothing_positive}"


@pytest.mark.points(1)
@pytest.mark.requirement("R3")
def test_f1_is_zero_when_precision_and_recall_are_zero(candidate, as_prf):
    """Binary: predicted and true positives that never overlap give precision 0, recall 0 and F1 0.0."""
    got = as_prf(candidate.precision_recall_f1(np.array([1, 1, 0, 0]), np.array([0, 0, 1, 1])))
    assert got == (0.0, 0.0, 0.0), f"expected (0.0, 0.0, 0.0), got {got}"


@pytest.mark.points(2)
@pytest.mark.requirement("R3")
def test_no_nan_in_any_average(candidate, as_prf):
    """Macro, micro and weighted never give NaN when a class is never predicted or never true."""
    y_true, y_pred = np.array([0, 0, 1, 1, 2]), np.array([0, 0, 0, 3, 3])
    for average in ("macro", "micro", "weighted"):
        got = as_prf(candidate.precision_recall_f1(y_true, y_pred, average=average))
        assert not any(math.isnan(v) for v in got), f"average={average!r} gave NaN: {got}"
        want = _sklearn(y_true, y_pred, average)
        assert got == pytest.approx(want), f"average={average!r}: expected {tuple(map(float, want))}, got {got}"


# ---------------------------------------------------------------- R4 macro


@pytest.mark.points(2)
@pytest.mark.requirement("R4")
def test_macro_worked_example(candidate, as_prf):
    """The worked example: macro precision 7/15, recall 1/2, F1 (2/3 + 4/7 + 0) / 3 (class 2 counts as 0)."""
    got = as_prf(candidate.precision_recall_f1(EX_TRUE, EX_PRED, average="macro"))
    want = (7 / 15, 1 / 2, (2 / 3 + 4 / 7) / 3)
    assert got == pytest.approx(want), f"expected {want}, got {got}"


@pytest.mark.points(2)
@pytest.mark.requirement("R4")
def test_macro_counts_a_class_that_is_only_predicted(candidate, as_prf):
    """A label that is predicted but never true (2) is a class of the macro mean: precision 2/3, recall 1/2."""
    got = as_prf(candidate.precision_recall_f1(np.array([0, 0, 1, 1]), np.array([0, 2, 1, 1]), average="macro"))
    # per class 0, 1, 2: precision 1, 1, 0; recall 1/2, 1, 0 (0/0); F1 2/3, 1, 0
    want = (2 / 3, 1 / 2, 5 / 9)
    assert got == pytest.approx(want), f"expected {want} (mean over classes 0, 1, 2), got {got}"


@pytest.mark.points(1)
@pytest.mark.requirement("R4")
def test_macro_f1_is_mean_of_per_class_f1(candidate, as_prf):
    """Macro F1 is the mean of the per-class F1 values (2/5 here), not the F1 of macro P and R (5/8)."""
    y_true = np.array([0, 0, 0, 0, 1])
    y_pred = np.array([0, 1, 1, 1, 1])
    got = as_prf(candidate.precision_recall_f1(y_true, y_pred, average="macro"))
    # class 0: P 1, R 1/4, F1 2/5; class 1: P 1/4, R 1, F1 2/5 -> macro P 5/8, R 5/8, F1 2/5
    assert got == pytest.approx((5 / 8, 5 / 8, 2 / 5)), f"expected (5/8, 5/8, 2/5), got {got}"


@pytest.mark.points(1)
@pytest.mark.requirement("R4")
def test_macro_matches_sklearn_on_generated_labels(candidate, as_prf, labelled_pairs):
    """On 25 generated label pairs (labels among 0, 1, 3, 7, 10), macro equals scikit-learn's."""
    _check_generated(candidate, as_prf, labelled_pairs, "macro")


# ---------------------------------------------------------------- R5 micro


@pytest.mark.points(2)
@pytest.mark.requirement("R5")
def test_micro_worked_example(candidate, as_prf):
    """The worked example: micro precision, recall and F1 are all 3/6 = 0.5 (pooled counts)."""
    got = as_prf(candidate.precision_recall_f1(EX_TRUE, EX_PRED, average="micro"))
    assert got == pytest.approx((0.5, 0.5, 0.5)), f"expected (0.5, 0.5, 0.5), got {got}"


@pytest.mark.points(1)
@pytest.mark.requirement("R5")
def test_micro_pools_counts_over_unbalanced_classes(candidate, as_prf):
    """Micro on 9 samples of a big class and 1 of a small one: 8 of 10 right gives 0.8 everywhere."""
    y_true = np.array([0] * 9 + [1])
    y_pred = np.array([0] * 8 + [1, 0])
    got = as_prf(candidate.precision_recall_f1(y_true, y_pred, average="micro"))
    assert got == pytest.approx((0.8, 0.8, 0.8)), f"expected (0.8, 0.8, 0.8), got {got}"


@pytest.mark.points(1)
@pytest.mark.requirement("R5")
def test_micro_matches_sklearn_on_generated_labels(candidate, as_prf, labelled_pairs):
    """On 25 generated label pairs, micro equals scikit-learn's."""
    _check_generated(candidate, as_prf, labelled_pairs, "micro")


# ---------------------------------------------------------------- R6 weighted


@pytest.mark.points(2)
@pytest.mark.requirement("R6")
def test_weighted_by_support(candidate, as_prf):
    """Supports 3, 1, 2: per-class values weighted 3/6, 1/6, 2/6 (not by how often a class is predicted)."""
    y_true = np.array([0, 0, 0, 1, 2, 2])
    y_pred = np.array([0, 0, 1, 1, 1, 2])
    # class 0: P 1, R 2/3, F1 4/5; class 1: P 1/3, R 1, F1 1/2; class 2: P 1, R 1/2, F1 2/3
    want = (
        (3 * 1 + 1 / 3 + 2 * 1) / 6,
        (3 * 2 / 3 + 1 + 2 * 1 / 2) / 6,
        (3 * 4 / 5 + 1 / 2 + 2 * 2 / 3) / 6,
    )
    got = as_prf(candidate.precision_recall_f1(y_true, y_pred, average="weighted"))
    assert got == pytest.approx(want), f"expected {want}, got {got}"


@pytest.mark.points(1)
@pytest.mark.requirement("R6")
def test_weighted_is_not_macro(candidate, as_prf):
    """Supports 3 and 1: weighted precision, recall and F1 are 3/4 * 2/3 + 1/4 * 0 = 0.5 (macro: 1/3)."""
    got = as_prf(candidate.precision_recall_f1(np.array([0, 0, 0, 1]), np.array([0, 0, 1, 0]), average="weighted"))
    assert got == pytest.approx((0.5, 0.5, 0.5)), f"expected (0.5, 0.5, 0.5), got {got}"


@pytest.mark.points(1)
@pytest.mark.requirement("R6")
def test_weighted_class_absent_from_truth_weighs_zero(candidate, as_prf):
    """A class that is only predicted (9) has support 0 and so weight 0 in the weighted mean."""
    got = as_prf(candidate.precision_recall_f1(np.array([0, 0, 1, 1]), np.array([0, 9, 1, 1]), average="weighted"))
    # class 0 (support 2): P 1, R 1/2, F1 2/3; class 1 (support 2): P 1, R 1, F1 1; class 9: weight 0
    assert got == pytest.approx((1.0, 3 / 4, 5 / 6)), f"expected (1.0, 0.75, 0.8333), got {got}"


@pytest.mark.points(1)
@pytest.mark.requirement("R6")
def test_weighted_matches_sklearn_on_generated_labels(candidate, as_prf, labelled_pairs):
    """On 25 generated label pairs, weighted equals scikit-learn's."""
    _check_generated(candidate, as_prf, labelled_pairs, "weighted")
