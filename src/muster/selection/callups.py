"""Call-ups after the draw: lifecycle moves, releases and their replacements, fulfilment.

Every move locks the region's quota row first, then the call-up, so concurrent workers never
push a region past its quota and never deadlock. Every move writes its audit event in the
same transaction. Callers that hold other locks pass ``journal`` and record the events
themselves as the last step of their transaction (the audit head is always locked last).
"""

from __future__ import annotations

import json
import zlib
from collections import Counter, defaultdict
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import Connection, Engine, Row, bindparam, func, insert, select, update

from muster.audit import service as audit
from muster.audit.schemas import Event
from muster.db.clock import now
from muster.db.engine import connected
from muster.db.statements import Filtered
from muster.errors import MusterError, NotFoundError
from muster.quotas import service as quotas
from muster.registry.models import Person
from muster.screening import service as screening
from muster.selection import lifecycle
from muster.selection.models import CallUp, LotteryRegion
from muster.selection.schemas import CallUpRead, FulfilmentRow

# The release reason when a re-check finds a selected person no longer eligible.
RELEASE_FOR = {"exempt": "exempt", "deferred": "deferred", "ineligible": "wrongful"}


def unpack_order(blob: bytes) -> npt.NDArray[np.int64]:
    """A region's lottery order as stored: person ids, first place first."""
    return np.frombuffer(zlib.decompress(blob), dtype="<i4").astype(np.int64)


def select_next(
    conn: Connection,
    *,
    campaign_id: int,
    decree_id: str,
    region: str,
    replaces: int | None,
    actor: str,
    role: str = "system",
    journal: list[Event] | None = None,
) -> int | None:
    """The next eligible person down the region's order, if the region has room; their
    call-up id. The region's quota row is locked here (callers may hold it already)."""
    quota, status = quotas.lock_region(conn, campaign_id=campaign_id, region=region)
    if status != "open":
        return None
    active = conn.scalar(
        select(func.count()).where(
            CallUp.campaign_id == campaign_id,
            CallUp.region_code == region,
            CallUp.status.in_(lifecycle.ACTIVE),
        )
    )
    if int(active or 0) >= quota:
        return None
    state = conn.execute(
        select(LotteryRegion).where(
            LotteryRegion.campaign_id == campaign_id, LotteryRegion.region_code == region
        )
    ).first()
    if state is None or state.ordered is None:
        return None
    ids = unpack_order(state.ordered)
    position, skipped = state.next_position, state.skipped
    chosen: int | None = None
    while position < len(ids) and chosen is None:
        window = [int(i) for i in ids[position : position + 64]]
        ok = screening.eligible_ids(conn, decree_id=decree_id, person_ids=window)
        taken = {
            int(p)
            for p in conn.scalars(
                select(CallUp.person_id).where(
                    CallUp.campaign_id == campaign_id, CallUp.person_id.in_(window)
                )
            )
        }
        for offset, person in enumerate(window):
            if person in ok and person not in taken:
                chosen, position = position + offset, position + offset + 1
                break
            skipped += 1
        else:
            position += len(window)
    conn.execute(
        update(LotteryRegion)
        .where(LotteryRegion.campaign_id == campaign_id, LotteryRegion.region_code == region)
        .values(next_position=position, skipped=skipped)
    )
    if chosen is None:
        return None
    bounds = np.cumsum(json.loads(state.priorities or "[]"))
    at = now()
    priority = int(np.searchsorted(bounds, chosen, side="right"))
    key = conn.execute(
        insert(CallUp).values(
            campaign_id=campaign_id,
            person_id=int(ids[chosen]),
            region_code=region,
            position=chosen,
            priority=priority,
            status="selected",
            reason=None,
            replaces=replaces,
            selected_at=at,
            updated_at=at,
            actor=actor,
        )
    ).inserted_primary_key
    assert key is not None
    new_id = int(key[0])
    event = Event(
        actor=actor,
        role=role,
        action="callup.selected",
        subject=f"call_up:{new_id}",
        after={"status": "selected", "position": chosen, "priority": priority},
        reason=f"replaces call-up {replaces}" if replaces else None,
    )
    _log(conn, journal, event)
    return new_id


def _log(conn: Connection, journal: list[Event] | None, event: Event) -> None:
    if journal is None:
        audit.record(conn, event)
    else:
        journal.append(event)


def _callup(conn: Connection, callup_id: int, *, lock: bool = False) -> Row[Any]:
    query = select(CallUp).where(CallUp.id == callup_id)
    if lock:
        query = query.with_for_update()
    row = conn.execute(query).first()
    if row is None:
        raise NotFoundError(f"no call-up {callup_id}")
    return row


def transition(
    conn: Connection,
    *,
    callup_id: int,
    to: str,
    reason: str | None = None,
    actor: str,
    role: str = "system",
    decree_version: str | None = None,
    journal: list[Event] | None = None,
) -> int | None:
    """Move a call-up along its lifecycle inside the caller's transaction. A release (with a
    reason from ``lifecycle.RELEASE_REASONS``; ``reason`` may add words after a colon) draws
    a replacement while the region's quota is open: its call-up id. An enlistment that meets
    the quota closes the region."""
    kind = (reason or "").split(":", 1)[0].strip()
    if to == "released" and kind not in lifecycle.RELEASE_REASONS:
        raise MusterError(
            f"a release needs a reason: one of {', '.join(lifecycle.RELEASE_REASONS)}"
            + (f" (found {reason!r})" if reason else "")
        )
    head = _callup(conn, callup_id)
    campaign = quotas.require_status(
        conn,
        campaign_id=head.campaign_id,
        allowed=("open", "winding_down")
        if to != "released"
        else ("open", "winding_down", "closed"),
        doing=f"move call-up {callup_id} to {to.replace('_', ' ')}",
    )
    # Lock the region first, then the call-up: one order for every writer, no deadlocks.
    quota, _ = quotas.lock_region(conn, campaign_id=head.campaign_id, region=head.region_code)
    current = _callup(conn, callup_id, lock=True)
    lifecycle.check_move(current.status, to)
    conn.execute(
        update(CallUp)
        .where(CallUp.id == callup_id)
        .values(status=to, reason=reason, updated_at=now(), actor=actor)
    )
    version = decree_version or f"{campaign.decree_id}@{campaign.version}"
    _log(
        conn,
        journal,
        Event(
            actor=actor,
            role=role,
            action=f"callup.{to}",
            subject=f"call_up:{callup_id}",
            before={"status": current.status},
            after={"status": to},
            reason=reason,
            decree_version=version,
        ),
    )
    replacement = None
    if to == "released" and campaign.status == "open":
        replacement = select_next(
            conn,
            campaign_id=current.campaign_id,
            decree_id=campaign.decree_id,
            region=current.region_code,
            replaces=callup_id,
            actor=actor,
            role=role,
            journal=journal,
        )
    if to == "enlisted":
        enlisted = conn.scalar(
            select(func.count()).where(
                CallUp.campaign_id == current.campaign_id,
                CallUp.region_code == current.region_code,
                CallUp.status == "enlisted",
            )
        )
        if int(enlisted or 0) >= quota:
            quotas.close_region(conn, campaign_id=current.campaign_id, region=current.region_code)
            _log(
                conn,
                journal,
                Event(
                    actor=actor,
                    role=role,
                    action="campaign.region_closed",
                    subject=f"campaign:{current.campaign_id}:{current.region_code}",
                    after={"status": "closed", "enlisted": int(enlisted or 0)},
                    reason="quota met",
                    decree_version=version,
                ),
            )
    return replacement


def move(
    engine: Engine,
    *,
    callup_id: int,
    to: str,
    reason: str | None = None,
    actor: str,
    role: str = "headquarters",
) -> CallUpRead:
    """Move a call-up along its lifecycle in its own transaction (see ``transition``)."""
    with engine.begin() as conn:
        journal: list[Event] = []
        transition(
            conn, callup_id=callup_id, to=to, reason=reason, actor=actor, role=role, journal=journal
        )
        audit.record_many(conn, journal)
    return get_callup(engine, callup_id=callup_id)


def top_up(
    engine: Engine, *, campaign_id: int, region: str, actor: str, role: str = "system"
) -> int:
    """Draw replacements down the region's order until its active call-ups reach the quota
    (or the order runs out), one transaction per person; how many were drawn. Safe to run
    alongside any other writer: ``select_next`` counts under the region's lock."""
    drawn = 0
    while True:
        with engine.begin() as conn:
            campaign = quotas.require_status(
                conn, campaign_id=campaign_id, allowed=("open",), doing="draw replacements"
            )
            journal: list[Event] = []
            chosen = select_next(
                conn,
                campaign_id=campaign_id,
                decree_id=campaign.decree_id,
                region=region,
                replaces=None,
                actor=actor,
                role=role,
                journal=journal,
            )
            audit.record_many(conn, journal)
        if chosen is None:
            return drawn
        drawn += 1


def get_callup(engine: Engine, *, callup_id: int) -> CallUpRead:
    rows = list_callups(engine, ids=[callup_id])
    if not rows:
        raise NotFoundError(f"no call-up {callup_id}")
    return rows[0]


_CALLUPS = Filtered(
    select(CallUp, Person.national_id)
    .join(Person, Person.id == CallUp.person_id)
    .order_by(CallUp.id),
    campaign_id=CallUp.campaign_id == bindparam("campaign_id"),
    ids=CallUp.id.in_(bindparam("ids", expanding=True)),
    region=CallUp.region_code == bindparam("region"),
    status=CallUp.status == bindparam("status"),
    national_id=Person.national_id == bindparam("national_id"),
)


def list_callups(
    engine: Engine | Connection,
    *,
    campaign_id: int | None = None,
    ids: list[int] | None = None,
    region: str | None = None,
    status: str | None = None,
    national_id: str | None = None,
    limit: int | None = None,
) -> list[CallUpRead]:
    query, params = _CALLUPS(
        campaign_id=campaign_id,
        ids=ids,
        region=region,
        status=status,
        national_id=national_id,
        limit=limit,
    )
    with connected(engine) as conn:
        return [
            CallUpRead(
                id=c.id,
                campaign=c.campaign_id,
                national_id=c.national_id,
                region=c.region_code,
                position=c.position,
                priority=c.priority,
                status=c.status,
                reason=c.reason,
                replaces=c.replaces,
            )
            for c in conn.execute(query, params)
        ]


def fulfilment(engine: Engine, *, campaign_id: int) -> list[FulfilmentRow]:
    """Per region: quota, region status, call-ups by state, what is left of the order."""
    with engine.connect() as conn:
        quotas.require_status(
            conn,
            campaign_id=campaign_id,
            allowed=("planned", *quotas.ACTIVE, "closed"),
            doing="show fulfilment",
        )
        quota = quotas.quotas(conn, campaign_id=campaign_id)
        counts: dict[str, Counter[str]] = defaultdict(Counter)
        for region, state, n in conn.execute(
            select(CallUp.region_code, CallUp.status, func.count())
            .where(CallUp.campaign_id == campaign_id)
            .group_by(CallUp.region_code, CallUp.status)
        ):
            counts[str(region)][str(state)] = int(n)
        orders = {
            str(r): (int(size), int(pos), int(sk))
            for r, size, pos, sk in conn.execute(
                select(
                    LotteryRegion.region_code,
                    LotteryRegion.size,
                    LotteryRegion.next_position,
                    LotteryRegion.skipped,
                ).where(LotteryRegion.campaign_id == campaign_id)
            )
        }
    rows = []
    for region, (q, status) in sorted(quota.items()):
        by_state = {s: counts[region].get(s, 0) for s in lifecycle.STATES}
        size, position, skipped = orders.get(region, (0, 0, 0))
        rows.append(
            FulfilmentRow(
                region=region,
                quota=q,
                status=status,
                by_state=by_state,
                active=sum(v for k, v in by_state.items() if k in lifecycle.ACTIVE),
                skipped=skipped,
                order_left=size - position,
            )
        )
    return rows
