"""Appeals: a rejected claim goes to the next board up, within the decree's deadline, as a
new claim one tier up; the call-up waits again while it is decided."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import Engine, insert, select

from muster.audit import service as audit
from muster.audit.schemas import Event
from muster.cases.grounds import BOARDS, OPEN_CALLUP, TOP_TIER, board_of
from muster.cases.models import Claim
from muster.cases.reading import claim_row, get_claim
from muster.cases.schemas import ClaimRead
from muster.db.clock import now
from muster.errors import MusterError
from muster.notices import service as notices
from muster.screening import service as screening
from muster.selection.models import CallUp


def appeal(
    engine: Engine, *, claim_id: int, reasons: str, actor: str, today: date, role: str = "citizen"
) -> ClaimRead:
    """Appeal a rejection to the next board up, within the decree's appeal deadline: a new
    claim one tier up, and the call-up back in claim-pending."""
    if not reasons.strip():
        raise MusterError("reasons: say why the decision is wrong")
    with engine.connect() as conn:
        old = claim_row(conn, claim_id)
    if old.status != "rejected":
        raise MusterError(f"claim {claim_id} is {old.status}; only a rejected claim is appealed")
    if old.tier >= TOP_TIER:
        raise MusterError(
            f"claim {claim_id} was decided by the {BOARDS[TOP_TIER]}; no appeal is left"
        )
    version = screening.version_ref(engine, old.decree_version)
    rules = version.campaign.claims
    last = old.decided_on + timedelta(days=rules.appeal_days)
    if today > last:
        raise MusterError(
            f"claim {claim_id}: the appeal was due by {last} ({rules.appeal_days} days)"
        )
    tier = old.tier + 1
    with engine.begin() as conn:
        state = (
            conn.scalar(select(CallUp.status).where(CallUp.id == old.call_up_id))
            if old.call_up_id is not None
            else None
        )
        if state in ("released", "enlisted"):
            raise MusterError(
                f"claim {claim_id}: the call-up is {state} now; there is nothing left to appeal"
                + (" (it was released on another ground)" if state == "released" else "")
            )
        journal: list[Event] = []
        at = now()
        key = conn.execute(
            insert(Claim).values(
                call_up_id=old.call_up_id,
                person_id=old.person_id,
                campaign_id=old.campaign_id,
                kind=old.kind,
                ground=old.ground,
                evidence=reasons.strip(),
                filed_by=old.filed_by,
                filer=old.filer,
                filed_on=today,
                filed_at=at,
                status="pending",
                tier=tier,
                board=board_of(tier, ""),
                due_on=today + timedelta(days=rules.board_days),
                missed=0,
                resume_to=old.resume_to,
                decree_version=old.decree_version,
                automatic=False,
                appeal_of=claim_id,
            )
        ).inserted_primary_key
        assert key is not None
        new_id = int(key[0])
        journal.append(
            Event(
                actor=actor,
                role=role,
                action="claim.appealed",
                subject=f"claim:{new_id}",
                after={"appeal_of": claim_id, "tier": tier},
                reason=reasons.strip(),
                decree_version=old.decree_version,
            )
        )
        if old.call_up_id is not None and state in OPEN_CALLUP and state != "claim_pending":
            notices.stop_clock(
                conn,
                callup_id=old.call_up_id,
                reason=f"appeal {new_id} of claim {claim_id}",
                actor=actor,
                role=role,
                journal=journal,
                decree_version=old.decree_version,
            )
        audit.record_many(conn, journal)
    return get_claim(engine, claim_id=new_id)
