"""One pending submission per attempt, kept by the database (a partial unique index).

Two uploads racing for one attempt used to both pass ``store_submission``'s check (read, then insert, with
no lock); the index makes the second insert fail on SQLite and PostgreSQL alike, and the API answers 409.
A database that already holds two pending submissions for one attempt (made before this revision) keeps
the older one pending and marks the newer ones "judge-error" so the index can be built; their candidates
may submit again.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

INDEX = "uq_submissions_one_pending"
PENDING = sa.text("state = 'pending'")


def upgrade() -> None:
    """Settle duplicates made before the index, then create it."""
    op.execute("UPDATE submissions SET state = 'judge-error', error = 'a second upload made while another was "
               "pending (before the database kept one per attempt); not graded' "
               "WHERE state = 'pending' AND id > (SELECT MIN(s.id) FROM submissions s "
               "WHERE s.attempt_id = submissions.attempt_id AND s.state = 'pending')")
    op.create_index(INDEX, "submissions", ["attempt_id"], unique=True, sqlite_where=PENDING,
                    postgresql_where=PENDING)


def downgrade() -> None:
    """Drop the index."""
    op.drop_index(INDEX, table_name="submissions")
