"""The HTML report and history pages: one self-contained file each, readable on screen and on paper.

No scripts, fonts or images from anywhere: the CSS is inline, the charts are inline SVG, and a
Content-Security-Policy forbids the page to load or run anything, as a second wall behind escaping.
Every string that came from a report (candidate code, messages, output) passes ``esc`` on its way in.
Status colours are the Okabe-Ito blue, vermillion and amber, always beside a text label and a symbol,
and the over-budget part of a bar is hatched as well as coloured.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Iterable
from typing import Any

from judge import __version__
from judge.model.report import (
    VERDICT_TEXT,
    Report,
    Status,
    TestResult,
    Verdict,
    both_at_once,
    diagnosis_heading,
    explains_text,
    format_clock,
    help_text,
    match_phrase,
    not_attempted_text,
)
from judge.problems.teaching import ModelAnswer
from judge.render import highlight
from judge.render.facts import (
    NO_CLOCK,
    PUBLIC_NOTE,
    STATUS_LABEL,
    clean_text,
    date_text,
    epoch_text,
    limit_facts,
    sandbox_facts,
    score_text,
    suite_label,
    time_text,
    title_of,
    trend_text,
)

PASS_COLOUR, OVER_COLOUR, TRACK_COLOUR = "#0072B2", "#D55E00", "#E3E8EE"
INK, GRID, AXIS, MUTED = "#1D2430", "#D9DEE5", "#9AA3AE", "#5B6573"
STATUS_MARK = {Status.PASS: "✓", Status.FAIL: "✗", Status.ERROR: "!"}
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"

CSS = """
:root { --pass: #0072B2; --pass-bg: #E5F0F8; --fail: #B84A00; --fail-bg: #FBEADF; --error: #7A5200;
  --error-bg: #FFF1CF; --ink: #1D2430; --muted: #5B6573; --line: #D9DEE5; --paper: #FFFFFF;
  --page: #F4F6F8; }
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { margin: 0; background: var(--page); color: var(--ink);
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1040px; margin: 0 auto; padding: 24px 20px 40px; }
h1 { font-size: 26px; margin: 0 0 4px; line-height: 1.2; }
h2 { font-size: 17px; margin: 0 0 12px; }
code, pre, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "DejaVu Sans Mono", monospace;
  font-size: 13px; }
.card { background: var(--paper); border: 1px solid var(--line); border-radius: 10px; padding: 18px 20px;
  margin: 0 0 16px; }
.brand { color: var(--muted); font-size: 13px; letter-spacing: .04em; text-transform: uppercase;
  margin: 0 0 8px; }
.summary { display: flex; gap: 24px; align-items: flex-start; justify-content: space-between;
  flex-wrap: wrap; }
.summary .who { flex: 1 1 420px; min-width: 0; }
.slug { color: var(--muted); }
.score { text-align: right; flex: 0 0 auto; }
.score .big { font-size: 40px; font-weight: 700; line-height: 1; }
.score .pct { font-size: 18px; color: var(--muted); }
.verdict { display: flex; gap: 10px; align-items: baseline; flex-wrap: wrap; margin: 12px 0 0; }
.meta { display: grid; grid-template-columns: max-content 1fr; gap: 3px 14px; margin: 14px 0 0;
  font-size: 14px; }
.meta dt { color: var(--muted); }
.meta dd { margin: 0; overflow-wrap: anywhere; }
.pill { display: inline-block; border-radius: 999px; padding: 1px 10px; font-weight: 650; font-size: 13px;
  border: 1.5px solid currentColor; white-space: nowrap; }
.pill.pass { color: var(--pass); background: var(--pass-bg); }
.pill.fail { color: var(--fail); background: var(--fail-bg); }
.pill.error { color: var(--error); background: var(--error-bg); }
.pill.big { font-size: 15px; padding: 3px 12px; }
.pill.neutral { color: var(--muted); background: var(--page); }
.banner { border-left: 5px solid var(--pass); background: var(--pass-bg); padding: 10px 14px;
  border-radius: 6px; margin: 0 0 16px; }
.banner.public { border-color: #6A3D9A; background: #F1EAF7; }
.banner.warn { border-color: #E69F00; background: var(--error-bg); }
.banner ul { margin: 4px 0 0; padding-left: 20px; }
.scorebar { height: 10px; background: #E3E8EE; border-radius: 5px; overflow: hidden; margin: 8px 0 0 auto;
  width: 180px; }
.scorebar span, .minibar span { display: block; height: 100%; background: var(--pass); }
.timeline { font-size: 16px; margin: 0 0 6px; }
.timeline.over, .timeover { color: var(--fail); font-weight: 650; }
svg { display: block; max-width: 100%; height: auto; }
svg text { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; fill: #1D2430; }
table { border-collapse: collapse; width: 100%; font-size: 14px; }
th { text-align: left; font-weight: 650; color: var(--muted); font-size: 12.5px; text-transform: uppercase;
  letter-spacing: .03em; border-bottom: 2px solid var(--line); padding: 6px 8px; }
td { border-bottom: 1px solid var(--line); padding: 7px 8px; vertical-align: top; }
td.num, th.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
td.nowrap { white-space: nowrap; }
tr.detail td { padding-top: 0; }
tr.has-detail td { border-bottom: 0; }
.tid { color: var(--muted); font-size: 12px; overflow-wrap: anywhere; }
.minibar { display: inline-block; width: 90px; height: 8px; background: #E3E8EE; border-radius: 4px;
  overflow: hidden; vertical-align: middle; margin-left: 8px; }
pre { margin: 0; white-space: pre-wrap; overflow-wrap: anywhere; }
.scroll { overflow-x: auto; }
pre.msg { background: #FAFBFC; border: 1px solid var(--line); border-left: 4px solid var(--fail);
  border-radius: 6px; padding: 8px 10px; max-height: 320px; overflow: auto; }
pre.msg.error { border-left-color: #E69F00; }
pre.msg.out { border-left-color: var(--line); }
.label { color: var(--muted); font-size: 12px; margin: 4px 0 2px; }
pre.code { background: #FAFBFC; border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px 10px 0;
  white-space: pre; overflow-x: auto; overflow-wrap: normal; line-height: 1.5; }
pre.code .ln { display: inline-block; width: 4.5ch; padding-right: 1.5ch; margin-right: 1.5ch;
  text-align: right; color: #8A94A3; border-right: 1px solid var(--line); user-select: none; }
.muted, .stats { color: var(--muted); }
.stats { font-size: 14px; }
.columns { display: grid; grid-template-columns: 3fr 2fr; gap: 24px; }
.columns .meta { margin-top: 0; }
.problem-head { display: flex; justify-content: space-between; align-items: baseline; gap: 12px;
  flex-wrap: wrap; }
.diagnosis { border-left: 5px solid #6A3D9A; background: #F6F1FA; }
.diagnosis h3 { font-size: 16px; margin: 0 0 4px; }
.diagnosis .mistake + .mistake { margin-top: 12px; padding-top: 12px; border-top: 1px solid var(--line); }
.diagnosis p { margin: 0; }
details.teach > summary { cursor: pointer; font-weight: 650; font-size: 17px; }
details.teach[open] > summary { margin-bottom: 12px; }
.editorial h2 { font-size: 16px; margin: 18px 0 6px; }
.editorial h3 { font-size: 15px; margin: 14px 0 4px; }
.editorial code { background: #F1F3F6; padding: 0 3px; border-radius: 3px; }
.editorial a code { text-decoration: underline dotted; }
dl.mistakes dt { font-weight: 650; margin-top: 8px; }
dl.mistakes dd { margin: 2px 0 0 0; }
table.sbs { table-layout: fixed; font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
  font-size: 12.5px; }
table.sbs td { border: 0; padding: 0 6px; white-space: pre-wrap; overflow-wrap: anywhere; vertical-align: top; }
table.sbs td.ln { width: 4ch; color: #8A94A3; text-align: right; user-select: none; padding: 0 4px; }
table.sbs th { text-transform: none; }
table.sbs col.ln { width: 4ch; }
table.sbs tr.chg td.l, table.sbs tr.del td.l { background: #FBEADF; }
table.sbs tr.chg td.r, table.sbs tr.ins td.r { background: #E5F0F8; }
footer { color: var(--muted); font-size: 12.5px; text-align: center; margin-top: 20px; }
@media print {
  body { background: #fff; font-size: 12px; }
  main { max-width: none; padding: 0; }
  .card { border-color: #BBB; break-inside: avoid; }
  .card.long { break-inside: auto; }
  pre.msg { max-height: none; overflow: visible; }
  pre.code { white-space: pre-wrap; overflow: visible; }
  tr { break-inside: avoid; }
}
""" + highlight.HIGHLIGHT_CSS


esc = highlight.esc
"""Untrusted text made safe for HTML element content and quoted attributes."""


def tag(name: str, content: str = "", **attrs: object) -> str:
    """One element. Attribute values are escaped (floats rounded); ``content`` must already be safe.

    Python names map to attribute names: ``font_size`` -> ``font-size``, ``class_`` -> ``class``.
    """
    parts = []
    for key, value in attrs.items():
        text = f"{value:.1f}" if isinstance(value, float) else str(value)
        parts.append(f' {key.rstrip("_").replace("_", "-")}="{esc(text)}"')
    attr = "".join(parts)
    return f"<{name}{attr}>{content}</{name}>" if content else f"<{name}{attr}/>"


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
        f"<footer>ml-judge {esc(__version__)} · a self-contained page: no scripts, nothing loaded from "
        "the network</footer>\n</main>\n</body>\n</html>\n"
    )


def card(title: str, content: str, cls: str = "card") -> str:
    """A titled section; ``title`` and ``content`` must already be safe."""
    return f'<section class="{cls}"><h2>{title}</h2>{content}</section>\n'


def facts_list(facts: Iterable[tuple[str, str]]) -> str:
    """A definition list of (label, value) pairs, both escaped."""
    items = "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in facts)
    return f'<dl class="meta">{items}</dl>'


def table(head: Iterable[tuple[str, bool]], body: Iterable[str]) -> str:
    """A table from (heading, right-aligned) pairs and already-built ``<tr>`` rows."""
    cells = "".join(f'<th class="num">{h}</th>' if right else f"<th>{h}</th>" for h, right in head)
    # In a box of its own that scrolls sideways: a wide table never widens the page (a phone at 390 px).
    return f"<div class=\"scroll\"><table><thead><tr>{cells}</tr></thead><tbody>{''.join(body)}</tbody></table></div>"


def hatch_pattern(pattern_id: str) -> str:
    """Diagonal stripes over the warning colour: over-budget reads without colour vision too."""
    stripes = (tag("rect", width=8, height=8, fill=OVER_COLOUR)
               + tag("rect", width=3, height=8, fill="#FFFFFF", fill_opacity=0.45))
    return tag("pattern", stripes, id=pattern_id, patternUnits="userSpaceOnUse", width=8, height=8,
               patternTransform="rotate(45)")


def svg(width: float, height: float, label: str, defs: str, body: str) -> str:
    """An inline SVG that scales to the page width."""
    return tag("svg", tag("defs", defs) + body, viewBox=f"0 0 {width:.0f} {height:.0f}", width="100%",
               role="img", aria_label=label)


# -- the report --------------------------------------------------------------------------------------

def summary_card(report: Report) -> str:
    """Title, suite, score, verdict and the attempt's identity."""
    pct = max(0.0, min(100.0, report.percent))
    public = ' <span class="pill neutral">public examples</span>' if report.suite == "public" else ""
    passed = sum(t.status is Status.PASS for t in report.tests)
    facts = [
        ("attempt", report.attempt_id or "none (graded with judge grade)"),
        ("date", date_text(report.created_at)),
        ("tests", f"{passed} of {len(report.tests)} passed ({suite_label(report)})"),
        ("time", time_text(report.elapsed_s, report.budget_s)),
    ]
    help_line = help_text(None if report.hints is None else report.hints_taken, report.verdict is Verdict.PASSED,
                          report.model_answer_seen)
    if help_line:
        facts.append(("help", help_line))
    return (
        '<section class="card">\n<p class="brand">ml-judge report</p>\n<div class="summary">\n'
        f'<div class="who"><h1>{esc(title_of(report))}</h1>'
        f'<div class="slug mono">{esc(report.problem)}{public}</div>\n'
        f'<div class="verdict">{status_pill(report.status, big=True)} '
        f'<strong class="mono">{esc(report.verdict.value)}</strong>'
        f"<span>{esc(VERDICT_TEXT[report.verdict])}</span></div>\n"
        f"{facts_list(facts)}</div>\n"
        f'<div class="score"><div class="big">{report.score}/{report.max_score}</div>'
        f'<div class="pct">{report.percent:g}%</div>'
        f'<div class="scorebar" role="img" aria-label="score {report.percent:g} percent">'
        f'<span style="width:{pct:.1f}%"></span></div></div>\n'
        "</div>\n</section>\n"
    )


def time_bar_svg(elapsed_s: float, budget_s: float) -> str:
    """Elapsed time against the budget; the part past the budget is hatched in the warning colour."""
    width, left, right = 1000.0, 10.0, 10.0
    span = max(elapsed_s, budget_s, 1e-9)

    def x(seconds: float) -> float:
        return left + (width - left - right) * max(0.0, seconds) / span

    bx, ex = x(budget_s), x(elapsed_s)
    parts = [tag("rect", x=left, y=22, width=bx - left, height=22, rx=4, fill=TRACK_COLOUR),
             tag("rect", x=left, y=22, width=min(ex, bx) - left, height=22, rx=4, fill=PASS_COLOUR)]
    top = f"elapsed {format_clock(elapsed_s)}"
    if elapsed_s > budget_s:
        parts.append(tag("rect", x=bx, y=22, width=ex - bx, height=22, fill="url(#time-over)"))
        top += f", over by {format_clock(elapsed_s - budget_s)}"
    # Above the bar: the elapsed end. Below it: zero and the budget. The two rows cannot collide.
    anchor = "end" if ex > width - 160 else ("start" if ex < left + 80 else "middle")
    parts += [
        tag("text", top, x=ex, y=14, text_anchor=anchor, font_size=13, font_weight=600),
        tag("line", x1=bx, y1=16, x2=bx, y2=52, stroke=INK, stroke_width=2),
        tag("text", f"budget {format_clock(budget_s)}", x=bx, y=68, font_size=13,
            text_anchor="end" if bx > width - 120 else "middle"),
        tag("text", "0:00", x=left, y=68, font_size=13),
    ]
    return svg(width, 76, f"time bar: {time_text(elapsed_s, budget_s)}", hatch_pattern("time-over"),
               "".join(parts))


def time_card(report: Report) -> str:
    """The time line in words and, when the attempt had a clock, as a bar."""
    if report.elapsed_s is None:
        return card("Time", f'<p class="timeline muted">{esc(NO_CLOCK)}</p>')
    over = " over" if report.within_budget is False else ""
    line = f'<p class="timeline{over}">{esc(time_text(report.elapsed_s, report.budget_s))}</p>'
    bar = time_bar_svg(report.elapsed_s, report.budget_s) if report.budget_s else ""
    return card("Time", line + bar)


def banners(report: Report) -> str:
    """The public-suite note, the warnings and the run detail: what a reader must not miss."""
    out = []
    if report.suite == "public":
        out.append(f'<div class="banner public"><strong>{esc(PUBLIC_NOTE)}</strong></div>\n')
    if report.warnings:
        items = "".join(f"<li>{esc(w)}</li>" for w in report.warnings)
        out.append(f'<div class="banner warn" role="note"><strong>⚠ Warnings ({len(report.warnings)})'
                   f"</strong><ul>{items}</ul></div>\n")
    if report.detail:
        kind = "out" if report.verdict is Verdict.FAILED else "error"
        out.append(card("Run detail", f'<pre class="msg {kind}">{esc(report.detail)}</pre>'))
    return "".join(out)


def requirements_card(report: Report) -> str:
    """Points and tests passed per requirement of the statement."""
    rows = []
    for req, passed, total, earned, points in report.by_requirement():
        share = 100.0 * earned / points if points else 0.0
        status = Status.PASS if passed == total else Status.FAIL
        rows.append(
            f"<tr><td><strong>{esc(req)}</strong></td><td>{esc(report.requirement_titles.get(req, ''))}</td>"
            f"<td>{status_pill(status)}</td>"
            f'<td class="num">{passed}/{total}</td><td class="num">{earned}/{points}'
            f'<span class="minibar"><span style="width:{share:.0f}%"></span></span></td></tr>'
        )
    head = [("Requirement", False), ("What it asks", False), ("Result", False), ("Tests passed", True),
            ("Points", True)]
    return card("By requirement", table(head, rows))


def diagnosis_card(report: Report) -> str:
    """The likely mistake(s): what it is, what to check, and how strongly the failures match it."""
    attempted = ""
    if report.not_attempted:
        attempted = card("Not attempted", f"<p>{esc(not_attempted_text(report))}</p>")
    if not report.diagnosis:
        return attempted
    beside = both_at_once(report.diagnosis)
    items = "".join(
        f'<div class="mistake"><h3>{esc(d.title)} <span class="muted" title="{esc(match_phrase(d.match, beside))}">'
        f'(match {d.match:.0%})</span></h3><p class="muted">{esc(match_phrase(d.match, beside))}</p>'
        f'<p>{esc(d.explanation)}</p>'
        + (f'<p class="muted">{esc(explains_text(d))}</p>' if len(report.diagnosis) > 1 and d.explains else "")
        + f'<div class="tid mono">{esc(d.mistake)}</div></div>' for d in report.diagnosis)
    head = diagnosis_heading(report.diagnosis)
    return attempted + card(head, items, cls="card diagnosis")


def test_rows(test: TestResult, index: int, req_title: str = "") -> str:
    """One test's row, and under it, when it did not pass, its message and captured output."""
    extra = []
    if test.status is not Status.PASS and test.message:
        kind = "error" if test.status is Status.ERROR else "assertion"
        extra.append(f'<div class="label">{kind}</div><pre class="msg {test.status.value}">'
                     f"{esc(test.message)}</pre>")
    if test.status is not Status.PASS and test.output:
        extra.append(f'<div class="label">captured output</div><pre class="msg out">{esc(test.output)}</pre>')
    cls = ' class="has-detail"' if extra else ""
    row = (
        f'<tr id="test-{index}"{cls}>'
        f'<td class="num muted">{index}</td><td>{status_pill(test.status)}</td>'
        f"<td><strong title=\"{esc(req_title)}\">{esc(test.requirement or '-')}</strong></td>"
        f'<td>{esc(test.description or test.name)}<div class="tid mono">{esc(test.id)}</div></td>'
        f'<td class="num">{test.earned}/{test.points}</td>'
        f'<td class="num muted">{test.duration_s:.2f} s</td></tr>'
    )
    if extra:
        row += f'<tr class="detail"><td></td><td colspan="5">{"".join(extra)}</td></tr>'
    return row


def tests_card(report: Report) -> str:
    """Every test, in suite order, failures with their messages."""
    if not report.tests:
        return card("Tests", '<p class="muted">No test results.</p>')
    failing = sum(t.status is not Status.PASS for t in report.tests)
    title = f"Tests ({len(report.tests)}" + (f", {failing} not passed)" if failing else ")")
    head = [("#", True), ("Result", False), ("Req", False), ("What it checks", False), ("Points", True),
            ("Time", True)]
    rows = (test_rows(t, i, report.requirement_titles.get(t.requirement, "")) for i, t in enumerate(report.tests, 1))
    return card(title, table(head, rows), cls="card long")


def code_card(solution: str, highlighted: bool = False) -> str:
    """The graded solution.py with line numbers (kept out of a copy by ``user-select: none``), its Python
    syntax coloured when ``highlighted``."""
    if not solution:
        return card("Submitted code", '<p class="muted">The submitted code is not available.</p>')
    lines = highlight.highlight_lines(solution) if highlighted else [esc(line) for line in solution.splitlines()]
    lines = lines or [""]
    body = "\n".join(f'<span class="ln">{n}</span>{line}' for n, line in enumerate(lines, 1))
    count = f"{len(lines)} line" + ("s" if len(lines) != 1 else "")
    title = f'Submitted code <span class="muted">(solution.py, {count})</span>'
    return card(title, f'<pre class="code"><code>{body}</code></pre>', cls="card long")


def sandbox_card(report: Report) -> str:
    """Where it ran and under which limits."""
    limits = report.sandbox.get("limits")
    limit_part = ""
    if isinstance(limits, dict) and limits:
        limit_part = f"<div><h2>Limits</h2>{facts_list(limit_facts(limits))}</div>"
    return (f'<section class="card columns"><div><h2>Sandbox</h2>{facts_list(sandbox_facts(report))}</div>'
            f"{limit_part}</section>\n")


_CODE_SPAN = re.compile(r"<code>([a-z0-9_]+)</code>")


def markdown_html(text: str, mistakes: Iterable[str] = ()) -> str:
    """Trusted Markdown (an editorial) as HTML; raw HTML in it is escaped, and a code span naming a known
    mistake links to that mistake's entry."""
    from markdown_it import MarkdownIt

    from judge.problems.teaching import for_reader

    known = set(mistakes)
    rendered = MarkdownIt("commonmark", {"html": False}).enable("table").render(clean_text(for_reader(text, known)))
    return _CODE_SPAN.sub(lambda m: f'<a href="#mistake-{m.group(1)}"><code>{m.group(1)}</code></a>'
                          if m.group(1) in known else m.group(0), rendered)


def side_by_side(left: str, right: str, labels: tuple[str, str] = ("Your solution.py", "Reference")) -> str:
    """Two sources in aligned columns (equal lines side by side, changed ones shaded), line-numbered;
    ``labels`` head the two columns (escaped here)."""
    a, b = left.splitlines(), right.splitlines()
    rows = []

    def row(kind: str, i: int | None, j: int | None) -> str:
        ln_a, code_a = ("", "") if i is None else (str(i + 1), esc(a[i]))
        ln_b, code_b = ("", "") if j is None else (str(j + 1), esc(b[j]))
        return (f'<tr class="{kind}"><td class="ln">{ln_a}</td><td class="l">{code_a}</td>'
                f'<td class="ln">{ln_b}</td><td class="r">{code_b}</td></tr>')

    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            rows += [row("same", i1 + k, j1 + k) for k in range(i2 - i1)]
            continue
        for k in range(max(i2 - i1, j2 - j1)):
            i = i1 + k if i1 + k < i2 else None
            j = j1 + k if j1 + k < j2 else None
            rows.append(row("chg" if i is not None and j is not None else "del" if j is None else "ins", i, j))
    head = ('<colgroup><col class="ln"><col><col class="ln"><col></colgroup><thead><tr>'
            f'<th></th><th>{esc(labels[0])}</th><th></th><th>{esc(labels[1])}</th></tr></thead>')
    return f'<div class="scroll"><table class="sbs">{head}<tbody>{"".join(rows)}</tbody></table></div>'


def teaching_card(model: ModelAnswer, solution: str) -> str:
    """The editorial, the known mistakes it links to, and the model answer beside the candidate's code:
    collapsed, so the report reads the same until the reader asks for it."""
    parts = []
    if model.editorial is not None:
        parts.append(f'<div class="editorial">{markdown_html(model.editorial.text, model.mistakes)}</div>')
    if model.mistakes:
        entries = "".join(f'<dt id="mistake-{esc(m.id)}">{esc(m.title)}</dt><dd>{esc(m.explanation)}</dd>'
                          for m in model.mistakes.values())
        parts.append(f'<h2>Known mistakes</h2><dl class="mistakes">{entries}</dl>')
    if solution:
        parts.append("<h2>Your code beside the reference</h2>" + side_by_side(solution, model.reference))
    else:
        lines = model.reference.splitlines() or [""]
        body = "\n".join(f'<span class="ln">{n}</span>{esc(line)}' for n, line in enumerate(lines, 1))
        parts.append(f'<h2>Reference solution</h2><pre class="code"><code>{body}</code></pre>')
    return ('<section class="card long"><details class="teach"><summary>Model answer and editorial '
            '<span class="muted">(approach, pitfalls, what an interviewer looks for, follow-up questions)</span>'
            f"</summary>{''.join(parts)}</details></section>\n")


def report_body(report: Report, solution: str, highlighted: bool = False, model: ModelAnswer | None = None) -> str:
    """The report's cards, in order: what ``report_html`` wraps in a page and the dashboard embeds. With
    ``model``, the editorial and the reference (only once the attempt is over: the caller decides)."""
    return (summary_card(report) + banners(report) + time_card(report) + requirements_card(report)
            + diagnosis_card(report) + tests_card(report) + code_card(solution, highlighted)
            + (teaching_card(model, solution) if model is not None else "") + sandbox_card(report))


def report_html(report: Report, solution: str, highlighted: bool = False, model: ModelAnswer | None = None) -> str:
    """The whole report as one self-contained HTML page."""
    title = f"{title_of(report)}: {score_text(report)} {report.verdict.value}"
    return page(title, report_body(report, solution, highlighted, model))


# -- the history -------------------------------------------------------------------------------------

def _num(value: Any) -> float | None:
    """A number from a store row, or None (the column may be NULL)."""
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


class _Chart:
    """Geometry of one history chart: a score panel above a time panel, one slot per attempt."""

    width, left, right, height = 960.0, 64.0, 16.0, 330.0
    score_top, score_bottom = 34.0, 144.0
    time_top, time_bottom = 196.0, 286.0

    def __init__(self, rows: list[dict[str, Any]]) -> None:
        self.n = len(rows)
        self.slot = (self.width - self.left - self.right) / max(self.n, 1)
        times = [v for r in rows for v in (_num(r.get("elapsed_s")), _num(r.get("budget_s"))) if v]
        self.t_max = max(times, default=60.0)

    def x(self, i: int) -> float:
        return self.left + self.slot * (i + 0.5)

    def score_y(self, percent: float) -> float:
        share = max(0.0, min(100.0, percent)) / 100.0
        return self.score_bottom - (self.score_bottom - self.score_top) * share

    def time_y(self, seconds: float) -> float:
        return self.time_bottom - (self.time_bottom - self.time_top) * max(0.0, seconds) / self.t_max


def _chart_frame(c: _Chart, budgets: list[float], hatch: str) -> list[str]:
    """Panel titles, grid lines, axis labels and the legend."""
    bold = {"font_size": 13, "font_weight": 650}
    out = [tag("text", "Score (%)", x=0, y=16, **bold),
           tag("text", "Time against budget", x=0, y=c.time_top - 16, **bold)]
    for pct in (0, 50, 100):
        y = c.score_y(pct)
        out += [tag("line", x1=c.left, y1=y, x2=c.width - c.right, y2=y, stroke=GRID),
                tag("text", f"{pct}%", x=c.left - 8, y=y + 4, font_size=12, text_anchor="end")]
    out += [tag("line", x1=c.left, y1=c.time_bottom, x2=c.width - c.right, y2=c.time_bottom, stroke=AXIS),
            tag("text", "0:00", x=c.left - 8, y=c.time_bottom + 4, font_size=12, text_anchor="end")]
    # The time axis is labelled at the budget(s): the one time a reader compares every bar with.
    for budget in budgets or [c.t_max]:
        out.append(tag("text", format_clock(budget), x=c.left - 8, y=c.time_y(budget) + 4, font_size=12,
                       text_anchor="end"))
    lx, ly = c.width - c.right - 330, c.time_top - 28
    out += [tag("rect", x=lx, y=ly, width=12, height=12, fill=PASS_COLOUR, fill_opacity=0.75),
            tag("text", "elapsed", x=lx + 17, y=ly + 10, font_size=12),
            tag("rect", x=lx + 80, y=ly, width=12, height=12, fill=f"url(#{hatch})"),
            tag("text", "over budget", x=lx + 97, y=ly + 10, font_size=12),
            tag("line", x1=lx + 190, y1=ly + 6, x2=lx + 214, y2=ly + 6, stroke=INK, stroke_width=2,
                stroke_dasharray="6 3"),
            tag("text", "budget", x=lx + 220, y=ly + 10, font_size=12)]
    return out


def _attempt_marks(c: _Chart, i: int, row: dict[str, Any], hatch: str) -> list[str]:
    """One attempt: its score point, its time bar (hatched past the budget), its budget tick and label."""
    x, labelled = c.x(i), c.n <= 24
    percent, elapsed, budget = (_num(row.get(k)) for k in ("percent", "elapsed_s", "budget_s"))
    when = epoch_text(_num(row.get("started_at")))
    tip = f"attempt {row.get('id', '?')}, {when}"
    out = []
    if percent is not None:
        y = c.score_y(percent)
        out.append(tag("circle", tag("title", esc(f"{tip}: {percent:g}%")), cx=x, cy=y, r=5, fill=PASS_COLOUR,
                       stroke="#FFFFFF", stroke_width=1.5))
        if labelled:
            out.append(tag("text", f"{percent:g}%", x=x, y=y - 10, font_size=12, text_anchor="middle"))
    else:
        out.append(tag("text", esc(row.get("status") or "open"), x=x, y=c.score_bottom - 6, font_size=11,
                       text_anchor="middle", fill=MUTED))
    bar_w = max(3.0, min(36.0, c.slot * 0.55))
    if elapsed is not None:
        within = min(elapsed, budget) if budget else elapsed
        title = tag("title", esc(f"{tip}: {time_text(elapsed, budget)}"))
        out.append(tag("rect", title, x=x - bar_w / 2, y=c.time_y(within), width=bar_w,
                       height=c.time_bottom - c.time_y(within), fill=PASS_COLOUR, fill_opacity=0.75))
        if budget and elapsed > budget:
            out.append(tag("rect", x=x - bar_w / 2, y=c.time_y(elapsed), width=bar_w,
                           height=c.time_y(budget) - c.time_y(elapsed), fill=f"url(#{hatch})"))
        if labelled:
            top = min(c.time_y(elapsed), c.time_y(budget)) if budget else c.time_y(elapsed)
            out.append(tag("text", format_clock(elapsed), x=x, y=top - 5, font_size=11, text_anchor="middle"))
    if budget:
        y = c.time_y(budget)
        out.append(tag("line", x1=x - c.slot / 2 + 2, y1=y, x2=x + c.slot / 2 - 2, y2=y, stroke=INK,
                       stroke_width=2, stroke_dasharray="6 3"))
    if i % max(1, math.ceil(c.n / 16)) == 0 or i == c.n - 1:
        out += [tag("text", f"#{i + 1}", x=x, y=c.time_bottom + 18, font_size=12, text_anchor="middle"),
                tag("text", esc(when[5:10]), x=x, y=c.time_bottom + 33, font_size=11, text_anchor="middle",
                    fill=MUTED)]
    return out


def history_chart(slug: str, rows: list[dict[str, Any]], chart_id: str) -> str:
    """Score (percent) and elapsed time against the budget, attempt by attempt, oldest first."""
    c, hatch = _Chart(rows), f"{chart_id}-over"
    budgets = sorted({b for b in (_num(r.get("budget_s")) for r in rows) if b})
    parts = _chart_frame(c, budgets, hatch)
    scores = [_num(r.get("percent")) for r in rows]
    points = [(c.x(i), c.score_y(p)) for i, p in enumerate(scores) if p is not None]
    if len(points) > 1:
        parts.append(tag("polyline", points=" ".join(f"{x:.1f},{y:.1f}" for x, y in points), fill="none",
                         stroke=PASS_COLOUR, stroke_width=2.5))
    for i, row in enumerate(rows):
        parts += _attempt_marks(c, i, row, hatch)
    label = f"{slug}: score and time over {c.n} attempt(s), oldest first"
    return svg(c.width, c.height, label, hatch_pattern(hatch), "".join(parts))


def _verdict_cell(row: dict[str, Any]) -> str:
    verdict = str(row.get("verdict") or "")
    try:
        status = Verdict(verdict).status
    except ValueError:
        return f'<span class="pill neutral">{esc(row.get("status") or "open")}</span>'
    return f'{status_pill(status)} <span class="mono">{esc(verdict)}</span>'


def attempts_table(rows: list[dict[str, Any]], links: dict[str, str] | None = None) -> str:
    """Attempts as a table, in the order given; an attempt with an entry in ``links`` links to its report."""
    links = links or {}
    body = []
    for row in rows:
        percent, elapsed, budget = (_num(row.get(k)) for k in ("percent", "elapsed_s", "budget_s"))
        score = "-" if percent is None else f"{row.get('score')}/{row.get('max_score')} ({percent:g}%)"
        timing = str(row.get("status")) if elapsed is None else time_text(elapsed, budget)
        over = ' class="timeover"' if elapsed is not None and budget and elapsed > budget else ""
        helped = help_text(row.get("hints"), row.get("verdict") == "passed", bool(row.get("after_answer")))
        body.append(
            f'<tr><td class="nowrap">{esc(epoch_text(_num(row.get("started_at"))))}</td>'
            f'<td class="nowrap">{esc(row.get("problem"))}</td><td class="num">{esc(score)}</td>'
            f"<td{over}>{esc(timing)}</td><td class=\"nowrap\">{_verdict_cell(row)}</td>"
            f"<td>{esc(helped or '-')}</td>"
            f'<td class="mono tid">{_attempt_cell(row, links)}</td></tr>'
        )
    head = [("Started", False), ("Problem", False), ("Score", True), ("Time", False), ("Verdict", False),
            ("Help", False), ("Attempt", False)]
    return table(head, body)


def _attempt_cell(row: dict[str, Any], links: dict[str, str]) -> str:
    attempt = str(row.get("id"))
    href = links.get(attempt)
    return f'<a href="{esc(href)}">{esc(attempt)}</a>' if href else esc(attempt)


def history_html(rows: list[dict[str, Any]], links: dict[str, str] | None = None) -> str:
    """Every attempt (``rows`` newest first, as ``Store.rows()`` gives them) with per-problem charts; ``links``
    maps attempt ids to the address of their report page."""
    head = '<section class="card"><p class="brand">ml-judge history</p><h1>Your attempts</h1>'
    if not rows:
        empty = '<p class="muted">No attempts yet. Start one with <code>judge start PROBLEM</code>.</p>'
        return page("ml-judge history", head + empty + "</section>\n")
    by_problem: dict[str, list[dict[str, Any]]] = {}
    for row in reversed(rows):
        by_problem.setdefault(str(row.get("problem")), []).append(row)
    summary_rows, sections = [], []
    for n, (slug, attempts) in enumerate(sorted(by_problem.items())):
        scores = [p for p in (_num(r.get("percent")) for r in attempts) if p is not None]
        best = f"{max(scores):g}%" if scores else "-"
        latest = f"{scores[-1]:g}%" if scores else "-"
        trend = trend_text(scores)
        summary_rows.append(
            f'<tr><td><strong>{esc(slug)}</strong></td><td class="num">{len(attempts)}</td>'
            f'<td class="num">{esc(best)}</td><td class="num">{esc(latest)}</td><td>{esc(trend)}</td>'
            f'<td class="muted">{esc(" → ".join(f"{s:g}" for s in scores[-6:]) or "-")}</td></tr>'
        )
        sections.append(
            f'<section class="card"><div class="problem-head"><h2>{esc(slug)}</h2><span class="stats">'
            f"{len(attempts)} attempt(s) · best {esc(best)} · {esc(trend)}</span></div>"
            f"{history_chart(slug, attempts, f'chart{n}')}</section>\n"
        )
    submitted = sum(_num(r.get("percent")) is not None for r in rows)
    stats = f"{len(rows)} attempt(s), {submitted} submitted, on {len(by_problem)} problem(s)."
    summary_head = [("Problem", False), ("Attempts", True), ("Best", True), ("Latest", True),
                    ("Trend", False), ("Last scores (%)", False)]
    body = (head + f'<p class="stats">{stats}</p>{table(summary_head, summary_rows)}</section>\n'
            + "".join(sections) + card("All attempts, newest first", attempts_table(rows, links), cls="card long"))
    return page("ml-judge history", body)
