"""The web pages: the interviewer's dashboard (``/dashboard``), the candidate's page at the invitation link
(``/join/CODE``, then ``/candidate``), and their assets (``/static``).

Server-rendered Jinja2 templates (``templates/``) and small scripts (``static/dashboard.js``: live
clocks, copy buttons, refresh when a grade lands; ``static/candidate.js``: the candidate's editor, with
``static/editor.js``, CodeMirror bundled from ``web/editor``); every asset is served from here and the
Content-Security-Policy lets a page load nothing else. The pages reuse the JSON API's services and
renderers: an attempt shows the same report as `judge report` (``judge.render.html.report_body``), the
results the batch summary's heat map and near-identical flags, an upload from the candidate page (the
form or the editor's Submit) is stored and graded by the same call as `judge submit`
(``api.accept_submission``), and the editor's Run public examples is `judge test` on the server
(``api.run_public_examples``).

Who is asking, in a browser:

- an interviewer signs in with their token and gets a dashboard session cookie (``judge_session``:
  ``HttpOnly``, ``SameSite=Lax``, ``Secure`` over HTTPS; stored as sha256, 12 hours, ended by signing out);
- a candidate who starts the attempt in the browser gets their session token as a cookie
  (``judge_candidate``); it opens only ``/candidate`` and never a dashboard page;
- every form carries a CSRF token derived from the cookie that authenticates it (``judge_browser``, a
  random cookie, for the sign-in and start forms), and the editor's script requests the same token in
  ``X-CSRF-Token``; a POST or PUT without the right one is refused (403).
"""

from __future__ import annotations

import hashlib
import json
import secrets
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from starlette.datastructures import FormData, UploadFile

from judge import __version__
from judge.interfaces.server.app import ServerState
from judge.interfaces.server.auth import credential_lookup, state
from judge.model.report import Report, format_clock
from judge.model.submission import SOLUTION
from judge.problems.catalog import ProblemError
from judge.render.highlight import highlight_lines
from judge.render.html import CSS, report_body
from judge.render.statement import statement_html
from judge.render.summary import HEAT_LEGEND, SORT_SCRIPT, SUMMARY_CSS, heat_class, pairs_banner
from judge.services import dashboard, interviews
from judge.services.invitations import (
    DAY_S,
    AccessDenied,
    InvitationError,
    InvitationUsed,
    authenticate_candidate,
    authenticate_dashboard,
    close_dashboard_session,
    code_matches,
    create_invitation,
    csrf_ok,
    csrf_token,
    invitation_for_code,
    open_dashboard_session,
    own_invitation,
    public_problem_warning,
    redeem,
    revoke_invitation,
)
from judge.store.db import Attempt, Interviewer, Submission

HERE = Path(__file__).resolve().parent
NEW_CODE_COOKIE = "judge_new_invitation"  # a new invitation's code, on its way to the page that shows it once
NEW_CODE_S = 600  # how long that page can be reloaded and still show the code
SESSION_COOKIE, CANDIDATE_COOKIE, BROWSER_COOKIE = "judge_session", "judge_candidate", "judge_browser"
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; style-src-attr 'unsafe-inline'; "
       "img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
HEADERS = {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
           "X-Frame-Options": "DENY", "Cache-Control": "no-store"}
CSRF_HEADER = "X-CSRF-Token"  # the CSRF token of a page's script requests (the editor's), made like a form's
CSRF_REFUSED = ("this form has expired or did not come from this site (its security token is missing or wrong): "
                "go back, reload the page and send it again")
PAGE_PREFIXES = ("/dashboard", "/join", "/candidate", "/static")

dashboard_router = APIRouter(prefix="/dashboard", include_in_schema=False)
candidate_pages = APIRouter(include_in_schema=False)
assets = APIRouter(prefix="/static", include_in_schema=False)
State = Annotated[ServerState, Depends(state)]


class SignInRequired(Exception):
    """A dashboard page asked for without a valid dashboard session: answered by the sign-in page."""


# -- rendering ----------------------------------------------------------------------------------------


def _clock_text(seconds: float | None) -> str:
    return "-" if seconds is None else format_clock(seconds)


def _utc(ts: float | None) -> str:
    return "" if ts is None else datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M UTC")


def _hms(ts: float | None) -> str:
    return "" if ts is None else datetime.fromtimestamp(ts, UTC).strftime("%H:%M:%S UTC")


def _iso(ts: float | None) -> str:
    return "" if ts is None else datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds")


templates = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html"]),
                        trim_blocks=True, lstrip_blocks=True)
templates.filters.update(clock=_clock_text, utc=_utc, iso=_iso, hms=_hms)
templates.globals.update(version=__version__, heat_class=heat_class, heat_legend=HEAT_LEGEND)


def render(name: str, http_status: int = 200, cookies: dict[str, tuple[str, float, bool]] | None = None,
           **context: Any) -> HTMLResponse:
    """A template as a page with the security headers; ``cookies``: name -> (value, max-age, secure)."""
    response = HTMLResponse(templates.get_template(name).render(**context), status_code=http_status, headers=HEADERS)
    for cookie, (value, max_age, secure) in (cookies or {}).items():
        set_cookie(response, cookie, value, max_age, secure)
    return response


def set_cookie(response: Response, name: str, value: str, max_age: float, secure: bool) -> None:
    """An HttpOnly, SameSite=Lax cookie for the whole site (Secure when served over HTTPS)."""
    response.set_cookie(name, value, max_age=max(0, int(max_age)), path="/", httponly=True, samesite="lax",
                        secure=secure)


def is_https(request: Request, st: ServerState) -> bool:
    """Whether cookies must be Secure: the request came over HTTPS (uvicorn honours X-Forwarded-Proto from
    a trusted proxy) or the server's public URL is https."""
    return request.url.scheme == "https" or st.settings.public_url.startswith("https://")


def redirect(url: str) -> RedirectResponse:
    """See other: after a POST, the browser GETs ``url``."""
    return RedirectResponse(url, status_code=303, headers={"Cache-Control": "no-store"})


def error_page(request: Request, status: int, message: str) -> Response:
    """Any error on a page, as a page (the API keeps its JSON errors)."""
    home = "/candidate" if request.url.path.startswith(("/candidate", "/join")) else "/dashboard"
    return render("error.html", http_status=status, title=f"Error {status}", status=status, message=message, home=home)


def is_page(request: Request) -> bool:
    """Whether the request is for a web page (HTML errors) rather than the API or a page's script (JSON
    errors: the candidate page's editor asks for JSON)."""
    path = request.url.path
    return (path == "/" or path.startswith(PAGE_PREFIXES)) and not wants_json(request)


def wants_json(request: Request) -> bool:
    """Whether a page's script made the request and reads the answer as JSON (its Accept header says so)."""
    return request.headers.get("accept", "").startswith("application/json")


def browser_secret(request: Request) -> tuple[str, bool]:
    """The browser's random cookie (for the CSRF token of forms shown before any session), and whether it
    is new (then the response must set it)."""
    found = request.cookies.get(BROWSER_COOKIE, "")
    if 20 <= len(found) <= 100:
        return found, False
    return secrets.token_urlsafe(32), True


async def checked_form(request: Request, secret: str | None) -> FormData:
    """The request's form, refused (403) unless its CSRF token matches ``secret`` (the form's cookie)."""
    try:
        form = await request.form(max_files=1, max_fields=20)
    except Exception:
        raise HTTPException(400, "the form could not be read; reload the page and send it again") from None
    sent = form.get("csrf")
    if not csrf_ok(secret, sent if isinstance(sent, str) else None):
        raise HTTPException(403, CSRF_REFUSED)
    return form


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _base_url(st: ServerState, request: Request) -> str:
    return (st.settings.public_url or str(request.base_url)).rstrip("/")


# -- assets -------------------------------------------------------------------------------------------

ASSET_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8"}
GENERATED = {"report.css": CSS + SUMMARY_CSS, "sort.js": SORT_SCRIPT + "\n"}
# editor.js is CodeMirror 6, bundled from web/editor's lock file (tests/test_editor_bundle.py rebuilds it).
STATIC_FILES = {"dashboard.css", "dashboard.js", "candidate.js", "editor.js"}


@assets.get("/{name}")
def get_asset(name: str, request: Request) -> Response:
    """The stylesheets and scripts of the pages: the report's own CSS and the summary's sort script
    (from the renderers, one source of truth), and the files in ``static/``. Each carries an ETag of its
    content: a browser asks again every time (``no-cache``) and gets 304 when nothing changed (the editor's
    bundle is 380 KB)."""
    if name in GENERATED:
        body = GENERATED[name].encode("utf-8")
    elif name in STATIC_FILES:
        body = (HERE / "static" / name).read_bytes()
    else:
        raise HTTPException(404, f"no asset {name!r}")
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    headers = {"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff", "ETag": etag}
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=ASSET_TYPES[Path(name).suffix], headers=headers)


# -- the interviewer: sign-in ---------------------------------------------------------------------------


def signed_in(request: Request) -> int:
    """The id of the interviewer whose dashboard session cookie came with the request; the sign-in page
    otherwise (a candidate's cookie is no dashboard session)."""
    st = state(request)
    secret = request.cookies.get(SESSION_COOKIE)
    if not secret:
        raise SignInRequired
    with st.db.session() as session:
        try:
            with credential_lookup(request):
                return authenticate_dashboard(session, secret, st.clock()).id
        except AccessDenied:
            raise SignInRequired from None


InterviewerPage = Annotated[int, Depends(signed_in)]


def _interviewer(session: Any, interviewer_id: int) -> Interviewer:
    found: Interviewer | None = session.get(Interviewer, interviewer_id)
    if found is None:
        raise SignInRequired
    return found


def _chrome(request: Request, session: Any, interviewer_id: int, section: str) -> dict[str, Any]:
    """What every signed-in page's header needs: who, the section, the sign-out form's CSRF token, and the
    activity it was drawn from (a watching page reloads when /dashboard/changes.json says otherwise)."""
    interviewer = _interviewer(session, interviewer_id)
    return {"who": interviewer.name, "section": section,
            "csrf": csrf_token(request.cookies.get(SESSION_COOKIE, "")),
            "watch_version": dashboard.activity_version(session, interviewer)}


def sign_in_page(request: Request, st: ServerState, status: int = 200, error: str = "",
                 note: str = "") -> HTMLResponse:
    """The sign-in form (it sets the browser cookie its CSRF token is made from, when there is none)."""
    secret, new = browser_secret(request)
    cookies = {BROWSER_COOKIE: (secret, 30 * DAY_S, is_https(request, st))} if new else None
    return render("sign_in.html", http_status=status, cookies=cookies, title="Sign in", csrf=csrf_token(secret),
                  error=error, note=note)


@dashboard_router.get("/sign-in")
def get_sign_in(request: Request, st: State, signed_out: int = 0) -> Response:
    try:
        signed_in(request)
        return redirect("/dashboard")
    except SignInRequired:
        return sign_in_page(request, st, note="You are signed out." if signed_out else "")


@dashboard_router.post("/sign-in")
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


@dashboard_router.post("/sign-out")
async def post_sign_out(request: Request, st: State) -> Response:
    secret = request.cookies.get(SESSION_COOKIE)
    await checked_form(request, secret)
    with st.db.session() as session:
        close_dashboard_session(session, secret or "", st.clock())
    response = redirect("/dashboard/sign-in?signed_out=1")
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=is_https(request, st))
    return response


# -- the interviewer: invitations -------------------------------------------------------------------------


def _invitations_page(request: Request, st: ServerState, interviewer_id: int, status: int = 200,
                      error: str = "", values: dict[str, str] | None = None) -> HTMLResponse:
    now = st.clock()
    with st.db.session() as session:
        chrome = _chrome(request, session, interviewer_id, "invitations")
        rows = dashboard.invitation_rows(session, _interviewer(session, interviewer_id), now)
    problems = st.problems()
    titles = {p.slug: p.title for p in problems}
    return render("invitations.html", http_status=status, title="Invitations", rows=rows, problems=problems,
                  titles=titles, error=error, values=values or {}, watch="/dashboard/changes.json", **chrome)


@dashboard_router.get("")
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


@dashboard_router.post("/invitations")
async def post_invitation(request: Request, interviewer_id: InterviewerPage, st: State) -> Response:
    form = await checked_form(request, request.cookies.get(SESSION_COOKIE))
    values = {k: _text(form, k) for k in ("problem", "candidate_name", "minutes", "expires_days", "feedback", "late")}
    now = st.clock()
    try:
        problem = st.problem(values["problem"])
        expires = _number(form, "expires_days", "Code valid for (days)")
        with st.db.session() as session:
            made = create_invitation(session, _interviewer(session, interviewer_id), problem,
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


@dashboard_router.get("/invitations/{invitation_id}/created")
def get_invitation_created(invitation_id: str, request: Request, interviewer_id: InterviewerPage,
                           st: State) -> Response:
    """The one page that shows a new invitation's link and command (for ``NEW_CODE_S`` after it was made)."""
    code = request.cookies.get(NEW_CODE_COOKIE, "")
    with st.db.session() as session:
        try:
            made = own_invitation(session, _interviewer(session, interviewer_id), invitation_id)
        except InvitationError as exc:
            raise HTTPException(404, str(exc)) from None
        chrome = _chrome(request, session, interviewer_id, "invitations")
        slug = made.problem
        shown = code_matches(made, code)
        invitation = {"id": made.id, "candidate": made.candidate_name, "budget_s": made.budget_s,
                      "feedback": made.feedback, "late_policy": made.late_policy, "expires_at": made.expires_at}
    try:
        problem = st.problem(slug)
    except ProblemError:
        raise HTTPException(503, "this invitation's problem is no longer installed on the server") from None
    base = _base_url(st, request)
    return render("invitation_created.html", title="Invitation created", invitation=invitation, problem=problem,
                  public_warning=public_problem_warning(problem), shown=shown,
                  link=f"{base}/join/{code}" if shown else "",
                  command=f"judge start --server {base} --invite {code}" if shown else "", **chrome)


@dashboard_router.post("/invitations/{invitation_id}/revoke")
async def post_revoke(invitation_id: str, request: Request, interviewer_id: InterviewerPage, st: State) -> Response:
    await checked_form(request, request.cookies.get(SESSION_COOKIE))
    with st.db.session() as session:
        interviewer = _interviewer(session, interviewer_id)
        try:
            own_invitation(session, interviewer, invitation_id)
            revoke_invitation(session, interviewer, invitation_id, st.clock())
        except InvitationError as exc:
            raise HTTPException(404 if "no invitation" in str(exc) else 409, str(exc)) from None
    return redirect("/dashboard")


@dashboard_router.get("/changes.json")
def get_changes(interviewer_id: InterviewerPage, st: State) -> dict[str, str]:
    """A fingerprint of the interviewer's activity: pages reload when it changes (a start, a run, a grade)."""
    with st.db.session() as session:
        return {"version": dashboard.activity_version(session, _interviewer(session, interviewer_id))}


# -- the interviewer: results ---------------------------------------------------------------------------


@dashboard_router.get("/results")
def get_results_index(request: Request, interviewer_id: InterviewerPage, st: State) -> Response:
    with st.db.session() as session:
        found = dashboard.problems_with_attempts(session, _interviewer(session, interviewer_id))
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


def _title(st: ServerState, slug: str) -> str:
    try:
        return st.problem(slug).title
    except ProblemError:
        return slug


@dashboard_router.get("/results/{problem}")
def get_results(problem: str, request: Request, interviewer_id: InterviewerPage, st: State) -> Response:
    starter = _starter(st, problem)
    with st.db.session() as session:
        interviewer = _interviewer(session, interviewer_id)
        problems = dashboard.problems_with_attempts(session, interviewer)
        if problem not in problems and problem not in {p.slug for p in st.problems()}:
            raise HTTPException(404, f"no problem {problem!r} on this server and no attempts of it")
        board = dashboard.results_board(session, interviewer, problem, starter, st.clock())
        chrome = _chrome(request, session, interviewer_id, "results")
    similar = Markup(pairs_banner(board.similar)) if board.similar else ""  # pairs_banner escapes
    return render("results.html", title=f"Results: {problem}", board=board, problems=problems, problem=problem,
                  problem_title=_title(st, problem), similar=similar, sortable=True,
                  watch="/dashboard/changes.json", **chrome)


@dashboard_router.get("/results/{problem}/export.csv")
def get_results_csv(problem: str, interviewer_id: InterviewerPage, st: State) -> Response:
    with st.db.session() as session:
        rows = [r.to_dict() for r in interviews.results(session, _interviewer(session, interviewer_id), problem,
                                                         st.clock())]
    day = datetime.fromtimestamp(st.clock(), UTC).strftime("%Y-%m-%d")
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in problem)[:60]
    return Response(interviews.results_csv(rows), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="results-{safe}-{day}.csv"',
                             "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})


# -- the interviewer: one attempt ---------------------------------------------------------------------


@dashboard_router.get("/attempts/{attempt_id}")
def get_attempt(attempt_id: str, request: Request, interviewer_id: InterviewerPage, st: State,
                submission: int | None = None) -> Response:
    now = st.clock()
    with st.db.session() as session:
        try:
            attempt = interviews.interviewer_attempt(session, _interviewer(session, interviewer_id), attempt_id)
        except interviews.SubmissionRefused as exc:
            raise HTTPException(404, str(exc)) from None
        chrome = _chrome(request, session, interviewer_id, "results")
        status = interviews.attempt_status(attempt, _title(st, attempt.invitation.problem), now)
        events = dashboard.timeline(attempt)
        subs: list[Submission] = list(attempt.submissions)
        chosen = next((s for s in subs if s.id == submission), None) if submission is not None else None
        chosen = chosen or interviews.latest(attempt, interviews.GRADED) or interviews.latest(attempt)
        shown = _submission_view(chosen)
        listing = [{"id": s.id, "state": s.state, "score": s.score, "max_score": s.max_score, "late": s.late,
                    "elapsed_s": s.elapsed_s} for s in subs]
        pending = any(s.state == interviews.PENDING for s in subs)
    return render("attempt.html", title=f"{status['candidate']}: {status['problem']}", status=status, events=events,
                  submissions=listing, shown=shown, notes=_notes_view(st, status["problem"]),
                  watch="/dashboard/changes.json" if pending or status["status"] == "open" else "", **chrome)


@dashboard_router.get("/compare/{first}/{second}")
def get_compare(first: str, second: str, request: Request, interviewer_id: InterviewerPage, st: State) -> Response:
    """Two of the interviewer's attempts' code side by side (the near-identical pairs link here): the
    latest graded submission of each, or the latest at all."""
    with st.db.session() as session:
        interviewer = _interviewer(session, interviewer_id)
        shown: list[dict[str, Any]] = []
        for attempt_id in (first, second):
            try:
                attempt = interviews.interviewer_attempt(session, interviewer, attempt_id)
            except interviews.SubmissionRefused as exc:
                raise HTTPException(404, str(exc)) from None
            sub = interviews.latest(attempt, interviews.GRADED) or interviews.latest(attempt)
            if sub is None:
                raise HTTPException(404, f"attempt {attempt_id} has no submission to compare")
            shown.append({"attempt_id": attempt.id, "candidate": attempt.invitation.candidate_name,
                          "problem": attempt.invitation.problem, "submission_id": sub.id, "source": sub.source,
                          "score": sub.score, "max_score": sub.max_score})
        chrome = _chrome(request, session, interviewer_id, "results")
    from judge.render.html import side_by_side
    from judge.services.similarity import shingles

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


def _submission_view(sub: Submission | None) -> dict[str, Any] | None:
    """The chosen submission: the full report (as `judge report` draws it, code highlighted) once graded;
    the highlighted code and its state before."""
    if sub is None:
        return None
    view: dict[str, Any] = {"id": sub.id, "state": sub.state, "late": sub.late, "error": sub.error,
                            "elapsed_s": sub.elapsed_s, "sha256": sub.sha256}
    if sub.state == interviews.GRADED and sub.report_json:
        report = Report.from_dict(json.loads(sub.report_json))
        view["report"] = Markup(report_body(report, sub.source, highlighted=True))  # the renderer escapes
    else:
        lines = highlight_lines(sub.source)
        view["code"] = Markup("\n".join(f'<span class="ln">{n}</span>{line}'  # escaped by it
                                        for n, line in enumerate(lines, 1)))
    return view


# -- the candidate ------------------------------------------------------------------------------------


def _candidate_attempt(request: Request, st: ServerState, session: Any, counted: bool = True) -> Attempt | None:
    """The attempt of the browser's candidate session cookie, or None. The lookup is throttled and a bad
    cookie counted, unless ``counted`` is False (the request's own credential was already counted)."""
    secret = request.cookies.get(CANDIDATE_COOKIE)
    if not secret:
        return None
    try:
        if not counted:
            return authenticate_candidate(session, secret, st.clock())
        with credential_lookup(request):
            return authenticate_candidate(session, secret, st.clock())
    except AccessDenied:
        return None


@candidate_pages.get("/join/{code}")
def get_join(code: str, request: Request, st: State) -> Response:
    """The invitation link's landing page: what the attempt is, and the two ways to start it. Opening it
    does not start the clock (a link preview must not)."""
    now = st.clock()
    with st.db.session() as session:
        try:
            with credential_lookup(request):  # a miss counts, even from a browser with a candidate session
                invitation = invitation_for_code(session, code, now)
        except (AccessDenied, InvitationUsed) as exc:
            if _candidate_attempt(request, st, session, counted=False) is not None:
                return redirect("/candidate")
            status = 409 if isinstance(exc, InvitationUsed) else 404
            return render("error.html", http_status=status, title="Invitation", status=status, message=str(exc),
                          home="")
        slug = invitation.problem
        facts = {"candidate": invitation.candidate_name, "budget_s": invitation.budget_s,
                 "feedback": invitation.feedback, "late_policy": invitation.late_policy,
                 "expires_at": invitation.expires_at, "problem": invitation.problem}
    try:
        problem = st.problem(slug)
    except ProblemError:
        raise HTTPException(503, "this invitation's problem is not installed on the server; tell your "
                                 "interviewer") from None
    secret, new = browser_secret(request)
    cookies = {BROWSER_COOKIE: (secret, 30 * DAY_S, is_https(request, st))} if new else None
    base = _base_url(st, request)
    return render("join.html", cookies=cookies, title=problem.title, problem=problem, facts=facts,
                  csrf=csrf_token(secret), code=code, command=f"judge start --server {base} --invite {code}")


@candidate_pages.post("/join/{code}")
async def post_join(code: str, request: Request, st: State) -> Response:
    """Start the attempt in the browser: the code is spent, the clock starts, the session is a cookie."""
    await checked_form(request, request.cookies.get(BROWSER_COOKIE))
    now = st.clock()
    with st.db.session() as session:
        try:
            with credential_lookup(request):
                attempt, token = redeem(session, code, now)
        except AccessDenied as exc:
            raise HTTPException(401, str(exc)) from None
        except InvitationUsed as exc:
            raise HTTPException(409, str(exc)) from None
        try:
            st.problem(attempt.invitation.problem)
        except ProblemError:
            raise HTTPException(503, "this invitation's problem is not installed on the server; tell your "
                                     "interviewer (the invitation was not used)") from None
        lifetime = attempt.token_expires_at - now
    response = redirect("/candidate")
    set_cookie(response, CANDIDATE_COOKIE, token, lifetime, is_https(request, st))
    return response


def _candidate_page(request: Request, st: ServerState, status: int = 200, error: str = "") -> Response:
    now = st.clock()
    with st.db.session() as session:
        attempt = _candidate_attempt(request, st, session)
        if attempt is None:
            return render("error.html", http_status=401, title="No attempt", status=401, home="",
                          message="No attempt was started in this browser (or its session has ended). Open the "
                                  "invitation link your interviewer sent you.")
        slug = attempt.invitation.problem
        try:
            problem = st.problem(slug)
        except ProblemError:
            raise HTTPException(503, "this attempt's problem is no longer installed on the server") from None
        view = interviews.attempt_status(attempt, problem.title, now)
        statement = interviews.interview_statement(problem, attempt)
        drawn = _state_version(view)
        last = interviews.latest(attempt)
        shown = None if last is None else interviews.submission_for_candidate(last, st.secrets(slug))
        draft = interviews.editor_text(attempt, problem) if attempt.status == "open" else None
        draft_saved = attempt.draft.saved_at if attempt.draft is not None else None
    secret = request.cookies.get(CANDIDATE_COOKIE, "")
    base = _base_url(st, request)
    return render("candidate.html", http_status=status, title=problem.title, problem=problem, view=view, shown=shown,
                  statement=Markup(statement_html(statement)),  # the renderer escapes
                  csrf=csrf_token(secret), error=error, server=base, watch="/candidate/state.json",
                  watch_version=drawn, draft=draft, draft_saved=draft_saved,
                  scripts=["editor.js", "candidate.js"] if draft is not None else [])


def _state_version(view: dict[str, Any]) -> str:
    """What the candidate page was drawn from: the page reloads when /candidate/state.json says otherwise."""
    sub = view["submission"]
    return f"{view['status']}:{sub['id']}:{sub['state']}" if sub else str(view["status"])


@candidate_pages.get("/candidate")
def get_candidate(request: Request, st: State) -> Response:
    return _candidate_page(request, st)


@candidate_pages.get("/candidate/state.json")
def get_candidate_state(request: Request, st: State) -> dict[str, Any]:
    """The attempt's clock and latest submission's state (the page's live clock and refresh)."""
    with st.db.session() as session:
        attempt = _candidate_attempt(request, st, session)
        if attempt is None:
            raise HTTPException(401, "no attempt in this browser")
        view = interviews.attempt_status(attempt, _title(st, attempt.invitation.problem), st.clock())
    view["version"] = _state_version(view)
    return view


def _static_refusal(st: ServerState, attempt_id: str, raw: bytes) -> str:
    """Why an upload cannot be graded meaningfully, from its text alone (empty, the untouched starter, does
    not compile: the pre-checks `judge submit` runs before it spends the attempt); "" when nothing is wrong
    or when the server cannot tell (an unreadable file is refused by ``accept_submission`` itself)."""
    from judge.grading.integrity import SubmissionError, decode_source
    from judge.model.submission import Submission as SubmissionText
    from judge.services.precheck import static_refusal

    with st.db.session() as session:
        attempt = session.get(Attempt, attempt_id)
        slug = attempt.invitation.problem if attempt is not None else ""
    try:
        return static_refusal(st.problem(slug), SubmissionText.from_source(decode_source(raw)))
    except (SubmissionError, ProblemError):
        return ""


@candidate_pages.post("/candidate/submissions")
async def post_candidate_submission(request: Request, st: State) -> Response:
    """The upload form, and the editor's Submit (which asks for JSON): the file is refused when the pre-checks
    that need no sandbox fail (the attempt stays open), else stored and graded by the same call as
    `judge submit`."""
    from starlette.concurrency import run_in_threadpool

    from judge.interfaces.server.api import accept_submission

    secret = request.cookies.get(CANDIDATE_COOKIE)
    form = await checked_form(request, secret)
    with st.db.session() as session:
        attempt = _candidate_attempt(request, st, session)
        attempt_id = attempt.id if attempt is not None else None
    if attempt_id is None:
        raise HTTPException(401, "no attempt in this browser; open the invitation link again")
    upload = form.get("solution")
    try:
        if not isinstance(upload, UploadFile):
            raise HTTPException(422, "choose your solution.py file, then submit")
        raw = await upload.read()
        st.submissions.check(attempt_id, "submissions for this attempt")  # refused ones count too
        refusal = await run_in_threadpool(_static_refusal, st, attempt_id, raw)
        if refusal:
            raise HTTPException(422, f"not submitted: {refusal} Your attempt is still open.")
        made = await run_in_threadpool(accept_submission, st, attempt_id, raw)
    except HTTPException as exc:
        if exc.status_code not in (409, 422, 429) or wants_json(request):
            raise
        return _candidate_page(request, st, status=exc.status_code, error=str(exc.detail))
    if wants_json(request):
        return JSONResponse(made, status_code=202, headers={"Cache-Control": "no-store"})
    return redirect("/candidate#result")


async def _editor_request(request: Request, st: ServerState) -> tuple[str, bytes]:
    """The attempt and the body (solution.py) of a request from the candidate page's editor: the candidate's
    cookie, and the CSRF token made from it in the ``X-CSRF-Token`` header (a script sends no form)."""
    if not csrf_ok(request.cookies.get(CANDIDATE_COOKIE), request.headers.get(CSRF_HEADER)):
        raise HTTPException(403, CSRF_REFUSED)
    with st.db.session() as session:
        attempt = _candidate_attempt(request, st, session)
        attempt_id = attempt.id if attempt is not None else None
    if attempt_id is None:
        raise HTTPException(401, "no attempt in this browser (or its session has ended); open the invitation "
                                 "link again")
    return attempt_id, await request.body()


def _save_draft(st: ServerState, attempt_id: str, raw: bytes) -> dict[str, Any]:
    from judge.grading.integrity import SubmissionError, decode_source

    try:
        source = decode_source(raw)
    except SubmissionError as exc:
        raise HTTPException(422, f"the draft was not saved: {exc}") from None
    with st.db.session() as session:
        attempt = session.get(Attempt, attempt_id)
        if attempt is None:
            raise HTTPException(401, "no attempt in this browser; open the invitation link again")
        try:
            draft = interviews.save_draft(session, attempt, source, st.clock())
        except interviews.SubmissionRefused as exc:
            raise HTTPException(409, str(exc)) from None
        return {"saved_at": draft.saved_at, "saved_iso": _iso(draft.saved_at), "chars": len(source)}


@candidate_pages.put("/candidate/draft")
async def put_draft(request: Request, st: State) -> Response:
    """The editor's draft, saved as the candidate types (a closed tab loses nothing): the latest is kept per
    attempt, bounded like an upload; nothing is graded."""
    from starlette.concurrency import run_in_threadpool

    attempt_id, raw = await _editor_request(request, st)
    st.drafts.check(attempt_id, "draft saves for this attempt")
    saved = await run_in_threadpool(_save_draft, st, attempt_id, raw)
    return JSONResponse(saved, headers={"Cache-Control": "no-store"})


@candidate_pages.post("/candidate/public-runs")
async def post_candidate_public_run(request: Request, st: State) -> Response:
    """The editor's **Run public examples** (and the first step of its Submit): the pre-checks and the public
    examples in the server's sandbox, as `judge test` without Docker; rate-limited per attempt and recorded on
    the timeline as run on the server. Nothing is submitted."""
    from starlette.concurrency import run_in_threadpool

    from judge.interfaces.server.api import run_public_examples

    attempt_id, raw = await _editor_request(request, st)
    st.test_runs.check(attempt_id, "example runs for this attempt")
    view = await run_in_threadpool(run_public_examples, st, attempt_id, raw)
    return JSONResponse(view, headers={"Cache-Control": "no-store"})


@candidate_pages.get("/candidate/workspace.tar.gz")
def get_candidate_workspace(request: Request, st: State) -> Response:
    """The workspace, with this attempt's session pointer inside: `judge test` and `judge submit` work in it."""
    with st.db.session() as session:
        attempt = _candidate_attempt(request, st, session)
        if attempt is None:
            raise HTTPException(401, "no attempt in this browser; open the invitation link again")
        attempt_id, slug = attempt.id, attempt.invitation.problem
        try:
            problem = st.problem(slug)
        except ProblemError:
            raise HTTPException(503, "this attempt's problem is no longer installed on the server") from None
        readme = interviews.interview_readme(problem, attempt)
    pointer = {"attempt_id": attempt_id, "problem": slug, "server": _base_url(st, request),
               "token": request.cookies.get(CANDIDATE_COOKIE, ""),
               "note": "downloaded from the candidate page; the clock is the server's. The token is your session: "
                       "keep this file private."}
    archive = st.workspaces.archive(problem, readme, {interviews.POINTER: json.dumps(pointer, indent=2)})
    return Response(archive, media_type="application/gzip",
                    headers={"Content-Disposition": f'attachment; filename="{slug}-workspace.tar.gz"',
                             "Cache-Control": "no-store"})


@candidate_pages.get("/")
def get_root() -> Response:
    return redirect("/dashboard")
