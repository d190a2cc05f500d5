"""``muster decree check`` as a user runs it."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from muster.cli.main import app

runner = CliRunner()


def test_check_accepts_the_sample_decrees() -> None:
    for path in sorted(Path("decrees").glob("*.yaml")):
        result = runner.invoke(app, ["decree", "check", str(path)])
        assert result.exit_code == 0, result.output
        assert "OK" in result.output


def test_check_rejects_injected_sql_with_its_position(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    text = Path("decrees/specialist-callup-2026.yaml").read_text()
    line = text[: text.index("condition: registered")].count("\n") + 1
    path.write_text(
        text.replace("condition: registered}", 'condition: "registered; DROP TABLE persons"}')
    )
    result = runner.invoke(app, ["decree", "check", str(path)])
    assert result.exit_code == 1
    assert f"{path}:{line}:" in result.output
    assert "a condition is one expression; found several statements" in result.output


def test_check_of_a_missing_file(tmp_path: Path) -> None:
    result = runner.invoke(app, ["decree", "check", str(tmp_path / "none.yaml")])
    assert result.exit_code == 1 and "no such file" in result.output
