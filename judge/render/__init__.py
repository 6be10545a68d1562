"""Renderers of a Report: text (terminal), JSON, and the file formats of `judge report`."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from judge.model.report import Report
    from judge.problems.teaching import ModelAnswer

FORMATS = ("text", "json", "html", "md", "junit")


def render(report: Report, fmt: str, solution: str = "", *, model: ModelAnswer | None = None,
           show_all: bool = False) -> str:
    """The report in one of ``FORMATS`` as a string (text is plain, without colour). ``model`` (the
    reference and editorial) goes into the HTML page; ``show_all`` lists passing tests in text too."""
    if fmt == "json":
        return json.dumps(report.to_dict(), indent=2) + "\n"
    if fmt == "text":
        from judge.render.text import plain_text

        return plain_text(report, show_all=show_all)
    if fmt == "html":
        from judge.render.html import report_html

        return report_html(report, solution, model=model)
    if fmt == "md":
        from judge.render.markdown import report_markdown

        return report_markdown(report, solution)
    if fmt == "junit":
        from judge.render.junit import report_junit

        return report_junit(report)
    raise ValueError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
