"""Many gradings at once: tasks in, reports out, on a bounded pool, with one cancel and one retry policy.

Every grading goes through an ``Executor``: `judge submit`, `judge test` and `judge grade` (one at a time,
``grade_one``), batch grading, `judge problem validate` and the server. Each task is
graded by the grading core in three steps; the middle one, ``run``, is the executor's ``runner``: by
default the backend's own ``run`` (a container on this machine), and a job queue plugs in there
(``judge.execution.queue``) without changing anything else, since a run needs only the bundle and the
limits.

Rules, the same for every caller:

- at most ``workers`` runs at once; tasks start in the order given;
- retry: a run that ended as a ``sandbox-error`` (the judge's fault: a busy engine, a container that
  failed to start) is tried ``retries`` more times, and a sandbox error that persists stands as that
  task's report; ``SandboxUnavailable`` (no engine, no image) is not retried: it stops the executor,
  nothing new starts, runs under way finish, and ``Execution.infrastructure_error`` says why;
- cancel: Ctrl-C (KeyboardInterrupt in the calling thread) starts nothing new, calls ``stop_running``
  every few seconds until the runs under way have returned (their containers removed), discards their
  results (a killed sandbox's result means nothing) and returns with ``interrupted`` set;
- a bug of the judge's in one task is that task's error (``Events.failed``), never the whole run's end;
- events (``Events``) are delivered in the calling thread, so a display or a writer needs no lock.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Protocol

from judge.backends import Backend, SandboxRun, SandboxUnavailable
from judge.grading import Job, finish, prepare, sandbox_facts
from judge.model.limits import Limits
from judge.model.outcomes import Verdict
from judge.model.report import Report
from judge.model.submission import SolutionText
from judge.problems.catalog import Problem

STOP_RETRY_S = 2.0
Runner = Callable[[Job], SandboxRun]


@dataclass(frozen=True)
class Task:
    """One grading to do: ``key`` names it to the caller (a candidate, a mutant, "reference again")."""

    key: str
    problem: Problem
    submission: SolutionText
    suite: str = "hidden"
    limits: Limits | None = None


class Events(Protocol):
    """What the executor tells its caller, always from the thread that called ``Executor.run``."""

    def started(self, task: Task) -> None: ...

    def finished(self, task: Task, report: Report) -> None: ...

    def failed(self, task: Task, error: BaseException) -> None: ...

    def note(self, text: str) -> None: ...


class NoEvents:
    """Events nobody listens to."""

    def started(self, task: Task) -> None:
        pass

    def finished(self, task: Task, report: Report) -> None:
        pass

    def failed(self, task: Task, error: BaseException) -> None:
        pass

    def note(self, text: str) -> None:
        pass


@dataclass
class Execution:
    """What a run of the executor did: a report per finished task, and how it ended."""

    reports: dict[str, Report] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    infrastructure_error: str = ""
    interrupted: bool = False


class _Cancelled(Exception):
    """A run that returned after cancel: its result may come from a killed sandbox and is not kept."""


class Executor:
    """Grades tasks with at most ``workers`` sandboxes at once (see the module's rules)."""

    def __init__(self, backend: Backend, workers: int = 1, *, runner: Runner | None = None, retries: int = 1,
                 stop_running: Callable[[], None] | None = None) -> None:
        self.backend = backend
        self.workers = max(1, workers)
        self.runner: Runner = runner or (lambda job: backend.run(job.bundle, job.limits, job.preload))
        self.retries = max(0, retries)
        self.stop_running = stop_running
        self._cancel = threading.Event()
        self._stopped = ""

    def stop(self, reason: str) -> None:
        """Start nothing new (an infrastructure failure the caller found, e.g. an unwritable output)."""
        if not self._stopped:
            self._stopped = reason

    def grade(self, task: Task) -> Report:
        """One task, in this thread, under the retry policy. Raises ``SandboxUnavailable`` when no sandbox
        can start."""
        for attempt in range(self.retries + 1):
            last = attempt == self.retries
            job = prepare(task.problem, task.submission, suite=task.suite, limits=task.limits)
            run = None if job.syntax else self.runner(job)
            if self._cancel.is_set():
                raise _Cancelled
            report = finish(job, run, sandbox_facts(self.backend, job.limits))
            if report.verdict is not Verdict.SANDBOX_ERROR or last:
                return report
        raise AssertionError("unreachable")

    def grade_one(self, problem: Problem, submission: SolutionText, *, suite: str = "hidden",
                  limits: Limits | None = None) -> Report:
        """One submission, in this thread, under the retry policy (``grade`` of a task made for it)."""
        return self.grade(Task(key=problem.slug, problem=problem, submission=submission, suite=suite,
                               limits=limits))

    def run(self, tasks: Sequence[Task], events: Events | None = None) -> Execution:
        """Grade every task; returns when all are done, on an infrastructure failure, or on Ctrl-C."""
        show = events or NoEvents()
        result = Execution()
        self._cancel.clear()
        self._stopped = ""
        waiting = iter(tasks)
        in_flight: dict[Future[Report], Task] = {}
        pool = ThreadPoolExecutor(max_workers=max(1, min(self.workers, len(tasks))), thread_name_prefix="judge")

        def fill() -> None:
            while len(in_flight) < self.workers and not self._stopped and not self._cancel.is_set():
                task = next(waiting, None)
                if task is None:
                    return
                in_flight[pool.submit(self.grade, task)] = task
                show.started(task)

        def settle(future: Future[Report], task: Task) -> None:
            try:
                report = future.result()
            except _Cancelled:
                return
            except SandboxUnavailable as exc:
                if not self._stopped:
                    self._stopped = str(exc)
                    show.note(f"the judge could not grade {task.key}: {exc}\nstopping: nothing new is started; "
                              f"{len(in_flight)} running will finish")
                return
            except Exception as exc:  # a bug in the judge: that task's error, never the run's end
                result.errors[task.key] = f"internal error of the judge: {type(exc).__name__}: {exc}"
                show.failed(task, exc)
                return
            result.reports[task.key] = report
            show.finished(task, report)

        try:
            try:
                fill()
                while in_flight:
                    done, _ = wait(list(in_flight), return_when=FIRST_COMPLETED)
                    for future in done:
                        settle(future, in_flight.pop(future))
                    fill()
            except KeyboardInterrupt:
                result.interrupted = True
                self._cancel.set()
                show.note(f"interrupted: stopping {len(in_flight)} running sandbox(es); finished reports are kept")
                self._drain(in_flight, settle, show)
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        result.infrastructure_error = self._stopped
        return result

    def _drain(self, in_flight: dict[Future[Report], Task], settle: Callable[[Future[Report], Task], None],
               show: Events) -> None:
        """After Ctrl-C: stop the running sandboxes and wait for their threads to unwind. Stopping is repeated
        while any is left, for a sandbox that was being created at the first try; a second Ctrl-C does not
        cut this short, since a thread left behind would leave its container behind."""
        while in_flight:
            try:
                if self.stop_running is not None:
                    self.stop_running()
                done, _ = wait(list(in_flight), timeout=STOP_RETRY_S, return_when=FIRST_COMPLETED)
            except KeyboardInterrupt:
                show.note(f"still removing {len(in_flight)} sandbox(es); one moment")
                continue
            for future in done:
                task = in_flight.pop(future)
                if not future.cancelled():
                    settle(future, task)

