"""The sender side of the job queue: ``QueueRunner`` publishes a job and waits for its result (a run step
and a ``Backend`` to the executor), the journal of jobs in flight, and ``connect``."""

from __future__ import annotations

import base64
import contextlib
import json
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from judge.backends import SandboxRun, SandboxUnavailable
from judge.backends.docker import DockerBackend
from judge.backends.image import expected_tag
from judge.execution.queue.protocol import (
    BROKER_FIX,
    JOB_FORMAT,
    QUEUE,
    TASK,
    Results,
    check_url,
    connection_errors,
    make_app,
    ping,
    record_run,
    redact,
    redis_client,
)
from judge.model.limits import Limits
from judge.store.files import atomic_write

if TYPE_CHECKING:
    from judge.grading import Job

OUTAGE_S = 120.0  # how long a sender rides out a broker that stopped answering before it gives up
WAIT_STEP_S = 1.0  # a waiting sender looks up at least this often (cancel, lost notice)
# Kombu's Redis transport keeps priorities 3, 6 and 9 of a queue in lists of their own.
_PRIORITY_SEP = "\x06\x16"

log = logging.getLogger("judge.queue")


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
    which each worker checks), so a report graded through the queue is reused like a local one; the report
    names the worker that ran it (its ``sandbox.machine`` is ``remote-worker``, from the stored result).
    """

    name = "queue"

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
            self._image = expected_tag()
        return self._image

    def __call__(self, job: Job) -> SandboxRun:
        return self.run(job.bundle, job.limits, preload=job.preload)

    def runtime(self, limits: Limits) -> dict[str, Any]:
        return DockerBackend(image=self.image).runtime(limits)

    def describe(self) -> dict[str, Any]:
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
            with contextlib.suppress(*connection_errors()):
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
                except connection_errors() as exc:
                    failed(exc)
                    time.sleep(1.0)

    def _wait(self, job: str, cancelled: threading.Event) -> SandboxRun:
        with self._riding_out("waiting for a result") as failed:
            while not cancelled.is_set():
                try:
                    record = self.results.wait(job, WAIT_STEP_S)
                except connection_errors() as exc:
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
