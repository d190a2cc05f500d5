"""Errors a user can act on. A traceback is never a message to a user."""

from __future__ import annotations

from dataclasses import dataclass


class MusterError(Exception):
    """Something the user asked for cannot be done; the message says why and what to do."""


class NotFoundError(MusterError):
    """The thing asked for (a person, claim, notice, call-up, campaign, decree) does not exist."""


@dataclass(frozen=True, order=True)
class Problem:
    """One located problem in an input file: ``FILE:LINE: FIELD: message``.

    ``line`` is the physical line for text files, the sheet row for spreadsheets and the
    1-based row for Parquet (the header is row 1 where a file has one).
    """

    line: int
    column_index: int
    field: str
    message: str
    file: str = ""

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.file else f"line {self.line}"
        return (
            f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"
        )


class InputFileError(MusterError):
    """An input file was rejected as a whole; ``problems`` lists every located problem.

    ``consequence`` tells the user what did not happen because of them.
    """

    def __init__(
        self, file: str, problems: list[Problem], *, consequence: str = "nothing was imported"
    ) -> None:
        self.file = file
        self.problems = sorted(problems)
        n = len(self.problems)
        super().__init__(f"{file}: {n} problem{'s' if n != 1 else ''} found; {consequence}")
