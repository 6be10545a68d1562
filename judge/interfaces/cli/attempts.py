"""The attempt loop: `judge start`, `status`, `test`, `submit`, `report`, `history`, `run`."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from judge.interfaces.cli.app import cli
from judge.interfaces.cli.context import (
    BACKEND_OPTION,
    EXIT_JUDGE,
    WORKSPACE_OPTION,
    Context,
    attempt_problem,
    emit,
    exit_code_for,
    fail,
    make_backend,
    pass_ctx,
    run_grade,
    spinner,
    workspace_attempt,
)


@cli.command()
@click.argument("problem")
@click.option("--dir", "directory", type=click.Path(path_type=Path), help="Workspace folder (default ./PROBLEM).")
@click.option("--force", is_flag=True, help="Replace an existing workspace of an earlier attempt.")
@pass_ctx
def start(ctx: Context, problem: str, directory: Path | None, force: bool) -> None:
    """Begin a timed attempt: create the workspace and start the clock."""
    from judge.services.attempts import WorkspaceError, local_time
    from judge.services.attempts import start as start_attempt
    from judge.store.index import StoreError

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
    from judge.model.report import format_clock
    from judge.services.attempts import clock_view

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
    from judge.model.report import Status
    from judge.services.attempts import clock_view, record_public_run

    store = ctx.store()
    workspace, record, _ = workspace_attempt(ctx, store, directory)
    problem = attempt_problem(ctx, record)
    report = run_grade(ctx, problem, workspace, make_backend(backend, ctx, problem), problem.limits, suite="public",
                       quiet=as_json)
    view = clock_view(record, ctx.clock())
    report = report.with_clock(record["id"], view.elapsed_s, view.budget_s)
    run = {"at": ctx.clock(), "passed": sum(t.status is Status.PASS for t in report.tests),
           "total": len(report.tests), "verdict": report.verdict.value}
    if not record_public_run(store, record["id"], run):
        ctx.err.print("note: this run was not added to the attempt's record (a `judge submit` is in progress)")
    emit(ctx, report, as_json)
    sys.exit(exit_code_for(report.status))


@cli.command()
@WORKSPACE_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON only.")
@BACKEND_OPTION
@pass_ctx
def submit(ctx: Context, directory: Path | None, as_json: bool, backend: str) -> None:
    """Grade solution.py against the hidden tests and close the attempt."""
    from judge.backends import SandboxUnavailable
    from judge.grading import load_submission
    from judge.grading.integrity import SubmissionError
    from judge.model.outcomes import Verdict
    from judge.services.attempts import AttemptClosed
    from judge.services.attempts import submit as submit_attempt
    from judge.store.index import AttemptLocked

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
        with spinner(ctx, "Grading in the sandbox...", enabled=not as_json):
            engine = make_backend(backend, ctx, problem)
            report = submit_attempt(store, record, problem, submission, engine, submitted_at, warnings)
    except SandboxUnavailable as exc:
        fail(f"the judge could not grade: {exc}\nYour attempt is still open and its clock was not "
             "reset: fix the problem above and run `judge submit` again.", EXIT_JUDGE)
    except (AttemptClosed, AttemptLocked) as exc:
        fail(str(exc))
    if report.verdict is Verdict.SANDBOX_ERROR:
        emit(ctx, report, as_json)
        ctx.err.print("Your attempt is still open: run `judge submit` again once the judge is fixed.")
        sys.exit(EXIT_JUDGE)
    emit(ctx, report, as_json)
    if not as_json:
        ctx.out.print(f"Saved. Review it any time: judge report {record['id']} (--format html -o report.html)")
    sys.exit(exit_code_for(report.status))


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
    from judge.model.report import Report
    from judge.render import render
    from judge.store.files import atomic_write
    from judge.store.index import StoreError

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

    from judge.model.report import budget_line
    from judge.store.files import atomic_write

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
    from judge.backends.docker import DockerBackend

    store = ctx.store()
    workspace, record, _ = workspace_attempt(ctx, store, directory)
    problem = attempt_problem(ctx, record)
    try:
        code = DockerBackend().run_interactive(workspace, command or ("python",), problem.limits,
                                               tty=sys.stdin.isatty())
    except SandboxUnavailable as exc:
        fail(f"cannot open the sandbox: {exc}", EXIT_JUDGE)
    sys.exit(code)
