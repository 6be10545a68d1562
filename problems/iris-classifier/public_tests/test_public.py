"""Public examples, one or more per requirement. The hidden suite that grades you is larger."""

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_iris
from sklearn.dummy import DummyClassifier

PIPELINE = "sklearn.pipeline.Pipeline"


@pytest.mark.requirement("R1")
def test_split_iris_is_stratified(candidate):
    """Iris, test_size=0.2: 120 train / 30 test rows, 10 test rows per class."""
    X, y = load_iris(return_X_y=True)
    X_train, X_test, _, y_test = candidate.split_data(X, y, test_size=0.2, seed=0)
    assert X_train.shape == (120, 4) and X_test.shape == (30, 4)
    assert np.bincount(y_test).tolist() == [10, 10, 10]


@pytest.mark.requirement("R2")
def test_make_models_has_two_families_and_a_scaled_pipeline(candidate):
    """2+ models of 2+ estimator classes, one of them a Pipeline (the scaler goes inside it)."""
    models = candidate.make_models(0)  # {name: a handle to the model, which stays in solution.py's process}
    pipelines = {name for name, m in models.items() if candidate.isinstance(m, PIPELINE)}
    final = {
        candidate.doubles.class_path(m.steps[-1][1] if name in pipelines else m).rpartition(".")[2]
        for name, m in models.items()
    }
    assert len(models) >= 2 and len(final) >= 2, f"final estimator classes: {sorted(final)}"
    assert pipelines, "no model is a Pipeline"


@pytest.mark.requirement("R3")
def test_worked_example_macro_f1(candidate):
    """The statement's example: majority-class model on 40/10 labels, accuracy 0.8, macro F1 4/9."""
    y = np.array([0] * 40 + [1] * 10)
    X = np.arange(50, dtype=float).reshape(-1, 1)
    table = candidate.cross_validate_models(
        {"majority": DummyClassifier(strategy="most_frequent")}, X, y, folds=5, seed=0
    )
    assert list(table.columns) == ["accuracy_mean", "accuracy_std", "f1_macro_mean", "f1_macro_std"]
    assert table.loc["majority", "accuracy_mean"] == pytest.approx(0.8)
    assert table.loc["majority", "f1_macro_mean"] == pytest.approx(4 / 9)


@pytest.mark.requirement("R4")
def test_select_best_docstring_example(candidate):
    """select_best's docstring example: the higher macro F1 wins over the higher accuracy."""
    table = pd.DataFrame(
        {
            "accuracy_mean": [0.97, 0.93],
            "accuracy_std": [0.01, 0.05],
            "f1_macro_mean": [0.90, 0.95],
            "f1_macro_std": [0.02, 0.06],
        },
        index=["knn", "tree"],
    )
    assert candidate.select_best(table) == "tree"


@pytest.mark.requirement("R5")
def test_fit_and_evaluate_always_predicting_zero(candidate):
    """A model that always predicts 0: accuracy, macro F1 and a confusion matrix (rows true, columns predicted)."""
    X_train, y_train = np.zeros((4, 1)), np.array([0, 0, 0, 1])
    X_test, y_test = np.zeros((4, 1)), np.array([0, 0, 1, 1])
    model, metrics = candidate.fit_and_evaluate(
        DummyClassifier(strategy="most_frequent"), X_train, y_train, X_test, y_test
    )
    assert metrics["accuracy"] == pytest.approx(0.5)
    assert metrics["f1_macro"] == pytest.approx((2 / 3 + 0) / 2)  # F1 2/3 for class 0, 0 for class 1
    assert np.asarray(metrics["confusion_matrix"]).tolist() == [[2, 0], [2, 0]]
    assert model.predict(X_test).tolist() == [0, 0, 0, 0]  # the returned model is fitted


@pytest.mark.requirement("R6")
def test_iris_accuracy_floor(candidate):
    """Default models on Iris (test_size=0.2, folds=5, seed=0): test accuracy >= 0.9."""
    X, y = load_iris(return_X_y=True)
    result = candidate.run_experiment(X, y, test_size=0.2, folds=5, seed=0)
    assert set(result) >= {"cv_results", "best_name", "model", "metrics"}
    assert result["metrics"]["accuracy"] >= 0.9
