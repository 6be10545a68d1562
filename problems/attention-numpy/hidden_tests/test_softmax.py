"""R1: the numerically stable softmax."""

import math

import numpy as np
import pytest


@pytest.mark.points(2)
@pytest.mark.requirement("R1")
def test_softmax_matches_definition(candidate, close):
    """softmax(x) along the last axis is exp(x) / sum(exp(x)) for ordinary inputs."""
    x = np.random.default_rng(11).normal(size=(3, 4, 5))
    e = np.exp(x)
    close(candidate.softmax(x), e / e.sum(axis=-1, keepdims=True), "softmax(x)")


@pytest.mark.points(1)
@pytest.mark.requirement("R1")
def test_softmax_along_given_axis(candidate, close):
    """softmax(x, axis=0) normalises along axis 0: every column sums to 1."""
    x = np.random.default_rng(12).normal(size=(3, 4))
    e = np.exp(x)
    got = candidate.softmax(x, axis=0)
    close(got, e / e.sum(axis=0, keepdims=True), "softmax(x, axis=0)")


@pytest.mark.points(2)
@pytest.mark.requirement("R1")
def test_softmax_large_inputs_no_overflow(candidate, close):
    """Large finite inputs (1000, 1001, 1002) give the right probabilities, not NaN or inf."""
    x = np.array([[1000.0, 1001.0, 1002.0], [700.0, 0.0, 710.0]])
    z0 = 1 + math.e + math.e**2
    z1 = 1 + math.exp(-710) + math.exp(-10)
    want = np.array([[1 / z0, math.e / z0, math.e**2 / z0], [math.exp(-10) / z1, math.exp(-710) / z1, 1 / z1]])
    close(candidate.softmax(x), want, "softmax of large inputs")


@pytest.mark.points(1)
@pytest.mark.requirement("R1")
def test_softmax_rows_of_very_different_size(candidate, close):
    """Each slice is stabilised on its own: a row near 1000 and a row near -1000 are both exact."""
    x = np.array([[1000.0, 1001.0], [-1000.0, -1001.0]])
    a = 1 / (1 + math.e)
    want = np.array([[a, 1 - a], [1 - a, a]])
    close(candidate.softmax(x), want, "softmax of rows near +1000 and -1000")


@pytest.mark.points(1)
@pytest.mark.requirement("R1")
def test_softmax_minus_infinity_is_zero(candidate, close):
    """-inf entries get probability exactly 0; the finite entries share the rest."""
    x = np.array([[0.0, -np.inf, 0.0], [-np.inf, 2.0, -np.inf]])
    close(candidate.softmax(x), np.array([[0.5, 0.0, 0.5], [0.0, 1.0, 0.0]]), "softmax with -inf", atol=1e-12)


@pytest.mark.points(1)
@pytest.mark.requirement("R1")
def test_softmax_leaves_input_unchanged(candidate, close):
    """softmax returns a new array: the x it was given holds the same values after the call."""
    x = np.random.default_rng(13).normal(size=(2, 3, 4)) * 5
    given = candidate.new(x)  # kept in the candidate's process, so an in-place change shows
    candidate.softmax(given, axis=-1)
    close(candidate.value(given), x, "x after softmax(x)", rtol=0, atol=0)
