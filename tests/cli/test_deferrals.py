"""``muster deferrals renew`` as headquarters runs it each day: what renewed, what expired."""

from __future__ import annotations

import json

from sqlalchemy import Engine
from typer.testing import CliRunner

from muster.cli.main import app
from tests.cases.conftest import Called, held_until_reviewed

runner = CliRunner()


def test_deferrals_renew_reports_each_ended_deferral(screened_2022: Engine, db_url: str) -> None:
    code = runner.invoke(app, ["--db", db_url, "deferrals", "renew", "--as-of", "2023-10-10"])
    assert code.exit_code == 0, code.stderr
    assert "renewed" in code.stdout and "expired" in code.stdout

    again = runner.invoke(
        app, ["--db", db_url, "deferrals", "renew", "--as-of", "2023-10-10", "--json"]
    )
    assert again.exit_code == 0, again.stderr
    assert json.loads(again.stdout)["checked"] == 0

    bad = runner.invoke(app, ["--db", db_url, "deferrals", "renew", "--decree", "nope"])
    assert bad.exit_code == 1 and "no decree 'nope' is loaded" in bad.stderr


def test_a_board_lists_deferrals_held_until_reviewed_and_reviews_one(
    called: Called, db_url: str
) -> None:
    claim = held_until_reviewed(called)
    held = runner.invoke(app, ["--db", db_url, "deferrals", "held"])
    assert held.exit_code == 0, held.stderr
    assert called.national_id in held.stdout and "held until reviewed" in held.stdout
    listed = json.loads(runner.invoke(app, ["--db", db_url, "deferrals", "held", "--json"]).stdout)
    assert listed[0]["id"] == claim.id and listed[0]["deferred_until"] is None

    done = runner.invoke(
        app, ["--db", db_url, "deferrals", "review", str(claim.id), "--as-of", "2023-02-01"]
    )
    assert done.exit_code == 0, done.stderr
    assert f"{called.national_id} is eligible" in done.stdout
    left = json.loads(runner.invoke(app, ["--db", db_url, "deferrals", "held", "--json"]).stdout)
    assert claim.id not in {c["id"] for c in left}

    again = runner.invoke(app, ["--db", db_url, "deferrals", "review", str(claim.id)])
    assert again.exit_code == 1 and "already ended on 2023-02-01" in again.stderr
