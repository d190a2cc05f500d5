"""Bad files import nothing, exit 1 and say where and what: FILE:LINE: FIELD: message."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from muster.cli.main import app
from muster.registry import service as registry
from muster.registry.models import PersonChange, RegistryBatch

runner = CliRunner()


@pytest.fixture
def good_csv(populated: Engine, tmp_path: Path) -> Path:
    path = tmp_path / "all.csv"
    registry.export_file(populated, path)
    head = tmp_path / "good.csv"
    pl.read_csv(path, infer_schema=False).head(50).write_csv(head)
    return head


def snapshot(engine: Engine) -> tuple[object, ...]:
    with engine.connect() as conn:
        batches = conn.scalar(select(func.count()).select_from(RegistryBatch))
        changes = conn.scalar(select(func.count()).select_from(PersonChange))
    return (registry.stats(engine), batches, changes)


def set_cell(src: Path, dst: Path, row: int, column: str, value: str | None) -> Path:
    frame = pl.read_csv(src, infer_schema=False)
    frame = frame.with_columns(
        pl.when(pl.int_range(pl.len()) == row)
        .then(pl.lit(value, dtype=pl.String))
        .otherwise(pl.col(column))
        .alias(column)
    )
    frame.write_csv(dst)
    return dst


def run_import(db_url: str, path: Path, *extra: str) -> tuple[int, str]:
    result = runner.invoke(app, ["--db", db_url, "registry", "import", str(path), *extra])
    return result.exit_code, result.output


CASES: list[tuple[str, str, str | None, str]] = [
    ("birth_date", "birth_date", "1990-02-31", 'found "1990-02-31", expected a date YYYY-MM-DD'),
    ("birth_date_format", "birth_date", "21.09.1990", "expected a date YYYY-MM-DD"),
    ("unknown_region", "region_code", "R77", '"R77" is not a known region code'),
    ("enum", "fitness", "Z", 'found "Z", expected one of A, B, V, G, D'),
    ("bool", "registered", "maybe", 'found "maybe", expected true or false'),
    ("int_range", "months_served", "-3", "expected a whole number from 0 to 600"),
    ("malformed_id", "national_id", "12345678901X", "is not 12 digits"),
    ("check_digit", "national_id", "123456789060", "has check digits 60, expected 92"),
    ("missing_required", "family_name", None, "missing; expected text"),
    ("unknown_employer", "employer_id", "E9999999", "is not a known employer code"),
    ("future_child", "children_birth_dates", "2999-01-01", "expected dates after"),
]


@pytest.mark.parametrize(("case", "column", "value", "message"), CASES, ids=[c[0] for c in CASES])
def test_bad_value_is_located_and_nothing_is_imported(
    populated: Engine,
    db_url: str,
    good_csv: Path,
    tmp_path: Path,
    case: str,
    column: str,
    value: str | None,
    message: str,
) -> None:
    bad = set_cell(good_csv, tmp_path / f"{case}.csv", 6, column, value)
    before = snapshot(populated)
    code, output = run_import(db_url, bad)
    assert code == 1
    assert f"{bad}:8: {column}: " in output  # data row 7 is line 8, after the header
    assert message in output
    assert "nothing was imported" in output
    assert snapshot(populated) == before


def test_duplicate_national_id_names_both_lines(
    populated: Engine, db_url: str, good_csv: Path, tmp_path: Path
) -> None:
    frame = pl.read_csv(good_csv, infer_schema=False)
    dup = pl.concat([frame, frame.slice(3, 1)])
    path = tmp_path / "dup.csv"
    dup.write_csv(path)
    before = snapshot(populated)
    code, output = run_import(db_url, path)
    assert code == 1
    assert f"{path}:5: national_id: " in output and f"{path}:52: national_id: " in output
    assert "appears more than once in this file (lines 5, 52)" in output
    assert snapshot(populated) == before


def test_wrong_column_set_suggests_the_right_name(
    populated: Engine, db_url: str, good_csv: Path, tmp_path: Path
) -> None:
    frame = pl.read_csv(good_csv, infer_schema=False).rename({"birth_date": "birthdate"})
    path = tmp_path / "cols.csv"
    frame.drop("status").write_csv(path)
    before = snapshot(populated)
    code, output = run_import(db_url, path)
    assert code == 1
    assert f"{path}:1: birthdate: unknown column; did you mean 'birth_date'?" in output
    assert f"{path}:1: status: column is missing from the header" in output
    assert snapshot(populated) == before


def test_wrong_encoding_names_the_line(
    populated: Engine, db_url: str, good_csv: Path, tmp_path: Path
) -> None:
    data = good_csv.read_bytes().splitlines(keepends=True)
    data[9] = data[9].replace(b"Street", b"Stra\xdfe", 1)  # Latin-1 byte in a UTF-8 file
    path = tmp_path / "latin1.csv"
    path.write_bytes(b"".join(data))
    before = snapshot(populated)
    code, output = run_import(db_url, path)
    assert code == 1
    assert f"{path}:10: byte 0xdf" in output and "is not UTF-8" in output
    assert snapshot(populated) == before


@pytest.mark.parametrize("width", ["short", "long"])
def test_row_with_wrong_number_of_fields(
    populated: Engine, db_url: str, good_csv: Path, tmp_path: Path, width: str
) -> None:
    lines = good_csv.read_text().splitlines()
    lines[4] = lines[4].rsplit(",", 3)[0] if width == "short" else lines[4] + ",extra"
    path = tmp_path / f"{width}.csv"
    path.write_text("\n".join(lines) + "\n")
    before = snapshot(populated)
    code, output = run_import(db_url, path)
    assert code == 1
    expected = "has 23 fields, expected 26" if width == "short" else "has 27 fields, expected 26"
    assert f"{path}:5: {expected}" in output
    assert snapshot(populated) == before


def test_many_problems_show_first_hundred_and_write_all(
    populated: Engine, db_url: str, good_csv: Path, tmp_path: Path
) -> None:
    frame = pl.read_csv(good_csv, infer_schema=False)
    big = pl.concat([frame] * 5).with_columns(pl.lit("X").alias("sex"))
    path = tmp_path / "many.csv"
    big.write_csv(path)
    errors = tmp_path / "errors.txt"
    code, output = run_import(db_url, path, "--errors-out", str(errors))
    assert code == 1
    shown = [line for line in output.splitlines() if line.startswith(str(path) + ":")]
    assert len(shown) == 100
    written = errors.read_text().splitlines()
    assert len(written) == 250 + 250  # every row: a bad sex value, an id repeated 5 times
    assert f"and {len(written) - 100:,} more problems" in output


def test_cross_field_rules(populated: Engine, db_url: str, good_csv: Path, tmp_path: Path) -> None:
    frame = pl.read_csv(good_csv, infer_schema=False)
    edits: list[Callable[[pl.DataFrame], pl.DataFrame]] = [
        lambda f: f.with_columns(
            pl.lit("captain").alias("rank"), pl.lit("soldier").alias("rank_group")
        ),
        lambda f: f.with_columns(pl.lit("G").alias("fitness"), pl.lit(None).alias("unfit_until")),
        lambda f: f.with_columns(
            pl.lit("state_university").alias("study_kind"), pl.lit(None).alias("study_end")
        ),
    ]
    expected = [
        'rank_group: found "soldier", expected the group of the given rank',
        "unfit_until: missing; required when fitness is G",
        "study_end: missing; required when study_kind is given",
    ]
    before = snapshot(populated)
    for i, (edit, message) in enumerate(zip(edits, expected, strict=True)):
        path = tmp_path / f"cross{i}.csv"
        pl.concat([frame.head(2), edit(frame.slice(2, 1)), frame.slice(3)]).write_csv(path)
        code, output = run_import(db_url, path)
        assert code == 1, output
        assert f"{path}:4: {message}" in output
    assert snapshot(populated) == before


def test_line_numbers_count_quoted_line_breaks(
    populated: Engine, db_url: str, good_csv: Path, tmp_path: Path
) -> None:
    frame = pl.read_csv(good_csv, infer_schema=False).with_columns(
        pl.when(pl.int_range(pl.len()) == 1)
        .then(pl.lit("Flat 2\nHouse 3"))
        .otherwise(pl.col("address"))
        .alias("address"),
        pl.when(pl.int_range(pl.len()) == 3)
        .then(pl.lit("Q"))
        .otherwise(pl.col("sex"))
        .alias("sex"),
    )
    path = tmp_path / "multiline.csv"
    frame.write_csv(path)
    code, output = run_import(db_url, path)
    assert code == 1
    assert f"{path}:6: sex: " in output  # row 4 starts on line 6: row 2 spans two lines


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.csv", b"", "the file is empty; expected a header row"),
        ("notes.txt", b"x", "cannot tell the format from the extension '.txt'"),
        ("broken.parquet", b"not parquet", "cannot be read as Parquet"),
        ("broken.xlsx", b"not a workbook", "cannot be read as XLSX"),
    ],
)
def test_unreadable_files(
    populated: Engine, db_url: str, tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    before = snapshot(populated)
    code, output = run_import(db_url, path)
    assert code == 1
    assert message in output.replace("\n", " ")
    assert snapshot(populated) == before


def test_missing_file(db_url: str, tmp_path: Path) -> None:
    code, output = run_import(db_url, tmp_path / "nope.csv")
    assert code == 1 and "no such file" in output


def test_bad_xlsx_cell_is_located_by_sheet_row(
    populated: Engine, db_url: str, good_csv: Path, tmp_path: Path
) -> None:
    from openpyxl import Workbook

    frame = pl.read_csv(good_csv, infer_schema=False).head(5)
    book = Workbook()
    sheet = book.active
    sheet.append(frame.columns)
    for i, row in enumerate(frame.iter_rows()):
        values = list(row)
        if i == 2:
            values[frame.columns.index("status")] = "gone"
        sheet.append(values)
    path = tmp_path / "bad.xlsx"
    book.save(path)
    before = snapshot(populated)
    code, output = run_import(db_url, path)
    assert code == 1
    assert f'{path}:4: status: found "gone"' in output
    assert snapshot(populated) == before
