"""A drawn campaign with notices issued and one delivered: call-ups to file claims against."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import Engine

from muster.cases import service as cases
from muster.cases.schemas import ClaimRead
from muster.notices import service as notices
from muster.quotas import service as quotas
from muster.selection import service as selection

DECREE_ID = "partial-mobilization-2022"
DAY = date(2022, 10, 11)


@dataclass(frozen=True)
class Called:
    engine: Engine
    campaign: int
    callup: int  # notified: its notice was handed over
    national_id: str


@pytest.fixture
def called(screened_2022: Engine) -> Called:
    """The small registry's campaign under the 2022 decree: 20 call-ups drawn, notices issued,
    the first one handed over (its call-up notified)."""
    campaign = quotas.open_campaign(screened_2022, decree_id=DECREE_ID, target=20, actor="hq")
    selection.commit(screened_2022, campaign_id=campaign.id, actor="hq")
    selection.draw(screened_2022, campaign_id=campaign.id, actor="hq")
    notices.issue(screened_2022, campaign_id=campaign.id, day=DAY, actor="officer")
    first = notices.list_notices(screened_2022, campaign_id=campaign.id)[0]
    notices.deliver(
        screened_2022,
        number=first.number,
        channel="in_person",
        outcome="handed_over",
        actor="officer",
        at=datetime(2022, 10, 11, 10, 0),
    )
    return Called(screened_2022, campaign.id, first.call_up, first.national_id)


def held_until_reviewed(c: Called) -> ClaimRead:
    """A study deferral the registry does not show, upheld by the appeals board on evidence:
    no rule gives its end, so it is held until reviewed."""
    claim = cases.file_claim(
        c.engine,
        national_id=c.national_id,
        kind="deferral",
        ground="students-state-universities",
        filed_by="person",
        filer=c.national_id,
        today=DAY,
        actor="citizen",
    )
    return cases.decide(
        c.engine,
        claim_id=claim.id,
        upheld=True,
        reasons="Enrolment certificate seen.",
        board="appeals board",
        actor="board",
        today=DAY + timedelta(days=2),
    )
