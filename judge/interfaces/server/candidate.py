"""The candidate's pages: the invitation link's landing page (``/join/CODE``: start in the browser or with
`judge start`), then ``/candidate``: the statement, the clock, an editor whose draft is saved as they type,
the public examples run in the server's sandbox, the upload, and the result as the invitation's feedback
allows. The browser's session is a cookie (``cookies``); uploads and example runs go through the same
services as `judge submit` and `judge test` (``judge.services.submissions``).
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, HTTPException, Request, Response
from fastapi.responses import JSONResponse
from markupsafe import Markup
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from judge.interfaces.server.auth import credential_lookup
from judge.interfaces.server.cookies import (
    BROWSER_COOKIE,
    CANDIDATE_COOKIE,
    browser_secret,
    candidate_attempt,
    check_script,
    checked_form,
    is_https,
    set_cookie,
)
from judge.interfaces.server.errors import status_of
from judge.interfaces.server.pages import redirect, render, wants_json
from judge.interfaces.server.state import UNUSED_INVITATION, ServerState, State
from judge.model.candidate_report import CandidateReport
from judge.model.states import AttemptState
from judge.model.workspace import POINTER
from judge.render.candidate import report_html
from judge.render.facts import iso_text
from judge.render.statement import statement_html
from judge.services import interviews
from judge.services.credentials import DAY_S, InvitationUsed, csrf_token, invitation_for_code, redeem
from judge.services.errors import AccessDenied, Invalid, ServiceError
from judge.services.submissions import accept_submission, read_upload, run_public_examples, upload_refusal
from judge.store.db import Attempt

router = APIRouter(include_in_schema=False)


@router.get("/join/{code}")
def get_join(code: str, request: Request, st: State) -> Response:
    """The invitation link's landing page: what the attempt is, and the two ways to start it. Opening it
    does not start the clock (a link preview must not)."""
    now = st.clock()
    with st.db.session() as session:
        try:
            with credential_lookup(request):  # a miss counts, even from a browser with a candidate session
                invitation = invitation_for_code(session, code, now)
        except (AccessDenied, InvitationUsed) as exc:
            if candidate_attempt(request, st, session, counted=False) is not None:
                return redirect("/candidate")
            status = 409 if isinstance(exc, InvitationUsed) else 404
            return render("error.html", http_status=status, title="Invitation", status=status, message=str(exc),
                          home="")
        slug = invitation.problem
        facts = {"candidate": invitation.candidate_name, "budget_s": invitation.budget_s,
                 "feedback": invitation.feedback, "late_policy": invitation.late_policy,
                 "expires_at": invitation.expires_at, "problem": invitation.problem}
    problem = st.installed(slug, "this invitation's problem is not installed on the server; tell your interviewer")
    secret, new = browser_secret(request)
    cookies = {BROWSER_COOKIE: (secret, 30 * DAY_S, is_https(request, st))} if new else None
    base = st.base_url(request)
    return render("join.html", cookies=cookies, title=problem.title, problem=problem, facts=facts,
                  csrf=csrf_token(secret), code=code, command=f"judge start --server {base} --invite {code}")


@router.post("/join/{code}")
async def post_join(code: str, request: Request, st: State) -> Response:
    """Start the attempt in the browser: the code is spent, the clock starts, the session is a cookie."""
    await checked_form(request, request.cookies.get(BROWSER_COOKIE))
    now = st.clock()
    with st.db.session() as session:
        with credential_lookup(request):
            attempt, token = redeem(session, code, now)
        st.installed(attempt.invitation.problem, UNUSED_INVITATION)
        lifetime = attempt.token_expires_at - now
    response = redirect("/candidate")
    set_cookie(response, CANDIDATE_COOKIE, token, lifetime, is_https(request, st))
    return response


def _candidate_page(request: Request, st: ServerState, status: int = 200, error: str = "") -> Response:
    now = st.clock()
    with st.db.session() as session:
        attempt = candidate_attempt(request, st, session)
        if attempt is None:
            return render("error.html", http_status=401, title="No attempt", status=401, home="",
                          message="No attempt was started in this browser (or its session has ended). Open the "
                                  "invitation link your interviewer sent you.")
        slug = attempt.invitation.problem
        problem = st.installed(slug)
        view = interviews.attempt_status(attempt, problem.title, now)
        statement = interviews.interview_statement(problem, attempt)
        drawn = _state_version(view)
        last = interviews.latest(attempt)
        shown = None if last is None else interviews.submission_for_candidate(last, st.secrets(slug))
        report = CandidateReport.from_dict(shown["report"]) if shown and shown.get("report") else None
        draft = interviews.editor_text(attempt, problem) if attempt.status == AttemptState.OPEN else None
        draft_saved = attempt.draft.saved_at if attempt.draft is not None else None
    secret = request.cookies.get(CANDIDATE_COOKIE, "")
    base = st.base_url(request)
    return render("candidate.html", http_status=status, title=problem.title, problem=problem, view=view, shown=shown,
                  statement=Markup(statement_html(statement)),  # the renderer escapes
                  report_html=Markup(report_html(report)) if report else "",  # the renderer escapes
                  csrf=csrf_token(secret), error=error, server=base, watch="/candidate/state.json",
                  watch_version=drawn, draft=draft, draft_saved=draft_saved,
                  scripts=["editor.js", "candidate.js"] if draft is not None else [])


def _state_version(view: dict[str, Any]) -> str:
    """What the candidate page was drawn from: the page reloads when /candidate/state.json says otherwise."""
    sub = view["submission"]
    return f"{view['status']}:{sub['id']}:{sub['state']}" if sub else str(view["status"])


@router.get("/candidate")
def get_candidate(request: Request, st: State) -> Response:
    return _candidate_page(request, st)


@router.get("/candidate/state.json")
def get_candidate_state(request: Request, st: State) -> dict[str, Any]:
    """The attempt's clock and latest submission's state (the page's live clock and refresh)."""
    with st.db.session() as session:
        attempt = candidate_attempt(request, st, session)
        if attempt is None:
            raise HTTPException(401, "no attempt in this browser")
        view = interviews.attempt_status(attempt, st.title(attempt.invitation.problem), st.clock())
    view["version"] = _state_version(view)
    return view


@router.post("/candidate/submissions")
async def post_candidate_submission(request: Request, st: State) -> Response:
    """The upload form, and the editor's Submit (which asks for JSON): the file is refused when the pre-checks
    that need no sandbox fail (the attempt stays open), else stored and graded by the same call as
    `judge submit`."""
    secret = request.cookies.get(CANDIDATE_COOKIE)
    form = await checked_form(request, secret)
    with st.db.session() as session:
        attempt = candidate_attempt(request, st, session)
        attempt_id = attempt.id if attempt is not None else None
    if attempt_id is None:
        raise HTTPException(401, "no attempt in this browser; open the invitation link again")
    upload = form.get("solution")
    try:
        if not isinstance(upload, UploadFile):
            raise HTTPException(422, "choose your solution.py file, then submit")
        raw = await upload.read()
        st.submissions.check(attempt_id, "submissions for this attempt")  # refused ones count too
        refusal = await run_in_threadpool(upload_refusal, st, attempt_id, raw)
        if refusal:
            raise Invalid(f"not submitted: {refusal} Your attempt is still open.")
        made = await run_in_threadpool(accept_submission, st, attempt_id, raw)
    except (HTTPException, ServiceError) as exc:
        status = exc.status_code if isinstance(exc, HTTPException) else status_of(exc)
        if status not in (409, 422, 429) or wants_json(request):
            raise
        return _candidate_page(request, st, status=status, error=str(exc.detail if isinstance(exc, HTTPException)
                                                                      else exc))
    if wants_json(request):
        return JSONResponse(made, status_code=202, headers={"Cache-Control": "no-store"})
    return redirect("/candidate#result")


async def _editor_request(request: Request, st: ServerState) -> tuple[str, bytes]:
    """The attempt and the body (solution.py) of a request from the candidate page's editor: the candidate's
    cookie, and the CSRF token made from it in the ``X-CSRF-Token`` header (a script sends no form)."""
    check_script(request, request.cookies.get(CANDIDATE_COOKIE))
    with st.db.session() as session:
        attempt = candidate_attempt(request, st, session)
        attempt_id = attempt.id if attempt is not None else None
    if attempt_id is None:
        raise HTTPException(401, "no attempt in this browser (or its session has ended); open the invitation "
                                 "link again")
    return attempt_id, await request.body()


def _save_draft(st: ServerState, attempt_id: str, raw: bytes) -> dict[str, Any]:
    try:
        source = read_upload(raw).source
    except Invalid as exc:
        raise Invalid(f"the draft was not saved: {exc}") from None
    with st.db.session() as session:
        attempt = session.get(Attempt, attempt_id)
        if attempt is None:
            raise HTTPException(401, "no attempt in this browser; open the invitation link again")
        draft = interviews.save_draft(session, attempt, source, st.clock())
        return {"saved_at": draft.saved_at, "saved_iso": iso_text(draft.saved_at), "chars": len(source)}


@router.put("/candidate/draft")
async def put_draft(request: Request, st: State) -> Response:
    """The editor's draft, saved as the candidate types (a closed tab loses nothing): the latest is kept per
    attempt, bounded like an upload; nothing is graded."""
    attempt_id, raw = await _editor_request(request, st)
    st.drafts.check(attempt_id, "draft saves for this attempt")
    saved = await run_in_threadpool(_save_draft, st, attempt_id, raw)
    return JSONResponse(saved, headers={"Cache-Control": "no-store"})


@router.post("/candidate/public-runs")
async def post_candidate_public_run(request: Request, st: State) -> Response:
    """The editor's **Run public examples** (and the first step of its Submit): the pre-checks and the public
    examples in the server's sandbox, as `judge test` without Docker; rate-limited per attempt and recorded on
    the timeline as run on the server. Nothing is submitted."""
    attempt_id, raw = await _editor_request(request, st)
    st.test_runs.check(attempt_id, "example runs for this attempt")
    view = await run_in_threadpool(run_public_examples, st, attempt_id, raw)
    return JSONResponse(view, headers={"Cache-Control": "no-store"})


@router.get("/candidate/workspace.tar.gz")
def get_candidate_workspace(request: Request, st: State) -> Response:
    """The workspace, with this attempt's session pointer inside: `judge test` and `judge submit` work in it."""
    with st.db.session() as session:
        attempt = candidate_attempt(request, st, session)
        if attempt is None:
            raise HTTPException(401, "no attempt in this browser; open the invitation link again")
        attempt_id, slug = attempt.id, attempt.invitation.problem
        problem = st.installed(slug)
        readme = interviews.interview_readme(problem, attempt)
    pointer = {"attempt_id": attempt_id, "problem": slug, "server": st.base_url(request),
               "token": request.cookies.get(CANDIDATE_COOKIE, ""),
               "note": "downloaded from the candidate page; the clock is the server's. The token is your session: "
                       "keep this file private."}
    archive = st.workspaces.archive(problem, readme, {POINTER: json.dumps(pointer, indent=2)})
    return Response(archive, media_type="application/gzip",
                    headers={"Content-Disposition": f'attachment; filename="{slug}-workspace.tar.gz"',
                             "Cache-Control": "no-store"})
