import os
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest


def pytest_configure(config):
    config.addinivalue_line("markers", "requirement(rid): statement requirement the test checks")


if "judge_plugin" not in sys.modules:  # plain `pytest` in the workspace: solution.py in this process
    from sandbox.inprocess import candidate  # noqa: F401  (the judge's own fixture calls it in its own process)


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """Where transactions.csv is: JUDGE_DATA_DIR under the judge, else the workspace root (the
    parent of tests/), else the problem folder's starter/."""
    env = os.environ.get("JUDGE_DATA_DIR")
    if env:
        return Path(env)
    parent = Path(__file__).resolve().parents[1]
    return parent if (parent / "transactions.csv").is_file() else parent / "starter"


@pytest.fixture(scope="session")
def shipped(data_dir):
    """transactions.csv loaded as the README says: (X, y)."""
    df = pd.read_csv(data_dir / "transactions.csv")
    return df.drop(columns="is_fraud").to_numpy(dtype=float), df["is_fraud"].to_numpy()


@pytest.fixture
def example():
    """The README's worked example: (labels, scores), by descending score."""
    scores = [0.97, 0.93, 0.88, 0.84, 0.79, 0.75, 0.71, 0.66, 0.62, 0.58,
              0.55, 0.49, 0.45, 0.41, 0.36, 0.30, 0.22, 0.17, 0.11, 0.05]
    labels = [1, 1, 0, 1, 0, 1, 1, 1, 1, 0, 1, 1, 0, 1, 0, 0, 0, 0, 0, 0]
    return np.array(labels), np.array(scores)
