"""Known mistake `empty_input_untyped_columns`: empty input special-cased with a frame built from the column
names, so its seven columns have the object dtype instead of integer counts and float amounts."""

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

LOCAL_TZ = "Europe/Berlin"


def user_features(transactions: pd.DataFrame) -> pd.DataFrame:
    """Aggregate raw transactions into one row of features per user."""
    if transactions.empty:
        return pd.DataFrame(columns=FEATURE_COLUMNS, index=pd.Index([], name="user_id"))
    # assign() returns a new frame, so the caller's frame is never touched
    local_day = transactions["timestamp"].dt.tz_convert(LOCAL_TZ).dt.normalize()
    features = (
        transactions.assign(local_day=local_day)
        .groupby("user_id", sort=True)
        .agg(
            n_transactions=("amount", "size"),  # size, not count: every row is a transaction
            total_amount=("amount", "sum"),
            mean_amount=("amount", "mean"),
            max_amount=("amount", "max"),
            std_amount=("amount", "std"),  # sample std (ddof=1); NaN for a single row
            n_categories=("category", "nunique"),  # nunique skips missing categories
            days_active=("local_day", "nunique"),
        )
    )
    features["std_amount"] = features["std_amount"].fillna(0.0)
    return features[FEATURE_COLUMNS]
