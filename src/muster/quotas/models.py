"""Campaigns and their regional quotas, with the formula and inputs that produced them."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from muster.db.base import Base


class Campaign(Base):
    """One call-up under one decree: planned → open → winding_down → closed (by decree)."""

    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    decree_id: Mapped[str] = mapped_column(ForeignKey("decrees.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    screen_id: Mapped[int] = mapped_column(ForeignKey("screens.id"))
    as_of: Mapped[date] = mapped_column(Date)
    target: Mapped[int] = mapped_column(Integer)
    method: Mapped[str] = mapped_column(String(20))
    min_quota: Mapped[int] = mapped_column(Integer)
    planned_days: Mapped[int] = mapped_column(Integer)
    formula: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(14))
    opened_at: Mapped[datetime] = mapped_column(DateTime)
    actor: Mapped[str] = mapped_column(String(120))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)
    closed_by: Mapped[str | None] = mapped_column(String(80))


class CampaignRegion(Base):
    """A region's share: its eligible pool, its capacity over the planned days, its quota."""

    __tablename__ = "campaign_regions"

    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), primary_key=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), primary_key=True)
    pool: Mapped[int] = mapped_column(Integer)
    capacity: Mapped[int] = mapped_column(Integer)
    quota: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(8))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)
