"""A drawn campaign to issue notices in, and helpers to look at what was issued."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from sqlalchemy import Engine, text

from muster.quotas import service as quotas
from muster.selection import service as selection

DECREE_ID = "partial-mobilization-2022"
DAY = date(2022, 10, 11)


@dataclass(frozen=True)
class Drawn:
    engine: Engine
    id: int


@pytest.fixture
def drawn(screened_2022: Engine) -> Drawn:
    """The small registry's campaign under the 2022 decree: 60 call-ups drawn, no notices."""
    campaign = quotas.open_campaign(screened_2022, decree_id=DECREE_ID, target=60, actor="hq")
    selection.commit(screened_2022, campaign_id=campaign.id, actor="hq")
    selection.draw(screened_2022, campaign_id=campaign.id, actor="hq")
    return Drawn(screened_2022, campaign.id)


def sql(engine: Engine, query: str, **params: Any) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(text(query), params))


def execute(engine: Engine, query: str, **params: Any) -> None:
    with engine.begin() as conn:
        conn.execute(text(query), params)
