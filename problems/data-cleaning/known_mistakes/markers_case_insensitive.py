"""Known mistake `markers_case_insensitive`: the markers are matched whatever their case, so `NULL`, `n/a` and
`Null` become missing too (R3 says case as written)."""

from __future__ import annotations

import numpy as np
import pandas as pd

MISSING_MARKERS = ["", "N/A", "null", "?"]
NUMERIC_COLUMNS = ["age", "annual_income", "monthly_spend", "visits"]


def clean_customers(raw: pd.DataFrame) -> pd.DataFrame:
    # strip every cell, then markers -> missing (apply returns a new frame: raw is untouched)
    df = raw.apply(lambda col: col.str.strip())
    df = df.mask(df.apply(lambda col: col.str.lower()).isin([m.lower() for m in MISSING_MARKERS]))
    for col in ["country", "plan"]:
        df[col] = df[col].str.lower()

    # types
    for col in NUMERIC_COLUMNS:
        df[col] = pd.to_numeric(df[col].str.replace(r"[$,\s]", "", regex=True))
    df["signup_date"] = pd.to_datetime(df["signup_date"], format="%Y-%m-%d")

    # de-duplicate on every column, first occurrence wins
    df = df.drop_duplicates(keep="first").reset_index(drop=True)

    # impute from the de-duplicated table
    fill = {col: df[col].median() for col in NUMERIC_COLUMNS}
    fill |= {"country": "unknown", "plan": "unknown"}
    return df.fillna(fill)


def _numeric(df: pd.DataFrame) -> pd.DataFrame:
    return df[[c for c in df.columns if pd.api.types.is_numeric_dtype(df[c])]]


def numeric_summary(df: pd.DataFrame) -> pd.DataFrame:
    numeric = _numeric(df)
    return pd.DataFrame(
        {
            "count": numeric.count(),
            "mean": numeric.mean(),
            "median": numeric.median(),
            "std": numeric.std(ddof=1),
            "min": numeric.min(),
            "max": numeric.max(),
        },
        index=numeric.columns,
    )


def top_correlations(df: pd.DataFrame, k: int = 3) -> list[tuple[str, str, float]]:
    corr = _numeric(df).corr(method="pearson")  # pairwise-complete rows
    cols = list(corr.columns)
    pairs = []
    for i, a in enumerate(cols):
        for b in cols[i + 1 :]:
            r = corr.loc[a, b]
            if not np.isnan(r):
                pairs.append((a, b, float(r)))
    pairs.sort(key=lambda p: abs(p[2]), reverse=True)
    return pairs[:k]
