import numpy as np
import pandas as pd
import pytest
from scipy import stats


def _drift(candidate, reference, recent, **kw):
    got = candidate.categorical_drift(pd.Series(reference), pd.Series(recent), **kw)
    assert set(got) >= {"psi", "statistic", "p_value"}, f"keys: {sorted(got)}"
    return got


@pytest.mark.points(3)
@pytest.mark.requirement("R4")
def test_worked_example_with_a_new_category(candidate, psi_sum):
    """The statement's example: kiosk is new; PSI 3.5211, chi-square 5.0, p 0.0821 on [[5, 5, 0], [3, 3, 4]]."""
    got = _drift(candidate, ["web"] * 5 + ["app"] * 5, ["kiosk"] * 2 + ["web"] * 3 + ["app"] * 3 + ["kiosk"] * 2)
    want_psi = psi_sum([0.5, 0.5, 0.0], [0.3, 0.3, 0.4])
    assert got["psi"] == pytest.approx(want_psi, rel=1e-3), (
        f"psi: expected {want_psi:.4f} (kiosk has reference share 0, floored at eps), got {got['psi']:.4f}"
    )
    assert got["statistic"] == pytest.approx(5.0, rel=1e-9), f"chi-square: expected 5.0, got {got['statistic']}"
    assert got["p_value"] == pytest.approx(0.0820849986238988, rel=1e-6), (
        f"p-value: expected 0.0821, got {got['p_value']}"
    )


@pytest.mark.points(2)
@pytest.mark.requirement("R4")
def test_two_categories_without_yates_correction(candidate):
    """Two categories: chi2_contingency(table, correction=False), no Yates correction."""
    reference = ["a"] * 30 + ["b"] * 20
    recent = ["a"] * 12 + ["b"] * 18
    table = np.array([[30, 20], [12, 18]])
    want = stats.chi2_contingency(table, correction=False)
    got = _drift(candidate, reference, recent)
    assert got["statistic"] == pytest.approx(want.statistic, rel=1e-9), (
        f"chi-square: expected {want.statistic:.4f} (correction=False), got {got['statistic']:.4f}"
    )
    assert got["p_value"] == pytest.approx(want.pvalue, rel=1e-6)


@pytest.mark.points(2)
@pytest.mark.requirement("R4")
def test_categories_are_matched_by_name(candidate, psi_sum):
    """Counts are compared category by category, whatever the order or frequency in each window."""
    # reference: x 6, y 3, z 1; recent: z 5, x 3, y 2 (the most frequent category differs)
    reference = ["y", "x", "x", "z", "x", "y", "x", "x", "y", "x"]
    recent = ["z", "x", "z", "y", "z", "x", "z", "y", "x", "z"]
    got = _drift(candidate, reference, recent)
    want = stats.chi2_contingency(np.array([[6, 3, 1], [3, 2, 5]]), correction=False)
    want_psi = psi_sum([0.6, 0.3, 0.1], [0.3, 0.2, 0.5])
    assert got["psi"] == pytest.approx(want_psi, rel=1e-3), f"psi: expected {want_psi:.4f}, got {got['psi']:.4f}"
    assert got["statistic"] == pytest.approx(want.statistic, rel=1e-9), (
        f"chi-square: expected {want.statistic:.4f}, got {got['statistic']:.4f}"
    )


@pytest.mark.points(2)
@pytest.mark.requirement("R4")
def test_shipped_country_counts_the_new_country(candidate, windows, psi_sum):
    """country: PL appears only in the recent window and counts in both the PSI and the test."""
    reference, recent = windows
    got = _drift(candidate, reference["country"], recent["country"])
    categories = sorted(set(reference["country"]) | set(recent["country"]))
    ref_counts = np.array([(reference["country"] == c).sum() for c in categories])
    rec_counts = np.array([(recent["country"] == c).sum() for c in categories])
    want = stats.chi2_contingency(np.vstack([ref_counts, rec_counts]), correction=False)
    want_psi = psi_sum(ref_counts / ref_counts.sum(), rec_counts / rec_counts.sum())
    assert got["psi"] == pytest.approx(want_psi, rel=1e-3), f"psi: expected {want_psi:.4f}, got {got['psi']:.4f}"
    assert got["statistic"] == pytest.approx(want.statistic, rel=1e-9), (
        f"chi-square: expected {want.statistic:.2f} over {len(categories)} countries, got {got['statistic']:.2f}"
    )
