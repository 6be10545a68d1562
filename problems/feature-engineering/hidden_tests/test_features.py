import math

import numpy as np
import pandas as pd
import pytest

FEATURE_COLUMNS = [
    "n_transactions",
    "total_amount",
    "mean_amount",
    "max_amount",
    "std_amount",
    "n_categories",
    "days_active",
]
USERS = ["alice", "bob", "carol", "dave"]
INT_COLUMNS = ["n_transactions", "n_categories", "days_active"]
FLOAT_COLUMNS = ["total_amount", "mean_amount", "max_amount", "std_amount"]


def _col(result, column):
    assert column in result.columns, f"column {column!r} missing; got {list(result.columns)}"
    return result[column]


def _values(result, column, users):
    col = _col(result, column)
    missing = [u for u in users if u not in col.index]
    assert not missing, f"users {missing} missing from the index; index is {list(col.index)[:10]}"
    return [col.loc[u] for u in users]


def _check_shipped(got, expected, column):
    """Compare one feature per user (by index label; which users are present is R1's business)."""
    have_col = _col(got, column)
    users = expected.index.intersection(have_col.index)
    assert len(users) > 0, "none of the users in transactions.csv is in the result's index"
    want = expected.loc[users, column].to_numpy(dtype=float)
    have = have_col.loc[users].to_numpy(dtype=float)
    bad = ~np.isclose(have, want, rtol=1e-9, atol=1e-9)
    if bad.any():
        pairs = [
            (u, float(h), float(w))
            for u, h, w in zip(users[bad][:5], have[bad][:5], want[bad][:5], strict=True)
        ]
        pytest.fail(f"{column}: {int(bad.sum())} users wrong, e.g. (user, got, expected) {pairs}")


# ---------------------------------------------------------------- R1: rows, index, order


@pytest.mark.points(2)
@pytest.mark.requirement("R1")
def test_index_is_user_id_sorted(candidate, small_frame):
    """One row per user, indexed by user id (index named "user_id"), sorted ascending."""
    got = candidate.user_features(small_frame)
    assert isinstance(got, pd.DataFrame), f"expected a DataFrame, got {type(got).__name__}"
    assert got.index.name == "user_id", f"index name should be 'user_id', got {got.index.name!r}"
    assert list(got.index) == USERS, f"expected index {USERS}, got {list(got.index)}"


@pytest.mark.points(2)
@pytest.mark.requirement("R1")
def test_single_transaction_users_kept(candidate, make_frame):
    """Users with a single transaction (a purchase, a refund) get a row like everyone else."""
    df = make_frame(
        [
            (1, "u3", "2024-04-02T10:00:00+00:00", 9.0, "toys"),
            (2, "u1", "2024-04-01T10:00:00+00:00", 3.0, "food"),
            (3, "u3", "2024-04-03T10:00:00+00:00", 11.0, "toys"),
            (4, "u2", "2024-04-01T12:00:00+00:00", -4.0, None),
        ]
    )
    got = candidate.user_features(df)
    assert list(got.index) == ["u1", "u2", "u3"], f"expected users u1, u2, u3; got {list(got.index)}"
    assert _values(got, "n_transactions", ["u1", "u2", "u3"]) == [1, 1, 2]


@pytest.mark.points(1)
@pytest.mark.requirement("R1")
def test_shipped_data_one_row_per_user(shipped_features, expected_shipped):
    """On transactions.csv: exactly one row for each of the users, in ascending order."""
    got = list(shipped_features.index)
    want = list(expected_shipped.index)
    assert len(got) == len(want), f"expected {len(want)} rows, got {len(got)}"
    assert got == want, "index is not the sorted list of user ids in transactions.csv"


# ---------------------------------------------------------------- R2: columns and dtypes


@pytest.mark.points(1)
@pytest.mark.requirement("R2")
def test_column_names_and_order(candidate, small_frame):
    """The seven feature columns, with the stated names, in the stated order."""
    got = candidate.user_features(small_frame)
    assert list(got.columns) == FEATURE_COLUMNS, f"expected {FEATURE_COLUMNS}, got {list(got.columns)}"


@pytest.mark.points(1)
@pytest.mark.requirement("R2")
def test_column_dtypes(candidate, small_frame, shipped_features):
    """Counts (n_transactions, n_categories, days_active) are integers; amounts and std are floats."""
    for got in (candidate.user_features(small_frame), shipped_features):
        for column in INT_COLUMNS:
            dtype = _col(got, column).dtype
            assert pd.api.types.is_integer_dtype(dtype), f"{column} should be integer, got {dtype}"
        for column in FLOAT_COLUMNS:
            dtype = _col(got, column).dtype
            assert pd.api.types.is_float_dtype(dtype), f"{column} should be float, got {dtype}"


# ---------------------------------------------------------------- R3: count, sum, mean, max


@pytest.mark.points(3)
@pytest.mark.requirement("R3")
def test_amount_features_small_frame(candidate, small_frame):
    """n_transactions, total_amount, mean_amount and max_amount on a small hand-checked frame."""
    got = candidate.user_features(small_frame)
    assert _values(got, "n_transactions", USERS) == [4, 1, 4, 1]
    assert _values(got, "total_amount", USERS) == pytest.approx([80.0, 7.5, 100.0, -25.0])
    assert _values(got, "mean_amount", USERS) == pytest.approx([20.0, 7.5, 25.0, -25.0])
    assert _values(got, "max_amount", USERS) == pytest.approx([40.0, 7.5, 40.0, -25.0])


@pytest.mark.points(3)
@pytest.mark.requirement("R3")
def test_refunds_are_ordinary_transactions(candidate, make_frame):
    """Refunds (negative amounts) count in the count, sum, mean and max."""
    df = make_frame(
        [
            (1, "r1", "2024-05-01T10:00:00+00:00", 50.0, "shoes"),
            (2, "r1", "2024-05-03T10:00:00+00:00", -20.0, "shoes"),
            (3, "r1", "2024-05-04T10:00:00+00:00", 10.0, "food"),
            (4, "r2", "2024-05-02T10:00:00+00:00", -15.0, "food"),
            (5, "r2", "2024-05-06T10:00:00+00:00", -5.0, "food"),
        ]
    )
    got = candidate.user_features(df)
    assert _values(got, "n_transactions", ["r1", "r2"]) == [3, 2], "refunds must be counted"
    assert _values(got, "total_amount", ["r1", "r2"]) == pytest.approx([40.0, -20.0])
    assert _values(got, "mean_amount", ["r1", "r2"]) == pytest.approx([40.0 / 3, -10.0])
    assert _values(got, "max_amount", ["r1", "r2"]) == pytest.approx([50.0, -5.0])


@pytest.mark.points(2)
@pytest.mark.requirement("R3")
def test_amount_features_shipped_data(shipped_features, expected_shipped):
    """On transactions.csv: n_transactions, total_amount, mean_amount and max_amount of every user."""
    for column in ["n_transactions", "total_amount", "mean_amount", "max_amount"]:
        _check_shipped(shipped_features, expected_shipped, column)


# ---------------------------------------------------------------- R4: std


@pytest.mark.points(1)
@pytest.mark.requirement("R4")
def test_std_is_sample_std(candidate, small_frame):
    """std_amount is the sample standard deviation (ddof=1), not the population one."""
    got = candidate.user_features(small_frame)
    # alice: 20, 40, -15, 35 (mean 20) -> squares 0 + 400 + 1225 + 225 = 1850
    # carol: 10, 20, 40, 30 (mean 25) -> squares 225 + 25 + 225 + 25 = 500
    want = [math.sqrt(1850 / 3), math.sqrt(500 / 3)]
    have = _values(got, "std_amount", ["alice", "carol"])
    assert have == pytest.approx(want, rel=1e-9), f"expected {want} (ddof=1), got {have}"


@pytest.mark.points(2)
@pytest.mark.requirement("R4")
def test_std_single_transaction_is_zero(candidate, small_frame, shipped_features):
    """A user with one transaction has std_amount 0.0, not NaN; the result has no NaN."""
    got = candidate.user_features(small_frame)
    have = _values(got, "std_amount", ["bob", "dave"])
    assert have == [0.0, 0.0], f"single-transaction users need std_amount 0.0, got {have}"
    for result in (got, shipped_features):
        n_nan = int(result.isna().sum().sum())
        assert n_nan == 0, f"the result contains {n_nan} NaN values"


@pytest.mark.points(1)
@pytest.mark.requirement("R4")
def test_std_shipped_data(shipped_features, expected_shipped):
    """On transactions.csv: std_amount of every user."""
    _check_shipped(shipped_features, expected_shipped, "std_amount")


# ---------------------------------------------------------------- R5: categories


@pytest.mark.points(2)
@pytest.mark.requirement("R5")
def test_missing_category_not_counted(candidate, small_frame):
    """n_categories counts distinct non-missing categories; a missing category is not one."""
    got = candidate.user_features(small_frame)
    have = _values(got, "n_categories", USERS)
    assert have == [2, 1, 2, 0], f"expected [2, 1, 2, 0] for {USERS}, got {have}"


@pytest.mark.points(2)
@pytest.mark.requirement("R5")
def test_missing_category_rows_count_in_other_features(candidate, make_frame):
    """Transactions with a missing category still count in the count, amounts, std and days."""
    df = make_frame(
        [
            (1, "x", "2024-06-01T08:00:00+00:00", 5.0, None),
            (2, "y", "2024-06-01T09:00:00+00:00", 2.0, "food"),
            (3, "x", "2024-06-02T08:00:00+00:00", 7.0, None),
            (4, "y", "2024-06-03T09:00:00+00:00", 4.0, None),
        ]
    )
    got = candidate.user_features(df)
    assert _values(got, "n_transactions", ["x", "y"]) == [2, 2]
    assert _values(got, "total_amount", ["x", "y"]) == pytest.approx([12.0, 6.0])
    assert _values(got, "mean_amount", ["x", "y"]) == pytest.approx([6.0, 3.0])
    assert _values(got, "max_amount", ["x", "y"]) == pytest.approx([7.0, 4.0])
    # both rows count in the std (one row alone would give 0.0); its ddof is test_std_is_sample_std's concern
    assert all(v > 0 for v in _values(got, "std_amount", ["x", "y"])), "a row with a missing category left the std"
    assert _values(got, "n_categories", ["x", "y"]) == [0, 1]
    assert _values(got, "days_active", ["x", "y"]) == [2, 2]


@pytest.mark.points(1)
@pytest.mark.requirement("R5")
def test_n_categories_shipped_data(shipped_features, expected_shipped):
    """On transactions.csv: n_categories of every user."""
    _check_shipped(shipped_features, expected_shipped, "n_categories")


# ---------------------------------------------------------------- R6: days active


@pytest.mark.points(3)
@pytest.mark.requirement("R6")
def test_days_active_counts_distinct_calendar_days(candidate, small_frame):
    """days_active counts distinct calendar days, not the span from first to last transaction."""
    got = candidate.user_features(small_frame)
    # alice: Feb 1 (twice), Feb 5, Feb 9 -> 3; carol: Feb 3 (three times), Feb 7 -> 2
    have = _values(got, "days_active", USERS)
    assert have == [3, 1, 2, 1], f"expected [3, 1, 2, 1] for {USERS}, got {have}"


@pytest.mark.points(3)
@pytest.mark.requirement("R6")
def test_days_active_across_midnight_berlin(candidate, make_frame):
    """Calendar days are Berlin days: transactions either side of Berlin midnight are two days."""
    df = make_frame(
        [
            # m1: 23:30 on Mar 10 and 00:30 on Mar 11 in Berlin (same UTC day) -> 2
            (1, "m1", "2024-03-10T22:30:00+00:00", 1.0, "a"),
            (2, "m1", "2024-03-10T23:30:00+00:00", 1.0, "a"),
            # m2: 00:10 and 01:20 on Jan 16 in Berlin (two UTC days) -> 1
            (3, "m2", "2024-01-15T23:10:00+00:00", 1.0, "a"),
            (4, "m2", "2024-01-16T00:20:00+00:00", 1.0, "a"),
            # m3: 11:00 Mar 10 and 07:00 Mar 11 in Berlin, only 20 hours apart -> 2
            (5, "m3", "2024-03-10T10:00:00+00:00", 1.0, "a"),
            (6, "m3", "2024-03-11T06:00:00+00:00", 1.0, "a"),
        ]
    )
    got = candidate.user_features(df)
    have = _values(got, "days_active", ["m1", "m2", "m3"])
    assert have == [2, 1, 2], f"expected [2, 1, 2] for m1, m2, m3 (Berlin calendar days), got {have}"


@pytest.mark.points(2)
@pytest.mark.requirement("R6")
def test_days_active_uses_summer_time(candidate, make_frame):
    """In summer Berlin is UTC+2: 22:30 UTC on 1 July is already 2 July in Berlin."""
    df = make_frame(
        [
            # s1: 23:30 on Jul 1 and 00:30 on Jul 2 in Berlin -> 2
            (1, "s1", "2024-07-01T21:30:00+00:00", 1.0, "a"),
            (2, "s1", "2024-07-01T22:30:00+00:00", 1.0, "a"),
            # s2: 00:15 and 23:45 on Jul 2 in Berlin -> 1
            (3, "s2", "2024-07-01T22:15:00+00:00", 1.0, "a"),
            (4, "s2", "2024-07-02T21:45:00+00:00", 1.0, "a"),
        ]
    )
    got = candidate.user_features(df)
    have = _values(got, "days_active", ["s1", "s2"])
    assert have == [2, 1], f"expected [2, 1] for s1, s2 (Berlin summer time), got {have}"


@pytest.mark.points(1)
@pytest.mark.requirement("R6")
def test_days_active_shipped_data(shipped_features, expected_shipped):
    """On transactions.csv: days_active of every user."""
    _check_shipped(shipped_features, expected_shipped, "days_active")


# ---------------------------------------------------------------- R7: input untouched


@pytest.mark.points(1)
@pytest.mark.requirement("R7")
def test_input_gains_or_loses_no_column(candidate, small_frame, shipped_frame):
    """The input DataFrame has the same columns after the call: no helper column added, none removed."""
    for frame in (small_frame, shipped_frame):
        before = list(frame.columns)
        given = candidate.new(frame)  # the candidate's own copy, kept in its process to look at after the call
        candidate.user_features(given)
        after = list(candidate.value(given).columns)
        assert after == before, f"input columns changed from {before} to {after}"


@pytest.mark.points(1)
@pytest.mark.requirement("R7")
def test_input_values_and_row_order_unchanged(candidate, small_frame, shipped_frame):
    """The input DataFrame's own columns keep their values, dtypes and row order after the call (a
    timestamp converted in place fails here)."""
    for frame in (small_frame, shipped_frame):
        before = frame.copy(deep=True)
        given = candidate.new(frame)
        candidate.user_features(given)
        df = candidate.value(given)
        kept = [c for c in before.columns if c in df.columns]
        pd.testing.assert_frame_equal(df[kept], before[kept], obj="input frame's own columns after the call")


# ---------------------------------------------------------------- R8: empty input


@pytest.mark.points(1)
@pytest.mark.requirement("R8")
def test_empty_input(candidate, make_frame):
    """Zero transactions give an empty frame with the seven columns and index name "user_id"."""
    got = candidate.user_features(make_frame([]))
    assert isinstance(got, pd.DataFrame), f"expected a DataFrame, got {type(got).__name__}"
    assert len(got) == 0, f"expected 0 rows, got {len(got)}"
    assert list(got.columns) == FEATURE_COLUMNS, f"expected {FEATURE_COLUMNS}, got {list(got.columns)}"
    assert got.index.name == "user_id", f"index name should be 'user_id', got {got.index.name!r}"


@pytest.mark.points(1)
@pytest.mark.requirement("R8")
def test_empty_input_keeps_the_dtypes(candidate, make_frame):
    """The empty frame's columns have the dtypes of R2: counts integer, amounts float (an empty frame
    built from the column names alone has object columns)."""
    got = candidate.user_features(make_frame([]))
    for column in INT_COLUMNS:
        dtype = _col(got, column).dtype
        assert pd.api.types.is_integer_dtype(dtype), f"{column} of the empty result should be integer, got {dtype}"
    for column in FLOAT_COLUMNS:
        dtype = _col(got, column).dtype
        assert pd.api.types.is_float_dtype(dtype), f"{column} of the empty result should be float, got {dtype}"
