"""R5-R7: projecting, mapping back, and the n_components range."""

import numpy as np
import pytest

# ---------------------------------------------------------------- R5: transform


@pytest.mark.points(2)
@pytest.mark.requirement("R5")
def test_transform_matches_sklearn(candidate, iris, ref_pca, signs, close):
    """pca_transform of the fitted data equals scikit-learn's transform (iris, 2 components)."""
    model, ref = candidate.pca_fit(iris, 2), ref_pca(iris, 2)
    got = candidate.pca_transform(model, iris)
    close(got, ref.transform(iris) * signs(model, ref.components_), "pca_transform(model, X)")


@pytest.mark.points(2)
@pytest.mark.requirement("R5")
def test_transform_new_rows_uses_fitted_mean(candidate, wine, ref_pca, signs, close):
    """New rows (a batch of 5, and a single row) are centred with the mean learned by pca_fit."""
    train, new = wine[:150], wine[150:155]
    model = candidate.pca_fit(train, 4)
    ref = ref_pca(train, 4)
    sign = signs(model, ref.components_)
    close(candidate.pca_transform(model, new), ref.transform(new) * sign, "pca_transform of 5 new rows")
    close(candidate.pca_transform(model, new[:1]), ref.transform(new[:1]) * sign, "pca_transform of 1 new row")


@pytest.mark.points(1)
@pytest.mark.requirement("R5")
def test_transform_hand_checked(candidate, example, signs, close):
    """Worked example: the scores are [10, 0], [-10, 0], [0, -5], [0, 5]."""
    model = candidate.pca_fit(example, 2)
    sign = signs(model, np.array([[0.6, 0.8], [0.8, -0.6]]))
    got = candidate.pca_transform(model, example)
    close(got, np.array([[10.0, 0.0], [-10.0, 0.0], [0.0, -5.0], [0.0, 5.0]]) * sign, "scores", atol=1e-9)


# ---------------------------------------------------------------- R6: inverse transform


@pytest.mark.points(2)
@pytest.mark.requirement("R6")
def test_inverse_matches_sklearn(candidate, wine, ref_pca, signs, close):
    """pca_inverse_transform of 3-component scores equals scikit-learn's inverse_transform."""
    model = candidate.pca_fit(wine, 3)
    ref = ref_pca(wine, 3)
    Z = ref.transform(wine[:20])
    got = candidate.pca_inverse_transform(model, Z * signs(model, ref.components_))
    close(got, ref.inverse_transform(Z), "pca_inverse_transform(model, Z)")


@pytest.mark.points(1)
@pytest.mark.requirement("R6")
def test_round_trip_with_all_components(candidate, iris, close):
    """With all components kept, inverse_transform(transform(X)) gives X back."""
    model = candidate.pca_fit(iris, 4)
    back = candidate.pca_inverse_transform(model, candidate.pca_transform(model, iris))
    close(back, iris, "round trip", atol=1e-9)


@pytest.mark.points(1)
@pytest.mark.requirement("R6")
def test_inverse_hand_checked_one_component(candidate, example, signs, close):
    """Worked example, 1 component: scores [10], [-10], [0], [0] map back to [16, 28], [4, 12], [10, 20], [10, 20]."""
    model = candidate.pca_fit(example, 1)
    sign = signs(model, np.array([[0.6, 0.8]]))
    got = candidate.pca_inverse_transform(model, np.array([[10.0], [-10.0], [0.0], [0.0]]) * sign)
    close(got, np.array([[16.0, 28.0], [4.0, 12.0], [10.0, 20.0], [10.0, 20.0]]), "inverse_transform", atol=1e-9)


# ---------------------------------------------------------------- R7: n_components range


@pytest.mark.points(1)
@pytest.mark.requirement("R7")
def test_zero_components_raises(candidate, iris):
    """n_components=0 raises ValueError."""
    with pytest.raises(ValueError):
        candidate.pca_fit(iris, 0)


@pytest.mark.points(1)
@pytest.mark.requirement("R7")
def test_more_components_than_features_raises(candidate, iris):
    """n_components=5 on 4 features raises ValueError."""
    with pytest.raises(ValueError):
        candidate.pca_fit(iris, 5)


@pytest.mark.points(1)
@pytest.mark.requirement("R7")
def test_more_components_than_samples_raises(candidate):
    """n_components=7 on 6 rows of 10 features raises ValueError; 6 is allowed."""
    X = np.random.default_rng(5).normal(size=(6, 10))
    with pytest.raises(ValueError):
        candidate.pca_fit(X, 7)
    model = candidate.pca_fit(X, 6)
    assert np.shape(model["components"]) == (6, 10), "n_components=6 on 6 rows must give 6 components"
