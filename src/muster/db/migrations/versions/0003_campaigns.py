"""Campaigns: regional quotas, the lottery (commitment, frozen pools, orders), call-ups.

Revision ID: 0003_campaigns
Revises: 0002_screening
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_campaigns"
down_revision = "0002_screening"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "campaigns",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("decree_id", sa.String(60), sa.ForeignKey("decrees.id"), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("screen_id", sa.Integer, sa.ForeignKey("screens.id"), nullable=False),
        sa.Column("as_of", sa.Date, nullable=False),
        sa.Column("target", sa.Integer, nullable=False),
        sa.Column("method", sa.String(20), nullable=False),
        sa.Column("min_quota", sa.Integer, nullable=False),
        sa.Column("planned_days", sa.Integer, nullable=False),
        sa.Column("formula", sa.Text, nullable=False),
        sa.Column("status", sa.String(14), nullable=False),
        sa.Column("opened_at", sa.DateTime, nullable=False),
        sa.Column("actor", sa.String(120), nullable=False),
        sa.Column("closed_at", sa.DateTime),
        sa.Column("closed_by", sa.String(80)),
    )
    op.create_index("ix_campaigns_decree_id", "campaigns", ["decree_id"])
    op.create_table(
        "campaign_regions",
        sa.Column("campaign_id", sa.Integer, sa.ForeignKey("campaigns.id"), primary_key=True),
        sa.Column("region_code", sa.String(8), sa.ForeignKey("regions.code"), primary_key=True),
        sa.Column("pool", sa.Integer, nullable=False),
        sa.Column("capacity", sa.Integer, nullable=False),
        sa.Column("quota", sa.Integer, nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("closed_at", sa.DateTime),
    )
    op.create_table(
        "lotteries",
        sa.Column("campaign_id", sa.Integer, sa.ForeignKey("campaigns.id"), primary_key=True),
        sa.Column("pseudonym_key", sa.LargeBinary, nullable=False),
        sa.Column("seed", sa.LargeBinary, nullable=False),
        sa.Column("commitment", sa.String(64), nullable=False),
        sa.Column("pool_sha256", sa.String(64), nullable=False),
        sa.Column("committed_at", sa.DateTime, nullable=False),
        sa.Column("drawn_at", sa.DateTime),
        sa.Column("audit", sa.Text),
        sa.Column("actor", sa.String(120), nullable=False),
    )
    op.create_table(
        "lottery_regions",
        sa.Column("campaign_id", sa.Integer, sa.ForeignKey("campaigns.id"), primary_key=True),
        sa.Column("region_code", sa.String(8), sa.ForeignKey("regions.code"), primary_key=True),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("pool_sha256", sa.String(64), nullable=False),
        sa.Column("members", sa.LargeBinary, nullable=False),
        sa.Column("ordered", sa.LargeBinary),
        sa.Column("priorities", sa.Text),
        sa.Column("next_position", sa.Integer, nullable=False),
        sa.Column("skipped", sa.Integer, nullable=False),
    )
    op.create_table(
        "call_ups",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("campaign_id", sa.Integer, sa.ForeignKey("campaigns.id"), nullable=False),
        sa.Column("person_id", sa.Integer, sa.ForeignKey("persons.id"), nullable=False),
        sa.Column("region_code", sa.String(8), sa.ForeignKey("regions.code"), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("priority", sa.SmallInteger, nullable=False),
        sa.Column("status", sa.String(14), nullable=False),
        sa.Column("reason", sa.Text),
        sa.Column("replaces", sa.Integer, sa.ForeignKey("call_ups.id")),
        sa.Column("selected_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.Column("actor", sa.String(120), nullable=False),
        sa.UniqueConstraint("campaign_id", "person_id"),
    )
    op.create_index("ix_call_ups_person_id", "call_ups", ["person_id"])
    op.create_index(
        "ix_call_ups_campaign_region_status", "call_ups", ["campaign_id", "region_code", "status"]
    )


def downgrade() -> None:
    op.drop_table("call_ups")
    op.drop_table("lottery_regions")
    op.drop_table("lotteries")
    op.drop_table("campaign_regions")
    op.drop_index("ix_campaigns_decree_id", "campaigns")
    op.drop_table("campaigns")
