# BUG: p_adjusted is p_value * m without the min(1, ...) cap; numeric psi floors the shares at eps only inside the log, so the (q - p) factor still uses the unfloored shares
"""Feature drift between a reference window and a recent window: PSI, KS and chi-square, alerts.

See README.md for the task and the requirements (R1..R5). The docstrings below are the exact contracts.
numpy, pandas and scipy (scipy.stats) are available.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

REPORT_COLUMNS = ["kind", "psi", "statistic", "p_value", "p_adjusted", "alert"]


def quantile_edges(reference: np.ndarray, n_bins: int = 10) -> np.ndarray:
    """R1. Bin edges for PSI, cut at the quantiles of the REFERENCE window (never the recent one).

    The interior edges are the distinct values of
        np.quantile(reference, np.arange(1, n_bins) / n_bins)
    (NumPy's default linear interpolation), in ascending order; repeated quantiles (ties in the data)
    give one edge, so there may be fewer than n_bins bins. Returns a 1-D float array
    [-inf, interior edges..., +inf]: the outer bins are open, so every value of either window,
    however far outside the reference's range, falls into a bin.

    Bins are closed on the left: edges [e0, e1, ..., ek] give the bins [e0, e1), [e1, e2), ...,
    [e(k-1), ek). A value equal to an interior edge belongs to the bin that starts at that edge.

    >>> quantile_edges(np.array([1, 2, 3, 4, 5, 6, 7, 8, 9]), n_bins=4)
    array([-inf,   3.,   5.,   7.,  inf])
    """
    reference = np.asarray(reference, dtype=float)
    interior = np.unique(np.quantile(reference, np.arange(1, n_bins) / n_bins))
    return np.concatenate([[-np.inf], interior, [np.inf]])


def psi(reference: np.ndarray, recent: np.ndarray, n_bins: int = 10, eps: float = 1e-4) -> float:
    """R2. Population stability index of one numeric feature.

    Bin both windows with quantile_edges(reference, n_bins) (left-closed bins, open outer bins).
    p_i = share of the reference values in bin i, q_i = share of the recent values in bin i (each
    window's shares sum to 1). Replace every share below eps by eps (no renormalising), so an empty
    bin cannot make the result infinite. Then
        PSI = sum over bins of (q_i - p_i) * ln(q_i / p_i)      (natural log)
    Returns a float >= 0. Both windows are 1-D, without missing values, of any (different) lengths.
    """
    reference = np.asarray(reference, dtype=float)
    recent = np.asarray(recent, dtype=float)
    edges = quantile_edges(reference, n_bins)
    n = len(edges) - 1
    ref_idx = np.searchsorted(edges, reference, side="right") - 1
    rec_idx = np.searchsorted(edges, recent, side="right") - 1
    p = np.bincount(ref_idx, minlength=n) / len(reference)
    q = np.bincount(rec_idx, minlength=n) / len(recent)
    return float(np.sum((q - p) * np.log(np.maximum(q, eps) / np.maximum(p, eps))))


def numeric_tests(reference: np.ndarray, recent: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """R3. Two-sample Kolmogorov-Smirnov test per feature.

    reference has shape (n_ref, k) and recent (n_recent, k): rows are observations, column j is
    feature j in both; n_ref and n_recent usually differ. For every column j, compare
    reference[:, j] with recent[:, j] by scipy.stats.ks_2samp with its defaults (two-sided,
    method="auto"). Returns (statistics, p_values): two 1-D float arrays of length k, in column order.
    """
    from scipy import stats

    reference = np.asarray(reference, dtype=float)
    recent = np.asarray(recent, dtype=float)
    k = reference.shape[1]
    statistics = np.empty(k)
    p_values = np.empty(k)
    for j in range(k):
        res = stats.ks_2samp(reference[:, j], recent[:, j])
        statistics[j] = res.statistic
        p_values[j] = res.pvalue
    return statistics, p_values


def categorical_drift(reference: pd.Series, recent: pd.Series, eps: float = 1e-4) -> dict:
    """R4. PSI and chi-square test of one categorical feature (string values, no missing values).

    The categories are every value seen in EITHER window: a category absent from the reference window
    (a new country, say) counts with a reference share of 0, floored at eps like in R2.
    - "psi": the R2 formula with p_i, q_i = the share of category i in each window, floored at eps;
    - "statistic", "p_value": the chi-square test of homogeneity on the 2 x C table of counts (row 0:
      reference, row 1: recent; one column per category), scipy.stats.chi2_contingency(table,
      correction=False). With only two categories the Yates correction would otherwise apply.
    Returns {"psi": float, "statistic": float, "p_value": float}.
    """
    from scipy import stats

    ref_counts = reference.value_counts()
    rec_counts = recent.value_counts()
    categories = sorted(set(ref_counts.index) | set(rec_counts.index))
    ref = ref_counts.reindex(categories, fill_value=0).to_numpy(dtype=float)
    rec = rec_counts.reindex(categories, fill_value=0).to_numpy(dtype=float)
    p = np.maximum(ref / ref.sum(), eps)
    q = np.maximum(rec / rec.sum(), eps)
    value = float(np.sum((q - p) * np.log(q / p)))
    table = np.vstack([ref, rec])
    chi2, p_value, _, _ = stats.chi2_contingency(table, correction=False)
    return {"psi": value, "statistic": float(chi2), "p_value": float(p_value)}


def drift_report(
    reference: pd.DataFrame,
    recent: pd.DataFrame,
    categorical: list[str],
    n_bins: int = 10,
    eps: float = 1e-4,
    alpha: float = 0.05,
    psi_threshold: float = 0.1,
) -> pd.DataFrame:
    """R5. One row per feature of the two windows, ranked, with an alert flag.

    Both frames have the same columns. The columns named in `categorical` are categorical (R4); every
    other column is numeric (R2 for psi, R3 for the KS test).

    Returns a DataFrame indexed by feature name (index named "feature"), one row per column of
    `reference`, with exactly the columns REPORT_COLUMNS in that order:
    - "kind": "numeric" or "categorical";
    - "psi": float, from psi(..., n_bins, eps) or categorical_drift(..., eps);
    - "statistic", "p_value": floats, the KS statistic and p-value (numeric) or the chi-square
      statistic and p-value (categorical);
    - "p_adjusted": float, Bonferroni-corrected: min(1.0, p_value * m), m = the number of features
      in the report (all of them, numeric and categorical);
    - "alert": bool, True when p_adjusted < alpha AND psi >= psi_threshold (the shift is both
      statistically significant after the correction and large enough to matter).
    Rows are sorted by alert (True first), then psi descending, then feature name ascending.
    """
    features = list(reference.columns)
    numeric = [c for c in features if c not in categorical]
    rows = {}
    if numeric:
        statistics, p_values = numeric_tests(
            reference[numeric].to_numpy(dtype=float), recent[numeric].to_numpy(dtype=float)
        )
        for j, col in enumerate(numeric):
            rows[col] = {
                "kind": "numeric",
                "psi": psi(reference[col].to_numpy(dtype=float), recent[col].to_numpy(dtype=float), n_bins, eps),
                "statistic": float(statistics[j]),
                "p_value": float(p_values[j]),
            }
    for col in features:
        if col in categorical:
            res = categorical_drift(reference[col], recent[col], eps)
            rows[col] = {"kind": "categorical", "psi": res["psi"],
                         "statistic": res["statistic"], "p_value": res["p_value"]}
    m = len(features)
    report = pd.DataFrame.from_dict({c: rows[c] for c in features}, orient="index")
    report["p_adjusted"] = report["p_value"].astype(float) * m
    report["alert"] = ((report["p_adjusted"] < alpha) & (report["psi"] >= psi_threshold)).astype(bool)
    report.index.name = "feature"
    report["_name"] = report.index
    report = report.sort_values(["alert", "psi", "_name"], ascending=[False, False, True], kind="mergesort")
    report = report.drop(columns="_name")
    return report[REPORT_COLUMNS]
