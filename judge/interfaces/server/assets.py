"""The pages' stylesheets and scripts under ``/static``: the report's own CSS and the summary's sort script
(from the renderers, one source of truth), and the files in ``static/`` (``dashboard.js``: live clocks,
copy buttons, refresh when a grade lands; ``candidate.js``: the candidate's editor, with ``editor.js``,
CodeMirror bundled from ``web/editor``)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from fastapi import APIRouter, HTTPException, Request, Response

from judge.interfaces.server.pages import HERE
from judge.render.html import CSS
from judge.render.summary import SORT_SCRIPT, SUMMARY_CSS

ASSET_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8"}
GENERATED = {"report.css": CSS + SUMMARY_CSS, "sort.js": SORT_SCRIPT + "\n"}
# editor.js is CodeMirror 6, bundled from web/editor's lock file (tests/test_editor_bundle.py rebuilds it).
STATIC_FILES = {"dashboard.css", "dashboard.js", "candidate.js", "editor.js"}

router = APIRouter(prefix="/static", include_in_schema=False)


@router.get("/{name}")
def get_asset(name: str, request: Request) -> Response:
    """One asset. Each carries an ETag of its content: a browser asks again every time (``no-cache``) and
    gets 304 when nothing changed (the editor's bundle is 380 KB)."""
    if name in GENERATED:
        body = GENERATED[name].encode("utf-8")
    elif name in STATIC_FILES:
        body = (HERE / "static" / name).read_bytes()
    else:
        raise HTTPException(404, f"no asset {name!r}")
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    headers = {"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff", "ETag": etag}
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=ASSET_TYPES[Path(name).suffix], headers=headers)
