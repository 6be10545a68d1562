"""A candidate's interview report (``judge.model.candidate_report``) drawn for a terminal (`judge submit`,
`judge status` in an interview workspace) and as HTML for the candidate page: the only two drawings of it."""

from __future__ import annotations

from rich.console import Console, Group, RenderableType
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table

from judge.model.candidate_report import CandidateReport
from judge.model.outcomes import Status, Verdict
from judge.model.report import budget_line, format_clock
from judge.render.highlight import esc

PILL = {Status.PASS: '<span class="pill pass">✓ PASS</span>', Status.FAIL: '<span class="pill fail">✗ FAIL</span>'}
ERROR_PILL = '<span class="pill error">! ERROR</span>'


# -- the terminal --------------------------------------------------------------------------------------


def renderable(report: CandidateReport) -> Group:
    """The report for a terminal: a headline panel, the detail, then the tests ("full" feedback) or the
    points per requirement, then any warnings."""
    timing = "" if report.elapsed_s is None or report.budget_s is None else budget_line(report.elapsed_s,
                                                                                         report.budget_s)
    head = (f"Score {report.score}/{report.max_score} ({report.percent:g}%)  {report.verdict.value}: "
            f"{report.verdict_text}\nTime  {timing} (server clock){'  LATE' if report.late else ''}")
    parts: list[RenderableType] = [Panel(escape(head), title=f"{report.problem} (hidden tests, graded on the server)",
                                         expand=False)]
    if report.detail:
        parts.append(escape(report.detail))
    table = Table(header_style="bold")
    if report.tests:
        for column in ("Req", "What it checks", "Pts", "Result"):
            table.add_column(column)
        for t in report.tests:
            failed = bool(t.message) and t.status is not Status.PASS
            text = escape(t.description) + (f"\n[dim]{escape(t.message)}[/]" if failed else "")
            table.add_row(t.requirement, text, f"{t.earned}/{t.points}", t.status.value.upper())
    else:
        for column in ("Requirement", "Tests passed", "Points"):
            table.add_column(column)
        for r in report.requirements:
            table.add_row(escape(r.label), f"{r.tests_passed}/{r.tests}", f"{r.earned}/{r.points}")
    parts.append(table)
    parts.extend(f"[yellow]warning:[/] {escape(w)}" for w in report.warnings or ())
    return Group(*parts)


def score_line(report: CandidateReport) -> str:
    """One line for `judge status`: "Submitted: score 7/10 (70%), late"."""
    return f"Submitted: score {report.score}/{report.max_score} ({report.percent:g}%)" + (", late" if report.late
                                                                                          else "")


def print_report(console: Console, report: CandidateReport) -> None:
    """Print the report to ``console``."""
    for part in renderable(report).renderables:
        console.print(part)


# -- the candidate page --------------------------------------------------------------------------------


def _clock(seconds: float | None) -> str:
    return "-" if seconds is None else format_clock(seconds)


def report_html(report: CandidateReport) -> str:
    """The report as the candidate page's result card shows it (every value escaped here)."""
    verdict = ('<span class="pill pass big">✓ PASS</span>' if report.verdict is Verdict.PASSED
               else '<span class="pill fail big">✗ FAIL</span>')
    late = ': <strong class="timeover">late</strong>' if report.late else ""
    out = [
        '<div class="summary">\n'
        f'  <div class="who"><div class="verdict">{verdict} <span>{esc(report.verdict_text)}</span></div>\n'
        f"  <p>Time {esc(_clock(report.elapsed_s))} of {esc(_clock(report.budget_s))}{late}.</p></div>\n"
        f'  <div class="score"><div class="big" id="score">{report.score}/{report.max_score}</div>'
        f'<div class="pct">{report.percent}%</div></div>\n'
        "</div>\n<h3>By requirement</h3>\n"
        '<div class="scroll"><table><thead><tr><th>Requirement</th><th class="num">Tests passed</th>'
        '<th class="num">Points</th></tr></thead><tbody>\n'
    ]
    for r in report.requirements:
        title = f" {esc(r.title)}" if r.title else ""
        out.append(f"<tr><td><strong>{esc(r.requirement)}</strong>{title}</td>"
                   f'<td class="num">{r.tests_passed}/{r.tests}</td><td class="num">{r.earned}/{r.points}</td></tr>')
    out.append("\n</tbody></table></div>\n")
    if report.tests:
        out.append('<h3>Tests</h3>\n<div class="scroll"><table><thead><tr><th>Result</th><th>Req</th>'
                   '<th>What it checks</th><th class="num">Points</th></tr></thead><tbody>\n')
        for t in report.tests:
            message = (f'<pre class="msg {t.status.value}">{esc(t.message)}</pre>'
                       if t.message and t.status is not Status.PASS else "")
            out.append(f"<tr><td>{PILL.get(t.status, ERROR_PILL)}</td><td>{esc(t.requirement)}</td>"
                       f'<td>{esc(t.description)}{message}</td><td class="num">{t.earned}/{t.points}</td></tr>')
        out.append("\n</tbody></table></div>\n")
    if report.detail:
        out.append(f'<pre class="msg out">{esc(report.detail)}</pre>\n')
    return "".join(out)
