"""Public examples, one or more per requirement. `judge test` runs them; the graded suite is larger."""

import math

import numpy as np
import pytest


@pytest.mark.requirement("R1")
def test_softmax_large_inputs(candidate):
    """softmax([1000, 1001]) is [1/(1+e), e/(1+e)], not NaN."""
    got = candidate.softmax(np.array([1000.0, 1001.0]))
    assert np.allclose(got, [1 / (1 + math.e), math.e / (1 + math.e)])


@pytest.mark.requirement("R2")
def test_worked_example_no_mask(candidate, example):
    """Worked example, no mask: the first row of weights and output."""
    out, weights = candidate.attention(*example)
    assert np.shape(weights) == (1, 1, 3, 3) and np.shape(out) == (1, 1, 3, 2)
    assert np.allclose(weights[0, 0, 0], [0.5761, 0.2119, 0.2119], atol=1e-4)
    assert np.allclose(out[0, 0, 0], [1.6358, 1.2716], atol=1e-4)


@pytest.mark.requirement("R3")
def test_worked_example_causal(candidate, example):
    """Worked example, causal=True: lower-triangular weights."""
    _, weights = candidate.attention(*example, causal=True)
    want = [[1, 0, 0], [0.2689, 0.7311, 0], [0.4223, 0.4223, 0.1554]]
    assert np.allclose(weights[0, 0], want, atol=1e-4)


@pytest.mark.requirement("R4")
def test_worked_example_padding(candidate, example):
    """Worked example, causal=True and key 0 padding: query 2 attends to keys 1 and 2 only."""
    out, weights = candidate.attention(*example, causal=True, key_mask=np.array([[False, True, True]]))
    assert np.allclose(weights[0, 0, 2], [0, 0.7311, 0.2689], atol=1e-4)
    assert np.allclose(out[0, 0, 2], [1.3447, 2.0758], atol=1e-4)


@pytest.mark.requirement("R5")
def test_worked_example_empty_row(candidate, example):
    """Worked example: query 0 has no allowed key, so its weights and output are 0, not NaN."""
    out, weights = candidate.attention(*example, causal=True, key_mask=np.array([[False, True, True]]))
    assert np.allclose(weights[0, 0, 0], [0, 0, 0]) and np.allclose(out[0, 0, 0], [0, 0])


@pytest.mark.requirement("R6")
def test_split_heads_blocks(candidate):
    """split_heads of one token [0..5] into 3 heads: [0, 1], [2, 3], [4, 5]; merge_heads undoes it."""
    x = np.arange(6, dtype=float).reshape(1, 1, 6)
    heads = candidate.split_heads(x, 3)
    assert np.shape(heads) == (1, 3, 1, 2)
    assert np.array_equal(heads[0, :, 0], [[0, 1], [2, 3], [4, 5]])
    assert np.array_equal(candidate.merge_heads(heads), x)


@pytest.mark.requirement("R7")
def test_one_head_identity_projections(candidate, example):
    """One head, identity weights, zero biases: multi-head attention is plain attention of x over x."""
    x = example[0][0]  # (1, 3, 4)
    eye, zero = np.eye(4), np.zeros(4)
    params = {"W_q": eye, "W_k": eye, "W_v": eye, "W_o": eye, "b_q": zero, "b_k": zero, "b_v": zero, "b_o": zero}
    out, weights = candidate.multi_head_attention(x, x, params, 1)
    want_out, want_w = candidate.attention(x[:, None], x[:, None], x[:, None])
    assert np.shape(out) == (1, 3, 4) and np.shape(weights) == (1, 1, 3, 3)
    assert np.allclose(out, want_out[:, 0]) and np.allclose(weights, want_w)
