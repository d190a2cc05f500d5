"""Reading in a process of its own: the caller gets every frame in order with its types, an
error where it was raised, and a reader that stops early or dies leaves no process behind
and a clear error."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from muster.db.apart import frames_apart
from muster.errors import MusterError


def numbered(count: int, size: int, start: int = 0, step: int = 1) -> Iterator[pl.DataFrame]:
    for n in range(start, count, step):
        yield pl.DataFrame(
            {
                "id": range(n * size, (n + 1) * size),
                "born": [date(1990, 1, 1 + k % 28) for k in range(size)],
                "flag": [k % 2 == 0 for k in range(size)],
                "name": [f"p{k}" if k % 3 else None for k in range(size)],
            }
        )


def broken_after(count: int) -> Iterator[pl.DataFrame]:
    yield from numbered(count, 2)
    raise MusterError("page 3 could not be read: the registry file is damaged")


class UnpicklableError(Exception):
    def __init__(self, handle: object) -> None:
        super().__init__("a driver error holding a handle")
        self.handle = handle

    def __reduce__(self) -> str | tuple[object, ...]:
        raise TypeError("cannot pickle a handle")


def unpicklable() -> Iterator[pl.DataFrame]:
    yield from numbered(1, 2)
    raise UnpicklableError(object())


def dies() -> Iterator[pl.DataFrame]:
    yield from numbered(1, 2)
    os.kill(os.getpid(), signal.SIGKILL)
    yield from numbered(1, 2)


def test_every_frame_arrives_in_order_with_its_types() -> None:
    got = list(frames_apart(numbered, tasks=[{"count": 5, "size": 1_000}]))
    expected = list(numbered(5, size=1_000))
    assert len(got) == 5
    for a, b in zip(got, expected, strict=True):
        assert a.schema == b.schema
        assert a.equals(b)


def test_an_error_in_the_reader_is_raised_after_the_frames_before_it() -> None:
    got: list[pl.DataFrame] = []
    with pytest.raises(MusterError, match="page 3 could not be read"):
        for frame in frames_apart(broken_after, tasks=[{"count": 2}]):
            got.append(frame)
    assert len(got) == 2


def test_an_error_that_cannot_cross_arrives_by_its_type_and_words() -> None:
    with pytest.raises(MusterError, match="UnpicklableError: a driver error holding a handle"):
        list(frames_apart(unpicklable, tasks=[{}]))


def test_a_reader_that_dies_is_a_clear_error() -> None:
    with pytest.raises(MusterError, match=r"stopped without finishing.*run the command again"):
        list(frames_apart(dies, tasks=[{}]))


def endless(marker: str) -> Iterator[pl.DataFrame]:
    Path(marker).write_text(str(os.getpid()))
    n = 0
    while True:
        n += 1
        yield pl.DataFrame({"id": range(n * 10_000, (n + 1) * 10_000)})


def test_a_caller_that_stops_early_stops_the_reader(tmp_path: Path) -> None:
    marker = tmp_path / "reader.pid"
    frames = frames_apart(endless, tasks=[{"marker": str(marker)}])
    assert next(frames).height == 10_000
    frames.close()  # the caller leaves (a ``break``, an error in its loop)
    with pytest.raises(ProcessLookupError):  # gone, and waited for
        os.kill(int(marker.read_text()), 0)


def test_readers_taking_turns_give_the_frames_in_order() -> None:
    """Three readers, each every third frame (as spans of ids are shared out): the frames come
    back in order, and a reader with one frame fewer drops out when it is done."""
    tasks = [{"count": 7, "size": 10, "start": i, "step": 3} for i in range(3)]
    got = pl.concat(list(frames_apart(numbered, tasks=tasks)))
    assert got["id"].to_list() == list(range(70))


def empty_between(count: int) -> Iterator[pl.DataFrame]:
    for n in range(count):
        yield pl.DataFrame({"id": [n]}) if n % 2 else pl.DataFrame()


def test_empty_frames_are_left_out() -> None:
    got = list(frames_apart(empty_between, tasks=[{"count": 6}]))
    assert [f["id"].to_list() for f in got] == [[1], [3], [5]]


def test_an_error_in_one_reader_stops_the_others(tmp_path: Path) -> None:
    marker = tmp_path / "reader.pid"
    with pytest.raises(MusterError, match="page 3 could not be read"):
        list(frames_apart(_either, tasks=[{"count": 2}, {"marker": str(marker)}]))
    with pytest.raises(ProcessLookupError):  # the endless reader is gone, and waited for
        os.kill(int(marker.read_text()), 0)


def _either(count: int = 0, marker: str = "") -> Iterator[pl.DataFrame]:
    return endless(marker) if marker else broken_after(count)
