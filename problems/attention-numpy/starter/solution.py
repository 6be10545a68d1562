"""Scaled dot-product and multi-head attention in NumPy. See README.md.

Shapes used throughout (all arrays are float64 NumPy arrays unless said otherwise):
    batch    number of sequences
    heads    number of attention heads
    seq_q    query positions, seq_k key/value positions
    d_k      size of one query/key vector, d_v size of one value vector
    d_model  size of a token vector before it is split into heads (d_model = heads * d_head)
"""

from __future__ import annotations

import numpy as np


def softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    """Numerically stable softmax of `x` along `axis`.

    Returns an array of x's shape: exp(x) normalised so that every slice along `axis` sums to 1.
    Must not overflow or return NaN for large finite inputs (e.g. [1000.0, 1001.0] gives
    [0.2689..., 0.7311...]). Entries may be -inf as long as every slice along `axis` has at least
    one finite entry; a -inf entry gets probability exactly 0. `x` is not modified.
    """
    raise NotImplementedError


def attention(
    q: np.ndarray,
    k: np.ndarray,
    v: np.ndarray,
    causal: bool = False,
    key_mask: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Scaled dot-product attention: softmax(q @ k^T / sqrt(d_k)) @ v, over the key axis.

    Args:
        q: (batch, heads, seq_q, d_k) queries.
        k: (batch, heads, seq_k, d_k) keys.
        v: (batch, heads, seq_k, d_v) values. d_v may differ from d_k.
        causal: if True, query position i may attend only to key positions j <= i (itself and
            earlier positions). Only used with seq_q == seq_k.
        key_mask: None (every key is real) or a bool array (batch, seq_k): True = a real token,
            False = padding. No query attends to a padding key, in any head.
            With causal=True too, a key is allowed only when both rules allow it.

    Returns:
        (output, weights):
        - weights: (batch, heads, seq_q, seq_k), the softmax of the scaled scores over the key
          axis with disallowed keys excluded before the softmax: a disallowed key has weight 0 and
          the allowed weights of each query row sum to 1;
        - output: (batch, heads, seq_q, d_v) = weights @ v.
        A query row with no allowed key at all (e.g. every key of that sequence is padding) gets
        weights all 0.0 and an output row of all 0.0: never NaN.
    """
    raise NotImplementedError


def split_heads(x: np.ndarray, num_heads: int) -> np.ndarray:
    """(batch, seq, d_model) -> (batch, num_heads, seq, d_head), d_head = d_model // num_heads.

    Head h takes the h-th contiguous block of d_head features:
    split_heads(x, H)[b, h, s, :] == x[b, s, h * d_head:(h + 1) * d_head].
    d_model is always a multiple of num_heads.
    """
    raise NotImplementedError


def merge_heads(x: np.ndarray) -> np.ndarray:
    """(batch, heads, seq, d_head) -> (batch, seq, heads * d_head): the inverse of split_heads.

    merge_heads(x)[b, s, h * d_head:(h + 1) * d_head] == x[b, h, s, :], and
    merge_heads(split_heads(y, H)) == y.
    """
    raise NotImplementedError


def multi_head_attention(
    x_q: np.ndarray,
    x_kv: np.ndarray,
    params: dict,
    num_heads: int,
    causal: bool = False,
    key_mask: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Multi-head attention of the x_q tokens over the x_kv tokens (self-attention: x_kv is x_q).

    Args:
        x_q: (batch, seq_q, d_model) query-side tokens.
        x_kv: (batch, seq_k, d_model) key/value-side tokens.
        params: {"W_q", "W_k", "W_v", "W_o"}: each (d_model, d_model); {"b_q", "b_k", "b_v", "b_o"}:
            each (d_model,). Weights multiply from the right: x @ W + b.
        num_heads: H; d_model is a multiple of H, d_head = d_model // H.
        causal, key_mask: as in attention() (key_mask is (batch, seq_k)).

    Steps:
        1. Q = x_q @ W_q + b_q, K = x_kv @ W_k + b_k, V = x_kv @ W_v + b_v (each (batch, seq, d_model));
        2. split each into H heads with split_heads;
        3. attention(Q_h, K_h, V_h, causal, key_mask), so the scores are scaled by sqrt(d_head);
        4. merge_heads the attention output back to (batch, seq_q, d_model);
        5. output = merged @ W_o + b_o.

    Returns:
        (output, weights): output (batch, seq_q, d_model); weights (batch, H, seq_q, seq_k), the
        attention weights of every head (not averaged over heads).
    """
    raise NotImplementedError
