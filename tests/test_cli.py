"""The candidate's loop through the CLI (click's runner, an injected clock, the local backend on tiny-add).

The Docker path of the same loop is in test_cli_docker.py; here the sandbox is the local subprocess so
these run in a second or two without Docker.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from .conftest import TINY, FakeClock

REFERENCE = (TINY / "reference" / "solution.py").read_text()
WRONG = REFERENCE.replace("return a + b", "return a - b")


def start_tiny(run: Any, tmp_path: Path) -> Path:
    result = run("start", "tiny-add", "--dir", str(tmp_path / "ws"))
    assert result.exit_code == 0, result.output
    return tmp_path / "ws"


def test_full_loop_within_budget(run: Any, clock: FakeClock, tmp_path: Path) -> None:
    ws = start_tiny(run, tmp_path)
    out = run("start", "tiny-add", "--dir", str(ws)).stderr
    assert "--force" in out

    clock.now += 60
    status = run("status", "--dir", str(ws), "--json")
    assert json.loads(status.stdout)["elapsed_s"] == 60

    public = run("test", "--dir", str(ws), "--backend", "local")
    assert public.exit_code == 1
    assert "public examples" in public.stdout

    (ws / "solution.py").write_text(REFERENCE)
    clock.now += 100
    sub = run("submit", "--dir", str(ws), "--backend", "local", "--json")
    assert sub.exit_code == 0, sub.output
    report = json.loads(sub.stdout)  # --json: nothing but the document on stdout
    assert report["verdict"] == "passed" and report["percent"] == 100.0
    assert report["elapsed_s"] == 160 and report["within_budget"] is True
    assert report["budget_s"] == 300

    again = run("submit", "--dir", str(ws), "--backend", "local")
    assert again.exit_code == 2 and "already submitted" in again.stderr

    shown = run("report", "--last", "--format", "json")
    assert json.loads(shown.stdout)["attempt_id"] == report["attempt_id"]
    history = json.loads(run("history", "--json").stdout)
    assert [h["percent"] for h in history] == [100.0]
    listed = run("list")
    assert "100%" in listed.stdout


def test_over_budget_report(run: Any, clock: FakeClock, tmp_path: Path) -> None:
    ws = start_tiny(run, tmp_path)
    (ws / "solution.py").write_text(WRONG)
    clock.now += 5 * 60 + 185
    sub = run("submit", "--dir", str(ws), "--backend", "local")
    assert sub.exit_code == 1
    assert "8:05 of 5:00, over by 3:05" in sub.stdout
    assert "FAIL" in sub.stdout


def test_tampered_record_is_flagged(run: Any, judge_home: Path, tmp_path: Path) -> None:
    ws = start_tiny(run, tmp_path)
    record_path = next((judge_home / "attempts").glob("*/attempt.json"))
    record = json.loads(record_path.read_text())
    record["started_at"] += 3600
    record_path.write_text(json.dumps(record))
    (ws / "solution.py").write_text(REFERENCE)
    sub = run("submit", "--dir", str(ws), "--backend", "local", "--json")
    assert any("clock record altered" in w for w in json.loads(sub.stdout)["warnings"])


def test_deleted_workspace(run: Any, tmp_path: Path) -> None:
    ws = start_tiny(run, tmp_path)
    import shutil

    shutil.rmtree(ws)
    result = run("status", "--dir", str(ws))
    assert result.exit_code == 2
    assert f"{ws} does not exist" in result.stderr and "judge start" in result.stderr


def test_unknown_problem(run: Any) -> None:
    result = run("start", "no-such-problem")
    assert result.exit_code == 2
    assert "unknown problem 'no-such-problem'" in result.stderr
    assert "Traceback" not in result.output


def test_submit_outside_a_workspace(run: Any, tmp_path: Path) -> None:
    result = run("submit", "--dir", str(tmp_path))
    assert result.exit_code == 2 and "judge start" in result.stderr


def test_concurrent_submit_is_refused(run: Any, judge_home: Path, tmp_path: Path) -> None:
    from judge.store.index import Store

    ws = start_tiny(run, tmp_path)
    attempt_id = json.loads((ws / ".judge-attempt").read_text())["attempt_id"]
    (ws / "solution.py").write_text(WRONG)
    with Store(judge_home).lock(attempt_id):
        result = run("submit", "--dir", str(ws), "--backend", "local")
    assert result.exit_code == 2 and "being graded right now" in result.stderr


def test_interrupt_during_grading_leaves_the_attempt_open(
    run: Any, judge_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = start_tiny(run, tmp_path)

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    (ws / "solution.py").write_text(WRONG)
    monkeypatch.setattr("judge.execution.executor.Executor.grade", interrupted)
    interrupted_run = run("submit", "--dir", str(ws), "--backend", "local")
    assert interrupted_run.exit_code != 0  # click turns Ctrl-C into "Aborted!"
    monkeypatch.undo()
    record = json.loads(next((judge_home / "attempts").glob("*/attempt.json")).read_text())
    assert record["status"] == "open"
    assert not list((judge_home / "attempts").glob("*/report.json"))
    (ws / "solution.py").write_text(REFERENCE)
    os.environ["JUDGE_HOME"] = str(judge_home)
    assert run("submit", "--dir", str(ws), "--backend", "local").exit_code == 0


def test_sandbox_unavailable_keeps_the_attempt_open(
    run: Any, judge_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from judge.backends import SandboxUnavailable

    ws = start_tiny(run, tmp_path)

    def down(*args: object, **kwargs: object) -> None:
        raise SandboxUnavailable("the Docker engine is not reachable", "start it")

    (ws / "solution.py").write_text(WRONG)
    monkeypatch.setattr("judge.backends.local.LocalBackend.run", down)
    result = run("submit", "--dir", str(ws), "--backend", "local")
    assert result.exit_code == 3
    assert "still open" in result.stderr and "start it" in result.stderr
    record = json.loads(next((judge_home / "attempts").glob("*/attempt.json")).read_text())
    assert record["status"] == "open"


def test_grade_syntax_error_is_caught_on_the_host(run: Any, tmp_path: Path) -> None:
    bad = tmp_path / "solution.py"
    bad.write_text("def add(a, b):\n    return a +\n")
    result = run("grade", "--problem", "tiny-add", str(bad), "--backend", "local", "--json")
    report = json.loads(result.stdout)
    assert result.exit_code == 1
    assert report["verdict"] == "syntax-error" and "line 2" in report["detail"]


def test_grade_missing_path_is_bad_input(run: Any, tmp_path: Path) -> None:
    result = run("grade", "--problem", "tiny-add", str(tmp_path / "nope.py"), "--backend", "local")
    assert result.exit_code == 2


def test_problem_new_scaffolds_a_loadable_problem(run: Any, tmp_path: Path) -> None:
    from judge.problems.catalog import load_problem

    result = run("problem", "new", "my-problem", "--dir", str(tmp_path))
    assert result.exit_code == 0, result.output
    problem = load_problem(tmp_path / "my-problem")
    assert problem.requirements() == ["R1"]


def test_console_script_help_is_quick_and_clean(judge_home: Path) -> None:
    judge = Path(sys.executable).parent / "judge"
    done = subprocess.run([str(judge), "--help"], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0 and "judge start" in done.stdout
    bad = subprocess.run([str(judge), "start", "nope"], capture_output=True, text=True, timeout=30)
    assert bad.returncode == 2 and bad.stderr.startswith("error: unknown problem") and "Traceback" not in bad.stderr


def test_public_run_never_reopens_a_submitted_attempt(
    run: Any, judge_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`judge test` grading while a `judge submit` finishes must not write its stale record back."""
    from judge.store.index import Store

    ws = start_tiny(run, tmp_path)
    (ws / "solution.py").write_text(REFERENCE)
    from judge.execution import Executor

    real_grade = Executor.grade

    def grade_then_submit_elsewhere(*args: Any, **kwargs: Any) -> Any:
        report = real_grade(*args, **kwargs)
        store = Store(judge_home)
        attempt_id = json.loads((ws / ".judge-attempt").read_text())["attempt_id"]
        record = store.load_record(attempt_id)
        record["status"] = "submitted"  # what a concurrent `judge submit` leaves behind
        store.save_record(record)
        return report

    monkeypatch.setattr("judge.execution.executor.Executor.grade", grade_then_submit_elsewhere)
    assert run("test", "--dir", str(ws), "--backend", "local").exit_code == 0
    record = json.loads(next((judge_home / "attempts").glob("*/attempt.json")).read_text())
    assert record["status"] == "submitted"
    assert record["test_runs"] == 1
