"""The server's database on SQLite and on a real PostgreSQL: the migrations build exactly the models' schema,
and an interview (invite, start, submit, results, restart with a pending submission) works on both."""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import TINY
from .server_helpers import FakeClock, running_server

REFERENCE = (TINY / "reference" / "solution.py").read_text()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'server.sqlite'}"
    url: str = request.getfixturevalue("fresh_postgres")
    return url


def test_migrations_build_the_models_schema_and_rerun_cleanly(database_url: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from judge.store.db import Base, Database

    db = Database(database_url)
    try:
        assert db.migrate() == "0003_drafts"
        assert db.migrate() == "0003_drafts"  # idempotent: every server start runs it
        with db.engine.connect() as connection:
            assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
    finally:
        db.dispose()


def test_interview_and_restart_on_the_database(database_url: str) -> None:
    clock = FakeClock()
    with running_server(database_url, clock=clock) as first:
        done = first.start(first.invite(name="Ada")["code"])["token"]
        clock.now += 30
        view = first.wait(done, first.submit(done, REFERENCE).json()["id"])
        assert view["report"]["score"] == 6
        first.app.state.judge.grader.stop()
        pending = first.start(first.invite(name="Bob")["code"])["token"]
        clock.now += 45
        made = first.submit(pending, REFERENCE).json()
        assert made["state"] == "pending"
        token = first.token
    clock.now += 600
    with running_server(database_url, clock=clock) as second:
        view = second.wait(pending, made["id"])
        assert view["state"] == "graded" and view["report"]["elapsed_s"] == 45
        rows = second.client.get("/api/v1/results", headers=second.as_interviewer(token)).json()
        assert sorted((r["candidate"], r["score"], r["elapsed_s"]) for r in rows) == [("Ada", 6, 30.0),
                                                                                     ("Bob", 6, 45.0)]


def test_unreachable_database_is_one_clear_line(tmp_path: Path) -> None:
    from judge.store.db import Database, DatabaseError

    db = Database("postgresql+psycopg://judge@127.0.0.1:1/none")
    with pytest.raises(DatabaseError, match="cannot reach the database"):
        db.migrate()
    with pytest.raises(DatabaseError, match="cannot use the database URL"):
        Database("nosuchdb://x")


def test_runs_recorded_before_the_drafts_migration_stay_the_candidates(database_url: str) -> None:
    """0002 -> 0003_drafts on a database with a run in it: the run is kept, as reported by the candidate's CLI
    (the only kind there was), and the drafts table is there."""
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import text

    from judge.store.db import MIGRATIONS, Database

    db = Database(database_url)
    try:
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        with db.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "0002")
            connection.execute(text(
                "INSERT INTO interviewers (id, name, token_sha256, created_at, expires_at) VALUES (1, 'G', 'x', 0, 1)"))
            connection.execute(text(
                "INSERT INTO invitations (id, interviewer_id, problem, candidate_name, code_sha256, budget_s, "
                "feedback, late_policy, created_at, expires_at) VALUES ('inv', 1, 'p', 'Ada', 'c', 60, 'full', "
                "'grade', 0, 1)"))
            connection.execute(text(
                "INSERT INTO attempts (id, invitation_id, token_sha256, token_expires_at, started_at, budget_s, "
                "status) VALUES ('att', 'inv', 't', 1, 0, 60, 'open')"))
            connection.execute(text(
                "INSERT INTO test_runs (attempt_id, at, passed, total, verdict) VALUES ('att', 5, 1, 2, 'failed')"))
        assert db.migrate() == "0003_drafts"
        with db.engine.connect() as connection:
            assert connection.execute(text("SELECT observed_by FROM test_runs")).scalars().all() == ["candidate"]
            assert connection.execute(text("SELECT count(*) FROM drafts")).scalar() == 0
    finally:
        db.dispose()
