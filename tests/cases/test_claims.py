"""Claims on SQLite and PostgreSQL: a pending claim stops the clock, the registry's proof
decides at once, boards decide with reasons, appeals go up a tier, missed deadlines escalate."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import text

from muster.audit import service as audit
from muster.cases import service as cases
from muster.cases.schemas import ClaimRead
from muster.errors import MusterError
from muster.notices import service as notices
from muster.registry import service as registry
from muster.screening import service as screening
from muster.selection import service as selection
from tests.cases.conftest import DAY, DECREE_ID, Called

FILED = DAY + timedelta(days=1)


def file(c: Called, kind: str = "exemption", ground: str = "accredited-it") -> ClaimRead:
    return cases.file_claim(
        c.engine,
        national_id=c.national_id,
        kind=kind,
        ground=ground,
        filed_by="person",
        filer=c.national_id,
        today=FILED,
        actor="citizen",
    )


def status(c: Called, callup: int | None = None) -> str:
    return selection.get_callup(c.engine, callup_id=callup or c.callup).status


def make_unfit(c: Called) -> None:
    with c.engine.begin() as conn:
        person = conn.scalar(text("SELECT person_id FROM call_ups WHERE id = :i"), {"i": c.callup})
        registry.record_fitness(
            conn, person_id=int(person), fitness="D", unfit_until=None, actor="t", source="test"
        )


def test_a_pending_claim_stops_the_clock_and_blocks_enlistment(called: Called) -> None:
    claim = file(called)
    assert claim.status == "pending" and claim.tier == 1 and not claim.automatic
    assert claim.board.startswith("regional board ") and claim.due_on == FILED + timedelta(days=7)
    assert status(called) == "claim_pending"
    notice = notices.list_notices(called.engine, call_up=called.callup)[-1]
    assert notice.status == "withdrawn"
    with pytest.raises(MusterError, match="can't enlist when the call-up is claim pending"):
        notices.move(called.engine, callup_id=called.callup, to="enlisted", actor="officer")
    assert [e.action for e in audit.events(called.engine, subject=f"claim:{claim.id}")] == [
        "claim.filed"
    ]


def test_a_ground_the_decree_does_not_know_is_refused(called: Called) -> None:
    with pytest.raises(MusterError, match="ground: 'rich-uncle' is not a ground for a exemption"):
        file(called, ground="rich-uncle")
    with pytest.raises(MusterError, match="kind: "):
        file(called, kind="whim")
    assert status(called) == "notified"


def test_automatic_verification_upholds_what_the_registry_proves(called: Called) -> None:
    make_unfit(called)
    claim = file(called, kind="unfit", ground="unfit")
    assert claim.status == "upheld" and claim.automatic
    assert claim.decided_by == "automatic verification"
    assert "Fit for service" in (claim.reasons or "") and claim.reference == "Decree, para. 2"
    released = selection.get_callup(called.engine, callup_id=called.callup)
    assert released.status == "released" and (released.reason or "").startswith("unfit:")
    assert claim.replacement is not None
    assert selection.get_callup(called.engine, callup_id=claim.replacement).status == "selected"
    # what the registry proved, the registry goes on deciding: no grant outlives it
    with called.engine.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM grants")) == 0


def test_a_board_upholding_releases_and_replaces(called: Called) -> None:
    claim = file(called)
    done = cases.decide(
        called.engine,
        claim_id=claim.id,
        upheld=True,
        reasons="Employer's accreditation certificate checked.",
        board="regional board",
        actor="board",
        today=FILED + timedelta(days=2),
    )
    assert done.status == "upheld" and done.reference
    assert status(called) == "released" and done.replacement is not None


def test_what_a_board_upheld_holds_in_every_later_screen_of_the_decree(called: Called) -> None:
    """The registry does not show the employer's accreditation the board checked: the person
    stays exempt through later screens, whole and incremental, and out of the pool."""
    claim = file(called)
    cases.decide(
        called.engine,
        claim_id=claim.id,
        upheld=True,
        reasons="Employer's accreditation certificate checked.",
        board="regional board",
        actor="board",
        today=FILED,
    )
    for changed_only in (True, False):
        screening.screen(called.engine, as_of=FILED, changed_only=changed_only, actor="t")
        explained = screening.explain(called.engine, national_id=called.national_id, as_of=FILED)
        assert explained.decision == "exempt"
        assert explained.granted is not None
        assert (explained.granted.ground, explained.granted.source) == (
            "accredited-it",
            f"claim {claim.id}",
        )
        with called.engine.connect() as conn:
            person = conn.scalar(
                text("SELECT person_id FROM call_ups WHERE id = :i"), {"i": called.callup}
            )
            assert screening.eligible_ids(conn, decree_id=DECREE_ID, person_ids=[person]) == set()


def test_a_board_rejecting_returns_the_call_up_and_a_fresh_notice_follows(
    called: Called,
) -> None:
    claim = file(called)
    with pytest.raises(MusterError, match="reasons"):
        cases.decide(
            called.engine,
            claim_id=claim.id,
            upheld=False,
            reasons="  ",
            board="b",
            actor="b",
            today=FILED,
        )
    later = FILED + timedelta(days=3)
    done = cases.decide(
        called.engine,
        claim_id=claim.id,
        upheld=False,
        reasons="No accreditation on record.",
        board="regional board",
        actor="board",
        today=later,
    )
    assert done.status == "rejected" and status(called) == "notified"
    notices.issue(called.engine, campaign_id=called.campaign, day=later, actor="officer")
    fresh = notices.list_notices(called.engine, call_up=called.callup)[-1]
    assert fresh.status == "issued" and fresh.kind == "repeat" and fresh.issued_on == later
    with pytest.raises(MusterError, match="already rejected"):
        cases.decide(
            called.engine,
            claim_id=claim.id,
            upheld=True,
            reasons="x",
            board="b",
            actor="b",
            today=later,
        )


def test_an_appeal_goes_one_tier_up_and_stops_the_clock_again(called: Called) -> None:
    claim = file(called)
    cases.decide(
        called.engine,
        claim_id=claim.id,
        upheld=False,
        reasons="No accreditation on record.",
        board="regional board",
        actor="board",
        today=FILED,
    )
    up = cases.appeal(
        called.engine,
        claim_id=claim.id,
        reasons="The certificate is attached.",
        actor="citizen",
        today=FILED + timedelta(days=1),
    )
    assert up.tier == 2 and up.appeal_of == claim.id and up.board == "appeals board"
    assert up.status == "pending" and status(called) == "claim_pending"
    with pytest.raises(MusterError, match="only a rejected claim is appealed"):
        cases.appeal(called.engine, claim_id=up.id, reasons="x", actor="c", today=FILED)


def test_an_appeal_after_its_deadline_is_refused(called: Called) -> None:
    claim = file(called)
    cases.decide(
        called.engine,
        claim_id=claim.id,
        upheld=False,
        reasons="No.",
        board="b",
        actor="b",
        today=FILED,
    )
    with pytest.raises(MusterError, match="appeal was due by 2022-10-26"):
        cases.appeal(
            called.engine, claim_id=claim.id, reasons="late", actor="c", today=date(2022, 11, 1)
        )


def test_an_overdue_claim_escalates_and_the_miss_is_counted(called: Called) -> None:
    claim = file(called)
    late = claim.due_on + timedelta(days=1)
    assert cases.escalate_overdue(called.engine, today=claim.due_on, actor="s").escalated == 0
    result = cases.escalate_overdue(called.engine, today=late, actor="s")
    assert result.escalated == 1 and result.missed_by_board == {claim.board: 1}
    now = cases.get_claim(called.engine, claim_id=claim.id)
    assert now.tier == 2 and now.missed == 1 and now.due_on == late + timedelta(days=7)
    assert now.status == "pending" and status(called) == "claim_pending"


def test_a_decision_is_a_letter_with_reasons_law_and_the_appeal_deadline(called: Called) -> None:
    claim = file(called)
    cases.decide(
        called.engine,
        claim_id=claim.id,
        upheld=False,
        reasons="No accreditation <on record>.",
        board="regional board",
        actor="board",
        today=FILED,
    )
    html = cases.letter(called.engine, claim_id=claim.id)
    assert f"Decision on claim {claim.id}" in html and "rejected on 2022-10-12" in html
    assert "No accreditation &lt;on record&gt;." in html
    assert "Ministry of Defence statement of 23 September 2022" in html
    assert "appeal to the appeals board by 2022-10-26" in html


def test_the_errors_report_shows_each_boards_backlog_and_its_missed_deadlines(
    called: Called,
) -> None:
    from muster.cases import errors

    claim = file(called)
    late = claim.due_on + timedelta(days=1)
    before = {b.board: b for b in errors.report(called.engine, today=late).boards}
    assert before[claim.board].pending == 1 and before[claim.board].overdue == 1
    cases.escalate_overdue(called.engine, today=late, actor="s")
    moved = cases.get_claim(called.engine, claim_id=claim.id)
    after = {b.board: b for b in errors.report(called.engine, today=late).boards}
    assert after[claim.board].missed_deadlines == 1 and after[claim.board].pending == 0
    assert after[moved.board].pending == 1 and after[moved.board].overdue == 0


def _two_claims_on_one_call_up(c: Called) -> tuple[int, int]:
    """Claim A rejected, then claim B filed on the same call-up, then A appealed: two
    pending claims on one call-up. The ids of the appeal and of B."""
    day = date(2022, 10, 12)
    a = cases.file_claim(
        c.engine, national_id=c.national_id, kind="exemption", ground="accredited-it",
        filed_by="person", filer=c.national_id, today=day, actor="citizen",
    )  # fmt: skip
    cases.decide(
        c.engine, claim_id=a.id, upheld=False, reasons="No accreditation.", board="board",
        actor="board", today=day,
    )  # fmt: skip
    b = cases.file_claim(
        c.engine, national_id=c.national_id, kind="deferral", ground="large-family",
        filed_by="person", filer=c.national_id, today=day, actor="citizen",
    )  # fmt: skip
    appeal = cases.appeal(c.engine, claim_id=a.id, reasons="Look again.", actor="c", today=day)
    assert appeal.status == "pending" and b.status == "pending"
    return appeal.id, b.id


def test_rejecting_one_of_two_pending_claims_keeps_the_clock_stopped(called: Called) -> None:
    appeal, b = _two_claims_on_one_call_up(called)
    cases.decide(
        called.engine, claim_id=b, upheld=False, reasons="Two children only.", board="board",
        actor="board", today=date(2022, 10, 13),
    )  # fmt: skip
    assert cases.get_claim(called.engine, claim_id=appeal).call_up_status == "claim_pending"


def test_upholding_one_claim_closes_the_others_on_the_same_call_up(called: Called) -> None:
    appeal, b = _two_claims_on_one_call_up(called)
    cases.decide(
        called.engine, claim_id=b, upheld=True, reasons="Four children under 16.", board="board",
        actor="board", today=date(2022, 10, 13),
    )  # fmt: skip
    closed = cases.get_claim(called.engine, claim_id=appeal)
    assert closed.status == "closed" and closed.call_up_status == "released"
    assert f"claim {b} was upheld" in (closed.reasons or "")
    assert "needs no decision any more" in cases.letter(called.engine, claim_id=appeal)
    with pytest.raises(MusterError, match="already closed"):
        cases.decide(
            called.engine, claim_id=appeal, upheld=True, reasons="x", board="b", actor="b",
            today=date(2022, 10, 14),
        )  # fmt: skip
