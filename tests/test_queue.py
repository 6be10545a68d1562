"""The job queue's pure parts and its command-line errors, without Redis or Docker: broker URLs, the result
record (a malformed one is a sandbox error, never a run), a refusal's verdict, and one-line errors for a bad or
unreachable broker. The real thing (Redis, workers, Docker, faults) is tests/test_queue_redis.py."""

from __future__ import annotations

import base64
import subprocess
import sys
from dataclasses import replace

import pytest

from judge.backends import SandboxRun
from judge.execution.queue import (
    JOB_FORMAT,
    BrokerError,
    WorkerSetup,
    check_url,
    execute_job,
    record_run,
    redact,
    refused_record,
    run_record,
)
from judge.grading import finish, prepare
from judge.model.outcomes import Verdict
from judge.model.submission import SolutionText
from judge.problems.catalog import Problem

from .conftest import TINY, free_port


@pytest.mark.parametrize("url", ["redis://127.0.0.1:6379/0", "redis://h", "rediss://user:pw@h:6380/3"])
def test_redis_urls_are_accepted(url: str) -> None:
    assert check_url(url) == url


@pytest.mark.parametrize("url", ["http://h:6379/0", "h:6379", "redis://", "redis://h:port/0", "redis://h/x"])
def test_other_urls_are_refused_with_the_expected_shape(url: str) -> None:
    with pytest.raises(BrokerError, match="redis://"):
        check_url(url)


def test_passwords_are_not_shown() -> None:
    assert redact("redis://user:secret@h:6379/0") == "redis://user:***@h:6379/0"
    assert redact("redis://h:6379/0") == "redis://h:6379/0"


def test_a_run_survives_the_record_round_trip() -> None:
    run = SandboxRun(stdout=b"\x00{\"a\": 1}\n\xff", exit_code=137, oom_killed=True, timed_out=False,
                     output_overflow=True, duration_s=1.5, diagnostics="why")
    assert record_run(run_record(run, "w1")) == replace(run, worker="w1"), "and it names the worker that ran it"
    warm = SandboxRun(stdout=b"{}", warm=True)
    assert record_run(run_record(warm, "w1")) == replace(warm, worker="w1"), "a run on a worker's warm spare says so"


@pytest.mark.parametrize("preload", [["os; rm -rf /"], ["../x"], [1], ["m"] * 65])
def test_a_job_with_a_malformed_preload_is_refused_not_run(preload: list[object]) -> None:
    worker = WorkerSetup(name="w1", image="img", image_present=True, concurrency=1, visibility_timeout_s=600.0,
                         url="redis://127.0.0.1:1/0")
    record = execute_job("j", base64.b64encode(b"x").decode(), {}, "img", JOB_FORMAT, worker,
                         preload)  # type: ignore[arg-type]
    assert record_run(record).refused.startswith("worker w1 received a malformed job")


@pytest.mark.parametrize("change", [{"stdout": "not base64!"}, {"exit_code": "0"}, {"duration_s": "soon"}])
def test_a_malformed_record_is_a_refusal_never_a_run(change: dict[str, object]) -> None:
    record = run_record(SandboxRun(stdout=b"ok"), "w1") | change
    run = record_run(record)
    assert run.refused.startswith("the result from worker w1 is malformed") and run.stdout == b""


def test_a_refusal_is_a_sandbox_error_with_its_text(tiny_problem: Problem) -> None:
    job = prepare(tiny_problem, SolutionText.from_source((TINY / "reference" / "solution.py").read_text()))
    why = "worker w grades with image A, but this judge expects B\n  fix: build B there"
    report = finish(job, record_run(refused_record("w", why)), {})
    assert report.verdict is Verdict.SANDBOX_ERROR and report.detail == why
    assert all(t.message == "not graded: worker w grades with image A, but this judge expects B" for t in report.tests)
    assert report.score == 0 and report.max_score == 6


def test_record_stdout_is_base64() -> None:
    assert run_record(SandboxRun(stdout=b"abc"), "w")["stdout"] == base64.b64encode(b"abc").decode()


def judge(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "judge", "--problems", str(TINY.parent), *args],
                          capture_output=True, text=True, timeout=60)


def test_cli_bad_or_unreachable_broker_is_one_line(judge_home: object) -> None:
    solution = str(TINY / "reference" / "solution.py")
    bad = judge("grade", "--problem", "tiny-add", solution, "--broker", "http://localhost:6379")
    assert bad.returncode == 2 and bad.stderr.strip().count("\n") == 0
    assert "--broker must be a Redis URL such as redis://HOST:6379/0" in bad.stderr

    closed = f"redis://127.0.0.1:{free_port()}/0"
    for args in (("grade", "--problem", "tiny-add", solution, "--broker", closed),
                 ("workers", "--broker", closed), ("worker", "--broker", closed)):
        done = judge(*args)
        assert done.returncode == 3, done.stderr
        assert "does not answer" in done.stderr and "Traceback" not in done.stderr
        assert "fix: start Redis" in done.stderr

    local = judge("grade", "--problem", "tiny-add", solution, "--broker", closed, "--backend", "local")
    assert local.returncode == 2 and "drop --backend local" in local.stderr
