"""Apportionment speed: muster's exact divisor search against giving the seats one at a time.

For ``--total`` seats (default 300,000, a national call-up) over ``--regions`` regions (default
85) with skewed, seeded pool sizes, each method is timed as ``muster.quotas.apportion.apportion``
(median of ``--repeat`` runs) next to the simplest exact reference: one seat at a time from a heap
of exact claims (the same claims, tie rule and result, but ``total`` heap operations). Every result
is checked against the reference. Hamilton has no seat-by-seat form; it is timed alone. Nothing
passes or fails: the ratio is reference time ÷ muster time.

    .venv/bin/python bench/apportion.py
    .venv/bin/python bench/apportion.py --total 1000000 --regions 200
"""

from __future__ import annotations

import argparse
import heapq
import os
import random
import statistics
import time
from collections.abc import Callable, Sequence
from fractions import Fraction

from muster.quotas.apportion import DIVISOR_METHODS, apportion


def pools(regions: int, seed: int) -> list[int]:
    """Eligible pools per region: a few large regions, many small ones (log-normal sizes)."""
    rnd = random.Random(seed)
    return [int(rnd.lognormvariate(11.5, 1.0)) + 1_000 for _ in range(regions)]


def claim(method: str, w: int, n: int) -> Fraction | None:
    """The (n+1)-th seat's claim; None is a first seat's infinite claim."""
    if method == "jefferson":
        return Fraction(w, n + 1)
    if method == "webster":
        return Fraction(w, 2 * n + 1)
    if n == 0:
        return None
    return Fraction(w, n) if method == "adams" else Fraction(w * w, n * (n + 1))


def one_at_a_time(weights: Sequence[int], total: int, method: str) -> tuple[int, ...]:
    """The reference: each seat to the highest claim (ties: larger weight, then earlier)."""
    seats = [0] * len(weights)
    heap: list[tuple[int, Fraction, int, int]] = []
    for i, w in enumerate(weights):
        c = claim(method, w, 0)
        heap.append((0, -c, -w, i) if c is not None else (-1, Fraction(0), -w, i))
    heapq.heapify(heap)
    for _ in range(total):
        _, _, _, i = heapq.heappop(heap)
        seats[i] += 1
        c = claim(method, weights[i], seats[i])
        assert c is not None
        heapq.heappush(heap, (0, -c, -weights[i], i))
    return tuple(seats)


def timed(run: Callable[[], object], repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--total", type=int, default=300_000)
    parser.add_argument("--regions", type=int, default=85)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    weights = pools(args.regions, args.seed)
    print(
        f"{args.total:,} seats over {args.regions} regions (pool {sum(weights):,}), "
        f"load {os.getloadavg()[0]:.1f}"
    )
    print(f"{'method':<16} {'muster ms':>10} {'one-at-a-time ms':>17} {'ratio':>8}  same")
    for method in (*DIVISOR_METHODS, "hamilton"):
        fast, result = timed(
            lambda m=method: apportion(weights, total=args.total, method=m).seats, args.repeat
        )
        if method == "hamilton":
            print(f"{method:<16} {fast * 1e3:>10.2f} {'—':>17} {'—':>8}  —")
            continue
        slow, reference = timed(lambda m=method: one_at_a_time(weights, args.total, m), 1)
        same = "yes" if reference == result else "NO"
        print(f"{method:<16} {fast * 1e3:>10.2f} {slow * 1e3:>17.0f} {slow / fast:>8.0f}  {same}")


if __name__ == "__main__":
    main()
