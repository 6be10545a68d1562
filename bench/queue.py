"""`python -m bench.queue`: the job queue against the in-process executor, on this machine.

Starts its own redis-server (loopback, free port, append-only persistence with fsync on every write, as in
docs/scaling.md) and real `judge worker` processes, then measures:

- **overhead**: one grading of feature-engineering's reference through ``grade()`` with the Docker backend
  in this process, and through ``grade()`` with a ``QueueRunner`` and one idle worker (concurrency 1);
  the two sides interleaved in rotating order, and the per-job overhead as the median of the paired
  differences;
- **throughput**: a batch of N data-cleaning submissions (distinct files) through ``run_batch`` with the
  in-process executor (2 at once) and through the queue with 1, 2 and 3 worker processes (each
  concurrency 1; the sender keeps 8 jobs in flight), graded per minute; all cold (``JUDGE_POOL=off``), then
  the in-process executor and 2 workers again with warm spares (``JUDGE_POOL=on``);
- **recovery**: a worker killed with SIGKILL (main process and pool) while it runs a job, with the default
  visibility timeout (1,800 s) and a second worker idle: the time from the kill to the job's second start
  (its heartbeat lapsed and the sender published it again) and to its result (``--recovery-runs`` rounds).

``--only overhead,throughput,recovery`` picks sections. Prints a table and writes bench/results/queue.json
(figures, samples, machine). Figures only: nothing is asserted. Needs Docker, the sandbox image and
redis-server.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import machine
from bench.measures import submission_folders
from bench.stats import Measurement, interleave, paired, seconds_of, summarize
from judge.store.files import atomic_write

OUTPUT = machine.REPO / "bench" / "results" / "queue.json"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_redis(folder: Path) -> tuple[subprocess.Popen[bytes], str]:
    """redis-server on a free loopback port, persisting to ``folder``; (process, broker URL)."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise SystemExit("bench.queue: redis-server is not installed (bash scripts/setup.sh)")
    port = free_port()
    proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(folder),
                             "--appendonly", "yes", "--appendfsync", "always", "--save", ""],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                if sock.recv(16).startswith(b"+PONG"):
                    return proc, f"redis://127.0.0.1:{port}/0"
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise SystemExit("bench.queue: redis-server did not answer")
        time.sleep(0.05)


class Workers:
    """``count`` `judge worker` processes (concurrency 1 each), each in its own process group."""

    def __init__(self, broker: str, count: int, log_dir: Path, pool: str = "off", tag: str = "") -> None:
        self.procs = []
        for i in range(count):
            log = (log_dir / f"worker-{count}-{pool}{tag}-{i}.log").open("wb")
            self.procs.append(subprocess.Popen(
                [sys.executable, "-m", "judge", "worker", "--broker", broker, "--concurrency", "1",
                 "--loglevel", "WARNING"], stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                env={**os.environ, "JUDGE_POOL": pool}))
        from judge.execution.queue import QueueRunner

        runner = QueueRunner(broker)
        deadline = time.monotonic() + 120
        while len(runner.workers(0.5)) < count:
            if time.monotonic() > deadline:
                raise SystemExit(f"bench.queue: {count} worker(s) did not answer; see {log_dir}")
        runner.close()

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs:
            proc.wait(timeout=60)


def timed(call: Callable[[], Any]) -> Measurement:
    started = time.perf_counter()
    try:
        call()
    except Exception as exc:  # a broken run is a figure that is not ok, never a crash of the bench
        return Measurement(time.perf_counter() - started, ok=False, detail=f"{type(exc).__name__}: {exc}")
    return Measurement(time.perf_counter() - started)


def overhead(broker: str, runs: int, warmup: int, log_dir: Path) -> dict[str, Any]:
    """grade() of feature-engineering's reference, in process against through the queue (one idle worker)."""
    from judge.backends.docker import DockerBackend
    from judge.execution.queue import QueueRunner
    from judge.grading import grade
    from judge.model.submission import SolutionText
    from judge.problems.catalog import find_problem

    problem = find_problem("feature-engineering")
    submission = SolutionText.from_source(problem.reference_path.read_text())
    local, queue = DockerBackend(), QueueRunner(broker)

    def side(backend: Any) -> Callable[[], Measurement]:
        def run() -> Measurement:
            report: list[Any] = []
            measured = timed(lambda: report.append(grade(problem, submission, backend)))
            if measured.ok and report[0].verdict.value != "passed":
                return Measurement(measured.seconds, ok=False, detail=f"verdict {report[0].verdict.value}")
            return measured
        return run

    workers = Workers(broker, 1, log_dir)
    try:
        samples = interleave({"in-process": side(local), "queue": side(queue)}, runs, warmup)
    finally:
        workers.stop()
        queue.close()
    return {"problem": problem.slug, "in_process": seconds_of(samples["in-process"]),
            "queue": seconds_of(samples["queue"]), "queue_minus_in_process": summarize(paired(
                samples["queue"], samples["in-process"], lambda a, b: a - b))}


def throughput(broker: str, count: int, runs: int, tmp: Path, log_dir: Path) -> dict[str, Any]:
    """Submissions per minute for ``count`` data-cleaning submissions: in-process (2 at once), queue with
    1, 2, 3 workers."""
    from judge.backends.docker import DockerBackend
    from judge.backends.pool import WarmDockerBackend
    from judge.execution.queue import QueueRunner
    from judge.problems.catalog import find_problem
    from judge.services.batch import run_batch
    from judge.services.intake import discover

    problem = find_problem("data-cleaning")
    submission_folders(tmp / "in", problem.reference_path.read_text(encoding="utf-8"), count)
    entries = discover([tmp / "in"])
    counter = iter(range(10**6))

    def batch(backend: Any, jobs: int) -> Measurement:
        out = tmp / "out" / f"run-{next(counter)}"
        result: list[Any] = []
        measured = timed(lambda: result.append(run_batch(problem, entries, backend, out, jobs=jobs)))
        if measured.ok:
            graded = [r for r in result[0].rows if r.verdict == "passed"]
            if len(graded) != count:
                return Measurement(measured.seconds, ok=False, detail=f"{len(graded)} of {count} passed")
        return measured

    def row(what: str, measured: list[Measurement]) -> dict[str, Any]:
        return {"what": what, "seconds": seconds_of(measured),
                "per_minute": summarize([count * 60 / m.seconds for m in measured if m.ok])}

    rows = [row("in-process executor, 2 at once", [batch(DockerBackend(), 2) for _ in range(runs)])]
    warm = WarmDockerBackend(preload=problem.preload, keep=2, early=True)
    try:
        batch(warm, 2)  # warm-up: leaves the spares the first measured batch takes, as a previous batch would
        rows.append(row("in-process executor, 2 at once, warm spares", [batch(warm, 2) for _ in range(runs)]))
    finally:
        warm.trim(problem.limits, keep=0)
    for n, pool in ((1, "off"), (2, "off"), (3, "off"), (2, "on")):
        workers = Workers(broker, n, log_dir, pool)
        runner = QueueRunner(broker)
        try:
            batch(runner, 8)  # warm-up: each worker's first job makes its Docker client (and its spares)
            measured = [batch(runner, 8) for _ in range(runs)]
        finally:
            runner.close()
            workers.stop()
        rows.append(row(f"queue, {n} worker process(es)" + (", warm spares" if pool == "on" else ""), measured))
    if pool_leftovers := WarmDockerBackend(preload=problem.preload, keep=0).trim(problem.limits, keep=0):
        print(f"[bench.queue] removed {pool_leftovers} spare(s) the workers left", file=sys.stderr)
    return {"problem": problem.slug, "submissions": count, "rows": rows}


def recovery(broker: str, runs: int, log_dir: Path) -> dict[str, Any]:
    """Kill -9 of the worker running a data-cleaning job, another worker idle: seconds from the kill to the
    job's second start and to its result, per round (each round with two fresh workers)."""
    import threading

    import docker

    from judge.backends.docker import LABEL
    from judge.execution.queue import HEARTBEAT_S, HEARTBEAT_TTL_S, QueueRunner, Results, redis_client
    from judge.grading import grade
    from judge.model.submission import SolutionText
    from judge.problems.catalog import find_problem

    problem = find_problem("data-cleaning")
    # A distinct file each round (nothing reused), slow enough at import that the kill lands mid-run (the sleep
    # goes last: the reference starts with a `from __future__` import).
    source = problem.reference_path.read_text(encoding="utf-8") + "\n\nimport time\n\ntime.sleep(3)\n"
    api = docker.from_env(version="auto").api
    results = Results(redis_client(broker))
    restarted, finished, samples = [], [], []
    try:
        for round_ in range(runs):
            workers = Workers(broker, 2, log_dir, tag=f"recovery-{round_}")
            runner = QueueRunner(broker)
            reports: list[Any] = []
            submission = SolutionText.from_source(source + f"# round {round_}\n")
            sender = threading.Thread(target=lambda r=runner, s=submission, out=reports: out.append(
                grade(problem, s, r)))
            try:
                sender.start()
                job, group = running_job(api, LABEL, {p.pid for p in workers.procs}, time.monotonic() + 180,
                                         sender.is_alive)
                os.killpg(group, signal.SIGKILL)
                killed = time.perf_counter()
                second = None
                while sender.is_alive():
                    if second is None and results.starts(job) >= 2:
                        second = time.perf_counter() - killed
                    sender.join(0.05)
                done = time.perf_counter() - killed
            finally:
                sender.join()
                runner.close()
                workers.stop()
            ok = bool(reports) and reports[0].verdict.value == "passed" and results.starts(job) == 2
            samples.append({"job": job, "restarted_s": second, "result_s": done, "ok": ok,
                            "verdict": reports[0].verdict.value if reports else None})
            if ok and second is not None:
                restarted.append(Measurement(second))
                finished.append(Measurement(done))
            print(f"[bench.queue] recovery round {round_ + 1}: sent again after {second} s, result after "
                  f"{done:.1f} s ({samples[-1]['verdict']})", file=sys.stderr)
    finally:
        results.client.close()
    return {"problem": problem.slug, "heartbeat_s": HEARTBEAT_S, "heartbeat_ttl_s": HEARTBEAT_TTL_S,
            "visibility_timeout_s": 1800.0, "rounds": samples, "kill_to_second_start": seconds_of(restarted),
            "kill_to_result": seconds_of(finished)}


def running_job(api: Any, label: str, groups: set[int], deadline: float,
                waiting: Callable[[], bool]) -> tuple[str, int]:
    """(job id, worker process group) of a worker's sandbox that is running now (while ``waiting()``)."""
    while time.monotonic() < deadline and waiting():
        for container in api.containers(filters={"label": f"{label}.worker-pid", "status": "running"}):
            try:
                group = os.getpgid(int(container["Labels"][f"{label}.worker-pid"]))
            except (ProcessLookupError, ValueError):
                continue
            if group in groups:
                return str(container["Labels"][f"{label}.job"]), group
        time.sleep(0.05)
    raise SystemExit("bench.queue: no worker's sandbox was seen running")


def fmt(summary: dict[str, Any] | None, digits: int = 3) -> str:
    if not summary:
        return "-"
    return f"{summary['median']:.{digits}f} ({summary['min']:.{digits}f}-{summary['max']:.{digits}f})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.queue", description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7, help="kept rounds of the overhead comparison")
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--batch-runs", type=int, default=2, help="batches per throughput row")
    parser.add_argument("--submissions", type=int, default=20)
    parser.add_argument("--recovery-runs", type=int, default=3, help="rounds of the worker-loss recovery")
    parser.add_argument("--only", default="overhead,throughput,recovery", help="sections, comma-separated")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    sections = {part.strip() for part in args.only.split(",") if part.strip()}
    if unknown := sections - {"overhead", "throughput", "recovery"}:
        parser.error(f"unknown section(s): {', '.join(sorted(unknown))}")
    before = machine.load_average()
    with tempfile.TemporaryDirectory(prefix="ml-judge-bench-queue-") as tmp_name:
        tmp = Path(tmp_name)
        (tmp / "redis").mkdir()
        os.environ["JUDGE_HOME"] = str(tmp / "home")
        os.environ["JUDGE_POOL"] = "off"  # cold everywhere, but in the rows that say "warm spares"
        redis, broker = start_redis(tmp / "redis")
        over = through = recovered = None
        try:
            if "overhead" in sections:
                print(f"[bench.queue] overhead: feature-engineering x {args.runs} (+{args.warmup} warm-up)",
                      file=sys.stderr)
                over = overhead(broker, args.runs, args.warmup, tmp)
            if "throughput" in sections:
                print(f"[bench.queue] throughput: {args.submissions} x data-cleaning", file=sys.stderr)
                through = throughput(broker, args.submissions, args.batch_runs, tmp / "batch", tmp)
            if "recovery" in sections:
                print(f"[bench.queue] recovery: kill -9 of a worker mid-job x {args.recovery_runs}", file=sys.stderr)
                recovered = recovery(broker, args.recovery_runs, tmp)
        finally:
            redis.send_signal(signal.SIGTERM)
            redis.wait(timeout=60)
    result: dict[str, Any] = {
              "kind": "ml-judge queue benchmark", "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
              "command": "python -m bench.queue " + " ".join(argv if argv is not None else sys.argv[1:]),
              "machine": {**machine.describe(), "load_before": before, "load_after": machine.load_average()},
              "overhead": over, "throughput": through, "recovery": recovered}
    args.output.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(args.output, (json.dumps(result, indent=2) + "\n").encode())

    if over is not None:
        print(f"\n== Per-job overhead of the queue ({over['problem']}, reference, grade(); median (min-max) s)")
        print(f"in-process Docker backend   {fmt(over['in_process'])}")
        print(f"queue, 1 idle worker        {fmt(over['queue'])}")
        print(f"queue - in-process (paired) {fmt(over['queue_minus_in_process'])}")
    if through is not None:
        print(f"\n== Throughput, {through['submissions']} x {through['problem']} (median (min-max))")
        rows: list[dict[str, Any]] = through["rows"]
        for row in rows:
            print(f"{row['what']:<46} {fmt(row['seconds'], 2)} s   {fmt(row['per_minute'], 1)} graded/min")
    if recovered is not None:
        print(f"\n== Recovery from a worker killed mid-job ({recovered['problem']}, visibility timeout "
              f"{recovered['visibility_timeout_s']:.0f} s, heartbeat every {recovered['heartbeat_s']:g} s, "
              f"lapses after {recovered['heartbeat_ttl_s']} s; median (min-max) s)")
        print(f"kill -> job sent again and started  {fmt(recovered['kill_to_second_start'], 1)}")
        print(f"kill -> result                      {fmt(recovered['kill_to_result'], 1)}")
    print(f"\nload average {before} -> {result['machine']['load_after']}; written to {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
