"""Shared inputs and the PyTorch references for the hidden suite.

The submission is reached only through the judge's `candidate` fixture. torch is imported here, in
the grader, to compute expected values; the candidate's code never sees it.
"""

import os
from pathlib import Path

import numpy as np
import pytest
import torch  # imported while collecting, so no test's time limit pays for it


def pytest_configure(config):
    config.addinivalue_line("markers", "points(n): points this test is worth")
    config.addinivalue_line("markers", "requirement(rid): statement requirement checked")


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """Folder of the starter files (this problem ships none: every input is built in the tests)."""
    env = os.environ.get("JUDGE_DATA_DIR")
    if env:
        return Path(env)
    root = Path(__file__).resolve().parents[1]
    return root / "starter" if (root / "starter").is_dir() else root


def qkv(seed, batch=2, heads=3, seq_q=4, seq_k=6, d_k=8, d_v=5, scale=1.0):
    """Random float64 q, k, v with every size different, so a wrong axis or dimension shows."""
    rng = np.random.default_rng(seed)
    q = rng.normal(size=(batch, heads, seq_q, d_k)) * scale
    k = rng.normal(size=(batch, heads, seq_k, d_k)) * scale
    v = rng.normal(size=(batch, heads, seq_k, d_v))
    return q, k, v


def mha_params(seed, d_model):
    """Random, non-symmetric projection weights and non-zero biases."""
    rng = np.random.default_rng(seed)
    params = {}
    for name in ("q", "k", "v", "o"):
        params[f"W_{name}"] = rng.normal(size=(d_model, d_model)) / np.sqrt(d_model)
        params[f"b_{name}"] = rng.normal(size=d_model) * 0.5
    return params


def allowed_mask(batch, seq_q, seq_k, causal=False, key_mask=None):
    """(batch, 1, seq_q, seq_k) bool, True where a query may attend a key (the statement's rule)."""
    allowed = np.ones((batch, 1, seq_q, seq_k), dtype=bool)
    if causal:
        allowed &= np.tril(np.ones((seq_q, seq_k), dtype=bool))
    if key_mask is not None:
        allowed &= key_mask[:, None, None, :]
    return allowed


def torch_attention(q, k, v, allowed=None):
    """(output, weights) from PyTorch. Output from F.scaled_dot_product_attention; weights from
    torch.softmax of the masked, scaled scores. Every query row must have an allowed key."""
    import torch.nn.functional as F

    tq, tk, tv = (torch.from_numpy(np.ascontiguousarray(a)) for a in (q, k, v))
    tmask = None if allowed is None else torch.from_numpy(np.ascontiguousarray(allowed))
    with torch.no_grad():
        out = F.scaled_dot_product_attention(tq, tk, tv, attn_mask=tmask)
        scores = tq @ tk.transpose(-1, -2) / np.sqrt(q.shape[-1])
        if tmask is not None:
            scores = scores.masked_fill(~tmask, float("-inf"))
        weights = torch.softmax(scores, dim=-1)
    return out.numpy(), weights.numpy()


def torch_mha(x_q, x_kv, params, num_heads, causal=False, key_mask=None):
    """(output, per-head weights) from torch.nn.MultiheadAttention loaded with the same weights.

    torch stores projections as (out, in) and computes x @ W.T + b, so it gets our W transposed;
    its boolean masks mean True = NOT allowed, the opposite of the statement's key_mask."""

    d_model = x_q.shape[-1]
    mha = torch.nn.MultiheadAttention(d_model, num_heads, bias=True, batch_first=True, dtype=torch.float64)
    t = lambda a: torch.from_numpy(np.ascontiguousarray(a))  # noqa: E731
    with torch.no_grad():
        mha.in_proj_weight.copy_(t(np.concatenate([params["W_q"].T, params["W_k"].T, params["W_v"].T])))
        mha.in_proj_bias.copy_(t(np.concatenate([params["b_q"], params["b_k"], params["b_v"]])))
        mha.out_proj.weight.copy_(t(params["W_o"].T))
        mha.out_proj.bias.copy_(t(params["b_o"]))
        seq_q, seq_k = x_q.shape[1], x_kv.shape[1]
        attn_mask = t(~np.tril(np.ones((seq_q, seq_k), dtype=bool))) if causal else None
        padding = t(~key_mask) if key_mask is not None else None
        out, weights = mha(
            t(x_q), t(x_kv), t(x_kv), key_padding_mask=padding, attn_mask=attn_mask,
            need_weights=True, average_attn_weights=False,
        )
    return out.numpy(), weights.numpy()


def assert_close(got, want, what, rtol=1e-6, atol=1e-9):
    """Shape first, then values, with a message that says where the first difference is."""
    got = np.asarray(got)
    assert got.shape == want.shape, f"{what}: expected shape {want.shape}, got {got.shape}"
    assert not np.isnan(got).any() or np.isnan(want).any(), f"{what}: contains NaN"
    bad = ~np.isclose(got, want, rtol=rtol, atol=atol)
    if bad.any():
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        pytest.fail(
            f"{what}: {int(bad.sum())} of {bad.size} values differ; first at index {idx}: "
            f"got {got[idx]!r}, expected {want[idx]!r}"
        )


# The helpers above, as fixtures (tests never import conftest).
@pytest.fixture(scope="session")
def make_qkv():
    return qkv


@pytest.fixture(scope="session")
def make_params():
    return mha_params


@pytest.fixture(scope="session")
def make_allowed():
    return allowed_mask


@pytest.fixture(scope="session")
def ref_attention():
    return torch_attention


@pytest.fixture(scope="session")
def ref_mha():
    return torch_mha


@pytest.fixture(scope="session")
def close():
    return assert_close
