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
- ``api``: the JSON API under ``/api/v1`` (the CLI's only contact). HTML pages (the dashboard) are a
  separate router added in ``create_app`` that reuses the same dependencies and services.
- ``errors``: every error is ``{"error": "..."}``, never a traceback.
"""

from judge.interfaces.server.app import ServerState, Settings, create_app

__all__ = ["ServerState", "Settings", "create_app"]
