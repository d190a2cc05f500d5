"""Deferrals that end: a claim's deferral carries its end date; persons are found by their
registry batch, and deferrals by their end date, without reading whole tables.

Revision ID: 0008_renewals
Revises: 0007_audit_checkpoints
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_renewals"
down_revision = "0007_audit_checkpoints"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("claims") as batch:
        batch.add_column(sa.Column("deferred_until", sa.Date))
        batch.add_column(sa.Column("deferral_ended_on", sa.Date))
    op.create_index("ix_persons_batch_id", "persons", ["batch_id"])
    op.create_index(
        "ix_decisions_until",
        "decisions",
        ["decree_id", "until"],
        sqlite_where=sa.text("until IS NOT NULL"),
        postgresql_where=sa.text("until IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_decisions_until", table_name="decisions")
    op.drop_index("ix_persons_batch_id", table_name="persons")
    with op.batch_alter_table("claims") as batch:
        batch.drop_column("deferral_ended_on")
        batch.drop_column("deferred_until")
