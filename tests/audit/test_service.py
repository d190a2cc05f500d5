"""The audit log on SQLite and PostgreSQL: every change in one chain, and any tampering
named by the event it touched and what was done to it."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest
from sqlalchemy import Engine, select, text

from muster.audit import service as audit
from muster.audit.models import AuditEvent
from muster.audit.schemas import ChainReport, Event

N = 10


@pytest.fixture
def logged(engine: Engine) -> Engine:
    """A log of ten events, written one transaction at a time."""
    for i in range(1, N + 1):
        with engine.begin() as conn:
            audit.record(
                conn,
                Event(
                    actor="officer",
                    action="callup.notified" if i % 2 else "callup.reported",
                    subject=f"call_up:{i}",
                    before={"status": "selected"},
                    after={"status": "notified", "n": i},
                    reason=f"step {i}",
                    decree_version="partial-mobilization-2022@4",
                ),
            )
    return engine


def run(engine: Engine, *statements: str, **params: Any) -> None:
    with engine.begin() as conn:
        for statement in statements:
            conn.execute(text(statement), params)


def row(engine: Engine, seq: int) -> Any:
    with engine.connect() as conn:
        return conn.execute(select(AuditEvent).where(AuditEvent.seq == seq)).one()


def forge(engine: Engine, seq: int, *, prev_hash: str, like: int = 1) -> None:
    """Write event ``seq`` as someone who knows the hashing would: a copy of event ``like``
    with new content, hashed correctly over it and ``prev_hash``."""
    r = row(engine, like)
    fields = {
        "actor": "intruder",
        "role": "system",
        "action": "callup.released",
        "subject": "call_up:999",
        "before": None,
        "after": json.dumps({"status": "released"}),
        "reason": "wrongful: forged",
        "decree_version": r.decree_version,
    }
    digest = audit._digest(seq, r.at, fields, prev_hash)
    run(
        engine,
        "INSERT INTO audit_events (seq, at, actor, role, action, subject, before, after, "
        "reason, decree_version, prev_hash, hash) VALUES (:seq, :at, :actor, :role, :action, "
        ":subject, :before, :after, :reason, :decree_version, :prev_hash, :hash)",
        seq=seq,
        at=r.at,
        prev_hash=prev_hash,
        hash=digest,
        **fields,
    )


def found(report: ChainReport) -> list[tuple[str, int]]:
    return [(p.kind, p.seq) for p in report.problems]


def test_a_clean_log_verifies(logged: Engine) -> None:
    report = audit.verify(logged)
    assert report.ok and report.problems == []
    assert report.events == report.head_seq == N
    assert report.head_hash == row(logged, N).hash


def test_an_empty_log_verifies(engine: Engine) -> None:
    report = audit.verify(engine)
    assert report.ok and report.events == report.head_seq == 0


def test_events_are_numbered_in_order_and_each_links_to_the_one_before(engine: Engine) -> None:
    with engine.begin() as conn:
        first = audit.record_many(
            conn, [Event(actor="a", action="x.one", subject="s:1") for _ in range(3)]
        )
        assert audit.record_many(conn, []) == []
    with engine.begin() as conn:
        assert audit.record(conn, Event(actor="a", action="x.two", subject="s:2")) == 4
    assert first == [1, 2, 3]
    assert [row(engine, s).prev_hash for s in (2, 3, 4)] == [row(engine, s).hash for s in (1, 2, 3)]
    assert row(engine, 1).prev_hash == audit.GENESIS


def test_an_event_written_in_a_rolled_back_transaction_leaves_no_trace(logged: Engine) -> None:
    with pytest.raises(RuntimeError), logged.begin() as conn:
        audit.record(conn, Event(actor="a", action="x.lost", subject="s:1"))
        raise RuntimeError("the change failed")
    report = audit.verify(logged)
    assert report.ok and report.head_seq == N


def test_events_are_read_newest_first_by_subject_or_action(logged: Engine) -> None:
    mine = audit.events(logged, subject="call_up:3")
    assert [(e.seq, e.after, e.reason) for e in mine] == [
        (3, {"status": "notified", "n": 3}, "step 3")
    ]
    reported = audit.events(logged, action="callup.reported")
    assert [e.seq for e in reported] == [10, 8, 6, 4, 2]
    assert [e.seq for e in audit.events(logged, action="callup.*", limit=3)] == [10, 9, 8]


def test_an_edited_event_is_named(logged: Engine) -> None:
    run(logged, "UPDATE audit_events SET after = :a WHERE seq = 5", a='{"status":"enlisted"}')
    report = audit.verify(logged)
    assert not report.ok
    assert found(report) == [("edited", 5)]
    assert report.problems[0].message == (
        "event 5 (callup.notified call_up:5) was edited after it was written: its content no "
        "longer matches its hash"
    )


@pytest.mark.parametrize("column", ["actor", "reason", "decree_version", "at"])
def test_an_edit_to_any_recorded_field_is_found(logged: Engine, column: str) -> None:
    value = "2030-01-01 00:00:00" if column == "at" else "someone else"
    run(logged, f"UPDATE audit_events SET {column} = :v WHERE seq = 7", v=value)
    assert found(audit.verify(logged)) == [("edited", 7)]


def test_an_edit_with_its_hash_recomputed_is_found_by_the_next_event(logged: Engine) -> None:
    """Whoever recomputes an edited event's hash cannot also change the next event's link
    to it: the event is named as not the one written there."""
    before = row(logged, 4)
    run(logged, "DELETE FROM audit_events WHERE seq = 5")
    forge(logged, 5, prev_hash=before.hash)
    report = audit.verify(logged)
    assert found(report) == [("inserted", 5)]
    assert report.problems[0].message == (
        "event 5 is not the event written there (event 6 links to another one): inserted in "
        "its place"
    )


def test_a_deleted_event_is_named(logged: Engine) -> None:
    run(logged, "DELETE FROM audit_events WHERE seq = 5")
    report = audit.verify(logged)
    assert found(report) == [("deleted", 5)]
    assert report.problems[0].message == "event 5 is missing: deleted from the log"


def test_deleted_events_in_a_row_are_named_together(logged: Engine) -> None:
    run(logged, "DELETE FROM audit_events WHERE seq IN (3, 4, 5)")
    report = audit.verify(logged)
    assert found(report) == [("deleted", 3)]
    assert report.problems[0].message == "events 3–5 are missing: deleted from the log"


def test_deleting_the_last_event_is_a_head_problem(logged: Engine) -> None:
    run(logged, "DELETE FROM audit_events WHERE seq = :s", s=N)
    report = audit.verify(logged)
    assert found(report) == [("head", N)]
    assert report.problems[0].message == (
        f"event {N} is missing from the end: the log's head says it ends at event {N}, the log "
        f"at event {N - 1}"
    )


def test_replacing_the_last_event_is_a_head_problem(logged: Engine) -> None:
    before = row(logged, N - 1)
    run(logged, "DELETE FROM audit_events WHERE seq = :s", s=N)
    forge(logged, N, prev_hash=before.hash)
    report = audit.verify(logged)
    assert found(report) == [("head", N)]
    assert "the last event was replaced, or the head was altered" in report.problems[0].message


def test_an_event_added_after_the_head_is_inserted(logged: Engine) -> None:
    """Even hashed and linked correctly, an event the writer did not append is found."""
    forge(logged, N + 1, prev_hash=row(logged, N).hash)
    forge(logged, N + 2, prev_hash="0" * 64)
    report = audit.verify(logged)
    assert found(report) == [("inserted", N + 1)]
    assert report.problems[0].message == (
        f"events {N + 1}–{N + 2} come after the log's head (event {N}): inserted outside the "
        "log's writer"
    )


def test_an_event_inserted_into_a_gap_is_named(logged: Engine) -> None:
    """An event deleted and a forged one put in its place, linked to neither neighbour."""
    run(logged, "DELETE FROM audit_events WHERE seq = 6")
    forge(logged, 6, prev_hash="f" * 64)
    report = audit.verify(logged)
    assert found(report) == [("inserted", 6)]
    assert report.problems[0].message == (
        "event 6 does not belong to the chain: it does not link to event 5, nor event 7 to it: "
        "inserted"
    )


def test_a_forged_first_event_is_named(logged: Engine) -> None:
    run(logged, "DELETE FROM audit_events WHERE seq = 1")
    forge(logged, 1, prev_hash=audit.GENESIS, like=2)
    assert found(audit.verify(logged)) == [("inserted", 1)]


def _swap_seq(engine: Engine, a: int, b: int) -> None:
    run(
        engine,
        "UPDATE audit_events SET seq = -1 WHERE seq = :a",
        "UPDATE audit_events SET seq = :a WHERE seq = :b",
        "UPDATE audit_events SET seq = :b WHERE seq = -1",
        a=a,
        b=b,
    )


@pytest.mark.parametrize(("a", "b"), [(4, 7), (4, 5), (1, N)])
def test_swapped_events_are_named_as_reordered(logged: Engine, a: int, b: int) -> None:
    _swap_seq(logged, a, b)
    report = audit.verify(logged)
    assert found(report) == [("reordered", a), ("reordered", b)]
    assert [p.message for p in report.problems] == [
        f"event {a} holds what was written as event {b}: reordered",
        f"event {b} holds what was written as event {a}: reordered",
    ]


def test_events_with_swapped_contents_are_named_as_reordered(logged: Engine) -> None:
    columns = ("at", "actor", "action", "subject", "after", "reason", "prev_hash", "hash")
    three, eight = row(logged, 3), row(logged, 8)
    sets = ", ".join(f"{c} = :{c}" for c in columns)
    for seq, other in [(3, eight), (8, three)]:
        run(
            logged,
            f"UPDATE audit_events SET {sets} WHERE seq = :seq",
            seq=seq,
            **{c: getattr(other, c) for c in columns},
        )
    assert found(audit.verify(logged)) == [("reordered", 3), ("reordered", 8)]


def test_concurrent_writers_keep_one_chain_without_gaps(engine: Engine, db_url: str) -> None:
    """Writers lock the head in turn, so the chain has one order and no gap (PostgreSQL;
    a SQLite file has one writer at a time by itself)."""
    if not db_url.startswith("postgresql"):
        pytest.skip("concurrent writers are a PostgreSQL matter")
    errors: list[BaseException] = []

    def writer(k: int) -> None:
        try:
            for i in range(25):
                with engine.begin() as conn:
                    audit.record_many(
                        conn,
                        [
                            Event(actor=f"w{k}", action="x.y", subject=f"s:{k}:{i}:{j}")
                            for j in range(2)
                        ],
                    )
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    report = audit.verify(engine)
    assert report.ok, report.problems
    assert report.events == report.head_seq == 4 * 25 * 2
