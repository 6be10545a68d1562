import json
import os
import sys
from pathlib import Path

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
    return here if (here / "model.json").is_file() else here / "starter"


if "judge_plugin" not in sys.modules:  # plain `pytest` in the workspace: solution.py in this process
    from sandbox.inprocess import candidate  # noqa: F401  (the judge's own fixture calls it in its own process)


@pytest.fixture(scope="session")
def api(candidate):
    """api(method, path, json=..., body=...) -> {"status": int, "json": ..., "headers": dict}."""

    def call(method, path, json=None, body=None):
        return candidate.doubles.request(method, path, json=json, body=body)

    return call


@pytest.fixture(scope="session")
def model_spec(data_dir) -> dict:
    return json.loads((data_dir / "model.json").read_text(encoding="utf-8"))


@pytest.fixture
def example() -> dict:
    """The README's worked example."""
    return {"tenure_months": 40, "monthly_charges": 65.5, "support_calls": 2, "age": 52}
