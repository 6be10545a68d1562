"""The `judge` command line: parse, call the core, render. Nothing else lives here.

Heavy imports (docker, the renderers) happen inside commands so `judge --help` stays fast.
Exit codes: 0 every test passed; 1 graded, not every test passed; 2 bad usage or bad input;
3 the judge could not grade (Docker down, image missing, internal fault).
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from judge.report import EXIT_FAILED, EXIT_JUDGE, EXIT_PASSED, EXIT_USAGE

if TYPE_CHECKING:
    from rich.console import Console

    from judge.backends import Backend
    from judge.catalog import Problem
    from judge.limits import Limits
    from judge.report import Report
    from judge.store import Store


class Fail(Exception):
    """An expected failure: printed as one clear message, never a traceback."""

    def __init__(self, message: str, code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.code = code


def fail(message: str, code: int = EXIT_USAGE) -> NoReturn:
    raise Fail(message, code)


class Context:
    """What every command shares: the clock, the problem search path, the consoles."""

    def __init__(self, problems: tuple[Path, ...], clock: Callable[[], float] | None = None) -> None:
        self.problems = list(problems)
        self.clock = clock or time.time

    @property
    def out(self) -> Console:
        from rich.console import Console

        return Console(highlight=False, soft_wrap=False)

    @property
    def err(self) -> Console:
        from rich.console import Console

        return Console(stderr=True, highlight=False)

    def store(self) -> Store:
        from judge.paths import data_home
        from judge.store import Store, StoreError

        try:
            return Store(data_home())
        except StoreError as exc:
            fail(str(exc))

    def problem(self, name: str) -> Problem:
        from judge.catalog import ProblemError, find_problem

        try:
            return find_problem(name, self.problems)
        except ProblemError as exc:
            fail(str(exc))


pass_ctx = click.make_pass_decorator(Context)


class JudgeGroup(click.Group):
    """Turns an expected failure anywhere below it into one line on stderr and its exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except Fail as exc:
            click.echo(f"error: {exc}", err=True)
            ctx.exit(exc.code)


@click.group(cls=JudgeGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--problems", "problems", multiple=True, type=click.Path(path_type=Path),
              help="Also look for problems in DIR (repeatable; adds to JUDGE_PROBLEMS_PATH).")
@click.version_option(package_name="ml-judge", prog_name="judge")
@click.pass_context
def cli(ctx: click.Context, problems: tuple[Path, ...]) -> None:
    """Practise timed ML-engineer interview problems, graded in a sandbox.

    \b
    Start here:
      judge list                    the problems and your best scores
      judge start rag-pipeline      begin a timed attempt in ./rag-pipeline
      judge test                    run the public examples (in the sandbox)
      judge submit                  grade against the hidden tests, see your report
    """
    if ctx.obj is None:
        ctx.obj = Context(problems)
    else:
        ctx.obj.problems = list(problems) + ctx.obj.problems


# -- shared helpers --------------------------------------------------------------------------------

def limits_for(problem: Problem, timeout: float | None, memory: str | None) -> Limits:
    from judge.limits import LimitError, parse_size

    try:
        return problem.limits.with_overrides(
            timeout_s=timeout,
            memory_bytes=parse_size(memory) if memory else None,
        )
    except LimitError as exc:
        fail(str(exc))


def make_backend(name: str, ctx: Context) -> Backend:
    from judge.backends import get_backend

    backend = get_backend(name)
    if name == "local":
        from judge.backends.local import WARNING

        ctx.err.print(f"[yellow]warning:[/] {WARNING}")
    return backend


@contextmanager
def spinner(ctx: Context, label: str, enabled: bool = True) -> Iterator[None]:
    """A live spinner with elapsed seconds on stderr, only when stderr is a terminal."""
    if not enabled:  # before ctx.err: `--json` runs need no rich import (about 17 ms of start-up)
        yield
        return
    err = ctx.err
    if not err.is_terminal:
        yield
        return
    started = time.monotonic()
    with err.status(label) as status:
        import threading

        stop = threading.Event()

        def tick() -> None:
            while not stop.wait(0.2):
                status.update(f"{label} {time.monotonic() - started:4.1f} s")

        thread = threading.Thread(target=tick, daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join()


def run_grade(ctx: Context, problem: Problem, source_path: Path | None, backend: Backend, limits: Limits,
              suite: str = "hidden", quiet: bool = False, source: str | None = None) -> Report:
    """Grade through the one grading function; a sandbox that cannot start becomes exit 3."""
    from judge.backends import SandboxUnavailable
    from judge.grading import Submission, grade, load_submission
    from judge.integrity import SubmissionError

    try:
        submission = Submission.from_source(source) if source is not None else load_submission(source_path)  # type: ignore[arg-type]
    except SubmissionError as exc:
        fail(str(exc))
    label = "Running the public examples in the sandbox..." if suite == "public" else "Grading in the sandbox..."
    try:
        with spinner(ctx, label, enabled=not quiet):
            return grade(problem, submission, backend, limits=limits, suite=suite)
    except SandboxUnavailable as exc:
        fail(f"the judge could not grade: {exc}", EXIT_JUDGE)


def emit(ctx: Context, report: Report, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(report.to_dict(), indent=2))
    else:
        from judge.render.text import print_report

        print_report(ctx.out, report)


def workspace_attempt(ctx: Context, store: Store, directory: Path | None) -> tuple[Path, dict[str, Any], list[str]]:
    from judge.attempt import WorkspaceError, find_workspace, load_for_workspace
    from judge.store import StoreError

    try:
        workspace = find_workspace(directory or Path.cwd())
        record, warnings = load_for_workspace(store, workspace)
    except (WorkspaceError, StoreError) as exc:
        fail(str(exc))
    return workspace, record, warnings


def attempt_problem(ctx: Context, record: dict[str, Any]) -> Problem:
    from judge.catalog import ProblemError, find_problem, load_problem

    try:
        return find_problem(record["problem"], ctx.problems)
    except ProblemError:
        root = Path(record.get("problem_root", ""))
        try:
            return load_problem(root)
        except ProblemError as exc:
            fail(f"the problem {record['problem']!r} of this attempt is no longer installed: {exc}")


WORKSPACE_OPTION = click.option("--dir", "directory", type=click.Path(path_type=Path),
                                help="The workspace (default: the one holding this folder).")
BACKEND_OPTION = click.option("--backend", type=click.Choice(["docker", "local"]), default="docker",
                              show_default=True, help="docker: isolated container. local: no isolation.")


# -- catalog ---------------------------------------------------------------------------------------

@cli.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_ctx
def list_cmd(ctx: Context, as_json: bool) -> None:
    """List the problems with their budgets and your best score."""
    from rich.table import Table

    from judge.catalog import discover

    problems, errors = discover(ctx.problems)
    best = ctx.store().best_scores()
    if as_json:
        click.echo(json.dumps([{"slug": p.slug, "title": p.title, "budget_minutes": p.budget_minutes,
                                "difficulty": p.difficulty, "best_percent": best.get(p.slug),
                                "builtin": p.builtin} for p in problems], indent=2))
        return
    table = Table(header_style="bold")
    for column in ("Problem", "Title", "Budget", "Difficulty", "Best"):
        table.add_column(column)
    for p in problems:
        score = best.get(p.slug)
        table.add_row(p.slug if p.builtin else f"{p.slug} (custom)", p.title, f"{p.budget_minutes:g} min",
                      p.difficulty, f"{score:g}%" if score is not None else "-")
    ctx.out.print(table)
    for error in errors:
        ctx.err.print(f"[yellow]warning:[/] skipped a broken problem folder: {error}")
    ctx.out.print("Start one with: judge start PROBLEM")


@cli.command()
@click.argument("problem")
@pass_ctx
def show(ctx: Context, problem: str) -> None:
    """Show a problem's statement, budget and skills."""
    from rich.markdown import Markdown
    from rich.panel import Panel

    p = ctx.problem(problem)
    head = f"[bold]{p.title}[/]  ({p.slug})\nBudget {p.budget_minutes:g} min · {p.difficulty}"
    if p.skills:
        head += " · " + ", ".join(p.skills)
    ctx.out.print(Panel(head, expand=False))
    ctx.out.print(Markdown(p.statement()))
    ctx.out.print(f"\nStart it with: judge start {p.slug}")


# -- the attempt loop ------------------------------------------------------------------------------

@cli.command()
@click.argument("problem")
@click.option("--dir", "directory", type=click.Path(path_type=Path), help="Workspace folder (default ./PROBLEM).")
@click.option("--force", is_flag=True, help="Replace an existing workspace of an earlier attempt.")
@pass_ctx
def start(ctx: Context, problem: str, directory: Path | None, force: bool) -> None:
    """Begin a timed attempt: create the workspace and start the clock."""
    from judge.attempt import WorkspaceError, local_time
    from judge.attempt import start as start_attempt
    from judge.store import StoreError

    p = ctx.problem(problem)
    target = directory or Path.cwd() / p.slug
    store = ctx.store()
    try:
        record = start_attempt(store, p, target, ctx.clock, force=force)
    except (WorkspaceError, StoreError) as exc:
        fail(str(exc))
    deadline = record["started_at"] + record["budget_s"]
    out = ctx.out
    out.print(f"[bold]{p.title}[/] - attempt {record['id']}")
    out.print(f"Workspace: {record['workspace']}")
    out.print(f"Budget {p.budget_minutes:g} min: the clock started at {local_time(record['started_at'])}, "
              f"deadline {local_time(deadline)}.")
    rel = os.path.relpath(record["workspace"])
    out.print("\nNext:")
    steps = [(f"cd {rel}", "read README.md, edit solution.py"),
             ("judge test", "run the public examples in the sandbox"),
             ("judge status", "time left"),
             ("judge submit", "grade against the hidden tests (once)")]
    width = max(len(command) for command, _ in steps) + 3
    for command, what in steps:
        out.print(f"  {command.ljust(width)}{what}")


@cli.command()
@WORKSPACE_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_ctx
def status(ctx: Context, directory: Path | None, as_json: bool) -> None:
    """Show the attempt's problem, elapsed time and time left."""
    from judge.attempt import clock_view
    from judge.report import format_clock

    store = ctx.store()
    _, record, warnings = workspace_attempt(ctx, store, directory)
    view = clock_view(record, ctx.clock())
    if as_json:
        click.echo(json.dumps({"attempt_id": record["id"], "problem": record["problem"], "status": record["status"],
                               "elapsed_s": round(view.elapsed_s, 1), "budget_s": view.budget_s,
                               "remaining_s": round(view.remaining_s, 1), "test_runs": record.get("test_runs", 0),
                               "warnings": warnings}, indent=2))
        return
    out = ctx.out
    out.print(f"[bold]{record['problem']}[/]  attempt {record['id']} ({record['status']})")
    left = (f"[red]over by {format_clock(-view.remaining_s)}[/]" if view.over
            else f"[green]{format_clock(view.remaining_s)} left[/]")
    out.print(f"Elapsed {format_clock(view.elapsed_s)} of {format_clock(view.budget_s)} - {left}")
    runs = record.get("public_results", [])
    if runs:
        last = runs[-1]
        out.print(f"Public examples run {len(runs)} time(s); last: {last['passed']}/{last['total']} passed")
    else:
        out.print("Public examples not run yet: judge test")
    if record["status"] == "submitted":
        out.print(f"Submitted: score {record['result']['percent']:g}%. See it again with: judge report {record['id']}")
    for w in warnings:
        out.print(f"[yellow]warning:[/] {w}")


@cli.command("test")
@WORKSPACE_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print JSON only.")
@BACKEND_OPTION
@pass_ctx
def test_cmd(ctx: Context, directory: Path | None, as_json: bool, backend: str) -> None:
    """Run the public examples against solution.py in the sandbox (the clock keeps running)."""
    from judge.attempt import clock_view
    from judge.report import Status
    from judge.store import AttemptLocked, write_json

    store = ctx.store()
    workspace, record, _ = workspace_attempt(ctx, store, directory)
    problem = attempt_problem(ctx, record)
    report = run_grade(ctx, problem, workspace, make_backend(backend, ctx), problem.limits, suite="public",
                       quiet=as_json)
    view = clock_view(record, ctx.clock())
    report = report.with_clock(record["id"], view.elapsed_s, view.budget_s)
    run = {"at": ctx.clock(), "passed": sum(t.status is Status.PASS for t in report.tests),
           "total": len(report.tests), "verdict": report.verdict.value}
    try:
        # Re-read under the lock: a `judge submit` that finished meanwhile must not be overwritten.
        with store.lock(record["id"]):
            fresh = store.load_record(record["id"])
            fresh.setdefault("public_results", []).append(run)
            fresh["test_runs"] = len(fresh["public_results"])
            write_json(store.attempt_dir(record["id"]) / "attempt.json", fresh)
    except AttemptLocked:
        ctx.err.print("note: this run was not added to the attempt's record (a `judge submit` is in progress)")
    emit(ctx, report, as_json)
    sys.exit(report.exit_code)


@cli.command()
@WORKSPACE_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON only.")
@BACKEND_OPTION
@pass_ctx
def submit(ctx: Context, directory: Path | None, as_json: bool, backend: str) -> None:
    """Grade solution.py against the hidden tests and close the attempt."""
    from judge.attempt import iso
    from judge.backends import SandboxUnavailable
    from judge.grading import grade, load_submission
    from judge.integrity import SubmissionError
    from judge.store import AttemptLocked

    submitted_at = ctx.clock()
    store = ctx.store()
    workspace, record, warnings = workspace_attempt(ctx, store, directory)
    if record["status"] == "submitted":
        fail(f"attempt {record['id']} was already submitted at {record.get('submitted_iso')}; "
             f"see it with `judge report {record['id']}`, or try again with `judge start {record['problem']} --force`")
    problem = attempt_problem(ctx, record)
    try:
        submission = load_submission(workspace)
    except SubmissionError as exc:
        fail(str(exc))
    try:
        with store.lock(record["id"]):
            record = store.load_record(record["id"])  # re-read under the lock
            if record["status"] == "submitted":
                fail(f"attempt {record['id']} was just submitted by another `judge submit`; "
                     f"see it with `judge report {record['id']}`")
            try:
                with spinner(ctx, "Grading in the sandbox...", enabled=not as_json):
                    report = grade(problem, submission, make_backend(backend, ctx), limits=problem.limits)
            except SandboxUnavailable as exc:
                fail(f"the judge could not grade: {exc}\nYour attempt is still open and its clock was not "
                     "reset: fix the problem above and run `judge submit` again.", EXIT_JUDGE)
            if report.exit_code == EXIT_JUDGE:
                emit(ctx, report, as_json)
                ctx.err.print("Your attempt is still open: run `judge submit` again once the judge is fixed.")
                sys.exit(EXIT_JUDGE)
            elapsed = submitted_at - float(record["started_at"])
            report = report.with_clock(record["id"], elapsed, float(record["budget_s"]))
            if warnings:
                from dataclasses import replace

                report = replace(report, warnings=report.warnings + tuple(warnings))
            store.save_report(record["id"], report.to_dict(), submission.source)
            record.update({"status": "submitted", "submitted_at": submitted_at, "submitted_iso": iso(submitted_at),
                           "elapsed_s": elapsed, "submission_sha256": submission.sha256,
                           "result": {k: report.to_dict()[k] for k in ("score", "max_score", "percent", "verdict")}})
            store.save_record(record)
    except AttemptLocked as exc:
        fail(str(exc))
    emit(ctx, report, as_json)
    if not as_json:
        ctx.out.print(f"Saved. Review it any time: judge report {record['id']} (--format html -o report.html)")
    sys.exit(report.exit_code)


@cli.command()
@click.argument("attempt_id", required=False)
@click.option("--last", is_flag=True, help="The most recent submitted attempt.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "html", "md", "junit"]), default="text",
              show_default=True)
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Write to FILE instead of the terminal.")
@click.option("--open", "open_it", is_flag=True, help="Open the written file in a browser.")
@pass_ctx
def report(ctx: Context, attempt_id: str | None, last: bool, fmt: str, output: Path | None, open_it: bool) -> None:
    """Show a saved report again, as text, JSON, HTML, Markdown or JUnit XML."""
    from judge.render import render
    from judge.report import Report
    from judge.store import StoreError, atomic_write

    store = ctx.store()
    if not attempt_id:
        submitted = [r for r in store.rows() if r["status"] == "submitted"]
        if not submitted:
            fail("no submitted attempts yet: `judge start PROBLEM`, then `judge submit`")
        attempt_id = submitted[0]["id"]
    try:
        data = store.load_report(attempt_id)
    except StoreError as exc:
        fail(str(exc))
    rep = Report.from_dict(data)
    if open_it and output is None:
        # --open wants a file a browser shows: HTML unless a file format was named, kept beside the attempt.
        fmt = "html" if fmt == "text" else fmt
        output = store.attempt_dir(attempt_id) / ("report." + ("xml" if fmt == "junit" else fmt))
    if fmt == "text" and output is None:
        from judge.render.text import print_report

        print_report(ctx.out, rep)
        return
    text = render(rep, fmt, store.snapshot(attempt_id))
    if output is None:
        click.echo(text, nl=False)
        return
    try:
        atomic_write(output, text.encode("utf-8"))
    except OSError as exc:
        fail(f"cannot write {output}: {exc.strerror or exc}; choose another file with -o")
    ctx.err.print(f"wrote {output}")
    if open_it:
        import webbrowser

        uri = output.resolve().as_uri()
        if not webbrowser.open(uri):
            ctx.err.print(f"no browser found here: open {uri} yourself")


@cli.command()
@click.option("--problem", "problem_slug", help="Only this problem.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--format", "fmt", type=click.Choice(["text", "html"]), default="text", show_default=True)
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Write to FILE (with --format html).")
@pass_ctx
def history(ctx: Context, problem_slug: str | None, as_json: bool, fmt: str, output: Path | None) -> None:
    """Every attempt, newest first, with the best score and trend per problem."""
    from rich.table import Table

    from judge.report import budget_line
    from judge.store import atomic_write

    store = ctx.store()
    rows = store.rows(problem_slug)
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    if fmt == "html":
        from judge.render.html import history_html

        text = history_html(rows)
        if output is None:
            click.echo(text, nl=False)
            return
        try:
            atomic_write(output, text.encode("utf-8"))
        except OSError as exc:
            fail(f"cannot write {output}: {exc.strerror or exc}; choose another file with -o")
        ctx.err.print(f"wrote {output}")
        return
    if not rows:
        ctx.out.print("No attempts yet. Start one with: judge start PROBLEM")
        return
    from datetime import datetime

    table = Table(header_style="bold")
    for column in ("Date", "Problem", "Score", "Time", "Verdict", "Attempt"):
        table.add_column(column)
    for r in rows:
        when = datetime.fromtimestamp(r["started_at"]).strftime("%Y-%m-%d %H:%M")
        score = f"{r['percent']:g}%" if r["percent"] is not None else "-"
        timing = budget_line(r["elapsed_s"], r["budget_s"]) if r["elapsed_s"] is not None else r["status"]
        table.add_row(when, r["problem"], score, timing, r["verdict"] or "-", r["id"])
    ctx.out.print(table)
    by_problem: dict[str, list[float]] = {}
    for r in reversed(rows):
        if r["percent"] is not None:
            by_problem.setdefault(r["problem"], []).append(r["percent"])
    for slug, scores in sorted(by_problem.items()):
        trend = " -> ".join(f"{s:g}" for s in scores[-6:])
        ctx.out.print(f"{slug}: best {max(scores):g}%, trend {trend}")


@cli.command("run", context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False})
@WORKSPACE_OPTION
@click.argument("command", nargs=-1, type=click.UNPROCESSED)
@pass_ctx
def run_cmd(ctx: Context, directory: Path | None, command: tuple[str, ...]) -> None:
    """Open the grading environment on the workspace: Python, or COMMAND (e.g. -- python solution.py).

    The workspace is mounted at /work; networking is off; you get exactly the grader's libraries and model.
    """
    from judge.backends import SandboxUnavailable
    from judge.backends.docker import DockerBackend, api_client

    store = ctx.store()
    workspace, record, _ = workspace_attempt(ctx, store, directory)
    backend = DockerBackend()
    try:
        backend.ensure_image(api_client())
    except SandboxUnavailable as exc:
        fail(f"cannot open the sandbox: {exc}", EXIT_JUDGE)
    interactive = sys.stdin.isatty()
    args = ["docker", "run", "--rm", "-i", *(["-t"] if interactive else []), "--network", "none",
            "--read-only", "--tmpfs", "/tmp:size=256m", "--label", "ml-judge=run",
            "--user", f"{os.getuid()}:{os.getgid()}", "-e", "HOME=/tmp", "-e", "JUDGE_DATA_DIR=/work",
            "-e", "PYTHONPATH=/work", "-v", f"{workspace}:/work", "-w", "/work", "--memory",
            str(record.get("limits", {}).get("memory_bytes", 2 * 1024**3)), backend.image,
            *(command or ("python",))]
    import subprocess  # here, not at the top: only `judge run` needs it, and start-up time counts

    sys.exit(subprocess.call(args))


# -- grading without a clock -----------------------------------------------------------------------

@cli.command()
@click.option("--problem", "problem_name", required=True, help="Problem slug or folder.")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print JSON only.")
@BACKEND_OPTION
@click.option("--timeout", type=float, help="Overall time limit in seconds (default: the problem's).")
@click.option("--memory", help="Memory limit, e.g. 2g or 512m (default: the problem's).")
@click.option("--suite", type=click.Choice(["hidden", "public"]), default="hidden", show_default=True)
@click.option("--jobs", "-j", type=int, default=None, help="Batch: sandboxes at once (default: CPU cores).")
@click.option("--out", "out_dir", type=click.Path(path_type=Path), help="Batch: write summaries and reports here.")
@click.option("--force", is_flag=True, help="Batch: grade again what was already graded.")
@pass_ctx
def grade(ctx: Context, problem_name: str, paths: tuple[Path, ...], as_json: bool, backend: str,
          timeout: float | None, memory: str | None, suite: str, jobs: int | None, out_dir: Path | None,
          force: bool) -> None:
    """Grade submissions (solution.py files, folders, folders of folders, zips) with no clock."""
    problem = ctx.problem(problem_name)
    limits = limits_for(problem, timeout, memory)
    single = len(paths) == 1 and out_dir is None and jobs is None and (
        paths[0].suffix == ".py" or (paths[0] / "solution.py").is_file())
    if not single:
        from judge.batch import run_batch_cli

        sys.exit(run_batch_cli(ctx, problem, list(paths), limits, backend, jobs, out_dir, force, as_json,
                               suite=suite))
    if not paths[0].exists():
        fail(f"{paths[0]} does not exist; pass a solution.py file or a folder that holds one")
    report = run_grade(ctx, problem, paths[0], make_backend(backend, ctx), limits, suite=suite, quiet=as_json)
    emit(ctx, report, as_json)
    sys.exit(report.exit_code)


# -- the sandbox image -----------------------------------------------------------------------------

@cli.group()
def sandbox() -> None:
    """Build, inspect and clean up the grading sandbox image."""


@sandbox.command("build")
@click.option("--base-image", default=None, help="Base image (default python:3.11-slim, or $BASE_IMAGE).")
@click.option("--offline-base", is_flag=True, help="Make the base from Debian packages with debootstrap.")
@click.option("--wheelhouse", type=click.Path(path_type=Path), help="Install from this folder of wheels.")
@click.option("--force", is_flag=True, help="Rebuild even if the image for this code exists.")
@click.option("--no-cache", is_flag=True, help="Do not reuse Docker's layer cache (a truly cold build).")
@pass_ctx
def sandbox_build(ctx: Context, base_image: str | None, offline_base: bool, wheelhouse: Path | None,
                  force: bool, no_cache: bool) -> None:
    """Build the sandbox image for this version of the judge (no-op when it is current)."""
    from judge.backends import SandboxUnavailable
    from judge.backends.docker import api_client
    from judge.image import DEFAULT_BASE, BuildError, build
    from judge.limits import format_size

    try:
        api = api_client(timeout=600)
    except SandboxUnavailable as exc:
        fail(str(exc), EXIT_JUDGE)
    err = ctx.err
    started = time.monotonic()

    def progress(line: str) -> None:
        from rich.text import Text

        # Build output is not markup: ":x:" in a passwd line must not become an emoji.
        err.print(Text(f"{time.monotonic() - started:6.1f}s ", style="dim") + Text(line), emoji=False)

    try:
        result = build(api, base_image=base_image or os.environ.get("BASE_IMAGE") or DEFAULT_BASE,
                       offline_base=offline_base, wheelhouse=wheelhouse, force=force, no_cache=no_cache,
                       progress=progress)
    except BuildError as exc:
        fail(str(exc), EXIT_JUDGE)
    if result.built:
        ctx.out.print(f"Built {result.tag} on {result.base} in {result.seconds:.0f} s "
                      f"({format_size(result.size_bytes)}).")
    else:
        ctx.out.print(f"{result.tag} is current ({format_size(result.size_bytes)}); nothing to build "
                      f"({result.seconds:.1f} s).")


@sandbox.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_ctx
def sandbox_status(ctx: Context, as_json: bool) -> None:
    """Is the engine reachable, and is the image for this code present?"""
    from judge.backends import SandboxUnavailable
    from judge.backends.docker import api_client
    from judge.image import expected_tag, image_exists, list_images
    from judge.limits import format_size

    tag = expected_tag()
    try:
        api = api_client()
    except SandboxUnavailable as exc:
        if as_json:
            click.echo(json.dumps({"engine": False, "image": tag, "present": False}))
        else:
            ctx.out.print(f"[red]engine:[/] {exc}")
        sys.exit(EXIT_JUDGE)
    present = image_exists(api, tag)
    info = api.inspect_image(tag) if present else {}
    others = [t for i in list_images(api) for t in (i.get("RepoTags") or []) if t != tag]
    data = {"engine": True, "engine_version": api.version().get("Version"), "image": tag, "present": present,
            "size_bytes": info.get("Size"), "created": info.get("Created"), "other_images": others}
    if as_json:
        click.echo(json.dumps(data, indent=2))
    else:
        ctx.out.print(f"engine: reachable (Docker {data['engine_version']})")
        if present:
            size = format_size(int(info.get("Size", 0)))
            ctx.out.print(f"image:  {tag} present, {size}, built {info.get('Created', '')[:19]}")
        else:
            ctx.out.print(f"image:  [red]{tag} missing[/] - build it with: judge sandbox build")
        if others:
            ctx.out.print(f"older images: {', '.join(others)} (remove with: judge sandbox prune)")
    sys.exit(EXIT_PASSED if present else EXIT_JUDGE)


@sandbox.command("prune")
@pass_ctx
def sandbox_prune(ctx: Context) -> None:
    """Remove leftover ml-judge containers and sandbox images of older versions."""
    from judge.backends import SandboxUnavailable
    from judge.backends.docker import api_client
    from judge.image import prune

    try:
        containers, images = prune(api_client())
    except SandboxUnavailable as exc:
        fail(str(exc), EXIT_JUDGE)
    ctx.out.print(f"Removed {len(containers)} container(s) and {len(images)} old image(s).")


@cli.command()
@pass_ctx
def doctor(ctx: Context) -> None:
    """Check that everything needed to grade is ready, and say how to fix what is not."""
    from judge.backends.docker import api_client
    from judge.doctor import ready, run_checks
    from judge.image import expected_tag
    from judge.paths import data_home

    checks = run_checks(api_client, expected_tag(), data_home(), ctx.problems)
    for check in checks:
        mark = "[green]ok[/]  " if check.ok else ("[red]FAIL[/]" if check.required else "[yellow]warn[/]")
        ctx.out.print(f"{mark} {check.name}: {check.detail}")
        if not check.ok and check.fix:
            ctx.out.print(f"       fix: {check.fix}")
    if ready(checks):
        ctx.out.print("[green]Ready to grade.[/]")
        sys.exit(EXIT_PASSED)
    ctx.out.print("[red]Not ready to grade[/]: fix the lines marked FAIL.")
    sys.exit(EXIT_JUDGE)


# -- problem authoring -----------------------------------------------------------------------------

@cli.group()
def problem() -> None:
    """Create and validate problems."""


@problem.command("new")
@click.argument("slug")
@click.option("--dir", "directory", type=click.Path(path_type=Path), help="Parent folder (default: here).")
@pass_ctx
def problem_new(ctx: Context, slug: str, directory: Path | None) -> None:
    """Scaffold a valid problem folder to fill in."""
    from judge.scaffold import ScaffoldError, scaffold

    try:
        root = scaffold(slug, directory or Path.cwd())
    except ScaffoldError as exc:
        fail(str(exc))
    ctx.out.print(f"Created {root}. Fill in statement.md, starter/, reference/, hidden_tests/, then run:\n"
                  f"  judge problem validate {root}")


@problem.command("validate")
@click.argument("target", required=False)
@click.option("--all", "all_problems", is_flag=True, help="Every problem on the search path.")
@click.option("--mutants", type=int, default=20, show_default=True, help="Mutants to grade (0: skip).")
@click.option("--min-mutation-score", type=float, default=80.0, show_default=True,
              help="Fail below this mutation score (percent; mutants marked equivalent do not count).")
@click.option("--seed", type=int, default=0, show_default=True, help="Which mutants are chosen.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON only.")
@BACKEND_OPTION
@pass_ctx
def problem_validate(ctx: Context, target: str | None, all_problems: bool, mutants: int,
                     min_mutation_score: float, seed: int, as_json: bool, backend: str) -> None:
    """Prove a problem's hidden tests are sound (reference 100%, starter 0, mutants caught, ...).

    Exit 0 when every check passes, 1 when one fails, 3 when the judge could not grade.
    """
    from judge.validate import validate_cli

    if not target and not all_problems:
        fail("name a problem (slug or folder) or pass --all")
    if target and all_problems:
        fail("name a problem or pass --all, not both")
    sys.exit(validate_cli(ctx, target, all_problems, mutants, as_json, backend,
                          min_mutation_score=min_mutation_score, seed=seed))


def main() -> None:
    """Entry point: run the CLI, turning expected failures into one clear line and an exit code."""
    import signal

    def on_term(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    try:
        code = cli.main(standalone_mode=False, prog_name="judge")
        # Without standalone mode click returns ctx.exit()'s code instead of exiting with it.
        sys.exit(code if isinstance(code, int) else EXIT_PASSED)
    except click.exceptions.Abort:
        click.echo("interrupted", err=True)
        sys.exit(130)
    except KeyboardInterrupt:
        click.echo("\ninterrupted: nothing was saved for the run in progress; its sandbox was removed", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(EXIT_USAGE)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)


__all__ = ["EXIT_FAILED", "Context", "cli", "main"]
