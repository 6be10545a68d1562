"""The judge's one outcome vocabulary: every "how did it go" word, for tests, runs, batch rows and checks.

Plain enums, no I/O. Exit codes are not here: the command line maps outcomes to them
(``judge.interfaces.cli.context.exit_code_for``), since an exit code is a fact of the process, not of a result.
Where an attempt or a server submission stands is ``judge.model.states``.
"""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    """How something came out.

    A test, a run and a batch row are ``pass``, ``fail`` or ``error`` (the judge's own failure, never
    the candidate's); a check of ``judge doctor`` or ``judge problem validate`` may also be ``skip`` (did
    not apply); a batch row the run never reached is ``pending``.
    """

    PASS = "pass"
    FAIL = "fail"
    ERROR = "error"
    SKIP = "skip"
    PENDING = "pending"


class Verdict(StrEnum):
    """Why a run ended the way it did."""

    PASSED = "passed"
    FAILED = "failed"
    SYNTAX_ERROR = "syntax-error"
    IMPORT_ERROR = "import-error"
    TIMEOUT = "timeout"
    MEMORY_LIMIT = "memory-limit"
    CRASHED = "crashed"
    OUTPUT_LIMIT = "output-limit"
    SANDBOX_ERROR = "sandbox-error"

    @property
    def status(self) -> Status:
        """The run status this verdict implies: only the judge's own failure is an error."""
        if self is Verdict.PASSED:
            return Status.PASS
        if self is Verdict.SANDBOX_ERROR:
            return Status.ERROR
        return Status.FAIL


VERDICT_TEXT = {
    Verdict.PASSED: "every test passed",
    Verdict.FAILED: "some tests failed",
    Verdict.SYNTAX_ERROR: "solution.py has a syntax error",
    Verdict.IMPORT_ERROR: "solution.py could not be imported, or lacks a function the tests call",
    Verdict.TIMEOUT: "the time limit was reached",
    Verdict.MEMORY_LIMIT: "the memory limit was reached",
    Verdict.CRASHED: "the test process ended before reporting every result",
    Verdict.OUTPUT_LIMIT: "the output or file-size limit was reached",
    Verdict.SANDBOX_ERROR: "the judge could not grade this submission (not the candidate's fault)",
}


class RowState(StrEnum):
    """How a batch row came to be. Only ``graded`` and ``reused`` rows carry a report."""

    GRADED = "graded"
    REUSED = "reused"
    UNREADABLE = "unreadable"
    MISSING = "missing"
    NOT_GRADED = "not-graded"
    JUDGE_ERROR = "judge-error"


class MutantStatus(StrEnum):
    """What the hidden suite made of one mutant of the reference."""

    KILLED = "killed"
    SURVIVED = "survived"
    EQUIVALENT = "equivalent"  # survived, and the author says no input can tell it apart
    ERROR = "error"


class BatchOutcome(StrEnum):
    """How a whole batch ended (``summary.json``'s ``outcome``)."""

    PASSED = "passed"  # every submission passed
    FAILED = "failed"  # graded, not every submission passed
    JUDGE_ERROR = "judge-error"  # stopped by an infrastructure failure, or some submission was a sandbox error
    INTERRUPTED = "interrupted"


def help_text(hints: int | None, passed: bool, model_answer_seen: bool = False) -> str:
    """"solved unaided", "solved with 2 hints", "1 hint taken", "no hints taken"; "" when unknown. With
    ``model_answer_seen`` (the model answer was read before the attempt began) it says so first: such a
    solve is never "unaided"."""
    if hints is None:
        return "after reading the model answer" if model_answer_seen else ""
    if model_answer_seen:
        taken = "" if hints == 0 else f", {hints} hint{'s' if hints != 1 else ''} taken"
        return ("solved" if passed else "attempted") + " after reading the model answer" + taken
    if passed:
        return "solved unaided" if hints == 0 else f"solved with {hints} hint{'s' if hints != 1 else ''}"
    return "no hints taken" if hints == 0 else f"{hints} hint{'s' if hints != 1 else ''} taken"
