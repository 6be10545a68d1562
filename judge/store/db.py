"""The server's database: SQLAlchemy 2 models, the engine and sessions, and the Alembic migrations.

SQLite in the judge's data folder by default (nothing to install); PostgreSQL (or anything SQLAlchemy
speaks) by URL. The schema is owned by the Alembic migrations shipped in ``judge/store/migrations``;
``Database.migrate()`` brings any database to the latest revision and is run by ``judge serve init``
and on every server start. Models are plain rows: the rules (who may see what, the clock, late
submissions) live in ``judge.services.credentials``, ``judge.services.invitations`` and
``judge.services.interviews``.

Secrets are never stored: interviewer tokens, invitation codes and candidate session tokens are kept as
their sha256 (``*_sha256`` columns). Times are POSIX seconds (floats), the same unit as local attempts.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, Text, create_engine, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship, sessionmaker

from judge.model.states import AttemptState

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
SQLITE_NAME = "server.sqlite"


class DatabaseError(RuntimeError):
    """The database cannot be reached or migrated; the message says what to do."""


class Base(DeclarativeBase):
    """The declarative base of every server table."""


class Interviewer(Base):
    """Someone who invites candidates and reads results; identified by a bearer token."""

    __tablename__ = "interviewers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    created_at: Mapped[float] = mapped_column(Float)
    expires_at: Mapped[float] = mapped_column(Float)
    revoked_at: Mapped[float | None] = mapped_column(Float, nullable=True)


class DashboardSession(Base):
    """An interviewer signed in to the dashboard: the browser holds the token (a cookie), the row its sha256."""

    __tablename__ = "dashboard_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    interviewer_id: Mapped[int] = mapped_column(ForeignKey("interviewers.id"), index=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    created_at: Mapped[float] = mapped_column(Float)
    expires_at: Mapped[float] = mapped_column(Float)
    revoked_at: Mapped[float | None] = mapped_column(Float, nullable=True)  # signed out

    interviewer: Mapped[Interviewer] = relationship()


class Invitation(Base):
    """One candidate invited to one problem: a one-time code, a window and a feedback level."""

    __tablename__ = "invitations"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    interviewer_id: Mapped[int] = mapped_column(ForeignKey("interviewers.id"), index=True)
    problem: Mapped[str] = mapped_column(String(100), index=True)
    candidate_name: Mapped[str] = mapped_column(String(200))
    code_sha256: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    budget_s: Mapped[float] = mapped_column(Float)
    feedback: Mapped[str] = mapped_column(String(16))  # "full" | "score"
    late_policy: Mapped[str] = mapped_column(String(16))  # "grade" | "refuse"
    created_at: Mapped[float] = mapped_column(Float)
    expires_at: Mapped[float] = mapped_column(Float)  # the code must be redeemed before this
    revoked_at: Mapped[float | None] = mapped_column(Float, nullable=True)

    attempt: Mapped[Attempt | None] = relationship(back_populates="invitation", uselist=False)


class Attempt(Base):
    """A redeemed invitation: the server's clock for one candidate, and their session token."""

    __tablename__ = "attempts"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    invitation_id: Mapped[str] = mapped_column(ForeignKey("invitations.id"), unique=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    token_expires_at: Mapped[float] = mapped_column(Float)
    started_at: Mapped[float] = mapped_column(Float)
    budget_s: Mapped[float] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(16), default=AttemptState.OPEN)  # an AttemptState: open | submitted

    invitation: Mapped[Invitation] = relationship(back_populates="attempt")
    submissions: Mapped[list[InterviewSubmission]] = relationship(back_populates="attempt",
                                                                   order_by="InterviewSubmission.id")
    test_runs: Mapped[list[TestRun]] = relationship(back_populates="attempt", order_by="TestRun.id")
    draft: Mapped[Draft | None] = relationship(back_populates="attempt", uselist=False)


class InterviewSubmission(Base):
    """One solution.py a candidate uploaded in an interview, and its grading: stored (state "pending") before
    it is graded, so a restart loses none."""

    __tablename__ = "submissions"
    # At most one pending submission per attempt, kept by the database itself (migration 0003): two uploads
    # racing past ``store_submission``'s check cannot both be stored.
    __table_args__ = (Index("uq_submissions_one_pending", "attempt_id", unique=True,
                            sqlite_where=text("state = 'pending'"), postgresql_where=text("state = 'pending'")),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    attempt_id: Mapped[str] = mapped_column(ForeignKey("attempts.id"), index=True)
    received_at: Mapped[float] = mapped_column(Float)
    elapsed_s: Mapped[float] = mapped_column(Float)
    late: Mapped[bool] = mapped_column(Boolean)
    source: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16), index=True)  # a SubmissionState: pending | graded | judge-error
    graded_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    verdict: Mapped[str | None] = mapped_column(String(32), nullable=True)
    score: Mapped[int | None] = mapped_column(Integer, nullable=True)
    max_score: Mapped[int | None] = mapped_column(Integer, nullable=True)
    percent: Mapped[float | None] = mapped_column(Float, nullable=True)
    report_json: Mapped[str | None] = mapped_column(Text, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)

    attempt: Mapped[Attempt] = relationship(back_populates="submissions")


class TestRun(Base):
    """A run of the public examples: one the candidate's CLI reported (``observed_by`` "candidate": run on
    their machine, never checked), or one the server ran in its own sandbox ("server")."""

    __tablename__ = "test_runs"
    __test__ = False  # not a pytest test class

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    attempt_id: Mapped[str] = mapped_column(ForeignKey("attempts.id"), index=True)
    at: Mapped[float] = mapped_column(Float)
    passed: Mapped[int] = mapped_column(Integer)
    total: Mapped[int] = mapped_column(Integer)
    verdict: Mapped[str] = mapped_column(String(32))
    # "candidate": reported by their CLI (run on their machine); "server": run in the server's sandbox.
    observed_by: Mapped[str] = mapped_column(String(16), default="candidate", server_default="candidate")

    attempt: Mapped[Attempt] = relationship(back_populates="test_runs")


class Draft(Base):
    """The latest solution.py the candidate typed in the browser's editor, saved as they type (one row per
    attempt, replaced each time): reopening the page shows it. Never graded; a submission is its own row."""

    __tablename__ = "drafts"

    attempt_id: Mapped[str] = mapped_column(ForeignKey("attempts.id"), primary_key=True)
    source: Mapped[str] = mapped_column(Text)
    saved_at: Mapped[float] = mapped_column(Float)
    saves: Mapped[int] = mapped_column(Integer, default=0)

    attempt: Mapped[Attempt] = relationship(back_populates="draft")


def default_url(data_home: Path) -> str:
    """The SQLite database in the judge's data folder."""
    return f"sqlite:///{data_home / SQLITE_NAME}"


def redact_url(url: str) -> str:
    """The URL with its password hidden, for messages and logs."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "<unreadable database URL>"


class Database:
    """An engine and a session factory for one database URL."""

    def __init__(self, url: str) -> None:
        from sqlalchemy.exc import ArgumentError, NoSuchModuleError

        self.url = url
        options: dict[str, Any] = {"future": True, "pool_pre_ping": True}
        if url.startswith("sqlite"):
            options["connect_args"] = {"check_same_thread": False, "timeout": 30}
            path = url.split("///", 1)[-1]
            if path and path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
        try:
            self.engine: Engine = create_engine(url, **options)
        except (ArgumentError, NoSuchModuleError) as exc:
            raise DatabaseError(f"cannot use the database URL {redact_url(url)}: {exc}; "
                                "use sqlite:///PATH or postgresql+psycopg://USER:PASSWORD@HOST:PORT/DB") from exc
        if url.startswith("sqlite"):
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session that commits on success and rolls back on any exception."""
        session = self._sessions()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def migrate(self) -> str:
        """Bring the schema to the latest migration; returns the revision now current."""
        from alembic import command
        from alembic.config import Config
        from alembic.runtime.migration import MigrationContext
        from sqlalchemy.exc import OperationalError

        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        try:
            with self.engine.begin() as connection:
                config.attributes["connection"] = connection
                command.upgrade(config, "head")
            with self.engine.connect() as connection:
                return str(MigrationContext.configure(connection).get_current_revision())
        except OperationalError as exc:
            raise DatabaseError(f"cannot reach the database {redact_url(self.url)}: {exc.orig}") from exc

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


def _sqlite_pragmas(connection: Any, record: Any) -> None:
    """Foreign keys on, and WAL so the grader's writes do not block readers."""
    cursor = connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()
