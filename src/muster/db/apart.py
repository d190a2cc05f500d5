"""Reading in processes of their own: a long read (the whole registry, where the driver
builds a Python object for every value) spread over the other cores while this process
decides, hashes and writes.

Each reader is a new Python process (``python -m muster.db.apart``: nothing of this process's
threads, connections or main script is carried over) that opens its own connection from the
database URL and hands each frame over as Arrow IPC through a pipe of its own (its standard
output stays free for whatever a library prints), one frame ahead at most. The readers take
turns by spans of ids, so the frames arrive in id order. An error in a reader is raised here;
a reader that dies is a clear error; a caller that stops early stops them all.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import os
import pickle
import struct
import subprocess
import sys
from collections.abc import Callable, Iterator
from typing import IO, Any

import polars as pl
from sqlalchemy import Engine

from muster.errors import MusterError

# A read of at least this many rows is made by processes of their own (``at_scale``); under
# it, starting Python processes would cost more than the other cores give back.
APART_FROM = 400_000
# Rows (by id) a reader reads at a time, and how many readers: each reads every ``READERS``-th
# span of ids, so their frames come back in id order taken one from each in turn. One per
# core: on two cores two readers beat one by a little (bench/RESULTS.md, "Campaign").
SPAN = 250_000
READERS = max(1, min(4, os.cpu_count() or 1))

_FRAME, _DONE, _ERROR = b"F", b"D", b"E"
_HEADER = struct.Struct(">cQ")  # kind, payload length
Span = tuple[int, int | None]  # ids after the first, up to and with the second (None: no end)


def at_scale(
    engine: Engine,
    *,
    rows: Callable[[], int],
    here: Callable[[], Iterator[pl.DataFrame]],
    there: Callable[..., Iterator[pl.DataFrame]],
    **kwargs: Any,
) -> Iterator[pl.DataFrame]:
    """``here()`` for a database in memory (which no other process can open) or a table whose
    ids run (``rows()``, the highest) to fewer than ``APART_FROM``; else the same read by
    ``READERS`` processes of their own, ``there(url, spans=…, **kwargs)`` each, every one
    yielding one frame per span of ids it is given: the frames come back in id order."""
    if engine.url.database in (None, "", ":memory:"):
        return here()
    top = rows()
    if top < APART_FROM:
        return here()
    url = engine.url.render_as_string(hide_password=False)
    spans: list[Span] = [(lo, lo + SPAN) for lo in range(0, top, SPAN)]
    spans[-1] = (spans[-1][0], None)  # and any row added since ``rows`` was counted
    readers = min(READERS, len(spans))
    return frames_apart(
        there, tasks=[{"url": url, "spans": spans[i::readers], **kwargs} for i in range(readers)]
    )


def frames_apart(
    produce: Callable[..., Iterator[pl.DataFrame]], *, tasks: list[dict[str, Any]]
) -> Iterator[pl.DataFrame]:
    """The frames of ``produce(**task)`` for each task, each task run by a process of its own,
    taken one from each in turn (a reader that is done drops out); empty frames are left
    out. ``produce`` is a module's function and the tasks plain values (a database URL, not an
    engine): they cross to the other processes by name and by pickle."""
    readers = [_Reader(produce, task) for task in tasks]
    try:
        while readers:
            for reader in list(readers):
                frame = reader.next()
                if frame is None:
                    readers.remove(reader)
                elif frame.height:
                    yield frame
    finally:
        for reader in readers:
            reader.stop()


class _Reader:
    """One reading process and the pipe its frames come through."""

    def __init__(self, produce: Callable[..., Iterator[pl.DataFrame]], task: dict[str, Any]):
        readable, writable = os.pipe()
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "muster.db.apart", str(writable)],
                stdin=subprocess.PIPE,
                pass_fds=(writable,),
                env=env,
            )
        except BaseException:
            os.close(readable)
            raise
        finally:
            os.close(writable)  # the reader holds the only writing end: its exit ends the pipe
        self.pipe = os.fdopen(readable, "rb")
        assert self.process.stdin is not None
        self.process.stdin.write(pickle.dumps((produce.__module__, produce.__qualname__, task)))
        self.process.stdin.close()

    def next(self) -> pl.DataFrame | None:
        """The reader's next frame, or None when it is done (then it has stopped)."""
        header = self.pipe.read(_HEADER.size)
        kind, size = _HEADER.unpack(header) if len(header) == _HEADER.size else (b"", 0)
        payload = self.pipe.read(size) if kind else b""
        if not kind or len(payload) < size:
            raise MusterError(
                f"the reading process stopped without finishing (exit code "
                f"{self.process.wait(timeout=10)}); nothing was written, run the command again"
            )
        if kind == _DONE:
            self.stop()
            return None
        if kind == _ERROR:
            self.stop()
            raise pickle.loads(payload)
        return pl.read_ipc(io.BytesIO(payload))

    def stop(self) -> None:
        self.pipe.close()  # a reader still sending gets a broken pipe and stops
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _send(out: IO[bytes], kind: bytes, payload: bytes | memoryview = b"") -> None:
    out.write(_HEADER.pack(kind, len(payload)))
    out.write(payload)


def _serve(fd: int) -> None:
    """The reading process: the task from standard input, the frames to ``fd``."""
    module, name, task = pickle.load(sys.stdin.buffer)
    out = os.fdopen(fd, "wb")
    try:
        try:
            produce = getattr(importlib.import_module(module), name)
            for frame in produce(**task):
                buffer = io.BytesIO()
                frame.write_ipc(buffer, compression="uncompressed")
                _send(out, _FRAME, buffer.getbuffer())
                out.flush()
            _send(out, _DONE)
        except (BrokenPipeError, ConnectionResetError):
            return  # the caller stopped reading
        except BaseException as error:
            try:
                payload = pickle.dumps(error)
                pickle.loads(payload)
            except Exception:  # an error that cannot cross: its type and words do
                payload = pickle.dumps(MusterError(f"{type(error).__name__}: {error}"))
            try:
                _send(out, _ERROR, payload)
            except (BrokenPipeError, ConnectionResetError):
                return
    finally:
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the caller left
            out.close()


if __name__ == "__main__":
    _serve(int(sys.argv[1]))
