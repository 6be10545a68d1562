"""Grading past one machine: the run step of the grading core as a Celery job on a Redis broker.

A job is exactly what the run step takes - the bundle and the limits - plus the image tag the sender
expects and a job id; its result is what the sandbox printed (the fields of a ``SandboxRun``). The sender
keeps the test specs and the nonce and interprets the result itself, as for a local run: a worker never
learns what a test is worth and cannot make a result the host would believe.

- Sender: ``connect(url)`` gives a ``QueueRunner``, which is both a run step (``Executor(backend,
  workers, runner=runner)``) and a ``Backend`` (``grade(problem, submission, runner)``). It publishes a job
  and waits for that job's result; the executor's threads give the parallelism.
- Worker: ``run_worker(url, ...)`` (`judge worker`) is a Celery worker whose task runs the job in a Docker
  sandbox on its own host (a warm spare or a fresh container: ``judge.backends.open_backend``) and keeps
  nothing afterwards.

Three modules: ``protocol`` (what both sides agree on: the job's fields, the records in Redis, the Celery
app's settings), ``sender`` (``QueueRunner``, the journal) and ``worker`` (the task and the worker process).

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

from judge.execution.queue.protocol import (
    DEFAULT_VISIBILITY_S,
    HEARTBEAT_S,
    HEARTBEAT_TTL_S,
    JOB_FORMAT,
    KEY,
    MAX_ATTEMPTS,
    QUEUE,
    SUPERSEDE_OUT_OF_RUNS,
    TASK,
    BrokerError,
    Results,
    check_url,
    make_app,
    ping,
    record_run,
    redact,
    redis_client,
    refused_record,
    run_record,
)
from judge.execution.queue.sender import (
    JOURNAL,
    JobJournal,
    Journalled,
    QueueRunner,
    Settled,
    WorkerInfo,
    connect,
    job_digest,
)
from judge.execution.queue.worker import WorkerSetup, execute_job, prepare_worker, run_worker

make_runner = connect  # the name docs/scaling.md also gives it

__all__ = [
    "DEFAULT_VISIBILITY_S",
    "HEARTBEAT_S",
    "HEARTBEAT_TTL_S",
    "JOB_FORMAT",
    "JOURNAL",
    "KEY",
    "MAX_ATTEMPTS",
    "QUEUE",
    "SUPERSEDE_OUT_OF_RUNS",
    "TASK",
    "BrokerError",
    "JobJournal",
    "Journalled",
    "QueueRunner",
    "Results",
    "Settled",
    "WorkerInfo",
    "WorkerSetup",
    "check_url",
    "connect",
    "execute_job",
    "job_digest",
    "make_app",
    "make_runner",
    "ping",
    "prepare_worker",
    "record_run",
    "redact",
    "redis_client",
    "refused_record",
    "run_record",
    "run_worker",
]
