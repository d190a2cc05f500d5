"""The audit log: one row per state change, each hashing its predecessor, and the head."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from muster.db.base import Base


class AuditEvent(Base):
    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_subject", "subject"),)

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(DateTime)
    actor: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(40))
    action: Mapped[str] = mapped_column(String(60), index=True)
    subject: Mapped[str] = mapped_column(String(120))
    before: Mapped[str | None] = mapped_column(Text)  # JSON
    after: Mapped[str | None] = mapped_column(Text)  # JSON
    reason: Mapped[str | None] = mapped_column(Text)
    decree_version: Mapped[str | None] = mapped_column(String(80))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """The chain's last sequence number and hash, in one row every writer locks in turn."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))


class AuditKey(Base):
    """An Ed25519 key that signs checkpoints; the public half is published with them."""

    __tablename__ = "audit_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    public_key: Mapped[str] = mapped_column(String(64))  # hex, raw 32 bytes
    private_key: Mapped[str] = mapped_column(String(64))  # hex, raw 32 bytes
    created_at: Mapped[datetime] = mapped_column(DateTime)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class AuditCheckpoint(Base):
    """A signed statement of the chain's head at one moment: event ``seq`` has hash ``hash``.
    Published, it lets anyone holding a copy detect a log rewritten after it."""

    __tablename__ = "audit_checkpoints"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    hash: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime)
    key_id: Mapped[int] = mapped_column(Integer)
    signature: Mapped[str] = mapped_column(String(128))  # hex Ed25519 signature
