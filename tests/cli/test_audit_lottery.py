"""``muster audit lottery`` as a user runs it: on real draws, on bad files, with a plot."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from click.testing import Result
from matplotlib import image
from typer.testing import CliRunner

from muster.cli.main import app

runner = CliRunner()
DATA = Path(__file__).parents[1] / "selection" / "data"
DRAFT_1969 = str(DATA / "draft-1969.csv")
DRAFT_1970 = str(DATA / "draft-1970.csv")
BY_BIRTHDAY = ["--key-column", "birth_date", "--rank-column", "draft_number"]


def audit(*args: str) -> Result:
    return runner.invoke(app, ["audit", "lottery", *args])


def audit_json(*args: str) -> dict[str, object]:
    result = runner.invoke(app, ["audit", "lottery", *args, "--json"])
    assert result.exit_code == 0, result.output
    data: dict[str, object] = json.loads(result.stdout)
    return data


def write(path: Path, text: str) -> str:
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_the_1969_draft_lottery_is_found_biased() -> None:
    data = audit_json(DRAFT_1969, *BY_BIRTHDAY)
    assert data["n"] == 366 and data["key"] == "birth_date" and data["rank"] == "draft_number"
    assert data["key_kind"] == "date" and data["grouping"] == "month"
    assert data["spearman_rho"] == pytest.approx(-0.226, abs=5e-4)
    assert isinstance(data["p_value"], float) and data["p_value"] < 0.01
    assert data["verdict"] == "biased"
    groups = data["groups"]
    assert isinstance(groups, list) and len(groups) == 12
    assert groups[11]["label"] == "Dec" and groups[11]["mean_rank"] < groups[0]["mean_rank"]


def test_the_1970_draft_lottery_shows_no_evidence_of_bias() -> None:
    data = audit_json(DRAFT_1970, *BY_BIRTHDAY)
    assert data["n"] == 365
    assert data["spearman_rho"] == pytest.approx(0.014, abs=5e-4)
    assert data["verdict"] == "no evidence of bias"


def test_the_readable_report_says_the_verdict_in_words() -> None:
    result = runner.invoke(app, ["audit", "lottery", DRAFT_1969, *BY_BIRTHDAY])
    assert result.exit_code == 0, result.output
    assert "366 ranks (draft_number) against birth_date" in result.stdout
    assert "Dec" in result.stdout and "121.5" in result.stdout
    assert "Verdict: biased." in result.stdout
    fair = runner.invoke(app, ["audit", "lottery", DRAFT_1970, *BY_BIRTHDAY])
    assert "Verdict: no evidence of bias at alpha = 0.01" in fair.stdout
    assert "This is not proof of fairness" in fair.stdout


def test_the_plot_is_written_as_a_png(tmp_path: Path) -> None:
    path = tmp_path / "draft-1969.png"
    result = runner.invoke(
        app, ["audit", "lottery", DRAFT_1969, *BY_BIRTHDAY, "--plot", str(path), "--json"]
    )
    assert result.exit_code == 0, result.output
    json.loads(result.stdout)  # the JSON stays clean; the plot's message goes to stderr
    assert f"Plot written to {path}" in result.stderr
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert image.imread(path).ndim == 3


def test_the_plot_must_be_a_png() -> None:
    result = runner.invoke(app, ["audit", "lottery", DRAFT_1969, *BY_BIRTHDAY, "--plot", "x.jpg"])
    assert result.exit_code == 2 and "must end in .png" in result.output


def test_grouping_by_decile_of_the_day_number() -> None:
    args = ["--key-column", "day_of_year", "--rank-column", "draft_number"]
    data = audit_json(DRAFT_1969, *args)
    assert data["key_kind"] == "number" and data["grouping"] == "decile"
    assert data["verdict"] == "biased"


def test_a_region_lottery_with_numeric_codes_read_as_categories(tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    n = 3_000
    regions = rng.integers(1, 13, n)
    ranks = np.argsort(np.argsort(rng.random(n) + np.where(regions == 4, 0.2, 0.0))) + 1
    path = tmp_path / "regions.csv"
    pl.DataFrame({"region": [f"{r:02d}" for r in regions], "rank": ranks}).write_csv(path)
    as_numbers = audit_json(str(path), "--key-column", "region", "--rank-column", "rank")
    assert as_numbers["key_kind"] == "number"
    data = audit_json(
        str(path), "--key-column", "region", "--rank-column", "rank", "--key-kind", "category"
    )
    assert data["key_kind"] == "category" and data["grouping"] == "value"
    assert data["spearman_rho"] is None
    assert data["verdict"] == "biased"
    assert [g["label"] for g in data["groups"]][:3] == ["01", "02", "03"]  # type: ignore[index]


def test_a_parquet_lottery(tmp_path: Path) -> None:
    frame = pl.read_csv(DRAFT_1969, comment_prefix="#", try_parse_dates=True)
    path = tmp_path / "draft.parquet"
    frame.write_parquet(path)
    data = audit_json(str(path), *BY_BIRTHDAY)
    assert data["key_kind"] == "date" and data["verdict"] == "biased"


def test_a_missing_column_is_named_with_a_suggestion() -> None:
    result = audit(DRAFT_1969, "--key-column", "birth_dat", "--rank-column", "draft_number")
    assert result.exit_code == 1
    assert (
        f"{DRAFT_1969}:5: birth_dat: no such column; did you mean 'birth_date'? "
        "(the columns are: birth_date, day_of_year, draft_number)" in result.output
    )
    assert "1 problem found; nothing was audited" in result.output


def test_bad_values_are_located_by_line(tmp_path: Path) -> None:
    path = write(
        tmp_path / "bad.csv",
        "# a lottery with mistakes\n"
        "birth_date,rank\n"
        "1990-01-01,1\n"
        "1990-02-31,2\n"  # line 4: no such day
        "1990-03-01,three\n"  # line 5
        ",4\n"  # line 6: no key
        "1990-05-01,5\n"
        "1990-06-01,inf\n",  # line 8
    )
    result = audit(path, "--key-column", "birth_date", "--rank-column", "rank")
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    expected_date = "expected a date YYYY-MM-DD (as 4 other rows have)"
    assert lines[:4] == [
        f'{path}:4: birth_date: found "1990-02-31", {expected_date}',
        f'{path}:5: rank: found "three", expected a number',
        f"{path}:6: birth_date: found nothing, {expected_date}",
        f'{path}:8: rank: found "inf", expected a number',
    ]
    assert "4 problems found; nothing was audited" in result.stderr


def test_lines_stay_right_with_comments_blank_lines_and_quoted_breaks(tmp_path: Path) -> None:
    path = write(
        tmp_path / "odd.csv",
        "\n# source: somewhere, with a comma\n"
        "note,region,rank\n"  # line 3
        '"two\nlines",R1,1\n'  # line 4-5
        "\n"
        "# a comment between rows\n"
        "x,R2,2\n"  # line 8
        "y,R1,two\n",  # line 9
    )
    result = audit(path, "--key-column", "region", "--rank-column", "rank")
    assert result.exit_code == 1
    assert f'{path}:9: rank: found "two", expected a number' in result.stderr


def test_repeated_ranks_are_a_warning_not_an_error(tmp_path: Path) -> None:
    rows = "".join(f"R{i % 3},{min(i, 7)}\n" for i in range(1, 11))
    path = write(tmp_path / "dup.csv", "region,rank\n" + rows)
    result = runner.invoke(
        app, ["audit", "lottery", path, "--key-column", "region", "--rank-column", "rank", "--json"]
    )
    assert result.exit_code == 0, result.output
    assert f"warning: {path}:9: rank: 7 was already drawn on line 8; 3 rows repeat" in result.stderr
    assert json.loads(result.stdout)["distinct_ranks"] == 7


def test_too_few_rows_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path / "two.csv", "k,r\na,1\nb,2\n")
    result = audit(path, "--key-column", "k", "--rank-column", "r")
    assert result.exit_code == 1
    assert "error: 2 rows to audit; a test of independence needs at least 3" in result.output


def test_an_empty_or_headless_file_is_an_error(tmp_path: Path) -> None:
    empty = write(tmp_path / "empty.csv", "# only a comment\n")
    result = audit(empty, "--key-column", "k", "--rank-column", "r")
    assert result.exit_code == 1 and "the file is empty; expected a header row" in result.output
    header = write(tmp_path / "header.csv", "k,r\n")
    result = audit(header, "--key-column", "k", "--rank-column", "r")
    assert result.exit_code == 1 and "the file has a header but no rows" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--group-by", "week"], "'week' is not one of auto, month, decile, value"),
        (["--key-kind", "text"], "'text' is not one of auto, date, number, category"),
    ],
)
def test_options_are_checked(args: list[str], message: str) -> None:
    result = audit(DRAFT_1969, *BY_BIRTHDAY, *args)
    assert result.exit_code == 2
    assert message in " ".join(result.output.replace("│", " ").split())


def test_grouping_must_fit_the_key() -> None:
    result = audit(
        DRAFT_1969,
        "--key-column",
        "day_of_year",
        "--rank-column",
        "draft_number",
        "--group-by",
        "month",
    )
    assert result.exit_code == 1
    assert "day_of_year: grouping by month needs dates; the key holds number" in result.output


def test_other_formats_and_missing_files_are_errors(tmp_path: Path) -> None:
    result = audit(str(tmp_path / "none.csv"), *BY_BIRTHDAY)
    assert result.exit_code == 1 and "no such file" in result.output
    xlsx = tmp_path / "draft.xlsx"
    xlsx.write_bytes(b"")
    result = audit(str(xlsx), *BY_BIRTHDAY)
    assert result.exit_code == 1 and "(expected .csv or .parquet)" in result.output
