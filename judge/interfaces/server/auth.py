"""Who is asking: bearer-token dependencies for each role, and the throttle on failed credentials.

``interviewer`` and ``candidate`` are FastAPI dependencies; a route that depends on one can only be
reached with that role's credential (``judge.services.credentials`` makes the credentials distinct). A
browser's credentials (cookies, and the CSRF token of its forms) are ``cookies``.
They answer 401 with a message safe to show anyone. Guessing is throttled per client address (on top of
256-bit secrets): every failed credential of any kind (bearer token, invitation code, dashboard sign-in,
session cookie) counts, and once an address has used up its failures every credential it sends is
answered 429 *before* it is looked up, a right one as a wrong one, so the limit tells nothing. The
client address is the connection's peer: forwarded headers count only from the proxies named in
``judge serve --forwarded-allow-ips`` (none by default).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from judge.interfaces.server.state import state
from judge.services.credentials import authenticate_candidate, authenticate_interviewer
from judge.services.errors import AccessDenied
from judge.store.db import Interviewer

bearer = HTTPBearer(auto_error=False, description="an interviewer token (jit_...) or a candidate session (jcs_...)")
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


def _token(credentials: HTTPAuthorizationCredentials | None) -> str:
    if credentials is None or credentials.scheme.lower() != "bearer" or not credentials.credentials:
        raise HTTPException(401, "a bearer token is required", headers={"WWW-Authenticate": "Bearer"})
    return credentials.credentials


def client_address(request: Request) -> str:
    """The connection's peer (a trusted proxy's forwarded address, when uvicorn was told to trust it)."""
    return request.client.host if request.client else "unknown"


FAILED_SIGN_INS = "failed sign-ins from this address"


@contextmanager
def credential_lookup(request: Request) -> Iterator[None]:
    """Around the lookup of any credential the request carries: 429 before the lookup when the client's
    address has used up its failures (whatever the credential), and every ``AccessDenied`` inside counted
    as one failure (it propagates)."""
    st, address = state(request), client_address(request)
    st.auth_failures.refuse_when_full(address, FAILED_SIGN_INS)
    try:
        yield
    except AccessDenied:
        st.auth_failures.hit(address)
        raise


def _holder(request: Request, credentials: HTTPAuthorizationCredentials | None,
            authenticate: Callable[[Session, str, float], Any]) -> Any:
    """The id of the row ``authenticate`` finds for the bearer token; 401 (and a counted failure) otherwise."""
    st, token = state(request), _token(credentials)
    with st.db.session() as session:
        try:
            with credential_lookup(request):
                return authenticate(session, token, st.clock()).id
        except AccessDenied as exc:
            raise HTTPException(401, str(exc), headers={"WWW-Authenticate": "Bearer"}) from None


def interviewer(request: Request, credentials: Credentials) -> int:
    """The id of the interviewer holding the bearer token; 401 otherwise."""
    return int(_holder(request, credentials, authenticate_interviewer))


def candidate(request: Request, credentials: Credentials) -> str:
    """The id of the attempt the candidate's session token opens; 401 otherwise."""
    return str(_holder(request, credentials, authenticate_candidate))


def interviewer_row(session: Session, interviewer_id: int) -> Interviewer:
    """The row of an interviewer a credential was issued to; ``AccessDenied`` if it is gone since."""
    found: Interviewer | None = session.get(Interviewer, interviewer_id)
    if found is None:
        raise AccessDenied("unknown interviewer token")
    return found


InterviewerId = Annotated[int, Depends(interviewer)]
"""A route parameter that makes the route interviewers-only: the caller's interviewer id."""
CandidateAttempt = Annotated[str, Depends(candidate)]
"""A route parameter that makes the route candidates-only: the id of the caller's own attempt."""
