import numpy as np
import pytest

KEYS = {"train_idx", "val_idx", "test_idx", "model", "val_scores", "threshold", "test_metrics"}


def _fits(candidate, X, row_ids):
    """Row ids of every fit call the spy tagged "run" saw."""
    fits = [row_ids(X_seen, X) for kind, X_seen in candidate.doubles.calls("run") if kind == "fit"]
    assert fits, "the model was never fitted"
    return fits


@pytest.mark.points(5)
@pytest.mark.requirement("R5")
def test_never_fits_on_validation_or_test_rows(candidate, spy, spy_data, row_ids):
    """The model is fitted on training rows only: no validation or test row, no row made up."""
    X, y = spy_data
    result = candidate.run_pipeline(X, y, 0.8, 0, spy("run"))
    assert set(result) >= KEYS, f"missing keys: {sorted(KEYS - set(result))}"
    val, test = np.asarray(result["val_idx"]), np.asarray(result["test_idx"])
    for ids in _fits(candidate, X, row_ids):
        for name, part in (("validation", val), ("test", test)):
            leaked = np.intersect1d(ids, part)
            assert len(leaked) == 0, (
                f"the model was fitted on {len(leaked)} {name} rows (e.g. {leaked[:5].tolist()}); "
                "fit on the training part only, and resample nothing before splitting"
            )


@pytest.mark.points(2)
@pytest.mark.requirement("R5")
def test_fits_each_training_row_once(candidate, spy, spy_data, row_ids):
    """Every fit sees each training row exactly once: class weights, no oversampling."""
    X, y = spy_data
    result = candidate.run_pipeline(X, y, 0.8, 0, spy("run"))
    train = np.sort(np.asarray(result["train_idx"]))
    for ids in _fits(candidate, X, row_ids):
        counts = np.bincount(ids, minlength=len(y))
        assert counts.max() == 1, (
            f"row {int(counts.argmax())} was passed to fit {int(counts.max())} times: the imbalance "
            "is handled by class weights, not by repeating rows"
        )
        missing = np.setdiff1d(train, ids)
        assert len(missing) == 0, f"{len(missing)} training rows were left out of the fit"


@pytest.mark.points(6)
@pytest.mark.requirement("R5")
def test_threshold_is_chosen_on_validation_scores(candidate, spy, spy_data):
    """val_scores are the model's scores of the validation rows, and the threshold is chosen from them."""
    X, y = spy_data
    result = candidate.run_pipeline(X, y, 0.7, 0, spy("run"))
    val = np.asarray(result["val_idx"])
    val_scores = np.asarray(result["val_scores"], dtype=float)
    # the spy's probability of class 1 for a row is its column 1
    assert val_scores.shape == (len(val),) and np.allclose(val_scores, X[val, 1]), (
        "val_scores must be predict_proba(X[val_idx])[:, 1] of the fitted model, in val_idx order"
    )
    want = candidate.choose_threshold(y[val], X[val, 1], 0.7)
    got = result["threshold"]
    assert got == pytest.approx(want), (
        f"threshold {got} is not choose_threshold(y[val_idx], val_scores, 0.7) = {want}: "
        "choose it on the validation part, never on the test part"
    )


@pytest.mark.points(4)
@pytest.mark.requirement("R5")
def test_test_metrics_at_the_chosen_threshold(candidate, spy, spy_data):
    """test_metrics is evaluate() on the test rows' scores at the chosen threshold (not at 0.5)."""
    X, y = spy_data
    result = candidate.run_pipeline(X, y, 0.8, 0, spy("run"))
    test = np.asarray(result["test_idx"])
    want = candidate.evaluate(y[test], X[test, 1], result["threshold"])
    got = result["test_metrics"]
    cm = np.asarray(got["confusion_matrix"])
    assert int(cm.sum()) == len(test) == 100, f"the test confusion matrix counts {int(cm.sum())} rows, expected 100"
    assert cm.tolist() == np.asarray(want["confusion_matrix"]).tolist(), (
        f"test confusion matrix {cm.tolist()} is not the one at the chosen threshold "
        f"{result['threshold']}: {np.asarray(want['confusion_matrix']).tolist()}"
    )
    for key in ("precision", "recall", "pr_auc"):
        assert got[key] == pytest.approx(want[key]), f"test_metrics[{key!r}]: expected {want[key]}, got {got[key]}"


@pytest.mark.points(1)
@pytest.mark.requirement("R5")
def test_split_is_split_indices(candidate, spy, spy_data):
    """train_idx, val_idx and test_idx are split_indices(y, seed)."""
    X, y = spy_data
    result = candidate.run_pipeline(X, y, 0.8, 3, spy("run"))
    for i, name in enumerate(("train_idx", "val_idx", "test_idx")):
        want = np.sort(np.asarray(candidate.split_indices(y, 3)[i]))
        assert np.array_equal(np.sort(np.asarray(result[name])), want), f"{name} differs from split_indices(y, 3)"


@pytest.mark.points(3)
@pytest.mark.requirement("R5")
def test_shipped_data_with_make_model(candidate, shipped):
    """transactions.csv with the defaults: a fitted model, a consistent report, test PR AUC >= 0.5."""
    X, y = shipped
    result = candidate.run_pipeline(X, y)
    assert set(result) >= KEYS, f"missing keys: {sorted(KEYS - set(result))}"
    model = result["model"]
    assert candidate.doubles.describe(model)["fitted"], "result['model'] is not fitted"
    val, test = np.asarray(result["val_idx"]), np.asarray(result["test_idx"])
    val_scores = np.asarray(result["val_scores"], dtype=float)
    assert np.allclose(val_scores, np.asarray(model.predict_proba(X[val]))[:, 1]), (
        "val_scores are not the returned model's predict_proba(X[val_idx])[:, 1]"
    )
    assert result["threshold"] == pytest.approx(candidate.choose_threshold(y[val], val_scores, 0.8))
    cm = np.asarray(result["test_metrics"]["confusion_matrix"])
    assert cm.sum() == 1000 and cm[1].sum() == 15, f"the test part must be 1,000 rows with 15 frauds, got {cm.tolist()}"
    test_scores = np.asarray(model.predict_proba(X[test]))[:, 1]
    want = candidate.evaluate(y[test], test_scores, result["threshold"])
    assert cm.tolist() == np.asarray(want["confusion_matrix"]).tolist(), (
        "the test confusion matrix is not the one at the chosen threshold"
    )
    pr_auc = result["test_metrics"]["pr_auc"]
    assert pr_auc >= 0.5, f"test PR AUC is {pr_auc:.3f}; a class-weighted logistic regression reaches about 0.77"


@pytest.mark.points(1)
@pytest.mark.requirement("R5")
def test_defaults_and_reproducible(candidate, shipped):
    """Without recall_target and seed, run_pipeline uses 0.8 and 0; the same call gives the same result."""
    X, y = shipped
    a = candidate.run_pipeline(X, y)
    b = candidate.run_pipeline(X, y, 0.8, 0)
    assert np.array_equal(np.sort(a["test_idx"]), np.sort(b["test_idx"]))
    assert a["threshold"] == pytest.approx(b["threshold"])
    assert np.asarray(a["test_metrics"]["confusion_matrix"]).tolist() == (
        np.asarray(b["test_metrics"]["confusion_matrix"]).tolist()
    )


@pytest.mark.points(1)
@pytest.mark.requirement("R5")
def test_scores_are_fraud_probabilities(candidate, shipped):
    """val_scores are the probability of class 1 (fraud): frauds score higher than legitimate rows on average."""
    X, y = shipped
    result = candidate.run_pipeline(X, y, 0.8, 1)
    val = np.asarray(result["val_idx"])
    scores = np.asarray(result["val_scores"], dtype=float)
    fraud, legit = scores[y[val] == 1].mean(), scores[y[val] == 0].mean()
    assert fraud > legit, (
        f"mean validation score: frauds {fraud:.3f}, legitimate {legit:.3f}; the score is "
        "predict_proba(X)[:, 1], the probability of fraud"
    )
