"""The decree file, as Pydantic models (unknown fields are errors), and decision results."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

RuleKind = Literal["criterion", "exemption", "deferral", "exception"]
Outcome = Literal["eligible", "deferred", "exempt", "ineligible"]
KINDS: dict[str, RuleKind] = {
    "criteria": "criterion",
    "exemptions": "exemption",
    "deferrals": "deferral",
    "exceptions": "exception",
}

Scalar = bool | int | date | str
ParamValue = Scalar | list[str] | list[int]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class DatedValue(_Strict):
    effective_from: date
    value: ParamValue


class ParameterSpec(_Strict):
    title: str
    reference: str = ""
    values: list[DatedValue] = Field(min_length=1)


class VersionSpec(_Strict):
    version: int = Field(ge=1)
    effective_from: date
    target: int = Field(ge=0)
    title: str
    legal_source: str = ""
    ends_call_up: bool = False


ApportionmentMethod = Literal[
    "huntington-hill", "webster", "sainte-lague", "dhondt", "jefferson", "adams", "hamilton"
]


class PriorityGroupSpec(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=60)
    title: str
    reference: str = ""
    condition: str


class NoticeRulesSpec(_Strict):
    """How notices under this decree are served: lead time, claim deadline, what counts as
    delivered (``channel:outcome`` pairs), and the nation's weekly training intake."""

    report_after_days: int = Field(default=3, ge=1, le=60)
    claim_within_days: int = Field(default=7, ge=1, le=90)
    delivered_when: list[str] = Field(
        default_factory=lambda: [
            "in_person:handed_over",
            "registered_mail:signed_for",
            "electronic:opened",
        ],
        min_length=1,
    )
    training_per_week: int | None = Field(default=None, ge=1)


class ClaimRulesSpec(_Strict):
    """How claims under this decree are decided: days a board has to decide before the claim
    escalates to the next tier, and days a person has to appeal a rejection."""

    board_days: int = Field(default=7, ge=1, le=90)
    appeal_days: int = Field(default=14, ge=1, le=90)


class CampaignSpec(_Strict):
    """How a campaign under this decree shares its target and orders each region's pool."""

    apportionment: ApportionmentMethod = "huntington-hill"
    min_quota: int = Field(default=0, ge=0)
    planned_days: int = Field(default=30, ge=1, le=366)
    priority_groups: list[PriorityGroupSpec] = Field(default_factory=list)
    notices: NoticeRulesSpec = Field(default_factory=NoticeRulesSpec)
    claims: ClaimRulesSpec = Field(default_factory=ClaimRulesSpec)


class RuleSpec(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=60)
    title: str
    reference: str
    condition: str
    in_force_from: date | None = None
    repealed_from: date | None = None
    deferred_until: str | None = None
    exception_to: list[str] = Field(default_factory=list)


class DecreeSpec(_Strict):
    decree: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=60)
    title: str
    legal_source: str
    parameters: dict[str, ParameterSpec] = Field(default_factory=dict)
    versions: list[VersionSpec] = Field(min_length=1)
    criteria: list[RuleSpec] = Field(default_factory=list)
    exemptions: list[RuleSpec] = Field(default_factory=list)
    deferrals: list[RuleSpec] = Field(default_factory=list)
    exceptions: list[RuleSpec] = Field(default_factory=list)
    campaign: CampaignSpec = Field(default_factory=CampaignSpec)


class RuleResult(BaseModel):
    """How one rule came out for one person."""

    id: str
    kind: RuleKind
    title: str
    reference: str
    held: bool
    applies: bool
    set_aside_by: list[str] = Field(default_factory=list)
    until: date | None = None


class InputUsed(BaseModel):
    name: str
    value: Any
    source: str


class ParameterUsed(BaseModel):
    name: str
    value: Any
    effective_from: date
    reference: str


class Granted(BaseModel):
    """A board's decision that stands over what the registry shows (an upheld claim): the
    person is exempt, deferred (until a date, or until reviewed) or not liable on ``ground``."""

    decision: Outcome
    ground: str
    until: date | None
    granted_on: date
    source: str
    registry_decision: Outcome  # what the registry alone gives


class Explanation(BaseModel):
    """A decision with everything that made it, readable by a citizen, an officer, a judge."""

    decree: str
    version: int
    version_effective_from: date
    as_of: date
    decision: Outcome
    until: date | None
    decisive: RuleResult | None
    rules: list[RuleResult]
    inputs: list[InputUsed]
    parameters: list[ParameterUsed]
    grounds: int
    granted: Granted | None = None  # a board's decision in force over the registry's
