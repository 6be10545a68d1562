"""R7: multi-head attention against torch.nn.MultiheadAttention loaded with the same weights."""

import numpy as np
import pytest


def _tokens(seed, batch, seq, d_model):
    return np.random.default_rng(seed).normal(size=(batch, seq, d_model))


@pytest.mark.points(3)
@pytest.mark.requirement("R7")
def test_self_attention_matches_torch(candidate, make_params, ref_mha, close):
    """Self-attention (x_kv is x_q), d_model=12, 3 heads: the output equals torch's MultiheadAttention."""
    x = _tokens(20, 2, 5, 12)
    params = make_params(21, 12)
    out, _ = candidate.multi_head_attention(x, x, params, 3)
    want, _ = ref_mha(x, x, params, 3)
    close(out, want, "multi-head output")


@pytest.mark.points(2)
@pytest.mark.requirement("R7")
def test_cross_attention_matches_torch(candidate, make_params, ref_mha, close):
    """Cross-attention, 3 queries over 7 keys/values, 2 heads: the output equals torch's."""
    x_q, x_kv = _tokens(22, 2, 3, 8), _tokens(23, 2, 7, 8)
    params = make_params(24, 8)
    out, _ = candidate.multi_head_attention(x_q, x_kv, params, 2)
    want, _ = ref_mha(x_q, x_kv, params, 2)
    close(out, want, "cross-attention output")


@pytest.mark.points(2)
@pytest.mark.requirement("R7")
def test_masked_self_attention_matches_torch(candidate, make_params, ref_mha, close):
    """Self-attention with causal=True and a key_mask (lengths 6 and 3): the output equals torch's."""
    x = _tokens(25, 2, 6, 12)
    params = make_params(26, 12)
    key_mask = np.arange(6)[None, :] < np.array([[6], [3]])
    out, _ = candidate.multi_head_attention(x, x, params, 4, causal=True, key_mask=key_mask)
    want, _ = ref_mha(x, x, params, 4, causal=True, key_mask=key_mask)
    close(out, want, "masked multi-head output")


@pytest.mark.points(1)
@pytest.mark.requirement("R7")
def test_weights_per_head(candidate, make_params, ref_mha, close):
    """The returned weights are every head's, (batch, heads, seq_q, seq_k), not averaged over heads."""
    x_q, x_kv = _tokens(27, 2, 4, 12), _tokens(28, 2, 5, 12)
    params = make_params(29, 12)
    _, weights = candidate.multi_head_attention(x_q, x_kv, params, 3)
    _, want = ref_mha(x_q, x_kv, params, 3)
    close(weights, want, "per-head weights")


@pytest.mark.points(1)
@pytest.mark.requirement("R7")
def test_zero_biases_matches_torch(candidate, make_params, ref_mha, close):
    """With every bias 0 the output is still torch's: the output projection W_o is applied."""
    x = _tokens(30, 1, 4, 6)
    params = make_params(31, 6)
    for name in ("b_q", "b_k", "b_v", "b_o"):
        params[name] = np.zeros(6)
    out, _ = candidate.multi_head_attention(x, x, params, 2)
    want, _ = ref_mha(x, x, params, 2)
    close(out, want, "output with zero biases")


@pytest.mark.points(1)
@pytest.mark.requirement("R7")
def test_one_head_identity_weights_hand_checked(candidate, close):
    """One head, identity weights, zero biases: the output is softmax(x x^T / sqrt(d_model)) x."""
    x = np.array([[[1.0, 0.0, 0.0, 0.0], [0.0, 2.0, 0.0, 0.0], [1.0, 1.0, 2.0, 0.0]]])
    eye, zero = np.eye(4), np.zeros(4)
    params = {"W_q": eye, "W_k": eye, "W_v": eye, "W_o": eye, "b_q": zero, "b_k": zero, "b_v": zero, "b_o": zero}
    scores = x[0] @ x[0].T / 2.0
    w = np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True)
    out, weights = candidate.multi_head_attention(x, x, params, 1)
    close(weights, w[None, None], "weights")
    close(out, (w @ x[0])[None], "output")
