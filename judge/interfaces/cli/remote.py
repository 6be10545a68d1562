"""Remote mode of the candidate's commands: `judge start --server URL --invite CODE`, then `status`, `test`
and `submit` in the workspace it made, against the server's clock and hidden tests.

The workspace is the same as a local one (statement, starter, data, public tests) plus
``.judge/<slug>`` (the public problem folder `judge test` runs from); its ``.judge-attempt`` pointer
holds the server's URL and the candidate's session token (mode 0600), not a local attempt id.
"""

from __future__ import annotations

import base64
import io
import json
import os
import shutil
import sys
import tarfile
import time
from pathlib import Path
from typing import Any

import click

from judge.interfaces.cli.context import (
    EXIT_FAILED,
    EXIT_JUDGE,
    EXIT_PASSED,
    EXIT_USAGE,
    Context,
    Fail,
    fail,
    make_backend,
    run_grade,
    spinner,
    working_dir,
)
from judge.interfaces.client import Client, ServerError, insecure
from judge.model.states import AttemptState, SubmissionState
from judge.model.workspace import POINTER, PUBLIC_PROBLEMS

POLL_LIMIT_S = 30 * 60.0
INTERRUPTED = 130  # Ctrl-C, as the shell counts it
RETRYABLE = (0, 502, 503, 504)  # no answer, or a proxy/server between restarts: the poll tries again


HINTS_IN_INTERVIEW = ("Hints are not available in an interview: it measures what you can do unaided, and the "
                      "problem's hints stay with your interviewer. If you are stuck, ask your interviewer (talking it "
                      "through is part of the interview); `judge status` shows your time left.")


def interview_only(pointer: dict[str, Any], command: str) -> str:
    """Why a practice command does not apply in this interview workspace, and what to run instead."""
    where = f"attempt {pointer.get('attempt_id')} on {pointer.get('server')}"
    if command == "hint":
        return HINTS_IN_INTERVIEW
    if command == "abandon":
        return (f"This workspace is an interview ({where}): its clock is on the server and only your "
                "interviewer can close it. To finish early, submit what you have with `judge submit`; if you stop "
                "without submitting, your interviewer sees the attempt as not submitted. Either way, tell them.")
    return (f"This workspace is an interview ({where}): `judge {command}` is for practice attempts. Here: "
            "`judge status` (time left), `judge test` (the public examples), `judge submit` (graded on the "
            "server).")


def _client(pointer: dict[str, Any]) -> Client:
    try:
        return Client(str(pointer["server"]), str(pointer.get("token", "")))
    except ServerError as exc:
        fail(str(exc))


def _call(client: Client, method: str, path: str, payload: Any = None, **kwargs: Any) -> Any:
    try:
        return client.call(method, path, payload, **kwargs)
    except ServerError as exc:
        fail(str(exc), EXIT_JUDGE if exc.status in (0, 500, 502, 503, 504) else EXIT_USAGE)


def _extract(archive: bytes, target: Path) -> None:
    """Unpack the workspace archive into ``target`` (nothing outside it; no links or devices)."""
    with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as tar:
        tar.extractall(target, filter="data")


def start(ctx: Context, server: str, code: str, directory: Path | None) -> None:
    """Redeem the invitation on the server and unpack the public workspace it sends."""
    try:
        client = Client(server)
    except ServerError as exc:
        fail(str(exc))
    if insecure(client.server):
        ctx.err.print("[yellow]warning:[/] plain http to another machine: your code and session travel "
                      "unencrypted; ask for an https:// URL")
    if directory is not None and directory.exists() and any(directory.iterdir()):
        fail(f"{directory} already exists and is not empty; choose another --dir (the code was not used)")
    data = _call(client, "POST", "/api/v1/start", {"code": code.strip()})
    target = (directory or working_dir() / data["problem"]).resolve()
    if target.exists() and any(target.iterdir()):
        target = target.with_name(f"{target.name}-{data['attempt_id']}")
    staging = target.parent / f".{target.name}.judge-tmp"
    try:
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        _extract(base64.b64decode(data["workspace"]), staging)
        pointer = {"attempt_id": data["attempt_id"], "problem": data["problem"], "server": client.server,
                   "token": data["token"], "note": "written by `judge start --server`; the clock is the server's. "
                   "The token is your session: keep this file private."}
        fd = os.open(staging / POINTER, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(json.dumps(pointer, indent=2) + "\n")
        if target.exists():
            target.rmdir()
        staging.rename(target)
    except (OSError, tarfile.TarError, ValueError) as exc:
        shutil.rmtree(staging, ignore_errors=True)
        fail(f"the attempt started on the server, but its workspace could not be written to {target}: {exc}. "
             "Tell your interviewer; the clock is running", EXIT_JUDGE)
    out = ctx.out
    out.print(f"[bold]{data['title']}[/] - attempt {data['attempt_id']} for {data['candidate']} on {client.server}")
    out.print(f"Workspace: {target}")
    out.print(f"Your window: {window_line(data)}")
    rel = os.path.relpath(target)
    steps = [(f"cd {rel}", "read README.md, edit solution.py"),
             ("judge test", "run the public examples in the sandbox (on your machine)"),
             ("judge status", "time left, on the server's clock"),
             ("judge submit", "upload solution.py; the server grades it against the hidden tests")]
    width = max(len(command) for command, _ in steps) + 3
    out.print("\nNext:")
    for command, what in steps:
        out.print(f"  {command.ljust(width)}{what}")


def window_line(data: dict[str, Any]) -> str:
    """The invitation's window, its deadline and what happens after it, from the server's attempt view."""
    from judge.model.report import format_clock

    window = data.get("window_text") or format_clock(data["budget_s"])
    deadline = data.get("deadline_text") or f"{data['deadline_iso']} (UTC)"
    after = data.get("after_deadline")
    return f"{window} on the server's clock, deadline {deadline}" + (f"; {after}." if after else ".")


def status(ctx: Context, workspace: Path, pointer: dict[str, Any], as_json: bool) -> None:
    """The attempt as the server sees it."""
    from judge.model.candidate_report import CandidateReport
    from judge.model.report import format_clock
    from judge.render.candidate import score_line

    client = _client(pointer)
    data = _call(client, "GET", "/api/v1/attempt")
    submission = None
    if data.get("submission"):
        submission = _call(client, "GET", f"/api/v1/attempt/submissions/{data['submission']['id']}")
    if as_json:
        click.echo(json.dumps({**data, "latest_submission": submission}, indent=2))
        return
    out = ctx.out
    out.print(f"[bold]{data['problem']}[/]  attempt {data['attempt_id']} ({data['status']}) on {client.server}")
    left = (f"[red]over by {format_clock(-data['remaining_s'])}[/]" if data["over"]
            else f"[green]{format_clock(data['remaining_s'])} left[/]")
    if data["status"] == AttemptState.SUBMITTED:
        left = "submitted" + (" late" if data["over"] else "")
    out.print(f"Elapsed {format_clock(data['elapsed_s'])} of {format_clock(data['budget_s'])} (server clock) - {left}")
    if data["status"] != AttemptState.SUBMITTED:
        out.print(f"Window: {window_line(data)}")
    run = data.get("last_test_run")
    if run:
        out.print(f"Public examples run {data['test_runs']} time(s); last: {run['passed']}/{run['total']} passed")
    else:
        out.print("Public examples not run yet: judge test")
    if submission is not None:
        if submission.get("report"):
            out.print(score_line(CandidateReport.from_dict(submission["report"])))
        else:
            out.print(f"Submission {submission['id']}: {submission['state']} - {submission.get('note', '')}")


def public_problem(workspace: Path, slug: str) -> Any:
    """The public problem folder the server put in the workspace (no hidden tests, no reference)."""
    from judge.problems.catalog import ProblemError, load_problem

    try:
        return load_problem(workspace / PUBLIC_PROBLEMS / slug)
    except ProblemError as exc:
        fail(f"this workspace's public examples are damaged ({exc}); download it again with a new "
             "`judge start --server`, or submit anyway with `judge submit`")


def test(ctx: Context, workspace: Path, pointer: dict[str, Any], as_json: bool, backend: str) -> None:
    """The public examples, in the sandbox on this machine; the run is noted on the server's timeline."""
    from judge.interfaces.cli.context import emit, exit_code_for
    from judge.model.report import Status

    problem = public_problem(workspace, str(pointer["problem"]))
    try:
        report = run_grade(ctx, problem, workspace, make_backend(backend, ctx), problem.limits, suite="public",
                           quiet=as_json)
    except Fail as exc:
        if exc.code != EXIT_JUDGE:
            raise
        # No sandbox on this machine: the server runs the examples (in its sandbox, on the attempt's timeline).
        if not as_json:
            ctx.err.print(f"note: no sandbox here ({str(exc).splitlines()[0]}); running the examples on the server")
        test_on_server(ctx, workspace, pointer, as_json)
        return
    client = _client(pointer)
    data = _call(client, "GET", "/api/v1/attempt")
    report = report.with_clock(pointer["attempt_id"], data["elapsed_s"], data["budget_s"])
    passed = sum(t.status is Status.PASS for t in report.tests)
    try:
        client.call("POST", "/api/v1/attempt/test-runs", {"passed": passed, "total": len(report.tests),
                                                          "verdict": report.verdict.value})
    except ServerError as exc:
        ctx.err.print(f"note: this run was not recorded on the server: {exc}")
    emit(ctx, report, as_json)
    sys.exit(exit_code_for(report.status))


def test_on_server(ctx: Context, workspace: Path, pointer: dict[str, Any], as_json: bool) -> None:
    """`judge test` without a local sandbox: the pre-checks and public examples, run by the server."""
    from rich.markup import escape
    from rich.table import Table

    from judge.grading.integrity import SubmissionError
    from judge.services.intake import load as load_submission

    try:
        submission = load_submission(workspace)
    except SubmissionError as exc:
        fail(str(exc))
    run = server_examples(ctx, _client(pointer), submission.source, as_json)
    if as_json:
        click.echo(json.dumps(run, indent=2))
    elif run["refusal"]:
        ctx.out.print(f"[yellow]{escape(str(run['refusal']))}[/]")
    if not run["ran"]:
        sys.exit(EXIT_FAILED if run["refusal"] else EXIT_PASSED)
    if not as_json:
        table = Table(header_style="bold", title=f"Public examples (on the server): {run['passed']}/{run['total']} "
                      f"pass, {run['verdict_text']}")
        for column in ("Req", "Example", "Result"):
            table.add_column(column)
        for t in run["tests"]:
            text = escape(t["description"] or t["name"]) + (
                f"\n[dim]{escape(t['message'])}[/]" if t["message"] and t["status"] != "pass" else "")
            table.add_row(t["requirement"], text, t["status"].upper())
        ctx.out.print(table)
        if run.get("detail"):
            ctx.out.print(escape(str(run["detail"])))
    sys.exit(EXIT_PASSED if run["verdict"] == "passed" else EXIT_FAILED)


def server_examples(ctx: Context, client: Client, source: str, quiet: bool) -> dict[str, Any]:
    """The pre-checks and the public examples, run in the server's sandbox (nothing is submitted)."""
    with spinner(ctx, "Checking solution.py and running the public examples on the server...", enabled=not quiet):
        return dict(_call(client, "POST", "/api/v1/attempt/public-runs", data=source.encode("utf-8"),
                          content_type="text/x-python"))


def _refused(ctx: Context, client: Client, reason: str) -> str:
    from judge.interfaces.cli.context import time_left_text

    data = _call(client, "GET", "/api/v1/attempt")
    clock = time_left_text(float(data["budget_s"]) - float(data["elapsed_s"]))
    return (f"not submitted: {reason}\nYour attempt is still open; the server's clock is running ({clock}).\n"
            "Fix it and run `judge submit` again (or submit as is: --force).")


def _confirm(ctx: Context, client: Client, pointer: dict[str, Any], public_line: str, failing: list[str]) -> bool:
    """The one-screen summary before the only submission (as in practice), and the question."""
    from judge.interfaces.cli.context import confirm_summary

    data = _call(client, "GET", "/api/v1/attempt")
    return confirm_summary(ctx, f"[bold]Submit {pointer['problem']}[/] (attempt {pointer['attempt_id']}, graded on "
                           "the server)", float(data["elapsed_s"]), float(data["budget_s"]), public_line, failing,
                           "This grades the hidden tests once; your first graded submission is final.")


def submit(ctx: Context, workspace: Path, pointer: dict[str, Any], as_json: bool, yes: bool = False,
           force: bool = False) -> None:
    """Pre-check solution.py (as practice does: not empty, not the starter, compiles, imports, public
    examples, here run on the server), ask, upload, wait (bounded) for the server's grade, and print what the
    invitation lets us see."""
    from judge.grading.integrity import SubmissionError
    from judge.interfaces.cli.context import interactive
    from judge.services.intake import load as load_submission
    from judge.services.precheck import static_refusal

    try:
        submission = load_submission(workspace)
    except SubmissionError as exc:
        fail(str(exc))
    client = _client(pointer)
    try:
        public_line, failing = "not checked (--force)", []
        if not force:
            refusal = static_refusal(public_problem(workspace, str(pointer["problem"])), submission)
            if refusal:
                fail(_refused(ctx, client, refusal))
            run = server_examples(ctx, client, submission.source, as_json)
            if run["refusal"]:
                fail(_refused(ctx, client, str(run["refusal"])))
            if run["ran"]:
                public_line = f"{run['passed']}/{run['total']} pass" + (
                    f" ({run['verdict']})" if run["verdict"] not in ("passed", "failed") else "")
                failing = [str(t["name"]) for t in run["tests"] if t["status"] != "pass"]
            else:
                public_line = "not run (the problem has none)"
        if interactive() and not yes and not as_json and not _confirm(ctx, client, pointer, public_line, failing):
            ctx.out.print("Not submitted. Your attempt is still open and the server's clock is running.")
            sys.exit(EXIT_PASSED)
    except (KeyboardInterrupt, click.exceptions.Abort):
        fail("interrupted: nothing was sent; your attempt is still open and the server's clock is running",
             INTERRUPTED)
    try:
        made = _call(client, "POST", "/api/v1/attempt/submissions", data=submission.source.encode("utf-8"),
                     content_type="text/x-python")
    except KeyboardInterrupt:
        fail("interrupted while uploading: if the upload reached the server, `judge status` shows it as submitted; "
             "otherwise your attempt is still open and the server's clock is running", INTERRUPTED)
    if not as_json:
        ctx.err.print(f"uploaded: submission {made['id']}, {made['elapsed_s']:.0f} s after the start on the server's "
                      "clock" + (" (late)" if made["late"] else ""))
    try:
        view = wait_for_grade(ctx, client, made, as_json)
    except KeyboardInterrupt:
        fail(f"interrupted: submission {made['id']} is stored on the server and is graded there all the same; "
             "see its result with `judge status`", INTERRUPTED)
    if as_json:
        click.echo(json.dumps(view, indent=2))
    if view["state"] == SubmissionState.PENDING:
        if not as_json:
            ctx.err.print(f"no grade yet; submission {made['id']} is stored on the server and is graded there. "
                          "See it with `judge status`.")
        sys.exit(EXIT_JUDGE)
    if view["state"] != SubmissionState.GRADED:
        if not as_json:
            ctx.err.print(view.get("note", "the judge could not grade this submission"))
        sys.exit(EXIT_JUDGE)
    report = view["report"]
    if not as_json:
        print_candidate_report(ctx, report)
    sys.exit(EXIT_PASSED if report["verdict"] == "passed" else EXIT_FAILED)


def wait_for_grade(ctx: Context, client: Client, made: dict[str, Any], quiet: bool,
                   limit_s: float | None = None) -> dict[str, Any]:
    """Poll a stored submission until it is graded, for at most ``limit_s`` (default ``POLL_LIMIT_S``).
    The submission is on the server, so a lost connection or a restarting server (no answer, 502, 503, 504)
    is waited out within the window, not reported as a failure; any other refusal ends the wait. Returns the
    last view (pending on timeout)."""
    deadline = time.monotonic() + (POLL_LIMIT_S if limit_s is None else limit_s)
    pause = 0.25
    view, lost = made, ""
    with spinner(ctx, "Grading on the server...", enabled=not quiet):
        while view["state"] == SubmissionState.PENDING and time.monotonic() < deadline:
            time.sleep(pause)  # a bounded poll: the grade is the server's, and may take a minute
            pause = min(pause * 1.5, 3.0)
            try:
                view = client.call("GET", f"/api/v1/attempt/submissions/{made['id']}")
            except ServerError as exc:
                if exc.status not in RETRYABLE:
                    fail(str(exc), EXIT_JUDGE if exc.status >= 500 else EXIT_USAGE)
                if not lost and not quiet:
                    ctx.err.print(f"note: lost the server ({exc}); submission {made['id']} is stored there, "
                                  "still waiting for its grade")
                lost = str(exc)
                continue
            if lost and not quiet:
                ctx.err.print("note: the server answers again")
            lost = ""
    return view


def print_candidate_report(ctx: Context, report: dict[str, Any]) -> None:
    """The server's report, as the invitation's feedback level allows, for a terminal."""
    from judge.model.candidate_report import CandidateReport
    from judge.render.candidate import print_report

    print_report(ctx.out, CandidateReport.from_dict(report))
