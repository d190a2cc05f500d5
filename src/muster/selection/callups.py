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
from collections.abc import Sequence
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
    chosen = _select(
        conn,
        campaign_id=campaign_id,
        decree_id=decree_id,
        region=region,
        quota=quota,
        replaces=[replaces],
        actor=actor,
        role=role,
        journal=journal,
    )
    return chosen[0] if chosen else None


def _select(
    conn: Connection,
    *,
    campaign_id: int,
    decree_id: str,
    region: str,
    quota: int,
    replaces: Sequence[int | None],
    actor: str,
    role: str,
    journal: list[Event] | None,
) -> list[int]:
    """Up to ``len(replaces)`` next eligible persons down the region's order, as far as the
    region has room, in one walk: their new call-up ids, the first replacing ``replaces[0]``
    and so on. The caller holds the region's lock."""
    active = conn.scalar(
        select(func.count()).where(
            CallUp.campaign_id == campaign_id,
            CallUp.region_code == region,
            CallUp.status.in_(lifecycle.ACTIVE),
        )
    )
    wanted = min(len(replaces), quota - int(active or 0))
    if wanted <= 0:
        return []
    state = conn.execute(
        select(LotteryRegion).where(
            LotteryRegion.campaign_id == campaign_id, LotteryRegion.region_code == region
        )
    ).first()
    if state is None or state.ordered is None:
        return []
    ids = unpack_order(state.ordered)
    position, skipped = state.next_position, state.skipped
    chosen: list[int] = []
    # Windows grow with what is wanted, so a bulk release walks the order in few look-ups.
    size = min(max(64, 2 * wanted), 4_096)
    while position < len(ids) and len(chosen) < wanted:
        window = [int(i) for i in ids[position : position + size]]
        ok = screening.eligible_ids(conn, decree_id=decree_id, person_ids=window)
        taken = {
            int(p)
            for p in conn.scalars(
                select(CallUp.person_id).where(
                    CallUp.campaign_id == campaign_id, CallUp.person_id.in_(window)
                )
            )
        }
        for person in window:
            position += 1
            if person in ok and person not in taken:
                chosen.append(position - 1)
                if len(chosen) == wanted:
                    break
            else:
                skipped += 1
    conn.execute(
        update(LotteryRegion)
        .where(LotteryRegion.campaign_id == campaign_id, LotteryRegion.region_code == region)
        .values(next_position=position, skipped=skipped)
    )
    if not chosen:
        return []
    bounds = np.cumsum(json.loads(state.priorities or "[]"))
    at = now()
    rows = [
        {
            "campaign_id": campaign_id,
            "person_id": int(ids[place]),
            "region_code": region,
            "position": place,
            "priority": int(np.searchsorted(bounds, place, side="right")),
            "status": "selected",
            "reason": None,
            "replaces": replaced,
            "selected_at": at,
            "updated_at": at,
            "actor": actor,
        }
        for place, replaced in zip(chosen, replaces, strict=False)
    ]
    new_ids = [
        int(i)
        for i in conn.scalars(
            insert(CallUp).returning(CallUp.id, sort_by_parameter_order=True), rows
        )
    ]
    for new_id, row in zip(new_ids, rows, strict=True):
        _log(
            conn,
            journal,
            Event(
                actor=actor,
                role=role,
                action="callup.selected",
                subject=f"call_up:{new_id}",
                after={
                    "status": "selected",
                    "position": row["position"],
                    "priority": row["priority"],
                },
                reason=f"replaces call-up {row['replaces']}" if row["replaces"] else None,
            ),
        )
    return new_ids


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

    The same as releasing them one by one in id order, in a few statements a region: its quota
    row locked once (regions in code order, then their call-ups: the one lock order every
    writer keeps), one update, one walk down the order for all its replacements, one insert."""
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
    heads: dict[int, tuple[int, str]] = {}
    for part in _parts(ids):
        for i, campaign_id, region in conn.execute(
            select(CallUp.id, CallUp.campaign_id, CallUp.region_code).where(CallUp.id.in_(part))
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
    replaced: dict[int, int | None] = {}
    at = now()
    for (campaign_id, region), members in sorted(groups.items(), key=lambda g: (g[0][1], g[0][0])):
        campaign = campaigns[campaign_id]
        quota, status = quotas.lock_region(conn, campaign_id=campaign_id, region=region)
        current: dict[int, str] = {}
        for part in _parts(members):
            current |= {
                int(i): str(s)
                for i, s in conn.execute(
                    select(CallUp.id, CallUp.status).where(CallUp.id.in_(part)).with_for_update()
                )
            }
        for i in members:
            try:
                lifecycle.check_move(current[i], "released")
            except MusterError as exc:
                raise MusterError(f"call-up {i}: {exc}") from exc
        conn.execute(
            update(CallUp)
            .where(CallUp.id == bindparam("callup"))
            .values(status="released", reason=bindparam("why"), updated_at=at, actor=actor),
            [{"callup": i, "why": reasons[i]} for i in members],
        )
        version = decree_version or f"{campaign.decree_id}@{campaign.version}"
        for i in members:
            _log(
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
                    decree_version=version,
                ),
            )
        drawn: list[int] = []
        if campaign.status == "open" and status == "open":
            drawn = _select(
                conn,
                campaign_id=campaign_id,
                decree_id=campaign.decree_id,
                region=region,
                quota=quota,
                replaces=members,
                actor=actor,
                role=role,
                journal=journal,
            )
        for k, i in enumerate(members):
            replaced[i] = drawn[k] if k < len(drawn) else None
    return replaced


def _parts(ids: Sequence[int], size: int = 10_000) -> list[Sequence[int]]:
    """``ids`` in slices short enough for one statement's parameters."""
    return [ids[k : k + size] for k in range(0, len(ids), size)]


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
