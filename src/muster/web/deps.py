"""What routes depend on: the engine, the signed-in principal, role checks, CSRF checks.

Permissions live here, not in route bodies: ``Staff = Annotated[Principal,
Depends(allow("hq", …))]``. A browser sends its session in a cookie and must send the
session's CSRF token with every change (a form field or the ``X-CSRF-Token`` header); an API
client sends ``Authorization: Bearer TOKEN`` and needs no CSRF token.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from datetime import date
from typing import Annotated

from fastapi import Depends, HTTPException, Path, Query, Request
from sqlalchemy import Engine

from muster.accounts import service as accounts
from muster.accounts.schemas import Principal
from muster.config import Settings

COOKIE = "muster_session"
FORM_CSRF_COOKIE = "muster_csrf"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class SignInNeeded(HTTPException):
    """No session: pages redirect to the right sign-in page, the API answers 401."""

    def __init__(self, *, citizen: bool) -> None:
        super().__init__(status_code=401, detail="sign in first")
        self.citizen = citizen


def get_engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


EngineDep = Annotated[Engine, Depends(get_engine)]
MAX_ID = 2**31 - 1
# Ids in paths and queries: positive and within the database's integer range.
Id = Annotated[int, Path(ge=1, le=MAX_ID)]
QueryId = Annotated[int | None, Query(ge=1, le=MAX_ID)]
NationalId = Annotated[str, Path(pattern=r"^[0-9]{12}$", description="12 digits.")]
SettingsDep = Annotated[Settings, Depends(get_settings)]


def today(settings: SettingsDep) -> date:
    return settings.service_date()


Today = Annotated[date, Depends(today)]


def session_token(request: Request) -> tuple[str | None, bool]:
    """The session token and whether it came as a bearer header (no CSRF needed)."""
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip(), True
    return request.cookies.get(COOKIE), False


def _session(request: Request, engine: EngineDep) -> tuple[Principal | None, bool]:
    token, bearer = session_token(request)
    return (accounts.principal(engine, token=token) if token else None), bearer


FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


async def optional_principal(
    request: Request,
    session: Annotated[tuple[Principal | None, bool], Depends(_session)],
) -> Principal | None:
    """The signed-in principal, if any. A change sent with the session cookie must carry the
    session's CSRF token (header or form field ``csrf``); a bearer token needs none."""
    who, bearer = session
    if who is not None and not bearer and request.method not in SAFE_METHODS:
        sent = request.headers.get("x-csrf-token", "")
        if not sent and request.headers.get("content-type", "").startswith(FORMS):
            sent = str((await request.form()).get("csrf") or "")
        if not sent or not hmac.compare_digest(sent, who.csrf):
            raise HTTPException(403, "the form is out of date (CSRF check failed); reload it")
    return who


MaybePrincipal = Annotated[Principal | None, Depends(optional_principal)]


def allow(*roles: str) -> Callable[[Principal | None], Principal]:
    """A dependency admitting only the given roles: 401 with no session, 403 for others."""

    def check(who: MaybePrincipal) -> Principal:
        if who is None:
            raise SignInNeeded(citizen=roles == ("citizen",))
        if who.role not in roles:
            raise HTTPException(403, f"a {who.role.replace('_', ' ')} may not open this page")
        return who

    return check


def check_form_csrf(request: Request, sent: str) -> None:
    """For forms before sign-in: the hidden field must match the ``muster_csrf`` cookie."""
    cookie = request.cookies.get(FORM_CSRF_COOKIE, "")
    if not cookie or not hmac.compare_digest(cookie, sent):
        raise HTTPException(403, "the form is out of date (CSRF check failed); reload it")


Citizen = Annotated[Principal, Depends(allow("citizen"))]
HQ = Annotated[Principal, Depends(allow("hq"))]
Oversight = Annotated[Principal, Depends(allow("hq", "auditor"))]
Officers = Annotated[Principal, Depends(allow("hq", "regional_officer", "auditor"))]
CaseReaders = Annotated[
    Principal,
    Depends(allow("hq", "regional_officer", "medical_board", "appeals_board", "auditor")),
]
ClaimReaders = Annotated[
    Principal, Depends(allow("hq", "regional_officer", "appeals_board", "auditor"))
]
Boards = Annotated[Principal, Depends(allow("appeals_board"))]
Medical = Annotated[Principal, Depends(allow("medical_board"))]
EmployerHR = Annotated[Principal, Depends(allow("employer_hr"))]
AnyStaff = Annotated[
    Principal,
    Depends(
        allow(
            "hq",
            "regional_officer",
            "medical_board",
            "appeals_board",
            "employer_hr",
            "auditor",
        )
    ),
]
