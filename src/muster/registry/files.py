"""Reading and writing registry files: CSV, Parquet and XLSX, the same columns in each.

Readers return every value as text with the line each row came from, so one validator
serves all three formats. Writers stream chunks to a temporary file that replaces the target
only when complete: an interrupted export never leaves a half-written file behind.
"""

from __future__ import annotations

import csv
import difflib
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal, Protocol

import polars as pl

from muster.errors import MusterError, Problem
from muster.registry.schemas import ColumnSpec

LINE = "__line"
Format = Literal["csv", "parquet", "xlsx"]
XLSX_MAX_ROWS = 1_048_575
MAX_REPORTED = 100


def detect_format(path: Path) -> Format:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix in (".parquet", ".pq"):
        return "parquet"
    if suffix == ".xlsx":
        return "xlsx"
    raise MusterError(
        f"{path}: cannot tell the format from the extension {suffix or '(none)'!r} "
        "(expected .csv, .parquet or .xlsx)"
    )


def header_problems(columns: Sequence[str], spec: Sequence[ColumnSpec], file: str) -> list[Problem]:
    """Problems with a file's column set: missing, unknown (with "did you mean") or repeated."""
    expected = [c.name for c in spec]
    problems: list[Problem] = []
    seen: set[str] = set()
    for i, name in enumerate(columns):
        if name in seen:
            problems.append(Problem(1, i, name, "column appears twice", file))
        seen.add(name)
        if name not in expected:
            close = difflib.get_close_matches(name, expected, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            problems.append(Problem(1, i, name, f"unknown column{hint}", file))
    for i, name in enumerate(expected):
        if name not in seen:
            problems.append(
                Problem(1, len(columns) + i, name, "column is missing from the header", file)
            )
    if problems:
        problems.append(Problem(1, 10_000, "", "expected the columns: " + ",".join(expected), file))
    return problems


class RawTable:
    """A file's rows as text, with ``__line`` giving where each row starts."""

    def __init__(self, frame: pl.DataFrame | None, problems: list[Problem]) -> None:
        self.frame = frame
        self.problems = problems


def read_raw(path: Path, spec: Sequence[ColumnSpec]) -> RawTable:
    if not path.is_file():
        raise MusterError(f"{path}: no such file")
    fmt = detect_format(path)
    file = str(path)
    if fmt == "csv":
        table = _read_csv(path, file, spec)
    elif fmt == "parquet":
        table = _read_parquet(path, file)
    else:
        table = _read_xlsx(path, file)
    if table.frame is not None:
        columns = [c for c in table.frame.columns if c != LINE]
        problems = header_problems(columns, spec, file)
        if problems:
            return RawTable(None, problems)
        table.frame = table.frame.select([c.name for c in spec] + [LINE])
    return table


def _count_newlines(path: Path) -> tuple[int, bool]:
    """Newlines in the file and whether it ends with one, read in blocks."""
    count = 0
    last = b""
    with path.open("rb") as f:
        while block := f.read(1 << 24):
            count += block.count(b"\n")
            last = block
    return count, last.endswith(b"\n")


def _csv_header(path: Path) -> list[str] | None:
    try:
        with path.open(newline="", encoding="utf-8-sig") as f:
            return next(csv.reader(f), None)
    except (UnicodeDecodeError, csv.Error):
        return None


def _read_csv(path: Path, file: str, spec: Sequence[ColumnSpec]) -> RawTable:
    if path.stat().st_size == 0:
        return RawTable(None, [Problem(1, 0, "", "the file is empty; expected a header row", file)])
    header = _csv_header(path)
    bad_header = header_problems(header, spec, file) if header is not None else []
    if bad_header:
        return RawTable(None, bad_header)
    try:
        frame = pl.read_csv(path, infer_schema=False, truncate_ragged_lines=False)
    except (pl.exceptions.ComputeError, pl.exceptions.NoDataError) as exc:
        problems = scan_csv(path, file)
        if not problems:
            problems = [Problem(1, 0, "", f"cannot be read as CSV: {exc}", file)]
        return RawTable(None, problems)
    newlines, trailing = _count_newlines(path)
    physical = newlines + (0 if trailing else 1)
    if physical == frame.height + 1:
        lines = pl.int_range(2, frame.height + 2, eager=True)
    else:
        lines = pl.Series(csv_record_lines(path))
        if len(lines) != frame.height:
            return RawTable(
                None,
                scan_csv(path, file)
                or [Problem(1, 0, "", "rows could not be matched to lines; check quoting", file)],
            )
    return RawTable(frame.with_columns(lines.alias(LINE).cast(pl.Int64)), [])


def csv_record_lines(path: Path) -> list[int]:
    """The physical line on which each data record starts, skipping blank lines."""
    starts: list[int] = []
    with path.open(newline="", encoding="utf-8-sig") as f:
        reader = csv.reader(f)
        previous_end = reader.line_num
        for row in reader:
            if row:
                starts.append(previous_end + 1)
            previous_end = reader.line_num
    return starts[1:]


def scan_csv(path: Path, file: str) -> list[Problem]:
    """Slow, exact scan for what a fast reader only reports vaguely: encoding and field counts."""
    problems: list[Problem] = []
    with path.open("rb") as f:
        for number, raw in enumerate(f, start=1):
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                bad = raw[exc.start : exc.start + 1].hex()
                problems.append(
                    Problem(
                        number,
                        0,
                        "",
                        f"byte 0x{bad} at column {exc.start + 1} is not UTF-8; "
                        "save the file with UTF-8 encoding",
                        file,
                    )
                )
                if len(problems) >= MAX_REPORTED:
                    break
    if problems:
        return problems
    with path.open(newline="", encoding="utf-8-sig") as f:
        reader = csv.reader(f)
        width = 0
        start = 1
        try:
            for row in reader:
                if not row:
                    start = reader.line_num + 1
                    continue
                if not width:
                    width = len(row)
                elif len(row) != width:
                    problems.append(
                        Problem(start, 0, "", f"has {len(row)} fields, expected {width}", file)
                    )
                start = reader.line_num + 1
        except csv.Error as exc:
            problems.append(Problem(reader.line_num, 0, "", f"is not valid CSV: {exc}", file))
    return problems


def short_rows(path: Path, file: str) -> list[Problem]:
    """Rows with fewer fields than the header (a fast reader pads them with empty values)."""
    return [p for p in scan_csv(path, file) if "fields, expected" in p.message]


def text_of(value: Any) -> str | None:
    """A value as it is written in a file: ISO dates, true/false, whole numbers."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return (
            value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
        )
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _as_text(frame: pl.DataFrame) -> pl.DataFrame:
    exprs: list[pl.Expr] = []
    for name, dtype in frame.schema.items():
        col = pl.col(name)
        if dtype == pl.Boolean:
            exprs.append(pl.when(col).then(pl.lit("true")).when(~col).then(pl.lit("false")))
        elif dtype == pl.Date:
            exprs.append(col.dt.strftime("%Y-%m-%d"))
        else:
            exprs.append(col.cast(pl.String))
    return frame.select([e.alias(n) for e, n in zip(exprs, frame.columns, strict=True)])


def _read_parquet(path: Path, file: str) -> RawTable:
    try:
        frame = pl.read_parquet(path)
    except Exception as exc:  # polars raises several kinds for a damaged file
        return RawTable(None, [Problem(1, 0, "", f"cannot be read as Parquet: {exc}", file)])
    frame = _as_text(frame)
    return RawTable(frame.with_columns(pl.int_range(1, frame.height + 1).alias(LINE)), [])


def _read_xlsx(path: Path, file: str) -> RawTable:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises zipfile, KeyError, ValueError… for bad files
        return RawTable(None, [Problem(1, 0, "", f"cannot be read as XLSX: {exc}", file)])
    try:
        sheet = book.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            return RawTable(
                None, [Problem(1, 0, "", "the sheet is empty; expected a header row", file)]
            )
        names = [text_of(h) or "" for h in header]
        while names and not names[-1]:
            names.pop()
        columns: list[list[str | None]] = [[] for _ in names]
        lines: list[int] = []
        for number, row in enumerate(rows, start=2):
            values = [text_of(v) for v in row[: len(names)]]
            if all(v is None or v == "" for v in values):
                continue
            values += [None] * (len(names) - len(values))
            for store, value in zip(columns, values, strict=True):
                store.append(value)
            lines.append(number)
    finally:
        book.close()
    data: dict[str, Any] = {
        n: pl.Series(n, c, dtype=pl.String) for n, c in zip(names, columns, strict=True)
    }
    data[LINE] = pl.Series(LINE, lines, dtype=pl.Int64)
    return RawTable(pl.DataFrame(data), [])


class Writer(Protocol):
    def write(self, chunk: pl.DataFrame) -> None: ...


class _CsvWriter:
    def __init__(self, path: Path) -> None:
        self.handle = path.open("wb")
        self.first = True

    def write(self, chunk: pl.DataFrame) -> None:
        chunk.write_csv(self.handle, include_header=self.first, date_format="%Y-%m-%d")
        self.first = False

    def close(self) -> None:
        self.handle.close()


class _ParquetWriter:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.writer: Any = None

    def write(self, chunk: pl.DataFrame) -> None:
        import pyarrow.parquet as pq

        table = chunk.to_arrow()
        if self.writer is None:
            self.writer = pq.ParquetWriter(str(self.path), table.schema, compression="zstd")
        self.writer.write_table(table)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


class _XlsxWriter:
    def __init__(self, path: Path) -> None:
        from openpyxl import Workbook

        self.path = path
        self.book = Workbook(write_only=True)
        self.sheet = self.book.create_sheet("registry")
        self.rows = 0
        self.first = True

    def write(self, chunk: pl.DataFrame) -> None:
        if self.first:
            self.sheet.append(chunk.columns)
            self.first = False
        self.rows += chunk.height
        if self.rows > XLSX_MAX_ROWS:
            raise MusterError(
                f"{self.path}: XLSX holds at most {XLSX_MAX_ROWS:,} rows; "
                "export to .csv or .parquet instead"
            )
        for row in chunk.iter_rows():
            self.sheet.append(row)

    def close(self) -> None:
        self.book.save(str(self.path))


@contextmanager
def open_writer(path: Path) -> Iterator[Writer]:
    """A writer for ``path`` by extension; the file appears only once fully written."""
    fmt = detect_format(path)
    if not path.parent.is_dir():
        raise MusterError(f"{path}: folder {str(path.parent)!r} does not exist")
    partial = path.with_name(f".{path.name}.partial")
    writer: _CsvWriter | _ParquetWriter | _XlsxWriter
    if fmt == "csv":
        writer = _CsvWriter(partial)
    elif fmt == "parquet":
        writer = _ParquetWriter(partial)
    else:
        writer = _XlsxWriter(partial)
    try:
        yield writer
        writer.close()
        os.replace(partial, path)
    except BaseException:
        if isinstance(writer, _CsvWriter):
            writer.handle.close()
        partial.unlink(missing_ok=True)
        raise
