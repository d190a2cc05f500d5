"""The simulator: the same seed gives the same campaign; the published formula shares the
burden more evenly than the opaque baseline."""

from __future__ import annotations

from pathlib import Path

import pytest

from muster.errors import MusterError
from muster.oversight import service as oversight

DECREE = str(Path("decrees/partial-mobilization-2022.yaml"))


@pytest.fixture(scope="module")
def small() -> oversight.SimulationResult:
    return oversight.simulation(None, decree=DECREE, persons=20_000, days=40, seed=3)


def test_the_same_seed_gives_the_same_campaign(small: oversight.SimulationResult) -> None:
    again = oversight.simulation(None, decree=DECREE, persons=20_000, days=40, seed=3)
    assert again.model_dump() == small.model_dump()
    other = oversight.simulation(None, decree=DECREE, persons=20_000, days=40, seed=4)
    assert other.model_dump() != small.model_dump()


def test_the_published_formula_shares_the_burden_more_evenly(
    small: oversight.SimulationResult,
) -> None:
    published, opaque = small.scenarios
    assert (published.name, opaque.name) == ("published", "opaque")
    assert published.regions.gini < opaque.regions.gini
    assert published.rural_over_urban is not None and opaque.rural_over_urban is not None
    assert abs(published.rural_over_urban - 1) < abs(opaque.rural_over_urban - 1)
    assert published.peak_load <= 1.0 < opaque.peak_load  # report days booked within capacity
    assert published.wrongful_enlisted == 0 < opaque.wrongful_enlisted


def test_quotas_add_up_to_the_target_and_nobody_outside_the_pool_is_enlisted(
    small: oversight.SimulationResult,
) -> None:
    for s in small.scenarios:
        assert sum(r.quota for r in s.by_region) == s.target == 200  # 300,000 per 30 million
        assert s.enlisted <= s.target
        assert s.enlisted_by_day == sorted(s.enlisted_by_day)


def test_methods_and_decrees_are_compared_by_name() -> None:
    chosen = oversight.scenarios(None, decree=DECREE, compare=["opaque", "webster", "hamilton"])
    assert [s.name for s in chosen] == ["published", "opaque", "webster", "hamilton"]
    assert chosen[0].method == "huntington-hill"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"compare": ["bogus"]}, "'bogus' is not a scenario"),
        ({"compare": ["opaque", "opaque"]}, "each scenario must differ"),
        ({"persons": 10}, "--persons must be at least 100"),
        ({"days": 0}, "--days must be from 1 to 366"),
        ({"target": 10_000_000}, "more than the regions can take"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(kwargs: dict[str, object], message: str) -> None:
    args: dict[str, object] = {"decree": DECREE, "persons": 2_000, "days": 10} | kwargs
    with pytest.raises(MusterError, match=message):
        oversight.simulation(None, **args)  # type: ignore[arg-type]
