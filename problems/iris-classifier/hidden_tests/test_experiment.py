import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier


def _spied_experiment(candidate, iris_with_ids, spy):
    """run_experiment with two spy models on Iris (with row ids): (the spy calls per tag, test ids, training ids,
    the selected model's tag, X)."""
    spy_cls, calls = spy
    X, y = iris_with_ids
    _, X_test, _, _ = candidate.split_data(X, y, 0.2, 0)
    test_ids = set(X_test[:, 0].astype(int).tolist())
    train_ids = set(range(150)) - test_ids
    models = {"spy_a": spy_cls(tag="a"), "spy_b": spy_cls(tag="b")}
    result = candidate.run_experiment(X, y, test_size=0.2, folds=5, seed=0, models=models)
    best_tag = {"spy_a": "a", "spy_b": "b"}.get(result["best_name"])
    assert best_tag, f"best_name must be one of the model names, got {result['best_name']!r}"
    return {tag: calls[tag] for tag in ("a", "b")}, test_ids, train_ids, best_tag, X


def _fits(log, tag, best_tag):
    """(the fits before the final one, the final fit or None): the selected model's last fit is the final fit
    (run_experiment ends with it), every other fit belongs to cross-validation or selection."""
    fits = [X_seen for kind, X_seen in log[tag] if kind == "fit"]
    if tag == best_tag and fits:
        return fits[:-1], fits[-1]
    return fits, None


@pytest.mark.points(1)
@pytest.mark.requirement("R6")
def test_run_experiment_estimators_receive_raw_rows(candidate, iris_with_ids, spy):
    """Every row an estimator receives in run_experiment is an unchanged row of X: any scaling is fitted inside
    the estimator (a Pipeline), never on X before the split."""
    log, _, _, _, X = _spied_experiment(candidate, iris_with_ids, spy)
    for tag in ("a", "b"):
        for kind, X_seen in log[tag]:
            ids = X_seen[:, 0]
            raw = np.all(ids == np.round(ids)) and ids.min() >= 0 and ids.max() < len(X) \
                and np.allclose(X_seen, X[ids.astype(int)])
            assert raw, (f"a model's {kind} received transformed feature values instead of raw rows of X: a scaler "
                         "fitted on X before the split has seen the test rows; scale inside a Pipeline")


@pytest.mark.points(2)
@pytest.mark.requirement("R6")
def test_run_experiment_cross_validation_sees_no_test_row(candidate, iris_with_ids, spy, raw_ids):
    """Cross-validation (every fit but the selected model's final one) fits on training rows only."""
    log, test_ids, _, best_tag, X = _spied_experiment(candidate, iris_with_ids, spy)
    for tag in ("a", "b"):
        before_final, _ = _fits(log, tag, best_tag)
        for X_seen in before_final:
            leaked = sorted(set(raw_ids(X_seen, X).tolist()) & test_ids)
            assert not leaked, (f"cross-validation fitted a model on {len(leaked)} test rows, e.g. {leaked[:5]}: the "
                                "step that saw them is cross-validation (cross-validate on X_train, y_train only)")


@pytest.mark.points(2)
@pytest.mark.requirement("R6")
def test_run_experiment_final_fit_on_training_rows_only(candidate, iris_with_ids, spy, raw_ids):
    """The selected model's final fit uses exactly the training rows: all of them, and no test row."""
    log, test_ids, train_ids, best_tag, X = _spied_experiment(candidate, iris_with_ids, spy)
    _, final = _fits(log, best_tag, best_tag)
    assert final is not None, "the selected model was never fitted"
    seen = set(raw_ids(final, X).tolist())
    leaked = sorted(seen & test_ids)
    assert not leaked, (f"the final fit of the selected model saw {len(leaked)} test rows, e.g. {leaked[:5]}: the "
                        "step that saw them is the final fit (fit on X_train, y_train only)")
    assert seen == train_ids, (f"the final fit used {len(seen)} rows; expected all {len(train_ids)} training rows")


@pytest.mark.points(1)
@pytest.mark.requirement("R6")
def test_run_experiment_only_the_selected_model_predicts_test_rows(candidate, iris_with_ids, spy, raw_ids):
    """Test rows are predicted only by the selected model: never used to compare or select models."""
    log, test_ids, _, best_tag, X = _spied_experiment(candidate, iris_with_ids, spy)
    other = "b" if best_tag == "a" else "a"
    for kind, X_seen in log[other]:
        if kind == "predict":
            leaked = sorted(set(raw_ids(X_seen, X).tolist()) & test_ids)
            assert not leaked, (
                f"the model that was not selected predicted {len(leaked)} test rows: test rows may be "
                "used only to evaluate the selected model, never to compare or select models"
            )


@pytest.mark.points(2)
@pytest.mark.requirement("R6")
def test_run_experiment_composes_the_steps(candidate, noisy_binary):
    """Results equal split_data -> cross_validate_models -> select_best -> fit_and_evaluate."""
    X, y = noisy_binary
    models = {
        "tree": DecisionTreeClassifier(max_depth=3, random_state=0),
        "logreg": make_pipeline(StandardScaler(), LogisticRegression()),
    }
    result = candidate.run_experiment(X, y, test_size=0.25, folds=4, seed=9, models=models)
    X_train, X_test, y_train, y_test = candidate.split_data(X, y, 0.25, 9)
    table = candidate.cross_validate_models(models, X_train, y_train, 4, 9)
    pd.testing.assert_frame_equal(result["cv_results"], table, check_exact=False)
    best = candidate.select_best(table)
    assert result["best_name"] == best, f"best_name: expected {best!r}, got {result['best_name']!r}"
    _, metrics = candidate.fit_and_evaluate(models[best], X_train, y_train, X_test, y_test)
    assert result["metrics"]["accuracy"] == pytest.approx(metrics["accuracy"])
    assert result["metrics"]["f1_macro"] == pytest.approx(metrics["f1_macro"])
    assert np.array_equal(result["metrics"]["confusion_matrix"], metrics["confusion_matrix"])


@pytest.mark.points(1)
@pytest.mark.requirement("R6")
def test_run_experiment_defaults(candidate, noisy_binary):
    """Called without test_size, folds and seed, run_experiment uses 0.2, 5 and 0."""
    X, y = noisy_binary
    models = {
        "tree": DecisionTreeClassifier(max_depth=3, random_state=0),
        "logreg": make_pipeline(StandardScaler(), LogisticRegression()),
    }
    by_default = candidate.run_experiment(X, y, models=models)
    spelled_out = candidate.run_experiment(X, y, test_size=0.2, folds=5, seed=0, models=models)
    pd.testing.assert_frame_equal(by_default["cv_results"], spelled_out["cv_results"], check_exact=False)
    assert by_default["best_name"] == spelled_out["best_name"]
    assert np.array_equal(by_default["metrics"]["confusion_matrix"], spelled_out["metrics"]["confusion_matrix"])
    assert int(by_default["metrics"]["confusion_matrix"].sum()) == round(0.2 * len(y)), "expected a 20% test part"


@pytest.mark.points(3)
@pytest.mark.requirement("R6")
def test_run_experiment_selects_by_cv_not_training_fit(candidate, noisy_binary):
    """With 20% label noise, 1-NN fits the training rows perfectly but logistic regression wins CV."""
    X, y = noisy_binary
    models = {
        "knn1": KNeighborsClassifier(n_neighbors=1),
        "logreg": make_pipeline(StandardScaler(), LogisticRegression()),
    }
    result = candidate.run_experiment(X, y, test_size=0.2, folds=5, seed=0, models=models)
    assert result["best_name"] == "logreg", (
        f"expected 'logreg' (higher cross-validated macro F1), got {result['best_name']!r}"
    )


@pytest.mark.points(2)
@pytest.mark.requirement("R6")
def test_run_experiment_on_iris(candidate, iris):
    """Default models on Iris (test_size=0.2, folds=5, seed=0): a fitted model with test accuracy >= 0.9."""
    iris_run = candidate.run_experiment(*iris, test_size=0.2, folds=5, seed=0)
    names = list(candidate.make_models(0))
    assert set(iris_run) >= {"cv_results", "best_name", "model", "metrics"}, f"keys: {sorted(iris_run)}"
    assert list(iris_run["cv_results"].index) == names, (
        "cv_results must have one row per make_models(seed) model"
    )
    assert iris_run["best_name"] in names
    if not candidate.doubles.is_fitted(iris_run["model"]):
        pytest.fail("result['model'] is not fitted")
    acc = iris_run["metrics"]["accuracy"]
    assert acc >= 0.9, f"test accuracy of the selected model is {acc:.3f}, below 0.9"
    assert np.asarray(iris_run["metrics"]["confusion_matrix"]).shape == (3, 3)


@pytest.mark.points(1)
@pytest.mark.requirement("R6")
def test_run_experiment_reproducible(candidate, iris):
    """The same seed gives identical cv_results, best_name and metrics."""
    X, y = iris
    iris_run = candidate.run_experiment(X, y, test_size=0.2, folds=5, seed=0)
    again = candidate.run_experiment(X, y, test_size=0.2, folds=5, seed=0)
    pd.testing.assert_frame_equal(again["cv_results"], iris_run["cv_results"], check_exact=False)
    assert again["best_name"] == iris_run["best_name"]
    assert again["metrics"]["accuracy"] == pytest.approx(iris_run["metrics"]["accuracy"])
    assert np.array_equal(again["metrics"]["confusion_matrix"], iris_run["metrics"]["confusion_matrix"])
