"""``muster apportion FILE``: share a total among the rows of a CSV by a published formula."""

from __future__ import annotations

import csv
import re
import sys
from fractions import Fraction
from pathlib import Path
from typing import Annotated

import typer

from muster.cli.common import err
from muster.errors import InputFileError, MusterError, Problem
from muster.quotas import apportion as quotas
from muster.quotas.table import Entry, read_table

SHARE = re.compile(r"(\d+(?:\.\d+)?)(%?)|(\d+)/(\d+)")
DECIMAL = re.compile(r"\d+(\.\d+)?")


def apportion(
    file: Annotated[
        Path,
        typer.Argument(
            help="CSV with a header row, one entry a row; lines starting with # are comments."
        ),
    ],
    total: Annotated[int, typer.Option(help="How many seats to share.", min=0)],
    method: Annotated[
        str,
        typer.Option(help=f"One of: {', '.join(quotas.METHODS)}."),
    ],
    name_column: Annotated[str, typer.Option(help="Column with the entries' names.")] = "name",
    weight_column: Annotated[
        str, typer.Option(help="Column with the weights (numbers ≥ 0, decimals allowed).")
    ] = "weight",
    min_seats: Annotated[
        int, typer.Option(help="Every entry gets at least this many seats.", min=0)
    ] = 0,
    max_column: Annotated[
        str | None,
        typer.Option(help="Column with each entry's cap (empty: no cap), e.g. office capacity."),
    ] = None,
    threshold: Annotated[
        str | None,
        typer.Option(help="Drop entries under this share of the total weight: 0.05, 5% or 1/20."),
    ] = None,
    first_divisor: Annotated[
        str | None,
        typer.Option(help="Webster / Sainte-Laguë only: first divisor, e.g. 1.4 (Norway)."),
    ] = None,
) -> None:
    """Apportion TOTAL seats among the rows of FILE; print name,weight,seats as CSV.

    Ties that decided a seat are printed on stderr, one line each.
    """
    name = _method(method)
    share = _share(threshold)
    first = _first_divisor(first_divisor, name, method)
    try:
        table = read_table(
            file, name_column=name_column, weight_column=weight_column, max_column=max_column
        )
        _check_caps(table.entries, min_seats, max_column or "", table.file)
    except InputFileError as exc:
        for problem in exc.problems:
            err.print(str(problem), markup=False, highlight=False)
        n = len(exc.problems)
        err.print(
            f"[bold red]error:[/] {exc.file}: {n} problem{'s' if n != 1 else ''}; "
            "nothing was apportioned",
            highlight=False,
        )
        raise typer.Exit(1) from None
    names = [e.name for e in table.entries]
    try:
        result = quotas.apportion(
            [e.weight for e in table.entries],
            total=total,
            method=name,
            min_seats=min_seats,
            max_seats=[e.cap for e in table.entries] if max_column else None,
            threshold=share,
            first_divisor=first,
        )
    except quotas.ApportionmentError as exc:
        raise MusterError(f"{file}: {exc}") from None
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(["name", "weight", "seats"])
    for entry, seats in zip(table.entries, result.seats, strict=True):
        out.writerow([entry.name, entry.weight_text, seats])
    for tie in result.ties:
        err.print(tie.explain(names), markup=False, highlight=False)


def _method(method: str) -> str:
    if method not in quotas.METHODS:
        raise MusterError(
            f"--method: found {method!r}, expected one of: {', '.join(quotas.METHODS)}"
        )
    return quotas.METHODS[method]


def _share(text: str | None) -> Fraction | None:
    if text is None:
        return None
    match = SHARE.fullmatch(text.strip())
    if not match:
        raise MusterError(f"--threshold: found {text!r}, expected a share such as 0.05, 5% or 1/20")
    number, percent, top, bottom = match.groups()
    share = (
        Fraction(number) / (100 if percent else 1)
        if number
        else Fraction(int(top), int(bottom) or 1)
    )
    if not share < 1:
        raise MusterError(f"--threshold: found {text!r}, expected a share below 1 (100%)")
    return share


def _first_divisor(text: str | None, name: str, method: str) -> Fraction | None:
    if text is None:
        return None
    if name != "webster":
        raise MusterError(
            f"--first-divisor: found it with --method {method}, expected it only with webster "
            "or sainte-lague (the modified Sainte-Laguë method)"
        )
    if not DECIMAL.fullmatch(text.strip()) or not 0 < Fraction(text.strip()) <= 3:
        raise MusterError(
            f"--first-divisor: found {text!r}, expected a number above 0 and at most 3, "
            "such as 1.4 or 1.2"
        )
    return Fraction(text.strip())


def _check_caps(entries: tuple[Entry, ...], min_seats: int, column: str, file: str) -> None:
    problems = [
        Problem(
            e.line,
            0,
            column,
            f"found a cap of {e.cap}, expected at least --min-seats {min_seats}",
            file,
        )
        for e in entries
        if e.cap is not None and e.cap < min_seats
    ]
    if problems:
        raise InputFileError(file, problems)
