"""What a service refuses, typed: the kind of refusal says what the caller can do about it.

A service raises one of these with a message the person asking can act on; an interface maps the kind to
its own vocabulary in one place (the server: ``judge.interfaces.server.errors.STATUS``, an HTTP status per
kind). No caller reads a message's text to decide what happened.
"""

from __future__ import annotations


class ServiceError(Exception):
    """An expected refusal of a service; the message is safe to show to whoever asked."""


class AccessDenied(ServiceError):
    """A missing, unknown, expired or revoked credential."""


class NotFound(ServiceError):
    """The thing asked for does not exist, or is not the caller's (someone else's is as unknown)."""


class Conflict(ServiceError):
    """The request is well formed but the thing's state forbids it now (already submitted, still grading)."""


class Invalid(ServiceError, ValueError):
    """The request itself is wrong (a bad value, an unreadable upload); sending it again will not help."""


class Unavailable(ServiceError):
    """The server cannot do it right now (no sandbox, a problem no longer installed); the state is unchanged."""
