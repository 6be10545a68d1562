"""A candidate's uploads on the server: an upload stored as a submission and queued for grading, the public
examples run on one in the server's sandbox, and the pre-checks from the text alone that both share.

`judge submit`, the candidate page's upload form and its editor's Submit all store through
``accept_submission``; `judge test` without Docker and the editor's Run public examples go through
``run_public_examples``. Refusals are typed (``judge.services.errors``); the server maps them to statuses.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from judge.backends import SandboxUnavailable
from judge.execution.executor import Task
from judge.grading.integrity import SubmissionError, decode_source
from judge.model.outcomes import Verdict
from judge.model.parsing import PARSE_LOCK
from judge.model.report import Report, Status
from judge.model.states import AttemptState
from judge.model.submission import SolutionText
from judge.problems.catalog import Problem, ProblemError
from judge.services import interviews
from judge.services.errors import AccessDenied, Conflict, Invalid, Unavailable
from judge.services.precheck import static_refusal
from judge.services.secrecy import Secrets
from judge.services.server_grading import SubmissionGrader
from judge.store.db import Database

NOT_INSTALLED = "this attempt's problem is no longer installed on the server"


class InterviewServer(Protocol):
    """What these services need of the server (``judge.interfaces.server.state.ServerState`` is one)."""

    @property
    def db(self) -> Database:
        """The server's database."""
        ...

    @property
    def grader(self) -> SubmissionGrader:
        """The background grader (its executor runs the public examples too)."""
        ...

    @property
    def clock(self) -> Callable[[], float]:
        """The server's clock."""
        ...

    def problem(self, slug: str) -> Problem:
        """A problem the server offers; ``ProblemError`` when unknown."""
        ...

    def secrets(self, slug: str) -> Secrets:
        """The problem's secret lines and names, for redaction."""
        ...


def read_upload(raw: bytes) -> SolutionText:
    """An uploaded solution.py as text; ``Invalid`` when it is not readable as one (size, encoding)."""
    try:
        return SolutionText.from_source(decode_source(raw))
    except SubmissionError as exc:
        raise Invalid(str(exc)) from None


def _static_refusal(problem: Problem, submission: SolutionText) -> str:
    with PARSE_LOCK:  # it parses solution.py (and the starter) in a request thread, beside the grader's parses
        return static_refusal(problem, submission)


def _slug(server: InterviewServer, attempt_id: str) -> str:
    with server.db.session() as session:
        return interviews.candidate_attempt(session, attempt_id).invitation.problem


def upload_refusal(server: InterviewServer, attempt_id: str, raw: bytes) -> str:
    """Why an upload cannot be graded meaningfully, from its text alone (empty, the untouched starter, does
    not compile: the pre-checks `judge submit` runs before it spends the attempt); "" when nothing is wrong,
    or when this cannot tell (an unreadable file is refused by ``accept_submission`` itself)."""
    try:
        submission = read_upload(raw)
        problem = server.problem(_slug(server, attempt_id))
    except (Invalid, ProblemError, AccessDenied):
        return ""
    return _static_refusal(problem, submission)


def accept_submission(server: InterviewServer, attempt_id: str, raw: bytes) -> dict[str, Any]:
    """Store an upload as a pending submission of the attempt, then queue it for grading; its state as the
    candidate sees it. ``SubmissionRefused`` (a conflict) or ``EmptySubmission`` (bad input) otherwise."""
    with server.db.session() as session:
        attempt = interviews.candidate_attempt(session, attempt_id)
        submission = interviews.store_submission(session, attempt, raw, server.clock())
        submission_id = submission.id
        view = {"id": submission_id, "state": submission.state, "late": submission.late,
                "elapsed_s": round(submission.elapsed_s, 1)}
    server.grader.enqueue(submission_id)  # after the commit: the row exists before any grading starts
    return view


def run_public_examples(server: InterviewServer, attempt_id: str, raw: bytes) -> dict[str, Any]:
    """The pre-checks `judge submit` runs (not empty, not the starter, compiles, imports) and the public
    examples, in the server's sandbox; recorded on the attempt's timeline. Nothing is stored or graded."""
    with server.db.session() as session:
        attempt = interviews.candidate_attempt(session, attempt_id)
        if attempt.status == AttemptState.SUBMITTED:
            raise Conflict("this attempt was already submitted and graded; see the result with `judge status`")
        if attempt.status != AttemptState.OPEN:
            raise Conflict(f"this attempt is {attempt.status}: there is nothing left to check")
        slug = attempt.invitation.problem
    submission = read_upload(raw)
    try:
        problem = server.problem(slug)
    except ProblemError:
        raise Unavailable(NOT_INSTALLED) from None
    refusal = _static_refusal(problem, submission)
    report: Report | None = None
    if not refusal:
        try:
            report = server.grader.executor.grade(Task(key=f"public-{attempt_id}", problem=problem,
                                                       submission=submission, suite="public"))
        except SandboxUnavailable as exc:
            raise Unavailable(f"the server cannot run the examples right now ({exc}); your attempt and its "
                              "clock are unchanged") from None
        if report.verdict is Verdict.SANDBOX_ERROR:
            raise Unavailable("the server's sandbox failed running the examples; try again")
        if report.verdict is Verdict.IMPORT_ERROR:
            refusal = "solution.py cannot be used by the tests:\n" + (report.detail or "it fails to import")
    if report is not None:
        with server.db.session() as session:
            interviews.record_test_run(session, interviews.candidate_attempt(session, attempt_id),
                                       sum(t.status is Status.PASS for t in report.tests), len(report.tests),
                                       report.verdict.value, server.clock(), observed_by="server")
    return interviews.public_run_view(refusal, report, server.secrets(slug))
