"""The host-harness contract, end to end without Docker: the real pytest plugin and harness functions make a
result document from a real bundle, and the host's interpreter reads it. Also the framing and the version
check that turns an out-of-date image into a clear sandbox error."""

from __future__ import annotations

import io
import json
import os
import sys
from pathlib import Path

import pytest

from judge.backends import SandboxRun
from judge.grading import finish, prepare
from judge.model.outcomes import Verdict
from judge.model.submission import SolutionText
from judge.problems.catalog import Problem, load_problem
from sandbox import protocol

from .conftest import TINY

SANDBOX = Path(__file__).resolve().parents[1] / "sandbox"


@pytest.fixture(scope="module")
def harness() -> object:
    """sandbox/harness.py imported as the sandbox imports it (its folder on sys.path, `protocol` beside it)."""
    sys.path.insert(0, str(SANDBOX))
    try:
        import harness as module
    finally:
        sys.path.remove(str(SANDBOX))
    return module


@pytest.fixture
def tiny() -> Problem:
    return load_problem(TINY)


def run_in_process(harness: object, bundle: bytes, runtime: dict[str, object], scratch: Path) -> bytes:
    """What harness.main does with its two frames, but in this process: unpack, run pytest with the judge's
    plugin, print the document. Returns the stdout the host would read."""
    fd_in, fd_out = os.pipe()
    os.write(fd_out, protocol.frame(json.dumps(runtime).encode()) + protocol.frame(bundle))
    os.close(fd_out)
    stdout = io.StringIO()
    real_stdin, real_stdout = sys.stdin, sys.stdout
    try:
        sys.stdin = os.fdopen(fd_in, "rb")  # main() reads sys.stdin.fileno()
        sys.stdout = stdout
        assert harness.main(["--scratch", str(scratch)]) == 0  # type: ignore[attr-defined]
    finally:
        sys.stdin.close()
        sys.stdin, sys.stdout = real_stdin, real_stdout
    return stdout.getvalue().encode()


def test_plugin_harness_and_interpreter_agree_on_a_real_run(harness: object, tiny: Problem, tmp_path: Path) -> None:
    source = (TINY / "reference" / "solution.py").read_text()
    job = prepare(tiny, SolutionText.from_source(source))
    stdout = run_in_process(harness, job.bundle, {protocol.RUN_AS: None, protocol.THREADS: 1}, tmp_path / "s")
    document = json.loads(stdout.decode().strip().splitlines()[-1])
    assert document["protocol_version"] == protocol.PROTOCOL_VERSION and document["finished"] is True
    report = finish(job, SandboxRun(stdout=stdout), {"backend": "in-process"})
    assert report.verdict is Verdict.PASSED and report.percent == 100.0
    assert len(report.tests) == sum(s.cases for s in job.specs)


def test_a_failing_submission_fails_the_same_tests_through_the_contract(
        harness: object, tiny: Problem, tmp_path: Path) -> None:
    source = (TINY / "known_mistakes" / "subtracts.py").read_text()
    job = prepare(tiny, SolutionText.from_source(source))
    stdout = run_in_process(harness, job.bundle, {protocol.RUN_AS: None}, tmp_path / "s")
    report = finish(job, SandboxRun(stdout=stdout), {})
    assert report.verdict is Verdict.FAILED and 0 < report.percent < 100


def test_a_document_of_another_protocol_version_says_to_rebuild(tiny: Problem) -> None:
    job = prepare(tiny, SolutionText.from_source("def add(a, b):\n    return a + b\n"))
    old = {"harness_version": 1, "nonce": job.nonce, "results": [], "collected": [], "child": {},
           "collect_errors": []}
    report = finish(job, SandboxRun(stdout=(json.dumps(old) + "\n").encode()), {})
    assert report.verdict is Verdict.SANDBOX_ERROR
    assert "protocol version 1" in report.detail and "judge sandbox build" in report.detail


def test_frames_round_trip_and_refuse_what_is_too_large_or_cut() -> None:
    read, write = os.pipe()
    os.write(write, protocol.frame(b"abc") + protocol.frame(b"x" * 10) + (5).to_bytes(8, "big") + b"12")
    os.close(write)
    assert protocol.read_frame(read, 100, "first") == b"abc"
    with pytest.raises(ValueError, match="too large"):
        protocol.read_frame(read, 5, "second")
    os.close(read)
    read, write = os.pipe()
    os.write(write, (5).to_bytes(8, "big") + b"12")
    os.close(write)
    with pytest.raises(ValueError, match="truncated"):
        protocol.read_frame(read, 100, "third")
    os.close(read)


def test_the_bundle_never_depends_on_the_backend(tiny: Problem) -> None:
    """A worker, a warm spare or a local container run the same bytes: backend settings travel beside it."""
    import tarfile

    job = prepare(tiny, SolutionText.from_source("def add(a, b):\n    return a + b\n"))
    with tarfile.open(fileobj=io.BytesIO(job.bundle)) as tar:
        settings = json.loads(tar.extractfile(protocol.SETTINGS_FILE).read())  # type: ignore[union-attr]
        names = set(tar.getnames())
    assert set(settings) == {protocol.NONCE, protocol.LIMITS}
    assert f"{protocol.SUBMISSION_DIR}/solution.py" in names
    assert any(n.startswith(protocol.TESTS_DIR + "/") for n in names)
