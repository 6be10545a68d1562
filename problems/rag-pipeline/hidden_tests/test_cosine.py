import numpy as np
import pytest

QUESTIONS = [
    "What does error E07 on the display mean?",
    "How much credit do I get for trading in my old battery?",
    "How much does express delivery cost?",
]


@pytest.mark.points(8)
@pytest.mark.requirement("R4")
def test_collection_uses_cosine_distance(built_collection, corpus, embed):
    """The collection is in cosine space: querying it returns distance = 1 - cosine similarity."""
    chunks, vectors = corpus
    by_id = {c["id"]: v for c, v in zip(chunks, vectors, strict=True)}
    q = embed(["How much does express delivery cost?"])
    res = built_collection.query(query_embeddings=q, n_results=5, include=["distances"])
    for cid, dist in zip(res["ids"][0], res["distances"][0], strict=True):
        v = by_id[cid]
        cos = float(q[0] @ v / (np.linalg.norm(q[0]) * np.linalg.norm(v)))
        assert dist == pytest.approx(1 - cos, abs=1e-4), (
            f"{cid}: distance {dist}, expected 1 - cosine similarity = {1 - cos} (is the collection in cosine space?)"
        )


@pytest.mark.points(8)
@pytest.mark.requirement("R4")
def test_ranking_is_cosine_for_vectors_of_any_length(candidate, client, corpus, scaled_model, cosine_top_k):
    """With a stand-in model whose vectors are not unit length, build + retrieve still rank and score by cosine."""
    chunks, _ = corpus
    col = candidate.build_collection(client, "hidden-scaled-build", [dict(c) for c in chunks], scaled_model)
    vectors = scaled_model.vectors([c["text"] for c in chunks])
    for question in QUESTIONS:
        want = cosine_top_k(chunks, vectors, scaled_model.vectors([question])[0], 4)
        results = candidate.retrieve(col, question, scaled_model, k=4)
        assert [r["id"] for r in results] == [cid for cid, _ in want], (
            f"{question!r}: expected the cosine top 4 {[cid for cid, _ in want]}, got {[r['id'] for r in results]}"
        )
        for r, (cid, sim) in zip(results, want, strict=True):
            assert r["score"] == pytest.approx(sim, abs=1e-4), f"{cid}: score {r['score']}, cosine {sim}"


@pytest.mark.points(4)
@pytest.mark.requirement("R4")
def test_scores_are_cosine_similarities_in_rank_order(candidate, spec_collection, model, corpus, embed, cosine_top_k):
    """On a cosine-space collection, results are the most similar chunks, best first, score = cosine similarity."""
    chunks, vectors = corpus
    question = "What does error E07 on the display mean?"
    want = cosine_top_k(chunks, vectors, embed([question])[0], 5)
    results = candidate.retrieve(spec_collection, question, model, k=5)
    assert [r["id"] for r in results] == [cid for cid, _ in want], (
        f"expected chunks {[cid for cid, _ in want]} in this order, got {[r['id'] for r in results]}"
    )
    for r, (cid, sim) in zip(results, want, strict=True):
        assert r["score"] == pytest.approx(sim, abs=1e-4), f"{cid}: score {r['score']}, cosine {sim}"


@pytest.mark.points(2)
@pytest.mark.requirement("R4")
def test_each_result_scores_its_own_cosine_similarity(candidate, spec_collection, model, corpus, embed):
    """Each returned chunk's score is its cosine similarity to the question (1 - distance, higher is closer),
    whatever order the results come in."""
    chunks, vectors = corpus
    by_id = {c["id"]: v for c, v in zip(chunks, vectors, strict=True)}
    q = embed(["How much does express delivery cost?"])[0]
    results = candidate.retrieve(spec_collection, "How much does express delivery cost?", model, k=4)
    assert results, "no results"
    for r in results:
        v = by_id[r["id"]]
        cos = float(q @ v / (np.linalg.norm(q) * np.linalg.norm(v)))
        assert r["score"] == pytest.approx(cos, abs=1e-4), f"{r['id']}: score {r['score']}, cosine similarity {cos}"


@pytest.mark.points(1)
@pytest.mark.requirement("R4")
def test_scores_are_not_rounded(candidate, spec_collection, model, corpus, embed):
    """A score is the cosine similarity itself as a float, not rounded: each of the top 10 is within 1e-5 of the
    cosine similarity (float32 storage keeps chromadb within about 1e-7 of it)."""
    chunks, vectors = corpus
    by_id = {c["id"]: v for c, v in zip(chunks, vectors, strict=True)}
    question = "Can you ship an e-bike to the United States?"
    q = embed([question])[0]
    results = candidate.retrieve(spec_collection, question, model, k=10)
    assert results, "no results"
    for r in results:
        v = by_id[r["id"]]
        cos = float(q @ v / (np.linalg.norm(q) * np.linalg.norm(v)))
        assert r["score"] == pytest.approx(cos, abs=1e-5), (
            f"{r['id']}: score {r['score']!r}, cosine similarity {cos!r}: the score must not be rounded"
        )
