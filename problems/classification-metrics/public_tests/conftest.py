import os
import sys
from pathlib import Path

import pytest

if "judge_plugin" not in sys.modules:  # plain `pytest` in the workspace: solution.py in this process
    from sandbox.inprocess import candidate  # noqa: F401  (the judge's own fixture calls it in its own process)


def pytest_configure(config):
    config.addinivalue_line("markers", "requirement(rid): statement requirement the test checks")


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """Folder of the starter files (this problem has no data file)."""
    env = os.environ.get("JUDGE_DATA_DIR")
    if env:
        return Path(env)
    parent = Path(__file__).resolve().parents[1]
    return parent / "starter" if (parent / "starter").is_dir() else parent
