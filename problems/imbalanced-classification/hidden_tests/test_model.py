import pytest


@pytest.mark.points(3)
@pytest.mark.requirement("R2")
def test_make_model_uses_balanced_class_weights(candidate):
    """make_model's classifier (a Pipeline's last step) has class_weight="balanced"."""
    facts = candidate.doubles.describe(candidate.make_model(0))
    assert facts["has_class_weight"], f"{facts['final_class']} has no class_weight parameter"
    assert facts["class_weight"] == "balanced", (
        f"class_weight is {facts['class_weight']!r}; the statement asks for class_weight='balanced'"
    )


@pytest.mark.points(1)
@pytest.mark.requirement("R2")
def test_make_model_is_unfitted_with_predict_proba(candidate):
    """make_model returns an unfitted model that has predict_proba."""
    facts = candidate.doubles.describe(candidate.make_model(1))
    assert facts["has_predict_proba"], "the model has no predict_proba, so it gives no scores"
    assert not facts["fitted"], "make_model must return an unfitted model"
