import pytest

PIPELINE = "sklearn.pipeline.Pipeline"


def _final_class_name(candidate, model):
    """Class name of the model's final estimator (a Pipeline's last step), looked up in the solution's process."""
    if candidate.isinstance(model, PIPELINE):
        model = model.steps[-1][1]
    return candidate.doubles.class_path(model).rpartition(".")[2]


@pytest.mark.points(1)
@pytest.mark.requirement("R2")
def test_make_models_two_distinct_estimator_classes(candidate):
    """make_models returns a dict of 2+ models with 2+ different final estimator classes."""
    models = candidate.make_models(0)
    # A plain dict comes back as a dict; a dict subclass (OrderedDict ...) stays in the solution's process.
    assert isinstance(models, dict) or candidate.isinstance(models, "builtins.dict"), (
        f"expected a dict, got {models!r}"
    )
    assert len(models) >= 2, f"expected at least 2 models, got {len(models)}"
    assert all(isinstance(name, str) for name in models), "model names must be strings"
    classes = {_final_class_name(candidate, m) for m in models.values()}
    assert len(classes) >= 2, f"expected 2+ distinct final estimator classes, got {sorted(classes)}"


@pytest.mark.points(1)
@pytest.mark.requirement("R2")
def test_make_models_returns_unfitted_cloneable_estimators(candidate):
    """Every model is an unfitted scikit-learn estimator that clone() accepts."""
    for name, model in candidate.make_models(0).items():
        candidate.doubles.clone(model)
        if candidate.doubles.is_fitted(model):
            pytest.fail(f"model {name!r} is already fitted; return unfitted estimators")
        assert hasattr(model, "fit") and hasattr(model, "predict"), f"{name} lacks fit/predict"


@pytest.mark.points(1)
@pytest.mark.requirement("R2")
def test_make_models_random_state_is_seed(candidate):
    """Every random_state parameter, also inside pipelines, equals the seed."""
    for seed in (7, 11):
        for name, model in candidate.make_models(seed).items():
            for key, value in model.get_params(deep=True).items():
                if key == "random_state" or key.endswith("__random_state"):
                    assert value == seed, f"make_models({seed}): {name} {key} is {value!r}, expected {seed}"


@pytest.mark.points(3)
@pytest.mark.requirement("R2")
def test_make_models_scaler_lives_in_a_pipeline(candidate):
    """At least one model is a Pipeline containing a scaler from sklearn.preprocessing."""
    found = [
        name
        for name, model in candidate.make_models(0).items()
        if candidate.isinstance(model, PIPELINE)
        and any(candidate.doubles.class_path(step).startswith("sklearn.preprocessing") for _, step in model.steps)
    ]
    assert found, "no model is a Pipeline with a sklearn.preprocessing scaler step"
