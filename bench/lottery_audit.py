"""Lottery audit speed: ``audit_ranks`` against a plain ``numpy.argsort`` of the same ranks.

For each size N (``--sizes``, default 1,000,000 and 5,000,000): a fair lottery (a random
permutation of 1..N, seed 1) of N persons with random birth dates over 30 years and one of
85 region codes, then

1. ``audit_ranks(birth_dates, ranks)`` (Spearman + Kruskal–Wallis by calendar month),
2. ``audit_ranks(region_codes, ranks)`` (Kruskal–Wallis by region),
3. the peer: ``numpy.argsort(ranks)``, about the least work any rank statistic needs,

each timed ``--repeat`` times in turns (so other work on the machine weighs on all alike),
medians kept; ratio = audit time ÷ argsort time. With ``--scipy`` (default on up to
5,000,000) also SciPy's ``spearmanr`` and ``kruskal`` on the date key, for comparison, and
the two results are checked to agree. ``--plot`` times ``plot_audit`` on the largest size.

    .venv/bin/python bench/lottery_audit.py
    .venv/bin/python bench/lottery_audit.py --sizes 25000000 --no-scipy

It prints a table and writes ``bench/out/lottery_audit-<time>.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from scipy import stats

from muster.selection.plots import plot_audit
from muster.selection.randomness import audit_ranks

OUT = Path(__file__).parent / "out"
SCIPY_LIMIT = 5_000_000


def lottery(n: int) -> tuple[pl.Series, pl.Series, pl.Series]:
    rng = np.random.default_rng(1)
    ranks = pl.Series("rank", rng.permutation(n) + 1)
    days = rng.integers(-15_000, -15_000 + 365 * 30, n).astype(np.int32)
    birth_dates = pl.Series("birth_date", days).cast(pl.Date)
    codes = np.array([f"R{i:02d}" for i in range(1, 86)])
    regions = pl.Series("region_code", codes[rng.integers(0, 85, n)])
    return birth_dates, regions, ranks


def scipy_audit(birth_dates: pl.Series, ranks: pl.Series) -> tuple[float, float]:
    days = birth_dates.to_physical().to_numpy()
    values = ranks.to_numpy()
    rho, _ = stats.spearmanr(days, values)
    months = birth_dates.dt.month().to_numpy()
    h, _ = stats.kruskal(*(values[months == m] for m in range(1, 13)))
    return float(rho), float(h)


def timed_in_turns(tasks: dict[str, Callable[[], object]], repeat: int) -> dict[str, float]:
    times: dict[str, list[float]] = {name: [] for name in tasks}
    for _ in range(repeat):
        for name, task in tasks.items():
            start = time.perf_counter()
            task()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in times.items()}


def commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
            cwd=Path(__file__).parent,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000000,5000000", help="Comma-separated N.")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--scipy", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--plot", action=argparse.BooleanOptionalAction, default=True)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    load_before = os.getloadavg()[0]
    results: list[dict[str, Any]] = []
    for n in sizes:
        birth_dates, regions, ranks = lottery(n)
        values = ranks.to_numpy()
        tasks: dict[str, Callable[[], object]] = {
            "argsort": lambda values=values: np.argsort(values),
            "audit date": lambda b=birth_dates, r=ranks: audit_ranks(b, r),
            "audit region": lambda g=regions, r=ranks: audit_ranks(g, r),
        }
        if args.scipy and n <= SCIPY_LIMIT:
            tasks["scipy date"] = lambda b=birth_dates, r=ranks: scipy_audit(b, r)
        medians = timed_in_turns(tasks, args.repeat)
        row: dict[str, Any] = {"n": n, "seconds": medians}
        row["ratio"] = {
            name: medians[name] / medians["argsort"] for name in medians if name != "argsort"
        }
        if "scipy date" in medians:
            ours = audit_ranks(birth_dates, ranks)
            rho, h = scipy_audit(birth_dates, ranks)
            assert ours.spearman_rho is not None and ours.chi_square is not None
            row["agrees_with_scipy"] = bool(
                np.isclose(ours.spearman_rho, rho, rtol=1e-9, atol=1e-12)
                and np.isclose(ours.chi_square, h, rtol=1e-9)
            )
        results.append(row)
        print(f"N = {n:,}")
        for name, seconds in medians.items():
            ratio = "" if name == "argsort" else f"  ratio {seconds / medians['argsort']:.2f}"
            print(f"  {name:<14} {seconds:7.3f} s{ratio}")
        if "agrees_with_scipy" in row:
            print(f"  agrees with scipy: {row['agrees_with_scipy']}")
    plot_seconds = None
    if args.plot:
        audit = audit_ranks(birth_dates, ranks)
        with tempfile.TemporaryDirectory() as folder:
            start = time.perf_counter()
            plot_audit(birth_dates, ranks, audit, Path(folder) / "audit.png")
            plot_seconds = time.perf_counter() - start
        print(f"plot_audit on N = {sizes[-1]:,} (birth dates): {plot_seconds:.2f} s")
    report = {
        "commit": commit(),
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "versions": {"numpy": np.__version__, "polars": pl.__version__},
        "load_before": load_before,
        "load_after": os.getloadavg()[0],
        "repeat": args.repeat,
        "results": results,
        "plot_seconds": plot_seconds,
    }
    OUT.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    path = OUT / f"lottery_audit-{stamp}.json"
    path.write_text(json.dumps(report, indent=2), encoding="utf-8")
    print(f"written {path}")


if __name__ == "__main__":
    main()
