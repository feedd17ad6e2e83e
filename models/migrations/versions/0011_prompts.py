"""the weekly "Who helped you this week?" prompt: who was asked, who opted out

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from models.base import UtcDateTime

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "prompt_asks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("period", sa.String(length=16), nullable=False),
        sa.Column("asked_at", UtcDateTime(), nullable=False),
        sa.Column("answer", sa.String(length=16), nullable=True),
        sa.Column("answered_at", UtcDateTime(), nullable=True),
        sa.Column("assist_id", sa.Integer(), nullable=True),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["assist_id"],
            ["assists.id"],
            name=op.f("fk_prompt_asks_assist_id_assists"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prompt_asks")),
        sa.UniqueConstraint(
            "team_id", "user_id", "period", name=op.f("uq_prompt_asks_team_id_user_id_period")
        ),
    )
    with op.batch_alter_table("prompt_asks", schema=None) as batch_op:
        batch_op.create_index("ix_prompt_asks_team_id_period", ["team_id", "period"], unique=False)
        batch_op.create_index(batch_op.f("ix_prompt_asks_team_id"), ["team_id"], unique=False)

    op.create_table(
        "prompt_opt_outs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("opted_out_at", UtcDateTime(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prompt_opt_outs")),
        sa.UniqueConstraint("team_id", "user_id", name=op.f("uq_prompt_opt_outs_team_id_user_id")),
    )
    with op.batch_alter_table("prompt_opt_outs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_prompt_opt_outs_team_id"), ["team_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("prompt_opt_outs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_prompt_opt_outs_team_id"))
    op.drop_table("prompt_opt_outs")
    with op.batch_alter_table("prompt_asks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_prompt_asks_team_id"))
        batch_op.drop_index("ix_prompt_asks_team_id_period")
    op.drop_table("prompt_asks")
