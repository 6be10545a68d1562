"""Known mistake `kinds_from_dtype`: numeric versus categorical is decided by the column dtype, not by the `categorical` argument."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

REPORT_COLUMNS = ["kind", "psi", "statistic", "p_value", "p_adjusted", "alert"]


def quantile_edges(reference: np.ndarray, n_bins: int = 10) -> np.ndarray:
    """-inf, the distinct reference quantiles at 1/n_bins .. (n_bins-1)/n_bins, +inf."""
    levels = np.arange(1, n_bins) / n_bins
    interior = np.unique(np.quantile(np.asarray(reference, dtype=float), levels))
    return np.concatenate([[-np.inf], interior, [np.inf]])


def _psi(p: np.ndarray, q: np.ndarray, eps: float) -> float:
    p, q = np.maximum(p, eps), np.maximum(q, eps)
    return float(np.sum((q - p) * np.log(q / p)))


def psi(reference: np.ndarray, recent: np.ndarray, n_bins: int = 10, eps: float = 1e-4) -> float:
    """PSI of a numeric feature on left-closed bins cut at the reference's quantiles."""
    reference, recent = np.asarray(reference, dtype=float), np.asarray(recent, dtype=float)
    interior = quantile_edges(reference, n_bins)[1:-1]
    bins = len(interior) + 1
    p = np.bincount(np.searchsorted(interior, reference, side="right"), minlength=bins) / len(reference)
    q = np.bincount(np.searchsorted(interior, recent, side="right"), minlength=bins) / len(recent)
    return _psi(p, q, eps)


def numeric_tests(reference: np.ndarray, recent: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Two-sample KS test per column: column j of one window against column j of the other."""
    result = stats.ks_2samp(np.asarray(reference, dtype=float), np.asarray(recent, dtype=float), axis=0)
    return np.atleast_1d(result.statistic).astype(float), np.atleast_1d(result.pvalue).astype(float)


def categorical_drift(reference: pd.Series, recent: pd.Series, eps: float = 1e-4) -> dict:
    """PSI and the chi-square test of homogeneity over every category seen in either window."""
    ref_counts, rec_counts = reference.value_counts(), recent.value_counts()
    categories = ref_counts.index.union(rec_counts.index)
    ref_counts = ref_counts.reindex(categories, fill_value=0).to_numpy()
    rec_counts = rec_counts.reindex(categories, fill_value=0).to_numpy()
    statistic, p_value, _, _ = stats.chi2_contingency(np.vstack([ref_counts, rec_counts]), correction=False)
    return {
        "psi": _psi(ref_counts / ref_counts.sum(), rec_counts / rec_counts.sum(), eps),
        "statistic": float(statistic),
        "p_value": float(p_value),
    }


def drift_report(
    reference: pd.DataFrame,
    recent: pd.DataFrame,
    categorical: list[str],
    n_bins: int = 10,
    eps: float = 1e-4,
    alpha: float = 0.05,
    psi_threshold: float = 0.1,
) -> pd.DataFrame:
    """One row per feature, Bonferroni-adjusted p-values, alerts first, then by PSI."""
    numeric = [c for c in reference.columns if pd.api.types.is_numeric_dtype(reference[c])]
    categorical = [c for c in reference.columns if c not in numeric]
    statistics, p_values = numeric_tests(reference[numeric].to_numpy(float), recent[numeric].to_numpy(float))
    rows = {}
    for j, column in enumerate(numeric):
        rows[column] = ["numeric", psi(reference[column], recent[column], n_bins, eps), statistics[j], p_values[j]]
    for column in categorical:
        found = categorical_drift(reference[column], recent[column], eps)
        rows[column] = ["categorical", found["psi"], found["statistic"], found["p_value"]]
    report = pd.DataFrame.from_dict(rows, orient="index", columns=REPORT_COLUMNS[:4])
    report["p_adjusted"] = np.minimum(1.0, report["p_value"] * len(report))
    report["alert"] = (report["p_adjusted"] < alpha) & (report["psi"] >= psi_threshold)
    report.index.name = "feature"
    report = report.reset_index().sort_values(["alert", "psi", "feature"], ascending=[False, False, True])
    return report.set_index("feature")[REPORT_COLUMNS]
