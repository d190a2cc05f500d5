"""A person's status composed from the domains: decision, call-ups, notices, claims, and the
deadlines that follow from them, in words a citizen reads the same way an officer does."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import Connection, Engine, select

from muster.cases import service as cases
from muster.db.engine import connected
from muster.errors import MusterError, NotFoundError
from muster.notices import service as notices
from muster.registry import reading
from muster.registry.models import Person
from muster.screening import service as screening
from muster.selection import service as selection
from muster.web.schemas import Deadline, PersonStatus

OPEN = {"selected", "notified", "reported", "examined", "no_show"}


# What a status shows of the person and what their decision needs: read once.
_FIELDS = tuple(dict.fromkeys(("given_name", "family_name", *screening.COLUMNS)))


def person_region(engine: Engine, national_id: str) -> str:
    """The person's region, or a clear error if the id is not in the registry."""
    with engine.connect() as conn:
        region = conn.scalar(select(Person.region_code).where(Person.national_id == national_id))
    if region is None:
        raise NotFoundError(f"no person with national id {national_id!r} in the registry")
    return str(region)


def person_status(engine: Engine | Connection, *, national_id: str, today: date) -> PersonStatus:
    # One connection for every read: a single pool checkout, not one each.
    with connected(engine) as conn:
        person = reading.person_record(conn, national_id=national_id, columns=_FIELDS)
        if person is None:
            raise NotFoundError(f"no person with national id {national_id!r} in the registry")
        try:
            decree = screening.stored_decree(conn)
            explanation = screening.explain_record(conn, person, decree=decree, as_of=today)
        except MusterError:
            explanation = None
        callups = selection.list_callups(conn, national_id=national_id)
        sent = notices.list_notices(conn, national_id=national_id)
        claims = cases.list_claims(conn, national_id=national_id)
        appeal_days = {
            c.decree_version: screening.version_ref(
                conn, c.decree_version
            ).campaign.claims.appeal_days
            for c in claims
            if c.status == "rejected" and c.decided_on and c.tier < cases.TOP_TIER
        }
    latest = callups[-1] if callups else None
    reason: str | None = None
    if latest is None:
        headline = "not_called"
        summary = "You have not been called up."
        if explanation is not None:
            reason = f"Your decision under {explanation.decree} is {explanation.decision}."
    elif latest.status == "claim_pending":
        headline = "claim_pending"
        summary = "You have been called up. Your claim is being decided; the call-up is on hold."
    elif latest.status in OPEN:
        headline = "called_up"
        summary = "You have been called up."
    elif latest.status == "enlisted":
        headline = "enlisted"
        summary = "You have been enlisted."
    else:
        headline = "released"
        summary = "You have been released from the call-up."
        reason = latest.reason
    deadlines: list[Deadline] = []
    for n in sent:
        if n.status in {"issued", "delivered"} and n.report_on >= today:
            deadlines.append(Deadline(on=n.report_on, what=f"Report as notice {n.number} says"))
    for c in claims:
        if c.status == "pending":
            deadlines.append(Deadline(on=c.due_on, what=f"The {c.board} decides claim {c.id}"))
        elif c.status == "rejected" and c.decided_on and c.tier < cases.TOP_TIER:
            by = c.decided_on + timedelta(days=appeal_days[c.decree_version])
            if by >= today:
                deadlines.append(Deadline(on=by, what=f"Last day to appeal claim {c.id}"))
    return PersonStatus(
        national_id=national_id,
        name=f"{person['given_name']} {person['family_name']}",
        region=person["region_code"],
        headline=headline,
        summary=summary,
        reason=reason,
        explanation=explanation,
        callups=callups,
        notices=sent,
        claims=claims,
        deadlines=sorted(deadlines, key=lambda d: d.on),
    )
