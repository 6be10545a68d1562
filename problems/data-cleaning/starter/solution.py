"""data-cleaning: clean a messy customer export, then describe it.

See README.md. The tests load customers.csv with
    pd.read_csv(path, dtype=str, keep_default_na=False)
and pass the resulting DataFrame (every cell a string) to clean_customers.
"""

from __future__ import annotations

import pandas as pd


def clean_customers(raw: pd.DataFrame) -> pd.DataFrame:
    """Return a cleaned copy of `raw` (R1-R6); `raw` itself must not change.

    Steps, in this order:
      1. strip whitespace from every cell
      2. cells that are now "", "N/A", "null" or "?" (exact, case-sensitive match)
         are missing; only then lower-case `country` and `plan`
      3. remove "$", "," and spaces from age, annual_income, monthly_spend and
         visits and parse them as numbers; parse signup_date (YYYY-MM-DD)
      4. drop rows equal to an earlier row in every column (two missing values
         count as equal); keep the first, survivors stay in input order, and the
         index is reset to 0..n-1
      5. fill missing values: the four numeric columns with their median over the
         rows left after step 4 (ignoring missing values); country and plan with
         "unknown"; signup_date is not filled

    Result: the 8 input columns in their input order; the four numeric columns
    have a numeric dtype (pd.api.types.is_numeric_dtype), signup_date is datetime64
    (pd.api.types.is_datetime64_any_dtype); only signup_date may hold missing
    values (NaT).
    """
    raise NotImplementedError


def numeric_summary(df: pd.DataFrame) -> pd.DataFrame:
    """Summary statistics of each numeric column of any DataFrame (R7).

    Numeric columns are those where pd.api.types.is_numeric_dtype is true; other
    columns are ignored. Returns one row per numeric column, indexed by column
    name in df's column order, with exactly the columns
    ["count", "mean", "median", "std", "min", "max"] in that order.
    count is the number of non-missing values; the other statistics ignore
    missing values; std is the sample standard deviation (ddof=1), NaN for a
    column with fewer than two non-missing values. df is not modified.
    """
    raise NotImplementedError


def top_correlations(df: pd.DataFrame, k: int = 3) -> list[tuple[str, str, float]]:
    """The k most strongly correlated pairs of numeric columns (R8).

    Numeric columns as in numeric_summary. r is the Pearson correlation of two
    different columns over the rows where both are non-missing (what
    DataFrame.corr() computes). Each pair appears once, as a tuple (a, b, r):
    the two column names (in either order) and r as a float, keeping its sign.
    Pairs whose r is NaN (e.g. with a constant column) are left out.
    Returns a list sorted by |r| descending, so r = -0.9 ranks above r = 0.8;
    the first k tuples, or all of them if there are fewer. k is at least 1.
    The tests never have two pairs with the same |r|, so no tie-break is needed.
    """
    raise NotImplementedError
