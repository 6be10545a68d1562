import json
import os
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import pytest


def pytest_configure(config):
    config.addinivalue_line("markers", "requirement(rid): statement requirement the test checks")


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """JUDGE_DATA_DIR under the judge; else the folder above tests/ (your workspace) or starter/."""
    env = os.environ.get("JUDGE_DATA_DIR")
    if env:
        return Path(env)
    here = Path(__file__).resolve().parents[1]
    return here if (here / "documents.json").is_file() else here / "starter"


if "judge_plugin" not in sys.modules:  # plain `pytest` in the workspace: solution.py in this process
    from sandbox.inprocess import candidate  # noqa: F401  (the judge's own fixture calls it in its own process)


@pytest.fixture(scope="session")
def documents(data_dir):
    return json.loads((data_dir / "documents.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def queries(data_dir):
    return json.loads((data_dir / "queries.json").read_text(encoding="utf-8"))
