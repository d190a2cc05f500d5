"""An incremental re-screen stores exactly what a whole screen would: after each amendment of
the 2022 decree, a move of the as-of date, registry corrections and renewed decisions, on
SQLite and PostgreSQL, and for random registries and histories (Hypothesis)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, text

from muster.db.engine import get_engine
from muster.registry import service as registry
from muster.screening import service as screening

DECREE = Path("decrees/partial-mobilization-2022.yaml")
DECREE_ID = "partial-mobilization-2022"
START = date(2022, 9, 21)
# every version of the 2022 decree, and the days around its amendments
HISTORY = [date(2022, 9, 22), date(2022, 9, 23), date(2022, 9, 24), date(2022, 10, 5)]


def decisions(engine: Engine) -> list[tuple[Any, ...]]:
    """Every person's decision as it holds now (carried decisions read under the newest
    screen)."""
    decree = screening.stored_decree(engine, DECREE_ID)
    with engine.connect() as conn:
        return screening.current_decisions(conn, decree=decree).rows()


def stored_rows(engine: Engine) -> dict[int, tuple[Any, ...]]:
    """The decision rows as stored, by person."""
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT * FROM decisions WHERE decree_id = :d"), {"d": DECREE_ID}
        ).all()
    return {int(r.person_id): tuple(r) for r in rows}


def check_step(engine: Engine, as_of: date) -> int:
    """Screen incrementally, then whole, on ``as_of``: both give the same decisions, and the
    incremental screen rewrote only decisions of persons it decided again. How many it
    decided."""
    before = stored_rows(engine)
    done = screening.screen(engine, as_of=as_of, changed_only=True, actor="test")
    after = stored_rows(engine)
    if done.incremental:
        redone = {p for p, row in after.items() if row[-1] == done.screen_id}
        assert len(redone) <= done.persons
        assert {p: r for p, r in after.items() if p not in redone} == {
            p: r for p, r in before.items() if p not in redone and p in after
        }
    carried = decisions(engine)
    screening.screen(engine, as_of=as_of, actor="test")
    assert carried == decisions(engine)
    return done.persons if done.incremental else -1


def correct(engine: Engine, person_ids: list[int], fitness: str, until: date | None) -> None:
    with engine.begin() as conn:
        for p in person_ids:
            registry.record_fitness(
                conn, person_id=p, fitness=fitness, unfit_until=until, actor="t", source="test"
            )


def test_the_2022_amendments_carry_over_exactly_and_decide_few_again(populated: Engine) -> None:
    engine = populated
    screening.load_decree(engine, DECREE, actor="test", today=START)
    screening.screen(engine, as_of=START, actor="test")
    persons = len(decisions(engine))
    for day in HISTORY:
        decided = check_step(engine, day)
        assert 0 <= decided < persons // 4, day  # incremental, and few decided again
    # a registry correction and a date a month on
    correct(engine, [1, 2, 3], "G", date(2022, 11, 1))
    assert check_step(engine, date(2022, 10, 5)) >= 3
    assert 0 <= check_step(engine, date(2022, 11, 5)) < persons // 2


def test_an_in_memory_database_is_re_screened_on_its_one_connection() -> None:
    """An in-memory SQLite database has no second connection to read ahead on: the persons
    are read on the screen's own, each page before its decisions are written."""
    engine = get_engine("sqlite://")
    registry.generate(engine, persons=1_500, seed=7, regions=12, actor="test")
    screening.load_decree(engine, DECREE, actor="test", today=START)
    screening.screen(engine, as_of=START, actor="test")
    correct(engine, [1, 2, 3], "G", date(2022, 11, 1))
    assert check_step(engine, date(2022, 9, 24)) >= 3


def test_a_correction_that_moves_no_decision_rewrites_none(populated: Engine) -> None:
    engine = populated
    screening.load_decree(engine, DECREE, actor="test", today=START)
    screening.screen(engine, as_of=date(2022, 10, 10), actor="test")
    with engine.connect() as conn:
        fit = [
            int(r[0])
            for r in conn.execute(text("SELECT id FROM persons WHERE fitness = 'A' LIMIT 30"))
        ]
    before = stored_rows(engine)
    correct(engine, fit, "B", None)  # both categories are allowed: nobody's decision moves
    done = screening.screen(engine, as_of=date(2022, 10, 10), changed_only=True, actor="test")
    assert done.incremental and done.persons == len(fit) == 30
    assert stored_rows(engine) == before


def test_a_person_new_to_the_registry_is_decided_by_the_next_screen(
    populated: Engine, tmp_path: Path
) -> None:
    engine = populated
    screening.load_decree(engine, DECREE, actor="test", today=START)
    screening.screen(engine, as_of=START, actor="test")
    registry.export_file(engine, tmp_path / "all.csv")
    new = pl.read_csv(tmp_path / "all.csv", infer_schema=False).head(1)
    new.with_columns(pl.lit("999999999951").alias("national_id")).write_csv(tmp_path / "new.csv")
    registry.import_file(engine, tmp_path / "new.csv", actor="test")
    assert check_step(engine, START) == 1
    assert len(decisions(engine)) == len(stored_rows(engine)) == 3_001


def test_renewed_decisions_are_decided_again_by_the_next_screen(populated: Engine) -> None:
    engine = populated
    screening.load_decree(engine, DECREE, actor="test", today=START)
    screening.screen(engine, as_of=date(2022, 10, 10), actor="test")
    version = screening.stored_decree(engine, DECREE_ID).in_force(date(2023, 10, 10))
    with engine.begin() as conn:
        screening.redecide(
            conn,
            decree_id=DECREE_ID,
            version=version,
            person_ids=[4, 5, 6],
            as_of=date(2023, 10, 10),
        )
    assert check_step(engine, date(2022, 10, 10)) >= 3


def amended_decree(tmp_path: Path) -> Path:
    """The 2022 decree with a version 6 that widens the fitness allowed (a parameter) and adds
    a criterion and exemptions: unstable criteria carry over only where they hold."""
    data = yaml.safe_load(DECREE.read_text())
    data["versions"].append(
        {"version": 6, "effective_from": "2022-11-01", "target": 300000, "title": "Wider"}
    )
    data["parameters"]["fitness_allowed"]["values"].append(
        {"effective_from": date(2022, 11, 1), "value": ["A", "B", "V"]}
    )
    data["criteria"].append(
        {
            "id": "settled",
            "title": "Settled in the country",
            "reference": "test",
            "in_force_from": date(2022, 11, 1),
            "condition": "status = 'active' AND (district IS NOT NULL OR months_served > 3)",
        }
    )
    data["exemptions"].append(
        {
            "id": "critical-employer",
            "title": "Critical employer",
            "reference": "test",
            "in_force_from": date(2022, 11, 1),
            "condition": "employer_critical AND NOT (sector IN ('agriculture'))",
        }
    )
    data["exemptions"].append(
        {  # holds for persons without an employer: an employer test that a null passes
            "id": "no-employer",
            "title": "Without an employer",
            "reference": "test",
            "in_force_from": date(2022, 11, 1),
            "condition": "employer_sector IS NULL",
        }
    )
    path = tmp_path / "amended.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def test_changed_parameters_and_new_criteria_carry_over_exactly(
    populated: Engine, tmp_path: Path
) -> None:
    engine = populated
    screening.load_decree(engine, amended_decree(tmp_path), actor="test", today=START)
    screening.screen(engine, as_of=date(2022, 10, 30), actor="test")
    assert check_step(engine, date(2022, 11, 1)) > 0
    assert check_step(engine, date(2022, 10, 30)) > 0  # and back


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    seed=st.integers(0, 10_000),
    days=st.lists(st.integers(0, 75), min_size=1, max_size=4),
    corrected=st.lists(st.integers(1, 250), max_size=6),
    renewed=st.lists(st.integers(1, 250), max_size=4),
    gap=st.integers(0, 400),
    granted=st.lists(
        st.tuples(
            st.integers(1, 250),
            st.sampled_from(["deferred", "exempt", "ineligible"]),
            st.integers(0, 90),
        ),
        max_size=4,
    ),
)
def test_any_history_carries_over_exactly(
    tmp_path_factory: pytest.TempPathFactory,
    seed: int,
    days: list[int],
    corrected: list[int],
    renewed: list[int],
    gap: int,
    granted: list[tuple[int, str, int]],
) -> None:
    folder = tmp_path_factory.mktemp("carry")
    engine = get_engine(f"sqlite:///{folder / 'muster.db'}")
    registry.generate(engine, persons=250, seed=seed, regions=4, actor="test")
    screening.load_decree(engine, amended_decree(folder), actor="test", today=START)
    screening.screen(engine, as_of=START + timedelta(days=days[0]), actor="test")
    for i, offset in enumerate(days):
        if granted and i == 0:  # boards' grants, some deferrals ending within the history
            with engine.begin() as conn:
                for n, (person, decision, ends) in enumerate(granted):
                    screening.grant(
                        conn,
                        decree_id=DECREE_ID,
                        person_id=person,
                        decision=decision,
                        ground="by-board",
                        until=START + timedelta(days=ends) if decision == "deferred" else None,
                        granted_on=START,
                        source=f"claim {n}",
                    )
        if corrected and i == 1:
            correct(engine, sorted(set(corrected)), "G", START + timedelta(days=offset + 10))
        if renewed and i == len(days) - 1:
            later = START + timedelta(days=offset + gap)
            with engine.begin() as conn:
                screening.redecide(
                    conn,
                    decree_id=DECREE_ID,
                    version=screening.stored_decree(engine, DECREE_ID).in_force(later),
                    person_ids=renewed,
                    as_of=later,
                )
        check_step(engine, START + timedelta(days=offset))
    engine.dispose()
