"""Screening a decree over the registry: everyone decided in chunks, or — after a registry
correction, an amendment or a move of the as-of date — only the persons that can have moved,
everyone else's decision carried over in the database (``carry.py``)."""

from __future__ import annotations

import json
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import date
from typing import Any

import polars as pl
from sqlalchemy import Connection, Engine, delete, insert, select, text, update

from muster.db.clock import Progress, now, quiet
from muster.policy import carry as policy_carry
from muster.policy import decree as policy
from muster.policy.engine import decide_frame
from muster.policy.sql import Dialect
from muster.registry import reading
from muster.screening import carry
from muster.screening.decisions import COLUMNS, store
from muster.screening.models import Decision, DecreeVersionRecord, Screen
from muster.screening.schemas import ScreenResult


def _count(conn_counts: dict[str, Counter[str]], frame: pl.DataFrame) -> None:
    for key, column in (("decision", "decision"), ("ground", "ground")):
        for value, n in frame.group_by(column).len().iter_rows():
            conn_counts[key][str(value) if value is not None else "none"] += int(n)
    for region, decision, n in frame.group_by("region_code", "decision").len().iter_rows():
        conn_counts[f"region:{region}"][decision] += int(n)


def _plan(
    engine: Engine, decree: policy.Decree, version: policy.Version, as_of: date
) -> tuple[Any, policy_carry.Plan, list[str]] | None:
    """The last screen, how its decisions carry over to ``version`` on ``as_of``, and the
    plan's tests on persons' fields in SQL; None when everyone must be decided again (no
    screen yet, the version it used was replaced since, or the plan cannot be stated)."""
    with engine.connect() as conn:
        last = conn.execute(
            select(Screen).where(Screen.decree_id == decree.id).order_by(Screen.id.desc()).limit(1)
        ).first()
        if last is None:
            return None
        loaded = conn.scalar(
            select(DecreeVersionRecord.loaded_at).where(
                DecreeVersionRecord.decree_id == decree.id,
                DecreeVersionRecord.number == last.version,
            )
        )
    if loaded is None or loaded > last.started_at:
        return None
    plan = policy_carry.plan(decree.version(last.version), last.as_of, version, as_of)
    if plan is None:
        return None
    persons = carry.where_persons(plan, _dialect(engine))
    return None if persons is None else (last, plan, persons)


def _dialect(engine: Engine | Connection) -> Dialect:
    return "sqlite" if engine.dialect.name == "sqlite" else "postgresql"


def screen(
    engine: Engine,
    *,
    decree: policy.Decree,
    as_of: date,
    changed_only: bool,
    actor: str,
    progress: Progress = quiet,
) -> ScreenResult:
    """Decide every person (or, with ``changed_only``, those that can have moved since the
    last screen, carrying the rest over) and store the decisions."""
    version = decree.in_force(as_of)
    started, clock = now(), time.perf_counter()
    mark = reading.latest_batch(engine)
    found = _plan(engine, decree, version, as_of) if changed_only else None
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    with engine.begin() as conn:
        created = conn.execute(
            insert(Screen).values(
                decree_id=decree.id,
                version=version.number,
                as_of=as_of,
                incremental=found is not None,
                registry_batch=mark,
                persons=0,
                counts="{}",
                actor=actor,
                started_at=started,
                finished_at=started,
            )
        ).inserted_primary_key
        assert created is not None
        screen_id = int(created[0])
        frames: Iterator[pl.DataFrame]
        if found is None:
            total = int(conn.scalar(text("SELECT count(*) FROM persons")) or 0)
            conn.execute(delete(Decision).where(Decision.decree_id == decree.id))
            frames = reading.person_frames(engine, columns=COLUMNS)
        else:
            last, plan, persons = found
            total = carry.stage(
                conn,
                decree_id=decree.id,
                last=decree.version(last.version),
                versions=decree.versions,
                since_batch=last.registry_batch,
                plan=plan,
                persons=persons,
            )
            carry.drop_staged(conn, decree_id=decree.id)
            frames = reading.staged_frames(conn, table=carry.STAGE, columns=COLUMNS)
        done = 0
        progress("screen", 0, total)
        for _ in range(2):
            for frame in frames:
                out = pl.concat(
                    [
                        frame.select("id", "region_code"),
                        decide_frame(version, frame, as_of).collect(),
                    ],
                    how="horizontal",
                )
                _count(counts, out)
                store(
                    conn,
                    out.rename({"id": "person_id"}),
                    decree_id=decree.id,
                    version=version.number,
                    as_of=as_of,
                    screen_id=screen_id,
                )
                done += frame.height
                progress("screen", done, total)
            if found is None or not carry.unscreened(conn, decree_id=decree.id):
                break
            frames = reading.staged_frames(conn, table=carry.STAGE, columns=COLUMNS)
        if found is not None:
            carry.unstage(conn)
        summary = {k: dict(sorted(v.items())) for k, v in counts.items()}
        conn.execute(
            update(Screen)
            .where(Screen.id == screen_id)
            .values(persons=done, counts=json.dumps(summary), finished_at=now())
        )
    return ScreenResult(
        screen_id=screen_id,
        decree=decree.id,
        version=version.number,
        as_of=as_of,
        incremental=found is not None,
        persons=done,
        seconds=time.perf_counter() - clock,
        by_decision=summary.get("decision", {}),
        by_ground=summary.get("ground", {}),
        by_region={k.split(":", 1)[1]: v for k, v in summary.items() if k.startswith("region:")},
    )
