"""The pools as the lottery keeps and reads them: each region's frozen members and its order
packed for storage, and the registry read page by page with each page's pseudonyms (and, at the
draw, places) computed while the next page is read.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import polars as pl
from sqlalchemy import Engine

from muster.db.clock import Progress
from muster.selection import lottery
from muster.selection.reading import person_pages

IDS = npt.NDArray[np.int64]


def pack_members(ids: IDS) -> bytes:
    """A region's pool (person ids, sorted) as stored: compressed gaps."""
    return zlib.compress(np.diff(ids, prepend=0).astype("<u4").tobytes(), 6)


def unpack_members(blob: bytes) -> IDS:
    return np.cumsum(np.frombuffer(zlib.decompress(blob), dtype="<u4").astype(np.int64))


def pack_order(ids: IDS) -> bytes:
    """A region's lottery order (person ids, first place first) as stored."""
    return zlib.compress(ids.astype("<i4").tobytes(), 1)


def unpack_order(blob: bytes) -> IDS:
    return np.frombuffer(zlib.decompress(blob), dtype="<i4").astype(np.int64)


def by_region(frame: pl.DataFrame) -> dict[str, pl.DataFrame]:
    """The rows of each region, in id order."""
    return {
        str(key[0]): part.sort("id")
        for key, part in frame.partition_by("region_code", as_dict=True).items()
    }


def among(ids: IDS, members: IDS) -> npt.NDArray[np.bool_]:
    """Which of ``ids`` are in ``members`` (sorted, unique)."""
    if not len(members):
        return np.zeros(len(ids), dtype=bool)
    at = np.minimum(np.searchsorted(members, ids), len(members) - 1)
    return np.asarray(members[at] == ids)


@dataclass(frozen=True)
class Hashed:
    """Persons read with their digests: ``people`` has a ``row`` column, each person's place
    in ``names`` (pseudonyms) and ``places`` (none unless a seed was given)."""

    people: pl.DataFrame
    names: lottery.Digests
    places: lottery.Digests | None


def hashed(
    engine: Engine,
    *,
    decree_id: str,
    columns: list[str],
    eligible_only: bool,
    key: bytes,
    seed: bytes | None = None,
    within: IDS | None = None,
    progress: Progress,
    phase: str,
    total: int = 0,
) -> Hashed:
    """Persons with these fields (``national_id`` among them) and their latest decision (only
    the eligible if ``eligible_only``; only ids ``within``, sorted, if given), each page's
    pseudonyms under ``key`` (and places under ``seed``) computed here while the next page is
    read (by processes of their own for a large registry). National ids are not kept."""
    pages: list[pl.DataFrame] = []
    names: list[lottery.Digests] = []
    places: list[lottery.Digests] = []
    dropped = ["national_id", *(["decision"] if eligible_only else [])]
    done = 0
    for page in person_pages(
        engine, decree_id=decree_id, columns=columns, eligible_only=eligible_only
    ):
        if within is not None:
            page = page.filter(pl.Series(among(page["id"].to_numpy(), within)))
        these = lottery.pseudonyms(key, page["national_id"].to_list())
        names.append(lottery.digests(these))
        if seed is not None:
            places.append(lottery.digests(lottery.places(seed, these)))
        pages.append(page.drop(dropped))
        done += page.height
        progress(phase, done, total)
    if pages:
        people = pl.concat(pages).with_row_index("row")
    else:
        kept = [c for c in [*columns, "decision"] if c not in dropped]
        people = pl.DataFrame(
            schema={"row": pl.UInt32, "id": pl.Int64, **{c: pl.String for c in kept}}
        )
    return Hashed(
        people=people,
        names=_joined(names),
        places=_joined(places) if seed is not None else None,
    )


def _joined(parts: list[lottery.Digests]) -> lottery.Digests:
    return np.concatenate(parts) if parts else lottery.digests([])
