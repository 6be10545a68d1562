"""Per-user features from raw transactions. See statement.md."""

import pandas as pd

FEATURE_COLUMNS = [
    "n_transactions",
    "total_amount",
    "mean_amount",
    "max_amount",
    "std_amount",
    "n_categories",
    "days_active",
]


def user_features(transactions: pd.DataFrame) -> pd.DataFrame:
    """Aggregate raw transactions into one row of features per user.

    Args:
        transactions: columns transaction_id (int), user_id (str), timestamp (timezone-aware,
            UTC), amount (float; refunds are negative), category (str; missing is NaN).

    Returns:
        A DataFrame indexed by user_id (index name "user_id", sorted ascending) with the
        columns of FEATURE_COLUMNS in that order. The input frame is left unchanged.
    """
    raise NotImplementedError
