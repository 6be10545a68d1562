"""Remote attempts, the server's side: the workspace a candidate downloads, the clock, public test runs,
submissions (stored before they are graded), what a candidate may see of a report, and the results.

The server's clock is the only one: an attempt starts when its invitation code is redeemed, a
submission's elapsed time is its arrival minus that start, and a submission after the window is graded
and marked late, or refused, as the invitation says. Pure rules over a database session; the clock is
passed in. Grading itself is ``judge.services.server_grading``.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from judge.grading.integrity import SubmissionError, decode_source
from judge.model.limits import Limits
from judge.model.names import printable
from judge.model.outcomes import VERDICT_TEXT, Verdict
from judge.model.report import Report
from judge.model.submission import SOLUTION
from judge.problems.catalog import Problem
from judge.services.attempts import ClockView, create_workspace, iso
from judge.services.secrecy import Secrets
from judge.store.db import Attempt, Interviewer, Invitation, Submission, TestRun

PUBLIC_PROBLEMS = ".judge"  # inside the workspace, .judge/<slug>: what `judge test` runs the public examples from
POINTER = ".judge-attempt"  # inside the workspace: the server's URL and the session token (the CLI's remote mode)
MAX_MESSAGE = 2000
PENDING, GRADED, JUDGE_ERROR = "pending", "graded", "judge-error"


class SubmissionRefused(ValueError):
    """A submission the server will not take; the message says why and what to do."""


class EmptySubmission(SubmissionRefused):
    """An upload with no code in it: bad input (422), not a conflict; the attempt stays open."""


# -- the workspace -----------------------------------------------------------------------------------


def _limits_toml(limits: Limits) -> str:
    return (f"[limits]\nmemory = {limits.memory_bytes}\ntimeout_s = {limits.timeout_s}\n"
            f"test_timeout_s = {limits.test_timeout_s}\ncpus = {limits.cpus}\npids = {limits.pids}\n")


def write_public_problem(problem: Problem, target: Path) -> None:
    """A problem folder holding only what the candidate may have: a generated problem.toml, the statement,
    the starter and the public tests (the hidden test folder exists, empty)."""
    target.mkdir(parents=True)
    meta = (f"slug = {json.dumps(problem.slug)}\ntitle = {json.dumps(problem.title)}\n"
            f"budget_minutes = {problem.budget_minutes}\ndifficulty = {json.dumps(problem.difficulty)}\n"
            f"summary = {json.dumps(problem.summary)}\n\n" + _limits_toml(problem.limits))
    (target / "problem.toml").write_text(meta, encoding="utf-8")
    (target / "statement.md").write_text(problem.statement(), encoding="utf-8")
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(problem.starter_dir, target / "starter", ignore=ignore)
    if problem.public_tests_dir.is_dir():
        shutil.copytree(problem.public_tests_dir, target / "public_tests", ignore=ignore)
    if problem.doubles_path.is_file():
        shutil.copyfile(problem.doubles_path, target / "doubles.py")
    (target / "hidden_tests").mkdir()


def workspace_archive(problem: Problem, private: dict[str, str] | None = None) -> bytes:
    """The candidate's workspace as a gzipped tar: the same folder `judge start` makes locally (statement,
    starter, data, public tests) plus the public problem folder `judge test` runs from. ``private`` files
    (name: text, e.g. the session pointer of an attempt started in the browser) are added with mode 0600."""
    with tempfile.TemporaryDirectory(prefix="judge-ws-") as scratch:
        root = Path(scratch) / problem.slug
        create_workspace(problem, root, force=False)
        write_public_problem(problem, root / PUBLIC_PROBLEMS / problem.slug)
        for name, text in (private or {}).items():
            (root / name).write_text(text, encoding="utf-8")
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
            for path in sorted(root.rglob("*")):
                info = tar.gettarinfo(str(path), arcname=path.relative_to(root).as_posix())
                info.uid = info.gid = 0
                info.uname = info.gname = ""
                info.mtime = 0
                info.mode = 0o755 if path.is_dir() else (0o600 if path.name in (private or {}) else 0o644)
                if path.is_file():
                    with path.open("rb") as handle:
                        tar.addfile(info, handle)
                else:
                    tar.addfile(info)
        return buffer.getvalue()


# -- the clock and the attempt -----------------------------------------------------------------------


def clock(attempt: Attempt, now: float) -> ClockView:
    """The attempt's clock at ``now``; stopped at the graded submission once there is one."""
    end = now
    graded = latest(attempt, GRADED)
    if attempt.status == "submitted" and graded is not None:
        end = graded.received_at
    return ClockView(max(0.0, end - attempt.started_at), attempt.budget_s)


def latest(attempt: Attempt, state: str | None = None) -> Submission | None:
    """The attempt's newest submission (in ``state``, if given)."""
    found = [s for s in attempt.submissions if state is None or s.state == state]
    return found[-1] if found else None


def attempt_status(attempt: Attempt, problem_title: str, now: float) -> dict[str, Any]:
    """What the candidate (and the interviewer) see of an attempt's state: the server's clock."""
    view = clock(attempt, now)
    invitation = attempt.invitation
    last_run = attempt.test_runs[-1] if attempt.test_runs else None
    last = latest(attempt)
    return {
        "attempt_id": attempt.id,
        "problem": invitation.problem,
        "title": problem_title,
        "candidate": invitation.candidate_name,
        "status": attempt.status,
        "started_at": attempt.started_at,
        "started_iso": iso(attempt.started_at),
        "deadline": attempt.started_at + attempt.budget_s,
        "deadline_iso": iso(attempt.started_at + attempt.budget_s),
        "server_time": now,
        "elapsed_s": round(view.elapsed_s, 1),
        "budget_s": view.budget_s,
        "remaining_s": round(view.remaining_s, 1),
        "over": view.over,
        "feedback": invitation.feedback,
        "late_policy": invitation.late_policy,
        "test_runs": len(attempt.test_runs),
        "last_test_run": None if last_run is None else {"passed": last_run.passed, "total": last_run.total,
                                                         "verdict": last_run.verdict, "at": last_run.at},
        "submission": None if last is None else {"id": last.id, "state": last.state, "late": last.late},
    }


def record_test_run(session: Session, attempt: Attempt, passed: int, total: int, verdict: str, now: float) -> None:
    """Add a `judge test` run the candidate's CLI reported to the attempt's timeline."""
    if not (0 <= passed <= total <= 10_000) or verdict not in {v.value for v in Verdict}:
        raise SubmissionRefused("a test run is passed <= total and a known verdict")
    session.add(TestRun(attempt_id=attempt.id, at=now, passed=passed, total=total, verdict=verdict))


def store_submission(session: Session, attempt: Attempt, raw: bytes, now: float) -> Submission:
    """Check and store an upload as a pending submission (graded afterwards). Raises ``SubmissionRefused``."""
    if attempt.status == "submitted":
        raise SubmissionRefused("this attempt was already submitted and graded; see the result with `judge status`")
    if any(s.state == PENDING for s in attempt.submissions):
        raise SubmissionRefused("your previous submission is still being graded; wait for its result")
    try:
        source = decode_source(raw)
    except SubmissionError as exc:
        raise SubmissionRefused(str(exc)) from exc
    if not source.lstrip("\ufeff").strip():
        raise EmptySubmission("the upload is empty (or only whitespace): send your solution.py; the attempt is "
                              "still open")
    elapsed = now - attempt.started_at
    late = elapsed > attempt.budget_s
    if late and attempt.invitation.late_policy == "refuse":
        raise SubmissionRefused(f"the window closed at {iso(attempt.started_at + attempt.budget_s)} (UTC); "
                                "this invitation takes no late submissions")
    submission = Submission(attempt_id=attempt.id, received_at=now, elapsed_s=elapsed, late=late, source=source,
                            sha256=hashlib.sha256(source.encode("utf-8")).hexdigest(), state=PENDING)
    session.add(submission)
    session.flush()
    return submission


# -- what a candidate sees ---------------------------------------------------------------------------


def _cut(text: str, limit: int = MAX_MESSAGE) -> str:
    return text if len(text) <= limit else text[:limit] + "\n... (cut)"


def candidate_report(report: Report, feedback: str, late: bool, secrets: Secrets) -> dict[str, Any]:
    """The report as a candidate may see it: never a test's name or id, nor its captured output; free text
    redacted (``judge.services.secrecy``); with feedback "score", numbers and the requirement summary only."""
    view: dict[str, Any] = {
        "problem": report.problem, "title": report.title, "verdict": report.verdict.value,
        "verdict_text": VERDICT_TEXT[report.verdict], "score": report.score, "max_score": report.max_score,
        "percent": report.percent, "elapsed_s": None if report.elapsed_s is None else round(report.elapsed_s, 1),
        "budget_s": report.budget_s, "late": late, "feedback": feedback,
        "requirements": [{"requirement": req, "tests_passed": passed, "tests": total, "earned": earned,
                          "points": points} for req, passed, total, earned, points in report.by_requirement()],
    }
    if feedback == "full":
        view["detail"] = _cut(secrets.redact(report.detail))
        view["warnings"] = [_cut(secrets.redact(w)) for w in report.warnings]
        view["tests"] = [{"requirement": t.requirement, "description": t.description, "points": t.points,
                          "earned": t.earned, "status": t.status.value, "message": _cut(secrets.redact(t.message))}
                         for t in report.tests]
    return view


def submission_for_candidate(submission: Submission, secrets: Secrets) -> dict[str, Any]:
    """A submission's state, and its report as the invitation's feedback level allows."""
    view: dict[str, Any] = {"id": submission.id, "state": submission.state, "late": submission.late,
                            "elapsed_s": round(submission.elapsed_s, 1), "received_at": submission.received_at}
    if submission.state == PENDING:
        view["note"] = ("stored; being graded" if not submission.error else
                        "stored; the judge could not grade it yet and will when it is fixed (its time is kept)")
    if submission.state == JUDGE_ERROR:
        view["note"] = ("the judge could not grade this submission (not your fault); your attempt is still "
                        "open: submit again")
    if submission.state == GRADED and submission.report_json:
        report = Report.from_dict(json.loads(submission.report_json))
        view["report"] = candidate_report(report, submission.attempt.invitation.feedback, submission.late, secrets)
    return view


# -- what an interviewer sees ------------------------------------------------------------------------


@dataclass(frozen=True)
class ResultRow:
    """One attempt of one of the interviewer's invitations, as `judge results` lists it."""

    candidate: str
    problem: str
    invitation_id: str
    attempt_id: str
    status: str
    state: str
    score: int | None
    max_score: int | None
    percent: float | None
    verdict: str | None
    elapsed_s: float | None
    budget_s: float
    late: bool | None
    started_at: float
    submitted_at: float | None
    submission_id: int | None
    test_runs: int

    def to_dict(self) -> dict[str, Any]:
        """Plain data (JSON and CSV)."""
        return dict(self.__dict__)


RESULT_COLUMNS = ("candidate", "problem", "score", "max_score", "percent", "elapsed_s", "budget_s", "late",
                  "verdict", "state", "attempt_id", "invitation_id", "started_at", "submitted_at", "test_runs")


def results_csv(rows: list[dict[str, Any]]) -> str:
    """Result rows as CSV (`judge results --format csv` and the dashboard's export). Control characters in
    text (a candidate's name) are escaped, and a text cell that a spreadsheet would run as a formula (a
    candidate named ``=HYPERLINK(...)``) gets a leading apostrophe."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(RESULT_COLUMNS), extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        shown = {key: printable(value) if isinstance(value, str) else value for key, value in row.items()}
        writer.writerow({key: "'" + value if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r")
                         else value for key, value in shown.items()})
    return buffer.getvalue()


def results(session: Session, interviewer: Interviewer, problem: str | None, now: float) -> list[ResultRow]:
    """Every started attempt of the interviewer's invitations, newest first, with its latest submission."""
    query = (select(Attempt).join(Invitation).where(Invitation.interviewer_id == interviewer.id)
             .order_by(Attempt.started_at.desc(), Attempt.id))
    if problem:
        query = query.where(Invitation.problem == problem)
    rows = []
    for attempt in session.scalars(query):
        sub = latest(attempt, GRADED) or latest(attempt)
        graded = sub is not None and sub.state == GRADED
        rows.append(ResultRow(
            candidate=attempt.invitation.candidate_name, problem=attempt.invitation.problem,
            invitation_id=attempt.invitation_id, attempt_id=attempt.id, status=attempt.status,
            state="not-submitted" if sub is None else sub.state,
            score=sub.score if graded and sub else None, max_score=sub.max_score if graded and sub else None,
            percent=sub.percent if graded and sub else None, verdict=sub.verdict if sub else None,
            elapsed_s=round(sub.elapsed_s, 1) if sub else round(clock(attempt, now).elapsed_s, 1),
            budget_s=attempt.budget_s, late=sub.late if sub else None, started_at=attempt.started_at,
            submitted_at=sub.received_at if sub else None, submission_id=sub.id if sub else None,
            test_runs=len(attempt.test_runs)))
    return rows


def interviewer_attempt(session: Session, interviewer: Interviewer, attempt_id: str) -> Attempt:
    """One attempt of the interviewer's own invitations; anything else is unknown."""
    attempt = session.get(Attempt, attempt_id)
    if attempt is None or attempt.invitation.interviewer_id != interviewer.id:
        raise SubmissionRefused(f"no attempt {attempt_id!r} among your invitations (see `judge results`)")
    return attempt


def full_record(attempt: Attempt) -> dict[str, Any]:
    """Everything about one attempt for its interviewer: the timeline, every submission with its full report
    and source."""
    return {
        "attempt_id": attempt.id, "invitation_id": attempt.invitation_id,
        "candidate": attempt.invitation.candidate_name, "problem": attempt.invitation.problem,
        "started_at": attempt.started_at, "budget_s": attempt.budget_s, "status": attempt.status,
        # What the candidate's own CLI said about a run on their machine; the server saw none of it.
        "test_runs": [{"at": r.at, "passed": r.passed, "total": r.total, "verdict": r.verdict,
                       "reported_by": "candidate"} for r in attempt.test_runs],
        "submissions": [{"id": s.id, "received_at": s.received_at, "elapsed_s": s.elapsed_s, "late": s.late,
                         "state": s.state, "sha256": s.sha256, "error": s.error, SOLUTION: s.source,
                         "report": json.loads(s.report_json) if s.report_json else None}
                        for s in attempt.submissions],
    }
