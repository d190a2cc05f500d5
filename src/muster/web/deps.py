"""What routes depend on: the engine, the signed-in principal, role checks, CSRF checks, and
``read``, which runs a read on a connection without holding up the event loop.

Permissions live here, not in route bodies: ``Staff = Annotated[Principal,
Depends(allow("hq", …))]``. A browser sends its session in a cookie and must send the
session's CSRF token with every change (a form field or the ``X-CSRF-Token`` header); an API
client sends ``Authorization: Bearer TOKEN`` and needs no CSRF token.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from datetime import date
from functools import partial
from typing import Annotated, TypeVar

from fastapi import Depends, HTTPException, Path, Query, Request
from sqlalchemy import Connection, Engine
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.concurrency import run_in_threadpool

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


T = TypeVar("T")


# The dependencies that do no I/O are ``async``: FastAPI would run a plain ``def`` in the
# thread pool, a hop there and back per dependency per request.
async def get_engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


async def read(request: Request, reader: Callable[[Connection], T]) -> T:
    """``reader(connection)`` without blocking the event loop while the database answers: on
    PostgreSQL over the asyncio engine, in the loop itself (the synchronous services run in a
    greenlet that yields to the loop's other requests at every round trip), on SQLite in a
    worker thread."""
    readers: AsyncEngine | None = request.app.state.readers
    if readers is not None:
        async with readers.connect() as conn:
            return await conn.run_sync(reader)
    return await run_in_threadpool(_read, request.app.state.engine, reader)


def _read(engine: Engine, reader: Callable[[Connection], T]) -> T:
    with engine.connect() as conn:
        return reader(conn)


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


EngineDep = Annotated[Engine, Depends(get_engine)]
MAX_ID = 2**31 - 1
# Ids in paths and queries: positive and within the database's integer range.
Id = Annotated[int, Path(ge=1, le=MAX_ID)]
QueryId = Annotated[int | None, Query(ge=1, le=MAX_ID)]
NationalId = Annotated[str, Path(pattern=r"^[0-9]{12}$", description="12 digits.")]
SettingsDep = Annotated[Settings, Depends(get_settings)]


async def today(settings: SettingsDep) -> date:
    return settings.service_date()


Today = Annotated[date, Depends(today)]


def session_token(request: Request) -> tuple[str | None, bool]:
    """The session token and whether it came as a bearer header (no CSRF needed)."""
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip(), True
    return request.cookies.get(COOKIE), False


async def _session(request: Request) -> tuple[Principal | None, bool]:
    token, bearer = session_token(request)
    if not token:
        return None, bearer
    return await read(request, partial(accounts.principal, token=token)), bearer


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


def allow(*roles: str) -> Callable[[Principal | None], Awaitable[Principal]]:
    """A dependency admitting only the given roles: 401 with no session, 403 for others."""

    async def check(who: MaybePrincipal) -> Principal:
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
