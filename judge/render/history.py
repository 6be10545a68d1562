"""`judge history` for a terminal: every practice attempt as a table a narrow terminal can hold, then the
best score and trend per problem. (The HTML page is ``judge.render.html.history_html``.) Drawn with
``judge.render.plain``, not rich: `judge history` must start fast."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from judge.model.clock import format_clock
from judge.model.outcomes import help_text
from judge.render.facts import trend_text
from judge.render.plain import HEAVY_HEAD, SIMPLE_HEAD, Column, Table, Terminal


def history_text(screen: Terminal, rows: list[dict[str, Any]]) -> None:
    """The history as a table a narrow terminal can hold: ids and problems are never cut."""
    narrow = screen.width < 80
    # Below 80 columns: no side borders and no start date, so ids and problems still fit whole.
    table = Table([Column("Attempt", no_wrap=True), Column("Problem", no_wrap=True),
                   *([] if narrow else [Column("Started", no_wrap=True)]),
                   Column("Score", justify="right", no_wrap=True), Column("Time", no_wrap=True), Column("Result")],
                  box=SIMPLE_HEAD if narrow else HEAVY_HEAD, collapse_padding=narrow)
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
        screen.line("No attempts yet. Start one with: judge start PROBLEM")
        return
    screen.table(table)
    by_problem: dict[str, list[float]] = {}
    for r in reversed(rows):
        if r["percent"] is not None and not r.get("after_answer"):  # a solve after the model answer is no best
            by_problem.setdefault(r["problem"], []).append(r["percent"])
    for slug, scores in sorted(by_problem.items()):
        path = " -> ".join(f"{s:g}" for s in scores[-6:])
        screen.line(f"{slug}: best {max(scores):g}%, {trend_text(scores)}: {path}")
    screen.line("See one: judge report ID (or its first letters)")
