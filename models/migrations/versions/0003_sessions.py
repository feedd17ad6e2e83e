"""knowledge-sharing sessions, presenters, RSVPs and attendees

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.base

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "knowledge_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=150), nullable=False),
        sa.Column("direction", sa.String(length=20), nullable=False),
        sa.Column("department", sa.String(length=100), nullable=False),
        sa.Column("audience_department", sa.String(length=100), nullable=True),
        sa.Column("starts_at", models.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", models.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("meeting_url", sa.String(length=500), nullable=True),
        sa.Column("channel_id", sa.String(length=32), nullable=True),
        sa.Column("announcement_ts", sa.String(length=32), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("created_by", sa.String(length=32), nullable=False),
        sa.Column("created_at", models.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", models.base.UtcDateTime(timezone=True), nullable=True),
        sa.Column("dedupe_key", sa.String(length=200), nullable=True),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_knowledge_sessions")),
        sa.UniqueConstraint(
            "team_id", "dedupe_key", name=op.f("uq_knowledge_sessions_team_id_dedupe_key")
        ),
    )
    with op.batch_alter_table("knowledge_sessions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_knowledge_sessions_starts_at"), ["starts_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_knowledge_sessions_state"), ["state"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_knowledge_sessions_team_id"), ["team_id"], unique=False
        )

    op.create_table(
        "session_attendees",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("learned", sa.Text(), nullable=True),
        sa.Column("share_learned", sa.Boolean(), nullable=False),
        sa.Column("learned_at", models.base.UtcDateTime(timezone=True), nullable=True),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["knowledge_sessions.id"],
            name=op.f("fk_session_attendees_session_id_knowledge_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_session_attendees")),
        sa.UniqueConstraint(
            "session_id", "user_id", name=op.f("uq_session_attendees_session_id_user_id")
        ),
    )
    with op.batch_alter_table("session_attendees", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_session_attendees_team_id"), ["team_id"], unique=False)

    op.create_table(
        "session_presenters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["knowledge_sessions.id"],
            name=op.f("fk_session_presenters_session_id_knowledge_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_session_presenters")),
        sa.UniqueConstraint(
            "session_id", "user_id", name=op.f("uq_session_presenters_session_id_user_id")
        ),
    )
    with op.batch_alter_table("session_presenters", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_session_presenters_team_id"), ["team_id"], unique=False
        )

    op.create_table(
        "session_rsvps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("created_at", models.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["knowledge_sessions.id"],
            name=op.f("fk_session_rsvps_session_id_knowledge_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_session_rsvps")),
        sa.UniqueConstraint(
            "session_id", "user_id", name=op.f("uq_session_rsvps_session_id_user_id")
        ),
    )
    with op.batch_alter_table("session_rsvps", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_session_rsvps_team_id"), ["team_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("session_rsvps", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_session_rsvps_team_id"))

    op.drop_table("session_rsvps")
    with op.batch_alter_table("session_presenters", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_session_presenters_team_id"))

    op.drop_table("session_presenters")
    with op.batch_alter_table("session_attendees", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_session_attendees_team_id"))

    op.drop_table("session_attendees")
    with op.batch_alter_table("knowledge_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_knowledge_sessions_team_id"))
        batch_op.drop_index(batch_op.f("ix_knowledge_sessions_state"))
        batch_op.drop_index(batch_op.f("ix_knowledge_sessions_starts_at"))

    op.drop_table("knowledge_sessions")
