"""The application factory: the request-size limit, the server's lifespan, and the wiring of the state
(``state``), the error handlers (``errors``) and the routers (``api``, ``dashboard``, ``candidate``, ``assets``).

``create_app`` wires the database, the grader and the routers; on start it migrates the database,
starts the grader and queues every submission a previous run stored but did not grade; ``/health``
answers 200 only after that.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from starlette.concurrency import run_in_threadpool

from judge.backends import Backend
from judge.backends.pool import WarmDockerBackend
from judge.execution.executor import Executor
from judge.interfaces.server import api, assets, candidate, dashboard, errors, pages
from judge.interfaces.server.state import RateLimiter, ServerState, Settings
from judge.problems.catalog import Problem
from judge.services.server_grading import SubmissionGrader
from judge.store.db import Database

API_VERSION = "v1"
FORM_MARGIN = 16 * 1024
SOURCE_BODIES = ("/submissions", "/public-runs", "/draft")  # routes whose body is a solution.py: the upload cap
SECRET_IN_PATH = re.compile(r"\bj(?:ic|it|cs|ds)_[A-Za-z0-9_-]{8,}")


class RedactSecrets(logging.Filter):
    """Keeps credentials out of the access log: an invitation link carries its code in the path."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(SECRET_IN_PATH.sub("j*_[redacted]", a) if isinstance(a, str) else a
                                for a in record.args)
        return True


class BodyLimit:
    """Refuses (413) any request whose body is larger than allowed, declared or streamed: solution uploads
    get ``max_upload_bytes``, everything else ``max_body_bytes``."""

    def __init__(self, app: Any, upload_bytes: int, body_bytes: int) -> None:
        self.app = app
        self.upload_bytes = upload_bytes
        self.body_bytes = body_bytes

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.body_bytes
        too_big = f"the request is larger than this server accepts ({limit} bytes)"
        if scope["path"].endswith(SOURCE_BODIES):  # a solution.py; the upload form's multipart gets a little room
            limit = self.upload_bytes + (FORM_MARGIN if scope["path"] == "/candidate/submissions" else 0)
            too_big = (f"solution.py is larger than this server accepts ({self.upload_bytes // 1024} KiB at most); "
                       "make it smaller and send it again")
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            request = Request(scope)
            if pages.is_page(request):  # a browser's form: a page that says so, not a bare JSON body
                await pages.error_page(request, 413, too_big)(scope, receive, send)
            else:
                await _plain_error(send, 413, too_big)
            return
        seen = 0

        async def limited() -> Any:
            nonlocal seen
            message = await receive()
            if message.get("type") == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise HTTPException(413, too_big)
            return message

        await self.app(scope, limited, send)


async def _plain_error(send: Any, status: int, message: str) -> None:
    body = json.dumps({"error": message}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


def server_backend(settings: Settings) -> Backend:
    """Where the server grades in-process. Docker with the warm pool on (``JUDGE_POOL``): each problem graded
    keeps one spare warmed with its own preloads, started after a run and replaced when it expires idle for
    as long as the problem was graded in the last 30 minutes (``keep_warm``, started by the lifespan)."""
    from judge.backends import open_backend

    return open_backend(settings.backend, keep=1)


def create_app(settings: Settings, *, executor: Executor | None = None,
               clock: Callable[[], float] = time.time) -> FastAPI:
    """The `judge serve` application. ``executor`` grades (default: in-process, on the settings' backend);
    a job queue plugs in as its ``runner``. ``clock`` is the server's clock (tests inject one)."""
    db = Database(settings.database_url)
    if executor is None:
        executor = Executor(server_backend(settings), workers=settings.workers)
    st: ServerState

    def lookup(slug: str) -> Problem:
        return st.problem(slug)

    grader = SubmissionGrader(db, lookup, executor, clock, workers=settings.workers)
    st = ServerState(settings=settings, db=db, grader=grader, clock=clock,
                     submissions=RateLimiter(settings.submissions_per_window, settings.rate_window_s, clock),
                     test_runs=RateLimiter(settings.test_runs_per_window, settings.rate_window_s, clock),
                     drafts=RateLimiter(settings.draft_saves_per_window, settings.rate_window_s, clock),
                     auth_failures=RateLimiter(settings.auth_failures_per_window, settings.rate_window_s, clock))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await run_in_threadpool(db.migrate)
        access = logging.getLogger("uvicorn.access")
        if not any(isinstance(f, RedactSecrets) for f in access.filters):
            access.addFilter(RedactSecrets())
        grader.start()
        stop_keeping = threading.Event()
        if isinstance(executor.backend, WarmDockerBackend):
            executor.backend.keep_warm(stop_keeping)
        await run_in_threadpool(grader.resume)
        st.ready.set()
        try:
            yield
        finally:
            st.ready.clear()
            stop_keeping.set()
            await run_in_threadpool(grader.stop)
            db.dispose()

    app = FastAPI(
        title="ml-judge server",
        version=API_VERSION,
        summary="Timed, auto-graded ML-engineer exercises: the hidden tests, the reference and the clock stay here.",
        description=("Interviewers authenticate with a bearer token from `judge serve init`; candidates with "
                     "the session token `judge start --server URL --invite CODE` receives for a one-time "
                     "invitation code. Every error is `{\"error\": \"...\"}`."),
        lifespan=lifespan,
        # The schema at /openapi.json is the API's documentation. FastAPI's /docs and /redoc pages load their
        # scripts from a CDN, and nothing the judge serves may make a request outside it.
        docs_url=None,
        redoc_url=None,
    )
    app.state.judge = st
    app.add_middleware(BodyLimit, upload_bytes=settings.max_upload_bytes, body_bytes=settings.max_body_bytes)
    errors.install(app, is_page=pages.is_page, page_error=pages.error_page, signed_out=pages.sign_in_instead)
    app.include_router(api.health)
    app.include_router(api.candidate_router, prefix=f"/api/{API_VERSION}")
    app.include_router(api.interviewer_router, prefix=f"/api/{API_VERSION}")
    app.include_router(assets.router)
    app.include_router(dashboard.router)
    app.include_router(dashboard.site)
    app.include_router(candidate.router)
    return app


__all__ = ["BodyLimit", "create_app"]
