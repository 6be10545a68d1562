"""The judge's pytest plugin: records each test's outcome and sends it to the harness.

Loaded with ``-p judge_plugin`` inside the test process. It writes nonce-tagged JSON lines to a pipe the
harness opened (``protocol.ENV_RESULTS_FD``); nothing it writes reaches the host directly. It also imports the
solution once before collection, so that an exception at import is reported as such, and puts a
per-test time limit on every test with a real-time timer.
"""

from __future__ import annotations

import gc
import importlib
import json
import linecache
import os
import signal
import traceback
from collections.abc import Generator
from types import FrameType, TracebackType
from typing import Any

import protocol  # beside this file in the sandbox (the harness puts its folder on PYTHONPATH)
import pytest


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


def _is_solution(filename: str) -> bool:
    """True for the candidate's solution.py (in the submission folder, first on PYTHONPATH)."""
    submission = os.environ.get("PYTHONPATH", "").split(os.pathsep)[0]
    return os.path.basename(filename) == "solution.py" and (
        not submission or os.path.dirname(os.path.abspath(filename)) == os.path.abspath(submission))


def _where(filename: str, lineno: int, name: str) -> str:
    """``solution.py, line 12, in user_features: return df["x"]`` for a place in the candidate's code."""
    code = linecache.getline(filename, lineno).strip()
    return f"solution.py, line {lineno}, in {name}" + (f": {code}" if code else "")


def own_line_of_traceback(tb: TracebackType | None) -> str:
    """The innermost place in solution.py a traceback passes through, or "" when it never does."""
    found = ""
    while tb is not None:
        code = tb.tb_frame.f_code
        if _is_solution(code.co_filename):
            found = _where(code.co_filename, tb.tb_lineno, code.co_name)
        tb = tb.tb_next
    return found


def own_line_of_frame(frame: FrameType | None) -> str:
    """Where solution.py's code was in a running stack (innermost first), or "" when it is not on it."""
    while frame is not None:
        if _is_solution(frame.f_code.co_filename):
            return _where(frame.f_code.co_filename, frame.f_lineno, frame.f_code.co_name)
        frame = frame.f_back
    return ""


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

    def pytest_configure(self, config: pytest.Config) -> None:
        config.addinivalue_line("markers", "points(n): points the test is worth")
        config.addinivalue_line("markers", "requirement(rid): the statement requirement it checks")

    def pytest_collection(self, session: pytest.Session) -> None:
        try:
            importlib.import_module("solution")
        except BaseException as exc:  # SystemExit and os-level exits included on purpose
            lines = traceback.format_exception(type(exc), exc, exc.__traceback__)
            # Keep the candidate's frames: drop the harness and importlib frames in front of them.
            text = "".join(lines)
            marker = 'File "' + os.path.join(os.environ.get("PYTHONPATH", "").split(os.pathsep)[0], "")
            start = text.find(marker)
            if start > 0:
                text = "Traceback (most recent call last):\n  " + text[start:]
            _send({"event": protocol.EVENT_IMPORT_ERROR, "message": _cut(text, 6000)})

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            _send({"event": protocol.EVENT_COLLECT_ERROR, "id": report.nodeid,
                   "message": _cut(report.longreprtext, 4000)})

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        _send({"event": protocol.EVENT_COLLECTED, "ids": [item.nodeid for item in session.items]})

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_protocol(self, item: pytest.Item) -> Generator[None, None, None]:
        self.current[item.nodeid] = {"outcome": "passed", "message": "", "duration_s": 0.0,
                                     "timed_out": False, "output": ""}

        def on_alarm(signum: int, frame: FrameType | None) -> None:
            record = self.current[item.nodeid]
            record["timed_out"] = True
            # Where the candidate's code was when the time ran out: the line to look at for a loop or a hang.
            where = own_line_of_frame(frame)
            record["message"] = (f"timed out: the test took longer than its {_TEST_TIMEOUT:g} s limit"
                                 + (f"; your code was at {where}" if where
                                    else " (outside solution.py's code, e.g. in the test's own setup)"))
            raise TestTimeout(record["message"])

        previous = signal.signal(signal.SIGALRM, on_alarm)
        signal.setitimer(signal.ITIMER_REAL, _TEST_TIMEOUT)
        try:
            yield
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
            record = self.current.pop(item.nodeid)
            record.pop("where", None)
            _send({"event": protocol.EVENT_RESULT, "id": item.nodeid, **record})

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, None]:
        outcome = yield
        report = outcome.get_result()
        if call.excinfo is not None and report.failed and item.nodeid in self.current:
            # The candidate's own line in the traceback, kept before pytest turns it into text.
            self.current[item.nodeid].setdefault("where", own_line_of_traceback(call.excinfo.tb))

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
