"""``muster deferrals renew`` as headquarters runs it each day: what renewed, what expired."""

from __future__ import annotations

import json

from sqlalchemy import Engine
from typer.testing import CliRunner

from muster.cli.main import app

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
