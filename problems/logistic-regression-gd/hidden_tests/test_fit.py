"""R4 the training loop, R5 the histories, R6 early stopping, R7 agreement with scikit-learn."""

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

# 3 epochs of mini-batches on 120 rows: 7 batches of 16 and a last one of 8
LOOP = dict(lr=0.2, alpha=0.05, batch_size=16, max_epochs=3, patience=100, tol=0.0, seed=7)
# early stopping on the overfitting data: best epoch 9, stop after 15 epochs
EARLY = dict(lr=0.05, alpha=0.0, batch_size=10, max_epochs=200, patience=5, tol=0.0, seed=0)


def _fit(candidate, result_keys, data, **kw):
    return result_keys(candidate.fit(*data, **kw))


def _close(got, want, what, rtol=1e-7):
    got = np.asarray(got, dtype=float)
    want = np.asarray(want, dtype=float)
    assert got.shape == want.shape, f"{what}: expected shape {want.shape}, got {got.shape}"
    assert np.allclose(got, want, rtol=rtol, atol=1e-10), (
        f"{what}: expected {want.round(6).tolist()}, got {got.round(6).tolist()}"
    )


# ---------------------------------------------------------------- R4 the loop


@pytest.mark.points(3)
@pytest.mark.requirement("R4")
def test_one_epoch_matches_the_prescribed_loop(candidate, result_keys, train_val, replayer):
    """One epoch (batches of 16 from rng.permutation, the last batch of 8 included) gives the exact w and b."""
    kw = dict(LOOP, max_epochs=1)
    got = _fit(candidate, result_keys, train_val, **kw)
    want = replayer(*train_val, **kw)
    _close(got["w"], want["w"], "w after one epoch")
    _close(got["b"], want["b"], "b after one epoch")


@pytest.mark.points(3)
@pytest.mark.requirement("R4")
def test_each_epoch_reshuffles_from_the_same_rng(candidate, result_keys, train_val, replayer):
    """Three epochs: each one draws a new rng.permutation(n) from the generator made once from the seed."""
    got = _fit(candidate, result_keys, train_val, **LOOP)
    want = replayer(*train_val, **LOOP)
    _close(got["w"], want["w"], "w after three epochs")
    _close(got["b"], want["b"], "b after three epochs")


@pytest.mark.points(1)
@pytest.mark.requirement("R4")
def test_same_seed_same_result(candidate, result_keys, train_val):
    """Two fits with the same arguments give identical weights and histories."""
    first = _fit(candidate, result_keys, train_val, **LOOP)
    second = _fit(candidate, result_keys, train_val, **LOOP)
    assert np.array_equal(np.asarray(first["w"]), np.asarray(second["w"])), "same seed, different w"
    assert list(first["val_loss"]) == list(second["val_loss"]), "same seed, different val_loss"


@pytest.mark.points(1)
@pytest.mark.requirement("R4")
def test_seed_changes_the_order(candidate, result_keys, train_val):
    """Seeds 7 and 8 shuffle differently, so their weights after three epochs differ."""
    a = _fit(candidate, result_keys, train_val, **LOOP)
    b = _fit(candidate, result_keys, train_val, **dict(LOOP, seed=8))
    same = np.allclose(np.asarray(a["w"]), np.asarray(b["w"]), rtol=1e-9, atol=0)
    assert not same, "seed 7 and seed 8 gave the same w"


# ---------------------------------------------------------------- R5 histories


@pytest.mark.points(1)
@pytest.mark.requirement("R5")
def test_train_loss_history(candidate, result_keys, train_val, replayer):
    """Three epochs: train_loss holds J = mean log-loss + alpha/2 ||w||^2 on all training rows after each epoch."""
    got = _fit(candidate, result_keys, train_val, **LOOP)
    want = replayer(*train_val, **LOOP)
    assert len(got["train_loss"]) == 3, f"expected 3 entries (3 epochs), got {len(got['train_loss'])}"
    _close(got["train_loss"], want["train_loss"], "train_loss (mean log-loss + alpha/2 ||w||^2)")


@pytest.mark.points(1)
@pytest.mark.requirement("R5")
def test_train_loss_includes_l2_on_the_weights(candidate, result_keys, train_val, replayer):
    """train_loss is J with its L2 term alpha/2 ||w||^2, seen on mirrored data (each row x labelled 1 beside -x
    labelled 0) where the bias stays 0, so only the weights' penalty separates J from the plain log-loss."""
    X = train_val[0][:40]
    Xm, ym = np.vstack([X, -X]), np.r_[np.ones(40, dtype=np.int64), np.zeros(40, dtype=np.int64)]
    kw = dict(lr=0.5, alpha=0.2, batch_size=80, max_epochs=3, patience=100, tol=0.0, seed=0)
    got = _fit(candidate, result_keys, (Xm, ym, Xm, ym), **kw)
    want = replayer(Xm, ym, Xm, ym, **kw)
    assert len(got["train_loss"]) == 3, f"expected 3 entries (3 epochs), got {len(got['train_loss'])}"
    _close(got["train_loss"], want["train_loss"], "train_loss (mean log-loss + alpha/2 ||w||^2)")


@pytest.mark.points(1)
@pytest.mark.requirement("R5")
def test_val_loss_history(candidate, result_keys, train_val, replayer):
    """Three epochs: val_loss holds the validation log-loss (no L2 term) after each epoch."""
    got = _fit(candidate, result_keys, train_val, **LOOP)
    want = replayer(*train_val, **LOOP)
    assert len(got["val_loss"]) == 3, f"expected 3 entries (3 epochs), got {len(got['val_loss'])}"
    _close(got["val_loss"], want["val_loss"], "val_loss (validation log-loss, no L2 term)")


@pytest.mark.points(2)
@pytest.mark.requirement("R5")
def test_training_loss_goes_down(candidate, result_keys, train_val):
    """Full batches with lr = 0.1 for 30 epochs: train_loss never goes up and ends below log(2)."""
    n = len(train_val[1])
    got = _fit(candidate, result_keys, train_val, lr=0.1, alpha=0.01, batch_size=n, max_epochs=30,
               patience=30, tol=0.0, seed=0)
    loss = np.asarray(got["train_loss"], dtype=float)
    assert len(loss) == 30, f"expected 30 entries, got {len(loss)}"
    assert np.all(np.diff(loss) <= 1e-12), f"train_loss went up: {loss.round(5).tolist()}"
    assert loss[-1] < np.log(2) - 0.05, f"train_loss barely moved from log(2): {loss[-1]:.5f}"


# ---------------------------------------------------------------- R6 early stopping


@pytest.mark.points(3)
@pytest.mark.requirement("R6")
def test_stops_on_the_validation_loss(candidate, result_keys, overfit):
    """Overfitting data: the validation loss turns up, so fit stops patience (5) epochs after its best."""
    got = _fit(candidate, result_keys, overfit, **EARLY)
    val = np.asarray(got["val_loss"], dtype=float)
    assert len(val) < EARLY["max_epochs"], (
        f"fit ran all {len(val)} epochs: the validation loss rises after epoch 9, so it should stop"
    )
    best = int(np.argmin(val))
    assert int(got["best_epoch"]) == best, f"best_epoch should be {best} (lowest val_loss), got {got['best_epoch']}"
    assert len(val) == best + 5 + 1, f"expected {best + 6} epochs (best {best} + patience 5), ran {len(val)}"


@pytest.mark.points(3)
@pytest.mark.requirement("R6")
def test_returns_the_best_weights(candidate, result_keys, overfit):
    """The returned w and b are those of the best epoch: their validation log-loss is val_loss[best_epoch]."""
    _, _, X_val, y_val = overfit
    got = _fit(candidate, result_keys, overfit, **EARLY)
    z = X_val @ np.asarray(got["w"], dtype=float) + float(got["b"])
    have = float(np.mean(np.logaddexp(0.0, z) - y_val * z))
    want = float(np.asarray(got["val_loss"])[int(got["best_epoch"])])
    assert have == pytest.approx(want, rel=1e-9), (
        f"the returned w, b have validation loss {have:.6f}, but val_loss[best_epoch] is {want:.6f}: "
        "return the parameters of the best epoch, not the last"
    )
    assert have == pytest.approx(min(got["val_loss"]), rel=1e-9), "the returned parameters are not the best epoch's"


@pytest.mark.points(1)
@pytest.mark.requirement("R6")
def test_tol_and_patience_as_stated(candidate, result_keys, overfit, replayer):
    """With tol = 0.002 and patience = 3, the number of epochs, best_epoch, w and b follow the stated rule."""
    kw = dict(EARLY, tol=0.002, patience=3)
    got = _fit(candidate, result_keys, overfit, **kw)
    want = replayer(*overfit, **kw)
    assert len(got["val_loss"]) == len(want["val_loss"]), (
        f"expected {len(want['val_loss'])} epochs, ran {len(got['val_loss'])}"
    )
    assert int(got["best_epoch"]) == want["best_epoch"], (
        f"expected best_epoch {want['best_epoch']}, got {got['best_epoch']}"
    )
    _close(got["w"], want["w"], "w of the best epoch")


# ---------------------------------------------------------------- R7 scikit-learn


@pytest.mark.points(3)
@pytest.mark.requirement("R7")
@pytest.mark.parametrize(("alpha", "bias"), [(0.01, 0.3), (0.1, 1.5)])
def test_matches_sklearn_logistic_regression(candidate, result_keys, data_maker, alpha, bias):
    """Full batches, lr 0.5, 1000 epochs, no early stop: w, b within 1e-3 of LogisticRegression(C=1/(alpha*n))."""
    X, y = data_maker(200, 3, seed=2915, bias=bias)
    got = _fit(candidate, result_keys, (X, y, X, y), lr=0.5, alpha=alpha, batch_size=200, max_epochs=1000,
               patience=1000, tol=0.0, seed=0)
    model = LogisticRegression(C=1.0 / (alpha * len(y)), tol=1e-12, max_iter=10_000).fit(X, y)
    w, b = np.asarray(got["w"], dtype=float), float(got["b"])
    assert w.shape == (3,), f"expected 3 weights, got shape {w.shape}"
    gap_w = float(np.max(np.abs(w - model.coef_[0])))
    gap_b = abs(b - float(model.intercept_[0]))
    assert gap_w <= 1e-3 and gap_b <= 1e-3, (
        f"alpha={alpha}: scikit-learn (C={1 / (alpha * len(y)):g}) has w={model.coef_[0].round(4).tolist()}, "
        f"b={float(model.intercept_[0]):.4f}; you have w={w.round(4).tolist()}, b={b:.4f}"
    )
