"""Feature drift between a reference window and a recent window: PSI, KS and chi-square, alerts."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

REPORT_COLUMNS = ["kind", "psi", "statistic", "p_value", "p_adjusted", "alert"]


def quantile_edges(reference: np.ndarray, n_bins: int = 10) -> np.ndarray:
    reference = np.asarray(reference, dtype=float)
    interior = np.unique(np.quantile(reference, np.arange(1, n_bins) / n_bins))
    return np.concatenate([[-np.inf], interior, [np.inf]])


def _shares(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    values = np.asarray(values, dtype=float)
    idx = np.searchsorted(edges, values, side="right") - 1  # left-closed bins
    counts = np.bincount(idx, minlength=len(edges) - 1)[: len(edges) - 1]
    return counts / len(values)


def _psi_from_shares(p: np.ndarray, q: np.ndarray, eps: float) -> float:
    p = np.where(p < eps, eps, p)
    q = np.where(q < eps, eps, q)
    return float(np.sum((q - p) * np.log(q / p)))


def psi(reference: np.ndarray, recent: np.ndarray, n_bins: int = 10, eps: float = 1e-4) -> float:
    edges = quantile_edges(reference, n_bins)
    p = _shares(reference, edges)
    q = _shares(recent, edges)
    return _psi_from_shares(p, q, eps)


def numeric_tests(reference: np.ndarray, recent: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    reference = np.asarray(reference, dtype=float)
    recent = np.asarray(recent, dtype=float)
    statistics, p_values = [], []
    for j in range(reference.shape[1]):
        res = stats.ks_2samp(reference[:, j], recent[:, j])
        statistics.append(float(res.statistic))
        p_values.append(float(res.pvalue))
    return np.array(statistics, dtype=float), np.array(p_values, dtype=float)


def categorical_drift(reference: pd.Series, recent: pd.Series, eps: float = 1e-4) -> dict:
    ref_counts = pd.Series(reference).value_counts()
    rec_counts = pd.Series(recent).value_counts()
    categories = sorted(set(ref_counts.index) | set(rec_counts.index))
    ref_c = ref_counts.reindex(categories, fill_value=0).to_numpy(dtype=float)
    rec_c = rec_counts.reindex(categories, fill_value=0).to_numpy(dtype=float)
    p = ref_c / ref_c.sum()
    q = rec_c / rec_c.sum()
    chi2, p_value, _, _ = stats.chi2_contingency(np.vstack([ref_c, rec_c]), correction=False)
    return {"psi": _psi_from_shares(p, q, eps), "statistic": float(chi2), "p_value": float(p_value)}


def drift_report(
    reference: pd.DataFrame,
    recent: pd.DataFrame,
    categorical: list[str],
    n_bins: int = 10,
    eps: float = 1e-4,
    alpha: float = 0.05,
    psi_threshold: float = 0.1,
) -> pd.DataFrame:
    features = list(reference.columns)
    numeric = [c for c in features if c not in categorical]
    rows = {}
    if numeric:
        ks_stat, ks_p = numeric_tests(reference[numeric].to_numpy(dtype=float), recent[numeric].to_numpy(dtype=float))
        for j, col in enumerate(numeric):
            rows[col] = {
                "kind": "numeric",
                "psi": psi(reference[col].to_numpy(dtype=float), recent[col].to_numpy(dtype=float), n_bins, eps),
                "statistic": float(ks_stat[j]),
                "p_value": float(ks_p[j]),
            }
    for col in features:
        if col in categorical:
            res = categorical_drift(reference[col], recent[col], eps)
            rows[col] = {"kind": "categorical", "psi": res["psi"], "statistic": res["statistic"], "p_value": res["p_value"]}
    m = len(features)
    report = pd.DataFrame.from_dict({c: rows[c] for c in features}, orient="index")
    report["p_adjusted"] = np.minimum(1.0, report["p_value"].astype(float) * m)
    report["alert"] = ((report["p_adjusted"] < alpha) & (report["psi"] >= psi_threshold)).astype(bool)
    report.index.name = "feature"
    report = report.reset_index()
    report = report.sort_values(["alert", "psi", "feature"], ascending=[False, False, True], kind="mergesort")
    report = report.set_index("feature")
    for c in ["psi", "statistic", "p_value", "p_adjusted"]:
        report[c] = report[c].astype(float)
    return report[REPORT_COLUMNS]
