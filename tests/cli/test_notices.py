"""``muster notices …``, ``muster medical examine`` and ``muster audit verify/log`` as a user
runs them, from the draw to enlistment."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import Engine, text
from typer.testing import CliRunner

from muster.cli.main import app

runner = CliRunner()
DECREE = "partial-mobilization-2022"


def _run(url: str, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["--db", url, *args])
    return result.exit_code, result.stdout, result.stderr


def _drawn(url: str) -> None:
    for args in (
        ("campaign", "open", "--decree", DECREE, "--target", "30"),
        ("campaign", "commit", "1"),
        ("campaign", "draw", "1"),
    ):
        code, _, err = _run(url, *args)
        assert code == 0, err


def test_issue_deliver_report_examine_enlist(screened_2022: Engine, db_url: str) -> None:
    _drawn(db_url)
    code, out, err = _run(
        db_url, "notices", "issue", "--campaign", "1", "--day", "2022-10-11", "--json"
    )
    assert code == 0, err
    batch = json.loads(out)
    assert batch["issued"] + batch["waiting"] + sum(batch["released"].values()) >= 30
    code, out, _ = _run(db_url, "notices", "list", "--campaign", "1", "--json")
    first = json.loads(out)[0]
    assert first["status"] == "issued" and first["kind"] == "first"

    code, out, _ = _run(
        db_url,
        "notices",
        "deliver",
        str(first["number"]),
        "--channel",
        "registered_mail",
        "--outcome",
        "returned_unclaimed",
    )
    assert code == 0 and "does not count as delivered" in out and "is selected" in out
    code, out, _ = _run(
        db_url,
        "notices",
        "deliver",
        str(first["number"]),
        "--channel",
        "in_person",
        "--outcome",
        "handed_over",
    )
    assert code == 0 and "counts as delivered" in out and "is notified" in out
    code, _, err = _run(
        db_url,
        "notices",
        "deliver",
        str(first["number"]),
        "--channel",
        "pigeon",
        "--outcome",
        "landed",
    )
    assert code == 1 and "'pigeon' is not a delivery channel" in err

    callup = str(first["call_up"])
    code, out, _ = _run(db_url, "notices", "report", callup)
    assert code == 0 and "is now reported" in out
    code, out, _ = _run(
        db_url, "medical", "examine", callup, "--fitness", "A", "--on", "2022-10-15"
    )
    assert code == 0 and "fit for service" in out
    code, out, _ = _run(db_url, "campaign", "move", callup, "--to", "enlisted")
    assert code == 0 and "is now enlisted" in out

    code, out, _ = _run(db_url, "audit", "verify")
    assert code == 0 and "The audit log verifies" in out
    code, out, _ = _run(db_url, "audit", "log", "--subject", f"call_up:{callup}", "--json")
    actions = [e["action"] for e in json.loads(out)]
    assert actions[:5] == [
        "callup.enlisted",
        "medical.examined",
        "callup.examined",
        "callup.reported",
        "callup.notified",
    ]
    assert "notice.issued" in actions


def test_verify_says_genuine_altered_forged_and_withdrawn(
    screened_2022: Engine, db_url: str
) -> None:
    _drawn(db_url)
    _run(db_url, "notices", "issue", "--campaign", "1", "--day", "2022-10-11")
    _, out, _ = _run(db_url, "notices", "list", "--campaign", "1", "--json")
    first = json.loads(out)[0]
    code, out, _ = _run(db_url, "notices", "verify", first["code"].lower().replace("-", " "))
    assert code == 0 and out.startswith("GENUINE")
    code, out, _ = _run(db_url, "notices", "verify", first["code"], "--report-date", "2022-12-01")
    assert code == 1 and out.startswith("ALTERED") and "report date" in out
    forged = first["code"][:-3] + ("AAA" if not first["code"].endswith("AAA") else "BBB")
    code, out, _ = _run(db_url, "notices", "verify", forged)
    assert code == 1 and out.startswith("FORGED")
    code, out, _ = _run(db_url, "notices", "verify", "hello")
    assert code == 1 and out.startswith("FORGED") and "not a notice code" in out

    _run(
        db_url,
        "campaign",
        "move",
        str(first["call_up"]),
        "--to",
        "released",
        "--reason",
        "wrongful",
    )
    code, out, _ = _run(db_url, "notices", "verify", first["code"])
    assert code == 1 and out.startswith("WITHDRAWN") and "do not report" in out


def test_override_needs_a_reason_and_is_counted(screened_2022: Engine, db_url: str) -> None:
    _drawn(db_url)
    with screened_2022.begin() as conn:
        person = conn.execute(text("SELECT id, person_id FROM call_ups ORDER BY id")).first()
        assert person is not None
        conn.execute(
            text("UPDATE persons SET serious_conviction = :t WHERE id = :p"),
            {"t": True, "p": person.person_id},
        )
    code, _, err = _run(
        db_url,
        "notices",
        "issue",
        "--campaign",
        "1",
        "--day",
        "2022-10-11",
        "--override",
        f"{person.id}=",
    )
    assert code != 0 and "CALLUP=REASON" in err
    code, out, _ = _run(
        db_url,
        "notices",
        "issue",
        "--campaign",
        "1",
        "--day",
        "2022-10-11",
        "--json",
        "--override",
        f"{person.id}=court order 12/2022",
    )
    assert code == 0 and json.loads(out)["overrides"] == 1
    _, out, _ = _run(db_url, "audit", "log", "--action", "notice.issued_override", "--json")
    assert [e["reason"] for e in json.loads(out)] == ["court order 12/2022"]


def test_no_shows_get_a_repeat_notice_and_a_backlog_shows_it(
    screened_2022: Engine, db_url: str
) -> None:
    _drawn(db_url)
    _run(db_url, "notices", "issue", "--campaign", "1", "--day", "2022-10-11")
    _, out, _ = _run(db_url, "notices", "list", "--campaign", "1", "--json")
    first = json.loads(out)[0]
    _run(
        db_url,
        "notices",
        "deliver",
        str(first["number"]),
        "--channel",
        "electronic",
        "--outcome",
        "opened",
    )
    code, out, _ = _run(db_url, "notices", "no-shows", "--campaign", "1", "--day", "2022-10-20")
    assert code == 0 and out.startswith("1 no-shows recorded")
    _run(db_url, "notices", "issue", "--campaign", "1", "--day", "2022-10-20")
    _, out, _ = _run(db_url, "notices", "list", "--campaign", "1", "--json", "--limit", "1000")
    repeats = [n for n in json.loads(out) if n["call_up"] == first["call_up"]]
    assert [n["kind"] for n in repeats] == ["first", "repeat"]
    code, out, _ = _run(
        db_url, "notices", "backlog", "--campaign", "1", "--day", "2022-10-20", "--json"
    )
    rows = json.loads(out)
    assert code == 0 and sum(r["issued"] + r["delivered"] for r in rows) == len(
        json.loads(
            _run(db_url, "notices", "list", "--campaign", "1", "--json", "--limit", "1000")[1]
        )
    )


def test_a_notice_document_verifies_and_an_edited_copy_does_not(
    screened_2022: Engine, db_url: str, tmp_path: Path
) -> None:
    _drawn(db_url)
    _run(db_url, "notices", "issue", "--campaign", "1", "--day", "2022-10-11")
    _, out, _ = _run(db_url, "notices", "list", "--campaign", "1", "--json")
    first = json.loads(out)[0]
    html, pdf = tmp_path / "n.html", tmp_path / "n.pdf"
    code, out, err = _run(
        db_url, "notices", "show", str(first["number"]), "--html", str(html), "--pdf", str(pdf)
    )
    assert code == 0, err
    assert pdf.read_bytes().startswith(b"%PDF-") and first["code"] in html.read_text()
    for document in (html, pdf):
        code, out, _ = _run(db_url, "notices", "verify", "--document", str(document))
        assert code == 0 and out.startswith("GENUINE"), out

    page = html.read_text()
    assert page.count(first["report_on"]) >= 1
    html.write_text(page.replace(first["report_on"], "2022-12-24"))
    code, out, _ = _run(db_url, "notices", "verify", "--document", str(html))
    assert code == 1 and out.startswith("ALTERED") and "2022-12-24" in out
