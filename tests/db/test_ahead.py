"""Reading ahead in a thread: the caller gets every item in order, an error where it was
raised, and a caller that stops early leaves no thread running and the source closed; read
on a connection of its own, it sees the database as the caller's transaction found it."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Connection, create_engine, text

from muster.db.ahead import ahead, read_ahead


def test_every_item_arrives_in_order() -> None:
    assert list(ahead(lambda: iter(range(1_000)), depth=3)) == list(range(1_000))


def test_an_error_in_the_thread_is_raised_to_the_caller_after_the_items_before_it() -> None:
    def broken() -> Iterator[int]:
        yield 1
        yield 2
        raise ValueError("page 3 could not be read")

    got: list[int] = []
    with pytest.raises(ValueError, match="page 3 could not be read"):
        for item in ahead(broken):
            got.append(item)
    assert got == [1, 2]


def test_a_caller_that_stops_early_stops_the_thread_and_closes_the_source() -> None:
    closed = threading.Event()

    def endless() -> Iterator[int]:
        try:
            n = 0
            while True:
                n += 1
                yield n
        finally:
            closed.set()

    items = ahead(endless)
    assert [next(items) for _ in range(5)] == [1, 2, 3, 4, 5]
    items.close()  # the caller leaves (a ``break``, an error in its loop)
    assert closed.wait(5)
    assert not [t for t in threading.enumerate() if t.name == "muster-ahead"]


def _counts(conn: Connection) -> Iterator[int]:
    for _ in range(2):
        yield int(conn.execute(text("SELECT count(*) FROM t")).scalar_one())


def test_a_reader_ahead_sees_the_database_as_the_callers_transaction_found_it(
    tmp_path: Path,
) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'a.db'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
        conn.execute(text("INSERT INTO t VALUES (1)"))
    with engine.connect() as conn:
        conn.execute(text("INSERT INTO t VALUES (2)"))  # not committed: not for the reader
        assert list(read_ahead(conn, _counts)) == [1, 1]
        conn.rollback()
    engine.dispose()


def test_an_in_memory_database_is_read_on_the_callers_connection_as_asked() -> None:
    engine = create_engine("sqlite://")
    with engine.connect() as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
        seen = []
        for n in read_ahead(conn, _counts):  # each count read when asked, after the write
            seen.append(n)
            conn.execute(text("INSERT INTO t VALUES (1)"))
        assert seen == [0, 1]
    engine.dispose()
