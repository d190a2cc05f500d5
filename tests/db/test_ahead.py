"""Reading ahead in a thread: the caller gets every item in order, an error where it was
raised, and a caller that stops early leaves no thread running and the source closed."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from muster.db.ahead import ahead


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
