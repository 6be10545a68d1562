"""`judge history` for a terminal: every practice attempt as a table a narrow terminal can hold, then the
best score and trend per problem. (The HTML page is ``judge.render.html.history_html``.)"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table

from judge.model.report import format_clock, help_text
from judge.render.facts import trend_text


def history_text(console: Console, rows: list[dict[str, Any]]) -> None:
    """The history as a table a narrow terminal can hold: ids and problems are never cut."""
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
