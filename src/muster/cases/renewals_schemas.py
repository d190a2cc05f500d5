"""What a renewal run did: each deferral that reached its end, renewed or expired."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

Outcome = Literal["renewed", "expired"]


class DeferralEnd(BaseModel):
    """One deferral whose end date came: a person's screened decision, or an upheld claim."""

    national_id: str
    decree: str  # the version it was re-decided under, ``decree@N``
    claim: int | None  # the claim that granted it; None for a screened decision
    outcome: Outcome
    ground_before: str | None
    until_before: date | None
    decision: str  # the decision now: deferred when renewed; eligible, exempt or ineligible
    ground: str | None
    until: date | None  # the new end (None: until reviewed), when renewed


class RenewalResult(BaseModel):
    as_of: date
    versions: list[str]
    checked: int
    renewed: int
    expired: int
    by_outcome: dict[str, int] = Field(default_factory=dict)  # "expired → eligible": n
    deferrals: list[DeferralEnd] = Field(default_factory=list)
