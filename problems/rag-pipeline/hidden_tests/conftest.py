import os
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

import base64
import hashlib
import importlib.util
import json

import numpy as np
import pytest

DIM = 384


def pytest_configure(config):
    config.addinivalue_line("markers", "points(n): points earned by the test")
    config.addinivalue_line("markers", "requirement(rid): statement requirement checked by the test")


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """JUDGE_DATA_DIR under the judge; else the folder above tests/ (a workspace) or starter/ (the
    problem folder)."""
    env = os.environ.get("JUDGE_DATA_DIR")
    if env:
        return Path(env)
    here = Path(__file__).resolve().parents[1]
    return here if (here / "documents.json").is_file() else here / "starter"


@pytest.fixture(scope="session")
def documents(data_dir):
    """documents.json (a list of {"id", "title", "text"}), read here as the starter's load_documents reads it."""
    return json.loads((data_dir / "documents.json").read_text(encoding="utf-8"))


def spec_chunks(documents, chunk_size=60, overlap=15):
    """The tests' own implementation of R1 + R2, so that retrieval tests do not depend on the
    candidate's chunker."""
    out = []
    for doc in documents:
        words = doc["text"].split()
        start, position = 0, 0
        while start < len(words):
            out.append(
                {
                    "id": f"{doc['id']}#{position}",
                    "doc_id": doc["id"],
                    "title": doc["title"],
                    "position": position,
                    "text": " ".join(words[start : start + chunk_size]),
                }
            )
            if start + chunk_size >= len(words):
                break
            start += chunk_size - overlap
            position += 1
    return out


@pytest.fixture(scope="session")
def guarded(candidate):
    """doubles.run_guarded: calls the candidate's function (by name: "chunk_text", "chunk_documents") in a
    forked child of its process with a time and memory cap, so that a chunking bug that loops forever fails
    its own test instead of taking the whole suite down. Returns the result, or raises the child's exception
    (builtin exception types are kept, e.g. ValueError)."""
    return candidate.doubles.run_guarded


@pytest.fixture(scope="session")
def model(candidate):
    """The real all-MiniLM-L6-v2, loaded once per session with the starter's load_model helper (a handle: the
    model lives in the candidate's process)."""
    return candidate.load_model()


CORPUS_VECTORS = Path(__file__).with_name("corpus_vectors.json")


def text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def read_corpus_vectors(path: Path = CORPUS_VECTORS) -> dict[str, np.ndarray]:
    """The real model's vectors of the spec chunks, recorded once by ``write_corpus_vectors`` (sha256 of the
    text -> float32 vector). Empty when the file is missing or unreadable: everything is embedded live."""
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
        return {key: np.frombuffer(base64.b64decode(value), dtype="<f4").copy()
                for key, value in stored["vectors"].items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}


def recorded_vectors(texts, recorded: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The recorded vectors of ``texts`` (those that have one), by text: what doubles.EmbeddingCache.use_recorded
    takes."""
    return {t: recorded[text_key(t)] for t in dict.fromkeys(texts) if text_key(t) in recorded}


def write_corpus_vectors(data_dir: Path, path: Path = CORPUS_VECTORS) -> int:
    """Record the real model's vectors of ``spec_chunks(documents.json)`` (authoring: run in the sandbox
    image whenever documents.json, the chunking spec or the model changes; see authoring.md). ``data_dir``
    is the starter folder: its solution.py's load_documents and load_model are used."""
    spec = importlib.util.spec_from_file_location("rag_starter", data_dir / "solution.py")
    assert spec is not None and spec.loader is not None
    starter = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(starter)
    texts = list(dict.fromkeys(c["text"] for c in spec_chunks(starter.load_documents(data_dir / "documents.json"))))
    vectors = np.asarray(starter.load_model().encode(texts, convert_to_numpy=True, show_progress_bar=False), "<f4")
    document = {"model": "all-MiniLM-L6-v2", "dim": DIM, "note": "written by conftest.write_corpus_vectors",
                "vectors": {text_key(t): base64.b64encode(v.tobytes()).decode("ascii")
                            for t, v in zip(texts, vectors, strict=True)}}
    path.write_text(json.dumps(document, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return len(texts)


@pytest.fixture(scope="session")
def embed(candidate, model):
    """doubles.EmbeddingCache: the real model's embeddings by text, computed once in the candidate's process.
    ``embed(texts)`` returns them as an array."""
    return candidate.doubles.EmbeddingCache(model)


@pytest.fixture(scope="session")
def corpus(documents, embed):
    """Spec chunks of documents.json (60 words, overlap 15) and their real-model embeddings. The cache starts
    from the recorded vectors of the spec chunks (embedding the corpus was a fifth of the suite's time), which
    it takes only if the live model reproduces one of them."""
    chunks = spec_chunks(documents)
    texts = [c["text"] for c in chunks]
    embed.use_recorded(recorded_vectors(texts, read_corpus_vectors()))
    return chunks, embed(texts)


@pytest.fixture(scope="session")
def client(candidate):
    """An in-memory chromadb client (doubles.new_client), in the candidate's process."""
    return candidate.doubles.new_client()


def make_collection(client, name, chunks, embeddings):
    """Build a collection exactly as R3 describes, with the tests' own code (on the client's handle)."""
    if name in [c.name for c in client.list_collections()]:
        client.delete_collection(name)
    col = client.create_collection(name, metadata={"hnsw:space": "cosine"}, embedding_function=None)
    col.add(
        ids=[c["id"] for c in chunks],
        documents=[c["text"] for c in chunks],
        embeddings=np.asarray(embeddings, dtype=np.float32),
        metadatas=[{"doc_id": c["doc_id"], "title": c["title"], "position": c["position"]} for c in chunks],
    )
    return col


@pytest.fixture
def spec_collection(client, corpus):
    """A collection of documents.json built by the tests (not by the candidate), for R4 and R6 tests.

    Built afresh for each test (the embeddings are cached, so this is cheap): a collection kept for the whole
    session was seen empty in a late test on a heavily loaded grader, failing a correct retrieve."""
    chunks, embeddings = corpus
    col = make_collection(client, "hidden-spec-corpus", chunks, embeddings)
    assert col.count() == len(chunks), f"the tests' own collection holds {col.count()} of {len(chunks)} chunks"
    return col


@pytest.fixture(scope="session")
def built_collection(candidate, client, corpus, model):
    """The candidate's build_collection on documents.json with the real model, built once."""
    chunks, _ = corpus
    return candidate.build_collection(client, "hidden-candidate-corpus", [dict(c) for c in chunks], model)


@pytest.fixture(scope="session")
def chunker():
    """The tests' own R1 + R2 chunker, as a function."""
    return spec_chunks


@pytest.fixture(scope="session")
def collection_maker():
    """The tests' own R3 collection builder, as a function."""
    return make_collection


@pytest.fixture(scope="session")
def rotated_model(candidate, embed):
    """doubles.RotatedModel: every real-model vector multiplied by a fixed random orthogonal matrix, so a
    different model's vectors (a query embedded with the real model instead is unrelated to them), with the
    same cosine similarities. ``rotated_model.vectors(texts)`` is what its encode returns."""
    return candidate.doubles.RotatedModel(embed)


@pytest.fixture(scope="session")
def scaled_model(candidate, embed):
    """doubles.ScaledModel: every real-model vector multiplied by a fixed factor between 0.25 and 4 that
    depends on its text. Cosine similarities are unchanged, but L2 distances (and so an L2 ranking) are not."""
    return candidate.doubles.ScaledModel(embed)


def brute_force(chunks, vectors, query_vector, k):
    """The k chunks with the highest cosine similarity to query_vector: [(id, similarity)], best first."""
    vectors = np.asarray(vectors, dtype=np.float64)
    q = np.asarray(query_vector, dtype=np.float64)
    sims = vectors @ q / (np.linalg.norm(vectors, axis=1) * np.linalg.norm(q))
    order = np.argsort(-sims, kind="stable")[:k]
    return [(chunks[i]["id"], float(sims[i])) for i in order]


@pytest.fixture(scope="session")
def cosine_top_k():
    return brute_force
