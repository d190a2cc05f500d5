"""What the API answers, beyond the domains' own schemas."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

from muster.cases.schemas import ClaimRead
from muster.notices.schemas import NoticeRead
from muster.policy.schemas import Explanation
from muster.selection.schemas import CallUpRead

Headline = Literal["called_up", "claim_pending", "released", "enlisted", "not_called"]


class ErrorRead(BaseModel):
    """An error the caller can act on."""

    detail: str


class Deadline(BaseModel):
    on: date
    what: str


class PersonStatus(BaseModel):
    """A person's status as they and the staff who may see it read it."""

    national_id: str
    name: str
    region: str
    headline: Headline
    summary: str = Field(description="The status in plain words.")
    reason: str | None = Field(None, description="Why, when released or not called.")
    explanation: Explanation | None
    callups: list[CallUpRead]
    notices: list[NoticeRead]
    claims: list[ClaimRead]
    deadlines: list[Deadline]


class ClaimFiled(BaseModel):
    claim: ClaimRead


# What requests may carry: printable text (no NUL, which no database column can hold),
# national ids of 12 digits, rule ids as the decree files spell them, ids the database holds.
TEXT = r"^[^\x00]*$"
NATIONAL_ID = r"^[0-9]{12}$"
RULE_ID = r"^[a-z0-9][a-z0-9-]*$"
MAX_ID = 2**31 - 1


class SignInRequest(BaseModel):
    username: str = Field(min_length=1, max_length=80, pattern=TEXT)
    password: str = Field(min_length=1, max_length=200, pattern=TEXT)


class CodeRequest(BaseModel):
    national_id: str = Field(pattern=NATIONAL_ID, description="12 digits.")


class CodeSignIn(BaseModel):
    national_id: str = Field(pattern=NATIONAL_ID, description="12 digits.")
    code: str = Field(pattern=r"^[0-9]{6}$", description="The 6 digits sent.")


class ClaimFile(BaseModel):
    kind: Literal["exemption", "deferral", "wrongful", "unfit"]
    ground: str = Field(min_length=1, max_length=80, pattern=RULE_ID)
    campaign: int | None = Field(None, ge=1, le=MAX_ID)


class Decision(BaseModel):
    upheld: bool
    reasons: str = Field(min_length=1, max_length=4000, pattern=TEXT)


class RegionStat(BaseModel):
    region: str
    name: str
    eligible: int
    quota: int
    called: int
    released: int
    enlisted: int
    burden_per_1000: float = Field(description="Active and enlisted call-ups per 1,000 eligible.")


class Statistics(BaseModel):
    campaign: int | None
    decree: str | None
    regions: list[RegionStat]
    claims_pending: int
    claims_upheld: int
    claims_rejected: int
    notices_issued: int


class Health(BaseModel):
    status: Literal["ok"]
    schema_revision: str | None
