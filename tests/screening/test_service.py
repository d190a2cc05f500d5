"""Screening on SQLite and PostgreSQL: stored decrees, decisions, explanations, impact."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import yaml
from sqlalchemy import Engine, event, func, select

from muster.errors import MusterError
from muster.registry import reading
from muster.registry import service as registry
from muster.registry.models import Person
from muster.screening import service as screening
from muster.screening.models import Decision, Screen

DECREE = Path("decrees/partial-mobilization-2022.yaml")
AS_OF = date(2022, 10, 10)


def first_versions(tmp_path: Path, keep: int) -> Path:
    """The 2022 decree cut down to its first ``keep`` versions (as it stood on that day)."""
    data = yaml.safe_load(DECREE.read_text())
    data["versions"] = data["versions"][:keep]
    last = data["versions"][-1]["effective_from"]
    for kind in ("criteria", "exemptions", "deferrals"):
        data[kind] = [r for r in data.get(kind, []) if r.get("in_force_from", last) <= last]
    path = tmp_path / f"decree-v{keep}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


@pytest.fixture
def screened(populated: Engine) -> Engine:
    screening.load_decree(populated, DECREE, actor="test")
    screening.screen(populated, as_of=AS_OF, actor="test")
    return populated


def test_load_is_idempotent_and_lists_versions(populated: Engine) -> None:
    first = screening.load_decree(populated, DECREE, actor="test")
    assert first.versions_added == [1, 2, 3, 4, 5]
    again = screening.load_decree(populated, DECREE, actor="test")
    assert again.versions_unchanged == [1, 2, 3, 4, 5] and again.versions_added == []
    rows = screening.list_versions(populated)
    assert [(r.number, r.in_force) for r in rows] == [(n, True) for n in range(1, 6)]


def test_a_version_in_force_cannot_change(populated: Engine, tmp_path: Path) -> None:
    screening.load_decree(populated, DECREE, actor="test")
    changed = tmp_path / "changed.yaml"
    changed.write_text(DECREE.read_text().replace("value: 35}", "value: 45}"))
    with pytest.raises(
        MusterError, match="version 1 is in force since 2022-09-21 and cannot change"
    ):
        screening.load_decree(populated, changed, actor="test")
    assert (
        screening.stored_decree(populated).version(1).params_on(AS_OF)["age_limit_soldiers_ncos"]
        == 35
    )


def test_amendment_is_a_new_version(populated: Engine, tmp_path: Path) -> None:
    screening.load_decree(populated, first_versions(tmp_path, 2), actor="test")
    result = screening.load_decree(populated, DECREE, actor="test")
    assert result.versions_added == [3, 4, 5] and result.versions_unchanged == [1, 2]


def test_a_version_not_yet_in_force_may_be_replaced(populated: Engine, tmp_path: Path) -> None:
    screening.load_decree(populated, DECREE, actor="test", today=date(2022, 10, 1))
    draft = tmp_path / "draft.yaml"
    draft.write_text(
        DECREE.read_text().replace(
            "title: Deferral extended to private", "title: Deferral extended (revised) to private"
        )
    )
    result = screening.load_decree(populated, draft, actor="test", today=date(2022, 10, 1))
    assert result.versions_replaced == [4]


def test_screen_stores_a_decision_for_everyone(screened: Engine) -> None:
    with screened.connect() as conn:
        stored = dict(
            conn.execute(select(Decision.decision, func.count()).group_by(Decision.decision)).all()
        )
        total = conn.scalar(select(func.count()).select_from(Decision))
    assert total == 3_000
    assert set(stored) <= {"eligible", "deferred", "exempt", "ineligible"}
    assert stored["eligible"] > 0 and stored["ineligible"] > stored["eligible"]


def test_stored_decisions_match_the_explanations(screened: Engine, tmp_path: Path) -> None:
    registry.export_file(screened, tmp_path / "p.csv")
    ids = pl.read_csv(tmp_path / "p.csv", infer_schema=False)["national_id"].head(40).to_list()
    with screened.connect() as conn:
        for national_id in ids:
            e = screening.explain(screened, national_id=national_id, as_of=AS_OF)
            row = conn.execute(
                select(Decision)
                .join(Person, Decision.person_id == Person.id)
                .where(Person.national_id == national_id)
            ).one()
            assert (row.decision, row.until, row.ground, row.grounds) == (
                e.decision,
                e.until,
                e.decisive.id if e.decisive else None,
                e.grounds,
            )


def test_changed_only_rescreens_corrected_persons(screened: Engine, tmp_path: Path) -> None:
    registry.export_file(screened, tmp_path / "all.csv")
    frame = pl.read_csv(tmp_path / "all.csv", infer_schema=False)
    with screened.connect() as conn:
        eligible_ids = set(
            conn.execute(
                select(Decision.person_id).where(Decision.decision == "eligible")
            ).scalars()
        )
    assert eligible_ids
    with screened.connect() as conn:
        target = conn.execute(
            select(Person.national_id).where(Person.id == min(eligible_ids))
        ).scalar_one()
    fix = frame.filter(pl.col("national_id") == target).with_columns(
        pl.lit("D").alias("fitness"), pl.lit(None, dtype=pl.String).alias("unfit_until")
    )
    fix.write_csv(tmp_path / "fix.csv")
    registry.import_file(screened, tmp_path / "fix.csv", actor="medical-board")
    result = screening.screen(screened, as_of=AS_OF, changed_only=True, actor="test")
    assert result.incremental and result.persons == 1
    assert result.by_decision == {"ineligible": 1}
    e = screening.explain(screened, national_id=target, as_of=AS_OF)
    assert e.decision == "ineligible" and e.decisive and e.decisive.id == "fit-for-service"
    with screened.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Decision)) == 3_000


def test_changed_only_on_a_new_date_decides_again_only_whom_the_date_can_move(
    screened: Engine,
) -> None:
    result = screening.screen(screened, as_of=date(2022, 11, 1), changed_only=True, actor="t")
    assert result.incremental and 0 < result.persons < 1_000
    decree = screening.stored_decree(screened, "partial-mobilization-2022")
    with screened.connect() as conn:
        now = screening.current_decisions(conn, decree=decree)
    # every decision holds under the new version and date, carried or made again
    assert now.select("version", "as_of").unique().rows() == [(5, date(2022, 11, 1))]
    assert now.height == 3_000


def test_changed_only_falls_back_to_full_screen_a_season_later(screened: Engine) -> None:
    result = screening.screen(screened, as_of=date(2023, 3, 1), changed_only=True, actor="t")
    assert not result.incremental and result.persons == 3_000


def test_diff_between_versions(screened: Engine) -> None:
    changes = [
        str(c)
        for c in screening.diff_versions(
            screened, "partial-mobilization-2022@3", "partial-mobilization-2022@4"
        )
    ]
    assert len(changes) == 1
    assert changes[0].startswith("rule students-private-postgraduate-religious added")
    with pytest.raises(MusterError, match="not a version reference"):
        screening.diff_versions(screened, "partial-mobilization-2022", "x@1")


def test_impact_of_the_amendments_before_loading(populated: Engine, tmp_path: Path) -> None:
    screening.load_decree(populated, first_versions(tmp_path, 1), actor="test")
    result = screening.impact(populated, DECREE, as_of=AS_OF)
    assert result.before == "partial-mobilization-2022@1"
    assert result.after == "partial-mobilization-2022@4"
    assert result.changed > 0
    assert set(result.transitions) <= {"eligible → exempt", "eligible → deferred"}
    assert sum(result.by_region.values()) == result.changed == sum(result.by_ground.values())
    v1 = screening.screen(populated, as_of=AS_OF, actor="t").by_decision["eligible"]
    screening.load_decree(populated, DECREE, actor="test")
    v4 = screening.screen(populated, as_of=AS_OF, actor="t").by_decision["eligible"]
    assert v1 - v4 == result.changed


def test_explain_unknown_person_or_decree(screened: Engine) -> None:
    with pytest.raises(MusterError, match="no person with national id"):
        screening.explain(screened, national_id="123456789092", as_of=AS_OF)
    with pytest.raises(MusterError, match="no decree 'nope' is loaded"):
        screening.explain(screened, national_id="123456789092", decree_id="nope")


def test_screen_without_a_decree_says_what_to_do(populated: Engine) -> None:
    with pytest.raises(MusterError, match="muster decree load FILE"):
        screening.screen(populated, actor="t")


def test_the_eligible_are_read_in_pages_each_read_once(screened: Engine) -> None:
    """The lottery's pool (the eligible only) read in pages: every eligible person once, in id
    order; on SQLite each page is read in the decisions' key order, not sorted again from the
    page's start to the end of the registry (that made a 30M pool take 683 s to read)."""
    statements: list[str] = []

    def trace(dbapi: Any, record: Any, proxy: Any) -> None:
        if screened.dialect.name == "sqlite":
            dbapi.set_trace_callback(statements.append)

    event.listen(screened, "checkout", trace)
    try:
        frames = list(
            screening.decided_frames(
                screened,
                decree_id="partial-mobilization-2022",
                columns=["region_code"],
                eligible_only=True,
                chunk=100,
            )
        )
    finally:
        event.remove(screened, "checkout", trace)
    ids = pl.concat(frames)["id"]
    with screened.connect() as conn:
        eligible = conn.scalars(
            select(Decision.person_id)
            .where(Decision.decree_id == "partial-mobilization-2022")
            .where(Decision.decision == "eligible")
            .order_by(Decision.person_id)
        ).all()
        assert len(frames) > 2
        assert ids.to_list() == eligible
        pages = [s for s in statements if s.startswith("SELECT p.id") and " LIMIT " in s]
        assert len(pages) == len(frames) * (screened.dialect.name == "sqlite")
        for page in pages:
            plan = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {page}").all()
            assert not any("TEMP B-TREE" in str(row[-1]) for row in plan), (page, plan)


def test_a_registry_read_by_processes_of_their_own_is_decided_the_same(
    screened: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A large registry is read by other processes, taking turns by spans of ids, while this
    one decides and writes: the stored decisions are the ones a read in this process gives,
    person for person."""
    columns = [c.name for c in Decision.__table__.columns if c.name != "screen_id"]

    def stored() -> pl.DataFrame:
        with screened.connect() as conn:
            rows = conn.execute(
                select(*(getattr(Decision, c) for c in columns)).order_by(Decision.person_id)
            ).all()
        return pl.DataFrame([tuple(r) for r in rows], schema=columns, orient="row")

    here = stored()
    monkeypatch.setattr(reading.apart, "APART_FROM", 1)
    monkeypatch.setattr(reading.apart, "SPAN", 250)  # 12 spans of ids, the readers in turn
    monkeypatch.setattr(reading.apart, "READERS", 2)
    readers: list[int] = []
    real = reading.apart.frames_apart
    monkeypatch.setattr(
        reading.apart,
        "frames_apart",
        lambda *a, **k: readers.append(len(k["tasks"])) or real(*a, **k),
    )
    result = screening.screen(screened, as_of=AS_OF, actor="test")
    assert readers == [2] and result.persons == 3_000
    assert stored().equals(here)


def test_a_reading_process_that_fails_leaves_the_decisions_as_they_were(
    screened: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    with screened.connect() as conn:
        before = conn.execute(select(Decision).order_by(Decision.person_id)).all()
        screens = conn.scalar(select(func.count()).select_from(Screen))
    monkeypatch.setattr(reading.apart, "APART_FROM", 1)
    monkeypatch.setattr(reading.apart, "SPAN", 250)
    real = reading.apart.frames_apart

    def failing(*args: Any, **kwargs: Any) -> Iterator[pl.DataFrame]:
        frames = real(*args, **kwargs)
        yield next(frames)
        frames.close()
        raise MusterError("the reading process stopped without finishing (exit code -9)")

    monkeypatch.setattr(reading.apart, "frames_apart", failing)
    with pytest.raises(MusterError, match="stopped without finishing"):
        screening.screen(screened, as_of=AS_OF, actor="test")
    with screened.connect() as conn:
        assert conn.execute(select(Decision).order_by(Decision.person_id)).all() == before
        assert conn.scalar(select(func.count()).select_from(Screen)) == screens
