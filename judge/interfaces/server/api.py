"""The JSON API (``/api/v1``): candidate routes, interviewer routes, and ``/health``.

Each route depends on exactly one role (``auth.candidate`` or ``auth.interviewer``) and reaches only
that caller's own rows: a candidate their attempt, an interviewer their invitations. Candidate answers
never carry a hidden test's name, source or the reference (``judge.services.interviews.candidate_report``).
A service's refusal propagates as its typed error; ``errors`` gives it its status.
"""

from __future__ import annotations

import base64
import json
from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Request, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from judge.interfaces.server.auth import CandidateAttempt, InterviewerId, credential_lookup, interviewer_row
from judge.interfaces.server.state import UNUSED_INVITATION, State
from judge.problems.catalog import ProblemError
from judge.services import interviews
from judge.services.credentials import redeem
from judge.services.errors import Invalid
from judge.services.invitations import (
    create_invitation,
    invitation_state,
    list_invitations,
    own_invitation,
    public_problem_warning,
    revoke_invitation,
)
from judge.services.submissions import accept_submission, run_public_examples
from judge.store.db import InterviewSubmission, Invitation

health = APIRouter(tags=["server"])
candidate_router = APIRouter(tags=["candidate"])
interviewer_router = APIRouter(tags=["interviewer"])
WORKSPACE_TYPE = "application/gzip"
MAX_ID = 2**63 - 1  # the largest id a database integer column holds


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


def _invitation_view(invitation: Invitation, now: float) -> dict[str, Any]:
    attempt = invitation.attempt
    return {"id": invitation.id, "problem": invitation.problem, "candidate_name": invitation.candidate_name,
            "budget_s": invitation.budget_s, "feedback": invitation.feedback, "late": invitation.late_policy,
            "created_at": invitation.created_at, "expires_at": invitation.expires_at,
            "state": invitation_state(invitation, now), "attempt_id": attempt.id if attempt else None,
            "started_at": attempt.started_at if attempt else None}


# -- public -------------------------------------------------------------------------------------------


@health.get("/health", summary="200 once the server is ready (database migrated, grader running)")
def get_health(st: State) -> Response:
    if not st.ready.is_set():
        return Response('{"status":"starting"}', status_code=503, media_type="application/json")
    grader = st.grader
    if grader.degraded:  # up and storing, but no sandbox starts: submissions wait and are retried
        body = {"status": "degraded", "reason": f"no sandbox can start: {grader.unavailable}",
                "since": grader.unavailable_since, "waiting": len(grader.retry_due())}
        return Response(json.dumps(body), media_type="application/json")
    return Response('{"status":"ok"}', media_type="application/json")


# -- candidate ----------------------------------------------------------------------------------------


@candidate_router.post("/start", summary="Redeem an invitation code: the server's clock starts; returns the "
                       "candidate's session token and the public workspace (base64 of a .tar.gz)")
def start(body: StartRequest, request: Request, st: State) -> dict[str, Any]:
    now = st.clock()
    with st.db.session() as session:
        with credential_lookup(request):
            attempt, token = redeem(session, body.code.strip(), now)
        problem = st.installed(attempt.invitation.problem, UNUSED_INVITATION)
        archive = st.workspaces.archive(problem, interviews.interview_readme(problem, attempt))
        status = interviews.attempt_status(attempt, problem.title, now)
    return {**status, "token": token, "limits": problem.limits.to_dict(),
            "workspace": base64.b64encode(archive).decode("ascii")}


@candidate_router.get("/attempt", summary="The attempt's state on the server's clock")
def get_attempt(attempt_id: CandidateAttempt, st: State) -> dict[str, Any]:
    with st.db.session() as session:
        attempt = interviews.candidate_attempt(session, attempt_id)
        return interviews.attempt_status(attempt, st.title(attempt.invitation.problem), st.clock())


@candidate_router.get("/attempt/workspace", summary="The public workspace again (.tar.gz)",
                      response_class=Response, responses={200: {"content": {WORKSPACE_TYPE: {}}}})
def get_workspace(attempt_id: CandidateAttempt, st: State) -> Response:
    with st.db.session() as session:
        attempt = interviews.candidate_attempt(session, attempt_id)
        problem = st.installed(attempt.invitation.problem)
        readme = interviews.interview_readme(problem, attempt)
    archive = st.workspaces.archive(problem, readme)
    return Response(archive, media_type=WORKSPACE_TYPE)


@candidate_router.post("/attempt/test-runs", status_code=204, summary="Record a `judge test` run (the public "
                       "examples, run on the candidate's machine) on the attempt's timeline")
def post_test_run(body: TestRunRequest, attempt_id: CandidateAttempt,
                  st: State) -> Response:
    st.test_runs.check(attempt_id, "test runs recorded for this attempt")
    with st.db.session() as session:
        interviews.record_test_run(session, interviews.candidate_attempt(session, attempt_id), body.passed, body.total,
                                   body.verdict, st.clock())
    return Response(status_code=204)


@candidate_router.post(
    "/attempt/public-runs",
    summary="Run the pre-checks and the public examples on solution.py (the raw file as the body) in the "
            "server's sandbox; nothing is submitted. Rate-limited with the test runs.",
    openapi_extra={"requestBody": {"required": True, "content": {"text/x-python": {"schema": {"type": "string"}}}}})
async def post_public_run(request: Request, attempt_id: CandidateAttempt, st: State) -> dict[str, Any]:
    st.test_runs.check(attempt_id, "example runs for this attempt")
    raw = await request.body()
    return await run_in_threadpool(run_public_examples, st, attempt_id, raw)


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
        submission = session.get(InterviewSubmission, submission_id) if 0 < submission_id <= MAX_ID else None
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
        raise Invalid(str(exc)) from None
    now = st.clock()
    with st.db.session() as session:
        made = create_invitation(session, interviewer_row(session, interviewer_id), problem, body.candidate_name,
                                 now, minutes=body.minutes, expires_days=body.expires_days,
                                 feedback=body.feedback, late_policy=body.late)
        view = _invitation_view(made.invitation, now)
    base = st.base_url(request)
    warning = public_problem_warning(problem)
    return {**view, "code": made.code, "server": base,
            "command": f"judge start --server {base} --invite {made.code}", **({"warning": warning} if warning else {})}


@interviewer_router.get("/invitations", summary="Your invitations, newest first")
def get_invitations(interviewer_id: InterviewerId, st: State, problem: str | None = None) -> list[dict[str, Any]]:
    now = st.clock()
    with st.db.session() as session:
        return [_invitation_view(i, now) for i in list_invitations(session, interviewer_row(session, interviewer_id),
                                                                    problem)]


@interviewer_router.get("/invitations/{invitation_id}", summary="One of your invitations")
def get_invitation(invitation_id: str, interviewer_id: InterviewerId,
                   st: State) -> dict[str, Any]:
    with st.db.session() as session:
        return _invitation_view(own_invitation(session, interviewer_row(session, interviewer_id), invitation_id),
                                st.clock())


@interviewer_router.post("/invitations/{invitation_id}/revoke", summary="Withdraw an invitation (its code, or "
                         "the candidate's session if started, stops working)")
def post_revoke(invitation_id: str, interviewer_id: InterviewerId,
                st: State) -> dict[str, Any]:
    now = st.clock()
    with st.db.session() as session:
        found = revoke_invitation(session, interviewer_row(session, interviewer_id), invitation_id, now)
        return _invitation_view(found, now)


@interviewer_router.get("/results", summary="Every started attempt of your invitations, with its graded result")
def get_results(interviewer_id: InterviewerId, st: State, problem: str | None = None) -> list[dict[str, Any]]:
    with st.db.session() as session:
        return [row.to_dict() for row in interviews.results(session, interviewer_row(session, interviewer_id),
                                                            problem, st.clock())]


@interviewer_router.get("/attempts/{attempt_id}", summary="One attempt in full: timeline, every submission "
                        "with its source and full report, and the editorial's notes for the interviewer")
def get_attempt_record(attempt_id: str, interviewer_id: InterviewerId,
                       st: State) -> dict[str, Any]:
    with st.db.session() as session:
        attempt = interviews.interviewer_attempt(session, interviewer_row(session, interviewer_id), attempt_id)
        record = interviews.full_record(attempt)
    try:
        problem = st.problem(record["problem"])
    except ProblemError:
        return {**record, "title": record["problem"], "interviewer_notes": {"looks_for": "", "follow_ups": []}}
    return {**record, "title": problem.title, "interviewer_notes": interviews.interviewer_notes(problem)}
