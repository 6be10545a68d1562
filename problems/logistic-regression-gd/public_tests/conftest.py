import importlib
import os
import sys
from pathlib import Path

import pytest


def pytest_configure(config):
    config.addinivalue_line("markers", "requirement(rid): statement requirement the test checks")


if "judge_plugin" not in sys.modules:
    # Plain `pytest` in the workspace: call solution.py directly (the judge provides its own fixture).
    @pytest.fixture(scope="session")
    def candidate():
        return importlib.import_module("solution")


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """Folder of the starter files (this problem has no data file)."""
    env = os.environ.get("JUDGE_DATA_DIR")
    if env:
        return Path(env)
    parent = Path(__file__).resolve().parents[1]
    return parent / "starter" if (parent / "starter").is_dir() else parent
