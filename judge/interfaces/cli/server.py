"""The interviewer's commands: `judge serve` (and `serve init`), `judge invite`, `judge invites`, `judge results`."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from judge.interfaces.cli.app import cli
from judge.interfaces.cli.context import EXIT_JUDGE, Context, fail, pass_ctx, write_out
from judge.interfaces.cli.workers import broker_option, check_workers, connect_or_fail
from judge.model.names import printable

if TYPE_CHECKING:
    from rich.console import Console

# rich, the database and the services are imported inside the commands that use them: `judge --help` imports
# this module, and start-up must not pay for them.

TOKEN_ENV = "JUDGE_SERVER_TOKEN"
SERVER_OPTION = click.option("--server", envvar="JUDGE_SERVER", required=True,
                             help="The judge server's URL (or JUDGE_SERVER).")
DATABASE_OPTION = click.option("--database", "database", envvar="JUDGE_DATABASE_URL",
                               help="SQLAlchemy URL (default: sqlite in the judge's data folder; "
                                    "e.g. postgresql+psycopg://USER:PASSWORD@HOST/DB). Or JUDGE_DATABASE_URL.")


def _database_url(database: str | None) -> str:
    from judge.paths import data_home
    from judge.store.db import default_url

    return database or default_url(data_home())


def _open_db(database: str | None) -> Any:
    from judge.store.db import Database, DatabaseError

    try:
        db = Database(_database_url(database))
        db.migrate()
    except DatabaseError as exc:
        fail(str(exc), EXIT_JUDGE)
    return db


@cli.group(invoke_without_command=True)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (put a TLS proxy in "
              "front for anything but this machine).")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@DATABASE_OPTION
@click.option("--backend", type=click.Choice(["docker", "local"]), default="docker", show_default=True,
              help="Where submissions are graded (local: no isolation, trusted code only).")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64), help="Gradings at once.")
@click.option("--public-url", default="", help="The URL candidates use (printed in invitations), e.g. "
              "https://judge.example.com behind a proxy. Default: the URL the interviewer used.")
@click.option("--forwarded-allow-ips", default="", metavar="IPS",
              help="Comma-separated addresses of the reverse proxies whose X-Forwarded-For/-Proto headers are "
              "believed (e.g. 127.0.0.1 for a proxy on this machine). Default: none; the client's address is "
              "the connection's, so no header can dodge the sign-in throttle or forge the access log.")
@broker_option(required=False)
@click.pass_context
def serve(click_ctx: click.Context, host: str, port: int, database: str | None, backend: str, workers: int,
          public_url: str, forwarded_allow_ips: str, broker: str | None) -> None:
    """Run the interviewer's server: hidden tests, references and the clock stay here.

    \b
    judge serve init            create the database, print an interviewer token
    judge serve                 serve on 127.0.0.1:8000 (GET /health, OpenAPI schema at /openapi.json)
    """
    if click_ctx.invoked_subcommand is not None:
        return
    ctx: Context = click_ctx.obj
    if public_url:
        from judge.interfaces.client import ServerError, normalise

        try:
            normalise(public_url)  # every invitation prints it as the candidate's `--server`, checked by this
        except ServerError:
            fail(f"--public-url must be an http(s) URL like https://judge.example.com, got {public_url!r}")
    try:
        import uvicorn

        from judge.interfaces.server import Settings, create_app
    except ImportError as exc:
        fail(f"the server needs its extra: pip install 'ml-judge[server]' ({exc.name} is missing)")
    from judge.store.db import DatabaseError, redact_url

    url = _database_url(database)
    if backend == "local":
        from judge.backends.local import WARNING

        ctx.err.print(f"[yellow]warning:[/] {WARNING}")
    settings = Settings(database_url=url, problems=tuple(ctx.problems), backend=backend, workers=workers,
                        public_url=public_url.rstrip("/"))
    executor = None
    grading = f"backend {backend}, {workers} worker(s)"
    if broker:
        if backend != "docker":
            fail(f"--broker grades in the workers' Docker sandboxes; drop --backend {backend}")
        from judge.execution import Executor
        from judge.execution.queue import redact

        runner = connect_or_fail(broker)
        check_workers(ctx, runner)
        # `workers` is now gradings in flight on the queue, not sandboxes on this machine.
        executor = Executor(runner, workers=workers, stop_running=runner.cancel)
        grading = f"grading on the workers of {redact(broker)}, {workers} in flight"
    try:
        app = create_app(settings, executor=executor)
    except DatabaseError as exc:
        fail(str(exc), EXIT_JUDGE)
    ctx.err.print(f"judge serve: http://{host}:{port}  database {redact_url(url)}  {grading}")
    try:
        # uvicorn believes forwarded headers from loopback unless told otherwise: only the named proxies here.
        proxies = ",".join(ip.strip() for ip in forwarded_allow_ips.split(",") if ip.strip()) or None
        uvicorn.run(app, host=host, port=port, log_level="info", proxy_headers=proxies is not None,
                    forwarded_allow_ips=proxies, server_header=False)
    except DatabaseError as exc:
        fail(str(exc), EXIT_JUDGE)


@serve.command("init")
@DATABASE_OPTION
@click.option("--name", default="interviewer", show_default=True, help="Who the token is for.")
@click.option("--token-days", default=90.0, show_default=True, type=click.FloatRange(min=0, min_open=True),
              help="How long the token is valid.")
@pass_ctx
def serve_init(ctx: Context, database: str | None, name: str, token_days: float) -> None:
    """Create (or migrate) the database and print a new interviewer token, once, on the last line."""
    from judge.services.credentials import create_interviewer
    from judge.services.errors import Invalid
    from judge.store.db import redact_url

    url = _database_url(database)
    db = _open_db(database)
    try:
        with db.session() as session:
            token = create_interviewer(session, name, ctx.clock(), token_days)
    except Invalid as exc:
        fail(str(exc))
    finally:
        db.dispose()
    click.echo(f"database ready: {redact_url(url)}")
    click.echo(f"interviewer {name!r}: token valid {token_days:g} days. It is shown only now; keep it secret:")
    click.echo(f"  export {TOKEN_ENV}=<the token below>")
    click.echo(token)


def _client(server: str) -> Any:
    from judge.interfaces.client import Client, ServerError

    token = os.environ.get(TOKEN_ENV, "").strip()
    if not token:
        fail(f"set {TOKEN_ENV} to your interviewer token (printed by `judge serve init`)")
    try:
        return Client(server, token)
    except ServerError as exc:
        fail(str(exc))


def _call(client: Any, method: str, path: str, payload: Any = None) -> Any:
    from judge.interfaces.client import ServerError

    try:
        return client.call(method, path, payload)
    except ServerError as exc:
        fail(str(exc), EXIT_JUDGE if exc.status in (0, 500, 502, 503, 504) else 2)


@cli.command()
@SERVER_OPTION
@click.option("--problem", required=True, help="The problem's slug (see the server's problems: judge invites).")
@click.option("--name", "name", required=True, help="The candidate's name.")
@click.option("--minutes", type=click.FloatRange(min=0, min_open=True), help="The window (default: the "
              "problem's budget).")
@click.option("--expires", "expires_days", default=7.0, show_default=True,
              type=click.FloatRange(min=0, min_open=True), help="Days the code may be used within.")
@click.option("--feedback", type=click.Choice(["full", "score"]), default="full", show_default=True,
              help="What the candidate sees: every requirement's tests and messages, or the score and "
                   "requirement summary only.")
@click.option("--late", type=click.Choice(["grade", "refuse"]), default="grade", show_default=True,
              help="A submission after the window: graded and marked late, or refused.")
@pass_ctx
def invite(ctx: Context, server: str, problem: str, name: str, minutes: float | None, expires_days: float,
           feedback: str, late: str) -> None:
    """Invite a candidate: prints the command they run, and the one-time code alone on the last line."""
    from datetime import datetime

    from rich.text import Text

    made = _call(_client(server), "POST", "/api/v1/invitations",
                 {"problem": problem, "candidate_name": name, "minutes": minutes, "expires_days": expires_days,
                  "feedback": feedback, "late": late})
    expires = datetime.fromtimestamp(made["expires_at"]).strftime("%Y-%m-%d %H:%M")
    if made.get("warning"):
        ctx.err.print(Text(f"warning: {made['warning']}", style="yellow"))
    click.echo(f"invitation {made['id']}: {printable(made['candidate_name'])}, {made['problem']}, "
               f"{made['budget_s'] / 60:g} min, feedback {made['feedback']}, late submissions: {made['late']}")
    click.echo(f"the code works once, until {expires}. Send the candidate this command:")
    click.echo(f"  {made['command']}")
    click.echo(made["code"])


@cli.command()
@SERVER_OPTION
@click.option("--problem", help="Only this problem.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_ctx
def invites(ctx: Context, server: str, problem: str | None, as_json: bool) -> None:
    """Your invitations and their state (not-started, in-progress, over-time, submitted, expired, revoked)."""
    import urllib.parse

    query = "?" + urllib.parse.urlencode({"problem": problem}) if problem else ""
    rows = _call(_client(server), "GET", "/api/v1/invitations" + query)
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    if not rows:
        # a filter that matches nothing (a typo) must not read as an empty server
        ctx.out.print(f"No invitations to {problem!r}: `judge invites` without --problem lists them all" if problem
                      else "No invitations yet: judge invite --server URL --problem SLUG --name NAME")
        return
    from datetime import datetime

    from rich.table import Table
    from rich.text import Text

    table = Table(header_style="bold")
    for column in ("Invitation", "Candidate", "Problem", "Window", "State", "Created"):
        table.add_column(column)
    for r in rows:
        table.add_row(r["id"], Text(printable(r["candidate_name"])), r["problem"], f"{r['budget_s'] / 60:g} min",
                      r["state"], datetime.fromtimestamp(r["created_at"]).strftime("%Y-%m-%d %H:%M"))
    ctx.out.print(table)


@cli.command()
@SERVER_OPTION
@click.option("--problem", help="Only this problem.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Write to FILE instead of the terminal.")
@pass_ctx
def results(ctx: Context, server: str, problem: str | None, fmt: str, output: Path | None) -> None:
    """The started attempts of your invitations: score, the server's elapsed time, late or not."""
    import urllib.parse

    query = "?" + urllib.parse.urlencode({"problem": problem}) if problem else ""
    rows: list[dict[str, Any]] = _call(_client(server), "GET", "/api/v1/results" + query)
    if fmt == "table" and output is None:
        _print_results(ctx, rows, problem)
        return
    if fmt == "json":
        text = json.dumps(rows, indent=2) + "\n"
    else:
        from judge.services.interviews import results_csv

        text = results_csv(rows)
    write_out(ctx, text, output)


def _print_results(ctx: Context, rows: list[dict[str, Any]], problem: str | None = None) -> None:
    if not rows:
        ctx.out.print(f"No attempts started at {problem!r}: `judge results` without --problem lists them all"
                      if problem else "No attempts started yet.")
        return
    results_table(ctx.out, rows)
    ctx.out.print("Time is the server's clock: from `judge start` to the submission's arrival.")


def results_table(console: Console, rows: list[dict[str, Any]]) -> None:
    """The results as a table; a candidate's name is shown with its control characters escaped."""
    from rich.table import Table
    from rich.text import Text

    from judge.model.report import format_clock

    table = Table(header_style="bold")
    for column in ("Candidate", "Problem", "Score", "Time", "Late", "Verdict", "Attempt"):
        # The attempt id is what `judge report --server` and the dashboard's URLs take: never cut or wrapped.
        table.add_column(column, no_wrap=column == "Attempt", min_width=16 if column == "Attempt" else None)
    for r in rows:
        score = f"{r['score']}/{r['max_score']} ({r['percent']:g}%)" if r["score"] is not None else r["state"]
        late = "-" if r["late"] is None else ("late" if r["late"] else "no")
        table.add_row(Text(printable(r["candidate"])), r["problem"], score,
                      f"{format_clock(r['elapsed_s'])} of {format_clock(r['budget_s'])}", late, r["verdict"] or "-",
                      r["attempt_id"])
    console.print(table)


def server_report(ctx: Context, server: str, attempt_id: str, fmt: str, output: Path | None) -> None:
    """`judge report --server URL ATTEMPT`: one interview attempt in full, for its interviewer."""
    import io
    import urllib.parse

    from rich.console import Console

    record = _call(_client(server), "GET", "/api/v1/attempts/" + urllib.parse.quote(attempt_id.strip(), safe=""))
    if fmt == "json":
        write_out(ctx, json.dumps(record, indent=2) + "\n", output)
        return
    if output is None:
        attempt_text(ctx.out, record)
        return
    buffer = io.StringIO()
    attempt_text(Console(file=buffer, width=100, no_color=True, highlight=False), record)
    write_out(ctx, buffer.getvalue(), output)


def attempt_text(console: Console, record: dict[str, Any]) -> None:
    """An interview attempt for the terminal: who and when, the timeline, each submission's full report
    (every test) and code, then what to look for and the follow-up questions."""
    from rich.markdown import Markdown
    from rich.rule import Rule
    from rich.syntax import Syntax
    from rich.text import Text

    from judge.model.report import Report, format_clock
    from judge.model.submission import SOLUTION
    from judge.render.facts import utc_text
    from judge.render.text import print_report

    start = float(record["started_at"])

    def at(ts: float) -> str:
        return "+" + format_clock(max(0.0, ts - start))

    console.print(Text.assemble((printable(record["candidate"]), "bold"), f" · {record['problem']}",
                                f" ({record.get('title', record['problem'])})"))
    console.print(f"Attempt {record['attempt_id']} ({record['status']}), invitation {record['invitation_id']}; "
                  f"window {format_clock(record['budget_s'])}, started {utc_text(start)}")
    events = [(start, "started (the server's clock began)")]
    events += [(r["at"], f"ran the public examples: {r['passed']}/{r['total']} passed ({r['verdict']}), as "
                         f"reported by {'the server' if r.get('reported_by') == 'server' else 'the candidate'}")
               for r in record["test_runs"]]
    for sub in record["submissions"]:
        events.append((sub["received_at"], f"submitted solution.py (submission {sub['id']}"
                       + (", late)" if sub["late"] else ")")))
    console.print(Rule("Timeline", align="left"))
    for when, text in sorted(events, key=lambda e: e[0]):
        console.print(f"  {at(when):>8}  {text}")
    if not record["submissions"]:
        console.print("Nothing submitted yet.")
    for sub in record["submissions"]:
        console.print(Rule(f"Submission {sub['id']}: {sub['state']}" + (", late" if sub["late"] else ""),
                           align="left"))
        if sub.get("report"):
            print_report(console, Report.from_dict(sub["report"]), show_all=True)
        elif sub.get("error"):
            console.print(Text(str(sub["error"])))
        console.print(f"{SOLUTION} (sha256 {sub['sha256'][:12]}):")
        console.print(Syntax(sub[SOLUTION], "python", line_numbers=True, word_wrap=True, theme="ansi_light"))
    notes = record.get("interviewer_notes") or {}
    if notes.get("looks_for"):
        console.print(Rule("What an interviewer looks for", align="left"))
        console.print(Markdown(notes["looks_for"]))
    if notes.get("follow_ups"):
        console.print(Rule("Follow-up questions", align="left"))
        for n, item in enumerate(notes["follow_ups"], 1):
            console.print(Text(f"{n}. {item['question']}", style="bold"))
            console.print(Markdown(item["answer"]))


