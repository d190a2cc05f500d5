"""The lottery audit on real draws (the U.S. draft lotteries of 1969-1972) and synthetic ones."""

from __future__ import annotations

import calendar
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy import stats

from muster.errors import MusterError
from muster.selection.randomness import audit_ranks, average_ranks

DATA = Path(__file__).parent / "data"
DRAWS = {"1969": 1948, "1970": 1951, "1971": 1952, "1972": 1953}  # birth year in the file


def draft(year: str) -> pl.DataFrame:
    return pl.read_csv(DATA / f"draft-{year}.csv", comment_prefix="#", try_parse_dates=True)


def number_of(frame: pl.DataFrame, day: date) -> int:
    return int(frame.filter(pl.col("birth_date") == day)["draft_number"].item())


# The data: checked, so that the audit's verdicts rest on the real draws.


@pytest.mark.parametrize("year", DRAWS)
def test_each_draw_numbers_every_day_of_its_year_once(year: str) -> None:
    frame = draft(year)
    birth_year = DRAWS[year]
    days = 366 if calendar.isleap(birth_year) else 365
    assert frame.height == days
    assert frame["draft_number"].sort().to_list() == list(range(1, days + 1))
    first = date(birth_year, 1, 1)
    assert frame["birth_date"].to_list() == [first + timedelta(d) for d in range(days)]
    assert frame["day_of_year"].to_list() == list(range(1, days + 1))


def test_draws_hold_the_numbers_reported_at_the_time() -> None:
    d1969, d1970 = draft("1969"), draft("1970")
    assert number_of(d1969, date(1948, 9, 14)) == 1  # the first capsule drawn
    assert number_of(d1969, date(1948, 6, 8)) == 366  # the last
    assert number_of(d1970, date(1951, 7, 9)) == 1
    assert number_of(d1970, date(1951, 9, 16)) == 139  # the first pair drawn
    assert number_of(d1970, date(1951, 5, 11)) == 293  # Starr's correction of a misprint


def test_1969_month_by_thirds_table_matches_the_published_one() -> None:
    frame = draft("1969").with_columns(
        month=pl.col("birth_date").dt.month(),
        third=(pl.col("draft_number") - 1) // 122,
    )
    table = (
        frame.pivot(on="third", index="month", values="draft_number", aggregate_function="len")
        .sort("month")
        .select("0", "1", "2")
        .to_numpy()
    )
    published = [[9, 12, 10], [7, 12, 10], [5, 10, 16], [8, 8, 14], [9, 7, 15], [11, 7, 12]]
    published += [[12, 7, 12], [13, 7, 11], [10, 15, 5], [9, 15, 7], [12, 12, 6], [17, 10, 4]]
    assert table.tolist() == published
    chi2, p, df, _ = stats.chi2_contingency(table)
    assert (round(chi2, 3), df, round(p, 5)) == (37.156, 22, 0.02274)


# The verdicts on the real draws.


def test_the_1969_draft_lottery_is_biased() -> None:
    frame = draft("1969")
    audit = audit_ranks(frame["birth_date"], frame["draft_number"])
    assert audit.n == 366 and audit.key_kind == "date" and audit.grouping == "month"
    assert audit.spearman_rho == pytest.approx(-0.226, abs=5e-4)
    assert audit.spearman_p is not None and audit.spearman_p < 1e-4
    assert audit.chi_square_df == 11
    assert audit.chi_square_p is not None and audit.chi_square_p < 0.01
    assert audit.tests == 2
    assert audit.p_value == pytest.approx(2 * audit.spearman_p)
    assert audit.verdict == "biased"
    means = {g.label: g.mean_rank for g in audit.groups}
    assert means["Dec"] == pytest.approx(121.5, abs=0.05)
    assert means["Jan"] == pytest.approx(201.2, abs=0.05)
    assert [g.count for g in audit.groups] == [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]


def test_the_1970_draft_lottery_shows_no_evidence_of_bias() -> None:
    frame = draft("1970")
    audit = audit_ranks(frame["birth_date"], frame["draft_number"])
    assert audit.n == 365
    assert audit.spearman_rho == pytest.approx(0.014, abs=5e-4)
    assert audit.chi_square_p is not None and audit.chi_square_p > 0.5
    assert audit.p_value == 1.0
    assert audit.verdict == "no evidence of bias"


@pytest.mark.parametrize(("year", "rho"), [("1971", -0.066), ("1972", -0.006)])
def test_the_later_draft_lotteries_show_no_evidence_of_bias(year: str, rho: float) -> None:
    frame = draft(year)
    audit = audit_ranks(frame["birth_date"], frame["draft_number"])
    assert audit.spearman_rho == pytest.approx(rho, abs=5e-4)
    assert audit.verdict == "no evidence of bias"


def test_the_1969_bias_shows_against_the_day_number_too() -> None:
    frame = draft("1969")
    audit = audit_ranks(frame["day_of_year"], frame["draft_number"])
    assert audit.key_kind == "number" and audit.grouping == "decile"
    assert len(audit.groups) == 10
    assert audit.groups[0].label == "D1 1 – 37" and audit.groups[-1].label == "D10 330 – 366"
    assert audit.spearman_rho == pytest.approx(-0.226, abs=5e-4)
    assert audit.verdict == "biased"


# The statistics agree with SciPy's reference implementations.


@pytest.mark.parametrize("seed", range(6))
def test_statistics_agree_with_scipy_with_and_without_ties(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(5, 400))
    ranks = rng.permutation(n) + 1 if seed % 2 else rng.integers(1, n // 2 + 2, n)
    keys = rng.normal(size=n) if seed < 3 else rng.integers(0, 9, n)
    audit = audit_ranks(pl.Series("k", keys), pl.Series("r", ranks), grouping="value")
    rho, p = stats.spearmanr(keys, ranks)
    assert audit.spearman_rho == pytest.approx(rho, rel=1e-9, abs=1e-12)
    assert audit.spearman_p == pytest.approx(p, rel=1e-6)
    groups = [ranks[keys == v] for v in np.unique(keys)]
    if len(groups) > 1 and len(groups) < n:
        h, p_h = stats.kruskal(*groups)
        assert audit.chi_square == pytest.approx(h, rel=1e-9)
        assert audit.chi_square_p == pytest.approx(p_h, rel=1e-6)
        assert audit.chi_square_df == len(groups) - 1


pairs = st.lists(st.tuples(st.integers(-5, 5), st.integers(0, 30)), min_size=3, max_size=60)


@settings(max_examples=200, deadline=None)
@given(pairs)
def test_any_small_lottery_is_audited_as_scipy_would(rows: list[tuple[int, int]]) -> None:
    keys = np.array([k for k, _ in rows])
    ranks = np.array([r for _, r in rows])
    assume(np.unique(ranks).size > 1 and np.unique(keys).size > 1)
    audit = audit_ranks(pl.Series("k", keys), pl.Series("r", ranks), grouping="value")
    rho, p = stats.spearmanr(keys, ranks)
    h, p_h = stats.kruskal(*(ranks[keys == v] for v in np.unique(keys)))
    assert audit.spearman_rho == pytest.approx(rho, abs=1e-9)
    assert audit.spearman_p == pytest.approx(p, abs=1e-9)
    assert audit.chi_square == pytest.approx(h, rel=1e-9, abs=1e-9)
    assert audit.chi_square_p == pytest.approx(p_h, abs=1e-9)
    assert audit.p_value == pytest.approx(min(1.0, 2 * min(p, p_h)), abs=1e-9)


@given(pairs, st.sampled_from([lambda r: r * 3 + 7, lambda r: r**3, lambda r: r / 10.0]))
def test_only_the_order_of_ranks_matters(
    rows: list[tuple[int, int]], renumber: Callable[[np.ndarray], np.ndarray]
) -> None:
    keys = pl.Series("k", [k for k, _ in rows])
    ranks = np.array([r for _, r in rows])
    assume(np.unique(ranks).size > 1)
    renumbered = renumber(ranks)
    before = audit_ranks(keys, pl.Series("r", ranks))
    after = audit_ranks(keys, pl.Series("r", renumbered))
    assert after.p_value == pytest.approx(before.p_value, rel=1e-9)
    assert after.verdict == before.verdict


@pytest.mark.parametrize(
    "values",
    [
        np.array([3, 1, 2, 2, 5, 5, 5]),  # counted: small integer span
        np.array([10**12, 7, 7, -3]),  # sorted: a wide span
        np.array([0.5, -1.0, 0.5, 2.25]),  # sorted: floats
        np.arange(100, 0, -1),  # a permutation of consecutive integers
    ],
)
def test_average_ranks_equal_scipy_rankdata(values: np.ndarray) -> None:
    ranked = average_ranks(values)
    np.testing.assert_allclose(ranked.ranks, stats.rankdata(values))
    _, counts = np.unique(values, return_counts=True)
    assert ranked.distinct == counts.size
    assert ranked.ties == float(np.sum(counts.astype(float) ** 3 - counts))


# Synthetic lotteries of 100,000: fair, partly sorted by key, favouring a region.


def birth_dates(rng: np.random.Generator, n: int) -> pl.Series:
    days = rng.integers(0, 365 * 12, n)
    return pl.Series("birth_date", np.datetime64("1980-01-01") + days.astype("timedelta64[D]"))


def test_a_fair_lottery_of_100k_shows_no_evidence_of_bias() -> None:
    rng = np.random.default_rng(2024)
    keys = birth_dates(rng, 100_000)
    audit = audit_ranks(keys, pl.Series("rank", rng.permutation(100_000) + 1))
    assert audit.verdict == "no evidence of bias"
    assert audit.p_value > 0.01
    assert audit.spearman_rho is not None and abs(audit.spearman_rho) < 0.01


def test_a_lottery_that_sorts_some_of_its_draws_by_key_is_biased() -> None:
    rng = np.random.default_rng(7)
    n = 100_000
    keys = birth_dates(rng, n)
    ranks = rng.permutation(n) + 1
    # 3% of the draws are handed out by birth date, oldest first, into the positions they had.
    chosen = rng.choice(n, size=n * 3 // 100, replace=False)
    by_age = chosen[np.argsort(keys.to_numpy()[chosen], kind="stable")]
    ranks[by_age] = np.sort(ranks[chosen])
    audit = audit_ranks(keys, pl.Series("rank", ranks))
    assert audit.verdict == "biased"
    assert audit.spearman_rho is not None and audit.spearman_rho > 0


def test_a_lottery_favouring_one_region_is_caught_by_the_group_test() -> None:
    rng = np.random.default_rng(11)
    n = 100_000
    regions = np.array([f"R{i:02d}" for i in range(1, 21)])[rng.integers(0, 20, n)]
    score = rng.random(n) + np.where(regions == "R07", 0.03, 0.0)  # R07 is drawn a bit later
    ranks = np.argsort(np.argsort(score)) + 1
    audit = audit_ranks(pl.Series("region_code", regions), pl.Series("rank", ranks))
    assert audit.key_kind == "category" and audit.grouping == "value"
    assert audit.spearman_rho is None and audit.spearman_p is None
    assert audit.tests == 1 and audit.p_value == audit.chi_square_p
    assert audit.chi_square_df == 19
    assert audit.verdict == "biased"
    worst = max(audit.groups, key=lambda g: g.mean_rank)
    assert worst.label == "R07"


def test_a_fair_lottery_across_regions_shows_no_evidence_of_bias() -> None:
    rng = np.random.default_rng(12)
    regions = np.array(["north", "south", "east", "west"])[rng.integers(0, 4, 20_000)]
    audit = audit_ranks(pl.Series("region", regions), pl.Series("rank", rng.permutation(20_000)))
    assert audit.verdict == "no evidence of bias"
    assert [g.label for g in audit.groups] == ["east", "north", "south", "west"]


# Ties, odd keys and inputs that cannot be audited.


def test_repeated_ranks_are_averaged_and_noted() -> None:
    keys = pl.Series("k", [1, 2, 3, 4, 5, 6])
    audit = audit_ranks(keys, pl.Series("r", [1, 1, 2, 3, 3, 3]))
    assert audit.distinct_ranks == 3
    assert any("3 ranks repeat an earlier one" in note for note in audit.notes)
    rho, _ = stats.spearmanr([1, 2, 3, 4, 5, 6], [1, 1, 2, 3, 3, 3])
    assert audit.spearman_rho == pytest.approx(rho)


def test_a_constant_key_tests_nothing_and_finds_no_bias() -> None:
    audit = audit_ranks(pl.Series("region", ["R01"] * 5), pl.Series("rank", [5, 3, 1, 2, 4]))
    assert audit.tests == 0 and audit.p_value == 1.0
    assert audit.spearman_rho is None and audit.chi_square is None
    assert audit.verdict == "no evidence of bias"
    assert audit.notes == [
        "region has a single value; ranks cannot depend on it and nothing was tested"
    ]


def test_dates_within_one_month_still_get_the_trend_test() -> None:
    days = pl.Series("d", [date(2022, 9, d) for d in range(1, 11)])
    audit = audit_ranks(days, pl.Series("r", list(range(10, 0, -1))))
    assert audit.chi_square is None and audit.tests == 1
    assert audit.spearman_rho == -1.0 and audit.verdict == "biased"


def test_datetimes_are_dates() -> None:
    start = datetime(2022, 1, 1, 8)
    keys = pl.Series("t", [start + timedelta(days=40 * i) for i in range(9)])
    audit = audit_ranks(keys, pl.Series("r", [3, 1, 2, 6, 5, 4, 9, 7, 8]))
    assert audit.key_kind == "date" and audit.grouping == "month"


def test_small_groups_are_noted() -> None:
    audit = audit_ranks(pl.Series("k", ["a", "a", "b", "b", "b"]), pl.Series("r", [1, 2, 3, 4, 5]))
    assert any("fewer than 5 ranks" in note for note in audit.notes)


def test_fewer_than_three_rows_is_an_error() -> None:
    with pytest.raises(MusterError, match=r"2 rows to audit; .* at least 3"):
        audit_ranks(pl.Series("k", [1, 2]), pl.Series("r", [2, 1]))


def test_missing_values_are_counted_and_located() -> None:
    keys = pl.Series("birth_date", [date(2000, 1, 1), None, date(2000, 1, 3), None])
    with pytest.raises(MusterError, match=r"birth_date: 2 of 4 rows have no key \(rows 2, 4,"):
        audit_ranks(keys, pl.Series("r", [1, 2, 3, 4]))
    with pytest.raises(MusterError, match=r"rank: 1 of 3 rows have no rank \(row 2,"):
        audit_ranks(pl.Series("k", [1, 2, 3]), pl.Series("rank", [1.0, float("nan"), 3.0]))


def test_ranks_that_are_all_equal_are_an_error() -> None:
    with pytest.raises(MusterError, match="every row has the same rank"):
        audit_ranks(pl.Series("k", [1, 2, 3]), pl.Series("r", [7, 7, 7]))


@pytest.mark.parametrize(
    ("keys", "grouping", "message"),
    [
        (pl.Series("k", [1, 2, 3]), "month", "grouping by month needs dates"),
        (pl.Series("k", ["a", "b", "c"]), "decile", "grouping by decile needs an ordered key"),
        (pl.Series("k", [1, 2, 3]), "weekly", "'weekly' is not a grouping"),
    ],
)
def test_a_grouping_that_does_not_fit_the_key_is_an_error(
    keys: pl.Series, grouping: str, message: str
) -> None:
    with pytest.raises(MusterError, match=message):
        audit_ranks(keys, pl.Series("r", [1, 2, 3]), grouping=grouping)  # type: ignore[arg-type]


def test_too_many_value_groups_is_an_error() -> None:
    n = 10_001
    with pytest.raises(MusterError, match="10,001 distinct values is too many groups"):
        audit_ranks(pl.Series("k", np.arange(n)), pl.Series("r", np.arange(n)), grouping="value")


def test_keys_of_another_type_and_text_ranks_are_errors() -> None:
    with pytest.raises(MusterError, match="a key must be dates, numbers or text"):
        audit_ranks(pl.Series("k", [[1], [2], [3]]), pl.Series("r", [1, 2, 3]))
    with pytest.raises(MusterError, match="ranks must be numbers"):
        audit_ranks(pl.Series("k", [1, 2, 3]), pl.Series("r", ["1", "2", "3"]))
