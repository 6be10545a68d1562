"""`judge history`: every attempt, newest first, with the best score and trend per problem (drawn by
``judge.render.history``). The renderers and the services are imported inside the command (`judge --help`
imports this module)."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import TYPE_CHECKING

import click

from judge.interfaces.cli.app import cli
from judge.interfaces.cli.context import Context, json_option, pass_ctx, write_out
from judge.interfaces.cli.workspace import interview

if TYPE_CHECKING:
    pass


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
    from judge.render.history import history_text

    store = ctx.store()
    rows = store.rows(problem_slug)
    if problem_slug and not rows:
        ctx.problem(problem_slug)  # an unknown problem is an error, not "no attempts"
    here = interview(None)
    if here is not None and not as_json and fmt is None and output is None:
        # The interview lives on the server; this machine's history is practice only. Say so, not "No attempts".
        ctx.screen.line(f"This folder is an interview (attempt {here.attempt_id} on {here.pointer.get('server')}): "
                        "`judge status` shows it. Below: practice on this machine.")
    if fmt is None:
        fmt = "html" if output is not None and output.suffix.lower() in (".html", ".htm") else "text"
    if as_json:
        text = json.dumps(rows, indent=2) + "\n"
    elif fmt == "json":
        from judge.services.practice import export

        text = json.dumps(export(store, ctx.clock(), problem_slug), indent=2) + "\n"
    elif fmt == "html":
        from judge.render.html import history_html
        from judge.services.report_pages import report_pages

        text = history_html(rows, report_pages(store, rows))
    elif output is not None:
        from judge.render.plain import Terminal

        buffer = io.StringIO()
        history_text(Terminal(buffer, environ={}, width=100), rows)
        text = buffer.getvalue()
    else:
        history_text(ctx.screen, rows)
        return
    write_out(ctx, text, output)

