import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler


@pytest.mark.points(4)
@pytest.mark.requirement("R5")
def test_fit_and_evaluate_hand_computed_metrics(candidate, lookup_classifier):
    """Accuracy 5/8, macro F1 11/18 and the confusion matrix (rows true, columns predicted, ascending)."""
    # the lookup model predicts column 0; (true, predicted) pairs, listed with label 2 first
    pairs = [(2, 2), (2, 0), (1, 1), (0, 0), (1, 2), (0, 1), (0, 0), (1, 1)]
    y_test = np.array([t for t, _ in pairs])
    X_test = np.array([[p, 0.0] for _, p in pairs], dtype=float)
    X_train = np.zeros((6, 2))
    y_train = np.array([0, 1, 2, 0, 1, 2])
    _, metrics = candidate.fit_and_evaluate(lookup_classifier(), X_train, y_train, X_test, y_test)
    assert set(metrics) >= {"accuracy", "f1_macro", "confusion_matrix"}, f"keys: {sorted(metrics)}"
    assert metrics["accuracy"] == pytest.approx(5 / 8)
    # F1 per class: 2/3, 2/3, 1/2 -> macro 11/18
    assert metrics["f1_macro"] == pytest.approx(11 / 18), (
        f"macro F1 should be 11/18 = 0.6111, got {metrics['f1_macro']:.4f}"
    )
    want = np.array([[2, 1, 0], [0, 2, 1], [1, 0, 1]])
    got = np.asarray(metrics["confusion_matrix"])
    assert np.array_equal(got, want), f"confusion matrix: expected\n{want}\ngot\n{got}"


@pytest.mark.points(1)
@pytest.mark.requirement("R5")
def test_macro_f1_is_not_accuracy_on_balanced_labels(candidate, lookup_classifier):
    """Macro F1 on two equally frequent classes: the mean of the per-class F1 scores (11/15), not accuracy (3/4)."""
    y_test = np.array([0, 0, 1, 1])
    X_test = np.array([[0, 0.0], [0, 0.0], [0, 0.0], [1, 0.0]])  # predicts 0, 0, 0, 1
    _, metrics = candidate.fit_and_evaluate(lookup_classifier(), np.zeros((4, 2)), np.array([0, 1, 0, 1]),
                                            X_test, y_test)
    # F1(class 0) = 2*2 / (2*2 + 1) = 4/5, F1(class 1) = 2*1 / (2*1 + 1) = 2/3: macro (4/5 + 2/3) / 2 = 11/15
    assert metrics["f1_macro"] == pytest.approx(11 / 15), (
        f"macro F1 should be 11/15 = 0.7333, got {metrics['f1_macro']:.4f} (3/4 would be accuracy, i.e. micro F1)"
    )


@pytest.mark.points(1)
@pytest.mark.requirement("R5")
def test_confusion_matrix_includes_label_absent_from_test(candidate, lookup_classifier):
    """Confusion-matrix labels are those of y_train and y_test together, in ascending order."""
    y_train = np.array([0, 1, 2, 0, 1, 2])
    y_test = np.array([1, 0, 1, 0])
    X_test = np.array([[1, 0.0], [1, 0.0], [1, 0.0], [0, 0.0]])
    _, metrics = candidate.fit_and_evaluate(lookup_classifier(), np.zeros((6, 2)), y_train, X_test, y_test)
    want = np.array([[1, 1, 0], [0, 2, 0], [0, 0, 0]])
    got = np.asarray(metrics["confusion_matrix"])
    assert np.array_equal(got, want), f"confusion matrix: expected\n{want}\ngot\n{got}"
    # label 2 appears only in the test part (true, predicted): (0,0), (2,2), (1,2), (2,1)
    y_test = np.array([0, 2, 1, 2])
    X_test = np.array([[0, 0.0], [2, 0.0], [2, 0.0], [1, 0.0]])
    _, metrics = candidate.fit_and_evaluate(
        lookup_classifier(), np.zeros((4, 2)), np.array([0, 1, 0, 1]), X_test, y_test
    )
    want = np.array([[1, 0, 0], [0, 0, 1], [0, 1, 1]])
    got = np.asarray(metrics["confusion_matrix"])
    assert np.array_equal(got, want), f"confusion matrix: expected\n{want}\ngot\n{got}"


@pytest.mark.points(2)
@pytest.mark.requirement("R5")
def test_fit_and_evaluate_returns_fitted_model(candidate, iris):
    """The returned model is fitted and its test predictions reproduce the reported accuracy."""
    X, y = iris
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, stratify=y, random_state=1)
    model, metrics = candidate.fit_and_evaluate(
        make_pipeline(StandardScaler(), LogisticRegression()), X_train, y_train, X_test, y_test
    )
    if not candidate.doubles.is_fitted(model):
        pytest.fail("the returned model is not fitted")
    acc = float(np.mean(model.predict(X_test) == y_test))
    assert metrics["accuracy"] == pytest.approx(acc)
    assert metrics["accuracy"] >= 0.9


@pytest.mark.points(2)
@pytest.mark.requirement("R5")
def test_fit_and_evaluate_fits_on_all_raw_training_rows(candidate, iris_with_ids, spy, raw_ids):
    """The model is fitted on all training rows and predicts the test rows, both unchanged."""
    spy_cls, calls = spy
    X, y = iris_with_ids
    X_train, X_test, y_train, y_test = X[1::2], X[::2], y[1::2], y[::2]
    candidate.fit_and_evaluate(spy_cls(tag="fe"), X_train, y_train, X_test, y_test)
    fits = [X_seen for kind, X_seen in calls["fe"] if kind == "fit"]
    preds = [X_seen for kind, X_seen in calls["fe"] if kind == "predict"]
    assert fits, "the model was never fitted"
    for X_seen in fits:
        assert sorted(raw_ids(X_seen, X)) == sorted(X_train[:, 0].astype(int)), (
            "the model must be fitted on all training rows (and only those)"
        )
    assert any(sorted(raw_ids(p, X)) == sorted(X_test[:, 0].astype(int)) for p in preds), (
        "the model must predict the test rows"
    )
