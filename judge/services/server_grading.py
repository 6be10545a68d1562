"""The server's grading job: a stored submission in, its report saved, the attempt closed - one place.

Every submission is in the database (state "pending") before it reaches this module, so a restart loses
none: ``SubmissionGrader.resume()`` queues every pending submission again when the server starts. Each
job owns its submission's whole life, Judge0-style: load it, grade it through
``judge.execution.Executor.grade`` (the executor's retry policy; its ``runner`` is where a job queue
plugs in), place the report on the server's clock, save it, close the attempt; any failure of the
judge's own ends as a "judge-error" state (the attempt stays open) or, when no sandbox could start at
all, leaves the submission pending and tries it again on a timer (``RETRY_FIRST_S``, doubling up to
``RETRY_MAX_S``) until a sandbox starts, never as a candidate's failure. While a sandbox is missing the
grader is ``degraded`` (``/health`` says so) and the candidate reads "waiting for a grader".
"""

from __future__ import annotations

import json
import logging
import queue
import threading
from collections.abc import Callable

from judge.backends import SandboxUnavailable
from judge.execution.executor import Executor, Task
from judge.model.outcomes import Verdict
from judge.model.states import AttemptState, SubmissionState
from judge.model.submission import SolutionText
from judge.problems.catalog import Problem
from judge.store.db import Database, InterviewSubmission

log = logging.getLogger("judge.server")
RETRY_FIRST_S = 5.0  # the first retry of a submission no sandbox could grade
RETRY_MAX_S = 300.0  # the longest wait between two retries (the delay doubles up to it)
ProblemLookup = Callable[[str], Problem]


class SubmissionGrader:
    """Grades stored submissions on ``workers`` background threads through one ``Executor``."""

    def __init__(self, db: Database, problem: ProblemLookup, executor: Executor, clock: Callable[[], float],
                 workers: int = 1) -> None:
        self.db = db
        self.problem = problem
        self.executor = executor
        self.clock = clock
        self.workers = max(1, workers)
        self._queue: queue.Queue[int | None] = queue.Queue()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._retry: dict[int, tuple[float, float]] = {}  # submission id -> (when to try again, the delay)
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self.unavailable: str | None = None  # why no sandbox could start, until one does
        self.unavailable_since: float | None = None

    def start(self) -> None:
        """Start the worker threads."""
        self._stopping.clear()
        for n in range(self.workers):
            thread = threading.Thread(target=self._work, name=f"judge-grader-{n}", daemon=True)
            thread.start()
            self._threads.append(thread)
        timer = threading.Thread(target=self._retry_loop, name="judge-grader-retry", daemon=True)
        timer.start()
        self._threads.append(timer)

    def stop(self, timeout: float = 30.0) -> None:
        """Let the gradings under way finish, then stop (queued ones stay pending in the database)."""
        self._stopping.set()
        self._wake.set()
        for _ in self._threads:
            self._queue.put(None)
        for thread in self._threads:
            thread.join(timeout)
        self._threads.clear()

    def enqueue(self, submission_id: int) -> None:
        """Queue a stored submission for grading."""
        self._queue.put(submission_id)

    def resume(self) -> list[int]:
        """Queue every submission still pending (a restart, or the judge unable to grade before)."""
        from sqlalchemy import select

        with self.db.session() as session:
            pending = list(session.scalars(select(InterviewSubmission.id)
                                           .where(InterviewSubmission.state == SubmissionState.PENDING)
                                           .order_by(InterviewSubmission.id)))
        for submission_id in pending:
            self.enqueue(submission_id)
        return pending

    @property
    def degraded(self) -> bool:
        """True while the last grading found no sandbox (submissions wait and are retried)."""
        return self.unavailable is not None

    def retry_due(self) -> dict[int, float]:
        """Submissions waiting for a sandbox, and when each is tried again (server clock)."""
        with self._lock:
            return {sid: when for sid, (when, _) in self._retry.items()}

    def _retry_later(self, submission_id: int, error: str) -> None:
        now = self.clock()
        with self._lock:
            delay = min(RETRY_MAX_S, self._retry[submission_id][1] * 2) if submission_id in self._retry \
                else RETRY_FIRST_S
            self._retry[submission_id] = (now + delay, delay)
            if self.unavailable is None:
                self.unavailable_since = now
            self.unavailable = error
        log.warning("no sandbox for submission %s (%s); trying again in %.0f s", submission_id, error, delay)
        self._wake.set()

    def _retry_loop(self) -> None:
        """Queue each waiting submission again when its time comes (checks at least once a second)."""
        while not self._stopping.is_set():
            now = self.clock()
            with self._lock:
                due = [sid for sid, (when, _) in self._retry.items() if when <= now]
                for sid in due:  # the entry stays (with its delay) until the grading ends one way or another
                    self._retry[sid] = (float("inf"), self._retry[sid][1])
            for sid in due:
                self.enqueue(sid)
            self._wake.wait(1.0)
            self._wake.clear()

    def _work(self) -> None:
        while True:
            submission_id = self._queue.get()
            if submission_id is None:
                return
            try:
                self.grade(submission_id)
            except Exception:  # the job already recorded what it could; never let the worker thread die
                log.exception("grading submission %s failed", submission_id)

    def grade(self, submission_id: int) -> str:
        """Grade one stored submission now, in this thread; returns its new state."""
        with self.db.session() as session:
            row = session.get(InterviewSubmission, submission_id)
            if row is None or row.state != SubmissionState.PENDING:
                return row.state if row is not None else "missing"
            slug, source, attempt_id = row.attempt.invitation.problem, row.source, row.attempt_id
        try:
            problem = self.problem(slug)
            report = self.executor.grade(Task(key=str(submission_id), problem=problem,
                                              submission=SolutionText.from_source(source)))
        except SandboxUnavailable as exc:
            self._note(submission_id, f"the judge could not start a sandbox: {exc}")
            self._retry_later(submission_id, str(exc))
            return SubmissionState.PENDING
        except Exception as exc:
            log.exception("internal error grading submission %s", submission_id)
            with self._lock:
                self._retry.pop(submission_id, None)
            return self._finish(submission_id, SubmissionState.JUDGE_ERROR, error=f"internal error of the judge: "
                                f"{type(exc).__name__}: {exc}")
        self._sandbox_back(submission_id)
        state = SubmissionState.JUDGE_ERROR if report.verdict is Verdict.SANDBOX_ERROR else SubmissionState.GRADED
        with self.db.session() as session:
            row = session.get(InterviewSubmission, submission_id)
            assert row is not None
            report = report.with_clock(attempt_id, row.elapsed_s, row.attempt.budget_s, late=row.late)
            row.report_json = json.dumps(report.to_dict())
            row.verdict, row.score, row.max_score, row.percent = (report.verdict.value, report.score,
                                                                  report.max_score, report.percent)
            row.state, row.graded_at = state, self.clock()
            row.error = report.detail if state == SubmissionState.JUDGE_ERROR else None
            if state == SubmissionState.GRADED:
                row.attempt.status = AttemptState.SUBMITTED
        return state

    def _sandbox_back(self, submission_id: int) -> None:
        """A grading ran (a sandbox started): whatever waited for one goes now."""
        with self._lock:
            self._retry.pop(submission_id, None)
            if self.unavailable is not None:
                log.info("a sandbox started again; %d waiting submission(s) queued", len(self._retry))
                for sid in self._retry:
                    self._retry[sid] = (0.0, self._retry[sid][1])
                self.unavailable = self.unavailable_since = None
                self._wake.set()

    def _note(self, submission_id: int, error: str) -> None:
        with self.db.session() as session:
            row = session.get(InterviewSubmission, submission_id)
            if row is not None:
                row.error = error

    def _finish(self, submission_id: int, state: str, error: str) -> str:
        with self.db.session() as session:
            row = session.get(InterviewSubmission, submission_id)
            if row is not None:
                row.state, row.error, row.graded_at = state, error, self.clock()
        return state
