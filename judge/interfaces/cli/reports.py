"""`judge report`: a saved report again, as text, JSON, HTML, Markdown or JUnit XML (or, with --server, an
interview's attempt for its interviewer). The store and the renderers are imported inside the command
(`judge --help` imports this module)."""

from __future__ import annotations

from pathlib import Path

import click

from judge.interfaces.cli.app import cli
from judge.interfaces.cli.context import Context, fail, pass_ctx, stdout_is_terminal, write_out
from judge.interfaces.cli.workspace import resolve_attempt


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
    from judge.model.report import Report
    from judge.render import render
    from judge.store.index import StoreError

    if server:
        from judge.interfaces.cli.server import server_report  # the server's commands: only with --server

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
        attempt_id = resolve_attempt(store, attempt)
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
    from judge.interfaces.cli.teach import report_model_answer

    model = report_model_answer(ctx, store, rep, fmt)
    write_out(ctx, render(rep, fmt, store.snapshot(attempt_id), model=model, show_all=show_all), output)
    if output is not None and open_it:
        import webbrowser

        uri = output.resolve().as_uri()
        if not webbrowser.open(uri):
            ctx.err.print(f"no browser found here: open {uri} yourself")
