"""Who is waiting for a notice: selected without one, a no-show whose delivered notice's
report day has passed, or a call-up back from a rejected claim whose notice was withdrawn —
found through the call-up index, in priority and lottery order."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection, Engine, Select, func, select
from sqlalchemy.orm import aliased

from muster.notices.booking import (
    Offices,
)
from muster.notices.models import (
    Notice,
)
from muster.registry.models import Person
from muster.selection.models import CallUp


def _needing(campaign_id: int, region: str, day: date) -> Select[int, int, str, str, str, Any]:
    """Call-ups of the region that need a notice on ``day``: selected without a notice, after
    a no-show whose last notice was delivered and whose report day has passed, or selected or
    notified again after a rejected claim whose last notice was withdrawn when it was filed.

    Each call-up's notices are looked up through the index on ``call_up_id`` (correlated
    subqueries), so the plan stays linear even before the planner has statistics for
    freshly drawn call-ups or freshly issued notices."""
    sequence = (
        select(func.max(Notice.sequence))
        .where(Notice.call_up_id == CallUp.id)
        .correlate(CallUp)
        .scalar_subquery()
    )
    has_notice = select(Notice.number).where(Notice.call_up_id == CallUp.id).correlate(CallUp)
    last = aliased(Notice)
    repeat_due = (
        select(last.number)
        .where(
            last.call_up_id == CallUp.id,
            last.sequence == sequence,
            last.status == "delivered",
            last.report_on < day,
        )
        .correlate(CallUp)
        .exists()
    )
    again = aliased(Notice)
    withdrawn_for_claim = (
        select(again.number)
        .where(
            again.call_up_id == CallUp.id,
            again.sequence == sequence,
            again.status == "withdrawn",
        )
        .correlate(CallUp)
        .exists()
    )
    return (
        select(
            CallUp.id,
            CallUp.person_id,
            CallUp.status,
            Person.national_id,
            Person.district,
            func.coalesce(sequence, 0).label("sequence"),
        )
        .join(Person, Person.id == CallUp.person_id)
        .where(
            CallUp.campaign_id == campaign_id,
            CallUp.region_code == region,
            (CallUp.status == "selected") & ~has_notice.exists()
            | (CallUp.status == "no_show") & repeat_due
            | CallUp.status.in_(("selected", "notified")) & withdrawn_for_claim,
        )
    )


def next_waiting(
    conn: Connection,
    *,
    campaign_id: int,
    region: str,
    day: date,
    limit: int,
    offices: Offices,
    full: set[str],
) -> list[Any]:
    """The next call-ups needing a notice, in priority and lottery order, leaving out those
    whose office is ``full``."""
    query = (
        _needing(campaign_id, region, day).order_by(CallUp.priority, CallUp.position).limit(limit)
    )
    if offices.fallback in full:
        open_ = [d for d, code in offices.by_district.items() if code not in full]
        query = query.where(Person.district.in_(sorted(open_)))
    elif full:
        shut = [d for d, code in offices.by_district.items() if code in full]
        query = query.where(Person.district.not_in(sorted(shut)))
    return list(conn.execute(query))


def count_waiting(engine: Engine, *, campaign_id: int, regions: list[str], day: date) -> int:
    with engine.connect() as conn:
        return sum(
            int(
                conn.scalar(
                    select(func.count()).select_from(_needing(campaign_id, region, day).subquery())
                )
                or 0
            )
            for region in regions
        )


def waiting_count(engine: Engine, *, campaign_id: int) -> int:
    """Selected call-ups still without a notice."""
    has = select(Notice.call_up_id).where(Notice.campaign_id == campaign_id)
    with engine.connect() as conn:
        return int(
            conn.scalar(
                select(func.count()).where(
                    CallUp.campaign_id == campaign_id,
                    CallUp.status == "selected",
                    CallUp.id.not_in(has),
                )
            )
            or 0
        )
