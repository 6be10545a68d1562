"""Shared fixtures for the hidden suite: the data, stand-in models (from doubles.py, living in the
candidate's process and passed to its functions as handles), the real model, and the tests' own
implementation of every step (`spec`), written independently of the reference."""

import json
import math
import os
import re
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import numpy as np
import pytest


def pytest_configure(config):
    config.addinivalue_line("markers", "points(n): points earned by the test")
    config.addinivalue_line("markers", "requirement(rid): statement requirement checked by the test")


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """JUDGE_DATA_DIR under the judge; else the folder above tests/ (a workspace) or starter/."""
    env = os.environ.get("JUDGE_DATA_DIR")
    if env:
        return Path(env)
    here = Path(__file__).resolve().parents[1]
    return here if (here / "documents.json").is_file() else here / "starter"


@pytest.fixture(scope="session")
def documents(data_dir):
    return json.loads((data_dir / "documents.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def queries(data_dir):
    return json.loads((data_dir / "queries.json").read_text(encoding="utf-8"))


# ----------------------------------------------------------------------------- the tests' own implementation


class Spec:
    """Every step as the docstrings define it, in plain Python (BM25 written out, not rank_bm25)."""

    @staticmethod
    def tokenize(text):
        return re.findall(r"[a-z0-9]+", text.lower())

    @classmethod
    def bm25(cls, query, documents, n=20, k1=1.5, b=0.75, epsilon=0.25):
        corpus = [cls.tokenize(d["text"]) for d in documents]
        N = len(corpus)
        avgdl = sum(len(doc) for doc in corpus) / N
        df = {}
        for doc in corpus:
            for t in set(doc):
                df[t] = df.get(t, 0) + 1
        idf = {t: math.log(N - n_t + 0.5) - math.log(n_t + 0.5) for t, n_t in df.items()}
        floor = epsilon * sum(idf.values()) / len(idf)
        idf = {t: (floor if v < 0 else v) for t, v in idf.items()}
        scores = []
        for doc in corpus:
            s = 0.0
            for t in cls.tokenize(query):
                f = doc.count(t)
                s += idf.get(t, 0.0) * f * (k1 + 1) / (f + k1 * (1 - b + b * len(doc) / avgdl))
            scores.append(s)
        order = sorted(range(N), key=lambda i: -scores[i])
        return [(documents[i]["id"], scores[i]) for i in order if scores[i] > 0][:n]

    @staticmethod
    def dense(query_vector, documents, doc_vectors, n=20):
        q = np.asarray(query_vector, dtype=np.float64)
        d = np.asarray(doc_vectors, dtype=np.float64)
        cos = [float(row @ q / (np.linalg.norm(row) * np.linalg.norm(q))) for row in d]
        order = sorted(range(len(cos)), key=lambda i: -cos[i])[:n]
        return [(documents[i]["id"], cos[i]) for i in order]

    @staticmethod
    def rrf(rankings, k=60, weights=None):
        weights = weights or [1.0] * len(rankings)
        scores = {}
        for ranking, w in zip(rankings, weights, strict=True):
            for position, doc_id in enumerate(ranking):
                scores[doc_id] = scores.get(doc_id, 0.0) + w / (k + position + 1)
        return sorted(scores.items(), key=lambda kv: -kv[1])

    @classmethod
    def hybrid(cls, query, query_vector, documents, doc_vectors, k=5, alpha=0.5, rrf_k=60, n=20):
        bm25 = [i for i, _ in cls.bm25(query, documents, n)]
        dense = [i for i, _ in cls.dense(query_vector, documents, doc_vectors, n)]
        text = {d["id"]: d["text"] for d in documents}
        kept, seen = [], set()
        for doc_id, score in cls.rrf([bm25, dense], rrf_k, [alpha, 1 - alpha]):
            key = tuple(cls.tokenize(text[doc_id]))
            if key not in seen:
                seen.add(key)
                kept.append((doc_id, score))
            if len(kept) == k:
                break
        return kept

    @staticmethod
    def recall(retrieved, relevant, k):
        return len(set(retrieved[:k]) & set(relevant)) / len(set(relevant))


@pytest.fixture(scope="session")
def spec():
    return Spec


# ----------------------------------------------------------------------------- models


@pytest.fixture(scope="session")
def hashing_model(candidate):
    """The stand-in bag-of-words model of doubles.py, as a handle in the candidate's process."""
    return candidate.doubles.HashingModel()


@pytest.fixture(scope="session")
def hashing_vectors(hashing_model, documents):
    """The stand-in model's vectors of documents.json (not unit length)."""
    return np.asarray(hashing_model.encode([d["text"] for d in documents]), dtype=np.float64)


@pytest.fixture(scope="session")
def real_model(candidate):
    """The real all-MiniLM-L6-v2, loaded once with the starter's load_model helper (a handle)."""
    return candidate.load_model()


@pytest.fixture(scope="session")
def real_vectors(real_model, documents):
    return np.asarray(real_model.encode([d["text"] for d in documents]), dtype=np.float64)


@pytest.fixture(scope="session")
def real_query_vectors(real_model, queries):
    """The real model's vectors of the labelled queries, embedded in one call."""
    texts = [q["query"] for q in queries]
    return dict(zip(texts, np.asarray(real_model.encode(texts), dtype=np.float64), strict=True))


@pytest.fixture(scope="session")
def recorded_real_model(candidate, real_query_vectors):
    """A stand-in that answers the labelled queries with the real model's vectors: the real model's results,
    without embedding each query again for every alpha tried."""
    return candidate.doubles.LookupModel({text: v.tolist() for text, v in real_query_vectors.items()})
