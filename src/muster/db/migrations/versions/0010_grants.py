"""Grants: a board's decision (an upheld claim) that later screens of the decree honour.

Revision ID: 0010_grants
Revises: 0009_carried_decisions
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_grants"
down_revision = "0009_carried_decisions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "grants",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("decree_id", sa.String(60), sa.ForeignKey("decrees.id"), nullable=False),
        sa.Column("person_id", sa.Integer, nullable=False),
        sa.Column("decision", sa.String(10), nullable=False),
        sa.Column("ground", sa.String(80), nullable=False),
        sa.Column("until", sa.Date),
        sa.Column("granted_on", sa.Date, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("ended_on", sa.Date),
    )
    op.create_index("ix_grants_decree_person", "grants", ["decree_id", "person_id"])


def downgrade() -> None:
    op.drop_index("ix_grants_decree_person", table_name="grants")
    op.drop_table("grants")
