"""Known mistake `days_as_span`: days_active is the span from the first to the last Berlin day, not the
number of distinct days."""

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
            first=("local_day", "min"),
            last=("local_day", "max"),
        )
    )
    features["std_amount"] = features["std_amount"].fillna(0.0)
    features["days_active"] = (features["last"] - features["first"]).dt.days + 1
    return features[FEATURE_COLUMNS]
