import os
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def data_dir() -> Path:
    env = os.environ.get("JUDGE_DATA_DIR")
    return Path(env) if env else Path(__file__).resolve().parents[1] / "starter"
