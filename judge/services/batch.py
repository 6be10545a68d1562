"""Batch grading for interviewers: many submissions, graded in parallel sandboxes, summarised, resumable.

The flow of `judge grade --problem P PATH... [--jobs N] [--out DIR]`:

1. discover the submissions in the PATHs (``judge.services.intake``);
2. plan: each gets a folder ``OUT/submissions/<slug>/``; one whose report there was made from the same
   file, problem suite, backend, image and limits is reused (unless ``force``);
3. run: through ``judge.execution.Executor`` (at most N sandboxes at once, its retry and cancel rules);
   each finished one is written at once (snapshot, HTML report, then ``report.json`` last, the mark that
   it is done), so a stop at any moment keeps everything finished;
4. summarise: ``summary.csv``, ``summary.json`` and ``summary.html``, with near-identical pairs flagged.

A submission's own failure (crash, timeout, memory, syntax error, unreadable file) is its verdict and
never stops the batch. ``SandboxUnavailable`` (Docker gone) stops new work: what is finished is kept and
the summary says how to resume. Ctrl-C stops new work, kills the batch's running sandboxes (the Docker
backend removes each in its own ``finally``) and waits for their threads to unwind before returning.

The batch's ``outcome`` (passed, failed, judge-error: stopped or some sandbox error, interrupted) is in
the summary; the command line maps it to an exit code.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import json
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from judge.backends import Backend
from judge.execution import Executor, Task
from judge.execution.executor import Runner
from judge.grading import now_iso, staged_files, suite_dir
from judge.model.batch import BatchResult, NullProgress, Pair, Progress, Row, batch_outcome
from judge.model.limits import Limits
from judge.model.names import printable
from judge.model.outcomes import RowState, Status
from judge.model.report import Report, Verdict, requirement_key
from judge.model.submission import SOLUTION
from judge.problems.catalog import Problem
from judge.problems.teaching import model_answer, requirement_titles
from judge.problems.testmeta import read_suite
from judge.problems.workspace_text import is_untouched_starter
from judge.services.intake import Entry
from judge.services.similarity import similar_pairs
from judge.store.files import atomic_write, write_json

SUMMARY_SCHEMA = 1
SUBMISSIONS = "submissions"
REPORT_JSON, REPORT_HTML, REPORT_TEXT = "report.json", "report.html", "report.txt"

class OutputError(RuntimeError):
    """The batch's output folder cannot be written: an infrastructure failure, like a lost sandbox."""


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

def write_submission(folder: Path, source: str, report: Report, problem: Problem | None = None) -> str:
    """Snapshot, human-readable report, then report.json (last: its presence means "done"). Returns the
    human-readable report's file name. With ``problem``, the HTML report carries its model answer and
    editorial (an interviewer's batch: there is no attempt to keep open)."""
    from judge.render import render

    try:
        atomic_write(folder / SOLUTION, source.encode("utf-8"))
        try:
            model = model_answer(problem) if problem is not None else None
            readable, name = render(report, "html", source, model=model), REPORT_HTML
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
    runner: Runner | None = None,
) -> BatchResult:
    """Grade ``entries`` into ``out`` with at most ``jobs`` sandboxes at once, then write the summaries.

    Returns on completion, on an infrastructure failure (``infrastructure_error`` set) and on Ctrl-C
    (``interrupted``); in every case the finished reports and the summaries are on disk. Grading goes
    through ``judge.execution.Executor`` (its retry and cancel rules); ``stop_running`` is called on
    Ctrl-C to stop the sandboxes still running, and ``runner`` replaces the run step (a job queue).
    """
    started = clock()
    limits = limits or problem.limits
    show = progress or NullProgress()
    key = grading_key(problem, suite, backend, limits)
    base = out / SUBMISSIONS
    slugs = assign_slugs(entries)
    rows: dict[str, Row] = {}
    queue: dict[str, Entry] = {}
    for slug, entry in zip(slugs, entries, strict=True):
        sha = entry.submission.sha256 if entry.submission else ""
        if entry.submission is None:
            state = RowState.MISSING if entry.missing else RowState.UNREADABLE
            rows[slug] = Row(entry.name, slug, entry.origin, state, detail=entry.error)
            continue
        earlier = None if force else previous_report(base / slug, sha, key)
        if earlier is not None:
            rows[slug] = Row(entry.name, slug, entry.origin, RowState.REUSED, earlier, earlier.detail, sha,
                             existing_report_file(base / slug))
        else:
            queue[slug] = entry

    show.begin(len(entries), len(queue), jobs)
    for row in rows.values():
        show.finished(row)
    executor = Executor(backend, jobs, runner=runner, stop_running=stop_running)

    class Events:
        """Each finished submission is written at once, then shown."""

        def started(self, task: Task) -> None:
            show.started(queue[task.key].name)

        def finished(self, task: Task, report: Report) -> None:
            entry = queue[task.key]
            report = replace(report, extra={**report.extra, "batch": {"key": key, "name": entry.name}})
            try:
                name = write_submission(base / task.key, task.submission.source, report, problem)
            except OutputError as exc:
                executor.stop(str(exc))
                show.note(f"{exc}\nstopping: no new submissions are started")
                return
            row = Row(entry.name, task.key, entry.origin, RowState.GRADED, report, report.detail,
                      task.submission.sha256, f"{SUBMISSIONS}/{task.key}/{name}")
            rows[task.key] = row
            show.finished(row)

        def failed(self, task: Task, error: BaseException) -> None:
            entry = queue[task.key]
            row = Row(entry.name, task.key, entry.origin, RowState.JUDGE_ERROR,
                      detail=f"internal error of the judge: {type(error).__name__}: {error}",
                      sha256=task.submission.sha256)
            rows[task.key] = row
            show.finished(row)

        def note(self, text: str) -> None:
            show.note(text)

    tasks = [Task(slug, problem, entry.submission, suite, limits) for slug, entry in queue.items()
             if entry.submission is not None]
    try:
        execution = executor.run(tasks, Events())
    finally:
        show.end()

    ordered = tuple(rows.get(slug) or Row(entry.name, slug, entry.origin, RowState.NOT_GRADED,
                                          sha256=entry.submission.sha256 if entry.submission else "")
                    for slug, entry in zip(slugs, entries, strict=True))
    starter = problem.starter_dir / SOLUTION
    pairs = tuple(similar_pairs(
        [(e.name, e.submission.source) for e in entries if e.submission is not None],
        starter.read_text(encoding="utf-8", errors="replace") if starter.is_file() else ""))
    untouched = frozenset(e.name for e in entries
                          if e.submission is not None and is_untouched_starter(e.submission.source, problem))
    summary = summary_document(problem, suite, backend, limits, ordered, pairs, untouched=untouched,
                               interrupted=execution.interrupted,
                               infrastructure_error=execution.infrastructure_error)
    write_summaries(out, summary)
    return BatchResult(ordered, pairs, summary, out, execution.interrupted, execution.infrastructure_error,
                       clock() - started)


def docker_stopper(api_factory: Callable[[], Any], label: str, value: str) -> Callable[[], None]:
    """A ``stop_running`` that kills the containers carrying ``label=value`` (their runs then return
    and remove them)."""

    def stop() -> None:
        from docker.errors import DockerException

        from judge.backends import SandboxUnavailable

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
    points: dict[str, int] = {}
    for spec in read_suite(suite_dir(problem, suite)):
        req = spec.requirement or "-"
        points[req] = points.get(req, 0) + spec.points
    for row in rows:
        if row.report is not None:
            for req, _passed, _tests, _earned, total in row.report.by_requirement():
                points[req] = max(points.get(req, 0), total)
    return sorted(points.items(), key=lambda kv: requirement_key(kv[0]))


UNTOUCHED = "untouched starter: this is the problem's starter solution.py, unchanged"


def row_dict(row: Row, requirements: Sequence[tuple[str, int]], similar: Sequence[str],
             untouched: bool = False) -> dict[str, Any]:
    """One row of summary.json."""
    report = row.report
    earned: dict[str, int | None] = {req: (None if row.state is RowState.NOT_GRADED else 0) for req, _ in requirements}
    if report is not None:
        for req, _passed, _tests, got, _total in report.by_requirement():
            earned[req] = got
    warnings = list(report.warnings) if report is not None else []
    warnings += [f"similar: {text}" for text in similar]
    if untouched:
        warnings.insert(0, UNTOUCHED)
    attempted = None if report is None else (report.attempted and not untouched)
    # not attempted is never a mistake, even in a report graded before the judge knew to say so
    diagnosis = [{"mistake": d.mistake, "title": d.title, "match": round(d.match, 3)}
                 for d in (report.diagnosis if report is not None and attempted else ())]
    return {
        "name": row.name,
        "slug": row.slug,
        "origin": row.origin,
        "state": row.state.value,
        "status": row.status.value,
        "verdict": row.verdict,
        "score": report.score if report is not None else (None if row.state is RowState.NOT_GRADED else 0),
        "max_score": report.max_score if report is not None else sum(p for _, p in requirements),
        "percent": report.percent if report is not None else (None if row.state is RowState.NOT_GRADED else 0.0),
        "grading_s": round(report.grading_s, 2) if report is not None else None,
        "warnings": warnings,
        "detail": row.detail,
        "requirements": earned,
        "diagnosis": diagnosis,
        "attempted": attempted,
        "not_attempted": list(report.not_attempted) if report is not None else [],
        "report": f"{SUBMISSIONS}/{row.slug}/{REPORT_JSON}" if report is not None else None,
        "report_html": row.report_file or None,
        "submission_sha256": row.sha256 or None,
    }


def summary_document(problem: Problem, suite: str, backend: Backend, limits: Limits, rows: Sequence[Row],
                     pairs: Sequence[Pair], *, interrupted: bool = False,
                     infrastructure_error: str = "", untouched: frozenset[str] = frozenset()) -> dict[str, Any]:
    """The whole summary as plain data: what summary.json holds, and what the CSV and HTML are made from."""
    requirements = requirement_points(rows, problem, suite)
    similar: dict[str, list[str]] = {}
    for pair in pairs:
        similar.setdefault(pair.a, []).append(f"{pair.similarity:.0%} like {pair.b}")
        similar.setdefault(pair.b, []).append(f"{pair.similarity:.0%} like {pair.a}")
    statuses = [r.status for r in rows]
    pending = statuses.count(Status.PENDING)
    describe = backend.describe()
    titles = requirement_titles(problem)
    submissions = [row_dict(r, requirements, similar.get(r.name, []), r.name in untouched) for r in rows]
    return {
        "schema_version": SUMMARY_SCHEMA,
        "kind": "ml-judge batch summary",
        "problem": problem.slug,
        "title": problem.title,
        "suite": suite,
        "created_at": now_iso(),
        "sandbox": {"backend": describe.get("backend"), "image": describe.get("image"),
                    "limits": limits.to_dict()},
        "requirements": [{"id": req, "points": pts, "title": titles.get(req, "")} for req, pts in requirements],
        "counts": {"submissions": len(rows), "passed": statuses.count(Status.PASS),
                   "failed": statuses.count(Status.FAIL), "errors": statuses.count(Status.ERROR), "pending": pending,
                   "reused": sum(r.state is RowState.REUSED for r in rows)},
        "complete": pending == 0,
        "interrupted": interrupted,
        "infrastructure_error": infrastructure_error or None,
        "outcome": batch_outcome(rows, interrupted, bool(infrastructure_error)).value,
        "similar_pairs": [p.to_dict() for p in pairs],
        "mistakes": cohort_mistakes(submissions),
        "not_attempted": [row["name"] for row in submissions if row["attempted"] is False],
        "submissions": submissions,
    }


def cohort_mistakes(submissions: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """How many submissions were diagnosed with each known mistake, most common first: what a cohort got
    wrong. A submission diagnosed with two mistakes counts for both."""
    found: dict[str, dict[str, Any]] = {}
    for row in submissions:
        for d in row.get("diagnosis") or []:
            entry = found.setdefault(d["mistake"], {"mistake": d["mistake"], "title": d["title"], "count": 0,
                                                    "submissions": []})
            entry["count"] += 1
            entry["submissions"].append(row["name"])
    return sorted(found.values(), key=lambda e: (-e["count"], e["mistake"]))


CSV_HEAD = ("name", "score", "max_score", "percent", "verdict", "grading_s", "warnings")
CSV_TAIL = ("diagnosis", "detail", "report")
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
            printable(row["name"]), row["score"], row["max_score"], row["percent"], row["verdict"], row["grading_s"],
            printable("; ".join(row["warnings"])), *(row["requirements"].get(r) for r in reqs),
            "not attempted" if row.get("attempted") is False
            else "; ".join(d["title"] for d in row.get("diagnosis") or []),
            printable(detail),
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
