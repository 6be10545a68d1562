import itertools

import pytest


def words(n):
    return " ".join(f"w{i}" for i in range(n))


@pytest.mark.points(2)
@pytest.mark.requirement("R1")
def test_chunk_windows_have_exact_overlap(guarded):
    """Windows start every chunk_size - overlap words and share exactly `overlap` words."""
    got = guarded("chunk_text", words(12), chunk_size=5, overlap=2)
    want = ["w0 w1 w2 w3 w4", "w3 w4 w5 w6 w7", "w6 w7 w8 w9 w10", "w9 w10 w11"]
    assert got == want, f"12 words, size 5, overlap 2: expected {want}, got {got}"
    got = guarded("chunk_text", words(10), chunk_size=4, overlap=2)
    want = ["w0 w1 w2 w3", "w2 w3 w4 w5", "w4 w5 w6 w7", "w6 w7 w8 w9"]
    assert got == want, f"10 words, size 4, overlap 2: expected {want}, got {got}"


@pytest.mark.points(2)
@pytest.mark.requirement("R1")
def test_final_chunk_kept_when_words_remain(guarded):
    """A shorter final chunk is kept when words remain after the last full window."""
    got = guarded("chunk_text", words(11), chunk_size=4, overlap=1)
    want = ["w0 w1 w2 w3", "w3 w4 w5 w6", "w6 w7 w8 w9", "w9 w10"]
    assert got == want, f"11 words, size 4, overlap 1: expected {want}, got {got}"


@pytest.mark.points(2)
@pytest.mark.requirement("R1")
def test_no_extra_chunk_after_window_reaches_end(guarded):
    """Chunking stops at the first window that reaches the last word (no repeated tail chunk)."""
    got = guarded("chunk_text", words(10), chunk_size=4, overlap=1)
    want = ["w0 w1 w2 w3", "w3 w4 w5 w6", "w6 w7 w8 w9"]
    assert got == want, f"10 words, size 4, overlap 1: expected {want}, got {got}"
    got = guarded("chunk_text", words(4), chunk_size=4, overlap=1)
    assert got == ["w0 w1 w2 w3"], f"4 words, size 4: expected one chunk, got {got}"
    got = guarded("chunk_text", words(8), chunk_size=4, overlap=0)
    assert got == ["w0 w1 w2 w3", "w4 w5 w6 w7"], f"8 words, size 4, overlap 0: got {got}"


@pytest.mark.points(1)
@pytest.mark.requirement("R1")
def test_short_and_blank_texts(guarded):
    """A short text gives one chunk with single spaces; an empty or whitespace text gives []."""
    got = guarded("chunk_text", "  alpha  beta\n\ngamma\t", chunk_size=5, overlap=2)
    assert got == ["alpha beta gamma"], f"expected ['alpha beta gamma'], got {got}"
    assert guarded("chunk_text", "", chunk_size=5, overlap=2) == [], "empty text must give []"
    assert guarded("chunk_text", " \n\t ", chunk_size=5, overlap=2) == [], "whitespace-only text must give []"


@pytest.mark.points(1)
@pytest.mark.requirement("R1")
def test_text_no_longer_than_the_overlap_gives_one_chunk(guarded):
    """A text of at most chunk_size words gives one chunk, even when it has no more words than the overlap
    (window starts must not stop at len(words) - overlap)."""
    got = guarded("chunk_text", "alpha beta", chunk_size=5, overlap=2)
    assert got == ["alpha beta"], f"2 words, size 5, overlap 2: expected ['alpha beta'], got {got}"
    got = guarded("chunk_text", "solo", chunk_size=4, overlap=1)
    assert got == ["solo"], f"1 word, size 4, overlap 1: expected ['solo'], got {got}"
    got = guarded("chunk_text", words(10))
    assert got == [words(10)], f"10 words with the defaults (60, overlap 15): expected one chunk, got {got}"


@pytest.mark.points(1)
@pytest.mark.requirement("R1")
def test_words_are_kept_as_written(guarded):
    """The words are text.split() and a chunk joins them as they are: case and punctuation kept."""
    text = "Refunds take 5 Business Days. Contact Support@Acme.com, please."
    got = guarded("chunk_text", text, chunk_size=4, overlap=1)
    want = ["Refunds take 5 Business", "Business Days. Contact Support@Acme.com,", "Support@Acme.com, please."]
    assert got == want, f"chunks keep the words of text.split() unchanged: expected {want}, got {got}"


@pytest.mark.points(2)
@pytest.mark.requirement("R2")
def test_chunk_documents_keeps_ids_titles_positions(guarded):
    """Each chunk carries id '<doc_id>#<position>', doc_id, title and its 0-based position, in order."""
    docs = [
        {"id": "faq", "title": "FAQ", "text": "one two three four five six seven"},
        {"id": "blank", "title": "Blank", "text": "   "},
        {"id": "hr", "title": "HR", "text": "alpha beta"},
    ]
    got = guarded("chunk_documents", docs, chunk_size=4, overlap=1)
    want = [
        {"id": "faq#0", "doc_id": "faq", "title": "FAQ", "position": 0, "text": "one two three four"},
        {"id": "faq#1", "doc_id": "faq", "title": "FAQ", "position": 1, "text": "four five six seven"},
        {"id": "hr#0", "doc_id": "hr", "title": "HR", "position": 0, "text": "alpha beta"},
    ]
    assert got == want, f"expected {want}, got {got}"


@pytest.mark.points(1)
@pytest.mark.requirement("R2")
def test_positions_restart_at_zero_in_each_document(guarded):
    """position is the chunk's index within its own document: it starts again at 0 for every document, and so
    does the number after '#' in the id."""
    docs = [
        {"id": "a", "title": "A", "text": "one two three four five six seven"},
        {"id": "b", "title": "B", "text": "eight nine ten eleven twelve"},
    ]
    got = guarded("chunk_documents", docs, chunk_size=4, overlap=1)
    ids = [c.get("id") for c in got]
    assert ids == ["a#0", "a#1", "b#0", "b#1"], (
        f"expected ids ['a#0', 'a#1', 'b#0', 'b#1'] (positions counted within each document), got {ids}"
    )


@pytest.mark.points(2)
@pytest.mark.requirement("R2")
def test_default_chunks_cover_every_document(guarded, documents, chunker):
    """With the defaults (60 words, overlap 15) the chunks of each document cover its text exactly once."""
    chunks = guarded("chunk_documents", documents)
    for doc in documents:
        mine = [c for c in chunks if c["doc_id"] == doc["id"]]
        assert [c["position"] for c in mine] == list(range(len(mine))), f"{doc['id']}: positions not 0..n-1"
        pieces = [c["text"].split() for c in mine]
        assert all(pieces), f"{doc['id']}: empty chunk"
        assert all(len(p) == 60 for p in pieces[:-1]), f"{doc['id']}: a non-final chunk is not 60 words"
        assert len(pieces[-1]) <= 60, f"{doc['id']}: last chunk longer than 60 words"
        for a, b in itertools.pairwise(pieces):
            assert a[-15:] == b[:15], f"{doc['id']}: consecutive chunks do not share exactly 15 words"
        rebuilt = pieces[0] + [w for p in pieces[1:] for w in p[15:]]
        assert rebuilt == doc["text"].split(), f"{doc['id']}: chunks minus overlap do not rebuild the text"
    assert chunks == chunker(documents), "chunks differ from R1/R2 (order, ids or fields)"


@pytest.mark.points(1)
@pytest.mark.requirement("R2")
def test_chunks_of_the_data_file_as_the_statement_runs_it(candidate, documents):
    """chunk_documents(load_documents("documents.json")), as the statement's example runs it, chunks all 15
    documents."""
    chunks = candidate.chunk_documents(candidate.load_documents("documents.json"))
    got = sorted({c["doc_id"] for c in chunks})
    assert got == sorted(d["id"] for d in documents), f"chunked documents: {got}"
