import math

import numpy as np
import pytest


def _psi(candidate, reference, recent, **kw):
    got = candidate.psi(np.asarray(reference), np.asarray(recent), **kw)
    assert isinstance(got, float), f"psi must return a float, got {type(got).__name__}"
    return got


@pytest.mark.points(3)
@pytest.mark.requirement("R2")
def test_psi_worked_example(candidate, psi_sum):
    """The statement's example: p = 2/9, 2/9, 2/9, 3/9, q = 1/8, 2/8, 2/8, 3/8, PSI 0.0674."""
    want = psi_sum([2 / 9, 2 / 9, 2 / 9, 3 / 9], [1 / 8, 2 / 8, 2 / 8, 3 / 8])
    got = _psi(candidate, np.arange(1, 10), [0, 3, 3, 5, 6, 10, 12, 20], n_bins=4)
    assert got == pytest.approx(want, rel=1e-3), f"expected PSI {want:.6f}, got {got:.6f}"


@pytest.mark.points(3)
@pytest.mark.requirement("R2")
def test_psi_bins_come_from_the_reference(candidate, expected_psi):
    """Reference N(0, 1), recent N(0.5, 1.5): the bins are the reference's deciles, not the recent window's."""
    rng = np.random.default_rng(8)
    reference, recent = rng.normal(0, 1, 3001).round(4), rng.normal(0.5, 1.5, 1001).round(4)
    want = expected_psi(reference, recent)
    got = _psi(candidate, reference, recent)
    swapped = expected_psi(recent, reference)
    assert got == pytest.approx(want, rel=1e-3), (
        f"expected PSI {want:.6f}, got {got:.6f}"
        + (" (that is PSI on the recent window's deciles)" if got == pytest.approx(swapped) else "")
    )


@pytest.mark.points(2)
@pytest.mark.requirement("R2")
def test_values_outside_the_reference_range_count(candidate, psi_sum):
    """Recent values beyond the reference's min and max fall into the open outer bins."""
    # reference 1..8, n_bins=2: edges [-inf, 4.5, inf]; p = 1/2, 1/2
    # recent: -50, 0, 2 below 4.5; 9, 100, 1000 above: q = 1/2, 1/2 -> PSI 0
    got = _psi(candidate, np.arange(1, 9), [-50, 0, 2, 9, 100, 1000], n_bins=2)
    assert got == pytest.approx(0.0, abs=1e-12), f"expected 0.0 (3 values in each bin), got {got}"
    # 0 and 2 below, 9, 100, 1000 and 5 above: q = 2/6, 4/6
    got = _psi(candidate, np.arange(1, 9), [0, 2, 5, 9, 100, 1000], n_bins=2)
    want = psi_sum([0.5, 0.5], [2 / 6, 4 / 6])
    assert got == pytest.approx(want, rel=1e-3), f"expected {want:.6f}, got {got}"


@pytest.mark.points(3)
@pytest.mark.requirement("R2")
def test_empty_bins_are_floored_at_eps(candidate, psi_sum):
    """Recent values all in one bin: the empty bin counts with share eps, so PSI is finite."""
    # reference 1..8, n_bins=2: edges [-inf, 4.5, inf], p = 1/2, 1/2; recent all above 4.5: q = 0, 1
    got = _psi(candidate, np.arange(1, 9), [5, 6, 6, 7, 8], n_bins=2)
    assert not math.isinf(got) and not math.isnan(got), f"PSI must be finite (floor shares at eps), got {got}"
    want = psi_sum([0.5, 0.5], [0.0, 1.0], eps=1e-4)
    assert got == pytest.approx(want, rel=1e-3), f"expected {want:.6f} (the zero share becomes eps), got {got:.6f}"


@pytest.mark.points(1)
@pytest.mark.requirement("R2")
def test_eps_argument_is_used(candidate, psi_sum):
    """The floor is the eps argument (here 0.01)."""
    got = _psi(candidate, np.arange(1, 9), [5, 6, 6, 7, 8], n_bins=2, eps=0.01)
    want = psi_sum([0.5, 0.5], [0.0, 1.0], eps=0.01)
    assert got == pytest.approx(want, rel=1e-3), f"expected {want:.6f} with eps=0.01, got {got:.6f}"


@pytest.mark.points(1)
@pytest.mark.requirement("R2")
def test_only_shares_below_eps_are_replaced(candidate, psi_sum):
    """Shares at or above eps are used as they are (eps is a floor, not added to every share)."""
    # reference 1..8, n_bins=2: p = 1/2, 1/2; recent 1 value of 1,000 below 4.5: q = 0.001, 0.999
    recent = np.array([2.0] + [6.0] * 999)
    got = _psi(candidate, np.arange(1, 9), recent, n_bins=2)
    want = psi_sum([0.5, 0.5], [0.001, 0.999], eps=1e-4)
    assert got == pytest.approx(want, rel=1e-6), (
        f"expected {want:.6f}: q = 0.001 is above eps and stays 0.001; got {got:.6f}"
    )


@pytest.mark.points(2)
@pytest.mark.requirement("R2")
def test_value_on_an_edge_goes_right(candidate, expected_psi, windows):
    """Bins are closed on the left: on n_items (small integers) values equal to an edge start the next bin."""
    reference, recent = windows
    want = expected_psi(reference["n_items"], recent["n_items"])
    got = _psi(candidate, reference["n_items"].to_numpy(), recent["n_items"].to_numpy())
    assert got == pytest.approx(want, rel=1e-3), f"n_items: expected PSI {want:.6f}, got {got:.6f}"


@pytest.mark.points(1)
@pytest.mark.requirement("R2")
def test_psi_uses_shares_not_counts(candidate):
    """Windows of different sizes with the same distribution have PSI 0."""
    reference = np.tile(np.arange(1, 11), 30)
    recent = np.tile(np.arange(1, 11), 7)
    got = _psi(candidate, reference, recent, n_bins=5)
    assert got == pytest.approx(0.0, abs=1e-12), f"same distribution, 300 vs 70 rows: expected 0.0, got {got}"
