"""Turn what a sandbox run produced into per-test results and a verdict. Pure: data in, data out.

This is where the judge fails closed. The harness document is checked for shape, size and the run's
nonce; every test the host knows about (read statically from the suite) must come back with a result or
a reason; the injected canary test must have failed. Anything missing or malformed becomes an error
verdict, never a pass.
"""

from __future__ import annotations

import json
import re
import signal
from dataclasses import dataclass
from typing import Any

from judge.backends import SandboxRun
from judge.grading.messages import clean, missing_name, traceback_summary
from judge.model.report import Status, TestResult, Verdict
from judge.problems.testmeta import TestSpec, base_key
from sandbox.protocol import CANARY_FILE, MAX_DOCUMENT_BYTES, OUTCOMES, document_problem

SIGXFSZ = getattr(signal, "SIGXFSZ", 25)
SIGKILL = getattr(signal, "SIGKILL", 9)


@dataclass(frozen=True)
class Outcome:
    """The graded meaning of a run."""

    verdict: Verdict
    tests: tuple[TestResult, ...]
    detail: str = ""
    warnings: tuple[str, ...] = ()


def parse_document(stdout: bytes, nonce: str) -> tuple[dict[str, Any] | None, str]:
    """The harness document, or None with the reason it cannot be trusted."""
    if len(stdout) > MAX_DOCUMENT_BYTES:
        return None, f"the sandbox printed {len(stdout)} bytes, more than the {MAX_DOCUMENT_BYTES} allowed"
    lines = [line for line in stdout.splitlines() if line.strip()]
    if not lines:
        return None, "the sandbox printed no result document"
    try:
        document = json.loads(lines[-1])
    except ValueError:
        return None, "the sandbox's result document is not valid JSON"
    problem = document_problem(document, nonce)
    if problem is not None:
        return None, problem
    return document, ""


def unreported(spec: TestSpec, message: str) -> TestResult:
    """A test with no result, as one error row worth all its cases' points (so the maximum never shrinks)."""
    return TestResult(spec.key, spec.name, spec.requirement, spec.description, spec.points * spec.cases,
                      Status.ERROR, message)


def not_run(specs: list[TestSpec], message: str) -> tuple[TestResult, ...]:
    """Every test as an error with the same reason (nothing ran, or nothing can be trusted)."""
    return tuple(unreported(s, message) for s in specs)


def _tail(text: str, lines: int = 25) -> str:
    return "\n".join(text.rstrip().splitlines()[-lines:])


def _test_result(spec: TestSpec, raw: dict[str, Any]) -> TestResult:
    outcome = raw.get("outcome")
    message = clean(str(raw.get("message", "")))
    if raw.get("timed_out"):
        status, message = Status.ERROR, message or "the test ran past its time limit"
    elif outcome == "passed":
        status = Status.PASS
    elif outcome == "failed":
        status = Status.FAIL
    elif outcome == "skipped":
        status, message = Status.FAIL, f"skipped: {message}" if message else "skipped"
    else:
        status = Status.ERROR
    try:
        duration = max(0.0, float(raw.get("duration_s", 0.0)))
    except (TypeError, ValueError):
        duration = 0.0
    return TestResult(
        id=str(raw["id"]),
        name=spec.name,
        requirement=spec.requirement,
        description=spec.description,
        points=spec.points,
        status=status,
        message=message,
        duration_s=duration,
        output=str(raw.get("output", "")),
    )


def _missing_reason(spec: TestSpec, document: dict[str, Any]) -> str:
    lost = document.get("runner_lost")
    if isinstance(lost, dict) and not lost.get("id"):
        return f"not run: {str(lost.get('reason', 'the solution process ended'))[:300]}"
    if document.get("import_error"):
        return "not run: solution.py fails when imported:\n" + traceback_summary(str(document["import_error"]))
    for error in document["collect_errors"]:
        if isinstance(error, dict) and str(error.get("id", "")) in (spec.file, ""):
            message = str(error.get("message", ""))
            name = missing_name(message)
            if name:
                return f"not run: solution.py does not define {name}, which the tests import"
            return f"not run: the test file could not be loaded:\n{_tail(clean(message), 6)}"
    return "no result: the test process ended before this test reported"


_NOT_DEFINED = re.compile(r"solution\.py does not define (\w+)")


def _undefined_names(document: dict[str, Any]) -> list[str]:
    """Names the tests call on solution.py that it does not define (the runner's answer to ``candidate.NAME``),
    or that an older suite imports from it (its collection failed)."""
    names = [missing_name(str(e.get("message", ""))) for e in document["collect_errors"] if isinstance(e, dict)]
    for raw in document["results"]:
        if isinstance(raw, dict) and raw.get("outcome") in ("failed", "error"):
            found = _NOT_DEFINED.search(str(raw.get("message", "")))
            names.append(found.group(1) if found else "")
    return sorted({n for n in names if n})


def interpret(run: SandboxRun, specs: list[TestSpec], nonce: str) -> Outcome:
    """The verdict and per-test results of one run, failing closed on anything untrustworthy."""
    if run.refused:
        first = run.refused.strip().splitlines()[0] if run.refused.strip() else "no sandbox ran"
        return Outcome(Verdict.SANDBOX_ERROR, not_run(specs, "not graded: " + first), run.refused)
    if run.timed_out:
        return Outcome(
            Verdict.TIMEOUT,
            not_run(specs, "not finished: the run passed its overall time limit"),
            "The run passed its overall time limit and was stopped from outside the sandbox.",
        )
    document, reason = parse_document(run.stdout, nonce)
    if document is None:
        if run.oom_killed:
            return Outcome(Verdict.MEMORY_LIMIT, not_run(specs, "not finished: memory limit"),
                           "The sandbox ran out of memory.")
        detail = f"{reason} (sandbox exit code {run.exit_code})."
        if run.diagnostics:
            detail += "\n" + _tail(run.diagnostics)
        return Outcome(Verdict.SANDBOX_ERROR, not_run(specs, "not graded: " + reason), detail)

    warnings: list[str] = []
    child = document["child"]
    raw_results: dict[str, dict[str, Any]] = {}
    for raw in document["results"]:
        if isinstance(raw, dict) and isinstance(raw.get("id"), str) and raw.get("outcome") in OUTCOMES:
            raw_results.setdefault(raw["id"], raw)
    canary = [r for tid, r in raw_results.items() if tid.startswith(CANARY_FILE)]
    by_key: dict[str, list[dict[str, Any]]] = {}
    for tid, raw in raw_results.items():
        by_key.setdefault(base_key(tid), []).append(raw)

    tests: list[TestResult] = []
    missing = 0
    for spec in specs:
        found = by_key.pop(spec.key, [])
        if not found:
            missing += 1
            reason = _missing_reason(spec, document)
            tests.append(unreported(spec, reason))
            continue
        tests.extend(_test_result(spec, raw) for raw in found)
    unexpected = sorted(k for k in by_key if not k.startswith(CANARY_FILE))
    if unexpected:
        warnings.append("integrity: results for tests that are not in the suite were ignored: "
                        + ", ".join(unexpected[:5]))
    # The plugin reports each test exactly once, so a second result for a test is a forged one.
    duplicated = bool(document.get("duplicate_results"))
    if duplicated:
        warnings.append("integrity: some tests reported more than one result, so none can be trusted")
    if document.get("rejected_events"):
        warnings.append(f"integrity: {document['rejected_events']} forged or malformed result line(s) "
                        "were ignored")
    if child.get("output_overflowed"):
        warnings.append(f"output: the test process printed {child.get('output_bytes')} bytes; "
                        "the middle was cut")

    collected_ok = not missing and bool(document.get("finished"))
    canary_failed = len(canary) == 1 and canary[0].get("outcome") == "failed"
    tampered = collected_ok and (duplicated or not canary_failed)
    output = str(child.get("output", ""))
    signal_no = child.get("signal")
    exit_code = child.get("exit_code")
    ended = f"signal {signal_no}" if signal_no else f"exit code {exit_code}"
    runner: dict[str, Any] = document["runner"] if isinstance(document.get("runner"), dict) else {}
    lost: dict[str, Any] | None = document["runner_lost"] if isinstance(document.get("runner_lost"), dict) \
        else None

    if signal_no == SIGXFSZ or runner.get("signal") == SIGXFSZ:
        verdict = Verdict.OUTPUT_LIMIT
        detail = "The test process wrote more than the file-size limit allows and was stopped."
    elif run.oom_killed or (child.get("oom_kills") or 0) > 0:
        verdict = Verdict.MEMORY_LIMIT
        detail = "The test process ran out of memory and was killed by the kernel."
    elif child.get("timed_out"):
        verdict, detail = Verdict.TIMEOUT, "The test process passed its overall time limit and was stopped."
        hung = next((t.message for t in tests if t.status is Status.ERROR and "your code was at" in t.message), "")
        if hung:
            detail += f"\nThe first test that ran out of time: {hung}"
    elif any(raw.get("timed_out") for raw in raw_results.values()):
        slow = [spec.name for spec in specs if any(raw.get("timed_out") for raw in
                                                   (r for tid, r in raw_results.items() if base_key(tid) == spec.key))]
        verdict, detail = Verdict.TIMEOUT, "A test ran past its per-test time limit" + (
            f": {', '.join(slow)}." if slow else "."
        )
    elif document.get("import_error"):
        verdict, detail = Verdict.IMPORT_ERROR, clean(str(document["import_error"]))
    elif _undefined_names(document):
        names = _undefined_names(document)
        verdict = Verdict.IMPORT_ERROR
        detail = (f"solution.py does not define {', '.join(names)}: the tests call "
                  f"{'it' if len(names) == 1 else 'them'}, so the tests that need "
                  f"{'it' if len(names) == 1 else 'them'} failed. Check the name and that it is at the top level.")
    elif tampered:
        verdict = Verdict.CRASHED
        if canary_failed:
            detail = ("Some tests reported more than one result: the results channel was written to by "
                      "something other than the judge, so no result of this run can be trusted.")
        else:
            detail = ("The judge's canary test, which always fails, was reported as passing or went missing: "
                      "pytest's reporting was tampered with, so no result of this run can be trusted.")
            warnings.append("integrity: pytest's reporting was tampered with (canary test did not fail)")
        tests = [t if t.status is not Status.PASS else TestResult(
            t.id, t.name, t.requirement, t.description, t.points, Status.ERROR,
            "not trusted: pytest's reporting was tampered with", t.duration_s) for t in tests]
    elif lost is not None:
        # The candidate's process ended or stopped answering in a test; the tests after it could not call it.
        verdict = Verdict.CRASHED
        runner_ended = (f"signal {runner['signal']}" if runner.get("signal")
                        else f"exit code {runner.get('exit_code')}")
        where = next((spec.name for spec in specs if spec.key == base_key(str(lost.get("id", "")))), "")
        detail = (f"{str(lost.get('reason', 'the solution stopped answering'))[:300]} ({runner_ended})"
                  + (f", during {where}" if where else "") + "; the tests after it could not call solution.py.")
        if output.strip():
            detail += "\nLast output:\n" + _tail(clean(output), 15)
    elif child.get("output_overflowed") and not collected_ok:
        verdict, detail = Verdict.OUTPUT_LIMIT, "The test process printed more than the output limit allows."
    elif not collected_ok:
        verdict = Verdict.CRASHED
        detail = f"The test process ended ({ended}) before every test reported a result."
        if output.strip():
            detail += "\nLast output:\n" + _tail(clean(output), 15)
    elif all(t.status is Status.PASS for t in tests):
        verdict, detail = Verdict.PASSED, ""
    else:
        verdict, detail = Verdict.FAILED, ""
    if verdict is Verdict.PASSED and not tests:
        verdict, detail = Verdict.SANDBOX_ERROR, "The suite has no tests."
    return Outcome(verdict, tuple(tests), detail, tuple(warnings))
