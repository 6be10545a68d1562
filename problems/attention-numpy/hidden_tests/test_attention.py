"""R2-R5: scaled dot-product attention, the causal and padding masks, fully masked rows."""

import math

import numpy as np
import pytest

# ---------------------------------------------------------------- R2: the attention itself


@pytest.mark.points(3)
@pytest.mark.requirement("R2")
def test_attention_matches_torch(candidate, make_qkv, ref_attention, close):
    """Output and weights equal torch's scaled_dot_product_attention (d_k=8, d_v=5, seq_k=6)."""
    q, k, v = make_qkv(1)
    out, weights = candidate.attention(q, k, v)
    want_out, want_w = ref_attention(q, k, v)
    close(weights, want_w, "weights")
    close(out, want_out, "output")


@pytest.mark.points(2)
@pytest.mark.requirement("R2")
def test_attention_hand_checked(candidate, close):
    """One query, two keys, d_k=4: scores 2/sqrt(4)=1 and 0, so weights e/(1+e) and 1/(1+e)."""
    q = np.array([2.0, 0.0, 0.0, 0.0]).reshape(1, 1, 1, 4)
    k = np.array([[1.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]]).reshape(1, 1, 2, 4)
    v = np.array([[1.0, 0.0, 3.0], [0.0, 1.0, 3.0]]).reshape(1, 1, 2, 3)
    out, weights = candidate.attention(q, k, v)
    a = math.e / (1 + math.e)
    close(weights, np.array([a, 1 - a]).reshape(1, 1, 1, 2), "weights")
    close(out, np.array([a, 1 - a, 3.0]).reshape(1, 1, 1, 3), "output")


@pytest.mark.points(1)
@pytest.mark.requirement("R2")
def test_attention_shapes(candidate, make_qkv):
    """Returns (output, weights): output (batch, heads, seq_q, d_v), weights (batch, heads, seq_q, seq_k)."""
    q, k, v = make_qkv(2, batch=2, heads=3, seq_q=4, seq_k=6, d_k=8, d_v=5)
    result = candidate.attention(q, k, v)
    assert isinstance(result, tuple) and len(result) == 2, "attention must return a tuple (output, weights)"
    out, weights = result
    assert np.shape(out) == (2, 3, 4, 5), f"output shape should be (2, 3, 4, 5), got {np.shape(out)}"
    assert np.shape(weights) == (2, 3, 4, 6), f"weights shape should be (2, 3, 4, 6), got {np.shape(weights)}"


@pytest.mark.points(1)
@pytest.mark.requirement("R2")
def test_attention_weights_sum_to_one_over_keys(candidate, make_qkv, close):
    """Each query's weights are non-negative and sum to 1 over the keys."""
    q, k, v = make_qkv(3)
    _, weights = candidate.attention(q, k, v)
    weights = np.asarray(weights)
    assert (weights >= 0).all(), "negative attention weights"
    close(weights.sum(axis=-1), np.ones(weights.shape[:-1]), "sum of the weights over the key axis")


@pytest.mark.points(1)
@pytest.mark.requirement("R2")
def test_attention_large_scores_stay_finite(candidate, make_qkv, ref_attention, close):
    """Very large scores (q and k scaled by 60) still give torch's result, with no NaN or inf."""
    q, k, v = make_qkv(4, scale=60.0)
    out, weights = candidate.attention(q, k, v)
    want_out, want_w = ref_attention(q, k, v)
    close(weights, want_w, "weights")
    close(out, want_out, "output")


# ---------------------------------------------------------------- R3: causal mask


def _causal(candidate, seed=5, seq=5):
    q, k, v = np.random.default_rng(seed).normal(size=(3, 2, 2, seq, 4))
    v = np.concatenate([v, v[..., :1]], axis=-1)  # d_v = 5, d_k = 4
    out, weights = candidate.attention(q, k, v, causal=True)
    return q, k, v, np.asarray(out), np.asarray(weights)


@pytest.mark.points(3)
@pytest.mark.requirement("R3")
def test_causal_matches_torch(candidate, make_allowed, ref_attention, close):
    """causal=True equals torch's attention with a lower-triangular mask (key j <= query i)."""
    q, k, v, out, weights = _causal(candidate)
    want_out, want_w = ref_attention(q, k, v, make_allowed(2, 5, 5, causal=True))
    close(weights, want_w, "causal weights")
    close(out, want_out, "causal output")


@pytest.mark.points(2)
@pytest.mark.requirement("R3")
def test_causal_no_weight_on_later_keys(candidate):
    """With causal=True, query i puts weight 0 on every key j > i."""
    *_, weights = _causal(candidate)
    above = np.triu(np.ones((5, 5), dtype=bool), k=1)
    leaked = np.abs(weights[..., above]).max()
    assert leaked < 1e-12, f"a query attends to a later key (weight {leaked:.3g} above the diagonal)"


@pytest.mark.points(1)
@pytest.mark.requirement("R3")
def test_causal_query_attends_to_itself(candidate):
    """With causal=True, every query may attend to its own position (j == i): its weight is > 0."""
    *_, weights = _causal(candidate)
    diag = np.diagonal(weights, axis1=-2, axis2=-1)
    assert (diag > 0).all(), f"some query gives its own position weight 0: diagonal min {diag.min():.3g}"


@pytest.mark.points(1)
@pytest.mark.requirement("R3")
def test_causal_first_query_sees_only_first_key(candidate, close):
    """With causal=True, query 0 has weight 1 on key 0 only, so its output is v[..., 0, :]."""
    _, _, v, out, weights = _causal(candidate)
    want = np.zeros(5)
    want[0] = 1.0
    close(weights[..., 0, :], np.broadcast_to(want, weights[..., 0, :].shape), "weights of query 0", atol=1e-12)
    close(out[..., 0, :], v[..., 0, :], "output of query 0")


@pytest.mark.points(1)
@pytest.mark.requirement("R3")
def test_causal_last_query_sees_every_key(candidate):
    """With causal=True, the last query may attend to every key: all its weights are > 0."""
    *_, weights = _causal(candidate)
    last = weights[..., -1, :]
    assert (last > 0).all(), f"the last query ignores some earlier key: min weight {last.min():.3g}"


# ---------------------------------------------------------------- R4: key padding mask

LENGTHS = [6, 4, 1]


def _key_mask(lengths, seq_k):
    return np.arange(seq_k)[None, :] < np.asarray(lengths)[:, None]


@pytest.mark.points(3)
@pytest.mark.requirement("R4")
def test_key_mask_matches_torch(candidate, make_qkv, make_allowed, ref_attention, close):
    """key_mask (sequence lengths 6, 4 and 1 of 6 keys) equals torch's attention with that mask."""
    q, k, v = make_qkv(6, batch=3, heads=2, seq_q=4, seq_k=6, d_k=6, d_v=3)
    key_mask = _key_mask(LENGTHS, 6)
    out, weights = candidate.attention(q, k, v, key_mask=key_mask)
    want_out, want_w = ref_attention(q, k, v, make_allowed(3, 4, 6, key_mask=key_mask))
    close(weights, want_w, "weights with key_mask")
    close(out, want_out, "output with key_mask")


@pytest.mark.points(2)
@pytest.mark.requirement("R4")
def test_key_mask_padding_gets_zero_weight(candidate, make_qkv, close):
    """Padding keys (key_mask False) get weight 0 from every query and head; real keys' weights sum to 1."""
    q, k, v = make_qkv(7, batch=3, heads=2, seq_q=3, seq_k=6, d_k=5, d_v=4)
    key_mask = _key_mask(LENGTHS, 6)
    _, weights = candidate.attention(q, k, v, key_mask=key_mask)
    weights = np.asarray(weights)
    padded = np.broadcast_to(~key_mask[:, None, None, :], weights.shape)
    leaked = np.abs(weights[padded]).max()
    assert leaked < 1e-12, f"a padding key got weight {leaked:.3g}"
    close(weights.sum(axis=-1), np.ones(weights.shape[:-1]), "sum of the weights over the real keys")


@pytest.mark.points(2)
@pytest.mark.requirement("R4")
def test_key_mask_with_causal_matches_torch(candidate, make_qkv, make_allowed, ref_attention, close):
    """causal=True with a key_mask allows a key only when both allow it (as torch with both masks)."""
    q, k, v = make_qkv(8, batch=2, heads=2, seq_q=5, seq_k=5, d_k=3, d_v=3)
    key_mask = _key_mask([5, 3], 5)
    out, weights = candidate.attention(q, k, v, causal=True, key_mask=key_mask)
    want_out, want_w = ref_attention(q, k, v, make_allowed(2, 5, 5, causal=True, key_mask=key_mask))
    close(weights, want_w, "weights with causal and key_mask")
    close(out, want_out, "output with causal and key_mask")


# ---------------------------------------------------------------- R5: a query with no allowed key


def _all_padding(candidate, make_qkv):
    q, k, v = make_qkv(9, batch=2, heads=2, seq_q=3, seq_k=4, d_k=4, d_v=2)
    key_mask = np.array([[True, True, False, False], [False, False, False, False]])
    out, weights = candidate.attention(q, k, v, key_mask=key_mask)
    return (q, k, v, key_mask), np.asarray(out), np.asarray(weights)


@pytest.mark.points(2)
@pytest.mark.requirement("R5")
def test_all_padding_sequence_gives_zeros(candidate, make_qkv, make_allowed, ref_attention, close):
    """A sequence whose keys are all padding gets weights 0.0 and output 0.0; the others are unaffected."""
    (q, k, v, key_mask), out, weights = _all_padding(candidate, make_qkv)
    close(weights[1], np.zeros((2, 3, 4)), "weights of the all-padding sequence", atol=1e-12)
    close(out[1], np.zeros((2, 3, 2)), "output of the all-padding sequence", atol=1e-12)
    want_out, want_w = ref_attention(q[:1], k[:1], v[:1], make_allowed(1, 3, 4, key_mask=key_mask[:1]))
    close(weights[:1], want_w, "weights of the other sequence")
    close(out[:1], want_out, "output of the other sequence")


@pytest.mark.points(1)
@pytest.mark.requirement("R5")
def test_all_padding_sequence_has_no_nan(candidate, make_qkv):
    """A query with no allowed key never produces NaN (in the output or the weights)."""
    _, out, weights = _all_padding(candidate, make_qkv)
    assert not np.isnan(weights).any(), "the weights contain NaN"
    assert not np.isnan(out).any(), "the output contains NaN"


@pytest.mark.points(1)
@pytest.mark.requirement("R5")
def test_causal_with_left_padding_empty_first_row(candidate, make_qkv, make_allowed, ref_attention, close):
    """Left padding with causal=True: query 0 sees only padding, so its row is 0.0; later rows are normal."""
    q, k, v = make_qkv(10, batch=1, heads=2, seq_q=4, seq_k=4, d_k=3, d_v=2)
    key_mask = np.array([[False, True, True, True]])
    out, weights = candidate.attention(q, k, v, causal=True, key_mask=key_mask)
    out, weights = np.asarray(out), np.asarray(weights)
    close(weights[..., 0, :], np.zeros((1, 2, 4)), "weights of query 0", atol=1e-12)
    close(out[..., 0, :], np.zeros((1, 2, 2)), "output of query 0", atol=1e-12)
    allowed = make_allowed(1, 4, 4, causal=True, key_mask=key_mask)
    want_out, want_w = ref_attention(q[..., 1:, :], k, v, allowed[..., 1:, :])
    close(weights[..., 1:, :], want_w, "weights of queries 1..3")
    close(out[..., 1:, :], want_out, "output of queries 1..3")
