"""Warm spares (judge/backends/pool.py) against the real engine: one run per spare, one bundle per spare, one
claimant per spare, idle expiry, never a spare of another image, limits or preloads, and a silent fallback
to a cold run whenever a spare cannot serve. The adversarial fixtures also run through warm spares
(tests/test_sandbox_docker.py, the ``warm`` parameter of ``grade_file``).

Every spare a test starts is consumed or removed by it; tests/conftest.py checks that none is left.
"""

from __future__ import annotations

import base64
import io
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from judge.backends import SandboxRun
from judge.backends import pool as pool_module
from judge.backends.docker import LABEL, _read_frames, api_client
from judge.backends.pool import (
    CLAIMED_PREFIX,
    KEY_LABEL,
    ROLE,
    WarmDockerBackend,
    claim,
    claim_one,
    discard,
    spare_key,
    start_spare,
    waiting,
)
from judge.execution.executor import Executor, Task
from judge.execution.queue import JOB_FORMAT, WorkerSetup, execute_job, record_run
from judge.grading import SolutionText, finish, grade, prepare
from judge.model.limits import Limits
from judge.model.report import Verdict
from judge.problems.catalog import Problem
from sandbox import protocol

TINY = Path(__file__).parent / "fixtures" / "problems" / "tiny-add"
REFERENCE = (TINY / "reference" / "solution.py").read_text()
GONE_WITHIN_S = 60.0  # hang guard for polling loops on a busy shared machine
pytestmark = pytest.mark.docker


def limits_of(problem: Problem) -> Limits:
    return problem.limits.with_overrides(timeout_s=30.0, test_timeout_s=10.0)


def spares_of(api: Any, key: str) -> list[str]:
    """Ids of this key's spare containers, claimed or not."""
    found = api.containers(all=True, filters={"label": [f"{LABEL}={ROLE}", f"{KEY_LABEL}={key}"]})
    return [c["Id"] for c in found]


def exists(api: Any, container_id: str) -> bool:
    return bool(api.containers(all=True, filters={"id": container_id}))


def wait_gone(api: Any, container_id: str, within_s: float = GONE_WITHIN_S) -> bool:
    """Poll (bounded) until the container is gone."""
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        if not exists(api, container_id):
            return True
        time.sleep(0.25)
    return False


@pytest.fixture
def backend(docker_image: str, tiny_problem: Problem) -> Iterator[WarmDockerBackend]:
    """A warm backend for the tiny problem that keeps no spare unless told; its spares are removed after."""
    made = WarmDockerBackend(image=docker_image, preload=("json",), keep=0)
    yield made
    made.trim(limits_of(tiny_problem), keep=0)


def declares(problem: Problem, backend: WarmDockerBackend) -> Problem:
    """``problem`` declaring the preloads ``backend`` was made for, as a real problem's jobs do (a job brings
    its problem's preloads to the backend)."""
    return replace(problem, preload=backend.preload)


def key_of(backend: WarmDockerBackend, limits: Limits) -> tuple[str, str]:
    return backend.key(api_client(), limits)


def test_the_next_run_takes_the_spare_left_by_the_previous_one_and_each_spare_serves_once(
        backend: WarmDockerBackend, tiny_problem: Problem) -> None:
    api = api_client()
    limits = limits_of(tiny_problem)
    backend.keep = 1
    key, _ = key_of(backend, limits)
    first = grade(declares(tiny_problem, backend), SolutionText.from_source(REFERENCE), backend, limits=limits)
    assert first.verdict is Verdict.PASSED, first.detail
    assert (backend.warm_runs, backend.cold_runs) == (0, 1), "no spare existed: the first run is cold"
    left = spares_of(api, key)
    assert len(left) == 1, "a run leaves one spare for the next"

    second = grade(declares(tiny_problem, backend), SolutionText.from_source(REFERENCE), backend, limits=limits)
    assert second.verdict is Verdict.PASSED and second.score == second.max_score, second.detail
    assert (backend.warm_runs, backend.cold_runs) == (1, 1), "the second run used the spare"
    assert not exists(api, left[0]), "a spare is removed after its one run"
    assert len(spares_of(api, key)) == 1 and spares_of(api, key) != left, "and a new spare waits"
    assert claim_one(api, left[0]) is False, "a used spare cannot be claimed again"


def test_a_spare_reads_exactly_one_bundle_and_ignores_a_second(backend: WarmDockerBackend,
                                                                tiny_problem: Problem) -> None:
    api = api_client()
    limits = limits_of(tiny_problem)
    spare = backend.start(limits)
    assert claim_one(api, spare)
    wrong = (TINY / "known_mistakes" / "subtracts.py").read_text()
    jobs = [prepare(tiny_problem, SolutionText.from_source(text), limits=limits) for text in (REFERENCE, wrong)]
    runtime = json.dumps(backend.runtime(limits)).encode()
    attached = api.attach_socket(spare, params={"stdin": 1, "stdout": 1, "stderr": 1, "stream": 1})
    raw = attached._sock
    try:
        raw.sendall(b"".join(protocol.frame(runtime) + protocol.frame(job.bundle) for job in jobs))
        stdout, _, timed_out, _ = _read_frames(raw, time.monotonic() + 60, protocol.MAX_DOCUMENT_BYTES)
    finally:
        attached.close()
    assert not timed_out
    documents = [json.loads(line) for line in stdout.decode().splitlines() if line.strip()]
    assert len(documents) == 1, "one document: the spare ran one bundle"
    assert documents[0][protocol.NONCE] == jobs[0].nonce, "the first bundle's"
    assert wait_gone(api, spare), "the spare ended after its one run (the second bundle was never read)"


def test_of_many_concurrent_claims_of_one_spare_exactly_one_wins(backend: WarmDockerBackend,
                                                                  tiny_problem: Problem) -> None:
    limits = limits_of(tiny_problem)
    spare = backend.start(limits)
    wins: list[bool] = []
    barrier = threading.Barrier(8)

    def contend() -> None:
        api = api_client()  # each thread its own connection, as separate processes would have
        barrier.wait()
        wins.append(claim_one(api, spare))

    threads = [threading.Thread(target=contend) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(wins) == [False] * 7 + [True]
    api = api_client()
    names = api.inspect_container(spare)["Name"]
    assert names.lstrip("/") == CLAIMED_PREFIX + spare
    key, image_id = key_of(backend, limits)
    assert claim(api, key, image_id) is None, "a claimed spare is not offered again"
    api.remove_container(spare, force=True)


def test_an_idle_spare_expires_by_itself_and_is_never_claimed_close_to_expiry(
        backend: WarmDockerBackend, tiny_problem: Problem) -> None:
    api = api_client()
    limits = limits_of(tiny_problem)
    backend.idle_s = 4.0  # shorter than the claim margin: never offered
    spare = backend.start(limits)
    key, image_id = key_of(backend, limits)
    assert [c["Id"] for c in waiting(api, key, image_id, now=0.0)] == [spare]
    assert waiting(api, key, image_id) == [], "within the claim margin of its expiry: not offered"
    report = grade(declares(tiny_problem, backend), SolutionText.from_source(REFERENCE), backend, limits=limits)
    assert report.verdict is Verdict.PASSED and backend.cold_runs == 1 and backend.warm_runs == 0
    assert wait_gone(api, spare), "the idle spare's harness exited and the engine removed it"


@pytest.fixture
def other_image(docker_api: Any, docker_image: str) -> Iterator[str]:
    """An image with the same content and another id (a stand-in for an older build of the sandbox)."""
    tag = f"ml-judge-pool-test:{os.environ['JUDGE_SESSION']}"
    dockerfile = f"FROM {docker_image}\nLABEL ml-judge.pool-test={os.environ['JUDGE_SESSION']}\n"
    for _ in docker_api.build(fileobj=io.BytesIO(dockerfile.encode()), tag=tag, rm=True, decode=True):
        pass
    yield tag
    docker_api.remove_image(tag, force=True)


def test_a_spare_of_another_image_limits_or_preloads_is_never_used(
        backend: WarmDockerBackend, tiny_problem: Problem, other_image: str, docker_image: str) -> None:
    api = api_client()
    limits = limits_of(tiny_problem)
    key, image_id = key_of(backend, limits)
    others = [
        WarmDockerBackend(image=other_image, preload=("json",)),  # another image
        WarmDockerBackend(image=docker_image, preload=("json", "csv")),  # other preloads
    ]
    strays = [b.start(limits) for b in others]
    strays.append(backend.start(limits.with_overrides(timeout_s=29.0)))  # other limits
    # An older image's spare that carries this key (as if the key were computed alike): the image check.
    old_id = api.inspect_image(other_image)["Id"]
    assert old_id != image_id
    strays.append(start_spare(api, other_image, key, limits, backend.runtime(limits), ("json",), 300.0))
    try:
        report = grade(declares(tiny_problem, backend), SolutionText.from_source(REFERENCE), backend, limits=limits)
        assert report.verdict is Verdict.PASSED, report.detail
        assert (backend.warm_runs, backend.cold_runs) == (0, 1), "no other spare was used"
        assert all(exists(api, s) for s in strays), "and none was claimed"
    finally:
        for stray in strays:
            api.remove_container(stray, force=True)


def test_a_spare_made_for_other_limits_refuses_the_run_and_grading_falls_back_to_cold(
        backend: WarmDockerBackend, tiny_problem: Problem) -> None:
    api = api_client()
    limits = limits_of(tiny_problem)
    key, _ = key_of(backend, limits)
    # Mislabelled on purpose: this run's key, other limits. The harness itself checks and runs nothing.
    spare = start_spare(api, backend.image, key, limits.with_overrides(test_timeout_s=5.0),
                        backend.runtime(limits), ("json",), 300.0)
    report = grade(declares(tiny_problem, backend), SolutionText.from_source(REFERENCE), backend, limits=limits)
    assert report.verdict is Verdict.PASSED, report.detail
    assert (backend.warm_runs, backend.cold_runs) == (0, 1)
    assert wait_gone(api, spare)


def test_a_spare_whose_preload_fails_ends_and_grading_stays_cold(docker_image: str,
                                                                 tiny_problem: Problem) -> None:
    api = api_client()
    limits = limits_of(tiny_problem)
    broken = WarmDockerBackend(image=docker_image, preload=("no_such_module_for_the_judge",), keep=1)
    try:
        spare = broken.start(limits)
        assert wait_gone(api, spare), "its warm process died at import, so the spare ended at once"
        report = grade(declares(tiny_problem, broken), SolutionText.from_source(REFERENCE), broken, limits=limits)
        assert report.verdict is Verdict.PASSED, report.detail
        assert broken.cold_runs == 1 and broken.warm_runs == 0
    finally:
        broken.trim(limits, keep=0)
        for left in spares_of(api, broken.key(api, limits)[0]):
            wait_gone(api, left)


def test_a_spare_that_dies_after_its_claim_falls_back_to_cold(backend: WarmDockerBackend, tiny_problem: Problem,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    limits = limits_of(tiny_problem)
    spare = backend.start(limits)
    real_claim = pool_module.claim

    def claim_then_kill(api: Any, key: str, image_id: str) -> str | None:
        claimed = real_claim(api, key, image_id)
        assert claimed == spare
        api.kill(claimed)
        wait_gone(api, claimed)
        return claimed

    monkeypatch.setattr(pool_module, "claim", claim_then_kill)
    report = grade(declares(tiny_problem, backend), SolutionText.from_source(REFERENCE), backend, limits=limits)
    assert report.verdict is Verdict.PASSED, report.detail
    assert (backend.warm_runs, backend.cold_runs) == (0, 1)


def test_a_run_on_a_spare_is_marked_warm(backend: WarmDockerBackend, tiny_problem: Problem) -> None:
    limits = limits_of(tiny_problem)
    backend.start(limits)
    job = prepare(tiny_problem, SolutionText.from_source(REFERENCE), limits=limits)
    run: SandboxRun = backend.run(job.bundle, job.limits)
    # (The exit code may be None: an auto-removed container can be gone before the wait; the harness's
    # document is what counts.)
    assert run.warm and run.exit_code in (0, None)
    assert finish(job, run, {"backend": "docker"}).verdict is Verdict.PASSED


def test_judge_grade_leaves_one_spare_and_the_next_call_takes_it(docker_image: str, tiny_problem: Problem,
                                                                 tmp_path: Path) -> None:
    api = api_client()
    env = {**os.environ, "JUDGE_POOL": "on", "JUDGE_HOME": str(tmp_path / "home"), "JUDGE_IMAGE": docker_image}
    command = [sys.executable, "-m", "judge", "grade", "--problem", str(TINY), str(TINY / "reference" / "solution.py"),
               "--json"]
    key = spare_key(api.inspect_image(docker_image)["Id"], tiny_problem.limits,
                    WarmDockerBackend(image=docker_image).runtime(tiny_problem.limits), tiny_problem.preload)
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-2000:]
        assert json.loads(done.stdout)["sandbox"]["warm"] is False, "the report says the first run was cold"
        first = spares_of(api, key)
        assert len(first) == 1, "the call left one spare"
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-2000:]
        assert json.loads(done.stdout)["verdict"] == "passed"
        assert json.loads(done.stdout)["sandbox"]["warm"] is True, "and the second warm"
        assert not exists(api, first[0]), "the second call took it"
        assert len(spares_of(api, key)) == 1, "and left its own"
        off = subprocess.run(command, env={**env, "JUDGE_POOL": "off"}, capture_output=True, text=True, timeout=300)
        assert off.returncode == 0, off.stderr[-2000:]
        assert len(spares_of(api, key)) == 1, "JUDGE_POOL=off neither takes nor leaves a spare"
    finally:
        discard(api, key, api.inspect_image(docker_image)["Id"], keep=0)
        for left in spares_of(api, key):
            wait_gone(api, left)


def test_trim_leaves_one_spare_for_the_next_call_and_none_for_other_limits(backend: WarmDockerBackend,
                                                                            tiny_problem: Problem) -> None:
    api = api_client()
    limits = limits_of(tiny_problem)
    shorter = limits.with_overrides(timeout_s=12.0)  # as a validation grades its mutants
    kept = [backend.start(limits), backend.start(limits)]
    other = backend.start(shorter)
    assert backend.trim(limits, keep=1) == 2
    assert sum(exists(api, s) for s in kept) == 1 and wait_gone(api, other)


def test_one_backend_keeps_spares_warmed_for_each_problem_it_grades(docker_image: str,
                                                                     tiny_problem: Problem) -> None:
    """The server's case: one executor on one warm backend, submissions of several problems. Each job's own
    preloads pick the spare, so the second submission of each problem is warm and never takes the other's."""
    plain, with_json = tiny_problem, replace(tiny_problem, preload=("json",))
    limits = limits_of(tiny_problem)
    backend = WarmDockerBackend(image=docker_image, keep=1)
    executor = Executor(backend)
    try:
        reports = [executor.grade(Task(key=str(i), problem=problem, submission=SolutionText.from_source(REFERENCE),
                                       limits=limits))
                   for i, problem in enumerate([plain, with_json, plain, with_json])]
        assert [r.verdict for r in reports] == [Verdict.PASSED] * 4, [r.detail for r in reports]
        assert [r.sandbox["warm"] for r in reports] == [False, False, True, True]
        api = api_client()
        for problem in (plain, with_json):
            key, _ = backend.key(api, limits, problem.preload)
            assert len(spares_of(api, key)) == 1, "each problem keeps its own spare"
    finally:
        assert backend.trim(limits, keep=0) == 2


def test_a_worker_runs_its_next_job_on_a_spare_it_kept(docker_image: str, tiny_problem: Problem,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """`judge worker`: a job carries its problem's preloads; the worker keeps spares warmed for them, and the
    stored result says the run was warm. (Through Redis and Celery: tests/test_queue_redis.py.)"""
    monkeypatch.setenv("JUDGE_POOL", "on")
    worker = WorkerSetup(name="w1", image=docker_image, image_present=True, concurrency=1,
                         visibility_timeout_s=600.0, url="redis://127.0.0.1:1/0")
    limits = limits_of(tiny_problem)
    api = api_client()
    key, image_id = WarmDockerBackend(image=docker_image, preload=("json",)).key(api, limits)
    try:
        runs = []
        for job in ("job-1", "job-2"):
            prepared = prepare(tiny_problem, SolutionText.from_source(REFERENCE), limits=limits)
            record = execute_job(job, base64.b64encode(prepared.bundle).decode(), limits.to_dict(), docker_image,
                                 JOB_FORMAT, worker, ["json"])
            run = record_run(record)
            report = finish(prepared, run, {"backend": "docker"})
            assert report.verdict is Verdict.PASSED, report.detail
            runs.append(run.warm)
        assert runs == [False, True]
        spares = api.containers(filters={"label": [f"{KEY_LABEL}={key}"]})
        assert len(spares) == 1 and spares[0]["Labels"].get(f"{LABEL}.worker") == "w1"
        assert f"{LABEL}.job" not in spares[0]["Labels"], "a spare outlives its job: it carries no job's label"
    finally:
        discard(api, key, image_id, keep=0)


def test_keep_warm_replaces_a_spare_that_expired_for_a_problem_graded_recently(
        docker_image: str, tiny_problem: Problem) -> None:
    """The server's keeper: a problem graded in the last ``within_s`` seconds gets its spare back after the
    spare expired idle (removed here, as expiry would); one not graded in that window gets none."""
    api = api_client()
    limits = limits_of(tiny_problem)
    backend = WarmDockerBackend(image=docker_image, preload=("json",), keep=1)
    key, image_id = backend.key(api, limits)
    stop = threading.Event()
    try:
        report = grade(declares(tiny_problem, backend), SolutionText.from_source(REFERENCE), backend, limits=limits)
        assert report.verdict is Verdict.PASSED, report.detail
        assert discard(api, key, image_id, keep=0) == 1, "the run left a spare; it 'expires' here"
        backend.keep_warm(stop, every_s=0.2, within_s=600.0)
        deadline = time.monotonic() + GONE_WITHIN_S
        while not waiting(api, key, image_id):
            assert time.monotonic() < deadline, "the keeper did not replace the spare"
            time.sleep(0.2)
        stop.set()
        assert backend.top_up(within_s=0.0) == 0, "nothing was graded in the last 0 s: nothing to keep"
    finally:
        stop.set()
        backend.trim(limits, keep=0)


def test_the_server_grades_warm_and_keeps_its_spares_while_it_runs(
        docker_image: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`judge serve` (in-process, Docker, pool on): the second submission of a problem runs on the spare the
    first left, and the keeper thread lives exactly as long as the server."""
    from .server_helpers import running_server

    monkeypatch.setenv("JUDGE_POOL", "on")
    monkeypatch.setenv("JUDGE_IMAGE", docker_image)
    with running_server(f"sqlite:///{tmp_path / 'server.sqlite'}", backend="docker") as server:
        backend = server.app.state.judge.grader.executor.backend
        assert isinstance(backend, WarmDockerBackend)
        assert any(t.name == "judge-keep-warm" and t.is_alive() for t in threading.enumerate())
        try:
            for name in ("Ada", "Grace"):
                token = server.start(server.invite(name=name)["code"])["token"]
                view = server.wait(token, server.submit(token, REFERENCE).json()["id"])
                assert view["state"] == "graded" and view["report"]["percent"] == 100, view
            assert (backend.cold_runs, backend.warm_runs) == (1, 1)
        finally:
            backend.trim(server.app.state.judge.problem("tiny-add").limits, keep=0)
    deadline = time.monotonic() + 10
    while any(t.name == "judge-keep-warm" for t in threading.enumerate()):
        assert time.monotonic() < deadline, "the keeper outlived the server"
        time.sleep(0.05)
