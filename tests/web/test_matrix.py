"""Every endpoint × every role: who is let in and who is turned away.

The table below is the specification, written independently of the route code: a new
endpoint fails this test until it is given its row.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from fastapi.routing import APIRoute
from sqlalchemy import text

from muster.accounts import service as accounts
from muster.cases import service as cases
from muster.notices import service as notices
from muster.web import api, citizen, public, staff
from tests.web.conftest import PASSWORD, Site

ANON = "anonymous"
STAFF = ("hq", "regional_officer", "medical_board", "appeals_board", "employer_hr", "auditor")
EVERYONE = (ANON, "citizen", *STAFF)
SIGNED_IN = ("citizen", *STAFF)
PUBLIC = EVERYONE
CASE_READERS = ("hq", "regional_officer", "medical_board", "appeals_board", "auditor")
OFFICERS = ("hq", "regional_officer", "auditor")
CLAIM_READERS = ("hq", "regional_officer", "appeals_board", "auditor")
OVERSIGHT = ("hq", "auditor")

MATRIX: dict[tuple[str, str], tuple[str, ...]] = {
    ("GET", "/api/v1/health"): PUBLIC,
    ("POST", "/api/v1/auth/sign-in"): PUBLIC,
    ("POST", "/api/v1/auth/code"): PUBLIC,
    ("POST", "/api/v1/auth/code/sign-in"): PUBLIC,
    ("POST", "/api/v1/auth/sign-out"): SIGNED_IN,
    ("GET", "/api/v1/notices/verify"): PUBLIC,
    ("GET", "/api/v1/public/campaigns"): PUBLIC,
    ("GET", "/api/v1/public/campaigns/{campaign_id}/quotas"): PUBLIC,
    ("GET", "/api/v1/public/statistics"): PUBLIC,
    ("GET", "/api/v1/public/campaigns/{campaign_id}/fairness"): PUBLIC,
    ("GET", "/api/v1/public/decrees"): PUBLIC,
    ("GET", "/api/v1/public/audit/checkpoints"): PUBLIC,
    ("GET", "/api/v1/me/status"): ("citizen",),
    ("GET", "/api/v1/me/claims"): ("citizen",),
    ("POST", "/api/v1/me/claims"): ("citizen",),
    ("GET", "/api/v1/persons/{national_id}/status"): CASE_READERS,
    ("GET", "/api/v1/campaigns/{campaign_id}/fulfilment"): OFFICERS,
    ("GET", "/api/v1/claims"): CLAIM_READERS,
    ("POST", "/api/v1/claims/{claim_id}/decision"): ("appeals_board",),
    ("POST", "/api/v1/claims/{claim_id}/review"): ("appeals_board",),
    ("GET", "/api/v1/audit/verify"): OVERSIGHT,
    ("GET", "/api/v1/audit/events"): OVERSIGHT,
    ("GET", "/api/v1/users"): ("hq",),
    ("GET", "/"): PUBLIC,
    ("GET", "/verify"): PUBLIC,
    ("GET", "/verify/{code}"): PUBLIC,
    ("GET", "/public/campaigns"): PUBLIC,
    ("GET", "/public/campaigns/{campaign_id}"): PUBLIC,
    ("GET", "/public/campaigns/{campaign_id}/record.json"): PUBLIC,
    ("GET", "/public/campaigns/{campaign_id}/record.order.parquet"): PUBLIC,
    ("GET", "/public/statistics"): PUBLIC,
    ("GET", "/citizen/sign-in"): PUBLIC,
    ("POST", "/citizen/sign-in"): PUBLIC,
    ("POST", "/citizen/code"): PUBLIC,
    ("POST", "/sign-out"): PUBLIC,
    ("GET", "/me"): ("citizen",),
    ("GET", "/me/notices/{number}.pdf"): ("citizen",),
    ("GET", "/me/claims/new"): ("citizen",),
    ("POST", "/me/claims"): ("citizen",),
    ("GET", "/me/claims/{claim_id}"): ("citizen",),
    ("GET", "/me/claims/{claim_id}/letter"): ("citizen",),
    ("POST", "/me/claims/{claim_id}/appeal"): ("citizen",),
    ("GET", "/staff/sign-in"): PUBLIC,
    ("POST", "/staff/sign-in"): PUBLIC,
    ("GET", "/staff"): STAFF,
    ("GET", "/staff/find"): CASE_READERS,
    ("GET", "/staff/dashboard"): OFFICERS,
    ("GET", "/staff/regions/{code}"): OFFICERS,
    ("GET", "/staff/persons/{national_id}"): CASE_READERS,
    ("GET", "/staff/campaigns/{campaign_id}"): OFFICERS,
    ("GET", "/staff/claims"): CLAIM_READERS,
    ("GET", "/staff/claims/{claim_id}"): CLAIM_READERS,
    ("POST", "/staff/claims/{claim_id}/decision"): ("appeals_board",),
    ("POST", "/staff/claims/{claim_id}/review"): ("appeals_board",),
    ("GET", "/staff/decrees"): OFFICERS,
    ("GET", "/staff/audit"): OVERSIGHT,
    ("GET", "/staff/medical"): ("medical_board",),
    ("POST", "/staff/medical"): ("medical_board",),
    ("GET", "/staff/employer"): ("employer_hr",),
    ("POST", "/staff/employer"): ("employer_hr",),
}


def _routes() -> set[tuple[str, str]]:
    found = set()
    for router in (api.router, public.router, citizen.router, staff.router):
        for route in router.routes:
            assert isinstance(route, APIRoute)
            for method in route.methods:
                found.add((method, route.path))
    return found


def test_every_endpoint_is_in_the_matrix() -> None:
    routes = _routes()
    assert routes - MATRIX.keys() == set(), "give new endpoints a row in MATRIX"
    assert MATRIX.keys() - routes == set(), "MATRIX names endpoints that no longer exist"


def _form_csrf(site: Site, page: str) -> str:
    html = site.client.get(page).text
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found
    return found.group(1)


def _fresh_code(site: Site) -> str:
    accounts.request_code(site.engine, national_id=site.called, client="matrix")
    return site.citizen_code(site.called)


def _request(
    site: Site, method: str, path: str, role: str, claim: int, number: int
) -> tuple[int, str]:
    """Call the endpoint as the role with a body it accepts; the status and any redirect.
    Sign-in limits are reset first, as if their window had passed."""
    with site.engine.begin() as conn:
        conn.execute(text("DELETE FROM one_time_codes"))
        conn.execute(text("DELETE FROM sign_in_failures"))
    code = site.region if path.startswith("/staff/regions") else "NOT-A-CODE"
    url = (
        path.replace("{campaign_id}", str(site.campaign))
        .replace("{national_id}", site.called)
        .replace("{claim_id}", str(claim))
        .replace("{number}", str(number))
        .replace("{code}", code)
    )
    headers = site.bearer(role) if role != ANON else {}
    site.client.cookies.clear()
    params: dict[str, str] = {}
    json: dict[str, object] | None = None
    data: dict[str, str] | None = None
    files = None
    if path == "/api/v1/notices/verify":
        params = {"code": "ABC"}
    if path == "/staff/find":
        params = {"national_id": site.called}
    if path == "/api/v1/auth/sign-in":
        json = {"username": "auditor", "password": PASSWORD}
    if path in ("/api/v1/auth/code",):
        json = {"national_id": site.called}
    if path == "/api/v1/auth/code/sign-in":
        json = {"national_id": site.called, "code": _fresh_code(site)}
    if path in ("/api/v1/me/claims",) and method == "POST":
        json = {"kind": "deferral", "ground": "large-family"}
    if path == "/api/v1/claims/{claim_id}/decision":
        json = {"upheld": False, "reasons": "Not proven."}
    if path in ("/citizen/sign-in", "/citizen/code", "/staff/sign-in") and method == "POST":
        data = {
            "csrf": _form_csrf(site, "/citizen/sign-in"),
            "national_id": site.called,
            "code": _fresh_code(site) if path == "/citizen/code" else "",
            "username": "auditor",
            "password": PASSWORD,
        }
    if path == "/me/claims" and method == "POST":
        data = {"ground": "deferral:large-family"}
    if path == "/me/claims/{claim_id}/appeal":
        data = {"reasons": "Because."}
    if path == "/staff/claims/{claim_id}/decision":
        data = {"upheld": "no", "reasons": "Not proven."}
    if path == "/staff/medical" and method == "POST":
        data = {"callup": "1", "fitness": "A"}
    if path == "/staff/employer" and method == "POST":
        files = {"listing": ("list.csv", b"national_id\n", "text/csv")}
    r = site.client.request(
        method,
        url,
        headers=headers,
        params=params,
        json=json,
        data=data,
        files=files,
        follow_redirects=False,
    )
    assert r.status_code < 500, f"{method} {url} as {role}: {r.status_code} {r.text[:300]}"
    return r.status_code, r.headers.get("location", "")


@pytest.mark.parametrize("role", EVERYONE)
def test_role_matrix(site: Site, role: str) -> None:
    claim = cases.file_claim(
        site.engine,
        national_id=site.called,
        kind="exemption",
        ground="accredited-it",
        filed_by="person",
        filer=site.called,
        today=date(2022, 10, 11),
        actor="test",
    ).id
    number = notices.list_notices(site.engine, national_id=site.called)[0].number
    wrong = []
    # Signing out ends the session the other calls use: last.
    for (method, path), allowed in sorted(MATRIX.items(), key=lambda kv: "sign-out" in kv[0][1]):
        status, location = _request(site, method, path, role, claim, number)
        to_sign_in = status == 303 and "/sign-in?next=" in location
        if role in allowed:
            ok = status not in (401, 403) and not to_sign_in
        elif role == ANON:
            ok = status == 401 or to_sign_in
        else:
            ok = status == 403
        if not ok:
            wrong.append(f"{method} {path}: {status} ({'allow' if role in allowed else 'deny'})")
    assert wrong == [], f"as {role}"
