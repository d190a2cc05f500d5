"""The audit log, and what follows a draw: notices, delivery, office bookings, case notes,
examinations, and the keys that sign notice codes.

Revision ID: 0004_notices_audit
Revises: 0003_campaigns
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_notices_audit"
down_revision = "0003_campaigns"
branch_labels = None
depends_on = None

GENESIS = "0" * 64


def upgrade() -> None:
    op.create_table(
        "audit_events",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("actor", sa.String(120), nullable=False),
        sa.Column("role", sa.String(40), nullable=False),
        sa.Column("action", sa.String(60), nullable=False),
        sa.Column("subject", sa.String(120), nullable=False),
        sa.Column("before", sa.Text),
        sa.Column("after", sa.Text),
        sa.Column("reason", sa.Text),
        sa.Column("decree_version", sa.String(80)),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.create_index("ix_audit_events_subject", "audit_events", ["subject"])
    op.create_index("ix_audit_events_action", "audit_events", ["action"])
    head = op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.bulk_insert(head, [{"id": 1, "seq": 0, "hash": GENESIS}])
    op.create_table(
        "signing_keys",
        sa.Column("id", sa.SmallInteger, primary_key=True, autoincrement=False),
        sa.Column("secret", sa.LargeBinary, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("retired_at", sa.DateTime),
        sa.Column("actor", sa.String(120), nullable=False),
    )
    op.create_table(
        "notices",
        sa.Column("number", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("call_up_id", sa.Integer, sa.ForeignKey("call_ups.id"), nullable=False),
        sa.Column("sequence", sa.SmallInteger, nullable=False),
        sa.Column("kind", sa.String(6), nullable=False),
        sa.Column("campaign_id", sa.Integer, sa.ForeignKey("campaigns.id"), nullable=False),
        sa.Column("person_id", sa.Integer, sa.ForeignKey("persons.id"), nullable=False),
        sa.Column("region_code", sa.String(8), sa.ForeignKey("regions.code"), nullable=False),
        sa.Column("office_code", sa.String(16), sa.ForeignKey("offices.code"), nullable=False),
        sa.Column("issued_on", sa.Date, nullable=False),
        sa.Column("issued_at", sa.DateTime, nullable=False),
        sa.Column("report_on", sa.Date, nullable=False),
        sa.Column("decree_version", sa.String(80), nullable=False),
        sa.Column("key_id", sa.SmallInteger, nullable=False),
        sa.Column("code", sa.String(40), nullable=False, unique=True),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("override_reason", sa.Text),
        sa.Column("delivered_at", sa.DateTime),
        sa.Column("withdrawn_reason", sa.Text),
        sa.Column("actor", sa.String(120), nullable=False),
        sa.UniqueConstraint("call_up_id", "sequence"),
    )
    op.create_index("ix_notices_call_up_id", "notices", ["call_up_id"])
    if op.get_bind().dialect.name == "postgresql":
        # Notice numbers for concurrent workers; SQLite has one writer and counts on.
        op.execute("CREATE SEQUENCE notice_numbers")
    op.create_index(
        "ix_notices_campaign_office_status", "notices", ["campaign_id", "office_code", "status"]
    )
    op.create_table(
        "delivery_attempts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("notice_number", sa.Integer, sa.ForeignKey("notices.number"), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("counts", sa.Boolean, nullable=False),
        sa.Column("attempted_at", sa.DateTime, nullable=False),
        sa.Column("note", sa.Text),
        sa.Column("actor", sa.String(120), nullable=False),
    )
    op.create_index("ix_delivery_attempts_notice_number", "delivery_attempts", ["notice_number"])
    op.create_table(
        "office_days",
        sa.Column("office_code", sa.String(16), sa.ForeignKey("offices.code"), primary_key=True),
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("kind", sa.String(10), primary_key=True),
        sa.Column("used", sa.Integer, nullable=False),
    )
    op.create_table(
        "training_weeks",
        sa.Column("week_start", sa.Date, primary_key=True),
        sa.Column("used", sa.Integer, nullable=False),
    )
    op.create_table(
        "case_notes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("call_up_id", sa.Integer, sa.ForeignKey("call_ups.id"), nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("actor", sa.String(120), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
    )
    op.create_index("ix_case_notes_call_up_id", "case_notes", ["call_up_id"])
    op.create_table(
        "examinations",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("call_up_id", sa.Integer, sa.ForeignKey("call_ups.id"), nullable=False),
        sa.Column("person_id", sa.Integer, sa.ForeignKey("persons.id"), nullable=False),
        sa.Column("examined_on", sa.Date, nullable=False),
        sa.Column("fitness", sa.String(1), nullable=False),
        sa.Column("unfit_until", sa.Date),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("actor", sa.String(120), nullable=False),
    )
    op.create_index("ix_examinations_call_up_id", "examinations", ["call_up_id"])


def downgrade() -> None:
    for table in (
        "examinations",
        "case_notes",
        "training_weeks",
        "office_days",
        "delivery_attempts",
        "notices",
        "signing_keys",
        "audit_head",
        "audit_events",
    ):
        op.drop_table(table)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP SEQUENCE notice_numbers")
