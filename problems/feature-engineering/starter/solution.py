"""Per-user features from raw transactions. See README.md."""

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
        transactions: one row per transaction, rows in no particular order, default RangeIndex.
            transaction_id  int, unique
            user_id         str, never missing
            timestamp       timezone-aware datetime in UTC (datetime64[..., UTC]), never missing
            amount          float, never missing; refunds are negative amounts
            category        str, may be missing (NaN: isna() is True)

    Returns:
        A new DataFrame with one row per user that has at least one transaction:
        - index: the user ids, named "user_id", sorted ascending;
        - columns: exactly FEATURE_COLUMNS, in that order;
        - n_transactions, n_categories, days_active have an integer dtype; total_amount,
          mean_amount, max_amount, std_amount a float dtype; no value is rounded;
        - n_transactions, total_amount, mean_amount, max_amount: count, sum, mean and max of
          the user's amount, refunds included like any other transaction;
        - std_amount: sample standard deviation (ddof=1); 0.0 for a user with one transaction,
          so the result contains no NaN;
        - n_categories: distinct non-missing categories (0 if all of the user's are missing);
          a row with a missing category still counts in every other feature;
        - days_active: distinct calendar days with a transaction, the day taken in
          Europe/Berlin local time (summer time included), e.g. 2024-03-10 22:30 UTC and
          23:30 UTC are 23:30 on 10 March and 00:30 on 11 March in Berlin: 2 days.
          Not the span between the first and the last transaction.
        Empty input (zero rows, the columns above) gives an empty DataFrame with the same
        seven columns in the same order and an index named "user_id".

    The input frame is left unchanged: no column added, removed or changed, no rows reordered.
    """
    raise NotImplementedError
