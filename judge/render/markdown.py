"""The report as GitHub-flavoured Markdown: the HTML page's content, for pull requests, issues and notes.

Untrusted text reaches Markdown in two ways only: inside fenced blocks whose fence is longer than any run
of backticks in the text, or as inline text with HTML and Markdown punctuation escaped. Either way a
candidate's message cannot open a link, an image or raw HTML.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

from judge.model.report import (
    VERDICT_TEXT,
    Report,
    Status,
    TestResult,
    both_at_once,
    diagnosis_heading,
    explains_text,
    match_phrase,
    not_attempted_text,
)
from judge.render.facts import (
    PUBLIC_NOTE,
    STATUS_LABEL,
    clean_text,
    date_text,
    limit_facts,
    sandbox_facts,
    score_text,
    suite_label,
    time_text,
    title_of,
)

STATUS_MARK = {Status.PASS: "✅", Status.FAIL: "❌", Status.ERROR: "⚠️"}
_PUNCTUATION = re.compile(r"([\\`*_\[\]{}|~#!])")
_TICKS = re.compile(r"`+")


def inline(text: object) -> str:
    """Untrusted text for a paragraph, list item or table cell: one line, nothing it can turn into markup."""
    escaped = _PUNCTUATION.sub(r"\\\1", html.escape(clean_text(text), quote=False))
    return "<br>".join(escaped.splitlines())


def code(text: object, in_table: bool = False) -> str:
    """A code span around ``text``; in a table cell a ``|`` is escaped, as GFM asks even inside code."""
    body = clean_text(text).replace("\n", " ")
    if in_table:
        body = body.replace("|", "\\|")
    longest = max((len(m) for m in _TICKS.findall(body)), default=0)
    ticks = "`" * (longest + 1)
    pad = " " if body.startswith("`") or body.endswith("`") else ""
    return f"{ticks}{pad}{body}{pad}{ticks}"


def fenced(text: str, language: str = "text") -> str:
    """A fenced block that the text inside cannot close."""
    body = clean_text(text).rstrip("\n")
    longest = max((len(m) for m in _TICKS.findall(body)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{language}\n{body}\n{fence}\n"


def status_label(status: Status) -> str:
    """The status as a symbol and a word: readable without colour."""
    return f"{STATUS_MARK[status]} {STATUS_LABEL[status]}"


def table(head: Iterable[str], rows: Iterable[Iterable[str]], right: Iterable[int] = ()) -> str:
    """A GFM table; the cells must already be escaped."""
    head = list(head)
    right_set = set(right)
    rule = ["---:" if i in right_set else "---" for i in range(len(head))]
    lines = ["| " + " | ".join(head) + " |", "| " + " | ".join(rule) + " |"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def bullets(facts: Iterable[tuple[str, str]]) -> str:
    """``- **label**: value`` lines; the values must already be escaped."""
    return "".join(f"- **{label}**: {value}\n" for label, value in facts)


def summary(report: Report) -> str:
    """The headline facts as a list."""
    over = " **(over budget)**" if report.within_budget is False else ""
    facts = [
        ("Score", f"**{score_text(report)}**"),
        ("Verdict", f"{status_label(report.status)} {code(report.verdict.value)}: "
                    f"{inline(VERDICT_TEXT[report.verdict])}"),
        ("Suite", inline(suite_label(report))),
        ("Time", inline(time_text(report.elapsed_s, report.budget_s)) + over),
        ("Attempt", code(report.attempt_id) if report.attempt_id else "none (graded with `judge grade`)"),
        ("Date", inline(date_text(report.created_at))),
    ]
    return bullets(facts)


def failure(test: TestResult, index: int) -> str:
    """The message and output of a test that did not pass."""
    out = [f"### {index}. {status_label(test.status)} {inline(test.requirement or '-')}: "
           f"{inline(test.description or test.name)}\n", f"{code(test.id)}\n"]
    if test.message:
        out.append(fenced(test.message))
    if test.output:
        out.append("Captured output:\n\n" + fenced(test.output))
    return "\n".join(out)


def report_markdown(report: Report, solution: str) -> str:
    """The whole report as one Markdown document."""
    parts = [f"# {inline(title_of(report))} ({code(report.problem)})\n"]
    if report.suite == "public":
        parts.append(f"> **{inline(PUBLIC_NOTE)}**\n")
    parts.append(summary(report))
    if report.warnings:
        parts.append("## Warnings\n\n" + "".join(f"- ⚠️ {inline(w)}\n" for w in report.warnings))
    if report.detail:
        parts.append("## Run detail\n\n" + fenced(report.detail))
    if report.tests:
        reqs = [(f"**{inline(req)}**", inline(report.requirement_titles.get(req, "")),
                 status_label(Status.PASS if passed == total else Status.FAIL), f"{passed}/{total}",
                 f"{earned}/{points}")
                for req, passed, total, earned, points in report.by_requirement()]
        parts.append("## By requirement\n\n"
                     + table(["Requirement", "What it asks", "Result", "Tests passed", "Points"], reqs,
                             right=(3, 4)))
        if report.not_attempted:
            parts.append("## Not attempted\n\n" + inline(not_attempted_text(report)) + "\n")
        if report.diagnosis:
            head = diagnosis_heading(report.diagnosis)
            parts.append(f"## {head}\n\n" + "\n".join(
                f"**{inline(d.title)}** (match {d.match:.0%}: "
                f"{inline(match_phrase(d.match, both_at_once(report.diagnosis)))})\n\n"
                f"{inline(d.explanation)}\n"
                + (f"\n_{inline(explains_text(d))}_\n" if len(report.diagnosis) > 1 and d.explains else "")
                for d in report.diagnosis))
        rows = [(str(i), status_label(t.status), inline(t.requirement or "-"),
                 inline(t.description or t.name), code(t.id, in_table=True), f"{t.earned}/{t.points}",
                 f"{t.duration_s:.2f} s") for i, t in enumerate(report.tests, 1)]
        parts.append(f"## Tests ({len(report.tests)})\n\n"
                     + table(["#", "Result", "Req", "What it checks", "Test", "Points", "Time"], rows,
                             right=(0, 5, 6)))
        failures = [failure(t, i) for i, t in enumerate(report.tests, 1) if t.status is not Status.PASS]
        if failures:
            parts.append("## Failures\n\n" + "\n".join(failures))
    else:
        parts.append("## Tests\n\nNo test results.\n")
    if solution:
        parts.append("## Submitted code\n\n" + fenced(solution, "python"))
    else:
        parts.append("## Submitted code\n\nThe submitted code is not available.\n")
    parts.append("## Sandbox\n\n" + bullets((inline(k), inline(v)) for k, v in sandbox_facts(report)))
    limits = report.sandbox.get("limits")
    if isinstance(limits, dict) and limits:
        parts.append("### Limits\n\n" + bullets((inline(k), inline(v)) for k, v in limit_facts(limits)))
    return "\n".join(parts)
