import numpy as np
import pytest

QUERIES = ["reset the router to factory settings", "error E17 no internet", "my wifi is slow at night",
           "how do I cancel Orbit Secure", "add a satellite to the mesh"]


def _check(got, want, what):
    got_ids = [r.get("id") for r in got]
    want_ids = [doc_id for doc_id, _ in want]
    assert got_ids == want_ids, f"{what}: expected {want_ids}, got {got_ids}"
    for r, (doc_id, score) in zip(got, want, strict=True):
        have = r.get("score")
        assert have == pytest.approx(score, rel=1e-6), f"{what}: {doc_id} score {have!r}, expected {score}"


# ---------------------------------------------------------------- R5: hybrid search


@pytest.mark.points(4)
@pytest.mark.requirement("R5")
def test_hybrid_fuses_ranks(candidate, documents, hashing_model, hashing_vectors, spec):
    """With a stand-in model: the top 5 are the RRF fusion of the BM25 and cosine rankings (ranks, not raw scores)."""
    for query in QUERIES:
        want = spec.hybrid(query, hashing_model.encode(query), documents, hashing_vectors, k=5)
        got = candidate.hybrid_search(query, documents, hashing_vectors, hashing_model, k=5)
        _check(got, want, repr(query))


@pytest.mark.points(2)
@pytest.mark.requirement("R5")
def test_hybrid_alpha_weights_bm25(candidate, documents, hashing_model, hashing_vectors, spec):
    """alpha weights the BM25 ranking and 1 - alpha the dense one (alpha 0.8 and 0.2)."""
    for alpha in (0.8, 0.2):
        for query in QUERIES[:3]:
            want = spec.hybrid(query, hashing_model.encode(query), documents, hashing_vectors, k=5, alpha=alpha)
            got = candidate.hybrid_search(query, documents, hashing_vectors, hashing_model, k=5, alpha=alpha)
            _check(got, want, f"{query!r}, alpha={alpha}")


@pytest.mark.points(1)
@pytest.mark.requirement("R5")
def test_hybrid_alpha_weights_bm25_in_the_whole_fused_list(candidate, documents, hashing_model, hashing_vectors,
                                                           spec):
    """alpha weights the BM25 ranking and 1 - alpha the dense one, seen over the whole fused list (k larger than
    every candidate, so no cut to k is involved)."""
    for alpha in (0.9, 0.1):
        query = QUERIES[1]
        want = spec.hybrid(query, hashing_model.encode(query), documents, hashing_vectors, k=100, alpha=alpha)
        got = candidate.hybrid_search(query, documents, hashing_vectors, hashing_model, k=100, alpha=alpha)
        _check(got, want, f"{query!r}, alpha={alpha}, k=100")


@pytest.mark.points(1)
@pytest.mark.requirement("R5")
def test_hybrid_result_fields(candidate, documents, hashing_model, hashing_vectors):
    """Each result is {"id", "text", "score"} with the document's own text and a float score."""
    text = {d["id"]: d["text"] for d in documents}
    for r in candidate.hybrid_search("guest network", documents, hashing_vectors, hashing_model, k=3):
        assert r.get("id") in text, f"unknown id in {r!r}"
        assert r.get("text") == text[r["id"]], f"{r['id']}: text is not the document's"
        assert isinstance(r.get("score"), float), f"score should be a float, got {type(r.get('score'))}"


@pytest.mark.points(3)
@pytest.mark.requirement("R5")
def test_hybrid_drops_duplicate_texts(candidate, documents, hashing_model, hashing_vectors):
    """Copies of an article that differ only in case, punctuation and spacing are returned once."""
    copies = [{"reset-factory", "faq-reset-copy"}, {"error-e17", "kb-e17-copy"}]
    for query in ("restore factory settings with the reset button", "error E17 WAN cable yellow port"):
        ids = [r["id"] for r in candidate.hybrid_search(query, documents, hashing_vectors, hashing_model, k=5)]
        for pair in copies:
            assert len(pair & set(ids)) <= 1, f"{query!r}: both copies {sorted(pair)} returned: {ids}"


@pytest.mark.points(1)
@pytest.mark.requirement("R5")
def test_hybrid_drops_identical_texts(candidate, spec):
    """Two documents with exactly the same text: only the better ranked one is returned."""
    docs = [{"id": "one", "text": "pair the remote"}, {"id": "two", "text": "pair the remote"},
            {"id": "three", "text": "remote battery"}, {"id": "four", "text": "wall mount"}]
    vectors = np.array([[1.0, 0.0, 0.2], [1.0, 0.0, 0.2], [0.3, 1.0, 0.0], [0.0, 0.2, 1.0]])
    model = candidate.doubles.LookupModel({"pair remote": [1.0, 0.1, 0.0]})
    ids = [r["id"] for r in candidate.hybrid_search("pair remote", docs, vectors, model, k=3)]
    assert ids == ["one", "three", "four"], f"expected one, three, four, got {ids}"


@pytest.mark.points(2)
@pytest.mark.requirement("R5")
def test_hybrid_k_results_after_dropping(candidate, documents, hashing_model, hashing_vectors, spec):
    """Duplicates are skipped before counting: k=2 still gives 2 different articles."""
    query = "restore factory settings with the reset button"
    want = spec.hybrid(query, hashing_model.encode(query), documents, hashing_vectors, k=2)
    got = candidate.hybrid_search(query, documents, hashing_vectors, hashing_model, k=2)
    _check(got, want, f"{query!r}, k=2")


@pytest.mark.points(2)
@pytest.mark.requirement("R5")
def test_hybrid_with_the_real_model(candidate, documents, queries, real_model, real_vectors, spec):
    """With all-MiniLM-L6-v2: the top 5 of labelled queries match the fusion of BM25 and cosine rankings."""
    wrong = []
    queries = [q for q in queries if q["split"] == "test"][:4]
    for q in queries:
        want = [i for i, _ in spec.hybrid(q["query"], real_model.encode(q["query"]), documents, real_vectors, k=5)]
        got = [r["id"] for r in candidate.hybrid_search(q["query"], documents, real_vectors, real_model, k=5)]
        if got != want:
            wrong.append(f"{q['query']!r}: expected {want}, got {got}")
    assert not wrong, f"{len(wrong)} of {len(queries)} queries differ:\n" + "\n".join(wrong)
