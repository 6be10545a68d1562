"""The HTML report and history pages: one self-contained file each, readable on screen and on paper.

No scripts, fonts or images from anywhere: the CSS is inline, the charts are inline SVG, and a
Content-Security-Policy forbids the page to load or run anything, as a second wall behind escaping.
Every string that came from a report (candidate code, messages, output) passes ``esc`` on its way in.
Status colours are the Okabe-Ito blue, vermillion and amber, always beside a text label and a symbol,
and the over-budget part of a bar is hatched as well as coloured.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable
from typing import Any

from judge import __version__
from judge.render.facts import (
    NO_CLOCK,
    PUBLIC_NOTE,
    STATUS_LABEL,
    clean_text,
    date_text,
    epoch_text,
    first_line,
    limit_facts,
    sandbox_facts,
    score_text,
    suite_label,
    time_text,
    title_of,
)
from judge.report import VERDICT_TEXT, Report, Status, TestResult, Verdict, format_clock

PASS_COLOUR, FAIL_COLOUR, ERROR_COLOUR, TRACK_COLOUR = "#0072B2", "#D55E00", "#E69F00", "#E3E8EE"
STATUS_MARK = {Status.PASS: "✓", Status.FAIL: "✗", Status.ERROR: "!"}
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"

CSS = """
:root { --pass: #0072B2; --pass-bg: #E5F0F8; --fail: #B84A00; --fail-bg: #FBEADF; --error: #7A5200;
  --error-bg: #FFF1CF; --ink: #1D2430; --muted: #5B6573; --line: #D9DEE5; --paper: #FFFFFF; --page: #F4F6F8; }
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { margin: 0; background: var(--page); color: var(--ink); line-height: 1.45;
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1040px; margin: 0 auto; padding: 24px 20px 40px; }
h1 { font-size: 26px; margin: 0 0 4px; line-height: 1.2; }
h2 { font-size: 17px; margin: 0 0 12px; }
code, pre, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "DejaVu Sans Mono", monospace;
  font-size: 13px; }
.card { background: var(--paper); border: 1px solid var(--line); border-radius: 10px; padding: 18px 20px;
  margin: 0 0 16px; }
.brand { color: var(--muted); font-size: 13px; letter-spacing: .04em; text-transform: uppercase; margin: 0 0 8px; }
.summary { display: flex; gap: 24px; align-items: flex-start; justify-content: space-between; flex-wrap: wrap; }
.summary .who { flex: 1 1 420px; min-width: 0; }
.slug { color: var(--muted); }
.score { text-align: right; flex: 0 0 auto; }
.score .big { font-size: 40px; font-weight: 700; line-height: 1; }
.score .pct { font-size: 18px; color: var(--muted); }
.verdict { display: flex; gap: 10px; align-items: baseline; flex-wrap: wrap; margin: 12px 0 0; }
.verdict-text { color: var(--ink); }
.meta { display: grid; grid-template-columns: max-content 1fr; gap: 3px 14px; margin: 14px 0 0; font-size: 14px; }
.meta dt { color: var(--muted); }
.meta dd { margin: 0; overflow-wrap: anywhere; }
.pill { display: inline-block; border-radius: 999px; padding: 1px 10px; font-weight: 650; font-size: 13px;
  border: 1.5px solid currentColor; white-space: nowrap; }
.pill.pass { color: var(--pass); background: var(--pass-bg); }
.pill.fail { color: var(--fail); background: var(--fail-bg); }
.pill.error { color: var(--error); background: var(--error-bg); }
.pill.big { font-size: 15px; padding: 3px 12px; }
.pill.neutral { color: var(--muted); background: var(--page); }
.banner { border-left: 5px solid var(--pass); background: var(--pass-bg); padding: 10px 14px; border-radius: 6px;
  margin: 0 0 16px; }
.banner.public { border-color: #6A3D9A; background: #F1EAF7; }
.banner.warn { border-color: #E69F00; background: var(--error-bg); }
.banner ul { margin: 4px 0 0; padding-left: 20px; }
.scorebar { height: 10px; background: #E3E8EE; border-radius: 5px; overflow: hidden; margin: 8px 0 0;
  width: 180px; margin-left: auto; }
.scorebar span { display: block; height: 100%; background: var(--pass); }
.timeline { font-size: 16px; margin: 0 0 6px; }
.timeline.over { color: var(--fail); font-weight: 650; }
svg { display: block; max-width: 100%; height: auto; }
svg text { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; fill: #1D2430; }
table { border-collapse: collapse; width: 100%; font-size: 14px; }
th { text-align: left; font-weight: 650; color: var(--muted); font-size: 12.5px; text-transform: uppercase;
  letter-spacing: .03em; border-bottom: 2px solid var(--line); padding: 6px 8px; }
td { border-bottom: 1px solid var(--line); padding: 7px 8px; vertical-align: top; }
td.num, th.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
tr.detail td { border-top: 0; padding-top: 0; }
tr.has-detail td { border-bottom: 0; }
.timeover { color: var(--fail); font-weight: 600; }
.tid { color: var(--muted); font-size: 12px; overflow-wrap: anywhere; }
.minibar { display: inline-block; width: 90px; height: 8px; background: #E3E8EE; border-radius: 4px;
  overflow: hidden; vertical-align: middle; margin-left: 8px; }
.minibar span { display: block; height: 100%; background: var(--pass); }
pre { margin: 0; white-space: pre-wrap; overflow-wrap: anywhere; }
pre.msg { background: #FAFBFC; border: 1px solid var(--line); border-left: 4px solid var(--fail);
  border-radius: 6px; padding: 8px 10px; max-height: 320px; overflow: auto; }
pre.msg.error { border-left-color: #E69F00; }
pre.msg.out { border-left-color: var(--line); }
.label { color: var(--muted); font-size: 12px; margin: 4px 0 2px; }
pre.code { background: #FAFBFC; border: 1px solid var(--line); border-radius: 6px; padding: 10px 0;
  white-space: pre; overflow-x: auto; overflow-wrap: normal; line-height: 1.5; }
pre.code .line { display: block; padding: 0 12px 0 0; }
pre.code .ln { display: inline-block; width: 4.5ch; padding-right: 1.5ch; margin-right: 1.5ch; text-align: right;
  color: #8A94A3; border-right: 1px solid var(--line); user-select: none; }
.muted { color: var(--muted); }
footer { color: var(--muted); font-size: 12.5px; text-align: center; margin-top: 20px; }
.problem-head { display: flex; justify-content: space-between; align-items: baseline; gap: 12px; flex-wrap: wrap; }
.stats { color: var(--muted); font-size: 14px; }
@media print {
  body { background: #fff; font-size: 12px; }
  main { max-width: none; padding: 0; }
  .card { border-color: #BBB; break-inside: avoid; }
  .card.long { break-inside: auto; }
  pre.msg { max-height: none; overflow: visible; }
  pre.code { white-space: pre-wrap; overflow: visible; }
  tr { break-inside: avoid; }
}
"""


def esc(value: object) -> str:
    """Untrusted text made safe for HTML element content and quoted attributes."""
    return html.escape(clean_text(value), quote=True)


def status_pill(status: Status, big: bool = False) -> str:
    """A coloured label with a symbol, so no one needs to tell colours apart."""
    size = " big" if big else ""
    return f'<span class="pill {status.value}{size}">{STATUS_MARK[status]} {STATUS_LABEL[status]}</span>'


def page(title: str, body: str) -> str:
    """A whole HTML document around ``body``."""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="color-scheme" content="light">\n'
        f"<title>{esc(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n{body}"
        f'<footer>ml-judge {esc(__version__)} · a self-contained page: no scripts, nothing loaded from '
        "the network</footer>\n</main>\n</body>\n</html>\n"
    )


def facts_list(facts: Iterable[tuple[str, str]]) -> str:
    """A definition list of (label, value) pairs, both escaped."""
    items = "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in facts)
    return f'<dl class="meta">{items}</dl>'


# -- the report --------------------------------------------------------------------------------------

def summary_card(report: Report) -> str:
    """Title, suite, score, verdict and the attempt's identity."""
    pct = max(0.0, min(100.0, report.percent))
    public = ' <span class="pill neutral">public examples</span>' if report.suite == "public" else ""
    facts = [
        ("attempt", report.attempt_id or "none (graded with judge grade)"),
        ("date", date_text(report.created_at)),
        ("tests", f"{sum(t.status is Status.PASS for t in report.tests)} of {len(report.tests)} passed "
                  f"({suite_label(report)})"),
        ("time", time_text(report.elapsed_s, report.budget_s)),
    ]
    return (
        '<section class="card summary-card">\n<p class="brand">ml-judge report</p>\n<div class="summary">\n'
        f'<div class="who"><h1>{esc(title_of(report))}</h1>'
        f'<div class="slug mono">{esc(report.problem)}{public}</div>\n'
        f'<div class="verdict">{status_pill(report.status, big=True)} '
        f'<strong class="mono">{esc(report.verdict.value)}</strong>'
        f'<span class="verdict-text">{esc(VERDICT_TEXT[report.verdict])}</span></div>\n'
        f"{facts_list(facts)}</div>\n"
        f'<div class="score"><div class="big">{report.score}/{report.max_score}</div>'
        f'<div class="pct">{report.percent:g}%</div>'
        f'<div class="scorebar" role="img" aria-label="score {report.percent:g} percent">'
        f'<span style="width:{pct:.1f}%"></span></div></div>\n'
        "</div>\n</section>\n"
    )


def hatch_pattern(pattern_id: str) -> str:
    """Diagonal stripes over the warning colour: over-budget reads without colour vision too."""
    return (
        f'<pattern id="{pattern_id}" patternUnits="userSpaceOnUse" width="8" height="8" '
        f'patternTransform="rotate(45)"><rect width="8" height="8" fill="{FAIL_COLOUR}"/>'
        '<rect width="3" height="8" fill="#FFFFFF" fill-opacity="0.45"/></pattern>'
    )


def time_bar_svg(elapsed_s: float, budget_s: float) -> str:
    """Elapsed time against the budget; the part past the budget is hatched in the warning colour."""
    width, left, right = 1000.0, 10.0, 10.0
    span = max(elapsed_s, budget_s, 1e-9)
    inner = width - left - right

    def x(seconds: float) -> float:
        return left + inner * max(0.0, seconds) / span

    within = min(elapsed_s, budget_s)
    parts = [
        f'<rect x="{left}" y="18" width="{x(budget_s) - left:.1f}" height="22" rx="4" fill="{TRACK_COLOUR}"/>',
        f'<rect x="{left}" y="18" width="{x(within) - left:.1f}" height="22" rx="4" fill="{PASS_COLOUR}"/>',
    ]
    if elapsed_s > budget_s:
        parts.append(f'<rect x="{x(budget_s):.1f}" y="18" width="{x(elapsed_s) - x(budget_s):.1f}" height="22" '
                     'fill="url(#time-over)"/>')
        parts.append(f'<text x="{(x(budget_s) + x(elapsed_s)) / 2:.1f}" y="13" text-anchor="middle" '
                     f'font-size="13" font-weight="600">over by {format_clock(elapsed_s - budget_s)}</text>')
    bx = x(budget_s)
    anchor = "end" if bx > width - 120 else "middle"
    parts += [
        f'<line x1="{bx:.1f}" y1="10" x2="{bx:.1f}" y2="48" stroke="#1D2430" stroke-width="2"/>',
        f'<text x="{bx:.1f}" y="64" text-anchor="{anchor}" font-size="13">budget {format_clock(budget_s)}</text>',
        f'<text x="{left}" y="64" font-size="13">0:00</text>',
    ]
    ex = x(elapsed_s)
    if abs(ex - bx) > 110 and ex > left + 60:
        parts.append(f'<text x="{ex:.1f}" y="64" text-anchor="middle" font-size="13">'
                     f"elapsed {format_clock(elapsed_s)}</text>")
    label = f"time bar: {time_text(elapsed_s, budget_s)}"
    return (f'<svg viewBox="0 0 {width:.0f} 72" width="100%" role="img" aria-label="{esc(label)}">'
            f"<defs>{hatch_pattern('time-over')}</defs>{''.join(parts)}</svg>")


def time_card(report: Report) -> str:
    """The time line in words and, when the attempt had a clock, as a bar."""
    if report.elapsed_s is None:
        return f'<section class="card"><h2>Time</h2><p class="timeline muted">{esc(NO_CLOCK)}</p></section>\n'
    over = report.within_budget is False
    line = f'<p class="timeline{" over" if over else ""}">{esc(time_text(report.elapsed_s, report.budget_s))}</p>'
    bar = time_bar_svg(report.elapsed_s, report.budget_s) if report.budget_s else ""
    return f'<section class="card"><h2>Time</h2>{line}{bar}</section>\n'


def banners(report: Report) -> str:
    """The public-suite note, the run detail and the warnings: what a reader must not miss."""
    out = []
    if report.suite == "public":
        out.append(f'<div class="banner public"><strong>Public examples.</strong> {esc(PUBLIC_NOTE)}</div>\n')
    if report.warnings:
        items = "".join(f"<li>{esc(w)}</li>" for w in report.warnings)
        out.append(f'<div class="banner warn" role="note"><strong>⚠ Warnings ({len(report.warnings)})</strong>'
                   f"<ul>{items}</ul></div>\n")
    if report.detail:
        kind = "error" if report.verdict is not Verdict.FAILED else "out"
        out.append(f'<section class="card"><h2>Run detail</h2><pre class="msg {kind}">{esc(report.detail)}'
                   "</pre></section>\n")
    return "".join(out)


def requirements_card(report: Report) -> str:
    """Points and tests passed per requirement of the statement."""
    rows = []
    for req, passed, total, earned, points in report.by_requirement():
        share = 100.0 * earned / points if points else 0.0
        status = Status.PASS if passed == total else Status.FAIL
        rows.append(
            f"<tr><td><strong>{esc(req)}</strong></td><td>{status_pill(status)}</td>"
            f'<td class="num">{passed}/{total}</td>'
            f'<td class="num">{earned}/{points}<span class="minibar"><span style="width:{share:.0f}%"></span>'
            "</span></td></tr>"
        )
    return ('<section class="card"><h2>By requirement</h2><table><thead><tr><th>Requirement</th><th>Result</th>'
            '<th class="num">Tests passed</th><th class="num">Points</th></tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table></section>\n")


def test_rows(test: TestResult, index: int) -> str:
    """One test's row, and under it, when it did not pass, its message and captured output."""
    extra = []
    if test.status is not Status.PASS and test.message:
        extra.append(f'<div class="label">{"error" if test.status is Status.ERROR else "assertion"}</div>'
                     f'<pre class="msg {test.status.value}">{esc(test.message)}</pre>')
    if test.status is not Status.PASS and test.output:
        extra.append(f'<div class="label">captured output</div><pre class="msg out">{esc(test.output)}</pre>')
    cls = ' class="has-detail"' if extra else ""
    row = (
        f'<tr id="test-{index}"{cls}><td class="num muted">{index}</td><td>{status_pill(test.status)}</td>'
        f"<td><strong>{esc(test.requirement or '-')}</strong></td>"
        f'<td>{esc(test.description or test.name)}<div class="tid mono">{esc(test.id)}</div></td>'
        f'<td class="num">{test.earned}/{test.points}</td><td class="num muted">{test.duration_s:.2f} s</td></tr>'
    )
    if extra:
        row += f'<tr class="detail"><td></td><td colspan="5">{"".join(extra)}</td></tr>'
    return row


def tests_card(report: Report) -> str:
    """Every test, in suite order."""
    if not report.tests:
        return '<section class="card"><h2>Tests</h2><p class="muted">No test results.</p></section>\n'
    failing = sum(t.status is not Status.PASS for t in report.tests)
    head = f"Tests ({len(report.tests)}, {failing} not passed)" if failing else f"Tests ({len(report.tests)})"
    rows = "".join(test_rows(t, i) for i, t in enumerate(report.tests, 1))
    return (f'<section class="card long"><h2>{head}</h2><table><thead><tr><th class="num">#</th><th>Result</th>'
            '<th>Req</th><th>What it checks</th><th class="num">Points</th><th class="num">Time</th></tr></thead>'
            f"<tbody>{rows}</tbody></table></section>\n")


def code_card(solution: str) -> str:
    """The graded solution.py with line numbers."""
    if not solution:
        return ('<section class="card"><h2>Submitted code</h2>'
                '<p class="muted">The submitted code is not available.</p></section>\n')
    lines = solution.splitlines() or [""]
    body = "".join(f'<span class="line"><span class="ln">{n}</span>{esc(line)}</span>'
                   for n, line in enumerate(lines, 1))
    return (f'<section class="card long"><h2>Submitted code <span class="muted">(solution.py, {len(lines)} '
            f'lines)</span></h2><pre class="code"><code>{body}</code></pre></section>\n')


def sandbox_card(report: Report) -> str:
    """Where it ran and under which limits."""
    limits = report.sandbox.get("limits")
    limit_part = ""
    if isinstance(limits, dict) and limits:
        limit_part = f'<h2 style="margin-top:14px">Limits</h2>{facts_list(limit_facts(limits))}'
    return f'<section class="card"><h2>Sandbox</h2>{facts_list(sandbox_facts(report))}{limit_part}</section>\n'


def report_html(report: Report, solution: str) -> str:
    """The whole report as one self-contained HTML page."""
    title = f"{title_of(report)}: {score_text(report)} {report.verdict.value}"
    body = (summary_card(report) + banners(report) + time_card(report) + requirements_card(report)
            + tests_card(report) + code_card(solution) + sandbox_card(report))
    return page(title, body)


# -- the history -------------------------------------------------------------------------------------

def _num(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def trend_text(scores: list[float]) -> str:
    """How the last submitted score compares with the one before it."""
    if not scores:
        return "no submitted attempt yet"
    if len(scores) == 1:
        return "first attempt"
    change = scores[-1] - scores[-2]
    if abs(change) < 0.05:
        return "steady"
    word = "improving" if change > 0 else "declining"
    return f"{word} ({change:+.0f} points)"


def history_chart(slug: str, rows: list[dict[str, Any]], chart_id: str) -> str:
    """Score (percent) and elapsed time against the budget, attempt by attempt, oldest first."""
    width, left, right = 960.0, 64.0, 16.0
    score_top, score_bottom = 34.0, 144.0
    time_top, time_bottom = 196.0, 286.0
    height = 330.0
    n = len(rows)
    slot = (width - left - right) / max(n, 1)
    every = max(1, math.ceil(n / 16))
    labelled = n <= 24
    hatch = f"{chart_id}-over"

    def cx(i: int) -> float:
        return left + slot * (i + 0.5)

    def sy(percent: float) -> float:
        return score_bottom - (score_bottom - score_top) * max(0.0, min(100.0, percent)) / 100.0

    spans = [v for r in rows for v in (_num(r.get("elapsed_s")), _num(r.get("budget_s"))) if v]
    t_max = max(spans, default=60.0)

    def ty(seconds: float) -> float:
        return time_bottom - (time_bottom - time_top) * max(0.0, seconds) / t_max

    parts = [
        f'<text x="0" y="16" font-size="13" font-weight="650">Score (%)</text>',
        f'<text x="0" y="{time_top - 16:.0f}" font-size="13" font-weight="650">Time against budget</text>',
    ]
    for pct in (0, 50, 100):
        y = sy(pct)
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="#D9DEE5"/>'
                     f'<text x="{left - 8}" y="{y + 4:.1f}" font-size="12" text-anchor="end">{pct}%</text>')
    parts.append(f'<line x1="{left}" y1="{time_bottom}" x2="{width - right}" y2="{time_bottom}" stroke="#9AA3AE"/>'
                 f'<text x="{left - 8}" y="{time_bottom + 4}" font-size="12" text-anchor="end">0:00</text>'
                 f'<text x="{left - 8}" y="{time_top + 4}" font-size="12" text-anchor="end">'
                 f"{format_clock(t_max)}</text>")
    marks: list[str] = []
    points: list[tuple[float, float]] = []
    bar_w = max(3.0, min(36.0, slot * 0.55))
    for i, row in enumerate(rows):
        x = cx(i)
        percent, elapsed, budget = _num(row.get("percent")), _num(row.get("elapsed_s")), _num(row.get("budget_s"))
        when = epoch_text(_num(row.get("started_at")))
        tip = f"attempt {row.get('id', '?')}, {when}"
        if percent is not None:
            points.append((x, sy(percent)))
            tip_score = f"{tip}: {percent:g}%"
            marks.append(f'<circle cx="{x:.1f}" cy="{sy(percent):.1f}" r="5" fill="{PASS_COLOUR}" stroke="#fff" '
                         f'stroke-width="1.5"><title>{esc(tip_score)}</title></circle>')
            if labelled:
                marks.append(f'<text x="{x:.1f}" y="{sy(percent) - 10:.1f}" font-size="12" text-anchor="middle">'
                             f"{percent:g}%</text>")
        else:
            marks.append(f'<text x="{x:.1f}" y="{score_bottom - 6:.1f}" font-size="11" text-anchor="middle" '
                         f'fill="#5B6573">{esc(row.get("status") or "open")}</text>')
        if elapsed is not None:
            within = min(elapsed, budget) if budget else elapsed
            marks.append(f'<rect x="{x - bar_w / 2:.1f}" y="{ty(within):.1f}" width="{bar_w:.1f}" '
                         f'height="{time_bottom - ty(within):.1f}" fill="{PASS_COLOUR}" fill-opacity="0.75">'
                         f"<title>{esc(tip)}: {esc(time_text(elapsed, budget))}</title></rect>")
            if budget and elapsed > budget:
                marks.append(f'<rect x="{x - bar_w / 2:.1f}" y="{ty(elapsed):.1f}" width="{bar_w:.1f}" '
                             f'height="{ty(budget) - ty(elapsed):.1f}" fill="url(#{hatch})"/>')
            if labelled:
                marks.append(f'<text x="{x:.1f}" y="{ty(elapsed) - 5:.1f}" font-size="11" text-anchor="middle">'
                             f"{format_clock(elapsed)}</text>")
        if budget:
            marks.append(f'<line x1="{x - slot / 2 + 2:.1f}" y1="{ty(budget):.1f}" x2="{x + slot / 2 - 2:.1f}" '
                         f'y2="{ty(budget):.1f}" stroke="#1D2430" stroke-width="2" stroke-dasharray="6 3"/>')
        if i % every == 0 or i == n - 1:
            day = when[5:10] if len(when) >= 10 else ""
            marks.append(f'<text x="{x:.1f}" y="{time_bottom + 18}" font-size="12" text-anchor="middle">#{i + 1}'
                         f'</text><text x="{x:.1f}" y="{time_bottom + 33}" font-size="11" text-anchor="middle" '
                         f'fill="#5B6573">{esc(day)}</text>')
    if len(points) > 1:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        parts.append(f'<polyline points="{path}" fill="none" stroke="{PASS_COLOUR}" stroke-width="2.5"/>')
    parts += marks
    legend_x = width - right - 330
    parts.append(
        f'<g font-size="12"><rect x="{legend_x:.0f}" y="{time_top - 28:.0f}" width="12" height="12" '
        f'fill="{PASS_COLOUR}" fill-opacity="0.75"/><text x="{legend_x + 17:.0f}" y="{time_top - 18:.0f}">'
        f'elapsed</text><rect x="{legend_x + 80:.0f}" y="{time_top - 28:.0f}" width="12" height="12" '
        f'fill="url(#{hatch})"/><text x="{legend_x + 97:.0f}" y="{time_top - 18:.0f}">over budget</text>'
        f'<line x1="{legend_x + 190:.0f}" y1="{time_top - 22:.0f}" x2="{legend_x + 214:.0f}" '
        f'y2="{time_top - 22:.0f}" stroke="#1D2430" stroke-width="2" stroke-dasharray="6 3"/>'
        f'<text x="{legend_x + 220:.0f}" y="{time_top - 18:.0f}">budget</text></g>'
    )
    label = f"{slug}: score and time over {n} attempt(s), oldest first"
    return (f'<svg viewBox="0 0 {width:.0f} {height:.0f}" width="100%" role="img" aria-label="{esc(label)}">'
            f"<defs>{hatch_pattern(hatch)}</defs>{''.join(parts)}</svg>")


def _score_cell(row: dict[str, Any]) -> str:
    percent = _num(row.get("percent"))
    if percent is None:
        return "-"
    return f"{row.get('score')}/{row.get('max_score')} ({percent:g}%)"


def _verdict_cell(row: dict[str, Any]) -> str:
    verdict = row.get("verdict")
    try:
        status = Verdict(verdict).status
    except ValueError:
        return f'<span class="pill neutral">{esc(row.get("status") or "open")}</span>'
    return f'{status_pill(status)} <span class="mono">{esc(verdict)}</span>'


def attempts_table(rows: list[dict[str, Any]], with_problem: bool = True) -> str:
    """Attempts as a table, in the order given."""
    body = []
    for row in rows:
        elapsed = _num(row.get("elapsed_s"))
        timing = time_text(elapsed, _num(row.get("budget_s"))) if elapsed is not None else str(row.get("status"))
        over = elapsed is not None and (_num(row.get("budget_s")) or math.inf) < elapsed
        over_cls = ' class="timeover"' if over else ""
        problem = f"<td>{esc(row.get('problem'))}</td>" if with_problem else ""
        body.append(
            f"<tr><td>{esc(epoch_text(_num(row.get('started_at'))))}</td>{problem}"
            f'<td class="num">{esc(_score_cell(row))}</td><td{over_cls}>{esc(timing)}</td>'
            f"<td>{_verdict_cell(row)}</td><td class=\"mono tid\">{esc(row.get('id'))}</td></tr>"
        )
    problem_head = "<th>Problem</th>" if with_problem else ""
    return (f"<table><thead><tr><th>Started</th>{problem_head}<th class=\"num\">Score</th><th>Time</th>"
            f"<th>Verdict</th><th>Attempt</th></tr></thead><tbody>{''.join(body)}</tbody></table>")


def history_html(rows: list[dict[str, Any]]) -> str:
    """Every attempt (``rows`` newest first, as ``Store.rows()`` gives them) with per-problem charts."""
    head = '<section class="card"><p class="brand">ml-judge history</p><h1>Your attempts</h1>'
    if not rows:
        body = (head + '<p class="muted">No attempts yet. Start one with <code>judge start PROBLEM</code>.</p>'
                "</section>\n")
        return page("ml-judge history", body)
    by_problem: dict[str, list[dict[str, Any]]] = {}
    for row in reversed(rows):
        by_problem.setdefault(str(row.get("problem")), []).append(row)
    summary_rows, sections = [], []
    for n, (slug, attempts) in enumerate(sorted(by_problem.items())):
        scores = [p for p in (_num(r.get("percent")) for r in attempts) if p is not None]
        best = f"{max(scores):g}%" if scores else "-"
        latest = f"{scores[-1]:g}%" if scores else "-"
        path = " → ".join(f"{s:g}" for s in scores[-6:]) or "-"
        trend = trend_text(scores)
        summary_rows.append(
            f"<tr><td><strong>{esc(slug)}</strong></td><td class=\"num\">{len(attempts)}</td>"
            f'<td class="num">{esc(best)}</td><td class="num">{esc(latest)}</td><td>{esc(trend)}</td>'
            f'<td class="muted">{esc(path)}</td></tr>'
        )
        sections.append(
            f'<section class="card"><div class="problem-head"><h2>{esc(slug)}</h2><span class="stats">'
            f"{len(attempts)} attempt(s) · best {esc(best)} · {esc(trend)}</span></div>"
            f"{history_chart(slug, attempts, f'chart{n}')}</section>\n"
        )
    submitted = sum(_num(r.get("percent")) is not None for r in rows)
    body = (
        head + f'<p class="stats">{len(rows)} attempt(s), {submitted} submitted, on {len(by_problem)} problem(s).</p>'
        '<table><thead><tr><th>Problem</th><th class="num">Attempts</th><th class="num">Best</th>'
        '<th class="num">Latest</th><th>Trend</th><th>Last scores (%)</th></tr></thead>'
        f"<tbody>{''.join(summary_rows)}</tbody></table></section>\n"
        + "".join(sections)
        + f'<section class="card long"><h2>All attempts, newest first</h2>{attempts_table(rows)}</section>\n'
    )
    return page("ml-judge history", body)
