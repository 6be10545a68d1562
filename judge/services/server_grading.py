"""The server's grading job: a stored submission in, its report saved, the attempt closed - one place.

Every submission is in the database (state "pending") before it reaches this module, so a restart loses
none: ``SubmissionGrader.resume()`` queues every pending submission again when the server starts. Each
job owns its submission's whole life, Judge0-style: load it, grade it through
``judge.execution.Executor.grade`` (the executor's retry policy; its ``runner`` is where a job queue
plugs in), place the report on the server's clock, save it, close the attempt; any failure of the
judge's own ends as a "judge-error" state (the attempt stays open) or, when no sandbox could start at
all, leaves the submission pending for the next start, never as a candidate's failure.
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
from judge.model.submission import Submission as SubmissionText
from judge.problems.catalog import Problem
from judge.services.interviews import GRADED, JUDGE_ERROR, PENDING
from judge.store.db import Database, Submission

log = logging.getLogger("judge.server")
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

    def start(self) -> None:
        """Start the worker threads."""
        for n in range(self.workers):
            thread = threading.Thread(target=self._work, name=f"judge-grader-{n}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self, timeout: float = 30.0) -> None:
        """Let the gradings under way finish, then stop (queued ones stay pending in the database)."""
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
            pending = list(session.scalars(select(Submission.id).where(Submission.state == PENDING)
                                           .order_by(Submission.id)))
        for submission_id in pending:
            self.enqueue(submission_id)
        return pending

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
            row = session.get(Submission, submission_id)
            if row is None or row.state != PENDING:
                return row.state if row is not None else "missing"
            slug, source, attempt_id = row.attempt.invitation.problem, row.source, row.attempt_id
        try:
            problem = self.problem(slug)
            report = self.executor.grade(Task(key=str(submission_id), problem=problem,
                                              submission=SubmissionText.from_source(source)))
        except SandboxUnavailable as exc:
            self._note(submission_id, f"the judge could not start a sandbox: {exc}")
            return PENDING
        except Exception as exc:
            log.exception("internal error grading submission %s", submission_id)
            return self._finish(submission_id, JUDGE_ERROR, error=f"internal error of the judge: "
                                f"{type(exc).__name__}: {exc}")
        state = JUDGE_ERROR if report.verdict is Verdict.SANDBOX_ERROR else GRADED
        with self.db.session() as session:
            row = session.get(Submission, submission_id)
            assert row is not None
            report = report.with_clock(attempt_id, row.elapsed_s, row.attempt.budget_s)
            data = report.to_dict()
            data["late"] = row.late
            row.report_json = json.dumps(data)
            row.verdict, row.score, row.max_score, row.percent = (report.verdict.value, report.score,
                                                                  report.max_score, report.percent)
            row.state, row.graded_at = state, self.clock()
            row.error = report.detail if state == JUDGE_ERROR else None
            if state == GRADED:
                row.attempt.status = "submitted"
        return state

    def _note(self, submission_id: int, error: str) -> None:
        with self.db.session() as session:
            row = session.get(Submission, submission_id)
            if row is not None:
                row.error = error

    def _finish(self, submission_id: int, state: str, error: str) -> str:
        with self.db.session() as session:
            row = session.get(Submission, submission_id)
            if row is not None:
                row.state, row.error, row.graded_at = state, error, self.clock()
        return state
