"""Renderers of a Report: text (terminal), JSON, and the file formats of `judge report`."""

from __future__ import annotations

import json

from judge.model.report import Report

FORMATS = ("text", "json", "html", "md", "junit")


def render(report: Report, fmt: str, solution: str = "") -> str:
    """The report in one of ``FORMATS`` as a string (text is plain, without colour)."""
    if fmt == "json":
        return json.dumps(report.to_dict(), indent=2) + "\n"
    if fmt == "text":
        from judge.render.text import plain_text

        return plain_text(report)
    if fmt == "html":
        from judge.render.html import report_html

        return report_html(report, solution)
    if fmt == "md":
        from judge.render.markdown import report_markdown

        return report_markdown(report, solution)
    if fmt == "junit":
        from judge.render.junit import report_junit

        return report_junit(report)
    raise ValueError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
