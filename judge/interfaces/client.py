"""A small HTTP client for `judge serve`, on the standard library only (candidates install nothing more).

Every failure is a ``ServerError`` with a one-line message a person can act on: the server's own
``{"error": ...}`` text, or why it could not be reached.
"""

from __future__ import annotations

import json
import urllib.parse
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import urllib.error

TIMEOUT_S = 60.0


class ServerError(Exception):
    """The server refused or could not be reached; ``status`` is the HTTP status (0: no answer)."""

    def __init__(self, message: str, status: int = 0) -> None:
        super().__init__(message)
        self.status = status


def normalise(server: str) -> str:
    """``server`` as a base URL without a trailing slash; ``ServerError`` when it is not http(s)."""
    parsed = urllib.parse.urlparse(server.strip())
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ServerError(f"--server must be an http(s) URL like https://judge.example.com, got {server!r}")
    return server.strip().rstrip("/")


def insecure(server: str) -> bool:
    """True for plain HTTP to anything but this machine (tokens would cross the network in clear)."""
    parsed = urllib.parse.urlparse(server)
    return parsed.scheme == "http" and parsed.hostname not in ("127.0.0.1", "localhost", "::1")


class Client:
    """Calls one server, with one bearer token (an interviewer's or a candidate's session)."""

    def __init__(self, server: str, token: str | None = None, timeout: float = TIMEOUT_S) -> None:
        self.server = normalise(server)
        self.token = token
        self.timeout = timeout

    def call(self, method: str, path: str, payload: Any = None, *, data: bytes | None = None,
             content_type: str = "application/json", raw: bool = False) -> Any:
        """One request; the JSON answer (or the bytes, with ``raw``; None for an empty answer)."""
        headers = {"Accept": "application/json", "User-Agent": "ml-judge-cli"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        if payload is not None:
            data = json.dumps(payload).encode("utf-8")
        if data is not None:
            headers["Content-Type"] = content_type
        # Here, not at the top: urllib.request brings http.client, email and ssl (about 60 modules), which
        # `judge status` and `judge --help` import this module without needing (start-up).
        import urllib.error
        import urllib.request

        request = urllib.request.Request(self.server + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                body = response.read()
        except urllib.error.HTTPError as exc:
            raise ServerError(_error_text(exc), exc.code) from None
        except urllib.error.URLError as exc:
            raise ServerError(f"cannot reach the server at {self.server}: {exc.reason}; check --server and that "
                              "`judge serve` is running there") from None
        except (TimeoutError, OSError) as exc:
            raise ServerError(f"no answer from the server at {self.server}: {exc}") from None
        if raw:
            return body
        try:
            return json.loads(body) if body else None
        except ValueError:  # a web page, a proxy's sign-in form: another server than a judge's is at that URL
            kind = response.headers.get("Content-Type", "not JSON")
            raise ServerError(f"the server at {self.server} answered {response.status} with {kind}, not the judge's "
                              "JSON; check that --server is the judge server's URL (the one `judge serve` "
                              "printed, without a path)", response.status) from None


def _error_text(exc: urllib.error.HTTPError) -> str:
    try:
        body = json.loads(exc.read() or b"{}")
        message = str(body.get("error") or body.get("detail") or exc.reason)
    except (ValueError, AttributeError, OSError):
        message = str(exc.reason)
    return f"the server answered {exc.code}: {message}"
