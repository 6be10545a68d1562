import pandas as pd
import pytest
from solution import select_best

COLUMNS = ["accuracy_mean", "accuracy_std", "f1_macro_mean", "f1_macro_std"]


def _table(rows):
    return pd.DataFrame.from_dict(rows, orient="index", columns=COLUMNS)


@pytest.mark.points(2)
@pytest.mark.requirement("R4")
def test_select_best_by_mean_macro_f1():
    """The winner has the highest f1_macro_mean, even when another model has higher accuracy or lower std."""
    table = _table(
        {
            "acc_leader": [0.97, 0.01, 0.90, 0.02],
            "f1_leader": [0.93, 0.05, 0.92, 0.06],
            "stable": [0.91, 0.00, 0.91, 0.00],
        }
    )
    got = select_best(table)
    assert got == "f1_leader", f"expected 'f1_leader' (highest f1_macro_mean), got {got!r}"


@pytest.mark.points(2)
@pytest.mark.requirement("R4")
def test_select_best_tie_breaks():
    """Equal f1_macro_mean: higher accuracy_mean wins; if that ties too, the alphabetically first name."""
    by_accuracy = _table(
        {
            "b_model": [0.90, 0.01, 0.95, 0.01],
            "c_model": [0.96, 0.03, 0.95, 0.03],
            "a_model": [0.93, 0.02, 0.95, 0.02],
            "d_model": [0.99, 0.01, 0.94, 0.01],
        }
    )
    got = select_best(by_accuracy)
    assert got == "c_model", f"tie on f1_macro_mean: expected 'c_model' (higher accuracy), got {got!r}"
    by_name = _table(
        {
            "svm": [0.95, 0.02, 0.95, 0.02],
            "knn": [0.95, 0.01, 0.95, 0.01],
            "logreg": [0.95, 0.00, 0.95, 0.00],
            "tree": [0.97, 0.00, 0.94, 0.00],
        }
    )
    got = select_best(by_name)
    assert got == "knn", f"full tie: expected the alphabetically first name 'knn', got {got!r}"
