"""The judge's pytest plugin: records each test's outcome and sends it to the harness.

Loaded with ``-p judge_plugin`` inside the grader, the process that runs the hidden tests and never imports
the submission. It writes nonce-tagged JSON lines to a pipe the harness opened (``protocol.ENV_RESULTS_FD``);
nothing it writes reaches the host directly. It gives the tests their ``candidate`` fixture, the channel to
the candidate runner (``remote.py``), whose greeting before collection says whether solution.py imported,
and puts a per-test time limit on every test with a real-time timer (the runner gets the same limit for each
call, so a loop in the candidate's code is stopped where it is).
"""

from __future__ import annotations

import gc
import json
import os
import signal
import time
from collections.abc import Generator
from types import FrameType
from typing import Any

import protocol  # beside this file in the sandbox (the harness puts its folder on PYTHONPATH)
import pytest
import remote
import rpc


def _read_nonce() -> str:
    """The run's nonce from the harness's one-shot pipe, read and closed before any candidate code runs."""
    fd = int(os.environ.pop(protocol.ENV_NONCE_FD, "-1"))
    if fd < 0:
        return ""
    try:
        return os.read(fd, 256).decode()
    finally:
        os.close(fd)


_FD = int(os.environ.pop(protocol.ENV_RESULTS_FD, "-1"))
_NONCE = _read_nonce()
# Python ignores SIGXFSZ, which turns a write past the file-size limit (pytest captures output in files)
# into an OSError inside one test. Restore the default so the process stops and the verdict says why.
if hasattr(signal, "SIGXFSZ"):
    signal.signal(signal.SIGXFSZ, signal.SIG_DFL)
_TEST_TIMEOUT = float(os.environ.get(protocol.ENV_TEST_TIMEOUT, "30"))
_OUTPUT_CAP = int(os.environ.get(protocol.ENV_TEST_OUTPUT_CAP, "4096"))
_MESSAGE_CAP = 2000


class TestTimeout(BaseException):
    """Raised in a test that ran past its time limit (a BaseException so `except Exception` can't eat it)."""


def _send(event: dict[str, Any]) -> None:
    if _FD < 0:
        return
    event[protocol.NONCE] = _NONCE
    data = (json.dumps(event) + "\n").encode()
    while data:
        written = os.write(_FD, data)
        data = data[written:]


def _cut(text: str, cap: int) -> str:
    return text if len(text) <= cap else text[:cap] + f"\n... [{len(text) - cap} characters cut]"


_RPC_FD = int(os.environ.pop(protocol.ENV_RPC_FD, "-1"))
_HELLO_TIMEOUT = float(os.environ.get(protocol.ENV_IMPORT_TIMEOUT, "120"))
_deadline = 0.0  # monotonic time at which the running test's limit ends (0: no test running)


def _remaining() -> float:
    return max(0.0, _deadline - time.monotonic()) if _deadline else 0.0


def _call_timed_out(where: str) -> None:
    """The runner stopped a call at the test's limit: fail the test as timed out, where the code was."""
    raise TestTimeout(_timeout_message(where))


def _timeout_message(where: str) -> str:
    return (f"timed out: the test took longer than its {_TEST_TIMEOUT:g} s limit"
            + (f"; your code was at {where}" if where
               else " (outside solution.py's code, e.g. in the test's own setup)"))


_CHANNEL = remote.Channel(rpc.socket_from_fd(_RPC_FD), _remaining, _call_timed_out) if _RPC_FD >= 0 else None


@pytest.fixture(scope="session")
def candidate() -> remote.Candidate:
    """The candidate's solution.py, in its own process: ``candidate.user_features(df)`` calls it there."""
    if _CHANNEL is None:
        raise RuntimeError("no candidate runner: the judge's harness starts one with the grader")
    return remote.Candidate(_CHANNEL)


def _short_message(report: pytest.TestReport) -> str:
    """The assertion or exception line, plus the assertion's explanation when pytest gave one."""
    longrepr = report.longrepr
    if longrepr is None:
        return ""
    if isinstance(longrepr, tuple):  # skips: (path, line, reason)
        return str(longrepr[2])
    crash = getattr(longrepr, "reprcrash", None)
    text = report.longreprtext
    if crash is not None:
        message: str = crash.message
        # pytest's assertion rewriting puts the useful comparison in the "E" lines of the full text.
        explanation = [line[1:].strip() for line in text.splitlines() if line.startswith("E ")]
        if explanation and len("\n".join(explanation)) > len(message):
            message = "\n".join(explanation)
        return _cut(message, _MESSAGE_CAP)
    return _cut(text, _MESSAGE_CAP)


class JudgePlugin:
    """Gathers per-test outcomes across the setup, call and teardown phases."""

    def __init__(self) -> None:
        self.current: dict[str, dict[str, Any]] = {}
        self.import_error = ""  # solution.py could not be imported: no test can call it
        self.lost_reason = ""
        self.lost = False

    def pytest_configure(self, config: pytest.Config) -> None:
        config.addinivalue_line("markers", "points(n): points the test is worth")
        config.addinivalue_line("markers", "requirement(rid): the statement requirement it checks")

    def pytest_collection(self, session: pytest.Session) -> None:
        self.import_error = ""
        if _CHANNEL is not None:
            hello = _CHANNEL.wait_hello(_HELLO_TIMEOUT)
            if "import_error" in hello:
                self.import_error = str(hello["import_error"])
                _send({"event": protocol.EVENT_IMPORT_ERROR, "message": _cut(self.import_error, 6000)})
            elif "gone" in hello:
                self.import_error = self.lost_reason = str(hello["gone"])
                self.lost = True
                _send({"event": protocol.EVENT_RUNNER_LOST, "id": "", "reason": self.lost_reason})

    def pytest_collection_modifyitems(self, session: pytest.Session, config: pytest.Config,
                                      items: list[pytest.Item]) -> None:
        """When solution.py did not import, no test can call it: only the canary runs (the host reports the
        others as not run, with the import error)."""
        if self.import_error:
            keep = [i for i in items if i.nodeid.startswith(protocol.CANARY_FILE)]
            config.hook.pytest_deselected(items=[i for i in items if i not in keep])
            items[:] = keep

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            _send({"event": protocol.EVENT_COLLECT_ERROR, "id": report.nodeid,
                   "message": _cut(report.longreprtext, 4000)})

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        _send({"event": protocol.EVENT_COLLECTED, "ids": [item.nodeid for item in session.items]})

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_protocol(self, item: pytest.Item) -> Generator[None, None, None]:
        global _deadline
        self.current[item.nodeid] = {"outcome": "passed", "message": "", "duration_s": 0.0,
                                     "timed_out": False, "output": ""}

        def on_alarm(signum: int, frame: FrameType | None) -> None:
            # The runner stops a call a second before this; reaching here means the test's own code was slow,
            # or the runner ignored its limit (it is then not asked again).
            raise TestTimeout(_timeout_message(""))

        previous = signal.signal(signal.SIGALRM, on_alarm)
        _deadline = time.monotonic() + _TEST_TIMEOUT
        signal.setitimer(signal.ITIMER_REAL, _TEST_TIMEOUT)
        try:
            yield
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
            _deadline = 0.0
            record = self.current.pop(item.nodeid)
            record.pop("where", None)
            _send({"event": protocol.EVENT_RESULT, "id": item.nodeid, **record})
            if _CHANNEL is not None and _CHANNEL.broken and not self.lost and not self.import_error:
                self.lost = True
                _send({"event": protocol.EVENT_RUNNER_LOST, "id": item.nodeid, "reason": _CHANNEL.broken})

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, None]:
        outcome = yield
        report = outcome.get_result()
        if call.excinfo is not None and report.failed and item.nodeid in self.current:
            record = self.current[item.nodeid]
            error = call.excinfo.value
            if isinstance(error, TestTimeout):
                record["timed_out"] = True
                record["message"] = str(error)
            # The candidate's own line, from the runner, kept before pytest turns the exception into text.
            record.setdefault("where", getattr(error, "where", "") if isinstance(error, remote.CandidateError)
                              else "")

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        record = self.current.get(report.nodeid)
        if record is None:
            return
        record["duration_s"] = round(record["duration_s"] + report.duration, 4)
        captured = "".join(content for _, content in report.sections if content)
        if captured:
            record["output"] = _cut(record["output"] + captured, _OUTPUT_CAP)
        if report.outcome == "passed" or record["outcome"] != "passed":
            return
        if report.when == "call":
            record["outcome"] = "skipped" if report.skipped else "failed"
        else:
            record["outcome"] = "skipped" if report.skipped else "error"
        if record["timed_out"]:
            return  # the timer's own message says where the code was
        message = _short_message(report)
        where = record.pop("where", "")
        record["message"] = f"{where}\n{message}" if where else message

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        _send({"event": protocol.EVENT_FINISH, "exitstatus": int(exitstatus)})

    @pytest.hookimpl(tryfirst=True)
    def pytest_unconfigure(self, config: pytest.Config) -> None:
        """Every test has run and been sent. pytest's unraisable-exception plugin now runs ten full garbage
        collections (to turn finalizer errors into warnings nobody reads here); with torch imported each one
        walks millions of objects, 0.6 s in all. Freezing the heap first makes them walk nothing."""
        gc.freeze()


def pytest_configure(config: pytest.Config) -> None:
    config.pluginmanager.register(JudgePlugin(), "judge-recorder")
