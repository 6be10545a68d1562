import chromadb
from solution import build_collection, build_prompt, chunk_documents, chunk_text, load_documents


def test_worked_example_chunking():
    """The chunking examples from the statement."""
    got = chunk_text("a b c d e f g h i j k", chunk_size=4, overlap=1)
    assert got == ["a b c d", "d e f g", "g h i j", "j k"]
    docs = [{"id": "faq", "title": "FAQ", "text": "a b c d e f"}]
    assert chunk_documents(docs, chunk_size=4, overlap=2) == [
        {"id": "faq#0", "doc_id": "faq", "title": "FAQ", "position": 0, "text": "a b c d"},
        {"id": "faq#1", "doc_id": "faq", "title": "FAQ", "position": 1, "text": "c d e f"},
    ]


def test_worked_example_prompt():
    """The prompt example from the statement."""
    results = [
        {
            "id": "shipping#2",
            "doc_id": "shipping",
            "title": "Shipping and delivery",
            "position": 2,
            "text": "Customers receive a tracking link.",
            "score": 0.61,
        },
        {
            "id": "returns#0",
            "doc_id": "returns",
            "title": "Returns and refunds",
            "position": 0,
            "text": "Customers can return any bike.",
            "score": 0.42,
        },
    ]
    assert build_prompt("Where is my bike?", results) == (
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


def test_end_to_end(data_dir, model):
    """Chunk documents.json, build the collection, retrieve for two questions."""
    from solution import retrieve

    chunks = chunk_documents(load_documents(data_dir / "documents.json"))
    collection = build_collection(chromadb.EphemeralClient(), "public-lumen", chunks, model)
    assert collection.count() == len(chunks)
    for question, doc_id in [
        ("Can you ship an e-bike to the United States?", "shipping"),
        ("How do I connect my phone to the bike with Bluetooth?", "app-pairing"),
    ]:
        results = retrieve(collection, question, model, k=2)
        assert len(results) == 2
        assert results[0]["doc_id"] == doc_id, [r["id"] for r in results]
        assert results[0]["score"] >= results[1]["score"]
