"""Batch grading in real Docker sandboxes, on the tiny fixture problem.

A batch of eight (passes, failures, a syntax error, a timeout, a crash, an import error) graded with two
sandboxes at once through the command line: every row right, every file written, nothing left running;
a second run grades nothing. Ctrl-C, simulated in-process and sent for real to a `judge grade` process,
stops the running sandboxes and keeps what was finished. The conftest checks after each test that no
ml-judge container is left.
"""

from __future__ import annotations

import csv
import io
import json
import os
import select
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from judge.backends import SandboxRun
from judge.backends.docker import LABEL, DockerBackend, api_client
from judge.interfaces.cli.context import batch_exit_code
from judge.model.limits import Limits
from judge.model.outcomes import RowState
from judge.problems.catalog import Problem
from judge.services.batch import docker_stopper, run_batch
from judge.services.intake import discover

from .conftest import TINY

GRADED, NOT_GRADED = RowState.GRADED, RowState.NOT_GRADED

pytestmark = pytest.mark.docker

REFERENCE = (TINY / "reference" / "solution.py").read_text()
SUBTRACTS = (TINY / "known_mistakes" / "subtracts.py").read_text()
LOOPS = ("def add(a, b):\n    while True:\n        pass\n\n\n"
         "def scale(values, factor):\n    while True:\n        pass\n")

BATCH = {
    "alice": REFERENCE,
    "bob": SUBTRACTS,
    "carol": "def add(a, b):\n    return a +\n",
    "dave": LOOPS,
    "erin": "import os\n\nos.abort()\n",
    "frank": "def add(x, y):\n    return y + x\n\n\ndef scale(xs, k):\n    return [k * x for x in xs]\n",
    "gina": "def add(a, b):\n    return a + b\n\n\ndef scale(values, factor):\n    return values\n",
    "hank": "raise RuntimeError('configuration missing')\n",
}
# name: (verdict, score, R1 points, R2 points)
EXPECTED = {
    "alice": ("passed", 6, 3, 3),
    "bob": ("failed", 3, 0, 3),
    "carol": ("syntax-error", 0, 0, 0),
    "dave": ("timeout", 0, 0, 0),
    "erin": ("crashed", 0, 0, 0),
    "frank": ("passed", 6, 3, 3),
    "gina": ("failed", 3, 3, 0),
    "hank": ("import-error", 0, 0, 0),
}


def make_batch(root: Path, sources: dict[str, str]) -> Path:
    for name, text in sources.items():
        (root / name).mkdir(parents=True, exist_ok=True)
        (root / name / "solution.py").write_text(text)
    return root


def judge(*args: str) -> list[str]:
    return [sys.executable, "-m", "judge", "--problems", str(TINY.parent), "grade", "--problem", "tiny-add",
            *args]


def batch_containers(docker_api: Any) -> list[Any]:
    return list(docker_api.containers(all=True, filters={"label": f"{LABEL}.batch"}))


def test_a_batch_of_eight_with_two_sandboxes_then_resume(
        tmp_path: Path, docker_image: str, judge_home: Path, docker_api: Any) -> None:
    folder = make_batch(tmp_path / "in", BATCH)
    out = tmp_path / "out"
    started = time.monotonic()
    first = subprocess.run(judge(str(folder), "--jobs", "2", "--timeout", "4", "--out", str(out)),
                           capture_output=True, text=True, timeout=300)
    wall = time.monotonic() - started
    assert first.returncode == 1, first.stderr
    assert "Grading 8 of 8 submission(s) of tiny-add, 2 at once" in first.stderr
    assert "[8/8]" in first.stderr

    summary = json.loads((out / "summary.json").read_text())
    got = {s["name"]: (s["verdict"], s["score"], s["requirements"]["R1"], s["requirements"]["R2"])
           for s in summary["submissions"]}
    assert got == EXPECTED
    assert summary["counts"] == {"submissions": 8, "passed": 2, "failed": 6, "errors": 0, "pending": 0,
                                 "reused": 0}
    assert summary["sandbox"]["image"] == docker_image and summary["sandbox"]["limits"]["timeout_s"] == 4
    table = {r["name"]: r for r in csv.DictReader(io.StringIO((out / "summary.csv").read_text()))}
    rows = {n: (r["verdict"], int(r["score"]), int(r["R1"]), int(r["R2"])) for n, r in table.items()}
    assert rows == EXPECTED
    assert float(table["dave"]["grading_s"]) >= 4.0  # the timeout really ran its course
    for name, source in BATCH.items():
        folder_out = out / "submissions" / name
        assert (folder_out / "solution.py").read_text() == source
        assert (folder_out / "report.html").read_text().startswith("<!DOCTYPE html>")
        report = json.loads((folder_out / "report.json").read_text())
        assert report["verdict"] == EXPECTED[name][0] and report["sandbox"]["backend"] == "docker"
    assert batch_containers(docker_api) == []
    print(f"\nbatch of 8, 2 sandboxes: {wall:.1f} s wall")

    again = subprocess.run(judge(str(folder), "--jobs", "2", "--timeout", "4", "--out", str(out), "--json"),
                           capture_output=True, text=True, timeout=120)
    assert again.returncode == 1, again.stderr
    resumed = json.loads(again.stdout)
    assert [s["state"] for s in resumed["submissions"]] == ["reused"] * 8
    assert resumed["counts"]["reused"] == 8
    assert "Nothing to grade" in again.stderr
    assert {s["name"]: s["verdict"] for s in resumed["submissions"]} == {n: e[0] for n, e in EXPECTED.items()}


class InterruptOnRun:
    """A backend that delegates to Docker and raises KeyboardInterrupt (Ctrl-C) instead of the nth run."""

    def __init__(self, inner: DockerBackend, n: int) -> None:
        self.inner, self.n, self.calls = inner, n, 0
        self.name = inner.name

    def runtime(self, limits: Limits) -> dict[str, Any]:
        return self.inner.runtime(limits)

    def describe(self) -> dict[str, Any]:
        return self.inner.describe()

    def run(self, bundle: bytes, limits: Limits, preload: Sequence[str] | None = None) -> SandboxRun:
        self.calls += 1
        if self.calls == self.n:
            raise KeyboardInterrupt
        return self.inner.run(bundle, limits, preload)


def test_ctrl_c_on_the_fourth_run_keeps_finished_reports_and_kills_the_rest(
        tmp_path: Path, docker_image: str, tiny_problem: Problem, docker_api: Any) -> None:
    # "a-loop" would run for a minute: it is still running at the 4th run and must be killed, not awaited.
    sources = {"a-loop": LOOPS, "b": REFERENCE, "c": SUBTRACTS, "d": REFERENCE, "e": REFERENCE}
    entries = discover([make_batch(tmp_path / "in", sources)])
    backend = InterruptOnRun(DockerBackend(docker_image, labels={f"{LABEL}.batch": "test-ctrl-c"}), 4)
    limits = tiny_problem.limits.with_overrides(timeout_s=60.0, test_timeout_s=60.0)
    result = run_batch(tiny_problem, entries, backend, tmp_path / "out", limits=limits, jobs=2,
                       stop_running=docker_stopper(api_client, f"{LABEL}.batch", "test-ctrl-c"))
    assert result.interrupted and batch_exit_code(result.outcome) == 130
    assert result.wall_s < 40, "the looping sandbox was waited for instead of killed"
    states = {r.name: r.state for r in result.rows}
    assert states == {"a-loop": NOT_GRADED, "b": GRADED, "c": GRADED, "d": NOT_GRADED, "e": NOT_GRADED}
    for row in result.rows:
        saved = tmp_path / "out" / "submissions" / row.slug / "report.json"
        assert saved.is_file() == (row.state == GRADED)
    assert {r.name: r.verdict for r in result.rows if r.state == GRADED} == {"b": "passed", "c": "failed"}
    assert json.loads((tmp_path / "out" / "summary.json").read_text())["counts"]["pending"] == 3
    assert batch_containers(docker_api) == []


def read_until(proc: subprocess.Popen[str], marker: str, seconds: float) -> str:
    """stderr lines of ``proc`` up to the first that starts with ``marker`` (fails after ``seconds``)."""
    assert proc.stderr is not None
    seen = ""
    deadline = time.monotonic() + seconds
    while True:
        remaining = deadline - time.monotonic()
        assert remaining > 0, f"no line starting with {marker!r} within {seconds} s; got:\n{seen}"
        ready, _, _ = select.select([proc.stderr], [], [], remaining)
        if not ready:
            continue
        line = proc.stderr.readline()
        assert line, f"the process ended before {marker!r}; got:\n{seen}"
        seen += line
        if line.startswith(marker):
            return seen


def test_a_real_sigint_stops_the_batch_cleanly(
        tmp_path: Path, docker_image: str, judge_home: Path, docker_api: Any) -> None:
    folder = make_batch(tmp_path / "in", {"a-loop": LOOPS, "b": REFERENCE, "c": REFERENCE})
    out = tmp_path / "out"
    proc = subprocess.Popen(judge(str(folder), "--jobs", "2", "--timeout", "60", "--out", str(out)),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        read_until(proc, "[1/3]", 120)
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130, stderr
    assert "interrupted: " in stderr and " of 3 submissions done" in stderr
    assert "resume with the same command" in stderr and "Traceback" not in stderr
    summary = json.loads((out / "summary.json").read_text())
    rows = {s["name"]: s for s in summary["submissions"]}
    assert summary["interrupted"] is True and rows["a-loop"]["state"] == "not-graded"
    assert rows["b"]["verdict"] == "passed"
    for name, row in rows.items():
        assert (out / "submissions" / name / "report.json").is_file() == (row["state"] == "graded")
    assert batch_containers(docker_api) == []


def test_a_missing_image_stops_the_batch_with_exit_3_and_the_fix(
        tmp_path: Path, docker_api: Any, judge_home: Path) -> None:
    folder = make_batch(tmp_path / "in", {"alice": REFERENCE, "bob": REFERENCE, "carol": "x = (\n"})
    out = tmp_path / "out"
    env = {**os.environ, "JUDGE_IMAGE": "ml-judge-sandbox:not-built-anywhere"}
    result = subprocess.run(judge(str(folder), "--jobs", "1", "--out", str(out)), capture_output=True,
                            text=True, timeout=120, env=env)
    assert result.returncode == 3, result.stderr
    assert "judge sandbox build" in result.stderr and "Traceback" not in result.stderr
    assert "stopped: 0 of 3 submissions done (0 graded in this run)" in result.stderr
    assert "resume with the same command" in result.stderr
    summary = json.loads((out / "summary.json").read_text())
    assert summary["complete"] is False and summary["outcome"] == "judge-error"
    assert "not built" in summary["infrastructure_error"]
