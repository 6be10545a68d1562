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
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from judge.backends import SandboxRun, SandboxUnavailable
from judge.backends.docker import DockerBackend
from judge.execution.queue.protocol import (
    BROKER_FIX,
    HEARTBEAT_S,
    JOB_FORMAT,
    QUEUE,
    SUPERSEDE_OUT_OF_RUNS,
    TASK,
    Results,
    check_url,
    connection_errors,
    died_text,
    make_app,
    ping,
    record_run,
    redact,
    redis_client,
    refused_record,
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

    digest = hashlib.sha256(bundle.replace(nonce.encode("ascii"), b"0" * len(nonce)) if nonce else bundle)
    digest.update(json.dumps([limits.to_dict(), image, list(preload)], sort_keys=True).encode("utf-8"))
    return digest.hexdigest()


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
        from dataclasses import asdict


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
            adopted = self._adopt(*claimed)
            if adopted is not None:
                return adopted
        return self.run(job.bundle, job.limits, preload=job.preload, digest=digest, nonce=job.nonce)

    def _claim(self, digest: str) -> tuple[str, Journalled] | None:
        with self._lock:
            jobs = self._adoptable.get(digest)
            return jobs.pop(0) if jobs else None

    def _adopt(self, job: str, entry: Journalled) -> SandboxRun | None:
        """Wait for a left-over job's result and hand it on with the nonce it ran under (the journal's, which
        the result is checked against); None when its worker turns out to be lost (the job is cancelled and
        the caller publishes the submission anew)."""
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
            # It ran the first sender's bundle: its result is checked against that bundle's nonce.
            return replace(run, nonce=entry.nonce) if not run.refused else run
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
            with contextlib.suppress(*connection_errors()):
                self.results.cancel(unclaimed)
            if self.journal is not None:
                for job in unclaimed:
                    self.journal.remove(job)

    def runtime(self, limits: Limits) -> dict[str, Any]:
        return DockerBackend(image=self.image).runtime(limits)

    def describe(self) -> dict[str, Any]:
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
                except connection_errors() as exc:
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
