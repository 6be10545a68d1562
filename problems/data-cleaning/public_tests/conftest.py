import io
import os
import sys
from pathlib import Path

import pandas as pd
import pytest

if "judge_plugin" not in sys.modules:  # plain `pytest` in the workspace: solution.py in this process
    from sandbox.inprocess import candidate  # noqa: F401  (the judge's own fixture calls it in its own process)

HEADER = "customer_id,signup_date,country,plan,age,annual_income,monthly_spend,visits"


def pytest_configure(config):
    config.addinivalue_line("markers", "points(n): points awarded by this test")
    config.addinivalue_line("markers", "requirement(rid): statement requirement checked")


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The judge sets JUDGE_DATA_DIR; in a workspace the data sits beside tests/, in the problem under starter/."""
    env = os.environ.get("JUDGE_DATA_DIR")
    if env:
        return Path(env)
    here = Path(__file__).resolve().parents[1]
    return here if (here / "customers.csv").is_file() else here / "starter"


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
