"""Campaigns and their published quota tables."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel

from muster.timestamps import UtcDateTime

CampaignStatus = Literal["planned", "open", "winding_down", "closed"]


class CampaignRead(BaseModel):
    id: int
    decree: str
    version: int
    screen_id: int
    as_of: date
    target: int
    method: str
    min_quota: int
    planned_days: int
    status: CampaignStatus
    opened_at: UtcDateTime
    closed_at: UtcDateTime | None
    closed_by: str | None


class QuotaRow(BaseModel):
    region: str
    name: str
    pool: int
    capacity: int
    cap: int
    quota: int
    status: Literal["open", "closed"]


class QuotaTable(BaseModel):
    """Everything needed to recompute the quotas by hand: formula, inputs, result."""

    campaign: CampaignRead
    formula: str
    ties: list[str]
    regions: list[QuotaRow]
