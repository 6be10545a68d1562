import pytest

# ---------------------------------------------------------------- R3: dense retrieval


@pytest.mark.points(3)
@pytest.mark.requirement("R3")
def test_dense_is_cosine(candidate, documents, hashing_model, hashing_vectors, spec):
    """With a stand-in model whose vectors are not unit length, the ranking and scores are cosine similarities."""
    for query in ("reset the router to factory settings", "my wifi is slow", "cancel my subscription"):
        q = hashing_model.encode(query)
        want = spec.dense(q, documents, hashing_vectors, n=5)
        got = candidate.dense_ranking(query, documents, hashing_vectors, hashing_model, n=5)
        assert [i for i, _ in got] == [i for i, _ in want], f"{query!r}: expected {want}, got {got}"
        for (doc_id, have), (_, expected) in zip(got, want, strict=True):
            assert have == pytest.approx(expected, abs=1e-6), f"{query!r}: {doc_id} cosine {have!r}, want {expected}"


@pytest.mark.points(1)
@pytest.mark.requirement("R3")
def test_dense_n_larger_than_corpus(candidate, documents, hashing_model, hashing_vectors):
    """n larger than the corpus returns every document once, best first."""
    got = candidate.dense_ranking("guest network", documents, hashing_vectors, hashing_model, n=100)
    assert sorted(i for i, _ in got) == sorted(d["id"] for d in documents), "expected every document once"
    scores = [s for _, s in got]
    # Float noise is not an order: two cosines within 1e-9 (the same score computed two ways) may be either way.
    out_of_order = [(a, b) for a, b in zip(scores, scores[1:]) if b > a + 1e-9]
    assert not out_of_order, f"not in non-increasing cosine order: {out_of_order[:3]}"


@pytest.mark.points(2)
@pytest.mark.requirement("R3")
def test_dense_embeds_query_with_the_model(candidate):
    """The query is embedded with the model passed in: a stand-in that maps texts to given vectors."""
    docs = [{"id": "x", "text": "doc x"}, {"id": "y", "text": "doc y"}, {"id": "z", "text": "doc z"}]
    vectors = [[4.0, 0.0, 0.0], [0.0, 0.5, 0.0], [0.0, 0.0, 2.0]]
    model = candidate.doubles.LookupModel({"which one": [0.0, 3.0, 1.0]})
    got = candidate.dense_ranking("which one", docs, vectors, model, n=3)
    want = [("y", 3.0 / 10 ** 0.5), ("z", 1.0 / 10 ** 0.5), ("x", 0.0)]
    assert [i for i, _ in got] == ["y", "z", "x"], f"expected y, z, x, got {got}"
    assert [s for _, s in got] == pytest.approx([s for _, s in want], abs=1e-6), f"expected {want}, got {got}"


# ---------------------------------------------------------------- R4: reciprocal rank fusion


@pytest.mark.points(2)
@pytest.mark.requirement("R4")
def test_rrf_docstring_example(candidate):
    """The docstring's example: b is in both rankings and comes first."""
    got = candidate.rrf_fuse([["a", "b"], ["b", "c"]], k=60)
    assert [i for i, _ in got] == ["b", "a", "c"], f"expected b, a, c, got {got}"
    assert [s for _, s in got] == pytest.approx([1 / 62 + 1 / 61, 1 / 61, 1 / 62], rel=1e-9), f"got {got}"


@pytest.mark.points(2)
@pytest.mark.requirement("R4")
def test_rrf_ranks_count_from_one(candidate):
    """Ranks count from 1: with k=60 one ranking of three gives 1/61, 1/62, 1/63; with k=10, 1/11, 1/12, 1/13."""
    for k in (60, 10):
        got = candidate.rrf_fuse([["p", "q", "r"]], k=k)
        want = [1 / (k + 1), 1 / (k + 2), 1 / (k + 3)]
        assert [s for _, s in got] == pytest.approx(want, rel=1e-9), f"k={k}: expected {want}, got {got}"


@pytest.mark.points(2)
@pytest.mark.requirement("R4")
def test_rrf_constant_k_flattens_ranks(candidate):
    """With k=60, a document 3rd in both rankings beats one 1st in one and 10th in the other."""
    first = ["top", "x1", "both", "x2", "x3", "x4", "x5", "x6", "x7", "x8"]
    second = ["y1", "y2", "both", "y3", "y4", "y5", "y6", "y7", "y8", "top"]
    got = [i for i, _ in candidate.rrf_fuse([first, second], k=60)]
    assert got[:2] == ["both", "top"], f"expected 'both' (2/63) before 'top' (1/61 + 1/70), got {got[:4]}"


@pytest.mark.points(2)
@pytest.mark.requirement("R4")
def test_rrf_each_document_once(candidate):
    """A document in several rankings appears once, with the sum of its terms."""
    got = candidate.rrf_fuse([["a", "b", "c"], ["c", "a"], ["a"]], k=60)
    ids = [i for i, _ in got]
    assert sorted(ids) == ["a", "b", "c"], f"expected each of a, b, c once, got {ids}"
    score = dict(got)
    assert score["a"] == pytest.approx(1 / 61 + 1 / 62 + 1 / 61, rel=1e-9), f"a: got {score['a']}"
    assert score["c"] == pytest.approx(1 / 63 + 1 / 61, rel=1e-9), f"c: got {score['c']}"


@pytest.mark.points(2)
@pytest.mark.requirement("R4")
def test_rrf_weights(candidate):
    """Weights multiply each ranking's terms: [0.25, 0.75]."""
    got = candidate.rrf_fuse([["a", "b"], ["b", "c"]], k=60, weights=[0.25, 0.75])
    want = {"b": 0.25 / 62 + 0.75 / 61, "c": 0.75 / 62, "a": 0.25 / 61}
    assert [i for i, _ in got] == ["b", "c", "a"], f"expected b, c, a, got {got}"
    for doc_id, score in got:
        assert score == pytest.approx(want[doc_id], rel=1e-9), f"{doc_id}: expected {want[doc_id]}, got {score}"


@pytest.mark.points(1)
@pytest.mark.requirement("R4")
def test_rrf_ties_keep_first_appearance(candidate):
    """Equal scores keep the order of first appearance: ranking 0 before ranking 1."""
    got = [i for i, _ in candidate.rrf_fuse([["d", "a"], ["b", "c"]], k=60)]
    assert got == ["d", "b", "a", "c"], f"expected d, b (1/61 each), then a, c (1/62 each), got {got}"
