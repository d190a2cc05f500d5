"""How the methods share the seats of a checked apportionment problem (pure, exact arithmetic).

``apportion.py`` checks the input and publishes the result; this module holds what it runs: the
divisor methods' fast path (a guessed divisor, exact counts, then the few seats missing or extra
by exact claim), Hamilton's largest remainders, and the ties either of them decides. The rules
are described in ``apportion.py``.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

TIE_RULE = "larger weight first, then earlier in the input"


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
            on += f" of {as_decimal(self.value)}"
        plural = "s" if self.seats != 1 else ""
        return (
            f"tie for {self.seats} seat{plural} between {tied} ({on}): "
            f"given to {won} by the rule {TIE_RULE}"
        )


@dataclass(frozen=True)
class Problem:
    """Checked input (``apportion._prepare``): weights, bounds per entry, the entries dropped."""

    weights: tuple[Fraction, ...]
    total: int
    method: str
    low: tuple[int, ...]
    high: tuple[int | None, ...]
    dropped: tuple[int, ...]
    first: Fraction


def open_entries(p: Problem) -> list[int]:
    """Entries that can take seats beyond their minimum."""
    return [i for i, w in enumerate(p.weights) if w > 0 and below_cap(p, i, p.low[i])]


def below_cap(p: Problem, i: int, n: int) -> bool:
    cap = p.high[i]
    return cap is None or n < cap


def seat_claim(p: Problem, i: int, n: int) -> Fraction | None:
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


def _count(p: Problem, w: Fraction, lam: Fraction) -> int:
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


def _count_float(p: Problem, w: float, lam: float, first: float) -> float:
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


def divisor_method(p: Problem) -> tuple[list[int], list[Tie], Fraction | None]:
    seats = list(p.low)
    active = open_entries(p)
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
    taken = {i: seat_claim(p, i, seats[i] - 1) for i in active if seats[i] > base[i]}
    waiting = {i: seat_claim(p, i, seats[i]) for i in active if below_cap(p, i, seats[i])}
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


def _guess(p: Problem, active: list[int], base: list[int]) -> float:
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


def _step(p: Problem, active: list[int], base: list[int], seats: list[int]) -> None:
    """Add or remove the seats still missing or extra, one at a time by exact claim."""
    missing = p.total - sum(seats)
    if missing > 0:
        best: list[tuple[Fraction, Fraction, int]] = []
        for i in active:
            if below_cap(p, i, seats[i]):
                best.append((-_known(p, i, seats[i]), -p.weights[i], i))
        heapq.heapify(best)
        for _ in range(missing):
            _, _, i = heapq.heappop(best)
            seats[i] += 1
            if below_cap(p, i, seats[i]):
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


def _known(p: Problem, i: int, n: int) -> Fraction:
    """A finite claim (beyond an entry's guaranteed first seat)."""
    rank = seat_claim(p, i, n)
    assert rank is not None, "first seats are given before any claim is compared"
    return rank


def _published_divisor(
    p: Problem, lowest_in: Fraction | None, highest_out: Fraction | None
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


def hamilton(p: Problem) -> tuple[list[int], list[Tie]]:
    n = len(p.weights)
    seats = list(p.low)
    free = set(open_entries(p))
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


def as_decimal(x: Fraction) -> str:
    """A fraction as a plain decimal when it has one (``1.4``), else ``a/b``."""
    for digits in range(20):
        scaled = x * 10**digits
        if scaled.denominator == 1:
            text = str(abs(scaled.numerator)).rjust(digits + 1, "0")
            sign = "-" if x < 0 else ""
            return sign + (f"{text[:-digits]}.{text[-digits:]}" if digits else text)
    return f"{x.numerator}/{x.denominator}"
