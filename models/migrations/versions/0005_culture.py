"""pulse answers, department profiles, home tab opened

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.base

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "department_profiles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("department", sa.String(length=100), nullable=False),
        sa.Column("description", sa.String(length=300), nullable=False),
        sa.Column("updated_by", sa.String(length=32), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_department_profiles")),
        sa.UniqueConstraint(
            "team_id", "department", name=op.f("uq_department_profiles_team_id_department")
        ),
    )
    with op.batch_alter_table("department_profiles", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_department_profiles_team_id"), ["team_id"], unique=False
        )

    op.create_table(
        "pulse_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("period", sa.String(length=16), nullable=False),
        sa.Column("asked_at", models.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("share", sa.Boolean(), nullable=False),
        sa.Column("answered_at", models.base.UtcDateTime(timezone=True), nullable=True),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pulse_answers")),
        sa.UniqueConstraint(
            "team_id", "user_id", "period", name=op.f("uq_pulse_answers_team_id_user_id_period")
        ),
    )
    with op.batch_alter_table("pulse_answers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pulse_answers_team_id"), ["team_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_pulse_answers_user_id"), ["user_id"], unique=False)

    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("home_opened_at", models.base.UtcDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_column("home_opened_at")

    with op.batch_alter_table("pulse_answers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pulse_answers_user_id"))
        batch_op.drop_index(batch_op.f("ix_pulse_answers_team_id"))

    op.drop_table("pulse_answers")
    with op.batch_alter_table("department_profiles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_department_profiles_team_id"))

    op.drop_table("department_profiles")
