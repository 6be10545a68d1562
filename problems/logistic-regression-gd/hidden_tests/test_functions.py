"""R1 sigmoid, R2 log_loss, R3 gradient, R8 predict_proba / predict."""

import math

import numpy as np
import pytest
from sklearn.metrics import log_loss as sk_log_loss

X_EX = np.array([[1.0, 2.0], [3.0, -1.0]])
Y_EX = np.array([1, 0])


def _array(value, shape):
    got = np.asarray(value, dtype=float)
    assert got.shape == shape, f"expected shape {shape}, got {got.shape}"
    return got


# ---------------------------------------------------------------- R1 sigmoid


@pytest.mark.points(2)
@pytest.mark.requirement("R1")
def test_sigmoid_extremes_do_not_overflow(candidate):
    """sigmoid at -1000, -50, 0, 50, 1000 is finite: 0, e^-50, 0.5, 1 - e^-50, 1 (never NaN)."""
    z = np.array([-1000.0, -50.0, 0.0, 50.0, 1000.0])
    got = _array(candidate.sigmoid(z), (5,))
    assert np.all(np.isfinite(got)), f"sigmoid gave non-finite values {got.tolist()}"
    want = [0.0, math.exp(-50), 0.5, 1.0, 1.0]
    assert got == pytest.approx(want, rel=1e-9, abs=1e-300), f"expected {want}, got {got.tolist()}"


@pytest.mark.points(1)
@pytest.mark.requirement("R1")
def test_sigmoid_does_not_overflow_at_large_logits(candidate):
    """No overflow at |z| = 1000: computing sigmoid of -1000 and 1000 raises no floating-point warning (plain
    1 / (1 + exp(-z)) overflows in exp(1000) even though its result, 0.0, is finite)."""
    z = np.array([-1000.0, -50.0, 0.0, 50.0, 1000.0])
    got = candidate.doubles.floating_point_warnings("sigmoid", z)
    assert got == [], f"sigmoid({z.tolist()}) overflowed: NumPy warned {got}"


@pytest.mark.points(1)
@pytest.mark.requirement("R1")
def test_sigmoid_values_and_shape(candidate):
    """sigmoid equals 1 / (1 + exp(-z)) on moderate values and keeps a 2-D input's shape."""
    z = np.linspace(-30, 30, 24).reshape(4, 6)
    got = _array(candidate.sigmoid(z), (4, 6))
    want = 1.0 / (1.0 + np.exp(-z))
    assert np.allclose(got, want, rtol=1e-12, atol=1e-15), "sigmoid differs from 1 / (1 + exp(-z))"


# ---------------------------------------------------------------- R2 log_loss


@pytest.mark.points(2)
@pytest.mark.requirement("R2")
def test_log_loss_extreme_logits_are_exact(candidate):
    """From the logits, no clipping: y=1 with z=-1000 and y=0 with z=1000 cost 1000 each; mean 500."""
    got = float(candidate.log_loss(np.array([1, 0, 1, 0]), np.array([-1000.0, 1000.0, 1000.0, -1000.0])))
    assert math.isfinite(got), f"log_loss gave {got}"
    assert got == pytest.approx(500.0, rel=1e-9), f"expected 500.0 (costs 1000, 1000, 0, 0), got {got}"


@pytest.mark.points(1)
@pytest.mark.requirement("R2")
def test_log_loss_large_negative_logits(candidate):
    """R2's example on its own: y = 1 with z = -1000 costs 1000, y = 0 with z = -1000 costs 0; mean 500."""
    got = float(candidate.log_loss(np.array([1, 0]), np.array([-1000.0, -1000.0])))
    assert math.isfinite(got), f"log_loss gave {got}"
    assert got == pytest.approx(500.0, rel=1e-9), f"expected 500.0 (costs 1000 and 0), got {got}"


@pytest.mark.points(1)
@pytest.mark.requirement("R2")
def test_log_loss_is_not_clipped(candidate):
    """y = 1 with z = -36 costs 36 (a probability of 2.3e-16 is not clipped to 1e-15)."""
    got = float(candidate.log_loss(np.array([1]), np.array([-36.0])))
    assert got == pytest.approx(36.0, rel=1e-9), f"expected 36.0, got {got}"


@pytest.mark.points(1)
@pytest.mark.requirement("R2")
def test_log_loss_is_the_mean(candidate):
    """The worked example: all logits 0 give log(2) = 0.6931 (the mean, not the sum over rows)."""
    got = float(candidate.log_loss(Y_EX, np.zeros(2)))
    assert got == pytest.approx(math.log(2)), f"expected log(2) = 0.6931, got {got}"


@pytest.mark.points(1)
@pytest.mark.requirement("R2")
def test_log_loss_matches_sklearn(candidate):
    """On 200 generated labels and logits in [-8, 8], log_loss equals sklearn's log_loss of sigmoid(z)."""
    rng = np.random.default_rng(2913)
    y, z = rng.integers(0, 2, 200), rng.uniform(-8, 8, 200)
    want = sk_log_loss(y, 1.0 / (1.0 + np.exp(-z)), labels=[0, 1])
    got = float(candidate.log_loss(y, z))
    assert got == pytest.approx(want, rel=1e-9), f"expected {want}, got {got}"


# ---------------------------------------------------------------- R3 gradient


@pytest.mark.points(2)
@pytest.mark.requirement("R3")
def test_gradient_worked_example(candidate):
    """The worked example: at w = 0, b = 0, grad_w = [0.5, -0.75] and grad_b = 0.0."""
    grad_w, grad_b = candidate.gradient(X_EX, Y_EX, np.zeros(2), 0.0, 0.5)
    assert _array(grad_w, (2,)) == pytest.approx([0.5, -0.75]), f"expected grad_w [0.5, -0.75], got {grad_w}"
    assert float(grad_b) == pytest.approx(0.0, abs=1e-12), f"expected grad_b 0.0, got {grad_b}"


@pytest.mark.points(2)
@pytest.mark.requirement("R3")
def test_gradient_is_averaged_over_rows(candidate):
    """On 50 rows the gradient is X.T @ (p - y) / 50 + alpha * w: averaged, not summed."""
    rng = np.random.default_rng(2914)
    X, y = rng.normal(size=(50, 3)), rng.integers(0, 2, 50)
    w, b, alpha = np.array([0.3, -0.2, 0.1]), 0.4, 0.05
    err = 1.0 / (1.0 + np.exp(-(X @ w + b))) - y
    grad_w, grad_b = candidate.gradient(X, y, w, b, alpha)
    want_w = X.T @ err / 50 + alpha * w
    assert _array(grad_w, (3,)) == pytest.approx(want_w, rel=1e-9), f"expected grad_w {want_w}, got {grad_w}"
    assert float(grad_b) == pytest.approx(err.mean(), rel=1e-9), f"expected grad_b {err.mean()}, got {grad_b}"


@pytest.mark.points(2)
@pytest.mark.requirement("R3")
def test_bias_is_not_regularised(candidate):
    """With alpha = 10 and b = 3, grad_b is still mean(p - y): no alpha * b term."""
    X, y = np.array([[0.5], [-0.5], [1.0], [0.0]]), np.array([1, 1, 0, 1])
    w, b = np.array([0.2]), 3.0
    err = 1.0 / (1.0 + np.exp(-(X @ w + b))) - y
    _, grad_b = candidate.gradient(X, y, w, b, 10.0)
    assert float(grad_b) == pytest.approx(err.mean(), rel=1e-9), (
        f"expected grad_b = mean(p - y) = {err.mean():.6f}, got {float(grad_b):.6f} (is the bias regularised?)"
    )


@pytest.mark.points(1)
@pytest.mark.requirement("R3")
def test_l2_term_on_the_weights(candidate):
    """With alpha = 10 and w = [0.2], grad_w = X.T @ (p - y) / n + 10 * w."""
    X, y = np.array([[0.5], [-0.5], [1.0], [0.0]]), np.array([1, 1, 0, 1])
    w, b = np.array([0.2]), 3.0
    err = 1.0 / (1.0 + np.exp(-(X @ w + b))) - y
    grad_w, _ = candidate.gradient(X, y, w, b, 10.0)
    want = X.T @ err / 4 + 10.0 * w
    assert _array(grad_w, (1,)) == pytest.approx(want, rel=1e-9), f"expected grad_w {want.tolist()}, got {grad_w}"


@pytest.mark.points(1)
@pytest.mark.requirement("R3")
def test_l2_shrinks_the_weights(candidate):
    """Trained the same way, alpha = 0.5 gives smaller weights (in norm) than alpha = 0."""
    rng = np.random.default_rng(2916)
    X = rng.normal(size=(80, 2))
    y = (X @ np.array([2.0, -1.0]) + rng.logistic(size=80) > 0).astype(np.int64)
    norms = []
    for alpha in (0.0, 0.5):
        result = candidate.fit(X, y, X, y, lr=0.5, alpha=alpha, batch_size=80, max_epochs=200, patience=200,
                               tol=0.0, seed=0)
        norms.append(float(np.linalg.norm(np.asarray(result["w"], dtype=float))))
    assert norms[1] < 0.8 * norms[0], f"||w|| is {norms[0]:.4f} with alpha = 0 and {norms[1]:.4f} with alpha = 0.5"


# ---------------------------------------------------------------- R8 predict


@pytest.mark.points(2)
@pytest.mark.requirement("R8")
def test_predict_proba(candidate):
    """predict_proba is sigmoid(X @ w + b), one value per row."""
    X = np.array([[1.0, 2.0], [3.0, -1.0], [0.0, 0.0]])
    got = _array(candidate.predict_proba(X, np.array([0.5, -0.25]), 0.1), (3,))
    want = 1.0 / (1.0 + np.exp(-(X @ np.array([0.5, -0.25]) + 0.1)))
    assert got == pytest.approx(want, rel=1e-12), f"expected {want.tolist()}, got {got.tolist()}"


@pytest.mark.points(1)
@pytest.mark.requirement("R8")
def test_predict_gives_integer_labels(candidate):
    """predict gives integer labels (an integer dtype: not booleans, not floats)."""
    X = np.array([[0.0, 0.0], [1.0, 0.0], [-1.0, 0.0], [0.0, 4.0], [-0.25, 0.0]])
    got = np.asarray(candidate.predict(X, np.array([2.0, -0.5]), 0.0))
    assert np.issubdtype(got.dtype, np.integer), f"expected an integer dtype, got {got.dtype}"


@pytest.mark.points(1)
@pytest.mark.requirement("R8")
def test_predict_threshold(candidate):
    """predict gives 1 where the probability is >= 0.5 (exactly 0.5 is class 1, 0.38 is 0)."""
    X = np.array([[0.0, 0.0], [1.0, 0.0], [-1.0, 0.0], [0.0, 4.0], [-0.25, 0.0]])
    got = np.asarray(candidate.predict(X, np.array([2.0, -0.5]), 0.0))
    assert got.tolist() == [1, 1, 0, 0, 0], (
        f"expected [1, 1, 0, 0, 0] (z = 0, 2, -2, -2, -0.5; probabilities 0.5, 0.88, 0.12, 0.12, 0.38), "
        f"got {got.tolist()}"
    )
