"""HMAC-SHA256 with one key over many short messages, on every core when there are many.

The lottery hashes each pooled person once at the commit and twice at the draw: at 25 million
persons that is most of the draw's time in one process. ``Hasher`` hands large batches to worker
processes (one a core, started once per ``Hasher``), which import only this module. Results are
the same bytes as ``hmac.digest(key, message, "sha256")`` whichever way they were computed.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
from collections.abc import Iterable, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from itertools import repeat
from types import TracebackType

DIGEST = 32  # bytes of one HMAC-SHA256
PARALLEL_FROM = 200_000  # below this, starting the workers costs more than it saves


class Keyed:
    """HMAC-SHA256 with one key, the key's pads hashed once (the same function as
    ``hmac.digest``, about twice as fast in a loop)."""

    def __init__(self, key: bytes) -> None:
        block = key if len(key) <= 64 else hashlib.sha256(key).digest()
        block = block.ljust(64, b"\0")
        self._inner = hashlib.sha256(bytes(b ^ 0x36 for b in block))
        self._outer = hashlib.sha256(bytes(b ^ 0x5C for b in block))

    def many(self, messages: Iterable[bytes]) -> list[bytes]:
        inner, outer = self._inner.copy, self._outer.copy
        result = []
        for message in messages:
            i = inner()
            i.update(message)
            o = outer()
            o.update(i.digest())
            result.append(o.digest())
        return result


def _chunk(key: bytes, messages: Sequence[bytes]) -> bytes:
    """A worker's share: the digests of its messages, end to end."""
    return b"".join(Keyed(key).many(messages))


class Hasher:
    """HMAC-SHA256 over batches of messages: in this process for small batches, split over
    ``processes`` workers (default: one a core) for batches of ``parallel_from`` or more. Use
    it as a context manager (or call ``close``) so the workers end with the work."""

    def __init__(self, *, processes: int | None = None, parallel_from: int = PARALLEL_FROM):
        self.processes = processes if processes is not None else (os.cpu_count() or 1)
        self.parallel_from = parallel_from
        self._pool: Executor | None = None

    def many(self, key: bytes, messages: Sequence[bytes]) -> list[bytes]:
        n = len(messages)
        if self.processes < 2 or n < self.parallel_from:
            return Keyed(key).many(messages)
        if self._pool is None:
            # forkserver: the workers do not inherit this process's threads and locks
            context = multiprocessing.get_context("forkserver")
            self._pool = ProcessPoolExecutor(self.processes, mp_context=context)
        size = -(-n // (self.processes * 4))  # a few chunks a worker evens out their speeds
        chunks = [messages[i : i + size] for i in range(0, n, size)]
        result: list[bytes] = []
        for blob in self._pool.map(_chunk, repeat(key), chunks):
            result.extend([blob[i : i + DIGEST] for i in range(0, len(blob), DIGEST)])
        return result

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None

    def __enter__(self) -> Hasher:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()
