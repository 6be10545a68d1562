import os
import sys
from pathlib import Path

import pandas as pd
import pytest


def pytest_configure(config):
    config.addinivalue_line("markers", "requirement(rid): statement requirement the test checks")


if "judge_plugin" not in sys.modules:  # plain `pytest` in the workspace: solution.py in this process
    from sandbox.inprocess import candidate  # noqa: F401  (the judge's own fixture calls it in its own process)


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """Where the windows are: JUDGE_DATA_DIR under the judge, else the workspace root (the parent
    of tests/), else the problem folder's starter/."""
    env = os.environ.get("JUDGE_DATA_DIR")
    if env:
        return Path(env)
    parent = Path(__file__).resolve().parents[1]
    return parent if (parent / "reference.csv").is_file() else parent / "starter"


@pytest.fixture(scope="session")
def windows(data_dir):
    """(reference, recent), loaded as the README says."""
    return pd.read_csv(data_dir / "reference.csv"), pd.read_csv(data_dir / "recent.csv")
