"""``muster decree check`` as a user runs it."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from muster.cli.main import app

runner = CliRunner()
DECREE = "partial-mobilization-2022"


def test_check_accepts_the_sample_decrees() -> None:
    for path in sorted(Path("decrees").glob("*.*")):
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


def test_check_locates_a_toml_syntax_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    text = Path("decrees/partial-mobilization-2022.toml").read_text()
    line = text[: text.index('condition = "registered"')].count("\n") + 1
    path.write_text(text.replace('condition = "registered"', "condition = registered"))
    result = runner.invoke(app, ["decree", "check", str(path)])
    assert result.exit_code == 1
    assert f"{path}:{line}:13: error: not valid TOML: Invalid value" in result.output
    assert "Traceback" not in result.output


def test_check_locates_a_bad_condition_in_toml(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    text = Path("decrees/partial-mobilization-2022.toml").read_text()
    line = text[: text.index("OR (rank = 'colonel'")].count("\n") + 1
    path.write_text(text.replace("OR (rank = 'colonel'", "OR (rnak = 'colonel'"))
    result = runner.invoke(app, ["decree", "check", str(path)])
    assert result.exit_code == 1
    assert f"{path}:{line}:5: error: unknown field or parameter 'rnak'" in result.output


def test_load_a_toml_decree_then_the_same_decree_in_yaml(db_url: str) -> None:
    """Stored TOML is read back from the database (diff), and the YAML twin changes nothing."""
    toml = runner.invoke(
        app, ["--db", db_url, "decree", "load", "decrees/partial-mobilization-2022.toml"]
    )
    assert toml.exit_code == 0, toml.output
    assert "versions added [1, 2, 3, 4, 5]" in toml.output
    diff = runner.invoke(app, ["--db", db_url, "decree", "diff", f"{DECREE}@2", f"{DECREE}@3"])
    assert diff.exit_code == 0, diff.output
    assert "students-state-universities" in diff.output
    again = runner.invoke(
        app, ["--db", db_url, "decree", "load", "decrees/partial-mobilization-2022.yaml"]
    )
    assert again.exit_code == 0, again.output
    assert "versions added -, unchanged [1, 2, 3, 4, 5]," in again.output


def test_check_of_a_file_that_is_not_text_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "decree.yaml"
    bad.write_bytes(b"decree: x\ntitle: \xff\xfe\n")
    result = runner.invoke(app, ["decree", "check", str(bad)])
    assert result.exit_code == 1
    assert "not UTF-8 text" in result.stderr and "Traceback" not in result.stderr
