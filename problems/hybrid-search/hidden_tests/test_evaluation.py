import pytest

# ---------------------------------------------------------------- R6: recall@k


@pytest.mark.points(2)
@pytest.mark.requirement("R6")
def test_recall_examples(candidate):
    """The docstring's examples: only the first k count, divided by the number of relevant ids."""
    assert candidate.recall_at_k(["a", "b", "c"], ["c", "x"], 2) == pytest.approx(0.0)
    assert candidate.recall_at_k(["a", "b", "c"], ["c", "x"], 3) == pytest.approx(0.5)


@pytest.mark.points(1)
@pytest.mark.requirement("R6")
def test_recall_divides_by_relevant_not_k(candidate):
    """One relevant id found in the top 5 is recall 1.0, not 1/5."""
    assert candidate.recall_at_k(["a", "b", "c", "d", "e"], ["d"], 5) == pytest.approx(1.0)
    assert candidate.recall_at_k(["a", "b"], ["b", "z", "y", "x"], 5) == pytest.approx(0.25)


@pytest.mark.points(1)
@pytest.mark.requirement("R6")
def test_recall_ignores_ids_after_k(candidate):
    """Ids after position k never count."""
    assert candidate.recall_at_k(["a", "b", "c", "d"], ["d", "a"], 1) == pytest.approx(0.5)
    assert candidate.recall_at_k(["a", "b", "c", "d"], ["d"], 3) == pytest.approx(0.0)


# ---------------------------------------------------------------- R7: tuning alpha without leaking

# Eight short documents and three queries built so that the best alpha differs between the tune queries
# (0.75, tied with 1.0), the test query (0.0) and all queries together (0.25). Dense vectors are given per text.
TUNE_DOCS = [
    {"id": "xb", "text": "amber glow lamp manual"},
    {"id": "yb", "text": "night light guide"},
    {"id": "xs", "text": "cobalt drift paint notes"},
    {"id": "zs", "text": "cobalt tile catalogue"},
    {"id": "ws", "text": "blue wall colours"},
    {"id": "xz", "text": "maple creek trail map"},
    {"id": "zz", "text": "maple syrup recipe"},
    {"id": "wz", "text": "forest walk ideas"},
    {"id": "xc", "text": "copper dune sand notes"},
    {"id": "zc", "text": "copper pan catalogue"},
    {"id": "wc", "text": "kitchen pots list"},
]
TUNE_QUERIES = [
    {"query": "amber glow", "relevant": ["xb"], "split": "tune"},
    {"query": "cobalt drift", "relevant": ["xs"], "split": "tune"},
    {"query": "maple creek", "relevant": ["zz"], "split": "test"},
]
# A fourth, tune query of the "cobalt drift" kind: with it the tune queries and all queries agree (0.75).
MORE_TUNE = {"query": "copper dune", "relevant": ["xc"], "split": "tune"}
SCALE = [0.5, 2.0, 1.0, 4.0, 0.25, 3.0, 1.5, 0.75, 2.5, 0.6, 1.2]  # document vectors are not unit length


def _tune_setup(candidate):
    n = len(TUNE_DOCS)
    doc_vectors = [[SCALE[i] if j == i else 0.0 for j in range(n)] for i in range(n)]
    weights = {  # query -> {doc index: weight}; cosine order follows the weights
        "amber glow": {1: 3.0, 0: 2.0},  # dense: yb, xb, ...; BM25: xb
        "cobalt drift": {3: 3.0, 4: 2.0, 2: 1.0},  # dense: zs, ws, xs, ...; BM25: xs, zs
        "maple creek": {6: 3.0, 7: 2.0, 5: 1.0},  # dense: zz, wz, xz, ...; BM25: xz, zz
        "copper dune": {9: 3.0, 10: 2.0, 8: 1.0},  # dense: zc, wc, xc, ...; BM25: xc, zc
    }
    query_vectors = {q: [w.get(j, 0.0) for j in range(n)] for q, w in weights.items()}
    return doc_vectors, candidate.doubles.LookupModel(query_vectors)


@pytest.mark.points(4)
@pytest.mark.requirement("R7")
def test_alpha_chosen_on_tune_queries_only(candidate):
    """alpha is chosen on the tune queries alone (0.75 here), and only then measured on the test query."""
    doc_vectors, model = _tune_setup(candidate)
    got = candidate.tune_alpha(TUNE_QUERIES, TUNE_DOCS, doc_vectors, model, k=1)
    assert got.get("alpha") == pytest.approx(0.75), (
        f"the tune queries are best at alpha 0.75 (first of 0.75 and 1.0); all queries would pick 0.25 and the "
        f"test query 0.0; got {got!r}"
    )
    assert got.get("tune_recall") == pytest.approx(1.0), f"tune_recall at alpha 0.75 is 1.0, got {got!r}"
    assert got.get("test_recall") == pytest.approx(0.0), f"test_recall at alpha 0.75 is 0.0, got {got!r}"


@pytest.mark.points(2)
@pytest.mark.requirement("R7")
def test_test_queries_only_measure(candidate):
    """The test question never picks alpha: here the tune questions choose 0.75, where the test question fails."""
    doc_vectors, model = _tune_setup(candidate)
    got = candidate.tune_alpha([*TUNE_QUERIES, MORE_TUNE], TUNE_DOCS, doc_vectors, model, k=1)
    assert got.get("alpha") == pytest.approx(0.75), (
        f"the tune questions choose 0.75 (the test one alone 0.0); got {got!r}"
    )
    assert got.get("test_recall") == pytest.approx(0.0), f"test_recall at alpha 0.75 is 0.0, got {got!r}"


@pytest.mark.points(1)
@pytest.mark.requirement("R7")
def test_alpha_ties_go_to_the_first(candidate):
    """Equal mean recall on the tune queries: the alpha that comes first in alphas wins."""
    doc_vectors, model = _tune_setup(candidate)
    got = candidate.tune_alpha(TUNE_QUERIES, TUNE_DOCS, doc_vectors, model, alphas=(1.0, 0.75), k=1)
    assert got.get("alpha") == pytest.approx(1.0), (
        f"1.0 and 0.75 tie on the tune queries and 1.0 comes first; got {got!r}"
    )


@pytest.fixture(scope="module")
def real_data_tuning(documents, queries, real_vectors, real_query_vectors, spec):
    """What tune_alpha gives on documents.json and queries.json with all-MiniLM-L6-v2's vectors and k=2,
    computed with the tests' own implementation."""
    vectors = real_query_vectors

    def mean_recall(split, alpha):
        chosen = [q for q in queries if q["split"] == split]
        return sum(
            spec.recall([i for i, _ in spec.hybrid(q["query"], vectors[q["query"]], documents, real_vectors, k=2,
                                                   alpha=alpha)], q["relevant"], 2)
            for q in chosen
        ) / len(chosen)

    alphas = (0.0, 0.25, 0.5, 0.75, 1.0)
    tune = [mean_recall("tune", a) for a in alphas]
    best = alphas[tune.index(max(tune))]
    return {"alpha": best, "tune_recall": max(tune), "test_recall": mean_recall("test", best)}


def _same_tuning(got, want):
    for key in ("alpha", "tune_recall", "test_recall"):
        assert got.get(key) == pytest.approx(want[key]), f"expected {want}, got {got!r}"


@pytest.mark.points(2)
@pytest.mark.requirement("R7")
def test_tune_alpha_on_the_real_data(candidate, documents, queries, real_vectors, recorded_real_model,
                                     real_data_tuning):
    """On documents.json and queries.json with all-MiniLM-L6-v2's vectors and k=2: the chosen alpha and both recalls."""
    got = candidate.tune_alpha(queries, documents, real_vectors, recorded_real_model, k=2)
    _same_tuning(got, real_data_tuning)


@pytest.mark.points(1)
@pytest.mark.requirement("R7")
def test_statement_pipeline_end_to_end(candidate, data_dir, real_model, recorded_real_model, real_data_tuning):
    """The statement's example end to end: load_documents, load_queries and embed_documents feed tune_alpha (k=2)."""
    docs = candidate.load_documents(str(data_dir / "documents.json"))
    labelled = candidate.load_queries(str(data_dir / "queries.json"))
    vectors = candidate.embed_documents(docs, real_model)
    got = candidate.tune_alpha(labelled, docs, vectors, recorded_real_model, k=2)
    _same_tuning(got, real_data_tuning)
