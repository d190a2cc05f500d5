"""Call-ups after the draw: lifecycle moves, releases (their replacements drawn in
``replacements.py``), fulfilment.

Every move locks the region's quota row first, then the call-up, so concurrent workers never
push a region past its quota and never deadlock. Every move writes its audit event in the
same transaction. Callers that hold other locks pass ``journal`` and record the events
themselves as the last step of their transaction (the audit head is always locked last).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Engine, Row, bindparam, func, select, text, update

from muster.audit import service as audit
from muster.audit.schemas import Event
from muster.db import bulk
from muster.db.clock import now
from muster.db.engine import connected
from muster.db.statements import Filtered
from muster.errors import MusterError, NotFoundError
from muster.quotas import service as quotas
from muster.registry.models import Person
from muster.selection import lifecycle
from muster.selection.models import CallUp, LotteryRegion
from muster.selection.replacements import Need, log, parts, select_for
from muster.selection.schemas import CallUpRead, FulfilmentRow

# The release reason when a re-check finds a selected person no longer eligible.
RELEASE_FOR = {"exempt": "exempt", "deferred": "deferred", "ineligible": "wrongful"}


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
    if to == "released":
        return release_many(
            conn,
            releases=[(callup_id, reason or "")],
            actor=actor,
            role=role,
            decree_version=decree_version,
            journal=journal,
        )[callup_id]
    head = _callup(conn, callup_id)
    campaign = quotas.require_status(
        conn,
        campaign_id=head.campaign_id,
        allowed=("open", "winding_down"),
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
    log(
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
            log(
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
    return None


def release_many(
    conn: Connection,
    *,
    releases: Sequence[tuple[int, str]],
    actor: str,
    role: str = "system",
    decree_version: str | None = None,
    journal: list[Event] | None = None,
) -> dict[int, int | None]:
    """Release call-ups inside the caller's transaction: ``(call-up id, reason)`` pairs, each
    reason one of ``lifecycle.RELEASE_REASONS`` (words may follow a colon). While the campaign
    and the region are open, each released call-up is replaced by the next eligible person
    down the region's order. Returns each call-up's replacement (None when none was drawn).

    The same as releasing them one by one in id order, in a few statements however many
    there are: the regions' quota rows locked (by campaign, then region code; then the
    call-ups: the one lock order every writer keeps), one update, one walk down all the
    regions' orders together for the replacements, one insert."""
    reasons: dict[int, str] = {}
    for callup_id, reason in releases:
        kind = reason.split(":", 1)[0].strip()
        if kind not in lifecycle.RELEASE_REASONS:
            raise MusterError(
                f"a release needs a reason: one of {', '.join(lifecycle.RELEASE_REASONS)}"
                + (f" (found {reason!r} for call-up {callup_id})" if reason else "")
            )
        reasons[int(callup_id)] = reason
    ids = sorted(reasons)
    if not ids:
        return {}
    heads: dict[int, tuple[int, str]] = {}
    for part in parts(ids):
        for i, campaign_id, region in conn.execute(
            select(CallUp.id, CallUp.campaign_id, CallUp.region_code).where(
                text(bulk.among(conn, "call_ups.id", part))
            )
        ):
            heads[int(i)] = (int(campaign_id), str(region))
    missing = [i for i in ids if i not in heads]
    if missing:
        raise NotFoundError(
            f"no call-up {missing[0]}" + (f" (nor {len(missing) - 1} more)" if missing[1:] else "")
        )
    groups: dict[tuple[int, str], list[int]] = defaultdict(list)
    for i in ids:
        groups[heads[i]].append(i)
    campaigns = {
        c: quotas.require_status(
            conn,
            campaign_id=c,
            allowed=("open", "winding_down", "closed"),
            doing="release call-up " + (str(ids[0]) if len(ids) == 1 else "s"),
        )
        for c in sorted({c for c, _ in groups})
    }
    # Quota rows first (by campaign, then region code), then the call-ups: one lock order.
    limits: dict[tuple[int, str], tuple[int, str]] = {}
    for c in campaigns:
        regions = sorted({r for cc, r in groups if cc == c})
        limits |= {
            (c, r): v for r, v in quotas.lock_regions(conn, campaign_id=c, regions=regions).items()
        }
    current: dict[int, str] = {}
    for part in parts(ids):
        current |= {
            int(i): str(s)
            for i, s in conn.execute(
                select(CallUp.id, CallUp.status)
                .where(text(bulk.among(conn, "call_ups.id", part)))
                .order_by(CallUp.id)
                .with_for_update()
            )
        }
    for i in ids:
        try:
            lifecycle.check_move(current[i], "released")
        except MusterError as exc:
            raise MusterError(f"call-up {i}: {exc}") from exc
    at = now()
    conn.execute(
        update(CallUp)
        .where(CallUp.id == bindparam("callup"))
        .values(status="released", reason=bindparam("why"), updated_at=at, actor=actor),
        [{"callup": i, "why": reasons[i]} for i in ids],
    )
    for i in ids:
        campaign = campaigns[heads[i][0]]
        log(
            conn,
            journal,
            Event(
                actor=actor,
                role=role,
                action="callup.released",
                subject=f"call_up:{i}",
                before={"status": current[i]},
                after={"status": "released"},
                reason=reasons[i],
                decree_version=decree_version or f"{campaign.decree_id}@{campaign.version}",
            ),
        )
    needs = [
        Need(c, campaigns[c].decree_id, r, limits[(c, r)][0], members)
        for (c, r), members in sorted(groups.items())
        if campaigns[c].status == "open" and limits[(c, r)][1] == "open"
    ]
    drawn = select_for(conn, needs, actor=actor, role=role, journal=journal)
    replaced: dict[int, int | None] = {}
    for key, members in groups.items():
        got = drawn.get(key, [])
        for k, i in enumerate(members):
            replaced[i] = got[k] if k < len(got) else None
    return replaced


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
