"""Deferrals that reach their end date, on SQLite and PostgreSQL: renewed while a deferral
ground still holds on the registry, expired otherwise — and then the person's decision is
the decree's, so someone eligible is back in the pool."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, text

from muster.audit import service as audit
from muster.cases import service as cases
from muster.cases.schemas import ClaimRead
from muster.errors import MusterError, NotFoundError
from muster.registry import service as registry
from muster.screening import service as screening
from tests.cases.conftest import DAY, DECREE_ID, Called, held_until_reviewed

REVIEW = date(2023, 10, 10)  # a year after the screen: review dates and many studies end


def sql(engine: Engine, query: str, **params: Any) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(text(query), params))


def stored(engine: Engine) -> dict[str, tuple[str, str | None, str | None]]:
    """Every person's stored decision: {national id: (decision, until, ground)}."""
    rows = sql(
        engine,
        "SELECT p.national_id, d.decision, d.until, d.ground FROM decisions d "
        "JOIN persons p ON p.id = d.person_id WHERE d.decree_id = :d",
        d=DECREE_ID,
    )
    return {str(n): (str(k), None if u is None else str(u), g) for n, k, u, g in rows}


def set_unfit(engine: Engine, national_id: str, until: date) -> int:
    with engine.begin() as conn:
        person = int(
            conn.scalar(text("SELECT id FROM persons WHERE national_id = :n"), {"n": national_id})
        )
        registry.record_fitness(
            conn, person_id=person, fitness="G", unfit_until=until, actor="board", source="test"
        )
    return person


def claim_deferral(c: Called, ground: str) -> ClaimRead:
    return cases.file_claim(
        c.engine,
        national_id=c.national_id,
        kind="deferral",
        ground=ground,
        filed_by="person",
        filer=c.national_id,
        today=DAY,
        actor="citizen",
    )


def test_ended_deferrals_renew_while_their_ground_holds_and_expire_otherwise(
    screened_2022: Engine,
) -> None:
    engine = screened_2022
    before = stored(engine)
    due = {n for n, (k, u, _) in before.items() if k == "deferred" and u and u <= str(REVIEW)}
    assert {before[n][2] for n in due} >= {"sole-carer", "students-state-universities"}
    pool = sum(screening.pool_by_region(engine, decree_id=DECREE_ID).values())

    result = cases.renew(engine, as_of=REVIEW, actor="hq")

    assert result.checked == len(due) == result.renewed + result.expired
    assert {d.national_id for d in result.deferrals} == due
    version = screening.stored_decree(engine, DECREE_ID).in_force(REVIEW)
    ids = {
        str(n): int(i)
        for i, n in sql(engine, "SELECT id, national_id FROM persons")
        if str(n) in due
    }
    with engine.connect() as conn:
        now_ = screening.decide_now(
            conn, version=version, person_ids=list(ids.values()), as_of=REVIEW
        )
    after = stored(engine)
    for d in result.deferrals:
        decision, ground = now_[ids[d.national_id]]
        assert (d.decision, d.ground) == (decision, ground) == after[d.national_id][::2]
        assert d.outcome == ("renewed" if decision == "deferred" else "expired")
        assert d.ground_before == before[d.national_id][2]
    # a review date renews a year on (unless the person has aged out); an ended study does not
    carers = [d for d in result.deferrals if d.ground_before == "sole-carer"]
    assert any(d.outcome == "renewed" for d in carers)
    for d in carers:
        assert (d.outcome, d.until) == ("renewed", date(2024, 10, 10)) or (
            d.decision == "ineligible" and d.ground == "reserve-age"
        )
    for d in result.deferrals:
        if d.ground_before == "students-state-universities":
            assert d.outcome == "expired" and d.decision != "deferred"
    back = sum(1 for d in result.deferrals if d.decision == "eligible")
    assert back > 0
    assert sum(screening.pool_by_region(engine, decree_id=DECREE_ID).values()) == pool + back
    # nobody else's decision moved
    assert {n: v for n, v in after.items() if n not in due} == {
        n: v for n, v in before.items() if n not in due
    }
    events = [e for e in audit.events(engine) if e.action.startswith("deferral.")]
    assert sorted(e.subject for e in events) == sorted(f"person:{n}" for n in due)
    assert sum(e.action == "deferral.renewed" for e in events) == result.renewed
    assert audit.verify(engine).ok
    # a second run on the same day finds nothing left to do
    assert cases.renew(engine, as_of=REVIEW, actor="hq").checked == 0


def test_a_temporary_unfitness_extended_by_the_board_renews_with_its_new_end(
    screened_2022: Engine,
) -> None:
    engine = screened_2022
    unfit = sorted(
        (str(u), str(n))
        for n, (k, u, g) in stored(engine).items()
        if g == "temporarily-unfit" and u
    )
    ends, national_id = unfit[0]
    end = date.fromisoformat(ends)
    set_unfit(engine, national_id, end + timedelta(days=120))

    early = cases.renew(engine, as_of=end - timedelta(days=1), actor="hq")
    assert national_id not in {d.national_id for d in early.deferrals}

    result = cases.renew(engine, as_of=end, actor="hq")
    mine = next(d for d in result.deferrals if d.national_id == national_id)
    assert (mine.outcome, mine.ground, mine.until) == (
        "renewed",
        "temporarily-unfit",
        end + timedelta(days=120),
    )
    assert stored(engine)[national_id] == (
        "deferred",
        str(end + timedelta(days=120)),
        "temporarily-unfit",
    )
    event = next(e for e in audit.events(engine) if e.subject == f"person:{national_id}")
    assert event.action == "deferral.renewed"
    assert event.before["until"] == ends and "still holds" in (event.reason or "")


def test_a_claimed_deferral_renews_while_the_registry_shows_its_ground(called: Called) -> None:
    first_end, second_end = date(2023, 1, 15), date(2023, 6, 1)
    set_unfit(called.engine, called.national_id, first_end)
    claim = claim_deferral(called, "temporarily-unfit")
    assert (claim.status, claim.automatic, claim.deferred_until) == ("upheld", True, first_end)
    assert str(first_end) in cases.letter(called.engine, claim_id=claim.id)

    set_unfit(called.engine, called.national_id, second_end)
    renewed = cases.renew(called.engine, as_of=first_end, actor="hq")
    mine = next(d for d in renewed.deferrals if d.claim == claim.id)
    assert (mine.outcome, mine.until) == ("renewed", second_end)
    assert cases.get_claim(called.engine, claim_id=claim.id).deferred_until == second_end

    expired = cases.renew(called.engine, as_of=second_end, actor="hq")
    mine = next(d for d in expired.deferrals if d.claim == claim.id)
    assert (mine.outcome, mine.ground_before) == ("expired", "temporarily-unfit")
    after = cases.get_claim(called.engine, claim_id=claim.id)
    assert (after.status, after.deferral_ended_on) == ("upheld", second_end)
    assert "ended on" in cases.letter(called.engine, claim_id=claim.id)
    newest = audit.events(called.engine, subject=f"claim:{claim.id}")
    assert [e.action for e in newest[:2]] == ["deferral.expired", "deferral.renewed"]
    assert claim.id not in {
        d.claim for d in cases.renew(called.engine, as_of=second_end, actor="hq").deferrals
    }


def test_a_boards_deferral_lasts_to_its_review_and_then_needs_the_registry(
    called: Called,
) -> None:
    claim = claim_deferral(called, "sole-carer")
    assert claim.status == "pending"
    decided = cases.decide(
        called.engine,
        claim_id=claim.id,
        upheld=True,
        reasons="Care certificate from the social services checked.",
        board="regional board",
        actor="board",
        today=DAY + timedelta(days=3),
    )
    review = date(2023, 10, 14)  # a year (review_years) after the decision
    assert decided.deferred_until == review
    early = cases.renew(called.engine, as_of=review - timedelta(days=1), actor="hq")
    assert claim.id not in {d.claim for d in early.deferrals}
    result = cases.renew(called.engine, as_of=review, actor="hq")
    mine = next(d for d in result.deferrals if d.claim == claim.id)
    assert (mine.outcome, mine.decision) == ("expired", "eligible")
    assert cases.get_claim(called.engine, claim_id=claim.id).deferral_ended_on == review


def test_a_deferral_held_until_reviewed_lasts_until_a_board_reviews_it(called: Called) -> None:
    """A board upholds a study deferral the registry does not show: no rule gives its end, so
    it is held until reviewed; renewals never end it; the board's review, finding no ground
    on the registry, ends it and the person is eligible again."""
    claim = held_until_reviewed(called)
    assert (claim.status, claim.deferred_until) == ("upheld", None)
    far = date(2030, 1, 1)
    assert claim.id not in {
        d.claim for d in cases.renew(called.engine, as_of=far, actor="hq").deferrals
    }
    with pytest.raises(MusterError, match="only an upheld deferral is reviewed"):
        cases.review(
            called.engine, claim_id=claim_deferral(called, "sole-carer").id, as_of=REVIEW, actor="b"
        )
    with pytest.raises(NotFoundError, match="no claim 999999"):
        cases.review(called.engine, claim_id=999_999, as_of=REVIEW, actor="b")

    ended = cases.review(called.engine, claim_id=claim.id, as_of=REVIEW, actor="board")

    assert (ended.outcome, ended.decision, ended.until_before) == ("expired", "eligible", None)
    after = cases.get_claim(called.engine, claim_id=claim.id)
    assert after.deferral_ended_on == REVIEW
    newest = audit.events(called.engine, subject=f"claim:{claim.id}")[0]
    assert newest.action == "deferral.expired" and newest.role == "appeals_board"
    assert newest.reason is not None and f"reviewed on {REVIEW}" in newest.reason
    assert "until reviewed" in newest.reason
    with pytest.raises(MusterError, match=f"already ended on {REVIEW}"):
        cases.review(called.engine, claim_id=claim.id, as_of=REVIEW, actor="board")


def test_a_review_keeps_a_deferral_whose_ground_holds_with_the_end_the_registry_now_gives(
    called: Called,
) -> None:
    first_end, longer = date(2023, 1, 15), date(2023, 9, 1)
    set_unfit(called.engine, called.national_id, first_end)
    claim = claim_deferral(called, "temporarily-unfit")
    assert claim.deferred_until == first_end
    set_unfit(called.engine, called.national_id, longer)  # the medical board extends it

    kept = cases.review(called.engine, claim_id=claim.id, as_of=DAY + timedelta(days=30), actor="b")

    assert (kept.outcome, kept.decision, kept.until_before, kept.until) == (
        "renewed",
        "deferred",
        first_end,
        longer,
    )
    assert cases.get_claim(called.engine, claim_id=claim.id).deferred_until == longer
    newest = audit.events(called.engine, subject=f"claim:{claim.id}")[0]
    assert newest.action == "deferral.renewed" and f"deferred until {longer}" in str(newest.reason)
