import math

import numpy as np
import pandas as pd
import pytest

STAT_COLUMNS = ["count", "mean", "median", "std", "min", "max"]


@pytest.fixture
def mixed_frame():
    return pd.DataFrame({
        "a": [1.0, 2.0, 3.0, 4.0, np.nan],
        "name": ["p", "q", "r", "s", "t"],
        "b": [1, 1, 1, 2, 10],
        "when": pd.to_datetime(["2023-01-01"] * 5),
        "c": [np.nan, np.nan, np.nan, np.nan, 5.0],
    })


# ---------------------------------------------------------------- R7

@pytest.mark.points(2)
@pytest.mark.requirement("R7")
def test_summary_shape(candidate, mixed_frame):
    """One row per numeric column in df's column order; columns count, mean, median, std, min, max."""
    before = mixed_frame.copy(deep=True)
    given = candidate.new(mixed_frame)
    out = candidate.numeric_summary(given)
    assert isinstance(out, pd.DataFrame)
    assert list(out.index) == ["a", "b", "c"], f"got index {list(out.index)}"
    assert list(out.columns) == STAT_COLUMNS, f"got columns {list(out.columns)}"
    pd.testing.assert_frame_equal(candidate.value(given), before, obj="the input DataFrame after the call")


@pytest.mark.points(1)
@pytest.mark.requirement("R7")
def test_summary_count_ignores_missing(candidate, mixed_frame):
    """count is the number of non-missing values of each column."""
    out = candidate.numeric_summary(mixed_frame)
    got = [out.loc[c, "count"] for c in ("a", "b", "c")]
    assert got == pytest.approx([4, 5, 1]), f"count of a, b, c: expected [4, 5, 1] (missing values left out), got {got}"


@pytest.mark.points(2)
@pytest.mark.requirement("R7")
def test_summary_values(candidate, mixed_frame):
    """mean, median, min and max are correct (b's mean and median differ)."""
    out = candidate.numeric_summary(mixed_frame)
    # a = 1, 2, 3, 4 (one missing); b = 1, 1, 1, 2, 10 (mean 3, median 1)
    a = out.loc["a"]
    b = out.loc["b"]
    assert [a["mean"], a["median"], a["min"], a["max"]] == pytest.approx([2.5, 2.5, 1, 4])
    assert [b["mean"], b["median"], b["min"], b["max"]] == pytest.approx([3, 1, 1, 10])


@pytest.mark.points(1)
@pytest.mark.requirement("R7")
def test_summary_std_is_sample_std(candidate, mixed_frame):
    """std is the sample standard deviation (ddof=1), NaN with fewer than two values."""
    out = candidate.numeric_summary(mixed_frame)
    # a: squared deviations 2.25+0.25+0.25+2.25 = 5, /3 ; b: 4+4+4+1+49 = 62, /4
    assert out.loc["a", "std"] == pytest.approx(math.sqrt(5 / 3))
    assert out.loc["b", "std"] == pytest.approx(math.sqrt(62 / 4))
    assert pd.isna(out.loc["c", "std"]), "a single value has no sample std: expected NaN"


# ---------------------------------------------------------------- R8

@pytest.fixture
def four_columns():
    # Pearson r: (a,c) -0.9, (a,b) 0.8, (b,c) -0.6, (b,d) -0.5, (c,d) -0.2, (a,d) 0.1
    return pd.DataFrame({
        "c": [5, 4, 3, 1, 2],
        "a": [1, 2, 3, 4, 5],
        "label": ["v", "w", "x", "y", "z"],
        "d": [2, 5, 1, 4, 3],
        "b": [2.0, 1.0, 4.0, 3.0, 5.0],
    })


def _check_pairs(got, want):
    """Compare (a, b, r) lists; the two names of a pair may come in either order."""
    assert isinstance(got, list), f"expected a list, got {type(got).__name__}"
    got_pairs = [tuple(sorted(p[:2])) for p in got]
    want_pairs = [tuple(sorted(p[:2])) for p in want]
    assert got_pairs == want_pairs, f"expected pairs {want_pairs}, got {got}"
    for g, w in zip(got, want, strict=True):
        assert g[2] == pytest.approx(w[2]), f"r of {w[:2]}: expected {w[2]}, got {g[2]}"


@pytest.mark.points(4)
@pytest.mark.requirement("R8")
def test_strongest_pairs_by_absolute_r(candidate, four_columns):
    """Pairs are ranked by |r| so strong negative correlations count; r keeps its sign."""
    want = [("a", "c", -0.9), ("a", "b", 0.8), ("b", "c", -0.6)]
    _check_pairs(candidate.top_correlations(four_columns, k=3), want)
    _check_pairs(candidate.top_correlations(four_columns), want)  # default k is 3


@pytest.mark.points(1)
@pytest.mark.requirement("R8")
def test_each_pair_once_without_self_pairs(candidate, four_columns):
    """Every pair of two different columns appears exactly once; k larger than the number of pairs returns all."""
    want = [("a", "c", -0.9), ("a", "b", 0.8), ("b", "c", -0.6),
            ("b", "d", -0.5), ("c", "d", -0.2), ("a", "d", 0.1)]
    _check_pairs(candidate.top_correlations(four_columns, k=20), want)
    _check_pairs(candidate.top_correlations(four_columns, k=2), want[:2])
    _check_pairs(candidate.top_correlations(four_columns, k=1), want[:1])


@pytest.mark.points(1)
@pytest.mark.requirement("R8")
def test_no_column_paired_with_itself(candidate, four_columns):
    """A pair is two different columns: no (a, a, 1.0) self-pair, so the strongest pair is a real one."""
    pairs = candidate.top_correlations(four_columns, k=20)
    selves = [p for p in pairs if p[0] == p[1]]
    assert not selves, f"a column paired with itself: {selves}"
    _check_pairs(candidate.top_correlations(four_columns, k=1), [("a", "c", -0.9)])


@pytest.mark.points(1)
@pytest.mark.requirement("R8")
def test_pearson_on_values_not_ranks(candidate):
    """r is Pearson's, on the values themselves (a rank correlation would give 1.0 here)."""
    df = pd.DataFrame({"v": [1.0, 2.0, 3.0, 4.0, 5.0], "x": [1.0, 2.0, 3.0, 4.0, 20.0]})
    # deviations (-2, -1, 0, 1, 2) and (-5, -4, -3, -2, 14): r = 40 / sqrt(10 * 250) = 0.8
    _check_pairs(candidate.top_correlations(df, k=3), [("v", "x", 0.8)])


@pytest.mark.points(3)
@pytest.mark.requirement("R8")
def test_pairwise_complete_rows(candidate):
    """Each pair's r uses the rows where both of its columns are present."""
    df = pd.DataFrame({
        "v": [1.0, 2.0, 3.0, 4.0, 5.0],
        "w": [2.0, 1.0, 4.0, 3.0, np.nan],
        "s": [np.nan, 5.0, 4.0, 3.0, 1.0],
    })
    # (s,v) over rows 1-4: -6.5 / sqrt(5 * 8.75); (s,w) over rows 1-3: -2 / sqrt(2 * 42/9);
    # (v,w) over rows 0-3: 3 / 5
    want = [("s", "v", -6.5 / math.sqrt(5 * 8.75)),
            ("s", "w", -2 / math.sqrt(2 * 42 / 9)),
            ("v", "w", 0.6)]
    _check_pairs(candidate.top_correlations(df, k=10), want)


@pytest.mark.points(1)
@pytest.mark.requirement("R8")
def test_undefined_r_skipped(candidate):
    """Pairs whose r is undefined (a constant column) are left out."""
    df = pd.DataFrame({
        "v": [1.0, 2.0, 3.0, 4.0, 5.0],
        "u": [3.0, 3.0, 3.0, 3.0, 3.0],
        "w": [2.0, 1.0, 4.0, 3.0, 5.0],
    })
    _check_pairs(candidate.top_correlations(df, k=10), [("v", "w", 0.8)])
