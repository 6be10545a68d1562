"""The browser editor's drafts, and who observed a public-example run.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the drafts table; mark every existing test run as reported by the candidate's CLI (the only
    kind there was)."""
    op.create_table(
        "drafts",
        sa.Column("attempt_id", sa.String(40), sa.ForeignKey("attempts.id"), primary_key=True),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("saved_at", sa.Float(), nullable=False),
        sa.Column("saves", sa.Integer(), nullable=False),
    )
    with op.batch_alter_table("test_runs") as batch:
        batch.add_column(sa.Column("observed_by", sa.String(16), nullable=False, server_default="candidate"))


def downgrade() -> None:
    """Drop the drafts table and the observed_by column."""
    with op.batch_alter_table("test_runs") as batch:
        batch.drop_column("observed_by")
    op.drop_table("drafts")
