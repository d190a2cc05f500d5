"""After a notice is issued: delivery by recorded attempts, reporting, no-shows (a repeat
notice and a case note, nothing else), the medical board, and releases that withdraw notices."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Engine, func, insert, select, update

from muster.audit import service as audit
from muster.audit.schemas import Event
from muster.db.clock import now
from muster.errors import MusterError, NotFoundError
from muster.notices.issuing import withdraw, withdraw_many
from muster.notices.models import (
    CaseNote,
    DeliveryAttempt,
    Notice,
)
from muster.notices.schemas import (
    DeliveryRead,
)
from muster.policy.versions import Version
from muster.quotas import service as quotas
from muster.screening import service as screening
from muster.selection import service as selection
from muster.selection.models import CallUp
from muster.selection.schemas import CallUpRead
from muster.vocabulary import DELIVERY_OUTCOMES

# --- after issue: delivery, reporting, no-shows, the medical board ------------------------


def _notice(conn: Connection, number: int) -> Any:
    row = conn.execute(select(Notice).where(Notice.number == number)).first()
    if row is None:
        raise NotFoundError(f"no notice number {number}")
    return row


def version_of(engine: Engine, ref: str, day: date) -> Version:
    decree_id = ref.split("@", 1)[0]
    return screening.stored_decree(engine, decree_id).in_force(day)


def deliver(
    engine: Engine,
    *,
    number: int,
    channel: str,
    outcome: str,
    actor: str,
    role: str = "regional_officer",
    at: datetime | None = None,
    note: str | None = None,
) -> DeliveryRead:
    """Record one delivery attempt. The notice counts as delivered, and the call-up becomes
    notified, only when the decree in force says this channel's outcome counts; a call-up
    whose claim is pending stays so."""
    if channel not in DELIVERY_OUTCOMES:
        raise MusterError(
            f"channel: {channel!r} is not a delivery channel "
            f"(expected {', '.join(DELIVERY_OUTCOMES)})"
        )
    if outcome not in DELIVERY_OUTCOMES[channel]:
        raise MusterError(
            f"outcome: {outcome!r} is not an outcome of {channel} "
            f"(expected {', '.join(DELIVERY_OUTCOMES[channel])})"
        )
    at = at or now()
    with engine.connect() as conn:
        head = _notice(conn, number)
    rules = version_of(engine, head.decree_version, at.date()).campaign.notices
    counts = (channel, outcome) in rules.delivered_when
    with engine.begin() as conn:
        journal: list[Event] = []
        quotas.lock_region(conn, campaign_id=head.campaign_id, region=head.region_code)
        n = _notice(conn, number)
        if n.status == "withdrawn":
            raise MusterError(
                f"notice {number} was withdrawn ({n.withdrawn_reason}); it is not to be delivered"
            )
        conn.execute(
            insert(DeliveryAttempt).values(
                notice_number=number,
                channel=channel,
                outcome=outcome,
                counts=counts,
                attempted_at=at,
                note=note,
                actor=actor,
            )
        )
        journal.append(
            Event(
                actor=actor,
                role=role,
                action="notice.delivery_attempted",
                subject=f"call_up:{n.call_up_id}",
                after={
                    "notice": number,
                    "channel": channel,
                    "outcome": outcome,
                    "counts_as_delivered": counts,
                },
                reason=note,
                decree_version=n.decree_version,
            )
        )
        waiting = conn.scalar(select(CallUp.status).where(CallUp.id == n.call_up_id))
        if counts and n.status == "issued":
            conn.execute(
                update(Notice)
                .where(Notice.number == number)
                .values(status="delivered", delivered_at=at)
            )
        # Only a call-up waiting for its notice becomes notified: a delivery never ends a
        # pending claim (the claim stops the clock until it is decided).
        if counts and n.status == "issued" and waiting in ("selected", "no_show"):
            selection.transition(
                conn,
                callup_id=n.call_up_id,
                to="notified",
                reason=f"notice {number}: {channel} {outcome.replace('_', ' ')}",
                actor=actor,
                role=role,
                decree_version=n.decree_version,
                journal=journal,
            )
        audit.record_many(conn, journal)
        state = conn.scalar(select(CallUp.status).where(CallUp.id == n.call_up_id))
    return DeliveryRead(
        notice=number,
        channel=channel,
        outcome=outcome,
        attempted_at=at,
        counts_as_delivered=counts,
        call_up_status=str(state),
    )


def move(
    engine: Engine,
    *,
    callup_id: int,
    to: str,
    reason: str | None = None,
    actor: str,
    role: str = "regional_officer",
) -> CallUpRead:
    """A lifecycle move that also keeps the notices true: a release withdraws the call-up's
    notices not yet answered, so the public check says "withdrawn"."""
    with engine.begin() as conn:
        journal: list[Event] = []
        move_within(
            conn, callup_id=callup_id, to=to, reason=reason, actor=actor, role=role, journal=journal
        )
        audit.record_many(conn, journal)
    return selection.get_callup(engine, callup_id=callup_id)


def move_within(
    conn: Connection,
    *,
    callup_id: int,
    to: str,
    reason: str | None,
    actor: str,
    role: str,
    journal: list[Event],
    decree_version: str | None = None,
) -> int | None:
    """``move`` inside the caller's transaction, which records ``journal`` last: the
    replacement's call-up id when a release draws one (``release_within``)."""
    if to == "released":
        return release_within(
            conn,
            releases=[(callup_id, reason or "")],
            actor=actor,
            role=role,
            journal=journal,
            decree_version=decree_version,
        )[callup_id]
    return selection.transition(
        conn,
        callup_id=callup_id,
        to=to,
        reason=reason,
        actor=actor,
        role=role,
        decree_version=decree_version,
        journal=journal,
    )


def release_within(
    conn: Connection,
    *,
    releases: Sequence[tuple[int, str]],
    actor: str,
    role: str,
    journal: list[Event],
    decree_version: str | None = None,
) -> dict[int, int | None]:
    """Release many call-ups inside the caller's transaction, which records ``journal``
    last (``selection.release_many``: a few statements however many), and withdraw their
    notices not yet answered: each call-up's replacement, or None."""
    replaced = selection.release_many(
        conn,
        releases=releases,
        actor=actor,
        role=role,
        decree_version=decree_version,
        journal=journal,
    )
    withdraw_many(
        conn,
        reasons=dict(releases),
        actor=actor,
        role=role,
        decree_version=decree_version,
        journal=journal,
    )
    return replaced


def stop_clock(
    conn: Connection,
    *,
    callup_id: int,
    reason: str,
    actor: str,
    role: str,
    journal: list[Event],
    decree_version: str | None = None,
) -> str:
    """A claim stops the clock: the call-up waits in claim-pending and its notices not yet
    answered are withdrawn, so their report day no longer applies (if the claim is rejected
    the next batch serves a fresh notice). The state the call-up was in."""
    was = conn.scalar(select(CallUp.status).where(CallUp.id == callup_id))
    if was is None:
        raise NotFoundError(f"no call-up {callup_id}")
    move_within(
        conn,
        callup_id=callup_id,
        to="claim_pending",
        reason=reason,
        actor=actor,
        role=role,
        journal=journal,
        decree_version=decree_version,
    )
    withdraw(
        conn,
        callup_id=callup_id,
        reason=f"claim pending: {reason}",
        actor=actor,
        role=role,
        decree_version=decree_version,
        journal=journal,
    )
    return str(was)


def report(
    engine: Engine, *, callup_id: int, actor: str, role: str = "regional_officer"
) -> CallUpRead:
    """The person came to the office."""
    return move(
        engine,
        callup_id=callup_id,
        to="reported",
        reason="reported at the office",
        actor=actor,
        role=role,
    )


def no_shows(
    engine: Engine, *, campaign_id: int, day: date, actor: str, role: str = "regional_officer"
) -> list[int]:
    """Every notified call-up whose report day has passed without reporting becomes a
    no-show with a case note; the next ``issue`` serves a lawful repeat notice. Nothing else
    follows from a no-show. The call-up ids."""
    last = (
        select(Notice.call_up_id, func.max(Notice.report_on).label("report_on"))
        .where(Notice.campaign_id == campaign_id, Notice.status == "delivered")
        .group_by(Notice.call_up_id)
        .subquery()
    )
    with engine.connect() as conn:
        ids = [
            int(i)
            for i in conn.scalars(
                select(CallUp.id)
                .join(last, last.c.call_up_id == CallUp.id)
                .where(CallUp.status == "notified", last.c.report_on < day)
                .order_by(CallUp.id)
            )
        ]
    for callup in ids:
        with engine.begin() as conn:
            journal: list[Event] = []
            selection.transition(
                conn,
                callup_id=callup,
                to="no_show",
                reason=f"did not report by {day}",
                actor=actor,
                role=role,
                journal=journal,
            )
            conn.execute(
                insert(CaseNote).values(
                    call_up_id=callup,
                    at=now(),
                    actor=actor,
                    text=f"Did not report by {day}. A repeat notice is due; no other measure "
                    "applies.",
                )
            )
            audit.record_many(conn, journal)
    return ids
