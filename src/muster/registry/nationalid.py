"""National identification numbers: 10-digit serial + 2 ISO 7064 MOD 97-10 check digits.

The number carries no personal data (no birth date, sex or region), so it can be shown on a
notice without revealing anything. The check digits catch every single-digit error and every
swap of two adjacent digits, the same scheme IBAN uses:

    check = 98 - (serial * 100 mod 97)        # always 2..98, written with two digits

``1234567890`` → ``123456789092``; read as one number, a valid id is 1 modulo 97.
A serial never starts with 0, so the number is 12 digits.
"""

from __future__ import annotations

import re

import polars as pl

_FORMAT = re.compile(r"^[1-9]\d{11}$")


def check_digits(serial: int) -> int:
    return 98 - (serial * 100) % 97


def make(serial: int) -> str:
    """The national id for a 10-digit serial (1000000000..9999999999)."""
    if not 1_000_000_000 <= serial <= 9_999_999_999:
        raise ValueError(f"serial {serial} is not a 10-digit number starting with 1-9")
    return f"{serial}{check_digits(serial):02d}"


def is_valid(national_id: str) -> bool:
    if not _FORMAT.match(national_id):
        return False
    return int(national_id[10:]) == check_digits(int(national_id[:10]))


def problem(national_id: str) -> str | None:
    """Why ``national_id`` is not valid, or None when it is."""
    if not re.fullmatch(r"\d{12}", national_id):
        return "is not 12 digits"
    if national_id[0] == "0":
        return "starts with 0"
    if not is_valid(national_id):
        want = check_digits(int(national_id[:10]))
        return f"has check digits {national_id[10:]}, expected {want:02d}"
    return None


def valid_expr(column: str) -> pl.Expr:
    """A vectorised ``is_valid`` for a string column (null stays null)."""
    col = pl.col(column)
    serial = col.str.slice(0, 10).cast(pl.Int64, strict=False)
    check = col.str.slice(10, 2).cast(pl.Int64, strict=False)
    return col.str.contains(r"^[1-9]\d{11}$") & (check == 98 - (serial * 100) % 97)


def make_expr(serial: pl.Expr) -> pl.Expr:
    """Vectorised ``make`` over an Int64 expression of serials."""
    check = 98 - (serial * 100) % 97
    return serial.cast(pl.String) + check.cast(pl.String).str.zfill(2)
