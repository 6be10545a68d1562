"""The terminal report, read top-down: the headline, the result per requirement (in words), the likely
mistake, then the failing tests with their messages; passing tests fold into one line unless ``show_all``."""

from __future__ import annotations

import io

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from judge.model.report import (
    VERDICT_TEXT,
    Diagnosis,
    Report,
    Status,
    TestResult,
    Verdict,
    both_at_once,
    budget_line,
    diagnosis_heading,
    explains_text,
    help_text,
    match_phrase,
    not_attempted_text,
)
from judge.render.facts import machine_text

STATUS_STYLE = {Status.PASS: "green", Status.FAIL: "red", Status.ERROR: "yellow"}
STATUS_MARK = {Status.PASS: "PASS", Status.FAIL: "FAIL", Status.ERROR: "ERROR"}


def verdict_style(verdict: Verdict) -> str:
    if verdict is Verdict.PASSED:
        return "bold green"
    if verdict is Verdict.SANDBOX_ERROR:
        return "bold yellow"
    return "bold red"


def summary(report: Report) -> Text:
    """The headline: score, verdict, time against budget, hints taken."""
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
    help_line = help_text(None if report.hints is None else report.hints_taken, report.verdict is Verdict.PASSED,
                          report.model_answer_seen)
    if help_line:
        line.append(f"Help  {help_line}\n")
    line.append(f"Graded in {report.grading_s:.1f} s ({report.sandbox.get('backend', '?')} sandbox"
                f"{machine_text(report.sandbox)})")
    return line


def requirements_table(report: Report) -> Table:
    """One row per requirement: its title, tests passed and points."""
    table = Table(show_header=True, header_style="bold", expand=False, pad_edge=False, title_justify="left",
                  title="By requirement", title_style="bold")
    table.add_column("Req")
    table.add_column("What it asks")
    table.add_column("Tests", justify="right")
    table.add_column("Pts", justify="right")
    table.add_column("Result")
    for req, passed, total, earned, points in report.by_requirement():
        status = Status.PASS if passed == total else Status.FAIL
        table.add_row(req, report.requirement_titles.get(req, ""), f"{passed}/{total}", f"{earned}/{points}",
                      Text(STATUS_MARK[status], style=STATUS_STYLE[status]))
    return table


def diagnosis_panel(diagnosis: tuple[Diagnosis, ...]) -> Panel:
    """The likely mistake(s), each with what to check and the match strength."""
    body = Text()
    for n, d in enumerate(diagnosis):
        if n:
            body.append("\n\n")
        body.append(d.title, style="bold")
        body.append(f"  (match {d.match:.0%}: {match_phrase(d.match, both_at_once(diagnosis))})\n", style="dim")
        body.append(d.explanation)
        if len(diagnosis) > 1 and explains_text(d):
            body.append("\n" + explains_text(d), style="dim")
    head = diagnosis_heading(diagnosis)
    return Panel(body, title=head, title_align="left", border_style="magenta", expand=False, width=100)


def tests_table(report: Report, tests: list[TestResult] | None = None, title: str = "") -> Table:
    """The given tests (all by default), failures with the first lines of their messages."""
    table = Table(show_header=True, header_style="bold", expand=False, pad_edge=False, title=title or None,
                  title_justify="left", title_style="bold")
    table.add_column("Req")
    table.add_column("Test")
    table.add_column("Pts", justify="right")
    table.add_column("Result")
    for test in report.tests if tests is None else tests:
        what = Text(test.description)
        if test.status is not Status.PASS and test.message:
            first = test.message.strip().splitlines()
            shown = "\n".join(first[:4]) + ("\n..." if len(first) > 4 else "")
            what.append("\n" + shown, style="dim")
        table.add_row(test.requirement or "-", what, f"{test.earned}/{test.points}",
                      Text(STATUS_MARK[test.status], style=STATUS_STYLE[test.status]))
    return table


def folded_line(report: Report, passing: list[TestResult]) -> Text:
    """The one line the passing tests fold into."""
    points = sum(t.points for t in passing)
    if report.suite == "public":  # `judge test` saves no report: the examples are the workspace's own tests/
        more = ": they are the examples in tests/"
    else:
        more = f": judge report {report.attempt_id} --all lists them" if report.attempt_id else ""
    noun = "test" if len(passing) == 1 else "tests"
    return Text(f"+ {len(passing)} passing {noun} ({points} points) not shown{more}", style="green")


def report_renderable(report: Report, show_all: bool = False) -> Group:
    """Headline, per requirement, diagnosis, failing tests (every test when ``show_all``), warnings."""
    parts: list[object] = [Panel(summary(report), expand=False)]
    if report.suite == "public":
        parts.append(Text("These are the public examples only; `judge submit` grades the hidden tests.",
                          style="italic"))
    if report.detail:
        parts.append(Panel(Text(report.detail), title="details", expand=False, border_style="yellow"))
    if report.tests:
        parts.append(requirements_table(report))
    if report.not_attempted:
        parts.append(Panel(Text(not_attempted_text(report)), title="Not attempted", title_align="left",
                           border_style="blue", expand=False, width=100))
    if report.diagnosis:
        parts.append(diagnosis_panel(report.diagnosis))
    if report.tests:
        failing = [t for t in report.tests if t.status is not Status.PASS]
        passing = [t for t in report.tests if t.status is Status.PASS]
        if show_all:
            parts.append(tests_table(report, title="Tests"))
        else:
            if failing:
                parts.append(tests_table(report, failing, title="Failing tests"))
            if passing:
                parts.append(folded_line(report, passing))
    for warning in report.warnings:
        parts.append(Text(f"warning: {warning}", style="yellow"))
    return Group(*parts)  # type: ignore[arg-type]


def print_report(console: Console, report: Report, show_all: bool = False) -> None:
    console.print(report_renderable(report, show_all))


def plain_text(report: Report, width: int = 100, show_all: bool = False) -> str:
    """The same report as plain text, for files and pipes."""
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, no_color=True, force_terminal=False, highlight=False)
    print_report(console, report, show_all)
    return buffer.getvalue()
