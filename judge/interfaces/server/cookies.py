"""Who is asking, in a browser: the session cookies and the CSRF token of every form and script request.

- an interviewer signs in with their token and gets a dashboard session cookie (``judge_session``:
  ``HttpOnly``, ``SameSite=Lax``, ``Secure`` over HTTPS; stored as sha256, 12 hours, ended by signing out);
  ``signed_in`` (the ``InterviewerPage`` parameter) says who, or sends the browser to the sign-in page;
- a candidate who starts the attempt in the browser gets their session token as a cookie
  (``judge_candidate``); it opens only ``/candidate`` and never a dashboard page (``candidate_attempt``);
- every form carries a CSRF token derived from the cookie that authenticates it (``judge_browser``, a
  random cookie, for the sign-in and start forms), and the editor's script sends the same token in
  ``X-CSRF-Token``; a POST or PUT without the right one is refused (403): ``checked_form``, ``check_script``.
"""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import Depends, HTTPException, Request, Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from judge.interfaces.server.auth import credential_lookup
from judge.interfaces.server.state import ServerState, state
from judge.services.credentials import authenticate_candidate, authenticate_dashboard, csrf_ok
from judge.services.errors import AccessDenied
from judge.store.db import Attempt

SESSION_COOKIE, CANDIDATE_COOKIE, BROWSER_COOKIE = "judge_session", "judge_candidate", "judge_browser"
CSRF_HEADER = "X-CSRF-Token"  # the CSRF token of a page's script requests (the editor's), made like a form's
CSRF_REFUSED = ("this form has expired or did not come from this site (its security token is missing or wrong): "
                "go back, reload the page and send it again")


class SignInRequired(AccessDenied):
    """A dashboard page asked for without a valid dashboard session: answered by the sign-in page."""


def set_cookie(response: Response, name: str, value: str, max_age: float, secure: bool) -> None:
    """An HttpOnly, SameSite=Lax cookie for the whole site (Secure when served over HTTPS)."""
    response.set_cookie(name, value, max_age=max(0, int(max_age)), path="/", httponly=True, samesite="lax",
                        secure=secure)


def is_https(request: Request, st: ServerState) -> bool:
    """Whether cookies must be Secure: the request came over HTTPS (uvicorn honours X-Forwarded-Proto from
    a trusted proxy) or the server's public URL is https."""
    return request.url.scheme == "https" or st.settings.public_url.startswith("https://")


def browser_secret(request: Request) -> tuple[str, bool]:
    """The browser's random cookie (for the CSRF token of forms shown before any session), and whether it
    is new (then the response must set it)."""
    found = request.cookies.get(BROWSER_COOKIE, "")
    if 20 <= len(found) <= 100:
        return found, False
    return secrets.token_urlsafe(32), True


async def checked_form(request: Request, secret: str | None) -> FormData:
    """The request's form, refused (403) unless its CSRF token matches ``secret`` (the form's cookie)."""
    try:
        form = await request.form(max_files=1, max_fields=20)
    except HTTPException:  # the body is over the size limit (``app.BodyLimit``): that, not "unreadable"
        raise
    except Exception:
        raise HTTPException(400, "the form could not be read; reload the page and send it again") from None
    sent = form.get("csrf")
    if not csrf_ok(secret, sent if isinstance(sent, str) else None):
        raise HTTPException(403, CSRF_REFUSED)
    return form


def check_script(request: Request, secret: str | None) -> None:
    """A page script's request (no form): refused (403) unless its ``X-CSRF-Token`` matches ``secret``."""
    if not csrf_ok(secret, request.headers.get(CSRF_HEADER)):
        raise HTTPException(403, CSRF_REFUSED)


def signed_in(request: Request) -> int:
    """The id of the interviewer whose dashboard session cookie came with the request; the sign-in page
    otherwise (a candidate's cookie is no dashboard session)."""
    st = state(request)
    secret = request.cookies.get(SESSION_COOKIE)
    if not secret:
        raise SignInRequired("sign in to the dashboard")
    with st.db.session() as session:
        try:
            with credential_lookup(request):
                return authenticate_dashboard(session, secret, st.clock()).id
        except AccessDenied:
            raise SignInRequired("sign in to the dashboard") from None


InterviewerPage = Annotated[int, Depends(signed_in)]
"""A route parameter that makes a page the signed-in interviewer's: their id."""


def candidate_attempt(request: Request, st: ServerState, session: Session, counted: bool = True) -> Attempt | None:
    """The attempt of the browser's candidate session cookie, or None. The lookup is throttled and a bad
    cookie counted, unless ``counted`` is False (the request's own credential was already counted)."""
    secret = request.cookies.get(CANDIDATE_COOKIE)
    if not secret:
        return None
    try:
        if not counted:
            return authenticate_candidate(session, secret, st.clock())
        with credential_lookup(request):
            return authenticate_candidate(session, secret, st.clock())
    except AccessDenied:
        return None
