"""The attempt loop's commands: `judge start`, `status`, `test`, `submit`, `retry`, `abandon`, `run`.

Each command parses its options and acts on the attempt ``workspace.locate`` found (practice or
interview: decided there, once); reports and history are in ``reports`` and ``history``. The services
are imported inside the commands: `judge --help` imports this module, and must not pay for them.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from judge.interfaces.cli.app import cli
from judge.interfaces.cli.context import (
    BACKEND_OPTION,
    EXIT_JUDGE,
    WORKSPACE_OPTION,
    Context,
    fail,
    json_option,
    pass_ctx,
    working_dir,
)
from judge.interfaces.cli.workspace import interview, locate, practice, resolve_attempt

if TYPE_CHECKING:
    from judge.problems.catalog import Problem


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
    from judge.model.clock import local_time

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
    from judge.services.attempt_record import WorkspaceError
    from judge.services.attempts import start as start_attempt
    from judge.store.index import StoreError

    p = ctx.problem(problem)
    target = directory or working_dir() / p.slug
    store = ctx.store()
    try:
        record = start_attempt(store, p, target, ctx.clock, force=force, versions=grader_versions_line())
    except (WorkspaceError, StoreError) as exc:
        fail(str(exc))
    kept = record.get("kept_solution")
    notes = [f"Your earlier solution.py is kept as {kept}." if kept else "", carried_note(record)]
    print_started(ctx, p, record, "\n".join(n for n in notes if n))


@cli.command()
@WORKSPACE_OPTION
@json_option("Print JSON.")
@pass_ctx
def status(ctx: Context, directory: Path | None, as_json: bool) -> None:
    """Show the attempt's problem, elapsed time and time left (or, once closed, how it ended)."""
    locate(ctx, directory).status(ctx, as_json)


@cli.command("test")
@WORKSPACE_OPTION
@json_option("Print JSON only.")
@BACKEND_OPTION
@pass_ctx
def test_cmd(ctx: Context, directory: Path | None, as_json: bool, backend: str) -> None:
    """Run the public examples against solution.py in the sandbox (the clock keeps running)."""
    locate(ctx, directory).test(ctx, as_json, backend)


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
    locate(ctx, directory).submit(ctx, as_json, yes, force, backend)


@cli.command()
@WORKSPACE_OPTION
@click.option("--fresh", is_flag=True, help="Start from the starter solution.py (yours is kept as "
                                            "solution.prev.py).")
@pass_ctx
def retry(ctx: Context, directory: Path | None, fresh: bool) -> None:
    """A new attempt at the same problem in this workspace, with a fresh clock; your solution.py is kept.

    An attempt still open is closed first (abandoned).
    """
    from judge.services.attempt_record import WorkspaceError
    from judge.services.attempts import retry as retry_attempt
    from judge.store.index import StoreError

    found = practice(ctx, ctx.store(), directory, "retry")
    record, problem = found.record, found.problem(ctx)
    try:
        new, abandoned = retry_attempt(found.store, record, problem, found.workspace, ctx.clock, fresh=fresh,
                                       versions=grader_versions_line())
    except (WorkspaceError, StoreError) as exc:
        fail(str(exc))
    notes = []
    if abandoned:
        notes.append(f"Attempt {record['id']} was still open: it is now closed (abandoned).")
    if fresh:
        kept = new.get("kept_solution")
        notes.append(f"solution.py is the starter again; yours is in {kept}." if kept else
                     "solution.py is the starter again (it was the starter already: nothing to keep).")
    else:
        notes.append("Your solution.py is kept.")
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
    from judge.services.attempt_record import WorkspaceError
    from judge.services.attempts import close_attempt
    from judge.store.index import StoreError

    here = interview(directory)
    if here is not None and attempt in (None, here.attempt_id):
        here.refuse("abandon")
    store = ctx.store()
    if attempt:
        attempt_id = resolve_attempt(store, attempt, submitted_only=False)
    else:
        attempt_id = practice(ctx, store, directory, "abandon").attempt_id
    try:
        close_attempt(store, attempt_id, ctx.clock())
    except (WorkspaceError, StoreError) as exc:
        fail(str(exc))
    ctx.out.print(f"Attempt {attempt_id} is closed (abandoned, not graded). In its workspace, `judge retry` "
                  "starts a new attempt with your code.")


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
    from judge.backends.docker import ENGINE_FIX, ENGINE_START, DockerBackend

    here = locate(ctx, directory)
    try:
        code = DockerBackend().run_interactive(here.workspace, command or ("python",), here.problem(ctx).limits,
                                               tty=sys.stdin.isatty())
    except SandboxUnavailable as exc:
        if exc.fix == ENGINE_FIX:  # `judge run` has no --backend: its way round the engine is no judge at all
            exc.fix = (f"{ENGINE_START}; or run it without the sandbox, with your own Python and libraries: "
                       f"`{' '.join(command) or 'python'}` in {here.workspace}")
        fail(f"cannot open the sandbox: {exc}", EXIT_JUDGE)
    sys.exit(code)
