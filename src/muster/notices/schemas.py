"""Notices: the document a person is served, its verification, delivery and the office load."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

from muster.timestamps import UtcDateTime

NoticeKind = Literal["first", "repeat"]
NoticeStatus = Literal["issued", "delivered", "withdrawn"]
Channel = Literal["in_person", "registered_mail", "electronic"]
Verdict = Literal["genuine", "withdrawn", "forged", "altered"]


class NoticeDocument(BaseModel):
    """Everything printed on a notice; the HTML and PDF renderings show exactly these fields."""

    number: int = Field(description="The notice number, unique nationally.")
    kind: NoticeKind
    code: str = Field(description="The verification code, grouped for reading aloud.")
    verify_url: str = Field(description="Where anyone can check the code (also in the QR).")
    issued_on: date
    report_on: date
    report_time: str = "09:00"
    office_code: str
    office_name: str
    office_address: str
    region_name: str
    national_id: str
    family_name: str
    given_name: str
    address: str
    decree_id: str
    decree_title: str
    decree_version: int
    legal_source: str
    campaign_id: int
    claim_within_days: int = Field(description="Days from issue within which a claim is filed.")
    claim_deadline: date


class NoticeRead(BaseModel):
    number: int
    call_up: int
    campaign: int
    national_id: str
    region: str
    office: str
    kind: NoticeKind
    status: NoticeStatus
    issued_on: date
    report_on: date
    code: str
    decree_version: str
    override_reason: str | None = None
    delivered_at: UtcDateTime | None = None


class IssueResult(BaseModel):
    """One batch: notices issued, call-ups released at the issue-time re-check, replacements
    drawn, overrides used, and call-ups of the batch's regions still needing a notice after
    it (their office had no notice or report day left, or the batch's limit was reached)."""

    campaign: int
    day: date
    issued: int = 0
    released: dict[str, int] = Field(default_factory=dict)  # reason → count
    replacements: int = 0
    overrides: int = 0
    waiting: int = 0
    regions: list[str] = Field(default_factory=list)


class BacklogRow(BaseModel):
    """One office: call-ups waiting for a notice, notices out, and its booked days ahead."""

    office: str
    region: str
    waiting: int
    issued: int
    delivered: int
    notices_today: int
    notices_per_day: int
    next_free_report_day: date | None
    receptions_booked: int = Field(description="Receptions booked from the day on.")
    receptions_per_day: int


class VerifyResult(BaseModel):
    """What the public verification page and ``muster notices verify`` say about a code."""

    code: str
    verdict: Verdict
    message: str
    number: int | None = None
    issued_on: date | None = None
    report_on: date | None = None
    office: str | None = None
    office_name: str | None = None
    masked_national_id: str | None = None
    mismatches: list[str] = Field(default_factory=list)


class DeliveryRead(BaseModel):
    notice: int
    channel: Channel
    outcome: str
    attempted_at: UtcDateTime
    counts_as_delivered: bool
    call_up_status: str


class PrintedNotice(BaseModel):
    """The fields a notice document prints, read back from its HTML or PDF for verification.

    ``None`` where the document does not show a field; the verifier compares the rest with the
    notice on record, so an edited document reads back as edited.
    """

    model_config = {"frozen": True}

    number: int | None = None
    code: str | None = None
    national_id: str | None = None
    issued_on: date | None = None
    report_on: date | None = None
    office_code: str | None = None
