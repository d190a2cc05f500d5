"""Deferrals that reach their end date (issue 6): each is decided again under the decree
version in force on the day. If a deferral ground still holds — a study that goes on with a
new end, a temporary unfitness extended by the medical board — the deferral renews with its
new end (``deferral.renewed``); otherwise it expires (``deferral.expired``) and the person's
decision is what the decree now says, so someone eligible is back in the pool at once.

Two kinds of deferral end on a date: a person's screened decision (``deferred`` with an end
date) and an upheld deferral claim (its ``deferred_until``). A claim renews only while the
ground it was granted on still holds on the registry; a board's word, once its end has
passed, does not outlive the evidence.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any, NoReturn

from sqlalchemy import Connection, Engine, select, update

from muster.audit import service as audit
from muster.audit.schemas import Event
from muster.cases.grounds import grant_source
from muster.cases.models import Claim
from muster.cases.renewals_schemas import DeferralEnd, RenewalResult
from muster.errors import MusterError, NotFoundError
from muster.policy.versions import Version
from muster.registry.models import Person
from muster.screening import service as screening
from muster.screening.models import Decision, DecreeRecord


def claim_deferral_end(
    conn: Connection, *, version: Version, person_id: int, ground: str, day: date
) -> date | None:
    """The end of a deferral granted on ``ground`` on ``day``: the rule's own end for this
    person (e.g. the end of their studies, or the review date). None: until reviewed."""
    explained = screening.explain_now(conn, version=version, person_id=person_id, as_of=day)
    rule = next((r for r in explained.rules if r.id == ground), None) if explained else None
    return rule.until if rule else None


def renew(
    engine: Engine,
    *,
    as_of: date,
    actor: str,
    decree_id: str | None = None,
    role: str = "headquarters",
) -> RenewalResult:
    """Renew or expire every deferral whose end date is on or before ``as_of``, for every
    stored decree in force that day (or the one named), in one transaction."""
    with engine.connect() as conn:
        known = [str(r[0]) for r in conn.execute(select(DecreeRecord.id).order_by(DecreeRecord.id))]
    if decree_id is not None and decree_id not in known:
        raise MusterError(f"no decree {decree_id!r} is loaded; see `muster decree list`")
    versions: dict[str, Version] = {}
    for d in [decree_id] if decree_id else known:
        decree = screening.stored_decree(engine, d)
        if decree.versions[0].effective_from <= as_of:
            versions[d] = decree.in_force(as_of)
    ended: list[DeferralEnd] = []
    with engine.begin() as conn:
        journal: list[Event] = []
        for d, version in versions.items():
            ended += _decisions(conn, decree_id=d, version=version, as_of=as_of)
        ended += _claims(conn, versions=versions, as_of=as_of)
        for e in ended:
            journal.append(
                Event(
                    actor=actor,
                    role=role,
                    action=f"deferral.{e.outcome}",
                    subject=f"claim:{e.claim}" if e.claim else f"person:{e.national_id}",
                    before={
                        "decision": "deferred",
                        "ground": e.ground_before,
                        "until": e.until_before,
                    },
                    after={"decision": e.decision, "ground": e.ground, "until": e.until},
                    reason=_reason(e, as_of),
                    decree_version=e.decree,
                )
            )
        audit.record_many(conn, journal)
    counts = Counter(
        e.outcome if e.outcome == "renewed" else f"expired → {e.decision}" for e in ended
    )
    return RenewalResult(
        as_of=as_of,
        versions=[v.ref for v in versions.values()],
        checked=len(ended),
        renewed=sum(1 for e in ended if e.outcome == "renewed"),
        expired=sum(1 for e in ended if e.outcome == "expired"),
        by_outcome=dict(counts.most_common()),
        deferrals=ended,
    )


def _reason(e: DeferralEnd, as_of: date) -> str:
    was = f"deferral on {e.ground_before} ended {e.until_before}"
    if e.outcome == "renewed":
        end = e.until.isoformat() if e.until else "review"
        return f"{was}; {e.ground} still holds as of {as_of}: deferred until {end}"
    return f"{was}; no deferral ground holds as of {as_of}: {e.decision}"


def _national_ids(conn: Connection, person_ids: list[int]) -> dict[int, str]:
    found: dict[int, str] = {}
    for start in range(0, len(person_ids), 1_000):
        part = person_ids[start : start + 1_000]
        found.update(
            (int(i), str(n))
            for i, n in conn.execute(
                select(Person.id, Person.national_id).where(Person.id.in_(part))
            )
        )
    return found


def _decisions(
    conn: Connection, *, decree_id: str, version: Version, as_of: date
) -> list[DeferralEnd]:
    """Screened decisions deferred until a day that has come, decided again and stored."""
    due = [
        int(r[0])
        for r in conn.execute(
            select(Decision.person_id).where(
                Decision.decree_id == decree_id,
                Decision.until.is_not(None),
                Decision.until <= as_of,
                Decision.decision == "deferred",
            )
        )
    ]
    decided = screening.redecide(
        conn, decree_id=decree_id, version=version, person_ids=due, as_of=as_of
    )
    names = _national_ids(conn, decided["person_id"].to_list())
    return [
        DeferralEnd(
            national_id=names[r["person_id"]],
            decree=version.ref,
            claim=None,
            outcome="renewed" if r["decision"] == "deferred" else "expired",
            ground_before=r["was_ground"],
            until_before=r["was_until"],
            decision=r["decision"],
            ground=r["ground"],
            until=r["until"],
        )
        for r in decided.iter_rows(named=True)
    ]


def _claim_rows(conn: Connection, *conditions: Any) -> list[Any]:
    return list(
        conn.execute(
            select(
                Claim.id,
                Claim.person_id,
                Claim.ground,
                Claim.deferred_until,
                Claim.decree_version,
                Person.national_id,
            )
            .join(Person, Person.id == Claim.person_id)
            .where(
                Claim.kind == "deferral",
                Claim.status == "upheld",
                Claim.deferral_ended_on.is_(None),
                *conditions,
            )
            .order_by(Claim.id)
        ).all()
    )


def _claims(conn: Connection, *, versions: dict[str, Version], as_of: date) -> list[DeferralEnd]:
    """Upheld deferral claims whose end has come: renewed while their ground still holds."""
    rows = _claim_rows(conn, Claim.deferred_until.is_not(None), Claim.deferred_until <= as_of)
    ended = []
    for r in rows:
        version = versions.get(str(r.decree_version).partition("@")[0])
        if version is not None:
            ended.append(_decide_claim(conn, r, version=version, as_of=as_of))
    return ended


def _decide_claim(conn: Connection, r: Any, *, version: Version, as_of: date) -> DeferralEnd:
    """An upheld deferral claim decided again on ``as_of``: kept (with the rule's end for the
    person now, None: until reviewed) while its ground holds, else ended."""
    explained = screening.explain_now(
        conn, version=version, person_id=int(r.person_id), as_of=as_of
    )
    rule = next((x for x in explained.rules if x.id == r.ground), None) if explained else None
    holds = rule is not None and rule.applies
    until = rule.until if holds and rule is not None else None
    values = {"deferred_until": until} if holds else {"deferral_ended_on": as_of}
    conn.execute(update(Claim).where(Claim.id == r.id).values(**values))
    if holds:
        screening.renew_grant(conn, source=grant_source(int(r.id)), until=until)
    else:  # the decision without this deferral (a grant held until reviewed was in force)
        screening.end_grants(conn, source=grant_source(int(r.id)), on=as_of)
        explained = screening.explain_now(
            conn, version=version, person_id=int(r.person_id), as_of=as_of
        )
    return DeferralEnd(
        national_id=str(r.national_id),
        decree=version.ref,
        claim=int(r.id),
        outcome="renewed" if holds else "expired",
        ground_before=str(r.ground),
        until_before=r.deferred_until,
        decision="deferred" if holds else (explained.decision if explained else "ineligible"),
        ground=str(r.ground)
        if holds
        else (explained.decisive.id if explained and explained.decisive else None),
        until=until,
    )


def review(
    engine: Engine, *, claim_id: int, as_of: date, actor: str, role: str = "appeals_board"
) -> DeferralEnd:
    """A board's review of a deferral it granted (one held "until reviewed", or one reviewed
    before its end): the person decided again on ``as_of`` under the decree version in force
    that day. While the ground still holds the deferral stays, with the end the rule now gives
    (or again until reviewed); otherwise it ends that day and the person's decision is what
    the decree says, so someone eligible is back in the pool at once."""
    with engine.begin() as conn:
        found = _claim_rows(conn, Claim.id == claim_id)
        if not found:
            _refuse_review(conn, claim_id)
        row = found[0]
        decree = screening.stored_decree(conn, str(row.decree_version).partition("@")[0])
        ended = _decide_claim(conn, row, version=decree.in_force(as_of), as_of=as_of)
        was = f"until {ended.until_before}" if ended.until_before else "until reviewed"
        now_ = (
            f"{ended.ground} still holds: deferred "
            + (f"until {ended.until}" if ended.until else "until reviewed")
            if ended.outcome == "renewed"
            else f"no deferral ground holds: {ended.decision}"
        )
        audit.record(
            conn,
            Event(
                actor=actor,
                role=role,
                action=f"deferral.{ended.outcome}",
                subject=f"claim:{claim_id}",
                before={"decision": "deferred", "ground": ended.ground_before, "until": was},
                after={"decision": ended.decision, "ground": ended.ground, "until": ended.until},
                reason=f"reviewed on {as_of}: deferral on {ended.ground_before} {was}; {now_}",
                decree_version=ended.decree,
            ),
        )
    return ended


def _refuse_review(conn: Connection, claim_id: int) -> NoReturn:
    """Why claim ``claim_id`` is not an upheld deferral in force, as an error."""
    claim = conn.execute(
        select(Claim.kind, Claim.status, Claim.deferral_ended_on).where(Claim.id == claim_id)
    ).first()
    if claim is None:
        raise NotFoundError(f"no claim {claim_id}; see `muster claims list`")
    if claim.deferral_ended_on is not None:
        raise MusterError(f"claim {claim_id}'s deferral already ended on {claim.deferral_ended_on}")
    raise MusterError(
        f"claim {claim_id} is a {claim.status} {claim.kind} claim: only an upheld deferral is "
        "reviewed"
    )
