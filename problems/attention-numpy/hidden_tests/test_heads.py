"""R6: splitting a (batch, seq, d_model) array into heads and merging it back."""

import numpy as np
import pytest


def _blocks_split(x, num_heads):
    """split_heads written out with loops: head h is the h-th contiguous block of features."""
    batch, seq, d_model = x.shape
    d_head = d_model // num_heads
    want = np.empty((batch, num_heads, seq, d_head))
    for b in range(batch):
        for h in range(num_heads):
            for s in range(seq):
                want[b, h, s] = x[b, s, h * d_head:(h + 1) * d_head]
    return want


@pytest.mark.points(2)
@pytest.mark.requirement("R6")
def test_split_heads_contiguous_blocks(candidate, close):
    """split_heads(x, 4) on (2, 3, 12): out[b, h, s] is x[b, s, 3h:3h+3]."""
    x = np.arange(2 * 3 * 12, dtype=float).reshape(2, 3, 12)
    close(candidate.split_heads(x, 4), _blocks_split(x, 4), "split_heads(x, 4)", atol=0)


@pytest.mark.points(1)
@pytest.mark.requirement("R6")
def test_split_heads_single_position(candidate, close):
    """split_heads of one position (seq=1): head h is the h-th block of that token's features."""
    x = np.arange(2 * 1 * 6, dtype=float).reshape(2, 1, 6)
    close(candidate.split_heads(x, 3), _blocks_split(x, 3), "split_heads(x, 3) with seq=1", atol=0)


@pytest.mark.points(1)
@pytest.mark.requirement("R6")
def test_merge_heads_contiguous_blocks(candidate, close):
    """merge_heads on (2, 4, 3, 3): out[b, s, 3h:3h+3] is x[b, h, s]."""
    x = np.arange(2 * 4 * 3 * 3, dtype=float).reshape(2, 4, 3, 3)
    want = np.empty((2, 3, 12))
    for b in range(2):
        for h in range(4):
            for s in range(3):
                want[b, s, 3 * h:3 * h + 3] = x[b, h, s]
    close(candidate.merge_heads(x), want, "merge_heads(x)", atol=0)


@pytest.mark.points(1)
@pytest.mark.requirement("R6")
def test_merge_inverts_split(candidate, close):
    """merge_heads(split_heads(y, H)) gives back y."""
    y = np.random.default_rng(13).normal(size=(2, 5, 12))
    close(candidate.merge_heads(candidate.split_heads(y, 3)), y, "merge_heads(split_heads(y, 3))")
