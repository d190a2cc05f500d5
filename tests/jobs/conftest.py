"""Fixtures for jobs: an empty queue, and child processes cleaned up after each test."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from muster.db.engine import get_engine

QUEUE_TABLES = (
    "procrastinate_jobs, procrastinate_events, procrastinate_periodic_defers, procrastinate_workers"
)


@pytest.fixture
def queue_url(db_url: str) -> str:
    """The test database; on PostgreSQL with an empty job queue."""
    if not db_url.startswith("postgresql"):
        return db_url
    engine = get_engine(db_url)
    with engine.begin() as conn:
        if conn.scalar(text("SELECT to_regclass('procrastinate_jobs') IS NOT NULL")):
            conn.execute(text(f"TRUNCATE {QUEUE_TABLES} RESTART IDENTITY CASCADE"))
    return db_url


@pytest.fixture
def spawn(tmp_path: Path) -> Iterator[list[subprocess.Popen[bytes]]]:
    """Processes started by a test; any still running at the end are killed."""
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for proc in started:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=30)
