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
- heartbeats: a worker refreshes a short-lived key for the job it runs (every ``HEARTBEAT_S``, lapsing
  after ``HEARTBEAT_TTL_S``); the sender waiting for a job that started and whose heartbeat lapsed sends it
  again under a newer generation (within ``MAX_ATTEMPTS`` runs), so a dead worker host costs seconds, not
  a visibility timeout; the old copy, when Redis hands it out again, is skipped (done, or superseded);
- a sender killed outright leaves its in-flight jobs in a journal (``JobJournal``, in `judge grade --out`):
  the rerun adopts those a worker runs or has finished for the same submission and cancels the rest;
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
from dataclasses import dataclass, replace
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
HEARTBEAT_S = 3.0  # a worker refreshes the heartbeat of the job it runs this often
HEARTBEAT_TTL_S = 12  # a heartbeat not refreshed for this long means the worker running the job is gone
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
        self._scripts: dict[str, Any] = {}

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

    # -- heartbeats and generations (a lost worker noticed in seconds; see ``Liveness``) --

    def begin(self, job: str, generation: int, worker: str) -> int | str:
        """A worker about to run ``job`` from a message of ``generation``: ``"done"`` (it has a result),
        ``"cancelled"`` (its sender gave up), ``"superseded"`` (its sender published a newer generation after
        this one's worker was lost), else the count of starts so far, the heartbeat set in the same step."""
        found = self._script("begin", _BEGIN)(keys=_job_keys(job), args=[generation, worker, HEARTBEAT_TTL_S,
                                                                          RESULT_TTL_S])
        return found.decode() if isinstance(found, bytes) else int(found)

    def beat(self, job: str, worker: str) -> None:
        """``worker`` is still running ``job``: its heartbeat lives ``HEARTBEAT_TTL_S`` more."""
        self.client.set(KEY + "alive:" + job, worker, ex=HEARTBEAT_TTL_S)

    def alive(self, job: str) -> bool:
        """Whether a worker's heartbeat for ``job`` is current."""
        return bool(self.client.exists(KEY + "alive:" + job))

    def supersede(self, job: str) -> int:
        """After a lapse of ``job``'s heartbeat: a new generation to publish (> 1) when the latest one started
        and its worker is gone, ``SUPERSEDE_OUT_OF_RUNS`` when it already ran ``MAX_ATTEMPTS`` times, else 0
        (it has a result, its worker is alive, or the latest generation has not started yet)."""
        return int(self._script("supersede", _SUPERSEDE)(keys=_job_keys(job), args=[MAX_ATTEMPTS, RESULT_TTL_S]))

    def lost(self, job: str) -> bool:
        """Whether ``job``'s newest generation started and has neither a result nor a live heartbeat."""
        pipe = self.client.pipeline()
        for kind in ("result:", "alive:"):
            pipe.exists(KEY + kind + job)
        for kind in ("gen:", "startgen:"):
            pipe.get(KEY + kind + job)
        has_result, alive, gen, startgen = pipe.execute()
        return not has_result and not alive and int(startgen or 0) == int(gen or 1)

    def generation(self, job: str) -> int:
        """The newest generation of ``job`` its sender published (1 until a lost worker's job is sent again)."""
        return int(self.client.get(KEY + "gen:" + job) or 1)

    def _script(self, name: str, source: str) -> Any:
        if name not in self._scripts:
            self._scripts[name] = self.client.register_script(source)
        return self._scripts[name]


SUPERSEDE_OUT_OF_RUNS = -2


def _job_keys(job: str) -> list[str]:
    return [KEY + kind + job for kind in ("result:", "cancel:", "starts:", "alive:", "gen:", "startgen:")]


# KEYS: result, cancel, starts, alive, gen, startgen. ARGV: the message's generation, worker, heartbeat TTL,
# record TTL. Atomic, so a sender's ``supersede`` cannot slip between the checks and the start.
_BEGIN = """
if redis.call('EXISTS', KEYS[1]) == 1 then return 'done' end
if redis.call('EXISTS', KEYS[2]) == 1 then return 'cancelled' end
if tonumber(redis.call('GET', KEYS[5]) or '1') > tonumber(ARGV[1]) then return 'superseded' end
local starts = redis.call('INCR', KEYS[3])
redis.call('EXPIRE', KEYS[3], ARGV[4])
redis.call('SET', KEYS[6], ARGV[1], 'EX', ARGV[4])
redis.call('SET', KEYS[4], ARGV[2], 'EX', ARGV[3])
return starts
"""

# KEYS as above. ARGV: MAX_ATTEMPTS, record TTL.
_SUPERSEDE = """
if redis.call('EXISTS', KEYS[1]) == 1 or redis.call('EXISTS', KEYS[4]) == 1 then return 0 end
local gen = tonumber(redis.call('GET', KEYS[5]) or '1')
if tonumber(redis.call('GET', KEYS[6]) or '0') ~= gen then return 0 end
if tonumber(redis.call('GET', KEYS[3]) or '0') >= tonumber(ARGV[1]) then return -2 end
redis.call('SET', KEYS[5], gen + 1, 'EX', ARGV[2])
return gen + 1
"""


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
            except _connection_errors() as exc:  # a restarting broker: the next beat tries again
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


@dataclass(frozen=True)
class Journalled:
    """A job in the journal: when it was published, what it grades (``job_digest``) and the nonce its sender
    will check its result against. A journal of an earlier version has neither (such a job is never adopted)."""

    at: float
    digest: str = ""
    nonce: str = ""


def job_digest(bundle: bytes, nonce: str, limits: Limits, image: str, preload: Sequence[str] = ()) -> str:
    """What a job grades, the same for the same submission, suite, data, limits and image: a digest of the
    bundle with its nonce (fresh for every run) blanked out, plus the limits, the image and the preloads."""
    import hashlib
    import json

    digest = hashlib.sha256(bundle.replace(nonce.encode("ascii"), b"0" * len(nonce)) if nonce else bundle)
    digest.update(json.dumps([limits.to_dict(), image, list(preload)], sort_keys=True).encode("utf-8"))
    return digest.hexdigest()


def renonce(stdout: bytes, old: str, new: str) -> bytes:
    """The output of an adopted job (run under ``old``, the nonce of the killed sender, read from its journal)
    for the rerun that checks ``new``: the result document's nonce is swapped only when it is ``old``, so the
    rerun's own check still holds; any other output is returned as it is and fails that check (closed)."""
    import json

    lines = stdout.splitlines()
    for index in range(len(lines) - 1, -1, -1):
        if lines[index].strip():
            try:
                document = json.loads(lines[index])
            except ValueError:
                return stdout
            if not isinstance(document, dict) or not old or document.get("nonce") != old:
                return stdout
            lines[index] = json.dumps({**document, "nonce": new}).encode("utf-8")
            return b"\n".join(lines) + b"\n"
    return stdout


class JobJournal:
    """The jobs a sender has published and not yet read a result for, kept in a file beside its reports.

    A sender that ends normally (results read, or Ctrl-C: its jobs cancelled) leaves the file empty. One
    killed outright (kill -9, a crash, a lost machine) leaves its in-flight jobs there, and the next run on
    the same folder settles them (``QueueRunner.settle``) before publishing anything: a job a worker is
    running or has finished is adopted by the rerun for the same submission (its result read, not graded
    again), and the rest are cancelled. So a submission is not graded once for the dead sender and once for
    its rerun. Written atomically on every change."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._jobs: dict[str, Journalled] = {}

    def left_over(self) -> list[str]:
        """The job ids an earlier sender left in the file (empty when it ended cleanly or never wrote one)."""
        return sorted(self.entries())

    def entries(self) -> dict[str, Journalled]:
        """What an earlier sender left in the file, by job id."""
        import json

        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        jobs = data.get("jobs") if isinstance(data, dict) else None
        if not isinstance(jobs, dict):
            return {}
        found: dict[str, Journalled] = {}
        for job, value in jobs.items():
            if not isinstance(job, str) or len(job) > 64:
                continue
            if isinstance(value, dict):
                found[job] = Journalled(float(value.get("at") or 0.0), str(value.get("digest") or "")[:64],
                                        str(value.get("nonce") or "")[:64])
            else:
                found[job] = Journalled(float(value) if isinstance(value, int | float) else 0.0)
        return found

    def add(self, job: str, digest: str = "", nonce: str = "") -> None:
        """Note ``job`` as published (before it is), with what it grades and its nonce when known."""
        with self._lock:
            self._jobs[job] = Journalled(time.time(), digest, nonce)
            self._write()

    def remove(self, job: str) -> None:
        """``job``'s result was read (or it was cancelled)."""
        with self._lock:
            if self._jobs.pop(job, None) is not None:
                self._write()

    def reset(self, keep: dict[str, Journalled] | None = None) -> None:
        """Forget whatever the file held (after settling it) but the jobs in ``keep``."""
        with self._lock:
            self._jobs = dict(keep or {})
            self._write()

    def _write(self) -> None:
        import json
        from dataclasses import asdict

        from judge.store.files import atomic_write

        atomic_write(self.path, json.dumps({"note": "jobs published by `judge grade --broker` and not yet read; "
                                            "a rerun on this folder adopts the ones running or finished for "
                                            "the same submission and cancels the rest",
                                            "jobs": {job: asdict(entry) for job, entry in self._jobs.items()}},
                                           indent=1).encode("utf-8"))


@dataclass(frozen=True)
class Settled:
    """What became of the jobs an earlier, killed sender left in flight."""

    cancelled: int  # not started (or their worker is gone): a worker skips them; the rerun publishes anew
    finished: int  # had a result: read by the rerun if it grades the same submission
    running: int = 0  # a worker is running them: the rerun waits for their result if it grades the same


@dataclass
class Liveness:
    """A sender's watch over one job's heartbeat: a lapse seen on two looks ``HEARTBEAT_S`` apart (so a
    broker restart, which may let a live worker's heartbeat expire for a moment, is not taken for a loss)."""

    lapsed_at: float | None = None
    looked_at: float = float("-inf")

    def due(self, now: float) -> bool:
        """Whether it is time for another look."""
        return now - self.looked_at >= HEARTBEAT_S

    def seen(self, now: float, alive: bool) -> bool:
        """Record a look; True when the heartbeat has now lapsed on two looks in a row."""
        self.looked_at = now
        if alive:
            self.lapsed_at = None
            return False
        if self.lapsed_at is None:
            self.lapsed_at = now
            return False
        return True


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
        self._adoptable: dict[str, list[tuple[str, Journalled]]] = {}  # digest -> left-over jobs that grade it

    def settle(self, journal: JobJournal) -> Settled:
        """Keep ``journal`` from now on, after settling what an earlier sender left in it. A job a worker is
        running (its heartbeat is live) or has finished stays in the journal, to be adopted: this run reads
        its result for a submission that grades the same (``job_digest``) instead of publishing a new job.
        Every other job is cancelled (a worker skips it); its submission is graded by this run. Adoptable
        jobs that this run does not claim are cancelled when it closes."""
        left = journal.entries()
        cancelled: list[str] = []
        keep: dict[str, Journalled] = {}
        finished = running = 0
        for job, entry in sorted(left.items()):
            done = self.results.get(job) is not None
            if done or self.results.alive(job):
                finished, running = finished + done, running + (not done)
                if entry.digest and entry.nonce:
                    keep[job] = entry
            else:
                cancelled.append(job)
        if cancelled:
            self.results.cancel(cancelled)
            log.info("cancelled %d job(s) a previous sender left in flight", len(cancelled))
        with self._lock:
            for job, entry in keep.items():
                self._adoptable.setdefault(entry.digest, []).append((job, entry))
        journal.reset(keep)
        self.journal = journal
        return Settled(len(cancelled), finished, running)

    @property
    def image(self) -> str:
        """The sandbox image tag every worker must grade with: this judge's own."""
        if self._image is None:
            from judge.backends.image import expected_tag

            self._image = expected_tag()
        return self._image

    def __call__(self, job: Job) -> SandboxRun:
        """The run step for a prepared job: a left-over job grading the same is adopted (see ``settle``),
        else a new job is published."""
        digest = job_digest(job.bundle, job.nonce, job.limits, self.image, job.preload)
        while (claimed := self._claim(digest)) is not None:
            adopted = self._adopt(claimed[0], claimed[1], job.nonce)
            if adopted is not None:
                return adopted
        return self.run(job.bundle, job.limits, preload=job.preload, digest=digest, nonce=job.nonce)

    def _claim(self, digest: str) -> tuple[str, Journalled] | None:
        with self._lock:
            jobs = self._adoptable.get(digest)
            return jobs.pop(0) if jobs else None

    def _adopt(self, job: str, entry: Journalled, nonce: str) -> SandboxRun | None:
        """Wait for a left-over job's result and hand it on under ``nonce``; None when its worker turns out
        to be lost (the job is cancelled and the caller publishes the submission anew)."""
        log.info("job %s of an earlier sender grades the same submission: adopted, not sent again", job)
        cancelled = threading.Event()
        with self._lock:
            self._waiting[job] = cancelled
        try:
            run = self._wait(job, cancelled, lost=lambda: self.results.lost(job))
            if run is None:
                log.warning("job %s: its worker was lost before it finished; the submission is sent again", job)
                self.results.cancel([job])
                return None
            return replace(run, stdout=renonce(run.stdout, entry.nonce, nonce)) if not run.refused else run
        finally:
            with self._lock:
                self._waiting.pop(job, None)
            if self.journal is not None:
                self.journal.remove(job)

    def release(self) -> None:
        """Cancel the left-over jobs this run adopted none of, and drop them from the journal."""
        with self._lock:
            unclaimed = [job for jobs in self._adoptable.values() for job, _ in jobs]
            self._adoptable.clear()
        if unclaimed:
            with contextlib.suppress(*_connection_errors()):
                self.results.cancel(unclaimed)
            if self.journal is not None:
                for job in unclaimed:
                    self.journal.remove(job)

    def runtime(self, limits: Limits) -> dict[str, Any]:
        from judge.backends.docker import DockerBackend

        return DockerBackend(image=self.image).runtime(limits)

    def describe(self) -> dict[str, Any]:
        from judge.backends.docker import DockerBackend

        return DockerBackend(image=self.image).describe()

    def run(self, bundle: bytes, limits: Limits, preload: Sequence[str] | None = None, *, digest: str = "",
            nonce: str = "") -> SandboxRun:
        """Send one job and wait for its result. ``SandboxUnavailable`` when the broker stays unreachable.
        ``preload`` (the problem's declared imports) lets the worker run it on a spare warmed for them;
        ``digest`` and ``nonce`` go to the journal, so a rerun after a crash can adopt the job. A job whose
        worker is lost mid-run (its heartbeat lapsed) is published again, within ``MAX_ATTEMPTS`` runs."""
        job = uuid.uuid4().hex
        cancelled = threading.Event()
        with self._lock:
            self._waiting[job] = cancelled
        journal = self.journal
        if journal is not None:
            journal.add(job, digest, nonce)  # before it is sent: a sender killed in between leaves no job unaccounted
        try:
            kwargs = self._kwargs(job, bundle, limits, preload or ())
            self._send(job, kwargs)
            run = self._wait(job, cancelled, lost=lambda: self._recover(job, kwargs))
            assert run is not None  # ``_recover`` never gives the job up
            return run
        finally:
            with self._lock:
                self._waiting.pop(job, None)
            if journal is not None:
                journal.remove(job)

    def _recover(self, job: str, kwargs: dict[str, Any]) -> bool:
        """After ``job``'s heartbeat lapsed twice: publish it again under a newer generation (the copy still in
        Redis is then skipped when it is redelivered), or, once it has run ``MAX_ATTEMPTS`` times, store the
        sandbox error that says so. Always False: the job is still waited for."""
        generation = self.results.supersede(job)
        if generation == SUPERSEDE_OUT_OF_RUNS:
            starts = self.results.starts(job)
            self.results.put(job, refused_record("sender", died_text(starts, job)))
        elif generation > 1:
            log.warning("job %s: the worker running it stopped sending heartbeats; sent again (generation %d)",
                        job, generation)
            self._send(job, {**kwargs, "generation": generation})
        return False

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

    def _kwargs(self, job: str, bundle: bytes, limits: Limits, preload: Sequence[str]) -> dict[str, Any]:
        kwargs: dict[str, Any] = {"job": job, "bundle": base64.b64encode(bundle).decode("ascii"),
                                  "limits": limits.to_dict(), "image": self.image, "job_format": JOB_FORMAT}
        if preload:  # sent only when there is one, so a worker of the previous version still reads the job
            kwargs["preload"] = list(preload)
        return kwargs

    def _send(self, job: str, kwargs: dict[str, Any]) -> None:
        with self._riding_out("sending a job") as failed:
            while True:
                try:
                    self.app.send_task(TASK, kwargs=kwargs, task_id=job, queue=QUEUE, retry=True, retry_policy={
                        "max_retries": 2, "interval_start": 0, "interval_step": 0.5, "interval_max": 1})
                    return
                except _connection_errors() as exc:
                    failed(exc)
                    time.sleep(1.0)

    def _wait(self, job: str, cancelled: threading.Event, lost: Callable[[], bool]) -> SandboxRun | None:
        """``job``'s result; a cancelled run once the sender gives up; None when ``lost()``, called after its
        heartbeat lapsed on two looks, answers True."""
        watch = Liveness()
        with self._riding_out("waiting for a result") as failed:
            while not cancelled.is_set():
                try:
                    record = self.results.wait(job, WAIT_STEP_S)
                    looked = record is None and watch.due(self.clock())
                    if looked and watch.seen(self.clock(), not self.results.lost(job)) and lost():
                        return None
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
        """Cancel the left-over jobs nobody adopted; release the broker connections."""
        with contextlib.suppress(Exception):
            self.release()
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
