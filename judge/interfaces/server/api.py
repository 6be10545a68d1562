"""The JSON API (``/api/v1``): candidate routes, interviewer routes, and ``/health``.

Each route depends on exactly one role (``auth.candidate`` or ``auth.interviewer``) and reaches only
that caller's own rows: a candidate their attempt, an interviewer their invitations. Candidate answers
never carry a hidden test's name, source or the reference (``judge.services.interviews.candidate_report``).
"""

from __future__ import annotations

import base64
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from judge.interfaces.server.app import ServerState
from judge.interfaces.server.auth import CandidateAttempt, InterviewerId, credential_lookup, state
from judge.problems.catalog import ProblemError
from judge.services import interviews
from judge.services.invitations import (
    AccessDenied,
    InvitationError,
    InvitationUsed,
    create_invitation,
    invitation_state,
    list_invitations,
    own_invitation,
    public_problem_warning,
    redeem,
    revoke_invitation,
)
from judge.store.db import Attempt, Interviewer, Invitation, Submission

health = APIRouter(tags=["server"])
candidate_router = APIRouter(tags=["candidate"])
interviewer_router = APIRouter(tags=["interviewer"])
WORKSPACE_TYPE = "application/gzip"
MAX_ID = 2**63 - 1  # the largest id a database integer column holds
State = Annotated[ServerState, Depends(state)]


# -- schemas (the OpenAPI documentation) ------------------------------------------------------------------


class StartRequest(BaseModel):
    code: str = Field(description="the one-time invitation code (jic_...)", max_length=200)


class TestRunRequest(BaseModel):
    passed: int = Field(ge=0)
    total: int = Field(ge=0)
    verdict: str = Field(max_length=32)


class InvitationRequest(BaseModel):
    problem: str = Field(max_length=100)
    candidate_name: str = Field(max_length=200)
    minutes: float | None = Field(default=None, description="the window; default: the problem's budget")
    expires_days: float = Field(default=7.0, description="the code must be used within this many days")
    feedback: Literal["full", "score"] = "full"
    late: Literal["grade", "refuse"] = Field(default="grade", description="after the window: grade and mark "
                                             "late, or refuse")


# -- helpers ------------------------------------------------------------------------------------------


def _attempt(session: Any, attempt_id: str) -> Attempt:
    found: Attempt | None = session.get(Attempt, attempt_id)
    if found is None:  # deleted under a valid token: as unknown as anything else
        raise HTTPException(401, "unknown session token")
    return found


def _interviewer(session: Any, interviewer_id: int) -> Interviewer:
    found: Interviewer | None = session.get(Interviewer, interviewer_id)
    if found is None:
        raise HTTPException(401, "unknown interviewer token")
    return found


def _title(st: ServerState, slug: str) -> str:
    try:
        return st.problem(slug).title
    except ProblemError:
        return slug


def _invitation_view(invitation: Invitation, now: float) -> dict[str, Any]:
    attempt = invitation.attempt
    return {"id": invitation.id, "problem": invitation.problem, "candidate_name": invitation.candidate_name,
            "budget_s": invitation.budget_s, "feedback": invitation.feedback, "late": invitation.late_policy,
            "created_at": invitation.created_at, "expires_at": invitation.expires_at,
            "state": invitation_state(invitation, now), "attempt_id": attempt.id if attempt else None,
            "started_at": attempt.started_at if attempt else None}


def _base_url(st: ServerState, request: Request) -> str:
    return (st.settings.public_url or str(request.base_url)).rstrip("/")


# -- public -------------------------------------------------------------------------------------------


@health.get("/health", summary="200 once the server is ready (database migrated, grader running)")
def get_health(st: State) -> Response:
    if not st.ready.is_set():
        return Response('{"status":"starting"}', status_code=503, media_type="application/json")
    return Response('{"status":"ok"}', media_type="application/json")


# -- candidate ----------------------------------------------------------------------------------------


@candidate_router.post("/start", summary="Redeem an invitation code: the server's clock starts; returns the "
                       "candidate's session token and the public workspace (base64 of a .tar.gz)")
def start(body: StartRequest, request: Request, st: State) -> dict[str, Any]:
    now = st.clock()
    with st.db.session() as session:
        try:
            with credential_lookup(request):
                attempt, token = redeem(session, body.code.strip(), now)
        except AccessDenied as exc:
            raise HTTPException(401, str(exc)) from None
        except InvitationUsed as exc:
            raise HTTPException(409, str(exc)) from None
        try:
            problem = st.problem(attempt.invitation.problem)
        except ProblemError:
            raise HTTPException(503, "this invitation's problem is not installed on the server; tell your "
                                     "interviewer (the invitation was not used)") from None
        archive = interviews.workspace_archive(problem)
        status = interviews.attempt_status(attempt, problem.title, now)
    return {**status, "token": token, "limits": problem.limits.to_dict(),
            "workspace": base64.b64encode(archive).decode("ascii")}


@candidate_router.get("/attempt", summary="The attempt's state on the server's clock")
def get_attempt(attempt_id: CandidateAttempt, st: State) -> dict[str, Any]:
    with st.db.session() as session:
        attempt = _attempt(session, attempt_id)
        return interviews.attempt_status(attempt, _title(st, attempt.invitation.problem), st.clock())


@candidate_router.get("/attempt/workspace", summary="The public workspace again (.tar.gz)",
                      response_class=Response, responses={200: {"content": {WORKSPACE_TYPE: {}}}})
def get_workspace(attempt_id: CandidateAttempt, st: State) -> Response:
    with st.db.session() as session:
        slug = _attempt(session, attempt_id).invitation.problem
    try:
        archive = interviews.workspace_archive(st.problem(slug))
    except ProblemError:
        raise HTTPException(503, "this attempt's problem is no longer installed on the server") from None
    return Response(archive, media_type=WORKSPACE_TYPE)


@candidate_router.post("/attempt/test-runs", status_code=204, summary="Record a `judge test` run (the public "
                       "examples, run on the candidate's machine) on the attempt's timeline")
def post_test_run(body: TestRunRequest, attempt_id: CandidateAttempt,
                  st: State) -> Response:
    st.test_runs.check(attempt_id, "test runs recorded for this attempt")
    with st.db.session() as session:
        try:
            interviews.record_test_run(session, _attempt(session, attempt_id), body.passed, body.total,
                                       body.verdict, st.clock())
        except interviews.SubmissionRefused as exc:
            raise HTTPException(422, str(exc)) from None
    return Response(status_code=204)


def accept_submission(st: ServerState, attempt_id: str, raw: bytes) -> dict[str, Any]:
    """Store an upload as a pending submission of the attempt, then queue it for grading (409 when refused).
    `judge submit` and the candidate page's upload form both come here."""
    with st.db.session() as session:
        try:
            submission = interviews.store_submission(session, _attempt(session, attempt_id), raw, st.clock())
        except interviews.EmptySubmission as exc:
            raise HTTPException(422, str(exc)) from None
        except interviews.SubmissionRefused as exc:
            raise HTTPException(409, str(exc)) from None
        submission_id = submission.id
        view = {"id": submission_id, "state": submission.state, "late": submission.late,
                "elapsed_s": round(submission.elapsed_s, 1)}
    st.grader.enqueue(submission_id)  # after the commit: the row exists before any grading starts
    return view


@candidate_router.post(
    "/attempt/submissions", status_code=202,
    summary="Upload solution.py (the raw file as the body); it is stored, then graded. Poll its state.",
    openapi_extra={"requestBody": {"required": True, "content": {"text/x-python": {"schema": {"type": "string"}}}}})
async def post_submission(request: Request, attempt_id: CandidateAttempt,
                          st: State) -> dict[str, Any]:
    st.submissions.check(attempt_id, "submissions for this attempt")
    raw = await request.body()
    return await run_in_threadpool(accept_submission, st, attempt_id, raw)


@candidate_router.get("/attempt/submissions/{submission_id}", summary="A submission's state, and its report as "
                      "the invitation's feedback level allows")
def get_submission(submission_id: int, attempt_id: CandidateAttempt,
                   st: State) -> dict[str, Any]:
    with st.db.session() as session:
        # An id no database column can hold is as unknown as a missing one (not an OverflowError).
        submission = session.get(Submission, submission_id) if 0 < submission_id <= MAX_ID else None
        if submission is None or submission.attempt_id != attempt_id:
            raise HTTPException(404, f"no submission {submission_id} in this attempt")
        return interviews.submission_for_candidate(submission, st.secrets(submission.attempt.invitation.problem))


# -- interviewer ----------------------------------------------------------------------------------------


@interviewer_router.get("/problems", summary="The problems this server offers")
def get_problems(interviewer_id: InterviewerId, st: State) -> list[dict[str, Any]]:
    return [{"slug": p.slug, "title": p.title, "budget_minutes": p.budget_minutes, "difficulty": p.difficulty}
            for p in st.problems()]


@interviewer_router.post("/invitations", status_code=201, summary="Invite a candidate; the code is shown once")
def post_invitation(body: InvitationRequest, request: Request, interviewer_id: InterviewerId,
                    st: State) -> dict[str, Any]:
    try:
        problem = st.problem(body.problem)
    except ProblemError as exc:
        raise HTTPException(422, str(exc)) from None
    now = st.clock()
    with st.db.session() as session:
        try:
            made = create_invitation(session, _interviewer(session, interviewer_id), problem, body.candidate_name,
                                     now, minutes=body.minutes, expires_days=body.expires_days,
                                     feedback=body.feedback, late_policy=body.late)
        except InvitationError as exc:
            raise HTTPException(422, str(exc)) from None
        view = _invitation_view(made.invitation, now)
    base = _base_url(st, request)
    warning = public_problem_warning(problem)
    return {**view, "code": made.code, "server": base,
            "command": f"judge start --server {base} --invite {made.code}", **({"warning": warning} if warning else {})}


@interviewer_router.get("/invitations", summary="Your invitations, newest first")
def get_invitations(interviewer_id: InterviewerId, st: State, problem: str | None = None) -> list[dict[str, Any]]:
    now = st.clock()
    with st.db.session() as session:
        return [_invitation_view(i, now) for i in list_invitations(session, _interviewer(session, interviewer_id),
                                                                    problem)]


@interviewer_router.get("/invitations/{invitation_id}", summary="One of your invitations")
def get_invitation(invitation_id: str, interviewer_id: InterviewerId,
                   st: State) -> dict[str, Any]:
    with st.db.session() as session:
        try:
            return _invitation_view(own_invitation(session, _interviewer(session, interviewer_id), invitation_id),
                                    st.clock())
        except InvitationError as exc:
            raise HTTPException(404, str(exc)) from None


@interviewer_router.post("/invitations/{invitation_id}/revoke", summary="Withdraw an invitation (its code, or "
                         "the candidate's session if started, stops working)")
def post_revoke(invitation_id: str, interviewer_id: InterviewerId,
                st: State) -> dict[str, Any]:
    now = st.clock()
    with st.db.session() as session:
        try:
            found = own_invitation(session, _interviewer(session, interviewer_id), invitation_id)
            revoke_invitation(session, _interviewer(session, interviewer_id), found.id, now)
        except InvitationError as exc:
            raise HTTPException(404 if "no invitation" in str(exc) else 409, str(exc)) from None
        return _invitation_view(found, now)


@interviewer_router.get("/results", summary="Every started attempt of your invitations, with its graded result")
def get_results(interviewer_id: InterviewerId, st: State, problem: str | None = None) -> list[dict[str, Any]]:
    with st.db.session() as session:
        return [row.to_dict() for row in interviews.results(session, _interviewer(session, interviewer_id),
                                                            problem, st.clock())]


@interviewer_router.get("/attempts/{attempt_id}", summary="One attempt in full: timeline, every submission "
                        "with its source and full report")
def get_attempt_record(attempt_id: str, interviewer_id: InterviewerId,
                       st: State) -> dict[str, Any]:
    with st.db.session() as session:
        try:
            attempt = interviews.interviewer_attempt(session, _interviewer(session, interviewer_id), attempt_id)
        except interviews.SubmissionRefused as exc:
            raise HTTPException(404, str(exc)) from None
        return interviews.full_record(attempt)
