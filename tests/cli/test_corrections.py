"""``muster corrections run`` and ``muster report errors`` as headquarters runs them after
an amendment: what was released, and the same numbers in the errors report."""

from __future__ import annotations

import json

from sqlalchemy import Engine
from typer.testing import CliRunner

from muster.cli.main import app
from tests.cases.test_corrections import IT_FINANCE_MEDIA, replay

runner = CliRunner()


def _run(url: str, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["--db", url, *args])
    return result.exit_code, result.stdout, result.stderr


def test_corrections_run_then_report_errors(engine: Engine, db_url: str) -> None:
    replay(engine)
    day = IT_FINANCE_MEDIA.isoformat()
    code, out, err = _run(db_url, "corrections", "run", "--as-of", day, "--json")
    assert code == 0, err
    run = json.loads(out)
    assert run["released"] > 0 and run["by_reason"]["exempt"] >= 1

    code, out, err = _run(db_url, "report", "errors", "--json")
    assert code == 0, err
    report = json.loads(out)
    assert report["wrongful"] == run["released"]
    assert report["by_found"]["amendment"] == run["by_trigger"]["amendment"]
    assert {r["name"] for r in report["by_region"]} == set(run["by_region"])

    code, out, err = _run(db_url, "report", "errors")
    assert code == 0, err
    assert f"{report['wrongful']:,} of {report['called']:,} call-ups were wrongful" in out
    code, out, err = _run(db_url, "corrections", "run", "--as-of", day)
    assert code == 0, err
    assert "released 0" in out

    code, _, err = _run(db_url, "corrections", "run", "--since", "yesterday")
    assert code != 0 and "is not a time" in err
