"""Every error the server answers is one JSON object, ``{"error": "..."}``, or on a web page a page saying
it (``pages``): never a traceback. A service's typed refusal (``judge.services.errors``) gets its HTTP
status here, in ``STATUS``, and nowhere else."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from judge.services.errors import AccessDenied, Conflict, Invalid, NotFound, ServiceError, Unavailable

log = logging.getLogger("judge.server")

STATUS: dict[type[ServiceError], int] = {AccessDenied: 401, NotFound: 404, Conflict: 409, Invalid: 422,
                                         Unavailable: 503}
"""The HTTP status of each kind of refusal."""

PageError = Callable[[Request, int, str], Response]
SignedOut = Callable[[Request], Response | None]


def status_of(exc: ServiceError) -> int:
    """The HTTP status of a service's refusal (its nearest kind in ``STATUS``)."""
    for kind in type(exc).__mro__:
        if kind in STATUS:
            return STATUS[kind]
    return 400


def install(app: FastAPI, is_page: Callable[[Request], bool] | None = None,
            page_error: PageError | None = None, signed_out: SignedOut | None = None) -> None:
    """Register the handlers that turn every exception into ``{"error": ...}``, or into ``page_error`` for a
    request ``is_page`` says is for a web page. ``signed_out`` may answer a refused credential its own way
    (the dashboard: the sign-in page); when it returns None the refusal is a 401 like any other."""

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

    @app.exception_handler(ServiceError)
    async def refused(request: Request, exc: ServiceError) -> Response:
        if isinstance(exc, AccessDenied) and signed_out is not None:
            instead = signed_out(request)
            if instead is not None:
                return instead
        return answer(request, status_of(exc), str(exc))

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
