"""The attempt loop: `judge start`, `status`, `test`, `submit`, `retry`, `abandon`, `report`, `history`, `run`."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from judge.interfaces.cli.app import cli
from judge.interfaces.cli.context import (
    BACKEND_OPTION,
    EXIT_JUDGE,
    EXIT_PASSED,
    WORKSPACE_OPTION,
    Context,
    attempt_problem,
    emit,
    exit_code_for,
    fail,
    interactive,
    json_option,
    make_backend,
    pass_ctx,
    run_grade,
    spinner,
    stdout_is_terminal,
    workspace_attempt,
    write_out,
)

if TYPE_CHECKING:
    from judge.problems.catalog import Problem
    from judge.store.index import Store


def grader_versions_line() -> str:
    """The grader's versions if they were read before (never starts a container); "" otherwise."""
    from judge.services.environment import cached_versions, versions_line

    try:
        known = cached_versions()
    except OSError:
        return ""
    return versions_line(known) if known else ""


def print_started(ctx: Context, problem: Problem, record: dict[str, Any], note: str = "") -> None:
    """What `judge start` and `judge retry` say: the attempt, the deadline, the next commands."""
    from judge.services.attempts import local_time

    deadline = record["started_at"] + record["budget_s"]
    out = ctx.out
    out.print(f"[bold]{problem.title}[/]")
    out.print(f"Attempt {record['id']} in {record['workspace']}")
    if note:
        out.print(note)
    out.print(f"Budget {problem.budget_minutes:g} min: started {local_time(record['started_at'])}, "
              f"deadline {local_time(deadline)}.")
    rel = os.path.relpath(record["workspace"])
    steps = [*([(f"cd {rel}", "read README.md, edit solution.py")] if rel != "." else
               [("", "read README.md, edit solution.py")]),
             ("judge test", "run the public examples"),
             ("judge status", "time left"),
             ("judge submit", "grade the hidden tests (once)")]
    out.print("\nNext:")
    width = max(len(command) for command, _ in steps) + 2
    for command, what in steps:
        out.print(f"  {command.ljust(width)}{what}" if command else f"  {what}")


@cli.command()
@click.argument("problem", required=False)
@click.option("--dir", "directory", type=click.Path(path_type=Path), help="Workspace folder (default ./PROBLEM).")
@click.option("--force", is_flag=True,
              help="Replace an earlier attempt's workspace with a fresh starter (its solution.py is kept as "
                   "solution.prev.py).")
@click.option("--server", help="An interviewer's judge server (with --invite): the clock and the hidden tests "
              "stay there.")
@click.option("--invite", "code", help="Your one-time invitation code (with --server).")
@pass_ctx
def start(ctx: Context, problem: str | None, directory: Path | None, force: bool, server: str | None,
          code: str | None) -> None:
    """Begin a timed attempt: create the workspace and start the clock.

    \b
    judge start rag-pipeline                          practice, on this machine
    judge start --server URL --invite CODE            an interview: the server keeps the clock
    """
    if server or code:
        if not (server and code):
            fail("an interview needs both --server URL and --invite CODE (from your interviewer's message)")
        from judge.interfaces.cli import remote

        remote.start(ctx, server, code, directory)
        return
    if not problem:
        fail("name a problem (see `judge list`), or join an interview with --server URL --invite CODE")
    from judge.services.attempts import WorkspaceError
    from judge.services.attempts import start as start_attempt
    from judge.store.index import StoreError

    p = ctx.problem(problem)
    target = directory or Path.cwd() / p.slug
    store = ctx.store()
    try:
        record = start_attempt(store, p, target, ctx.clock, force=force, versions=grader_versions_line())
    except (WorkspaceError, StoreError) as exc:
        fail(str(exc))
    kept = Path(record["workspace"]) / "solution.prev.py"
    notes = [f"Your earlier solution.py is kept as {kept.name}." if kept.exists() else "", carried_note(record)]
    print_started(ctx, p, record, "\n".join(n for n in notes if n))


def closed_lines(record: dict[str, Any]) -> list[str]:
    """What `judge status` says of a closed attempt: when and how it closed, its score, what to run next."""
    from judge.model.report import format_clock
    from judge.services.attempts import local_time

    budget = format_clock(float(record["budget_s"]))
    if record["status"] == "submitted":
        result = record.get("result") or {}
        elapsed = format_clock(float(record.get("elapsed_s") or 0.0))
        return [f"Closed: submitted at {local_time(float(record['submitted_at']))}, after {elapsed} of {budget}.",
                f"Score {result.get('score')}/{result.get('max_score')} ({result.get('percent', 0):g}%), "
                f"{result.get('verdict')}.",
                f"Report: judge report {record['id']}",
                "Try again here with your code: judge retry"]
    at = float(record.get("abandoned_at") or record["started_at"])
    return [f"Closed: abandoned at {local_time(at)}, not graded.",
            "Try again here with your code: judge retry"]


@cli.command()
@WORKSPACE_OPTION
@json_option("Print JSON.")
@pass_ctx
def status(ctx: Context, directory: Path | None, as_json: bool) -> None:
    """Show the attempt's problem, elapsed time and time left (or, once closed, how it ended)."""
    from judge.interfaces.cli import remote

    found = remote.remote_pointer(directory)
    if found:
        remote.status(ctx, *found, as_json)
        return
    from judge.model.report import format_clock
    from judge.services.attempts import clock_view

    store = ctx.store()
    _, record, warnings = workspace_attempt(ctx, store, directory)
    view = clock_view(record, ctx.clock())
    is_open = record["status"] == "open"
    if as_json:
        click.echo(json.dumps({"attempt_id": record["id"], "problem": record["problem"], "status": record["status"],
                               "closed": not is_open, "elapsed_s": round(view.elapsed_s, 1),
                               "budget_s": view.budget_s,
                               "remaining_s": round(view.remaining_s, 1) if is_open else None,
                               "result": record.get("result"), "test_runs": record.get("test_runs", 0),
                               "warnings": warnings}, indent=2))
        return
    out = ctx.out
    out.print(f"[bold]{record['problem']}[/]  attempt {record['id']} ({record['status']})")
    if is_open:
        left = (f"[red]over by {format_clock(-view.remaining_s)}[/]" if view.over
                else f"[green]{format_clock(view.remaining_s)} left[/]")
        out.print(f"Elapsed {format_clock(view.elapsed_s)} of {format_clock(view.budget_s)} - {left}")
    runs = record.get("public_results", [])
    if runs:
        last = runs[-1]
        out.print(f"Public examples run {len(runs)} time(s); last: {last['passed']}/{last['total']} passed")
    elif is_open:
        out.print("Public examples not run yet: judge test")
    if not is_open:
        for line in closed_lines(record):
            out.print(line)
    for w in warnings:
        out.print(f"[yellow]warning:[/] {w}")


@cli.command("test")
@WORKSPACE_OPTION
@json_option("Print JSON only.")
@BACKEND_OPTION
@pass_ctx
def test_cmd(ctx: Context, directory: Path | None, as_json: bool, backend: str) -> None:
    """Run the public examples against solution.py in the sandbox (the clock keeps running)."""
    from judge.interfaces.cli import remote

    found = remote.remote_pointer(directory)
    if found:
        remote.test(ctx, *found, as_json, backend)
        return
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


def _refused(reason: str, record: dict[str, Any], now: float) -> str:
    from judge.interfaces.cli.context import time_left_text
    from judge.services.attempts import clock_view

    clock = time_left_text(clock_view(record, now).remaining_s)
    return (f"not submitted: {reason}\nYour attempt is still open; its clock is running ({clock}).\n"
            "Fix it and run `judge submit` again (or submit as is: --force).")


def confirm_submit(ctx: Context, record: dict[str, Any], public_line: str, failing: list[str]) -> bool:
    """The one-screen summary before the only submission, and the question; True to submit."""
    from judge.interfaces.cli.context import confirm_summary
    from judge.services.attempts import clock_view

    view = clock_view(record, ctx.clock())
    return confirm_summary(ctx, f"[bold]Submit {record['problem']}[/] (attempt {record['id']})", view.elapsed_s,
                           view.budget_s, public_line, failing, "This grades the hidden tests once and closes the "
                           "attempt.")


@cli.command()
@WORKSPACE_OPTION
@json_option("Print the report as JSON only.")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@click.option("--force", is_flag=True, help="Submit even when the pre-checks say it cannot be graded "
                                            "(does not compile, fails to import, untouched starter).")
@BACKEND_OPTION
@pass_ctx
def submit(ctx: Context, directory: Path | None, as_json: bool, yes: bool, force: bool, backend: str) -> None:
    """Grade solution.py against the hidden tests and close the attempt (on the server, for an interview).

    First, without spending the attempt: solution.py must compile, import, and not be the untouched
    starter, and the public examples are run. In a terminal you then see a summary and confirm.
    """
    from judge.interfaces.cli import remote

    found = remote.remote_pointer(directory)
    if found:
        remote.submit(ctx, *found, as_json, yes=yes, force=force)
        return
    from judge.backends import SandboxUnavailable
    from judge.grading.integrity import SubmissionError
    from judge.model.outcomes import Verdict
    from judge.model.report import Status
    from judge.services.attempts import AttemptClosed
    from judge.services.attempts import submit as submit_attempt
    from judge.services.intake import load as load_submission
    from judge.services.precheck import precheck
    from judge.store.index import AttemptLocked

    submitted_at = ctx.clock()
    store = ctx.store()
    workspace, record, warnings = workspace_attempt(ctx, store, directory)
    if record["status"] == "submitted":
        from judge.services.attempts import local_time

        fail(f"attempt {record['id']} was already submitted (at {local_time(float(record['submitted_at']))}). "
             f"See it: `judge report {record['id']}`. Try again keeping your code: `judge retry`")
    if record["status"] != "open":
        fail(f"attempt {record['id']} was {record['status']}; start a new attempt here keeping your code: "
             "`judge retry`")
    problem = attempt_problem(ctx, record)
    try:
        submission = load_submission(workspace)
    except SubmissionError as exc:
        fail(str(exc))
    engine = make_backend(backend, ctx, problem)
    public_line, failing = "not checked (--force)", []
    if not force:
        try:
            with spinner(ctx, "Checking solution.py and running the public examples...", enabled=not as_json):
                checked = precheck(problem, submission, engine)
        except SandboxUnavailable as exc:
            fail(f"the judge could not check your solution: {exc}\nYour attempt is still open and its clock was "
                 "not reset: fix the problem above and run `judge submit` again.", EXIT_JUDGE)
        if checked.judge_error:
            fail(f"the judge could not run the public examples: {checked.judge_error}\nYour attempt is still "
                 "open: run `judge submit` again once the judge is fixed (`judge doctor`).", EXIT_JUDGE)
        if checked.refusal:
            fail(_refused(checked.refusal, record, ctx.clock()))
        public_line = checked.public_line
        if checked.public is not None:
            failing = [t.name for t in checked.public.tests if t.status is not Status.PASS]
    if interactive() and not yes and not as_json:
        asked = ctx.clock()
        if not confirm_submit(ctx, record, public_line, failing):
            ctx.out.print("Not submitted. Your attempt is still open and its clock is running.")
            sys.exit(EXIT_PASSED)
        # The judge's own checking time is not the candidate's; the time they took to decide is.
        submitted_at += ctx.clock() - asked
    try:
        with spinner(ctx, "Grading in the sandbox...", enabled=not as_json):
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
        ctx.out.print(f"Saved. See it again: judge report {record['id']}")
    sys.exit(exit_code_for(report.status))


@cli.command()
@WORKSPACE_OPTION
@click.option("--fresh", is_flag=True, help="Start from the starter solution.py (yours is kept as "
                                            "solution.prev.py).")
@pass_ctx
def retry(ctx: Context, directory: Path | None, fresh: bool) -> None:
    """A new attempt at the same problem in this workspace, with a fresh clock; your solution.py is kept.

    An attempt still open is closed first (abandoned).
    """
    from judge.services.attempts import WorkspaceError
    from judge.services.attempts import retry as retry_attempt
    from judge.store.index import StoreError

    store = ctx.store()
    workspace, record, _ = workspace_attempt(ctx, store, directory, "retry")
    problem = attempt_problem(ctx, record)
    try:
        new, abandoned = retry_attempt(store, record, problem, workspace, ctx.clock, fresh=fresh,
                                       versions=grader_versions_line())
    except (WorkspaceError, StoreError) as exc:
        fail(str(exc))
    notes = []
    if abandoned:
        notes.append(f"Attempt {record['id']} was still open: it is now closed (abandoned).")
    notes.append("solution.py is the starter again; yours is in solution.prev.py." if fresh
                 else "Your solution.py is kept.")
    notes.append(carried_note(new))
    print_started(ctx, problem, new, "\n".join(n for n in notes if n))


def carried_note(record: dict[str, Any]) -> str:
    """What `judge start` and `judge retry` say of the help a new attempt carries from an earlier one ("" for
    none)."""
    carried = record.get("carried") or {}
    if not (carried.get("model_answer") or carried.get("hints")):
        return ""
    said = [f"{carried['hints']} hint(s) seen"] if carried.get("hints") else []
    said += ["the model answer read"] if carried.get("model_answer") else []
    return (f"Carried from attempt {carried.get('from')}: {' and '.join(said)}; this attempt's report and "
            "history say so" + (" (and it does not count as a best score)." if carried.get("model_answer") else "."))


@cli.command()
@click.argument("attempt", required=False)
@WORKSPACE_OPTION
@pass_ctx
def abandon(ctx: Context, attempt: str | None, directory: Path | None) -> None:
    """Close an open attempt without submitting it (this workspace's, or ATTEMPT: an id or its prefix)."""
    from judge.interfaces.cli.remote import interview_only, remote_pointer
    from judge.services.attempts import WorkspaceError, close_attempt
    from judge.store.index import StoreError

    found = remote_pointer(directory)
    if found is not None and attempt in (None, found[1].get("attempt_id")):
        fail(interview_only(found[1], "abandon"))
    store = ctx.store()
    if attempt:
        attempt_id = resolve_attempt(ctx, store, attempt, submitted_only=False)
    else:
        attempt_id = workspace_attempt(ctx, store, directory, "abandon")[1]["id"]
    try:
        close_attempt(store, attempt_id, ctx.clock())
    except (WorkspaceError, StoreError) as exc:
        fail(str(exc))
    ctx.out.print(f"Attempt {attempt_id} is closed (abandoned, not graded). In its workspace, `judge retry` "
                  "starts a new attempt with your code.")


def resolve_attempt(ctx: Context, store: Store, ref: str, submitted_only: bool = True) -> str:
    """The attempt ``ref`` names: a whole id, a problem (its latest submitted attempt, or latest at all
    when not ``submitted_only``), or a prefix only one id has."""
    from judge.store.index import StoreError

    ids = store.ids()
    if ref in ids:
        return ref
    rows = store.rows(ref)
    if rows:
        chosen = [r for r in rows if r["status"] == "submitted"] if submitted_only else rows
        if not chosen:
            fail(f"no submitted attempt of {ref} yet ({len(rows)} open or abandoned); `judge history --problem "
                 f"{ref}` lists them")
        return str(chosen[0]["id"])
    try:
        return store.resolve(ref)
    except StoreError as exc:
        fail(str(exc))


@cli.command()
@click.argument("attempt", required=False)
@click.option("--last", is_flag=True, help="The most recent submitted attempt (the default).")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "html", "md", "junit"]), default="text",
              show_default=True)
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Write to FILE instead of the terminal.")
@click.option("--open", "open_it", is_flag=True, help="Open the written file in a browser.")
@click.option("--all", "show_all", is_flag=True, help="Text: list the passing tests too.")
@click.option("--server", help="An interview on your judge server (with ATTEMPT, an att_... id from `judge results`; "
              "the token in JUDGE_SERVER_TOKEN): every submission's full report and code, the timeline and the "
              "editorial's notes for the interviewer. Text or JSON.")
@pass_ctx
def report(ctx: Context, attempt: str | None, last: bool, fmt: str, output: Path | None, open_it: bool,
           show_all: bool, server: str | None) -> None:
    """Show a saved report again, as text, JSON, HTML, Markdown or JUnit XML.

    ATTEMPT is an attempt id, any prefix only it has, or a problem (its latest submitted attempt); without
    it, the latest submitted attempt. The HTML page holds the model answer and the editorial, unless an
    attempt at the problem is open. With --server URL ATTEMPT: an interview's attempt, for its interviewer.
    """
    from judge.interfaces.cli.teach import report_model_answer
    from judge.model.report import Report
    from judge.render import render
    from judge.store.index import StoreError

    if server:
        from judge.interfaces.cli.server import server_report

        if not attempt or last:
            fail("--server needs the attempt's id: judge report --server URL att_... (`judge results` lists them)")
        if fmt not in ("text", "json") or open_it:
            fail("with --server, the report is text or JSON (--format json); the dashboard's attempt page is the "
                 "HTML one")
        server_report(ctx, server, attempt, fmt, output)
        return
    store = ctx.store()
    if attempt and last:
        fail("name an attempt or pass --last, not both")
    if attempt:
        attempt_id = resolve_attempt(ctx, store, attempt)
    else:
        submitted = [r for r in store.rows() if r["status"] == "submitted"]
        if not submitted:
            fail("no submitted attempts yet: `judge start PROBLEM`, then `judge submit`")
        attempt_id = submitted[0]["id"]
    try:
        data = store.load_report(attempt_id)
    except StoreError as exc:
        fail(str(exc))
    rep = Report.from_dict(data)
    if fmt == "html" and output is None and not open_it and stdout_is_terminal():
        # A page is for a browser, not 50 KB of markup in a terminal: keep it beside the attempt and say where.
        output = store.attempt_dir(attempt_id) / "report.html"
        ctx.err.print(f"an HTML page is for a browser: written to a file (open it with `judge report {attempt_id} "
                      "--open`; `-o FILE` chooses the file, `| cat` prints it)")
    if open_it and output is None:
        # --open wants a file a browser shows: HTML unless a file format was named, kept beside the attempt.
        fmt = "html" if fmt == "text" else fmt
        output = store.attempt_dir(attempt_id) / ("report." + ("xml" if fmt == "junit" else fmt))
    if fmt == "text" and output is None:
        from judge.render.text import print_report

        print_report(ctx.out, rep, show_all)
        return
    model = report_model_answer(ctx, store, rep, fmt)
    write_out(ctx, render(rep, fmt, store.snapshot(attempt_id), model=model, show_all=show_all), output)
    if output is not None and open_it:
        import webbrowser

        uri = output.resolve().as_uri()
        if not webbrowser.open(uri):
            ctx.err.print(f"no browser found here: open {uri} yourself")


def report_pages(store: Store, rows: list[dict[str, Any]]) -> dict[str, str]:
    """Each submitted attempt's report page (written beside it when missing or older than its report), as
    ``{attempt id: file URI}``, for the history page's links."""
    from judge.model.report import Report
    from judge.render import render
    from judge.store.files import atomic_write
    from judge.store.index import StoreError

    links: dict[str, str] = {}
    for row in rows:
        if row["status"] != "submitted":
            continue
        folder = store.attempt_dir(row["id"])
        page, source = folder / "report.html", folder / "report.json"
        try:
            if not page.exists() or page.stat().st_mtime < source.stat().st_mtime:
                rep = Report.from_dict(store.load_report(row["id"]))
                atomic_write(page, render(rep, "html", store.snapshot(row["id"])).encode("utf-8"))
        except (OSError, StoreError, ValueError, KeyError):
            continue  # a damaged report: its row stays, without a link
        links[row["id"]] = page.resolve().as_uri()
    return links


@cli.command()
@click.option("--problem", "problem_slug", help="Only this problem.")
@json_option("Print JSON.")
@click.option("--format", "fmt", type=click.Choice(["text", "html", "json"]), default=None,
              help="text (default), html (the default when -o names a .html file), or json: everything the "
                   "judge remembers (attempts, drill answers, the spaced-repetition schedule).")
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Write to FILE instead of the terminal.")
@pass_ctx
def history(ctx: Context, problem_slug: str | None, as_json: bool, fmt: str | None, output: Path | None) -> None:
    """Every attempt, newest first, with the best score and trend per problem."""
    from judge.interfaces.cli.remote import remote_pointer
    from judge.render.history import history_text

    store = ctx.store()
    rows = store.rows(problem_slug)
    if problem_slug and not rows:
        ctx.problem(problem_slug)  # an unknown problem is an error, not "no attempts"
    interview = remote_pointer(None)
    if interview is not None and not as_json and fmt is None and output is None:
        # The interview lives on the server; this machine's history is practice only. Say so, not "No attempts".
        ctx.out.print(f"This folder is an interview (attempt {interview[1].get('attempt_id')} on "
                      f"{interview[1].get('server')}): `judge status` shows it. Below: practice on this machine.")
    if fmt is None:
        fmt = "html" if output is not None and output.suffix.lower() in (".html", ".htm") else "text"
    if as_json:
        text = json.dumps(rows, indent=2) + "\n"
    elif fmt == "json":
        from judge.services.practice import export

        text = json.dumps(export(store, ctx.clock(), problem_slug), indent=2) + "\n"
    elif fmt == "html":
        from judge.render.html import history_html

        text = history_html(rows, report_pages(store, rows))
    elif output is not None:
        import io

        from rich.console import Console

        buffer = io.StringIO()
        history_text(Console(file=buffer, width=100, no_color=True, highlight=False, soft_wrap=False), rows)
        text = buffer.getvalue()
    else:
        history_text(ctx.out, rows)
        return
    write_out(ctx, text, output)


@cli.command("run", context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False})
@WORKSPACE_OPTION
@click.argument("command", nargs=-1, type=click.UNPROCESSED)
@pass_ctx
def run_cmd(ctx: Context, directory: Path | None, command: tuple[str, ...]) -> None:
    """Open the grading environment on the workspace: Python, or COMMAND (e.g. -- python solution.py).

    The workspace is mounted read-only at /work (write scratch files to /tmp); networking is off; it runs as
    the sandbox's unprivileged candidate user with the grading limits, and exactly the grader's libraries
    and model.
    """
    from judge.backends import SandboxUnavailable
    from judge.backends.docker import DockerBackend
    from judge.interfaces.cli import remote

    found = remote.remote_pointer(directory)
    if found:
        workspace, problem = found[0], remote.public_problem(found[0], str(found[1]["problem"]))
    else:
        store = ctx.store()
        workspace, record, _ = workspace_attempt(ctx, store, directory)
        problem = attempt_problem(ctx, record)
    try:
        code = DockerBackend().run_interactive(workspace, command or ("python",), problem.limits,
                                               tty=sys.stdin.isatty())
    except SandboxUnavailable as exc:
        fail(f"cannot open the sandbox: {exc}", EXIT_JUDGE)
    sys.exit(code)
