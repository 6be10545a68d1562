"""What every route shares: the server's settings, its state (database, grader, clock, rate limiters, the
problems it offers) and the ``state`` dependency that hands it to a route. Imports nothing of the server
package: every other module of it may import this one."""

from __future__ import annotations

import threading
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

from fastapi import Depends, HTTPException, Request

from judge.grading.integrity import MAX_SOURCE_BYTES
from judge.problems.catalog import Problem, ProblemError, discover
from judge.services.errors import Unavailable
from judge.services.interviews import WorkspaceArchives
from judge.services.secrecy import Secrets, secrets_of
from judge.services.server_grading import SubmissionGrader
from judge.store.db import Database

NOT_INSTALLED = "this attempt's problem is no longer installed on the server"
UNUSED_INVITATION = ("this invitation's problem is not installed on the server; tell your interviewer (the "
                     "invitation was not used)")


@dataclass(frozen=True)
class Settings:
    """What a server run is configured with (``judge serve`` options)."""

    database_url: str
    problems: tuple[Path, ...] = ()
    backend: str = "docker"
    workers: int = 1
    max_upload_bytes: int = MAX_SOURCE_BYTES  # solution.py's own cap; a bigger body is refused with 413
    max_body_bytes: int = 64 * 1024  # every other request body
    submissions_per_window: int = 5  # per attempt, refused ones included
    test_runs_per_window: int = 60  # per attempt (recorded CLI runs and runs in the server's sandbox)
    draft_saves_per_window: int = 600  # per attempt: the browser's editor saves about once a second of typing
    auth_failures_per_window: int = 30  # per client address
    rate_window_s: float = 600.0
    public_url: str = ""  # how candidates reach this server (printed in invitations); default: the request's


class RateLimiter:
    """At most ``limit`` events per ``window_s`` seconds per key (a sliding window, in this process)."""

    def __init__(self, limit: int, window_s: float, clock: Callable[[], float]) -> None:
        self.limit = limit
        self.window_s = window_s
        self.clock = clock
        self._events: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _wait(self, key: str, now: float) -> float:
        """Forget ``key``'s events older than the window; 0, or the seconds until one more is allowed (locked)."""
        events = self._events[key]
        while events and events[0] <= now - self.window_s:
            events.popleft()
        return max(1.0, events[0] + self.window_s - now) if len(events) >= self.limit else 0.0

    def hit(self, key: str) -> float:
        """Count one event; return 0, or the seconds to wait when the limit is reached (not counted)."""
        now = self.clock()
        with self._lock:
            wait = self._wait(key, now)
            if not wait:
                self._events[key].append(now)
            return wait

    def wait(self, key: str) -> float:
        """0, or the seconds to wait when ``key`` has reached the limit; counts nothing."""
        now = self.clock()
        with self._lock:
            return self._wait(key, now)

    def refuse_when_full(self, key: str, what: str) -> None:
        """429 with Retry-After when ``key`` has reached the limit; counts nothing."""
        _refuse(self.wait(key), what)

    def check(self, key: str, what: str) -> None:
        """``hit``, raising 429 with Retry-After when over the limit."""
        _refuse(self.hit(key), what)


def _refuse(wait: float, what: str) -> None:
    if wait:
        raise HTTPException(429, f"too many {what}; try again in {wait:.0f} s", headers={"Retry-After": str(int(wait))})


@dataclass
class ServerState:
    """Everything routes share; one per application. The four limiters bound request rates: submissions,
    test runs and draft saves per attempt, failed credentials per client address."""

    settings: Settings
    db: Database
    grader: SubmissionGrader
    clock: Callable[[], float]
    submissions: RateLimiter
    test_runs: RateLimiter
    drafts: RateLimiter
    auth_failures: RateLimiter
    ready: threading.Event = field(default_factory=threading.Event)
    workspaces: WorkspaceArchives = field(default_factory=WorkspaceArchives)
    _problems: dict[str, Problem] = field(default_factory=dict)
    _secrets: dict[str, Secrets] = field(default_factory=dict)

    def problem(self, slug: str) -> Problem:
        """A problem this server offers, by its slug in the catalogue; never a path (an interviewer's request
        must not reach, or learn about, folders on the server). ``ProblemError`` when unknown."""
        if slug not in self._problems:
            offered = {p.slug: p for p in self.problems()}
            if slug not in offered:
                raise ProblemError(f"unknown problem {slug!r}; this server offers: "
                                   f"{', '.join(sorted(offered)) or 'none'}")
            self._problems[slug] = offered[slug]
        return self._problems[slug]

    def problems(self) -> list[Problem]:
        """Every problem this server offers."""
        return discover(list(self.settings.problems))[0]

    def installed(self, slug: str, refusal: str = NOT_INSTALLED) -> Problem:
        """The problem an attempt or invitation is of; ``Unavailable`` with ``refusal`` when the server no longer
        offers it (the interviewer's to fix, never the candidate's)."""
        try:
            return self.problem(slug)
        except ProblemError:
            raise Unavailable(refusal) from None

    def title(self, slug: str) -> str:
        """A problem's title; its slug when the problem is no longer installed (its attempts stay readable)."""
        try:
            return self.problem(slug).title
        except ProblemError:
            return slug

    def secrets(self, slug: str) -> Secrets:
        """The problem's secret lines and names (for redaction), computed once."""
        if slug not in self._secrets:
            self._secrets[slug] = secrets_of(self.problem(slug))
        return self._secrets[slug]

    def base_url(self, request: Request) -> str:
        """How candidates reach this server: ``--public-url``, else the request's own base URL."""
        return (self.settings.public_url or str(request.base_url)).rstrip("/")


def state(request: Request) -> ServerState:
    """The server's shared state (database, grader, settings, limiters)."""
    found: ServerState = request.app.state.judge
    return found


State = Annotated[ServerState, Depends(state)]
"""A route parameter: the server's shared state."""
