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

``--database`` may be given more than once, each run on a fresh server, the figures side by side:
``sqlite`` (the default), ``postgres`` (a private PostgreSQL started here: Debian's ``initdb`` and
``pg_ctl`` in a temporary folder on a loopback port, removed afterwards) or a SQLAlchemy URL of yours.
``--profile-start`` also times the steps of ``POST /start`` in this process (the redeem write, the README,
the workspace archive, the status, the commit), N redeems released together on each database.
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
    home.mkdir(parents=True, exist_ok=True)  # with a database URL, `judge serve init` makes no folder there
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


@contextmanager
def private_postgres() -> Iterator[str]:
    """Debian's PostgreSQL (initdb + pg_ctl) in a temporary folder on a free loopback port; its URL. Run as the
    ``postgres`` account when this process is root (PostgreSQL refuses root); stopped and removed after."""
    import pwd
    import shutil

    from bench.queue import free_port

    binaries = {name: shutil.which(name) or next(iter(sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"),
                                                           reverse=True)), None) for name in ("initdb", "pg_ctl")}
    if not all(binaries.values()):
        raise SystemExit("bench.interviews: PostgreSQL is not installed (apt-get install postgresql)")
    initdb, pg_ctl = str(binaries["initdb"]), str(binaries["pg_ctl"])
    root = Path(tempfile.mkdtemp(prefix="ml-judge-bench-pg-"))
    data, sockets = root / "data", root / "run"
    sockets.mkdir()
    owner: dict[str, int] = {}
    if os.geteuid() == 0:
        account = pwd.getpwnam("postgres")
        for path in (root, sockets):
            os.chown(path, account.pw_uid, account.pw_gid)
        owner = {"user": account.pw_uid, "group": account.pw_gid}
    port = free_port()
    try:
        subprocess.run([initdb, "-D", str(data), "-U", "judge", "--auth=trust", "-E", "UTF8"], check=True,
                       capture_output=True, timeout=120, **owner)  # type: ignore[call-overload]
        subprocess.run([pg_ctl, "-D", str(data), "-o", f"-h 127.0.0.1 -p {port} -k {sockets}", "-l",
                        str(root / "log"), "-w", "-t", "60", "start"], check=True, capture_output=True, timeout=90,
                       **owner)  # type: ignore[call-overload]
        import psycopg

        with psycopg.connect(f"host=127.0.0.1 port={port} user=judge dbname=postgres", autocommit=True) as conn:
            conn.execute("CREATE DATABASE judge_bench")
        yield f"postgresql+psycopg://judge@127.0.0.1:{port}/judge_bench"
    finally:
        subprocess.run([pg_ctl, "-D", str(data), "-m", "fast", "-w", "stop"], capture_output=True, timeout=60,
                       **owner)  # type: ignore[call-overload]
        shutil.rmtree(root, ignore_errors=True)


@contextmanager
def database_url(name: str, home: Path) -> Iterator[str | None]:
    """The URL for ``--database NAME``: None for SQLite in the server's JUDGE_HOME, a private PostgreSQL for
    ``postgres``, else the URL given."""
    if name == "sqlite":
        yield None
    elif name == "postgres":
        with private_postgres() as url:
            yield url
    else:
        yield name


START_STEPS = ("redeem (insert + flush)", "README", "workspace archive", "status", "commit")


def profile_start(url: str, count: int) -> dict[str, Any]:
    """The steps of ``POST /start`` (the route's calls, in its order, in one session as the route does), timed
    in this process: ``count`` threads redeem ``count`` codes released together. Milliseconds per step."""
    from judge.problems.catalog import load_problem
    from judge.services import interviews
    from judge.services.credentials import authenticate_interviewer, create_interviewer, redeem
    from judge.services.invitations import create_invitation
    from judge.store.db import Database

    db = Database(url)
    db.migrate()
    problem = load_problem(FIXTURES / PROBLEM)
    workspaces = interviews.WorkspaceArchives()
    workspaces.public_part(problem)  # the server builds it on its first /start; not what is measured here
    with db.session() as session:
        token = create_interviewer(session, "bench", time.time())
    with db.session() as session:
        owner = authenticate_interviewer(session, token, time.time())
        codes = [create_invitation(session, owner, problem, f"Candidate {n}", time.time()).code for n in range(count)]
    steps: dict[str, list[float]] = {step: [] for step in (*START_STEPS, "whole")}
    lock = threading.Lock()
    barrier = threading.Barrier(count)

    def one(code: str) -> None:
        barrier.wait(60)
        marks = [time.perf_counter()]
        with db.session() as session:
            attempt, _ = redeem(session, code, time.time())
            marks.append(time.perf_counter())
            readme = interviews.interview_readme(problem, attempt)
            marks.append(time.perf_counter())
            workspaces.archive(problem, readme)
            marks.append(time.perf_counter())
            interviews.attempt_status(attempt, problem.title, time.time())
            marks.append(time.perf_counter())
        marks.append(time.perf_counter())
        with lock:
            for step, begin, end in zip(START_STEPS, marks[:-1], marks[1:], strict=True):
                steps[step].append(end - begin)
            steps["whole"].append(marks[-1] - marks[0])

    threads = [threading.Thread(target=one, args=(code,)) for code in codes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    db.dispose()
    return {"redeems": count, "steps": latency_table(steps)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.interviews", description=__doc__.split("\n\n")[0])
    parser.add_argument("--candidates", type=int, default=40)
    parser.add_argument("--backend", choices=["docker", "local"], default="docker")
    parser.add_argument("--workers", type=int, default=1, help="`judge serve --workers`: gradings at once")
    parser.add_argument("--database", action="append", help="sqlite (the default), postgres (a private server "
                        "started here) or a SQLAlchemy URL; give it twice to compare")
    parser.add_argument("--profile-start", type=int, default=0, metavar="N",
                        help="also time the steps of POST /start for N redeems at once on each database")
    parser.add_argument("--timeout", type=float, default=900.0, help="the bound on the whole run, in seconds")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    before = machine.load_average()
    runs: list[dict[str, Any]] = []
    for name in args.database or ["sqlite"]:
        with tempfile.TemporaryDirectory(prefix="ml-judge-bench-db-") as scratch, \
                database_url(name, Path(scratch)) as url:
            figures = run(args.candidates, args.backend, args.workers, url, args.timeout)
            figures["load_after"] = machine.load_average()
            if args.profile_start:  # on a database of its own (for a URL of yours: that one)
                profile_url = (f"sqlite:///{scratch}/profile.db" if url is None
                               else _sibling_database(url, "judge_profile") if name == "postgres" else url)
                figures["start_profile"] = profile_start(profile_url, args.profile_start)
        runs.append(figures)
        print_run(args, figures)
    result = {"kind": "ml-judge interview load", "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
              "command": "python -m bench.interviews " + " ".join(argv if argv is not None else sys.argv[1:]),
              "machine": {**machine.describe(), "load_before": before, "load_after": machine.load_average()},
              **runs[0], "runs": runs}
    args.output.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(args.output, (json.dumps(result, indent=2) + "\n").encode())
    if len(runs) > 1:
        print_side_by_side(runs)
    print(f"load average {before} -> {result['machine']['load_after']}; written to {args.output}")
    return 0 if all(held for figures in runs for held in figures["checks"].values()) else 1


def _sibling_database(url: str, name: str) -> str:
    """A new database ``name`` on the PostgreSQL server of ``url``; its URL."""
    import psycopg

    admin = url.replace("postgresql+psycopg://", "postgresql://").rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return url.rsplit("/", 1)[0] + "/" + name


def print_run(args: argparse.Namespace, figures: dict[str, Any]) -> None:
    print(f"== {args.candidates} candidates at once, judge serve --backend {args.backend} --workers {args.workers}, "
          f"{figures['database']}: all graded in {figures['wall_s']} s (load average after: {figures['load_after']})")
    print(f"{'route':<36}{'calls':>6}{'median ms':>11}{'p95 ms':>9}{'max ms':>9}")
    for row in figures["routes"]:
        print(f"{row['route']:<36}{row['calls']:>6}{row['median_ms']:>11}{row['p95_ms']:>9}{row['max_ms']:>9}")
    for name, held in figures["checks"].items():
        print(f"{'ok  ' if held else 'FAIL'} {name}")
    if "start_profile" in figures:
        profile = figures["start_profile"]
        print(f"-- POST /start step by step, {profile['redeems']} redeems at once in-process ({figures['database']})")
        for row in profile["steps"]:
            print(f"{row['route']:<36}{row['calls']:>6}{row['median_ms']:>11}{row['p95_ms']:>9}{row['max_ms']:>9}")


def print_side_by_side(runs: list[dict[str, Any]]) -> None:
    """Each route's median and p95 (ms) on every database, one column pair per run."""
    names = [figures["database"] for figures in runs]
    print("\n== side by side: median / p95 ms")
    print(f"{'route':<36}" + "".join(f"{name:>22}" for name in names))
    for route in [row["route"] for row in runs[0]["routes"]]:
        cells = []
        for figures in runs:
            row = next((r for r in figures["routes"] if r["route"] == route), None)
            cells.append(f"{row['median_ms']:.1f} / {row['p95_ms']:.1f}" if row else "-")
        print(f"{route:<36}" + "".join(f"{cell:>22}" for cell in cells))
    print(f"{'all graded in (s)':<36}" + "".join(f"{figures['wall_s']:>22}" for figures in runs))


if __name__ == "__main__":
    raise SystemExit(main())
