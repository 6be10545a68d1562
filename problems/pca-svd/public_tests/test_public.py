"""Public examples, one or more per requirement. `judge test` runs them; the graded suite is larger."""

import numpy as np
import pytest


@pytest.mark.requirement("R1")
def test_mean_and_component_shape(candidate, example):
    """Worked example: mean [10, 20]; components is (n_components, n_features) with unit-length rows."""
    model = candidate.pca_fit(example, 2)
    assert np.allclose(model["mean"], [10, 20])
    assert np.shape(model["components"]) == (2, 2)
    assert np.allclose(np.linalg.norm(model["components"], axis=1), 1.0)


@pytest.mark.requirement("R2")
def test_worked_example_components_and_signs(candidate, example):
    """Worked example: components [0.6, 0.8] and [0.8, -0.6] (largest-magnitude entries positive)."""
    model = candidate.pca_fit(example, 2)
    assert np.allclose(model["components"], [[0.6, 0.8], [0.8, -0.6]])


@pytest.mark.requirement("R3")
def test_worked_example_variance(candidate, example):
    """Worked example: explained variance [200/3, 50/3], singular values [sqrt(200), sqrt(50)]."""
    model = candidate.pca_fit(example, 2)
    assert np.allclose(model["explained_variance"], [200 / 3, 50 / 3])
    assert np.allclose(model["singular_values"], [np.sqrt(200), np.sqrt(50)])


@pytest.mark.requirement("R4")
def test_worked_example_ratio_one_component(candidate, example):
    """Worked example with 1 component: the ratio is [0.8], a share of the total variance."""
    model = candidate.pca_fit(example, 1)
    assert np.allclose(model["explained_variance_ratio"], [0.8])


@pytest.mark.requirement("R5")
def test_worked_example_transform(candidate, example):
    """Worked example: scores [[10, 0], [-10, 0], [0, -5], [0, 5]]."""
    model = candidate.pca_fit(example, 2)
    assert np.allclose(candidate.pca_transform(model, example), [[10, 0], [-10, 0], [0, -5], [0, 5]])


@pytest.mark.requirement("R6")
def test_worked_example_inverse_one_component(candidate, example):
    """Worked example, 1 component: the scores map back to [16, 28], [4, 12], [10, 20], [10, 20]."""
    model = candidate.pca_fit(example, 1)
    back = candidate.pca_inverse_transform(model, np.array([[10.0], [-10.0], [0.0], [0.0]]))
    assert np.allclose(back, [[16, 28], [4, 12], [10, 20], [10, 20]])


@pytest.mark.requirement("R7")
def test_too_many_components(candidate, example):
    """n_components=3 on 2 features raises ValueError."""
    with pytest.raises(ValueError):
        candidate.pca_fit(example, 3)
