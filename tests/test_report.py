"""The report model: scoring, verdict -> status -> exit code, clock lines, serialisation round trip."""

from __future__ import annotations

import pytest

from judge.interfaces.cli.context import EXIT_FAILED, EXIT_JUDGE, EXIT_PASSED, exit_code_for
from judge.model.report import (
    Report,
    Status,
    TestResult,
    Verdict,
    budget_line,
    format_clock,
    requirement_key,
)


def result(name: str, status: Status, points: int = 1, req: str = "R1") -> TestResult:
    message = "boom" if status != Status.PASS else ""
    return TestResult(f"t.py::{name}", name, req, f"checks {name}", points, status, message)


def make(verdict: Verdict, *tests: TestResult, **kw: object) -> Report:
    return Report(problem="p", verdict=verdict, tests=tests, grading_s=1.0, sandbox={"backend": "x"},
                  submission_sha256="abc", **kw)  # type: ignore[arg-type]


def test_score_counts_only_passing_points() -> None:
    rep = make(Verdict.FAILED, result("a", Status.PASS, 3), result("b", Status.FAIL, 2), result("c", Status.ERROR, 5))
    assert (rep.score, rep.max_score, rep.percent) == (3, 10, 30.0)


def test_empty_suite_scores_zero_percent() -> None:
    assert make(Verdict.SANDBOX_ERROR).percent == 0.0


@pytest.mark.parametrize(
    ("verdict", "status", "code"),
    [
        (Verdict.PASSED, Status.PASS, EXIT_PASSED),
        (Verdict.FAILED, Status.FAIL, EXIT_FAILED),
        (Verdict.TIMEOUT, Status.FAIL, EXIT_FAILED),
        (Verdict.MEMORY_LIMIT, Status.FAIL, EXIT_FAILED),
        (Verdict.CRASHED, Status.FAIL, EXIT_FAILED),
        (Verdict.SYNTAX_ERROR, Status.FAIL, EXIT_FAILED),
        (Verdict.SANDBOX_ERROR, Status.ERROR, EXIT_JUDGE),
    ],
)
def test_verdict_status_and_exit_code(verdict: Verdict, status: Status, code: int) -> None:
    rep = make(verdict)
    assert rep.status is status
    assert exit_code_for(rep.status) == code


def test_within_budget_needs_a_clock() -> None:
    rep = make(Verdict.PASSED)
    assert rep.within_budget is None
    assert rep.with_clock("a1", 600, 900).within_budget is True
    assert rep.with_clock("a1", 901, 900).within_budget is False


def test_round_trip_keeps_everything() -> None:
    rep = make(Verdict.FAILED, result("a", Status.PASS, 2), result("b", Status.FAIL), warnings=("w",),
               detail="d").with_clock("id1", 12.5, 60)
    data = rep.to_dict()
    assert Report.from_dict(data).to_dict() == data
    for key in ("schema_version", "problem", "attempt_id", "status", "verdict", "score", "max_score", "percent",
                "elapsed_s", "budget_s", "within_budget", "grading_s", "tests", "warnings", "sandbox",
                "submission_sha256"):
        assert key in data
    assert set(data["tests"][0]) >= {"id", "name", "requirement", "description", "points", "status", "message",
                                     "duration_s"}


def test_by_requirement_sorts_numerically() -> None:
    rep = make(Verdict.FAILED, result("a", Status.PASS, 1, "R10"), result("b", Status.FAIL, 2, "R2"),
               result("c", Status.PASS, 2, "R2"))
    assert rep.by_requirement() == [("R2", 1, 2, 2, 4), ("R10", 1, 1, 1, 1)]
    assert requirement_key("R2") < requirement_key("R10")


def test_clock_lines() -> None:
    assert format_clock(760) == "12:40"
    assert format_clock(3725) == "1:02:05"
    assert budget_line(760, 1200) == "12:40 of 20:00, within budget"
    assert budget_line(1385, 1200) == "23:05 of 20:00, over by 3:05"
