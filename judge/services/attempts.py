"""Timed attempts: the workspace a candidate works in, the attempt record, the clock, and the submit.

The start time lives in the judge's data folder, not in the workspace, and the record's clock fields
are signed with an HMAC under a per-install key: editing or copying the workspace cannot change the
elapsed time, and an edited record is reported as "clock record altered" instead of being trusted.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import textwrap
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from judge.model.clock import local_time
from judge.model.outcomes import Verdict
from judge.model.report import Report, hints_from_record
from judge.model.states import AttemptState
from judge.model.submission import SOLUTION, SolutionText
from judge.model.workspace import POINTER
from judge.problems.catalog import Problem
from judge.problems.workspace_text import workspace_starter, workspace_statement
from judge.render.facts import iso_text
from judge.services.attempt_record import WorkspaceError, sign
from judge.store import confined
from judge.store.confined import UnsafePath
from judge.store.index import AttemptLocked, Store, StoreError

if TYPE_CHECKING:
    from judge.execution import Executor

Clock = Callable[[], float]

PYTEST_INI = """[pytest]
# `pytest` here runs the public examples in tests/ against solution.py, wherever the grader's libraries are
# installed: `judge run -- pytest` runs it in the grading environment. `judge test` runs the same examples
# in the grading sandbox. Paths are relative to this folder, so it works from any folder below it too.
pythonpath = .
testpaths = tests
addopts = -p no:cacheprovider
markers =
    points(n): points the test is worth
    requirement(rid): the statement requirement it checks
"""
PREVIOUS_SOLUTION = "solution.prev.py"


def workspace_header(problem: Problem, attempt_id: str, started: float, versions: str) -> str:
    """The lines `judge start` puts above the statement in the workspace's README.md: the attempt, its
    budget and deadline, what the files here are, and the grader's versions."""
    data = [p.relative_to(problem.starter_dir).as_posix() for p in problem.data_files()]
    files = ["`solution.py` (your code: the only file graded)", *(f"`{name}`" for name in data),
             "`tests/` (public examples: `judge test`, or `judge run -- pytest`)"]
    grader = (f"The grader runs {versions} (`judge env`)." if versions
              else "`judge env` lists the grader's Python and library versions.")
    deadline = started + problem.budget_s
    paragraphs = [f"**Attempt {attempt_id}**: budget {problem.budget_minutes:g} min, started {local_time(started)}, "
                  f"**deadline {local_time(deadline)}** (local time). `judge status` shows the time left.",
                  f"In this folder: {', '.join(files)}.", grader]
    return quoted_header(paragraphs)


def quoted_header(paragraphs: list[str]) -> str:
    """Markdown paragraphs as the quoted block a workspace's README.md starts with, wrapped for an
    80-column terminal (`cat README.md`; a Markdown viewer joins the lines again). A command in backticks
    is never split across lines."""
    keep = [re.sub(r"`[^`]+`", lambda m: m.group(0).replace(" ", "\0"), text) for text in paragraphs]
    quoted = ["\n".join(textwrap.wrap(text, 76, initial_indent="> ", subsequent_indent="> ",
                                      break_on_hyphens=False, break_long_words=False)).replace("\0", " ")
              for text in keep]
    return "\n>\n".join(quoted) + "\n\n"


def _fill(problem: Problem, folder: Path, header: str, solution: bool) -> None:
    """Write the problem's files into ``folder``: README.md, data, tests/ (the public examples, beside any
    files of the candidate's there), pytest.ini, and the starter solution.py when ``solution``. Never through
    a link: a workspace's files may have been planted by code (``UnsafePath`` then names the file)."""
    for path in problem.data_files():
        confined.write_bytes(folder, path.relative_to(problem.starter_dir), path.read_bytes())
    if solution:
        confined.write_bytes(folder, SOLUTION, workspace_starter(problem).encode("utf-8"))
    confined.write_bytes(folder, "README.md", (header + workspace_statement(problem)).encode("utf-8"))
    if os.path.lexists(folder / "tests") and not (folder / "tests").is_dir():
        os.unlink(confined.check(folder, "tests"))  # a file where the tests' folder belongs
    # Written over, never emptied first: test files the candidate added there stay (`judge retry`, --force).
    if problem.public_tests_dir.is_dir():
        confined.copy_tree(problem.public_tests_dir, folder, "tests", skip=("__pycache__", "*.pyc"))
        if problem.doubles_path.is_file():  # the public tests' doubles, importable beside their conftest
            confined.write_bytes(folder, Path("tests") / "doubles.py", problem.doubles_path.read_bytes())
    confined.write_bytes(folder, "pytest.ini", PYTEST_INI.encode("utf-8"))


def check_workspace(problem: Problem, folder: Path) -> None:
    """Refuse (``UnsafePath``, naming the file) a workspace where any file the judge reads or rewrites is a
    symbolic link, before anything is changed."""
    names: list[str | Path] = [SOLUTION, PREVIOUS_SOLUTION, POINTER, "README.md", "pytest.ini", "tests",
                               *(p.relative_to(problem.starter_dir) for p in problem.data_files())]
    for name in names:
        confined.check(folder, name)
    tests = folder / "tests"
    if tests.is_dir() and not tests.is_symlink():
        for path in tests.rglob("*"):
            if path.is_symlink():
                confined.check(folder, path.relative_to(folder))


def is_workspace(folder: Path) -> bool:
    """True when ``folder`` holds a judge workspace (an attempt pointer, or a solution.py)."""
    return os.path.lexists(folder / POINTER) or os.path.lexists(folder / SOLUTION)


def keep_solution(problem: Problem, workspace: Path) -> str | None:
    """Before the starter replaces the workspace's solution.py, keep the candidate's code beside it: as
    solution.prev.py, or the first free solution.prevN.py when that one holds other code (a second --fresh
    or --force must not overwrite the first one's copy with the starter). Returns the name, or None when
    there is nothing to keep (no solution.py, or the untouched starter)."""
    if not confined.exists(workspace, SOLUTION):
        return None
    code = confined.read_bytes(workspace, SOLUTION)
    if code == workspace_starter(problem).encode("utf-8"):
        return None
    name, n = PREVIOUS_SOLUTION, 1
    while confined.exists(workspace, name) and confined.read_bytes(workspace, name) != code:
        n += 1
        name = f"solution.prev{n}.py"
    confined.write_bytes(workspace, name, code)
    return name


def create_workspace(problem: Problem, target: Path, force: bool, header: str = "") -> str | None:
    """Copy the statement, starter and public tests into ``target``: a new workspace whole or not at all.

    With ``force`` an earlier workspace there is renewed in place, as `judge retry` renews one: the judge's
    files are replaced, the candidate's other files stay, and its solution.py is never lost
    (``keep_solution``; its name is returned).
    """
    replacing = target.exists() and any(target.iterdir())
    if replacing:
        if not is_workspace(target):
            raise WorkspaceError(f"{target} is not empty and is not a judge workspace; choose another folder "
                                 "with --dir")
        if not force:
            raise WorkspaceError(
                f"{target} already holds a workspace of an earlier attempt. To try again there, keeping your "
                f"solution.py: `judge retry --dir {target}`. To start from the starter instead: add --force "
                f"(your solution.py is kept as {PREVIOUS_SOLUTION}).")
        try:
            check_workspace(problem, target)
            kept = keep_solution(problem, target)
            _fill(problem, target, header, solution=True)
        except UnsafePath as exc:
            raise WorkspaceError(str(exc)) from exc
        except OSError as exc:
            raise WorkspaceError(f"cannot renew the workspace {target}: {exc.strerror or exc}") from exc
        return kept
    staging = target.parent / f".{target.name}.judge-tmp"
    if staging.exists():
        shutil.rmtree(staging)
    try:
        staging.mkdir(parents=True)
        _fill(problem, staging, header, solution=True)
        if target.exists():
            target.rmdir()
        staging.rename(target)
    except UnsafePath as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise WorkspaceError(str(exc)) from exc
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise WorkspaceError(f"cannot create the workspace {target}: {exc.strerror or exc}") from exc
    return None


def _new_record(store: Store, problem: Problem, workspace: Path, started: float, attempt_id: str,
                **extra: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "id": attempt_id,
        "problem": problem.slug,
        "problem_root": str(problem.root),
        "started_at": started,
        "started_iso": iso_text(started),
        "budget_s": problem.budget_s,
        "workspace": str(workspace),
        "limits": problem.limits.to_dict(),
        "status": AttemptState.OPEN,
        "test_runs": 0,
        "public_results": [],
        **extra,
    }
    record["hmac"] = sign(record, store.key())
    return record


def _write_pointer(workspace: Path, record: dict[str, Any]) -> None:
    pointer = {"attempt_id": record["id"], "problem": record["problem"],
               "note": "written by `judge start`; the clock lives in the judge's data folder"}
    confined.write_bytes(workspace, POINTER, (json.dumps(pointer, indent=2) + "\n").encode("utf-8"))


def start(store: Store, problem: Problem, target: Path, now: Clock, force: bool = False,
          versions: str = "") -> dict[str, Any]:
    """Create the workspace and the signed attempt record; return the record. ``versions`` is the grader's
    versions line for the README (empty: the README points at `judge env`).

    Like a retry, a fresh start carries the help seen at the problem before (``carried_from_earlier``), so a
    solve after reading the model answer is never "unaided" whichever command began it."""
    target = target.resolve()
    if target.exists() and not target.is_dir():
        raise WorkspaceError(f"{target} is a file; choose a folder with --dir")
    carried = carried_from_earlier(store, problem.slug)
    attempt_id = store.new_id()
    started = now()
    made = not (target.exists() and any(target.iterdir()))  # else renewed in place, the candidate's files kept
    try:
        kept = create_workspace(problem, target, force, workspace_header(problem, attempt_id, started, versions))
    except WorkspaceError:
        shutil.rmtree(store.attempt_dir(attempt_id), ignore_errors=True)
        raise
    record = _new_record(store, problem, target, started, attempt_id, **carried,
                         **({"kept_solution": kept} if kept else {}))
    try:
        store.save_record(record)
        _write_pointer(target, record)
    except (OSError, StoreError):
        if made:
            shutil.rmtree(target, ignore_errors=True)
        raise
    return record


def carried_from_earlier(store: Store, slug: str) -> dict[str, Any]:
    """What a new attempt at ``slug`` carries from the newest earlier one (which carries what came before
    it): ``{"hints": [...], "carried": {...}}`` when hints had been seen or the model answer read, else {}.
    An earlier record that cannot be read carries nothing rather than stopping the start."""
    from judge.services.teaching import carried_help

    earlier = store.rows(slug)
    if not earlier:
        return {}
    try:
        hints, carried = carried_help(store.load_record(earlier[0]["id"]))
    except (OSError, StoreError, KeyError, ValueError):
        return {}
    return {"hints": hints, "carried": carried} if hints or carried["model_answer"] else {}


def close_attempt(store: Store, attempt_id: str, now: float) -> dict[str, Any]:
    """Mark an open attempt abandoned (closed with no submission); return its record. Raises
    ``WorkspaceError`` when it is already closed, ``AttemptLocked`` while it is being graded."""
    with store.lock(attempt_id):
        record = store.load_record(attempt_id)
        if record["status"] != AttemptState.OPEN:
            raise WorkspaceError(f"attempt {attempt_id} is already closed ({record['status']})")
        record.update({"status": AttemptState.ABANDONED, "abandoned_at": now, "abandoned_iso": iso_text(now)})
        store.save_record(record)
    return record


def retry(store: Store, record: dict[str, Any], problem: Problem, workspace: Path, now: Clock, fresh: bool = False,
          versions: str = "") -> tuple[dict[str, Any], bool]:
    """A new attempt at ``record``'s problem in the same workspace, with a fresh clock.

    The README, tests, data files and pytest.ini are renewed; solution.py is kept, unless ``fresh`` (then
    the starter replaces it and the candidate's code is kept as solution.prev.py). An open ``record`` is
    abandoned first. Returns the new record and whether an open attempt was abandoned.
    """
    try:
        check_workspace(problem, workspace)
    except UnsafePath as exc:
        raise WorkspaceError(str(exc)) from exc
    from judge.services.teaching import carried_help  # here: the editorials it reads cost `judge status` start-up

    abandoned = False
    if record["status"] == AttemptState.OPEN:
        close_attempt(store, record["id"], now())
        abandoned = True
    hints, carried = carried_help(store.load_record(record["id"]))
    attempt_id = store.new_id()
    started = now()
    header = workspace_header(problem, attempt_id, started, versions)
    try:
        kept = keep_solution(problem, workspace) if fresh else None
        _fill(problem, workspace, header, solution=fresh or not confined.exists(workspace, SOLUTION))
        new = _new_record(store, problem, workspace, started, attempt_id, retry_of=record["id"], hints=hints,
                          carried=carried, **({"kept_solution": kept} if kept else {}))
        store.save_record(new)
        _write_pointer(workspace, new)
    except UnsafePath as exc:
        shutil.rmtree(store.attempt_dir(attempt_id), ignore_errors=True)
        raise WorkspaceError(str(exc)) from exc
    except OSError as exc:
        shutil.rmtree(store.attempt_dir(attempt_id), ignore_errors=True)
        raise WorkspaceError(f"cannot renew the workspace {workspace}: {exc.strerror or exc}") from exc
    return new, abandoned


class AttemptClosed(WorkspaceError):
    """The attempt was already submitted; the message says where its report is."""


class ResultNotSaved(StoreError):
    """The submission was graded but its result could not be written (a full disk, a read-only data folder):
    the attempt stays open, and ``report`` is the result, to show rather than lose."""

    def __init__(self, message: str, report: Report) -> None:
        super().__init__(message)
        self.report = report


def record_public_run(store: Store, attempt_id: str, run: dict[str, Any]) -> bool:
    """Append one `judge test` run to the attempt's record. Re-read under the attempt's lock, so a `judge
    submit` that finished meanwhile is never overwritten. False when a submit holds the lock right now."""
    try:
        with store.lock(attempt_id):
            fresh = store.load_record(attempt_id)
            fresh.setdefault("public_results", []).append(run)
            fresh["test_runs"] = len(fresh["public_results"])
            store.write_record(fresh)
    except AttemptLocked:
        return False
    return True


def submit(store: Store, record: dict[str, Any], problem: Problem, submission: SolutionText, executor: Executor,
           submitted_at: float, warnings: list[str] | None = None) -> Report:
    """The submit transaction: under the attempt's lock, re-read the record, grade (through ``executor``,
    under its retry rule, like every grading), save the report and the snapshot, close the attempt.

    The attempt stays open when the judge could not grade: ``SandboxUnavailable`` propagates, and a report
    whose verdict is sandbox-error is returned without closing anything. Raises ``AttemptClosed`` when the
    attempt was already submitted, ``AttemptLocked`` when another process is grading it.
    """
    attempt_id = record["id"]
    with store.lock(attempt_id):
        record = store.load_record(attempt_id)  # re-read under the lock
        if record["status"] == AttemptState.SUBMITTED:
            raise AttemptClosed(f"attempt {attempt_id} was just submitted by another `judge submit`; "
                                f"see it with `judge report {attempt_id}`")
        if record["status"] != AttemptState.OPEN:
            raise AttemptClosed(f"attempt {attempt_id} is closed ({record['status']}); `judge retry` starts a "
                                "new attempt here with your code")
        report = executor.grade_one(problem, submission, limits=problem.limits)
        if report.verdict is Verdict.SANDBOX_ERROR:
            return report
        elapsed = submitted_at - float(record["started_at"])
        report = report.with_clock(attempt_id, elapsed, float(record["budget_s"]))
        report = replace(report, hints=hints_from_record(record.get("hints", [])),
                         model_answer_seen=bool((record.get("carried") or {}).get("model_answer")))
        if warnings:
            report = replace(report, warnings=report.warnings + tuple(warnings))
        try:
            store.save_report(attempt_id, report.to_dict(), submission.source)
            record.update({"status": AttemptState.SUBMITTED, "submitted_at": submitted_at,
                           "submitted_iso": iso_text(submitted_at),
                           "elapsed_s": elapsed, "submission_sha256": submission.sha256,
                           "result": {**{k: report.to_dict()[k] for k in ("score", "max_score", "percent", "verdict")},
                                      "mistakes": [d.mistake for d in report.diagnosis]}})
            store.save_record(record)  # last: until it is written, the attempt is open and can be submitted again
        except StoreError as exc:
            if saved_as(store, attempt_id) != AttemptState.SUBMITTED:
                raise ResultNotSaved(f"the result could not be saved: {exc}", report) from exc
            # The record is written and only the index behind `judge history` failed: the result stands.
            report = replace(report, warnings=(*report.warnings, f"judge history may not list this attempt yet: {exc}"))
    return report


def saved_as(store: Store, attempt_id: str) -> str:
    """The status the attempt's record on disk has now ("" when it cannot be read)."""
    try:
        return str(store.load_record(attempt_id).get("status", ""))
    except StoreError:
        return ""
