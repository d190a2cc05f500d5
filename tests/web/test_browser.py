"""Real Chromium (Debian's, driven by Playwright) against the app served by uvicorn.

A citizen signs in, sees "called up", files a student deferral with evidence; an appeals
board member upholds it; the citizen sees "released" and the reason. A regional officer
cannot open another region's person. The public page rejects a forged code. Screenshots of
the main pages go to ``test-artifacts/screenshots``.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from muster.config import Settings
from muster.notices import service as notices
from muster.web.app import create_app
from tests.web.conftest import PASSWORD, TODAY, Site

CHROMIUM = os.environ.get("MUSTER_CHROMIUM", "/usr/bin/chromium")
SHOTS = Path("test-artifacts/screenshots")
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)

pytestmark = pytest.mark.browser
if not Path(CHROMIUM).exists():
    if os.environ.get("MUSTER_REQUIRE_BROWSER") == "1":
        raise RuntimeError(f"Chromium is required but missing at {CHROMIUM}")
    pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)", allow_module_level=True)

from playwright.sync_api import Browser, Page, expect, sync_playwright  # noqa: E402


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def served(site: Site, tmp_path: Path) -> Iterator[str]:
    """The test's database served on a free loopback port."""
    settings = Settings(
        db=site.engine.url.render_as_string(hide_password=False),
        today=TODAY,
        evidence_dir=str(tmp_path / "evidence"),
        publish_dir=str(tmp_path / "published"),
    )
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(100):
        if server.started:
            break
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield b
        b.close()


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def staff_sign_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/staff/sign-in")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Workspace")).to_be_visible()


def test_citizen_files_a_student_deferral_and_the_appeals_board_upholds_it(
    site: Site, served: str, browser: Browser, tmp_path: Path
) -> None:
    citizen = browser.new_context().new_page()
    citizen.goto(served)
    shot(citizen, "home")
    citizen.get_by_role("link", name="Check your status").click()
    citizen.get_by_label("National id").fill(site.called)
    citizen.get_by_role("button", name="Send me a code").click()
    citizen.get_by_label("One-time code").fill(site.citizen_code(site.called))
    citizen.get_by_role("button", name="Sign in").click()
    expect(citizen.locator("#headline")).to_contain_text("Called up")
    shot(citizen, "citizen-status")

    citizen.get_by_role("link", name="File a claim").first.click()
    citizen.get_by_label("Ground").select_option("deferral:students-state-universities")
    evidence = tmp_path / "enrolment.png"
    evidence.write_bytes(PNG)
    citizen.get_by_label("Evidence (optional)").set_input_files(str(evidence))
    shot(citizen, "citizen-claim-form")
    citizen.get_by_role("button", name="File the claim").click()
    expect(citizen.locator("#claim")).to_contain_text("pending")
    claim_id = citizen.url.rsplit("/", 1)[1]

    board = browser.new_context().new_page()
    staff_sign_in(board, served, "appeals_board")
    board.get_by_role("link", name="Claims", exact=True).first.click()
    shot(board, "staff-claims-queue")
    board.locator("#claims").get_by_role("link", name=claim_id, exact=True).click()
    board.get_by_label("Uphold: release the call-up").check()
    board.get_by_label("Written reasons").fill(
        "Enrolment certificate of a state university, full-time, until 2026."
    )
    shot(board, "staff-claim-decision")
    board.get_by_role("button", name="Record the decision").click()
    expect(board.locator("#claim")).to_contain_text("upheld")

    citizen.goto(f"{served}/me")
    expect(citizen.locator("#headline")).to_contain_text("Released")
    expect(citizen.locator("#reason")).to_contain_text("Enrolment certificate of a state")
    shot(citizen, "citizen-released")


def test_a_regional_officer_cannot_open_another_regions_person(
    site: Site, served: str, browser: Browser
) -> None:
    page = browser.new_context().new_page()
    staff_sign_in(page, served, "regional_officer")
    own = page.goto(f"{served}/staff/persons/{site.called}")
    assert own is not None and own.status == 200
    expect(page.get_by_role("heading", name="Decision")).to_be_visible()
    shot(page, "staff-person")
    other = page.goto(f"{served}/staff/persons/{site.stranger}")
    assert other is not None and other.status == 403
    expect(page.get_by_role("heading", name="You may not open this page")).to_be_visible()


def test_the_public_page_rejects_a_forged_code_and_accepts_a_genuine_one(
    site: Site, served: str, browser: Browser
) -> None:
    genuine = notices.list_notices(site.engine, limit=1)[0].code
    forged = genuine[:-1] + ("A" if genuine[-1] != "A" else "B")
    page = browser.new_context().new_page()
    page.goto(f"{served}/verify")
    page.get_by_label("Verification code").fill(forged)
    page.get_by_role("button", name="Check").click()
    expect(page.locator("#verdict")).to_contain_text("forged")
    shot(page, "public-verify-forged")
    page.goto(f"{served}/verify/{genuine}")
    expect(page.locator("#verdict")).to_contain_text("genuine")


def test_dashboard_and_public_charts_draw_from_the_api_without_the_internet(
    site: Site, served: str, browser: Browser
) -> None:
    context = browser.new_context()
    outside: list[str] = []
    context.on(
        "request",
        lambda r: outside.append(r.url) if not r.url.startswith(served) else None,
    )
    page = context.new_page()
    staff_sign_in(page, served, "hq")
    page.goto(f"{served}/staff/dashboard")
    charts = page.locator("canvas[data-src]")
    expect(charts.first).to_have_attribute("data-drawn", "12")
    shot(page, "staff-dashboard")
    page.goto(f"{served}/staff/campaigns/{site.campaign}")
    expect(page.locator("canvas[data-src]").first).to_have_attribute("data-drawn", "12")
    shot(page, "staff-campaign")
    page.goto(f"{served}/public/statistics")
    expect(page.locator("canvas[data-src]").nth(0)).to_have_attribute("data-drawn", "2")
    expect(page.locator("canvas[data-src]").nth(1)).to_have_attribute("data-drawn", "12")
    shot(page, "public-statistics")
    assert outside == []


AXE = Path(__file__).parent / "vendor" / "axe-4.14.1.min.js"


def _violations(page: Page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    found = page.evaluate(
        "async () => (await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'wcag21aa']}))"
        ".violations.map(v => v.id + ': ' + v.help + ' (' + v.nodes.length + ')')"
    )
    return [str(v) for v in found]


def test_the_main_pages_pass_an_automated_accessibility_check(
    site: Site, served: str, browser: Browser
) -> None:
    """axe-core (WCAG 2.1 A and AA rules) on the pages citizens and staff use most."""
    context = browser.new_context(bypass_csp=True)  # only so the checker can be injected
    page = context.new_page()
    page.set_content('<html lang="en"><title>t</title><main><input type="text"></main></html>')
    assert any(v.startswith("label:") for v in _violations(page))  # the checker does check
    problems: dict[str, list[str]] = {}
    for path in ("/", "/verify", "/citizen/sign-in", "/public/statistics", "/staff/sign-in"):
        page.goto(f"{served}{path}")
        problems[path] = _violations(page)
    staff_sign_in(page, served, "hq")
    for path in ("/staff", "/staff/dashboard", "/staff/claims", f"/staff/persons/{site.called}"):
        page.goto(f"{served}{path}")
        problems[path] = _violations(page)
    citizen = browser.new_context(bypass_csp=True).new_page()
    citizen.goto(f"{served}/citizen/sign-in")
    citizen.get_by_label("National id").fill(site.called)
    citizen.get_by_role("button", name="Send me a code").click()
    problems["/citizen/code"] = _violations(citizen)
    citizen.get_by_label("One-time code").fill(site.citizen_code(site.called))
    citizen.get_by_role("button", name="Sign in").click()
    for path in ("/me", "/me/claims/new"):
        citizen.goto(f"{served}{path}")
        problems[path] = _violations(citizen)
    assert {p: v for p, v in problems.items() if v} == {}
