"""Every credential of the server and its check: interviewer tokens, one-time invitation codes (redeemed
here), candidate session tokens, dashboard sessions, and the CSRF token of the web pages' forms.

Every secret is made by ``secrets`` (256 bits), shown once, and stored only as its sha256. The three
kinds carry distinct prefixes and live in distinct tables, so one kind can never stand in for another:
an interviewer token is not a candidate code, and a candidate's session token opens only their own
attempt. Every kind expires:

- interviewer token (``jit_``): ``judge serve init``; valid ``token_days`` (default 90);
- invitation code (``jic_``): ``judge invite`` (``judge.services.invitations``); redeemed once by
  ``judge start --invite``, before ``expires_days`` (default 7) and unless revoked;
- candidate session token (``jcs_``): given when the code is redeemed; valid until a day after the
  attempt's window closed (so the candidate can read their result). The candidate page keeps it in a
  cookie when the attempt was started in the browser;
- dashboard session token (``jds_``): made when an interviewer signs in to the dashboard with their
  token, held by the browser as a cookie; valid ``DASHBOARD_SESSION_S`` (12 hours), never past the
  interviewer token, and ended by signing out.

Every form of the web pages carries a CSRF token derived from the browser's own secret cookie
(``csrf_token``): a page from another site cannot read the cookie, so it cannot make the token.

Pure rules over the database (``judge.store.db``); the clock is passed in.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from judge.model.names import has_control
from judge.model.states import AttemptState
from judge.services.errors import AccessDenied, Conflict, Invalid
from judge.store.db import Attempt, DashboardSession, Interviewer, Invitation

INTERVIEWER_PREFIX, CODE_PREFIX, SESSION_PREFIX, DASHBOARD_PREFIX = "jit_", "jic_", "jcs_", "jds_"
DAY_S = 86400.0
DEFAULT_TOKEN_DAYS = 90.0
MAX_TOKEN_DAYS = 3650.0  # ten years: a token should expire (make another with `judge serve init`)
SESSION_GRACE_S = DAY_S  # the candidate's token outlives the window by this much
DASHBOARD_SESSION_S = 12 * 3600.0
MAX_NAME = 200


class InvitationUsed(Conflict):
    """A right invitation code that was already spent (by an earlier redeem, or a concurrent one that won).
    Not a failed credential (``AccessDenied``): a conflict, the message safe to show anyone."""


CODE_USED = ("this invitation code was already used to start the attempt; it works once. Continue in the "
             "workspace it made, or ask your interviewer")


def new_secret(prefix: str) -> str:
    """A fresh secret of one kind: its prefix and 43 URL-safe characters (256 bits)."""
    return prefix + secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    """What is stored of a secret: its sha256, hex."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def code_matches(invitation: Invitation, code: str) -> bool:
    """Whether ``code`` is this invitation's one-time code (compared by digest, in constant time)."""
    return hmac.compare_digest(invitation.code_sha256, digest(code))


def _kind_ok(secret: str, prefix: str) -> bool:
    return secret.startswith(prefix) and 20 <= len(secret) <= 100


def csrf_token(browser_secret: str) -> str:
    """The CSRF token of every form a browser holding ``browser_secret`` (a cookie) is shown."""
    return hashlib.sha256(b"ml-judge csrf\0" + browser_secret.encode("utf-8")).hexdigest()[:40]


def csrf_ok(browser_secret: str | None, sent: str | None) -> bool:
    """Whether a form's CSRF token is the one made for the browser's secret cookie."""
    if not browser_secret or not sent:
        return False
    return hmac.compare_digest(csrf_token(browser_secret), sent)


def clean_name(name: str, what: str) -> str:
    """A person's name as stored: whitespace runs made one space; ``Invalid`` when empty or unprintable."""
    cleaned = " ".join(name.split())
    if not cleaned:
        raise Invalid(f"the {what}'s name is empty")
    if len(cleaned) > MAX_NAME or has_control(cleaned):  # C0, DEL and C1: a terminal would run them
        raise Invalid(f"the {what}'s name must be at most {MAX_NAME} printable characters")
    return cleaned


# -- interviewers ------------------------------------------------------------------------------------


BAD_INTERVIEWER_TOKEN = ("invalid or expired interviewer token: check JUDGE_SERVER_TOKEN (the jit_... token "
                         "`judge serve init` printed); a new one: `judge serve init --name NAME`")
BAD_SESSION_TOKEN = ("invalid or expired session token: work in the workspace `judge start` made, or open the "
                     "invitation link again")


def create_interviewer(session: Session, name: str, now: float, token_days: float = DEFAULT_TOKEN_DAYS) -> str:
    """Add an interviewer; return their token (the only time it exists in clear)."""
    # nan passed `<= 0` and ended in a database error; inf was stored as a token that never expires
    if not 0 < token_days <= MAX_TOKEN_DAYS:
        raise Invalid(f"--token-days must be a number of days above 0 and at most {MAX_TOKEN_DAYS:g}, "
                      f"got {token_days:g}")
    token = new_secret(INTERVIEWER_PREFIX)
    session.add(Interviewer(name=clean_name(name, "interviewer"), token_sha256=digest(token), created_at=now,
                            expires_at=now + token_days * DAY_S))
    session.flush()
    return token


def authenticate_interviewer(session: Session, token: str, now: float) -> Interviewer:
    """The interviewer holding ``token``; ``AccessDenied`` for anything else."""
    # A token of another kind and an unknown one get the same answer: the caller learns nothing about which.
    if not _kind_ok(token, INTERVIEWER_PREFIX):
        raise AccessDenied(BAD_INTERVIEWER_TOKEN)
    found = session.scalar(select(Interviewer).where(Interviewer.token_sha256 == digest(token)))
    if found is None or not hmac.compare_digest(found.token_sha256, digest(token)):
        raise AccessDenied(BAD_INTERVIEWER_TOKEN)
    if found.revoked_at is not None or found.expires_at <= now:
        raise AccessDenied("this interviewer token has expired; make a new one with `judge serve init --name NAME`")
    return found


# -- dashboard sessions ------------------------------------------------------------------------------


def open_dashboard_session(session: Session, token: str, now: float) -> tuple[DashboardSession, str]:
    """Sign in with an interviewer token: a new dashboard session and its token (for the cookie)."""
    interviewer = authenticate_interviewer(session, token.strip(), now)
    secret = new_secret(DASHBOARD_PREFIX)
    row = DashboardSession(interviewer_id=interviewer.id, token_sha256=digest(secret), created_at=now,
                           expires_at=min(now + DASHBOARD_SESSION_S, interviewer.expires_at))
    session.add(row)
    session.flush()
    return row, secret


def authenticate_dashboard(session: Session, secret: str, now: float) -> Interviewer:
    """The interviewer a dashboard session cookie belongs to; ``AccessDenied`` for anything else."""
    if not _kind_ok(secret, DASHBOARD_PREFIX):
        raise AccessDenied("sign in with your interviewer token")
    found = session.scalar(select(DashboardSession).where(DashboardSession.token_sha256 == digest(secret)))
    if found is None or found.revoked_at is not None or found.expires_at <= now:
        raise AccessDenied("your dashboard session has ended; sign in again")
    interviewer = found.interviewer
    if interviewer.revoked_at is not None or interviewer.expires_at <= now:
        raise AccessDenied("your interviewer token has expired; make a new one with `judge serve init --name NAME`")
    return interviewer


def close_dashboard_session(session: Session, secret: str, now: float) -> None:
    """Sign out: the session's cookie stops working at once (unknown cookies are ignored)."""
    if not _kind_ok(secret, DASHBOARD_PREFIX):
        return
    found = session.scalar(select(DashboardSession).where(DashboardSession.token_sha256 == digest(secret)))
    if found is not None and found.revoked_at is None:
        found.revoked_at = now

# -- candidates --------------------------------------------------------------------------------------


def invitation_for_code(session: Session, code: str, now: float) -> Invitation:
    """The invitation an unused, valid code opens, without spending it (the landing page of the link);
    ``InvitationUsed`` once it is spent, ``AccessDenied`` with the reason otherwise."""
    if not _kind_ok(code, CODE_PREFIX):
        raise AccessDenied("unknown invitation code: check the link, or ask your interviewer for a new one")
    invitation = session.scalar(select(Invitation).where(Invitation.code_sha256 == digest(code)))
    if invitation is None:
        raise AccessDenied("unknown invitation code: check the link, or ask your interviewer for a new one")
    if invitation.attempt is not None:
        raise InvitationUsed("this invitation was already used to start the attempt; continue where you started "
                             "it (the browser or the workspace `judge start` made), or ask your interviewer")
    if invitation.revoked_at is not None:
        raise AccessDenied("this invitation was withdrawn by the interviewer")
    if invitation.expires_at <= now:
        raise AccessDenied("this invitation code has expired; ask your interviewer for a new one")
    return invitation


def redeem(session: Session, code: str, now: float) -> tuple[Attempt, str]:
    """Spend an invitation code: start the attempt's clock; return it and the candidate's session token."""
    if not _kind_ok(code, CODE_PREFIX):
        if code.startswith(INTERVIEWER_PREFIX) or code.startswith(SESSION_PREFIX):
            raise AccessDenied("that is not an invitation code (codes start with jic_)")
        raise AccessDenied("unknown invitation code: check it, or ask your interviewer for a new one")
    invitation = session.scalar(select(Invitation).where(Invitation.code_sha256 == digest(code)).with_for_update())
    if invitation is None:
        raise AccessDenied("unknown invitation code: check it, or ask your interviewer for a new one")
    if invitation.attempt is not None:
        raise InvitationUsed(CODE_USED)
    if invitation.revoked_at is not None:
        raise AccessDenied("this invitation was withdrawn by the interviewer")
    if invitation.expires_at <= now:
        raise AccessDenied("this invitation code has expired; ask your interviewer for a new one")
    token = new_secret(SESSION_PREFIX)
    # The new attempt's relationships are given (its invitation, no submissions, no test runs) so that what
    # `POST /start` reads next (the README, the status) issues no lazy SELECT inside the write transaction.
    attempt = Attempt(id="att_" + secrets.token_hex(6), invitation_id=invitation.id, invitation=invitation,
                      token_sha256=digest(token), token_expires_at=now + invitation.budget_s + SESSION_GRACE_S,
                      started_at=now, budget_s=invitation.budget_s, status=AttemptState.OPEN, submissions=[],
                      test_runs=[])
    session.add(attempt)
    try:
        session.flush()
    except IntegrityError:  # a concurrent redeem of the same code made its attempt first (one per invitation)
        session.rollback()
        raise InvitationUsed(CODE_USED) from None
    return attempt, token


def authenticate_candidate(session: Session, token: str, now: float) -> Attempt:
    """The attempt ``token`` opens; ``AccessDenied`` for anything else."""
    if not _kind_ok(token, SESSION_PREFIX):
        raise AccessDenied(BAD_SESSION_TOKEN)
    found = session.scalar(select(Attempt).where(Attempt.token_sha256 == digest(token)))
    if found is None:
        raise AccessDenied(BAD_SESSION_TOKEN)
    if found.token_expires_at <= now:
        raise AccessDenied("this attempt's session has expired")
    if found.invitation.revoked_at is not None:
        raise AccessDenied("this invitation was withdrawn by the interviewer")
    return found
