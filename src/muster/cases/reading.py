"""Reading claims, and each decision as a letter."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Engine, bindparam, select

from muster.cases import letters
from muster.cases.grounds import TOP_TIER, board_of
from muster.cases.models import Claim
from muster.cases.schemas import ClaimRead
from muster.db.engine import connected
from muster.db.statements import Filtered
from muster.errors import NotFoundError
from muster.registry.models import Person
from muster.screening import service as screening
from muster.selection.models import CallUp

_CLAIMS = Filtered(
    select(Claim, Person.national_id, CallUp.status.label("call_up_status"))
    .join(Person, Person.id == Claim.person_id)
    .outerjoin(CallUp, CallUp.id == Claim.call_up_id)
    .order_by(Claim.id),
    ids=Claim.id.in_(bindparam("ids", expanding=True)),
    status=Claim.status == bindparam("status"),
    national_id=Person.national_id == bindparam("national_id"),
    campaign_id=Claim.campaign_id == bindparam("campaign_id"),
)


def list_claims(
    engine: Engine | Connection,
    *,
    ids: list[int] | None = None,
    status: str | None = None,
    national_id: str | None = None,
    campaign_id: int | None = None,
) -> list[ClaimRead]:
    query, params = _CLAIMS(
        ids=ids, status=status, national_id=national_id, campaign_id=campaign_id
    )
    with connected(engine) as conn:
        return [
            ClaimRead(
                id=c.id,
                national_id=c.national_id,
                call_up=c.call_up_id,
                call_up_status=c.call_up_status,
                campaign=c.campaign_id,
                kind=c.kind,
                ground=c.ground,
                filed_by=c.filed_by,
                filer=c.filer,
                filed_on=c.filed_on,
                status=c.status,
                tier=c.tier,
                board=c.board,
                due_on=c.due_on,
                missed=c.missed,
                decree_version=c.decree_version,
                decided_on=c.decided_on,
                decided_by=c.decided_by,
                reasons=c.reasons,
                reference=c.reference,
                automatic=c.automatic,
                appeal_of=c.appeal_of,
                deferred_until=c.deferred_until,
                deferral_ended_on=c.deferral_ended_on,
            )
            for c in conn.execute(query, params)
        ]


def get_claim(engine: Engine, *, claim_id: int, replacement: int | None = None) -> ClaimRead:
    found = list_claims(engine, ids=[claim_id])
    if not found:
        raise NotFoundError(f"no claim {claim_id}")
    return found[0].model_copy(update={"replacement": replacement})


def letter(engine: Engine, *, claim_id: int) -> str:
    """The claim's decision as a plain HTML letter: decision, reasons, legal reference, and
    how to appeal and by when."""
    claim = get_claim(engine, claim_id=claim_id)
    rules = screening.version_ref(engine, claim.decree_version).campaign.claims
    up = None if claim.tier >= TOP_TIER else board_of(claim.tier + 1, "")
    return letters.render(claim, appeal_days=rules.appeal_days, next_board=up)


def claim_row(conn: Connection, claim_id: int, *, lock: bool = False) -> Any:
    query = select(Claim).where(Claim.id == claim_id)
    if lock:
        query = query.with_for_update()
    row = conn.execute(query).first()
    if row is None:
        raise NotFoundError(f"no claim {claim_id}")
    return row
