"""The fast write path: each engine's own bulk mechanism, inside the caller's transaction.

SQLite gets ``executemany`` over plain tuples (dates as ISO text, the form SQLAlchemy stores);
PostgreSQL gets ``COPY … FROM STDIN`` fed with CSV that Polars writes. Rows are validated
before they reach here; the database's constraints are the last line of defence.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import polars as pl
from sqlalchemy import Connection

from muster.db.engine import is_sqlite


def among(conn: Connection, column: str, ids: Sequence[int]) -> str:
    """SQL: ``column`` is one of these ids, however many (one array or JSON list, not one
    bound parameter each), for each engine to look up in its index."""
    listed = ",".join(str(int(i)) for i in ids)
    if is_sqlite(conn):
        return f"{column} IN (SELECT value FROM json_each('[{listed}]'))"
    return f"{column} = ANY('{{{listed}}}'::bigint[])"


def _sqlite_rows(frame: pl.DataFrame) -> list[tuple[Any, ...]]:
    ready = _sqlite_ready(frame)
    return list(zip(*(s.to_list() for s in ready.iter_columns()), strict=True))


def _sqlite_ready(frame: pl.DataFrame) -> pl.DataFrame:
    """The values as SQLite stores them: dates and times as text, booleans as 0 and 1."""
    exprs = []
    for name, dtype in frame.schema.items():
        if dtype == pl.Date:
            exprs.append(pl.col(name).dt.strftime("%Y-%m-%d"))
        elif dtype == pl.Datetime:
            exprs.append(pl.col(name).dt.strftime("%Y-%m-%d %H:%M:%S.%6f"))
        elif dtype == pl.Boolean:
            exprs.append(pl.col(name).cast(pl.Int8))
        else:
            exprs.append(pl.col(name))
    return frame.select(exprs)


def insert(conn: Connection, table: str, frame: pl.DataFrame) -> int:
    """Append ``frame``'s rows to ``table`` (columns by name); return the number written."""
    if frame.height == 0:
        return 0
    columns: Sequence[str] = frame.columns
    raw: Any = conn.connection.driver_connection
    if is_sqlite(conn):
        marks = ", ".join("?" * len(columns))
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"
        cursor = raw.cursor()
        cursor.executemany(sql, _sqlite_rows(frame))
        cursor.close()
    else:
        buffer = io.BytesIO()
        frame.write_csv(
            buffer,
            include_header=False,
            date_format="%Y-%m-%d",
            datetime_format="%Y-%m-%d %H:%M:%S.%6f",
            null_value="",
            quote_style="necessary",
        )
        sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN (FORMAT csv)"
        with raw.cursor() as cursor, cursor.copy(sql) as copy:
            copy.write(buffer.getbuffer())
    return frame.height


def update(conn: Connection, table: str, key: str | tuple[str, ...], frame: pl.DataFrame) -> int:
    """Overwrite the non-key columns of existing rows matched on ``key`` (a column, or the
    columns of a composite key)."""
    if frame.height == 0:
        return 0
    keys = (key,) if isinstance(key, str) else key
    columns = [c for c in frame.columns if c not in keys]
    raw: Any = conn.connection.driver_connection
    ordered = frame.select([*columns, *keys])
    if is_sqlite(conn):
        # One statement over the rows as one JSON array, each row found by its key: SQLite
        # then works through them all in C. (Row by row, the driver takes the interpreter lock
        # back after each, and a thread reading beside it slows it twice over.)
        value = "json_extract(s.value, '$.{}')".format
        sets = ", ".join(f"{c} = {value(c)}" for c in columns)
        match = " AND ".join(f"{table}.{k} = {value(k)}" for k in keys)
        cursor = raw.cursor()
        cursor.execute(
            f"UPDATE {table} SET {sets} FROM json_each(?) AS s WHERE {match}",
            (_sqlite_ready(ordered).write_json(),),
        )
        cursor.close()
    else:
        staging = f"_staging_{table}"
        with raw.cursor() as cursor:
            cursor.execute(
                f"CREATE TEMP TABLE {staging} ON COMMIT DROP AS "
                f"SELECT {', '.join([*columns, *keys])} FROM {table} WITH NO DATA"
            )
        insert(conn, staging, ordered)
        sets = ", ".join(f"{c} = s.{c}" for c in columns)
        match = " AND ".join(f"t.{k} = s.{k}" for k in keys)
        # A few rows of a large table: each found through the key's index. Left to itself
        # the planner hashes the whole table instead (spilling to disk), about twice as slow.
        with through_index(conn, table, frame.height), raw.cursor() as cursor:
            cursor.execute(f"UPDATE {table} t SET {sets} FROM {staging} s WHERE {match}")
        with raw.cursor() as cursor:
            cursor.execute(f"DROP TABLE {staging}")
    return frame.height


@contextmanager
def through_index(conn: Connection, table: str, rows: int) -> Iterator[None]:
    """On PostgreSQL, while ``rows`` is under a quarter of ``table``'s, the statements inside
    join to ``table`` through its indexes (hash and merge joins off, restored after): a few
    rows of a large table are found one by one, instead of the planner reading the whole table
    to hash it. On SQLite, nothing to do (it joins through indexes)."""
    if is_sqlite(conn):
        yield
        return
    raw: Any = conn.connection.driver_connection
    with raw.cursor() as cursor:
        cursor.execute(f"SELECT reltuples FROM pg_class WHERE oid = '{table}'::regclass")
        few = rows * 4 < float(cursor.fetchone()[0])
        if few:
            cursor.execute(
                "SELECT current_setting('enable_hashjoin'), "
                "current_setting('enable_mergejoin'), "
                "set_config('enable_hashjoin', 'off', true), "
                "set_config('enable_mergejoin', 'off', true)"
            )
            hashjoin, mergejoin = cursor.fetchone()[:2]
    yield  # on an error the transaction fails, and its local settings go with it
    if few:
        with raw.cursor() as cursor:
            cursor.execute(
                "SELECT set_config('enable_hashjoin', %s, true), "
                "set_config('enable_mergejoin', %s, true)",
                (hashjoin, mergejoin),
            )
