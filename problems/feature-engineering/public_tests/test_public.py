import math

import pandas as pd
import pytest
from solution import user_features

COLUMNS = [
    "n_transactions",
    "total_amount",
    "mean_amount",
    "max_amount",
    "std_amount",
    "n_categories",
    "days_active",
]


def test_worked_example():
    """The worked example from the statement."""
    df = pd.DataFrame(
        {
            "transaction_id": [1, 2, 3, 4, 5],
            "user_id": ["u2", "u1", "u2", "u2", "u3"],
            "timestamp": pd.to_datetime(
                [
                    "2024-03-10 22:30:00+00:00",
                    "2024-03-10 09:00:00+00:00",
                    "2024-03-10 23:30:00+00:00",
                    "2024-03-12 08:00:00+00:00",
                    "2024-07-01 21:30:00+00:00",
                ],
                utc=True,
            ),
            "amount": [30.0, 12.5, -10.0, 40.0, 5.0],
            "category": ["groceries", "dining", "groceries", None, None],
        }
    )
    got = user_features(df)
    assert list(got.columns) == COLUMNS
    assert got.index.name == "user_id"
    assert list(got.index) == ["u1", "u2", "u3"]
    assert got["n_transactions"].tolist() == [1, 3, 1]
    assert got["total_amount"].tolist() == pytest.approx([12.5, 60.0, 5.0])
    assert got["mean_amount"].tolist() == pytest.approx([12.5, 20.0, 5.0])
    assert got["max_amount"].tolist() == pytest.approx([12.5, 40.0, 5.0])
    assert got["std_amount"].tolist() == pytest.approx([0.0, math.sqrt(700), 0.0])
    assert got["n_categories"].tolist() == [1, 1, 0]
    assert got["days_active"].tolist() == [1, 3, 1]


def test_shipped_data_shape(transactions):
    """On transactions.csv: one row per user, the seven columns, no NaN."""
    got = user_features(transactions)
    assert len(got) == transactions["user_id"].nunique()
    assert list(got.columns) == COLUMNS
    assert not got.isna().any().any()
