"""Feature drift between a reference window and a recent window: PSI, KS and chi-square, alerts.

See README.md for the task and the requirements (R1..R5).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

REPORT_COLUMNS = ["kind", "psi", "statistic", "p_value", "p_adjusted", "alert"]


def quantile_edges(reference: np.ndarray, n_bins: int = 10) -> np.ndarray:
    reference = np.asarray(reference, dtype=float)
    interior = np.unique(np.quantile(reference, np.arange(1, n_bins) / n_bins))
    return np.concatenate([[-np.inf], interior, [np.inf]]).astype(float)


def _shares(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    # left-closed bins [e_i, e_{i+1})
    idx = np.searchsorted(edges, values, side="right") - 1
    counts = np.bincount(idx, minlength=len(edges) - 1)[: len(edges) - 1]
    return counts / len(values)


def _psi_from_shares(p: np.ndarray, q: np.ndarray, eps: float) -> float:
    p = np.where(p < eps, eps, p)
    q = np.where(q < eps, eps, q)
    return float(np.sum((q - p) * np.log(q / p)))


def psi(reference: np.ndarray, recent: np.ndarray, n_bins: int = 10, eps: float = 1e-4) -> float:
    reference = np.asarray(reference, dtype=float)
    recent = np.asarray(recent, dtype=float)
    edges = quantile_edges(reference, n_bins)
    p = _shares(reference, edges)
    q = _shares(recent, edges)
    return _psi_from_shares(p, q, eps)


def numeric_tests(reference: np.ndarray, recent: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    reference = np.asarray(reference, dtype=float)
    recent = np.asarray(recent, dtype=float)
    k = reference.shape[1]
    statistics = np.empty(k, dtype=float)
    p_values = np.empty(k, dtype=float)
    for j in range(k):
        res = stats.ks_2samp(reference[:, j], recent[:, j])
        statistics[j] = float(res.statistic)
        p_values[j] = float(res.pvalue)
    return statistics, p_values


def categorical_drift(reference: pd.Series, recent: pd.Series, eps: float = 1e-4) -> dict:
    ref_counts = pd.Series(reference).value_counts()
    rec_counts = pd.Series(recent).value_counts()
    categories = sorted(set(ref_counts.index) | set(rec_counts.index))
    ref_c = ref_counts.reindex(categories, fill_value=0).to_numpy(dtype=float)
    rec_c = rec_counts.reindex(categories, fill_value=0).to_numpy(dtype=float)
    p = ref_c / ref_c.sum()
    q = rec_c / rec_c.sum()
    value = _psi_from_shares(p, q, eps)
    table = np.vstack([ref_c, rec_c])
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
    categorical = list(categorical)
    features = list(reference.columns)
    numeric = [c for c in features if c not in categorical]
    rows = {}
    if numeric:
        ks_stat, ks_p = numeric_tests(
            reference[numeric].to_numpy(dtype=float), recent[numeric].to_numpy(dtype=float)
        )
        for j, col in enumerate(numeric):
            rows[col] = {
                "kind": "numeric",
                "psi": psi(reference[col].to_numpy(dtype=float), recent[col].to_numpy(dtype=float), n_bins, eps),
                "statistic": float(ks_stat[j]),
                "p_value": float(ks_p[j]),
            }
    for col in features:
        if col in categorical:
            res = categorical_drift(reference[col].astype(str), recent[col].astype(str), eps)
            rows[col] = {"kind": "categorical", **res}
    m = len(features)
    report = pd.DataFrame.from_dict({c: rows[c] for c in features}, orient="index")
    report.index.name = "feature"
    report["p_adjusted"] = np.minimum(1.0, report["p_value"].to_numpy(dtype=float) * m)
    report["alert"] = (report["p_adjusted"] < alpha) & (report["psi"] >= psi_threshold)
    report["alert"] = report["alert"].astype(bool)
    report = report[REPORT_COLUMNS]
    report = (
        report.reset_index()
        .sort_values(["alert", "psi", "feature"], ascending=[False, False, True], kind="mergesort")
        .set_index("feature")
    )
    return report
