"""Screening: stored decrees and versions, screen runs, decisions.

Revision ID: 0002_screening
Revises: 0001_registry
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_screening"
down_revision = "0001_registry"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "decrees",
        sa.Column("id", sa.String(60), primary_key=True),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("legal_source", sa.Text, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("loaded_at", sa.DateTime, nullable=False),
        sa.Column("actor", sa.String(120), nullable=False),
    )
    op.create_table(
        "decree_versions",
        sa.Column("decree_id", sa.String(60), sa.ForeignKey("decrees.id"), primary_key=True),
        sa.Column("number", sa.Integer, primary_key=True),
        sa.Column("effective_from", sa.Date, nullable=False),
        sa.Column("target", sa.Integer, nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("content_sha256", sa.String(64), nullable=False),
        sa.Column("rules", sa.Text, nullable=False),
        sa.Column("loaded_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "screens",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("decree_id", sa.String(60), sa.ForeignKey("decrees.id"), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("as_of", sa.Date, nullable=False),
        sa.Column("incremental", sa.Boolean, nullable=False),
        sa.Column("registry_batch", sa.Integer, nullable=False),
        sa.Column("persons", sa.Integer, nullable=False),
        sa.Column("counts", sa.Text, nullable=False),
        sa.Column("actor", sa.String(120), nullable=False),
        sa.Column("started_at", sa.DateTime, nullable=False),
        sa.Column("finished_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_screens_decree_id", "screens", ["decree_id"])
    op.create_table(
        "decisions",
        sa.Column("decree_id", sa.String(60), primary_key=True),
        sa.Column("person_id", sa.Integer, primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("as_of", sa.Date, nullable=False),
        sa.Column("decision", sa.String(10), nullable=False),
        sa.Column("until", sa.Date),
        sa.Column("ground", sa.String(60)),
        sa.Column("grounds", sa.BigInteger, nullable=False),
        sa.Column("screen_id", sa.Integer, nullable=False),
        sa.CheckConstraint(
            "decision IN ('eligible', 'deferred', 'exempt', 'ineligible')", name="decision"
        ),
    )


def downgrade() -> None:
    for table in ("decisions", "screens", "decree_versions", "decrees"):
        op.drop_table(table)
