"""Claims: who asks to be released from a call-up, on what ground, and what each board decided."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Integer, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from muster.db.base import Base


class Claim(Base):
    """One claim at one tier (1 regional board, 2 appeals board, 3 national board). An appeal
    is a new claim one tier up pointing at the rejected one (``appeal_of``)."""

    __tablename__ = "claims"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_up_id: Mapped[int | None] = mapped_column(ForeignKey("call_ups.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id"))
    kind: Mapped[str] = mapped_column(String(10))  # exemption|deferral|wrongful|unfit
    ground: Mapped[str] = mapped_column(String(80))
    evidence: Mapped[str | None] = mapped_column(Text)
    filed_by: Mapped[str] = mapped_column(String(10))  # person|employer|officer
    filer: Mapped[str] = mapped_column(String(120))
    filed_on: Mapped[date] = mapped_column(Date)
    filed_at: Mapped[datetime] = mapped_column(DateTime)
    status: Mapped[str] = mapped_column(String(10), index=True)  # pending|upheld|rejected|closed
    tier: Mapped[int] = mapped_column(SmallInteger)
    board: Mapped[str] = mapped_column(String(120))
    due_on: Mapped[date] = mapped_column(Date)
    missed: Mapped[int] = mapped_column(SmallInteger, default=0)
    resume_to: Mapped[str | None] = mapped_column(String(16))
    decree_version: Mapped[str] = mapped_column(String(80))
    decided_on: Mapped[date | None] = mapped_column(Date)
    decided_by: Mapped[str | None] = mapped_column(String(120))
    reasons: Mapped[str | None] = mapped_column(Text)
    reference: Mapped[str | None] = mapped_column(Text)
    automatic: Mapped[bool] = mapped_column(Boolean, default=False)
    appeal_of: Mapped[int | None] = mapped_column(ForeignKey("claims.id"))
    # An upheld deferral claim: until when the person is deferred (None: until reviewed), and
    # the day the deferral ended because its ground no longer held.
    deferred_until: Mapped[date | None] = mapped_column(Date)
    deferral_ended_on: Mapped[date | None] = mapped_column(Date)
