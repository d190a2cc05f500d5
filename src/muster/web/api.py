"""The HTTP API, ``/api/v1``: the same services the pages use, as JSON.

Sign in with ``POST /api/v1/auth/sign-in`` (staff) or the code pair (citizens) and send
``Authorization: Bearer TOKEN``. Every route's roles are in its dependencies (``deps.py``).
"""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request

from muster.accounts import service as accounts
from muster.accounts.schemas import SessionRead, UserRead
from muster.audit import checkpoints
from muster.audit import service as audit
from muster.audit.schemas import ChainReport, CheckpointRead, EventRead
from muster.cases import service as cases
from muster.cases.renewals_schemas import DeferralEnd
from muster.cases.schemas import ClaimRead
from muster.db.engine import current_revision
from muster.notices import service as notices
from muster.notices.schemas import VerifyResult
from muster.oversight import service as oversight
from muster.oversight.schemas import FairnessReport
from muster.quotas import service as quotas
from muster.quotas.schemas import CampaignRead, QuotaTable
from muster.screening import service as screening
from muster.screening.schemas import DecreeVersionRead
from muster.selection import service as selection
from muster.selection.schemas import FulfilmentRow
from muster.web import status as person
from muster.web.common import client_of, in_region, log_read, own_claims, own_regions, statistics
from muster.web.deps import (
    HQ,
    Boards,
    CaseReaders,
    Citizen,
    ClaimReaders,
    EngineDep,
    Id,
    MaybePrincipal,
    NationalId,
    Officers,
    Oversight,
    QueryId,
    Today,
    read,
    session_token,
)
from muster.web.schemas import (
    TEXT,
    ClaimFile,
    CodeRequest,
    CodeSignIn,
    Decision,
    ErrorRead,
    Health,
    PersonStatus,
    SignInRequest,
    Statistics,
)

ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorRead, "description": "The body could not be read (not JSON)."},
    401: {"model": ErrorRead, "description": "Sign in first (or the sign-in was refused)."},
    403: {"model": ErrorRead, "description": "This role may not do this."},
    404: {"model": ErrorRead, "description": "No such person, claim, notice or campaign."},
    409: {
        "model": ErrorRead,
        "description": "It cannot be done as things stand; `detail` says why.",
    },
    429: {"model": ErrorRead, "description": "Too many sign-in attempts; wait and retry."},
}
router = APIRouter(prefix="/api/v1", responses=ERRORS)
CODE_SENT = "if the national id is in the registry, a code was sent to its contact address"


@router.get("/health", tags=["public"])
def health(engine: EngineDep) -> Health:
    """The service answers and its database is at a known schema revision."""
    return Health(status="ok", schema_revision=current_revision(engine))


@router.post("/auth/sign-in", tags=["sign-in"])
def sign_in(body: SignInRequest, request: Request, engine: EngineDep) -> SessionRead:
    """A staff sign-in. Five failures for one username in 15 minutes lock it for the window."""
    return accounts.sign_in(
        engine,
        username=body.username,
        password=body.password,
        client=client_of(request),
    )


@router.post("/auth/code", tags=["sign-in"])
def send_code(body: CodeRequest, request: Request, engine: EngineDep) -> dict[str, str]:
    """Send a one-time code to a citizen's contact address (the same answer either way)."""
    accounts.request_code(
        engine,
        national_id=body.national_id,
        client=client_of(request),
    )
    return {"detail": CODE_SENT}


@router.post("/auth/code/sign-in", tags=["sign-in"])
def code_sign_in(body: CodeSignIn, request: Request, engine: EngineDep) -> SessionRead:
    """A citizen's sign-in with the code sent to them."""
    return accounts.verify_code(
        engine,
        national_id=body.national_id,
        code=body.code,
        client=client_of(request),
    )


@router.post("/auth/sign-out", tags=["sign-in"])
def sign_out(request: Request, who: MaybePrincipal, engine: EngineDep) -> dict[str, str]:
    token, _ = session_token(request)
    if who is None or token is None:
        raise HTTPException(401, "not signed in")
    accounts.sign_out(engine, token=token)
    return {"detail": "signed out"}


@router.get("/notices/verify", tags=["public"])
def verify_notice(
    engine: EngineDep, code: Annotated[str, Query(min_length=1, max_length=64, pattern=TEXT)]
) -> VerifyResult:
    """Is this notice genuine, withdrawn or forged? Anyone may ask."""
    return notices.verify(engine, code)


@router.get("/public/campaigns", tags=["public"])
def campaigns(engine: EngineDep) -> list[CampaignRead]:
    return quotas.list_campaigns(engine)


@router.get("/public/campaigns/{campaign_id}/quotas", tags=["public"])
def quota_table(campaign_id: Id, engine: EngineDep) -> QuotaTable:
    """The published formula, its inputs and the quotas, to recompute by hand."""
    return quotas.quota_table(engine, campaign_id=campaign_id)


@router.get("/public/campaigns/{campaign_id}/fairness", tags=["public"])
def fairness(campaign_id: Id, engine: EngineDep) -> FairnessReport:
    """How evenly the burden falls: call-ups per 1,000 eligible by region, settlement type and
    minority region, and the disparity across regions (highest / lowest, Gini)."""
    return oversight.fairness(engine, campaign_id=campaign_id)


@router.get("/public/statistics", tags=["public"])
def public_statistics(engine: EngineDep, campaign: QueryId = None) -> Statistics:
    """Per region: eligible pool, quota, call-ups, releases, burden per 1,000 eligible."""
    return statistics(engine, campaign_id=campaign)


@router.get("/public/decrees", tags=["public"])
def decrees(engine: EngineDep, today: Today) -> list[DecreeVersionRead]:
    """Every loaded decree version and which is in force today."""
    return screening.list_versions(engine, today=today)


@router.get("/public/audit/checkpoints", tags=["public"])
def audit_checkpoints(
    engine: EngineDep, limit: Annotated[int, Query(ge=1, le=1000)] = 100
) -> list[CheckpointRead]:
    """The signed heads of the audit chain with their public key, for anyone to keep."""
    return checkpoints.checkpoints(engine, limit=limit)


@router.get("/me/status", tags=["citizen"])
async def my_status(who: Citizen, request: Request, today: Today) -> PersonStatus:
    """My status, the reasons, my notices, claims and deadlines."""
    assert who.national_id is not None
    return await read(
        request, partial(person.person_status, national_id=who.national_id, today=today)
    )


@router.get("/me/claims", tags=["citizen"])
def my_claims(who: Citizen, engine: EngineDep) -> list[ClaimRead]:
    return cases.list_claims(engine, national_id=who.national_id)


@router.post("/me/claims", tags=["citizen"], status_code=201)
def file_my_claim(body: ClaimFile, who: Citizen, engine: EngineDep, today: Today) -> ClaimRead:
    """File a claim on my call-up; it is decided at once if the registry proves it."""
    assert who.national_id is not None
    return cases.file_claim(
        engine,
        national_id=who.national_id,
        kind=body.kind,
        ground=body.ground,
        filed_by="person",
        filer=who.national_id,
        campaign_id=body.campaign,
        today=today,
        actor=who.actor,
        role="citizen",
    )


@router.get("/persons/{national_id}/status", tags=["staff"])
def person_status(
    national_id: NationalId, who: CaseReaders, engine: EngineDep, today: Today
) -> PersonStatus:
    """A person's status and decision explanation (the read is audited)."""
    in_region(who, person.person_region(engine, national_id))
    log_read(engine, who, subject=f"person:{national_id}", what="person")
    return person.person_status(engine, national_id=national_id, today=today)


@router.get("/campaigns/{campaign_id}/fulfilment", tags=["staff"])
def fulfilment(campaign_id: Id, who: Officers, engine: EngineDep) -> list[FulfilmentRow]:
    rows = selection.fulfilment(engine, campaign_id=campaign_id)
    return own_regions(who, rows)


@router.get("/claims", tags=["staff"])
def claims(
    who: ClaimReaders,
    engine: EngineDep,
    status: Annotated[str | None, Query(pattern="^(pending|upheld|rejected|closed)$")] = None,
) -> list[ClaimRead]:
    """Claims, oldest first; a regional officer sees only their region's board."""
    found = cases.list_claims(engine, status=status)
    found = own_claims(who, found)
    return found


@router.post("/claims/{claim_id}/decision", tags=["staff"])
def decide(claim_id: Id, body: Decision, who: Boards, engine: EngineDep, today: Today) -> ClaimRead:
    """A board member decides a pending claim, with written reasons."""
    claim = cases.get_claim(engine, claim_id=claim_id)
    return cases.decide(
        engine,
        claim_id=claim_id,
        upheld=body.upheld,
        reasons=body.reasons,
        board=claim.board,
        actor=who.actor,
        today=today,
        role=who.role,
    )


@router.post("/claims/{claim_id}/review", tags=["staff"])
def review(claim_id: Id, who: Boards, engine: EngineDep, today: Today) -> DeferralEnd:
    """A board member reviews an upheld deferral (one held until reviewed, or before its
    end): kept while its ground holds on the registry, else ended today."""
    claim = cases.get_claim(engine, claim_id=claim_id)
    in_region(who, person.person_region(engine, claim.national_id))
    return cases.review(engine, claim_id=claim_id, as_of=today, actor=who.actor, role=who.role)


@router.get("/audit/verify", tags=["oversight"])
def audit_verify(who: Oversight, engine: EngineDep) -> ChainReport:
    """Re-walk the audit chain; any edited, deleted, inserted or reordered event is named."""
    return audit.verify(engine)


@router.get("/audit/events", tags=["oversight"])
def audit_events(
    who: Oversight,
    engine: EngineDep,
    action: Annotated[str | None, Query(max_length=60, pattern=TEXT)] = None,
    subject: Annotated[str | None, Query(max_length=120, pattern=TEXT)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[EventRead]:
    return audit.events(engine, action=action, subject=subject, limit=limit)


@router.get("/users", tags=["oversight"])
def users(who: HQ, engine: EngineDep) -> list[UserRead]:
    return accounts.list_users(engine)
