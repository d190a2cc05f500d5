"""Public pages: the start page, notice verification, published quotas and draw records,
aggregate statistics. No sign-in, no personal data."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import FileResponse, HTMLResponse

from muster.notices import service as notices
from muster.oversight import service as oversight
from muster.quotas import service as quotas
from muster.selection import service as selection
from muster.web.common import statistics
from muster.web.deps import EngineDep, Id, MaybePrincipal, QueryId, SettingsDep
from muster.web.pages import render

router = APIRouter(include_in_schema=False)


@router.get("/")
def home(request: Request, who: MaybePrincipal) -> HTMLResponse:
    return render(request, "home.html", who=who)


@router.get("/verify")
def verify(
    request: Request,
    engine: EngineDep,
    who: MaybePrincipal,
    code: Annotated[str | None, Query(max_length=64)] = None,
) -> HTMLResponse:
    result = notices.verify(engine, code) if code and code.strip() else None
    return render(request, "verify.html", who=who, result=result, code=code)


@router.get("/verify/{code}")
def verify_link(
    request: Request, code: str, engine: EngineDep, who: MaybePrincipal
) -> HTMLResponse:
    """Where a notice's QR code points."""
    result = notices.verify(engine, code[:64])
    return render(request, "verify.html", who=who, result=result, code=code)


@router.get("/public/campaigns")
def campaigns(request: Request, engine: EngineDep, who: MaybePrincipal) -> HTMLResponse:
    return render(request, "campaigns.html", who=who, campaigns=quotas.list_campaigns(engine))


@router.get("/public/campaigns/{campaign_id}")
def campaign(
    request: Request, campaign_id: Id, engine: EngineDep, who: MaybePrincipal
) -> HTMLResponse:
    table = quotas.quota_table(engine, campaign_id=campaign_id)
    draw = selection.published(engine, campaign_id=campaign_id)
    return render(request, "campaign_public.html", who=who, table=table, draw=draw)


def _record(engine: EngineDep, settings: SettingsDep, campaign_id: Id) -> Path:
    """The published draw record, written once after the draw into the publish folder."""
    draw = selection.published(engine, campaign_id=campaign_id)
    if draw is None or draw.seed is None:
        raise HTTPException(404, f"campaign {campaign_id} has not been drawn yet")
    path = Path(settings.publish_dir) / f"draw-campaign-{campaign_id}.json"
    if not path.is_file():
        selection.write_record(engine, campaign_id=campaign_id, path=path)
    return path


@router.get("/public/campaigns/{campaign_id}/record.json")
def record(campaign_id: Id, engine: EngineDep, settings: SettingsDep) -> FileResponse:
    path = _record(engine, settings, campaign_id)
    return FileResponse(path, media_type="application/json", filename=path.name)


@router.get("/public/campaigns/{campaign_id}/record.order.parquet")
def order(campaign_id: Id, engine: EngineDep, settings: SettingsDep) -> FileResponse:
    path = _record(engine, settings, campaign_id)
    order_file = path.with_name(path.stem + ".order.parquet")
    return FileResponse(
        order_file, media_type="application/vnd.apache.parquet", filename=order_file.name
    )


@router.get("/public/statistics")
def public_statistics(
    request: Request, engine: EngineDep, who: MaybePrincipal, campaign: QueryId = None
) -> HTMLResponse:
    stats = statistics(engine, campaign_id=campaign)
    fair = oversight.fairness(engine, campaign_id=stats.campaign) if stats.campaign else None
    return render(request, "statistics.html", who=who, stats=stats, fair=fair)
