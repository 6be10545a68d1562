import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted
from solution import make_models


def _final_class(model):
    return type(model.steps[-1][1]) if isinstance(model, Pipeline) else type(model)


@pytest.mark.points(1)
@pytest.mark.requirement("R2")
def test_make_models_two_distinct_estimator_classes():
    """make_models returns a dict of 2+ models with 2+ different final estimator classes."""
    models = make_models(0)
    assert isinstance(models, dict), f"expected a dict, got {type(models).__name__}"
    assert len(models) >= 2, f"expected at least 2 models, got {len(models)}"
    assert all(isinstance(name, str) for name in models), "model names must be strings"
    classes = {_final_class(m).__name__ for m in models.values()}
    assert len(classes) >= 2, f"expected 2+ distinct final estimator classes, got {sorted(classes)}"


@pytest.mark.points(1)
@pytest.mark.requirement("R2")
def test_make_models_returns_unfitted_cloneable_estimators():
    """Every model is an unfitted scikit-learn estimator that clone() accepts."""
    for name, model in make_models(0).items():
        clone(model)
        try:
            check_is_fitted(model)
        except NotFittedError:
            pass
        else:
            pytest.fail(f"model {name!r} is already fitted; return unfitted estimators")
        assert hasattr(model, "fit") and hasattr(model, "predict"), f"{name} lacks fit/predict"


@pytest.mark.points(1)
@pytest.mark.requirement("R2")
def test_make_models_random_state_is_seed():
    """Every random_state parameter, also inside pipelines, equals the seed."""
    for seed in (7, 11):
        for name, model in make_models(seed).items():
            for key, value in model.get_params(deep=True).items():
                if key == "random_state" or key.endswith("__random_state"):
                    assert value == seed, f"make_models({seed}): {name} {key} is {value!r}, expected {seed}"


@pytest.mark.points(3)
@pytest.mark.requirement("R2")
def test_make_models_scaler_lives_in_a_pipeline():
    """At least one model is a Pipeline containing a scaler from sklearn.preprocessing."""
    found = [
        name
        for name, model in make_models(0).items()
        if isinstance(model, Pipeline)
        and any(type(step).__module__.startswith("sklearn.preprocessing") for _, step in model.steps)
    ]
    assert found, "no model is a Pipeline with a sklearn.preprocessing scaler step"
