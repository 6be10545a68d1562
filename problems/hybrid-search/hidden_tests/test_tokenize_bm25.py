import pytest


def _same_ranking(got, want, what):
    got_ids = [doc_id for doc_id, _ in got]
    want_ids = [doc_id for doc_id, _ in want]
    assert got_ids == want_ids, f"{what}: expected ids {want_ids}, got {got_ids}"
    for (doc_id, have), (_, expected) in zip(got, want, strict=True):
        assert have == pytest.approx(expected, rel=1e-6), f"{what}: {doc_id} score {have!r}, expected {expected:.6f}"


# ---------------------------------------------------------------- R1: tokenize


@pytest.mark.points(2)
@pytest.mark.requirement("R1")
def test_tokenize_example(candidate):
    """The docstring's example: lower-cased runs of letters and digits."""
    got = candidate.tokenize("Error E42: Wi-Fi > Settings!")
    assert got == ["error", "e42", "wi", "fi", "settings"], f"got {got}"


@pytest.mark.points(1)
@pytest.mark.requirement("R1")
def test_tokenize_lower_cases(candidate):
    """Tokens are lower-cased: "WireGuard VPN" gives wireguard, vpn."""
    got = candidate.tokenize("WireGuard VPN Orbit")
    assert got == ["wireguard", "vpn", "orbit"], f"got {got}"


@pytest.mark.points(2)
@pytest.mark.requirement("R1")
def test_tokenize_drops_punctuation(candidate):
    """Punctuation only separates tokens: no token keeps a comma, a dot, a dash or an apostrophe."""
    cases = {
        "settings > wi-fi > guest.": ["settings", "wi", "fi", "guest"],
        "a child's devices, then (bedtime)": ["a", "child", "s", "devices", "then", "bedtime"],
        "--!!  ...": [],
        "": [],
    }
    for text, want in cases.items():
        got = candidate.tokenize(text)
        assert got == want, f"tokenize({text!r}): expected {want}, got {got}"


@pytest.mark.points(1)
@pytest.mark.requirement("R1")
def test_tokenize_keeps_digits(candidate):
    """Digits are token characters: "e17", "404", "1.1.1.1" -> 1, 1, 1, 1."""
    got = candidate.tokenize("e17 404 1.1.1.1 2")
    assert got == ["e17", "404", "1", "1", "1", "1", "2"], f"got {got}"


@pytest.mark.points(1)
@pytest.mark.requirement("R1")
def test_tokenize_splits_on_underscores(candidate):
    """Only ASCII letters and digits are token characters: an underscore separates ("wifi_guest" -> wifi,
    guest), as a regex \\w+ would not."""
    got = candidate.tokenize("wifi_guest_mode 5_ghz")
    assert got == ["wifi", "guest", "mode", "5", "ghz"], f"got {got}"


# ---------------------------------------------------------------- R2: BM25


@pytest.mark.points(3)
@pytest.mark.requirement("R2")
def test_bm25_scores(candidate, documents, spec):
    """BM25Okapi scores on documents.json: the right documents, best first, with the right scores."""
    for query in ("reset the router", "satellite too far from the main router", "guest network for visitors"):
        _same_ranking(candidate.bm25_ranking(query, documents), spec.bm25(query, documents), repr(query))


@pytest.mark.points(2)
@pytest.mark.requirement("R2")
def test_bm25_tokenizes_the_query(candidate, documents, spec):
    """The query goes through tokenize too: "ERROR e42!" and "Orbit-Secure?" match their documents."""
    for query in ("ERROR e42!", "Orbit-Secure?", "WireGuard"):
        _same_ranking(candidate.bm25_ranking(query, documents), spec.bm25(query, documents), repr(query))


@pytest.mark.points(1)
@pytest.mark.requirement("R2")
def test_bm25_only_positive_scores(candidate, documents):
    """Only documents with a score above 0 are returned: one for "WireGuard", none for an unknown word."""
    got = candidate.bm25_ranking("WireGuard", documents)
    assert [doc_id for doc_id, _ in got] == ["vpn"], f"expected only 'vpn', got {got}"
    assert candidate.bm25_ranking("xylophone", documents) == [], "no document contains 'xylophone'"


@pytest.mark.points(1)
@pytest.mark.requirement("R2")
def test_bm25_keeps_n(candidate, documents, spec):
    """At most n results: the n best."""
    got = candidate.bm25_ranking("the router", documents, n=4)
    _same_ranking(got, spec.bm25("the router", documents, n=4), "'the router', n=4")


@pytest.mark.points(1)
@pytest.mark.requirement("R2")
def test_bm25_idf_floor(candidate, spec):
    """A word in more than half of the documents gets the epsilon floor idf, so its score stays above 0."""
    docs = [
        {"id": "a", "text": "router light"},
        {"id": "b", "text": "router cable"},
        {"id": "c", "text": "router port"},
        {"id": "d", "text": "modem cable light"},
        {"id": "e", "text": "fan"},
    ]
    _same_ranking(candidate.bm25_ranking("router", docs), spec.bm25("router", docs), "'router'")
