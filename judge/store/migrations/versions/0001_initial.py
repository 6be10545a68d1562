"""The first schema: interviewers, invitations, attempts, submissions, test runs.

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create every table of the first schema."""
    op.create_table(
        "interviewers",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("token_sha256", sa.String(64), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("expires_at", sa.Float(), nullable=False),
        sa.Column("revoked_at", sa.Float(), nullable=True),
    )
    op.create_index("ix_interviewers_token_sha256", "interviewers", ["token_sha256"], unique=True)
    op.create_table(
        "invitations",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("interviewer_id", sa.Integer(), sa.ForeignKey("interviewers.id"), nullable=False),
        sa.Column("problem", sa.String(100), nullable=False),
        sa.Column("candidate_name", sa.String(200), nullable=False),
        sa.Column("code_sha256", sa.String(64), nullable=False),
        sa.Column("budget_s", sa.Float(), nullable=False),
        sa.Column("feedback", sa.String(16), nullable=False),
        sa.Column("late_policy", sa.String(16), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("expires_at", sa.Float(), nullable=False),
        sa.Column("revoked_at", sa.Float(), nullable=True),
    )
    op.create_index("ix_invitations_interviewer_id", "invitations", ["interviewer_id"])
    op.create_index("ix_invitations_problem", "invitations", ["problem"])
    op.create_index("ix_invitations_code_sha256", "invitations", ["code_sha256"], unique=True)
    op.create_table(
        "attempts",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("invitation_id", sa.String(40), sa.ForeignKey("invitations.id"), nullable=False, unique=True),
        sa.Column("token_sha256", sa.String(64), nullable=False),
        sa.Column("token_expires_at", sa.Float(), nullable=False),
        sa.Column("started_at", sa.Float(), nullable=False),
        sa.Column("budget_s", sa.Float(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
    )
    op.create_index("ix_attempts_token_sha256", "attempts", ["token_sha256"], unique=True)
    op.create_table(
        "submissions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("attempt_id", sa.String(40), sa.ForeignKey("attempts.id"), nullable=False),
        sa.Column("received_at", sa.Float(), nullable=False),
        sa.Column("elapsed_s", sa.Float(), nullable=False),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("graded_at", sa.Float(), nullable=True),
        sa.Column("verdict", sa.String(32), nullable=True),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("max_score", sa.Integer(), nullable=True),
        sa.Column("percent", sa.Float(), nullable=True),
        sa.Column("report_json", sa.Text(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
    )
    op.create_index("ix_submissions_attempt_id", "submissions", ["attempt_id"])
    op.create_index("ix_submissions_state", "submissions", ["state"])
    op.create_table(
        "test_runs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("attempt_id", sa.String(40), sa.ForeignKey("attempts.id"), nullable=False),
        sa.Column("at", sa.Float(), nullable=False),
        sa.Column("passed", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("verdict", sa.String(32), nullable=False),
    )
    op.create_index("ix_test_runs_attempt_id", "test_runs", ["attempt_id"])


def downgrade() -> None:
    """Drop every table of the first schema."""
    for table in ("test_runs", "submissions", "attempts", "invitations", "interviewers"):
        op.drop_table(table)
