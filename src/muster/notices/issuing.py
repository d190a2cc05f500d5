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

import secrets
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import polars as pl
from sqlalchemy import Connection, Engine, Select, func, insert, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from muster.audit import service as audit
from muster.audit.schemas import Event
from muster.db import bulk
from muster.db.clock import Progress, now, quiet
from muster.errors import MusterError
from muster.notices import codes, scheduling
from muster.notices.models import (
    Notice,
    OfficeDay,
    SigningKey,
    TrainingWeek,
)
from muster.notices.schemas import (
    IssueResult,
)
from muster.policy.versions import Version
from muster.quotas import service as quotas
from muster.registry import service as registry
from muster.registry.models import Person
from muster.registry.schemas import OfficeRead
from muster.screening import service as screening
from muster.selection import service as selection
from muster.selection.models import CallUp

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


# --- keys -------------------------------------------------------------------------------


def _signing_key(conn: Connection) -> tuple[int, bytes]:
    row = conn.execute(
        select(SigningKey.id, SigningKey.secret)
        .where(SigningKey.retired_at.is_(None))
        .order_by(SigningKey.id.desc())
        .limit(1)
    ).first()
    if row is None:
        raise MusterError("no notice signing key; run `muster notices rotate-key` first")
    return int(row[0]), bytes(row[1])


def signing_keys(conn: Connection) -> dict[int, bytes]:
    return {int(i): bytes(s) for i, s in conn.execute(select(SigningKey.id, SigningKey.secret))}


def ensure_key(engine: Engine, *, actor: str) -> int:
    """The id of the key that signs new notices, creating the first one if there is none."""
    with engine.connect() as conn:
        found = conn.scalar(select(func.max(SigningKey.id)).where(SigningKey.retired_at.is_(None)))
    if found is not None:
        return int(found)
    try:
        return rotate_key(engine, actor=actor)
    except IntegrityError:  # another worker created it at the same moment
        return ensure_key(engine, actor=actor)


def rotate_key(engine: Engine, *, actor: str) -> int:
    """Retire the signing key in use and create a new one. Notices signed with a retired key
    still verify; new notices are signed with the new key."""
    with engine.begin() as conn:
        last = int(conn.scalar(select(func.max(SigningKey.id))) or 0)
        if last >= 255:
            raise MusterError("255 signing keys have been used; codes have room for no more")
        at = now()
        conn.execute(
            update(SigningKey).where(SigningKey.retired_at.is_(None)).values(retired_at=at)
        )
        conn.execute(
            insert(SigningKey).values(
                id=last + 1, secret=secrets.token_bytes(32), created_at=at, actor=actor
            )
        )
        audit.record(
            conn,
            Event(
                actor=actor,
                role="headquarters",
                action="notices.key_rotated",
                subject=f"signing_key:{last + 1}",
            ),
        )
    return last + 1


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
    withdrawn = conn.execute(
        update(Notice)
        .where(Notice.call_up_id == callup_id, Notice.status.in_(("issued", "delivered")))
        .values(status="withdrawn", withdrawn_reason=reason)
        .returning(Notice.number)
    ).all()
    for (number,) in withdrawn:
        journal.append(
            Event(
                actor=actor,
                role=role,
                action="notice.withdrawn",
                subject=f"call_up:{callup_id}",
                after={"notice": int(number)},
                reason=reason,
                decree_version=decree_version,
            )
        )


def _numbers(conn: Connection, n: int) -> list[int]:
    if conn.dialect.name == "postgresql":
        rows = conn.execute(
            text("SELECT nextval('notice_numbers') FROM generate_series(1, :n)"), {"n": n}
        )
        return [int(r[0]) for r in rows]
    start = int(conn.scalar(select(func.max(Notice.number))) or 0)
    return list(range(start + 1, start + n + 1))


@dataclass(frozen=True)
class Offices:
    """A region's offices: by code, by the district each serves, and the one serving
    people of a district without an office (the one receiving the most a day)."""

    by_code: dict[str, OfficeRead]
    by_district: dict[str, str]
    fallback: str

    def serving(self, district: str) -> str:
        """The code of the office serving a district's people."""
        return self.by_district.get(district, self.fallback)


def offices_of(region: str, offices: list[OfficeRead]) -> Offices | None:
    mine = {o.code: o for o in offices if o.region == region}
    if not mine:
        return None
    return Offices(
        by_code=mine,
        by_district={o.district or o.code: o.code for o in mine.values()},
        fallback=max(mine.values(), key=lambda o: o.receptions_per_day).code,
    )


def _needing(campaign_id: int, region: str, day: date) -> Select[int, int, str, str, str, Any]:
    """Call-ups of the region that need a notice on ``day``: selected without a notice, or
    after a no-show whose last notice was delivered and whose report day has passed.

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
            | (CallUp.status == "no_show") & repeat_due,
        )
    )


def _waiting(
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


def _count_waiting(engine: Engine, *, campaign_id: int, regions: list[str], day: date) -> int:
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


def booked_days(
    conn: Connection, offices: list[str], first: date, last: date
) -> dict[tuple[str, date, str], int]:
    rows = conn.execute(
        select(OfficeDay.office_code, OfficeDay.day, OfficeDay.kind, OfficeDay.used).where(
            OfficeDay.office_code.in_(offices), OfficeDay.day >= first, OfficeDay.day <= last
        )
    )
    return {(str(o), d, str(k)): int(u) for o, d, k, u in rows}


def _book(conn: Connection, counts: Mapping[tuple[str, date, str], int]) -> None:
    """Add to office-day bookings (the region's lock makes these rows ours alone)."""
    if not counts:
        return
    keys = list(counts)
    existing = {
        (str(o), d, str(k))
        for o, d, k in conn.execute(
            select(OfficeDay.office_code, OfficeDay.day, OfficeDay.kind).where(
                OfficeDay.office_code.in_({k[0] for k in keys}),
                OfficeDay.day.in_({k[1] for k in keys}),
            )
        )
    }
    fresh = [
        {"office_code": o, "day": d, "kind": k, "used": n}
        for (o, d, k), n in counts.items()
        if (o, d, k) not in existing
    ]
    if fresh:
        conn.execute(insert(OfficeDay), fresh)
    for (o, d, k), n in counts.items():
        if (o, d, k) in existing:
            conn.execute(
                update(OfficeDay)
                .where(OfficeDay.office_code == o, OfficeDay.day == d, OfficeDay.kind == k)
                .values(used=OfficeDay.used + n)
            )


def _training(conn: Connection, first: date, last: date) -> dict[date, int]:
    """Training weeks booked in the window, locked: the intake is national, so every region's
    writer takes these rows in date order after its own region's."""
    weeks = []
    w = scheduling.week_start(first)
    while w <= last:
        weeks.append(w)
        w += timedelta(days=7)
    have = set(
        conn.scalars(select(TrainingWeek.week_start).where(TrainingWeek.week_start.in_(weeks)))
    )
    missing = [{"week_start": w, "used": 0} for w in weeks if w not in have]
    if missing:
        if conn.dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as pg_insert

            conn.execute(pg_insert(TrainingWeek).values(missing).on_conflict_do_nothing())
        else:
            conn.execute(insert(TrainingWeek), missing)
    rows = conn.execute(
        select(TrainingWeek.week_start, TrainingWeek.used)
        .where(TrainingWeek.week_start.in_(weeks))
        .order_by(TrainingWeek.week_start)
        .with_for_update()
    )
    return {d: int(u) for d, u in rows}


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
    offices = registry.list_offices(engine)
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
    result.waiting = _count_waiting(engine, campaign_id=campaign_id, regions=regions, day=day)
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
    rows = _waiting(
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
    for r in rows:
        decision, ground = decided[int(r.person_id)]
        if decision != "eligible" and int(r.id) not in overrides:
            why = selection.RELEASE_FOR[decision]
            reason = (
                f"{why}: {decision} on {day} ({ground or 'no ground'}), found when the "
                "notice was to be issued"
            )
            replacement = selection.transition(
                conn,
                callup_id=int(r.id),
                to="released",
                reason=reason,
                actor=actor,
                role=role,
                decree_version=ref,
                journal=journal,
            )
            # A no-show due a repeat notice still holds the one delivered before.
            withdraw(
                conn,
                callup_id=int(r.id),
                reason=reason,
                actor=actor,
                role=role,
                decree_version=ref,
                journal=journal,
            )
            released[why] += 1
            result.replacements += replacement is not None
            done.progressed = True
            continue
        requests.append((r, offices.serving(str(r.district))))
    capacity = {
        o.code: scheduling.Capacity(o.notices_per_day, o.receptions_per_day, o.exams_per_day)
        for o in offices.by_code.values()
    }
    last = day + timedelta(days=lead + scheduling.HORIZON_DAYS)
    booked = booked_days(conn, list(offices.by_code), day, last)
    weeks = _training(conn, day, last) if training_per_week and requests else None
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
        _book(conn, plan.office_days)
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
