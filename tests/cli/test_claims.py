"""``muster claims …`` as a user runs them: file, list, decide, appeal, escalate, letter."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import Engine
from typer.testing import CliRunner

from muster.cli.main import app
from tests.cases.conftest import Called

runner = CliRunner()


def _run(url: str, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["--db", url, *args])
    return result.exit_code, result.stdout, result.stderr


def test_file_decide_appeal_escalate_and_read_the_letter(
    called: Called, db_url: str, tmp_path: Path
) -> None:
    code, out, err = _run(
        db_url, "claims", "file", called.national_id, "--kind", "exemption",
        "--ground", "accredited-it", "--day", "2022-10-12", "--json",
    )  # fmt: skip
    assert code == 0, err
    claim = json.loads(out)
    assert claim["status"] == "pending" and claim["call_up_status"] == "claim_pending"
    code, out, err = _run(
        db_url, "claims", "decide", str(claim["id"]), "--reject",
        "--reasons", "No accreditation on record.", "--day", "2022-10-13",
    )  # fmt: skip
    assert code == 0, err
    assert "rejected" in out and "call-up" in out and "notified" in out
    code, out, err = _run(
        db_url, "claims", "appeal", str(claim["id"]), "--reasons", "Certificate attached.",
        "--day", "2022-10-14", "--json",
    )  # fmt: skip
    assert code == 0, err
    assert json.loads(out)["tier"] == 2
    code, out, err = _run(db_url, "claims", "escalate", "--day", "2022-11-01")
    assert code == 0, err
    assert "1 claims escalated" in out and "appeals board: 1" in out
    letter = tmp_path / "letter.html"
    code, out, err = _run(db_url, "claims", "letter", str(claim["id"]), "--out", str(letter))
    assert code == 0, err
    assert "No accreditation on record." in letter.read_text()
    code, out, err = _run(db_url, "claims", "list", "--status", "pending", "--json")
    assert code == 0 and [c["board"] for c in json.loads(out)] == ["national board"]


def test_a_bad_ground_is_one_clear_line(screened_2022: Engine, db_url: str) -> None:
    code, _, err = _run(
        db_url, "claims", "file", "X", "--kind", "exemption", "--ground", "x",
    )  # fmt: skip
    assert code == 1 and "error:" in err and "Traceback" not in err
