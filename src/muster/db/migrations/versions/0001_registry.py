"""Registry: regions, offices, employers, persons, change history, batches.

Revision ID: 0001_registry
Revises:
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

revision = "0001_registry"
down_revision = None
branch_labels = None
depends_on = None


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    op.create_table(
        "regions",
        sa.Column("code", sa.String(8), primary_key=True),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("urban_share_pct", sa.SmallInteger, nullable=False),
        sa.Column("minority", sa.Boolean, nullable=False),
        sa.CheckConstraint("urban_share_pct BETWEEN 0 AND 100", name="urban_share_pct"),
    )
    op.create_table(
        "offices",
        sa.Column("code", sa.String(16), primary_key=True),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("region_code", sa.String(8), sa.ForeignKey("regions.code"), nullable=False),
        sa.Column("district", sa.String(40)),
        sa.Column("address", sa.String(200), nullable=False),
        sa.Column("notices_per_day", sa.Integer, nullable=False),
        sa.Column("receptions_per_day", sa.Integer, nullable=False),
        sa.Column("exams_per_day", sa.Integer, nullable=False),
    )
    op.create_index("ix_offices_region_code", "offices", ["region_code"])
    op.create_table(
        "employers",
        sa.Column("code", sa.String(12), primary_key=True),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("sector", sa.String(20), nullable=False),
        sa.Column("accreditation", sa.String(30)),
        sa.Column("critical", sa.Boolean, nullable=False),
        sa.Column("region_code", sa.String(8), sa.ForeignKey("regions.code"), nullable=False),
    )
    op.create_table(
        "registry_batches",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("sha256", sa.String(64)),
        sa.Column("actor", sa.String(120), nullable=False),
        sa.Column("started_at", sa.DateTime, nullable=False),
        sa.Column("finished_at", sa.DateTime),
        sa.Column("inserted", sa.Integer, nullable=False, server_default="0"),
        sa.Column("updated", sa.Integer, nullable=False, server_default="0"),
    )
    op.create_table(
        "persons",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("national_id", sa.String(12), nullable=False),
        sa.Column("family_name", sa.String(80), nullable=False),
        sa.Column("given_name", sa.String(80), nullable=False),
        sa.Column("birth_date", sa.Date, nullable=False),
        sa.Column("sex", sa.String(1), nullable=False),
        sa.Column("region_code", sa.String(8), sa.ForeignKey("regions.code"), nullable=False),
        sa.Column("district", sa.String(40), nullable=False),
        sa.Column("settlement", sa.String(5), nullable=False),
        sa.Column("address", sa.String(200), nullable=False),
        sa.Column("registered", sa.Boolean, nullable=False),
        sa.Column("rank", sa.String(20)),
        sa.Column("rank_group", sa.String(16)),
        sa.Column("specialty_code", sa.String(12)),
        sa.Column("months_served", sa.SmallInteger, nullable=False),
        sa.Column("combat_experience", sa.Boolean, nullable=False),
        sa.Column("fitness", sa.String(1)),
        sa.Column("unfit_until", sa.Date),
        sa.Column("sector", sa.String(20), nullable=False),
        sa.Column("employer_id", sa.String(12), sa.ForeignKey("employers.code")),
        sa.Column("study_kind", sa.String(20)),
        sa.Column("study_end", sa.Date),
        sa.Column("children_birth_dates", sa.String(400)),
        sa.Column("sole_carer", sa.Boolean, nullable=False),
        sa.Column("disability_group", sa.SmallInteger),
        sa.Column("serious_conviction", sa.Boolean, nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("batch_id", sa.Integer, sa.ForeignKey("registry_batches.id"), nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("national_id", name="uq_persons_national_id"),
        sa.CheckConstraint(_in("sex", ("M", "F")), name="sex"),
        sa.CheckConstraint(_in("settlement", ("urban", "rural")), name="settlement"),
        sa.CheckConstraint(_in("fitness", ("A", "B", "V", "G", "D")), name="fitness"),
        sa.CheckConstraint(
            _in("status", ("active", "serving", "deceased", "abroad")), name="status"
        ),
        sa.CheckConstraint("months_served BETWEEN 0 AND 600", name="months_served"),
        sa.CheckConstraint("disability_group BETWEEN 1 AND 3", name="disability_group"),
    )
    op.create_table(
        "person_changes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("person_id", sa.Integer, sa.ForeignKey("persons.id"), nullable=False),
        sa.Column("batch_id", sa.Integer, sa.ForeignKey("registry_batches.id"), nullable=False),
        sa.Column("changed_at", sa.DateTime, nullable=False),
        sa.Column("actor", sa.String(120), nullable=False),
        sa.Column("changes", sa.Text, nullable=False),
    )
    op.create_index("ix_person_changes_person_id", "person_changes", ["person_id"])
    op.create_index("ix_person_changes_changed_at", "person_changes", ["changed_at"])


def downgrade() -> None:
    for table in ("person_changes", "persons", "registry_batches", "employers", "offices"):
        op.drop_table(table)
    op.drop_table("regions")
