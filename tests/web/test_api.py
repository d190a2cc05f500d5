"""The HTTP API: sign-in, a citizen's status and claims, a board's decision, the public
verification of notices, scoping by region, CSRF on cookie sessions."""

from __future__ import annotations

from muster.accounts import service as accounts
from muster.audit import service as audit
from muster.notices import service as notices
from tests.web.conftest import PASSWORD, Site


def test_health_and_openapi_are_public(site: Site) -> None:
    assert site.client.get("/api/v1/health").json()["status"] == "ok"
    paths = site.client.get("/api/v1/openapi.json").json()["paths"]
    assert "/api/v1/me/status" in paths
    assert "/api/v1/notices/verify" in paths


def test_staff_sign_in_gives_a_bearer_token_and_wrong_passwords_are_refused(site: Site) -> None:
    ok = site.client.post("/api/v1/auth/sign-in", json={"username": "hq", "password": PASSWORD})
    assert ok.status_code == 200
    token = ok.json()["token"]
    users = site.client.get("/api/v1/users", headers={"Authorization": f"Bearer {token}"})
    assert {u["role"] for u in users.json()} >= {"hq", "auditor"}
    bad = site.client.post("/api/v1/auth/sign-in", json={"username": "hq", "password": "nope"})
    assert bad.status_code == 401
    assert "username or password is wrong" in bad.json()["detail"]


def test_repeated_failures_lock_the_account_for_the_window_even_with_the_right_password(
    site: Site,
) -> None:
    for _ in range(accounts.MAX_FAILURES):
        r = site.client.post("/api/v1/auth/sign-in", json={"username": "hq", "password": "x"})
        assert r.status_code == 401
    locked = site.client.post("/api/v1/auth/sign-in", json={"username": "hq", "password": PASSWORD})
    assert locked.status_code == 429
    assert "wait 15 minutes" in locked.json()["detail"]
    other = site.client.post(
        "/api/v1/auth/sign-in", json={"username": "auditor", "password": PASSWORD}
    )
    assert other.status_code == 200


def test_a_citizen_signs_in_with_a_code_from_the_outbox_and_sees_called_up(site: Site) -> None:
    sent = site.client.post("/api/v1/auth/code", json={"national_id": site.called})
    unknown = site.client.post("/api/v1/auth/code", json={"national_id": "000000000000"})
    assert sent.json() == unknown.json()  # the answer does not reveal who is registered
    code = site.citizen_code(site.called)
    wrong = site.client.post(
        "/api/v1/auth/code/sign-in", json={"national_id": site.called, "code": "000000"}
    )
    assert wrong.status_code == 401
    ok = site.client.post(
        "/api/v1/auth/code/sign-in", json={"national_id": site.called, "code": code}
    )
    assert ok.status_code == 200
    again = site.client.post(
        "/api/v1/auth/code/sign-in", json={"national_id": site.called, "code": code}
    )
    assert again.status_code == 401  # a code signs in once
    me = site.client.get(
        "/api/v1/me/status", headers={"Authorization": f"Bearer {ok.json()['token']}"}
    ).json()
    assert me["national_id"] == site.called
    assert me["headline"] == "called_up"
    assert me["notices"] and me["explanation"]["decision"] == "eligible"
    assert any("Report" in d["what"] for d in me["deadlines"])


def test_a_claim_filed_by_the_citizen_holds_the_call_up_and_an_upheld_decision_releases_it(
    site: Site,
) -> None:
    # The status is read before and after each change: it is never served from an earlier read.
    before = site.client.get("/api/v1/me/status", headers=site.bearer("citizen")).json()
    assert before["headline"] == "called_up" and before["claims"] == []
    filed = site.client.post(
        "/api/v1/me/claims",
        json={"kind": "deferral", "ground": "students-state-universities"},
        headers=site.bearer("citizen"),
    )
    assert filed.status_code == 201, filed.text
    claim = filed.json()
    assert claim["status"] == "pending" and claim["call_up_status"] == "claim_pending"
    held = site.client.get("/api/v1/me/status", headers=site.bearer("citizen")).json()
    assert held["headline"] == "claim_pending"
    assert [c["status"] for c in held["claims"]] == ["pending"]
    assert any(f"claim {claim['id']}" in d["what"] for d in held["deadlines"])
    no_reasons = site.client.post(
        f"/api/v1/claims/{claim['id']}/decision",
        json={"upheld": True, "reasons": " "},
        headers=site.bearer("appeals_board"),
    )
    assert no_reasons.status_code == 409
    decided = site.client.post(
        f"/api/v1/claims/{claim['id']}/decision",
        json={"upheld": True, "reasons": "Enrolment certificate of the state university."},
        headers=site.bearer("appeals_board"),
    )
    assert decided.status_code == 200, decided.text
    assert decided.json()["status"] == "upheld"
    after = site.client.get("/api/v1/me/status", headers=site.bearer("citizen")).json()
    assert after["headline"] == "released"
    assert "Enrolment certificate" in after["reason"]
    assert [c["status"] for c in after["claims"]] == ["upheld"]


def test_an_unknown_ground_is_a_clear_error(site: Site) -> None:
    r = site.client.post(
        "/api/v1/me/claims",
        json={"kind": "deferral", "ground": "tired"},
        headers=site.bearer("citizen"),
    )
    assert r.status_code == 409
    assert "'tired' is not a ground for a deferral claim" in r.json()["detail"]


def test_a_regional_officer_sees_only_their_region(site: Site) -> None:
    own = site.client.get(
        f"/api/v1/persons/{site.called}/status", headers=site.bearer("regional_officer")
    )
    assert own.status_code == 200
    other = site.client.get(
        f"/api/v1/persons/{site.stranger}/status", headers=site.bearer("regional_officer")
    )
    assert other.status_code == 403
    rows = site.client.get(
        f"/api/v1/campaigns/{site.campaign}/fulfilment", headers=site.bearer("regional_officer")
    ).json()
    assert [r["region"] for r in rows] == [site.region]


def test_reading_a_person_is_audited(site: Site) -> None:
    site.client.get(f"/api/v1/persons/{site.called}/status", headers=site.bearer("auditor"))
    events = audit.events(site.engine, action="person.viewed", limit=5)
    assert events[0].subject == f"person:{site.called}"
    assert events[0].actor == "web:auditor" and events[0].role == "auditor"


def test_cookie_sessions_need_the_csrf_token_to_change_anything(site: Site) -> None:
    session = accounts.sign_in(
        site.engine, username="appeals_board", password=PASSWORD, client="test"
    )
    site.client.cookies.set("muster_session", session.token)
    claim = site.client.post(
        "/api/v1/me/claims",
        json={"kind": "deferral", "ground": "students-state-universities"},
        headers=site.bearer("citizen"),
    ).json()
    body = {"upheld": False, "reasons": "No certificate."}
    forged = site.client.post(f"/api/v1/claims/{claim['id']}/decision", json=body)
    assert forged.status_code == 403 and "CSRF" in forged.json()["detail"]
    ok = site.client.post(
        f"/api/v1/claims/{claim['id']}/decision",
        json=body,
        headers={"X-CSRF-Token": session.csrf},
    )
    assert ok.status_code == 200 and ok.json()["status"] == "rejected"


def test_anyone_can_verify_a_notice_and_a_forged_code_is_named(site: Site) -> None:
    genuine = notices.list_notices(site.engine, limit=1)[0]
    r = site.client.get("/api/v1/notices/verify", params={"code": genuine.code}).json()
    assert r["verdict"] == "genuine" and r["number"] == genuine.number
    forged = genuine.code[:-1] + ("A" if genuine.code[-1] != "A" else "B")
    assert (
        site.client.get("/api/v1/notices/verify", params={"code": forged}).json()["verdict"]
        == "forged"
    )


def test_published_statistics_carry_no_personal_data(site: Site) -> None:
    stats = site.client.get("/api/v1/public/statistics").json()
    assert stats["campaign"] == site.campaign
    assert sum(r["called"] for r in stats["regions"]) >= 40
    assert site.called not in str(stats)


def test_the_burdens_fairness_is_published(site: Site) -> None:
    fair = site.client.get(f"/api/v1/public/campaigns/{site.campaign}/fairness").json()
    assert fair["called"] >= 40 and 0 <= fair["regions"]["gini"] < 1
    assert {g["group"] for g in fair["by_settlement"]} <= {"urban", "rural"}
    page = site.client.get("/public/statistics").text
    assert "Gini across regions" in page and f"{fair['regions']['gini']:.3f}" in page
