"""The table an apportionment is computed from: a CSV file with a header row, one entry a row.

Lines starting with ``#`` are comments and blank lines are skipped; every problem is reported at
its physical line in the file, all at once, as an ``InputFileError``.
"""

from __future__ import annotations

import csv
import difflib
import re
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from muster.errors import InputFileError, MusterError, Problem

NUMBER = re.compile(r"\d+(\.\d+)?")
WHOLE = re.compile(r"\d+")


@dataclass(frozen=True)
class Entry:
    """One row: its name, its weight as written and as an exact number, its cap, its line."""

    name: str
    weight_text: str
    weight: Fraction
    cap: int | None
    line: int


@dataclass(frozen=True)
class Table:
    file: str
    entries: tuple[Entry, ...]
    header_line: int


def read_table(
    path: Path,
    *,
    name_column: str = "name",
    weight_column: str = "weight",
    max_column: str | None = None,
) -> Table:
    """Read and check a whole table; ``InputFileError`` lists every located problem."""
    if not path.is_file():
        raise MusterError(f"{path}: no such file")
    file = str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise MusterError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    rows = [
        (number, next(csv.reader([line])))
        for number, line in enumerate(text.splitlines(), start=1)
        if line.strip() and not line.startswith("#")
    ]
    if not rows:
        problem = Problem(1, 0, "", "found no header row, expected one such as name,weight", file)
        raise InputFileError(file, [problem])
    header_line, header = rows[0]
    header = [h.strip() for h in header]
    wanted = [c for c in (name_column, weight_column, max_column) if c is not None]
    problems = _header_problems(header, header_line, wanted, file)
    if problems:
        raise InputFileError(file, problems)
    at = {name: header.index(name) for name in wanted}
    entries: list[Entry] = []
    first_seen: dict[str, int] = {}
    for line, row in rows[1:]:
        if len(row) != len(header):
            problems.append(
                Problem(line, 0, "", f"found {len(row)} fields, expected {len(header)}", file)
            )
            continue
        name = row[at[name_column]].strip()
        weight_text = row[at[weight_column]].strip()
        found = len(problems)
        if not name:
            problems.append(
                Problem(line, at[name_column], name_column, "found an empty name", file)
            )
        elif name in first_seen:
            problems.append(
                Problem(
                    line,
                    at[name_column],
                    name_column,
                    f'found "{name}" again (first on line {first_seen[name]}), '
                    "expected each name once",
                    file,
                )
            )
        else:
            first_seen[name] = line
        if not NUMBER.fullmatch(weight_text):
            what = "a negative number" if weight_text.startswith("-") else f'"{weight_text}"'
            problems.append(
                Problem(
                    line,
                    at[weight_column],
                    weight_column,
                    f"found {what}, expected a number ≥ 0 such as 1234 or 56.78",
                    file,
                )
            )
        cap: int | None = None
        if max_column is not None:
            cap_text = row[at[max_column]].strip()
            if cap_text and not WHOLE.fullmatch(cap_text):
                problems.append(
                    Problem(
                        line,
                        at[max_column],
                        max_column,
                        f'found "{cap_text}", expected a whole number of seats ≥ 0 '
                        "(or nothing for no cap)",
                        file,
                    )
                )
            elif cap_text:
                cap = int(cap_text)
        if len(problems) == found:
            entries.append(Entry(name, weight_text, Fraction(weight_text), cap, line))
    if not entries and not problems:
        problems.append(
            Problem(header_line, 0, "", "found no entries, expected one row per entry", file)
        )
    if problems:
        raise InputFileError(file, problems)
    return Table(file, tuple(entries), header_line)


def _header_problems(header: list[str], line: int, wanted: list[str], file: str) -> list[Problem]:
    problems: list[Problem] = []
    for i, name in enumerate(header):
        if name in header[:i]:
            problems.append(Problem(line, i, name, "found this column twice", file))
    for name in wanted:
        if name not in header:
            close = difflib.get_close_matches(name, header, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            problems.append(
                Problem(
                    line,
                    len(header),
                    name,
                    f"found no such column (the header has: {', '.join(header)}), expected a "
                    f"column named {name}{hint}",
                    file,
                )
            )
    return problems
