"""Claims as they are filed, read and escalated."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

ClaimKind = Literal["exemption", "deferral", "wrongful", "unfit"]
Filer = Literal["person", "employer", "officer"]
ClaimStatus = Literal["pending", "upheld", "rejected", "closed"]


class ClaimCreate(BaseModel):
    national_id: str = Field(min_length=1)
    kind: ClaimKind
    ground: str = Field(min_length=1, max_length=80)
    filed_by: Filer
    filer: str = Field(min_length=1, max_length=120)
    campaign_id: int | None = None
    evidence: str | None = None


class ClaimRead(BaseModel):
    id: int
    national_id: str
    call_up: int | None
    call_up_status: str | None
    campaign: int | None
    kind: str
    ground: str
    filed_by: str
    filer: str
    filed_on: date
    status: str
    tier: int
    board: str
    due_on: date
    missed: int
    decree_version: str
    decided_on: date | None
    decided_by: str | None
    reasons: str | None
    reference: str | None
    automatic: bool
    appeal_of: int | None
    deferred_until: date | None = None  # an upheld deferral: its end (None: until reviewed)
    deferral_ended_on: date | None = None  # the day it expired, its ground no longer holding
    replacement: int | None = None


class EscalationResult(BaseModel):
    """Overdue claims found on a day: how many moved up a tier, how many were already at the
    national board (their deadline renewed and the miss counted), by board."""

    day: date
    escalated: int
    at_top: int
    missed_by_board: dict[str, int]
