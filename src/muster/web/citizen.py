"""The citizen portal: sign in with a national id and a one-time code; my status and the
reasons, my notice (PDF), my claims with evidence, their letters and my appeals."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from muster.accounts import service as accounts
from muster.cases import service as cases
from muster.cases.evidence import store_evidence
from muster.cases.schemas import ClaimRead
from muster.errors import MusterError
from muster.notices import service as notices
from muster.notices.render import notice_pdf
from muster.web import status as person
from muster.web.common import client_of, refusal_status
from muster.web.deps import (
    COOKIE,
    Citizen,
    EngineDep,
    Id,
    MaybePrincipal,
    SettingsDep,
    Today,
    check_form_csrf,
    read,
    session_token,
)
from muster.web.pages import render

router = APIRouter(include_in_schema=False)
MAX_UPLOAD = 10 * 1024 * 1024 + 1


def signed_in(request: Request, settings: SettingsDep, token: str, to: str) -> RedirectResponse:
    response = RedirectResponse(to if to.startswith("/") and not to.startswith("//") else "/", 303)
    response.set_cookie(
        COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=settings.cookie_secure,
        max_age=accounts.SESSION_HOURS * 3600,
    )
    return response


@router.get("/citizen/sign-in")
def sign_in_page(request: Request, who: MaybePrincipal, next: str = "/me") -> HTMLResponse:
    return render(request, "citizen_sign_in.html", who=who, next=next, error=None)


@router.post("/citizen/sign-in")
def send_code(
    request: Request,
    engine: EngineDep,
    national_id: Annotated[str, Form(max_length=12)],
    csrf: Annotated[str, Form()],
    next: Annotated[str, Form()] = "/me",
) -> Response:
    check_form_csrf(request, csrf)
    try:
        accounts.request_code(engine, national_id=national_id.strip(), client=client_of(request))
    except accounts.TooManyAttemptsError as exc:
        return render(request, "citizen_sign_in.html", status_code=429, next=next, error=str(exc))
    return render(
        request, "citizen_code.html", national_id=national_id.strip(), next=next, error=None
    )


@router.post("/citizen/code")
def enter_code(
    request: Request,
    engine: EngineDep,
    settings: SettingsDep,
    national_id: Annotated[str, Form(max_length=12)],
    code: Annotated[str, Form(max_length=12)],
    csrf: Annotated[str, Form()],
    next: Annotated[str, Form()] = "/me",
) -> Response:
    check_form_csrf(request, csrf)
    try:
        session = accounts.verify_code(
            engine, national_id=national_id, code=code, client=client_of(request)
        )
    except (accounts.SignInRefusedError, accounts.TooManyAttemptsError) as exc:
        status = refusal_status(exc)
        return render(
            request,
            "citizen_code.html",
            status_code=status,
            national_id=national_id,
            next=next,
            error=str(exc),
        )
    return signed_in(request, settings, session.token, next)


@router.post("/sign-out")
def sign_out(request: Request, engine: EngineDep, who: MaybePrincipal) -> RedirectResponse:
    token, _ = session_token(request)
    if token and who is not None:
        accounts.sign_out(engine, token=token)
    response = RedirectResponse("/", 303)
    response.delete_cookie(COOKIE)
    return response


@router.get("/me")
async def me(request: Request, who: Citizen, today: Today) -> HTMLResponse:
    assert who.national_id is not None
    status = await read(
        request, partial(person.person_status, national_id=who.national_id, today=today)
    )
    return render(request, "me.html", who=who, status=status, today=today)


@router.get("/me/notices/{number}.pdf")
def my_notice(number: Id, who: Citizen, engine: EngineDep) -> Response:
    notice = notices.get_notice(engine, number=number)
    if notice.national_id != who.national_id:
        raise HTTPException(404, f"you have no notice {number}")
    pdf = notice_pdf(notices.document(engine, number=number))
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="notice-{number}.pdf"'},
    )


def _claim_form(
    request: Request, who: Citizen, engine: EngineDep, today: Today, error: str | None, status: int
) -> HTMLResponse:
    assert who.national_id is not None
    mine = person.person_status(engine, national_id=who.national_id, today=today)
    campaign = mine.callups[-1].campaign if mine.callups else None
    version = cases.version_for(engine, campaign_id=campaign, day=today)
    return render(
        request,
        "claim_new.html",
        who=who,
        status_code=status,
        grounds=cases.choices(version),
        version=version.ref,
        error=error,
    )


@router.get("/me/claims/new")
def new_claim(request: Request, who: Citizen, engine: EngineDep, today: Today) -> HTMLResponse:
    return _claim_form(request, who, engine, today, None, 200)


@router.post("/me/claims")
async def file_claim(
    request: Request,
    who: Citizen,
    engine: EngineDep,
    settings: SettingsDep,
    today: Today,
    ground: Annotated[str, Form(max_length=120)],
    evidence: Annotated[UploadFile | None, File()] = None,
) -> Response:
    """``ground`` is ``KIND:GROUND`` from the form's grouped choices."""
    assert who.national_id is not None
    kind, _, rule = ground.partition(":")
    data = await evidence.read(MAX_UPLOAD) if evidence is not None and evidence.filename else b""
    try:
        stored = (
            store_evidence(
                data,
                filename=evidence.filename or "evidence",
                folder=Path(settings.evidence_dir),
            )
            if evidence is not None and evidence.filename
            else None
        )
        claim = cases.file_claim(
            engine,
            national_id=who.national_id,
            kind=kind,
            ground=rule,
            filed_by="person",
            filer=who.national_id,
            today=today,
            actor=who.actor,
            evidence=stored,
            role="citizen",
        )
    except MusterError as exc:
        return _claim_form(request, who, engine, today, str(exc), 422)
    return RedirectResponse(f"/me/claims/{claim.id}", 303)


def _own_claim(engine: EngineDep, who: Citizen, claim_id: Id) -> ClaimRead:
    try:
        claim = cases.get_claim(engine, claim_id=claim_id)
    except MusterError:
        claim = None
    if claim is None or claim.national_id != who.national_id:
        raise HTTPException(404, f"you have no claim {claim_id}")
    return claim


@router.get("/me/claims/{claim_id}")
def my_claim(
    request: Request, claim_id: Id, who: Citizen, engine: EngineDep, today: Today
) -> HTMLResponse:
    claim = _own_claim(engine, who, claim_id)
    return render(request, "claim.html", who=who, claim=claim, staff=False, error=None)


@router.get("/me/claims/{claim_id}/letter")
def my_letter(claim_id: Id, who: Citizen, engine: EngineDep) -> HTMLResponse:
    _own_claim(engine, who, claim_id)
    return HTMLResponse(
        cases.letter(engine, claim_id=claim_id),
        headers={"Content-Disposition": f'inline; filename="claim-{claim_id}-letter.html"'},
    )


@router.post("/me/claims/{claim_id}/appeal")
def appeal(
    request: Request,
    claim_id: Id,
    who: Citizen,
    engine: EngineDep,
    today: Today,
    reasons: Annotated[str, Form(max_length=4000)],
) -> Response:
    claim = _own_claim(engine, who, claim_id)
    try:
        new = cases.appeal(
            engine, claim_id=claim_id, reasons=reasons, actor=who.actor, today=today, role="citizen"
        )
    except MusterError as exc:
        return render(
            request,
            "claim.html",
            who=who,
            claim=claim,
            staff=False,
            error=str(exc),
            status_code=422,
        )
    return RedirectResponse(f"/me/claims/{new.id}", 303)
