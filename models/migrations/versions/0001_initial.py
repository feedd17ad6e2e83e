"""assists, credits, people, giving days and processed events

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.base

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "assists",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("giver_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("stage", sa.String(length=16), nullable=True),
        sa.Column("customer", sa.String(length=150), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("crm_url", sa.String(length=500), nullable=True),
        sa.Column("deal_value", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=True),
        sa.Column("message_ts", sa.String(length=32), nullable=True),
        sa.Column("permalink", sa.String(length=500), nullable=True),
        sa.Column("is_private", sa.Boolean(), nullable=False),
        sa.Column("dedupe_key", sa.String(length=200), nullable=True),
        sa.Column("created_at", models.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", models.base.UtcDateTime(timezone=True), nullable=True),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assists")),
        sa.UniqueConstraint("team_id", "dedupe_key", name=op.f("uq_assists_team_id_dedupe_key")),
    )
    with op.batch_alter_table("assists", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_assists_giver_id"), ["giver_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_assists_team_id"), ["team_id"], unique=False)

    op.create_table(
        "giving_days",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("giver_id", sa.String(length=32), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("given", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_giving_days")),
        sa.UniqueConstraint(
            "team_id", "giver_id", "day", name=op.f("uq_giving_days_team_id_giver_id_day")
        ),
    )
    with op.batch_alter_table("giving_days", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_giving_days_team_id"), ["team_id"], unique=False)

    op.create_table(
        "people",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("department", sa.String(length=100), nullable=True),
        sa.Column("manager_id", sa.String(length=32), nullable=True),
        sa.Column("is_bot", sa.Boolean(), nullable=False),
        sa.Column("is_deleted", sa.Boolean(), nullable=False),
        sa.Column("refreshed_at", models.base.UtcDateTime(timezone=True), nullable=True),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_people")),
        sa.UniqueConstraint("team_id", "user_id", name=op.f("uq_people_team_id_user_id")),
    )
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_people_email"), ["email"], unique=False)
        batch_op.create_index(batch_op.f("ix_people_team_id"), ["team_id"], unique=False)

    op.create_table(
        "processed_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("processed_at", models.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_processed_events")),
        sa.UniqueConstraint(
            "team_id", "event_id", name=op.f("uq_processed_events_team_id_event_id")
        ),
    )
    with op.batch_alter_table("processed_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_processed_events_team_id"), ["team_id"], unique=False)

    op.create_table(
        "credits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assist_id", sa.Integer(), nullable=False),
        sa.Column("recipient_id", sa.String(length=32), nullable=False),
        sa.Column("giver_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("created_at", models.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", models.base.UtcDateTime(timezone=True), nullable=True),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["assist_id"],
            ["assists.id"],
            name=op.f("fk_credits_assist_id_assists"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credits")),
        sa.UniqueConstraint(
            "assist_id", "recipient_id", name=op.f("uq_credits_assist_id_recipient_id")
        ),
    )
    with op.batch_alter_table("credits", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_credits_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_credits_giver_id"), ["giver_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_credits_recipient_id"), ["recipient_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_credits_team_id"), ["team_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("credits", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_credits_team_id"))
        batch_op.drop_index(batch_op.f("ix_credits_recipient_id"))
        batch_op.drop_index(batch_op.f("ix_credits_giver_id"))
        batch_op.drop_index(batch_op.f("ix_credits_created_at"))

    op.drop_table("credits")
    with op.batch_alter_table("processed_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_processed_events_team_id"))

    op.drop_table("processed_events")
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_people_team_id"))
        batch_op.drop_index(batch_op.f("ix_people_email"))

    op.drop_table("people")
    with op.batch_alter_table("giving_days", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_giving_days_team_id"))

    op.drop_table("giving_days")
    with op.batch_alter_table("assists", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assists_team_id"))
        batch_op.drop_index(batch_op.f("ix_assists_giver_id"))

    op.drop_table("assists")
