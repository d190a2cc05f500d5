"""A lottery read from a file: one key column and one rank column, every problem located.

CSV (UTF-8, a header row; blank lines and lines starting with ``#`` are skipped, so a file may
say where its data came from) or Parquet. Values are typed here: a rank is a number; a key is
a date (``YYYY-MM-DD``), a number, or text (a category such as a region code). With
``key_kind="auto"`` the key is dates when most of its values are dates, numbers when most are
numbers, text otherwise; values that do not fit the majority are reported, not guessed.
Problems are reported as ``FILE:LINE: COLUMN: found …, expected …``.
"""

from __future__ import annotations

import csv
import difflib
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import polars as pl

from muster.errors import InputFileError, MusterError, Problem
from muster.selection.schemas import KeyKind

KeyKindOption = Literal["auto", "date", "number", "category"]
LINE = "__line"
MAX_PER_CHECK = 1_000
EXPECTED: dict[KeyKind, str] = {
    "date": "a date YYYY-MM-DD",
    "number": "a number",
    "category": "a value",
}
CONSEQUENCE = "nothing was audited"


@dataclass(frozen=True)
class LotteryTable:
    """The typed key and rank of every row, and the line (Parquet: row) each came from."""

    file: str
    keys: pl.Series
    ranks: pl.Series
    lines: pl.Series

    def first_repeat(self) -> str | None:
        """Where the first repeated rank is, as ``FILE:LINE: RANK: …``; None if none repeats."""
        frame = pl.DataFrame({"rank": self.ranks, LINE: self.lines})
        repeats = frame.filter(~pl.col("rank").is_first_distinct())
        if repeats.is_empty():
            return None
        value, line = repeats.row(0)
        first = frame.filter(pl.col("rank") == value)[LINE][0]
        return (
            f"{self.file}:{line}: {self.ranks.name}: {_show(value)} was already drawn on line "
            f"{first}; {repeats.height:,} rows repeat an earlier rank"
        )


def _show(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _quote(text: str | None) -> str:
    if text is None:
        return "nothing"
    return f'"{text}"' if len(text) <= 40 else f'"{text[:37]}..."'


def read_lottery(
    path: Path, *, key_column: str, rank_column: str, key_kind: KeyKindOption = "auto"
) -> LotteryTable:
    """Read and type the two columns; raise ``InputFileError`` listing every located problem."""
    if key_column == rank_column:
        raise MusterError(f"the key and the rank are the same column {key_column!r}")
    if not path.is_file():
        raise MusterError(f"{path}: no such file")
    file = str(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        frame = _read_csv(path, file, (key_column, rank_column))
    elif suffix in (".parquet", ".pq"):
        frame = _read_parquet(path, file, (key_column, rank_column))
    else:
        raise MusterError(
            f"{path}: cannot tell the format from the extension {suffix or '(none)'!r} "
            "(expected .csv or .parquet)"
        )
    if frame.is_empty():
        raise InputFileError(
            file,
            [Problem(1, 0, "", "the file has a header but no rows", file)],
            consequence=CONSEQUENCE,
        )
    columns = list(frame.columns)
    problems: list[Problem] = []
    ranks = _typed_ranks(frame, rank_column, columns.index(rank_column), file, problems)
    keys = _typed_keys(frame, key_column, columns.index(key_column), key_kind, file, problems)
    if problems:
        raise InputFileError(file, problems, consequence=CONSEQUENCE)
    return LotteryTable(file, keys.alias(key_column), ranks.alias(rank_column), frame[LINE])


def _missing_columns(header: list[str], wanted: tuple[str, ...], file: str) -> list[Problem]:
    problems: list[Problem] = []
    for name in wanted:
        if name in header:
            continue
        close = difflib.get_close_matches(name, header, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        shown = ", ".join(header[:20]) + (" …" if len(header) > 20 else "")
        problems.append(
            Problem(1, 0, name, f"no such column{hint} (the columns are: {shown})", file)
        )
    return problems


def _leading_lines(path: Path, file: str) -> tuple[int, list[str]]:
    """How many blank or ``#`` lines come before the header, and the header's column names."""
    skipped = 0
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            for line in handle:
                if line.strip() and not line.lstrip().startswith("#"):
                    return skipped, next(csv.reader([line]), [])
                skipped += 1
    except UnicodeDecodeError:
        problem = Problem(_first_bad_line(path), 0, "", "is not UTF-8; save it as UTF-8", file)
        raise InputFileError(file, [problem], consequence=CONSEQUENCE) from None
    raise InputFileError(
        file,
        [Problem(1, 0, "", "the file is empty; expected a header row", file)],
        consequence=CONSEQUENCE,
    )


def _physical_lines(path: Path) -> int:
    count = 0
    last = b""
    with path.open("rb") as handle:
        while block := handle.read(1 << 24):
            count += block.count(b"\n")
            last = block
    return count + (0 if last.endswith(b"\n") else 1)


def _read_csv(path: Path, file: str, wanted: tuple[str, ...]) -> pl.DataFrame:
    skipped, header = _leading_lines(path, file)
    problems = _missing_columns(header, wanted, file)
    if problems:
        raise InputFileError(file, [_at(p, skipped + 1) for p in problems], consequence=CONSEQUENCE)
    try:
        frame = pl.read_csv(path, skip_lines=skipped, comment_prefix="#", infer_schema=False)
    except (pl.exceptions.ComputeError, pl.exceptions.NoDataError):
        frame = None
    if frame is not None and _physical_lines(path) == skipped + 1 + frame.height:
        first = skipped + 2
        frame = frame.with_columns(
            pl.int_range(first, first + frame.height, dtype=pl.Int64).alias(LINE)
        ).filter(~pl.all_horizontal(pl.exclude(LINE).is_null()))
        return frame.select(*wanted, LINE)
    return _read_csv_exactly(path, file, header, wanted)


def _at(problem: Problem, line: int) -> Problem:
    return Problem(line, problem.column_index, problem.field, problem.message, problem.file)


def _read_csv_exactly(
    path: Path, file: str, header: list[str], wanted: tuple[str, ...]
) -> pl.DataFrame:
    """The slow, exact reading for files with comments or blank lines between rows, or
    quoted line breaks: each record's first line, as the ``csv`` module sees it."""
    where = [header.index(name) for name in wanted]
    columns: list[list[str | None]] = [[] for _ in wanted]
    lines: list[int] = []
    seen_header = False
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        previous_end = 0
        try:
            for row in reader:
                start, previous_end = previous_end + 1, reader.line_num
                if not any(cell.strip() for cell in row) or row[0].lstrip().startswith("#"):
                    continue
                if not seen_header:
                    seen_header = True
                    continue
                for store, i in zip(columns, where, strict=True):
                    store.append(row[i] if i < len(row) else None)
                lines.append(start)
        except csv.Error as exc:
            problem = Problem(reader.line_num, 0, "", f"is not valid CSV: {exc}", file)
            raise InputFileError(file, [problem], consequence=CONSEQUENCE) from None
        except UnicodeDecodeError:
            problem = Problem(_first_bad_line(path), 0, "", "is not UTF-8; save it as UTF-8", file)
            raise InputFileError(file, [problem], consequence=CONSEQUENCE) from None
    data: dict[str, pl.Series] = {
        name: pl.Series(name, values, dtype=pl.String)
        for name, values in zip(wanted, columns, strict=True)
    }
    data[LINE] = pl.Series(LINE, lines, dtype=pl.Int64)
    return pl.DataFrame(data)


def _first_bad_line(path: Path) -> int:
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError:
                return number
    return 1


def _read_parquet(path: Path, file: str, wanted: tuple[str, ...]) -> pl.DataFrame:
    try:
        header = list(pl.read_parquet_schema(path))
    except Exception as exc:  # polars raises several kinds for a damaged file
        problem = Problem(1, 0, "", f"cannot be read as Parquet: {exc}", file)
        raise InputFileError(file, [problem], consequence=CONSEQUENCE) from None
    problems = _missing_columns(header, wanted, file)
    if problems:
        raise InputFileError(file, problems, consequence=CONSEQUENCE)
    frame = pl.read_parquet(path, columns=list(wanted))
    return frame.with_columns(pl.int_range(1, frame.height + 1, dtype=pl.Int64).alias(LINE))


def _located(
    frame: pl.DataFrame,
    bad: pl.Series,
    raw: pl.Series,
    column: str,
    index: int,
    expected: str,
    file: str,
) -> list[Problem]:
    """A problem for each bad row (at most ``MAX_PER_CHECK``, then one line for the rest)."""
    rows = frame.select(LINE, raw.alias("raw")).filter(bad)
    shown = rows.head(MAX_PER_CHECK)
    problems = [
        Problem(line, index, column, f"found {_quote(value)}, expected {expected}", file)
        for line, value in shown.iter_rows()
    ]
    if rows.height > MAX_PER_CHECK:
        problems.append(
            Problem(
                rows[LINE][MAX_PER_CHECK],
                index,
                column,
                f"and {rows.height - MAX_PER_CHECK:,} more rows from here on: expected {expected}",
                file,
            )
        )
    return problems


def _text(series: pl.Series) -> pl.Series:
    """Text with surrounding blanks removed; an empty value is missing."""
    stripped = series.cast(pl.String).str.strip_chars()
    return pl.select(pl.when(stripped != "").then(stripped)).to_series().alias(series.name)


def _as_number(text: pl.Series) -> pl.Series:
    whole = text.cast(pl.Int64, strict=False)
    if whole.null_count() == text.null_count():
        return whole
    return text.cast(pl.Float64, strict=False)


def _typed_ranks(
    frame: pl.DataFrame, column: str, index: int, file: str, problems: list[Problem]
) -> pl.Series:
    raw = frame[column]
    if raw.dtype.is_numeric():
        numbers = raw
        text = raw.cast(pl.String)
    else:
        text = _text(raw)
        numbers = _as_number(text)
    bad = numbers.is_null()
    if numbers.dtype.is_float():
        bad = bad | ~numbers.is_finite().fill_null(False)
    if bad.any():
        problems += _located(frame, bad, text, column, index, "a number", file)
    return numbers


def _typed_keys(
    frame: pl.DataFrame,
    column: str,
    index: int,
    kind: KeyKindOption,
    file: str,
    problems: list[Problem],
) -> pl.Series:
    raw = frame[column]
    if raw.dtype != pl.String and kind == "auto":
        typed = raw
        chosen: KeyKind = (
            "date"
            if raw.dtype == pl.Date or isinstance(raw.dtype, pl.Datetime)
            else ("number" if raw.dtype.is_numeric() else "category")
        )
        text = raw.cast(pl.String)
    else:
        text = _text(raw)
        dates = text.str.to_date("%Y-%m-%d", strict=False)
        numbers = _as_number(text)
        present = text.len() - text.null_count()
        chosen = kind if kind != "auto" else _majority(present, dates, numbers)
        typed = {"date": dates, "number": numbers, "category": text}[chosen]
    bad = typed.is_null()
    if typed.dtype.is_float():
        bad = bad | ~typed.is_finite().fill_null(False)
    if bad.any():
        expected = EXPECTED[chosen]
        if kind == "auto" and chosen != "category":
            good = typed.len() - int(bad.sum())
            expected += f" (as {good:,} other rows have)"
        problems += _located(frame, bad, text, column, index, expected, file)
    return typed


def _majority(present: int, dates: pl.Series, numbers: pl.Series) -> KeyKind:
    """Dates if most values are dates, numbers if most are numbers, else text."""
    as_dates = dates.len() - dates.null_count()
    as_numbers = numbers.len() - numbers.null_count()
    if as_dates * 2 > present:
        return "date"
    if as_numbers * 2 > present:
        return "number"
    return "category"
