"""The server's database on SQLite and on a real PostgreSQL: the migrations build exactly the models' schema,
and an interview (invite, start, submit, results, restart with a pending submission) works on both."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from judge.store.db import InterviewSubmission

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
        assert db.migrate() == "0004"
        assert db.migrate() == "0004"  # idempotent: every server start runs it
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


def test_the_database_keeps_one_pending_submission_per_attempt(database_url: str) -> None:
    """The race `store_submission`'s own check cannot see: two sessions both read "nothing pending", both
    insert; the partial unique index refuses the second (the API's 409), on SQLite and PostgreSQL."""
    from judge.services import interviews

    clock = FakeClock()
    with running_server(database_url, clock=clock) as server:
        server.app.state.judge.grader.stop()  # keep the first upload pending
        attempt_id = server.start(server.invite(name="Ada")["code"])["attempt_id"]
        db = server.app.state.judge.db
        first, second = db._sessions(), db._sessions()
        try:
            mine, theirs = first.get(interviews.Attempt, attempt_id), second.get(interviews.Attempt, attempt_id)
            assert mine is not None and theirs is not None
            assert mine.submissions == [] and theirs.submissions == []  # both checks pass
            interviews.store_submission(first, mine, REFERENCE.encode(), clock())
            first.commit()
            with pytest.raises(interviews.SubmissionRefused, match="still being graded"):
                interviews.store_submission(second, theirs, REFERENCE.encode(), clock())
            second.rollback()
        finally:
            first.close()
            second.close()
        with db.session() as session:
            query = select(InterviewSubmission).where(InterviewSubmission.attempt_id == attempt_id)
            rows = session.scalars(query).all()
            assert [r.state for r in rows] == ["pending"]


def test_simultaneous_uploads_give_one_202_and_one_409(database_url: str) -> None:
    """Two uploads for one attempt sent at the same instant, ten times over: one is stored, one refused."""
    import threading

    clock = FakeClock()
    with running_server(database_url, clock=clock, submissions_per_window=100) as server:
        server.app.state.judge.grader.stop()
        for _ in range(10):
            token = server.start(server.invite(name="Ada")["code"])["token"]
            barrier = threading.Barrier(2)
            codes: list[int] = []

            def upload(token: str = token, barrier: threading.Barrier = barrier, codes: list[int] = codes) -> None:
                barrier.wait(5)
                codes.append(server.submit(token, REFERENCE).status_code)

            threads = [threading.Thread(target=upload) for _ in range(2)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(60)
            assert sorted(codes) == [202, 409]


def test_migration_settles_duplicate_pending_submissions_made_before_it(database_url: str) -> None:
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
        with db.engine.begin() as connection:
            connection.execute(text("INSERT INTO interviewers VALUES (1, 'G', 'x', 0, 1e12, NULL)"))
            connection.execute(text("INSERT INTO invitations VALUES ('inv', 1, 'p', 'Ada', 'c', 60, 'full', "
                                    "'grade', 0, 1e12, NULL)"))
            connection.execute(text("INSERT INTO attempts VALUES ('att', 'inv', 't', 1e12, 0, 60, 'open')"))
            for n in (1, 2, 3):
                connection.execute(text(f"INSERT INTO submissions (id, attempt_id, received_at, elapsed_s, late, "
                                        f"source, sha256, state) VALUES ({n}, 'att', {n}, {n}, false, 'x', 'h', "
                                        "'pending')"))
        assert db.migrate() == "0004"
        with db.engine.connect() as connection:
            states = connection.execute(text("SELECT id, state FROM submissions ORDER BY id")).all()
        assert [tuple(r) for r in states] == [(1, "pending"), (2, "judge-error"), (3, "judge-error")]
    finally:
        db.dispose()


def test_an_upload_racing_the_grade_that_closes_the_attempt_is_refused(database_url: str) -> None:
    """The upload read the attempt as open; the previous submission's grade closes it before the upload is
    stored: the check under the attempt's lock sees it closed."""
    from judge.services import interviews

    clock = FakeClock()
    with running_server(database_url, clock=clock) as server:
        server.app.state.judge.grader.stop()
        attempt_id = server.start(server.invite(name="Ada")["code"])["attempt_id"]
        db = server.app.state.judge.db
        late = db._sessions()
        try:
            stale = late.get(interviews.Attempt, attempt_id)
            assert stale is not None and stale.status == "open"
            late.commit()  # what it read is now only in memory, as in a request that read before the grade
            with db.session() as session:  # the grader closes the attempt
                row = session.get(interviews.Attempt, attempt_id)
                assert row is not None
                row.status = "submitted"
            assert stale.status == "open"
            with pytest.raises(interviews.SubmissionRefused, match="already submitted"):
                interviews.store_submission(late, stale, REFERENCE.encode(), clock())
            late.rollback()
        finally:
            late.close()


def test_runs_recorded_before_the_drafts_migration_stay_the_candidates(database_url: str) -> None:
    """0002 -> 0004 (drafts) on a database with a run in it: the run is kept, as reported by the candidate's CLI
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
        assert db.migrate() == "0004"
        with db.engine.connect() as connection:
            assert connection.execute(text("SELECT observed_by FROM test_runs")).scalars().all() == ["candidate"]
            assert connection.execute(text("SELECT count(*) FROM drafts")).scalar() == 0
    finally:
        db.dispose()
