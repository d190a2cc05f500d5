"""``muster apportion`` as a user runs it: CSV in, CSV out, ties and errors on stderr."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from muster.cli.main import app

runner = CliRunner()
DATA = Path(__file__).parents[1] / "quotas" / "data"


def run(*args: str | Path) -> Result:
    return runner.invoke(app, ["apportion", *map(str, args)])


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "regions.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_prints_name_weight_seats_in_input_order(tmp_path: Path) -> None:
    path = write(tmp_path, "name,weight\nSouth,5400\nNorth,2700.50\nEast,1100\nWest,800\n")
    result = run(path, "--total", "10", "--method", "webster")
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "name,weight,seats\nSouth,5400,5\nNorth,2700.50,3\nEast,1100,1\nWest,800,1\n"
    )
    assert result.stderr == ""


def test_reproduces_the_2020_house_from_a_data_file_with_comments() -> None:
    result = run(DATA / "us-2020.csv", "--total", "435", "--method", "huntington-hill")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "name,weight,seats"
    assert "California,39576757,52" in lines and "Texas,29183290,38" in lines
    assert len(lines) == 51


def test_other_columns_caps_minimum_and_threshold(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "# regions and their office capacity\n"
        "region,pool,capacity\n"
        "R01,100,3\n"
        "\n"
        "R02,50,\n"
        "R03,10,\n"
        "R04,1,\n",
    )
    result = run(
        path,
        "--total", "10",
        "--method", "sainte-lague",
        "--name-column", "region",
        "--weight-column", "pool",
        "--max-column", "capacity",
        "--threshold", "1%",
        "--min-seats", "1",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[1:] == ["R01,100,3", "R02,50,6", "R03,10,1", "R04,1,0"]


def test_first_divisor_for_modified_sainte_lague(tmp_path: Path) -> None:
    path = write(tmp_path, "name,weight\nA,100\nB,18\n")
    plain = run(path, "--total", "4", "--method", "sainte-lague")
    modified = run(path, "--total", "4", "--method", "sainte-lague", "--first-divisor", "1.4")
    assert plain.stdout.splitlines()[1:] == ["A,100,3", "B,18,1"]
    assert modified.stdout.splitlines()[1:] == ["A,100,4", "B,18,0"]


def test_ties_are_reported_on_stderr_one_line_each(tmp_path: Path) -> None:
    path = write(tmp_path, "name,weight\nA,1\nB,2\nC,2\n")
    result = run(path, "--total", "2", "--method", "dhondt")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[1:] == ["A,1,0", "B,2,1", "C,2,1"]
    assert result.stderr == ""
    tied = run(path, "--total", "1", "--method", "dhondt")
    assert tied.stdout.splitlines()[1:] == ["A,1,0", "B,2,1", "C,2,0"]
    assert tied.stderr.splitlines() == [
        "tie for 1 seat between B and C (equal quotients of 2): given to B by the rule "
        "larger weight first, then earlier in the input"
    ]


@pytest.mark.parametrize(
    ("text", "options", "message"),
    [
        ("", [], "regions.csv:1: found no header row, expected one such as name,weight"),
        (
            "name,population\nA,1\n",
            [],
            "regions.csv:1: weight: found no such column (the header has: name, population), "
            "expected a column named weight",
        ),
        (
            "name,wieght\nA,1\n",
            [],
            "expected a column named weight; did you mean 'wieght'?",
        ),
        ("name,weight\nA,12a\n", [], 'regions.csv:2: weight: found "12a", expected a number ≥ 0'),
        ("name,weight\n# c\nA,-3\n", [], "regions.csv:3: weight: found a negative number"),
        ("name,weight\nA,1\nA,2\n", [], 'regions.csv:3: name: found "A" again (first on line 2)'),
        ("name,weight\nA,1,9\n", [], "regions.csv:2: found 3 fields, expected 2"),
        ("name,weight\n", [], "regions.csv:1: found no entries, expected one row per entry"),
        (
            "name,weight,cap\nA,1,x\n",
            ["--max-column", "cap"],
            'regions.csv:2: cap: found "x", expected a whole number of seats ≥ 0',
        ),
        (
            "name,weight,cap\nA,1,0\nB,1,\n",
            ["--max-column", "cap", "--min-seats", "1"],
            "regions.csv:2: cap: found a cap of 0, expected at least --min-seats 1",
        ),
    ],
)
def test_bad_files_are_refused_with_located_problems(
    tmp_path: Path, text: str, options: list[str], message: str
) -> None:
    path = write(tmp_path, text)
    result = run(path, "--total", "3", "--method", "webster", *options)
    assert result.exit_code == 1
    assert message in result.stderr
    assert "nothing was apportioned" in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--total", "1", "--min-seats", "1"], "total: found 1, expected at least 2"),
        (
            ["--total", "9", "--max-column", "cap"],
            "total: found 9, expected at most 5, the sum of the caps",
        ),
        (["--total", "2", "--method", "borda"], "--method: found 'borda', expected one of: "),
        (
            ["--total", "2", "--method", "dhondt", "--first-divisor", "1.4"],
            "--first-divisor: found it with --method dhondt, expected it only with webster",
        ),
        (["--total", "2", "--first-divisor", "x"], "--first-divisor: found 'x', expected"),
        (["--total", "2", "--threshold", "five"], "--threshold: found 'five', expected a share"),
        (["--total", "2", "--threshold", "100%"], "expected a share below 1 (100%)"),
    ],
)
def test_impossible_requests_exit_1_with_the_reason(
    tmp_path: Path, options: list[str], message: str
) -> None:
    path = write(tmp_path, "name,weight,cap\nA,3,2\nB,1,3\n")
    args = options if "--method" in options else [*options, "--method", "webster"]
    result = run(path, *args)
    assert result.exit_code == 1
    assert message in result.output
    assert result.stdout == "" or "error" not in result.stdout


def test_a_missing_file(tmp_path: Path) -> None:
    result = run(tmp_path / "none.csv", "--total", "3", "--method", "adams")
    assert result.exit_code == 1 and "none.csv: no such file" in result.output
