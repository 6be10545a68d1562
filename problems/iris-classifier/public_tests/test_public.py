import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_iris
from sklearn.dummy import DummyClassifier
from solution import cross_validate_models, run_experiment, select_best, split_data


def test_split_iris_is_stratified():
    """Iris, test_size=0.2: 120 train / 30 test rows, 10 test rows per class."""
    X, y = load_iris(return_X_y=True)
    X_train, X_test, _, y_test = split_data(X, y, test_size=0.2, seed=0)
    assert X_train.shape == (120, 4) and X_test.shape == (30, 4)
    assert np.bincount(y_test).tolist() == [10, 10, 10]


def test_worked_example_macro_f1():
    """The statement's worked example: majority-class model on 40/10 labels."""
    y = np.array([0] * 40 + [1] * 10)
    X = np.arange(50, dtype=float).reshape(-1, 1)
    table = cross_validate_models(
        {"majority": DummyClassifier(strategy="most_frequent")}, X, y, folds=5, seed=0
    )
    assert list(table.columns) == ["accuracy_mean", "accuracy_std", "f1_macro_mean", "f1_macro_std"]
    assert table.loc["majority", "accuracy_mean"] == pytest.approx(0.8)
    assert table.loc["majority", "f1_macro_mean"] == pytest.approx(4 / 9)


def test_worked_example_selection():
    """The statement's selection example: a tie on macro F1 is broken by accuracy."""
    table = pd.DataFrame(
        {
            "accuracy_mean": [0.97, 0.93, 0.95],
            "accuracy_std": [0.01, 0.05, 0.02],
            "f1_macro_mean": [0.90, 0.95, 0.95],
            "f1_macro_std": [0.02, 0.06, 0.02],
        },
        index=["knn", "tree", "logreg"],
    )
    assert select_best(table) == "logreg"


def test_iris_accuracy_floor():
    """Default models on Iris (test_size=0.2, folds=5, seed=0): test accuracy >= 0.9."""
    X, y = load_iris(return_X_y=True)
    result = run_experiment(X, y, test_size=0.2, folds=5, seed=0)
    assert result["metrics"]["accuracy"] >= 0.9
