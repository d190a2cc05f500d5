"""Registry tables: regions, offices, employers, persons, their change history and batches."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Integer, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from muster.db.base import Base


class Region(Base):
    __tablename__ = "regions"

    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    urban_share_pct: Mapped[int] = mapped_column(SmallInteger)
    # Used only for aggregate fairness statistics, never for any decision about a person.
    minority: Mapped[bool] = mapped_column(Boolean, default=False)


class Office(Base):
    __tablename__ = "offices"

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    district: Mapped[str | None] = mapped_column(String(40))
    address: Mapped[str] = mapped_column(String(200))
    notices_per_day: Mapped[int] = mapped_column(Integer)
    receptions_per_day: Mapped[int] = mapped_column(Integer)
    exams_per_day: Mapped[int] = mapped_column(Integer)


class Employer(Base):
    __tablename__ = "employers"

    code: Mapped[str] = mapped_column(String(12), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    sector: Mapped[str] = mapped_column(String(20))
    accreditation: Mapped[str | None] = mapped_column(String(30))
    critical: Mapped[bool] = mapped_column(Boolean, default=False)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))


class RegistryBatch(Base):
    """One write to the registry: a generation, an import or a correction."""

    __tablename__ = "registry_batches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str | None] = mapped_column(String(64))
    actor: Mapped[str] = mapped_column(String(120))
    started_at: Mapped[datetime] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    inserted: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)


class Person(Base):
    __tablename__ = "persons"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    national_id: Mapped[str] = mapped_column(String(12), unique=True)
    family_name: Mapped[str] = mapped_column(String(80))
    given_name: Mapped[str] = mapped_column(String(80))
    birth_date: Mapped[date] = mapped_column(Date)
    sex: Mapped[str] = mapped_column(String(1))
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    district: Mapped[str] = mapped_column(String(40))
    settlement: Mapped[str] = mapped_column(String(5))
    address: Mapped[str] = mapped_column(String(200))
    registered: Mapped[bool] = mapped_column(Boolean)
    rank: Mapped[str | None] = mapped_column(String(20))
    rank_group: Mapped[str | None] = mapped_column(String(16))
    specialty_code: Mapped[str | None] = mapped_column(String(12))
    months_served: Mapped[int] = mapped_column(SmallInteger)
    combat_experience: Mapped[bool] = mapped_column(Boolean)
    fitness: Mapped[str | None] = mapped_column(String(1))
    unfit_until: Mapped[date | None] = mapped_column(Date)
    sector: Mapped[str] = mapped_column(String(20))
    employer_id: Mapped[str | None] = mapped_column(ForeignKey("employers.code"))
    study_kind: Mapped[str | None] = mapped_column(String(20))
    study_end: Mapped[date | None] = mapped_column(Date)
    children_birth_dates: Mapped[str | None] = mapped_column(String(400))
    sole_carer: Mapped[bool] = mapped_column(Boolean)
    disability_group: Mapped[int | None] = mapped_column(SmallInteger)
    serious_conviction: Mapped[bool] = mapped_column(Boolean)
    status: Mapped[str] = mapped_column(String(10))
    batch_id: Mapped[int] = mapped_column(ForeignKey("registry_batches.id"), index=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class PersonChange(Base):
    """A correction to one person: who, when, from which batch, each field old → new."""

    __tablename__ = "person_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("registry_batches.id"))
    changed_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    actor: Mapped[str] = mapped_column(String(120))
    changes: Mapped[str] = mapped_column(Text)
