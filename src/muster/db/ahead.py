"""Reading one step ahead: a generator run by a thread of its own, so that the database reads
the next chunk while the caller works on this one (on another connection: each thread its
own)."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from typing import TypeVar, cast

from sqlalchemy import Connection

T = TypeVar("T")
_DONE = object()


def ahead(produce: Callable[[], Iterator[T]], *, depth: int = 1) -> Iterator[T]:
    """The items of ``produce()``, made by a thread up to ``depth`` items ahead of the caller.
    An error in the thread is raised to the caller; a caller that stops early stops the
    thread (it finishes the item it is making, then closes its generator)."""
    items: queue.Queue[object] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: object) -> bool:
        while not stop.is_set():
            try:
                items.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def work() -> None:
        made = produce()
        try:
            for item in made:
                if not put(item):
                    return
            put(_DONE)
        except BaseException as error:  # handed to the caller, raised there
            put(error)
        finally:
            close = getattr(made, "close", None)
            if close is not None:
                close()

    thread = threading.Thread(target=work, name="muster-ahead", daemon=True)
    thread.start()
    try:
        while True:
            item = items.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield cast(T, item)
    finally:
        stop.set()
        thread.join()


def read_ahead(conn: Connection, read: Callable[[Connection], Iterator[T]]) -> Iterator[T]:
    """``read``'s items, made on a connection of its own a chunk ahead of the caller: it sees
    the database as ``conn``'s transaction found it, not its uncommitted writes (on SQLite the
    transaction also holds the write lock, so nobody else's either). An in-memory SQLite
    database has no other connection: there ``read`` runs on ``conn``, each item read when the
    caller asks for it, so before the caller's writes that follow it."""
    if conn.dialect.name == "sqlite" and conn.engine.url.database in (None, "", ":memory:"):
        return read(conn)
    engine = conn.engine

    def produce() -> Iterator[T]:
        with engine.connect() as other:
            yield from read(other)

    return ahead(produce)
