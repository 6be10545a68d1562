import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier

COLUMNS = ["accuracy_mean", "accuracy_std", "f1_macro_mean", "f1_macro_std"]


@pytest.mark.points(1)
@pytest.mark.requirement("R3")
def test_cv_table_shape_columns_and_index(candidate, noisy_binary):
    """The table has one row per model in dict order, indexed by name, with the four stated columns."""
    X, y = noisy_binary
    models = {
        "zeta": DummyClassifier(strategy="most_frequent"),
        "alpha": make_pipeline(StandardScaler(), LogisticRegression()),
        "mid": DecisionTreeClassifier(max_depth=2, random_state=0),
    }
    table = candidate.cross_validate_models(models, X, y, folds=3, seed=0)
    assert isinstance(table, pd.DataFrame), f"expected a DataFrame, got {type(table).__name__}"
    assert list(table.index) == ["zeta", "alpha", "mid"], f"index: got {list(table.index)}"
    assert list(table.columns) == COLUMNS, f"columns: expected {COLUMNS}, got {list(table.columns)}"
    values = table.to_numpy(dtype=float)
    assert np.isfinite(values).all() and (values >= 0).all() and (values <= 1).all()


@pytest.mark.points(4)
@pytest.mark.requirement("R3")
def test_cv_uses_macro_f1_on_imbalanced_classes(candidate):
    """Majority-class model on 40/10 labels: accuracy 0.8, macro F1 4/9 in every fold (not micro F1)."""
    y = np.array([0] * 40 + [1] * 10)
    X = np.arange(50, dtype=float).reshape(-1, 1)
    table = candidate.cross_validate_models(
        {"majority": DummyClassifier(strategy="most_frequent")}, X, y, folds=5, seed=0
    )
    row = table.loc["majority"]
    # each fold: 8 of class 0, 2 of class 1, all predicted 0 -> acc 0.8,
    # F1(class 0) = 2*8 / (2*8 + 2) = 8/9, F1(class 1) = 0, macro = 4/9.
    assert row["accuracy_mean"] == pytest.approx(0.8)
    assert row["f1_macro_mean"] == pytest.approx(4 / 9), (
        f"macro F1 should be 4/9 = 0.444, got {row['f1_macro_mean']:.4f}"
    )
    assert row["accuracy_std"] == pytest.approx(0.0, abs=1e-12)
    assert row["f1_macro_std"] == pytest.approx(0.0, abs=1e-12)


def _expected_rows(models, X, y, folds, seed):
    """Per model: [accuracy_mean, accuracy_std, f1_macro_mean, f1_macro_std], computed by hand."""
    cv = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    want = {}
    for name, model in models.items():
        acc, f1 = [], []
        for tr, te in cv.split(X, y):
            pred = clone(model).fit(X[tr], y[tr]).predict(X[te])
            acc.append(accuracy_score(y[te], pred))
            f1.append(f1_score(y[te], pred, average="macro"))
        want[name] = [np.mean(acc), np.std(acc), np.mean(f1), np.std(f1)]
    return want


def _tree_and_logreg():
    return {
        "tree": DecisionTreeClassifier(max_depth=3, random_state=0),
        "logreg": make_pipeline(StandardScaler(), LogisticRegression()),
    }


@pytest.mark.points(2)
@pytest.mark.requirement("R3")
def test_cv_means_match_seeded_stratified_kfold(candidate, noisy_binary):
    """Mean accuracy and mean macro F1 match StratifiedKFold(folds, shuffle=True, random_state=seed)."""
    X, y = noisy_binary[0][:120], noisy_binary[1][:120]
    models = _tree_and_logreg()
    table = candidate.cross_validate_models(models, X, y, folds=4, seed=3)
    for name, want in _expected_rows(models, X, y, folds=4, seed=3).items():
        got = [float(table.loc[name, c]) for c in ("accuracy_mean", "f1_macro_mean")]
        assert got == pytest.approx([want[0], want[2]], abs=1e-9), (
            f"{name}: expected means {[want[0], want[2]]}, got {got}"
        )


@pytest.mark.points(1)
@pytest.mark.requirement("R3")
def test_cv_stds_are_population_stds(candidate, noisy_binary):
    """The std columns are the population std (ddof=0) of the per-fold scores, each for its own metric."""
    X, y = noisy_binary[0][:120], noisy_binary[1][:120]
    models = _tree_and_logreg()
    table = candidate.cross_validate_models(models, X, y, folds=4, seed=3)
    for name, want in _expected_rows(models, X, y, folds=4, seed=3).items():
        got = [float(table.loc[name, c]) for c in ("accuracy_std", "f1_macro_std")]
        assert got == pytest.approx([want[1], want[3]], abs=1e-9), (
            f"{name}: expected stds (ddof=0) {[want[1], want[3]]}, got {got}"
        )


@pytest.mark.points(1)
@pytest.mark.requirement("R3")
def test_cv_each_std_is_its_own_metrics(candidate):
    """accuracy_std is the spread of the per-fold accuracies and f1_macro_std that of the per-fold macro F1
    (checked by their ratio, which does not depend on ddof)."""
    rng = np.random.default_rng(7)
    X = rng.normal(size=(120, 2))
    y = (X[:, 0] > 0.8).astype(int)  # imbalanced, so accuracy and macro F1 spread differently
    flip = rng.random(120) < 0.1
    y[flip] = 1 - y[flip]
    models = {"logreg": LogisticRegression()}
    table = candidate.cross_validate_models(models, X, y, folds=4, seed=3)
    want = _expected_rows(models, X, y, folds=4, seed=3)["logreg"]
    got = float(table.loc["logreg", "accuracy_std"]) / float(table.loc["logreg", "f1_macro_std"])
    assert got == pytest.approx(want[1] / want[3], rel=1e-6), (
        f"accuracy_std / f1_macro_std is {got:.3f}, expected {want[1] / want[3]:.3f}: is each std computed from "
        "its own metric's per-fold scores?"
    )


@pytest.mark.points(5)
@pytest.mark.requirement("R3")
def test_cv_fits_only_on_raw_fold_rows(candidate, iris_with_ids, spy, raw_ids):
    """Each fit sees exactly one fold's training rows of X_train, unchanged (no scaling outside the model)."""
    spy_cls, calls = spy
    X, y = iris_with_ids
    X_train, y_train = X[::2], y[::2]  # 75 rows, 25 per class
    candidate.cross_validate_models({"spy": spy_cls(tag="cv")}, X_train, y_train, folds=5, seed=4)
    fits = [X_seen for kind, X_seen in calls["cv"] if kind == "fit"]
    assert fits, "the model passed in was never fitted"
    seen = {frozenset(raw_ids(X_seen, X).tolist()) for X_seen in fits}
    cv = StratifiedKFold(n_splits=5, shuffle=True, random_state=4)
    train_ids = X_train[:, 0].astype(int)
    want = {frozenset(train_ids[tr].tolist()) for tr, _ in cv.split(X_train, y_train)}
    assert seen == want, (
        "the rows the model was fitted on are not the training folds of "
        "StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed) over X_train"
    )


@pytest.mark.points(1)
@pytest.mark.requirement("R3")
def test_cv_does_not_fit_the_passed_models(candidate, noisy_binary):
    """The estimators in the dict are cloned, never fitted in place."""
    X, y = noisy_binary
    models = {  # handles: the very estimators the solution gets, kept in its process to look at after the call
        "tree": candidate.new(DecisionTreeClassifier(max_depth=2, random_state=0)),
        "logreg": candidate.new(make_pipeline(StandardScaler(), LogisticRegression())),
    }
    candidate.cross_validate_models(models, X, y, folds=3, seed=0)
    for name, model in models.items():
        if candidate.doubles.is_fitted(model):
            pytest.fail(f"the caller's estimator {name!r} was fitted in place; clone it first")
