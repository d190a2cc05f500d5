"""Results of loading decrees, screening the registry and measuring an amendment's impact."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel


class DecreeLoaded(BaseModel):
    decree: str
    versions_added: list[int]
    versions_unchanged: list[int]
    versions_replaced: list[int]


class DecreeVersionRead(BaseModel):
    decree: str
    number: int
    effective_from: date
    target: int
    title: str
    in_force: bool


class ScreenResult(BaseModel):
    screen_id: int
    decree: str
    version: int
    as_of: date
    incremental: bool
    persons: int
    seconds: float
    by_decision: dict[str, int]
    by_ground: dict[str, int]
    by_region: dict[str, dict[str, int]]


class ImpactResult(BaseModel):
    """How many persons would change decision if the file's version were in force."""

    decree: str
    before: str  # "decree@N" or "nothing loaded"
    after: str
    as_of: date
    persons: int
    changed: int
    transitions: dict[str, int]  # "eligible → exempt": n
    by_region: dict[str, int]
    by_ground: dict[str, int]


class ScreenRead(BaseModel):
    screen_id: int
    decree: str
    version: int
    as_of: date
    persons: int
