"""Remote attempts, the server's side: the workspace a candidate downloads, the clock, public test runs,
submissions (stored before they are graded), what a candidate may see of a report, and the results.

The server's clock is the only one: an attempt starts when its invitation code is redeemed, a
submission's elapsed time is its arrival minus that start, and a submission after the window is graded
and marked late, or refused, as the invitation says. Pure rules over a database session; the clock is
passed in. Grading itself is ``judge.services.server_grading``.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import shutil
import tarfile
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from judge.grading.integrity import SubmissionError, decode_source
from judge.model.candidate_report import CandidateReport, CandidateTest, RequirementResult
from judge.model.clock import ClockView
from judge.model.limits import Limits
from judge.model.names import printable
from judge.model.outcomes import VERDICT_TEXT, Verdict
from judge.model.report import Report
from judge.model.states import AttemptState, SubmissionState
from judge.model.submission import SOLUTION
from judge.model.workspace import PUBLIC_PROBLEMS
from judge.problems.catalog import Problem
from judge.problems.workspace_text import STATEMENT_NAME, for_workspace, minutes_text, with_window
from judge.render.facts import iso_text, utc_text
from judge.services.attempts import create_workspace, quoted_header
from judge.services.errors import AccessDenied, Conflict, Invalid, NotFound
from judge.services.secrecy import Secrets
from judge.store.db import Attempt, Draft, Interviewer, InterviewSubmission, Invitation, TestRun

MAX_MESSAGE = 2000
BUSY = "your previous submission is still being graded; wait for its result"


class SubmissionRefused(Conflict):
    """A submission (or a draft) the attempt will not take now; the message says why and what to do."""


class EmptySubmission(Invalid):
    """An upload with no code in it: bad input, not a conflict; the attempt stays open."""


class UnreadableSubmission(Invalid):
    """An upload that is not a solution.py the judge can read (not UTF-8 text, a zip, too large): bad input,
    as the same bytes are for a draft or a run of the public examples; the attempt stays open."""


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


def problem_version(problem: Problem) -> str:
    """A fingerprint of every file the public workspace is made from (names, sizes, modification times):
    it changes when the problem folder is edited, so a cached archive is never stale. Stat calls only."""
    digest = hashlib.sha256(problem.slug.encode())
    roots = [problem.root / "problem.toml", problem.statement_path, problem.starter_dir, problem.public_tests_dir,
             problem.doubles_path]
    for root in roots:
        paths = sorted(root.rglob("*")) if root.is_dir() else [root] if root.is_file() else []
        for path in paths:
            if path.is_file() and "__pycache__" not in path.parts:
                info = path.stat()
                digest.update(f"{path.relative_to(problem.root)}\0{info.st_size}\0{info.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def _tar_member(tar: tarfile.TarFile, name: str, data: bytes | None, mode: int) -> None:
    info = tarfile.TarInfo(name)
    info.mode, info.mtime = mode, 0
    if data is None:
        info.type = tarfile.DIRTYPE
        tar.addfile(info)
    else:
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))


def _public_part(problem: Problem) -> bytes:
    """The workspace every candidate of the problem gets (everything but README.md), as one gzip member
    holding a tar stream *without* its end-of-archive blocks: an attempt's own part follows it."""
    with tempfile.TemporaryDirectory(prefix="judge-ws-") as scratch:
        root = Path(scratch) / problem.slug
        create_workspace(problem, root, force=False)
        write_public_problem(problem, root / PUBLIC_PROBLEMS / problem.slug)
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
            for path in sorted(root.rglob("*")):
                name = path.relative_to(root).as_posix()
                if name == STATEMENT_NAME:
                    continue
                _tar_member(tar, name, path.read_bytes() if path.is_file() else None,
                            0o644 if path.is_file() else 0o755)
            end = tar.offset  # what follows is the end-of-archive padding, which the attempt's part brings
        return gzip.compress(buffer.getvalue()[:end], mtime=0)


def _attempt_part(readme: str, private: dict[str, str]) -> bytes:
    """One attempt's own files (README.md with its window, the session pointer of a browser download), as
    a complete tar stream in its own gzip member."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        _tar_member(tar, STATEMENT_NAME, readme.encode("utf-8"), 0o644)
        for name, text in private.items():
            _tar_member(tar, name, text.encode("utf-8"), 0o600)
    return gzip.compress(buffer.getvalue(), mtime=0)


class WorkspaceArchives:
    """The candidate's workspace as a .tar.gz: the same folder `judge start` makes locally (data, starter,
    public tests) plus the public problem folder `judge test` runs from, then the attempt's README.md (its
    window and deadline) and any ``private`` files (name: text, e.g. a browser download's session pointer,
    mode 0600).

    The shared part is built and gzipped once per problem version (``problem_version``) and reused by every
    `POST /start` and download; only the attempt's few kilobytes are compressed per request. The two parts
    are two gzip members of one file, which gzip, tar and Python read as one archive (RFC 1952)."""

    def __init__(self) -> None:
        self._built: dict[str, tuple[str, bytes]] = {}  # slug -> (version, public part)
        self._lock = threading.Lock()
        self.builds = 0  # how many times a public part was built (the tests read it)

    def public_part(self, problem: Problem) -> bytes:
        """The problem's shared part, built on first use and whenever the problem's files change."""
        version = problem_version(problem)
        with self._lock:  # one build per version, even when forty candidates arrive together
            cached = self._built.get(problem.slug)
            if cached is None or cached[0] != version:
                cached = (version, _public_part(problem))
                self._built[problem.slug] = cached
                self.builds += 1
            return cached[1]

    def archive(self, problem: Problem, readme: str, private: dict[str, str] | None = None) -> bytes:
        """The whole workspace of one attempt."""
        return self.public_part(problem) + _attempt_part(readme, private or {})


# -- the clock and the attempt -----------------------------------------------------------------------


def clock(attempt: Attempt, now: float) -> ClockView:
    """The attempt's clock at ``now``; stopped at the graded submission once there is one."""
    end = now
    graded = latest(attempt, SubmissionState.GRADED)
    if attempt.status == AttemptState.SUBMITTED and graded is not None:
        end = graded.received_at
    return ClockView(max(0.0, end - attempt.started_at), attempt.budget_s)


def latest(attempt: Attempt, state: SubmissionState | None = None) -> InterviewSubmission | None:
    """The attempt's newest submission (in ``state``, if given)."""
    found = [s for s in attempt.submissions if state is None or s.state == state]
    return found[-1] if found else None


def candidate_attempt(session: Session, attempt_id: str) -> Attempt:
    """The attempt a valid candidate session opens; ``AccessDenied`` when it is gone (deleted under a valid
    token: as unknown as anything else)."""
    found: Attempt | None = session.get(Attempt, attempt_id)
    if found is None:
        raise AccessDenied("unknown session token")
    return found


def after_deadline(late_policy: str) -> str:
    """What a submission after the window means, in the candidate's words: one sentence for the README,
    the candidate page, `judge start` and `judge status`."""
    if late_policy == "refuse":
        return "after it, submissions are refused (this invitation takes no late submissions)"
    return "after it, a submission is still graded, and marked late for your interviewer"


def interview_statement(problem: Problem, attempt: Attempt) -> str:
    """The statement as this attempt's candidate reads it: its budget sentence says the invitation's window."""
    return with_window(problem.statement(), problem.budget_minutes, attempt.budget_s)


def interview_readme(problem: Problem, attempt: Attempt) -> str:
    """The workspace's README.md for one attempt: a header with the window, the deadline and what happens
    after it, then the statement (its budget sentence rewritten to the window)."""
    invitation, deadline = attempt.invitation, attempt.started_at + attempt.budget_s
    window = f"**Your window: {minutes_text(attempt.budget_s)}**"
    if round(attempt.budget_s) != round(problem.budget_s):
        window += f" (your invitation's; the problem's usual budget is {minutes_text(problem.budget_s)})"
    data = [p.relative_to(problem.starter_dir).as_posix() for p in problem.data_files()]
    files = ["`solution.py` (your code: the only file graded)", *(f"`{name}`" for name in data),
             "`tests/` (the public examples)"]
    paragraphs = [
        f"**Interview: attempt {attempt.id}** for {printable(invitation.candidate_name)}, on the server's clock "
        "(`judge status` shows the time left).",
        f"{window}: started {utc_text(attempt.started_at)}, **deadline {utc_text(deadline)}**; "
        f"{after_deadline(invitation.late_policy)}.",
        "`judge test` runs the public examples; `judge submit` checks solution.py, asks, and uploads it: the "
        "server grades it against the hidden tests, and your first graded submission is final.",
        f"In this folder: {', '.join(files)}."]
    return quoted_header(paragraphs) + for_workspace(interview_statement(problem, attempt), problem)


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
        "started_iso": iso_text(attempt.started_at),
        "deadline": attempt.started_at + attempt.budget_s,
        "deadline_iso": iso_text(attempt.started_at + attempt.budget_s),
        "server_time": now,
        "elapsed_s": round(view.elapsed_s, 1),
        "budget_s": view.budget_s,
        "remaining_s": round(view.remaining_s, 1),
        "over": view.over,
        "feedback": invitation.feedback,
        "late_policy": invitation.late_policy,
        "window_text": minutes_text(attempt.budget_s),
        "deadline_text": utc_text(attempt.started_at + attempt.budget_s),
        "after_deadline": after_deadline(invitation.late_policy),
        "test_runs": len(attempt.test_runs),
        "last_test_run": None if last_run is None else {"passed": last_run.passed, "total": last_run.total,
                                                         "verdict": last_run.verdict, "at": last_run.at},
        "submission": None if last is None else {"id": last.id, "state": last.state, "late": last.late},
    }


def record_test_run(session: Session, attempt: Attempt, passed: int, total: int, verdict: str, now: float,
                    observed_by: str = "candidate") -> None:
    """Add a run of the public examples to the attempt's timeline: one the candidate's CLI reported
    (``observed_by`` "candidate"), or one the server ran in its own sandbox ("server")."""
    if not (0 <= passed <= total <= 10_000) or verdict not in {v.value for v in Verdict}:
        raise Invalid("a test run is passed <= total and a known verdict")
    session.add(TestRun(attempt_id=attempt.id, at=now, passed=passed, total=total, verdict=verdict,
                        observed_by=observed_by))


def save_draft(session: Session, attempt: Attempt, source: str, now: float) -> Draft:
    """Keep what the candidate typed in the browser's editor (the latest only; nothing is graded). Refused
    once the attempt is submitted; ``source`` comes through ``decode_source``, bounded like an upload."""
    if attempt.status != AttemptState.OPEN:
        raise SubmissionRefused(f"this attempt is {attempt.status}: drafts are no longer saved")
    draft = attempt.draft
    if draft is None:
        draft = Draft(attempt_id=attempt.id, source=source, saved_at=now, saves=1)
        session.add(draft)
    else:
        draft.source, draft.saved_at, draft.saves = source, now, draft.saves + 1
    session.flush()
    return draft


def editor_text(attempt: Attempt, problem: Problem) -> str:
    """What the browser's editor opens with: the latest draft, else the starter solution.py."""
    if attempt.draft is not None:
        return attempt.draft.source
    path = problem.starter_dir / SOLUTION
    return path.read_text(encoding="utf-8") if path.is_file() else ""


def public_run_view(refusal: str, report: Report | None, secrets: Secrets) -> dict[str, Any]:
    """The pre-checks and public examples run on the server, as the candidate sees them: the public tests are
    the candidate's own (names and messages shown), free text still passes the secrecy filter."""
    view: dict[str, Any] = {"refusal": refusal, "ran": report is not None}
    if report is not None:
        view.update(passed=sum(t.status.value == "pass" for t in report.tests), total=len(report.tests),
                    verdict=report.verdict.value, verdict_text=VERDICT_TEXT[report.verdict],
                    detail=_cut(secrets.redact(report.detail)),
                    tests=[{"name": t.name, "requirement": t.requirement, "description": t.description,
                            "status": t.status.value, "message": _cut(secrets.redact(t.message))}
                           for t in report.tests])
    return view


def store_submission(session: Session, attempt: Attempt, raw: bytes, now: float) -> InterviewSubmission:
    """Check and store an upload as a pending submission (graded afterwards). Raises ``SubmissionRefused`` (a
    conflict), ``EmptySubmission`` or ``UnreadableSubmission`` (bad input).

    The checks run under the attempt's row lock (an UPDATE that changes nothing, then a fresh read), so an
    upload racing the grading of the previous one sees the attempt as that grading left it; the partial
    unique index of migration 0003 keeps one pending submission per attempt whatever happens."""
    session.execute(update(Attempt).where(Attempt.id == attempt.id).values(status=Attempt.status))
    session.refresh(attempt)
    if attempt.status == AttemptState.SUBMITTED:
        raise SubmissionRefused("this attempt was already submitted and graded; see the result with `judge status`")
    if any(s.state == SubmissionState.PENDING for s in attempt.submissions):
        raise SubmissionRefused(BUSY)
    try:
        source = decode_source(raw)
    except SubmissionError as exc:
        raise UnreadableSubmission(str(exc)) from exc
    if not source.lstrip("\ufeff").strip():
        raise EmptySubmission("the upload is empty (or only whitespace): send your solution.py; the attempt is "
                              "still open")
    elapsed = now - attempt.started_at
    late = elapsed > attempt.budget_s
    if late and attempt.invitation.late_policy == "refuse":
        raise SubmissionRefused(f"the window closed at {utc_text(attempt.started_at + attempt.budget_s)}; "
                                "this invitation takes no late submissions")
    submission = InterviewSubmission(attempt_id=attempt.id, received_at=now, elapsed_s=elapsed, late=late,
                                     source=source, sha256=hashlib.sha256(source.encode("utf-8")).hexdigest(),
                                     state=SubmissionState.PENDING)
    session.add(submission)
    try:
        session.flush()
    except IntegrityError as exc:  # another upload of this attempt was stored between our check and now
        raise SubmissionRefused(BUSY) from exc
    return submission


# -- what a candidate sees ---------------------------------------------------------------------------


def _cut(text: str, limit: int = MAX_MESSAGE) -> str:
    return text if len(text) <= limit else text[:limit] + "\n... (cut)"


def candidate_report(report: Report, feedback: str, late: bool, secrets: Secrets) -> CandidateReport:
    """The report as a candidate may see it: never a test's name or id, nor its captured output; free text
    redacted (``judge.services.secrecy``); with feedback "score", numbers and the requirement summary only."""
    full = feedback == "full"

    def shown(text: str) -> str:
        return _cut(secrets.redact(text))

    # A syntax error's detail is the compiler's word on the candidate's own code (line, caret): the host
    # wrote it before any test ran, so even "score" feedback shows where to look.
    detail = shown(report.detail) if full or report.verdict is Verdict.SYNTAX_ERROR else None
    return CandidateReport(
        problem=report.problem, title=report.title, verdict=report.verdict, score=report.score,
        max_score=report.max_score, percent=report.percent,
        elapsed_s=None if report.elapsed_s is None else round(report.elapsed_s, 1), budget_s=report.budget_s,
        late=late, feedback=feedback,
        requirements=tuple(RequirementResult(req, report.requirement_titles.get(req, ""), passed, total, earned,
                                             points)
                           for req, passed, total, earned, points in report.by_requirement()),
        detail=detail,
        warnings=tuple(shown(w) for w in report.warnings) if full else None,
        tests=tuple(CandidateTest(t.requirement, t.description, t.points, t.earned, t.status, shown(t.message))
                    for t in report.tests) if full else None,
    )


def submission_for_candidate(submission: InterviewSubmission, secrets: Secrets) -> dict[str, Any]:
    """A submission's state, and its report as the invitation's feedback level allows."""
    view: dict[str, Any] = {"id": submission.id, "state": submission.state, "late": submission.late,
                            "elapsed_s": round(submission.elapsed_s, 1), "received_at": submission.received_at}
    if submission.state == SubmissionState.PENDING:
        stored = time.strftime("%H:%M:%S UTC", time.gmtime(submission.received_at))
        view["note"] = (f"stored at {stored}; being graded" if not submission.error else
                        f"stored at {stored}; waiting for a grader (no sandbox can start on the server right "
                        "now; it tries again on its own, and the time that counts is the time it was stored)")
        view["waiting"] = bool(submission.error)
    if submission.state == SubmissionState.JUDGE_ERROR:
        view["note"] = ("the judge could not grade this submission (not your fault); your attempt is still "
                        "open: submit again")
    if submission.state == SubmissionState.GRADED and submission.report_json:
        report = Report.from_dict(json.loads(submission.report_json))
        view["report"] = candidate_report(report, submission.attempt.invitation.feedback, submission.late,
                                          secrets).to_dict()
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
TIME_COLUMNS = ("started_at", "submitted_at")


def results_csv(rows: list[dict[str, Any]]) -> str:
    """Result rows as CSV (`judge results --format csv` and the dashboard's export), times in ISO 8601 UTC.
    Control characters in
    text (a candidate's name) are escaped, and a text cell that a spreadsheet would run as a formula (a
    candidate named ``=HYPERLINK(...)``) gets a leading apostrophe."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(RESULT_COLUMNS), extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        shown = {key: printable(value) if isinstance(value, str) else value for key, value in row.items()}
        for key in TIME_COLUMNS:  # a spreadsheet reads ISO 8601; POSIX seconds stay in the JSON rows
            moment = shown.get(key)
            if isinstance(moment, int | float):
                shown[key] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(moment))
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
        sub = latest(attempt, SubmissionState.GRADED) or latest(attempt)
        graded = sub is not None and sub.state == SubmissionState.GRADED
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
        raise NotFound(f"no attempt {attempt_id!r} among your invitations (see `judge results`)")
    return attempt


LOOKS_FOR = "What an interviewer looks for"


def interviewer_notes(problem: Problem) -> dict[str, Any]:
    """The editorial's parts meant for the interviewer during and after the interview: what to look for, and
    the follow-up questions with short model answers (Markdown). Empty when the problem has no editorial."""
    from judge.problems.teaching import editorial

    found = editorial(problem)
    if found is None:
        return {"looks_for": "", "follow_ups": []}
    return {"looks_for": found.section(LOOKS_FOR),
            "follow_ups": [{"question": f.question, "answer": f.answer} for f in found.follow_ups]}


def full_record(attempt: Attempt) -> dict[str, Any]:
    """Everything about one attempt for its interviewer: the timeline, every submission with its full report
    and source."""
    return {
        "attempt_id": attempt.id, "invitation_id": attempt.invitation_id,
        "candidate": attempt.invitation.candidate_name, "problem": attempt.invitation.problem,
        "started_at": attempt.started_at, "budget_s": attempt.budget_s, "status": attempt.status,
        # "candidate": what the candidate's own CLI said about a run on their machine (the server saw none of
        # it); "server": a run in the server's sandbox (the browser's editor, or `judge test` without Docker).
        "test_runs": [{"at": r.at, "passed": r.passed, "total": r.total, "verdict": r.verdict,
                       "reported_by": r.observed_by} for r in attempt.test_runs],
        "submissions": [{"id": s.id, "received_at": s.received_at, "elapsed_s": s.elapsed_s, "late": s.late,
                         "state": s.state, "sha256": s.sha256, "error": s.error, SOLUTION: s.source,
                         "report": json.loads(s.report_json) if s.report_json else None}
                        for s in attempt.submissions],
    }
