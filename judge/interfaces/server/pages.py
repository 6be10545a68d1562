"""What every web page shares: the Jinja2 templates (``templates/``) and their filters, the security headers
(the Content-Security-Policy lets a page load nothing but this server's own assets), redirects, and errors
drawn as pages. The pages themselves are ``dashboard`` (the interviewer's) and ``candidate``; their
scripts and stylesheets are ``assets``."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from fastapi import Request, Response
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from judge import __version__
from judge.interfaces.server.cookies import set_cookie
from judge.model.report import format_clock
from judge.render.facts import iso_text, utc_text
from judge.render.summary import HEAT_LEGEND, heat_class

HERE = Path(__file__).resolve().parent
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; style-src-attr 'unsafe-inline'; "
       "img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
HEADERS = {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
           "X-Frame-Options": "DENY", "Cache-Control": "no-store"}
PAGE_PREFIXES = ("/dashboard", "/join", "/candidate", "/static")
SIGN_IN = "/dashboard/sign-in"


def _clock_text(seconds: float | None) -> str:
    return "-" if seconds is None else format_clock(seconds)


def _optional(draw: Callable[[float], str]) -> Callable[[float | None], str]:
    """A filter that draws nothing for no moment."""
    return lambda ts: "" if ts is None else draw(ts)


templates = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html"]),
                        trim_blocks=True, lstrip_blocks=True)
templates.filters.update(clock=_clock_text, utc=_optional(partial(utc_text, precision="minute")),
                         iso=_optional(iso_text), hms=_optional(partial(utc_text, precision="time")))
templates.globals.update(version=__version__, heat_class=heat_class, heat_legend=HEAT_LEGEND)


def render(name: str, http_status: int = 200, cookies: dict[str, tuple[str, float, bool]] | None = None,
           **context: Any) -> HTMLResponse:
    """A template as a page with the security headers; ``cookies``: name -> (value, max-age, secure)."""
    response = HTMLResponse(templates.get_template(name).render(**context), status_code=http_status, headers=HEADERS)
    for cookie, (value, max_age, secure) in (cookies or {}).items():
        set_cookie(response, cookie, value, max_age, secure)
    return response


def redirect(url: str) -> RedirectResponse:
    """See other: after a POST, the browser GETs ``url``."""
    return RedirectResponse(url, status_code=303, headers={"Cache-Control": "no-store"})


def error_page(request: Request, status: int, message: str) -> Response:
    """Any error on a page, as a page (the API keeps its JSON errors)."""
    home = "/candidate" if request.url.path.startswith(("/candidate", "/join")) else "/dashboard"
    return render("error.html", http_status=status, title=f"Error {status}", status=status, message=message, home=home)


def is_page(request: Request) -> bool:
    """Whether the request is for a web page (HTML errors) rather than the API or a page's script (JSON
    errors: the candidate page's editor asks for JSON)."""
    path = request.url.path
    return (path == "/" or path.startswith(PAGE_PREFIXES)) and not wants_json(request)


def wants_json(request: Request) -> bool:
    """Whether a page's script made the request and reads the answer as JSON (its Accept header says so)."""
    return request.headers.get("accept", "").startswith("application/json")


def sign_in_instead(request: Request) -> Response | None:
    """A refused credential on the dashboard is answered by the sign-in page (401 for its JSON endpoints);
    elsewhere None (an ordinary 401)."""
    path = request.url.path
    if not path.startswith("/dashboard"):
        return None
    if path.endswith(".json"):
        return JSONResponse({"error": "sign in to the dashboard"}, status_code=401)
    return redirect(SIGN_IN)
