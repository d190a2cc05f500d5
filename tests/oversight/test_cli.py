"""``muster report write`` and ``muster simulate`` as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from muster.cli.main import app
from tests.cases.conftest import Called

runner = CliRunner()
DECREE = "decrees/partial-mobilization-2022.yaml"


def test_report_write_makes_the_files(called: Called, tmp_path: Path) -> None:
    url = called.engine.url.render_as_string(hide_password=False)
    result = runner.invoke(
        app,
        [
            "--db",
            url,
            "report",
            "write",
            "--campaign",
            str(called.campaign),
            "--out",
            str(tmp_path / "r"),
            "--as-of",
            "2022-10-11",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "Report written" in result.output
    assert (tmp_path / "r" / "report.html").is_file() and (tmp_path / "r" / "report.pdf").is_file()
    errors = runner.invoke(app, ["--db", url, "report", "errors"])  # still there
    assert errors.exit_code == 0, errors.output


def test_report_write_of_an_unknown_campaign_says_so(called: Called, tmp_path: Path) -> None:
    url = called.engine.url.render_as_string(hide_password=False)
    result = runner.invoke(
        app, ["--db", url, "report", "write", "--campaign", "99", "--out", str(tmp_path)]
    )
    assert result.exit_code == 1
    assert "no campaign 99" in result.output


def test_simulate_prints_json_and_writes_the_report(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        [
            "--db",
            f"sqlite:///{tmp_path / 'x.db'}",
            "simulate",
            "--decree",
            DECREE,
            "--persons",
            "3000",
            "--days",
            "15",
            "--compare",
            "opaque",
            "--compare",
            "webster",
            "--json",
            "--out",
            str(tmp_path / "sim"),
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert [s["name"] for s in data["scenarios"]] == ["published", "opaque", "webster"]
    assert (tmp_path / "sim" / "report.html").is_file()
    assert not (tmp_path / "x.db").exists()  # a decree file needs no database


def test_simulate_bad_input_gives_clear_errors(tmp_path: Path) -> None:
    cases = [
        (["--set", "no_show"], "expected NAME=VALUE"),
        (["--set", "speed=2"], "no parameter 'speed'"),
        (["--set", "no_show=3"], "less than or equal to 0.99"),
        (["--compare", "lottery"], "'lottery' is not a scenario"),
        (["--days", "0"], "--days must be from 1 to 366"),
    ]
    for extra, message in cases:
        result = runner.invoke(
            app,
            [
                "--db",
                f"sqlite:///{tmp_path / 'x.db'}",
                "simulate",
                "--decree",
                DECREE,
                "--persons",
                "500",
                *extra,
            ],
        )
        assert result.exit_code == 1, (extra, result.output)
        assert message in result.output, (extra, result.output)
    missing = runner.invoke(app, ["simulate", "--decree", "no-such.yaml"])
    assert missing.exit_code == 1 and "no-such.yaml: no such decree file" in missing.output
