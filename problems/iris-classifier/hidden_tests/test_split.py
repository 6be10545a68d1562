import numpy as np
import pytest


@pytest.mark.points(1)
@pytest.mark.requirement("R1")
def test_split_sizes_and_partition(candidate, iris_with_ids):
    """On Iris with test_size=0.2 the split has 120 train and 30 test rows, together all rows exactly once."""
    X, y = iris_with_ids
    X_train, X_test, y_train, y_test = candidate.split_data(X, y, test_size=0.2, seed=0)
    assert X_train.shape == (120, 5) and len(y_train) == 120, (
        f"expected 120 training rows, got X_train {X_train.shape}, y_train {len(y_train)}"
    )
    assert X_test.shape == (30, 5) and len(y_test) == 30, (
        f"expected 30 test rows, got X_test {X_test.shape}, y_test {len(y_test)}"
    )
    ids = np.sort(np.concatenate([X_train[:, 0], X_test[:, 0]]))
    assert np.array_equal(ids, np.arange(150)), "train and test must partition the rows"


@pytest.mark.points(3)
@pytest.mark.requirement("R1")
def test_split_is_stratified(candidate):
    """The test part keeps the class proportions (60/30/10 labels, test_size=0.2 -> 12/6/2 test rows)."""
    y = np.array([0] * 60 + [1] * 30 + [2] * 10)
    X = np.arange(100, dtype=float).reshape(-1, 1)
    for seed in (0, 1, 2):
        _, _, y_train, y_test = candidate.split_data(X, y, test_size=0.2, seed=seed)
        got_test = np.bincount(y_test, minlength=3).tolist()
        got_train = np.bincount(y_train, minlength=3).tolist()
        assert got_test == [12, 6, 2], f"seed {seed}: test class counts expected [12, 6, 2], got {got_test}"
        assert got_train == [48, 24, 8], (
            f"seed {seed}: train class counts expected [48, 24, 8], got {got_train}"
        )


@pytest.mark.points(1)
@pytest.mark.requirement("R1")
def test_split_keeps_rows_and_labels_aligned(candidate):
    """test_size is honoured (0.25 of 40 rows -> 10) and each label still belongs to its own feature row."""
    y = np.array([0, 1, 2, 3] * 10)
    X = np.column_stack([np.arange(40, dtype=float), np.arange(40) * 10.0])
    X_train, X_test, y_train, y_test = candidate.split_data(X, y, test_size=0.25, seed=5)
    assert len(y_test) == 10 and len(X_test) == 10, f"test_size=0.25 of 40 rows is 10, got {len(y_test)}"
    for part, Xp, yp in (("train", X_train, y_train), ("test", X_test, y_test)):
        assert np.array_equal(yp, y[Xp[:, 0].astype(int)]), f"{part} labels are misaligned with rows"
        assert np.array_equal(Xp[:, 1], Xp[:, 0] * 10.0), f"{part} feature rows were altered"


@pytest.mark.points(2)
@pytest.mark.requirement("R1")
def test_split_reproducible_and_seeded(candidate, iris_with_ids):
    """The same seed gives the identical split; different seeds give different splits."""
    X, y = iris_with_ids
    a = candidate.split_data(X, y, test_size=0.2, seed=3)
    b = candidate.split_data(X, y, test_size=0.2, seed=3)
    for left, right in zip(a, b, strict=True):
        assert np.array_equal(left, right), "two calls with seed=3 returned different splits"
    test_sets = {tuple(np.sort(candidate.split_data(X, y, test_size=0.2, seed=s)[1][:, 0])) for s in (0, 1, 2)}
    assert len(test_sets) > 1, "seeds 0, 1 and 2 all gave the same test rows: the seed is ignored"
