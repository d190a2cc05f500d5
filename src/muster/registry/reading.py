"""Reading the registry as typed Polars frames, streamed in chunks, for screening and export."""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from datetime import date
from functools import cache
from typing import Any

import polars as pl
from sqlalchemy import Connection, Engine, TextClause, text

from muster.db import apart, bulk
from muster.db.engine import connected, get_engine
from muster.errors import MusterError
from muster.registry.schemas import PERSON_COLUMNS, ColumnSpec
from muster.vocabulary import ACCREDITATIONS, SECTORS

CHUNK = 250_000

# Fields of a person's employer, readable next to the person's own fields.
EMPLOYER_FIELDS: dict[str, tuple[str, ColumnSpec]] = {
    "employer_accreditation": (
        "e.accreditation",
        ColumnSpec("employer_accreditation", "enum", choices=ACCREDITATIONS),
    ),
    "employer_critical": ("e.critical", ColumnSpec("employer_critical", "bool")),
    "employer_sector": ("e.sector", ColumnSpec("employer_sector", "enum", choices=SECTORS)),
}
_PERSON = {c.name: c for c in PERSON_COLUMNS}


def typed(
    rows: Sequence[Any], specs: Sequence[ColumnSpec], *, with_id: bool = False
) -> pl.DataFrame:
    """Rows as the database returned them (SQLite: dates as text, booleans as 0/1) → typed."""
    schema: dict[str, Any] = {"id": pl.Int64} if with_id else {}
    for c in specs:  # as the driver returns them: SQLite dates as text, booleans as 0/1
        schema[c.name] = pl.Int64 if c.kind in ("int", "bool") else pl.String
    if rows and not isinstance(rows[0], tuple):
        rows = [tuple(r) for r in rows]
    try:
        frame = pl.DataFrame(rows, schema=schema, orient="row")
    except (TypeError, pl.exceptions.PolarsError):  # a driver that returns typed values
        frame = pl.DataFrame(
            [tuple(r) for r in rows], schema=list(schema), orient="row", infer_schema_length=None
        )
    return cast(frame, specs, with_id=with_id)


def cast(
    frame: pl.DataFrame, specs: Sequence[ColumnSpec], *, with_id: bool = False
) -> pl.DataFrame:
    """Give each column its registry type, whatever the driver returned."""
    exprs = [pl.col("id").cast(pl.Int64)] if with_id else []
    for c in specs:
        col = pl.col(c.name)
        if c.kind == "date":
            dtype = frame.schema[c.name]
            exprs.append(col.str.to_date("%Y-%m-%d") if dtype == pl.String else col.cast(pl.Date))
        elif c.kind == "bool":
            exprs.append(col.cast(pl.Boolean))
        elif c.kind == "int":
            exprs.append(col.cast(pl.Int64))
        else:
            exprs.append(col.cast(pl.String))
    return frame.select(exprs)


def _select(columns: Sequence[str]) -> tuple[list[str], list[ColumnSpec]]:
    select: list[str] = []
    specs: list[ColumnSpec] = []
    for name in columns:
        if name in _PERSON:
            select.append(f"p.{name}")
            specs.append(_PERSON[name])
        elif name in EMPLOYER_FIELDS:
            sql, spec = EMPLOYER_FIELDS[name]
            select.append(f"{sql} AS {name}")
            specs.append(spec)
        else:
            raise MusterError(f"the registry has no field {name!r}")
    return select, specs


def person_frames(
    engine: Engine,
    *,
    columns: Sequence[str],
    since_batch: int | None = None,
    chunk: int = CHUNK,
    join: str = "",
    joined: Sequence[tuple[str, ColumnSpec]] = (),
    key: str = "p.id",
    span: apart.Span | None = None,
) -> Iterator[pl.DataFrame]:
    """Persons with ``id`` and the given fields (their employer's too), in id order, chunked
    (only those whose id is in ``span``, if given).

    A higher domain may add its own table: ``join`` is the SQL join clause it writes (trusted
    text, never user input) and ``joined`` the expressions it selects with their types.
    ``key`` is the column the pages are cut on, equal to ``p.id`` in every row: an inner join
    names its own copy of the id so the database reads the pages in that table's order.
    """
    since = "TRUE" if since_batch is None else f"p.batch_id > {int(since_batch)}"
    if span is not None:  # on the key: the database finds the span through its index
        since += f" AND {key} > {int(span[0])}"
        since += "" if span[1] is None else f" AND {key} <= {int(span[1])}"
    with engine.connect() as conn:
        yield from persons_where(
            conn, where=since, columns=columns, chunk=chunk, join=join, joined=joined, key=key
        )


def whole_registry(engine: Engine, *, columns: Sequence[str]) -> Iterator[pl.DataFrame]:
    """``person_frames`` of every person; a large registry is read by processes of their own
    (``apart.at_scale``), on the other cores, while the caller works on the frames."""
    return apart.at_scale(
        engine,
        rows=lambda: top_id(engine),
        here=lambda: person_frames(engine, columns=columns),
        there=person_frames_at,
        columns=list(columns),
    )


def top_id(engine: Engine) -> int:
    """The highest person id (0 for an empty registry): how far a read by spans of ids goes."""
    with engine.connect() as conn:
        return int(conn.scalar(text("SELECT max(id) FROM persons")) or 0)


def person_frames_at(
    url: str, *, spans: Sequence[apart.Span], columns: Sequence[str]
) -> Iterator[pl.DataFrame]:
    """One frame of ``person_frames`` per span of ids, of the database at ``url``: what a
    reading process runs."""
    engine = get_engine(url)
    for span in spans:
        yield one_frame(person_frames(engine, columns=columns, span=span))


def one_frame(frames: Iterator[pl.DataFrame]) -> pl.DataFrame:
    """The frames as one (an empty frame without columns if there are none)."""
    got = list(frames)
    return pl.concat(got) if len(got) > 1 else got[0] if got else pl.DataFrame()


def persons_where(
    conn: Connection,
    *,
    where: str,
    columns: Sequence[str],
    chunk: int = CHUNK,
    join: str = "",
    joined: Sequence[tuple[str, ColumnSpec]] = (),
    key: str = "p.id",
) -> Iterator[pl.DataFrame]:
    """The persons for whom ``where`` holds (trusted SQL over ``p`` and their employer ``e``)
    with the given fields, in id order, chunked, read on ``conn`` in one pass over the registry
    (a page of ``chunk`` a statement); ``join``, ``joined`` and ``key`` as for
    ``person_frames``."""
    select, specs = _select(columns)
    select += [f"{sql} AS {spec.name}" for sql, spec in joined]
    specs += [spec for _, spec in joined]
    query = (
        f"SELECT p.id, {', '.join(select)} FROM persons p "
        f"LEFT JOIN employers e ON e.code = p.employer_id {join} "
        f"WHERE {key} > {{last}} AND ({where})"
    )
    yield from _pages(conn, query, key, specs, chunk)


def persons_among(
    conn: Connection,
    *,
    ids: Sequence[int],
    columns: Sequence[str],
    chunk: int = CHUNK,
    join: str = "",
    joined: Sequence[tuple[str, ColumnSpec]] = (),
) -> Iterator[pl.DataFrame]:
    """These persons (``ids`` in ascending order, any number) with the given fields, in id
    order, chunked, read in the caller's transaction through the primary key; ``join`` and
    ``joined`` as for ``person_frames``."""
    select, specs = _select(columns)
    select += [f"{sql} AS {spec.name}" for sql, spec in joined]
    specs += [spec for _, spec in joined]
    raw: Any = conn.connection.driver_connection
    for start in range(0, len(ids), chunk):
        page = (
            f"SELECT p.id, {', '.join(select)} FROM persons p "
            f"LEFT JOIN employers e ON e.code = p.employer_id {join} "
            f"WHERE {bulk.among(conn, 'p.id', ids[start : start + chunk])} ORDER BY p.id"
        )
        yield _page(raw, page, specs, sqlite=conn.dialect.name == "sqlite")


def _pages(
    conn: Connection, query: str, key: str, specs: Sequence[ColumnSpec], chunk: int
) -> Iterator[pl.DataFrame]:
    """Keyset pages straight from the driver: no ORM, no per-value Python conversion on
    PostgreSQL (COPY to CSV, parsed by Polars). ``query`` has a ``{last}`` placeholder."""
    raw: Any = conn.connection.driver_connection
    last = 0
    while True:
        page = f"{query.replace('{last}', str(last))} ORDER BY {key} LIMIT {int(chunk)}"
        frame = _page(raw, page, specs, sqlite=conn.dialect.name == "sqlite")
        if frame.is_empty():
            return
        last = int(frame["id"][-1])
        yield frame
        if frame.height < chunk:  # the last page: no need to ask again
            return


def field_sql(name: str) -> str:
    """How SQL names a field of a person (``p``) or of their employer (``e``)."""
    return _select([name])[0][0].split(" AS ")[0]


def _page(raw: Any, query: str, specs: Sequence[ColumnSpec], *, sqlite: bool) -> pl.DataFrame:
    names = ["id", *(c.name for c in specs)]
    if sqlite:
        cursor = raw.cursor()
        try:
            rows = cursor.execute(query).fetchall()
        finally:
            cursor.close()
        return typed(rows, specs, with_id=True)
    buffer = io.BytesIO()
    with raw.cursor() as cursor, cursor.copy(f"COPY ({query}) TO STDOUT (FORMAT csv)") as copy:
        for block in copy:
            buffer.write(block)
    if buffer.tell() == 0:
        return pl.DataFrame(schema={n: pl.String for n in names})
    buffer.seek(0)
    frame = pl.read_csv(buffer, has_header=False, new_columns=names, infer_schema=False)
    frame = frame.with_columns(
        [
            pl.col(c.name).replace({"t": "true", "f": "false"}) == "true"
            for c in specs
            if c.kind == "bool"
        ]
    )
    return cast(frame, specs, with_id=True)


@cache
def _record_query(columns: tuple[str, ...]) -> tuple[TextClause, list[ColumnSpec]]:
    """One person's read, built once per set of fields (it is asked for on every status and
    explanation)."""
    select, specs = _select(columns)
    query = text(
        f"SELECT p.id, {', '.join(select)} FROM persons p "
        "LEFT JOIN employers e ON e.code = p.employer_id WHERE p.national_id = :n"
    )
    return query, specs


def person_record(
    engine: Engine | Connection, *, national_id: str, columns: Sequence[str]
) -> dict[str, Any] | None:
    """One person's fields (their employer's too) as typed Python values, or None."""
    query, specs = _record_query(tuple(columns))
    with connected(engine) as conn:
        row = conn.execute(query, {"n": national_id}).first()
    if row is None:
        return None
    record: dict[str, Any] = {"id": int(row[0])}
    for spec, value in zip(specs, row[1:], strict=True):
        if value is None:
            record[spec.name] = None
        elif spec.kind == "date":
            record[spec.name] = value if isinstance(value, date) else date.fromisoformat(value)
        elif spec.kind == "bool":
            record[spec.name] = bool(value)
        elif spec.kind == "int":
            record[spec.name] = int(value)
        else:
            record[spec.name] = str(value)
    return record


def latest_batch(engine: Engine) -> int:
    """The newest registry batch: screens remember it to find what changed after them."""
    with engine.connect() as conn:
        return int(conn.scalar(text("SELECT coalesce(max(id), 0) FROM registry_batches")) or 0)


def persons_by_id(conn: Connection, *, ids: Sequence[int], columns: Sequence[str]) -> pl.DataFrame:
    """These persons' fields (their employer's too) as they stand in the caller's
    transaction, typed like ``person_frames``; persons not in the registry are left out."""
    select, specs = _select(columns)
    frames = []
    for start in range(0, len(ids), 1_000):
        part = ",".join(str(int(i)) for i in ids[start : start + 1_000])
        query = text(
            f"SELECT p.id, {', '.join(select)} FROM persons p "
            f"LEFT JOIN employers e ON e.code = p.employer_id WHERE p.id IN ({part})"
        )
        frames.append(typed([tuple(r) for r in conn.execute(query)], specs, with_id=True))
    if not frames:
        return typed([], specs, with_id=True)
    return pl.concat(frames)
