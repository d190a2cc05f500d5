"""Server-rendered pages: one Jinja2 environment, every text through the message catalog,
the signed-in principal and the CSRF token in every page's context."""

from __future__ import annotations

import secrets
from typing import Any

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse

from muster.accounts.schemas import ROLE_TITLES, Principal
from muster.web import i18n
from muster.web.deps import FORM_CSRF_COOKIE

LANG_COOKIE = "muster_lang"


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("muster.web", "templates"),
        autoescape=jinja2.select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["words"] = lambda s: str(s).replace("_", " ")
    env.filters["thousands"] = lambda n: f"{int(n):,}"
    return env


ENV = _environment()


def render(
    request: Request,
    name: str,
    *,
    who: Principal | None = None,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    """Render a page. Signed-in pages carry the session's CSRF token (``csrf``); the sign-in
    forms carry ``form_csrf``, the double-submit token of the ``muster_csrf`` cookie (set here
    when missing)."""
    lang = i18n.pick(
        query=request.query_params.get("lang"),
        cookie=request.cookies.get(LANG_COOKIE),
        accept=request.headers.get("accept-language"),
    )
    t = i18n.translations(lang)
    form_token = request.cookies.get(FORM_CSRF_COOKIE) or secrets.token_urlsafe(24)
    html = ENV.get_template(name).render(
        request=request,
        who=who,
        role_title=ROLE_TITLES.get(who.role, who.role) if who else None,
        csrf=who.csrf if who else form_token,
        form_csrf=form_token,
        lang=lang,
        languages=i18n.languages(),
        _=t.gettext,
        ngettext=t.ngettext,
        **context,
    )
    response = HTMLResponse(html, status_code=status_code)
    if FORM_CSRF_COOKIE not in request.cookies:
        response.set_cookie(FORM_CSRF_COOKIE, form_token, httponly=True, samesite="strict")
    if request.query_params.get("lang") in i18n.languages():
        response.set_cookie(LANG_COOKIE, lang, samesite="lax")
    return response
