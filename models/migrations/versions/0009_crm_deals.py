"""deals won in the CRM

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from models.base import UtcDateTime

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "crm_deals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=50), nullable=False),
        sa.Column("deal_id", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("customer", sa.String(length=150), nullable=False),
        sa.Column("owner_email", sa.String(length=320), nullable=False),
        sa.Column("owner_id", sa.String(length=32), nullable=True),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("closed_at", UtcDateTime(), nullable=True),
        sa.Column("url", sa.String(length=500), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=True),
        sa.Column("assist_id", sa.Integer(), nullable=True),
        sa.Column("received_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("looked_up_at", UtcDateTime(), nullable=True),
        sa.Column("asked_id", sa.String(length=32), nullable=True),
        sa.Column("asked_at", UtcDateTime(), nullable=True),
        sa.Column("ask_channel", sa.String(length=32), nullable=True),
        sa.Column("ask_ts", sa.String(length=32), nullable=True),
        sa.Column("reminded_at", UtcDateTime(), nullable=True),
        sa.Column("escalated_at", UtcDateTime(), nullable=True),
        sa.Column("confirmed_at", UtcDateTime(), nullable=True),
        sa.Column("confirmed_by", sa.String(length=32), nullable=True),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["assist_id"],
            ["assists.id"],
            name=op.f("fk_crm_deals_assist_id_assists"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["referral_id"],
            ["referrals.id"],
            name=op.f("fk_crm_deals_referral_id_referrals"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crm_deals")),
        sa.UniqueConstraint(
            "team_id", "source", "deal_id", name=op.f("uq_crm_deals_team_id_source_deal_id")
        ),
    )
    with op.batch_alter_table("crm_deals", schema=None) as batch_op:
        batch_op.create_index("ix_crm_deals_team_id_status", ["team_id", "status"], unique=False)
        batch_op.create_index(batch_op.f("ix_crm_deals_team_id"), ["team_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("crm_deals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_crm_deals_team_id"))
        batch_op.drop_index("ix_crm_deals_team_id_status")
    op.drop_table("crm_deals")
