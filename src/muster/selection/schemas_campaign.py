"""Results of committing, drawing, releasing and verifying a campaign's lottery."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel


class CommitRead(BaseModel):
    campaign: int
    commitment: str
    pool_sha256: str
    pool: int
    regions: dict[str, str]  # region → pool hash
    committed_at: datetime


class DrawRead(BaseModel):
    campaign: int
    seed: str
    commitment: str
    selected: int
    skipped: int
    by_region: dict[str, int]
    audit: dict[str, Any]
    seconds: float


class CallUpRead(BaseModel):
    id: int
    campaign: int
    national_id: str
    region: str
    position: int
    priority: int
    status: str
    reason: str | None
    replaces: int | None


class FulfilmentRow(BaseModel):
    region: str
    quota: int
    status: str
    by_state: dict[str, int]
    active: int
    skipped: int
    order_left: int


class VerifyReport(BaseModel):
    record: str
    campaign: int
    regions: int
    persons: int
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems
