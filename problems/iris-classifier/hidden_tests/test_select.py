import pandas as pd
import pytest

COLUMNS = ["accuracy_mean", "accuracy_std", "f1_macro_mean", "f1_macro_std"]


def _table(rows):
    return pd.DataFrame.from_dict(rows, orient="index", columns=COLUMNS)


@pytest.mark.points(4)
@pytest.mark.requirement("R4")
def test_select_best_by_mean_macro_f1(candidate):
    """The winner has the highest f1_macro_mean, even when another model has higher accuracy or lower std."""
    table = _table(
        {
            "acc_leader": [0.97, 0.01, 0.90, 0.02],
            "f1_leader": [0.93, 0.05, 0.92, 0.06],
            "stable": [0.91, 0.00, 0.91, 0.00],
        }
    )
    got = candidate.select_best(table)
    assert got == "f1_leader", f"expected 'f1_leader' (highest f1_macro_mean), got {got!r}"
    assert isinstance(got, str), f"expected the model name as a str, got {type(got).__name__}"


@pytest.mark.points(1)
@pytest.mark.requirement("R4")
def test_select_best_tie_goes_to_first_row(candidate):
    """Models tied exactly on f1_macro_mean: the one listed first in the table wins (other columns ignored)."""
    table = _table(
        {
            "tree": [0.90, 0.03, 0.95, 0.03],
            "logreg": [0.96, 0.00, 0.95, 0.00],
            "knn": [0.99, 0.01, 0.94, 0.01],
            "alpha": [0.93, 0.02, 0.95, 0.02],
        }
    )
    got = candidate.select_best(table)
    assert got == "tree", f"tie on f1_macro_mean: expected the first tied row 'tree', got {got!r}"
