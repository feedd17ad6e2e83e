"""manager nudge preferences and thanks

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.base

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "manager_thanks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("manager_id", sa.String(length=32), nullable=False),
        sa.Column("report_id", sa.String(length=32), nullable=False),
        sa.Column("credit_id", sa.Integer(), nullable=False),
        sa.Column("created_at", models.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_manager_thanks")),
        sa.UniqueConstraint(
            "team_id",
            "manager_id",
            "credit_id",
            name=op.f("uq_manager_thanks_team_id_manager_id_credit_id"),
        ),
    )
    with op.batch_alter_table("manager_thanks", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_manager_thanks_manager_id"), ["manager_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_manager_thanks_team_id"), ["team_id"], unique=False)

    op.create_table(
        "nudge_preferences",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("manager_id", sa.String(length=32), nullable=False),
        sa.Column("snoozed_until", models.base.UtcDateTime(timezone=True), nullable=True),
        sa.Column("stopped", sa.Boolean(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nudge_preferences")),
        sa.UniqueConstraint(
            "team_id", "manager_id", name=op.f("uq_nudge_preferences_team_id_manager_id")
        ),
    )
    with op.batch_alter_table("nudge_preferences", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_nudge_preferences_team_id"), ["team_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("nudge_preferences", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_nudge_preferences_team_id"))

    op.drop_table("nudge_preferences")
    with op.batch_alter_table("manager_thanks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_manager_thanks_team_id"))
        batch_op.drop_index(batch_op.f("ix_manager_thanks_manager_id"))

    op.drop_table("manager_thanks")
