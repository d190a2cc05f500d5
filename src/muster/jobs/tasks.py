"""What each job does: plain functions of an engine and ids, the same whether a worker runs
them from the queue (PostgreSQL) or the caller runs them in-process (SQLite).

Every job is idempotent: running it twice, or again after a crash, leaves the same result
as running it once. ``issue_batch`` continues where a batch stopped (the waiting list is
derived from the notices that landed); ``render_notice`` rewrites a file only when its
content changed, atomically; ``fill_region`` counts active call-ups under the region's lock
before drawing anyone.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from muster.notices import render
from muster.notices import service as notices
from muster.selection import service as selection


def issue_batch(
    engine: Engine, *, campaign_id: int, day: str, region: str, actor: str
) -> dict[str, Any]:
    """Issue a region's next batch of notices on ``day`` (ISO date)."""
    result = notices.issue(
        engine, campaign_id=campaign_id, day=date.fromisoformat(day), actor=actor, region=region
    )
    return result.model_dump(mode="json")


def render_notice(engine: Engine, *, number: int, out_dir: str) -> str:
    """Write ``<out_dir>/notice-<number>.pdf``: ``written``, or ``unchanged`` when the file
    already holds exactly this rendering. The file appears whole or not at all."""
    pdf = render.notice_pdf(notices.document(engine, number=number))
    folder = Path(out_dir)
    target = folder / f"notice-{number}.pdf"
    if target.is_file() and target.read_bytes() == pdf:
        return "unchanged"
    folder.mkdir(parents=True, exist_ok=True)
    fd, partial = tempfile.mkstemp(dir=folder, prefix=f".notice-{number}-", suffix=".partial")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(pdf)
            f.flush()
            os.fsync(f.fileno())
        os.replace(partial, target)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise
    return "written"


def fill_region(engine: Engine, *, campaign_id: int, region: str, actor: str) -> int:
    """Draw replacements until the region's active call-ups reach its quota; how many."""
    return selection.top_up(engine, campaign_id=campaign_id, region=region, actor=actor)


TASKS: dict[str, Callable[..., Any]] = {
    "issue_batch": issue_batch,
    "render_notice": render_notice,
    "fill_region": fill_region,
}
