import numpy as np
import pytest
from scipy import stats


def _windows():
    rng = np.random.default_rng(12)
    reference = rng.normal(size=(80, 3)).round(3)
    recent = (rng.normal(size=(50, 3)) + np.array([0.0, 0.4, 1.0])).round(3)
    return reference, recent


@pytest.mark.points(4)
@pytest.mark.requirement("R3")
def test_ks_per_column(candidate):
    """(80, 3) against (50, 3): one KS statistic and p-value per column, equal to ks_2samp on that column."""
    reference, recent = _windows()
    statistics, p_values = (np.asarray(a, dtype=float) for a in candidate.numeric_tests(reference, recent))
    assert statistics.shape == (3,) and p_values.shape == (3,), (
        f"expected 3 statistics and 3 p-values (one per column), got shapes {statistics.shape}, "
        f"{p_values.shape}; rows are observations, columns are features"
    )
    for j in range(3):
        want = stats.ks_2samp(reference[:, j], recent[:, j])
        assert statistics[j] == pytest.approx(want.statistic, rel=1e-9), f"column {j}: KS statistic"
        assert p_values[j] == pytest.approx(want.pvalue, rel=1e-6), f"column {j}: KS p-value"


@pytest.mark.points(1)
@pytest.mark.requirement("R3")
def test_ks_single_column(candidate):
    """A single feature still gives arrays of length 1."""
    reference, recent = _windows()
    statistics, p_values = candidate.numeric_tests(reference[:, 2:], recent[:, 2:])
    want = stats.ks_2samp(reference[:, 2], recent[:, 2])
    assert np.asarray(statistics, dtype=float).shape == (1,), "expected an array of length 1"
    assert np.asarray(p_values, dtype=float)[0] == pytest.approx(want.pvalue, rel=1e-6)
