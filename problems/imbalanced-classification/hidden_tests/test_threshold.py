import numpy as np
import pytest


def _case(rows, seed):
    """rows: (score, label) listed by descending score; returned shuffled as (labels, scores)."""
    order = np.random.default_rng(seed).permutation(len(rows))
    scores = np.array([s for s, _ in rows])[order]
    labels = np.array([lab for _, lab in rows])[order]
    return labels, scores


def _check(candidate, rows, target, want, seed, why):
    y, scores = _case(rows, seed)
    got = candidate.choose_threshold(y, scores, target)
    assert isinstance(got, float), f"choose_threshold must return a float, got {type(got).__name__}"
    assert got == pytest.approx(want), f"expected threshold {want}, got {got}: {why}"


@pytest.mark.points(3)
@pytest.mark.requirement("R3")
def test_worked_example(candidate, example):
    """The statement's example (shuffled): recall target 0.6 gives 0.62 (precision 7/9)."""
    y, scores = example
    got = candidate.choose_threshold(y, scores, 0.6)
    assert got == pytest.approx(0.62), (
        f"expected 0.62, got {got}: at 0.62 recall is 0.7 and precision 7/9, the best of the "
        "thresholds that reach recall 0.6"
    )


@pytest.mark.points(3)
@pytest.mark.requirement("R3")
def test_precision_can_rise_below_the_first_threshold_reaching_target(candidate):
    """Not the highest threshold that reaches the target: a lower one can have better precision."""
    # (TP, FP) going down: .9 (1,0) .8 (1,1) .7 (2,1) p=.67 first to reach recall .5;
    # .6 (3,1) p=.75 best; .5 (3,2) .4 (3,3) .3 (4,3) .2 .1
    rows = [(0.9, 1), (0.8, 0), (0.7, 1), (0.6, 1), (0.5, 0), (0.4, 0), (0.3, 1), (0.2, 0), (0.1, 0)]
    _check(candidate, rows, 0.5, 0.6, 1,
           "0.7 is the first threshold with recall >= 0.5 (precision 2/3), 0.6 has precision 3/4")


@pytest.mark.points(3)
@pytest.mark.requirement("R3")
def test_best_precision_not_best_accuracy(candidate):
    """Among thresholds reaching the target, precision decides, not accuracy or F1."""
    # .85: TP 3, FP 0, precision 1.0 (accuracy 8/11); .65: TP 6, FP 1, precision 6/7 (accuracy 10/11)
    rows = [(0.95, 1), (0.9, 1), (0.85, 1), (0.8, 0), (0.75, 1), (0.7, 1), (0.65, 1),
            (0.5, 0), (0.4, 0), (0.3, 0), (0.2, 0)]
    _check(candidate, rows, 0.5, 0.85, 2,
           "0.85 has precision 1.0; 0.65 has the better accuracy (and F1) but precision 6/7")


@pytest.mark.points(1)
@pytest.mark.requirement("R3")
def test_best_precision_not_best_f1(candidate):
    """Precision decides even where F1 would pick a much lower threshold."""
    # .6: TP 3, FP 1, precision .75, F1 .6; .05: TP 6, FP 6, precision .5, F1 .67
    rows = [(0.9, 1), (0.8, 1), (0.7, 0), (0.6, 1), (0.5, 0), (0.4, 0), (0.3, 1), (0.25, 0),
            (0.2, 0), (0.15, 1), (0.1, 0), (0.05, 1)]
    _check(candidate, rows, 0.5, 0.6, 3, "0.6 has the best precision (3/4); 0.05 has the best F1")


@pytest.mark.points(2)
@pytest.mark.requirement("R3")
def test_recall_equal_to_target_qualifies(candidate):
    """A threshold whose recall equals the target exactly qualifies (recall >= target)."""
    # .7: TP 2 of 4, recall exactly 0.5, precision 2/3; the next qualifying by ">" is .3, precision 4/7
    rows = [(0.9, 1), (0.8, 0), (0.7, 1), (0.6, 0), (0.5, 0), (0.4, 1), (0.3, 1), (0.2, 0)]
    _check(candidate, rows, 0.5, 0.7, 4, "recall 2/4 = 0.5 meets a target of 0.5")


@pytest.mark.points(1)
@pytest.mark.requirement("R3")
def test_precision_tie_goes_to_highest_threshold(candidate):
    """Exact ties in precision go to the highest threshold."""
    # .7: TP 2, FP 1 and .4: TP 4, FP 2 both have precision 2/3
    rows = [(0.9, 1), (0.8, 0), (0.7, 1), (0.6, 0), (0.5, 1), (0.4, 1), (0.3, 0), (0.2, 0)]
    _check(candidate, rows, 0.5, 0.7, 5, "0.7 and 0.4 both have precision 2/3; the tie goes to 0.7")


@pytest.mark.points(1)
@pytest.mark.requirement("R3")
def test_full_recall_target(candidate):
    """A recall target of 1.0 gives the lowest score of any positive row."""
    y, scores = _case([(0.9, 1), (0.8, 0), (0.7, 1), (0.6, 0), (0.5, 1), (0.4, 0), (0.3, 0)], 6)
    got = candidate.choose_threshold(y, scores, 1.0)
    assert got == pytest.approx(0.5), f"expected 0.5 (the lowest-scored positive), got {got}"
