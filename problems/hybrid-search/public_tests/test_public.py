"""Public examples, one or more per requirement. `judge test` runs them; the graded suite is larger.

These use small stand-in embedding models (candidate.doubles.LookupModel: given vectors per text) so
that they run in a second; the last one loads the real model."""

import math

import pytest

TINY = [{"id": "x", "text": "Pair the remote."}, {"id": "y", "text": "Remote battery: replace it"},
        {"id": "z", "text": "Wall mount kit"}]
TINY_VECTORS = [[4.0, 0.0, 0.0], [0.0, 0.5, 0.0], [0.0, 0.0, 2.0]]  # not unit length


@pytest.mark.requirement("R1")
def test_tokenize(candidate):
    assert candidate.tokenize("Error E42: Wi-Fi > Settings!") == ["error", "e42", "wi", "fi", "settings"]


@pytest.mark.requirement("R2")
def test_bm25_ranking(candidate, documents):
    """Only the WireGuard article contains "wireguard"; case does not matter."""
    got = candidate.bm25_ranking("WIREGUARD", documents)
    assert [doc_id for doc_id, _ in got] == ["vpn"]
    assert got[0][1] > 0


@pytest.mark.requirement("R3")
def test_dense_ranking_is_cosine(candidate):
    model = candidate.doubles.LookupModel({"battery": [0.0, 3.0, 1.0]})
    got = candidate.dense_ranking("battery", TINY, TINY_VECTORS, model, n=2)
    assert [doc_id for doc_id, _ in got] == ["y", "z"]
    assert got[0][1] == pytest.approx(3 / math.sqrt(10))


@pytest.mark.requirement("R4")
def test_rrf_worked_example(candidate):
    got = candidate.rrf_fuse([["a", "b"], ["b", "c"]], k=60)
    assert [doc_id for doc_id, _ in got] == ["b", "a", "c"]
    assert [s for _, s in got] == pytest.approx([1 / 62 + 1 / 61, 1 / 61, 1 / 62])


@pytest.mark.requirement("R5")
def test_hybrid_search_small(candidate):
    """BM25 ranks y then x, dense ranks y, z, x: y is first in both, fused score 0.5/61 + 0.5/61; then x."""
    model = candidate.doubles.LookupModel({"remote battery": [0.0, 3.0, 1.0]})
    got = candidate.hybrid_search("remote battery", TINY, TINY_VECTORS, model, k=2)
    assert [r["id"] for r in got] == ["y", "x"]
    assert got[0]["score"] == pytest.approx(0.5 / 61 + 0.5 / 61)
    assert len(got) == 2


@pytest.mark.requirement("R6")
def test_recall_at_k(candidate):
    assert candidate.recall_at_k(["a", "b", "c"], ["c", "x"], 2) == pytest.approx(0.0)
    assert candidate.recall_at_k(["a", "b", "c"], ["c", "x"], 3) == pytest.approx(0.5)


@pytest.mark.requirement("R7")
def test_tune_alpha_real_data(candidate, documents, queries):
    """The whole pipeline on the real data (loads all-MiniLM-L6-v2: a few seconds)."""
    model = candidate.load_model()
    vectors = candidate.embed_documents(documents, model)
    got = candidate.tune_alpha(queries, documents, vectors, model, alphas=(0.0, 0.5, 1.0), k=5)
    assert got["alpha"] in (0.0, 0.5, 1.0)
    assert 0.0 <= got["tune_recall"] <= 1.0 and 0.0 <= got["test_recall"] <= 1.0
    assert got["test_recall"] >= 0.75
