"""Campaigns: opening with published quotas, their status, and closing by a decree action.

A campaign's quotas come from the latest screen of its decree: each region's weight is its
eligible pool, its cap the smaller of that pool and what its offices can receive and examine
over the campaign's planned days; the national target is shared by the decree's apportionment
method (``apportion.py``) under those caps. The formula, inputs and result are stored with the
campaign, so anyone can recompute them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import Connection, Engine, Row, insert, select, update

from muster.audit import service as audit
from muster.audit.schemas import Event
from muster.db.clock import now
from muster.errors import MusterError, NotFoundError
from muster.quotas import apportion as apportionment
from muster.quotas.models import Campaign, CampaignRegion
from muster.quotas.schemas import CampaignRead, QuotaRow, QuotaTable
from muster.registry import service as registry
from muster.screening import service as screening

ACTIVE = ("planned", "open", "winding_down")


def _read(c: Row[Any]) -> CampaignRead:
    return CampaignRead(
        id=c.id,
        decree=c.decree_id,
        version=c.version,
        screen_id=c.screen_id,
        as_of=c.as_of,
        target=c.target,
        method=c.method,
        min_quota=c.min_quota,
        planned_days=c.planned_days,
        status=c.status,
        opened_at=c.opened_at,
        closed_at=c.closed_at,
        closed_by=c.closed_by,
    )


def open_campaign(
    engine: Engine,
    *,
    decree_id: str,
    target: int | None = None,
    method: str | None = None,
    days: int | None = None,
    actor: str,
) -> CampaignRead:
    """Open a campaign on the latest screen of a decree, with its quotas published."""
    decree = screening.stored_decree(engine, decree_id)
    screen = screening.latest_screen(engine, decree_id=decree.id)
    if screen is None:
        raise MusterError(
            f"decree {decree.id} has not been screened; run `muster screen --decree {decree.id}` "
            "first so the quotas rest on the eligible pool"
        )
    version = decree.version(screen.version)
    rules = version.campaign
    method = method or rules.apportionment
    if method not in apportionment.METHODS:
        raise MusterError(
            f"unknown apportionment method {method!r}; expected one of: "
            + ", ".join(sorted(apportionment.METHODS))
        )
    target = version.target if target is None else target
    days = days or rules.planned_days
    if target < 1:
        raise MusterError(f"the target must be at least 1 (found {target})")
    with engine.connect() as conn:
        running = conn.execute(
            select(Campaign.id).where(Campaign.decree_id == decree.id, Campaign.status.in_(ACTIVE))
        ).first()
    if running is not None:
        raise MusterError(
            f"campaign {running[0]} under {decree.id} is still running; a decree runs one "
            "campaign at a time (close it first with `muster campaign close`)"
        )
    pool = screening.pool_by_region(engine, decree_id=decree.id)
    capacity = registry.daily_capacity(engine)
    regions = sorted(set(registry.region_names(engine)))
    weights = [pool.get(r, 0) for r in regions]
    caps = [min(pool.get(r, 0), capacity.get(r, 0) * days) for r in regions]
    if sum(caps) < target:
        raise MusterError(
            f"the target {target:,} is more than the regions can take: {sum(caps):,} "
            f"(each region's eligible pool, capped by what its offices can receive and examine "
            f"in {days} days); lower the target or plan more days with --days"
        )
    result = apportionment.apportion(
        weights, total=target, method=method, min_seats=rules.min_quota, max_seats=caps
    )
    formula = {
        "text": (
            f"{apportionment.describe(method)} Weight: the region's eligible pool under "
            f"{version.ref} (screen {screen.screen_id}, as of {screen.as_of}). Cap: the smaller "
            f"of the pool and {days} days × the daily capacity of the region's offices (per "
            "office the smaller of receptions and examinations a day)"
            + (f"; at least {rules.min_quota} per region" if rules.min_quota else "")
            + "."
        ),
        "ties": [str(t) for t in result.ties],
    }
    opened = now()
    with engine.begin() as conn:
        key = conn.execute(
            insert(Campaign).values(
                decree_id=decree.id,
                version=version.number,
                screen_id=screen.screen_id,
                as_of=screen.as_of,
                target=target,
                method=method,
                min_quota=rules.min_quota,
                planned_days=days,
                formula=json.dumps(formula, ensure_ascii=False),
                status="planned",
                opened_at=opened,
                actor=actor,
            )
        ).inserted_primary_key
        assert key is not None
        campaign_id = int(key[0])
        conn.execute(
            insert(CampaignRegion),
            [
                {
                    "campaign_id": campaign_id,
                    "region_code": r,
                    "pool": w,
                    "capacity": capacity.get(r, 0) * days,
                    "quota": q,
                    "status": "open" if q else "closed",
                    "closed_at": None if q else opened,
                }
                for r, w, q in zip(regions, weights, result.seats, strict=True)
            ],
        )
        audit.record(
            conn,
            Event(
                actor=actor,
                role="headquarters",
                action="campaign.opened",
                subject=f"campaign:{campaign_id}",
                after={
                    "target": target,
                    "method": method,
                    "quotas": dict(zip(regions, result.seats, strict=True)),
                },
                decree_version=f"{decree.id}@{version.number}",
            ),
        )
    return get(engine, campaign_id=campaign_id)


def _campaign(conn: Connection, campaign_id: int) -> Row[Any]:
    row = conn.execute(select(Campaign).where(Campaign.id == campaign_id)).first()
    if row is None:
        raise NotFoundError(f"no campaign {campaign_id} (see `muster campaign list`)")
    return row


def get(engine: Engine, *, campaign_id: int) -> CampaignRead:
    with engine.connect() as conn:
        return _read(_campaign(conn, campaign_id))


def list_campaigns(engine: Engine) -> list[CampaignRead]:
    with engine.connect() as conn:
        return [_read(r) for r in conn.execute(select(Campaign).order_by(Campaign.id))]


def quota_table(engine: Engine, *, campaign_id: int) -> QuotaTable:
    names = registry.region_names(engine)
    with engine.connect() as conn:
        campaign = _campaign(conn, campaign_id)
        rows = conn.execute(
            select(CampaignRegion)
            .where(CampaignRegion.campaign_id == campaign_id)
            .order_by(CampaignRegion.region_code)
        ).all()
    formula = json.loads(campaign.formula)
    return QuotaTable(
        campaign=_read(campaign),
        formula=formula["text"],
        ties=formula["ties"],
        regions=[
            QuotaRow(
                region=r.region_code,
                name=names.get(r.region_code, ""),
                pool=r.pool,
                capacity=r.capacity,
                cap=min(r.pool, r.capacity),
                quota=r.quota,
                status=r.status,
            )
            for r in rows
        ],
    )


def quotas(conn: Connection, *, campaign_id: int) -> dict[str, tuple[int, str]]:
    """Each region's quota and status."""
    query = select(CampaignRegion.region_code, CampaignRegion.quota, CampaignRegion.status).where(
        CampaignRegion.campaign_id == campaign_id
    )
    return {str(r): (int(q), str(s)) for r, q, s in conn.execute(query)}


def lock_region(conn: Connection, *, campaign_id: int, region: str) -> tuple[int, str]:
    """Lock one region's quota row for the rest of the transaction; its quota and status."""
    row = conn.execute(
        select(CampaignRegion.quota, CampaignRegion.status)
        .where(CampaignRegion.campaign_id == campaign_id, CampaignRegion.region_code == region)
        .with_for_update()
    ).first()
    if row is None:
        raise MusterError(f"campaign {campaign_id} has no quota for region {region}")
    return int(row[0]), str(row[1])


def lock_regions(
    conn: Connection, *, campaign_id: int, regions: Sequence[str]
) -> dict[str, tuple[int, str]]:
    """Lock these regions' quota rows, in region code order, for the rest of the
    transaction: each one's quota and status."""
    rows = conn.execute(
        select(CampaignRegion.region_code, CampaignRegion.quota, CampaignRegion.status)
        .where(CampaignRegion.campaign_id == campaign_id, CampaignRegion.region_code.in_(regions))
        .order_by(CampaignRegion.region_code)
        .with_for_update()
    ).all()
    found = {str(r): (int(q), str(s)) for r, q, s in rows}
    missing = sorted(set(regions) - set(found))
    if missing:
        raise MusterError(f"campaign {campaign_id} has no quota for region {missing[0]}")
    return found


def require_status(
    conn: Connection, *, campaign_id: int, allowed: tuple[str, ...], doing: str
) -> Row[Any]:
    campaign = _campaign(conn, campaign_id)
    if campaign.status not in allowed:
        raise MusterError(
            f"campaign {campaign_id} is {campaign.status.replace('_', ' ')}; cannot {doing} "
            f"(only when {' or '.join(s.replace('_', ' ') for s in allowed)})"
        )
    return campaign


def set_status(conn: Connection, *, campaign_id: int, status: str) -> None:
    conn.execute(update(Campaign).where(Campaign.id == campaign_id).values(status=status))


def close_region(conn: Connection, *, campaign_id: int, region: str) -> None:
    """A region whose quota is met takes no one more; when every region is closed, the
    campaign winds down (it closes only by a decree action)."""
    conn.execute(
        update(CampaignRegion)
        .where(CampaignRegion.campaign_id == campaign_id, CampaignRegion.region_code == region)
        .values(status="closed", closed_at=now())
    )
    still_open = conn.execute(
        select(CampaignRegion.region_code).where(
            CampaignRegion.campaign_id == campaign_id, CampaignRegion.status == "open"
        )
    ).first()
    if still_open is None:
        conn.execute(
            update(Campaign)
            .where(Campaign.id == campaign_id, Campaign.status == "open")
            .values(status="winding_down")
        )


def close(
    engine: Engine,
    *,
    campaign_id: int,
    by: str,
    today: date | None = None,
    actor: str = "system",
) -> CampaignRead:
    """Close a campaign by a decree action: a loaded decree version, in force, that says
    ``ends_call_up: true``. Afterwards nothing can be issued under the campaign."""
    version = screening.version_ref(engine, by)
    day = today or date.today()
    if not version.ends_call_up:
        raise MusterError(
            f"{version.ref} does not end the call-up; a campaign closes only by a decree "
            "version that says `ends_call_up: true`"
        )
    if version.effective_from > day:
        raise MusterError(
            f"{version.ref} takes effect on {version.effective_from}; the campaign can be "
            "closed from that day"
        )
    with engine.begin() as conn:
        campaign = require_status(conn, campaign_id=campaign_id, allowed=ACTIVE, doing="close it")
        if campaign.decree_id != version.decree:
            raise MusterError(
                f"campaign {campaign_id} runs {campaign.decree_id}; {version.ref} is another "
                "decree and cannot close it"
            )
        conn.execute(
            update(Campaign)
            .where(Campaign.id == campaign_id)
            .values(status="closed", closed_at=now(), closed_by=version.ref)
        )
        conn.execute(
            update(CampaignRegion)
            .where(CampaignRegion.campaign_id == campaign_id, CampaignRegion.status == "open")
            .values(status="closed", closed_at=now())
        )
        audit.record(
            conn,
            Event(
                actor=actor,
                role="headquarters",
                action="campaign.closed",
                subject=f"campaign:{campaign_id}",
                before={"status": campaign.status},
                after={"status": "closed"},
                reason=f"{version.ref} ends the call-up",
                decree_version=version.ref,
            ),
        )
    return get(engine, campaign_id=campaign_id)
