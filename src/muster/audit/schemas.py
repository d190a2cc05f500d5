"""Audit events as written and read, and the result of checking the chain."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, Field

from muster.timestamps import UtcDateTime

Problem = Literal["edited", "deleted", "inserted", "reordered", "head", "checkpoint"]


@dataclass(frozen=True, slots=True)
class Event:
    """One state change to record. ``before``/``after`` are JSON-able values (often a dict
    of the fields that changed); ``subject`` names the thing changed, e.g. ``call_up:42``."""

    actor: str
    action: str
    subject: str
    role: str = "system"
    before: Any = None
    after: Any = None
    reason: str | None = None
    decree_version: str | None = None


class EventRead(BaseModel):
    seq: int
    at: UtcDateTime
    actor: str
    role: str
    action: str
    subject: str
    before: Any = None
    after: Any = None
    reason: str | None = None
    decree_version: str | None = None
    hash: str


class ChainProblem(BaseModel):
    kind: Problem
    seq: int
    message: str


class ChainReport(BaseModel):
    """``ok`` when every event hashes to its stored hash, links to its predecessor, the
    sequence has no gap and the head matches the last event."""

    ok: bool
    events: int
    head_seq: int
    head_hash: str
    problems: list[ChainProblem] = Field(default_factory=list)


class CheckpointRead(BaseModel):
    """A signed head: event ``seq`` had hash ``hash``; the Ed25519 ``signature`` (hex) is over
    ``muster-audit-checkpoint:{seq}:{hash}:{at as ISO 8601, UTC, no zone}``."""

    seq: int
    hash: str
    at: UtcDateTime
    signature: str
    public_key: str
