"""the bot's recognition posts, for joining in

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from models.base import UtcDateTime

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "recognition_posts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("ts", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("user_ids", sa.Text(), nullable=False),
        sa.Column("thanked_by", sa.String(length=32), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recognition_posts")),
        sa.UniqueConstraint(
            "team_id", "channel", "ts", name=op.f("uq_recognition_posts_team_id_channel_ts")
        ),
    )
    with op.batch_alter_table("recognition_posts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_recognition_posts_team_id"), ["team_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("recognition_posts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_recognition_posts_team_id"))
    op.drop_table("recognition_posts")
