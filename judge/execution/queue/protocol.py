"""What the sender and the workers of the job queue agree on: a job's fields and format, the Redis URL, the
records a job leaves in Redis (its result, stored once), and the Celery app's delivery settings."""

from __future__ import annotations

import base64
import binascii
import importlib.util
import json
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from judge.backends import SandboxRun, SandboxUnavailable

QUEUE = "ml-judge"
TASK = "ml-judge.run"
JOB_FORMAT = 1
MAX_ATTEMPTS = 3  # runs of one job whose worker died, before it is a sandbox error
DEFAULT_VISIBILITY_S = 1800.0  # > the longest grading (rag-pipeline: 180 s + 15 s grace) with a wide margin
HEARTBEAT_S = 3.0  # a worker refreshes the heartbeat of the job it runs this often
HEARTBEAT_TTL_S = 12  # a heartbeat not refreshed for this long means the worker running the job is gone
RESULT_TTL_S = 24 * 3600  # results outlive any redelivery of their job (at most a visibility timeout later)
KEY = "ml-judge:"
SCHEMES = ("redis", "rediss")
BROKER_FIX = "start Redis (docs/scaling.md) or check the URL; without --broker everything runs on this machine"

# Celery, kombu and redis-py are imported inside the functions that use them: they are an optional extra
# (`ml-judge[queue]`), and `judge grade` without --broker must not pay for them.


class BrokerError(ValueError):
    """A broker URL the judge cannot use; the message says what is expected."""


def check_url(url: str) -> str:
    """``url`` if it is a Redis URL (``redis://HOST:PORT/DB``, ``rediss://`` for TLS), else ``BrokerError``
    (which also says when the queue's Python packages are not installed)."""
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


def connection_errors() -> tuple[type[BaseException], ...]:
    import redis
    from kombu.exceptions import OperationalError

    return (redis.ConnectionError, redis.TimeoutError, OperationalError, OSError)


def ping(url: str) -> None:
    """Check that the broker answers; ``SandboxUnavailable`` with the fix when it does not."""
    try:
        redis_client(url, timeout_s=5.0).ping()
    except connection_errors() as exc:
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
                          warm=record.get("warm") is True, worker=str(record.get("worker") or "?"))
    except (ValueError, TypeError, binascii.Error):
        return SandboxRun(stdout=b"", exit_code=None, worker=str(record.get("worker") or "?"),
                          refused=f"the result from worker {record.get('worker', '?')} is malformed")


# -- the Celery app --------------------------------------------------------------------------------

def make_app(url: str, visibility_timeout_s: float = DEFAULT_VISIBILITY_S) -> Any:
    """The Celery app of a sender or a worker on the broker ``url`` (a worker registers the grading task on
    it; a sender sends the task by name)."""
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
    return app


def died_text(starts: int, job: str) -> str:
    """The verdict's detail for a job whose worker kept dying."""
    return (f"the job was started {starts} time(s) on workers and the worker process running it died each "
            f"time, so it was not graded (limit {MAX_ATTEMPTS}). The worker host may be running out of memory "
            f"or failing: see the log of `judge worker` for job {job}, then grade this submission again.")
