"""Claims: filed against a call-up, verified automatically where the registry already proves
the ground, otherwise decided by a board within the decree's deadline. A pending claim stops
the clock (the call-up waits in claim-pending and cannot be enlisted); an upheld claim
releases the call-up and draws a replacement; a rejected one returns it to where it was; a
missed deadline moves the claim up a tier; a rejection can be appealed one tier up."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Connection, Engine, insert, select, update

from muster.audit import service as audit
from muster.audit.schemas import Event
from muster.cases.appeals import appeal
from muster.cases.deadlines import escalate_overdue
from muster.cases.grounds import (
    BOARDS,
    GRANTS,
    OPEN_CALLUP,
    RELEASE_AS,
    RESUME,
    TOP_TIER,
    board_of,
    check_ground,
    choices,
    grant_source,
    proven,
    version_for,
)
from muster.cases.models import Claim
from muster.cases.reading import claim_row, get_claim, letter, list_claims
from muster.cases.renewals import claim_deferral_end, renew, review
from muster.cases.schemas import ClaimCreate, ClaimRead
from muster.db.clock import now
from muster.errors import MusterError, NotFoundError
from muster.notices import service as notices
from muster.registry.models import Person
from muster.screening import service as screening
from muster.selection.models import CallUp


def file_claim(
    engine: Engine,
    *,
    national_id: str,
    kind: str,
    ground: str,
    filed_by: str,
    filer: str,
    today: date,
    actor: str,
    campaign_id: int | None = None,
    evidence: str | None = None,
    role: str = "claims_officer",
) -> ClaimRead:
    """File a claim. The person's open call-up (in the campaign, if named) goes to
    claim-pending; if the registry already proves the ground the claim is upheld at once and
    the call-up released and replaced, else it waits for the regional board until the
    decree's deadline."""
    try:
        spec = ClaimCreate(
            national_id=national_id,
            kind=kind,
            ground=ground,
            filed_by=filed_by,
            filer=filer,
            campaign_id=campaign_id,
            evidence=evidence,
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise MusterError(f"{where}: {first['msg']} (found {first.get('input')!r})") from None
    with engine.connect() as conn:
        person = conn.execute(
            select(Person.id, Person.region_code, Person.fitness).where(
                Person.national_id == spec.national_id
            )
        ).first()
        if person is None:
            raise NotFoundError(f"no person with national id {spec.national_id!r} in the registry")
        query = select(CallUp.id, CallUp.campaign_id).where(
            CallUp.person_id == person.id, CallUp.status.in_(OPEN_CALLUP)
        )
        if spec.campaign_id is not None:
            query = query.where(CallUp.campaign_id == spec.campaign_id)
        callup = conn.execute(query.order_by(CallUp.id.desc())).first()
    campaign = callup.campaign_id if callup else spec.campaign_id
    version = version_for(engine, campaign_id=campaign, day=today)
    check_ground(version, spec.kind, spec.ground)
    rules = version.campaign.claims
    with engine.begin() as conn:
        journal: list[Event] = []
        at = now()
        key = conn.execute(
            insert(Claim).values(
                call_up_id=callup.id if callup else None,
                person_id=person.id,
                campaign_id=campaign,
                kind=spec.kind,
                ground=spec.ground,
                evidence=spec.evidence,
                filed_by=spec.filed_by,
                filer=spec.filer,
                filed_on=today,
                filed_at=at,
                status="pending",
                tier=1,
                board=board_of(1, str(person.region_code)),
                due_on=today + timedelta(days=rules.board_days),
                missed=0,
                decree_version=version.ref,
                automatic=False,
            )
        ).inserted_primary_key
        assert key is not None
        claim_id = int(key[0])
        journal.append(
            Event(
                actor=actor,
                role=role,
                action="claim.filed",
                subject=f"claim:{claim_id}",
                after={
                    "kind": spec.kind,
                    "ground": spec.ground,
                    "filed_by": spec.filed_by,
                    "call_up": callup.id if callup else None,
                },
                decree_version=version.ref,
            )
        )
        if callup is not None:
            was = notices.stop_clock(
                conn,
                callup_id=int(callup.id),
                reason=f"claim {claim_id} ({spec.kind}: {spec.ground})",
                actor=actor,
                role=role,
                journal=journal,
                decree_version=version.ref,
            )
            conn.execute(
                update(Claim).where(Claim.id == claim_id).values(resume_to=RESUME.get(was, was))
            )
        decided = screening.decide_now(conn, version=version, person_ids=[person.id], as_of=today)
        proof = proven(version, spec.kind, spec.ground, decided[person.id], person.fitness)
        replacement = None
        if proof is not None:
            replacement = _settle(
                conn,
                claim_id=claim_id,
                upheld=True,
                reasons=proof[0],
                reference=proof[1],
                by="automatic verification",
                automatic=True,
                today=today,
                actor=actor,
                role=role,
                journal=journal,
            )
        audit.record_many(conn, journal)
    return get_claim(engine, claim_id=claim_id, replacement=replacement)


def _settle(
    conn: Connection,
    *,
    claim_id: int,
    upheld: bool,
    reasons: str,
    reference: str | None,
    by: str,
    automatic: bool,
    today: date,
    actor: str,
    role: str,
    journal: list[Event],
) -> int | None:
    """Decide a pending claim: upheld releases its call-up (replacement drawn) and, decided by
    a board, is granted (later screens of the decree honour it); rejected returns the call-up
    to where it was. The replacement's call-up id."""
    claim = claim_row(conn, claim_id)
    if claim.status != "pending":
        raise MusterError(
            f"claim {claim_id} is already {claim.status}; only a pending claim is decided"
        )
    status = "upheld" if upheld else "rejected"
    until = (
        claim_deferral_end(
            conn,
            version=screening.version_ref(conn.engine, claim.decree_version),
            person_id=claim.person_id,
            ground=claim.ground,
            day=today,
        )
        if upheld and claim.kind == "deferral"
        else None
    )
    conn.execute(
        update(Claim)
        .where(Claim.id == claim_id)
        .values(
            status=status,
            decided_on=today,
            decided_by=by,
            reasons=reasons,
            reference=reference,
            automatic=automatic,
            deferred_until=until,
        )
    )
    if upheld and not automatic:  # what the registry proved, the registry goes on deciding
        screening.grant(
            conn,
            decree_id=claim.decree_version.partition("@")[0],
            person_id=claim.person_id,
            decision=GRANTS[claim.kind],
            ground=claim.ground,
            until=until,
            granted_on=today,
            source=grant_source(claim_id),
        )
    journal.append(
        Event(
            actor=actor,
            role=role,
            action=f"claim.{status}",
            subject=f"claim:{claim_id}",
            before={"status": "pending", "tier": claim.tier},
            after={"status": status, "board": by, "automatic": automatic},
            reason=reasons,
            decree_version=claim.decree_version,
        )
    )
    if claim.call_up_id is None:
        return None
    state = conn.scalar(select(CallUp.status).where(CallUp.id == claim.call_up_id))
    if state != "claim_pending":
        return None
    others = [
        int(i)
        for i in conn.scalars(
            select(Claim.id).where(
                Claim.call_up_id == claim.call_up_id,
                Claim.status == "pending",
                Claim.id != claim_id,
            )
        )
    ]
    if upheld:
        _close(conn, others, upheld=claim_id, today=today, actor=actor, role=role, journal=journal)
        return notices.move_within(
            conn,
            callup_id=claim.call_up_id,
            to="released",
            reason=f"{RELEASE_AS[claim.kind]}: claim {claim_id} upheld by {by}: {reasons}",
            actor=actor,
            role=role,
            journal=journal,
            decree_version=claim.decree_version,
        )
    if others:
        return None  # another claim on the call-up is still pending: the clock stays stopped
    notices.move_within(
        conn,
        callup_id=claim.call_up_id,
        to=claim.resume_to or "notified",
        reason=f"claim {claim_id} rejected by {by}",
        actor=actor,
        role=role,
        journal=journal,
        decree_version=claim.decree_version,
    )
    return None


def _close(
    conn: Connection,
    ids: list[int],
    *,
    upheld: int,
    today: date,
    actor: str,
    role: str,
    journal: list[Event],
) -> None:
    """Claims left pending on a call-up another claim released: nothing left to decide."""
    if not ids:
        return
    why = f"closed: the call-up was released when claim {upheld} was upheld"
    conn.execute(
        update(Claim)
        .where(Claim.id.in_(ids))
        .values(status="closed", decided_on=today, decided_by="—", reasons=why)
    )
    journal.extend(
        Event(
            actor=actor,
            role=role,
            action="claim.closed",
            subject=f"claim:{i}",
            before={"status": "pending"},
            after={"status": "closed"},
            reason=why,
        )
        for i in ids
    )


def decide(
    engine: Engine,
    *,
    claim_id: int,
    upheld: bool,
    reasons: str,
    board: str,
    actor: str,
    today: date,
    reference: str | None = None,
    role: str = "board",
) -> ClaimRead:
    """A board's decision with its written reasons (required)."""
    if not reasons.strip():
        raise MusterError("reasons: a decision needs written reasons the person can read")
    with engine.connect() as conn:
        claim = claim_row(conn, claim_id)
    reference = reference or _reference(engine, claim)
    with engine.begin() as conn:
        journal: list[Event] = []
        claim_row(conn, claim_id, lock=True)
        replacement = _settle(
            conn,
            claim_id=claim_id,
            upheld=upheld,
            reasons=reasons.strip(),
            reference=reference,
            by=board,
            automatic=False,
            today=today,
            actor=actor,
            role=role,
            journal=journal,
        )
        audit.record_many(conn, journal)
    return get_claim(engine, claim_id=claim_id, replacement=replacement)


def _reference(engine: Engine, claim: Any) -> str:
    """The legal reference of the claim's ground, else the decree's legal source."""
    version = screening.version_ref(engine, claim.decree_version)
    for rule in version.rules:
        if rule.id == claim.ground:
            return rule.reference
    return version.legal_source


__all__ = [
    "BOARDS",
    "OPEN_CALLUP",
    "TOP_TIER",
    "appeal",
    "board_of",
    "choices",
    "decide",
    "escalate_overdue",
    "file_claim",
    "get_claim",
    "letter",
    "list_claims",
    "renew",
    "review",
    "version_for",
]
