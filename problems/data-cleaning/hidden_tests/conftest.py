import io
import os
from pathlib import Path

import pandas as pd
import pytest

HEADER = "customer_id,signup_date,country,plan,age,annual_income,monthly_spend,visits"


def pytest_configure(config):
    config.addinivalue_line("markers", "points(n): points awarded by this test")
    config.addinivalue_line("markers", "requirement(rid): statement requirement checked")


@pytest.fixture(scope="session")
def data_dir() -> Path:
    env = os.environ.get("JUDGE_DATA_DIR")
    return Path(env) if env else Path(__file__).resolve().parents[1] / "starter"


def _read(text: str) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)


@pytest.fixture(scope="session")
def make_raw():
    """Build a raw frame from data lines exactly as the statement's reader does."""

    def build(*lines: str) -> pd.DataFrame:
        return _read(HEADER + "\n" + "\n".join(lines) + "\n")

    return build


@pytest.fixture(scope="session")
def raw_file_text(data_dir) -> str:
    return (data_dir / "customers.csv").read_text()


@pytest.fixture
def raw_customers(raw_file_text) -> pd.DataFrame:
    return _read(raw_file_text)
