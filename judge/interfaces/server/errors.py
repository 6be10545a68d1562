"""Every error the server answers is one JSON object, ``{"error": "..."}``, or on a web page a page saying
it (``pages``): never a traceback."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger("judge.server")


PageError = Callable[[Request, int, str], Response]


def install(app: FastAPI, is_page: Callable[[Request], bool] | None = None,
            page_error: PageError | None = None) -> None:
    """Register the handlers that turn every exception into ``{"error": ...}``, or into ``page_error`` for a
    request ``is_page`` says is for a web page."""

    def answer(request: Request, status: int, message: str, headers: Mapping[str, str] | None = None) -> Response:
        if is_page is not None and page_error is not None and is_page(request):
            response = page_error(request, status, message)
            for key, value in (headers or {}).items():
                response.headers.setdefault(key, value)
            return response
        return JSONResponse({"error": message}, status_code=status, headers=dict(headers) if headers else None)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        return answer(request, exc.status_code, str(exc.detail), exc.headers)

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> Response:
        problems = []
        for error in exc.errors()[:5]:
            where = ".".join(str(part) for part in error.get("loc", ()) if part != "body")
            problems.append(f"{where or 'body'}: {error.get('msg', 'invalid')}")
        return answer(request, 422, "bad request: " + "; ".join(problems))

    @app.exception_handler(Exception)
    async def internal(request: Request, exc: Exception) -> Response:
        log.error("internal error on %s %s", request.method, request.url.path, exc_info=exc)
        return answer(request, 500, "internal error of the judge; the server's log has the details")
