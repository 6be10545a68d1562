"""What `judge submit` checks before it spends the attempt: everything that can be known without the hidden
tests. A submission that cannot be graded meaningfully (empty, the untouched starter, does not compile,
fails when imported) is refused and the attempt stays open; the public examples' results are what the
confirmation screen shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from judge.grading.integrity import check_syntax
from judge.model.outcomes import Verdict
from judge.model.report import Report, Status
from judge.model.submission import SolutionText
from judge.problems.catalog import Problem
from judge.problems.workspace_text import is_empty, is_untouched_starter

if TYPE_CHECKING:
    from judge.execution import Executor


@dataclass(frozen=True)
class Precheck:
    """The verdict of the pre-checks: ``refusal`` says why submitting now would waste the attempt ("" when
    it would not); ``public`` is the public examples' run (None when it did not run); ``judge_error`` is set
    when the sandbox itself failed (the judge's fault, not the candidate's)."""

    refusal: str = ""
    public: Report | None = None
    judge_error: str = ""

    @property
    def public_line(self) -> str:
        """``7/9 pass`` (of the public examples), or what stopped them."""
        report = self.public
        if report is None:
            return "not run (the problem has none)"
        passed = sum(t.status is Status.PASS for t in report.tests)
        line = f"{passed}/{len(report.tests)} pass"
        if report.verdict not in (Verdict.PASSED, Verdict.FAILED):
            line += f" ({report.verdict.value})"
        return line


def static_refusal(problem: Problem, submission: SolutionText) -> str:
    """Why the submission cannot be graded, from its text alone; "" when nothing is wrong with it."""
    source = submission.source
    if not source.strip() or is_empty(source):
        return "solution.py is empty: there is nothing to grade yet."
    if is_untouched_starter(source, problem):
        return "solution.py is still the untouched starter: nothing of yours would be graded."
    syntax = check_syntax(source)
    if syntax is not None:
        return f"solution.py does not compile: {syntax.describe()}"
    return ""


def precheck(problem: Problem, submission: SolutionText, executor: Executor) -> Precheck:
    """Run the pre-checks: the static ones, then the public examples in the sandbox (when the problem has any).

    Raises ``SandboxUnavailable`` when no sandbox can start (the attempt then stays open, as for a submit).
    """
    refusal = static_refusal(problem, submission)
    if refusal:
        return Precheck(refusal)
    if not problem.public_tests_dir.is_dir() or not any(problem.public_tests_dir.glob("test_*.py")):
        return Precheck()
    report = executor.grade_one(problem, submission, suite="public")
    if report.verdict is Verdict.SANDBOX_ERROR:
        return Precheck(public=report, judge_error=report.detail or "the sandbox failed")
    if report.verdict is Verdict.IMPORT_ERROR:
        return Precheck("solution.py cannot be used by the tests:\n" + report.detail, report)
    return Precheck(public=report)
