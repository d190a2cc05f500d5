"""The lottery of a campaign (commitment, seed, each region's frozen pool and order) and the
call-ups it selects."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
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


class Lottery(Base):
    __tablename__ = "lotteries"

    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), primary_key=True)
    pseudonym_key: Mapped[bytes] = mapped_column(LargeBinary)  # secret, never published
    seed: Mapped[bytes] = mapped_column(LargeBinary)  # secret until the draw
    commitment: Mapped[str] = mapped_column(String(64))
    pool_sha256: Mapped[str] = mapped_column(String(64))
    committed_at: Mapped[datetime] = mapped_column(DateTime)
    drawn_at: Mapped[datetime | None] = mapped_column(DateTime)
    audit: Mapped[str | None] = mapped_column(Text)  # JSON: the randomness audit of the draw
    actor: Mapped[str] = mapped_column(String(120))


class LotteryRegion(Base):
    """A region's pool frozen at commit (person ids, sorted) and its order after the draw."""

    __tablename__ = "lottery_regions"

    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), primary_key=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), primary_key=True)
    size: Mapped[int] = mapped_column(Integer)
    pool_sha256: Mapped[str] = mapped_column(String(64))
    members: Mapped[bytes] = mapped_column(LargeBinary)  # zlib of uint32 gaps between ids
    ordered: Mapped[bytes | None] = mapped_column(LargeBinary)  # zlib of int32 ids in order
    priorities: Mapped[str | None] = mapped_column(Text)  # JSON: size of each priority group
    next_position: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0)


class CallUp(Base):
    """A person selected in a campaign, with their place in the region's lottery order."""

    __tablename__ = "call_ups"
    __table_args__ = (
        UniqueConstraint("campaign_id", "person_id"),
        Index("ix_call_ups_campaign_region_status", "campaign_id", "region_code", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    position: Mapped[int] = mapped_column(Integer)
    priority: Mapped[int] = mapped_column(SmallInteger)
    status: Mapped[str] = mapped_column(String(14))
    reason: Mapped[str | None] = mapped_column(Text)
    replaces: Mapped[int | None] = mapped_column(ForeignKey("call_ups.id"), index=True)
    selected_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    actor: Mapped[str] = mapped_column(String(120))
