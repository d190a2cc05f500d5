"""Carried decisions are not rewritten: a decision made on its own (at issue, a renewal) has
no screen, so ``decisions.screen_id`` may be null; and the few an incremental screen rewrites
are updated in place, so on PostgreSQL the table keeps a tenth of each page free for the new
row versions (an update within the page leaves the indexes alone).

Revision ID: 0009_carried_decisions
Revises: 0008_renewals
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_carried_decisions"
down_revision = "0008_renewals"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("decisions") as batch:
        batch.alter_column("screen_id", existing_type=sa.Integer, nullable=True)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE decisions SET (fillfactor = 90)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE decisions RESET (fillfactor)")
    op.execute("UPDATE decisions SET screen_id = 0 WHERE screen_id IS NULL")
    with op.batch_alter_table("decisions") as batch:
        batch.alter_column("screen_id", existing_type=sa.Integer, nullable=False)
