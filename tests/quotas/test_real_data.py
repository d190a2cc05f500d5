"""Real allocations reproduced exactly: census apportionments and elections.

Each file in ``data/`` holds the published weights and seats, with its sources in ``#`` lines.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from muster.quotas.apportion import apportion, sequential

DATA = Path(__file__).parent / "data"


@dataclass(frozen=True)
class Case:
    file: str
    method: str
    options: dict[str, Any] = field(default_factory=dict)


CASES = [
    Case("us-2020.csv", "huntington-hill"),
    Case("us-2010.csv", "huntington-hill"),
    Case("us-2000.csv", "huntington-hill"),
    Case("us-1990.csv", "huntington-hill"),
    Case("us-1940.csv", "huntington-hill"),
    Case("us-1910.csv", "webster", {"min_seats": 1}),
    Case("us-1790.csv", "jefferson"),
    Case("de-bundestag-2005.csv", "hamilton"),
    Case("nz-2020.csv", "sainte-lague"),
    Case("nz-2017.csv", "sainte-lague"),
    Case("nz-2017-preliminary.csv", "sainte-lague"),
    Case("se-riksdag-2022.csv", "sainte-lague", {"first_divisor": Fraction("1.2")}),
]


def published(name: str) -> tuple[list[str], list[int], list[int]]:
    """Names, weights and published seats of a data file (``#`` lines are its sources)."""
    path = DATA / name
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line[:1] != "#"]
    rows = list(csv.DictReader(lines))
    assert rows, f"{path} has no rows"
    return (
        [r["name"] for r in rows],
        [int(r["weight"]) for r in rows],
        [int(r["seats"]) for r in rows],
    )


def test_every_data_file_cites_its_source() -> None:
    for path in sorted(DATA.glob("*.csv")):
        assert "# source" in path.read_text(encoding="utf-8"), path
    assert {c.file for c in CASES} == {p.name for p in DATA.glob("*.csv")}


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.file)
def test_reproduces_the_published_allocation(case: Case) -> None:
    names, weights, seats = published(case.file)
    result = apportion(weights, total=sum(seats), method=case.method, **case.options)
    assert dict(zip(names, result.seats, strict=True)) == dict(zip(names, seats, strict=True))
    assert result.ties == ()


@pytest.mark.parametrize("case", [c for c in CASES if c.method != "hamilton"], ids=lambda c: c.file)
def test_the_seat_by_seat_definition_agrees(case: Case) -> None:
    _, weights, seats = published(case.file)
    assert list(sequential(weights, total=sum(seats), method=case.method, **case.options)) == seats


def test_us_census_totals_are_the_published_ones() -> None:
    totals = {
        "us-2020.csv": 331_108_434,
        "us-2010.csv": 309_183_463,
        "us-2000.csv": 281_424_177,
        "us-1990.csv": 249_022_783,
        "us-1940.csv": 131_006_184,
        "us-1790.csv": 3_615_920,
    }
    for name, total in totals.items():
        assert sum(published(name)[1]) == total, name


def test_1940_webster_would_have_moved_a_seat_from_arkansas_to_michigan() -> None:
    names, weights, seats = published("us-1940.csv")
    webster = apportion(weights, total=435, method="webster", min_seats=1)
    moved = {
        n: (new, old) for n, new, old in zip(names, webster.seats, seats, strict=True) if new != old
    }
    assert moved == {"Arkansas": (6, 7), "Michigan": (18, 17)}


def test_1910_nevada_keeps_its_seat_only_by_the_constitutional_minimum() -> None:
    names, weights, _ = published("us-1910.csv")
    without = apportion(weights, total=433, method="webster")
    assert dict(zip(names, without.seats, strict=True))["Nevada"] == 0


def test_2020_divisor_rounds_every_state_at_the_geometric_mean() -> None:
    _, weights, seats = published("us-2020.csv")
    result = apportion(weights, total=435, method="huntington-hill")
    d = result.divisor
    assert d is not None
    for w, n in zip(weights, seats, strict=True):
        assert (n - 1) * n < (w / d) ** 2 < n * (n + 1)


def test_1790_divisor_rounds_down_like_the_act_of_1792() -> None:
    _, weights, seats = published("us-1790.csv")
    assert [w // 33_000 for w in weights] == seats  # "one for every thirty-three thousand"
    d = apportion(weights, total=105, method="dhondt").divisor
    assert d is not None
    assert [w // d for w in weights] == seats
