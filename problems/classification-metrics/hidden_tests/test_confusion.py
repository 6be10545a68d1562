"""R1 confusion matrix and R7 the confusion matrix of a threshold."""

import numpy as np
import pytest
from sklearn.metrics import confusion_matrix as sk_confusion_matrix


def _matrix(got) -> np.ndarray:
    got = np.asarray(got)
    assert got.ndim == 2, f"expected a 2-D array, got shape {got.shape}"
    return got


# ---------------------------------------------------------------- R1


@pytest.mark.points(2)
@pytest.mark.requirement("R1")
def test_rows_true_columns_predicted(candidate):
    """Rows are true labels and columns predicted labels (labels 3, 7, 10, the docstring's example)."""
    got = _matrix(candidate.confusion_matrix(np.array([3, 3, 7, 10]), np.array([3, 7, 7, 7])))
    want = [[1, 1, 0], [0, 1, 0], [0, 1, 0]]
    assert got.tolist() == want, f"expected {want} (rows = true 3, 7, 10; columns = predicted), got {got.tolist()}"


@pytest.mark.points(2)
@pytest.mark.requirement("R1")
def test_labels_are_the_union_of_true_and_predicted(candidate):
    """A class never predicted (2) and a class never true (5) both get a row and a column."""
    got = _matrix(candidate.confusion_matrix(np.array([0, 0, 1, 2, 2]), np.array([0, 5, 1, 1, 0])))
    want = [[1, 0, 0, 1], [0, 1, 0, 0], [1, 1, 0, 0], [0, 0, 0, 0]]
    assert got.shape == (4, 4), f"labels 0, 1, 2, 5 give a 4x4 matrix, got shape {got.shape}"
    assert got.tolist() == want, f"expected {want}, got {got.tolist()}"


@pytest.mark.points(1)
@pytest.mark.requirement("R1")
def test_integer_counts(candidate):
    """The matrix holds integer counts that add up to the number of samples."""
    got = _matrix(candidate.confusion_matrix(np.array([1, 0, 0, 1]), np.array([1, 1, 1, 1])))
    assert np.issubdtype(got.dtype, np.integer), f"expected an integer dtype, got {got.dtype}"
    assert int(got.sum()) == 4 and got.tolist() == [[0, 2], [0, 2]], f"expected [[0, 2], [0, 2]], got {got.tolist()}"


@pytest.mark.points(1)
@pytest.mark.requirement("R1")
def test_matches_sklearn_on_generated_labels(candidate, labelled_pairs):
    """On 25 generated label pairs (labels among 0, 1, 3, 7, 10), the matrix equals scikit-learn's."""
    for i, (y_true, y_pred) in enumerate(labelled_pairs):
        want = sk_confusion_matrix(y_true, y_pred)
        got = np.asarray(candidate.confusion_matrix(y_true, y_pred))
        assert got.shape == want.shape and (got == want).all(), (
            f"case {i}: y_true={y_true.tolist()}, y_pred={y_pred.tolist()}: expected {want.tolist()}, "
            f"got {got.tolist()}"
        )


# ---------------------------------------------------------------- R7


@pytest.mark.points(2)
@pytest.mark.requirement("R7")
def test_score_equal_to_threshold_is_positive(candidate):
    """The worked example: both scores of exactly 0.5 are predicted positive at threshold 0.5."""
    got = _matrix(candidate.confusion_at_threshold(np.array([0, 0, 1, 1]), np.array([0.1, 0.5, 0.5, 0.9]), 0.5))
    assert got.tolist() == [[1, 1], [0, 2]], f"expected [[1, 1], [0, 2]] (score >= threshold), got {got.tolist()}"


@pytest.mark.points(1)
@pytest.mark.requirement("R7")
def test_threshold_layout(candidate):
    """The layout is [[TN, FP], [FN, TP]]: 3 TN, 2 FP, 1 FN, 4 TP."""
    y = np.array([0, 0, 0, 0, 0, 1, 1, 1, 1, 1])
    s = np.array([0.1, 0.2, 0.3, 0.8, 0.9, 0.2, 0.6, 0.7, 0.8, 0.9])
    got = _matrix(candidate.confusion_at_threshold(y, s, 0.55))
    assert got.tolist() == [[3, 2], [1, 4]], f"expected [[TN, FP], [FN, TP]] = [[3, 2], [1, 4]], got {got.tolist()}"


@pytest.mark.points(1)
@pytest.mark.requirement("R7")
def test_threshold_matrix_is_always_2x2(candidate):
    """Always 2x2: every score below the threshold, and labels all 1."""
    none_positive = _matrix(candidate.confusion_at_threshold(np.array([0, 1, 0]), np.array([0.2, 0.4, 0.1]), 0.5))
    assert none_positive.tolist() == [[2, 0], [1, 0]], f"expected [[2, 0], [1, 0]], got {none_positive.tolist()}"
    all_true = _matrix(candidate.confusion_at_threshold(np.array([1, 1]), np.array([0.9, 0.9]), 0.9))
    assert all_true.tolist() == [[0, 0], [0, 2]], f"expected [[0, 0], [0, 2]], got {all_true.tolist()}"


@pytest.mark.points(1)
@pytest.mark.requirement("R7")
def test_threshold_matches_sklearn_on_generated_scores(candidate, scored):
    """On 25 generated score sets, each at the thresholds 0.3, 0.5 and 0.7 (scores on that grid)."""
    for i, (y, s) in enumerate(scored):
        for t in (0.3, 0.5, 0.7):
            want = sk_confusion_matrix(y, (s >= t).astype(int), labels=[0, 1])
            got = np.asarray(candidate.confusion_at_threshold(y, s, t))
            assert got.shape == (2, 2) and (got == want).all(), (
                f"case {i}, threshold {t}: expected {want.tolist()}, got {got.tolist()}"
            )
