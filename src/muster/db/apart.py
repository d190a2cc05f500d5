"""Reading in a process of its own: a long read (the whole registry, where the driver builds a
Python object for every value) takes the second core while this process decides and writes.

The reader is a new Python process (``python -m muster.db.apart``: nothing of this process's
threads, connections or main script is carried over) that opens its own connection from the
database URL and hands each frame over as Arrow IPC through a pipe of its own (its standard
output stays free for whatever a library prints), one frame ahead at most. An error in the
reader is raised here; a reader that dies is a clear error; a caller that stops early stops the
reader.
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

# A read of at least this many rows is made by a process of its own (``at_scale``); under it,
# starting a Python process would cost more than the second core gives back.
APART_FROM = 400_000

_FRAME, _DONE, _ERROR = b"F", b"D", b"E"
_HEADER = struct.Struct(">cQ")  # kind, payload length


def at_scale(
    engine: Engine,
    *,
    rows: int,
    here: Callable[[], Iterator[pl.DataFrame]],
    there: Callable[..., Iterator[pl.DataFrame]],
    **kwargs: Any,
) -> Iterator[pl.DataFrame]:
    """``here()`` for a read of fewer than ``APART_FROM`` rows or of a database in memory
    (which no other process can open); else ``there(url, **kwargs)``, the same read from the
    database's URL, in a process of its own."""
    if rows < APART_FROM or engine.url.database in (None, "", ":memory:"):
        return here()
    return frames_apart(there, engine.url.render_as_string(hide_password=False), **kwargs)


def frames_apart(
    produce: Callable[..., Iterator[pl.DataFrame]], *args: Any, **kwargs: Any
) -> Iterator[pl.DataFrame]:
    """The frames of ``produce(*args, **kwargs)``, made by another process. ``produce`` is a
    module's function and its arguments plain values (a database URL, not an engine): they
    cross to the other process by name and by pickle."""
    task = pickle.dumps((produce.__module__, produce.__qualname__, args, kwargs))
    readable, writable = os.pipe()
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    try:
        reader = subprocess.Popen(
            [sys.executable, "-m", "muster.db.apart", str(writable)],
            stdin=subprocess.PIPE,
            pass_fds=(writable,),
            env=env,
        )
    finally:
        os.close(writable)  # the reader holds the only writing end: its exit ends the pipe
    pipe = os.fdopen(readable, "rb")
    try:
        assert reader.stdin is not None
        reader.stdin.write(task)
        reader.stdin.close()
        while True:
            header = pipe.read(_HEADER.size)
            kind, size = _HEADER.unpack(header) if len(header) == _HEADER.size else (b"", 0)
            payload = pipe.read(size) if kind else b""
            if not kind or len(payload) < size:
                raise MusterError(
                    f"the reading process stopped without finishing (exit code "
                    f"{reader.wait(timeout=10)}); nothing was written, run the command again"
                )
            if kind == _DONE:
                return
            if kind == _ERROR:
                raise pickle.loads(payload)
            yield pl.read_ipc(io.BytesIO(payload))
    finally:
        pipe.close()  # a reader still sending gets a broken pipe and stops
        try:
            reader.wait(timeout=10)
        except subprocess.TimeoutExpired:
            reader.kill()
            reader.wait()


def _send(out: IO[bytes], kind: bytes, payload: bytes | memoryview = b"") -> None:
    out.write(_HEADER.pack(kind, len(payload)))
    out.write(payload)


def _serve(fd: int) -> None:
    """The reading process: the task from standard input, the frames to ``fd``."""
    module, name, args, kwargs = pickle.load(sys.stdin.buffer)
    out = os.fdopen(fd, "wb")
    try:
        try:
            produce = getattr(importlib.import_module(module), name)
            for frame in produce(*args, **kwargs):
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
