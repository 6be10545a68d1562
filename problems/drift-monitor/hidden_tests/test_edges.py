import numpy as np
import pytest


def _edges(candidate, reference, n_bins):
    got = np.asarray(candidate.quantile_edges(np.asarray(reference), n_bins), dtype=float)
    assert got.ndim == 1, f"expected a 1-D array of edges, got shape {got.shape}"
    return got


@pytest.mark.points(2)
@pytest.mark.requirement("R1")
def test_edges_docstring_example(candidate):
    """Reference 1..9 with n_bins=4: edges [-inf, 3, 5, 7, inf]."""
    got = _edges(candidate, np.arange(1, 10), 4)
    assert got.tolist() == [-np.inf, 3.0, 5.0, 7.0, np.inf], f"expected [-inf, 3, 5, 7, inf], got {got.tolist()}"


@pytest.mark.points(3)
@pytest.mark.requirement("R1")
def test_edges_are_reference_deciles_with_open_ends(candidate):
    """n_bins=10 on 2,999 skewed values: the 9 deciles (linear interpolation) between -inf and +inf."""
    reference = np.random.default_rng(5).lognormal(3, 1, 2999).round(2)
    got = _edges(candidate, reference, 10)
    want = np.quantile(reference, np.arange(1, 10) / 10)
    assert len(got) == 11, f"expected 11 edges (10 bins), got {len(got)}"
    assert got[0] == -np.inf and got[-1] == np.inf, (
        f"the outer edges must be -inf and +inf (open outer bins), got {got[0]} and {got[-1]}"
    )
    assert np.allclose(got[1:-1], want, rtol=1e-12, atol=1e-12), (
        f"interior edges must be the reference's deciles {np.round(want, 2).tolist()}, got "
        f"{np.round(got[1:-1], 2).tolist()}"
    )


@pytest.mark.points(1)
@pytest.mark.requirement("R1")
def test_repeated_quantiles_give_one_edge(candidate):
    """Ties: reference [1, 1, 1, 1, 1, 2, 3, 4, 5] with n_bins=4 has quartiles 1, 1, 3: edges [-inf, 1, 3, inf]."""
    got = _edges(candidate, np.array([1, 1, 1, 1, 1, 2, 3, 4, 5]), 4)
    assert got.tolist() == [-np.inf, 1.0, 3.0, np.inf], f"expected [-inf, 1, 3, inf], got {got.tolist()}"
