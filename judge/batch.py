"""Batch grading for interviewers: many submissions, graded in parallel sandboxes, summarised, resumable.

The flow of `judge grade --problem P PATH... [--jobs N] [--out DIR]`:

1. discover the submissions in the PATHs (``judge.intake``);
2. plan: each gets a folder ``OUT/submissions/<slug>/``; one whose report there was made from the same
   file, problem suite, backend, image and limits is reused (unless ``force``);
3. run: at most N submissions at once, each through ``judge.grading.grade`` (the one grading function)
   in its own sandbox; each finished one is written at once (snapshot, HTML report, then ``report.json``
   last, the mark that it is done), so a stop at any moment keeps everything finished;
4. summarise: ``summary.csv``, ``summary.json`` and ``summary.html``, with near-identical pairs flagged.

A submission's own failure (crash, timeout, memory, syntax error, unreadable file) is its verdict and
never stops the batch. ``SandboxUnavailable`` (Docker gone) stops new work: what is finished is kept and
the summary says how to resume. Ctrl-C stops new work, kills the batch's running sandboxes (the Docker
backend removes each in its own ``finally``) and waits for their threads to unwind before returning.

Exit codes: 0 all passed; 1 graded, not all passed; 2 bad input; 3 the judge could not grade (the
batch was stopped, or some submission ended as a sandbox error); 130 interrupted.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import json
import os
import re
import secrets
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import click

from judge.backends import Backend, SandboxUnavailable
from judge.catalog import SOLUTION, Problem
from judge.grading import grade, staged_files, suite_dir
from judge.intake import Entry
from judge.limits import Limits
from judge.report import EXIT_FAILED, EXIT_JUDGE, EXIT_PASSED, Report, Status, Verdict, requirement_key
from judge.similarity import Pair, similar_pairs
from judge.store import atomic_write, write_json

if TYPE_CHECKING:
    from judge.cli import Context

SUMMARY_SCHEMA = 1
EXIT_INTERRUPTED = 130
STOP_RETRY_S = 2.0
SUBMISSIONS = "submissions"
REPORT_JSON, REPORT_HTML, REPORT_TEXT = "report.json", "report.html", "report.txt"

# Row states: how a row came to be. Only "graded" and "reused" rows carry a report.
GRADED, REUSED, UNREADABLE, MISSING, NOT_GRADED, JUDGE_ERROR = (
    "graded", "reused", "unreadable", "missing", "not-graded", "judge-error")


class OutputError(RuntimeError):
    """The batch's output folder cannot be written: an infrastructure failure, like a lost sandbox."""


class _Cancelled(Exception):
    """A run that finished after Ctrl-C: its result may come from a killed sandbox and is not kept."""


@dataclass(frozen=True)
class Row:
    """One submission's line of the summary: its report, or why there is none."""

    name: str
    slug: str
    origin: str
    state: str
    report: Report | None = None
    detail: str = ""
    sha256: str = ""
    report_file: str = ""  # the human-readable report, relative to the batch folder ("" when none)

    @property
    def status(self) -> str:
        """pass / fail / error, or "pending" for a submission the batch did not reach."""
        if self.report is not None:
            return self.report.status.value
        if self.state == NOT_GRADED:
            return "pending"
        if self.state == JUDGE_ERROR:
            return Status.ERROR.value
        return Status.FAIL.value

    @property
    def verdict(self) -> str:
        if self.report is not None:
            return self.report.verdict.value
        return Verdict.SANDBOX_ERROR.value if self.state == JUDGE_ERROR else self.state


class Progress(Protocol):
    """What the batch tells its display. Every call comes from the thread that called ``run_batch``."""

    def begin(self, total: int, queued: int, jobs: int) -> None: ...

    def started(self, name: str) -> None: ...

    def finished(self, row: Row) -> None: ...

    def note(self, text: str) -> None: ...

    def end(self) -> None: ...


class NullProgress:
    """A display that shows nothing."""

    def begin(self, total: int, queued: int, jobs: int) -> None:
        pass

    def started(self, name: str) -> None:
        pass

    def finished(self, row: Row) -> None:
        pass

    def note(self, text: str) -> None:
        pass

    def end(self) -> None:
        pass


@dataclass(frozen=True)
class BatchResult:
    """What a batch run did: a row per submission (input order), how it ended, and its summary document."""

    rows: tuple[Row, ...]
    pairs: tuple[Pair, ...]
    summary: dict[str, Any]
    out: Path
    interrupted: bool = False
    infrastructure_error: str = ""
    wall_s: float = 0.0

    @property
    def graded_now(self) -> int:
        return sum(r.state == GRADED for r in self.rows)

    @property
    def pending(self) -> int:
        return sum(r.state == NOT_GRADED for r in self.rows)

    @property
    def exit_code(self) -> int:
        return batch_exit_code(self.rows, self.interrupted, bool(self.infrastructure_error))


def batch_exit_code(rows: Sequence[Row], interrupted: bool, infrastructure_failed: bool) -> int:
    """3 when the judge failed (stopped, or any sandbox error), 130 interrupted, else 0 all passed or 1."""
    if infrastructure_failed or any(r.status == Status.ERROR.value for r in rows):
        return EXIT_JUDGE
    if interrupted:
        return EXIT_INTERRUPTED
    return EXIT_PASSED if rows and all(r.status == Status.PASS.value for r in rows) else EXIT_FAILED


# -- planning --------------------------------------------------------------------------------------

def slug_for(name: str) -> str:
    """A folder name for a candidate: letters, digits, dot, dash and underscore only."""
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip(".-")[:80]
    return slug or "submission"


def assign_slugs(entries: Sequence[Entry]) -> list[str]:
    """One distinct folder name per entry, stable for the same inputs in the same order."""
    seen: set[str] = set()
    slugs = []
    for entry in entries:
        base = slug_for(entry.name)
        slug, n = base, 1
        while slug.lower() in seen:  # case-insensitive file systems
            n += 1
            slug = f"{base}-{n}"
        seen.add(slug.lower())
        slugs.append(slug)
    return slugs


def suite_fingerprint(problem: Problem, suite: str) -> str:
    """sha256 of everything the grading depends on from the problem: the suite's files and the data files."""
    digest = hashlib.sha256()
    for name, path in staged_files(problem, suite):
        digest.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def grading_key(problem: Problem, suite: str, backend: Backend, limits: Limits) -> str:
    """What must match for an earlier report to stand for this run (the submission's hash aside)."""
    describe = backend.describe()
    parts = {"problem": problem.slug, "suite": suite, "tests": suite_fingerprint(problem, suite),
             "backend": describe.get("backend"), "image": describe.get("image"), "limits": limits.to_dict()}
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def previous_report(folder: Path, sha256: str, key: str) -> Report | None:
    """The report in ``folder`` if it graded this exact file under this key, and was not a judge error."""
    try:
        data = json.loads((folder / REPORT_JSON).read_text(encoding="utf-8"))
        report = Report.from_dict(data)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    batch = report.extra.get("batch") if isinstance(report.extra, dict) else None
    if not isinstance(batch, dict) or batch.get("key") != key or report.submission_sha256 != sha256:
        return None
    if report.verdict is Verdict.SANDBOX_ERROR:
        return None  # the judge's fault last time: grade it again
    return report


def existing_report_file(folder: Path) -> str:
    for name in (REPORT_HTML, REPORT_TEXT):
        if (folder / name).is_file():
            return name
    return ""


# -- writing one submission's folder ----------------------------------------------------------------

def write_submission(folder: Path, source: str, report: Report) -> str:
    """Snapshot, human-readable report, then report.json (last: its presence means "done"). Returns the
    human-readable report's file name."""
    from judge.render import render

    try:
        atomic_write(folder / SOLUTION, source.encode("utf-8"))
        try:
            readable, name = render(report, "html", source), REPORT_HTML
        except Exception as exc:  # a renderer bug must not cost a graded result: keep it as text
            readable = render(report, "text") + f"\n(the HTML report could not be rendered: {exc!r})\n"
            name = REPORT_TEXT
        atomic_write(folder / name, readable.encode("utf-8"))
        write_json(folder / REPORT_JSON, report.to_dict())
    except OSError as exc:
        raise OutputError(f"cannot write to {folder}: {exc.strerror or exc}") from exc
    return name


# -- running ---------------------------------------------------------------------------------------

def run_batch(
    problem: Problem,
    entries: Sequence[Entry],
    backend: Backend,
    out: Path,
    *,
    limits: Limits | None = None,
    suite: str = "hidden",
    jobs: int = 1,
    force: bool = False,
    progress: Progress | None = None,
    clock: Callable[[], float] = time.monotonic,
    stop_running: Callable[[], None] | None = None,
) -> BatchResult:
    """Grade ``entries`` into ``out`` with at most ``jobs`` sandboxes at once, then write the summaries.

    Returns on completion, on an infrastructure failure (``infrastructure_error`` set) and on Ctrl-C
    (``interrupted``); in every case the finished reports and the summaries are on disk. ``stop_running``
    is called on Ctrl-C to stop the sandboxes still running (their results are discarded).
    """
    started = clock()
    limits = limits or problem.limits
    show = progress or NullProgress()
    key = grading_key(problem, suite, backend, limits)
    base = out / SUBMISSIONS
    slugs = assign_slugs(entries)
    rows: dict[str, Row] = {}
    queue: list[tuple[str, Entry]] = []
    for slug, entry in zip(slugs, entries, strict=True):
        sha = entry.submission.sha256 if entry.submission else ""
        if entry.submission is None:
            rows[slug] = Row(entry.name, slug, entry.origin, MISSING if entry.missing else UNREADABLE,
                             detail=entry.error)
            continue
        earlier = None if force else previous_report(base / slug, sha, key)
        if earlier is not None:
            rows[slug] = Row(entry.name, slug, entry.origin, REUSED, earlier, earlier.detail, sha,
                             existing_report_file(base / slug))
        else:
            queue.append((slug, entry))

    show.begin(len(entries), len(queue), jobs)
    for row in rows.values():
        show.finished(row)

    cancel = threading.Event()

    def work(slug: str, entry: Entry) -> Row:
        assert entry.submission is not None
        if cancel.is_set():
            raise _Cancelled
        report = grade(problem, entry.submission, backend, limits=limits, suite=suite)
        if cancel.is_set():
            raise _Cancelled
        report = replace(report, extra={**report.extra, "batch": {"key": key, "name": entry.name}})
        name = write_submission(base / slug, entry.submission.source, report)
        return Row(entry.name, slug, entry.origin, GRADED, report, report.detail, entry.submission.sha256,
                   f"{SUBMISSIONS}/{slug}/{name}")

    infrastructure_error = ""
    interrupted = False
    in_flight: dict[Future[Row], tuple[str, Entry]] = {}
    waiting = iter(queue)
    executor = ThreadPoolExecutor(max_workers=max(1, min(jobs, len(queue))), thread_name_prefix="judge-batch")

    def fill() -> None:
        while len(in_flight) < jobs and not infrastructure_error and not cancel.is_set():
            item = next(waiting, None)
            if item is None:
                return
            in_flight[executor.submit(work, *item)] = item
            show.started(item[1].name)

    def settle(future: Future[Row], slug: str, entry: Entry) -> None:
        nonlocal infrastructure_error
        try:
            row = future.result()
        except SandboxUnavailable as exc:
            if not infrastructure_error:
                infrastructure_error = str(exc)
                show.note(f"the judge could not grade {entry.name}: {exc}\nstopping: no new submissions "
                          f"are started; {len(in_flight)} running will finish")
            return
        except _Cancelled:
            return
        except OutputError as exc:
            if not infrastructure_error:
                infrastructure_error = str(exc)
                show.note(f"{exc}\nstopping: no new submissions are started")
            return
        except Exception as exc:  # a bug in the judge: that submission's error, never the batch's end
            row = Row(entry.name, slug, entry.origin, JUDGE_ERROR,
                      detail=f"internal error of the judge: {type(exc).__name__}: {exc}",
                      sha256=entry.submission.sha256 if entry.submission else "")
        rows[slug] = row
        show.finished(row)

    try:
        try:
            fill()
            while in_flight:
                done, _ = wait(list(in_flight), return_when=FIRST_COMPLETED)
                for future in done:
                    slug, entry = in_flight.pop(future)
                    settle(future, slug, entry)
                fill()
        except KeyboardInterrupt:
            interrupted = True
            cancel.set()
            show.note(f"interrupted: stopping {len(in_flight)} running sandbox(es); "
                      "finished reports are kept")
            _drain(in_flight, rows, show, stop_running)
    finally:
        executor.shutdown(wait=True, cancel_futures=True)
        show.end()

    ordered = tuple(rows.get(slug) or Row(entry.name, slug, entry.origin, NOT_GRADED,
                                          sha256=entry.submission.sha256 if entry.submission else "")
                    for slug, entry in zip(slugs, entries, strict=True))
    starter = problem.starter_dir / SOLUTION
    pairs = tuple(similar_pairs(
        [(e.name, e.submission.source) for e in entries if e.submission is not None],
        starter.read_text(encoding="utf-8", errors="replace") if starter.is_file() else ""))
    summary = summary_document(problem, suite, backend, limits, ordered, pairs,
                               interrupted=interrupted, infrastructure_error=infrastructure_error)
    write_summaries(out, summary)
    return BatchResult(ordered, pairs, summary, out, interrupted, infrastructure_error, clock() - started)


def _drain(in_flight: dict[Future[Row], tuple[str, Entry]], rows: dict[str, Row], show: Progress,
           stop_running: Callable[[], None] | None) -> None:
    """After Ctrl-C: stop the running sandboxes and wait for their threads to unwind, keeping the rows
    that were finished and saved. Stopping is repeated every few seconds while any is left, for a sandbox
    that was being created at the first attempt; a repeated Ctrl-C does not cut this short, since a
    thread left behind would leave its container behind."""
    while in_flight:
        try:
            if stop_running is not None:
                stop_running()
            done, _ = wait(list(in_flight), timeout=STOP_RETRY_S, return_when=FIRST_COMPLETED)
        except KeyboardInterrupt:
            show.note(f"still removing {len(in_flight)} sandbox(es); one moment")
            continue
        for future in done:
            slug, _entry = in_flight.pop(future)
            try:
                row = future.result()
            except BaseException:  # cancelled, killed or failed while stopping: graded again on resume
                continue
            rows[slug] = row
            show.finished(row)


def docker_stopper(api_factory: Callable[[], Any], label: str, value: str) -> Callable[[], None]:
    """A ``stop_running`` that kills the containers carrying ``label=value`` (their runs then return
    and remove them)."""

    def stop() -> None:
        from docker.errors import DockerException

        try:
            api = api_factory()
            for container in api.containers(filters={"label": f"{label}={value}"}):
                with contextlib.suppress(DockerException):  # already gone
                    api.kill(container["Id"])
        except (DockerException, SandboxUnavailable, OSError):
            pass  # each run still removes its own container when it ends

    return stop


# -- the summary -----------------------------------------------------------------------------------

def requirement_points(rows: Sequence[Row], problem: Problem, suite: str) -> list[tuple[str, int]]:
    """(requirement, points) in R-number order: the most any report shows, or the suite's declared points."""
    from judge.testmeta import read_suite

    points: dict[str, int] = {}
    for spec in read_suite(suite_dir(problem, suite)):
        req = spec.requirement or "-"
        points[req] = points.get(req, 0) + spec.points
    for row in rows:
        if row.report is not None:
            for req, _passed, _tests, _earned, total in row.report.by_requirement():
                points[req] = max(points.get(req, 0), total)
    return sorted(points.items(), key=lambda kv: requirement_key(kv[0]))


def row_dict(row: Row, requirements: Sequence[tuple[str, int]], similar: Sequence[str]) -> dict[str, Any]:
    """One row of summary.json."""
    report = row.report
    earned: dict[str, int | None] = {req: (None if row.state == NOT_GRADED else 0) for req, _ in requirements}
    if report is not None:
        for req, _passed, _tests, got, _total in report.by_requirement():
            earned[req] = got
    warnings = list(report.warnings) if report is not None else []
    warnings += [f"similar: {text}" for text in similar]
    return {
        "name": row.name,
        "slug": row.slug,
        "origin": row.origin,
        "state": row.state,
        "status": row.status,
        "verdict": row.verdict,
        "score": report.score if report is not None else (None if row.state == NOT_GRADED else 0),
        "max_score": report.max_score if report is not None else sum(p for _, p in requirements),
        "percent": report.percent if report is not None else (None if row.state == NOT_GRADED else 0.0),
        "grading_s": round(report.grading_s, 2) if report is not None else None,
        "warnings": warnings,
        "detail": row.detail,
        "requirements": earned,
        "report": f"{SUBMISSIONS}/{row.slug}/{REPORT_JSON}" if report is not None else None,
        "report_html": row.report_file or None,
        "submission_sha256": row.sha256 or None,
    }


def summary_document(problem: Problem, suite: str, backend: Backend, limits: Limits, rows: Sequence[Row],
                     pairs: Sequence[Pair], *, interrupted: bool = False,
                     infrastructure_error: str = "") -> dict[str, Any]:
    """The whole summary as plain data: what summary.json holds, and what the CSV and HTML are made from."""
    from judge.grading import now_iso

    requirements = requirement_points(rows, problem, suite)
    similar: dict[str, list[str]] = {}
    for pair in pairs:
        similar.setdefault(pair.a, []).append(f"{pair.similarity:.0%} like {pair.b}")
        similar.setdefault(pair.b, []).append(f"{pair.similarity:.0%} like {pair.a}")
    statuses = [r.status for r in rows]
    pending = statuses.count("pending")
    describe = backend.describe()
    return {
        "schema_version": SUMMARY_SCHEMA,
        "kind": "ml-judge batch summary",
        "problem": problem.slug,
        "title": problem.title,
        "suite": suite,
        "created_at": now_iso(),
        "sandbox": {"backend": describe.get("backend"), "image": describe.get("image"),
                    "limits": limits.to_dict()},
        "requirements": [{"id": req, "points": pts} for req, pts in requirements],
        "counts": {"submissions": len(rows), "passed": statuses.count("pass"),
                   "failed": statuses.count("fail"), "errors": statuses.count("error"), "pending": pending,
                   "reused": sum(r.state == REUSED for r in rows)},
        "complete": pending == 0,
        "interrupted": interrupted,
        "infrastructure_error": infrastructure_error or None,
        "exit_code": batch_exit_code(rows, interrupted, bool(infrastructure_error)),
        "similar_pairs": [p.to_dict() for p in pairs],
        "submissions": [row_dict(r, requirements, similar.get(r.name, [])) for r in rows],
    }


CSV_HEAD = ("name", "score", "max_score", "percent", "verdict", "grading_s", "warnings")
CSV_TAIL = ("detail", "report")
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> Any:
    """A CSV cell; text a spreadsheet would run as a formula (a candidate's folder name, say) is quoted."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(_FORMULA):
        return "'" + value
    return value


def summary_csv(summary: dict[str, Any]) -> str:
    """summary.csv: one row per submission, one column per requirement with the points earned."""
    reqs = [r["id"] for r in summary["requirements"]]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([*CSV_HEAD, *reqs, *CSV_TAIL])
    for row in summary["submissions"]:
        detail = row["detail"].strip().splitlines()[0] if row["detail"].strip() else ""
        writer.writerow([_cell(v) for v in (
            row["name"], row["score"], row["max_score"], row["percent"], row["verdict"], row["grading_s"],
            "; ".join(row["warnings"]), *(row["requirements"].get(r) for r in reqs), detail,
            row["report_html"] or row["report"])])
    return buffer.getvalue()


def write_summaries(out: Path, summary: dict[str, Any]) -> None:
    """summary.json, summary.csv and summary.html in ``out``."""
    from judge.render.summary import summary_html

    try:
        write_json(out / "summary.json", summary)
        atomic_write(out / "summary.csv", summary_csv(summary).encode("utf-8"))
        atomic_write(out / "summary.html", summary_html(summary).encode("utf-8"))
    except OSError as exc:
        raise OutputError(f"cannot write the summary to {out}: {exc.strerror or exc}") from exc


# -- the command line ------------------------------------------------------------------------------

def default_out(problem: Problem) -> Path:
    return Path.cwd() / f"{problem.slug}-grades"


def run_batch_cli(ctx: Context, problem: Problem, paths: list[Path], limits: Limits, backend_name: str,
                  jobs: int | None, out_dir: Path | None, force: bool, as_json: bool,
                  suite: str = "hidden") -> int:
    """`judge grade` with several submissions: discover, grade in parallel, summarise; the exit code."""
    from judge.cli import fail, make_backend
    from judge.intake import InputError, discover
    from judge.render.progress import BatchProgress, print_outcome

    if jobs is not None and jobs < 1:
        fail(f"--jobs must be at least 1, got {jobs}")
    out = out_dir or default_out(problem)
    try:
        entries = discover(paths, output=out)
    except InputError as exc:
        fail(str(exc))
    if out.exists() and not out.is_dir():
        fail(f"--out {out} is a file; pass a folder (it is created if missing)")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        fail(f"cannot create the output folder {out}: {exc.strerror}; pass another with --out DIR")
    workers = jobs or os.cpu_count() or 1
    stop_running = None
    if backend_name == "docker":
        from judge.backends.docker import LABEL, DockerBackend, api_client

        run_id = secrets.token_hex(6)
        backend: Backend = DockerBackend(labels={f"{LABEL}.batch": run_id})
        stop_running = docker_stopper(api_client, f"{LABEL}.batch", run_id)
    else:
        backend = make_backend(backend_name, ctx)
    progress = BatchProgress(ctx.err, problem.slug)
    try:
        result = run_batch(problem, entries, backend, out, limits=limits, suite=suite, jobs=workers,
                           force=force, progress=progress, stop_running=stop_running)
    except OutputError as exc:
        fail(str(exc), EXIT_JUDGE)
    if as_json:
        click.echo(json.dumps(result.summary, indent=2))
    else:
        print_outcome(ctx.out, result)
    if result.interrupted or result.infrastructure_error:
        ctx.err.print(stop_message(result, paths, out))
    return result.exit_code


def stop_message(result: BatchResult, paths: Sequence[Path], out: Path) -> str:
    """The line a stopped batch ends with: how many were done, what is kept, how to resume."""
    done = len(result.rows) - result.pending
    head = "interrupted" if result.interrupted and not result.infrastructure_error else "stopped"
    text = (f"{head}: {done} of {len(result.rows)} submissions done ({result.graded_now} graded in this "
            f"run), their reports kept in {out}")
    if result.infrastructure_error:
        text += f"\nthe judge could not grade: {result.infrastructure_error}"
    if result.pending:
        text += (f"\nresume with the same command: the {done} done are skipped and the other "
                 f"{result.pending} graded")
    return text
