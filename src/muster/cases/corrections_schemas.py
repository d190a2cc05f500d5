"""What a corrections run did: its screens, its releases counted every way, its timing."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

Trigger = Literal["correction", "amendment"]


class CorrectionScreen(BaseModel):
    """The re-screen one decree got before its call-ups were checked."""

    decree: str
    before: str | None  # the version the previous screen used
    after: str  # the version in force on the as-of date
    incremental: bool
    persons: int


class CorrectionRelease(BaseModel):
    callup: int
    campaign: int
    region: str
    reason: str
    trigger: Trigger
    replacement: int | None


class CorrectionsResult(BaseModel):
    as_of: date
    since: datetime | None
    screens: list[CorrectionScreen]
    checked: int  # active call-ups re-decided
    released: int
    replacements: int
    by_reason: dict[str, int] = Field(default_factory=dict)
    by_region: dict[str, int] = Field(default_factory=dict)
    by_trigger: dict[str, int] = Field(default_factory=dict)
    releases: list[CorrectionRelease] = Field(default_factory=list)
    seconds: float
