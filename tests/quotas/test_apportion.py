"""Apportionment rules a campaign relies on, on small cases worked by hand."""

from __future__ import annotations

from fractions import Fraction

import pytest

from muster.quotas.apportion import (
    METHODS,
    ApportionmentError,
    Tie,
    apportion,
    describe,
    sequential,
)


def seats(weights: list[int], total: int, method: str, **options: object) -> tuple[int, ...]:
    return apportion(weights, total=total, method=method, **options).seats  # type: ignore[arg-type]


def test_methods_and_aliases() -> None:
    assert set(METHODS) == {
        "huntington-hill",
        "webster",
        "sainte-lague",
        "dhondt",
        "jefferson",
        "adams",
        "hamilton",
    }
    assert apportion([3, 2], total=4, method="dhondt").method == "jefferson"
    assert apportion([3, 2], total=4, method="sainte-lague").method == "webster"


def test_the_methods_differ_as_their_divisors_say() -> None:
    # Quotas 7.6, 1.7, 0.6 and 0.1 of 10 seats.
    weights = [7_600, 1_700, 600, 100]
    assert seats(weights, 10, "jefferson") == (8, 2, 0, 0)  # divisor 850, rounded down
    assert seats(weights, 10, "webster") == (7, 2, 1, 0)  # divisor 1,050, rounded to nearest
    assert seats(weights, 10, "adams") == (6, 2, 1, 1)  # divisor 1,300, rounded up
    assert seats(weights, 10, "huntington-hill") == (6, 2, 1, 1)
    # Hamilton: 7 + 1 whole seats; remainders .6, .7, .6, .1: the 9th seat to .7, the 10th is a
    # tie at .6 that the larger weight wins.
    hamilton = apportion(weights, total=10, method="hamilton")
    assert hamilton.seats == (8, 2, 0, 0)
    assert hamilton.ties == (Tie((0, 2), (0,), "remainder", Fraction(3, 5)),)


def test_decimal_weights_are_exact() -> None:
    result = apportion([Fraction("0.3"), Fraction("0.6")], total=3, method="hamilton")
    assert result.seats == (1, 2) and result.ties == ()


def test_a_tie_goes_to_the_larger_weight_and_is_reported() -> None:
    # D'Hondt, 2 seats: claims 2/1, 1/1 and 2/2 — the second seat is a tie between both entries.
    result = apportion([1, 2], total=2, method="dhondt")
    assert result.seats == (0, 2)
    assert result.ties == (Tie((0, 1), (1,), "quotient", Fraction(1)),)
    assert result.divisor is None


def test_between_equal_weights_the_earlier_entry_wins() -> None:
    result = apportion([7, 7, 7], total=2, method="webster")
    assert result.seats == (1, 1, 0)
    assert result.ties == (Tie((0, 1, 2), (0, 1), "quotient", Fraction(7)),)


def test_hamilton_ties_on_equal_remainders() -> None:
    result = apportion([1, 1, 1], total=2, method="hamilton")
    assert result.seats == (1, 1, 0)
    assert result.ties == (Tie((0, 1, 2), (0, 1), "remainder", Fraction(2, 3)),)


def test_first_seats_are_infinite_claims_for_adams_and_huntington_hill() -> None:
    # Every entry gets a seat before any gets a second, however small its weight.
    assert seats([1_000_000, 1], 2, "huntington-hill") == (1, 1)
    assert seats([1_000_000, 1], 2, "adams") == (1, 1)
    assert seats([1_000_000, 1], 2, "webster") == (2, 0)
    # Fewer seats than entries: the first seats go by the tie rule, and that is a reported tie.
    result = apportion([2, 3, 1], total=2, method="huntington-hill")
    assert result.seats == (1, 1, 0)
    assert result.ties == (Tie((0, 1, 2), (0, 1), "first seat", None),)


def test_zero_weight_gets_only_the_minimum() -> None:
    assert seats([5, 0], 3, "huntington-hill") == (3, 0)
    assert seats([5, 0], 3, "webster", min_seats=1) == (2, 1)


def test_min_seats_are_given_first() -> None:
    assert seats([100, 1], 5, "jefferson") == (5, 0)
    assert seats([100, 1], 5, "jefferson", min_seats=1) == (4, 1)
    assert seats([100, 1, 1], 5, "hamilton", min_seats=1) == (3, 1, 1)


def test_a_cap_passes_the_surplus_on_by_the_same_method() -> None:
    # A capacity of 3 for the first region: its other seats go to the rest, by Webster.
    capped = apportion([100, 50, 10], total=10, method="webster", max_seats=[3, None, None])
    assert capped.seats == (3, 6, 1)
    assert capped.seats == sequential(
        [100, 50, 10], total=10, method="webster", max_seats=[3, None, None]
    )
    assert seats([100, 50, 10], 10, "hamilton", max_seats=[3, None, None]) == (3, 6, 1)


def test_threshold_drops_entries_under_the_share() -> None:
    kept = apportion([50, 45, 5], total=20, method="dhondt", threshold=Fraction("0.05"))
    assert kept.dropped == () and kept.seats == (10, 9, 1)
    dropped = apportion([50, 45, 5], total=20, method="dhondt", threshold=Fraction("0.06"))
    assert dropped.dropped == (2,) and dropped.seats == (11, 9, 0)
    # A dropped entry gets no seat, not even the minimum.
    assert seats([50, 45, 5], 20, "dhondt", threshold=Fraction("0.06"), min_seats=1) == (11, 9, 0)


def test_first_divisor_makes_a_first_seat_harder_to_win() -> None:
    assert seats([100, 18], 4, "sainte-lague") == (3, 1)
    assert seats([100, 18], 4, "sainte-lague", first_divisor=Fraction("1.4")) == (4, 0)


def test_divisor_reproduces_the_seats_by_rounding() -> None:
    result = apportion([5_400, 2_700, 1_100, 800], total=10, method="webster")
    d = result.divisor
    assert d is not None
    assert [round(w / d) for w in (5_400, 2_700, 1_100, 800)] == list(result.seats)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        ({"method": "borda"}, "unknown method 'borda'; expected one of: huntington-hill, webster"),
        ({"method": "dhondt", "first_divisor": Fraction(1)}, "applies only to webster"),
        ({"first_divisor": Fraction(4)}, "expected a number above 0 and at most 3"),
        ({"min_seats": 5}, "total: found 10, expected at least 15 (3 entries × minimum 5)"),
        ({"max_seats": [2, 2, 2]}, "total: found 10, expected at most 6, the sum of the caps"),
        ({"max_seats": [2, 2]}, "max_seats has 2 values for 3 entries"),
        ({"min_seats": 2, "max_seats": [1, None, None]}, "entry 0: cap 1 is below the minimum"),
        ({"threshold": Fraction(1)}, "expected a share from 0 up to (not including) 1"),
        ({"threshold": Fraction("0.9")}, "every entry is under the threshold 0.9"),
    ],
)
def test_impossible_requests_say_why(call: dict[str, object], message: str) -> None:
    options: dict[str, object] = {"method": "webster", **call}
    with pytest.raises(ApportionmentError, match=None) as info:
        apportion([5, 3, 2], total=10, **options)  # type: ignore[arg-type]
    assert message in str(info.value)


def test_negative_weight_is_refused() -> None:
    with pytest.raises(ApportionmentError, match="entry 1: weight -3 is negative"):
        apportion([5, -3], total=2, method="hamilton")


def test_sequential_is_for_divisor_methods() -> None:
    with pytest.raises(ApportionmentError, match="not a divisor method"):
        sequential([1, 2], total=2, method="hamilton")


def test_describe_publishes_each_formula() -> None:
    assert "weight / (2n+1)" in describe("sainte-lague") and "divisors 1, 3, 5" in describe(
        "webster"
    )
    assert "divisors 1.4, 3, 5" in describe("webster", first_divisor=Fraction("1.4"))
    assert "√(n(n+1))" in describe("huntington-hill")
    assert "largest fractional parts" in describe("hamilton")
    assert all(describe(name) for name in METHODS)
