"""``muster explain`` as a user runs it: the decision with its reasons, and the read logged."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Engine, text
from typer.testing import CliRunner

from muster.audit import service as audit
from muster.cli.main import app
from muster.screening import service as screening

runner = CliRunner()


def test_explain_prints_the_grounds_and_logs_the_read(screened_2022: Engine, db_url: str) -> None:
    nid = screening.sample_person(
        screened_2022, decree_id="partial-mobilization-2022", decision="eligible"
    )
    assert nid is not None
    result = runner.invoke(
        app, ["--db", db_url, "explain", nid, "--as-of", "2022-10-10"], env={"MUSTER_ACTOR": "ana"}
    )
    assert result.exit_code == 0, result.stderr
    assert "eligible" in result.stdout
    event = audit.events(screened_2022, action="person.explained", limit=1)[0]
    assert event.subject == f"person:{nid}" and event.actor == "ana"
    assert event.decree_version and event.decree_version.startswith("partial-mobilization-2022@")


def test_explain_says_which_grant_of_a_board_stands_and_what_the_registry_gives(
    screened_2022: Engine, db_url: str
) -> None:
    nid = screening.sample_person(
        screened_2022, decree_id="partial-mobilization-2022", decision="eligible"
    )
    assert nid is not None
    with screened_2022.begin() as conn:
        person = conn.scalar(text("SELECT id FROM persons WHERE national_id = :n"), {"n": nid})
        screening.grant(
            conn,
            decree_id="partial-mobilization-2022",
            person_id=int(person),
            decision="deferred",
            ground="students-state-universities",
            until=date(2023, 7, 1),
            granted_on=date(2022, 10, 10),
            source="claim 7",
        )
    result = runner.invoke(app, ["--db", db_url, "explain", nid, "--as-of", "2022-10-10"])
    assert result.exit_code == 0, result.stderr
    text_out = " ".join(result.stdout.split())
    assert "deferred until 2023-07-01" in text_out
    assert (
        "Granted by a board: deferred on the ground students-state-universities until "
        "2023-07-01 (claim 7, 2022-10-10); the registry alone gives: eligible." in text_out
    )
