"""The pages as people use them: forms that say what is wrong, nothing fetched from the
internet, texts in a message catalog, evidence refused with a reason, employers' lists
checked whole."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from muster.audit import service as audit
from muster.web import i18n
from tests.web.conftest import Site

PAGES = [
    "/",
    "/verify",
    "/public/campaigns",
    "/public/campaigns/1",
    "/public/statistics",
    "/citizen/sign-in",
    "/staff/sign-in",
]


@pytest.mark.parametrize("page", PAGES)
def test_public_pages_load_and_fetch_nothing_from_outside(site: Site, page: str) -> None:
    r = site.client.get(page)
    assert r.status_code == 200
    links = re.findall(r'(?:src|href|action)="([^"]+)"', r.text)
    assert links and all(not re.match(r"(https?:)?//", u) for u in links), links
    assert "default-src 'self'" in r.headers["content-security-policy"]


def _sign_in_form(site: Site, username: str, password: str) -> None:
    html = site.client.get("/staff/sign-in").text
    token = re.search(r'name="csrf" value="([^"]+)"', html)
    assert token
    r = site.client.post(
        "/staff/sign-in",
        data={"username": username, "password": password, "csrf": token.group(1)},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text


def test_staff_forms_refuse_a_missing_csrf_token(site: Site) -> None:
    r = site.client.post(
        "/staff/sign-in", data={"username": "hq", "password": "x", "csrf": "guess"}
    )
    assert r.status_code == 403
    assert "CSRF" in r.text


def test_a_signed_in_form_without_the_sessions_token_is_refused(site: Site) -> None:
    _sign_in_form(site, "medical_board", "correct horse battery")
    r = site.client.post("/staff/medical", data={"callup": "1", "fitness": "D", "csrf": "x"})
    assert r.status_code == 403


def test_pages_need_sign_in_and_send_you_back_after(site: Site) -> None:
    r = site.client.get("/staff/dashboard", follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/staff/sign-in?next=/staff/dashboard"
    r = site.client.get("/me", follow_redirects=False)
    assert r.headers["location"] == "/citizen/sign-in?next=/me"


def test_the_person_page_explains_the_decision_and_the_read_is_audited(site: Site) -> None:
    _sign_in_form(site, "hq", "correct horse battery")
    html = site.client.get(f"/staff/persons/{site.called}").text
    assert "Every rule of the decree and how it came out" in html
    assert "Art." in html or "art." in html
    assert audit.events(site.engine, action="person.viewed", limit=1)[0].actor == "web:hq"


def test_evidence_of_the_wrong_type_is_refused_with_a_reason(site: Site) -> None:
    r = site.client.post(
        "/me/claims",
        data={"ground": "deferral:students-state-universities"},
        files={"evidence": ("certificate.pdf", b"MZ\x90\x00 not a pdf", "application/pdf")},
        headers=site.bearer("citizen"),
    )
    assert r.status_code == 422
    assert "expected a PDF, PNG or JPEG document" in r.text
    assert site.client.get("/api/v1/me/claims", headers=site.bearer("citizen")).json() == []


def test_an_employer_list_with_problems_files_nothing_and_names_each_line(site: Site) -> None:
    listing = f"national_id\n{site.called}\nXX0000000000\n{site.called}\n"
    r = site.client.post(
        "/staff/employer",
        files={"listing": ("staff.csv", listing.encode(), "text/csv")},
        headers=site.bearer("employer_hr"),
    )
    assert r.status_code == 422
    assert "staff.csv:3" in r.text and "staff.csv:4" in r.text
    assert site.client.get("/api/v1/claims", headers=site.bearer("hq")).json() == []


def test_a_board_decision_form_needs_written_reasons(site: Site) -> None:
    claim = site.client.post(
        "/api/v1/me/claims",
        json={"kind": "deferral", "ground": "students-state-universities"},
        headers=site.bearer("citizen"),
    ).json()
    r = site.client.post(
        f"/staff/claims/{claim['id']}/decision",
        data={"upheld": "yes", "reasons": "  "},
        headers=site.bearer("appeals_board"),
    )
    assert r.status_code == 422
    assert "a decision needs written reasons" in r.text


def test_the_citizen_downloads_their_notice_and_nobody_elses(site: Site) -> None:
    status = site.client.get("/api/v1/me/status", headers=site.bearer("citizen")).json()
    number = status["notices"][0]["number"]
    pdf = site.client.get(f"/me/notices/{number}.pdf", headers=site.bearer("citizen"))
    assert pdf.content.startswith(b"%PDF")
    theirs = site.client.get(f"/me/notices/{number + 1}.pdf", headers=site.bearer("citizen"))
    assert theirs.status_code == 404


def test_the_draw_record_is_published_for_anyone_to_rerun(site: Site) -> None:
    from muster.selection import lottery

    record = site.client.get(f"/public/campaigns/{site.campaign}/record.json").json()
    order = site.client.get(f"/public/campaigns/{site.campaign}/record.order.parquet")
    assert order.status_code == 200 and order.content[:4] == b"PAR1"
    assert lottery.commitment(bytes.fromhex(record["seed"])) == record["commitment"]


def test_every_text_on_the_pages_is_in_the_message_catalog() -> None:
    web = Path("src/muster/web")
    method_map = [("**.py", "python"), ("templates/**.html", "jinja2")]
    options = {"templates/**.html": {"trim_blocks": "true", "lstrip_blocks": "true"}}
    found = {m[2] for m in extract_from_dir(str(web), method_map, options_map=options)}
    with (web / "locale" / "messages.pot").open("rb") as fh:
        catalog = {m.id for m in read_po(fh) if m.id}
    missing = {str(m) for m in found} - catalog
    assert missing == set(), "run the pybabel extract command in babel.cfg"


def test_a_second_language_switches_the_pages(site: Site) -> None:
    assert "uk" in i18n.languages()
    html = site.client.get("/?lang=uk").text
    assert "Перевірити свій статус" in html
    assert site.client.cookies.get("muster_lang") == "uk"
    assert "Check your status" in site.client.get("/?lang=en").text


def test_decree_pages_show_the_difference_and_the_impact_of_an_amendment(site: Site) -> None:
    old, new = "partial-mobilization-2022@1", "partial-mobilization-2022@2"
    html = site.client.get(
        "/staff/decrees", params={"old": old, "new": new}, headers=site.bearer("hq")
    ).text
    assert "accredited-it" in html and "Compute the impact" in html
    html = site.client.get(
        "/staff/decrees",
        params={"old": old, "new": new, "impact": "true"},
        headers=site.bearer("auditor"),
    ).text
    found = re.search(r'id="impact">([\d,]+) of ([\d,]+) persons', html)
    assert found and int(found.group(2).replace(",", "")) == 3_000
    assert int(found.group(1).replace(",", "")) > 0
    assert "eligible → exempt" in html


def test_a_board_reviews_a_deferral_held_until_reviewed_from_the_claim_page(site: Site) -> None:
    claim = site.client.post(
        "/api/v1/me/claims",
        json={"kind": "deferral", "ground": "students-state-universities"},
        headers=site.bearer("citizen"),
    ).json()
    site.client.post(
        f"/staff/claims/{claim['id']}/decision",
        data={"upheld": "yes", "reasons": "Enrolment certificate seen."},
        headers=site.bearer("appeals_board"),
    )
    page = site.client.get(f"/staff/claims/{claim['id']}", headers=site.bearer("appeals_board"))
    assert "until reviewed" in page.text and "Review now" in page.text
    officer = site.client.get(f"/staff/claims/{claim['id']}", headers=site.bearer("hq")).text
    assert "Review now" not in officer  # only the board reviews

    r = site.client.post(
        f"/staff/claims/{claim['id']}/review",
        headers=site.bearer("appeals_board"),
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    after = site.client.get(f"/staff/claims/{claim['id']}", headers=site.bearer("appeals_board"))
    assert "ended on" in after.text and "Review now" not in after.text
    again = site.client.post(
        f"/api/v1/claims/{claim['id']}/review", headers=site.bearer("appeals_board")
    )
    assert again.status_code == 409 and "already ended on" in again.json()["detail"]
