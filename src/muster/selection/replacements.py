"""Replacements: the next eligible persons down a region's lottery order, drawn while the
region has room — for releases (``callups.release_many``) and for top-ups.

All the regions wanting replacements are walked together, a window of each order per
look-up, so a release of thousands costs a few statements. The caller holds the regions'
quota rows (``quotas.lock_region``, ``quotas.lock_regions``); ``select_next`` and ``top_up``
take the lock themselves.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl
from sqlalchemy import Connection, Engine, bindparam, func, select, text, update

from muster.audit import service as audit
from muster.audit.schemas import Event
from muster.db import bulk
from muster.db.clock import now
from muster.quotas import service as quotas
from muster.screening import service as screening
from muster.selection import lifecycle
from muster.selection.models import CallUp, LotteryRegion
from muster.selection.pools import unpack_order


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
    need = Need(campaign_id, decree_id, region, quota, [replaces])
    chosen = select_for(conn, [need], actor=actor, role=role, journal=journal)
    return next(iter(chosen.get((campaign_id, region), [])), None)


@dataclass(frozen=True)
class Need:
    """Replacements a region wants: one for each call-up in ``replaces`` (None: a top-up)."""

    campaign_id: int
    decree_id: str
    region: str
    quota: int
    replaces: Sequence[int | None]


@dataclass
class _Walk:
    """A region's order being walked: the next place to look at, the places chosen so far."""

    need: Need
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


def select_for(
    conn: Connection,
    needs: Sequence[Need],
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


def _walks(conn: Connection, needs: Sequence[Need]) -> list[_Walk]:
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
            for part in parts(persons):
                ok |= screening.eligible_ids(conn, decree_id=decree_id, person_ids=part)
        for campaign_id in sorted({w.need.campaign_id for w in going}):
            persons = [p for w, ids in windows if w.need.campaign_id == campaign_id for p in ids]
            for part in parts(persons):
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
        log(
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


def _by_campaign(needs: Sequence[Need]) -> dict[int, list[Need]]:
    grouped: dict[int, list[Need]] = defaultdict(list)
    for need in needs:
        grouped[need.campaign_id].append(need)
    return grouped


def log(conn: Connection, journal: list[Event] | None, event: Event) -> None:
    if journal is None:
        audit.record(conn, event)
    else:
        journal.append(event)


def parts(ids: Sequence[int], size: int = 10_000) -> list[Sequence[int]]:
    """``ids`` in slices short enough for one statement's parameters."""
    return [ids[k : k + size] for k in range(0, len(ids), size)]


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
