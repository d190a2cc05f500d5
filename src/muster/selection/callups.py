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
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl
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
    need = _Need(campaign_id, decree_id, region, quota, [replaces])
    chosen = _select(conn, [need], actor=actor, role=role, journal=journal)
    return next(iter(chosen.get((campaign_id, region), [])), None)


@dataclass(frozen=True)
class _Need:
    """Replacements a region wants: one for each call-up in ``replaces`` (None: a top-up)."""

    campaign_id: int
    decree_id: str
    region: str
    quota: int
    replaces: Sequence[int | None]


@dataclass
class _Walk:
    """A region's order being walked: the next place to look at, the places chosen so far."""

    need: _Need
    ids: npt.NDArray[np.int64]
    priorities: str | None
    position: int
    skipped: int
    wanted: int
    chosen: list[int] = field(default_factory=list)

    def window(self) -> list[int]:
        size = min(max(64, 2 * (self.wanted - len(self.chosen))), 4_096)
        return [int(i) for i in self.ids[self.position : self.position + size]]

    def going(self) -> bool:
        return self.position < len(self.ids) and len(self.chosen) < self.wanted


def _select(
    conn: Connection,
    needs: Sequence[_Need],
    *,
    actor: str,
    role: str,
    journal: list[Event] | None,
) -> dict[tuple[int, str], list[int]]:
    """For each region (its quota row locked by the caller) as many next eligible persons
    down its order as it wants and has room for: their new call-up ids by (campaign, region),
    the first replacing the need's first call-up and so on. All regions are walked together,
    a window of each order per look-up, so many releases cost a few statements in all."""
    walks = _walks(conn, needs)
    _walk(conn, walks)
    return _draw(conn, walks, actor=actor, role=role, journal=journal)


def _walks(conn: Connection, needs: Sequence[_Need]) -> list[_Walk]:
    """Each region's order where it stands, and how many it wants and has room for (regions
    with no room or no order are left out)."""
    walks: list[_Walk] = []
    for campaign_id, needed in _by_campaign(needs).items():
        regions = [n.region for n in needed]
        active = {
            str(r): int(n)
            for r, n in conn.execute(
                select(CallUp.region_code, func.count())
                .where(
                    CallUp.campaign_id == campaign_id,
                    CallUp.region_code.in_(regions),
                    CallUp.status.in_(lifecycle.ACTIVE),
                )
                .group_by(CallUp.region_code)
            )
        }
        states = {
            str(row.region_code): row
            for row in conn.execute(
                select(
                    LotteryRegion.region_code,
                    LotteryRegion.ordered,
                    LotteryRegion.priorities,
                    LotteryRegion.next_position,
                    LotteryRegion.skipped,
                ).where(
                    LotteryRegion.campaign_id == campaign_id,
                    LotteryRegion.region_code.in_(regions),
                )
            )
        }
        for need in needed:
            wanted = min(len(need.replaces), need.quota - active.get(need.region, 0))
            state = states.get(need.region)
            if wanted <= 0 or state is None or state.ordered is None:
                continue
            walks.append(
                _Walk(
                    need=need,
                    ids=unpack_order(state.ordered),
                    priorities=state.priorities,
                    position=int(state.next_position),
                    skipped=int(state.skipped),
                    wanted=wanted,
                )
            )
    return walks


def _walk(conn: Connection, walks: Sequence[_Walk]) -> None:
    """Walk every order down to as many eligible persons not yet called as it wants, a window
    of each per look-up (one eligibility and one "already called" look-up per round)."""
    going = [w for w in walks if w.going()]
    while going:
        windows = [(w, w.window()) for w in going]
        ok: set[int] = set()
        taken: set[tuple[int, int]] = set()
        for decree_id in sorted({w.need.decree_id for w in going}):
            persons = [p for w, ids in windows if w.need.decree_id == decree_id for p in ids]
            for part in _parts(persons):
                ok |= screening.eligible_ids(conn, decree_id=decree_id, person_ids=part)
        for campaign_id in sorted({w.need.campaign_id for w in going}):
            persons = [p for w, ids in windows if w.need.campaign_id == campaign_id for p in ids]
            for part in _parts(persons):
                taken |= {
                    (campaign_id, int(p))
                    for p in conn.scalars(
                        select(CallUp.person_id).where(
                            CallUp.campaign_id == campaign_id,
                            text(bulk.among(conn, "call_ups.person_id", part)),
                        )
                    )
                }
        for w, ids in windows:
            for person in ids:
                w.position += 1
                if person in ok and (w.need.campaign_id, person) not in taken:
                    w.chosen.append(w.position - 1)
                    if len(w.chosen) == w.wanted:
                        break
                else:
                    w.skipped += 1
        going = [w for w in going if w.going()]


def _draw(
    conn: Connection,
    walks: Sequence[_Walk],
    *,
    actor: str,
    role: str,
    journal: list[Event] | None,
) -> dict[tuple[int, str], list[int]]:
    """Store where each order now stands and insert the chosen persons' call-ups (audited):
    their ids by (campaign, region)."""
    if walks:
        conn.execute(
            update(LotteryRegion)
            .where(
                LotteryRegion.campaign_id == bindparam("campaign"),
                LotteryRegion.region_code == bindparam("region"),
            )
            .values(next_position=bindparam("position"), skipped=bindparam("passed")),
            [
                {
                    "campaign": w.need.campaign_id,
                    "region": w.need.region,
                    "position": w.position,
                    "passed": w.skipped,
                }
                for w in walks
            ],
        )
    at = now()
    rows: list[dict[str, Any]] = []
    for w in walks:
        bounds = np.cumsum(json.loads(w.priorities or "[]"))
        rows += [
            {
                "campaign_id": w.need.campaign_id,
                "person_id": int(w.ids[place]),
                "region_code": w.need.region,
                "position": place,
                "priority": int(np.searchsorted(bounds, place, side="right")),
                "status": "selected",
                "reason": None,
                "replaces": replaced,
                "selected_at": at,
                "updated_at": at,
                "actor": actor,
            }
            for place, replaced in zip(w.chosen, w.need.replaces, strict=False)
        ]
    if not rows:
        return {}
    bulk.insert(conn, "call_ups", pl.DataFrame(rows, schema=_NEW_CALLUP))
    made: dict[tuple[int, int], int] = {}  # (campaign, person) -> the new call-up's id
    for campaign_id in sorted({row["campaign_id"] for row in rows}):
        persons = [row["person_id"] for row in rows if row["campaign_id"] == campaign_id]
        made |= {
            (campaign_id, int(p)): int(i)
            for p, i in conn.execute(
                select(CallUp.person_id, CallUp.id).where(
                    CallUp.campaign_id == campaign_id,
                    text(bulk.among(conn, "call_ups.person_id", persons)),
                )
            )
        }
    new_ids = [made[(row["campaign_id"], row["person_id"])] for row in rows]
    drawn: dict[tuple[int, str], list[int]] = defaultdict(list)
    for new_id, row in zip(new_ids, rows, strict=True):
        drawn[(row["campaign_id"], row["region_code"])].append(new_id)
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
    return dict(drawn)


# The columns of a new call-up row, typed for the bulk insert.
_NEW_CALLUP = pl.Schema(
    {
        "campaign_id": pl.Int64(),
        "person_id": pl.Int64(),
        "region_code": pl.String(),
        "position": pl.Int64(),
        "priority": pl.Int64(),
        "status": pl.String(),
        "reason": pl.String(),
        "replaces": pl.Int64(),
        "selected_at": pl.Datetime("us"),
        "updated_at": pl.Datetime("us"),
        "actor": pl.String(),
    }
)


def _by_campaign(needs: Sequence[_Need]) -> dict[int, list[_Need]]:
    grouped: dict[int, list[_Need]] = defaultdict(list)
    for need in needs:
        grouped[need.campaign_id].append(need)
    return grouped


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
    for part in _parts(ids):
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
    for part in _parts(ids):
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
                decree_version=decree_version or f"{campaign.decree_id}@{campaign.version}",
            ),
        )
    needs = [
        _Need(c, campaigns[c].decree_id, r, limits[(c, r)][0], members)
        for (c, r), members in sorted(groups.items())
        if campaigns[c].status == "open" and limits[(c, r)][1] == "open"
    ]
    drawn = _select(conn, needs, actor=actor, role=role, journal=journal)
    replaced: dict[int, int | None] = {}
    for key, members in groups.items():
        got = drawn.get(key, [])
        for k, i in enumerate(members):
            replaced[i] = got[k] if k < len(got) else None
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
