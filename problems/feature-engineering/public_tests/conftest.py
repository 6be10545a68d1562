import os
import sys
from pathlib import Path

import pandas as pd
import pytest

if "judge_plugin" not in sys.modules:  # plain `pytest` in the workspace: solution.py in this process
    from sandbox.inprocess import candidate  # noqa: F401  (the judge's own fixture calls it in its own process)


def pytest_configure(config):
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


@pytest.fixture
def transactions(data_dir) -> pd.DataFrame:
    """transactions.csv, loaded exactly as the README says."""
    df = pd.read_csv(data_dir / "transactions.csv", dtype={"user_id": "str", "category": "str"})
    df["timestamp"] = pd.to_datetime(df["timestamp"], utc=True)
    return df


@pytest.fixture
def example() -> pd.DataFrame:
    """The worked example from the README."""
    return pd.DataFrame(
        {
            "transaction_id": [1, 2, 3, 4, 5],
            "user_id": ["u2", "u1", "u2", "u2", "u3"],
            "timestamp": pd.to_datetime(
                [
                    "2024-03-10 22:30:00+00:00",
                    "2024-03-10 09:00:00+00:00",
                    "2024-03-10 23:30:00+00:00",
                    "2024-03-12 08:00:00+00:00",
                    "2024-07-01 21:30:00+00:00",
                ],
                utc=True,
            ),
            "amount": [30.0, 12.5, -10.0, 40.0, 5.0],
            "category": ["groceries", "dining", "groceries", None, None],
        }
    )
