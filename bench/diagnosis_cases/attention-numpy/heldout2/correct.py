"""Scaled dot-product and multi-head attention in NumPy. See README.md."""

from __future__ import annotations

import numpy as np


def softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    m = np.max(x, axis=axis, keepdims=True)
    e = np.exp(x - m)
    return e / np.sum(e, axis=axis, keepdims=True)


def attention(q, k, v, causal=False, key_mask=None):
    d_k = q.shape[-1]
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(d_k)
    seq_q, seq_k = scores.shape[-2], scores.shape[-1]
    allowed = np.ones(scores.shape, dtype=bool)
    if causal:
        allowed = allowed & np.tril(np.ones((seq_q, seq_k), dtype=bool))
    if key_mask is not None:
        allowed = allowed & np.asarray(key_mask, dtype=bool)[:, None, None, :]
    any_allowed = allowed.any(axis=-1, keepdims=True)
    masked = np.where(allowed, scores, -np.inf)
    masked = np.where(any_allowed, masked, 0.0)
    weights = softmax(masked, axis=-1)
    weights = np.where(allowed, weights, 0.0)
    output = weights @ v
    return output, weights


def split_heads(x, num_heads):
    b, s, d = x.shape
    return x.reshape(b, s, num_heads, d // num_heads).transpose(0, 2, 1, 3)


def merge_heads(x):
    b, h, s, d = x.shape
    return x.transpose(0, 2, 1, 3).reshape(b, s, h * d)


def multi_head_attention(x_q, x_kv, params, num_heads, causal=False, key_mask=None):
    Q = x_q @ params["W_q"] + params["b_q"]
    K = x_kv @ params["W_k"] + params["b_k"]
    V = x_kv @ params["W_v"] + params["b_v"]
    Qh, Kh, Vh = (split_heads(t, num_heads) for t in (Q, K, V))
    out_h, weights = attention(Qh, Kh, Vh, causal, key_mask)
    merged = merge_heads(out_h)
    output = merged @ params["W_o"] + params["b_o"]
    return output, weights
