"""indexes for the queries at scale, stage on credits

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("assists", schema=None) as batch_op:
        batch_op.create_index(
            "ix_assists_team_id_created_at", ["team_id", "created_at"], unique=False
        )

    with op.batch_alter_table("credits", schema=None) as batch_op:
        batch_op.add_column(sa.Column("stage", sa.String(length=16), nullable=True))
        batch_op.drop_index(batch_op.f("ix_credits_created_at"))
        batch_op.drop_index(batch_op.f("ix_credits_giver_id"))
        batch_op.drop_index(batch_op.f("ix_credits_recipient_id"))

    # Each credit carries its assist's stage from now on, as it carries its kind.
    op.execute(
        "UPDATE credits SET stage = "
        "(SELECT assists.stage FROM assists WHERE assists.id = credits.assist_id)"
    )

    with op.batch_alter_table("credits", schema=None) as batch_op:
        batch_op.create_index(
            "ix_credits_team_id_created_at", ["team_id", "created_at"], unique=False
        )
        batch_op.create_index(
            "ix_credits_team_id_giver_id_created_at",
            ["team_id", "giver_id", "created_at"],
            unique=False,
        )
        batch_op.create_index(
            "ix_credits_team_id_recipient_id_created_at",
            ["team_id", "recipient_id", "created_at"],
            unique=False,
        )

    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.create_index(
            "ix_people_team_id_department", ["team_id", "department"], unique=False
        )

    with op.batch_alter_table("referrals", schema=None) as batch_op:
        batch_op.create_index(
            "ix_referrals_team_id_state_closed_at", ["team_id", "state", "closed_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("referrals", schema=None) as batch_op:
        batch_op.drop_index("ix_referrals_team_id_state_closed_at")

    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_index("ix_people_team_id_department")

    with op.batch_alter_table("credits", schema=None) as batch_op:
        batch_op.drop_index("ix_credits_team_id_recipient_id_created_at")
        batch_op.drop_index("ix_credits_team_id_giver_id_created_at")
        batch_op.drop_index("ix_credits_team_id_created_at")
        batch_op.create_index(batch_op.f("ix_credits_recipient_id"), ["recipient_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_credits_giver_id"), ["giver_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_credits_created_at"), ["created_at"], unique=False)
        batch_op.drop_column("stage")

    with op.batch_alter_table("assists", schema=None) as batch_op:
        batch_op.drop_index("ix_assists_team_id_created_at")
