"""Public examples, one per requirement, mostly the statement's worked example. The graded suite is larger."""

import math

import numpy as np
import pytest

X_EX = np.array([[1.0, 2.0], [3.0, -1.0]])
Y_EX = np.array([1, 0])


def small_data(n=60, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2))
    y = (X @ np.array([2.0, -1.0]) + rng.logistic(size=n) > 0).astype(np.int64)
    return X, y


@pytest.mark.requirement("R1")
def test_sigmoid_no_overflow(candidate):
    """sigmoid(-1000), sigmoid(0), sigmoid(1000) are 0, 0.5, 1: finite, no NaN."""
    assert np.asarray(candidate.sigmoid(np.array([-1000.0, 0.0, 1000.0]))).tolist() == [0.0, 0.5, 1.0]


@pytest.mark.requirement("R2")
def test_log_loss_worked_example_and_extreme(candidate):
    """log(2) at zero logits; y = 1 with z = -1000 costs exactly 1000."""
    assert candidate.log_loss(Y_EX, np.zeros(2)) == pytest.approx(math.log(2))
    assert candidate.log_loss(np.array([1]), np.array([-1000.0])) == pytest.approx(1000.0)


@pytest.mark.requirement("R3")
def test_gradient_worked_example(candidate):
    """At w = 0, b = 0 with alpha = 0.5: grad_w = [0.5, -0.75], grad_b = 0.0."""
    grad_w, grad_b = candidate.gradient(X_EX, Y_EX, np.zeros(2), 0.0, 0.5)
    assert np.asarray(grad_w) == pytest.approx([0.5, -0.75])
    assert grad_b == pytest.approx(0.0, abs=1e-12)


@pytest.mark.requirement("R4")
def test_one_full_batch_step(candidate):
    """One epoch of one full batch with lr = 0.1 from zeros moves w to [-0.05, 0.075] and leaves b at 0."""
    result = candidate.fit(X_EX, Y_EX, X_EX, Y_EX, lr=0.1, alpha=0.5, batch_size=2, max_epochs=1)
    assert np.asarray(result["w"]) == pytest.approx([-0.05, 0.075])
    assert result["b"] == pytest.approx(0.0, abs=1e-12)


@pytest.mark.requirement("R5")
def test_histories_one_entry_per_epoch_and_decreasing(candidate):
    """Full batches, lr = 0.1, 10 epochs, no early stopping: 10 entries each, train_loss going down."""
    X, y = small_data()
    result = candidate.fit(X, y, X, y, lr=0.1, batch_size=len(y), max_epochs=10, patience=10, tol=0.0)
    assert len(result["train_loss"]) == 10 and len(result["val_loss"]) == 10
    assert all(b <= a for a, b in zip(result["train_loss"], result["train_loss"][1:], strict=False))


@pytest.mark.requirement("R6")
def test_best_epoch_is_the_lowest_validation_loss(candidate):
    """With tol = 0, best_epoch indexes the lowest val_loss and the run stops within patience of it."""
    X, y = small_data(90, seed=1)
    result = candidate.fit(X[:60], y[:60], X[60:], y[60:], lr=0.5, batch_size=10, max_epochs=100, patience=3, tol=0.0)
    val = result["val_loss"]
    assert result["best_epoch"] == int(np.argmin(val))
    assert len(val) == 100 or len(val) == result["best_epoch"] + 3 + 1


@pytest.mark.requirement("R7")
def test_matches_sklearn_coefficients(candidate):
    """alpha = 0.01 on 60 rows is C = 1 / (0.01 * 60); full batches, lr 0.5, 1000 epochs: within 1e-3."""
    from sklearn.linear_model import LogisticRegression

    X, y = small_data()
    result = candidate.fit(X, y, X, y, lr=0.5, alpha=0.01, batch_size=60, max_epochs=1000, patience=1000, tol=0.0)
    model = LogisticRegression(C=1 / (0.01 * 60), tol=1e-12, max_iter=10_000).fit(X, y)
    assert np.asarray(result["w"]) == pytest.approx(model.coef_[0], abs=1e-3)
    assert result["b"] == pytest.approx(model.intercept_[0], abs=1e-3)


@pytest.mark.requirement("R8")
def test_predict_proba_and_predict(candidate):
    """A row with logit 0 has probability 0.5 and is class 1."""
    X = np.array([[0.0, 0.0], [1.0, 1.0]])
    proba = np.asarray(candidate.predict_proba(X, np.array([1.0, 1.0]), 0.0))
    assert proba == pytest.approx([0.5, 1 / (1 + math.exp(-2))])
    assert np.asarray(candidate.predict(X, np.array([1.0, -2.0]), 0.0)).tolist() == [1, 0]
