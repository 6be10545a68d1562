"""Known mistake `std_ddof0`: the reference with one deliberate bug."""

from __future__ import annotations

import numpy as np
import pandas as pd

MISSING_MARKERS = {"", "n/a", "null", "?", "-"}
UPPER_COLUMNS = ["customer_id"]
LOWER_COLUMNS = ["country", "plan"]
NUMERIC_COLUMNS = ["age", "annual_income", "monthly_spend", "visits"]
MEDIAN_COLUMNS = ["age", "annual_income", "monthly_spend"]


def _to_number(col: pd.Series) -> pd.Series:
    """'$ 1,250.50' -> 1250.5; missing stays missing."""
    return pd.to_numeric(col.str.replace(r"[$,\s]", "", regex=True))


def _to_date(col: pd.Series) -> pd.Series:
    """Parse YYYY-MM-DD or DD/MM/YYYY; missing stays NaT."""
    iso = pd.to_datetime(col, format="%Y-%m-%d", errors="coerce")
    dmy = pd.to_datetime(col, format="%d/%m/%Y", errors="coerce")
    return iso.fillna(dmy)


def clean_customers(raw: pd.DataFrame) -> pd.DataFrame:
    # 1. strip whitespace, 2. missing markers -> NaN (works on a copy: raw is untouched)
    df = raw.apply(lambda col: col.str.strip())
    df = df.mask(df.apply(lambda col: col.str.lower().isin(MISSING_MARKERS)))

    # 3. per-column normalisation and types
    for col in UPPER_COLUMNS:
        df[col] = df[col].str.upper()
    for col in LOWER_COLUMNS:
        df[col] = df[col].str.lower()
    for col in NUMERIC_COLUMNS:
        df[col] = _to_number(df[col])
    df["age"] = df["age"].mask(df["age"] < 0)
    df["signup_date"] = _to_date(df["signup_date"])

    # 4. de-duplicate on every column, first occurrence wins
    df = df.drop_duplicates(keep="first").reset_index(drop=True)

    # 5. impute from the de-duplicated table
    fill = {col: df[col].median() for col in MEDIAN_COLUMNS}
    fill |= {"visits": 0, "country": "unknown", "plan": "unknown"}
    return df.fillna(fill)


def numeric_summary(df: pd.DataFrame) -> pd.DataFrame:
    numeric = df[[c for c in df.columns if pd.api.types.is_numeric_dtype(df[c])]]
    return pd.DataFrame(
        {
            "count": numeric.count(),
            "mean": numeric.mean(),
            "median": numeric.median(),
            "std": numeric.std(ddof=0),
            "min": numeric.min(),
            "max": numeric.max(),
        },
        index=numeric.columns,
    )


def top_correlations(df: pd.DataFrame, k: int = 3) -> list[tuple[str, str, float]]:
    numeric = df[[c for c in df.columns if pd.api.types.is_numeric_dtype(df[c])]]
    corr = numeric.corr(method="pearson")  # pairwise-complete rows
    pairs = []
    cols = list(corr.columns)
    for i, a in enumerate(cols):
        for b in cols[i + 1 :]:
            r = corr.loc[a, b]
            if np.isnan(r):
                continue
            first, second = sorted((a, b))
            pairs.append((first, second, float(r)))
    pairs.sort(key=lambda p: (-round(abs(p[2]), 10), p[0], p[1]))
    return pairs[:k]
