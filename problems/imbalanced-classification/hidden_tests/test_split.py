import numpy as np
import pytest


def _labels(n=1000, positives=20, seed=11):
    y = np.zeros(n, dtype=int)
    y[np.random.default_rng(seed).choice(n, size=positives, replace=False)] = 1
    return y


@pytest.mark.points(1)
@pytest.mark.requirement("R1")
def test_split_partitions_the_rows(candidate):
    """1,000 rows: three integer arrays of 600, 200 and 200 positions, together every row exactly once."""
    y = _labels()
    parts = candidate.split_indices(y, 0)
    assert isinstance(parts, tuple) and len(parts) == 3, "expected a tuple (train_idx, val_idx, test_idx)"
    train, val, test = (np.asarray(p) for p in parts)
    for name, part in (("train_idx", train), ("val_idx", val), ("test_idx", test)):
        assert part.ndim == 1 and np.issubdtype(part.dtype, np.integer), (
            f"{name} must be a 1-D integer array of row positions, got dtype {part.dtype}, shape {part.shape}"
        )
    sizes = (len(train), len(val), len(test))
    assert sizes == (600, 200, 200), f"expected 600/200/200 rows, got {sizes}"
    together = np.sort(np.concatenate([train, val, test]))
    assert np.array_equal(together, np.arange(1000)), "the three parts must hold every row position exactly once"


@pytest.mark.points(3)
@pytest.mark.requirement("R1")
def test_split_is_stratified(candidate):
    """20 positives in 1,000 rows: every part keeps 2% positives (12 / 4 / 4), whatever the seed."""
    y = _labels()
    for seed in range(5):
        train, val, test = (np.asarray(p) for p in candidate.split_indices(y, seed))
        got = [int(y[train].sum()), int(y[val].sum()), int(y[test].sum())]
        assert got == [12, 4, 4], (
            f"seed {seed}: positives in train/validation/test expected [12, 4, 4], got {got}; "
            "stratify both splits by the labels"
        )


@pytest.mark.points(1)
@pytest.mark.requirement("R1")
def test_split_of_shipped_labels(candidate, shipped):
    """transactions.csv: 3,000 / 1,000 / 1,000 rows with 45 / 15 / 15 frauds."""
    _, y = shipped
    train, val, test = (np.asarray(p) for p in candidate.split_indices(y, 0))
    got = [(len(p), int(y[p].sum())) for p in (train, val, test)]
    assert got == [(3000, 45), (1000, 15), (1000, 15)], f"(rows, frauds) per part: {got}"


@pytest.mark.points(2)
@pytest.mark.requirement("R1")
def test_split_reproducible_and_seeded(candidate):
    """The same seed gives the identical split; different seeds give different splits."""
    y = _labels()
    a = candidate.split_indices(y, 4)
    b = candidate.split_indices(y, 4)
    for name, left, right in zip(("train_idx", "val_idx", "test_idx"), a, b, strict=True):
        assert np.array_equal(np.sort(left), np.sort(right)), f"two calls with seed=4 gave different {name}"
    tests = {tuple(np.sort(candidate.split_indices(y, s)[2]).tolist()) for s in (0, 1, 2)}
    vals = {tuple(np.sort(candidate.split_indices(y, s)[1]).tolist()) for s in (0, 1, 2)}
    assert len(tests) > 1 and len(vals) > 1, "seeds 0, 1 and 2 gave the same parts: the seed is ignored"
