"""Fairness numbers against cases computed by hand."""

from __future__ import annotations

import polars as pl
import pytest

from muster.oversight import analytics
from muster.oversight.schemas import GroupBurden


def row(group: str, eligible: int, called: int) -> GroupBurden:
    return GroupBurden(
        group=group,
        name=group,
        eligible=eligible,
        called=called,
        enlisted=0,
        active=called,
        released=0,
        wrongful=0,
        per_1000=1000 * called / eligible if eligible else 0.0,
    )


def test_gini_of_one_two_three_four_is_a_quarter() -> None:
    # mean 2.5; the sum of |xi - xj| over all 16 ordered pairs is 20; 20 / (2 * 16 * 2.5)
    assert analytics.gini([1, 2, 3, 4]) == pytest.approx(0.25)


def test_gini_is_zero_when_equal_and_near_one_when_one_carries_everything() -> None:
    assert analytics.gini([5, 5, 5]) == pytest.approx(0.0, abs=1e-12)
    assert analytics.gini([0, 0, 0, 10]) == pytest.approx(0.75)  # (n - 1) / n for n = 4
    assert analytics.gini([]) == 0.0


def test_weights_count_people() -> None:
    # rates 1 (held by 3 people) and 3 (held by 1): the same as [1, 1, 1, 3]
    assert analytics.gini([1, 3], [3, 1]) == pytest.approx(analytics.gini([1, 1, 1, 3]))
    # mean 1.5; pairs: 6 ordered pairs differ by 2 -> 12 / (2 * 16 * 1.5)
    assert analytics.gini([1, 1, 1, 3]) == pytest.approx(0.25)
    assert analytics.gini([7, 1], [0, 4]) == 0.0  # a group without people does not count


def test_gini_refuses_negative_values_and_mismatched_weights() -> None:
    with pytest.raises(ValueError, match="at least 0"):
        analytics.gini([-1, 2])
    with pytest.raises(ValueError, match="2 values but 1 weights"):
        analytics.gini([1, 2], [1])


def test_max_min_ratio() -> None:
    assert analytics.max_min_ratio([2.0, 8.0, 4.0]) == 4.0
    assert analytics.max_min_ratio([0.0, 3.0]) is None
    assert analytics.max_min_ratio([]) is None


def test_disparity_names_the_highest_and_lowest_region() -> None:
    rows = [row("A", 1000, 10), row("B", 1000, 40), row("C", 2000, 40), row("D", 0, 0)]
    d = analytics.disparity(rows)
    # rates 0.01, 0.04, 0.02, weights 1000, 1000, 2000: like [1, 4, 2, 2] per 1,000
    assert (d.groups, d.highest, d.lowest, d.max_min_ratio) == (3, "B", "A", 4.0)
    assert d.gini == pytest.approx(analytics.gini([1, 4, 2, 2]), abs=1e-6)
    assert d.gini == pytest.approx(0.25, abs=1e-6)  # ordered pairs sum 18; 18 / (2 * 16 * 2.25)


def test_ratio_of_two_groups() -> None:
    rows = [row("rural", 100, 20), row("urban", 400, 40)]
    assert analytics.ratio_of(rows, "rural", "urban") == 2.0
    assert analytics.ratio_of(rows, "rural", "nowhere") is None


def test_burden_counts_call_ups_per_eligible_person_by_group() -> None:
    pool = pl.DataFrame({"id": [1, 2, 3, 4, 5], "region_code": ["R1", "R1", "R1", "R1", "R2"]})
    called = pl.DataFrame(
        {
            "id": [1, 2, 5, 9],
            "region_code": ["R1", "R1", "R2", "R3"],
            "status": ["enlisted", "released", "selected", "selected"],
            "wrongful": [False, True, False, True],
        }
    )
    rows = analytics.burden(pool, called, by="region_code", quotas={"R1": 1, "R2": 2})
    r1, r2, r3 = rows
    assert (r1.eligible, r1.called, r1.enlisted, r1.released, r1.wrongful) == (4, 2, 1, 1, 1)
    assert r1.per_1000 == 500.0 and r1.fulfilment == 1.0 and r1.active == 0
    assert (r2.per_1000, r2.fulfilment, r2.active) == (1000.0, 0.0, 1)
    assert (r3.eligible, r3.per_1000) == (0, 0.0)  # called outside any pool: shown, not divided


def test_office_load_peaks_against_capacity() -> None:
    booked = pl.DataFrame(
        {
            "office": ["O1", "O1", "O1", "O2"],
            "day": ["d1", "d2", "d1", "d1"],
            "kind": ["exams", "exams", "notices", "exams"],
            "used": [3, 6, 2, 1],
        }
    )
    offices = pl.DataFrame(
        {
            "office": ["O1", "O2"],
            "region": ["R1", "R1"],
            "notices": [4, 4],
            "receptions": [5, 5],
            "exams": [4, 2],
        }
    )
    table = analytics.office_load(booked, offices)
    first = table.row(0, named=True)
    assert (first["office"], first["kind"], first["peak_used"]) == ("O1", "exams", 6)
    assert first["peak_load"] == 1.5 and first["mean_load"] == pytest.approx(1.125)
    assert first["days_full"] == 1
    assert table.height == 3


def test_claim_outcomes_by_kind() -> None:
    claims = pl.DataFrame(
        {
            "kind": ["exemption", "exemption", "exemption", "unfit"],
            "status": ["upheld", "rejected", "pending", "upheld"],
            "appeal": [False, False, True, False],
            "automatic": [True, False, False, False],
            "days": [0, 4, None, 2],
            "missed": [0, 1, 2, 0],
        }
    )
    exemption, unfit = analytics.claim_outcomes(claims)
    assert (exemption.filed, exemption.appeals, exemption.pending) == (2, 1, 1)
    assert (exemption.upheld, exemption.rejected, exemption.automatic) == (1, 1, 1)
    assert (exemption.median_days, exemption.missed_deadlines) == (2.0, 3)
    assert (unfit.kind, unfit.upheld, unfit.median_days) == ("unfit", 1, 2.0)
