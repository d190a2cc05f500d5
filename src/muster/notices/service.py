"""Notices: issue them (``issuing.py``), follow them up (``casework.py``), read, verify and
show the office backlog (here). Other domains and the command line use this module.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, delete, func, select

from muster.db.engine import connected
from muster.db.statements import Filtered
from muster.errors import MusterError, NotFoundError
from muster.notices import codes
from muster.notices.booking import booked_days, offices_of
from muster.notices.casework import (
    deliver,
    move,
    move_within,
    no_shows,
    release_within,
    report,
    stop_clock,
    version_of,
)
from muster.notices.issuing import issue
from muster.notices.keys import ensure_key, rotate_key, signing_keys
from muster.notices.medical import examine
from muster.notices.models import (
    CaseNote,
    DeliveryAttempt,
    Examination,
    Notice,
    OfficeDay,
    TrainingWeek,
)
from muster.notices.schemas import (
    BacklogRow,
    NoticeDocument,
    NoticeRead,
    VerifyResult,
)
from muster.notices.waiting import waiting_count
from muster.registry import service as registry
from muster.registry.models import Office, Person, Region
from muster.selection.models import CallUp

PUBLIC_URL = "http://127.0.0.1:8000"


# --- reading ----------------------------------------------------------------------------


def _read(n: Any, national_id: str) -> NoticeRead:
    return NoticeRead(
        number=n.number,
        call_up=n.call_up_id,
        campaign=n.campaign_id,
        national_id=national_id,
        region=n.region_code,
        office=n.office_code,
        kind=n.kind,
        status=n.status,
        issued_on=n.issued_on,
        report_on=n.report_on,
        code=n.code,
        decree_version=n.decree_version,
        override_reason=n.override_reason,
        delivered_at=n.delivered_at,
    )


_NOTICES = Filtered(
    select(Notice, Person.national_id)
    .join(Person, Person.id == Notice.person_id)
    .order_by(Notice.number),
    campaign_id=Notice.campaign_id == bindparam("campaign_id"),
    call_up=Notice.call_up_id == bindparam("call_up"),
    office=Notice.office_code == bindparam("office"),
    status=Notice.status == bindparam("status"),
    national_id=Person.national_id == bindparam("national_id"),
)


def list_notices(
    engine: Engine | Connection,
    *,
    campaign_id: int | None = None,
    call_up: int | None = None,
    office: str | None = None,
    status: str | None = None,
    national_id: str | None = None,
    limit: int | None = None,
) -> list[NoticeRead]:
    query, params = _NOTICES(
        campaign_id=campaign_id,
        call_up=call_up,
        office=office,
        status=status,
        national_id=national_id,
        limit=limit,
    )
    with connected(engine) as conn:
        return [_read(n, n.national_id) for n in conn.execute(query, params)]


def get_notice(engine: Engine, *, number: int) -> NoticeRead:
    found = list_notices_by_number(engine, [number])
    if not found:
        raise NotFoundError(f"no notice number {number}")
    return found[0]


def list_notices_by_number(engine: Engine, numbers: list[int]) -> list[NoticeRead]:
    query = (
        select(Notice, Person.national_id)
        .join(Person, Person.id == Notice.person_id)
        .where(Notice.number.in_(numbers))
        .order_by(Notice.number)
    )
    with engine.connect() as conn:
        return [_read(n, n.national_id) for n in conn.execute(query)]


def document(engine: Engine, *, number: int, public_url: str = PUBLIC_URL) -> NoticeDocument:
    """Everything printed on a notice."""
    with engine.connect() as conn:
        row = conn.execute(
            select(
                Notice,
                Person.national_id,
                Person.family_name,
                Person.given_name,
                Person.address.label("person_address"),
                Office.name.label("office_name"),
                Office.address.label("office_address"),
                Region.name.label("region_name"),
            )
            .join(Person, Person.id == Notice.person_id)
            .join(Office, Office.code == Notice.office_code)
            .join(Region, Region.code == Notice.region_code)
            .where(Notice.number == number)
        ).first()
    if row is None:
        raise NotFoundError(f"no notice number {number}")
    n = row
    version = version_of(engine, n.decree_version, n.issued_on)
    days = version.campaign.notices.claim_within_days
    return NoticeDocument(
        number=n.number,
        kind=n.kind,
        code=n.code,
        verify_url=f"{public_url.rstrip('/')}/verify/{n.code}",
        issued_on=n.issued_on,
        report_on=n.report_on,
        office_code=n.office_code,
        office_name=n.office_name,
        office_address=n.office_address,
        region_name=str(n.region_name),
        national_id=n.national_id,
        family_name=n.family_name,
        given_name=n.given_name,
        address=n.person_address,
        decree_id=version.decree,
        decree_title=version.title,
        decree_version=version.number,
        legal_source=version.legal_source,
        campaign_id=n.campaign_id,
        claim_within_days=days,
        claim_deadline=n.issued_on + timedelta(days=days),
    )


def verify(
    engine: Engine,
    code: str,
    *,
    national_id: str | None = None,
    report_on: date | None = None,
    issued_on: date | None = None,
    office: str | None = None,
    number: int | None = None,
) -> VerifyResult:
    """Check a code: forged (not ours, or not matching its notice), withdrawn, or genuine
    with what it vouches for. Fields read from a document, when given, must be the signed
    ones; any that differ make the document ``altered``."""
    try:
        decoded = codes.decode(code)
    except MusterError as exc:
        return VerifyResult(code=code, verdict="forged", message=f"not a notice code: {exc}")
    with engine.connect() as conn:
        keys = signing_keys(conn)
        row = conn.execute(
            select(Notice, Person.national_id, Office.name.label("office_name"))
            .join(Person, Person.id == Notice.person_id)
            .join(Office, Office.code == Notice.office_code)
            .where(Notice.number == decoded.number)
        ).first()
    forged = VerifyResult(
        code=code, verdict="forged", message="no notice was issued with this code"
    )
    if row is None or decoded.key_id not in keys:
        return forged
    n = row
    signed = codes.Signed(
        number=n.number,
        national_id=row.national_id,
        issued_on=n.issued_on,
        report_on=n.report_on,
        office_code=n.office_code,
        campaign_id=n.campaign_id,
        decree_version=n.decree_version,
        kind=n.kind,
    )
    if not codes.matches(keys[decoded.key_id], decoded, signed) or n.code != codes.encode(
        key_id=decoded.key_id, key=keys[decoded.key_id], signed=signed
    ):
        return forged
    facts = {
        "number": n.number,
        "issued_on": n.issued_on,
        "report_on": n.report_on,
        "office": n.office_code,
        "office_name": str(row.office_name),
        "masked_national_id": codes.mask(row.national_id),
    }
    claimed = {
        "national id": (national_id, row.national_id),
        "report date": (report_on, n.report_on),
        "issue date": (issued_on, n.issued_on),
        "office": (office, n.office_code),
        "notice number": (number, n.number),
    }
    mismatches = [
        f"{name}: the document says {got}, the notice says "
        f"{codes.mask(want) if name == 'national id' else want}"
        for name, (got, want) in claimed.items()
        if got is not None and got != want
    ]
    if mismatches:
        return VerifyResult(
            code=code,
            verdict="altered",
            mismatches=mismatches,
            **facts,
            message="the code is genuine but the document does not match it: "
            + "; ".join(mismatches),
        )
    if n.status == "withdrawn":
        return VerifyResult(
            code=code,
            verdict="withdrawn",
            **facts,
            message=f"notice {n.number} was withdrawn: {n.withdrawn_reason}; do not report",
        )
    return VerifyResult(
        code=code,
        verdict="genuine",
        **facts,
        message=f"genuine notice {n.number}: report on {n.report_on} at {row.office_name}",
    )


def backlog(engine: Engine, *, campaign_id: int, day: date) -> list[BacklogRow]:
    """Per office: call-ups waiting for a notice, notices out and delivered, today's notice
    load, the next report day with room, receptions booked from the day on."""
    offices = registry.list_offices(engine)
    has = select(Notice.call_up_id).where(Notice.campaign_id == campaign_id)
    with engine.connect() as conn:
        waiting: Counter[str] = Counter()
        regions = {r: offices_of(r, offices) for r in {o.region for o in offices}}
        for region, district, n in conn.execute(
            select(CallUp.region_code, Person.district, func.count())
            .join(CallUp, CallUp.person_id == Person.id)
            .where(
                CallUp.campaign_id == campaign_id,
                CallUp.status == "selected",
                CallUp.id.not_in(has),
            )
            .group_by(CallUp.region_code, Person.district)
        ):
            mine = regions.get(str(region))
            if mine is not None:
                waiting[mine.serving(str(district))] += int(n)
        states: dict[tuple[str, str], int] = {
            (str(o), str(s)): int(c)
            for o, s, c in conn.execute(
                select(Notice.office_code, Notice.status, func.count())
                .where(Notice.campaign_id == campaign_id)
                .group_by(Notice.office_code, Notice.status)
            )
        }
        booked = booked_days(conn, [o.code for o in offices], day, day + timedelta(days=400))
    rows = []
    for o in offices:
        free = None
        d = day
        for _ in range(400):
            if (
                booked.get((o.code, d, "receptions"), 0) < o.receptions_per_day
                and booked.get((o.code, d, "exams"), 0) < o.exams_per_day
            ):
                free = d
                break
            d += timedelta(days=1)
        rows.append(
            BacklogRow(
                office=o.code,
                region=o.region,
                waiting=waiting[o.code],
                issued=states.get((o.code, "issued"), 0),
                delivered=states.get((o.code, "delivered"), 0),
                notices_today=booked.get((o.code, day, "notices"), 0),
                notices_per_day=o.notices_per_day,
                next_free_report_day=free,
                receptions_booked=sum(
                    v for (c, _, k), v in booked.items() if c == o.code and k == "receptions"
                ),
                receptions_per_day=o.receptions_per_day,
            )
        )
    return rows


def forget(engine: Engine) -> None:
    """Drop every notice with its attempts, bookings, notes and examinations (before the
    campaigns they belong to are dropped)."""
    with engine.begin() as conn:
        for model in (Examination, CaseNote, DeliveryAttempt, Notice, OfficeDay, TrainingWeek):
            conn.execute(delete(model))


__all__ = [
    "backlog",
    "deliver",
    "document",
    "ensure_key",
    "examine",
    "forget",
    "get_notice",
    "issue",
    "list_notices",
    "move",
    "move_within",
    "no_shows",
    "release_within",
    "report",
    "rotate_key",
    "stop_clock",
    "verify",
    "waiting_count",
]
