"""Known mistake `fully_masked_nan`: masked scores are set to -inf and a query with no allowed key is not special-cased: its row is NaN."""

from __future__ import annotations

import numpy as np


def softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    """Numerically stable softmax of `x` along `axis`."""
    # subtracting the slice's max keeps exp() <= 1: no overflow, and -inf entries become exactly 0
    shifted = x - np.max(x, axis=axis, keepdims=True)
    e = np.exp(shifted)
    return e / np.sum(e, axis=axis, keepdims=True)


def attention(
    q: np.ndarray,
    k: np.ndarray,
    v: np.ndarray,
    causal: bool = False,
    key_mask: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Scaled dot-product attention; returns (output, weights)."""
    d_k = q.shape[-1]
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(d_k)  # (batch, heads, seq_q, seq_k)
    seq_q, seq_k = scores.shape[-2], scores.shape[-1]
    allowed = np.ones((1, 1, seq_q, seq_k), dtype=bool)
    if causal:
        allowed = allowed & np.tril(np.ones((seq_q, seq_k), dtype=bool))
    if key_mask is not None:
        allowed = allowed & np.asarray(key_mask, dtype=bool)[:, None, None, :]
    allowed = np.broadcast_to(allowed, scores.shape)
    masked = np.where(allowed, scores, -np.inf)
    weights = softmax(masked, axis=-1)
    return weights @ v, weights


def split_heads(x: np.ndarray, num_heads: int) -> np.ndarray:
    """(batch, seq, d_model) -> (batch, heads, seq, d_head)."""
    batch, seq, d_model = x.shape
    return x.reshape(batch, seq, num_heads, d_model // num_heads).transpose(0, 2, 1, 3)


def merge_heads(x: np.ndarray) -> np.ndarray:
    """(batch, heads, seq, d_head) -> (batch, seq, heads * d_head)."""
    batch, heads, seq, d_head = x.shape
    return x.transpose(0, 2, 1, 3).reshape(batch, seq, heads * d_head)


def multi_head_attention(
    x_q: np.ndarray,
    x_kv: np.ndarray,
    params: dict,
    num_heads: int,
    causal: bool = False,
    key_mask: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Multi-head attention; returns (output, per-head weights)."""
    q = split_heads(x_q @ params["W_q"] + params["b_q"], num_heads)
    k = split_heads(x_kv @ params["W_k"] + params["b_k"], num_heads)
    v = split_heads(x_kv @ params["W_v"] + params["b_v"], num_heads)
    out, weights = attention(q, k, v, causal=causal, key_mask=key_mask)
    return merge_heads(out) @ params["W_o"] + params["b_o"], weights
