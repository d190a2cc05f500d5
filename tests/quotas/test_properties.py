"""Invariants of every method, on random inputs (Hypothesis): totals, bounds, the fast path equal
to the seat-by-seat definition, house monotonicity, the quota property, order independence."""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from muster.quotas.apportion import (
    DIVISOR_METHODS,
    Apportionment,
    ApportionmentError,
    apportion,
    sequential,
)

ALL_METHODS = (*DIVISOR_METHODS, "hamilton")


@dataclass(frozen=True)
class Case:
    weights: list[int | Fraction]
    total: int
    method: str
    min_seats: int
    caps: list[int | None] | None
    threshold: Fraction | None
    first_divisor: Fraction | None

    def run(self, total: int | None = None) -> Apportionment:
        """The apportionment, or Hypothesis moves on when the bounds cannot be met."""
        try:
            return apportion(
                self.weights,
                total=self.total if total is None else total,
                method=self.method,
                min_seats=self.min_seats,
                max_seats=self.caps,
                threshold=self.threshold,
                first_divisor=self.first_divisor,
            )
        except ApportionmentError:
            assume(False)
            raise


weights = st.lists(
    st.one_of(
        st.integers(0, 2_000),
        st.fractions(min_value=0, max_value=50, max_denominator=7),
    ),
    min_size=1,
    max_size=8,
)


@st.composite
def cases(draw: st.DrawFn, methods: tuple[str, ...] = ALL_METHODS, bounds: bool = True) -> Case:
    ws = draw(weights)
    method = draw(st.sampled_from(methods))
    caps = None
    if bounds and draw(st.booleans()):
        caps = draw(
            st.lists(st.one_of(st.none(), st.integers(0, 12)), min_size=len(ws), max_size=len(ws))
        )
    first = None
    if method == "webster" and draw(st.booleans()):
        first = draw(
            st.sampled_from([Fraction("1.4"), Fraction("1.2"), Fraction("0.5"), Fraction(3)])
        )
    return Case(
        weights=ws,
        total=draw(st.integers(0, 40)),
        method=method,
        min_seats=draw(st.integers(0, 2)) if bounds else 0,
        caps=caps,
        threshold=draw(st.sampled_from([None, Fraction(1, 20), Fraction(1, 5)]))
        if bounds
        else None,
        first_divisor=first,
    )


@settings(max_examples=400, deadline=None)
@given(cases())
def test_seats_add_up_and_respect_every_bound(case: Case) -> None:
    result = case.run()
    assert sum(result.seats) == case.total
    for i, n in enumerate(result.seats):
        if i in result.dropped:
            assert n == 0
            continue
        assert n >= case.min_seats
        cap = case.caps[i] if case.caps else None
        assert cap is None or n <= cap
        if case.weights[i] == 0:
            assert n == case.min_seats


@settings(max_examples=400, deadline=None)
@given(cases(methods=DIVISOR_METHODS))
def test_fast_path_equals_the_seat_by_seat_definition(case: Case) -> None:
    fast = case.run().seats
    slow = sequential(
        case.weights,
        total=case.total,
        method=case.method,
        min_seats=case.min_seats,
        max_seats=case.caps,
        threshold=case.threshold,
        first_divisor=case.first_divisor,
    )
    assert fast == slow


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.integers(1, 10**7), min_size=2, max_size=30),
    st.integers(0, 3_000),
    st.sampled_from(DIVISOR_METHODS),
)
def test_fast_path_equals_the_definition_on_large_totals(
    ws: list[int], total: int, method: str
) -> None:
    assert apportion(ws, total=total, method=method).seats == sequential(
        ws, total=total, method=method
    )


@settings(max_examples=300, deadline=None)
@given(cases(methods=DIVISOR_METHODS))
def test_divisor_methods_are_house_monotone(case: Case) -> None:
    smaller = case.run().seats
    larger = case.run(case.total + 1).seats
    assert all(b >= a for a, b in zip(smaller, larger, strict=True))


@settings(max_examples=300, deadline=None)
@given(weights, st.integers(0, 40))
def test_hamilton_gives_each_entry_its_quota_rounded_down_or_up(
    ws: list[int | Fraction], total: int
) -> None:
    assume(sum(ws) > 0)
    result = apportion(ws, total=total, method="hamilton")
    whole = sum(ws, Fraction(0))
    for w, n in zip(ws, result.seats, strict=True):
        quota = total * Fraction(w) / whole
        assert math.floor(quota) <= n <= math.ceil(quota)


@settings(max_examples=300, deadline=None)
@given(cases(), st.randoms(use_true_random=False))
def test_order_does_not_matter_apart_from_ties(case: Case, rnd: object) -> None:
    result = case.run()
    assume(not result.ties)
    order = list(range(len(case.weights)))
    rnd.shuffle(order)  # type: ignore[attr-defined]
    shuffled = apportion(
        [case.weights[i] for i in order],
        total=case.total,
        method=case.method,
        min_seats=case.min_seats,
        max_seats=[case.caps[i] for i in order] if case.caps else None,
        threshold=case.threshold,
        first_divisor=case.first_divisor,
    )
    assert shuffled.seats == tuple(result.seats[i] for i in order)


@settings(max_examples=300, deadline=None)
@given(cases(methods=DIVISOR_METHODS, bounds=False))
def test_published_divisor_rounds_to_the_seats(case: Case) -> None:
    assume(sum(case.weights) > 0)
    result = apportion(
        case.weights, total=case.total, method=case.method, first_divisor=case.first_divisor
    )
    d = result.divisor
    assume(d is not None)
    assert d is not None
    first = (case.first_divisor or Fraction(1)) / 2
    for w, n in zip(case.weights, result.seats, strict=True):
        x = Fraction(w) / d
        if w == 0:
            assert n == 0
        elif case.method == "jefferson":
            assert n == math.floor(x)
        elif case.method == "adams":
            assert n == math.ceil(x)
        elif case.method == "webster":
            assert n == (0 if x < first else 1 + max(0, math.floor(x - Fraction(1, 2))))
        else:
            assert (n - 1) * n < x * x < n * (n + 1)
