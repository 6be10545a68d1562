"""The candidate's loop end to end through real subprocesses and the Docker sandbox."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from judge.model.limits import Limits

from .conftest import TINY

pytestmark = pytest.mark.docker
JUDGE = str(Path(sys.executable).parent / "judge")


def judge(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([JUDGE, "--problems", str(TINY.parent), *args], cwd=cwd, capture_output=True, text=True,
                          timeout=180)


def test_start_test_submit_report(docker_image: str, judge_home: Path, tmp_path: Path) -> None:
    started = judge("start", "tiny-add", cwd=tmp_path)
    assert started.returncode == 0, started.stderr
    ws = tmp_path / "tiny-add"
    public = judge("test", cwd=ws)
    assert public.returncode == 1 and "public examples" in public.stdout

    (ws / "solution.py").write_text((TINY / "reference" / "solution.py").read_text())
    submitted = judge("submit", "--json", cwd=ws)
    assert submitted.returncode == 0, submitted.stderr
    report = json.loads(submitted.stdout)
    assert report["verdict"] == "passed" and report["score"] == report["max_score"] == 6
    assert report["sandbox"]["backend"] == "docker" and report["sandbox"]["image"] == docker_image
    assert report["within_budget"] is True

    again = judge("submit", cwd=ws)
    assert again.returncode == 2 and "already submitted" in again.stderr

    html = judge("report", "--last", "--format", "html", "-o", str(tmp_path / "r.html"), cwd=tmp_path)
    assert html.returncode == 0, html.stderr
    assert "tiny-add" in (tmp_path / "r.html").read_text()


def test_grade_reports_every_test_with_points(docker_image: str, judge_home: Path, tmp_path: Path) -> None:
    wrong = tmp_path / "solution.py"
    wrong.write_text("def add(a, b):\n    return a * b\n\n\n"
                     "def scale(values, factor):\n    return [v * factor for v in values]\n")
    done = judge("grade", "--problem", "tiny-add", str(wrong), "--json", cwd=tmp_path)
    assert done.returncode == 1
    report = json.loads(done.stdout)
    assert report["verdict"] == "failed"
    by_name = {t["id"]: t for t in report["tests"]}
    assert by_name["test_add.py::test_add_small"]["status"] == "fail"
    assert "6 == 5" in by_name["test_add.py::test_add_small"]["message"]
    assert by_name["test_add.py::test_scale_data_file"]["status"] == "pass"
    assert report["score"] == 3 and report["max_score"] == 6


def test_doctor_and_sandbox_status_when_ready(docker_image: str, judge_home: Path, tmp_path: Path) -> None:
    doctor = judge("doctor", cwd=tmp_path)
    assert doctor.returncode == 0, doctor.stdout
    assert "Ready to grade" in doctor.stdout
    status = judge("sandbox", "status", "--json", cwd=tmp_path)
    assert status.returncode == 0
    assert json.loads(status.stdout)["image"] == docker_image


def test_warm_build_is_a_no_op(docker_image: str, judge_home: Path, tmp_path: Path) -> None:
    built = judge("sandbox", "build", cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    assert "is current" in built.stdout and "nothing to build" in built.stdout


def test_run_opens_the_grading_environment_on_the_workspace(docker_image: str, judge_home: Path,
                                                             tmp_path: Path) -> None:
    assert judge("start", "tiny-add", cwd=tmp_path).returncode == 0
    ws = tmp_path / "tiny-add"
    (ws / "solution.py").write_text((TINY / "reference" / "solution.py").read_text())
    probe = ("import socket, solution, pytest; print('add', solution.add(2, 3)); "
             "print('interfaces', [n for _, n in socket.if_nameindex()]); open('/tmp/scratch.txt', 'w').write('x'); "
             "print('scratch ok')")
    done = judge("run", "--", "python", "-c", probe, cwd=ws)
    assert done.returncode == 0, done.stderr
    assert "add 5" in done.stdout
    assert "interfaces ['lo']" in done.stdout
    assert "scratch ok" in done.stdout  # /tmp is writable scratch, gone when the command ends


def test_judge_run_is_the_candidate_with_no_capability_and_leaves_nothing_on_the_host(
        docker_image: str, judge_home: Path, tmp_path: Path) -> None:
    """The attack of issue 26: a setuid-root shell and symlinks planted in the workspace through `judge run`."""
    assert judge("start", "tiny-add", cwd=tmp_path).returncode == 0
    ws = tmp_path / "tiny-add"
    before = {p.name: p.read_bytes() for p in ws.iterdir() if p.is_file()}
    attack = ("id -u; grep -E '^Cap(Eff|Prm|Bnd)' /proc/self/status; echo nofile $(ulimit -n); "
              "echo fsize $(ulimit -f); cp /bin/dash rootsh; chmod 4755 rootsh; ln -sf /etc/passwd README.md; "
              "ln -sf /etc/passwd solution.prev.py; echo planted > numbers.csv; true")
    done = judge("run", "--", "sh", "-c", attack, cwd=ws)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "10001", done.stdout  # the image's `candidate` user, never root nor the caller
    assert {line.split()[1] for line in lines if line.startswith("Cap")} == {"0000000000000000"}, done.stdout
    limits = Limits()  # tiny-add sets only memory, time and pids: the rest are the defaults
    assert f"nofile {limits.open_files}" in lines, done.stdout
    assert f"fsize {limits.file_size_bytes // 512}" in lines, done.stdout  # ulimit -f counts 512-byte blocks
    assert not (ws / "rootsh").exists()
    assert not any(p.is_symlink() for p in ws.iterdir())
    assert {p.name: p.read_bytes() for p in ws.iterdir() if p.is_file()} == before
    retried = judge("retry", "--fresh", cwd=ws)
    assert retried.returncode == 0, retried.stderr
