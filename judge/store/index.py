"""Attempts and reports on disk: one folder an attempt, plus a sqlite index for listing.

Layout under the data folder (``JUDGE_HOME`` or the platform's user data folder)::

    install.key                 per-install HMAC key (0600)
    index.sqlite                attempts table: what `judge history` and `judge list` read; drill_reviews:
                                every answer rated in `judge drill` (the only record of those)
    attempts/<id>/attempt.json  the attempt record (source of truth, HMAC-protected clock fields)
    attempts/<id>/report.json   the graded report, once submitted
    attempts/<id>/solution.py   the snapshot of what was graded
    attempts/<id>/lock          held while the attempt is being graded

Every file write is atomic (write a temporary file, fsync, rename), so a crash or Ctrl-C leaves either
the old or the new version, never half of one.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from judge.model.states import AttemptState
from judge.store.files import atomic_write, write_json

if TYPE_CHECKING:  # sqlite3 is imported where the index is opened: `judge status` never opens it (start-up)
    import sqlite3

SCHEMA = """
CREATE TABLE IF NOT EXISTS attempts (
    id TEXT PRIMARY KEY,
    problem TEXT NOT NULL,
    started_at REAL NOT NULL,
    status TEXT NOT NULL,
    submitted_at REAL,
    elapsed_s REAL,
    budget_s REAL,
    score INTEGER,
    max_score INTEGER,
    percent REAL,
    verdict TEXT,
    workspace TEXT,
    hints INTEGER,
    mistakes TEXT
)
"""
COLUMNS = ("id", "problem", "started_at", "status", "submitted_at", "elapsed_s", "budget_s", "score", "max_score",
           "percent", "verdict", "workspace", "hints", "mistakes", "after_answer")
DRILL_SCHEMA = """
CREATE TABLE IF NOT EXISTS drill_reviews (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    question TEXT NOT NULL,
    at REAL NOT NULL,
    rating INTEGER NOT NULL,
    answer TEXT NOT NULL DEFAULT '',
    covered INTEGER,
    points INTEGER
)
"""
DRILL_COLUMNS = ("question", "at", "rating", "answer", "covered", "points")


def _add_hints(store: Store, conn: sqlite3.Connection) -> None:
    """1: the attempts table (an index made before hints were recorded gains the column)."""
    conn.execute(SCHEMA)
    if "hints" not in {row[1] for row in conn.execute("PRAGMA table_info(attempts)")}:
        conn.execute("ALTER TABLE attempts ADD COLUMN hints INTEGER")


def _add_mistakes(store: Store, conn: sqlite3.Connection) -> None:
    """2: the known mistakes each submitted attempt's report diagnosed, read back from the reports."""
    if "mistakes" not in {row[1] for row in conn.execute("PRAGMA table_info(attempts)")}:
        conn.execute("ALTER TABLE attempts ADD COLUMN mistakes TEXT")
    for (attempt_id,) in conn.execute("SELECT id FROM attempts WHERE status = 'submitted' AND mistakes IS NULL"
                                      ).fetchall():
        try:
            report = json.loads((store.root / "attempts" / attempt_id / "report.json").read_text())
            found = [str(d["mistake"]) for d in report.get("diagnosis") or []]
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            continue  # a missing or damaged report: the attempt stays, its mistakes unknown
        conn.execute("UPDATE attempts SET mistakes = ? WHERE id = ?", (json.dumps(found), attempt_id))


def _add_drill(store: Store, conn: sqlite3.Connection) -> None:
    """3: the drill's reviews."""
    conn.execute(DRILL_SCHEMA)


def _add_after_answer(store: Store, conn: sqlite3.Connection) -> None:
    """4: whether the model answer had been read before the attempt began (a retry after `judge solution`)."""
    if "after_answer" not in {row[1] for row in conn.execute("PRAGMA table_info(attempts)")}:
        conn.execute("ALTER TABLE attempts ADD COLUMN after_answer INTEGER")


# The index's migrations, in order; `PRAGMA user_version` is how many have run. Append, never edit.
MIGRATIONS = (_add_hints, _add_mistakes, _add_drill, _add_after_answer)


class StoreError(RuntimeError):
    """The data folder cannot be used; the message says why."""


class AttemptLocked(StoreError):
    """Another process is grading this attempt right now."""


class NoSuchAttempt(StoreError):
    """No attempt has this id, and none starts with it."""


ID_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"  # no 0/o, 1/l/i: ids are read aloud and typed
ID_LENGTH = 6


class Store:
    """The judge's data folder."""

    def __init__(self, root: Path) -> None:
        self.root = root
        try:
            (root / "attempts").mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot use the data folder {root}: {exc.strerror}; make it a folder you can "
                             "write, or set JUDGE_HOME to one") from exc

    # -- the install key ---------------------------------------------------------------------------
    def key(self) -> bytes:
        """The per-install HMAC key, made on first use."""
        path = self.root / "install.key"
        if not path.exists():
            with contextlib.suppress(FileExistsError):
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                import secrets  # here, as below: the listing commands never make a key or an id (start-up)

                with os.fdopen(fd, "w") as handle:
                    handle.write(secrets.token_hex(32))
        return bytes.fromhex(path.read_text().strip())

    # -- the index ---------------------------------------------------------------------------------
    @contextlib.contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        import sqlite3

        path = self.root / "index.sqlite"
        try:
            conn = sqlite3.connect(path, timeout=30)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open the index {path}: {exc}") from exc
        try:
            conn.row_factory = sqlite3.Row
            if conn.execute("PRAGMA user_version").fetchone()[0] < len(MIGRATIONS):
                self._migrate(conn)
            with conn:
                yield conn
        except sqlite3.Error as exc:  # read-only, damaged, locked past the timeout: a message, not a traceback
            raise StoreError(f"cannot use the index {path}: {exc}; make the data folder and its index writable, "
                             "or set JUDGE_HOME to another folder") from exc
        finally:
            conn.close()

    def _migrate(self, conn: sqlite3.Connection) -> None:
        """Bring the index up to this version (``PRAGMA user_version`` counts the steps done), in one write
        transaction, so two judges started at once never run a step twice. An index from a newer judge is
        left as it is."""
        conn.execute("BEGIN IMMEDIATE")
        try:
            done = conn.execute("PRAGMA user_version").fetchone()[0]
            for number, step in enumerate(MIGRATIONS[done:], done + 1):
                step(self, conn)
                conn.execute(f"PRAGMA user_version = {number}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    def index(self, record: dict[str, Any]) -> None:
        """Insert or update an attempt's row from its record."""
        from judge.model.report import hints_from_record  # here: the listing commands only read (start-up)

        report = record.get("result") or {}
        with self._db() as db:
            db.execute(
                f"INSERT OR REPLACE INTO attempts ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})",
                (record["id"], record["problem"], record["started_at"], record["status"],
                 record.get("submitted_at"), record.get("elapsed_s"), record.get("budget_s"),
                 report.get("score"), report.get("max_score"), report.get("percent"), report.get("verdict"),
                 record.get("workspace"), sum(h.level for h in hints_from_record(record.get("hints", []))),
                 json.dumps(report["mistakes"]) if isinstance(report.get("mistakes"), list) else None,
                 1 if (record.get("carried") or {}).get("model_answer") else 0),
            )

    def rows(self, problem: str | None = None) -> list[dict[str, Any]]:
        """Attempts, newest first. ``mistakes`` is the list of known mistakes the report diagnosed (None when
        the attempt has no report)."""
        query = "SELECT * FROM attempts"
        args: tuple[Any, ...] = ()
        if problem:
            query += " WHERE problem = ?"
            args = (problem,)
        with self._db() as db:
            rows = [dict(r) for r in db.execute(query + " ORDER BY started_at DESC", args)]
        for row in rows:
            row["mistakes"] = json.loads(row["mistakes"]) if row.get("mistakes") else None
        return rows

    # -- drill reviews -----------------------------------------------------------------------------
    def add_review(self, question: str, at: float, rating: int, answer: str = "", covered: int | None = None,
                   points: int | None = None) -> None:
        """Record one rated answer of `judge drill`."""
        with self._db() as db:
            db.execute(f"INSERT INTO drill_reviews ({', '.join(DRILL_COLUMNS)}) VALUES (?, ?, ?, ?, ?, ?)",
                       (question, at, rating, answer, covered, points))

    def reviews(self) -> list[dict[str, Any]]:
        """Every drill review, oldest first."""
        with self._db() as db:
            return [dict(r) for r in db.execute(
                f"SELECT {', '.join(DRILL_COLUMNS)} FROM drill_reviews ORDER BY at, seq")]

    def best_scores(self) -> dict[str, float]:
        """The best percent per problem over submitted attempts begun before the model answer was read."""
        with self._db() as db:
            rows = db.execute("SELECT problem, MAX(percent) AS best FROM attempts "
                              "WHERE status = 'submitted' AND COALESCE(after_answer, 0) = 0 GROUP BY problem")
            return {r["problem"]: r["best"] for r in rows if r["best"] is not None}

    # -- attempt ids -------------------------------------------------------------------------------
    def new_id(self) -> str:
        """A short attempt id no other attempt has, its folder made now so no other process takes it."""
        import secrets

        while True:
            candidate = "".join(secrets.choice(ID_ALPHABET) for _ in range(ID_LENGTH))
            try:
                (self.root / "attempts" / candidate).mkdir()
            except FileExistsError:
                continue
            except OSError as exc:
                raise StoreError(f"cannot write in the data folder {self.root}: {exc.strerror}") from exc
            return candidate

    def ids(self) -> list[str]:
        """Every attempt's id (folders holding a record)."""
        folder = self.root / "attempts"
        return sorted(p.name for p in folder.iterdir() if (p / "attempt.json").is_file())

    def resolve(self, ref: str) -> str:
        """The id of the attempt ``ref`` names: its whole id or any prefix only it has."""
        ref = ref.strip().lower()  # ids are lower-case; one read aloud is often typed in capitals
        if not ref or "/" in ref or ref.startswith("."):
            raise NoSuchAttempt(f"no such attempt {ref!r}; `judge history` lists them")
        ids = self.ids()
        if ref in ids:
            return ref
        matches = [i for i in ids if i.startswith(ref)]
        if len(matches) == 1:
            return matches[0]
        if matches:
            shown = ", ".join(matches[:5]) + (", ..." if len(matches) > 5 else "")
            raise NoSuchAttempt(f"{ref!r} names {len(matches)} attempts ({shown}); type more of the id")
        raise NoSuchAttempt(f"no such attempt {ref!r}; `judge history` lists them")

    # -- attempt folders ---------------------------------------------------------------------------
    def attempt_dir(self, attempt_id: str) -> Path:
        if not attempt_id or "/" in attempt_id or attempt_id.startswith("."):
            raise StoreError(f"bad attempt id {attempt_id!r}")
        return self.root / "attempts" / attempt_id

    def save_record(self, record: dict[str, Any]) -> None:
        """Write an attempt's record, then its row of the index."""
        self.write_record(record)
        self.index(record)

    def write_record(self, record: dict[str, Any]) -> None:
        """Write an attempt's record only (what the index holds of it is unchanged)."""
        try:
            write_json(self.attempt_dir(record["id"]) / "attempt.json", record)
        except OSError as exc:  # a full disk, a read-only folder: a message, not a traceback
            raise self._unwritable(exc) from exc

    def _unwritable(self, exc: OSError) -> StoreError:
        return StoreError(f"cannot write in the data folder {self.root}: {exc.strerror or exc}; make it a folder "
                          "you can write (with room to spare), or set JUDGE_HOME to one")

    def load_record(self, attempt_id: str) -> dict[str, Any]:
        path = self.attempt_dir(attempt_id) / "attempt.json"
        try:
            data = json.loads(path.read_text())
        except FileNotFoundError as exc:
            raise NoSuchAttempt(f"no such attempt {attempt_id!r} in {self.root}; `judge history` lists them") from exc
        except ValueError as exc:
            raise StoreError(f"the record of attempt {attempt_id!r} is damaged: {path}") from exc
        if not isinstance(data, dict):
            raise StoreError(f"the record of attempt {attempt_id!r} is damaged: {path}")
        return data

    def save_report(self, attempt_id: str, report: dict[str, Any], solution: str) -> None:
        folder = self.attempt_dir(attempt_id)
        try:
            atomic_write(folder / "solution.py", solution.encode("utf-8"))
            write_json(folder / "report.json", report)
        except OSError as exc:
            raise self._unwritable(exc) from exc

    def load_report(self, attempt_id: str) -> dict[str, Any]:
        path = self.attempt_dir(attempt_id) / "report.json"
        if not path.exists():
            record = self.load_record(attempt_id)  # NoSuchAttempt when there is no such attempt at all
            if record.get("status") == AttemptState.ABANDONED:
                raise StoreError(f"attempt {attempt_id} was abandoned without a submission, so it has no report")
            raise StoreError(f"attempt {attempt_id} is still open and has no report yet: `judge submit` in its "
                             f"workspace ({record.get('workspace')}) grades it")
        try:
            data: dict[str, Any] = json.loads(path.read_text())
        except ValueError as exc:
            raise StoreError(f"the report of attempt {attempt_id} is damaged: {path}") from exc
        return data

    def snapshot(self, attempt_id: str) -> str:
        path = self.attempt_dir(attempt_id) / "solution.py"
        return path.read_text(encoding="utf-8") if path.exists() else ""

    @contextlib.contextmanager
    def lock(self, attempt_id: str) -> Iterator[None]:
        """Hold the attempt's grading lock, or raise ``AttemptLocked`` at once."""
        path = self.attempt_dir(attempt_id) / "lock"
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handle = open(path, "a+")  # noqa: SIM115  (closed by the with below)
        except OSError as exc:
            raise self._unwritable(exc) from exc
        with handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError as exc:
                handle.seek(0)
                holder = handle.read().strip() or "another process"
                raise AttemptLocked(
                    f"attempt {attempt_id} is being graded right now by {holder}; wait for it to finish"
                ) from exc
            handle.seek(0)
            handle.truncate()
            handle.write(f"`judge` process {os.getpid()}")
            handle.flush()
            try:
                yield
            finally:
                handle.seek(0)
                handle.truncate()
                fcntl.flock(handle, fcntl.LOCK_UN)
