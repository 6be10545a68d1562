import os
from pathlib import Path

import pandas as pd
import pytest


@pytest.fixture(scope="session")
def data_dir() -> Path:
    env = os.environ.get("JUDGE_DATA_DIR")
    return Path(env) if env else Path(__file__).resolve().parents[1] / "starter"


@pytest.fixture
def transactions(data_dir) -> pd.DataFrame:
    df = pd.read_csv(data_dir / "transactions.csv", dtype={"user_id": "str", "category": "str"})
    df["timestamp"] = pd.to_datetime(df["timestamp"], utc=True)
    return df
