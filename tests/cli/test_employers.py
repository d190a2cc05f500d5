"""``muster employers reserve`` as an employer's HR runs it: a bad list is refused whole, with
every problem located; a good one files the claims."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text
from typer.testing import CliRunner

from muster.cli.main import app
from tests.cases.conftest import Called

runner = CliRunner()


def test_a_bad_list_names_every_problem_and_files_nothing(
    called: Called, db_url: str, tmp_path: Path
) -> None:
    with called.engine.connect() as conn:
        employer, mine, theirs = conn.execute(
            text(
                "SELECT a.employer_id, a.national_id, b.national_id FROM persons a "
                "JOIN persons b ON b.employer_id IS NOT NULL AND b.employer_id <> a.employer_id "
                "WHERE a.employer_id IS NOT NULL ORDER BY a.id, b.id LIMIT 1"
            )
        ).one()
    listed = tmp_path / "reserve.csv"
    listed.write_text(f"# reservation list\nnational_id\n{mine}\n999999999999\n{mine}\n{theirs}\n")
    result = runner.invoke(
        app, ["--db", db_url, "employers", "reserve", str(listed), "--employer", employer]
    )
    assert result.exit_code == 1
    assert f'{listed}:4: national_id: "999999999999" is not in the registry' in result.stderr
    assert f"{listed}:5:" in result.stderr and "listed twice (first on line 3)" in result.stderr
    assert f"{listed}:6:" in result.stderr and "works for" in result.stderr
    with called.engine.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM claims")) == 0
