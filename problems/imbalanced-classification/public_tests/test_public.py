"""Public examples, one per requirement. The hidden suite that grades you is larger."""

import numpy as np
import pytest


@pytest.mark.requirement("R1")
def test_split_keeps_the_fraud_rate(candidate, shipped):
    """transactions.csv: 3,000 / 1,000 / 1,000 rows with 45 / 15 / 15 frauds."""
    _, y = shipped
    train, val, test = candidate.split_indices(y, 0)
    assert [(len(p), int(y[p].sum())) for p in (train, val, test)] == [(3000, 45), (1000, 15), (1000, 15)]
    assert np.array_equal(np.sort(np.concatenate([train, val, test])), np.arange(len(y)))


@pytest.mark.requirement("R2")
def test_make_model_is_class_weighted(candidate):
    """The classifier (a Pipeline's last step) has class_weight="balanced"."""
    facts = candidate.doubles.describe(candidate.make_model(0))  # doubles.py: facts read where the model lives
    assert facts["class_weight"] == "balanced"
    assert facts["has_predict_proba"]


@pytest.mark.requirement("R3")
def test_worked_example_threshold(candidate, example):
    """The README's example: recall target 0.6 gives 0.62, not the first threshold to reach it (0.66)."""
    y, scores = example
    assert candidate.choose_threshold(y, scores, 0.6) == pytest.approx(0.62)


@pytest.mark.requirement("R4")
def test_worked_example_metrics(candidate, example):
    """The README's example at 0.62: precision 7/9, recall 0.7, [[8, 2], [3, 7]], PR AUC 0.7850."""
    y, scores = example
    metrics = candidate.evaluate(y, scores, 0.62)
    assert metrics["precision"] == pytest.approx(7 / 9)
    assert metrics["recall"] == pytest.approx(0.7)
    assert np.asarray(metrics["confusion_matrix"]).tolist() == [[8, 2], [3, 7]]
    assert metrics["pr_auc"] == pytest.approx(0.78503, abs=1e-5)


@pytest.mark.requirement("R5")
def test_run_pipeline_on_transactions(candidate, shipped):
    """Defaults on transactions.csv: the threshold comes from val_scores; test PR AUC >= 0.5."""
    X, y = shipped
    result = candidate.run_pipeline(X, y)
    val = result["val_idx"]
    assert result["threshold"] == pytest.approx(candidate.choose_threshold(y[val], result["val_scores"], 0.8))
    cm = np.asarray(result["test_metrics"]["confusion_matrix"])
    assert cm.sum() == 1000 and cm[1].sum() == 15
    assert result["test_metrics"]["pr_auc"] >= 0.5
