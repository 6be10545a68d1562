"""Grade one submission: check it, stage it with its tests as one tar bundle, run a backend, build a Report.

``grade()`` is the one grading function: `judge grade`, `judge submit`, `judge test`, batch grading and
`judge problem validate` all call it. It is a pure "submission in, report out" call (no clock, no store),
so it can move behind a job queue unchanged.
"""

from __future__ import annotations

import hashlib
import io
import json
import secrets
import tarfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from judge.backends import Backend, SandboxUnavailable
from judge.catalog import SOLUTION, Problem
from judge.integrity import SubmissionError, check_syntax, decode_source, scan
from judge.limits import Limits
from judge.report import Report, Verdict
from judge.results import SandboxRun, interpret, not_run
from judge.testmeta import TestSpec, read_suite

SUITES = ("hidden", "public")


@dataclass(frozen=True)
class Submission:
    """The one graded file, as text, with its hash."""

    source: str
    sha256: str
    origin: str = ""

    @classmethod
    def from_source(cls, source: str, origin: str = "") -> Submission:
        return cls(source, hashlib.sha256(source.encode("utf-8")).hexdigest(), origin)


def load_submission(path: Path) -> Submission:
    """A ``solution.py`` file, or a folder holding one. Raises ``SubmissionError`` with the fix."""
    target = path / SOLUTION if path.is_dir() else path
    if not target.exists():
        where = f"{path} has no {SOLUTION}" if path.is_dir() else f"{path} does not exist"
        raise SubmissionError(f"{where}; pass a solution.py file or a folder that holds one")
    if not target.is_file():
        raise SubmissionError(f"{target} is not a file")
    try:
        raw = target.read_bytes()
    except OSError as exc:
        raise SubmissionError(f"cannot read {target}: {exc.strerror}") from exc
    return Submission.from_source(decode_source(raw), str(target))


def suite_dir(problem: Problem, suite: str) -> Path:
    if suite not in SUITES:
        raise ValueError(f"unknown suite {suite!r}")
    return problem.hidden_tests_dir if suite == "hidden" else problem.public_tests_dir


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o644
    info.mtime = 0
    tar.addfile(info, io.BytesIO(data))


def staged_files(problem: Problem, suite: str) -> list[tuple[str, Path]]:
    """(name in the bundle, file) for everything of the problem a run sees: the suite and the data files."""
    tests = suite_dir(problem, suite)
    files = [("tests/" + p.relative_to(tests).as_posix(), p) for p in sorted(tests.rglob("*"))
             if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"]
    files += [("data/" + p.relative_to(problem.starter_dir).as_posix(), p) for p in problem.data_files()]
    return files


def build_bundle(problem: Problem, submission: Submission, suite: str, settings: dict[str, Any]) -> bytes:
    """The tar stream the harness unpacks: settings, the submission, the suite and the data files."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        _add_bytes(tar, "settings.json", json.dumps(settings).encode())
        _add_bytes(tar, f"submission/{SOLUTION}", submission.source.encode("utf-8"))
        for name, path in staged_files(problem, suite):
            _add_bytes(tar, name, path.read_bytes())
    return buffer.getvalue()


def harness_settings(nonce: str, limits: Limits, backend: Backend) -> dict[str, Any]:
    """What the harness needs to know: the nonce and the limits it enforces inside the sandbox."""
    return {"nonce": nonce, "limits": limits.to_dict(), **backend.settings(limits)}


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def grade(
    problem: Problem,
    submission: Submission,
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
    started = clock()
    limits = limits or problem.limits
    specs: list[TestSpec] = read_suite(suite_dir(problem, suite))
    warnings = scan(submission.source)
    sandbox = {**backend.describe(), "limits": limits.to_dict()}

    def report(verdict: Verdict, tests: tuple[Any, ...], detail: str, extra_warnings: tuple[str, ...] = ()) -> Report:
        return Report(
            problem=problem.slug,
            title=problem.title,
            suite=suite,
            verdict=verdict,
            tests=tests,
            detail=detail,
            warnings=tuple(warnings) + extra_warnings,
            grading_s=clock() - started,
            sandbox=sandbox,
            submission_sha256=submission.sha256,
            created_at=now_iso(),
        )

    syntax = check_syntax(submission.source)
    if syntax is not None:
        return report(Verdict.SYNTAX_ERROR, not_run(specs, "not run: solution.py does not compile"),
                      "solution.py does not compile: " + syntax.describe())
    nonce = secrets.token_hex(16)
    bundle = build_bundle(problem, submission, suite, harness_settings(nonce, limits, backend))
    run: SandboxRun = backend.run(bundle, limits)
    outcome = interpret(run, specs, nonce)
    return report(outcome.verdict, outcome.tests, outcome.detail, outcome.warnings)


def sandbox_error_report(problem: Problem, submission: Submission, backend: Backend, error: SandboxUnavailable,
                         suite: str = "hidden", limits: Limits | None = None) -> Report:
    """The report for a run that never started (exit 3): the judge's fault, with the fix."""
    specs = read_suite(suite_dir(problem, suite))
    return Report(
        problem=problem.slug,
        title=problem.title,
        suite=suite,
        verdict=Verdict.SANDBOX_ERROR,
        tests=not_run(specs, "not graded: the sandbox could not start"),
        detail=str(error),
        grading_s=0.0,
        sandbox={"backend": backend.name, "limits": (limits or problem.limits).to_dict()},
        submission_sha256=submission.sha256,
        created_at=now_iso(),
    )
