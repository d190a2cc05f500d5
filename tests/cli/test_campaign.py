"""``muster campaign …`` and ``muster lottery verify`` as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import Engine
from typer.testing import CliRunner

from muster.cli.main import app

runner = CliRunner()
DECREE = "partial-mobilization-2022"


def _run(url: str, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["--db", url, *args])
    return result.exit_code, result.stdout, result.stderr


def test_open_commit_draw_publish_and_verify(
    screened_2022: Engine, db_url: str, tmp_path: Path
) -> None:
    code, out, _ = _run(db_url, "campaign", "open", "--decree", DECREE, "--target", "40")
    assert code == 0 and "Campaign 1 opened" in out and "Formula: Huntington-Hill" in out
    code, out, _ = _run(
        db_url, "campaign", "quotas", "1", "--json", "--csv", str(tmp_path / "q.csv")
    )
    table = json.loads(out)
    assert sum(r["quota"] for r in table["regions"]) == 40
    assert (tmp_path / "q.csv").read_text().startswith("region,name,eligible_pool,capacity,cap,")
    code, out, _ = _run(db_url, "campaign", "commit", "1")
    assert code == 0 and "Commitment (SHA-256 of the seed):" in out
    record = tmp_path / "draw" / "campaign-1.json"
    code, out, _ = _run(db_url, "campaign", "draw", "1", "--record", str(record))
    assert code == 0 and "40 selected" in out and "Randomness audit against birth date" in out
    code, out, _ = _run(db_url, "lottery", "verify", str(record))
    assert code == 0 and out.startswith("Verified: the seed matches the commitment")

    data = json.loads(record.read_text())
    data["seed"] = "ab" * 32
    record.write_text(json.dumps(data))
    code, out, err = _run(db_url, "lottery", "verify", str(record), "--json")
    assert code == 1 and json.loads(out)["problems"][0].startswith("the seed does not hash")

    code, out, _ = _run(db_url, "campaign", "fulfilment", "1", "--json")
    assert sum(r["by_state"]["selected"] for r in json.loads(out)) == 40
    code, _, err = _run(db_url, "campaign", "close", "1", "--by", f"{DECREE}@4")
    assert code == 1 and "does not end the call-up" in err
    code, out, _ = _run(db_url, "campaign", "close", "1", "--by", f"{DECREE}@5")
    assert code == 0 and "closed by partial-mobilization-2022@5" in out


def test_moves_and_their_refusals(screened_2022: Engine, db_url: str) -> None:
    _run(db_url, "campaign", "open", "--decree", DECREE, "--target", "10")
    _run(db_url, "campaign", "commit", "1")
    _run(db_url, "campaign", "draw", "1")
    code, out, _ = _run(db_url, "campaign", "callups", "1", "--json")
    first = json.loads(out)[0]
    code, _, err = _run(db_url, "campaign", "move", str(first["id"]), "--to", "enlisted")
    assert code == 1 and "can't enlist when the call-up is selected" in err
    code, _, err = _run(db_url, "campaign", "move", str(first["id"]), "--to", "released")
    assert code == 1 and "a release needs a reason" in err
    code, out, _ = _run(
        db_url, "campaign", "move", str(first["id"]), "--to", "released", "--reason", "unfit"
    )
    assert code == 0 and "is now released" in out
    code, out, _ = _run(db_url, "campaign", "callups", "1", "--json", "--status", "selected")
    assert len(json.loads(out)) == 10 and any(c["replaces"] == first["id"] for c in json.loads(out))


def test_verify_names_a_missing_or_foreign_file(tmp_path: Path) -> None:
    code, _, err = _run("sqlite://", "lottery", "verify", str(tmp_path / "none.json"))
    assert code == 1 and "not a readable draw record" in err
    other = tmp_path / "other.json"
    other.write_text('{"format": "something else"}')
    code, _, err = _run("sqlite://", "lottery", "verify", str(other))
    assert code == 1 and "not a draw record" in err
