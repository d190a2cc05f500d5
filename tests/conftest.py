"""Fixtures: a fresh database per test on SQLite, and on the real PostgreSQL server.

PostgreSQL tests get one database per test run (created here, dropped at the end) and
empty tables per test. Set MUSTER_TEST_PG_URL to point elsewhere; with MUSTER_REQUIRE_PG=1
(as in CI) a missing server fails the run instead of skipping those tests.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import OperationalError

from muster.db.engine import get_engine
from muster.registry import service as registry

PG_ADMIN_URL = os.environ.get(
    "MUSTER_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
TABLES = (
    "users, web_sessions, one_time_codes, outbox, sign_in_failures, "
    "claims, examinations, case_notes, delivery_attempts, notices, office_days, training_weeks, "
    "signing_keys, audit_checkpoints, audit_keys, audit_events, "
    "call_ups, lottery_regions, lotteries, campaign_regions, campaigns, "
    "decisions, screens, decree_versions, decrees, "
    "person_changes, persons, employers, offices, regions, registry_batches"
)


def _admin() -> Engine:
    return create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    admin = _admin()
    try:
        with admin.connect() as conn:
            conn.execute(text("SELECT 1"))
    except OperationalError as exc:
        if os.environ.get("MUSTER_REQUIRE_PG") == "1":
            pytest.fail(f"PostgreSQL is required but not reachable at {PG_ADMIN_URL}: {exc}")
        pytest.skip(f"PostgreSQL not reachable at {PG_ADMIN_URL}")
    name = f"muster_test_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    yield url
    get_engine(url).dispose()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty database: a new SQLite file, or the test run's PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'muster.db'}"
    url: str = request.getfixturevalue("pg_url")
    with get_engine(url).begin() as conn:
        conn.execute(text(f"TRUNCATE {TABLES} RESTART IDENTITY CASCADE"))
        conn.execute(text("UPDATE audit_head SET seq = 0, hash = :g"), {"g": "0" * 64})
        conn.execute(text("ALTER SEQUENCE notice_numbers RESTART"))
    return url


@pytest.fixture
def engine(db_url: str) -> Engine:
    return get_engine(db_url)


@pytest.fixture
def populated(engine: Engine) -> Engine:
    """A database holding a small synthetic registry (seed 7, 3,000 persons, 12 regions)."""
    registry.generate(engine, persons=3_000, seed=7, regions=12, actor="test")
    return engine


DECREE_2022 = Path("decrees/partial-mobilization-2022.yaml")


@pytest.fixture
def screened_2022(populated: Engine) -> Engine:
    """The small registry screened against the 2022 decree as of 10 October 2022."""
    from datetime import date

    from muster.screening import service as screening

    screening.load_decree(populated, DECREE_2022, actor="test")
    screening.screen(populated, as_of=date(2022, 10, 10), actor="test")
    return populated
