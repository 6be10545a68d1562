"""Who is asking: bearer-token dependencies for each role, and per-key request rate limits.

``interviewer`` and ``candidate`` are FastAPI dependencies; a route that depends on one can only be
reached with that role's credential (``judge.services.invitations`` makes the credentials distinct).
They answer 401 with a message safe to show anyone. Guessing is throttled per client address (on top of
256-bit secrets): every failed credential of any kind (bearer token, invitation code, dashboard sign-in,
session cookie) counts, and once an address has used up its failures every credential it sends is
answered 429 *before* it is looked up, a right one as a wrong one, so the limit tells nothing. The
client address is the connection's peer: forwarded headers count only from the proxies named in
``judge serve --forwarded-allow-ips`` (none by default).
"""

from __future__ import annotations

import threading
from collections import defaultdict, deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from judge.services.invitations import AccessDenied, authenticate_candidate, authenticate_interviewer

if TYPE_CHECKING:
    from judge.interfaces.server.app import ServerState

bearer = HTTPBearer(auto_error=False, description="an interviewer token (jit_...) or a candidate session (jcs_...)")
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


class RateLimiter:
    """At most ``limit`` events per ``window_s`` seconds per key (a sliding window, in this process)."""

    def __init__(self, limit: int, window_s: float, clock: Callable[[], float]) -> None:
        self.limit = limit
        self.window_s = window_s
        self.clock = clock
        self._events: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def hit(self, key: str) -> float:
        """Count one event; return 0, or the seconds to wait when the limit is reached (not counted)."""
        now = self.clock()
        with self._lock:
            events = self._events[key]
            while events and events[0] <= now - self.window_s:
                events.popleft()
            if len(events) >= self.limit:
                return max(1.0, events[0] + self.window_s - now)
            events.append(now)
            return 0.0

    def wait(self, key: str) -> float:
        """0, or the seconds to wait when ``key`` has reached the limit; counts nothing."""
        now = self.clock()
        with self._lock:
            events = self._events[key]
            while events and events[0] <= now - self.window_s:
                events.popleft()
            return max(1.0, events[0] + self.window_s - now) if len(events) >= self.limit else 0.0

    def refuse_when_full(self, key: str, what: str) -> None:
        """429 with Retry-After when ``key`` has reached the limit; counts nothing."""
        wait = self.wait(key)
        if wait:
            raise HTTPException(429, f"too many {what}; try again in {wait:.0f} s",
                                headers={"Retry-After": str(int(wait))})

    def check(self, key: str, what: str) -> None:
        """``hit``, raising 429 with Retry-After when over the limit."""
        wait = self.hit(key)
        if wait:
            raise HTTPException(429, f"too many {what}; try again in {wait:.0f} s",
                                headers={"Retry-After": str(int(wait))})


def state(request: Request) -> ServerState:
    """The server's shared state (database, grader, settings, limiters)."""
    found: ServerState = request.app.state.judge
    return found


def _token(credentials: HTTPAuthorizationCredentials | None) -> str:
    if credentials is None or credentials.scheme.lower() != "bearer" or not credentials.credentials:
        raise HTTPException(401, "a bearer token is required", headers={"WWW-Authenticate": "Bearer"})
    return credentials.credentials


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


FAILED_SIGN_INS = "failed sign-ins from this address"


@contextmanager
def credential_lookup(request: Request) -> Iterator[None]:
    """Around the lookup of any credential the request carries: 429 before the lookup when the client's
    address has used up its failures (whatever the credential), and every ``AccessDenied`` inside counted
    as one failure (it propagates)."""
    st, address = state(request), _client(request)
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


InterviewerId = Annotated[int, Depends(interviewer)]
"""A route parameter that makes the route interviewers-only: the caller's interviewer id."""
CandidateAttempt = Annotated[str, Depends(candidate)]
"""A route parameter that makes the route candidates-only: the id of the caller's own attempt."""
