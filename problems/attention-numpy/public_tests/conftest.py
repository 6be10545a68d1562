import os
import sys
from pathlib import Path

import numpy as np
import pytest

if "judge_plugin" not in sys.modules:  # plain `pytest` in the workspace: solution.py in this process
    from sandbox.inprocess import candidate  # noqa: F401  (the judge's own fixture calls it in its own process)


def pytest_configure(config):
    config.addinivalue_line("markers", "points(n): points this test is worth")
    config.addinivalue_line("markers", "requirement(rid): statement requirement checked")


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """Folder of the starter files (this problem has no data files)."""
    env = os.environ.get("JUDGE_DATA_DIR")
    if env:
        return Path(env)
    root = Path(__file__).resolve().parents[1]
    return root / "starter" if (root / "starter").is_dir() else root


@pytest.fixture
def example():
    """The worked example from the README: q, k, v of shape (1, 1, 3, 4), (1, 1, 3, 4), (1, 1, 3, 2)."""
    q = np.array([[1, 0, 0, 0], [0, 1, 0, 0], [1, 1, 0, 0]], float)[None, None]
    k = 2 * np.eye(3, 4)[None, None]
    v = np.array([[1, 0], [0, 1], [5, 5]], float)[None, None]
    return q, k, v
