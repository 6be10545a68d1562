"""Issue 15 through the real sandbox: messages from the plugin, pre-checks, `judge env`, `pytest` in `judge run`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import TINY

pytestmark = pytest.mark.docker
JUDGE = str(Path(sys.executable).parent / "judge")
BUILTIN = Path(__file__).resolve().parents[1] / "problems"


def judge(*args: str, cwd: Path, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    return subprocess.run([JUDGE, "--problems", str(TINY.parent), *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL)


def grade_public(tmp_path: Path, source: str) -> dict[str, object]:
    path = tmp_path / "solution.py"
    path.write_text(source)
    done = judge("grade", "--problem", "tiny-add", str(path), "--suite", "public", "--json", cwd=tmp_path)
    report: dict[str, object] = json.loads(done.stdout)
    return report


def test_a_timeout_says_where_the_candidates_code_was(docker_image: str, judge_home: Path, tmp_path: Path) -> None:
    report = grade_public(tmp_path, "def add(a, b):\n    total = 0\n    while True:\n        total += 1\n\n\n"
                                    "def scale(values, factor):\n    return [v * factor for v in values]\n")
    test = next(t for t in report["tests"] if t["name"] == "test_add_example")  # type: ignore[union-attr]
    assert "your code was at solution.py, line " in test["message"] and "in add" in test["message"]
    assert "judge_plugin" not in test["message"] and "TestTimeout" not in test["message"]
    assert "test_add_example" in str(report["detail"])


def test_an_exception_in_the_candidates_code_shows_their_line_first(docker_image: str, judge_home: Path,
                                                                    tmp_path: Path) -> None:
    report = grade_public(tmp_path, "def add(a, b):\n    return {'a': a}['b']\n\n\n"
                                    "def scale(values, factor):\n    return [v * factor for v in values]\n")
    test = next(t for t in report["tests"] if t["name"] == "test_add_example")  # type: ignore[union-attr]
    lines = test["message"].splitlines()
    assert lines[0] == "solution.py, line 2, in add: return {'a': a}['b']"
    assert lines[1] == "KeyError: 'b'" and len(lines) == 2


def test_an_empty_solution_is_an_import_error_naming_what_is_missing(docker_image: str, judge_home: Path,
                                                                     tmp_path: Path) -> None:
    report = grade_public(tmp_path, "")
    assert report["verdict"] == "import-error"
    assert "does not define add" in str(report["detail"])
    assert "Hint" not in json.dumps(report) and "^^^" not in json.dumps(report)


def test_submit_refuses_an_import_error_in_the_sandbox(docker_image: str, judge_home: Path, tmp_path: Path) -> None:
    assert judge("start", "tiny-add", cwd=tmp_path).returncode == 0
    ws = tmp_path / "tiny-add"
    (ws / "solution.py").write_text("import numpy_that_does_not_exist\n")
    refused = judge("submit", cwd=ws)
    assert refused.returncode == 2, refused.stderr
    assert "No module named 'numpy_that_does_not_exist'" in refused.stderr and "still open" in refused.stderr
    status = json.loads(judge("status", "--json", cwd=ws).stdout)
    assert status["status"] == "open"


def test_env_lists_the_graders_versions_and_show_includes_them(docker_image: str, judge_home: Path,
                                                               tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JUDGE_CACHE", str(tmp_path / "cache"))
    env = judge("env", "--json", cwd=tmp_path)
    assert env.returncode == 0, env.stderr
    data = json.loads(env.stdout)
    assert data["image"] == docker_image and data["python"].startswith("3.11")
    assert data["libraries"]["pandas"] and data["libraries"]["scikit-learn"] and data["libraries"]["pytest"]
    assert list((tmp_path / "cache" / "grader-env").glob("*.json"))  # cached per image tag
    shown = judge("show", "feature-engineering", cwd=tmp_path)
    assert f"pandas {data['libraries']['pandas']}" in shown.stdout
    started = judge("start", "tiny-add", cwd=tmp_path)
    assert f"pandas {data['libraries']['pandas']}" in (tmp_path / "tiny-add" / "README.md").read_text(), started


def test_plain_pytest_runs_inside_judge_run(docker_image: str, judge_home: Path, tmp_path: Path) -> None:
    assert judge("start", "feature-engineering", cwd=tmp_path).returncode == 0
    ws = tmp_path / "feature-engineering"
    (ws / "solution.py").write_text((BUILTIN / "feature-engineering" / "reference" / "solution.py").read_text())
    done = judge("run", "--", "pytest", "-q", cwd=ws)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert " passed" in done.stdout and "failed" not in done.stdout
