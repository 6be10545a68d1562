"""Where an attempt or a stored submission stands: the words the server's database, the API's JSON and the
local attempt records use. StrEnums, so a member is the very string stored and sent."""

from __future__ import annotations

from enum import StrEnum


class AttemptState(StrEnum):
    """An attempt's life: open until its first graded submission (or its abandonment, for a practice one)."""

    OPEN = "open"
    SUBMITTED = "submitted"
    ABANDONED = "abandoned"  # practice attempts only: `judge abandon`


class SubmissionState(StrEnum):
    """A server submission's life: stored ``pending``, then ``graded`` or ``judge-error`` (the judge's own
    failure: the attempt stays open)."""

    PENDING = "pending"
    GRADED = "graded"
    JUDGE_ERROR = "judge-error"


class InvitationState(StrEnum):
    """An invitation as its interviewer sees it, on the server's clock."""

    NOT_STARTED = "not-started"
    EXPIRED = "expired"  # never started, and its code is no longer valid
    REVOKED = "revoked"
    IN_PROGRESS = "in-progress"
    OVER_TIME = "over-time"  # started, the window has passed, nothing graded yet
    SUBMITTED = "submitted"
