"""Each submitted attempt's HTML report page, kept beside its report in the store (written when missing or
older than the report), for the links of the history page."""

from __future__ import annotations

from typing import Any

from judge.model.report import Report
from judge.render import render
from judge.store.files import atomic_write
from judge.store.index import Store, StoreError


def report_pages(store: Store, rows: list[dict[str, Any]]) -> dict[str, str]:
    """Each submitted attempt's report page (written beside it when missing or older than its report), as
    ``{attempt id: file URI}``, for the history page's links."""
    links: dict[str, str] = {}
    for row in rows:
        if row["status"] != "submitted":
            continue
        folder = store.attempt_dir(row["id"])
        page, source = folder / "report.html", folder / "report.json"
        try:
            if not page.exists() or page.stat().st_mtime < source.stat().st_mtime:
                rep = Report.from_dict(store.load_report(row["id"]))
                atomic_write(page, render(rep, "html", store.snapshot(row["id"])).encode("utf-8"))
        except (OSError, StoreError, ValueError, KeyError):
            continue  # a damaged report: its row stays, without a link
        links[row["id"]] = page.resolve().as_uri()
    return links
