"""What the lottery reads back: the screened registry by pages or as one frame, a campaign's
stored lottery.

Commit, draw (through ``pools.py``) and the published record (``record.py``) read through
here.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import polars as pl
from sqlalchemy import Connection, Engine, Row, select

from muster.db import apart
from muster.db.clock import Progress
from muster.errors import MusterError
from muster.registry import reading as registry_reading
from muster.screening import service as screening
from muster.selection.models import Lottery


def read_persons(
    engine: Engine, *, decree_id: str, columns: list[str], eligible_only: bool, progress: Progress
) -> pl.DataFrame:
    """``person_pages`` in one frame."""
    frames = []
    done = 0
    for frame in person_pages(
        engine, decree_id=decree_id, columns=columns, eligible_only=eligible_only
    ):
        frames.append(frame)
        done += frame.height
        progress("read registry", done, 0)
    if not frames:
        return pl.DataFrame(schema={"id": pl.Int64, **{c: pl.String for c in columns}})
    return pl.concat(frames)


def person_pages(
    engine: Engine, *, decree_id: str, columns: list[str], eligible_only: bool
) -> Iterator[pl.DataFrame]:
    """Persons with these fields and their latest decision under the decree, page by page in
    id order (only the eligible ones if ``eligible_only``); a large registry is read by
    processes of their own (``apart.at_scale``), so the caller works on one page while the
    next is read."""
    return apart.at_scale(
        engine,
        rows=lambda: registry_reading.top_id(engine),
        here=lambda: screening.decided_frames(
            engine, decree_id=decree_id, columns=columns, eligible_only=eligible_only
        ),
        there=screening.decided_frames_at,
        decree_id=decree_id,
        columns=columns,
        eligible_only=eligible_only,
    )


def stored_lottery(conn: Connection, campaign_id: int) -> Row[Any]:
    """The campaign's lottery row; a ``MusterError`` if no seed was committed yet."""
    row = conn.execute(select(Lottery).where(Lottery.campaign_id == campaign_id)).first()
    if row is None:
        raise MusterError(
            f"campaign {campaign_id} has no lottery yet; run `muster campaign commit "
            f"{campaign_id}` first to publish the commitment"
        )
    return row
