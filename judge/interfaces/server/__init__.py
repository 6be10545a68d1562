"""`judge serve`: the interviewer's server, a FastAPI application.

How it is put together (and where a new page goes):

- ``app.create_app(settings, executor=..., clock=...)`` builds the application: the database
  (``judge.store.db.Database``, migrated on start), the background grader
  (``judge.services.server_grading.SubmissionGrader``) and the routers. Everything a route needs is on
  ``app.state.judge`` (a ``ServerState``), reached through the ``state`` dependency.
- ``auth``: the dependencies that say who is asking - ``interviewer`` and ``candidate`` resolve a bearer
  token to a database row (or answer 401), and ``ServerState.limiter`` bounds request rates. A new route
  declares the role it serves by depending on one of them; there is no route without a role except
  ``/health`` and the OpenAPI documentation.
- ``api``: the JSON API under ``/api/v1`` (the CLI's only contact).
- ``pages``: the web pages - the interviewer's dashboard under ``/dashboard`` (sign-in session cookie,
  CSRF token on every form), the candidate's page at the invitation link (``/join/CODE``, then
  ``/candidate``) and their assets under ``/static`` - Jinja2 templates in ``templates/``, one script and
  one stylesheet in ``static/``. A new page is a route there: depend on ``pages.signed_in`` (interviewer)
  or read the candidate cookie, render with ``pages.render``, and check every POST with
  ``pages.checked_form``. Errors on pages are pages (``errors.install`` is told which requests are pages).
- ``errors``: every error is ``{"error": "..."}``, never a traceback.
"""

from judge.interfaces.server.app import ServerState, Settings, create_app

__all__ = ["ServerState", "Settings", "create_app"]
