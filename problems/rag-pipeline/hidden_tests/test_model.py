import numpy as np
import pytest

QUESTIONS = [
    "What does error E07 on the display mean?",
    "How much credit do I get for trading in my old battery?",
]


@pytest.mark.points(4)
@pytest.mark.requirement("R5")
def test_collection_stores_the_given_models_embeddings(candidate, client, documents, chunker, rotated_model):
    """Stored embeddings are model.encode(chunk text) from the model passed in, not a default embedding."""
    chunks = chunker(documents[:3])
    col = candidate.build_collection(client, "hidden-rotated-build", chunks, rotated_model)
    got = col.get(include=["embeddings"])
    items = dict(zip(got["ids"], got["embeddings"], strict=True))
    want = rotated_model.vectors([c["text"] for c in chunks])
    for c, w in zip(chunks, want, strict=True):
        assert c["id"] in items, f"chunk {c['id']} missing"
        v = np.asarray(items[c["id"]], dtype=np.float64)
        ok = v.shape == w.shape and float(v @ w) / (np.linalg.norm(v) * np.linalg.norm(w)) > 0.9999
        assert ok, f"{c['id']}: stored embedding is not model.encode of the chunk text"


@pytest.mark.points(8)
@pytest.mark.requirement("R5")
def test_question_embedded_with_the_given_model(candidate, client, corpus, collection_maker, rotated_model,
                                                cosine_top_k):
    """retrieve embeds the question with the model passed in (the one that embedded the chunks): right top 3."""
    chunks, _ = corpus
    vectors = rotated_model.vectors([c["text"] for c in chunks])
    col = collection_maker(client, "hidden-rotated-corpus", chunks, vectors)
    for question in QUESTIONS:
        want = cosine_top_k(chunks, vectors, rotated_model.vectors([question])[0], 3)
        results = candidate.retrieve(col, question, rotated_model, k=3)
        got = sorted(r["id"] for r in results)
        assert got == sorted(cid for cid, _ in want), (
            f"{question!r}: expected the top 3 {sorted(cid for cid, _ in want)}, got {got}"
        )


@pytest.mark.points(8)
@pytest.mark.requirement("R5")
def test_pipeline_with_a_stand_in_model(candidate, client, corpus, rotated_model, cosine_top_k):
    """build_collection then retrieve with a stand-in model: both embed with it, so the top 3 match its nearest chunks."""
    chunks, _ = corpus
    col = candidate.build_collection(client, "hidden-rotated-pipeline", [dict(c) for c in chunks], rotated_model)
    vectors = rotated_model.vectors([c["text"] for c in chunks])
    for question in QUESTIONS:
        want = cosine_top_k(chunks, vectors, rotated_model.vectors([question])[0], 3)
        results = candidate.retrieve(col, question, rotated_model, k=3)
        got = sorted(r["id"] for r in results)
        assert got == sorted(cid for cid, _ in want), (
            f"{question!r}: expected the top 3 {sorted(cid for cid, _ in want)}, got {got}"
        )
