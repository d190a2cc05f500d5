"""Signed checkpoints of the audit chain's head, and the keys that sign them.

Revision ID: 0007_audit_checkpoints
Revises: 0006_accounts
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_audit_checkpoints"
down_revision = "0006_accounts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_keys",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("public_key", sa.String(64), nullable=False),
        sa.Column("private_key", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    )
    op.create_table(
        "audit_checkpoints",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("key_id", sa.Integer, nullable=False),
        sa.Column("signature", sa.String(128), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("audit_checkpoints")
    op.drop_table("audit_keys")
