"""The dashboard's sign-in sessions.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the dashboard_sessions table."""
    op.create_table(
        "dashboard_sessions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("interviewer_id", sa.Integer(), sa.ForeignKey("interviewers.id"), nullable=False),
        sa.Column("token_sha256", sa.String(64), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("expires_at", sa.Float(), nullable=False),
        sa.Column("revoked_at", sa.Float(), nullable=True),
    )
    op.create_index("ix_dashboard_sessions_interviewer_id", "dashboard_sessions", ["interviewer_id"])
    op.create_index("ix_dashboard_sessions_token_sha256", "dashboard_sessions", ["token_sha256"], unique=True)


def downgrade() -> None:
    """Drop the dashboard_sessions table."""
    op.drop_table("dashboard_sessions")
