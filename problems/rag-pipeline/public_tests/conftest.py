import os
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

import pytest


def pytest_configure(config):
    config.addinivalue_line("markers", "points(n): points earned by the test")
    config.addinivalue_line("markers", "requirement(rid): statement requirement checked by the test")


@pytest.fixture(scope="session")
def data_dir() -> Path:
    env = os.environ.get("JUDGE_DATA_DIR")
    return Path(env) if env else Path(__file__).resolve().parents[1] / "starter"


@pytest.fixture(scope="session")
def model():
    """Loaded once for the whole session, with the starter's helper."""
    from solution import load_model

    return load_model()
