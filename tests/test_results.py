"""judge/results.py without Docker: the harness document's checks, verdict mapping, and failing closed on
anything missing, malformed, forged or duplicated."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from judge.backends import SandboxRun
from judge.grading.interpret import SIGKILL, SIGXFSZ, Outcome, interpret, not_run, parse_document
from judge.model.report import Status, Verdict
from judge.problems.testmeta import read_suite
from sandbox.protocol import CANARY_FILE, MAX_DOCUMENT_BYTES, PROTOCOL_VERSION

SPECS = read_suite(Path(__file__).parent / "fixtures" / "problems" / "tiny-add" / "hidden_tests")
NONCE = "0123456789abcdef" * 2
IDS = [
    "test_add.py::test_add_small",
    "test_add.py::test_add_negative",
    "test_add.py::test_scale_data_file",
    "test_add.py::test_scale_factors[0]",
    "test_add.py::test_scale_factors[-1]",
]
CANARY_ID = f"{CANARY_FILE}::test_judge_canary"


def row(test_id: str, outcome: str = "passed", **fields: Any) -> dict[str, Any]:
    return {"id": test_id, "outcome": outcome, "message": "", "duration_s": 0.01, "timed_out": False,
            "output": "", **fields}


def document(outcomes: dict[str, str] | None = None, *, canary: str | None = "failed",
             child: dict[str, Any] | None = None, extra_rows: list[Any] | None = None,
             **fields: Any) -> dict[str, Any]:
    """A harness document as a genuine run would print it; every test passed unless told otherwise."""
    outcomes = {i: "passed" for i in IDS} if outcomes is None else outcomes
    rows: list[Any] = [row(i, o) for i, o in outcomes.items()]
    if canary is not None:
        rows.append(row(CANARY_ID, canary))
    rows += extra_rows or []
    return {
        "protocol_version": PROTOCOL_VERSION,
        "nonce": NONCE,
        "collected": [*IDS, CANARY_ID],
        "collect_errors": [],
        "import_error": None,
        "results": rows,
        "duplicate_results": [],
        "finished": True,
        "rejected_events": 0,
        "events_overflowed": False,
        "child": {"exit_code": 1, "signal": None, "timed_out": False, "duration_s": 0.5, "output_bytes": 10,
                  "output_overflowed": False, "output": "1 failed, 5 passed", "oom_kills": 0, **(child or {})},
        **fields,
    }


def judge(doc: dict[str, Any] | None, **run: Any) -> Outcome:
    stdout = b"" if doc is None else (json.dumps(doc) + "\n").encode()
    return interpret(SandboxRun(stdout=stdout, **run), SPECS, NONCE)


def by_id(outcome: Outcome) -> dict[str, Any]:
    return {t.id: t for t in outcome.tests}


# -- verdict mapping of trustworthy runs -------------------------------------------------------------

def test_all_passed_with_a_failing_canary_is_passed() -> None:
    out = judge(document())
    assert out.verdict is Verdict.PASSED
    assert [t.id for t in out.tests] == IDS
    assert all(t.status is Status.PASS for t in out.tests)
    assert out.warnings == ()


def test_points_and_descriptions_come_from_the_hosts_copy_of_the_suite() -> None:
    doc = document(extra_rows=[])
    doc["results"][0].update(points=100, description="forged", requirement="R9")
    small = by_id(judge(doc))["test_add.py::test_add_small"]
    assert (small.points, small.requirement, small.description) == (2, "R1", "add works on small positive integers.")


def test_parametrized_cases_each_count_with_the_functions_points() -> None:
    cases = [t for t in judge(document()).tests if t.name == "test_scale_factors"]
    assert [t.id for t in cases] == IDS[3:]
    assert [t.points for t in cases] == [1, 1]


@pytest.mark.parametrize(
    ("outcome", "status"),
    [("failed", Status.FAIL), ("error", Status.ERROR), ("skipped", Status.FAIL)],
)
def test_a_test_that_did_not_pass_makes_the_run_failed(outcome: str, status: Status) -> None:
    out = judge(document({**{i: "passed" for i in IDS}, IDS[1]: outcome}))
    assert out.verdict is Verdict.FAILED
    assert by_id(out)[IDS[1]].status is status


def test_a_skip_is_a_failure_that_says_skipped() -> None:
    doc = document()
    doc["results"][0].update(outcome="skipped", message="not ready")
    assert by_id(judge(doc))[IDS[0]].message == "skipped: not ready"


def test_bad_durations_are_read_as_zero() -> None:
    doc = document()
    doc["results"][0]["duration_s"] = -3
    doc["results"][1]["duration_s"] = "soon"
    got = by_id(judge(doc))
    assert got[IDS[0]].duration_s == 0.0 and got[IDS[1]].duration_s == 0.0


def test_a_test_past_its_own_limit_is_a_timeout() -> None:
    doc = document()
    doc["results"][0].update(outcome="failed", timed_out=True)
    out = judge(doc)
    assert out.verdict is Verdict.TIMEOUT
    assert "per-test time limit: test_add_small" in out.detail
    assert by_id(out)[IDS[0]].status is Status.ERROR


def test_the_test_process_past_the_overall_limit_is_a_timeout() -> None:
    doc = document({}, finished=False, child={"timed_out": True, "signal": SIGKILL, "exit_code": None})
    assert judge(doc).verdict is Verdict.TIMEOUT


def test_the_host_clock_running_out_is_a_timeout_whatever_was_printed() -> None:
    out = judge(document(), timed_out=True)
    assert out.verdict is Verdict.TIMEOUT
    assert all(t.status is Status.ERROR for t in out.tests)


def test_oom_kills_in_the_cgroup_are_a_memory_limit() -> None:
    doc = document({}, finished=False, child={"signal": SIGKILL, "exit_code": None, "oom_kills": 1})
    assert judge(doc).verdict is Verdict.MEMORY_LIMIT


def test_an_oom_killed_sandbox_without_a_document_is_a_memory_limit() -> None:
    assert judge(None, oom_killed=True, exit_code=137).verdict is Verdict.MEMORY_LIMIT


def test_sigxfsz_is_an_output_limit() -> None:
    doc = document({}, finished=False, child={"signal": SIGXFSZ, "exit_code": None})
    out = judge(doc)
    assert out.verdict is Verdict.OUTPUT_LIMIT
    assert "file-size limit" in out.detail


def test_output_overflow_before_every_result_is_an_output_limit() -> None:
    doc = document({IDS[0]: "passed"}, finished=False,
                   child={"output_overflowed": True, "output_bytes": 5_000_000, "exit_code": 0})
    assert judge(doc).verdict is Verdict.OUTPUT_LIMIT


def test_output_overflow_of_a_complete_run_only_warns() -> None:
    out = judge(document(child={"output_overflowed": True, "output_bytes": 5_000_000}))
    assert out.verdict is Verdict.PASSED
    assert any("5000000 bytes" in w for w in out.warnings)


def test_an_import_error_is_reported_with_the_exception() -> None:
    doc = document({}, canary="failed", import_error="Traceback ...\nRuntimeError: boom")
    doc["collect_errors"] = [{"id": "test_add.py", "message": "ImportError while importing test_add.py"}]
    out = judge(doc)
    assert out.verdict is Verdict.IMPORT_ERROR
    assert "RuntimeError: boom" in out.detail
    assert all(t.status is Status.ERROR and "fails when imported" in t.message and "RuntimeError: boom" in t.message
               for t in out.tests)


def test_an_import_error_without_collect_errors_says_not_run() -> None:
    out = judge(document({}, import_error="SystemExit: 0"))
    assert out.verdict is Verdict.IMPORT_ERROR
    assert all("fails when imported" in t.message and "SystemExit: 0" in t.message for t in out.tests)


# -- failing closed -------------------------------------------------------------------------------------

def test_a_missing_result_is_a_crash_and_that_test_an_error() -> None:
    out = judge(document({i: "passed" for i in IDS if i != IDS[2]}))
    assert out.verdict is Verdict.CRASHED
    missing = by_id(out)["test_add.py::test_scale_data_file"]
    assert missing.status is Status.ERROR and "no result" in missing.message


def test_a_run_that_did_not_finish_is_a_crash_even_with_every_result() -> None:
    out = judge(document(finished=False, child={"signal": SIGKILL, "exit_code": None}))
    assert out.verdict is Verdict.CRASHED
    assert "signal 9" in out.detail


def test_a_crash_detail_shows_the_last_output() -> None:
    doc = document({}, finished=False, child={"exit_code": 0, "output": "partial\nSegmentation fault"})
    out = judge(doc)
    assert out.verdict is Verdict.CRASHED
    assert "exit code 0" in out.detail and "Segmentation fault" in out.detail


@pytest.mark.parametrize(
    ("stdout", "reason"),
    [
        (b"", "no result document"),
        (b"   \n\n", "no result document"),
        (b"{not json\n", "not valid JSON"),
        (b"[1, 2]\n", "not a JSON object"),
    ],
)
def test_unreadable_output_is_a_sandbox_error(stdout: bytes, reason: str) -> None:
    out = interpret(SandboxRun(stdout=stdout, exit_code=1, diagnostics="harness said why"), SPECS, NONCE)
    assert out.verdict is Verdict.SANDBOX_ERROR
    assert reason in out.detail and "harness said why" in out.detail
    assert all(t.status is Status.ERROR for t in out.tests)


@pytest.mark.parametrize("nonce", [None, "", "f" * 32, 12345])
def test_a_document_without_the_runs_nonce_is_a_sandbox_error(nonce: object) -> None:
    out = judge(document(nonce=nonce))
    assert out.verdict is Verdict.SANDBOX_ERROR
    assert "nonce" in out.detail


@pytest.mark.parametrize(("key", "bad"), [("results", None), ("collected", {}), ("child", []),
                                          ("collect_errors", "x")])
def test_a_document_missing_a_section_is_a_sandbox_error(key: str, bad: object) -> None:
    doc = document()
    doc[key] = bad
    out = judge(doc)
    assert out.verdict is Verdict.SANDBOX_ERROR
    assert repr(key) in out.detail


def test_the_harness_own_failure_is_a_sandbox_error() -> None:
    out = judge(document(harness_error="ValueError: bundle truncated"))
    assert out.verdict is Verdict.SANDBOX_ERROR
    assert "bundle truncated" in out.detail


def test_an_oversized_output_is_not_parsed() -> None:
    doc, reason = parse_document(b"x" * (MAX_DOCUMENT_BYTES + 1), NONCE)
    assert doc is None and "more than" in reason


def test_only_the_last_line_is_the_document() -> None:
    forged = document()  # a passing document printed earlier cannot stand in for the real one
    real = document({**{i: "passed" for i in IDS}, IDS[0]: "failed"})
    stdout = (json.dumps(forged) + "\n" + json.dumps(real) + "\n").encode()
    assert interpret(SandboxRun(stdout=stdout), SPECS, NONCE).verdict is Verdict.FAILED


def test_malformed_result_rows_are_ignored_and_the_test_counts_as_missing() -> None:
    doc = document({i: "passed" for i in IDS if i != IDS[0]},
                   extra_rows=["passed", {"id": 7, "outcome": "passed"}, row(IDS[0], "glorious")])
    out = judge(doc)
    assert out.verdict is Verdict.CRASHED
    assert by_id(out)[IDS[0]].status is Status.ERROR


def test_results_for_tests_not_in_the_suite_are_ignored_with_a_warning() -> None:
    out = judge(document(extra_rows=[row("test_bonus.py::test_free_points")]))
    assert out.verdict is Verdict.PASSED
    assert [t.id for t in out.tests] == IDS
    assert any("test_bonus.py::test_free_points" in w for w in out.warnings)


def test_duplicate_results_mean_nothing_can_be_trusted() -> None:
    # A forger who learned the nonce sends "passed" first; the plugin's genuine result comes second.
    out = judge(document({**{i: "passed" for i in IDS}, IDS[0]: "passed"},
                         duplicate_results=[IDS[0]]))
    assert out.verdict is Verdict.CRASHED
    assert "more than one result" in out.detail
    assert any("more than one result" in w for w in out.warnings)
    assert all(t.status is not Status.PASS for t in out.tests)


def test_duplicates_inside_the_document_keep_the_first_and_still_need_the_flag() -> None:
    # interpret() itself keeps the first row of an id; the harness's duplicate list is what fails the run.
    doc = document({**{i: "passed" for i in IDS}, IDS[0]: "failed"}, extra_rows=[row(IDS[0], "passed")])
    assert by_id(judge(doc))[IDS[0]].status is Status.FAIL


def test_rejected_forged_lines_warn_but_keep_the_genuine_results() -> None:
    out = judge(document({**{i: "passed" for i in IDS}, IDS[0]: "failed"}, rejected_events=8))
    assert out.verdict is Verdict.FAILED
    assert any("8 forged or malformed" in w for w in out.warnings)


@pytest.mark.parametrize("canary", ["passed", None])
def test_a_canary_that_passed_or_vanished_means_tampering(canary: str | None) -> None:
    out = judge(document(canary=canary))
    assert out.verdict is Verdict.CRASHED
    assert "canary" in out.detail
    assert any("canary test did not fail" in w for w in out.warnings)
    assert all(t.status is Status.ERROR and "not trusted" in t.message for t in out.tests)


def test_a_second_canary_means_tampering() -> None:
    out = judge(document(extra_rows=[row(f"{CANARY_FILE}::test_judge_canary_2", "failed")]))
    assert out.verdict is Verdict.CRASHED


def test_tampering_keeps_real_failures_as_failures() -> None:
    out = judge(document({**{i: "passed" for i in IDS}, IDS[0]: "failed"}, canary="passed"))
    assert by_id(out)[IDS[0]].status is Status.FAIL


def test_an_empty_suite_never_passes() -> None:
    doc = document({})
    out = interpret(SandboxRun(stdout=(json.dumps(doc) + "\n").encode()), [], NONCE)
    assert out.verdict is Verdict.SANDBOX_ERROR


def test_not_run_marks_every_test_an_error_with_the_reason() -> None:
    tests = not_run(SPECS, "not graded: x")
    assert [t.id for t in tests] == [s.key for s in SPECS]
    assert all(t.status is Status.ERROR and t.message == "not graded: x" for t in tests)
