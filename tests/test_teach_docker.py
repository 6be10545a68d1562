"""The diagnosis on a built-in problem through the real sandbox: a known mistake written differently from
its file (an independently written solution) is named, and a correct one is not diagnosed."""

from __future__ import annotations

from pathlib import Path

import pytest

from judge.backends.docker import DockerBackend
from judge.grading import grade
from judge.model.report import Verdict
from judge.model.submission import SolutionText
from judge.problems.catalog import find_problem

pytestmark = pytest.mark.docker

# data-cleaning's reference with imputation by the mean, written as a candidate might (not the
# known_mistakes/mean_imputation.py file itself)
MEAN_FILL = ('    fill = {col: df[col].median() for col in NUMERIC_COLUMNS}',
             '    fill = dict(df[NUMERIC_COLUMNS].mean())')


def test_a_known_mistake_written_differently_is_diagnosed(docker_image: str, judge_home: Path) -> None:
    problem = find_problem("data-cleaning")
    reference = problem.reference_path.read_text()
    assert MEAN_FILL[0] in reference
    report = grade(problem, SolutionText.from_source(reference.replace(*MEAN_FILL)), DockerBackend(image=docker_image))
    assert report.verdict is Verdict.FAILED
    assert [(d.mistake, d.match) for d in report.diagnosis] == [("mean_imputation", 1.0)]
    assert report.requirement_titles["R6"] == "Median and 'unknown' imputation"
    assert "median" in report.diagnosis[0].explanation
