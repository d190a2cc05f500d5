"""``muster users …``, ``muster outbox`` and ``muster serve``'s checks, as a user runs them."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from muster.accounts import service as accounts
from muster.cli.main import app
from muster.db.engine import WORKER_CONNECTIONS, get_engine, server_connections
from muster.registry import service as registry
from muster.registry.models import Person

runner = CliRunner()


def _run(url: str, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["--db", url, *args])
    return result.exit_code, result.stdout, result.stderr


def test_users_are_added_with_a_role_and_listed(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'm.db'}"
    registry.generate(get_engine(url), persons=200, seed=3, regions=4, actor="t")
    code, out, err = _run(
        url, "users", "add", "ana", "--role", "regional_officer", "--region", "R02",
        "--password", "long enough password",
    )  # fmt: skip
    assert code == 0, err
    assert "Added ana (regional_officer)" in out
    code, out, _ = _run(url, "users", "list")
    assert "ana" in out and "R02" in out
    code, _, err = _run(url, "users", "add", "bo", "--role", "king", "--password", "x" * 12)
    assert code == 1 and "'king' is not a staff role" in err


def test_the_outbox_shows_codes_waiting_for_the_gateway(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'm.db'}"
    engine = get_engine(url)
    registry.generate(engine, persons=50, seed=3, regions=2, actor="t")
    with engine.connect() as conn:
        nid = str(conn.scalar(select(Person.national_id).limit(1)))
    accounts.request_code(engine, national_id=nid, client="t")
    code, out, _ = _run(url, "outbox", "--national-id", nid)
    assert code == 0 and nid in out and "Your sign-in code is" in out


def test_serve_refuses_bad_options_before_starting(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'm.db'}"
    code, _, err = _run(url, "serve", "--today", "11.10.2022")
    assert code == 1 and "is not a date (expected YYYY-MM-DD)" in err
    code, _, err = _run(url, "serve", "--workers", "2")
    assert code == 1 and "need PostgreSQL" in err
    code, _, err = _run(url, "serve", "--workers", "0")
    assert code == 1 and "1 or more" in err


@pytest.mark.postgres
def test_serve_refuses_more_workers_than_the_server_has_connections_for(pg_url: str) -> None:
    allowed = server_connections(get_engine(pg_url))
    workers = allowed // WORKER_CONNECTIONS + 1
    code, _, err = _run(pg_url, "serve", "--workers", str(workers))
    assert code == 1, err
    assert f"--workers {workers}: each worker may hold up to {WORKER_CONNECTIONS}" in err
    assert "raise max_connections" in err


def test_audit_checkpoint_signs_the_head_and_lists_it(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'm.db'}"
    code, _, err = _run(url, "audit", "checkpoint")
    assert code == 1 and "the audit log is empty" in err
    _run(url, "users", "add", "ana", "--role", "hq", "--password", "long enough password")
    code, out, err = _run(url, "audit", "checkpoint")
    assert code == 0 and "Signed event 1" in out, err
    code, out, _ = _run(url, "audit", "checkpoints", "--json")
    assert '"seq": 1' in out
