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

import heapq
import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from muster.errors import MusterError

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
TIE_RULE = "larger weight first, then earlier in the input"

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
class Tie:
    """Entries with exactly equal claims on the last seat(s); ``winners`` got them by the tie rule.

    ``value`` is the tied claim: the quotient ``w / d(n)`` (for Huntington-Hill its square
    ``w² / (n(n+1))``), the fractional remainder for Hamilton, or ``None`` for first seats.
    """

    candidates: tuple[int, ...]
    winners: tuple[int, ...]
    kind: str
    value: Fraction | None

    @property
    def seats(self) -> int:
        return len(self.winners)

    def explain(self, names: Sequence[str]) -> str:
        """One line for people: who tied, on what, and who got the seat(s)."""
        tied = _listed([names[i] for i in self.candidates])
        won = _listed([names[i] for i in self.winners])
        on = {
            "quotient": "equal quotients",
            "squared quotient": "equal priorities",
            "remainder": "equal remainders",
            "first seat": "equal claims on a first seat",
        }[self.kind]
        if self.value is not None:
            on += f" of {_decimal(self.value)}"
        plural = "s" if self.seats != 1 else ""
        return (
            f"tie for {self.seats} seat{plural} between {tied} ({on}): "
            f"given to {won} by the rule {TIE_RULE}"
        )


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
    first = "1" if first_divisor is None else _decimal(first_divisor)
    return _FORMULAS[name].format(first=first)


@dataclass(frozen=True)
class _Problem:
    weights: tuple[Fraction, ...]
    total: int
    method: str
    low: tuple[int, ...]
    high: tuple[int | None, ...]
    dropped: tuple[int, ...]
    first: Fraction


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
        seats, ties = _hamilton(p)
        divisor = None
    else:
        seats, ties, divisor = _divisor_method(p)
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
            (i for i in _active(p) if _below_cap(p, i, seats[i])),
            key=lambda i: _claim(p, i, seats[i]),
        )
        seats[best] += 1
    return tuple(seats)


def _claim(p: _Problem, i: int, n: int) -> tuple[int, Fraction, Fraction, int]:
    """Sort key of entry i's claim on its (n+1)-th seat: infinite, quotient, weight, order."""
    rank = _rank(p, i, n)
    return (1, Fraction(0), p.weights[i], -i) if rank is None else (0, rank, p.weights[i], -i)


def _prepare(
    weights: Sequence[Weight],
    total: int,
    method: str,
    min_seats: int,
    max_seats: Sequence[int | None] | None,
    threshold: Fraction | None,
    first_divisor: Fraction | None,
) -> _Problem:
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
                f"first divisor: found {_decimal(first_divisor)}, expected a number above 0 "
                "and at most 3 (such as 1.4 or 1.2)"
            )
    if threshold is not None and not 0 <= threshold < 1:
        raise ApportionmentError(
            f"threshold: found {_decimal(threshold)}, expected a share from 0 up to (not "
            "including) 1, such as 0.05"
        )
    whole = sum(ws, Fraction(0))
    dropped = tuple(
        i for i, w in enumerate(ws) if threshold is not None and whole > 0 and w < threshold * whole
    )
    out = set(dropped)
    if len(out) == n:
        raise ApportionmentError(
            f"every entry is under the threshold {_decimal(threshold or Fraction(0))}"
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
    return _Problem(ws, total, name, low, high, dropped, first_divisor or Fraction(1))


def _active(p: _Problem) -> list[int]:
    """Entries that can take seats beyond their minimum."""
    return [i for i, w in enumerate(p.weights) if w > 0 and _below_cap(p, i, p.low[i])]


def _below_cap(p: _Problem, i: int, n: int) -> bool:
    cap = p.high[i]
    return cap is None or n < cap


def _rank(p: _Problem, i: int, n: int) -> Fraction | None:
    """Entry i's claim on its (n+1)-th seat; ``None`` is infinite (a first seat, Adams and
    Huntington-Hill). Huntington-Hill's is squared, ``w² / (n(n+1))``, to stay rational."""
    w = p.weights[i]
    if p.method == "jefferson":
        return w / (n + 1)
    if p.method == "webster":
        return w / (p.first if n == 0 else 2 * n + 1)
    if n == 0:
        return None
    if p.method == "adams":
        return w / n
    return w * w / (n * (n + 1))


def _count(p: _Problem, w: Fraction, lam: Fraction) -> int:
    """How many of an entry's seats have a claim ≥ ``lam`` (exactly)."""
    if p.method == "huntington-hill":
        m = math.floor(w * w / lam)
        return (math.isqrt(4 * m + 1) - 1) // 2 + 1
    x = w / lam
    if p.method == "jefferson":
        return math.floor(x)
    if p.method == "adams":
        return math.floor(x) + 1
    return 0 if x < p.first else 1 + max(0, math.floor((x - 1) / 2))


def _count_float(p: _Problem, w: float, lam: float, first: float) -> float:
    """``_count`` in floating point: only to guess a divisor, never to decide a seat."""
    if p.method == "huntington-hill":
        x = w / math.sqrt(lam)
        return (math.sqrt(4 * x * x + 1) - 1) // 2 + 1
    x = w / lam
    if p.method == "jefferson":
        return x // 1
    if p.method == "adams":
        return x // 1 + 1
    return 0 if x < first else 1 + max(0.0, (x - 1) // 2)


def _divisor_method(p: _Problem) -> tuple[list[int], list[Tie], Fraction | None]:
    seats = list(p.low)
    active = _active(p)
    ties: list[Tie] = []
    left = p.total - sum(seats)
    if left == 0 or not active:
        return seats, ties, None
    if p.method in ("adams", "huntington-hill"):
        first = [i for i in active if seats[i] == 0]
        if left < len(first):
            order = sorted(first, key=lambda i: (-p.weights[i], i))
            for i in order[:left]:
                seats[i] = 1
            ties.append(Tie(tuple(first), tuple(sorted(order[:left])), "first seat", None))
            return seats, ties, None
        for i in first:
            seats[i] = 1
    base = list(seats)
    lam = Fraction(_guess(p, active, base))
    for i in active:
        seats[i] = _clamp(_count(p, p.weights[i], lam), base[i], p.high[i])
    _step(p, active, base, seats)
    taken = {i: _rank(p, i, seats[i] - 1) for i in active if seats[i] > base[i]}
    waiting = {i: _rank(p, i, seats[i]) for i in active if _below_cap(p, i, seats[i])}
    lowest_in = min((r for r in taken.values() if r is not None), default=None)
    highest_out = max((r for r in waiting.values() if r is not None), default=None)
    if lowest_in is not None and lowest_in == highest_out:
        winners = tuple(i for i, r in taken.items() if r == lowest_in)
        losers = tuple(i for i, r in waiting.items() if r == lowest_in)
        kind = "squared quotient" if p.method == "huntington-hill" else "quotient"
        ties.append(Tie(tuple(sorted(winners + losers)), winners, kind, lowest_in))
    return seats, ties, _published_divisor(p, lowest_in, highest_out)


def _clamp(n: int, low: int, high: int | None) -> int:
    n = max(n, low)
    return n if high is None else min(n, high)


def _guess(p: _Problem, active: list[int], base: list[int]) -> float:
    """A claim level at which the rounded seats come close to the total (float bisection)."""
    ws = {i: float(p.weights[i]) for i in active}
    fixed = sum(base) - sum(base[i] for i in active)
    first = float(p.first)

    def seats_at(lam: float) -> float:
        got = 0.0
        for i, w in ws.items():
            n = max(_count_float(p, w, lam, first), base[i])
            high = p.high[i]
            got += n if high is None else min(n, high)
        return got + fixed

    total = p.total
    weight = sum(ws.values())
    n = len(active)
    lam = {
        "jefferson": weight / (total + n / 2),
        "webster": weight / (2 * total),
        "adams": weight / max(total - n / 2, 1),
        "huntington-hill": (weight / total) ** 2,
    }[p.method]
    lo = hi = lam
    while seats_at(lo) < total:
        lo /= 2
    while seats_at(hi) > total:
        hi *= 2
    for _ in range(64):
        if hi / lo < 1 + 1e-12:
            break
        mid = math.sqrt(lo * hi)
        got = seats_at(mid)
        if got == total:
            return mid
        if got > total:
            lo = mid
        else:
            hi = mid
    return hi


def _step(p: _Problem, active: list[int], base: list[int], seats: list[int]) -> None:
    """Add or remove the seats still missing or extra, one at a time by exact claim."""
    missing = p.total - sum(seats)
    if missing > 0:
        best: list[tuple[Fraction, Fraction, int]] = []
        for i in active:
            if _below_cap(p, i, seats[i]):
                best.append((-_known(p, i, seats[i]), -p.weights[i], i))
        heapq.heapify(best)
        for _ in range(missing):
            _, _, i = heapq.heappop(best)
            seats[i] += 1
            if _below_cap(p, i, seats[i]):
                heapq.heappush(best, (-_known(p, i, seats[i]), -p.weights[i], i))
    elif missing < 0:
        worst: list[tuple[Fraction, Fraction, int]] = []
        for i in active:
            if seats[i] > base[i]:
                worst.append((_known(p, i, seats[i] - 1), p.weights[i], -i))
        heapq.heapify(worst)
        for _ in range(-missing):
            _, _, j = heapq.heappop(worst)
            seats[-j] -= 1
            if seats[-j] > base[-j]:
                heapq.heappush(worst, (_known(p, -j, seats[-j] - 1), p.weights[-j], j))


def _known(p: _Problem, i: int, n: int) -> Fraction:
    """A finite claim (beyond an entry's guaranteed first seat)."""
    rank = _rank(p, i, n)
    assert rank is not None, "first seats are given before any claim is compared"
    return rank


def _published_divisor(
    p: _Problem, lowest_in: Fraction | None, highest_out: Fraction | None
) -> Fraction | None:
    """The largest whole D (else the shortest decimal) with highest_out < claim < lowest_in,
    in the method's usual scale: no weight / D then falls on a rounding point."""
    if lowest_in is None:
        return None
    scale = Fraction(2) if p.method == "webster" else Fraction(1)
    hi = lowest_in * scale
    lo = (highest_out or Fraction(0)) * scale
    squared = p.method == "huntington-hill"
    for digits in range(40):
        unit = 10**digits
        if squared:
            d = Fraction(math.isqrt(math.ceil(hi * unit * unit) - 1), unit)
        else:
            d = Fraction(math.ceil(hi * unit) - 1, unit)
        if d > 0 and (d * d if squared else d) > lo:
            return d
    return None


def _hamilton(p: _Problem) -> tuple[list[int], list[Tie]]:
    n = len(p.weights)
    seats = list(p.low)
    free = set(_active(p))
    while free:
        left = p.total - sum(seats[i] for i in range(n) if i not in free)
        weight = sum((p.weights[i] for i in free), Fraction(0))
        quota = {i: left * p.weights[i] / weight for i in free}
        over = {i: cap for i in free if (cap := p.high[i]) is not None and quota[i] > cap}
        under = {i: p.low[i] for i in free if quota[i] < p.low[i]}
        bound = over or under
        if not bound:
            break
        for i, held in bound.items():
            seats[i] = held
            free.discard(i)
    else:
        return seats, []
    for i in free:
        seats[i] = math.floor(quota[i])
    left -= sum(seats[i] for i in free)
    order = sorted(free, key=lambda i: (-(quota[i] - seats[i]), -p.weights[i], i))
    winners, rest = order[:left], order[left:]
    for i in winners:
        seats[i] += 1
    ties: list[Tie] = []
    if winners and rest:
        edge = quota[winners[-1]] - math.floor(quota[winners[-1]])
        tied_in = tuple(sorted(i for i in winners if quota[i] - math.floor(quota[i]) == edge))
        tied_out = [i for i in rest if quota[i] - seats[i] == edge]
        if tied_out:
            ties.append(Tie(tuple(sorted(tied_in + tuple(tied_out))), tied_in, "remainder", edge))
    return seats, ties


def _listed(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _decimal(x: Fraction) -> str:
    """A fraction as a plain decimal when it has one (``1.4``), else ``a/b``."""
    for digits in range(20):
        scaled = x * 10**digits
        if scaled.denominator == 1:
            text = str(abs(scaled.numerator)).rjust(digits + 1, "0")
            sign = "-" if x < 0 else ""
            return sign + (f"{text[:-digits]}.{text[-digits:]}" if digits else text)
    return f"{x.numerator}/{x.denominator}"
