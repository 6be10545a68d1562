"""Container lifecycle through real `judge` processes: `judge run` gets the grading hardening (stricter: the
candidate's uid, no capability at all, the test process's rlimits, the workspace read-only), and a
`judge grade` killed with SIGKILL leaves no container behind once its run's time limit has passed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from judge.model.limits import Limits

from .conftest import FIXTURES, TINY

pytestmark = pytest.mark.docker
JUDGE = str(Path(sys.executable).parent / "judge")
SLEEPER = FIXTURES / "adversarial" / "sleep_at_import.py"
# What isolates a container; `judge run` may differ from grading only in its mount, user, auto-remove, and in
# being stricter: no capability added (grading's harness keeps four to drop privileges) and the test process's
# own rlimits as the container's ulimits.
SECURITY_KEYS = ("NetworkMode", "ReadonlyRootfs", "CapDrop", "SecurityOpt", "Memory", "MemorySwap",
                 "PidsLimit", "NanoCpus", "Tmpfs", "IpcMode", "ShmSize")


def judge_process(*args: str, session: str, cwd: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "JUDGE_SESSION": session}
    return subprocess.Popen([JUDGE, "--problems", str(TINY.parent), *args], cwd=cwd, env=env, text=True,
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def containers(api: Any, session: str, role: str | None = None) -> list[dict[str, Any]]:
    labels = [f"ml-judge.session={session}"] + ([f"ml-judge={role}"] if role else [])
    return list(api.containers(all=True, filters={"label": labels}))


def wait_for(api: Any, session: str, role: str, seconds: float = 60.0) -> dict[str, Any]:
    """The one container of ``role`` in ``session``, once it runs (bounded wait)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = [c for c in containers(api, session, role) if c.get("State") == "running"]
        if found:
            return dict(api.inspect_container(found[0]["Id"]))
        time.sleep(0.2)
    raise AssertionError(f"no running {role} container of session {session} within {seconds} s")


def test_judge_run_has_the_grading_hardening(docker_image: str, docker_api: Any, judge_home: Path,
                                             tmp_path: Path) -> None:
    session = f"lifecycle-{uuid.uuid4().hex[:8]}"
    start = subprocess.run([JUDGE, "--problems", str(TINY.parent), "start", "tiny-add"], cwd=tmp_path,
                           capture_output=True, text=True, timeout=60)
    assert start.returncode == 0, start.stderr
    ws = tmp_path / "tiny-add"
    (ws / "solution.py").write_text(SLEEPER.read_text())
    runner = judge_process("run", "--", "sleep", "30", session=session, cwd=ws)
    grader = judge_process("grade", "--problem", "tiny-add", str(ws / "solution.py"), session=session, cwd=ws)
    try:
        run_info = wait_for(docker_api, session, "run")
        grade_info = wait_for(docker_api, session, "sandbox")
    finally:
        for proc in (runner, grader):
            proc.send_signal(signal.SIGINT)
        for proc in (runner, grader):
            proc.communicate(timeout=60)
    run_host, grade_host = run_info["HostConfig"], grade_info["HostConfig"]
    for key in SECURITY_KEYS:
        assert run_host[key] == grade_host[key], f"{key}: judge run {run_host[key]!r}, grading {grade_host[key]!r}"
    assert run_host["NetworkMode"] == "none" and run_host["ReadonlyRootfs"] is True
    assert run_host["CapDrop"] == ["ALL"] and "no-new-privileges" in run_host["SecurityOpt"]
    assert run_host["Memory"] == 512 * 1024**2 and run_host["PidsLimit"] == 256  # tiny-add's own limits
    assert not run_host["CapAdd"], run_host["CapAdd"]
    limits = Limits()
    assert {u["Name"]: u["Hard"] for u in run_host["Ulimits"]} == {
        "core": 0, "fsize": limits.file_size_bytes, "nofile": limits.open_files}
    assert run_info["Config"]["User"] == "candidate"
    assert any(m["Destination"] == "/work" and not m["RW"] for m in run_info["Mounts"])
    assert grade_host["AutoRemove"] is True


def test_kill_9_of_judge_grade_leaves_no_container(docker_image: str, docker_api: Any, judge_home: Path,
                                                   tmp_path: Path) -> None:
    session = f"lifecycle-{uuid.uuid4().hex[:8]}"
    grader = judge_process("grade", "--problem", "tiny-add", str(SLEEPER), "--timeout", "5", session=session,
                           cwd=tmp_path)
    wait_for(docker_api, session, "sandbox")
    grader.send_signal(signal.SIGKILL)
    grader.communicate(timeout=30)
    # The run's limit is 5 s (plus the harness's clean-up); the engine removes the container when it ends.
    deadline = time.monotonic() + 60
    while containers(docker_api, session) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert containers(docker_api, session) == [], "a container outlived the judge process that made it"


def test_judge_run_stopped_by_sigterm_leaves_no_container(docker_image: str, docker_api: Any, judge_home: Path,
                                                          tmp_path: Path) -> None:
    start = subprocess.run([JUDGE, "--problems", str(TINY.parent), "start", "tiny-add"], cwd=tmp_path,
                           capture_output=True, text=True, timeout=60)
    assert start.returncode == 0, start.stderr
    session = f"lifecycle-{uuid.uuid4().hex[:8]}"
    runner = judge_process("run", "--", "sleep", "120", session=session, cwd=tmp_path / "tiny-add")
    try:
        wait_for(docker_api, session, "run")
    finally:
        runner.send_signal(signal.SIGTERM)  # `kill PID`, a closed terminal's supervisor: not the process group
        runner.communicate(timeout=60)
    # Gone now, not when `sleep 120` would have ended and --rm removed it.
    assert containers(docker_api, session) == [], "judge run left its container running"


@pytest.mark.parametrize("folder", ["my ws:v2", 'odd,"name'])
def test_judge_run_works_in_a_workspace_whose_path_has_a_colon_or_a_comma(
        docker_image: str, judge_home: Path, tmp_path: Path, folder: str) -> None:
    ws = tmp_path / folder
    start = subprocess.run([JUDGE, "--problems", str(TINY.parent), "start", "tiny-add", "--dir", str(ws)],
                           capture_output=True, text=True, timeout=60)
    assert start.returncode == 0, start.stderr
    probe = "import os; print(sorted(os.listdir('/work'))); open('/work/x', 'w')"
    runner = judge_process("run", "--", "python", "-c", probe, session=f"lifecycle-{uuid.uuid4().hex[:8]}", cwd=ws)
    out, err = runner.communicate(timeout=120)
    assert "solution.py" in out, err  # mounted, where `-v PATH:/work:ro` said "too many colons"
    assert "Read-only file system" in err and not (ws / "x").exists()


def test_a_probe_that_times_out_leaves_no_container(docker_image: str, docker_api: Any,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """The versions probe (`judge env`, `judge show` on a cold cache) killed only the docker CLI on a timeout:
    its container ran on until its command ended."""
    from judge.backends import SandboxUnavailable
    from judge.backends.docker import DockerBackend

    session = f"lifecycle-{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv("JUDGE_SESSION", session)
    with pytest.raises(SandboxUnavailable, match="could not run the sandbox image"):
        DockerBackend(image=docker_image).python_output("import time; time.sleep(120)", Limits(), timeout_s=4)
    assert containers(docker_api, session) == [], "the probe's container outlived its timeout"
