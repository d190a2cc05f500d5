"""What oversight measures: burden per eligible person by group and its disparity, claims and
their outcomes, office load against capacity, the lottery's randomness audits, and what the
campaign simulator found. The web dashboard charts the same models the report prints.
Pure Pydantic: the simulator and the analytics use these without a database."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field


class GroupBurden(BaseModel):
    """One group's share of the burden: a region, a settlement type or a kind of region.

    ``eligible`` is the group's eligible pool as the lottery froze it; ``called`` every
    call-up made in it (replacements and later releases included: each was a person called);
    ``per_1000`` is called per 1,000 eligible persons; ``fulfilment`` enlisted / quota."""

    group: str
    name: str
    eligible: int
    quota: int | None = None
    called: int
    enlisted: int
    active: int
    released: int
    wrongful: int
    per_1000: float
    fulfilment: float | None = None


class Disparity(BaseModel):
    """How unequal the burden per eligible person is across groups: the highest rate over the
    lowest (null when a group with eligible persons had no call-up), and the Gini
    coefficient of the rate with each group weighted by its eligible persons (0 = everyone
    equally likely to be called, 1 = all of the burden on one group)."""

    groups: int
    highest: str | None
    lowest: str | None
    max_min_ratio: float | None
    gini: float


class FairnessReport(BaseModel):
    campaign: int
    decree: str
    target: int
    eligible: int
    called: int
    enlisted: int
    per_1000: float
    by_region: list[GroupBurden]
    by_settlement: list[GroupBurden]
    by_minority: list[GroupBurden]
    regions: Disparity = Field(description="Disparity across regions.")
    rural_over_urban: float | None
    minority_over_other: float | None


class ClaimOutcome(BaseModel):
    """Claims of one kind: filed (first tier), decided, upheld (automatically or by a board),
    still pending, days from filing to decision, deadlines missed."""

    kind: str
    filed: int
    appeals: int
    pending: int
    upheld: int
    rejected: int
    automatic: int
    median_days: float
    missed_deadlines: int


class OfficeLoad(BaseModel):
    """One office's busiest day of one kind of work against its capacity."""

    office: str
    region: str
    kind: str
    capacity: int
    days: int
    peak_used: int
    peak_load: float
    mean_load: float
    days_full: int = Field(description="Days booked to 100% of capacity or more.")


class LotteryCheck(BaseModel):
    """The draw's randomness audit against one key: is the order independent of it?"""

    key: str
    n: int
    p_value: float
    verdict: str


class SimulationParameters(BaseModel):
    """The rates and capacities a simulated campaign runs on (docs/simulation.md)."""

    delivery_success: float = Field(0.6, ge=0.01, le=1, description="Per attempt, one a day.")
    no_show: float = Field(0.12, ge=0, le=0.99, description="Per delivered notice.")
    claim_rate: float = Field(0.08, ge=0, le=1, description="Eligible persons who claim.")
    claim_upheld: float = Field(0.25, ge=0, le=1, description="Of eligible persons' claims.")
    wrongful_claim_rate: float = Field(
        0.6, ge=0, le=1, description="Persons the decree excludes who claim when notified."
    )
    unfit_rate: float = Field(0.06, ge=0, le=1, description="Found unfit at the examination.")
    capacity_scale: float = Field(1.0, gt=0, le=100, description="Multiplies office capacity.")
    reach_urban: float = Field(
        0.5, gt=0, le=1, description="Opaque baseline: how easily a city dweller is reached."
    )
    reach_rural: float = Field(1.0, gt=0, le=1, description="Opaque baseline: a rural dweller.")
    baseline_unscreened: float = Field(
        0.05,
        ge=0,
        le=1,
        description="Opaque baseline: share of call-ups drawn from the register without "
        "screening against the decree (over age limits, unfit, exempt).",
    )
    baseline_rush_days: int = Field(
        7, ge=1, le=60, description="Opaque baseline: days in which all quotas are handed out."
    )


class RegionOutcome(BaseModel):
    region: str
    name: str
    urban_share_pct: int
    minority: bool
    eligible: int
    quota: int
    called: int
    enlisted: int
    wrongful: int
    per_1000: float
    days_to_fulfil: int | None
    peak_load: float


class ScenarioResult(BaseModel):
    """One simulated campaign: how quotas were set, and what happened day by day."""

    name: str
    description: str
    decree: str
    method: str
    target: int
    days: int
    eligible: int
    called: int
    enlisted: int
    wrongful: int
    wrongful_enlisted: int = Field(description="Excluded by the decree, never found, enlisted.")
    median_days_to_correction: float | None
    fulfilled_regions: int
    median_days_to_fulfil: float | None
    max_days_to_fulfil: int | None
    regions: Disparity
    rural_over_urban: float | None
    minority_over_other: float | None
    peak_load: float
    claims: int
    by_region: list[RegionOutcome]
    enlisted_by_day: list[int]
    load_by_day: list[float]


class SimulationResult(BaseModel):
    persons: int
    seed: int
    start: date
    days: int
    parameters: SimulationParameters
    scenarios: list[ScenarioResult]
