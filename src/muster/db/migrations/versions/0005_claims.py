"""Claims and appeals: one row per claim per board tier.

Revision ID: 0005_claims
Revises: 0004_notices_audit
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_claims"
down_revision = "0004_notices_audit"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "claims",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("call_up_id", sa.Integer, sa.ForeignKey("call_ups.id")),
        sa.Column("person_id", sa.Integer, sa.ForeignKey("persons.id"), nullable=False),
        sa.Column("campaign_id", sa.Integer, sa.ForeignKey("campaigns.id")),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("ground", sa.String(80), nullable=False),
        sa.Column("evidence", sa.Text),
        sa.Column("filed_by", sa.String(10), nullable=False),
        sa.Column("filer", sa.String(120), nullable=False),
        sa.Column("filed_on", sa.Date, nullable=False),
        sa.Column("filed_at", sa.DateTime, nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("tier", sa.SmallInteger, nullable=False),
        sa.Column("board", sa.String(120), nullable=False),
        sa.Column("due_on", sa.Date, nullable=False),
        sa.Column("missed", sa.SmallInteger, nullable=False, server_default="0"),
        sa.Column("resume_to", sa.String(16)),
        sa.Column("decree_version", sa.String(80), nullable=False),
        sa.Column("decided_on", sa.Date),
        sa.Column("decided_by", sa.String(120)),
        sa.Column("reasons", sa.Text),
        sa.Column("reference", sa.Text),
        sa.Column("automatic", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("appeal_of", sa.Integer, sa.ForeignKey("claims.id")),
    )
    op.create_index("ix_claims_call_up_id", "claims", ["call_up_id"])
    op.create_index("ix_claims_person_id", "claims", ["person_id"])
    op.create_index("ix_claims_status", "claims", ["status"])


def downgrade() -> None:
    op.drop_table("claims")
