"""Issuing notices in batches offices can process, each only to a person eligible on the
issue day, signed with the managed key.

``issue`` works region by region, one transaction per chunk, holding the region's quota row:
it re-decides every waiting person under the decree version in force that day on the
registry as it stands, releases (and replaces) anyone no longer eligible, schedules the rest
within office and training capacity, and writes notices, bookings and audit events together.
A chunk lands whole or not at all, and the waiting list is derived from what landed, so a
batch re-run after a crash continues where it stopped.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

import polars as pl
from sqlalchemy import Connection, Engine, bindparam, func, select, text, update

from muster.audit import service as audit
from muster.audit.schemas import Event
from muster.db import bulk
from muster.db.clock import Progress, now, quiet
from muster.errors import MusterError
from muster.notices import codes, scheduling
from muster.notices.booking import (
    Offices,
    book,
    booked_days,
    offices_of,
    training_weeks,
)
from muster.notices.keys import ensure_key, signing_keys
from muster.notices.models import (
    Notice,
    TrainingWeek,
)
from muster.notices.schemas import (
    IssueResult,
)
from muster.notices.waiting import count_waiting, next_waiting
from muster.policy.versions import Version
from muster.quotas import service as quotas
from muster.registry import service as registry
from muster.screening import service as screening
from muster.selection import service as selection

CHUNK = 5_000
_NOTICE_SCHEMA: dict[str, Any] = {
    **dict.fromkeys(
        ("number", "call_up_id", "sequence", "campaign_id", "person_id", "key_id"), pl.Int64
    ),
    **dict.fromkeys(("issued_on", "report_on"), pl.Date),
    **dict.fromkeys(("issued_at", "delivered_at"), pl.Datetime("us")),
    **dict.fromkeys(
        (
            "kind",
            "region_code",
            "office_code",
            "decree_version",
            "code",
            "status",
            "override_reason",
            "withdrawn_reason",
            "actor",
        ),
        pl.String,
    ),
}


# --- issuing ------------------------------------------------------------------------------


def withdraw(
    conn: Connection,
    *,
    callup_id: int,
    reason: str | None,
    actor: str,
    role: str,
    decree_version: str | None,
    journal: list[Event],
) -> None:
    """Withdraw a released call-up's notices not yet answered, so the public check says
    "withdrawn" and nobody reports on a notice that no longer stands."""
    withdraw_many(
        conn,
        reasons={callup_id: reason},
        actor=actor,
        role=role,
        decree_version=decree_version,
        journal=journal,
    )


def withdraw_many(
    conn: Connection,
    *,
    reasons: Mapping[int, str | None],
    actor: str,
    role: str,
    decree_version: str | None,
    journal: list[Event],
) -> None:
    """``withdraw`` for many call-ups at once, each with its reason: one look-up and one
    update a slice of call-ups."""
    ids = sorted(reasons)
    for start in range(0, len(ids), 10_000):
        found = conn.execute(
            select(Notice.number, Notice.call_up_id)
            .where(
                text(bulk.among(conn, "notices.call_up_id", ids[start : start + 10_000])),
                Notice.status.in_(("issued", "delivered")),
            )
            .order_by(Notice.number)
        ).all()
        if not found:
            continue
        conn.execute(
            update(Notice)
            .where(Notice.number == bindparam("notice"))
            .values(status="withdrawn", withdrawn_reason=bindparam("why")),
            [{"notice": int(n), "why": reasons[int(c)]} for n, c in found],
        )
        journal.extend(
            Event(
                actor=actor,
                role=role,
                action="notice.withdrawn",
                subject=f"call_up:{int(c)}",
                after={"notice": int(n)},
                reason=reasons[int(c)],
                decree_version=decree_version,
            )
            for n, c in found
        )


def _numbers(conn: Connection, n: int) -> list[int]:
    if conn.dialect.name == "postgresql":
        rows = conn.execute(
            text("SELECT nextval('notice_numbers') FROM generate_series(1, :n)"), {"n": n}
        )
        return [int(r[0]) for r in rows]
    start = int(conn.scalar(select(func.max(Notice.number))) or 0)
    return list(range(start + 1, start + n + 1))


def issue(
    engine: Engine,
    *,
    campaign_id: int,
    day: date,
    actor: str,
    role: str = "regional_officer",
    region: str | None = None,
    limit: int | None = None,
    overrides: Mapping[int, str] | None = None,
    progress: Progress = quiet,
) -> IssueResult:
    """Issue the next batch of notices on ``day`` (see the module's description). ``overrides``
    maps a call-up id to the named reason for issuing although the person is not eligible
    that day; each is audited and counted."""
    overrides = dict(overrides or {})
    for callup, why in overrides.items():
        if not why.strip():
            raise MusterError(f"the override for call-up {callup} needs a reason in words")
    campaign = quotas.get(engine, campaign_id=campaign_id)
    if campaign.status not in ("open", "winding_down"):
        raise MusterError(
            f"campaign {campaign_id} is {campaign.status.replace('_', ' ')}; notices are issued "
            "only while it is open or winding down"
        )
    version = screening.stored_decree(engine, campaign.decree).in_force(day)
    if version.ends_call_up:
        raise MusterError(
            f"{version.ref}, in force on {day}, ends the call-up; no notice can be issued under "
            "it (close the campaign with `muster campaign close`)"
        )
    rules = version.campaign.notices
    offices = registry.list_offices(engine, region=region)
    names = registry.region_names(engine)
    regions = [region] if region else sorted(names)
    if region and region not in names:
        raise MusterError(f"no region {region!r}; regions: {', '.join(sorted(names))}")
    key_id = ensure_key(engine, actor=actor)
    result = IssueResult(campaign=campaign_id, day=day)
    released: Counter[str] = Counter()
    left = limit
    for i, code in enumerate(regions):
        progress("issue", i, len(regions))
        mine = offices_of(code, offices)
        if mine is None:
            continue
        full: set[str] = set()
        while len(full) < len(mine.by_code) and (left is None or left > 0):
            chunk = CHUNK if left is None else min(CHUNK, left)
            with engine.begin() as conn:
                done = _issue_chunk(
                    conn,
                    campaign_id=campaign_id,
                    region=code,
                    day=day,
                    chunk=chunk,
                    version=version,
                    key_id=key_id,
                    offices=mine,
                    actor=actor,
                    role=role,
                    overrides=overrides,
                    released=released,
                    result=result,
                    training_per_week=rules.training_per_week,
                    lead=rules.report_after_days,
                    full=full,
                )
            if left is not None:
                left -= done.issued
            if done.issued and code not in result.regions:
                result.regions.append(code)
            if not done.progressed:
                break
    progress("issue", len(regions), len(regions))
    result.released = dict(released)
    result.waiting = count_waiting(engine, campaign_id=campaign_id, regions=regions, day=day)
    return result


class _Chunk:
    def __init__(self) -> None:
        self.issued = 0
        self.progressed = False


def _issue_chunk(
    conn: Connection,
    *,
    campaign_id: int,
    region: str,
    day: date,
    chunk: int,
    version: Version,
    key_id: int,
    offices: Offices,
    actor: str,
    role: str,
    overrides: dict[int, str],
    released: Counter[str],
    result: IssueResult,
    training_per_week: int | None,
    lead: int,
    full: set[str],
) -> _Chunk:
    """One chunk of a region's batch, in the caller's transaction. Offices found with no
    notice left today, or no report day within the horizon, are added to ``full``: the
    next chunk skips their people, who wait for a later day."""
    done = _Chunk()
    quotas.lock_region(conn, campaign_id=campaign_id, region=region)
    rows = next_waiting(
        conn,
        campaign_id=campaign_id,
        region=region,
        day=day,
        limit=chunk,
        offices=offices,
        full=full,
    )
    if not rows:
        return done
    ref = f"{version.decree}@{version.number}"
    decided = screening.decide_now(
        conn, version=version, person_ids=[int(r.person_id) for r in rows], as_of=day
    )
    journal: list[Event] = []
    requests: list[tuple[Any, str]] = []
    releases: dict[int, str] = {}
    for r in rows:
        decision, ground = decided[int(r.person_id)]
        if decision != "eligible" and int(r.id) not in overrides:
            why = selection.RELEASE_FOR[decision]
            releases[int(r.id)] = (
                f"{why}: {decision} on {day} ({ground or 'no ground'}), found when the "
                "notice was to be issued"
            )
            released[why] += 1
            continue
        requests.append((r, offices.serving(str(r.district))))
    if releases:
        replaced = selection.release_many(
            conn,
            releases=list(releases.items()),
            actor=actor,
            role=role,
            decree_version=ref,
            journal=journal,
        )
        # A no-show due a repeat notice still holds the one delivered before.
        withdraw_many(
            conn, reasons=releases, actor=actor, role=role, decree_version=ref, journal=journal
        )
        result.replacements += sum(1 for n in replaced.values() if n is not None)
        done.progressed = True
    capacity = {
        o.code: scheduling.Capacity(o.notices_per_day, o.receptions_per_day, o.exams_per_day)
        for o in offices.by_code.values()
    }
    last = day + timedelta(days=lead + scheduling.HORIZON_DAYS)
    booked = booked_days(conn, list(offices.by_code), day, last)
    weeks = training_weeks(conn, day, last) if training_per_week and requests else None
    plan = scheduling.schedule(
        requests,
        day=day,
        lead=lead,
        capacity=capacity,
        booked=booked,
        training_per_week=training_per_week,
        training_booked=weeks,
    )
    shut = {offices.serving(str(r.district)) for r in plan.waiting} - full
    full |= shut
    done.progressed = done.progressed or bool(shut)
    if plan.assigned:
        numbers = _numbers(conn, len(plan.assigned))
        key = signing_keys(conn)[key_id]
        at = now()
        notices = []
        for number, (r, office, report_on) in zip(numbers, plan.assigned, strict=True):
            sequence = int(r.sequence) + 1
            kind = "first" if sequence == 1 else "repeat"
            signed = codes.Signed(
                number=number,
                national_id=str(r.national_id),
                issued_on=day,
                report_on=report_on,
                office_code=office,
                campaign_id=campaign_id,
                decree_version=ref,
                kind=kind,
            )
            override = (
                overrides.get(int(r.id)) if decided[int(r.person_id)][0] != "eligible" else None
            )
            notices.append(
                {
                    "number": number,
                    "call_up_id": int(r.id),
                    "sequence": sequence,
                    "kind": kind,
                    "campaign_id": campaign_id,
                    "person_id": int(r.person_id),
                    "region_code": region,
                    "office_code": office,
                    "issued_on": day,
                    "issued_at": at,
                    "report_on": report_on,
                    "decree_version": ref,
                    "key_id": key_id,
                    "code": codes.encode(key_id=key_id, key=key, signed=signed),
                    "status": "issued",
                    "override_reason": override,
                    "delivered_at": None,
                    "withdrawn_reason": None,
                    "actor": actor,
                }
            )
            journal.append(
                Event(
                    actor=actor,
                    role=role,
                    action="notice.issued" if override is None else "notice.issued_override",
                    subject=f"call_up:{int(r.id)}",
                    after={
                        "notice": number,
                        "kind": kind,
                        "office": office,
                        "report_on": report_on.isoformat(),
                    },
                    reason=override,
                    decree_version=ref,
                )
            )
            result.overrides += override is not None
        bulk.insert(conn, "notices", pl.DataFrame(notices, schema=_NOTICE_SCHEMA))
        book(conn, plan.office_days)
        for w, n in sorted(plan.training_weeks.items()):
            conn.execute(
                update(TrainingWeek)
                .where(TrainingWeek.week_start == w)
                .values(used=TrainingWeek.used + n)
            )
        done.issued = len(notices)
        result.issued += len(notices)
        done.progressed = True
    audit.record_many(conn, journal)
    return done
