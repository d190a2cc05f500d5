"""Apportionment: a whole number of seats shared among entries in proportion to their weights.

Pure, exact arithmetic: weights are ``int`` or ``Fraction`` (a decimal such as ``"123.45"`` is
read exactly with ``Fraction("123.45")``), every comparison is between integers or fractions, and
no float ever decides a seat.

Methods (``METHODS`` maps every accepted name to its canonical one):

- ``huntington-hill`` (equal proportions): the next seat goes to the highest ``w / √(n(n+1))``,
  ``n`` the seats an entry holds; an entry without a seat has an infinite claim on its first one.
  The U.S. House method since 1941. Compared exactly as ``w² / (n(n+1))``.
- ``webster`` = ``sainte-lague`` (major fractions): ``w / (2n+1)``, divisors 1, 3, 5, …; with
  ``first_divisor`` X the modified Sainte-Laguë method, divisors X, 3, 5, … (Norway 1.4, Sweden
  1.2).
- ``jefferson`` = ``dhondt`` (greatest divisors): ``w / (n+1)``, divisors 1, 2, 3, …
- ``adams`` (smallest divisors): ``w / n``, divisors 0, 1, 2, …: every entry with a weight gets a
  first seat before any entry gets a second.
- ``hamilton`` (largest remainders, Hare-Niemeyer): each entry gets the whole part of its quota
  ``total × w / W``; the seats left over go to the largest fractional parts.

Bounds. ``min_seats`` K: every entry that is not dropped gets at least K seats; for a divisor
method the first K seats of each entry are given first and the rest by the method (the U.S. House:
K = 1). ``max_seats`` caps an entry (for instance an office's capacity): a divisor method then
gives the seats in the same order but skips an entry once it reaches its cap, so the surplus goes
to the others by the same method; Hamilton fixes every entry whose quota exceeds its cap (or falls
below the minimum) at that bound and shares the rest among the others by quota, repeating until no
quota is out of bounds. ``threshold`` t drops every entry whose weight is under t × the total
weight: it gets no seat, not even the minimum.

Speed. A divisor method does not hand out seats one by one: it finds a divisor whose rounding gives
almost the total (a float search, only ever a guess), counts each entry's seats at that divisor
exactly, then adds or removes the few seats still missing or extra by exact priority. The result is
identical to giving the seats one at a time (``sequential``, the definition, kept for checking).

Ties. When entries have exactly the same claim on the last seat(s) — the same quotient for a divisor
method, the same fractional remainder for Hamilton, or an infinite first-seat claim when there are
fewer seats than entries for Adams and Huntington-Hill — the seat goes to the entry with the larger
weight, and between equal weights to the entry that comes first in the input. Every tie that decided
a seat is reported in ``Apportionment.ties``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from muster.errors import MusterError
from muster.quotas.methods import (
    TIE_RULE,
    Problem,
    Tie,
    as_decimal,
    below_cap,
    divisor_method,
    hamilton,
    open_entries,
    seat_claim,
)

Weight = int | Fraction

METHODS: dict[str, str] = {
    "huntington-hill": "huntington-hill",
    "webster": "webster",
    "sainte-lague": "webster",
    "dhondt": "jefferson",
    "jefferson": "jefferson",
    "adams": "adams",
    "hamilton": "hamilton",
}
DIVISOR_METHODS = ("huntington-hill", "webster", "jefferson", "adams")

_FORMULAS = {
    "huntington-hill": "Huntington-Hill (equal proportions): each entry first gets one seat, then "
    "each next seat goes to the entry with the highest weight / √(n(n+1)), n = seats it holds "
    "(divisors √2, √6, √12, …)",
    "webster": "Webster / Sainte-Laguë (major fractions): each seat goes to the entry with the "
    "highest weight / (2n+1), n = seats it holds (divisors {first}, 3, 5, 7, …)",
    "jefferson": "Jefferson / D'Hondt (greatest divisors): each seat goes to the entry with the "
    "highest weight / (n+1), n = seats it holds (divisors 1, 2, 3, …)",
    "adams": "Adams (smallest divisors): each entry first gets one seat, then each next seat goes "
    "to the entry with the highest weight / n, n = seats it holds (divisors 0, 1, 2, …)",
    "hamilton": "Hamilton / Hare-Niemeyer (largest remainders): each entry gets the whole part of "
    "its quota total × weight / total weight; the seats left go to the largest fractional parts",
}


class ApportionmentError(MusterError):
    """The seats cannot be shared as asked (bounds that do not fit, an unknown method…)."""


@dataclass(frozen=True)
class Apportionment:
    """The seats of each entry in input order, and how they were decided.

    ``divisor`` (divisor methods): a divisor D that yields the seats: each entry not held at a
    bound gets its weight / D rounded by the method's rule (down for Jefferson, to nearest for
    Webster with the first rounding point at X/2, at the geometric mean for Huntington-Hill, up for
    Adams), and no weight / D falls exactly on a rounding point; the largest whole number that
    does (else the shortest decimal), ``None`` when the last seat was tied or no seat went beyond
    the minimum.
    """

    seats: tuple[int, ...]
    method: str
    total: int
    ties: tuple[Tie, ...]
    dropped: tuple[int, ...]
    divisor: Fraction | None
    first_divisor: Fraction | None


def canonical(method: str) -> str:
    """The canonical name of a method or alias; ``ApportionmentError`` listing the valid names."""
    try:
        return METHODS[method]
    except KeyError:
        raise ApportionmentError(
            f"unknown method {method!r}; expected one of: {', '.join(METHODS)}"
        ) from None


def describe(method: str, *, first_divisor: Fraction | None = None) -> str:
    """The method's formula in one line of plain words, for publication with the quotas."""
    name = canonical(method)
    first = "1" if first_divisor is None else as_decimal(first_divisor)
    return _FORMULAS[name].format(first=first)


def apportion(
    weights: Sequence[Weight],
    *,
    total: int,
    method: str,
    min_seats: int = 0,
    max_seats: Sequence[int | None] | None = None,
    threshold: Fraction | None = None,
    first_divisor: Fraction | None = None,
) -> Apportionment:
    """Share ``total`` seats among ``weights`` by ``method`` (see the module for the rules)."""
    p = _prepare(weights, total, method, min_seats, max_seats, threshold, first_divisor)
    if p.method == "hamilton":
        seats, ties = hamilton(p)
        divisor = None
    else:
        seats, ties, divisor = divisor_method(p)
    return Apportionment(
        seats=tuple(seats),
        method=p.method,
        total=total,
        ties=tuple(ties),
        dropped=p.dropped,
        divisor=divisor,
        first_divisor=first_divisor,
    )


def sequential(
    weights: Sequence[Weight],
    *,
    total: int,
    method: str,
    min_seats: int = 0,
    max_seats: Sequence[int | None] | None = None,
    threshold: Fraction | None = None,
    first_divisor: Fraction | None = None,
) -> tuple[int, ...]:
    """A divisor method by its definition, one seat at a time (slow): the reference ``apportion``
    is checked against."""
    p = _prepare(weights, total, method, min_seats, max_seats, threshold, first_divisor)
    if p.method == "hamilton":
        raise ApportionmentError("hamilton is not a divisor method; it has no seat-by-seat form")
    seats = list(p.low)
    for _ in range(total - sum(seats)):
        best = max(
            (i for i in open_entries(p) if below_cap(p, i, seats[i])),
            key=lambda i: _claim(p, i, seats[i]),
        )
        seats[best] += 1
    return tuple(seats)


def _claim(p: Problem, i: int, n: int) -> tuple[int, Fraction, Fraction, int]:
    """Sort key of entry i's claim on its (n+1)-th seat: infinite, quotient, weight, order."""
    rank = seat_claim(p, i, n)
    return (1, Fraction(0), p.weights[i], -i) if rank is None else (0, rank, p.weights[i], -i)


def _prepare(
    weights: Sequence[Weight],
    total: int,
    method: str,
    min_seats: int,
    max_seats: Sequence[int | None] | None,
    threshold: Fraction | None,
    first_divisor: Fraction | None,
) -> Problem:
    name = canonical(method)
    ws = tuple(Fraction(w) for w in weights)
    n = len(ws)
    if n == 0:
        raise ApportionmentError("there is nothing to apportion among: no entries")
    if total < 0:
        raise ApportionmentError(f"total: found {total}, expected a whole number ≥ 0")
    if min_seats < 0:
        raise ApportionmentError(f"min_seats: found {min_seats}, expected a whole number ≥ 0")
    for i, w in enumerate(ws):
        if w < 0:
            raise ApportionmentError(f"entry {i}: weight {w} is negative")
    caps = list(max_seats) if max_seats is not None else [None] * n
    if len(caps) != n:
        raise ApportionmentError(f"max_seats has {len(caps)} values for {n} entries")
    if first_divisor is not None:
        if name != "webster":
            raise ApportionmentError(
                "a first divisor applies only to webster / sainte-lague "
                f"(the modified Sainte-Laguë method), not to {method}"
            )
        if not 0 < first_divisor <= 3:
            raise ApportionmentError(
                f"first divisor: found {as_decimal(first_divisor)}, expected a number above 0 "
                "and at most 3 (such as 1.4 or 1.2)"
            )
    if threshold is not None and not 0 <= threshold < 1:
        raise ApportionmentError(
            f"threshold: found {as_decimal(threshold)}, expected a share from 0 up to (not "
            "including) 1, such as 0.05"
        )
    whole = sum(ws, Fraction(0))
    dropped = tuple(
        i for i, w in enumerate(ws) if threshold is not None and whole > 0 and w < threshold * whole
    )
    out = set(dropped)
    if len(out) == n:
        raise ApportionmentError(
            f"every entry is under the threshold {as_decimal(threshold or Fraction(0))}"
        )
    low = tuple(0 if i in out else min_seats for i in range(n))
    high = tuple(0 if i in out else caps[i] for i in range(n))
    for i, cap in enumerate(high):
        if cap is not None and cap < low[i]:
            raise ApportionmentError(f"entry {i}: cap {cap} is below the minimum of {low[i]} seats")
    if sum(low) > total:
        kept = n - len(out)
        raise ApportionmentError(
            f"total: found {total}, expected at least {sum(low)} "
            f"({kept} entries × minimum {min_seats})"
        )
    room = [high[i] if ws[i] > 0 else low[i] for i in range(n)]
    fits = sum(r for r in room if r is not None)
    if None not in room and total > fits:
        if all(ws[i] == 0 for i in range(n) if i not in out):
            raise ApportionmentError(
                f"total: found {total}, expected at most {fits}: every weight is zero, so only "
                "the minimum seats can be given"
            )
        raise ApportionmentError(
            f"total: found {total}, expected at most {fits}, the sum of the caps"
        )
    return Problem(ws, total, name, low, high, dropped, first_divisor or Fraction(1))


__all__ = [
    "DIVISOR_METHODS",
    "METHODS",
    "TIE_RULE",
    "Apportionment",
    "ApportionmentError",
    "Tie",
    "Weight",
    "apportion",
    "canonical",
    "describe",
    "sequential",
]
