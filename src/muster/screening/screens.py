"""Screening a decree over the registry: everyone decided in chunks, or — after a registry
correction, an amendment or a move of the as-of date — only the persons that can have moved,
everyone else's decision carried over in the database (``carry.py``)."""

from __future__ import annotations

import json
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import date
from functools import partial
from typing import Any

import numpy as np
import polars as pl
from sqlalchemy import Connection, Engine, delete, insert, select, text, update

from muster.db.ahead import read_ahead
from muster.db.clock import Progress, now, quiet
from muster.policy import carry as policy_carry
from muster.policy import decree as policy
from muster.policy.engine import decide_frame
from muster.policy.sql import Dialect, literal
from muster.registry import reading
from muster.registry.schemas import ColumnSpec
from muster.screening import carry, grants
from muster.screening.decisions import COLUMNS, read_grounds, store
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


AHEAD = 25_000  # persons read by id while the previous ones are decided and written
_STORED = [
    ("d.version", ColumnSpec("was_version", "int")),
    ("d.decision", ColumnSpec("was", "text")),
    ("d.until", ColumnSpec("was_until", "date")),
    ("d.ground", ColumnSpec("was_ground", "text")),
    ("d.grounds", ColumnSpec("was_grounds", "int")),
    ("d.screen_id", ColumnSpec("was_screen", "int")),
]


def _redecide(
    conn: Connection, decree: policy.Decree, last: Any, plan: policy_carry.Plan, persons: list[str]
) -> Iterator[pl.DataFrame]:
    """The persons to decide again since the ``last`` screen, with their stored decisions
    (``was…``; null when they have none), as they were before the caller's transaction wrote
    any: read a chunk ahead of its writes, on a connection of their own (on the caller's for an
    in-memory SQLite database, which has no other)."""
    dialect = _dialect(conn)
    quoted = literal(decree.id, dialect)
    if dialect == "postgresql":
        # A few ids out of each pass: worth the parallel workers the planner would not use
        # (its default cost of handing a row over assumes many more), both passes at once.
        conn.execute(text("SET LOCAL parallel_setup_cost = 0"))
        conn.execute(text("SET LOCAL parallel_tuple_cost = 0.001"))
    registry, *decided = carry.to_redecide(
        plan,
        decree=quoted,
        last=decree.version(last.version),
        versions=decree.versions,
        since_batch=last.registry_batch,
        persons=persons,
        granted=grants.persons_sql(quoted),
    )
    if dialect == "postgresql":
        ids = _once(_fetch(conn, " UNION ALL ".join([registry, *decided])))
        conn.execute(text("RESET parallel_setup_cost"))
        conn.execute(text("RESET parallel_tuple_cost"))
        mine = f"x.decree_id = {quoted} AND x.person_id = p.id"
        join = f"LEFT JOIN LATERAL (SELECT * FROM decisions x WHERE {mine} LIMIT 1) d ON TRUE"

        def read(other: Connection) -> Iterator[pl.DataFrame]:
            return reading.persons_among(
                other, ids=ids, columns=COLUMNS, join=join, joined=_STORED, chunk=AHEAD
            )

        return read_ahead(conn, read)
    # SQLite reads a file with one core a connection: the persons the registry names are read
    # in the pass that finds them (no second look-up each by id), on the other core.
    named = _once(_fetch(conn, " UNION ALL ".join(decided)))  # by their decisions: a few
    where = carry.in_registry(since_batch=last.registry_batch, persons=persons)
    join = f"LEFT JOIN decisions d ON d.decree_id = {quoted} AND d.person_id = p.id"

    def scan(other: Connection) -> Iterator[pl.DataFrame]:
        seen: list[pl.Series] = []
        for frame in reading.persons_where(
            other,
            where=where,
            columns=COLUMNS,
            join=join,
            joined=_STORED,
            chunk=AHEAD,
        ):
            seen.append(frame["id"])
            yield frame
        found = pl.concat(seen).to_numpy() if seen else np.empty(0, np.int64)
        rest = np.setdiff1d(np.asarray(named, dtype=np.int64), found, assume_unique=True)
        yield from reading.persons_among(
            other,
            ids=rest.tolist(),
            columns=COLUMNS,
            join=join,
            joined=_STORED,
            chunk=AHEAD,
        )

    return read_ahead(conn, scan)


def _fetch(conn: Connection, query: str) -> list[Any]:
    raw: Any = conn.connection.driver_connection  # plain tuples: no row objects for 100,000s
    cursor = raw.cursor()
    try:
        return list(cursor.execute(query).fetchall())
    finally:
        cursor.close()


def _once(rows: list[Any]) -> list[int]:
    """The first column's ids, each once, in order (``np.unique`` is 90 times slower)."""
    each = np.sort(np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows)))
    return list(each[np.diff(each, prepend=-1) != 0].tolist())


def _differs(
    decree: policy.Decree, version: policy.Version, stored: pl.DataFrame, decided: pl.DataFrame
) -> pl.Series:
    """Whether each decision made now reads otherwise than the one stored: a stored decision
    that reads the same under ``version`` is left as it is, carried, like everyone else's."""
    was = stored.select(
        "was",
        "was_until",
        "was_ground",
        "was_screen",
        read_grounds(
            decree,
            version,
            stored["was_version"].drop_nulls().unique().to_list(),
            version="was_version",
            grounds="was_grounds",
        ).alias("was_grounds"),
    )
    both = pl.concat(
        [was, decided.select("decision", "until", "ground", "grounds")], how="horizontal"
    )
    return both.select(
        pl.col("was_screen").is_null()  # none stored, or made on its own: not carried
        | (pl.col("was") != pl.col("decision"))
        | pl.col("was_until").ne_missing(pl.col("until"))
        | pl.col("was_ground").ne_missing(pl.col("ground"))
        | (pl.col("was_grounds") != pl.col("grounds"))
    ).to_series()


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
            frames = reading.whole_registry(engine, columns=COLUMNS)
        else:  # progress: how far through the registry, by id
            total = int(conn.scalar(text("SELECT max(id) FROM persons")) or 0)
            frames = _redecide(conn, decree, *found)
        granted = grants.in_force(conn, decree_id=decree.id, as_of=as_of)
        done = reached = 0
        progress("screen", 0, total)
        put = partial(
            store,
            conn,
            decree_id=decree.id,
            version=version.number,
            as_of=as_of,
            screen_id=screen_id,
        )
        for frame in frames:
            out = pl.concat(
                [
                    frame.select(pl.col("id").alias("person_id"), "region_code"),
                    decide_frame(version, frame, as_of).collect(),
                ],
                how="horizontal",
            )
            out = grants.apply(out, granted)
            _count(counts, out)
            if found is None:
                put(out)
            else:  # write only decisions that read otherwise now, in place where stored
                changed, had = _differs(decree, version, frame, out), frame["was"].is_not_null()
                put(out.filter(changed & had), replace=True)
                put(out.filter(changed & ~had))
            done += frame.height
            reached = done if found is None else max(reached, int(frame["id"][-1]))
            progress("screen", reached, total)
        progress("screen", total, total)
        if found is None and conn.dialect.name != "sqlite":
            conn.execute(text("ANALYZE decisions"))  # the planner's figures for the new rows
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
