"""Accounts: staff users, sessions, citizens' one-time codes, the outbox, failed sign-ins;
and an index to find a person's notices (a citizen's status page).

Revision ID: 0006_accounts
Revises: 0005_claims
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_accounts"
down_revision = "0005_claims"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_notices_person_id", "notices", ["person_id"])
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("username", sa.String(80), nullable=False, unique=True),
        sa.Column("display_name", sa.String(120), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("region_code", sa.String(8)),
        sa.Column("employer_code", sa.String(12)),
        sa.Column("password_hash", sa.Text, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "web_sessions",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("user_id", sa.Integer, index=True),
        sa.Column("national_id", sa.String(12)),
        sa.Column("csrf", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("expires_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "one_time_codes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("national_id", sa.String(12), nullable=False, index=True),
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("expires_at", sa.DateTime, nullable=False),
        sa.Column("attempts", sa.SmallInteger, nullable=False, server_default="0"),
        sa.Column("used", sa.Boolean, nullable=False, server_default=sa.false()),
    )
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("national_id", sa.String(12), nullable=False, index=True),
        sa.Column("address", sa.String(200), nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "sign_in_failures",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("key", sa.String(120), nullable=False, index=True),
        sa.Column("at", sa.DateTime, nullable=False, index=True),
    )


def downgrade() -> None:
    for table in ("sign_in_failures", "outbox", "one_time_codes", "web_sessions", "users"):
        op.drop_table(table)
    op.drop_index("ix_notices_person_id", table_name="notices")
