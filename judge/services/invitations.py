"""Invitations: an interviewer invites one candidate to one problem (a one-time code, shown once), lists
and withdraws them; each invitation's state on the server's clock.

The code itself is a credential (``judge.services.credentials`` makes it, stores its digest and redeems
it). Pure rules over the database (``judge.store.db``); the clock is passed in.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from judge.model.states import AttemptState, InvitationState
from judge.problems.catalog import Problem
from judge.services.credentials import CODE_PREFIX, DAY_S, clean_name, digest, new_secret
from judge.services.errors import Conflict, Invalid, NotFound
from judge.store.db import Interviewer, Invitation

DEFAULT_EXPIRES_DAYS = 7.0
FEEDBACK = ("full", "score")
LATE_POLICIES = ("grade", "refuse")


class InvitationError(Invalid):
    """An invitation that cannot be made as asked; the message says what to change."""


PUBLIC_PROBLEM = ("{slug} is a built-in practice problem, and its hidden tests and reference are public: they "
                  "ship with every `pip install ml-judge`, so the candidate can read them. For an interview whose "
                  "answers must stay secret, invite to a problem of your own (`judge problem new`, served with "
                  "`judge --problems DIR serve`).")


def public_problem_warning(problem: Problem) -> str | None:
    """What an interviewer must know when inviting to ``problem``: that its hidden files are public."""
    return PUBLIC_PROBLEM.format(slug=problem.slug) if problem.builtin else None


@dataclass(frozen=True)
class NewInvitation:
    """A created invitation and its one-time code (shown once)."""

    invitation: Invitation
    code: str


def create_invitation(session: Session, interviewer: Interviewer, problem: Problem, candidate_name: str, now: float,
                      *, minutes: float | None = None, expires_days: float = DEFAULT_EXPIRES_DAYS,
                      feedback: str = "full", late_policy: str = "grade") -> NewInvitation:
    """Invite one candidate to ``problem``; ``minutes`` defaults to the problem's budget."""
    if feedback not in FEEDBACK:
        raise InvitationError(f"feedback must be one of {', '.join(FEEDBACK)}, got {feedback!r}")
    if late_policy not in LATE_POLICIES:
        raise InvitationError(f"late must be one of {', '.join(LATE_POLICIES)}, got {late_policy!r}")
    budget_minutes = problem.budget_minutes if minutes is None else minutes
    if not 0 < budget_minutes <= 24 * 60:
        raise InvitationError(f"minutes must be between 0 and 1440, got {budget_minutes:g}")
    if not 0 < expires_days <= 365:
        raise InvitationError(f"expires must be between 0 and 365 days, got {expires_days:g}")
    code = new_secret(CODE_PREFIX)
    invitation = Invitation(
        id="inv_" + secrets.token_hex(6), interviewer_id=interviewer.id, problem=problem.slug,
        candidate_name=clean_name(candidate_name, "candidate"), code_sha256=digest(code),
        budget_s=budget_minutes * 60.0, feedback=feedback, late_policy=late_policy, created_at=now,
        expires_at=now + expires_days * DAY_S,
    )
    session.add(invitation)
    session.flush()
    return NewInvitation(invitation, code)


def invitation_state(invitation: Invitation, now: float) -> InvitationState:
    """Where the invitation stands at ``now``."""
    attempt = invitation.attempt
    if attempt is not None and attempt.status == AttemptState.SUBMITTED:
        return InvitationState.SUBMITTED
    if invitation.revoked_at is not None:
        return InvitationState.REVOKED
    if attempt is None:
        return InvitationState.EXPIRED if invitation.expires_at <= now else InvitationState.NOT_STARTED
    return InvitationState.IN_PROGRESS if now - attempt.started_at <= attempt.budget_s else InvitationState.OVER_TIME


def list_invitations(session: Session, interviewer: Interviewer, problem: str | None = None) -> list[Invitation]:
    """The interviewer's invitations, newest first."""
    query = select(Invitation).where(Invitation.interviewer_id == interviewer.id)
    if problem:
        query = query.where(Invitation.problem == problem)
    return list(session.scalars(query.order_by(Invitation.created_at.desc(), Invitation.id)))


def own_invitation(session: Session, interviewer: Interviewer, invitation_id: str) -> Invitation:
    """One of the interviewer's invitations; someone else's is as unknown as a missing one."""
    found = session.get(Invitation, invitation_id)
    if found is None or found.interviewer_id != interviewer.id:
        raise NotFound(f"no invitation {invitation_id!r} (see `judge invites`)")
    return found


def revoke_invitation(session: Session, interviewer: Interviewer, invitation_id: str, now: float) -> Invitation:
    """Withdraw an invitation: its code, or the candidate's session if the attempt has started, stops working.
    A submitted attempt is kept as it is."""
    found = own_invitation(session, interviewer, invitation_id)
    if found.attempt is not None and found.attempt.status == AttemptState.SUBMITTED:
        raise Conflict(f"invitation {invitation_id} was already submitted; its result stays")
    if found.revoked_at is None:
        found.revoked_at = now
    return found

