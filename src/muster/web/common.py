"""What the API and the pages share: statistics, scoping and audited reads."""

from __future__ import annotations

from typing import Protocol, TypeVar

from fastapi import HTTPException, Request
from sqlalchemy import Engine, func, select

from muster.accounts.schemas import Principal
from muster.accounts.service import TooManyAttemptsError
from muster.audit import service as audit
from muster.audit.schemas import Event
from muster.cases.models import Claim
from muster.cases.schemas import ClaimRead
from muster.notices.models import Notice
from muster.quotas import service as quotas
from muster.registry.models import Region
from muster.screening import service as screening
from muster.selection import service as selection
from muster.web.schemas import RegionStat, Statistics


class HasRegion(Protocol):
    region: str


R = TypeVar("R", bound=HasRegion)


def client_of(request: Request) -> str:
    """The client address sign-in limits count against."""
    return request.client.host if request.client else "unknown"


def refusal_status(exc: Exception) -> int:
    """A refused sign-in: 429 when it was the limit, else 401."""
    return 429 if isinstance(exc, TooManyAttemptsError) else 401


def own_regions(who: Principal, rows: list[R]) -> list[R]:
    """Rows of every region, or only the officer's own for a regional officer."""
    if who.role != "regional_officer":
        return rows
    return [r for r in rows if r.region == who.region_code]


def own_claims(who: Principal, claims: list[ClaimRead]) -> list[ClaimRead]:
    """Every claim, or only those before the officer's own regional board."""
    if who.role != "regional_officer":
        return claims
    return [c for c in claims if c.board.endswith(f" {who.region_code}")]


def latest_campaign(engine: Engine) -> int | None:
    campaigns = quotas.list_campaigns(engine)
    return campaigns[-1].id if campaigns else None


def statistics(engine: Engine, *, campaign_id: int | None) -> Statistics:
    """Aggregates anyone may see: per region the eligible pool, quota, call-ups, releases
    and the burden per 1,000 eligible persons; claims and notices in total. No names."""
    campaign_id = campaign_id or latest_campaign(engine)
    with engine.connect() as conn:
        names = {r.code: r.name for r in conn.execute(select(Region.code, Region.name))}
        claims = {
            str(r[0]): int(r[1])
            for r in conn.execute(select(Claim.status, func.count()).group_by(Claim.status))
        }
        issued = int(conn.scalar(select(func.count()).select_from(Notice)) or 0)
    if campaign_id is None:
        return Statistics(
            campaign=None,
            decree=None,
            regions=[],
            claims_pending=claims.get("pending", 0),
            claims_upheld=claims.get("upheld", 0),
            claims_rejected=claims.get("rejected", 0),
            notices_issued=issued,
        )
    campaign = quotas.get(engine, campaign_id=campaign_id)
    pool = screening.pool_by_region(engine, decree_id=campaign.decree)
    rows = []
    for f in selection.fulfilment(engine, campaign_id=campaign_id):
        eligible = pool.get(f.region, 0)
        called = sum(f.by_state.values())
        enlisted = f.by_state.get("enlisted", 0)
        rows.append(
            RegionStat(
                region=f.region,
                name=names.get(f.region, f.region),
                eligible=eligible,
                quota=f.quota,
                called=called,
                released=f.by_state.get("released", 0),
                enlisted=enlisted,
                burden_per_1000=round(1000 * f.active / eligible, 3) if eligible else 0.0,
            )
        )
    return Statistics(
        campaign=campaign_id,
        decree=campaign.decree,
        regions=rows,
        claims_pending=claims.get("pending", 0),
        claims_upheld=claims.get("upheld", 0),
        claims_rejected=claims.get("rejected", 0),
        notices_issued=issued,
    )


def in_region(who: Principal, region: str) -> None:
    """A regional officer sees only their own region."""
    if who.role == "regional_officer" and who.region_code != region:
        raise HTTPException(
            403, f"a regional officer of {who.region_code} may not open records of {region}"
        )


def log_read(engine: Engine, who: Principal, *, subject: str, what: str) -> None:
    """Reading personal data is an audit event too."""
    with engine.begin() as conn:
        audit.record(
            conn,
            Event(actor=who.actor, role=who.role, action=f"{what}.viewed", subject=subject),
        )
