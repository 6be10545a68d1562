"""Public examples, one per requirement. The hidden suite that grades you is larger."""

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats


@pytest.mark.requirement("R1")
def test_edges_docstring_example(candidate):
    """Reference 1..9, n_bins=4: edges [-inf, 3, 5, 7, inf]."""
    edges = np.asarray(candidate.quantile_edges(np.arange(1, 10), 4), dtype=float)
    assert edges.tolist() == [-math.inf, 3.0, 5.0, 7.0, math.inf]


@pytest.mark.requirement("R2")
def test_psi_worked_example(candidate):
    """The README's numeric example: PSI 0.0674 (values 0 and 20 land in the open outer bins)."""
    p = np.array([2 / 9, 2 / 9, 2 / 9, 3 / 9])
    q = np.array([1 / 8, 2 / 8, 2 / 8, 3 / 8])
    want = float(np.sum((q - p) * np.log(q / p)))
    got = candidate.psi(np.arange(1, 10), np.array([0, 3, 3, 5, 6, 10, 12, 20]), n_bins=4)
    assert got == pytest.approx(want, rel=1e-6)
    assert round(got, 4) == 0.0674


@pytest.mark.requirement("R3")
def test_ks_one_result_per_column(candidate):
    """(80, 2) against (50, 2): one KS result per column, equal to ks_2samp on that column."""
    rng = np.random.default_rng(0)
    reference, recent = rng.normal(size=(80, 2)), rng.normal(size=(50, 2)) + np.array([0.0, 1.0])
    statistics, p_values = candidate.numeric_tests(reference, recent)
    assert len(statistics) == 2 and len(p_values) == 2
    for j in range(2):
        assert statistics[j] == pytest.approx(stats.ks_2samp(reference[:, j], recent[:, j]).statistic)


@pytest.mark.requirement("R4")
def test_categorical_worked_example(candidate):
    """The README's categorical example: kiosk is new; PSI 3.5211, chi-square 5.0, p 0.0821."""
    got = candidate.categorical_drift(
        pd.Series(["web"] * 5 + ["app"] * 5), pd.Series(["web"] * 3 + ["app"] * 3 + ["kiosk"] * 4)
    )
    assert got["psi"] == pytest.approx(3.5211, abs=1e-4)
    assert got["statistic"] == pytest.approx(5.0)
    assert got["p_value"] == pytest.approx(0.0821, abs=1e-4)


@pytest.mark.requirement("R5")
def test_report_on_shipped_windows(candidate, windows):
    """The README's table: columns, row order and alerts on the shipped windows."""
    reference, recent = windows
    report = candidate.drift_report(reference, recent, ["channel", "country"])
    assert list(report.columns) == ["kind", "psi", "statistic", "p_value", "p_adjusted", "alert"]
    assert list(report.index) == ["country", "channel", "amount", "n_items", "session_seconds", "customer_age"]
    assert report["alert"].tolist() == [True, True, True, False, False, False]
    assert report.loc["amount", "psi"] == pytest.approx(0.1393, abs=1e-4)
