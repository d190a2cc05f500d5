"""Stored decrees (immutable versions), screen runs and each person's latest decision."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, DateTime, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from muster.db.base import Base


class DecreeRecord(Base):
    __tablename__ = "decrees"

    id: Mapped[str] = mapped_column(String(60), primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    legal_source: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    loaded_at: Mapped[datetime] = mapped_column(DateTime)
    actor: Mapped[str] = mapped_column(String(120))


class DecreeVersionRecord(Base):
    __tablename__ = "decree_versions"

    decree_id: Mapped[str] = mapped_column(ForeignKey("decrees.id"), primary_key=True)
    number: Mapped[int] = mapped_column(Integer, primary_key=True)
    effective_from: Mapped[date] = mapped_column(Date)
    target: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(Text)
    content_sha256: Mapped[str] = mapped_column(String(64))
    rules: Mapped[str] = mapped_column(Text)  # rule ids in bit order, comma-separated
    loaded_at: Mapped[datetime] = mapped_column(DateTime)


class Screen(Base):
    """One run of the decree over the registry (or over the persons changed since the last)."""

    __tablename__ = "screens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    decree_id: Mapped[str] = mapped_column(ForeignKey("decrees.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    as_of: Mapped[date] = mapped_column(Date)
    incremental: Mapped[bool] = mapped_column()
    registry_batch: Mapped[int] = mapped_column(Integer)
    persons: Mapped[int] = mapped_column(Integer)
    counts: Mapped[str] = mapped_column(Text)  # JSON
    actor: Mapped[str] = mapped_column(String(120))
    started_at: Mapped[datetime] = mapped_column(DateTime)
    finished_at: Mapped[datetime] = mapped_column(DateTime)


class Decision(Base):
    """A person's latest decision under a decree, as it was made: the version, date and
    ``grounds`` bits it was decided under, and the screen that made it (null when it was made
    on its own: at issue, a renewal). An incremental screen leaves the decisions it carries
    as they are; they then hold under the newest screen (``decisions.current_decisions``), and
    overwrites in place the few that read otherwise (on PostgreSQL the table is created with
    ``fillfactor = 90`` so such updates stay in their page)."""

    __tablename__ = "decisions"
    __table_args__ = (
        # Deferrals by their end date (``cases.renewals``); only rows with an end are indexed.
        Index(
            "ix_decisions_until",
            "decree_id",
            "until",
            sqlite_where=text("until IS NOT NULL"),
            postgresql_where=text("until IS NOT NULL"),
        ),
        # On SQLite one B-tree by the key, no rowid: a decision is one look-up (0011).
        {"sqlite_with_rowid": False},
    )

    decree_id: Mapped[str] = mapped_column(String(60), primary_key=True)
    person_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    as_of: Mapped[date] = mapped_column(Date)
    decision: Mapped[str] = mapped_column(String(10))
    until: Mapped[date | None] = mapped_column(Date)
    ground: Mapped[str | None] = mapped_column(String(60))
    grounds: Mapped[int] = mapped_column(BigInteger)
    screen_id: Mapped[int | None] = mapped_column(Integer)


class Grant(Base):
    """A board's decision that a person is exempt, deferred or not liable under a decree when
    the registry does not show it (an upheld claim): every later decision of the decree
    honours it while it is in force — not ended, and (a deferral) before its end date."""

    __tablename__ = "grants"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    decree_id: Mapped[str] = mapped_column(ForeignKey("decrees.id"))
    person_id: Mapped[int] = mapped_column(Integer)
    decision: Mapped[str] = mapped_column(String(10))  # exempt|deferred|ineligible
    ground: Mapped[str] = mapped_column(String(80))
    until: Mapped[date | None] = mapped_column(Date)
    granted_on: Mapped[date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(Text)  # e.g. "claim 12, appeals board"
    ended_on: Mapped[date | None] = mapped_column(Date)

    __table_args__ = (Index("ix_grants_decree_person", "decree_id", "person_id"),)
