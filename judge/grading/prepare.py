"""Prepare a grading run: read the submission, check it, and pack it with its tests into one bundle.

This step needs the hidden tests and runs where they live (the candidate's machine for practice, the
server for interviews). What it makes, a ``Job``, splits in two: the bundle and the limits, which are
all a sandbox (a local container, a warm spare, a remote worker) ever sees; and the test specs and the
nonce, which the host keeps to interpret the run.
"""

from __future__ import annotations

import io
import json
import secrets
import tarfile
import time
from dataclasses import dataclass
from pathlib import Path

from judge.grading.integrity import SubmissionError, check_syntax, decode_source, scan
from judge.model.limits import Limits
from judge.model.parsing import PARSE_LOCK
from judge.model.submission import SOLUTION, SolutionText
from judge.problems.catalog import Problem
from judge.problems.diagnosis import MistakeBook
from judge.problems.teaching import mistake_book, requirement_titles
from judge.problems.testmeta import TestSpec, read_suite
from judge.problems.workspace_text import is_unfinished_starter, is_untouched_starter
from sandbox import protocol

SUITES = ("hidden", "public")


def load_submission(path: Path) -> SolutionText:
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
    return SolutionText.from_source(decode_source(raw), str(target))


def suite_dir(problem: Problem, suite: str) -> Path:
    """The folder of ``problem``'s hidden or public tests."""
    if suite not in SUITES:
        raise ValueError(f"unknown suite {suite!r}")
    return problem.hidden_tests_dir if suite == "hidden" else problem.public_tests_dir


def staged_files(problem: Problem, suite: str) -> list[tuple[str, Path]]:
    """(name in the bundle, file) for everything of the problem a run sees: the suite (the grader's), the data
    files and the test doubles (readable by the candidate's process too)."""
    tests = suite_dir(problem, suite)
    files = [(f"{protocol.TESTS_DIR}/" + p.relative_to(tests).as_posix(), p) for p in sorted(tests.rglob("*"))
             if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"]
    files += [(f"{protocol.DATA_DIR}/" + p.relative_to(problem.starter_dir).as_posix(), p)
              for p in problem.data_files()]
    if problem.doubles_path.is_file():
        files.append((f"{protocol.SUPPORT_DIR}/doubles.py", problem.doubles_path))
    return files


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o644
    info.mtime = 0
    tar.addfile(info, io.BytesIO(data))


def build_bundle(problem: Problem, submission: SolutionText, suite: str, nonce: str, limits: Limits) -> bytes:
    """The tar stream the harness unpacks: settings (nonce, limits), the submission, the suite, the data."""
    settings = {protocol.NONCE: nonce, protocol.LIMITS: limits.to_dict()}
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        _add_bytes(tar, protocol.SETTINGS_FILE, json.dumps(settings).encode())
        _add_bytes(tar, f"{protocol.SUBMISSION_DIR}/{SOLUTION}", submission.source.encode("utf-8"))
        for name, path in staged_files(problem, suite):
            _add_bytes(tar, name, path.read_bytes())
    return buffer.getvalue()


@dataclass(frozen=True)
class Job:
    """One submission made ready to run.

    ``bundle`` and ``limits`` go to the sandbox; everything else stays with the host that interprets the
    run. ``syntax`` is set when the submission does not compile: such a job is never run. ``book`` (the
    known mistakes' signatures, hidden suite only) and ``requirement_titles`` are the problem's teaching
    content, which the report carries.
    """

    problem: str
    title: str
    suite: str
    limits: Limits
    nonce: str
    specs: tuple[TestSpec, ...]
    submission_sha256: str
    warnings: tuple[str, ...]
    bundle: bytes = b""
    syntax: str = ""
    started: float = 0.0
    book: MistakeBook | None = None
    requirement_titles: tuple[tuple[str, str], ...] = ()
    preload: tuple[str, ...] = ()  # the problem's declared imports: a warm spare for this job has them loaded
    untouched_starter: bool = False  # the starter, unchanged or with none of its stubs written: not attempted


def prepare(problem: Problem, submission: SolutionText, *, suite: str = "hidden", limits: Limits | None = None,
            clock: float | None = None) -> Job:
    """Check ``submission`` (compiles; integrity scan) and bundle it with ``problem``'s ``suite``."""
    started = time.monotonic() if clock is None else clock
    limits = limits or problem.limits
    with PARSE_LOCK:
        syntax = check_syntax(submission.source)
        warnings = tuple(scan(submission.source))
        specs = tuple(read_suite(suite_dir(problem, suite)))
    nonce = "" if syntax is not None else secrets.token_hex(16)
    return Job(
        problem=problem.slug,
        title=problem.title,
        suite=suite,
        limits=limits,
        nonce=nonce,
        specs=specs,
        submission_sha256=submission.sha256,
        warnings=warnings,
        bundle=b"" if syntax is not None else build_bundle(problem, submission, suite, nonce, limits),
        syntax=syntax.describe() if syntax is not None else "",
        started=started,
        book=mistake_book(problem) if suite == "hidden" else None,
        requirement_titles=tuple(requirement_titles(problem).items()),
        preload=tuple(problem.preload),
        untouched_starter=is_untouched_starter(submission.source, problem)
        or is_unfinished_starter(submission.source, problem),
    )
