"""Timed attempts: the workspace a candidate works in, the attempt record, the clock, and the submit.

The start time lives in the judge's data folder, not in the workspace, and the record's clock fields
are signed with an HMAC under a per-install key: editing or copying the workspace cannot change the
elapsed time, and an edited record is reported as "clock record altered" instead of being trusted.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import shutil
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from judge import grading
from judge.backends import Backend
from judge.model.outcomes import Verdict
from judge.model.report import Report, hints_from_record
from judge.model.submission import SOLUTION, Submission
from judge.problems.catalog import Problem
from judge.store.files import write_json
from judge.store.index import AttemptLocked, Store, StoreError

POINTER = ".judge-attempt"
SIGNED_FIELDS = ("id", "problem", "started_at", "budget_s", "workspace")
CLOCK_ALTERED = "clock record altered: the attempt's start time or budget was edited; elapsed time is not trusted"
Clock = Callable[[], float]

PYTEST_INI = """[pytest]
# Lets `pytest` in this folder run the public examples against solution.py, if you have the libraries.
# `judge test` runs them in the grading sandbox instead, with exactly the grader's libraries.
pythonpath = .
testpaths = tests
addopts = -p no:cacheprovider
markers =
    points(n): points the test is worth
    requirement(rid): the statement requirement it checks
"""


class WorkspaceError(RuntimeError):
    """A workspace that cannot be created or found; the message says what to do."""


def sign(record: dict[str, Any], key: bytes) -> str:
    """HMAC-SHA256 over the clock-bearing fields of an attempt record."""
    payload = json.dumps({k: record.get(k) for k in SIGNED_FIELDS}, sort_keys=True).encode()
    return hmac.new(key, payload, hashlib.sha256).hexdigest()


def verify(record: dict[str, Any], key: bytes) -> bool:
    return hmac.compare_digest(str(record.get("hmac", "")), sign(record, key))


def new_attempt_id(problem: str, now: float) -> str:
    stamp = datetime.fromtimestamp(now, UTC).strftime("%Y%m%d-%H%M%S")
    return f"{stamp}-{problem}-{secrets.token_hex(2)}"


@dataclass(frozen=True)
class ClockView:
    """Where an attempt stands against its budget at one instant. Pure arithmetic."""

    elapsed_s: float
    budget_s: float

    @property
    def remaining_s(self) -> float:
        return self.budget_s - self.elapsed_s

    @property
    def over(self) -> bool:
        return self.elapsed_s > self.budget_s

    @property
    def fraction(self) -> float:
        return self.elapsed_s / self.budget_s if self.budget_s else 0.0


def clock_view(record: dict[str, Any], now: float) -> ClockView:
    """The attempt's clock at ``now`` (or at its submit time once submitted)."""
    end = record.get("submitted_at") or now
    return ClockView(max(0.0, float(end) - float(record["started_at"])), float(record["budget_s"]))


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds")


def local_time(ts: float) -> str:
    return datetime.fromtimestamp(ts).strftime("%H:%M")


def create_workspace(problem: Problem, target: Path, force: bool) -> None:
    """Copy the statement, starter and public tests into ``target`` (nothing half-made on failure)."""
    if target.exists() and any(target.iterdir()):
        if not force:
            raise WorkspaceError(f"{target} already exists and is not empty; use another --dir, or --force to "
                                 "replace it (its solution.py will be lost)")
        if (target / POINTER).exists() or (target / SOLUTION).exists():
            shutil.rmtree(target)
        else:
            raise WorkspaceError(f"{target} is not a judge workspace; refusing to delete it even with --force")
    staging = target.parent / f".{target.name}.judge-tmp"
    if staging.exists():
        shutil.rmtree(staging)
    try:
        shutil.copytree(problem.starter_dir, staging, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        (staging / "README.md").write_text(problem.statement(), encoding="utf-8")
        if problem.public_tests_dir.is_dir():
            shutil.copytree(problem.public_tests_dir, staging / "tests",
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        (staging / "pytest.ini").write_text(PYTEST_INI)
        if target.exists():
            target.rmdir()
        staging.rename(target)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise WorkspaceError(f"cannot create the workspace {target}: {exc.strerror or exc}") from exc


def start(store: Store, problem: Problem, target: Path, now: Clock, force: bool = False) -> dict[str, Any]:
    """Create the workspace and the signed attempt record; return the record."""
    target = target.resolve()
    create_workspace(problem, target, force)
    started = now()
    record: dict[str, Any] = {
        "id": new_attempt_id(problem.slug, started),
        "problem": problem.slug,
        "problem_root": str(problem.root),
        "started_at": started,
        "started_iso": iso(started),
        "budget_s": problem.budget_s,
        "workspace": str(target),
        "limits": problem.limits.to_dict(),
        "status": "open",
        "test_runs": 0,
        "public_results": [],
    }
    record["hmac"] = sign(record, store.key())
    try:
        store.save_record(record)
        pointer = {"attempt_id": record["id"], "problem": problem.slug,
                   "note": "written by `judge start`; the clock lives in the judge's data folder"}
        (target / POINTER).write_text(json.dumps(pointer, indent=2) + "\n")
    except (OSError, StoreError):
        shutil.rmtree(target, ignore_errors=True)
        raise
    return record


def find_workspace(start_dir: Path) -> Path:
    """The workspace holding ``start_dir`` (itself or a parent), by its pointer file."""
    here = start_dir.resolve()
    for folder in (here, *here.parents):
        if (folder / POINTER).is_file():
            return folder
    raise WorkspaceError(f"{start_dir} is not inside a judge workspace (no {POINTER} file). Start one with "
                         "`judge start PROBLEM`, or pass --dir WORKSPACE.")


def load_for_workspace(store: Store, workspace: Path) -> tuple[dict[str, Any], list[str]]:
    """The attempt record behind a workspace, and warnings about its integrity."""
    try:
        pointer = json.loads((workspace / POINTER).read_text())
        attempt_id = str(pointer["attempt_id"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise WorkspaceError(f"{workspace / POINTER} is damaged; start a new attempt with `judge start`") from exc
    record = store.load_record(attempt_id)
    warnings: list[str] = []
    if not verify(record, store.key()):
        warnings.append(CLOCK_ALTERED)
    if Path(record.get("workspace", "")) != workspace.resolve():
        warnings.append(f"workspace moved or copied: the attempt was started in {record.get('workspace')}")
    return record, warnings


class AttemptClosed(WorkspaceError):
    """The attempt was already submitted; the message says where its report is."""


def record_public_run(store: Store, attempt_id: str, run: dict[str, Any]) -> bool:
    """Append one `judge test` run to the attempt's record. Re-read under the attempt's lock, so a `judge
    submit` that finished meanwhile is never overwritten. False when a submit holds the lock right now."""
    try:
        with store.lock(attempt_id):
            fresh = store.load_record(attempt_id)
            fresh.setdefault("public_results", []).append(run)
            fresh["test_runs"] = len(fresh["public_results"])
            write_json(store.attempt_dir(attempt_id) / "attempt.json", fresh)
    except AttemptLocked:
        return False
    return True


def submit(store: Store, record: dict[str, Any], problem: Problem, submission: Submission, backend: Backend,
           submitted_at: float, warnings: list[str] | None = None) -> Report:
    """The submit transaction: under the attempt's lock, re-read the record, grade, save the report and the
    snapshot, close the attempt.

    The attempt stays open when the judge could not grade: ``SandboxUnavailable`` propagates, and a report
    whose verdict is sandbox-error is returned without closing anything. Raises ``AttemptClosed`` when the
    attempt was already submitted, ``AttemptLocked`` when another process is grading it.
    """
    attempt_id = record["id"]
    with store.lock(attempt_id):
        record = store.load_record(attempt_id)  # re-read under the lock
        if record["status"] == "submitted":
            raise AttemptClosed(f"attempt {attempt_id} was just submitted by another `judge submit`; "
                                f"see it with `judge report {attempt_id}`")
        report = grading.grade(problem, submission, backend, limits=problem.limits)
        if report.verdict is Verdict.SANDBOX_ERROR:
            return report
        elapsed = submitted_at - float(record["started_at"])
        report = report.with_clock(attempt_id, elapsed, float(record["budget_s"]))
        report = replace(report, hints=hints_from_record(record.get("hints", [])))
        if warnings:
            report = replace(report, warnings=report.warnings + tuple(warnings))
        store.save_report(attempt_id, report.to_dict(), submission.source)
        record.update({"status": "submitted", "submitted_at": submitted_at, "submitted_iso": iso(submitted_at),
                       "elapsed_s": elapsed, "submission_sha256": submission.sha256,
                       "result": {k: report.to_dict()[k] for k in ("score", "max_score", "percent", "verdict")}})
        store.save_record(record)
    return report
