"""The one executor: bounded parallelism, the retry rule, stopping on an unavailable engine, a judge bug as one
task's error, and the runner seam a job queue plugs into. Local backend or scripted runners; no sleeps."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from judge.backends import SandboxRun, SandboxUnavailable
from judge.backends.local import LocalBackend
from judge.execution import Executor, NoEvents, Task
from judge.grading import Job
from judge.model.outcomes import Verdict
from judge.model.report import Report
from judge.model.submission import SolutionText
from judge.problems.catalog import Problem, load_problem

from .conftest import TINY

REFERENCE = SolutionText.from_source((TINY / "reference" / "solution.py").read_text())


@pytest.fixture
def tiny() -> Problem:
    return load_problem(TINY)


class Scripted:
    """A runner that answers from a script: "ok" runs the harness locally, "broken" is a run with no document,
    "down" raises SandboxUnavailable, "bug" raises ValueError."""

    def __init__(self, script: list[str]) -> None:
        self.script = script
        self.calls = 0
        self.lock = threading.Lock()
        self.local = LocalBackend()

    def __call__(self, job: Job) -> SandboxRun:
        with self.lock:
            self.calls += 1
            step = self.script.pop(0) if self.script else "ok"
        if step == "down":
            raise SandboxUnavailable("the Docker engine is not reachable", "start it")
        if step == "bug":
            raise ValueError("boom")
        if step == "broken":
            return SandboxRun(stdout=b"", exit_code=137)
        return self.local.run(job.bundle, job.limits)


class Recorded(NoEvents):
    def __init__(self) -> None:
        self.finished_keys: list[str] = []
        self.failed_keys: list[str] = []
        self.notes: list[str] = []

    def finished(self, task: Task, report: Report) -> None:
        self.finished_keys.append(task.key)

    def failed(self, task: Task, error: BaseException) -> None:
        self.failed_keys.append(task.key)

    def note(self, text: str) -> None:
        self.notes.append(text)


def test_a_sandbox_error_is_graded_once_more_and_a_second_one_stands(tiny: Problem) -> None:
    runner = Scripted(["broken", "ok"])
    executor = Executor(LocalBackend(), runner=runner)
    assert executor.grade(Task("a", tiny, REFERENCE)).verdict is Verdict.PASSED and runner.calls == 2
    runner = Scripted(["broken", "broken", "broken"])
    report = Executor(LocalBackend(), runner=runner).grade(Task("b", tiny, REFERENCE))
    assert report.verdict is Verdict.SANDBOX_ERROR and runner.calls == 2, "tried twice, not more"


def test_an_unavailable_engine_stops_new_work_and_keeps_what_finished(tiny: Problem) -> None:
    runner = Scripted(["ok", "down"])
    events = Recorded()
    tasks = [Task(f"t{i}", tiny, REFERENCE) for i in range(5)]
    execution = Executor(LocalBackend(), workers=1, runner=runner).run(tasks, events)
    assert "not reachable" in execution.infrastructure_error
    assert list(execution.reports) == ["t0"] and runner.calls == 2
    assert any("stopping" in n for n in events.notes)


def test_a_judge_bug_is_that_tasks_error_only(tiny: Problem) -> None:
    events = Recorded()
    tasks = [Task(f"t{i}", tiny, REFERENCE) for i in range(3)]
    execution = Executor(LocalBackend(), workers=2, runner=Scripted(["bug"])).run(tasks, events)
    # t0 and t1 start together: whichever reaches the runner first meets the bug
    (broken,) = execution.errors
    assert broken in ("t0", "t1") and sorted(execution.reports) == sorted({"t0", "t1", "t2"} - {broken})
    assert "ValueError: boom" in execution.errors[broken] and events.failed_keys == [broken]


def test_a_syntax_error_never_reaches_a_runner(tiny: Problem) -> None:
    runner = Scripted(["bug"])
    report = Executor(LocalBackend(), runner=runner).grade(Task("s", tiny, SolutionText.from_source("def f(:\n")))
    assert report.verdict is Verdict.SYNTAX_ERROR and runner.calls == 0


def test_two_workers_run_two_at_once_and_never_more(tiny: Problem) -> None:
    running = 0
    peak = 0
    lock = threading.Lock()
    local = LocalBackend()
    # Each run waits here for a second one: with two runs overlapping every wait returns; run one at a time,
    # the first wait times out (BrokenBarrierError: that task's error) and the reports are not all there.
    together = threading.Barrier(2, timeout=30)

    def runner(job: Job) -> SandboxRun:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        try:
            together.wait()
            return local.run(job.bundle, job.limits)
        finally:
            with lock:
                running -= 1

    tasks = [Task(f"t{i}", tiny, REFERENCE) for i in range(6)]
    execution = Executor(LocalBackend(), workers=2, runner=runner).run(tasks)
    assert not execution.errors, "every run met another one inside the runner: two ran at once"
    assert len(execution.reports) == 6 and peak == 2
    assert all(r.verdict is Verdict.PASSED for r in execution.reports.values())


def test_reports_name_the_backend_not_the_runner(tiny: Problem, tmp_path: Path) -> None:
    report = Executor(LocalBackend(), runner=Scripted([])).grade(Task("x", tiny, REFERENCE))
    assert report.sandbox["backend"] == "local" and report.sandbox["limits"]["timeout_s"] > 0
