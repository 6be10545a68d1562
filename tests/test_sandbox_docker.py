"""Adversarial submissions against the Docker sandbox: each must end with the right verdict, in bounded time,
leave no container behind and leave the host untouched.

Every submission is a file in tests/fixtures/adversarial/ graded against the tiny fixture problem. Where an
attack is observable only through the verdict, the submission defines a correct add/scale only when the
attack failed, so 'passed' proves it was contained. Wall-time assertions are hang guards, not speed claims.
tests/conftest.py checks after every Docker test that no ml-judge container is left.

Two tests here need no engine: the syntax error (found on the host before any container) and the
unreachable engine (a dead DOCKER_HOST).
"""

from __future__ import annotations

import os
import re
import select
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from judge.backends import SandboxUnavailable
from judge.backends.docker import DockerBackend
from judge.backends.local import LocalBackend
from judge.backends.pool import WarmDockerBackend
from judge.grading import SolutionText, grade
from judge.model.limits import Limits
from judge.model.report import Report, Status, Verdict
from judge.problems.catalog import Problem

ADVERSARIAL = Path(__file__).parent / "fixtures" / "adversarial"
TINY = Path(__file__).parent / "fixtures" / "problems" / "tiny-add"
HANG_GUARD_S = 20.0  # on top of the overall limit: the host's grace period plus container start and removal
TIMEOUT_S = 12.0  # room for two 3 s per-test timeouts after pytest starts
SHORT_TIMEOUT_S = 8.0  # for submissions that can only end by the overall limit
CANDIDATE_UID = 10001  # the unprivileged user the tests run as (Dockerfile)
BOMB_GOING = 200  # candidate processes that show a fork bomb near its pids limit (256)


def limits_for(problem: Problem, timeout_s: float = TIMEOUT_S) -> Limits:
    """Small limits so the whole file stays fast: the problem's 512 MiB memory, a 3 s per-test limit."""
    return problem.limits.with_overrides(timeout_s=timeout_s, test_timeout_s=3.0)


def source(name: str, **placeholders: str) -> str:
    """An adversarial submission's text, with ``__NAME__`` placeholders filled in."""
    text = (ADVERSARIAL / name).read_text()
    for key, value in placeholders.items():
        text = text.replace(f"__{key}__", value)
    return text


def run_submission(problem: Problem, image: str, text: str, limits: Limits, warm: bool = False) -> Report:
    """Grade ``text`` in the Docker sandbox, failing if the run did not end near its limit. ``warm``: on a
    warm spare (judge/backends/pool.py) started for it, failing if the run did not use it."""
    backend = WarmDockerBackend(image=image, preload=("json",), keep=0) if warm else DockerBackend(image=image)
    if isinstance(backend, WarmDockerBackend):
        backend.start(limits)
        problem = replace(problem, preload=backend.preload)  # its jobs bring the preloads the spare has
    started = time.monotonic()
    report = grade(problem, SolutionText.from_source(text), backend, limits=limits)
    wall = time.monotonic() - started
    assert wall < limits.timeout_s + HANG_GUARD_S, f"the run took {wall:.1f} s: it did not end near its limit"
    if isinstance(backend, WarmDockerBackend):
        assert (backend.warm_runs, backend.cold_runs) == (1, 0), "the run did not use its warm spare"
    return report


def statuses(report: Report) -> dict[str, Status]:
    return {t.id: t.status for t in report.tests}


def has_warning(report: Report, text: str) -> bool:
    return any(text in w for w in report.warnings)


@pytest.fixture(autouse=True)
def _own_containers_removed(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each container this test created is gone afterwards (exact even when other runs share the engine)."""
    if request.node.get_closest_marker("docker") is None:
        yield
        return
    api = request.getfixturevalue("docker_api")
    created: list[str] = []
    client_class = type(api)  # patched on the class: grading threads each have their own client
    real_create = client_class.create_container

    def recording_create(self: Any, *args: Any, **kwargs: Any) -> Any:
        result = real_create(self, *args, **kwargs)
        created.append(result["Id"])
        return result

    monkeypatch.setattr(client_class, "create_container", recording_create)
    yield
    left = [cid[:12] for cid in created if api.containers(all=True, filters={"id": cid})]
    assert not left, f"this test did not remove its containers: {left}"


@pytest.fixture(params=["cold", "warm"])
def grade_file(request: pytest.FixtureRequest, tiny_problem: Problem, docker_image: str) -> Any:
    """grade_file(name, timeout_s=..., **placeholders) -> Report, in the real sandbox: in a fresh container
    (cold) and on a warm spare whose test process was forked and confined before the submission came."""

    def run(name: str, timeout_s: float = TIMEOUT_S, **placeholders: str) -> Report:
        return run_submission(tiny_problem, docker_image, source(name, **placeholders),
                              limits_for(tiny_problem, timeout_s), warm=request.param == "warm")

    return run


# -- ordinary submissions ---------------------------------------------------------------------------

@pytest.mark.docker
def test_correct_solution_passes(tiny_problem: Problem, docker_image: str) -> None:
    text = (TINY / "reference" / "solution.py").read_text()
    report = run_submission(tiny_problem, docker_image, text, limits_for(tiny_problem))
    assert report.verdict is Verdict.PASSED, report.detail
    assert report.score == report.max_score == 6
    assert not report.warnings


@pytest.mark.docker
def test_wrong_solution_fails(tiny_problem: Problem, docker_image: str) -> None:
    text = (TINY / "known_mistakes" / "subtracts.py").read_text()
    report = run_submission(tiny_problem, docker_image, text, limits_for(tiny_problem))
    assert report.verdict is Verdict.FAILED
    got = statuses(report)
    assert got["test_add.py::test_add_small"] is Status.FAIL
    assert got["test_add.py::test_scale_factors[-1]"] is Status.PASS
    assert report.score == 3


def test_syntax_error_is_found_on_the_host_before_any_container(tiny_problem: Problem) -> None:
    class NoContainer(DockerBackend):
        def run(self, bundle: bytes, limits: Limits, preload: Sequence[str] | None = None) -> Any:
            raise AssertionError("a container was started for a submission that does not compile")

    report = grade(tiny_problem, SolutionText.from_source(source("syntax_error.py")), NoContainer(image="unused"),
                   limits=limits_for(tiny_problem))
    assert report.verdict is Verdict.SYNTAX_ERROR
    assert "line 4" in report.detail
    assert "def add(a, b)" in report.detail
    assert all(t.status is Status.ERROR for t in report.tests)


@pytest.mark.docker
def test_exception_at_import_is_an_import_error_with_the_exception(grade_file: Any) -> None:
    report = grade_file("import_raises.py")
    assert report.verdict is Verdict.IMPORT_ERROR
    assert "RuntimeError: boom at import: adversarial fixture" in report.detail
    assert 'solution.py", line 3' in report.detail


# -- time --------------------------------------------------------------------------------------------

@pytest.mark.docker
def test_infinite_loop_in_a_function_hits_the_per_test_limit(grade_file: Any) -> None:
    report = grade_file("infinite_loop.py")
    assert report.verdict is Verdict.TIMEOUT
    assert "per-test time limit" in report.detail
    got = statuses(report)
    assert got["test_add.py::test_add_small"] is Status.ERROR
    assert got["test_add.py::test_scale_data_file"] is Status.PASS  # later tests still ran


@pytest.mark.docker
def test_sleep_at_import_hits_the_overall_limit(grade_file: Any) -> None:
    report = grade_file("sleep_at_import.py", timeout_s=SHORT_TIMEOUT_S)
    assert report.verdict is Verdict.TIMEOUT
    assert "overall time limit" in report.detail


# -- processes, memory, output -------------------------------------------------------------------------

def candidate_processes() -> int:
    """Processes of the sandbox's candidate user, as the host's kernel counts them."""
    count = 0
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            uid_line = next(line for line in status.read_text().splitlines() if line.startswith("Uid:"))
        except (OSError, StopIteration):
            continue
        count += uid_line.split()[1] == str(CANDIDATE_UID)
    return count


@pytest.mark.docker
def test_fork_bomb_is_stopped_and_does_not_starve_another_sandbox(grade_file: Any) -> None:
    bomb: list[Report] = []
    thread = threading.Thread(target=lambda: bomb.append(grade_file("fork_bomb.py")))
    thread.start()
    try:
        # Once the bomb fills its pids limit, a correct submission that starts threads, graded beside it,
        # must still pass: a per-uid limit (RLIMIT_NPROC) counts host-wide and would starve it.
        deadline = time.monotonic() + TIMEOUT_S - 3
        while (going := candidate_processes()) < BOMB_GOING and time.monotonic() < deadline and thread.is_alive():
            pass
        neighbour = grade_file("threads_at_import.py")
    finally:
        thread.join()
    assert going >= BOMB_GOING, f"the fork bomb only reached {going} processes"
    assert bomb and bomb[0].verdict in (Verdict.TIMEOUT, Verdict.CRASHED), bomb and bomb[0].detail
    assert neighbour.verdict is Verdict.PASSED, neighbour.detail


@pytest.mark.docker
def test_pids_limit_holds(grade_file: Any, tiny_problem: Problem) -> None:
    # The submission forks until fork fails and is correct only if that happened before 600 children.
    assert tiny_problem.limits.pids < 600
    report = grade_file("fork_count.py")
    assert report.verdict is Verdict.PASSED, report.detail


@pytest.mark.docker
def test_allocating_20_gib_hits_the_memory_limit(grade_file: Any) -> None:
    report = grade_file("memory_hog.py")
    assert report.verdict is Verdict.MEMORY_LIMIT, report.detail


@pytest.mark.docker
def test_printing_50_mb_is_an_output_limit(grade_file: Any) -> None:
    # Decision: pytest captures a test's output in a file, so printing more than the file-size limit
    # (16 MiB by default) stops the test process with SIGXFSZ and the verdict is output-limit. Printing
    # less is graded normally; the report keeps only the head and tail of the output.
    report = grade_file("big_output.py")
    assert report.verdict is Verdict.OUTPUT_LIMIT, report.detail


# -- network and files ---------------------------------------------------------------------------------

def docker_bridge_address(api: Any) -> str:
    """The host's address on Docker's default bridge (docker0), where a container would reach the host."""
    try:
        shown = subprocess.run(["ip", "-4", "addr", "show", "docker0"], capture_output=True, text=True,
                               check=False).stdout
    except OSError:
        shown = ""
    match = re.search(r"inet (\d+\.\d+\.\d+\.\d+)/", shown)
    if match:
        return match.group(1)
    for config in api.inspect_network("bridge").get("IPAM", {}).get("Config") or []:
        if config.get("Gateway"):
            return str(config["Gateway"])
    raise AssertionError("the host has no address on Docker's bridge network (docker0)")


@pytest.fixture
def bridge_server(docker_api: Any) -> Iterator[socket.socket]:
    """A TCP server listening on the host's docker0 address; nothing accepts, so a connection stays queued."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind((docker_bridge_address(docker_api), 0))
    server.listen(8)
    try:
        yield server
    finally:
        server.close()


def saw_connection(server: socket.socket) -> bool:
    readable, _, _ = select.select([server], [], [], 0)
    return bool(readable)


@pytest.mark.docker
def test_no_network_and_the_host_bridge_is_unreachable(grade_file: Any, bridge_server: socket.socket) -> None:
    host, port = bridge_server.getsockname()
    report = grade_file("network.py", HOST=host, PORT=str(port))
    assert report.verdict is Verdict.PASSED, report.detail
    assert not saw_connection(bridge_server)


@pytest.mark.docker
def test_network_attack_works_without_the_sandbox(tiny_problem: Problem, bridge_server: socket.socket) -> None:
    # The control for the test above: unisolated, the same submission sees interfaces and connects.
    host, port = bridge_server.getsockname()
    text = source("network.py", HOST=host, PORT=str(port))
    report = grade(tiny_problem, SolutionText.from_source(text), LocalBackend(), limits=limits_for(tiny_problem))
    assert report.verdict is not Verdict.PASSED
    assert saw_connection(bridge_server)


@pytest.mark.docker
def test_writes_to_root_etc_and_home_fail_and_the_host_is_untouched(grade_file: Any) -> None:
    name = "ml_judge_adversarial_write"
    host_paths = [Path("/") / name, Path("/etc") / name, Path.home() / name]
    assert not any(p.exists() for p in host_paths)
    report = grade_file("write_outside.py")
    assert report.verdict is Verdict.PASSED, report.detail
    assert not any(p.exists() for p in host_paths)


# -- ending the test process -----------------------------------------------------------------------

@pytest.mark.docker
def test_os_exit_at_import_is_a_crash(grade_file: Any) -> None:
    report = grade_file("os_exit_at_import.py")
    assert report.verdict is Verdict.CRASHED
    assert "exit code 0" in report.detail


@pytest.mark.docker
def test_sys_exit_at_import_is_never_a_pass(grade_file: Any) -> None:
    report = grade_file("sys_exit_at_import.py")
    assert report.verdict in (Verdict.IMPORT_ERROR, Verdict.CRASHED)
    assert report.score == 0


@pytest.mark.docker
def test_killing_its_own_process_group_is_a_crash(grade_file: Any) -> None:
    report = grade_file("kill_process_group.py")
    assert report.verdict is Verdict.CRASHED
    assert "signal 9" in report.detail


# -- faking a pass -------------------------------------------------------------------------------------

@pytest.mark.docker
def test_forged_results_documents_never_reach_the_results_channel(grade_file: Any) -> None:
    # The forger looks for the nonce in its environment, /proc/self/environ and settings.json and writes
    # everywhere it can. Its process holds no descriptor of the grader's results pipe, so not one line
    # arrives there (no "forged lines ignored" warning), and the verdict is what its wrong add earns.
    # Its writes land on the one descriptor it has that is not its output, its own socket to the grader, so
    # it usually breaks its own channel first: "crashed", with nothing passed.
    report = grade_file("forge_results.py")
    assert report.verdict in (Verdict.FAILED, Verdict.CRASHED), report.detail
    assert report.score == 0 and not any(t.status is Status.PASS for t in report.tests)
    assert not has_warning(report, "forged or malformed result line(s)")


@pytest.mark.docker
def test_forging_results_then_dying_is_not_a_pass(grade_file: Any) -> None:
    report = grade_file("forge_and_die.py")
    assert report.verdict is Verdict.CRASHED, report.detail
    assert report.score == 0


@pytest.mark.docker
def test_monkeypatching_pytest_changes_nothing(grade_file: Any) -> None:
    # The patch runs in the candidate's own process; pytest runs in the grader's, untouched. The verdict is
    # what the wrong add earns, the canary fails as always, and the scan still flags the attempt.
    report = grade_file("patch_pytest.py")
    assert report.verdict is Verdict.FAILED, report.detail
    assert not has_warning(report, "canary test did not fail")
    assert has_warning(report, "imports _pytest")
    assert report.score == 0


@pytest.mark.docker
def test_monkeypatch_that_spares_the_canary_gains_nothing(grade_file: Any) -> None:
    # Before the grader and the candidate were split, only the scan stood between this patch and a pass.
    # Now the patch cannot reach the grader: the score is what the wrong add earns; the scan still flags it.
    report = grade_file("patch_pytest_spare_canary.py")
    assert report.verdict is Verdict.FAILED, report.detail
    assert report.score == 0
    assert has_warning(report, "integrity: line 3: imports _pytest")


# -- the host side -------------------------------------------------------------------------------------

@pytest.mark.docker
def test_ctrl_c_while_waiting_removes_the_container(tiny_problem: Problem, docker_image: str, docker_api: Any,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    import judge.backends.docker as docker_backend

    started: list[str] = []
    real_start = docker_api.start

    def recording_start(container: str, *args: Any, **kwargs: Any) -> Any:
        started.append(container)
        return real_start(container, *args, **kwargs)

    def interrupted_reader(*args: Any, **kwargs: Any) -> Any:
        assert docker_api.inspect_container(started[0])["State"]["Running"]
        raise KeyboardInterrupt

    monkeypatch.setattr(docker_api, "start", recording_start)
    monkeypatch.setattr(docker_backend, "_read_frames", interrupted_reader)
    text = (TINY / "reference" / "solution.py").read_text()
    with pytest.raises(KeyboardInterrupt):
        grade(tiny_problem, SolutionText.from_source(text), DockerBackend(image=docker_image),
              limits=limits_for(tiny_problem))
    assert len(started) == 1
    from docker.errors import NotFound

    with pytest.raises(NotFound):
        docker_api.inspect_container(started[0])


@pytest.fixture
def dead_engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """DOCKER_HOST pointing at a unix socket nothing listens on; this thread's cached client forgotten."""
    import judge.backends.docker as docker_backend

    for key in ("DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH", "DOCKER_CONTEXT"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path / 'dead-docker.sock'}")
    monkeypatch.setattr(docker_backend, "_local", threading.local())
    return dict(os.environ)


def test_unreachable_engine_is_sandbox_unavailable_with_a_fix(tiny_problem: Problem,
                                                              dead_engine: dict[str, str]) -> None:
    text = (TINY / "reference" / "solution.py").read_text()
    with pytest.raises(SandboxUnavailable) as caught:
        grade(tiny_problem, SolutionText.from_source(text), DockerBackend(image="unused"),
              limits=limits_for(tiny_problem))
    assert "not reachable" in str(caught.value)
    assert "judge doctor" in caught.value.fix


def test_judge_grade_with_an_unreachable_engine_exits_3_without_a_traceback(
        dead_engine: dict[str, str], judge_home: Path) -> None:
    env = {**dead_engine, "JUDGE_HOME": str(judge_home)}
    done = subprocess.run(
        [sys.executable, "-m", "judge", "grade", "--problem", str(TINY), str(TINY / "reference" / "solution.py")],
        capture_output=True, text=True, env=env, timeout=60, check=False,
    )
    assert done.returncode == 3, done.stderr
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    # One error line, then the line saying how to fix it.
    assert lines[0].startswith("error: ") and "Docker engine is not reachable" in lines[0]
    assert len(lines) == 2 and lines[1].strip().startswith("fix: ")
    assert done.stdout == ""
