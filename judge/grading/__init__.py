"""The grading core: prepare a job, run it on a backend, interpret the run. Three steps, each usable alone.

- ``prepare`` (``judge.grading.prepare``) needs the hidden tests: it checks the submission and packs it
  with the suite and data into a bundle.
- ``run`` is the backend's (``judge.backends``): a bundle and limits in, what the sandbox printed out.
  It knows nothing of points or requirements, so a warm spare or a remote worker can do it.
- ``interpret`` (``judge.grading.interpret``) checks the run against the host's own list of tests, the
  nonce and the canary, and builds the report; it fails closed.

``grade()`` is the three in a row, for one submission. It is a pure "submission in, report out" call (no
clock, no store); many submissions go through ``judge.execution.Executor``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from judge.backends import Backend, SandboxRun
from judge.grading.interpret import interpret, not_run
from judge.grading.prepare import Job, load_submission, prepare, staged_files, suite_dir
from judge.model.limits import Limits
from judge.model.report import Diagnosis, Report, Status, TestResult, Verdict, is_stub_failure, unattempted_requirements
from judge.model.submission import SolutionText
from judge.problems.catalog import Problem
from judge.problems.diagnosis import MistakeBook

__all__ = ["Job", "diagnose", "finish", "grade", "load_submission", "machine", "now_iso", "prepare",
           "sandbox_facts", "staged_files", "suite_dir"]


def now_iso() -> str:
    """The current UTC time, to the second, for ``created_at`` fields."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def sandbox_facts(backend: Backend, limits: Limits) -> dict[str, Any]:
    """The report's ``sandbox`` section: where and under which limits it ran."""
    return {**backend.describe(), "limits": limits.to_dict()}


def finish(job: Job, run: SandboxRun | None, sandbox: dict[str, Any],
           clock: Callable[[], float] = time.monotonic) -> Report:
    """The report of ``job``: from its ``run``, or (``run`` None) from what prepare already knew."""
    warnings: tuple[str, ...] = ()
    if job.syntax or run is None:
        where = job.syntax.splitlines()[0] if job.syntax else ""
        verdict, tests = Verdict.SYNTAX_ERROR, not_run(list(job.specs), "not run: solution.py does not compile"
                                                       + (f" ({where})" if where else ""))
        detail = "solution.py does not compile: " + job.syntax
    else:
        outcome = interpret(run, list(job.specs), run.nonce or job.nonce)
        verdict, tests, detail, warnings = outcome.verdict, outcome.tests, outcome.detail, outcome.warnings
        if not run.refused and sandbox.get("backend") == "docker":
            sandbox = {**sandbox, "warm": run.warm}  # a warm spare, or a container started for this run
        if run.worker or not run.refused:  # a refusal on this side ran nowhere: it names no machine
            sandbox = {**sandbox, **machine(run)}
    return Report(
        problem=job.problem,
        title=job.title,
        suite=job.suite,
        verdict=verdict,
        tests=tests,
        detail=detail,
        warnings=job.warnings + warnings,
        grading_s=clock() - job.started,
        sandbox=sandbox,
        submission_sha256=job.submission_sha256,
        created_at=now_iso(),
        diagnosis=diagnose(job.book, verdict, tests, starter=job.untouched_starter),
        requirement_titles=dict(job.requirement_titles),
        not_attempted=unattempted_requirements(tests, job.untouched_starter) if tests else (),
    )


def machine(run: SandboxRun) -> dict[str, str]:
    """Which machine ran it, for the report's ``sandbox`` section: ``in-process`` (a sandbox this process
    started for the run), ``warm-spare`` (one started ahead on this machine) or ``remote-worker`` (a
    `judge worker` through the job queue, named in ``worker``)."""
    if run.worker:
        return {"machine": "remote-worker", "worker": run.worker}
    return {"machine": "warm-spare" if run.warm else "in-process"}


def diagnose(book: MistakeBook | None, verdict: Verdict, tests: tuple[TestResult, ...],
             starter: bool = False) -> tuple[Diagnosis, ...]:
    """The known mistakes a failed run's failing tests match. Only a plain failure is diagnosed: when the
    code crashed, timed out or did not compile, the tests that failed say nothing about a mistake. Nor
    does a test that stopped on a step still raising the starter's ``NotImplementedError`` (left out of
    the matching), nor anything of the untouched ``starter``: not attempted is not a mistake."""
    if book is None or verdict is not Verdict.FAILED or starter:
        return ()
    stubs = [t.id for t in tests if is_stub_failure(t)]
    failing = [t.id for t in tests if t.status is not Status.PASS]
    return tuple(Diagnosis(*found) for found in book.diagnose(failing, stubs))


def grade(
    problem: Problem,
    submission: SolutionText,
    backend: Backend,
    *,
    limits: Limits | None = None,
    suite: str = "hidden",
    clock: Callable[[], float] = time.monotonic,
) -> Report:
    """Grade ``submission`` against one of ``problem``'s suites. Never raises for the candidate's faults.

    Raises ``SandboxUnavailable`` only when no sandbox could start at all (so callers can keep an attempt
    open); every other outcome, the judge's internal faults included, is a Report.
    """
    job = prepare(problem, submission, suite=suite, limits=limits, clock=clock())
    run = None if job.syntax else backend.run(job.bundle, job.limits, job.preload)
    return finish(job, run, sandbox_facts(backend, job.limits), clock)
