"""The staff workspace: national dashboard, regions, persons (with the decision explanation
and history; every view audited), campaigns, claim queues with deadlines and decisions,
decrees (versions, differences), the audit log, medical examinations, employers' lists."""

from __future__ import annotations

import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from muster.accounts import service as accounts
from muster.audit import service as audit
from muster.cases import service as cases
from muster.cases.employers import reserve
from muster.errors import InputFileError, MusterError
from muster.notices import service as notices
from muster.quotas import service as quotas
from muster.registry import service as registry
from muster.screening import service as screening
from muster.selection import service as selection
from muster.web import status as person
from muster.web.citizen import signed_in
from muster.web.common import (
    client_of,
    in_region,
    latest_campaign,
    log_read,
    own_claims,
    own_regions,
    refusal_status,
    statistics,
)
from muster.web.deps import (
    AnyStaff,
    Boards,
    CaseReaders,
    ClaimReaders,
    EmployerHR,
    EngineDep,
    Id,
    MaybePrincipal,
    Medical,
    NationalId,
    Officers,
    Oversight,
    QueryId,
    SettingsDep,
    Today,
    check_form_csrf,
)
from muster.web.pages import render

router = APIRouter(include_in_schema=False)
MAX_LIST = 20 * 1024 * 1024


@router.get("/staff/sign-in")
def sign_in_page(request: Request, who: MaybePrincipal, next: str = "/staff") -> HTMLResponse:
    return render(request, "staff_sign_in.html", who=who, next=next, error=None)


@router.post("/staff/sign-in")
def sign_in(
    request: Request,
    engine: EngineDep,
    settings: SettingsDep,
    username: Annotated[str, Form(max_length=80)],
    password: Annotated[str, Form(max_length=200)],
    csrf: Annotated[str, Form()],
    next: Annotated[str, Form()] = "/staff",
) -> Response:
    check_form_csrf(request, csrf)
    try:
        session = accounts.sign_in(
            engine,
            username=username,
            password=password,
            client=client_of(request),
        )
    except (accounts.SignInRefusedError, accounts.TooManyAttemptsError) as exc:
        status = refusal_status(exc)
        return render(request, "staff_sign_in.html", status_code=status, next=next, error=str(exc))
    return signed_in(request, settings, session.token, next)


@router.get("/staff")
def home(request: Request, who: AnyStaff) -> HTMLResponse:
    return render(request, "staff_home.html", who=who)


@router.get("/staff/find")
def find(who: CaseReaders, national_id: str) -> RedirectResponse:
    return RedirectResponse(f"/staff/persons/{national_id.strip()}", 303)


@router.get("/staff/dashboard")
def dashboard(
    request: Request, who: Officers, engine: EngineDep, today: Today, campaign: QueryId = None
) -> HTMLResponse:
    stats = statistics(engine, campaign_id=campaign)
    stats.regions = own_regions(who, stats.regions)
    pending = cases.list_claims(engine, status="pending")
    due = sorted(pending, key=lambda c: c.due_on)[:20]
    waiting = (
        notices.backlog(engine, campaign_id=stats.campaign, day=today) if stats.campaign else []
    )
    return render(
        request, "dashboard.html", who=who, stats=stats, due=due, waiting=waiting, today=today
    )


@router.get("/staff/regions/{code}")
def region(
    request: Request, code: str, who: Officers, engine: EngineDep, campaign: QueryId = None
) -> HTMLResponse:
    in_region(who, code)
    campaign = campaign or latest_campaign(engine)
    stats = statistics(engine, campaign_id=campaign)
    row = next((r for r in stats.regions if r.region == code), None)
    callups = (
        selection.list_callups(engine, campaign_id=campaign, region=code, limit=200)
        if campaign
        else []
    )
    return render(request, "region.html", who=who, code=code, row=row, callups=callups)


@router.get("/staff/persons/{national_id}")
def person_page(
    request: Request, national_id: NationalId, who: CaseReaders, engine: EngineDep, today: Today
) -> HTMLResponse:
    in_region(who, person.person_region(engine, national_id))
    log_read(engine, who, subject=f"person:{national_id}", what="person")
    status = person.person_status(engine, national_id=national_id, today=today)
    history = registry.history(engine, national_id)
    return render(request, "person.html", who=who, status=status, history=history)


@router.get("/staff/campaigns/{campaign_id}")
def campaign_page(
    request: Request, campaign_id: Id, who: Officers, engine: EngineDep
) -> HTMLResponse:
    table = quotas.quota_table(engine, campaign_id=campaign_id)
    draw = selection.published(engine, campaign_id=campaign_id)
    fulfilment = selection.fulfilment(engine, campaign_id=campaign_id)
    fulfilment = own_regions(who, fulfilment)
    return render(
        request, "campaign_staff.html", who=who, table=table, draw=draw, fulfilment=fulfilment
    )


@router.get("/staff/claims")
def claims(
    request: Request, who: ClaimReaders, engine: EngineDep, today: Today, status: str = "pending"
) -> HTMLResponse:
    found = cases.list_claims(engine, status=status if status != "all" else None)
    found = own_claims(who, found)
    found.sort(key=lambda c: (c.due_on, c.id))
    return render(request, "claims.html", who=who, claims=found, status=status, today=today)


@router.get("/staff/claims/{claim_id}")
def claim(request: Request, claim_id: Id, who: ClaimReaders, engine: EngineDep) -> HTMLResponse:
    found = cases.get_claim(engine, claim_id=claim_id)
    in_region(who, person.person_region(engine, found.national_id))
    return render(request, "claim.html", who=who, claim=found, staff=True, error=None)


@router.post("/staff/claims/{claim_id}/decision")
def decide(
    request: Request,
    claim_id: Id,
    who: Boards,
    engine: EngineDep,
    today: Today,
    upheld: Annotated[str, Form(pattern="^(yes|no)$")],
    reasons: Annotated[str, Form(max_length=4000)],
) -> Response:
    found = cases.get_claim(engine, claim_id=claim_id)
    try:
        cases.decide(
            engine,
            claim_id=claim_id,
            upheld=upheld == "yes",
            reasons=reasons,
            board=found.board,
            actor=who.actor,
            today=today,
            role=who.role,
        )
    except MusterError as exc:
        return render(
            request, "claim.html", who=who, claim=found, staff=True, error=str(exc), status_code=422
        )
    return RedirectResponse(f"/staff/claims/{claim_id}", 303)


@router.post("/staff/claims/{claim_id}/review")
def review(
    request: Request, claim_id: Id, who: Boards, engine: EngineDep, today: Today
) -> Response:
    """The board's review of a deferral it upheld: kept while its ground holds, else ended."""
    found = cases.get_claim(engine, claim_id=claim_id)
    in_region(who, person.person_region(engine, found.national_id))
    try:
        cases.review(engine, claim_id=claim_id, as_of=today, actor=who.actor, role=who.role)
    except MusterError as exc:
        return render(
            request, "claim.html", who=who, claim=found, staff=True, error=str(exc), status_code=422
        )
    return RedirectResponse(f"/staff/claims/{claim_id}", 303)


@router.get("/staff/decrees")
def decrees(
    request: Request,
    who: Officers,
    engine: EngineDep,
    today: Today,
    old: str | None = None,
    new: str | None = None,
    impact: bool = False,
) -> HTMLResponse:
    """Versions, the difference between two, and on request their impact on the registry
    today (every person decided under both: a full pass over the registry)."""
    versions = screening.list_versions(engine, today=today)
    changes = screening.diff_versions(engine, old, new) if old and new else None
    effect = (
        screening.impact_between(engine, old, new, as_of=today) if old and new and impact else None
    )
    return render(
        request,
        "decrees.html",
        who=who,
        versions=versions,
        changes=changes,
        old=old,
        new=new,
        effect=effect,
        today=today,
    )


@router.get("/staff/audit")
def audit_page(
    request: Request, who: Oversight, engine: EngineDep, action: str | None = None
) -> HTMLResponse:
    report = audit.verify(engine)
    events = audit.events(engine, action=action or None, limit=100)
    return render(request, "audit.html", who=who, report=report, events=events, action=action)


@router.get("/staff/medical")
def medical_page(request: Request, who: Medical) -> HTMLResponse:
    return render(request, "medical.html", who=who, error=None, outcome=None)


@router.post("/staff/medical")
def examine(
    request: Request,
    who: Medical,
    engine: EngineDep,
    today: Today,
    callup: Annotated[int, Form(ge=1)],
    fitness: Annotated[str, Form(pattern="^[ABVGD]$")],
    unfit_until: Annotated[str, Form()] = "",
) -> HTMLResponse:
    from datetime import date

    try:
        until = date.fromisoformat(unfit_until) if unfit_until else None
        outcome = notices.examine(
            engine,
            callup_id=callup,
            fitness=fitness,
            on=today,
            unfit_until=until,
            actor=who.actor,
            role=who.role,
        )
    except (MusterError, ValueError) as exc:
        return render(
            request, "medical.html", who=who, error=str(exc), outcome=None, status_code=422
        )
    return render(
        request, "medical.html", who=who, error=None, outcome=f"call-up {callup}: {outcome}"
    )


@router.get("/staff/employer")
def employer_page(request: Request, who: EmployerHR) -> HTMLResponse:
    return render(request, "employer.html", who=who, error=None, problems=[], result=None)


@router.post("/staff/employer")
async def employer_upload(
    request: Request,
    who: EmployerHR,
    engine: EngineDep,
    today: Today,
    listing: Annotated[UploadFile, File()],
) -> HTMLResponse:
    """Upload a reservation list; checked as a whole, nothing filed on any problem."""
    assert who.employer_code is not None
    data = await listing.read(MAX_LIST + 1)
    if len(data) > MAX_LIST:
        raise HTTPException(413, f"the list is over {MAX_LIST // (1024 * 1024)} MB")
    suffix = Path(listing.filename or "list.csv").suffix or ".csv"
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{Path(listing.filename or 'list').stem}{suffix}"
        path.write_bytes(data)
        try:
            result = reserve(
                engine, path=path, employer=who.employer_code, day=today, actor=who.actor
            )
        except InputFileError as exc:
            problems = [str(replace(p, file=path.name)) for p in exc.problems]
            message = f"{path.name}: {len(problems)} problem(s); nothing was filed"
            return render(
                request,
                "employer.html",
                who=who,
                error=message,
                problems=problems,
                result=None,
                status_code=422,
            )
        except MusterError as exc:
            return render(
                request,
                "employer.html",
                who=who,
                error=str(exc).replace(str(path), path.name),
                problems=[],
                result=None,
                status_code=422,
            )
    return render(request, "employer.html", who=who, error=None, problems=[], result=result)
