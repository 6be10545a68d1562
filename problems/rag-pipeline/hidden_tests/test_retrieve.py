import pytest

RECALL_QUESTIONS = [
    ("How long do I have to send back an e-bike for my money back?", "returns"),
    ("Where is the frame serial number stamped?", "warranty"),
    ("At what charge level should I store the battery over winter?", "battery-care"),
    ("What does error E07 on the display mean?", "error-codes"),
    ("What torque should the pedals be tightened to?", "assembly"),
    ("How much does the CarePlus subscription cost per year?", "careplus"),
    ("How many vacation days can I carry over to next year?", "time-off"),
    ("How many weeks of paid leave does a new parent get?", "parental-leave"),
    ("How much is mileage reimbursed per kilometre?", "expenses"),
    ("What should I do if my work laptop is stolen?", "it-security"),
]


@pytest.mark.points(4)
@pytest.mark.requirement("R6")
def test_recall_at_3(candidate, spec_collection, model):
    """For 10 held-out questions, the document that answers each is among the top 3 retrieved chunks."""
    misses = []
    for question, doc_id in RECALL_QUESTIONS:
        got = [r["doc_id"] for r in candidate.retrieve(spec_collection, question, model, k=3)]
        if doc_id not in got:
            misses.append(f"{question!r}: expected {doc_id!r} in the top 3, got {got}")
    assert not misses, f"{len(misses)} of {len(RECALL_QUESTIONS)} questions missed:\n" + "\n".join(misses)


@pytest.mark.points(2)
@pytest.mark.requirement("R6")
def test_results_carry_chunk_fields(candidate, spec_collection, model, corpus):
    """With the default k=3, each result has the stored chunk's id, doc_id, title, position, text and a float score."""
    chunks, _ = corpus
    by_id = {c["id"]: c for c in chunks}
    results = candidate.retrieve(spec_collection, "Which pedal has a reverse thread?", model)
    assert len(results) == 3, f"expected 3 results with the default k, got {len(results)}"
    for r in results:
        c = by_id.get(r.get("id"))
        assert c is not None, f"unknown chunk id {r.get('id')!r}"
        for key in ("doc_id", "title", "position", "text"):
            assert r.get(key) == c[key], f"{c['id']}: {key!r} is {r.get(key)!r}, expected {c[key]!r}"
        assert isinstance(r.get("score"), float), f"score should be a float, got {type(r.get('score'))}"


@pytest.mark.points(1)
@pytest.mark.requirement("R6")
def test_k_larger_than_collection_returns_everything(candidate, spec_collection, model, corpus):
    """k larger than the collection returns every chunk once, best first."""
    chunks, _ = corpus
    results = candidate.retrieve(spec_collection, "How long is the probation period?", model, k=1000)
    ids = [r["id"] for r in results]
    assert len(ids) == len(chunks), f"expected all {len(chunks)} chunks, got {len(ids)}"
    assert sorted(ids) == sorted(c["id"] for c in chunks), "results are not every chunk exactly once"
    scores = [r["score"] for r in results]
    assert scores == sorted(scores, reverse=True), "results not in non-increasing score order"
    assert ids[0].startswith("onboarding#"), f"best chunk should be from 'onboarding', got {ids[0]}"


@pytest.mark.points(2)
@pytest.mark.requirement("R4")
def test_results_come_best_first(candidate, spec_collection, model, corpus, embed, cosine_top_k):
    """The results are the most similar chunks in rank order, the closest first (their ids only: the scores
    are another test's)."""
    chunks, vectors = corpus
    question = "How much credit do I get for trading in my old battery?"
    want = [cid for cid, _ in cosine_top_k(chunks, vectors, embed([question])[0], 4)]
    got = [r["id"] for r in candidate.retrieve(spec_collection, question, model, k=4)]
    assert got == want, f"expected the closest chunks first {want}, got {got}"


@pytest.mark.points(1)
@pytest.mark.requirement("R6")
def test_empty_collection_gives_no_results(candidate, client, model):
    """Retrieving from an empty collection returns []."""
    if "hidden-empty" in [c.name for c in client.list_collections()]:
        client.delete_collection("hidden-empty")
    col = client.create_collection("hidden-empty", metadata={"hnsw:space": "cosine"}, embedding_function=None)
    assert candidate.retrieve(col, "How long is the probation period?", model, k=3) == []
