"""`judge serve`: the interviewer's server, a FastAPI application.

How it is put together (and where a new page goes); imports point down this list only (the
``judge.interfaces.server`` contracts in pyproject.toml keep it so):

- ``app``: ``create_app(settings, executor=..., clock=...)`` builds the application: the database
  (``judge.store.db.Database``, migrated on start), the background grader
  (``judge.services.server_grading.SubmissionGrader``), the error handlers and the routers.
- the routes, independent of one another: ``api`` (the JSON API under ``/api/v1``, the CLI's only contact,
  and ``/health``); ``dashboard`` (the interviewer's pages under ``/dashboard``); ``candidate`` (the
  invitation link ``/join/CODE``, then ``/candidate``); ``assets`` (their scripts and stylesheets under
  ``/static``).
- ``pages``: what every web page shares: Jinja2 templates (``templates/``), security headers, errors as pages.
- ``cookies``: who is asking in a browser: session cookies, the CSRF token of every form and script request.
- ``auth``: who is asking with a bearer token: ``InterviewerId`` and ``CandidateAttempt`` resolve it to a
  database row (or answer 401), and every failed credential is throttled per client address.
- ``state``: ``Settings`` and ``ServerState`` (everything a route needs, reached through the ``State``
  parameter), with its rate limiters (``ServerState.submissions``, ``test_runs``, ``drafts``,
  ``auth_failures``); ``errors``: every error is ``{"error": "..."}`` or a page, never a traceback, and a
  service's typed refusal gets its HTTP status there.

A route declares the role it serves: ``InterviewerId`` or ``CandidateAttempt`` (the API),
``InterviewerPage`` (a dashboard page), or the candidate's cookie (``cookies.candidate_attempt``). The
routes without a role: ``/health``, the OpenAPI schema, the assets, ``/``, which redirects, and those that
take a credential rather than check one: ``POST /api/v1/start`` and ``/join/CODE`` (the invitation code),
the dashboard's sign-in (the interviewer token) and sign-out (it ends the session cookie it is sent).
Every POST or PUT from a page is checked with ``cookies.checked_form`` or ``cookies.check_script``.
"""

from judge.interfaces.server.app import create_app
from judge.interfaces.server.state import ServerState, Settings

__all__ = ["ServerState", "Settings", "create_app"]
