"""The verifiable lottery: pseudonyms, the place of each pseudonym, and the published record.

Pure: no database. The protocol, in order:

1. **Pool**: each eligible person gets a pseudonym, ``HMAC-SHA256(campaign key, national id)``
   (64 hex digits). The campaign key stays with the headquarters, so a pseudonym cannot be
   traced back to a person by trying every national id. A region's pool hash is the SHA-256
   of its pseudonyms, sorted, one per line.
2. **Commit**: a secret 32-byte seed is drawn and its SHA-256 (the commitment) is published
   with the pool hashes, before anyone can know the order.
3. **Draw**: the seed is revealed. Each pseudonym's place is ``HMAC-SHA256(seed, pseudonym)``
   (over the pseudonym's 32 bytes); a region's order is by priority group, then by place
   (byte order). Replacements continue down the same order.
4. **Verify**: anyone with the record (commitment, seed, pool hashes, each region's ordered
   pseudonyms and their priority groups) checks the seed against the commitment, the pool
   hash against the listed pseudonyms, and that the list is in the order the seed gives.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from muster.errors import MusterError

_SIZE = 32  # bytes of an HMAC-SHA256: a pseudonym, a place
_DIGEST = np.dtype(f"S{_SIZE}")
Digests = npt.NDArray[np.bytes_]


class _Keyed:
    """HMAC-SHA256 with one key over many short messages, with the key's pads hashed once
    (the same function as ``hmac.digest``, about twice as fast in a loop)."""

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


def pseudonyms(key: bytes, national_ids: Iterable[str]) -> list[bytes]:
    """Each national id's 32-byte pseudonym under a campaign key."""
    return _Keyed(key).many(n.encode() for n in national_ids)


def pseudonym(key: bytes, national_id: str) -> bytes:
    return hmac.digest(key, national_id.encode(), "sha256")


def places(seed: bytes, pseudonyms_: Iterable[bytes]) -> list[bytes]:
    """Each pseudonym's place in the lottery: ``HMAC-SHA256(seed, pseudonym)``."""
    return _Keyed(seed).many(pseudonyms_)


def commitment(seed: bytes) -> str:
    return hashlib.sha256(seed).hexdigest()


def digests(values: list[bytes]) -> Digests:
    """32-byte digests (pseudonyms, places) as one array, a fixed-width byte string each. Take
    them out with ``raw`` (NumPy drops an item's trailing zero bytes when it is indexed)."""
    return np.frombuffer(b"".join(values), dtype=_DIGEST)


def raw(values: Digests | Sequence[bytes]) -> bytes:
    """The digests one after another, 32 bytes each."""
    return values.tobytes() if isinstance(values, np.ndarray) else b"".join(values)


def pool_hash(pseudonyms_: Iterable[bytes] | Digests) -> str:
    """SHA-256 of the pseudonyms in hex, sorted, one per line (each line ends with a newline)."""
    if isinstance(pseudonyms_, np.ndarray) and pseudonyms_.dtype == _DIGEST:
        return _hash_lines(pseudonyms_)
    names = list(pseudonyms_)
    if set(map(len, names)) != {_SIZE}:  # none, or not all pseudonyms (a tampered listing)
        digest = hashlib.sha256()
        for p in sorted(names):
            digest.update(p.hex().encode() + b"\n")
        return digest.hexdigest()
    return _hash_lines(digests(names))


def _hash_lines(names: Digests) -> str:
    # Sorted as fixed-width byte strings (NumPy compares them byte by byte), written as 64
    # hex digits and a newline each, hashed at once.
    hexed = np.frombuffer(np.sort(names).tobytes().hex().encode(), dtype=np.uint8)
    lines = np.empty((len(names), 2 * _SIZE + 1), dtype=np.uint8)
    lines[:, :-1] = hexed.reshape(len(names), 2 * _SIZE)
    lines[:, -1] = ord("\n")
    return hashlib.sha256(lines.tobytes()).hexdigest()


def order(
    priority: Sequence[int] | npt.NDArray[np.int16], places_: Sequence[bytes] | Digests
) -> npt.NDArray[np.int64]:
    """Indices in lottery order: priority group first, then place in byte order."""
    n = len(places_)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    packed = np.frombuffer(raw(places_), dtype=">u8").reshape(n, 4)
    words = [packed[:, i].astype(np.uint64) for i in range(4)]
    # lexsort sorts by the last key first; 256 bits of place decide every tie exactly.
    return np.lexsort((words[3], words[2], words[1], words[0], np.asarray(priority))).astype(
        np.int64
    )


RECORD_FORMAT = "muster-draw-record/1"


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def regions_hash(regions: dict[str, str]) -> str:
    """The campaign's pool hash: SHA-256 over ``region:pool-hash`` lines, sorted by region."""
    text = "".join(f"{r}:{h}\n" for r, h in sorted(regions.items()))
    return hashlib.sha256(text.encode()).hexdigest()


def verify_record(path: Path) -> tuple[dict[str, Any], int, list[str]]:
    """Recompute a published draw record: the record, the persons checked, and each problem
    found (none: the order is exactly what the committed seed gives over the committed pool).
    """
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MusterError(f"{path}: not a readable draw record ({exc})") from None
    if not isinstance(record, dict) or record.get("format") != RECORD_FORMAT:
        raise MusterError(f'{path}: not a draw record (expected "format": "{RECORD_FORMAT}")')
    problems: list[str] = []
    try:
        seed = bytes.fromhex(record["seed"])
        if commitment(seed) != record["commitment"]:
            problems.append("the seed does not hash to the published commitment")
        order_path = path.parent / record["order_file"]
        if not order_path.is_file():
            raise MusterError(f"{path}: its order file {order_path} is missing")
        if file_sha256(order_path) != record["order_sha256"]:
            problems.append(f"{order_path.name} is not the file the record names (SHA-256 differs)")
        frame = pl.read_parquet(order_path)
        listed = {str(r["region"]): r for r in record["regions"]}
        if regions_hash({r: v["pool_sha256"] for r, v in listed.items()}) != record["pool_sha256"]:
            problems.append("the region pool hashes do not combine to the published pool hash")
        parts = frame.partition_by("region", as_dict=True)
        for (code,), part in sorted(parts.items()):
            code = str(code)
            if code not in listed:
                problems.append(f"region {code}: in the order file but not in the record")
                continue
            part = part.sort("position")
            names = [bytes.fromhex(p) for p in part["pseudonym"].to_list()]
            entry = listed[code]
            if len(names) != entry["size"]:
                problems.append(
                    f"region {code}: {len(names)} pseudonyms listed, pool size {entry['size']}"
                )
            if pool_hash(names) != entry["pool_sha256"]:
                problems.append(f"region {code}: the listed pseudonyms are not the committed pool")
            if part["position"].to_list() != list(range(part.height)):
                problems.append(f"region {code}: positions are not 0, 1, 2, …")
            priority = part["priority"].to_numpy()
            expected = order(priority, places(seed, names))
            wrong = np.flatnonzero(expected != np.arange(len(names)))
            if len(wrong):
                problems.append(
                    f"region {code}: {len(wrong)} positions differ from the order the seed "
                    f"gives (first at position {int(wrong[0])})"
                )
        for code in sorted(set(listed) - {str(k[0]) for k in parts}):
            if listed[code]["size"]:
                problems.append(f"region {code}: in the record but missing from the order file")
    except (KeyError, TypeError, ValueError) as exc:
        raise MusterError(f"{path}: malformed draw record ({exc!r})") from None
    return record, frame.height, problems
