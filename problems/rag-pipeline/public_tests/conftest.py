import os
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

import sys

import pytest

if "judge_plugin" not in sys.modules:  # plain `pytest` in the workspace: solution.py in this process
    from sandbox.inprocess import candidate  # noqa: F401  (the judge's own fixture calls it in its own process)


def pytest_configure(config):
    config.addinivalue_line("markers", "points(n): points earned by the test")
    config.addinivalue_line("markers", "requirement(rid): statement requirement checked by the test")


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """JUDGE_DATA_DIR under the judge; else the folder above tests/ (your workspace) or starter/."""
    env = os.environ.get("JUDGE_DATA_DIR")
    if env:
        return Path(env)
    here = Path(__file__).resolve().parents[1]
    return here if (here / "documents.json").is_file() else here / "starter"


@pytest.fixture(scope="session")
def model(candidate):
    """The real all-MiniLM-L6-v2, loaded once for the whole session with the starter's helper."""
    return candidate.load_model()


@pytest.fixture
def keyword_model(candidate):
    """doubles.KeywordModel: a stand-in for the SentenceTransformer with the same encode() method; a text's
    vector counts three keywords (plus 0.1, so no vector is zero). Its vectors are not unit length."""
    return candidate.doubles.KeywordModel()


@pytest.fixture
def client(candidate):
    """An in-memory chromadb client (doubles.new_client)."""
    return candidate.doubles.new_client()
