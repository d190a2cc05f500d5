"""Notices served, delivery attempts, office days booked, case notes, examinations, and the
keys that sign verification codes."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from muster.db.base import Base


class SigningKey(Base):
    """A key for verification codes; the newest unretired one signs, any known one checks."""

    __tablename__ = "signing_keys"

    id: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    secret: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    retired_at: Mapped[datetime | None] = mapped_column(DateTime)
    actor: Mapped[str] = mapped_column(String(120))


class Notice(Base):
    """A notice issued to a call-up: the first (sequence 1) or a repeat after a no-show."""

    __tablename__ = "notices"
    __table_args__ = (
        UniqueConstraint("call_up_id", "sequence"),
        Index("ix_notices_campaign_office_status", "campaign_id", "office_code", "status"),
    )

    number: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    call_up_id: Mapped[int] = mapped_column(ForeignKey("call_ups.id"), index=True)
    sequence: Mapped[int] = mapped_column(SmallInteger)
    kind: Mapped[str] = mapped_column(String(6))
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    office_code: Mapped[str] = mapped_column(ForeignKey("offices.code"))
    issued_on: Mapped[date] = mapped_column(Date)
    issued_at: Mapped[datetime] = mapped_column(DateTime)
    report_on: Mapped[date] = mapped_column(Date)
    decree_version: Mapped[str] = mapped_column(String(80))
    key_id: Mapped[int] = mapped_column(SmallInteger)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    status: Mapped[str] = mapped_column(String(10))
    override_reason: Mapped[str | None] = mapped_column(Text)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime)
    withdrawn_reason: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(120))


class DeliveryAttempt(Base):
    __tablename__ = "delivery_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    notice_number: Mapped[int] = mapped_column(ForeignKey("notices.number"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    outcome: Mapped[str] = mapped_column(String(20))
    counts: Mapped[bool] = mapped_column()
    attempted_at: Mapped[datetime] = mapped_column(DateTime)
    note: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(120))


class OfficeDay(Base):
    """How much of an office's capacity of one kind is booked on a day."""

    __tablename__ = "office_days"

    office_code: Mapped[str] = mapped_column(ForeignKey("offices.code"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    kind: Mapped[str] = mapped_column(String(10), primary_key=True)  # notices|receptions|exams
    used: Mapped[int] = mapped_column(Integer)


class TrainingWeek(Base):
    """People due to report in a week (Monday first), against the weekly training intake."""

    __tablename__ = "training_weeks"

    week_start: Mapped[date] = mapped_column(Date, primary_key=True)
    used: Mapped[int] = mapped_column(Integer)


class CaseNote(Base):
    __tablename__ = "case_notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_up_id: Mapped[int] = mapped_column(ForeignKey("call_ups.id"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    actor: Mapped[str] = mapped_column(String(120))
    text: Mapped[str] = mapped_column(Text)


class Examination(Base):
    """A medical board's finding for a call-up: the fitness category and its date."""

    __tablename__ = "examinations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_up_id: Mapped[int] = mapped_column(ForeignKey("call_ups.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    examined_on: Mapped[date] = mapped_column(Date)
    fitness: Mapped[str] = mapped_column(String(1))
    unfit_until: Mapped[date | None] = mapped_column(Date)
    outcome: Mapped[str] = mapped_column(String(20))
    actor: Mapped[str] = mapped_column(String(120))
