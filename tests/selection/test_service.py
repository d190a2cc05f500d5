"""The campaign lottery on SQLite and PostgreSQL: commit, draw, record, replacements, quotas."""

from __future__ import annotations

import json
import threading
from collections import Counter
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Connection, Engine, text

from muster.audit import service as audit
from muster.audit.schemas import Event
from muster.db import apart
from muster.db.engine import get_engine
from muster.errors import MusterError
from muster.quotas import service as quotas
from muster.screening import service as screening
from muster.selection import lottery
from muster.selection import service as selection

DECREE_ID = "partial-mobilization-2022"


def _drawn(engine: Engine, target: int = 60) -> int:
    campaign = quotas.open_campaign(engine, decree_id=DECREE_ID, target=target, actor="hq")
    selection.commit(engine, campaign_id=campaign.id, actor="hq")
    selection.draw(engine, campaign_id=campaign.id, actor="hq")
    return campaign.id


def _facts(engine: Engine, campaign_id: int) -> pl.DataFrame:
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT c.id, c.person_id, c.region_code, c.position, c.priority, c.status, "
                "d.decision, p.combat_experience FROM call_ups c "
                "JOIN persons p ON p.id = c.person_id LEFT JOIN decisions d "
                "ON d.person_id = c.person_id AND d.decree_id = :d WHERE c.campaign_id = :c"
            ),
            {"d": DECREE_ID, "c": campaign_id},
        ).all()
    return pl.DataFrame(
        [tuple(r) for r in rows],
        schema=["id", "person", "region", "position", "priority", "status", "decision", "combat"],
        orient="row",
    )


def test_draw_fills_each_quota_with_eligible_persons_priority_first(
    screened_2022: Engine,
) -> None:
    campaign_id = _drawn(screened_2022)
    assert quotas.get(screened_2022, campaign_id=campaign_id).status == "open"
    facts = _facts(screened_2022, campaign_id)
    table = quotas.quota_table(screened_2022, campaign_id=campaign_id)
    assert dict(Counter(facts["region"].to_list())) == {
        r.region: r.quota for r in table.regions if r.quota
    }
    assert set(facts["decision"]) == {"eligible"}
    assert facts["person"].n_unique() == facts.height
    # Combat veterans (priority group 0) are taken before anyone else in their region.
    assert (facts["priority"] == 0).to_list() == [bool(c) for c in facts["combat"]]
    for region in facts["region"].unique():
        part = facts.filter(pl.col("region") == region).sort("position")
        assert part["position"].to_list() == list(range(part.height))


def test_the_record_reproduces_the_draw_and_catches_tampering(
    screened_2022: Engine, tmp_path: Path
) -> None:
    campaign_id = _drawn(screened_2022)
    path = tmp_path / "draw.json"
    record = selection.write_record(screened_2022, campaign_id=campaign_id, path=path)
    _, persons, problems = lottery.verify_record(path)
    pool = sum(screening.pool_by_region(screened_2022, decree_id=DECREE_ID).values())
    assert problems == [] and persons == pool
    text_ = path.read_text()
    assert "national_id" not in text_ and record["audit"]["birth_date"]["n"] == pool

    # A seed that was not the one committed to.
    forged = dict(record, seed="00" * 32)
    path.write_text(json.dumps(forged))
    assert "the seed does not hash to the published commitment" in lottery.verify_record(path)[2]

    # Two people swapped in the order (and the file's hash updated to hide it).
    path.write_text(json.dumps(record))
    order_path = tmp_path / record["order_file"]
    frame = pl.read_parquet(order_path)
    swapped = frame.with_columns(
        pl.when(pl.int_range(pl.len()) == 0)
        .then(pl.col("pseudonym").shift(-1))
        .when(pl.int_range(pl.len()) == 1)
        .then(pl.col("pseudonym").shift(1))
        .otherwise(pl.col("pseudonym"))
        .alias("pseudonym")
    )
    swapped.write_parquet(order_path)
    record["order_sha256"] = lottery.file_sha256(order_path)
    path.write_text(json.dumps(record))
    problems = lottery.verify_record(path)[2]
    assert any("positions differ from the order the seed gives" in p for p in problems)

    # Someone dropped from a pool.
    frame.slice(1).write_parquet(order_path)
    record["order_sha256"] = lottery.file_sha256(order_path)
    path.write_text(json.dumps(record))
    problems = lottery.verify_record(path)[2]
    assert any("are not the committed pool" in p for p in problems)


def test_commit_and_draw_happen_once_and_in_order(screened_2022: Engine) -> None:
    campaign = quotas.open_campaign(screened_2022, decree_id=DECREE_ID, target=20, actor="hq")
    with pytest.raises(MusterError, match="run `muster campaign commit 1` first"):
        selection.draw(screened_2022, campaign_id=campaign.id, actor="hq")
    selection.commit(screened_2022, campaign_id=campaign.id, actor="hq")
    with pytest.raises(MusterError, match="already committed"):
        selection.commit(screened_2022, campaign_id=campaign.id, actor="hq")
    selection.draw(screened_2022, campaign_id=campaign.id, actor="hq")
    with pytest.raises(MusterError, match="campaign 1 is open; cannot draw"):
        selection.draw(screened_2022, campaign_id=campaign.id, actor="hq")


def test_anyone_no_longer_eligible_at_the_draw_is_skipped(screened_2022: Engine) -> None:
    campaign = quotas.open_campaign(screened_2022, decree_id=DECREE_ID, target=30, actor="hq")
    selection.commit(screened_2022, campaign_id=campaign.id, actor="hq")
    with screened_2022.begin() as conn:  # a correction re-screened half the pool as exempt
        conn.execute(
            text(
                "UPDATE decisions SET decision = 'exempt' WHERE decision = 'eligible' "
                "AND person_id % 2 = 0"
            )
        )
    result = selection.draw(screened_2022, campaign_id=campaign.id, actor="hq")
    facts = _facts(screened_2022, campaign.id)
    assert set(facts["decision"]) == {"eligible"} and result.skipped > 0
    assert result.selected == facts.height == 30


def test_release_draws_the_next_eligible_person_down_the_same_order(
    screened_2022: Engine,
) -> None:
    campaign_id = _drawn(screened_2022)
    first = selection.list_callups(screened_2022, campaign_id=campaign_id, limit=1)[0]
    with pytest.raises(MusterError, match="a release needs a reason"):
        selection.move(screened_2022, callup_id=first.id, to="released", actor="officer")
    with pytest.raises(MusterError, match="can't enlist when the call-up is selected"):
        selection.move(screened_2022, callup_id=first.id, to="enlisted", actor="officer")
    before = {r.region: r for r in selection.fulfilment(screened_2022, campaign_id=campaign_id)}
    selection.move(screened_2022, callup_id=first.id, to="released", reason="unfit", actor="board")
    after = {r.region: r for r in selection.fulfilment(screened_2022, campaign_id=campaign_id)}
    region = first.region
    assert after[region].active == before[region].active == after[region].quota
    assert after[region].by_state["released"] == 1
    replacement = [
        c
        for c in selection.list_callups(screened_2022, campaign_id=campaign_id, region=region)
        if c.replaces == first.id
    ]
    assert len(replacement) == 1 and replacement[0].status == "selected"
    assert replacement[0].position >= before[region].quota
    assert after[region].order_left < before[region].order_left


def test_dropping_campaigns_with_replacements_finds_each_replacement_by_index(
    screened_2022: Engine,
) -> None:
    """Dropping call-ups (before the registry is replaced) checks, for each, that no
    replacement still names it: through ``ix_call_ups_replaces``, not a scan of every call-up
    (300,000 scans of 300,000 rows would take hours)."""
    campaign_id = _drawn(screened_2022)
    first = selection.list_callups(screened_2022, campaign_id=campaign_id, limit=1)[0]
    selection.move(screened_2022, callup_id=first.id, to="released", reason="unfit", actor="board")
    with screened_2022.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM call_ups WHERE replaces IS NOT NULL")) == 1
        if screened_2022.dialect.name == "sqlite":
            plan = conn.execute(
                text("EXPLAIN QUERY PLAN SELECT 1 FROM call_ups WHERE replaces = :r"),
                {"r": first.id},
            ).all()
            assert any("ix_call_ups_replaces" in str(row[-1]) for row in plan), plan
    selection.forget_campaigns(screened_2022)
    with screened_2022.connect() as conn:
        for table in ("call_ups", "lottery_regions", "lotteries", "campaigns"):
            assert conn.scalar(text(f"SELECT count(*) FROM {table}")) == 0


def test_enlisting_the_whole_quota_closes_the_region_then_the_campaign_winds_down(
    screened_2022: Engine,
) -> None:
    campaign_id = _drawn(screened_2022, target=12)
    for c in selection.list_callups(screened_2022, campaign_id=campaign_id, limit=None):
        for state in ("notified", "reported", "examined", "enlisted"):
            selection.move(screened_2022, callup_id=c.id, to=state, actor="office")
    rows = selection.fulfilment(screened_2022, campaign_id=campaign_id)
    assert {r.status for r in rows} == {"closed"}
    assert quotas.get(screened_2022, campaign_id=campaign_id).status == "winding_down"
    quotas.close(screened_2022, campaign_id=campaign_id, by=f"{DECREE_ID}@5")
    some = selection.list_callups(screened_2022, campaign_id=campaign_id, limit=1)[0]
    with pytest.raises(MusterError, match="campaign 1 is closed; cannot move"):
        selection.move(screened_2022, callup_id=some.id, to="notified", actor="office")


@pytest.mark.postgres
@pytest.mark.parametrize("batch", [1, 4], ids=["one by one", "four at a time"])
def test_concurrent_releases_never_overshoot_a_quota_nor_call_anyone_twice(
    pg_url: str, db_url: str, batch: int
) -> None:
    """Four workers release every call-up at once — one by one, or four at a time across
    regions (``release_many``, as a corrections run does) — with no deadlock, no region past
    its quota and nobody called twice."""
    if not db_url.startswith("postgresql"):
        pytest.skip("concurrency is a PostgreSQL matter")
    from datetime import date

    from muster.registry import service as registry

    engine = get_engine(db_url)
    registry.generate(engine, persons=3_000, seed=7, regions=3, actor="test")
    screening.load_decree(engine, Path("decrees/partial-mobilization-2022.yaml"), actor="t")
    screening.screen(engine, as_of=date(2022, 10, 10), actor="t")
    campaign_id = _drawn(engine, target=30)
    callups = selection.list_callups(engine, campaign_id=campaign_id, limit=None)
    errors: list[BaseException] = []

    def worker(ids: list[int]) -> None:
        try:
            for k in range(0, len(ids), batch):  # replacements drawn under the regions' locks
                if batch == 1:
                    selection.move(
                        engine, callup_id=ids[k], to="released", reason="unfit", actor="w"
                    )
                    continue
                with engine.begin() as conn:
                    journal: list[Event] = []
                    selection.release_many(
                        conn,
                        releases=[(i, "unfit") for i in ids[k : k + batch]],
                        actor="w",
                        journal=journal,
                    )
                    audit.record_many(conn, journal)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [
        threading.Thread(target=worker, args=([c.id for c in callups[k::4]],)) for k in range(4)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    facts = _facts(engine, campaign_id)
    assert facts["person"].n_unique() == facts.height
    quota = {r.region: r.quota for r in quotas.quota_table(engine, campaign_id=campaign_id).regions}
    active = Counter(facts.filter(pl.col("status") != "released")["region"].to_list())
    assert active == {r: q for r, q in quota.items() if q}
    assert facts.filter(pl.col("status") == "released").height == len(callups)


def _outcome(conn: Connection, campaign_id: int) -> tuple[Any, ...]:
    """What releases leave behind, ids of new call-ups aside: each call-up's state and reason,
    each replacement by whom it replaces, each region's place in its order."""
    callups = conn.execute(
        text(
            "SELECT person_id, status, reason, position, priority, replaces IS NULL "
            "FROM call_ups WHERE campaign_id = :c AND replaces IS NULL ORDER BY id"
        ),
        {"c": campaign_id},
    ).all()
    replacements = conn.execute(
        text(
            "SELECT r.person_id, n.person_id, n.position, n.priority, n.status "
            "FROM call_ups n JOIN call_ups r ON r.id = n.replaces "
            "WHERE n.campaign_id = :c ORDER BY r.person_id"
        ),
        {"c": campaign_id},
    ).all()
    orders = conn.execute(
        text(
            "SELECT region_code, next_position, skipped FROM lottery_regions "
            "WHERE campaign_id = :c ORDER BY region_code"
        ),
        {"c": campaign_id},
    ).all()
    return tuple(map(tuple, callups)), tuple(map(tuple, replacements)), tuple(map(tuple, orders))


@given(
    chosen=st.lists(st.integers(0, 59), unique=True, min_size=1, max_size=60),
    barred=st.lists(st.integers(0, 2_999), max_size=400),
    kinds=st.sampled_from(["unfit", "exempt: by a board", "deferred"]),
)
@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_releasing_many_at_once_is_releasing_them_one_by_one(
    screened_2022: Engine, chosen: list[int], barred: list[int], kinds: str
) -> None:
    """A bulk release (a correction run's) draws the very replacements, in the very order,
    that releasing the same call-ups one by one in id order draws — with persons down the
    orders no longer eligible, and more releases than a region's order may have left."""
    engine = screened_2022
    with engine.connect() as conn:
        campaign_id = conn.scalar(text("SELECT max(id) FROM campaigns"))
    if campaign_id is None:
        campaign_id = _drawn(engine)
    callups = [c.id for c in selection.list_callups(engine, campaign_id=campaign_id, limit=None)]
    picked = sorted(callups[k] for k in chosen if k < len(callups))
    outcomes = []
    for bulk in (False, True):
        with engine.connect() as conn:
            outer = conn.begin()
            if barred:
                conn.execute(
                    text(
                        "UPDATE decisions SET decision = 'exempt' WHERE decree_id = :d "
                        "AND person_id IN (SELECT id FROM persons ORDER BY id LIMIT 1 OFFSET :k)"
                    ),
                    [{"d": DECREE_ID, "k": k} for k in sorted(set(barred))],
                )
            if bulk:
                replaced = selection.release_many(
                    conn, releases=[(i, kinds) for i in picked], actor="w", journal=[]
                )
            else:
                replaced = {
                    i: selection.transition(
                        conn, callup_id=i, to="released", reason=kinds, actor="w", journal=[]
                    )
                    for i in picked
                }
            outcomes.append((_outcome(conn, campaign_id), sorted(replaced) == picked))
            outer.rollback()
    assert outcomes[0] == outcomes[1]
    assert outcomes[1][1]


def test_a_registry_read_by_processes_of_their_own_draws_a_verifiable_order(
    screened_2022: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A large registry is read by other processes, taking turns by spans of ids, while the
    commit and the draw hash each page here: every quota is filled and the published record
    reproduces the order."""
    monkeypatch.setattr(apart, "APART_FROM", 1)
    monkeypatch.setattr(apart, "SPAN", 250)  # 12 spans of ids, the readers in turn
    monkeypatch.setattr(apart, "READERS", 2)
    started: list[str] = []
    real = apart.frames_apart
    monkeypatch.setattr(
        apart, "frames_apart", lambda *a, **k: started.append(a[0].__name__) or real(*a, **k)
    )
    campaign_id = _drawn(screened_2022)
    assert started == ["decided_frames_at", "decided_frames_at"]  # the commit, the draw
    facts = _facts(screened_2022, campaign_id)
    table = quotas.quota_table(screened_2022, campaign_id=campaign_id)
    assert dict(Counter(facts["region"].to_list())) == {
        r.region: r.quota for r in table.regions if r.quota
    }
    assert set(facts["decision"]) == {"eligible"}
    path = tmp_path / "draw.json"
    selection.write_record(screened_2022, campaign_id=campaign_id, path=path)
    _, persons, problems = lottery.verify_record(path)
    assert problems == []
    assert persons == sum(screening.pool_by_region(screened_2022, decree_id=DECREE_ID).values())
