"""`python -m bench.interviews`: forty candidates at once against a real `judge serve`, on loopback.

Starts `judge serve` (after `judge serve init`) in a temporary JUDGE_HOME on a free loopback port, with the
tiny fixture problem, the Docker sandbox (``--backend local`` to leave Docker out) and SQLite (or
``--database URL``). The interviewer invites N candidates; then all N, released together by a barrier:

1. ``POST /api/v1/start`` (redeem the code: the workspace archive comes back),
2. ``GET /api/v1/attempt`` and ``GET /api/v1/attempt/workspace``,
3. two uploads of ``solution.py`` sent at the same instant (``POST /api/v1/attempt/submissions``): one must
   be stored (202) and the other refused (409), the database keeping one pending submission per attempt,
4. ``GET /api/v1/attempt/submissions/ID`` until graded.

Then it checks, from the interviewer's side (``GET /api/v1/attempts/ID``), that every attempt holds
exactly one submission and that it is graded, once, with the expected score; that no answer was a 5xx
and the server logged no traceback. Every wait is bounded (``--timeout``).
Prints each route's latency (median, p95, max) and writes bench/results/interviews.json. Exit 0 when every
check held, 1 otherwise: the figures are figures, the checks are the point.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import machine
from judge.store.files import atomic_write

OUTPUT = machine.REPO / "bench" / "results" / "interviews.json"
FIXTURES = machine.REPO / "tests" / "fixtures" / "problems"
PROBLEM = "tiny-add"
SOURCE = (FIXTURES / PROBLEM / "reference" / "solution.py").read_text(encoding="utf-8")
EXPECTED_SCORE = 6


def percentile(samples: list[float], q: float) -> float:
    """The ``q`` quantile (0..1) of ``samples``, nearest rank (the value a reader can find in the list)."""
    ordered = sorted(samples)
    rank = max(1, round(q * len(ordered) + 0.5 - 1e-9)) if q < 1 else len(ordered)
    return ordered[min(rank, len(ordered)) - 1]


def latency_table(latencies: dict[str, list[float]]) -> list[dict[str, Any]]:
    """Per route: calls, median, p95 and max in milliseconds."""
    return [{"route": route, "calls": len(samples), "median_ms": round(1000 * percentile(samples, 0.5), 1),
             "p95_ms": round(1000 * percentile(samples, 0.95), 1), "max_ms": round(1000 * max(samples), 1)}
            for route, samples in latencies.items() if samples]


@dataclass
class Recorder:
    """Latencies per route and every answer's status, from many threads."""

    latencies: dict[str, list[float]] = field(default_factory=dict)
    statuses: list[tuple[str, int]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def call(self, base: str, route: str, method: str, path: str, token: str = "", body: bytes | None = None,
             content_type: str = "application/json") -> tuple[int, Any]:
        """One request (60 s at most); (status, decoded JSON or raw bytes). Status 0: no answer."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        if body is not None:
            headers["Content-Type"] = content_type
        request = urllib.request.Request(base + path, data=body, method=method, headers=headers)
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=60) as answer:
                status, raw = answer.status, answer.read()
        except urllib.error.HTTPError as exc:
            status, raw = exc.code, exc.read()
        except OSError:
            status, raw = 0, b""
        took = time.perf_counter() - started
        with self.lock:
            self.latencies.setdefault(route, []).append(took)
            self.statuses.append((route, status))
        try:
            return status, json.loads(raw) if raw and raw[:1] in (b"{", b"[") else raw
        except ValueError:
            return status, raw


@contextmanager
def judge_serve(home: Path, backend: str, workers: int, database: str | None) -> Iterator[tuple[str, str, Path]]:
    """`judge serve init` then `judge serve` on a free loopback port; (URL, interviewer token, log file)."""
    from bench.queue import free_port

    judge = [sys.executable, "-m", "judge"]  # this checkout's judge, whatever the environment installed
    env = {**os.environ, "JUDGE_HOME": str(home),
           "PYTHONPATH": os.pathsep.join(filter(None, [str(machine.REPO), os.environ.get("PYTHONPATH")]))}
    if database:
        env["JUDGE_DATABASE_URL"] = database
    init = subprocess.run([*judge, "serve", "init", "--name", "bench"], env=env, capture_output=True, text=True,
                          timeout=120)
    if init.returncode != 0:
        raise SystemExit(f"bench.interviews: judge serve init failed: {init.stderr}")
    token = init.stdout.strip().splitlines()[-1]
    port = free_port()
    log_path = home / "serve.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen([*judge, "--problems", str(FIXTURES), "serve", "--port", str(port), "--backend",
                                 backend, "--workers", str(workers)], env=env, stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:  # bounded readiness loop on /health
                try:
                    with urllib.request.urlopen(url + "/health", timeout=2) as answer:
                        if answer.status == 200:
                            break
                except OSError:
                    pass
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"bench.interviews: judge serve did not start:\n{log_path.read_text()[-2000:]}")
                time.sleep(0.1)
            yield url, token, log_path
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def candidate(rec: Recorder, url: str, code: str, barrier: threading.Barrier, deadline: float) -> dict[str, Any]:
    """One candidate's interview; what it saw."""
    barrier.wait(60)
    status, started = rec.call(url, "POST /start", "POST", "/api/v1/start", body=json.dumps({"code": code}).encode())
    if status != 200:
        return {"error": f"start answered {status}"}
    token = started["token"]
    rec.call(url, "GET /attempt", "GET", "/api/v1/attempt", token)
    rec.call(url, "GET /attempt/workspace", "GET", "/api/v1/attempt/workspace", token)
    answers: list[tuple[int, Any]] = []
    pair = threading.Barrier(2)

    def upload() -> None:
        pair.wait(30)
        answers.append(rec.call(url, "POST /attempt/submissions", "POST", "/api/v1/attempt/submissions", token,
                                SOURCE.encode(), "text/x-python"))

    twins = [threading.Thread(target=upload) for _ in range(2)]
    for twin in twins:
        twin.start()
    for twin in twins:
        twin.join(90)
    codes = sorted(status for status, _ in answers)
    stored = [view for status, view in answers if status == 202]
    seen: dict[str, Any] = {"attempt_id": started["attempt_id"], "upload_codes": codes}
    if len(stored) != 1:
        return seen
    view = stored[0]
    while view.get("state") == "pending" and time.monotonic() < deadline:
        time.sleep(0.5)
        status, answer = rec.call(url, "GET /attempt/submissions/ID", "GET",
                                  f"/api/v1/attempt/submissions/{stored[0]['id']}", token)
        if status == 200:
            view = answer
    seen["state"] = view.get("state")
    seen["score"] = (view.get("report") or {}).get("score")
    return seen


def run(candidates: int, backend: str, workers: int, database: str | None, timeout_s: float) -> dict[str, Any]:
    """The whole load run; its figures and checks."""
    rec = Recorder()
    with tempfile.TemporaryDirectory(prefix="ml-judge-bench-interviews-") as tmp, \
            judge_serve(Path(tmp) / "home", backend, workers, database) as (url, token, log_path):
        codes = []
        for n in range(candidates):
            status, made = rec.call(url, "POST /invitations", "POST", "/api/v1/invitations", token,
                                    json.dumps({"problem": PROBLEM, "candidate_name": f"Candidate {n + 1}"}).encode())
            if status != 201:
                raise SystemExit(f"bench.interviews: inviting answered {status}: {made!r}")
            codes.append(made["code"])
        barrier = threading.Barrier(candidates)
        deadline = time.monotonic() + timeout_s
        seen: list[dict[str, Any]] = [{} for _ in codes]
        began = time.perf_counter()

        def one(n: int) -> None:
            seen[n] = candidate(rec, url, codes[n], barrier, deadline)

        threads = [threading.Thread(target=one, args=(n,)) for n in range(candidates)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout_s + 120)
        wall = time.perf_counter() - began
        records = []
        for entry in seen:
            if entry.get("attempt_id"):
                status, record = rec.call(url, "GET /attempts/ID (interviewer)", "GET",
                                          f"/api/v1/attempts/{entry['attempt_id']}", token)
                records.append(record if status == 200 else {})
        server_log = log_path.read_text(errors="replace")
    graded_once = [r for r in records if len(r.get("submissions", [])) == 1
                   and r["submissions"][0]["state"] == "graded"
                   and (r["submissions"][0]["report"] or {}).get("score") == EXPECTED_SCORE]
    checks = {
        "every candidate started": sum(1 for s in seen if s.get("attempt_id")) == candidates,
        "each pair of simultaneous uploads: one 202, one 409": all(s.get("upload_codes") == [202, 409] for s in seen),
        "every submission graded exactly once, score 6/6": len(graded_once) == candidates,
        "no 5xx and no unanswered request": not [s for _, s in rec.statuses if s == 0 or s >= 500],
        "no traceback in the server log": "Traceback" not in server_log,
    }
    return {"candidates": candidates, "backend": backend, "workers": workers,
            "database": "sqlite" if not database else database.split(":", 1)[0], "wall_s": round(wall, 1),
            "routes": latency_table(rec.latencies), "checks": checks,
            "statuses": {f"{route} {status}": sum(1 for r, s in rec.statuses if (r, s) == (route, status))
                         for route, status in sorted(set(rec.statuses))}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.interviews", description=__doc__.split("\n\n")[0])
    parser.add_argument("--candidates", type=int, default=40)
    parser.add_argument("--backend", choices=["docker", "local"], default="docker")
    parser.add_argument("--workers", type=int, default=1, help="`judge serve --workers`: gradings at once")
    parser.add_argument("--database", help="a SQLAlchemy URL (default: SQLite in the temporary JUDGE_HOME)")
    parser.add_argument("--timeout", type=float, default=900.0, help="the bound on the whole run, in seconds")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    before = machine.load_average()
    figures = run(args.candidates, args.backend, args.workers, args.database, args.timeout)
    result = {"kind": "ml-judge interview load", "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
              "command": "python -m bench.interviews " + " ".join(argv if argv is not None else sys.argv[1:]),
              "machine": {**machine.describe(), "load_before": before, "load_after": machine.load_average()},
              **figures}
    args.output.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(args.output, (json.dumps(result, indent=2) + "\n").encode())
    print(f"== {args.candidates} candidates at once, judge serve --backend {args.backend} --workers {args.workers}, "
          f"{figures['database']}: all graded in {figures['wall_s']} s")
    print(f"{'route':<36}{'calls':>6}{'median ms':>11}{'p95 ms':>9}{'max ms':>9}")
    for row in figures["routes"]:
        print(f"{row['route']:<36}{row['calls']:>6}{row['median_ms']:>11}{row['p95_ms']:>9}{row['max_ms']:>9}")
    for name, held in figures["checks"].items():
        print(f"{'ok  ' if held else 'FAIL'} {name}")
    print(f"load average {before} -> {result['machine']['load_after']}; written to {args.output}")
    return 0 if all(figures["checks"].values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
