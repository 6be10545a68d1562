import os
from pathlib import Path

import pandas as pd
import pytest


def pytest_configure(config):
    config.addinivalue_line("markers", "points(n): points the test is worth")
    config.addinivalue_line("markers", "requirement(rid): statement requirement the test checks")


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """Where transactions.csv is: JUDGE_DATA_DIR under the judge, else the workspace root (the
    parent of tests/), else the problem folder's starter/."""
    env = os.environ.get("JUDGE_DATA_DIR")
    if env:
        return Path(env)
    parent = Path(__file__).resolve().parents[1]
    return parent if (parent / "transactions.csv").is_file() else parent / "starter"


def build_frame(rows):
    """rows: (transaction_id, user_id, ISO timestamp in UTC, amount, category or None)."""
    ids, users, stamps, amounts, cats = zip(*rows, strict=True) if rows else ((), (), (), (), ())
    return pd.DataFrame(
        {
            "transaction_id": pd.Series(ids, dtype="int64"),
            "user_id": pd.Series(users, dtype="str"),
            "timestamp": pd.to_datetime(pd.Series(stamps, dtype="str"), utc=True),
            "amount": pd.Series(amounts, dtype="float64"),
            "category": pd.Series(cats, dtype="str"),
        }
    )


@pytest.fixture
def make_frame():
    return build_frame


# Hand-checked frame. Per user (Berlin is UTC+1 in February):
#   alice: 20, 40, -15 (refund), 35; categories food, food, travel, missing;
#          Berlin days Feb 1, Feb 1, Feb 5, Feb 9 -> 3 days (span would be 8 or 9)
#   bob:   7.5 (single transaction)
#   carol: 10, 20, 40, 30; categories books, missing, games, books; days Feb 3 x3, Feb 7 -> 2
#   dave:  -25 (single refund, category missing)
SMALL_ROWS = [
    (1, "carol", "2024-02-03T10:00:00+00:00", 10.0, "books"),
    (2, "alice", "2024-02-01T09:00:00+00:00", 20.0, "food"),
    (3, "bob", "2024-02-02T12:00:00+00:00", 7.5, "food"),
    (4, "alice", "2024-02-01T18:30:00+00:00", 40.0, "food"),
    (5, "carol", "2024-02-03T11:00:00+00:00", 20.0, None),
    (6, "alice", "2024-02-05T08:00:00+00:00", -15.0, "travel"),
    (7, "carol", "2024-02-07T16:00:00+00:00", 30.0, "books"),
    (8, "alice", "2024-02-09T20:00:00+00:00", 35.0, None),
    (9, "carol", "2024-02-03T12:00:00+00:00", 40.0, "games"),
    (10, "dave", "2024-02-04T13:00:00+00:00", -25.0, None),
]


@pytest.fixture
def small_frame():
    return build_frame(SMALL_ROWS)


def load_transactions(data_dir: Path) -> pd.DataFrame:
    df = pd.read_csv(data_dir / "transactions.csv", dtype={"user_id": "str", "category": "str"})
    df["timestamp"] = pd.to_datetime(df["timestamp"], utc=True)
    return df


@pytest.fixture
def shipped_frame(data_dir):
    return load_transactions(data_dir)


@pytest.fixture(scope="session")
def shipped_features(candidate, data_dir):
    """The candidate's features on the shipped data (computed once, on a private copy)."""
    return candidate.user_features(load_transactions(data_dir))


@pytest.fixture(scope="session")
def expected_shipped():
    """Aggregates computed by make_data.py with plain-Python loops."""
    path = Path(__file__).resolve().parent / "expected_features.csv"
    return pd.read_csv(path, dtype={"user_id": "str"}).set_index("user_id")
