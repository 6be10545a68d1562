"""Test doubles for hybrid-search: stand-in embedding models, imported into the candidate's process.

Both have the encode() of a SentenceTransformer (a str gives a 1-D vector, a list a 2-D array; the
keywords normalize_embeddings, convert_to_numpy, convert_to_tensor are honoured, others ignored), so
they can be passed wherever the real model goes. Their vectors are NOT unit length. They hold no
expected answer.
"""

from __future__ import annotations

import re
import zlib

import numpy as np


class _StandIn:
    def vector(self, text: str) -> np.ndarray:
        raise NotImplementedError

    def encode(self, sentences, normalize_embeddings=False, convert_to_numpy=True, convert_to_tensor=False,
               **kwargs):
        single = isinstance(sentences, str)
        texts = [sentences] if single else list(sentences)
        dim = self.dim
        out = np.stack([self.vector(t) for t in texts]).astype(np.float32) if texts else np.zeros((0, dim), np.float32)
        if normalize_embeddings:
            out = out / np.linalg.norm(out, axis=1, keepdims=True)
        if convert_to_tensor or not convert_to_numpy:
            import torch

            tensors = torch.from_numpy(out)
            result = tensors if convert_to_tensor else list(tensors)
        else:
            result = out
        return result[0] if single else result

    def get_sentence_embedding_dimension(self) -> int:
        return self.dim


class HashingModel(_StandIn):
    """A bag-of-words embedding: each lower-cased word adds +-1 to one of `dim` coordinates chosen by a
    hash of the word, plus 1 in a last coordinate (so no vector is zero); the whole vector is then scaled
    by a factor between 1 and 7 that depends on the text. Deterministic, fast, and not unit length."""

    def __init__(self, dim: int = 24):
        self.dim = dim + 1

    def vector(self, text: str) -> np.ndarray:
        v = np.zeros(self.dim)
        for word in re.findall(r"[a-z0-9]+", text.lower()):
            h = zlib.crc32(word.encode())
            v[h % (self.dim - 1)] += 1.0 if (h >> 16) & 1 else -1.0
        v[-1] = 1.0
        return v * (1 + zlib.crc32(text.encode()) % 7)


class LookupModel(_StandIn):
    """Returns the vector given for each text: LookupModel({"some text": [0.1, 2.0], ...}). An unknown
    text raises KeyError."""

    def __init__(self, vectors: dict):
        self._vectors = {text: np.asarray(v, dtype=np.float64) for text, v in vectors.items()}
        self.dim = len(next(iter(self._vectors.values())))

    def vector(self, text: str) -> np.ndarray:
        return self._vectors[text]
