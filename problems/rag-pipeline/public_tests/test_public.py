import numpy as np
import pytest

CHUNKS = [
    {"id": "care#0", "doc_id": "care", "title": "Battery care", "position": 0, "text": "charge the battery battery"},
    {"id": "frame#0", "doc_id": "frame", "title": "Frame", "position": 0, "text": "the bike frame of your bike"},
    {"id": "money#0", "doc_id": "money", "title": "Refunds", "position": 0, "text": "a refund takes five days"},
]


@pytest.mark.requirement("R1")
def test_chunk_text_example(candidate):
    """11 words, windows of 4 sharing 1 word: starts 0, 3, 6, 9; the last window is shorter."""
    got = candidate.chunk_text("a b c d e f g h i j k", chunk_size=4, overlap=1)
    assert got == ["a b c d", "d e f g", "g h i j", "j k"]
    assert candidate.chunk_text("a b c d", chunk_size=4, overlap=1) == ["a b c d"]
    assert candidate.chunk_text("   ", chunk_size=4, overlap=1) == []


@pytest.mark.requirement("R2")
def test_chunk_documents_example(candidate):
    """Each chunk keeps its document's id and title, and its position within the document."""
    docs = [{"id": "faq", "title": "FAQ", "text": "a b c d e f"}]
    assert candidate.chunk_documents(docs, chunk_size=4, overlap=2) == [
        {"id": "faq#0", "doc_id": "faq", "title": "FAQ", "position": 0, "text": "a b c d"},
        {"id": "faq#1", "doc_id": "faq", "title": "FAQ", "position": 1, "text": "c d e f"},
    ]


@pytest.mark.requirement("R3")
def test_collection_holds_the_chunks(candidate, client, keyword_model):
    """Every chunk is stored once with its text and metadata, even when the collection is built twice."""
    candidate.build_collection(client, "public-keywords", CHUNKS, keyword_model)
    collection = candidate.build_collection(client, "public-keywords", CHUNKS, keyword_model)
    got = collection.get(ids=["frame#0"], include=["documents", "metadatas"])
    assert collection.count() == 3
    assert got["documents"] == ["the bike frame of your bike"]
    assert got["metadatas"] == [{"doc_id": "frame", "title": "Frame", "position": 0}]


@pytest.mark.requirement("R4")
def test_score_is_cosine_similarity(candidate, client, keyword_model):
    """score = cosine similarity of the question and chunk vectors, best first (vectors need not be unit length)."""
    collection = candidate.build_collection(client, "public-cosine", CHUNKS, keyword_model)
    results = candidate.retrieve(collection, "is my battery charged", keyword_model, k=3)
    q = keyword_model.encode("is my battery charged")
    for r in results:
        v = keyword_model.encode(r["text"])
        cosine = float(q @ v / (np.linalg.norm(q) * np.linalg.norm(v)))
        assert r["score"] == pytest.approx(cosine, abs=1e-4), (r["id"], r["score"], cosine)
    assert results[0]["id"] == "care#0"
    assert [r["score"] for r in results] == sorted((r["score"] for r in results), reverse=True)


@pytest.mark.requirement("R5")
def test_uses_the_model_it_is_given(candidate, client, keyword_model):
    """With a stand-in model (3-number vectors), chunks and question must both be embedded with it."""
    collection = candidate.build_collection(client, "public-model", CHUNKS, keyword_model)
    stored = collection.get(ids=["money#0"], include=["embeddings"])["embeddings"][0]
    assert np.allclose(stored, keyword_model.encode("a refund takes five days"))
    results = candidate.retrieve(collection, "where is my refund", keyword_model, k=1)
    assert [r["id"] for r in results] == ["money#0"]


@pytest.mark.requirement("R6")
def test_end_to_end(candidate, client, data_dir, model):
    """Chunk documents.json, build the collection with the real model, retrieve for two questions."""
    chunks = candidate.chunk_documents(candidate.load_documents(str(data_dir / "documents.json")))
    collection = candidate.build_collection(client, "public-lumen", chunks, model)
    assert collection.count() == len(chunks)
    for question, doc_id in [
        ("Can you ship an e-bike to the United States?", "shipping"),
        ("How do I connect my phone to the bike with Bluetooth?", "app-pairing"),
    ]:
        results = candidate.retrieve(collection, question, model, k=2)
        assert len(results) == 2
        assert results[0]["doc_id"] == doc_id, [r["id"] for r in results]
        assert results[0]["score"] >= results[1]["score"]
    assert len(candidate.retrieve(collection, "Where is my bike?", model, k=1000)) == len(chunks)


@pytest.mark.requirement("R7")
def test_prompt_example(candidate):
    """The prompt: header, empty line, numbered sourced passages in the given order, empty line, question."""
    results = [
        {"id": "shipping#2", "doc_id": "shipping", "title": "Shipping and delivery", "position": 2,
         "text": "Customers receive a tracking link.", "score": 0.61},
        {"id": "returns#0", "doc_id": "returns", "title": "Returns and refunds", "position": 0,
         "text": "Customers can return any bike.", "score": 0.42},
    ]
    assert candidate.build_prompt("Where is my bike?", results) == (
        "You are a helpful assistant for Lumen Cycles.\n"
        "Answer the question using only the numbered context passages below.\n"
        "Cite the passages you use by their number in square brackets, for example [1].\n"
        "If the context does not contain the answer, reply exactly: I don't know.\n"
        "\n"
        "Context:\n"
        "[1] (source: shipping) Customers receive a tracking link.\n"
        "[2] (source: returns) Customers can return any bike.\n"
        "\n"
        "Question: Where is my bike?\n"
        "Answer:"
    )
