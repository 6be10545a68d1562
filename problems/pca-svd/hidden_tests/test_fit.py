"""R1-R4: what pca_fit learns: mean, components, their signs, variances and ratios."""

import numpy as np
import pytest

# ---------------------------------------------------------------- R1: mean and components


@pytest.mark.points(1)
@pytest.mark.requirement("R1")
def test_mean_is_column_mean(candidate, iris, get, close):
    """"mean" is the mean of each column (feature) of X."""
    close(get(candidate.pca_fit(iris, 2), "mean"), iris.mean(axis=0), "mean")


@pytest.mark.points(3)
@pytest.mark.requirement("R1")
def test_components_match_sklearn_iris(candidate, iris, ref_pca, get, close):
    """Iris, 2 components: "components" is (2, 4), rows equal to scikit-learn's components_."""
    close(get(candidate.pca_fit(iris, 2), "components"), ref_pca(iris, 2).components_, "components")


@pytest.mark.points(2)
@pytest.mark.requirement("R1")
def test_components_match_sklearn_wine(candidate, wine, ref_pca, get, close):
    """Wine (13 features on very different scales), 5 components: equal to scikit-learn's components_."""
    close(get(candidate.pca_fit(wine, 5), "components"), ref_pca(wine, 5).components_, "components")


@pytest.mark.points(1)
@pytest.mark.requirement("R1")
def test_components_are_orthonormal_rows(candidate, diabetes, get, close):
    """The component rows have length 1 and are orthogonal to each other."""
    comps = get(candidate.pca_fit(diabetes, 6), "components")
    assert comps.shape == (6, 10), f"expected components of shape (6, 10), got {comps.shape}"
    close(comps @ comps.T, np.eye(6), "components @ components.T", atol=1e-9)


@pytest.mark.points(1)
@pytest.mark.requirement("R1")
def test_components_more_features_than_samples(candidate, ref_pca, get, close):
    """Fewer rows than features (8 x 12), 4 components: equal to scikit-learn's components_."""
    X = np.random.default_rng(3).normal(size=(8, 12)) * np.arange(1, 13)
    close(get(candidate.pca_fit(X, 4), "components"), ref_pca(X, 4).components_, "components")


@pytest.mark.points(1)
@pytest.mark.requirement("R1")
def test_fit_leaves_X_unchanged(candidate, wine, close):
    """pca_fit centres a copy: the X it was given holds the same values after the call."""
    given = candidate.new(wine)  # kept in the candidate's process, so an in-place change shows
    candidate.pca_fit(given, 3)
    close(candidate.value(given), wine, "X after pca_fit(X, 3)", rtol=0, atol=0)


# ---------------------------------------------------------------- R2: sign convention


def _check_signs(comps, name):
    biggest = np.argmax(np.abs(comps), axis=1)
    values = comps[np.arange(comps.shape[0]), biggest]
    bad = np.flatnonzero(values <= 0)
    assert bad.size == 0, (
        f"{name}: component(s) {bad.tolist()} have a negative largest-magnitude entry "
        f"({values[bad].round(4).tolist()}); flip them"
    )


@pytest.mark.points(2)
@pytest.mark.requirement("R2")
def test_sign_convention_holds(candidate, iris, wine, diabetes, get):
    """In every component the entry with the largest absolute value is positive (iris, wine, diabetes)."""
    for name, X in (("iris", iris), ("wine", wine), ("diabetes", diabetes)):
        comps = get(candidate.pca_fit(X, min(X.shape[1], 8)), "components")
        assert comps.ndim == 2, f"{name}: components should be 2-D, got shape {comps.shape}"
        _check_signs(comps, name)


@pytest.mark.points(1)
@pytest.mark.requirement("R2")
def test_same_components_for_shuffled_rows(candidate, wine, get, close):
    """The same rows in another order give the same components, signs included."""
    perm = np.random.default_rng(0).permutation(len(wine))
    a = get(candidate.pca_fit(wine, 6), "components")
    b = get(candidate.pca_fit(wine[perm], 6), "components")
    close(b, a, "components after shuffling the rows")


@pytest.mark.points(1)
@pytest.mark.requirement("R2")
def test_sign_hand_checked(candidate, example, get, close):
    """Worked example: components [0.6, 0.8] and [0.8, -0.6] (largest entry 0.8 positive in both)."""
    close(get(candidate.pca_fit(example, 2), "components"), np.array([[0.6, 0.8], [0.8, -0.6]]), "components")


# ---------------------------------------------------------------- R3: variances and singular values


@pytest.mark.points(2)
@pytest.mark.requirement("R3")
def test_explained_variance_matches_sklearn(candidate, iris, wine, ref_pca, get, close):
    """"explained_variance" equals scikit-learn's explained_variance_ (n - 1 denominator)."""
    for X, k in ((iris, 3), (wine, 4)):
        close(get(candidate.pca_fit(X, k), "explained_variance"), ref_pca(X, k).explained_variance_,
              f"explained_variance ({X.shape[1]} features, {k} components)")


@pytest.mark.points(1)
@pytest.mark.requirement("R3")
def test_explained_variance_hand_checked(candidate, example, get, close):
    """Worked example: explained variance 200/3 and 50/3 (sums of squares 200 and 50 over n - 1 = 3)."""
    close(get(candidate.pca_fit(example, 2), "explained_variance"), np.array([200 / 3, 50 / 3]),
          "explained_variance")


@pytest.mark.points(1)
@pytest.mark.requirement("R3")
def test_singular_values_match_sklearn(candidate, diabetes, ref_pca, get, close):
    """"singular_values" are the singular values of the centred data (scikit-learn's singular_values_)."""
    close(get(candidate.pca_fit(diabetes, 5), "singular_values"), ref_pca(diabetes, 5).singular_values_,
          "singular_values")


# ---------------------------------------------------------------- R4: explained variance ratio


@pytest.mark.points(2)
@pytest.mark.requirement("R4")
def test_ratio_matches_sklearn_with_few_components(candidate, wine, ref_pca, get, close):
    """Wine, 3 of 13 components: the ratio is over the total variance of X, as scikit-learn's."""
    close(get(candidate.pca_fit(wine, 3), "explained_variance_ratio"),
          ref_pca(wine, 3).explained_variance_ratio_, "explained_variance_ratio")


@pytest.mark.points(1)
@pytest.mark.requirement("R4")
def test_ratio_hand_checked_one_component(candidate, example, get, close):
    """Worked example with 1 component: ratio [0.8] (200/3 of a total 250/3), not [1.0]."""
    close(get(candidate.pca_fit(example, 1), "explained_variance_ratio"), np.array([0.8]),
          "explained_variance_ratio")


@pytest.mark.points(1)
@pytest.mark.requirement("R4")
def test_ratio_all_components_sums_to_one(candidate, diabetes, ref_pca, get, close):
    """With all components kept the ratios sum to 1 (diabetes, 10 of 10 components) and equal scikit-learn's."""
    ratio = get(candidate.pca_fit(diabetes, 10), "explained_variance_ratio")
    assert ratio.sum() == pytest.approx(1.0, abs=1e-9), f"the ratios sum to {ratio.sum()!r}, not 1"
    close(ratio, ref_pca(diabetes, 10).explained_variance_ratio_, "explained_variance_ratio")
