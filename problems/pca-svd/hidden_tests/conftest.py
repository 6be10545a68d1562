"""Shared data and the scikit-learn reference for the hidden suite.

The submission is reached only through the judge's `candidate` fixture. scikit-learn's PCA runs
here, in the grader, to compute expected values.
"""

import os
from pathlib import Path

import numpy as np
import pytest
import sklearn.datasets  # imported while collecting, so no test's time limit pays for it
import sklearn.decomposition  # noqa: F401


def pytest_configure(config):
    config.addinivalue_line("markers", "points(n): points this test is worth")
    config.addinivalue_line("markers", "requirement(rid): statement requirement checked")


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """Folder of the starter files (this problem ships none: the data sets come with scikit-learn)."""
    env = os.environ.get("JUDGE_DATA_DIR")
    if env:
        return Path(env)
    root = Path(__file__).resolve().parents[1]
    return root / "starter" if (root / "starter").is_dir() else root


# The worked example of the statement: centred points +-(6, 8) and +-(-4, 3), mean (10, 20).
EXAMPLE = np.array([[16.0, 28.0], [4.0, 12.0], [6.0, 23.0], [14.0, 17.0]])


@pytest.fixture(scope="session")
def example():
    return EXAMPLE.copy()


@pytest.fixture(scope="session")
def iris():
    from sklearn.datasets import load_iris

    return load_iris().data


@pytest.fixture(scope="session")
def wine():
    """178 x 13, features on very different scales (proline is in the hundreds)."""
    from sklearn.datasets import load_wine

    return load_wine().data


@pytest.fixture(scope="session")
def diabetes():
    from sklearn.datasets import load_diabetes

    return load_diabetes().data


def sklearn_pca(X, n_components):
    """scikit-learn's PCA with the exact (LAPACK) SVD, fitted on X."""
    from sklearn.decomposition import PCA

    return PCA(n_components=n_components, svd_solver="full").fit(X)


@pytest.fixture(scope="session")
def ref_pca():
    return sklearn_pca


def as_model(candidate_model):
    """The candidate's model dict, with a readable failure when it is not one."""
    assert isinstance(candidate_model, dict), f"pca_fit must return a dict, got {type(candidate_model).__name__}"
    return candidate_model


def field(model, key):
    model = as_model(model)
    assert key in model, f"the model dict has no key {key!r}; keys: {sorted(model)}"
    return np.asarray(model[key])


def assert_close(got, want, what, rtol=1e-6, atol=1e-8):
    got = np.asarray(got)
    want = np.asarray(want)
    assert got.shape == want.shape, f"{what}: expected shape {want.shape}, got {got.shape}"
    bad = ~np.isclose(got, want, rtol=rtol, atol=atol)
    if bad.any():
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        pytest.fail(
            f"{what}: {int(bad.sum())} of {bad.size} values differ; first at index {idx}: "
            f"got {got[idx]!r}, expected {want[idx]!r}"
        )


def component_signs(model, ref_components):
    """+1/-1 per component: does the candidate's component point the same way as the reference's?

    The transform tests use it so that they check the projection itself; whether the signs follow the
    convention is R2's business. Components of the wrong shape give +1s (the comparison then fails)."""
    comps = field(model, "components")
    if comps.shape != np.shape(ref_components):
        return np.ones(np.shape(ref_components)[0])
    signs = np.sign(np.sum(comps * ref_components, axis=1))
    return np.where(signs == 0, 1.0, signs)


@pytest.fixture(scope="session")
def signs():
    return component_signs


@pytest.fixture(scope="session")
def get():
    return field


@pytest.fixture(scope="session")
def close():
    return assert_close
