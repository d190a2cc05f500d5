"""Registry services: generate, import, export, correct, count. The CLI and API call these;
office reads (``offices.py``) and the medical board's correction (``batches.py``) are offered
here too.

Every write happens in one transaction: an import either lands whole or not at all, and a
crash or kill mid-way leaves the database as it was. Updates of existing persons are
corrections: each is kept in ``person_changes`` with who, when and every field's old and new
value, so later stages can re-screen exactly the people whose data changed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import Connection, Engine, func, select, text

from muster.db import bulk
from muster.db.clock import Progress, now, quiet
from muster.errors import InputFileError, MusterError, NotFoundError
from muster.registry import files, reading
from muster.registry.batches import finish_batch, record_fitness, start_batch
from muster.registry.generate import CHUNK, Generator
from muster.registry.geography import offices
from muster.registry.models import Person, PersonChange, Region, RegistryBatch
from muster.registry.offices import daily_capacity, list_offices, region_names
from muster.registry.schemas import (
    TABLES,
    GenerateResult,
    ImportResult,
    PersonChangeRead,
    Stats,
    TableName,
)
from muster.registry.validate import validate

KEYS: dict[str, str] = {
    "regions": "code",
    "employers": "code",
    "offices": "code",
    "persons": "national_id",
}
DEFAULT_REFERENCE = date(2022, 9, 21)


def count_persons(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(Person)) or 0)


def generate(
    engine: Engine,
    *,
    persons: int,
    seed: int,
    regions: int = 85,
    reference: date = DEFAULT_REFERENCE,
    actor: str,
    replace: bool = False,
    progress: Progress = quiet,
) -> GenerateResult:
    """Fill an empty registry with a synthetic population (regions, offices, employers too)."""
    if persons < 1:
        raise MusterError(f"--persons must be at least 1, got {persons}")
    if not 1 <= regions <= 99:
        raise MusterError(f"--regions must be from 1 to 99, got {regions}")
    gen = Generator(seed=seed, persons=persons, regions=regions, reference=reference)
    with engine.begin() as conn:
        existing = conn.scalar(select(func.count()).select_from(Region)) or 0
        if existing and not replace:
            raise MusterError(
                f"the registry at {engine.url.render_as_string()} already holds data "
                f"({existing} regions, {conn.scalar(select(func.count()).select_from(Person))} "
                "persons); use --replace to discard it, or another --db"
            )
        if existing:
            for table in ("person_changes", "persons", "employers", "offices", "regions"):
                conn.execute(text(f"DELETE FROM {table}"))
        batch = start_batch(
            conn,
            kind="generate",
            actor=actor,
            source=f"generate --persons {persons} --seed {seed} "
            f"--regions {regions} --reference {reference}",
        )
        bulk.insert(conn, "regions", gen.geo.regions.drop("share"))
        bulk.insert(conn, "offices", offices(gen.geo, persons))
        bulk.insert(conn, "employers", gen.employers.drop("size"))
        stamp = now()
        done = 0
        progress("persons", 0, persons)
        for chunk in gen.chunks():
            bulk.insert(
                conn,
                "persons",
                chunk.with_columns(
                    pl.lit(batch).alias("batch_id"), pl.lit(stamp).alias("updated_at")
                ),
            )
            done += chunk.height
            progress("persons", done, persons)
        finish_batch(conn, batch, inserted=persons, updated=0)
    return GenerateResult(
        persons=persons,
        regions=gen.geo.regions.height,
        employers=gen.employers.height,
        offices=gen.geo.districts.height,
        seed=seed,
        batch_id=batch,
    )


def _codes(conn: Connection, table: str) -> frozenset[str]:
    return frozenset(str(r[0]) for r in conn.execute(text(f"SELECT code FROM {table}")))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(1 << 24):
            digest.update(block)
    return digest.hexdigest()


def read_checked(
    engine: Engine, path: Path, table: TableName, *, today: date | None = None
) -> pl.DataFrame:
    """Read and validate a whole file; raise ``InputFileError`` listing every problem."""
    spec = TABLES[table]
    raw = files.read_raw(path, spec)
    if raw.frame is None:
        raise InputFileError(str(path), raw.problems)
    with engine.connect() as conn:
        refs = {"region": _codes(conn, "regions")}
        if table == "persons":
            refs["employer"] = _codes(conn, "employers")
    typed, problems = validate(
        raw.frame,
        spec,
        file=str(path),
        refs=refs,
        today=today or date.today(),
        persons=table == "persons",
    )
    if problems:
        if files.detect_format(path) == "csv":
            short = files.short_rows(path, str(path))
            lines = {p.line for p in short}
            problems = [p for p in problems if p.line not in lines] + short
        raise InputFileError(str(path), problems)
    return typed.drop(files.LINE)


def _existing(
    conn: Connection, table: TableName, key: str, incoming: pl.DataFrame, columns: list[str]
) -> pl.DataFrame:
    """Rows of ``table`` whose key is in ``incoming``, as a typed frame."""
    if conn.execute(text(f"SELECT 1 FROM {table} LIMIT 1")).first() is None:
        return _typed_chunk([], table, with_id=table == "persons")  # a first import
    conn.execute(text("CREATE TEMP TABLE _incoming_keys (k VARCHAR(16) PRIMARY KEY)"))
    try:
        bulk.insert(conn, "_incoming_keys", incoming.select(pl.col(key).alias("k")))
        extra = "t.id, " if table == "persons" else ""
        rows = conn.execute(
            text(
                f"SELECT {extra}{', '.join('t.' + c for c in columns)} FROM {table} t "
                f"JOIN _incoming_keys i ON i.k = t.{key}"
            )
        ).all()
    finally:
        conn.execute(text("DROP TABLE _incoming_keys"))
    return _typed_chunk(rows, table, with_id=table == "persons")


def _diff(
    incoming: pl.DataFrame, old: pl.DataFrame, key: str, columns: list[str]
) -> tuple[pl.DataFrame, pl.DataFrame, int]:
    """New rows, changed rows (with ``__changes`` JSON and old ``id``), and unchanged count."""
    marked = old.with_columns(pl.lit(True).alias("__present"))
    joined = incoming.join(marked, on=key, how="left", suffix="__old")
    fresh = joined.filter(pl.col("__present").is_null()).select(incoming.columns)
    matched = joined.filter(pl.col("__present").is_not_null())
    values = [c for c in columns if c != key]
    flags = [(~pl.col(c).eq_missing(pl.col(f"{c}__old"))).alias(f"{c}__chg") for c in values]
    matched = matched.with_columns(flags)
    changed = matched.filter(pl.any_horizontal([f"{c}__chg" for c in values]))
    notes: list[str] = []
    for row in changed.iter_rows(named=True):
        notes.append(
            json.dumps(
                {
                    c: [files.text_of(row[f"{c}__old"]), files.text_of(row[c])]
                    for c in values
                    if row[f"{c}__chg"]
                },
                ensure_ascii=False,
            )
        )
    changed = changed.with_columns(pl.Series("__changes", notes, dtype=pl.String))
    return fresh, changed, matched.height - changed.height


def import_file(
    engine: Engine,
    path: Path,
    *,
    table: TableName = "persons",
    actor: str,
    dry_run: bool = False,
    progress: Progress = quiet,
    today: date | None = None,
) -> ImportResult:
    """Import a CSV, Parquet or XLSX file all-or-nothing; existing keys are corrections."""
    progress("read and check", 0, 1)
    incoming = read_checked(engine, path, table, today=today)
    progress("read and check", 1, 1)
    key = KEYS[table]
    columns = [c.name for c in TABLES[table]]
    with engine.begin() as conn:
        old = _existing(conn, table, key, incoming, columns)
        fresh, changed, unchanged = _diff(incoming, old, key, columns)
        result = ImportResult(
            table=table,
            file=str(path),
            rows=incoming.height,
            inserted=fresh.height,
            updated=changed.height,
            unchanged=unchanged,
            dry_run=dry_run,
        )
        if dry_run:
            conn.rollback()
            return result
        batch = start_batch(
            conn, kind="import", source=str(path), actor=actor, sha256=_sha256(path)
        )
        stamp = now()
        if table == "persons":
            extra = [pl.lit(batch).alias("batch_id"), pl.lit(stamp).alias("updated_at")]
            total = fresh.height
            for start in range(0, max(total, 1), CHUNK):
                bulk.insert(conn, "persons", fresh.slice(start, CHUNK).with_columns(extra))
                progress("write", min(start + CHUNK, total), total)
            bulk.update(conn, "persons", key, changed.select([*columns]).with_columns(extra))
            bulk.insert(
                conn,
                "person_changes",
                changed.select(
                    pl.col("id").alias("person_id"),
                    pl.lit(batch).alias("batch_id"),
                    pl.lit(stamp).alias("changed_at"),
                    pl.lit(actor).alias("actor"),
                    pl.col("__changes").alias("changes"),
                ),
            )
        else:
            bulk.insert(conn, table, fresh)
            bulk.update(conn, table, key, changed.select(columns))
        finish_batch(conn, batch, inserted=fresh.height, updated=changed.height)
    return result.model_copy(update={"batch_id": batch})


def _typed_chunk(rows: Sequence[Any], table: TableName, *, with_id: bool = False) -> pl.DataFrame:
    """Rows as the database returned them → the typed frame, ``id`` last when asked for."""
    frame = reading.typed(rows, TABLES[table], with_id=with_id)
    return frame.select([*frame.columns[1:], "id"]) if with_id else frame


def export_file(
    engine: Engine, path: Path, *, table: TableName = "persons", progress: Progress = quiet
) -> int:
    """Write a table to CSV, Parquet or XLSX (by extension), streaming in chunks."""
    columns = [c.name for c in TABLES[table]]
    order = "id" if table == "persons" else "code"
    with engine.connect() as conn:
        total = int(conn.scalar(text(f"SELECT count(*) FROM {table}")) or 0)
        result = conn.execution_options(stream_results=True).execute(
            text(f"SELECT {', '.join(columns)} FROM {table} ORDER BY {order}")
        )
        done = 0
        progress("export", 0, total)
        with files.open_writer(path) as writer:
            while True:
                rows = result.fetchmany(CHUNK)
                if not rows and done:
                    break
                writer.write(_typed_chunk(rows, table))
                done += len(rows)
                progress("export", done, total)
                if not rows:
                    break
    return done


def stats(engine: Engine) -> Stats:
    """Counts by region, rank group, fitness, sector and status."""

    def counts(conn: Connection, column: str) -> dict[str, int]:
        rows = conn.execute(text(f"SELECT {column}, count(*) FROM persons GROUP BY {column}"))
        return {
            ("none" if k is None else str(k)): int(v)
            for k, v in sorted(rows, key=lambda r: (r[0] is None, str(r[0])))
        }

    with engine.connect() as conn:
        return Stats(
            persons=int(conn.scalar(select(func.count()).select_from(Person)) or 0),
            by_region=counts(conn, "region_code"),
            by_rank_group=counts(conn, "rank_group"),
            by_fitness=counts(conn, "fitness"),
            by_sector=counts(conn, "sector"),
            by_status=counts(conn, "status"),
        )


def history(engine: Engine, national_id: str) -> list[PersonChangeRead]:
    """Every correction to one person, oldest first."""
    with engine.connect() as conn:
        person = conn.execute(select(Person.id).where(Person.national_id == national_id)).first()
        if person is None:
            raise NotFoundError(f"no person with national id {national_id!r} in the registry")
        rows = conn.execute(
            select(
                PersonChange.changed_at,
                PersonChange.actor,
                RegistryBatch.source,
                PersonChange.changes,
            )
            .join(RegistryBatch, RegistryBatch.id == PersonChange.batch_id)
            .where(PersonChange.person_id == person.id)
            .order_by(PersonChange.id)
        ).all()
    return [
        PersonChangeRead(
            national_id=national_id,
            changed_at=r[0].isoformat(),
            actor=r[1],
            source=r[2],
            changes=json.loads(r[3]),
        )
        for r in rows
    ]


__all__ = [
    "DEFAULT_REFERENCE",
    "KEYS",
    "count_persons",
    "daily_capacity",
    "export_file",
    "generate",
    "history",
    "import_file",
    "list_offices",
    "read_checked",
    "record_fitness",
    "region_names",
    "stats",
]
