"""Databases open with the newest schema, whatever URL spelling the user chose."""

from __future__ import annotations

import asyncio
import importlib
import pkgutil
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, create_engine, inspect, text

from muster.db.base import Base
from muster.db.engine import (
    alembic_config,
    async_reader,
    current_revision,
    get_engine,
    head_revision,
    migrate,
    normalise_url,
)
from muster.errors import MusterError


def test_new_database_is_migrated_on_first_use(tmp_path: Path) -> None:
    engine = get_engine(f"sqlite:///{tmp_path / 'new.db'}")
    assert current_revision(engine) == head_revision(engine)
    assert {"persons", "regions", "offices", "employers", "person_changes"} <= set(
        inspect(engine).get_table_names()
    )
    assert migrate(engine) is False  # nothing left to apply


def test_postgres_database_is_migrated(db_url: str) -> None:
    engine = get_engine(db_url)
    assert current_revision(engine) == head_revision(engine)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgresql://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
        ("data/muster.db", "sqlite:///data/muster.db"),
        ("sqlite:///x.db", "sqlite:///x.db"),
    ],
)
def test_url_spellings(given: str, expected: str) -> None:
    assert normalise_url(given) == expected


def test_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(MusterError, match="does not exist"):
        get_engine(f"sqlite:///{tmp_path / 'no' / 'such' / 'x.db'}")


def test_unsupported_database_is_a_clear_error() -> None:
    with pytest.raises(MusterError, match="not supported"):
        get_engine("oracle://u@h/db")


def _drift(url: str) -> list[object]:
    """What the migrated schema lacks or has beyond the models: tables, columns, types,
    nullability, indexes. (Unique constraints are left out: the models and migrations name
    some of them differently, which the databases do not care about.)"""
    import muster

    for found in pkgutil.walk_packages(muster.__path__, "muster."):
        if found.name.endswith(".models"):
            importlib.import_module(found.name)
    engine = get_engine(url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    engine.dispose()
    flat = [d for group in diff for d in (group if isinstance(group, list) else [group])]
    return [d for d in flat if not str(d[0]).endswith("_constraint")]


def test_migrations_build_the_schema_the_models_describe(db_url: str) -> None:
    assert _drift(db_url) == []


def test_sqlite_has_no_asyncio_reader(tmp_path: Path) -> None:
    assert async_reader(get_engine(f"sqlite:///{tmp_path / 'r.db'}")) is None


@pytest.mark.postgres
def test_the_asyncio_reader_runs_each_statement_in_a_transaction_of_its_own(pg_url: str) -> None:
    """No BEGIN and ROLLBACK round trips: the second statement on a connection starts a new
    transaction (in one transaction, now() would stay at the first statement's start)."""

    def two_statements(conn: Connection) -> bool:
        conn.execute(text("SELECT pg_sleep(0.01)"))
        return bool(conn.scalar(text("SELECT now() = statement_timestamp()")))

    async def read() -> bool:
        reader = async_reader(get_engine(pg_url))
        assert reader is not None
        try:
            async with reader.connect() as conn:
                return await conn.run_sync(two_statements)
        finally:
            await reader.dispose()

    assert asyncio.run(read()) is True


def test_decisions_are_rebuilt_by_their_key_on_sqlite_keeping_every_row(tmp_path: Path) -> None:
    """0011 rebuilds SQLite's decisions table ``WITHOUT ROWID``; a database at 0010 keeps every
    decision through the upgrade, and again through the downgrade."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = create_engine(url)
    cfg = alembic_config(engine)
    rows = [
        {"p": p, "d": "eligible" if p % 2 else "deferred", "u": None if p % 2 else "2023-07-01"}
        for p in range(1, 101)
    ]
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0010_grants")
        conn.execute(
            text(
                "INSERT INTO decrees (id, title, legal_source, text, sha256, loaded_at, actor) "
                "VALUES ('d', 't', 's', '', '', '2022-09-21', 'a')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO decisions (decree_id, person_id, version, as_of, decision, until, "
                "ground, grounds, screen_id) VALUES ('d', :p, 1, '2022-09-22', :d, :u, NULL, 0, "
                "NULL)"
            ),
            rows,
        )

    def stored() -> tuple[list[tuple[object, ...]], str]:
        with engine.connect() as conn:
            found = conn.execute(
                text("SELECT person_id, decision, until FROM decisions ORDER BY person_id")
            ).all()
            ddl = conn.scalar(text("SELECT sql FROM sqlite_master WHERE name = 'decisions'"))
        return [tuple(r) for r in found], str(ddl)

    before, ddl = stored()
    assert "WITHOUT ROWID" not in ddl
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    after, ddl = stored()
    assert after == before and len(after) == 100
    assert ddl.rstrip().endswith("WITHOUT ROWID")
    with engine.connect() as conn:  # the deferrals' index is back
        assert conn.scalar(
            text("SELECT count(*) FROM sqlite_master WHERE name = 'ix_decisions_until'")
        )
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0010_grants")
    again, ddl = stored()
    assert again == before and "WITHOUT ROWID" not in ddl
    engine.dispose()
