import pytest


def stored(collection, include):
    got = collection.get(include=include)
    return {cid: {key: got[key][i] for key in include} for i, cid in enumerate(got["ids"])}


@pytest.mark.points(2)
@pytest.mark.requirement("R3")
def test_collection_holds_every_chunk_once(built_collection, corpus):
    """The collection holds every chunk exactly once, under the chunk's id."""
    chunks, _ = corpus
    assert built_collection.count() == len(chunks), (
        f"expected {len(chunks)} items, the collection has {built_collection.count()}"
    )
    ids = built_collection.get(include=[])["ids"]
    assert sorted(ids) == sorted(c["id"] for c in chunks), "stored ids are not the chunk ids"


@pytest.mark.points(2)
@pytest.mark.requirement("R3")
def test_collection_keeps_text_and_metadata(built_collection, corpus):
    """Each stored item keeps its chunk text and metadata doc_id, title and position."""
    chunks, _ = corpus
    items = stored(built_collection, ["documents", "metadatas"])
    for c in chunks:
        item = items.get(c["id"])
        assert item is not None, f"chunk {c['id']} missing"
        assert item["documents"] == c["text"], f"{c['id']}: stored document is not the chunk text"
        meta = item["metadatas"] or {}
        for key in ("doc_id", "title", "position"):
            assert meta.get(key) == c[key], (
                f"{c['id']}: metadata {key!r} is {meta.get(key)!r}, expected {c[key]!r}"
            )


@pytest.mark.points(5)
@pytest.mark.requirement("R3")
def test_building_again_replaces_the_collection(candidate, client, documents, chunker, rotated_model):
    """Building twice never duplicates: the collection holds exactly the chunks of the latest call."""
    first = chunker(documents[3:6])
    candidate.build_collection(client, "hidden-rebuild", first, rotated_model)
    col = candidate.build_collection(client, "hidden-rebuild", first, rotated_model)
    assert col.count() == len(first), f"after building twice: {col.count()} items, expected {len(first)}"
    second = chunker(documents[3:4])
    col = candidate.build_collection(client, "hidden-rebuild", second, rotated_model)
    ids = sorted(col.get(include=[])["ids"])
    assert ids == sorted(c["id"] for c in second), (
        f"after rebuilding with {len(second)} chunks the collection holds {ids}"
    )


@pytest.mark.points(1)
@pytest.mark.requirement("R3")
def test_empty_chunk_list_builds_an_empty_collection(candidate, client, model):
    """build_collection with no chunks returns an empty collection (chromadb's add refuses empty lists), and
    retrieve on it returns []."""
    col = candidate.build_collection(client, "hidden-empty-build", [], model)
    assert col.count() == 0, f"built from no chunks, the collection holds {col.count()} items"
    got = candidate.retrieve(col, "How long is the probation period?", model, k=3)
    assert got == [], f"retrieve on a collection built from no chunks: expected [], got {got}"
