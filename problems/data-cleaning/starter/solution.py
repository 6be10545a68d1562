"""data-cleaning: clean a messy customer export, then describe it.

Read statement.md first. The tests load the data with
    pd.read_csv(path, dtype=str, keep_default_na=False)
and pass the resulting DataFrame to your functions.
"""

from __future__ import annotations

import pandas as pd


def clean_customers(raw: pd.DataFrame) -> pd.DataFrame:
    """Return a cleaned copy of `raw` (R1-R7); `raw` itself must not change.

    Order: strip whitespace and normalise case -> mark missing values -> parse
    numbers and dates (negative age is missing) -> drop duplicate rows (keep the
    first, reset the index) -> impute missing values.
    """
    raise NotImplementedError


def numeric_summary(df: pd.DataFrame) -> pd.DataFrame:
    """count, mean, median, std (ddof=1), min, max of each numeric column (R8).

    One row per numeric column (index = column name, in df's column order),
    columns exactly ["count", "mean", "median", "std", "min", "max"].
    """
    raise NotImplementedError


def top_correlations(df: pd.DataFrame, k: int = 3) -> list[tuple[str, str, float]]:
    """The k most strongly correlated pairs of numeric columns (R9).

    Each pair once as (a, b, r) with a < b, r the signed Pearson r; ranked by
    |r| (rounded to 10 decimals) descending, then a, then b ascending.
    """
    raise NotImplementedError
