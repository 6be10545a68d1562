import numpy as np
import pytest
from solution import retrieve

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


def brute_force(question, corpus, embed, k):
    chunks, vectors = corpus
    q = embed([question])[0]
    sims = vectors @ q / (np.linalg.norm(vectors, axis=1) * np.linalg.norm(q))
    order = np.argsort(-sims)[:k]
    return [(chunks[i]["id"], float(sims[i])) for i in order]


@pytest.mark.points(1)
@pytest.mark.requirement("R4")
@pytest.mark.parametrize("question,doc_id", RECALL_QUESTIONS, ids=[d for _, d in RECALL_QUESTIONS])
def test_recall_at_3(spec_collection, model, question, doc_id):
    """For a held-out question, the document that answers it is among the top 3 retrieved chunks."""
    results = retrieve(spec_collection, question, model, k=3)
    got = [r["doc_id"] for r in results]
    assert doc_id in got, f"{question!r}: expected {doc_id!r} in the top 3, got {got}"


@pytest.mark.points(3)
@pytest.mark.requirement("R4")
def test_scores_are_cosine_similarities_in_rank_order(spec_collection, model, corpus, embed):
    """Results are the k most similar chunks, best first, with score = cosine similarity."""
    question = "What does error E07 on the display mean?"
    want = brute_force(question, corpus, embed, 5)
    results = retrieve(spec_collection, question, model, k=5)
    assert [r["id"] for r in results] == [cid for cid, _ in want], (
        f"expected chunks {[cid for cid, _ in want]} in this order, got {[r['id'] for r in results]}"
    )
    for r, (cid, sim) in zip(results, want, strict=True):
        assert r["score"] == pytest.approx(sim, abs=1e-4), f"{cid}: score {r['score']}, cosine {sim}"
    scores = [r["score"] for r in results]
    assert scores == sorted(scores, reverse=True), f"scores not in non-increasing order: {scores}"


@pytest.mark.points(2)
@pytest.mark.requirement("R4")
def test_results_carry_chunk_fields(spec_collection, model, corpus):
    """With the default k=3, each result has the stored chunk's id, doc_id, title, position, text and a float score."""
    chunks, _ = corpus
    by_id = {c["id"]: c for c in chunks}
    results = retrieve(spec_collection, "Which pedal has a reverse thread?", model)
    assert len(results) == 3, f"expected 3 results with the default k, got {len(results)}"
    for r in results:
        c = by_id.get(r.get("id"))
        assert c is not None, f"unknown chunk id {r.get('id')!r}"
        for key in ("doc_id", "title", "position", "text"):
            assert r.get(key) == c[key], f"{c['id']}: {key!r} is {r.get(key)!r}, expected {c[key]!r}"
        assert isinstance(r.get("score"), float), f"score should be a float, got {type(r.get('score'))}"


@pytest.mark.points(2)
@pytest.mark.requirement("R4")
def test_k_larger_than_collection_returns_everything(spec_collection, model, corpus):
    """k larger than the collection returns every chunk once, best first."""
    chunks, _ = corpus
    results = retrieve(spec_collection, "How long is the probation period?", model, k=1000)
    ids = [r["id"] for r in results]
    assert len(ids) == len(chunks), f"expected all {len(chunks)} chunks, got {len(ids)}"
    assert sorted(ids) == sorted(c["id"] for c in chunks), "results are not every chunk exactly once"
    scores = [r["score"] for r in results]
    assert scores == sorted(scores, reverse=True), "results not in non-increasing score order"
    assert ids[0].startswith("onboarding#"), f"best chunk should be from 'onboarding', got {ids[0]}"


@pytest.mark.points(1)
@pytest.mark.requirement("R4")
def test_empty_collection_gives_no_results(client, model):
    """Retrieving from an empty collection returns []."""
    if "hidden-empty" in [c.name for c in client.list_collections()]:
        client.delete_collection("hidden-empty")
    col = client.create_collection("hidden-empty", metadata={"hnsw:space": "cosine"}, embedding_function=None)
    assert retrieve(col, "How long is the probation period?", model, k=3) == []


@pytest.mark.points(1)
@pytest.mark.requirement("R4")
@pytest.mark.parametrize("question", ["", "   ", "\n\t "], ids=["empty", "spaces", "newline-tab"])
def test_blank_question_raises(spec_collection, model, question):
    """An empty or whitespace-only question raises ValueError."""
    with pytest.raises(ValueError):
        retrieve(spec_collection, question, model, k=3)


@pytest.mark.points(1)
@pytest.mark.requirement("R4")
def test_k_below_one_raises(spec_collection, model):
    """k < 1 raises ValueError, while k = 1 returns just the best chunk."""
    with pytest.raises(ValueError):
        retrieve(spec_collection, "How long is the probation period?", model, k=0)
    results = retrieve(spec_collection, "How long is the probation period?", model, k=1)
    assert [r["doc_id"] for r in results] == ["onboarding"], (
        f"k=1: expected one 'onboarding' chunk, got {results}"
    )


@pytest.mark.points(2)
@pytest.mark.requirement("R4")
def test_question_embedded_with_the_given_model(client, corpus, collection_maker, rotated_model, embed):
    """The question is embedded with the model passed in, the same one that embedded the chunks."""
    chunks, vectors = corpus
    col = collection_maker(client, "hidden-rotated-corpus", chunks, rotated_model.rotate(vectors))
    questions = [
        "What does error E07 on the display mean?",
        "How much credit do I get for trading in my old battery?",
    ]
    for question in questions:
        want = brute_force(question, corpus, embed, 3)
        results = retrieve(col, question, rotated_model, k=3)
        assert [r["id"] for r in results] == [cid for cid, _ in want], (
            f"{question!r}: expected {[cid for cid, _ in want]}, got {[r['id'] for r in results]}"
        )
        for r, (cid, sim) in zip(results, want, strict=True):
            assert r["score"] == pytest.approx(sim, abs=1e-4), f"{cid}: score {r['score']}, expected {sim}"
