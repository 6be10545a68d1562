"""The interviewer's dashboard under ``/dashboard``: sign-in, invitations (make, show the code once,
withdraw), the results of each problem (the batch summary's heat map and near-identical flags, a CSV
export), one attempt in full (timeline, every submission drawn as `judge report` draws it, the editorial's
notes), and two attempts' code side by side.

A new dashboard page is a route here: depend on ``InterviewerPage`` (the signed-in interviewer), render with
``pages.render`` and check every POST with ``cookies.checked_form``.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, HTTPException, Request, Response
from fastapi.responses import HTMLResponse
from markupsafe import Markup
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from judge.interfaces.server.auth import credential_lookup, interviewer_row
from judge.interfaces.server.cookies import (
    BROWSER_COOKIE,
    SESSION_COOKIE,
    InterviewerPage,
    SignInRequired,
    browser_secret,
    checked_form,
    is_https,
    set_cookie,
    signed_in,
)
from judge.interfaces.server.pages import redirect, render
from judge.interfaces.server.state import ServerState, State
from judge.model.report import Report
from judge.model.states import AttemptState, SubmissionState
from judge.model.submission import SOLUTION
from judge.problems.catalog import ProblemError
from judge.render.highlight import highlight_lines
from judge.render.html import report_body, side_by_side
from judge.render.statement import statement_html
from judge.render.summary import pairs_banner
from judge.services import dashboard as boards
from judge.services import interviews
from judge.services.credentials import (
    DAY_S,
    close_dashboard_session,
    code_matches,
    csrf_token,
    open_dashboard_session,
)
from judge.services.errors import AccessDenied
from judge.services.invitations import (
    InvitationError,
    create_invitation,
    own_invitation,
    public_problem_warning,
    revoke_invitation,
)
from judge.services.similarity import shingles
from judge.store.db import Interviewer, InterviewSubmission

NEW_CODE_COOKIE = "judge_new_invitation"  # a new invitation's code, on its way to the page that shows it once
NEW_CODE_S = 600  # how long that page can be reloaded and still show the code

router = APIRouter(prefix="/dashboard", include_in_schema=False)
site = APIRouter(include_in_schema=False)


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


# -- sign-in ---------------------------------------------------------------------------


def _chrome(request: Request, session: Session, interviewer_id: int, section: str) -> dict[str, Any]:
    """What every signed-in page's header needs: who, the section, the sign-out form's CSRF token, and the
    activity it was drawn from (a watching page reloads when /dashboard/changes.json says otherwise)."""
    interviewer = interviewer_row(session, interviewer_id)
    return {"who": interviewer.name, "section": section,
            "csrf": csrf_token(request.cookies.get(SESSION_COOKIE, "")),
            "watch_version": boards.activity_version(session, interviewer)}


def sign_in_page(request: Request, st: ServerState, status: int = 200, error: str = "",
                 note: str = "") -> HTMLResponse:
    """The sign-in form (it sets the browser cookie its CSRF token is made from, when there is none)."""
    secret, new = browser_secret(request)
    cookies = {BROWSER_COOKIE: (secret, 30 * DAY_S, is_https(request, st))} if new else None
    return render("sign_in.html", http_status=status, cookies=cookies, title="Sign in", csrf=csrf_token(secret),
                  error=error, note=note)


@router.get("/sign-in")
def get_sign_in(request: Request, st: State, signed_out: int = 0) -> Response:
    try:
        signed_in(request)
        return redirect("/dashboard")
    except SignInRequired:
        return sign_in_page(request, st, note="You are signed out." if signed_out else "")


@router.post("/sign-in")
async def post_sign_in(request: Request, st: State) -> Response:
    form = await checked_form(request, request.cookies.get(BROWSER_COOKIE))
    now = st.clock()
    with st.db.session() as session:
        try:
            with credential_lookup(request):
                row, secret = open_dashboard_session(session, _text(form, "token"), now)
        except AccessDenied as exc:
            return sign_in_page(request, st, status=401, error=str(exc))
        lifetime = row.expires_at - now
    response = redirect("/dashboard")
    set_cookie(response, SESSION_COOKIE, secret, lifetime, is_https(request, st))
    return response


@router.post("/sign-out")
async def post_sign_out(request: Request, st: State) -> Response:
    secret = request.cookies.get(SESSION_COOKIE)
    await checked_form(request, secret)
    with st.db.session() as session:
        close_dashboard_session(session, secret or "", st.clock())
    response = redirect("/dashboard/sign-in?signed_out=1")
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=is_https(request, st))
    return response


# -- invitations -------------------------------------------------------------------------


def _invitations_page(request: Request, st: ServerState, interviewer_id: int, status: int = 200,
                      error: str = "", values: dict[str, str] | None = None) -> HTMLResponse:
    now = st.clock()
    with st.db.session() as session:
        chrome = _chrome(request, session, interviewer_id, "invitations")
        rows = boards.invitation_rows(session, interviewer_row(session, interviewer_id), now)
    problems = st.problems()
    titles = {p.slug: p.title for p in problems}
    return render("invitations.html", http_status=status, title="Invitations", rows=rows, problems=problems,
                  titles=titles, error=error, values=values or {}, watch="/dashboard/changes.json", **chrome)


@router.get("")
def get_dashboard(request: Request, interviewer_id: InterviewerPage, st: State) -> Response:
    return _invitations_page(request, st, interviewer_id)


def _number(form: FormData, name: str, what: str) -> float | None:
    text = _text(form, name)
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        raise InvitationError(f"{what} must be a number, got {text!r}") from None


@router.post("/invitations")
async def post_invitation(request: Request, interviewer_id: InterviewerPage, st: State) -> Response:
    form = await checked_form(request, request.cookies.get(SESSION_COOKIE))
    values = {k: _text(form, k) for k in ("problem", "candidate_name", "minutes", "expires_days", "feedback", "late")}
    now = st.clock()
    try:
        problem = st.problem(values["problem"])
        expires = _number(form, "expires_days", "Code valid for (days)")
        with st.db.session() as session:
            made = create_invitation(session, interviewer_row(session, interviewer_id), problem,
                                     values["candidate_name"], now, minutes=_number(form, "minutes", "Window"),
                                     expires_days=7.0 if expires is None else expires,
                                     feedback=values["feedback"] or "full", late_policy=values["late"] or "grade")
            invitation_id = made.invitation.id
    except (InvitationError, ProblemError) as exc:
        return _invitations_page(request, st, interviewer_id, status=422, error=str(exc), values=values)
    # Post/redirect/get: a reload of the page that shows the code must not make a second invitation. The code
    # (never stored in clear) rides to that page in a short-lived cookie scoped to it.
    path = f"/dashboard/invitations/{invitation_id}/created"
    response = redirect(path)
    response.set_cookie(NEW_CODE_COOKIE, made.code, max_age=NEW_CODE_S, path=path, httponly=True,
                        samesite="strict", secure=is_https(request, st))
    return response


@router.get("/invitations/{invitation_id}/created")
def get_invitation_created(invitation_id: str, request: Request, interviewer_id: InterviewerPage,
                           st: State) -> Response:
    """The one page that shows a new invitation's link and command (for ``NEW_CODE_S`` after it was made)."""
    code = request.cookies.get(NEW_CODE_COOKIE, "")
    with st.db.session() as session:
        made = own_invitation(session, interviewer_row(session, interviewer_id), invitation_id)
        chrome = _chrome(request, session, interviewer_id, "invitations")
        slug = made.problem
        shown = code_matches(made, code)
        invitation = {"id": made.id, "candidate": made.candidate_name, "budget_s": made.budget_s,
                      "feedback": made.feedback, "late_policy": made.late_policy, "expires_at": made.expires_at}
    problem = st.installed(slug, "this invitation's problem is no longer installed on the server")
    base = st.base_url(request)
    return render("invitation_created.html", title="Invitation created", invitation=invitation, problem=problem,
                  public_warning=public_problem_warning(problem), shown=shown,
                  link=f"{base}/join/{code}" if shown else "",
                  command=f"judge start --server {base} --invite {code}" if shown else "", **chrome)


@router.post("/invitations/{invitation_id}/revoke")
async def post_revoke(invitation_id: str, request: Request, interviewer_id: InterviewerPage, st: State) -> Response:
    await checked_form(request, request.cookies.get(SESSION_COOKIE))
    with st.db.session() as session:
        interviewer = interviewer_row(session, interviewer_id)
        revoke_invitation(session, interviewer, invitation_id, st.clock())
    return redirect("/dashboard")


@router.get("/changes.json")
def get_changes(interviewer_id: InterviewerPage, st: State) -> dict[str, str]:
    """A fingerprint of the interviewer's activity: pages reload when it changes (a start, a run, a grade)."""
    with st.db.session() as session:
        return {"version": boards.activity_version(session, interviewer_row(session, interviewer_id))}


# -- results ---------------------------------------------------------------------------


@router.get("/results")
def get_results_index(request: Request, interviewer_id: InterviewerPage, st: State) -> Response:
    with st.db.session() as session:
        found = boards.problems_with_attempts(session, interviewer_row(session, interviewer_id))
        chrome = _chrome(request, session, interviewer_id, "results")
    if found:
        return redirect(f"/dashboard/results/{found[0]}")
    return render("results.html", title="Results", board=None, problems=[], problem=None,
                  watch="/dashboard/changes.json", **chrome)


def _starter(st: ServerState, slug: str) -> str:
    try:
        path = st.problem(slug).starter_dir / SOLUTION
        return path.read_text(encoding="utf-8") if path.is_file() else ""
    except (ProblemError, OSError):
        return ""


def _known_problem(st: ServerState, session: Session, interviewer: Interviewer, problem: str) -> list[str]:
    """The problems the interviewer has attempts of; 404 unless ``problem`` is one of them or on the server."""
    problems = boards.problems_with_attempts(session, interviewer)
    if problem not in problems and problem not in {p.slug for p in st.problems()}:
        raise HTTPException(404, f"no problem {problem!r} on this server and no attempts of it")
    return problems


@router.get("/results/{problem}")
def get_results(problem: str, request: Request, interviewer_id: InterviewerPage, st: State) -> Response:
    starter = _starter(st, problem)
    with st.db.session() as session:
        interviewer = interviewer_row(session, interviewer_id)
        problems = _known_problem(st, session, interviewer, problem)
        board = boards.results_board(session, interviewer, problem, starter, st.clock())
        chrome = _chrome(request, session, interviewer_id, "results")
    similar = Markup(pairs_banner(board.similar)) if board.similar else ""  # pairs_banner escapes
    return render("results.html", title=f"Results: {problem}", board=board, problems=problems, problem=problem,
                  problem_title=st.title(problem), similar=similar, sortable=True,
                  watch="/dashboard/changes.json", **chrome)


@router.get("/results/{problem}/export.csv")
def get_results_csv(problem: str, interviewer_id: InterviewerPage, st: State) -> Response:
    with st.db.session() as session:
        interviewer = interviewer_row(session, interviewer_id)
        _known_problem(st, session, interviewer, problem)  # not an empty 200 for a mistyped slug
        rows = [r.to_dict() for r in interviews.results(session, interviewer, problem, st.clock())]
    day = datetime.fromtimestamp(st.clock(), UTC).strftime("%Y-%m-%d")
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in problem)[:60]
    return Response(interviews.results_csv(rows), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="results-{safe}-{day}.csv"',
                             "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})


# -- one attempt ---------------------------------------------------------------------


@router.get("/attempts/{attempt_id}")
def get_attempt(attempt_id: str, request: Request, interviewer_id: InterviewerPage, st: State,
                submission: int | None = None) -> Response:
    now = st.clock()
    with st.db.session() as session:
        attempt = interviews.interviewer_attempt(session, interviewer_row(session, interviewer_id), attempt_id)
        chrome = _chrome(request, session, interviewer_id, "results")
        status = interviews.attempt_status(attempt, st.title(attempt.invitation.problem), now)
        events = boards.timeline(attempt)
        subs: list[InterviewSubmission] = list(attempt.submissions)
        chosen = next((s for s in subs if s.id == submission), None) if submission is not None else None
        chosen = chosen or interviews.latest(attempt, SubmissionState.GRADED) or interviews.latest(attempt)
        shown = _submission_view(chosen)
        listing = [{"id": s.id, "state": s.state, "score": s.score, "max_score": s.max_score, "late": s.late,
                    "elapsed_s": s.elapsed_s} for s in subs]
        pending = any(s.state == SubmissionState.PENDING for s in subs)
    return render("attempt.html", title=f"{status['candidate']}: {status['problem']}", status=status, events=events,
                  submissions=listing, shown=shown, notes=_notes_view(st, status["problem"]),
                  watch="/dashboard/changes.json" if pending or status["status"] == AttemptState.OPEN else "", **chrome)


@router.get("/compare/{first}/{second}")
def get_compare(first: str, second: str, request: Request, interviewer_id: InterviewerPage, st: State) -> Response:
    """Two of the interviewer's attempts' code side by side (the near-identical pairs link here): the
    latest graded submission of each, or the latest at all."""
    with st.db.session() as session:
        interviewer = interviewer_row(session, interviewer_id)
        shown: list[dict[str, Any]] = []
        for attempt_id in (first, second):
            attempt = interviews.interviewer_attempt(session, interviewer, attempt_id)
            sub = interviews.latest(attempt, SubmissionState.GRADED) or interviews.latest(attempt)
            if sub is None:
                raise HTTPException(404, f"attempt {attempt_id} has no submission to compare")
            shown.append({"attempt_id": attempt.id, "candidate": attempt.invitation.candidate_name,
                          "problem": attempt.invitation.problem, "submission_id": sub.id, "source": sub.source,
                          "score": sub.score, "max_score": sub.max_score})
        chrome = _chrome(request, session, interviewer_id, "results")
    left, right = shown
    a, b = shingles(left["source"]), shingles(right["source"])
    alike = len(a & b) / len(a | b) if a | b else 1.0
    table = Markup(side_by_side(left["source"], right["source"],  # side_by_side escapes
                                (f"{left['candidate']} (submission {left['submission_id']})",
                                 f"{right['candidate']} (submission {right['submission_id']})")))
    return render("compare.html", title=f"{left['candidate']} and {right['candidate']}", left=left, right=right,
                  alike=alike, table=table, **chrome)


def _notes_view(st: ServerState, slug: str) -> dict[str, Any]:
    """The editorial's notes for the interviewer, as safe HTML (the Markdown renderer escapes)."""
    try:
        notes = interviews.interviewer_notes(st.problem(slug))
    except ProblemError:
        return {"looks_for": "", "follow_ups": []}
    return {"looks_for": Markup(statement_html(notes["looks_for"])) if notes["looks_for"] else "",
            "follow_ups": [{"question": f["question"], "answer": Markup(statement_html(f["answer"]))}
                           for f in notes["follow_ups"]]}


def _submission_view(sub: InterviewSubmission | None) -> dict[str, Any] | None:
    """The chosen submission: the full report (as `judge report` draws it, code highlighted) once graded;
    the highlighted code and its state before."""
    if sub is None:
        return None
    view: dict[str, Any] = {"id": sub.id, "state": sub.state, "late": sub.late, "error": sub.error,
                            "elapsed_s": sub.elapsed_s, "sha256": sub.sha256}
    if sub.state == SubmissionState.GRADED and sub.report_json:
        report = Report.from_dict(json.loads(sub.report_json))
        view["report"] = Markup(report_body(report, sub.source, highlighted=True))  # the renderer escapes
    else:
        lines = highlight_lines(sub.source)
        view["code"] = Markup("\n".join(f'<span class="ln">{n}</span>{line}'  # escaped by it
                                        for n, line in enumerate(lines, 1)))
    return view


@site.get("/")
def get_root() -> Response:
    return redirect("/dashboard")
