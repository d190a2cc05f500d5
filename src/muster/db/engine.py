"""Engines for SQLite and PostgreSQL, tuned for bulk work, migrated on first use."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from muster.errors import MusterError

MIGRATIONS = Path(__file__).parent / "migrations"


def normalise_url(url: str) -> str:
    """Accept the usual spellings: ``postgresql://`` means psycopg 3; a bare path means SQLite."""
    if "://" not in url:
        return f"sqlite:///{url}"
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def is_sqlite(engine: Engine | Connection) -> bool:
    return engine.dialect.name == "sqlite"


def _sqlite_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
    # Let SQLAlchemy, not the driver, open transactions, so DDL is transactional too and a
    # rollback (or a crash) undoes everything since BEGIN.
    dbapi_connection.isolation_level = None
    cur = dbapi_connection.cursor()
    for pragma in (
        "journal_mode=WAL",
        "synchronous=NORMAL",
        "foreign_keys=ON",
        "busy_timeout=30000",
        "cache_size=-1048576",  # 1 GiB, allocated as used: big indexes stay in memory
        "temp_store=MEMORY",
    ):
        cur.execute(f"PRAGMA {pragma}")
    cur.close()


def _sqlite_begin(conn: Connection) -> None:
    conn.exec_driver_sql("BEGIN")


@cache
def get_engine(url: str) -> Engine:
    """One engine per URL for the process, with the schema migrated to the newest revision."""
    url = normalise_url(url)
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise MusterError(
            f"database URL {url!r} is not valid (expected e.g. sqlite:///muster.db "
            "or postgresql://user@host/dbname)"
        ) from exc
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            folder = Path(parsed.database).expanduser().resolve().parent
            if not folder.is_dir():
                raise MusterError(
                    f"database file {parsed.database!r}: folder {str(folder)!r} does not exist"
                )
        engine = create_engine(url)
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
    elif parsed.get_backend_name() == "postgresql":
        # The web app runs its routes in a thread pool of 40: with SQLAlchemy's default pool
        # of 5, most requests under load opened and closed a connection of their own.
        engine = create_engine(
            url, pool_pre_ping=True, pool_size=POOL_SIZE, max_overflow=POOL_OVERFLOW
        )
    else:
        raise MusterError(
            f"database {parsed.get_backend_name()!r} is not supported (use sqlite or postgresql)"
        )
    migrate(engine)
    return engine


# The ordinary pool per process on PostgreSQL (see get_engine): the web's thread pool of 40
# waits for one of 30 rather than opening connections of its own.
POOL_SIZE, POOL_OVERFLOW = 20, 10


def server_connections(engine: Engine) -> int:
    """How many connections a PostgreSQL server takes from ordinary users:
    ``max_connections`` less the ones it keeps for superusers."""
    with engine.connect() as conn:
        most = int(conn.scalar(text("SHOW max_connections")) or 0)
        kept = int(conn.scalar(text("SHOW superuser_reserved_connections")) or 0)
    return most - kept


# Connections per web worker process for reads from the event loop. A worker runs one
# request's Python at a time, so ten reads in flight keep it and the database busy; with the
# ordinary pool's 30, two workers stay within PostgreSQL's default of 100 connections
# (97 for ordinary users); `muster serve` refuses more workers than the server allows.
READER_POOL = 10
# At most this many connections per web worker process: the ordinary pool and the reader's.
WORKER_CONNECTIONS = POOL_SIZE + POOL_OVERFLOW + READER_POOL


def async_reader(engine: Engine) -> AsyncEngine | None:
    """An asyncio engine over the same PostgreSQL database for short reads run from an event
    loop (the web's status look-ups and sessions), or None for SQLite, whose reads go through
    ``engine`` in a worker thread. The caller disposes of it, in the event loop that used it.

    Each statement commits on its own: no ``BEGIN`` and ``ROLLBACK`` round trips (at
    PostgreSQL's read-committed level each statement of a transaction takes a new snapshot
    anyway), and no ping at checkout (a connection the server dropped fails one read and is
    replaced, with the rest of the pool). Its pool does not overflow: a burst waits for a
    connection instead of opening and closing new ones.
    """
    if is_sqlite(engine):
        return None
    return create_async_engine(
        engine.url, isolation_level="AUTOCOMMIT", pool_size=READER_POOL, max_overflow=0
    )


@contextmanager
def connected(bind: Engine | Connection) -> Iterator[Connection]:
    """A connection to read with: the caller's own (so several reads share one checkout and
    one transaction), or a new one from the engine, closed afterwards."""
    if isinstance(bind, Connection):
        yield bind
    else:
        with bind.connect() as conn:
            yield conn


def alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return cfg


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision(engine: Engine) -> str | None:
    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()


def migrate(engine: Engine) -> bool:
    """Apply pending migrations; return whether anything was applied."""
    try:
        if current_revision(engine) == head_revision(engine):
            return False
        cfg = alembic_config(engine)
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
    except OperationalError as exc:
        raise MusterError(
            f"cannot open database {engine.url.render_as_string()}: {exc.orig}"
        ) from exc
    return True
