"""`judge history`: every attempt, newest first, with the best score and trend per problem; and the table
that draws it in a terminal. rich and the services are imported inside the functions (`judge --help` imports
this module)."""

from __future__ import annotations

import io
import json
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from judge.interfaces.cli.app import cli
from judge.interfaces.cli.context import Context, json_option, pass_ctx, write_out
from judge.interfaces.cli.workspace import interview

if TYPE_CHECKING:
    from rich.console import Console


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
    store = ctx.store()
    rows = store.rows(problem_slug)
    if problem_slug and not rows:
        ctx.problem(problem_slug)  # an unknown problem is an error, not "no attempts"
    here = interview(None)
    if here is not None and not as_json and fmt is None and output is None:
        # The interview lives on the server; this machine's history is practice only. Say so, not "No attempts".
        ctx.out.print(f"This folder is an interview (attempt {here.attempt_id} on {here.pointer.get('server')}): "
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
        from rich.console import Console

        buffer = io.StringIO()
        history_text(Console(file=buffer, width=100, no_color=True, highlight=False, soft_wrap=False), rows)
        text = buffer.getvalue()
    else:
        history_text(ctx.out, rows)
        return
    write_out(ctx, text, output)


def history_text(console: Console, rows: list[dict[str, Any]]) -> None:
    """The history as a table a narrow terminal can hold: ids and problems are never cut."""
    from rich import box
    from rich.table import Table

    from judge.model.report import format_clock, help_text
    from judge.render.facts import trend_text

    narrow = console.width < 80
    # Below 80 columns: no side borders and no start date, so ids and problems still fit whole.
    table = Table(header_style="bold", pad_edge=False, box=box.SIMPLE_HEAD if narrow else box.HEAVY_HEAD,
                  collapse_padding=narrow)
    table.add_column("Attempt", no_wrap=True)
    table.add_column("Problem", no_wrap=True)
    if not narrow:
        table.add_column("Started", no_wrap=True)
    table.add_column("Score", justify="right", no_wrap=True)
    table.add_column("Time", no_wrap=True)
    table.add_column("Result")
    for r in rows:
        when = [datetime.fromtimestamp(r["started_at"]).strftime("%m-%d %H:%M")] if not narrow else []
        score = f"{r['percent']:g}%" if r["percent"] is not None else "-"
        if r["elapsed_s"] is not None and r["budget_s"]:
            over = r["elapsed_s"] > r["budget_s"]
            timing = f"{format_clock(r['elapsed_s'])}/{format_clock(r['budget_s'])}" + (" over" if over else "")
        else:
            timing = "-"
        result = r["verdict"] or r["status"]
        helped = help_text(r.get("hints"), r["verdict"] == "passed", bool(r.get("after_answer")))
        if helped:
            result += f", {helped}"
        table.add_row(r["id"], r["problem"], *when, score, timing, result)
    if not rows:
        console.print("No attempts yet. Start one with: judge start PROBLEM")
        return
    console.print(table)
    by_problem: dict[str, list[float]] = {}
    for r in reversed(rows):
        if r["percent"] is not None and not r.get("after_answer"):  # a solve after the model answer is no best
            by_problem.setdefault(r["problem"], []).append(r["percent"])
    for slug, scores in sorted(by_problem.items()):
        path = " -> ".join(f"{s:g}" for s in scores[-6:])
        console.print(f"{slug}: best {max(scores):g}%, {trend_text(scores)}: {path}")
    console.print("See one: judge report ID (or its first letters)")
