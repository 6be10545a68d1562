"""Grading through the job queue with real components: Debian's redis-server (started here, on a loopback port,
with append-only persistence), real `judge worker` processes (Celery, prefork) and real Docker sandboxes, on
the tiny fixture problem.

Faults are real too: a worker killed with SIGKILL in the middle of a job, a broker killed with SIGKILL and
restarted with jobs queued, a worker with another image, and a job whose worker process is killed on every
run. Nothing here sleeps except bounded polling loops; the conftest checks that no container is left.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from judge.backends.docker import LABEL, DockerBackend
from judge.execution.queue import KEY, QUEUE, QueueRunner
from judge.problems.catalog import Problem
from judge.services.batch import run_batch
from judge.services.intake import discover

from .conftest import SESSION, TINY, RedisServer
from .test_batch_docker import BATCH, EXPECTED, REFERENCE, SUBTRACTS, make_batch

pytestmark = [pytest.mark.docker, pytest.mark.redis]

# Slow enough (2 s at import) that a test sees its container running and can kill the worker mid-job.
SLOW = "import time\n\ntime.sleep(2)\n\n\n" + REFERENCE
TWELVE = {
    **BATCH,
    "ivan": "# a comment\n" + REFERENCE,
    "judy": SUBTRACTS.replace("a - b", "b - a"),
    "ken": "def add(a, b):\n    return a + b\n\n\ndef scale(values, factor):\n    return [factor] * len(values)\n",
    "liam": "def add(a, b)\n    return a + b\n",
}


def judge_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "judge", "--problems", str(TINY.parent), *args]


def grade_cmd(broker: str, *args: str) -> list[str]:
    return judge_cmd("grade", "--problem", "tiny-add", "--broker", broker, *args)


class Worker:
    """A `judge worker` subprocess in a process group of its own (the pool processes are in it too)."""

    def __init__(self, broker: str, log: Path, *, concurrency: int = 1, visibility_s: float | None = None,
                 env: dict[str, str] | None = None) -> None:
        args = ["worker", "--broker", broker, "--concurrency", str(concurrency), "--loglevel", "INFO"]
        if visibility_s is not None:
            args += ["--visibility-timeout", str(visibility_s)]
        self.log = log
        self.handle = log.open("wb")
        self.proc = subprocess.Popen(judge_cmd(*args), stdout=self.handle, stderr=subprocess.STDOUT,
                                     env={**os.environ, **(env or {})}, start_new_session=True)
        self.name = f"judge-{self.proc.pid}@"

    def stop(self) -> None:
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=30)
        self.handle.close()

    def kill_group(self) -> None:
        """kill -9 of the whole worker: main process and its pool processes."""
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]


@pytest.fixture
def start_workers(tmp_path: Path) -> Iterator[Callable[..., list[Worker]]]:
    """Start `judge worker` processes and wait until each answers on the broker; all are stopped afterwards."""
    started: list[Worker] = []

    def start(broker: str, count: int = 1, wait: bool = True, **kwargs: Any) -> list[Worker]:
        workers = [Worker(broker, tmp_path / f"worker-{len(started) + i}.log", **kwargs) for i in range(count)]
        started.extend(workers)
        if wait:
            wait_for_workers(broker, workers)
        return workers

    yield start
    for worker in started:
        worker.stop()


def wait_for_workers(broker: str, workers: list[Worker], seconds: float = 90) -> None:
    runner = QueueRunner(broker)
    try:
        deadline = time.monotonic() + seconds
        while True:
            names = [w.name for w in runner.workers(0.5)]
            if all(any(n.startswith(w.name) for n in names) for w in workers):
                return
            for w in workers:
                assert w.proc.poll() is None, f"the worker exited:\n{w.output()}"
            assert time.monotonic() < deadline, f"workers did not answer within {seconds} s: {names}"
    finally:
        runner.close()


def session_containers(docker_api: Any, *labels: str) -> list[dict[str, Any]]:
    return list(docker_api.containers(all=True, filters={"label": [f"{LABEL}.session={SESSION}", *labels]}))


def wait_no_containers(docker_api: Any, seconds: float = 60) -> None:
    """A killed worker's sandbox ends by itself (auto-removed); wait for that, boundedly."""
    deadline = time.monotonic() + seconds
    while session_containers(docker_api):
        assert time.monotonic() < deadline, "sandbox containers were left behind"
        time.sleep(0.2)


def redis_keys(broker: str, pattern: str) -> dict[str, bytes]:
    import redis

    client = redis.Redis.from_url(broker)
    try:
        return {key.decode(): client.get(key) for key in client.scan_iter(pattern)}
    finally:
        client.close()


def rows(out: Path) -> dict[str, tuple[Any, ...]]:
    """name -> (state, verdict, score, requirements, per-test (id, status)) of a batch's output folder."""
    summary = json.loads((out / "summary.json").read_text())
    found = {}
    for row in summary["submissions"]:
        report = json.loads((out / row["report"]).read_text()) if row["report"] else {"tests": []}
        tests = tuple((t["id"], t["status"], t["earned"]) for t in report["tests"])
        found[row["name"]] = (row["state"], row["verdict"], row["score"], row["requirements"], tests)
    return found


def test_a_batch_of_twelve_through_two_workers_matches_in_process(
        tmp_path: Path, docker_image: str, judge_home: Path, broker_url: str, tiny_problem: Problem,
        start_workers: Callable[..., list[Worker]], docker_api: Any) -> None:
    folder = make_batch(tmp_path / "in", TWELVE)
    limits = tiny_problem.limits.with_overrides(timeout_s=8.0)  # room for a loaded machine: same verdicts both ways
    local = run_batch(tiny_problem, discover([folder]), DockerBackend(docker_image), tmp_path / "local",
                      limits=limits, jobs=2)
    assert not local.infrastructure_error

    start_workers(broker_url, 2)
    queued = subprocess.run(grade_cmd(broker_url, str(folder), "--timeout", "8", "--out", str(tmp_path / "queue"),
                                      "--json"), capture_output=True, text=True, timeout=300)
    assert queued.returncode == 1, queued.stderr
    via_queue, in_process = rows(tmp_path / "queue"), rows(tmp_path / "local")
    assert via_queue == in_process
    assert {name: (row[1], row[2]) for name, row in via_queue.items() if name in EXPECTED} == {
        name: (verdict, score) for name, (verdict, score, _r1, _r2) in EXPECTED.items()}
    assert all(row[0] == "graded" for row in via_queue.values())
    summary = json.loads(queued.stdout)
    assert summary["sandbox"]["image"] == docker_image and summary["sandbox"]["backend"] == "docker"
    # One result per job sent: 11 submissions ran (liam and carol do not compile, so they never leave the host),
    # every one stored once.
    assert len(redis_keys(broker_url, KEY + "result:*")) == 10
    # `judge workers` lists both, with the image this judge expects, and an empty queue.
    listed = subprocess.run(judge_cmd("workers", "--broker", broker_url, "--json"), capture_output=True,
                            text=True, timeout=60)
    assert listed.returncode == 0, listed.stderr
    info = json.loads(listed.stdout)
    assert info["queued"] == 0 and info["running"] == 0 and len(info["workers"]) == 2
    assert all(w["matches"] and w["image_present"] and w["image"] == docker_image for w in info["workers"])


def test_kill_9_of_a_worker_mid_job_every_submission_graded_once(
        tmp_path: Path, docker_image: str, judge_home: Path, broker_url: str,
        start_workers: Callable[..., list[Worker]], docker_api: Any) -> None:
    sources = {f"s{i}": SLOW for i in range(5)} | {"bob": SUBTRACTS}
    folder = make_batch(tmp_path / "in", sources)
    workers = start_workers(broker_url, 2, visibility_s=8)
    out = tmp_path / "out"
    batch = subprocess.Popen(grade_cmd(broker_url, str(folder), "--out", str(out), "--json"),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        victim, job = _running_job(docker_api, {w.proc.pid: w for w in workers}, time.monotonic() + 120,
                                   lambda: batch.poll() is None)
        victim.kill_group()  # mid-job: its sandbox is running
        stdout, stderr = batch.communicate(timeout=180)
    finally:
        if batch.poll() is None:
            batch.kill()
            batch.wait()
    assert batch.returncode == 1, stderr
    summary = json.loads(stdout)
    assert {s["name"]: (s["state"], s["verdict"]) for s in summary["submissions"]} == {
        **{f"s{i}": ("graded", "passed") for i in range(5)}, "bob": ("graded", "failed")}
    # The killed job ran again on the other worker; every job has exactly one stored result.
    starts = redis_keys(broker_url, KEY + "starts:*")
    assert int(starts[KEY + "starts:" + job]) == 2
    assert len(redis_keys(broker_url, KEY + "result:*")) == 6
    wait_no_containers(docker_api)


@pytest.fixture
def own_redis(redis_binary: str, tmp_path: Path) -> Iterator[RedisServer]:
    """A Redis of this test's own, to kill and restart (torn down after the workers that use it)."""
    server = RedisServer(redis_binary, tmp_path / "redis").start()
    try:
        yield server
    finally:
        server.kill()


def test_a_broker_killed_and_restarted_with_jobs_queued_loses_none(
        tmp_path: Path, docker_image: str, judge_home: Path, own_redis: RedisServer,
        start_workers: Callable[..., list[Worker]], docker_api: Any) -> None:
    import redis

    server = own_redis
    broker = server.url(0)
    sources = {"alice": REFERENCE, "bob": SUBTRACTS, "frank": BATCH["frank"], "gina": BATCH["gina"],
               "hank": BATCH["hank"], "ivan": TWELVE["ivan"]}
    folder = make_batch(tmp_path / "in", sources)
    batch = subprocess.Popen(grade_cmd(broker, str(folder), "--jobs", "6", "--out", str(tmp_path / "out"), "--json"),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        client = redis.Redis.from_url(broker)

        def queued() -> int:
            return int(client.llen(QUEUE))

        deadline = time.monotonic() + 60
        while queued() < 6:  # no worker yet: all six wait in the queue
            assert time.monotonic() < deadline and batch.poll() is None, f"jobs were not queued: {queued()}"
            time.sleep(0.05)
        server.kill()
        server.start()
        client = redis.Redis.from_url(broker)
        assert queued() == 6, "queued jobs were lost by the broker's restart"
        start_workers(broker, 1, concurrency=2)
        stdout, stderr = batch.communicate(timeout=180)
    finally:
        if batch.poll() is None:
            batch.kill()
            batch.wait()
    try:
        assert batch.returncode == 1, stderr
        summary = json.loads(stdout)
        assert {s["name"]: s["verdict"] for s in summary["submissions"]} == {
            "alice": "passed", "bob": "failed", "frank": "passed", "gina": "failed", "hank": "import-error",
            "ivan": "passed"}
        assert summary["counts"]["pending"] == 0
    finally:
        wait_no_containers(docker_api)


def test_a_worker_with_another_image_or_none_refuses_with_the_fix(
        tmp_path: Path, docker_image: str, judge_home: Path, redis_server: RedisServer,
        start_workers: Callable[..., list[Worker]], docker_api: Any) -> None:
    other, missing = redis_server.url(60), redis_server.url(61)
    for db in (60, 61):
        import redis

        redis.Redis.from_url(redis_server.url(db)).flushdb()
    start_workers(other, env={"JUDGE_IMAGE": "ml-judge-sandbox:000000000000"}, wait=False)
    start_workers(missing, env={"JUDGE_IMAGE": "ml-judge-sandbox:notbuilt0000"}, wait=False)
    solution = str(TINY / "reference" / "solution.py")

    differs = subprocess.run(grade_cmd(other, solution, "--json"), capture_output=True, text=True, timeout=180)
    assert differs.returncode == 3, differs.stderr
    report = json.loads(differs.stdout)
    assert report["verdict"] == "sandbox-error"
    assert "grades with the sandbox image ml-judge-sandbox:000000000000" in report["detail"]
    assert f"this judge expects {docker_image}" in report["detail"] and "fix:" in report["detail"]
    assert "judge sandbox build" in report["detail"]
    listed = json.loads(subprocess.run(judge_cmd("workers", "--broker", other, "--json"), capture_output=True,
                                       text=True, timeout=60).stdout)
    assert [w["matches"] for w in listed["workers"]] == [False]

    env = {**os.environ, "JUDGE_IMAGE": "ml-judge-sandbox:notbuilt0000"}
    absent = subprocess.run(grade_cmd(missing, solution, "--json"), capture_output=True, text=True, timeout=180,
                            env=env)
    assert absent.returncode == 3, absent.stderr
    report = json.loads(absent.stdout)
    assert report["verdict"] == "sandbox-error"
    assert "could not start a sandbox" in report["detail"] and "is not built" in report["detail"]
    assert "fix: judge sandbox build" in report["detail"]
    assert session_containers(docker_api) == []  # neither ran anything


def test_a_job_that_kills_its_worker_every_time_ends_as_a_sandbox_error(
        tmp_path: Path, docker_image: str, judge_home: Path, broker_url: str,
        start_workers: Callable[..., list[Worker]], docker_api: Any) -> None:
    (worker,) = start_workers(broker_url, 1)
    solution = tmp_path / "solution.py"
    solution.write_text(SLOW)
    grade = subprocess.Popen(grade_cmd(broker_url, str(solution), "--json"), stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    killed: set[str] = set()

    def killer() -> None:  # the worker's pool process dies on every run of this job, as under the OOM killer
        while grade.poll() is None:
            for container in session_containers(docker_api, f"{LABEL}.worker-pid"):
                if container["Id"] not in killed and container["State"] == "running":
                    killed.add(container["Id"])
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(int(container["Labels"][f"{LABEL}.worker-pid"]), signal.SIGKILL)
            time.sleep(0.05)

    thread = threading.Thread(target=killer, daemon=True)
    thread.start()
    try:
        stdout, stderr = grade.communicate(timeout=240)
    finally:
        if grade.poll() is None:
            grade.kill()
            grade.wait()
        thread.join(timeout=10)
    assert grade.returncode == 3, stderr
    report = json.loads(stdout)
    assert report["verdict"] == "sandbox-error"
    assert "started 3 time(s)" in report["detail"] and "died each time" in report["detail"], report["detail"]
    # `judge grade` goes through the executor, whose retry rule sends a sandbox error's job once more (as in a
    # batch): two jobs, each started 3 times and killed each time.
    assert len(killed) == 2 * 3
    assert worker.proc.poll() is None, "the worker itself survives its pool processes"
    wait_no_containers(docker_api)


def test_a_redelivered_job_with_a_result_is_not_run_again(
        broker_url: str, docker_image: str, tiny_problem: Problem, docker_api: Any) -> None:
    from judge.execution import queue
    from judge.grading import prepare
    from judge.model.submission import SolutionText

    app, setup = queue.prepare_worker(broker_url, 1)
    assert setup.image == docker_image and setup.image_present
    job = prepare(tiny_problem, SolutionText.from_source(REFERENCE))
    task = app.tasks[queue.TASK]
    kwargs = {"job": "job-1", "bundle": __import__("base64").b64encode(job.bundle).decode(),
              "limits": job.limits.to_dict(), "image": docker_image, "job_format": queue.JOB_FORMAT}
    task(**kwargs)
    first = redis_keys(broker_url, KEY + "result:job-1")
    task(**kwargs)  # delivered again (its worker died before acknowledging): the stored result stands
    assert redis_keys(broker_url, KEY + "result:job-1") == first
    assert redis_keys(broker_url, KEY + "starts:job-1") == {KEY + "starts:job-1": b"1"}
    results = queue.Results(queue.redis_client(broker_url))
    assert results.put("job-1", queue.refused_record("x", "late")) is False
    run = queue.record_run(results.wait("job-1", 1))
    from judge.grading import finish

    report = finish(job, run, {})
    assert report.verdict.value == "passed" and report.score == report.max_score


def test_the_server_grades_a_remote_submission_on_the_workers(
        tmp_path: Path, docker_image: str, broker_url: str, start_workers: Callable[..., list[Worker]]) -> None:
    """`judge serve --broker`: the candidate's upload is graded by a `judge worker`, not by the server."""
    import shutil

    from .server_helpers import live_server
    from .test_server_docker import Live, candidate, invite

    before = set(redis_keys(broker_url, KEY + "result:*"))
    start_workers(broker_url, 1)
    with live_server(tmp_path, "--broker", broker_url, "--workers", "2") as (url, token, home):
        live = Live(url, token, home)
        code = invite(live, tmp_path)
        desk, cand_home = tmp_path / "candidate", tmp_path / "candidate-home"
        desk.mkdir()
        assert candidate("start", "--server", url, "--invite", code, cwd=desk, home=cand_home).returncode == 0
        ws = desk / "tiny-add"
        shutil.copy(TINY / "reference" / "solution.py", ws / "solution.py")
        submitted = candidate("submit", "--yes", cwd=ws, home=cand_home)
        assert submitted.returncode == 0, submitted.stdout + submitted.stderr
        assert "Score 6/6 (100%)" in submitted.stdout
        rows_ = json.loads(live.interviewer("results", "--server", url, "--format", "json", cwd=tmp_path).stdout)
        assert [(r["score"], r["max_score"]) for r in rows_] == [(6, 6)]
    graded_by_workers = set(redis_keys(broker_url, KEY + "result:*")) - before
    # `judge submit` first runs the pre-checks' public examples on the server, then the hidden tests: both are
    # the server's gradings, so both went through the queue, each once.
    assert len(graded_by_workers) == 2, "the public pre-check run and the hidden run went through the queue, once each"


def test_a_warm_worker_takes_the_spare_it_kept_and_the_report_says_so(
        docker_image: str, broker_url: str, tiny_problem: Problem, docker_api: Any,
        start_workers: Callable[..., list[Worker]]) -> None:
    """With the warm pool on, a `judge worker` keeps a spare warmed with the job's preloads (sent with the job),
    so its next job of that problem runs warm; the stored result carries that to the sender's report."""
    from judge.backends.pool import WarmDockerBackend, discard
    from judge.grading import grade
    from judge.model.submission import SolutionText

    start_workers(broker_url, 1, env={"JUDGE_POOL": "on"})
    runner = QueueRunner(broker_url)
    problem = replace(tiny_problem, preload=("json",))
    key, image_id = WarmDockerBackend(image=docker_image, preload=("json",)).key(docker_api, tiny_problem.limits)
    try:
        reports = [grade(problem, SolutionText.from_source(REFERENCE), runner) for _ in range(2)]
        assert [r.score for r in reports] == [6, 6], [r.detail for r in reports]
        assert [r.sandbox.get("warm") for r in reports] == [False, True]
    finally:
        runner.close()
        discard(docker_api, key, image_id, keep=0)


def test_a_sender_killed_with_jobs_in_flight_is_settled_by_its_rerun(
        tmp_path: Path, docker_image: str, judge_home: Path, broker_url: str,
        start_workers: Callable[..., list[Worker]], docker_api: Any) -> None:
    """kill -9 of `judge grade --broker` while its jobs wait in the queue (no worker yet): the rerun on the
    same --out cancels them (the journal in --out names them), so each submission is graded once."""
    from judge.execution.queue import JOURNAL

    sources = {f"s{i}": REFERENCE for i in range(4)} | {"bob": SUBTRACTS}
    folder = make_batch(tmp_path / "in", sources)
    out = tmp_path / "out"
    sender = subprocess.Popen(grade_cmd(broker_url, str(folder), "--out", str(out), "--jobs", "5"),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while _queued(broker_url) < 5:  # every job published (the journal names each before it is sent)
            assert time.monotonic() < deadline and sender.poll() is None, "the sender did not publish its jobs"
            time.sleep(0.05)
    finally:
        sender.kill()  # kill -9: no cancel, no cleanup
        sender.wait()
    first = set(json.loads((out / JOURNAL).read_text())["jobs"])
    assert len(first) == 5
    rerun = subprocess.Popen(grade_cmd(broker_url, str(folder), "--out", str(out), "--json"),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while not (set(json.loads((out / JOURNAL).read_text())["jobs"]) - first):  # settled, publishing anew
            assert time.monotonic() < deadline and rerun.poll() is None, "the rerun published nothing"
            time.sleep(0.05)
        start_workers(broker_url, 1)  # only now: a worker up during the kill would have run the old jobs
        stdout, stderr = rerun.communicate(timeout=300)
    finally:
        if rerun.poll() is None:
            rerun.kill()
            rerun.wait()
    assert rerun.returncode == 1, stderr
    assert "5 cancelled (a worker skips them)" in " ".join(stderr.split())
    summary = json.loads(stdout)
    assert {s["name"]: s["state"] for s in summary["submissions"]} == {name: "graded" for name in sources}
    starts = redis_keys(broker_url, KEY + "starts:*")
    assert not any(KEY + "starts:" + job in starts for job in first), "a cancelled job was run"
    assert len(starts) == 5 and all(int(n) == 1 for n in starts.values())  # each submission graded once
    assert json.loads((out / JOURNAL).read_text())["jobs"] == {}
    wait_no_containers(docker_api)


def _queued(broker: str) -> int:
    import redis

    client = redis.Redis.from_url(broker)
    try:
        return int(client.llen(QUEUE))
    finally:
        client.close()


def _running_job(docker_api: Any, workers: dict[int, Worker], deadline: float,
                 alive: Callable[[], bool]) -> tuple[Worker, str]:
    """The worker (by its process group) whose sandbox is running now, and that sandbox's job id."""
    while True:
        assert time.monotonic() < deadline and alive(), "no sandbox of a worker was seen running"
        for container in session_containers(docker_api, f"{LABEL}.worker-pid"):
            if container["State"] != "running":
                continue
            with contextlib.suppress(ProcessLookupError):
                group = os.getpgid(int(container["Labels"][f"{LABEL}.worker-pid"]))
                if group in workers:
                    return workers[group], container["Labels"][f"{LABEL}.job"]
        time.sleep(0.05)


# Long enough at import (5 s) that the sender is killed and its rerun settles while this job still runs.
SLOWER = "import time\n\ntime.sleep(5)\n\n\n" + REFERENCE


def test_a_sender_killed_while_a_worker_runs_its_job_is_adopted_by_the_rerun(
        tmp_path: Path, docker_image: str, judge_home: Path, broker_url: str,
        start_workers: Callable[..., list[Worker]], docker_api: Any) -> None:
    """kill -9 of `judge grade --broker` while a worker runs one of its jobs and the other waits in the queue:
    the rerun on the same --out adopts the running job (reads its result, publishes nothing for it) and
    cancels the queued one, so each submission is graded once in all and every report is written."""
    from judge.execution.queue import JOURNAL

    folder = make_batch(tmp_path / "in", {"slow": SLOWER, "bob": SUBTRACTS})
    out = tmp_path / "out"
    workers = start_workers(broker_url, 1)
    args = ("--out", str(out), "--jobs", "2", "--timeout", "30")
    sender = subprocess.Popen(grade_cmd(broker_url, str(folder), *args), stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        _, running = _running_job(docker_api, {w.proc.pid: w for w in workers}, time.monotonic() + 120,
                                  lambda: sender.poll() is None)
        deadline = time.monotonic() + 60
        while _queued(broker_url) < 1:  # the other job is published too, behind it
            assert time.monotonic() < deadline and sender.poll() is None, "the second job was not published"
            time.sleep(0.05)
    finally:
        sender.kill()  # kill -9 mid-job: no cancel, no cleanup
        sender.wait()
    first = set(json.loads((out / JOURNAL).read_text())["jobs"])
    assert running in first and len(first) == 2
    rerun = subprocess.run(grade_cmd(broker_url, str(folder), *args, "--json"), capture_output=True, text=True,
                           timeout=300)
    assert rerun.returncode == 1, rerun.stderr
    note = " ".join(rerun.stderr.split())
    # Which of the two the worker took first is the queue's choice: the other was queued (cancelled), or it
    # had already finished (adopted as well).
    assert ("2 job(s) in flight: 1 cancelled (a worker skips them), 1 still running" in note
            or "2 job(s) in flight: 0 cancelled (a worker skips them), 1 still running and 1 finished" in note), note
    summary = json.loads(rerun.stdout)
    assert {s["name"]: (s["state"], s["verdict"]) for s in summary["submissions"]} == {
        "slow": ("graded", "passed"), "bob": ("graded", "failed")}
    report = json.loads((out / next(s["report"] for s in summary["submissions"] if s["name"] == "slow")).read_text())
    assert report["score"] == report["max_score"] and report["verdict"] == "passed"
    starts = {key.removeprefix(KEY + "starts:"): int(n) for key, n in redis_keys(broker_url, KEY + "starts:*").items()}
    assert starts[running] == 1, "the adopted job ran once"
    # Graded once in total: the adopted job, and one job for bob (his old one adopted if it had finished, else
    # skipped and a new one sent).
    assert sorted(starts.values()) == [1, 1]
    assert json.loads((out / JOURNAL).read_text())["jobs"] == {}
    wait_no_containers(docker_api)


def test_a_worker_killed_mid_job_is_noticed_by_its_heartbeat_long_before_the_visibility_timeout(
        tmp_path: Path, docker_image: str, judge_home: Path, broker_url: str,
        start_workers: Callable[..., list[Worker]], docker_api: Any) -> None:
    """kill -9 of a whole worker (main process and pool) while it runs a job, with the default 1,800 s
    visibility timeout: the job's heartbeat lapses, the sender publishes it again, and the other worker
    grades it within seconds; the dead worker's copy, when Redis hands it out again, is skipped."""
    from judge.execution.queue import HEARTBEAT_TTL_S, Results, redis_client

    workers = start_workers(broker_url, 2)
    solution = tmp_path / "solution.py"
    solution.write_text(SLOW)
    grade = subprocess.Popen(grade_cmd(broker_url, str(solution), "--json", "--timeout", "30"),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        victim, job = _running_job(docker_api, {w.proc.pid: w for w in workers}, time.monotonic() + 120,
                                   lambda: grade.poll() is None)
        victim.kill_group()
        killed = time.monotonic()
        stdout, stderr = grade.communicate(timeout=240)
        recovered = time.monotonic() - killed
    finally:
        if grade.poll() is None:
            grade.kill()
            grade.wait()
    assert grade.returncode == 0, stderr
    report = json.loads(stdout)
    assert report["verdict"] == "passed" and report["score"] == report["max_score"]
    # A heartbeat's lifetime, two looks of the sender, and a grading of a few seconds: nowhere near 1,800 s.
    assert recovered < HEARTBEAT_TTL_S + 90, recovered
    results = Results(redis_client(broker_url))
    try:
        assert results.starts(job) == 2 and results.generation(job) == 2
        # The killed worker's message is still unacknowledged in Redis; when it comes back (after the
        # visibility timeout) a worker finds the job done: it is not run a third time.
        assert results.begin(job, 1, "late") == "done"
        assert results.starts(job) == 2
    finally:
        results.client.close()
    wait_no_containers(docker_api)


def test_a_superseded_copy_of_a_job_is_skipped_by_a_worker(
        broker_url: str, docker_image: str, tiny_problem: Problem, docker_api: Any) -> None:
    """The copy of a job its sender replaced (its worker was lost) is skipped, even before the job is done."""
    from judge.execution import queue

    app, _ = queue.prepare_worker(broker_url, 1)
    results = queue.Results(queue.redis_client(broker_url))
    try:
        assert results.begin("job-2", 1, "lost") == 1
        results.client.delete(queue.KEY + "alive:job-2")
        assert results.supersede("job-2") == 2
        app.tasks[queue.TASK](job="job-2", bundle="", limits={}, image=docker_image, job_format=queue.JOB_FORMAT)
        assert results.get("job-2") is None and results.starts("job-2") == 1  # not run, nothing stored
    finally:
        results.client.close()
    assert session_containers(docker_api) == []
