import os
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

import base64
import builtins
import hashlib
import json
import pickle
import resource
import signal
import sys
import time
import zlib

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
    """documents.json, read with the starter's load_documents helper."""
    from solution import load_documents

    return load_documents(data_dir / "documents.json")


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


def run_guarded(fn, *args, timeout_s=20.0, memory_mb=300, **kwargs):
    """Call fn(*args, **kwargs) in a forked child with a time and memory cap, so that a chunking bug
    that loops forever fails its own test instead of taking the whole suite down. Returns the result,
    or re-raises the child's exception (builtin exception types are kept, e.g. ValueError)."""
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: never returns into pytest, whatever happens
        try:
            os.close(read_fd)
            try:
                status = Path("/proc/self/status").read_text().splitlines()
                vm = int(next(line for line in status if line.startswith("VmSize")).split()[1])
                cap = (vm + memory_mb * 1024) * 1024
                resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
                payload = ("ok", fn(*args, **kwargs))
            except BaseException as exc:  # report everything to the parent
                payload = ("error", type(exc).__name__, str(exc)[:2000])
            # the exception and its traceback (and any runaway list they hold) are released here
            try:
                data = pickle.dumps(payload)
            except Exception as exc:
                data = pickle.dumps(("error", "TypeError", f"result cannot be pickled: {exc}"))
            with os.fdopen(write_fd, "wb") as out:
                out.write(data)
        finally:
            os._exit(0)
    os.close(write_fd)
    deadline = time.monotonic() + timeout_s
    chunks = []
    with os.fdopen(read_fd, "rb") as inp:
        os.set_blocking(inp.fileno(), False)
        while True:
            try:
                block = inp.read()
            except BlockingIOError:
                block = None
            if block:
                chunks.append(block)
            done, _ = os.waitpid(pid, os.WNOHANG)
            if done:
                rest = inp.read()
                if rest:
                    chunks.append(rest)
                break
            if time.monotonic() > deadline:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                raise TimeoutError(f"{fn.__name__} did not return within {timeout_s:.0f} s (endless loop?)")
            time.sleep(0.01)
    if not chunks:
        raise RuntimeError(f"{fn.__name__} crashed (for example ran out of memory in an endless loop)")
    payload = pickle.loads(b"".join(chunks))
    if payload[0] == "ok":
        return payload[1]
    exc_type = getattr(builtins, payload[1], None)
    if isinstance(exc_type, type) and issubclass(exc_type, BaseException):
        raise exc_type(payload[2])
    raise RuntimeError(f"{payload[1]}: {payload[2]}")


@pytest.fixture(scope="session")
def guarded():
    """run_guarded as a fixture, for calls into the candidate's chunker."""
    return run_guarded


@pytest.fixture(scope="session")
def model():
    """The real all-MiniLM-L6-v2, loaded once per session with the starter's load_model helper."""
    from solution import load_model

    return load_model()


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


def write_corpus_vectors(data_dir: Path, path: Path = CORPUS_VECTORS) -> int:
    """Record the real model's vectors of ``spec_chunks(documents.json)`` (authoring: run in the sandbox
    image whenever documents.json, the chunking spec or the model changes; see authoring.md)."""
    sys.path.insert(0, str(data_dir))
    from solution import load_documents, load_model

    texts = list(dict.fromkeys(c["text"] for c in spec_chunks(load_documents(data_dir / "documents.json"))))
    vectors = np.asarray(load_model().encode(texts, convert_to_numpy=True, show_progress_bar=False), "<f4")
    document = {"model": "all-MiniLM-L6-v2", "dim": DIM, "note": "written by conftest.write_corpus_vectors",
                "vectors": {text_key(t): base64.b64encode(v.tobytes()).decode("ascii")
                            for t, v in zip(texts, vectors, strict=True)}}
    path.write_text(json.dumps(document, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return len(texts)


class EmbeddingCache:
    """Real-model embeddings by text, computed once. Starts with the recorded vectors of the spec chunks
    (embedding the corpus was a fifth of the suite's time), but only after checking that this model
    reproduces a recorded vector: a different model or build means everything is embedded live."""

    def __init__(self, model, recorded: dict[str, np.ndarray] | None = None):
        self.model = model
        self.vectors: dict[str, np.ndarray] = {}
        self.recorded = recorded or {}

    def use_recorded(self, texts) -> None:
        """Take the recorded vectors of ``texts`` if the live model agrees with them on the first one."""
        known = [t for t in dict.fromkeys(texts) if text_key(t) in self.recorded and t not in self.vectors]
        if not known:
            return
        live = np.asarray(self.model.encode([known[0]], convert_to_numpy=True, show_progress_bar=False),
                          np.float32)[0]
        recorded = self.recorded[text_key(known[0])]
        self.vectors[known[0]] = live
        if recorded.shape == live.shape and np.allclose(recorded, live, atol=1e-5):
            self.vectors.update((t, self.recorded[text_key(t)]) for t in known[1:])

    def __call__(self, texts):
        missing = [t for t in dict.fromkeys(texts) if t not in self.vectors]
        if missing:
            vecs = self.model.encode(missing, convert_to_numpy=True, show_progress_bar=False)
            self.vectors.update(zip(missing, np.asarray(vecs, dtype=np.float32), strict=True))
        return np.stack([self.vectors[t] for t in texts]) if texts else np.zeros((0, DIM), np.float32)


@pytest.fixture(scope="session")
def embed(model):
    return EmbeddingCache(model, read_corpus_vectors())


@pytest.fixture(scope="session")
def corpus(documents, embed):
    """Spec chunks of documents.json (60 words, overlap 15) and their real-model embeddings."""
    chunks = spec_chunks(documents)
    texts = [c["text"] for c in chunks]
    embed.use_recorded(texts)
    return chunks, embed(texts)


@pytest.fixture(scope="session")
def client():
    import chromadb

    return chromadb.EphemeralClient()


def make_collection(client, name, chunks, embeddings):
    """Build a collection exactly as R3 describes, with the tests' own code."""
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
def built_collection(client, corpus, model):
    """The candidate's build_collection on documents.json with the real model, built once."""
    from solution import build_collection

    chunks, _ = corpus
    return build_collection(client, "hidden-candidate-corpus", [dict(c) for c in chunks], model)


class StandInModel:
    """Stand-in for the SentenceTransformer: same encode() API, but its vectors are the real model's,
    transformed (see subclasses) so that cosine similarities are unchanged. Retrieval must give the same
    results as with the real model, provided chunks and question are both embedded with this object
    and compared by cosine."""

    def __init__(self, embed):
        self._embed = embed

    def transform(self, texts, vectors):
        raise NotImplementedError

    def vectors(self, texts):
        """What encode returns for `texts`, as a float32 array."""
        texts = list(texts)
        return self.transform(texts, self._embed(texts)).astype(np.float32)

    def encode(self, sentences, **kwargs):
        import torch

        single = isinstance(sentences, str)
        texts = [sentences] if single else list(sentences)
        out = self.vectors(texts)
        if kwargs.get("normalize_embeddings"):
            out = out / np.linalg.norm(out, axis=1, keepdims=True)
        if kwargs.get("convert_to_tensor"):
            result = torch.from_numpy(out)
        elif kwargs.get("convert_to_numpy") is False:
            result = [torch.from_numpy(row) for row in out]
        else:
            result = out
        return result[0] if single else result

    encode_query = encode
    encode_document = encode

    def __getattr__(self, name):
        return getattr(self._embed.model, name)


class RotatedModel(StandInModel):
    """Every vector multiplied by a fixed random orthogonal matrix: a different model's vectors (a query
    embedded with the real model instead is unrelated to them), with the same cosine similarities."""

    def __init__(self, embed):
        super().__init__(embed)
        rng = np.random.default_rng(2024)
        q, _ = np.linalg.qr(rng.normal(size=(DIM, DIM)))
        self._rot = q.astype(np.float32)

    def transform(self, texts, vectors):
        return np.asarray(vectors, dtype=np.float32) @ self._rot


class ScaledModel(StandInModel):
    """Every vector multiplied by a fixed factor between 0.25 and 4 that depends on its text: like many
    embedding models, vectors are not unit length. Cosine similarities are unchanged, but L2 distances
    (and so an L2 ranking) are not."""

    def transform(self, texts, vectors):
        factors = np.array([0.25 * 16 ** ((zlib.crc32(t.encode()) % 1001) / 1000) for t in texts])
        return np.asarray(vectors, dtype=np.float32) * factors[:, None].astype(np.float32)


@pytest.fixture(scope="session")
def chunker():
    """The tests' own R1 + R2 chunker, as a function."""
    return spec_chunks


@pytest.fixture(scope="session")
def collection_maker():
    """The tests' own R3 collection builder, as a function."""
    return make_collection


@pytest.fixture(scope="session")
def rotated_model(embed):
    return RotatedModel(embed)


@pytest.fixture(scope="session")
def scaled_model(embed):
    return ScaledModel(embed)


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
