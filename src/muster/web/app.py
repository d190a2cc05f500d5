"""The FastAPI application: the API under ``/api/v1`` (OpenAPI at ``/api/v1/openapi.json``),
the staff and citizen pages, the public pages and the vendored static files."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import URL, MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from muster import __version__
from muster.accounts.service import SignInRefusedError, TooManyAttemptsError
from muster.config import Settings, get_settings
from muster.db.engine import async_reader, get_engine
from muster.errors import MusterError, NotFoundError
from muster.web import api, citizen, public, staff
from muster.web.deps import SignInNeeded
from muster.web.pages import render

STATIC = Path(__file__).parent / "static"
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


class SecurityHeaders:
    """Security headers on every response, ``no-store`` on personal pages. Plain ASGI: it
    only touches the response's start message (``BaseHTTPMiddleware`` would run every request
    through an extra task and a stream)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        no_store = URL(scope=scope).path.startswith(("/me", "/staff", "/api/v1/me"))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
                if no_store:
                    headers["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _error(request: Request, status: int, message: str) -> Response:
    if _is_api(request):
        return JSONResponse({"detail": message}, status_code=status)
    return render(request, "error.html", status_code=status, message=message, status=status)


@asynccontextmanager
async def readers(app: FastAPI) -> AsyncIterator[None]:
    """The asyncio engine of ``deps.read`` lives as long as the event loop serving the app."""
    app.state.readers = async_reader(app.state.engine)
    try:
        yield
    finally:
        if app.state.readers is not None:
            await app.state.readers.dispose()
        app.state.readers = None


def create_app(settings: Settings | None = None) -> FastAPI:
    """The application over the database named by the settings (``MUSTER_DB``)."""
    settings = settings or get_settings()
    app = FastAPI(
        lifespan=readers,
        title="Muster",
        version=__version__,
        summary="A partial mobilization under the rule of law: status, notices, claims, "
        "quotas and draws, audit.",
        openapi_url="/api/v1/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.engine = get_engine(settings.db)
    app.state.readers = None  # until the app starts in its event loop
    app.add_middleware(SecurityHeaders)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(api.router)
    app.include_router(public.router)
    app.include_router(citizen.router)
    app.include_router(staff.router)

    @app.exception_handler(SignInNeeded)
    async def sign_in_needed(request: Request, exc: SignInNeeded) -> Response:
        if _is_api(request):
            return JSONResponse(
                {"detail": "sign in first"},
                status_code=401,
                headers={"WWW-Authenticate": "Bearer"},
            )
        where = "/citizen/sign-in" if exc.citizen else "/staff/sign-in"
        return RedirectResponse(f"{where}?next={request.url.path}", status_code=303)

    routes = [
        r
        for router in (api.router, public.router, citizen.router, staff.router)
        for r in router.routes
        if isinstance(r, APIRoute)
    ]

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        response = _error(request, exc.status_code, str(exc.detail))
        response.headers.update(exc.headers or {})
        if exc.status_code == 405:
            path = request.url.path
            allowed = {m for r in routes if r.path_regex.match(path) for m in (r.methods or ())}
            response.headers["Allow"] = ", ".join(sorted(allowed))
        return response

    @app.exception_handler(TooManyAttemptsError)
    async def too_many(request: Request, exc: TooManyAttemptsError) -> Response:
        return _error(request, 429, str(exc))

    @app.exception_handler(SignInRefusedError)
    async def refused(request: Request, exc: SignInRefusedError) -> Response:
        return _error(request, 401, str(exc))

    @app.exception_handler(NotFoundError)
    async def not_found(request: Request, exc: NotFoundError) -> Response:
        return _error(request, 404, str(exc))

    @app.exception_handler(MusterError)
    async def muster_error(request: Request, exc: MusterError) -> Response:
        # The API: the request was well formed but cannot be done as things stand.
        return _error(request, 409 if _is_api(request) else 422, str(exc))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        if _is_api(request):
            return JSONResponse({"detail": jsonable_encoder(exc.errors())}, status_code=422)
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"][1:])
        return _error(request, 422, f"{where}: {first['msg']}")

    return app
