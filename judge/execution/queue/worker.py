"""The worker side of the job queue (`judge worker`): the Celery task that runs one job in a Docker sandbox on
this host and stores its result once, the failure hook, and the worker process itself."""

from __future__ import annotations

import base64
import binascii
import contextlib
import logging
import os
import socket
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from judge.backends import SandboxUnavailable, open_backend
from judge.backends.docker import GRACE_S, LABEL
from judge.backends.image import expected_tag
from judge.execution.queue.protocol import (
    DEFAULT_VISIBILITY_S,
    HEARTBEAT_S,
    JOB_FORMAT,
    MAX_ATTEMPTS,
    QUEUE,
    TASK,
    Results,
    check_url,
    connection_errors,
    died_text,
    make_app,
    ping,
    redis_client,
    refused_record,
    run_record,
)
from judge.model.limits import LimitError, Limits
from judge.problems.catalog import MODULE as MODULE_NAME

log = logging.getLogger("judge.queue")


@dataclass(frozen=True)
class WorkerSetup:
    """What a worker process knows about itself; set by ``run_worker`` before the pool forks."""

    name: str
    image: str
    image_present: bool
    concurrency: int
    visibility_timeout_s: float
    url: str


_worker: WorkerSetup | None = None
_clients: dict[tuple[int, str], Results] = {}


def _results_for(url: str) -> Results:
    """This process's ``Results`` for ``url`` (a forked pool process makes its own connections)."""
    key = (os.getpid(), url)
    if key not in _clients:
        _clients[key] = Results(redis_client(url))
    return _clients[key]


def _store(results: Results, job: str, record: dict[str, Any], within_s: float) -> None:
    """Store a result, riding out a broker that is restarting; give the job back when that fails."""
    from celery.exceptions import Reject

    deadline = time.monotonic() + within_s
    while True:
        try:
            results.put(job, record)
            return
        except connection_errors() as exc:
            if time.monotonic() > deadline:
                log.error("job %s: cannot store its result (%s); it goes back to the queue", job, exc)
                raise Reject(str(exc), requeue=True) from exc
            time.sleep(1.0)


def execute_job(job: str, bundle: str, limits: dict[str, Any], image: str, job_format: int,
                worker: WorkerSetup, preload: Sequence[str] = ()) -> dict[str, Any]:
    """Run one job in a Docker sandbox on this host; the record to store. Never raises. With the warm pool on
    (``JUDGE_POOL``), it takes a spare warmed with ``preload`` when one waits, and keeps ``concurrency``
    spares of what it ran for the next jobs (started as soon as one is taken: a worker's next job comes at
    once)."""
    if job_format != JOB_FORMAT:
        return refused_record(worker.name, f"worker {worker.name} reads jobs of format {JOB_FORMAT}, this one is "
                              f"{job_format}\n  fix: run the same ml-judge version on the sender and the workers")
    if image != worker.image:
        return refused_record(worker.name, (
            f"worker {worker.name} grades with the sandbox image {worker.image}, but this judge expects {image}: "
            "it did not grade with another image\n  fix: install the same ml-judge version on the worker host as "
            "on this one, run `judge sandbox build` there (or `docker load` an image saved with `docker save "
            f"{image}`), then restart `judge worker`"))
    try:
        run_limits = Limits(**limits)
        payload = base64.b64decode(bundle, validate=True)
        wanted = tuple(str(m) for m in preload)
        if len(wanted) > 64 or not all(MODULE_NAME.fullmatch(m) for m in wanted):
            raise ValueError("preload is not a list of module names")
    except (TypeError, LimitError, ValueError, binascii.Error) as exc:
        return refused_record(worker.name, f"worker {worker.name} received a malformed job ({exc})")
    if run_limits.timeout_s + GRACE_S > worker.visibility_timeout_s:
        log.warning("job %s may run %g s, longer than the visibility timeout (%g s): another worker may start it "
                    "too (its result is stored once); raise --visibility-timeout", job,
                    run_limits.timeout_s + GRACE_S, worker.visibility_timeout_s)
    labels = {f"{LABEL}.job": job, f"{LABEL}.worker-pid": str(os.getpid())}
    backend = open_backend("docker", image=worker.image, labels=labels, preload=wanted, keep=worker.concurrency,
                           early=True, spare_labels={f"{LABEL}.worker": worker.name})
    try:
        run = backend.run(payload, run_limits)
    except SandboxUnavailable as exc:
        return refused_record(worker.name, f"worker {worker.name} could not start a sandbox on its host: {exc}")
    except Exception as exc:  # the judge's own fault on the worker: that job's sandbox error, never a lost job
        log.exception("job %s: internal error", job)
        return refused_record(worker.name, f"internal error on worker {worker.name}: {type(exc).__name__}: {exc}")
    return run_record(run, worker.name)


def _run_job(task: Any, job: str, bundle: str, limits: dict[str, Any], image: str, job_format: int,
             preload: Sequence[str] = (), generation: int = 1) -> None:
    """The Celery task (bound): run a job once, store its result once. ``generation`` is above 1 when the
    sender published the job again after the worker running it was lost (see ``Liveness``)."""
    worker = _worker
    url = str(task.app.conf.broker_url)
    name = worker.name if worker is not None else socket.gethostname()
    results = _results_for(url)
    began = results.begin(job, generation, name)
    if began == "done":
        log.info("job %s already has a result: not run again", job)
        return
    if began == "cancelled":
        log.info("job %s was given up by its sender: skipped", job)
        return
    if began == "superseded":
        log.info("job %s: this copy (generation %d) was superseded by its sender after its worker was lost: "
                 "skipped", job, generation)
        return
    starts = int(began)
    if starts > MAX_ATTEMPTS:
        log.warning("job %s: started %d times, its worker died each time: a sandbox error", job, starts - 1)
        _store(results, job, refused_record(name, died_text(starts - 1, job)), 60.0)
        return
    if worker is None:
        record = refused_record(name, "this process is not a `judge worker`; start workers with `judge worker`")
    else:
        log.info("job %s: run %d of at most %d", job, starts, MAX_ATTEMPTS)
        with _heartbeat(results, job, name):
            record = execute_job(job, bundle, limits, image, job_format, worker, preload)
    _store(results, job, record, 60.0 if worker is None else worker.visibility_timeout_s / 2)


@contextlib.contextmanager
def _heartbeat(results: Results, job: str, worker: str) -> Iterator[None]:
    """Refresh ``job``'s heartbeat every ``HEARTBEAT_S`` while the block runs. A worker killed outright stops
    refreshing it, and the job's sender notices within ``HEARTBEAT_TTL_S`` instead of a visibility timeout."""
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(HEARTBEAT_S):
            try:
                results.beat(job, worker)
            except connection_errors() as exc:  # a restarting broker: the next beat tries again
                log.warning("job %s: heartbeat not sent (%s)", job, exc)

    thread = threading.Thread(target=beat, name=f"heartbeat-{job[:8]}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=HEARTBEAT_S + 5)


def _on_task_failure(sender: Any = None, task_id: str | None = None, exception: BaseException | None = None,
                     **_: Any) -> None:
    """In the worker's main process: a job that will not run again (its process died once too often, or the
    task itself failed) gets a sandbox-error result, so its sender is never left waiting."""
    if getattr(sender, "name", None) != TASK or not task_id:
        return
    from billiard.exceptions import WorkerLostError

    name = _worker.name if _worker is not None else socket.gethostname()
    try:
        results = _results_for(str(sender.app.conf.broker_url))
        if isinstance(exception, WorkerLostError):
            why = died_text(max(results.starts(task_id), 1), task_id)
        else:
            why = f"worker {name} failed the job: {type(exception).__name__}: {exception}"
        results.put(task_id, refused_record(name, why))
    except connection_errors():
        log.exception("job %s: cannot store its failure", task_id)


def _register_worker_hooks() -> None:
    """The failure hook and the `judge workers` inspect command (process-wide, registered once)."""
    from celery import signals
    from celery.worker.control import inspect_command

    signals.task_failure.connect(_on_task_failure, weak=False, dispatch_uid="ml-judge-task-failure")

    @inspect_command(name="ml_judge_info")  # type: ignore[untyped-decorator]
    def ml_judge_info(state: Any) -> dict[str, Any]:
        from celery.worker import state as worker_state

        setup = _worker
        if setup is None:
            return {}
        return {"image": setup.image, "image_present": setup.image_present, "concurrency": setup.concurrency,
                "running": len(worker_state.active_requests), "visibility_timeout_s": setup.visibility_timeout_s,
                "pid": os.getpid(), "job_format": JOB_FORMAT, "max_attempts": MAX_ATTEMPTS}


def image_present(image: str) -> bool:
    """Whether this host's Docker engine has ``image`` (False when no engine answers). Uses a client of its own,
    closed again, so the pool processes forked later make their own."""
    try:
        import docker
        from docker.errors import DockerException, ImageNotFound

        client = docker.from_env(version="auto", timeout=30)
    except Exception:
        return False
    try:
        client.api.inspect_image(image)
        return True
    except (ImageNotFound, DockerException, OSError):
        return False
    finally:
        client.close()


def default_name() -> str:
    """A worker name unique on this host: ``judge-PID@HOST``."""
    return f"judge-{os.getpid()}@{socket.gethostname()}"


def prepare_worker(url: str, concurrency: int, name: str | None = None,
                   visibility_timeout_s: float = DEFAULT_VISIBILITY_S) -> tuple[Any, WorkerSetup]:
    """The app and setup of a worker (nothing started yet): checks the broker and this host's image."""
    global _worker
    ping(check_url(url))
    image = expected_tag()
    setup = WorkerSetup(name or default_name(), image, image_present(image), max(1, concurrency),
                        visibility_timeout_s, url)
    _worker = setup
    app = make_app(url, visibility_timeout_s)
    app.task(name=TASK, bind=True, acks_late=True, reject_on_worker_lost=True, retry_on_worker_lost=True,
             max_retries=MAX_ATTEMPTS - 1, default_retry_delay=0)(_run_job)
    _register_worker_hooks()
    return app, setup


def run_worker(app: Any, setup: WorkerSetup, loglevel: str = "INFO") -> int:
    """Run the Celery worker until it is stopped (SIGTERM or Ctrl-C: running jobs finish first); its exit code."""
    argv = ["--quiet", "worker", f"--hostname={setup.name}", f"--concurrency={setup.concurrency}", "--pool=prefork",
            f"--loglevel={loglevel}", f"--queues={QUEUE}", "--without-gossip", "--without-mingle",
            "--without-heartbeat", "--prefetch-multiplier=1"]
    code = app.worker_main(argv)
    return int(code or 0)
