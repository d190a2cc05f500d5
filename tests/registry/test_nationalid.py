"""National ids: check digits catch typing errors; the vector and scalar checks agree."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from muster.registry import nationalid

serials = st.integers(min_value=1_000_000_000, max_value=9_999_999_999)


def test_documented_example() -> None:
    assert nationalid.make(1234567890) == "123456789092"
    assert nationalid.is_valid("123456789092")


@given(serials)
def test_valid_id_is_one_modulo_97(serial: int) -> None:
    national_id = nationalid.make(serial)
    assert len(national_id) == 12
    assert int(national_id) % 97 == 1
    assert nationalid.problem(national_id) is None


@given(serials, st.integers(min_value=0, max_value=11), st.integers(min_value=1, max_value=9))
def test_any_single_digit_error_is_caught(serial: int, position: int, shift: int) -> None:
    national_id = nationalid.make(serial)
    digit = (int(national_id[position]) + shift) % 10
    typo = national_id[:position] + str(digit) + national_id[position + 1 :]
    assert not nationalid.is_valid(typo)


@given(serials, st.integers(min_value=0, max_value=10))
def test_any_swap_of_adjacent_digits_is_caught(serial: int, position: int) -> None:
    national_id = nationalid.make(serial)
    a, b = national_id[position], national_id[position + 1]
    if a == b:
        return
    swapped = national_id[:position] + b + a + national_id[position + 2 :]
    assert not nationalid.is_valid(swapped)


@given(st.lists(st.text(alphabet="0123456789x ", min_size=0, max_size=13), max_size=30), serials)
def test_vectorised_check_agrees_with_scalar(values: list[str], serial: int) -> None:
    values = [*values, nationalid.make(serial)]
    frame = pl.DataFrame({"id": values})
    vector = frame.select(nationalid.valid_expr("id"))["id"].to_list()
    assert vector == [nationalid.is_valid(v) for v in values]


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("12345", "is not 12 digits"),
        ("012345678901", "starts with 0"),
        ("123456789060", "has check digits 60, expected 92"),
    ],
)
def test_problem_says_what_is_wrong(value: str, reason: str) -> None:
    assert nationalid.problem(value) == reason


def test_serial_out_of_range_is_refused() -> None:
    with pytest.raises(ValueError, match="10-digit"):
        nationalid.make(999_999_999)
