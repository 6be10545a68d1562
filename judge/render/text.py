"""The terminal report: a summary line a person can scan in a second, then one row per test."""

from __future__ import annotations

import io

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from judge.model.report import VERDICT_TEXT, Report, Status, Verdict, budget_line

STATUS_STYLE = {Status.PASS: "green", Status.FAIL: "red", Status.ERROR: "yellow"}
STATUS_MARK = {Status.PASS: "PASS", Status.FAIL: "FAIL", Status.ERROR: "ERROR"}


def verdict_style(verdict: Verdict) -> str:
    if verdict is Verdict.PASSED:
        return "bold green"
    if verdict is Verdict.SANDBOX_ERROR:
        return "bold yellow"
    return "bold red"


def summary(report: Report) -> Text:
    """The headline: score, verdict, time against budget."""
    line = Text()
    kind = "public examples" if report.suite == "public" else "hidden tests"
    line.append(f"{report.problem}", style="bold")
    line.append(f"  ({kind})\n")
    line.append(f"Score {report.score}/{report.max_score} ({report.percent:g}%)  ", style="bold")
    line.append(f"{report.verdict.value}", style=verdict_style(report.verdict))
    line.append(f": {VERDICT_TEXT[report.verdict]}\n")
    if report.elapsed_s is not None and report.budget_s is not None:
        style = "green" if report.within_budget else "red"
        line.append("Time  ")
        line.append(budget_line(report.elapsed_s, report.budget_s), style=style)
        line.append("\n")
    line.append(f"Graded in {report.grading_s:.1f} s ({report.sandbox.get('backend', '?')} sandbox)")
    return line


def tests_table(report: Report) -> Table:
    table = Table(show_header=True, header_style="bold", expand=False, pad_edge=False)
    table.add_column("Req")
    table.add_column("Test")
    table.add_column("Pts", justify="right")
    table.add_column("Result")
    for test in report.tests:
        what = Text(test.description)
        if test.status is not Status.PASS and test.message:
            first = test.message.strip().splitlines()
            shown = "\n".join(first[:4]) + ("\n..." if len(first) > 4 else "")
            what.append("\n" + shown, style="dim")
        table.add_row(test.requirement or "-", what, f"{test.earned}/{test.points}",
                      Text(STATUS_MARK[test.status], style=STATUS_STYLE[test.status]))
    return table


def report_renderable(report: Report) -> Group:
    parts: list[object] = [Panel(summary(report), expand=False)]
    if report.suite == "public":
        parts.append(Text("These are the public examples only; `judge submit` grades the hidden tests.",
                          style="italic"))
    if report.detail:
        parts.append(Panel(Text(report.detail), title="details", expand=False, border_style="yellow"))
    if report.tests:
        parts.append(tests_table(report))
    for warning in report.warnings:
        parts.append(Text(f"warning: {warning}", style="yellow"))
    return Group(*parts)  # type: ignore[arg-type]


def print_report(console: Console, report: Report) -> None:
    console.print(report_renderable(report))


def plain_text(report: Report, width: int = 100) -> str:
    """The same report as plain text, for files and pipes."""
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, no_color=True, force_terminal=False, highlight=False)
    print_report(console, report)
    return buffer.getvalue()
