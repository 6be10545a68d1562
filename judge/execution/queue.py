"""Grading past one machine: the run step of the grading core as a Celery job on a Redis broker.

A job is exactly what the run step takes - the bundle and the limits - plus the image tag the sender
expects and a job id; its result is what the sandbox printed (the fields of a ``SandboxRun``). The sender
keeps the test specs and the nonce and interprets the result itself, as for a local run: a worker never
learns what a test is worth and cannot make a result the host would believe.

- Sender: ``connect(url)`` gives a ``QueueRunner``, which is both a run step (``Executor(backend,
  workers, runner=runner)``) and a ``Backend`` (``grade(problem, submission, runner)``). It publishes a job
  and waits for that job's result; the executor's threads give the parallelism.
- Worker: ``run_worker(url, ...)`` (`judge worker`) is a Celery worker whose task runs the job in a fresh
  Docker sandbox on its own host (``DockerBackend``) and keeps nothing afterwards.

Delivery rules, the reason each setting below is what it is:

- JSON only on the wire (bundle and output base64): nothing is ever unpickled;
- late acknowledgement: a job is acknowledged after its result is stored. A worker *process* that dies
  mid-job is noticed by its parent, which sends the job again (at most ``MAX_ATTEMPTS`` runs); a whole
  worker that dies leaves the job unacknowledged in Redis, and after the visibility timeout (longer than
  any grading) another worker gets it;
- results are stored once per job id (``SET NX``): a redelivered job whose result exists is not run
  again, and the sender reads exactly one result per job;
- a job whose worker died on each of ``MAX_ATTEMPTS`` runs ends as a sandbox error that says so;
- a worker whose image differs from the sender's, or is missing, refuses the job with the fix (a sandbox
  error); it never grades with another image;
- Redis should run with append-only persistence (docs/scaling.md): queued jobs and stored results then
  survive a broker restart, which senders and workers ride out by reconnecting.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from judge.backends import SandboxRun, SandboxUnavailable
from judge.model.limits import LimitError, Limits
from judge.problems.catalog import MODULE as MODULE_NAME

if TYPE_CHECKING:
    from judge.grading import Job

QUEUE = "ml-judge"
TASK = "ml-judge.run"
JOB_FORMAT = 1
MAX_ATTEMPTS = 3  # runs of one job whose worker died, before it is a sandbox error
DEFAULT_VISIBILITY_S = 1800.0  # > the longest grading (rag-pipeline: 180 s + 15 s grace) with a wide margin
RESULT_TTL_S = 24 * 3600  # results outlive any redelivery of their job (at most a visibility timeout later)
OUTAGE_S = 120.0  # how long a sender rides out a broker that stopped answering before it gives up
WAIT_STEP_S = 1.0  # a waiting sender looks up at least this often (cancel, lost notice)
KEY = "ml-judge:"
SCHEMES = ("redis", "rediss")
BROKER_FIX = "start Redis (docs/scaling.md) or check the URL; without --broker everything runs on this machine"
# Kombu's Redis transport keeps priorities 3, 6 and 9 of a queue in lists of their own.
_PRIORITY_SEP = "\x06\x16"

log = logging.getLogger("judge.queue")


class BrokerError(ValueError):
    """A broker URL the judge cannot use; the message says what is expected."""


def check_url(url: str) -> str:
    """``url`` if it is a Redis URL (``redis://HOST:PORT/DB``, ``rediss://`` for TLS), else ``BrokerError``
    (which also says when the queue's Python packages are not installed)."""
    import importlib.util

    if importlib.util.find_spec("celery") is None or importlib.util.find_spec("redis") is None:
        raise BrokerError("--broker needs the queue extra: pip install 'ml-judge[queue]' (Celery and redis-py)")
    parts = urlsplit(url.strip())
    if parts.scheme not in SCHEMES or not parts.hostname:
        raise BrokerError(f"--broker must be a Redis URL such as redis://HOST:6379/0, got {url!r}")
    try:
        parts.port  # noqa: B018  (raises for a port that is not a number)
    except ValueError as exc:
        raise BrokerError(f"--broker {url!r}: {exc}") from exc
    db = parts.path.strip("/")
    if db and not db.isdigit():
        raise BrokerError(f"--broker {url!r}: the path must be a database number, like /0")
    return url.strip()


def redact(url: str) -> str:
    """``url`` without its password, for messages and listings."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username or ''}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def redis_client(url: str, timeout_s: float = 10.0) -> Any:
    """A redis-py client for ``url`` (thread-safe: it pools its connections)."""
    import redis

    return redis.Redis.from_url(url, socket_timeout=timeout_s, socket_connect_timeout=5.0,
                                health_check_interval=30)


def _connection_errors() -> tuple[type[BaseException], ...]:
    import redis
    from kombu.exceptions import OperationalError

    return (redis.ConnectionError, redis.TimeoutError, OperationalError, OSError)


def ping(url: str) -> None:
    """Check that the broker answers; ``SandboxUnavailable`` with the fix when it does not."""
    try:
        redis_client(url, timeout_s=5.0).ping()
    except _connection_errors() as exc:
        raise SandboxUnavailable(f"the broker {redact(url)} does not answer ({exc})", BROKER_FIX) from exc


# -- the records a job leaves in Redis ---------------------------------------------------------------

class Results:
    """A job's records in Redis, keyed by job id: its result (stored once), the notice that it is there, how
    many times it was started, and whether its sender gave up on it."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def get(self, job: str) -> dict[str, Any] | None:
        """The stored result of ``job``, or None."""
        import json

        raw = self.client.get(KEY + "result:" + job)
        if raw is None:
            return None
        try:
            record = json.loads(raw)
        except ValueError:
            return {"refused": "the stored result of this job is not valid JSON"}
        return record if isinstance(record, dict) else {"refused": "the stored result of this job is malformed"}

    def put(self, job: str, record: dict[str, Any]) -> bool:
        """Store ``record`` as ``job``'s result unless one is there already; True when this one was stored.
        The first result stands: a redelivered job cannot replace it."""
        import json

        stored = bool(self.client.set(KEY + "result:" + job, json.dumps(record), nx=True, ex=RESULT_TTL_S))
        if stored:
            pipe = self.client.pipeline()
            pipe.rpush(KEY + "done:" + job, "1")
            pipe.expire(KEY + "done:" + job, RESULT_TTL_S)
            pipe.execute()
        return stored

    def wait(self, job: str, timeout_s: float) -> dict[str, Any] | None:
        """``job``'s result, waiting at most about ``timeout_s`` for it."""
        record = self.get(job)
        if record is None and self.client.blpop([KEY + "done:" + job], timeout=max(1, round(timeout_s))):
            record = self.get(job)
        return record

    def started(self, job: str) -> int:
        """Count one more start of ``job``; the count so far."""
        pipe = self.client.pipeline()
        pipe.incr(KEY + "starts:" + job)
        pipe.expire(KEY + "starts:" + job, RESULT_TTL_S)
        return int(pipe.execute()[0])

    def starts(self, job: str) -> int:
        """How many times ``job`` was started."""
        return int(self.client.get(KEY + "starts:" + job) or 0)

    def cancel(self, jobs: list[str]) -> None:
        """Mark ``jobs`` as given up by their sender: a worker that has not started one skips it."""
        pipe = self.client.pipeline()
        for job in jobs:
            pipe.set(KEY + "cancel:" + job, "1", ex=RESULT_TTL_S)
        pipe.execute()

    def cancelled(self, job: str) -> bool:
        return bool(self.client.exists(KEY + "cancel:" + job))


def run_record(run: SandboxRun, worker: str) -> dict[str, Any]:
    """A ``SandboxRun`` as the JSON a worker stores."""
    return {"format": JOB_FORMAT, "worker": worker, "stdout": base64.b64encode(run.stdout).decode("ascii"),
            "exit_code": run.exit_code, "oom_killed": run.oom_killed, "timed_out": run.timed_out,
            "output_overflow": run.output_overflow, "duration_s": run.duration_s,
            "diagnostics": run.diagnostics, "refused": run.refused, "warm": run.warm}


def refused_record(worker: str, why: str) -> dict[str, Any]:
    """The result of a job that no sandbox ran: why, and the fix."""
    return run_record(SandboxRun(stdout=b"", exit_code=None, refused=why), worker)


def record_run(record: dict[str, Any]) -> SandboxRun:
    """The ``SandboxRun`` in a stored result. Anything malformed is a refusal (a sandbox error), never a run."""
    try:
        stdout = base64.b64decode(str(record.get("stdout", "")), validate=True)
        exit_code = record.get("exit_code")
        if exit_code is not None and not isinstance(exit_code, int):
            raise ValueError("exit_code")
        return SandboxRun(stdout=stdout, exit_code=exit_code, oom_killed=record.get("oom_killed") is True,
                          timed_out=record.get("timed_out") is True,
                          output_overflow=record.get("output_overflow") is True,
                          duration_s=float(record.get("duration_s") or 0.0),
                          diagnostics=str(record.get("diagnostics") or ""), refused=str(record.get("refused") or ""),
                          warm=record.get("warm") is True)
    except (ValueError, TypeError, binascii.Error):
        return SandboxRun(stdout=b"", exit_code=None,
                          refused=f"the result from worker {record.get('worker', '?')} is malformed")


def died_text(starts: int, job: str) -> str:
    """The verdict's detail for a job whose worker kept dying."""
    return (f"the job was started {starts} time(s) on workers and the worker process running it died each "
            f"time, so it was not graded (limit {MAX_ATTEMPTS}). The worker host may be running out of memory "
            f"or failing: see the log of `judge worker` for job {job}, then grade this submission again.")


# -- the Celery app --------------------------------------------------------------------------------

def make_app(url: str, visibility_timeout_s: float = DEFAULT_VISIBILITY_S) -> Any:
    """The Celery app of a sender or a worker on the broker ``url``, with the grading task registered."""
    from celery import Celery

    app = Celery("ml-judge", broker=check_url(url), set_as_current=False)
    restore_every = max(1, min(10, int(visibility_timeout_s // 4)))
    app.conf.update(
        task_serializer="json",
        accept_content=["json"],
        result_serializer="json",
        task_ignore_result=True,  # results are the job's own record, stored once (``Results``)
        task_default_queue=QUEUE,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        worker_disable_prefetch=True,  # take a job only when a process is free: no job waits behind another
        worker_cancel_long_running_tasks_on_connection_loss=False,  # a running grading finishes; see module doc
        broker_connection_retry_on_startup=True,
        broker_connection_max_retries=None,  # a worker waits for a restarted broker, however long
        broker_transport_options={
            "visibility_timeout": visibility_timeout_s,
            "unacked_restore_interval": restore_every,
            "unacked_restore_throttle": 1,
            "socket_timeout": 30,
            "socket_connect_timeout": 5,
        },
        worker_hijack_root_logger=False,
        enable_utc=True,
    )
    app.task(name=TASK, bind=True, acks_late=True, reject_on_worker_lost=True, retry_on_worker_lost=True,
             max_retries=MAX_ATTEMPTS - 1, default_retry_delay=0)(_run_job)
    return app


# -- worker side -----------------------------------------------------------------------------------

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
        except _connection_errors() as exc:
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
    from judge.backends.docker import GRACE_S, LABEL, DockerBackend
    from judge.backends.pool import WarmDockerBackend, enabled

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
    backend: DockerBackend
    if enabled():
        backend = WarmDockerBackend(image=worker.image, labels=labels, preload=wanted, keep=worker.concurrency,
                                    early=True, spare_labels={f"{LABEL}.worker": worker.name})
    else:
        backend = DockerBackend(image=worker.image, labels=labels)
    try:
        run = backend.run(payload, run_limits)
    except SandboxUnavailable as exc:
        return refused_record(worker.name, f"worker {worker.name} could not start a sandbox on its host: {exc}")
    except Exception as exc:  # the judge's own fault on the worker: that job's sandbox error, never a lost job
        log.exception("job %s: internal error", job)
        return refused_record(worker.name, f"internal error on worker {worker.name}: {type(exc).__name__}: {exc}")
    return run_record(run, worker.name)


def _run_job(task: Any, job: str, bundle: str, limits: dict[str, Any], image: str, job_format: int,
             preload: Sequence[str] = ()) -> None:
    """The Celery task (bound): run a job once, store its result once."""
    worker = _worker
    url = str(task.app.conf.broker_url)
    name = worker.name if worker is not None else socket.gethostname()
    results = _results_for(url)
    if results.get(job) is not None:
        log.info("job %s already has a result: not run again", job)
        return
    if results.cancelled(job):
        log.info("job %s was given up by its sender: skipped", job)
        return
    starts = results.started(job)
    if starts > MAX_ATTEMPTS:
        log.warning("job %s: started %d times, its worker died each time: a sandbox error", job, starts - 1)
        _store(results, job, refused_record(name, died_text(starts - 1, job)), 60.0)
        return
    if worker is None:
        record = refused_record(name, "this process is not a `judge worker`; start workers with `judge worker`")
    else:
        log.info("job %s: run %d of at most %d", job, starts, MAX_ATTEMPTS)
        record = execute_job(job, bundle, limits, image, job_format, worker, preload)
    _store(results, job, record, 60.0 if worker is None else worker.visibility_timeout_s / 2)


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
    except _connection_errors():
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
    from judge.backends.image import expected_tag

    global _worker
    ping(check_url(url))
    image = expected_tag()
    setup = WorkerSetup(name or default_name(), image, image_present(image), max(1, concurrency),
                        visibility_timeout_s, url)
    _worker = setup
    app = make_app(url, visibility_timeout_s)
    _register_worker_hooks()
    return app, setup


def run_worker(app: Any, setup: WorkerSetup, loglevel: str = "INFO") -> int:
    """Run the Celery worker until it is stopped (SIGTERM or Ctrl-C: running jobs finish first); its exit code."""
    argv = ["--quiet", "worker", f"--hostname={setup.name}", f"--concurrency={setup.concurrency}", "--pool=prefork",
            f"--loglevel={loglevel}", f"--queues={QUEUE}", "--without-gossip", "--without-mingle",
            "--without-heartbeat", "--prefetch-multiplier=1"]
    code = app.worker_main(argv)
    return int(code or 0)


# -- sender side -----------------------------------------------------------------------------------

JOURNAL = ".jobs-in-flight.json"  # in `judge grade --out`: the jobs a sender published and has no result for


class JobJournal:
    """The jobs a sender has published and not yet read a result for, kept in a file beside its reports.

    A sender that ends normally (results read, or Ctrl-C: its jobs cancelled) leaves the file empty. One
    killed outright (kill -9, a crash, a lost machine) leaves its in-flight jobs there, and the next run on
    the same folder settles them (``QueueRunner.settle``) before publishing anything, so a submission is
    not graded once for the dead sender and once for its rerun. Written atomically on every change."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._jobs: dict[str, float] = {}

    def left_over(self) -> list[str]:
        """The job ids an earlier sender left in the file (empty when it ended cleanly or never wrote one)."""
        import json

        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return []
        jobs = data.get("jobs") if isinstance(data, dict) else None
        return sorted(str(j) for j in jobs if isinstance(j, str) and len(j) <= 64) if isinstance(jobs, dict) else []

    def add(self, job: str) -> None:
        """Note ``job`` as published (before it is)."""
        with self._lock:
            self._jobs[job] = time.time()
            self._write()

    def remove(self, job: str) -> None:
        """``job``'s result was read (or it was cancelled)."""
        with self._lock:
            if self._jobs.pop(job, None) is not None:
                self._write()

    def reset(self) -> None:
        """Forget whatever the file held (after settling it)."""
        with self._lock:
            self._jobs.clear()
            self._write()

    def _write(self) -> None:
        import json

        from judge.store.files import atomic_write

        atomic_write(self.path, json.dumps({"note": "jobs published by `judge grade --broker` and not yet read; "
                                            "a rerun on this folder cancels the ones still queued",
                                            "jobs": self._jobs}, indent=1).encode("utf-8"))


@dataclass(frozen=True)
class Settled:
    """What became of the jobs an earlier, killed sender left in flight."""

    cancelled: int  # not finished: a worker that has not started one skips it
    finished: int  # already had a result, which nobody reads now (the rerun grades the submission afresh)

@dataclass(frozen=True)
class WorkerInfo:
    """One worker that answered: `judge workers` shows these."""

    name: str
    image: str
    image_present: bool
    concurrency: int
    running: int
    visibility_timeout_s: float


class QueueRunner:
    """The run step on remote workers: publish a job, wait for its result. A ``Runner`` and a ``Backend``.

    ``describe`` is the Docker backend's (the workers run the same hardened container with the same image,
    which each worker checks), so a report graded through the queue reads, and is reused, like a local one.
    """

    name = "docker"

    def __init__(self, url: str, *, image: str | None = None, outage_s: float = OUTAGE_S,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.url = check_url(url)
        self._image = image
        self.outage_s = outage_s
        self.clock = clock
        self.app = make_app(self.url)
        self.results = Results(redis_client(self.url))
        self._lock = threading.Lock()
        self._waiting: dict[str, threading.Event] = {}
        self.journal: JobJournal | None = None

    def settle(self, journal: JobJournal) -> Settled:
        """Keep ``journal`` from now on, after settling what an earlier sender left in it: each of its jobs
        without a result is cancelled (a worker skips it unless already running it; its submission is graded
        by this run), so a rerun after a crash does not grade a submission a second time on the queue."""
        left = journal.left_over()
        finished = [job for job in left if self.results.get(job) is not None]
        unfinished = [job for job in left if job not in finished]
        if unfinished:
            self.results.cancel(unfinished)
            log.info("cancelled %d job(s) a previous sender left in flight", len(unfinished))
        journal.reset()
        self.journal = journal
        return Settled(len(unfinished), len(finished))

    @property
    def image(self) -> str:
        """The sandbox image tag every worker must grade with: this judge's own."""
        if self._image is None:
            from judge.backends.image import expected_tag

            self._image = expected_tag()
        return self._image

    def __call__(self, job: Job) -> SandboxRun:
        return self.run(job.bundle, job.limits, preload=job.preload)

    def runtime(self, limits: Limits) -> dict[str, Any]:
        from judge.backends.docker import DockerBackend

        return DockerBackend(image=self.image).runtime(limits)

    def describe(self) -> dict[str, Any]:
        from judge.backends.docker import DockerBackend

        return DockerBackend(image=self.image).describe()

    def run(self, bundle: bytes, limits: Limits, preload: Sequence[str] | None = None) -> SandboxRun:
        """Send one job and wait for its result. ``SandboxUnavailable`` when the broker stays unreachable.
        ``preload`` (the problem's declared imports) lets the worker run it on a spare warmed for them."""
        job = uuid.uuid4().hex
        cancelled = threading.Event()
        with self._lock:
            self._waiting[job] = cancelled
        journal = self.journal
        if journal is not None:
            journal.add(job)  # before it is sent: a sender killed in between leaves no job unaccounted for
        try:
            self._send(job, bundle, limits, preload or ())
            return self._wait(job, cancelled)
        finally:
            with self._lock:
                self._waiting.pop(job, None)
            if journal is not None:
                journal.remove(job)

    def cancel(self) -> None:
        """Give up on every job being waited for now (Ctrl-C): their waits return at once, and a worker that
        has not started one skips it. Later jobs are not affected."""
        with self._lock:
            waiting = dict(self._waiting)
        for event in waiting.values():
            event.set()
        if waiting:
            with contextlib.suppress(*_connection_errors()):
                self.results.cancel(list(waiting))

    @contextlib.contextmanager
    def _riding_out(self, what: str) -> Iterator[Callable[[BaseException], None]]:
        """Calls ``failed(exc)`` on each connection error; raises ``SandboxUnavailable`` once the broker has been
        unreachable for ``outage_s``."""
        since: list[float] = []

        def failed(exc: BaseException) -> None:
            if not since:
                since.append(self.clock())
            if self.clock() - since[0] > self.outage_s:
                raise SandboxUnavailable(f"the broker {redact(self.url)} stopped answering while {what} ({exc}) "
                                         f"for more than {self.outage_s:.0f} s", BROKER_FIX) from exc

        yield failed

    def _send(self, job: str, bundle: bytes, limits: Limits, preload: Sequence[str]) -> None:
        kwargs: dict[str, Any] = {"job": job, "bundle": base64.b64encode(bundle).decode("ascii"),
                                  "limits": limits.to_dict(), "image": self.image, "job_format": JOB_FORMAT}
        if preload:  # sent only when there is one, so a worker of the previous version still reads the job
            kwargs["preload"] = list(preload)
        with self._riding_out("sending a job") as failed:
            while True:
                try:
                    self.app.send_task(TASK, kwargs=kwargs, task_id=job, queue=QUEUE, retry=True, retry_policy={
                        "max_retries": 2, "interval_start": 0, "interval_step": 0.5, "interval_max": 1})
                    return
                except _connection_errors() as exc:
                    failed(exc)
                    time.sleep(1.0)

    def _wait(self, job: str, cancelled: threading.Event) -> SandboxRun:
        with self._riding_out("waiting for a result") as failed:
            while not cancelled.is_set():
                try:
                    record = self.results.wait(job, WAIT_STEP_S)
                except _connection_errors() as exc:
                    failed(exc)
                    cancelled.wait(1.0)
                    continue
                if record is not None:
                    return record_run(record)
        return SandboxRun(stdout=b"", exit_code=None, refused="cancelled: the sender gave up on this job")

    def workers(self, timeout_s: float = 1.0) -> list[WorkerInfo]:
        """The workers that answer within ``timeout_s``, by name."""
        found: list[WorkerInfo] = []
        replies = self.app.control.broadcast("ml_judge_info", reply=True, timeout=timeout_s) or []
        for reply in replies:
            for name, info in reply.items():
                if not isinstance(info, dict) or "image" not in info:
                    continue
                found.append(WorkerInfo(name, str(info["image"]), bool(info.get("image_present")),
                                        int(info.get("concurrency") or 0), int(info.get("running") or 0),
                                        float(info.get("visibility_timeout_s") or 0.0)))
        return sorted(found, key=lambda w: w.name)

    def depth(self) -> tuple[int, int]:
        """(jobs waiting in the queue, jobs delivered to a worker and not yet acknowledged)."""
        client = self.results.client
        names = [QUEUE] + [f"{QUEUE}{_PRIORITY_SEP}{p}" for p in (3, 6, 9)]
        pipe = client.pipeline()
        for name in names:
            pipe.llen(name)
        pipe.hlen("unacked")
        counts = pipe.execute()
        return int(sum(counts[:-1])), int(counts[-1])

    def close(self) -> None:
        """Release the broker connections."""
        with contextlib.suppress(Exception):
            self.results.client.close()
        with contextlib.suppress(Exception):
            self.app.close()


def connect(url: str, *, image: str | None = None) -> QueueRunner:
    """A ``QueueRunner`` on the broker ``url``, checked to answer.

    Raises ``BrokerError`` for a URL that is not a Redis URL and ``SandboxUnavailable`` for a broker that does
    not answer. This is what `judge grade --broker` and `judge serve --broker` use."""
    runner = QueueRunner(url, image=image)
    ping(runner.url)
    return runner


make_runner = connect
