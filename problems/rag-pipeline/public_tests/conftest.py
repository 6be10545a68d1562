import os
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

import numpy as np
import pytest


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
def model():
    """The real all-MiniLM-L6-v2, loaded once for the whole session with the starter's helper."""
    from solution import load_model

    return load_model()


class KeywordModel:
    """A stand-in for the SentenceTransformer with the same encode() method: a text's vector counts
    three keywords (plus 0.1, so no vector is zero). Its vectors are not unit length."""

    VOCAB = ("battery", "bike", "refund")

    def encode(self, sentences, **kwargs):
        single = isinstance(sentences, str)
        texts = [sentences] if single else list(sentences)
        words = [t.lower().replace("?", "").split() for t in texts]
        out = np.array([[w.count(v) + 0.1 for v in self.VOCAB] for w in words], dtype=np.float32)
        return out[0] if single else out


@pytest.fixture
def keyword_model():
    return KeywordModel()
