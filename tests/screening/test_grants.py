"""A board's grant (an upheld claim) stands over what the registry shows in every later
decision of the decree — whole and incremental screens, decisions made at once, explanations,
the eligible pool — while it is in force and only where it is the stronger decision; on
SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Engine, Row, select, text

from muster.screening import service as screening
from muster.screening.models import Decision
from tests.screening.test_carry import DECREE_ID, check_step

AS_OF = date(2022, 10, 10)
ENDS = date(2022, 12, 1)


def person_with(engine: Engine, decision: str) -> tuple[int, str]:
    national_id = screening.sample_person(engine, decree_id=DECREE_ID, decision=decision)
    assert national_id is not None
    with engine.connect() as conn:
        person = conn.scalar(
            text("SELECT id FROM persons WHERE national_id = :n"), {"n": national_id}
        )
    return int(person), national_id


def stored(engine: Engine, person: int) -> Row[Any]:
    with engine.connect() as conn:
        return conn.execute(
            select(Decision).where(Decision.decree_id == DECREE_ID, Decision.person_id == person)
        ).one()


def grant(engine: Engine, person: int, decision: str, until: date | None, source: str) -> None:
    ground = {"deferred": "students-state-universities", "exempt": "accredited-it"}
    with engine.begin() as conn:
        screening.grant(
            conn,
            decree_id=DECREE_ID,
            person_id=person,
            decision=decision,
            ground=ground.get(decision, "criteria-not-met"),
            until=until,
            granted_on=AS_OF,
            source=source,
        )


def test_a_deferral_granted_by_a_board_holds_in_every_screen_until_it_ends(
    screened_2022: Engine,
) -> None:
    engine = screened_2022
    pool = sum(screening.pool_by_region(engine, decree_id=DECREE_ID).values())
    person, national_id = person_with(engine, "eligible")
    grant(engine, person, "deferred", ENDS, "claim 1")
    row = stored(engine, person)  # reads so at once, made on its own
    assert (row.decision, row.until, row.ground, row.screen_id) == (
        "deferred",
        ENDS,
        "students-state-universities",
        None,
    )
    assert sum(screening.pool_by_region(engine, decree_id=DECREE_ID).values()) == pool - 1
    # an incremental screen and a whole one both keep it
    assert check_step(engine, AS_OF) >= 1
    assert stored(engine, person).decision == "deferred"
    explained = screening.explain(engine, national_id=national_id, as_of=AS_OF)
    assert explained.decision == "deferred" and explained.until == ENDS
    assert explained.granted is not None
    assert explained.granted.registry_decision == "eligible"
    assert explained.granted.source == "claim 1"
    with engine.begin() as conn:
        version = screening.stored_decree(conn, DECREE_ID).in_force(AS_OF)
        assert screening.decide_now(conn, version=version, person_ids=[person], as_of=AS_OF) == {
            person: ("deferred", "students-state-universities")
        }
    # on its end date the registry's decision is back, incrementally and whole
    check_step(engine, ENDS)
    after = screening.explain(engine, national_id=national_id, as_of=ENDS)
    assert after.granted is None
    assert stored(engine, person).decision == after.decision
    assert stored(engine, person).ground != "students-state-universities"


def test_a_grant_never_hides_a_stronger_decision_of_the_registry(screened_2022: Engine) -> None:
    engine = screened_2022
    person, national_id = person_with(engine, "exempt")
    before = stored(engine, person)
    grant(engine, person, "deferred", None, "claim 2")
    assert stored(engine, person) == before
    check_step(engine, AS_OF)
    explained = screening.explain(engine, national_id=national_id, as_of=AS_OF)
    assert explained.decision == "exempt" and explained.granted is None


def test_the_strongest_grant_in_force_stands_and_an_ended_grant_does_not(
    screened_2022: Engine,
) -> None:
    engine = screened_2022
    person, national_id = person_with(engine, "eligible")
    grant(engine, person, "deferred", None, "claim 3")
    grant(engine, person, "exempt", None, "claim 4")
    check_step(engine, AS_OF)
    assert stored(engine, person).decision == "exempt"
    with engine.begin() as conn:
        screening.end_grants(conn, source="claim 4", on=AS_OF)
    check_step(engine, AS_OF)
    assert stored(engine, person).decision == "deferred"
    explained = screening.explain(engine, national_id=national_id, as_of=AS_OF)
    assert explained.granted is not None and explained.granted.source == "claim 3"
    assert explained.until is None  # until reviewed


def test_an_explanation_picks_the_grant_a_screen_picks(screened_2022: Engine) -> None:
    """Among several deferrals in force the strongest is the one without an end, then the one
    ending latest: the same for a whole screen (every grant in one frame) and for one
    person's explanation (their grants read alone)."""
    engine = screened_2022
    person, national_id = person_with(engine, "eligible")
    grant(engine, person, "deferred", ENDS, "claim 5")
    grant(engine, person, "deferred", None, "claim 6")
    grant(engine, person, "deferred", date(2023, 3, 1), "claim 7")
    for ended, until, source in (
        (None, None, "claim 6"),
        ("claim 6", date(2023, 3, 1), "claim 7"),
        ("claim 7", ENDS, "claim 5"),
    ):
        if ended:
            with engine.begin() as conn:
                screening.end_grants(conn, source=ended, on=AS_OF)
        check_step(engine, AS_OF)
        explained = screening.explain(engine, national_id=national_id, as_of=AS_OF)
        assert explained.granted is not None and explained.granted.source == source
        assert explained.until == until
        assert (stored(engine, person).decision, stored(engine, person).until) == (
            "deferred",
            until,
        )
